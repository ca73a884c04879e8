//! Token tests over a mock reader holding the simulator's TS-CNS (`card::testing::SimCard`).

use std::sync::{Arc, Mutex};

use super::*;
use crate::card::cns::tests::{serial, stincard_10_atr, TestKey};
use crate::card::testing::{cns_variant, Events, MockTransport, SimCard, PIN};
use crate::card::Inserted;

fn setup_with(
    card: SimCard,
    atr: &[u8],
) -> (Option<Token>, Arc<Mutex<SimCard>>, Arc<Mutex<Events>>) {
    let card = Arc::new(Mutex::new(card));
    let events = Arc::new(Mutex::new(Events::default()));
    let transport = MockTransport {
        card: card.clone(),
        events: events.clone(),
        atr: atr.to_vec(),
    };
    let token = Token::bind(Inserted::new(Box::new(transport))).unwrap();
    (token, card, events)
}

/// The ST 2021 of `cardsim --variant stincard`.
fn st_2021_atr() -> Vec<u8> {
    cns_variant("stincard").atr.to_vec()
}

fn setup() -> (Token, Arc<Mutex<SimCard>>, Arc<Mutex<Events>>) {
    let (token, card, events) = setup_with(SimCard::cns("stincard"), &st_2021_atr());
    (token.expect("TS-CNS bound"), card, events)
}

fn private_key(token: &Token) -> ObjectIndex {
    token
        .objects()
        .iter()
        .position(|o| o.class == ObjectClass::PrivateKey)
        .unwrap()
}

/// `sig` verifies over `message` under the ST 2021's key, with ring.
fn verify(algorithm: &ring::signature::RsaParameters, message: &[u8], sig: &[u8]) {
    let key = TestKey::stincard().public();
    ring::signature::RsaPublicKeyComponents {
        n: &key.modulus,
        e: &key.exponent,
    }
    .verify(algorithm, message, sig)
    .expect("the signature verifies");
}

/// Each user PIN is refused with its error (before any APDU: the callers check that).
pub(super) fn refuses_pins(token: &mut Token, refusals: &[(&[u8], TokenError)]) {
    for (pin, refusal) in refusals {
        assert_eq!(
            token.login(PinKind::User, pin),
            Err(refusal.clone()),
            "{}",
            String::from_utf8_lossy(pin)
        );
    }
}

/// A PKCS#1 v1.5 signature of a 20-byte block with the token's private key.
fn sign_20_bytes(token: &mut Token) -> Result<Vec<u8>, TokenError> {
    let key = private_key(token);
    token.sign(key, &SignRequest::Pkcs1v15 { data: vec![1; 20] })
}

fn sent(card: &Arc<Mutex<SimCard>>) -> usize {
    card.lock().unwrap().sent.len()
}

#[test]
fn bind_reads_public_data_in_one_transaction_and_seven_apdus() {
    let (token, card, events) = setup();
    assert_eq!(events.lock().unwrap().transactions, 1);
    // Probe/serial 2, EF 1102 2, certificate 2, retry counter 1.
    assert_eq!(sent(&card), 7);
    let info = token.info();
    assert_eq!(info.label, "TS-CNS ROSSI MARIO");
    assert_eq!(info.serial, serial("stincard"));
    assert_eq!(info.model, "ST 2021");
    assert_eq!(info.manufacturer, "STIncard");
    assert_eq!(info.user_retries, RetryState::Left { left: 3, max: 3 });
    // Certificate, public key, private key, then the holder data objects (private).
    assert_eq!(token.objects().len(), 6);
    assert_eq!(token.modulus_bits, 2048);
    let data: Vec<_> = token
        .objects()
        .iter()
        .filter(|o| o.class == ObjectClass::Data)
        .collect();
    assert_eq!(data.len(), 3);
    assert!(data.iter().all(|o| o.private));
    let value = |label: &[u8]| {
        data.iter()
            .find(|o| {
                o.attribute(cryptoki_sys::CKA_LABEL) == Some(&AttributeValue::Bytes(label.to_vec()))
            })
            .and_then(|o| o.attribute(cryptoki_sys::CKA_VALUE))
            .cloned()
    };
    assert_eq!(
        value(b"codice_fiscale"),
        Some(AttributeValue::Bytes(b"RSSMRA80A01H501U".to_vec()))
    );
    assert_eq!(
        value(b"cognome"),
        Some(AttributeValue::Bytes(b"ROSSI".to_vec()))
    );
    assert_eq!(
        value(b"nome"),
        Some(AttributeValue::Bytes(b"MARIO".to_vec()))
    );
    assert_eq!(
        token.objects()[0].attribute(cryptoki_sys::CKA_LABEL),
        Some(&AttributeValue::Bytes(b"CNS0 authentication".to_vec()))
    );
}

#[test]
fn label_falls_back_to_certificate_names_then_serial() {
    // No EF_DatiPersonali (SELECT 1100/1102 refused): the names of the certificate.
    let no_personal_data = [0x00, 0xA4, 0x08, 0x00, 0x04, 0x11, 0x00, 0x11, 0x02];
    let card = SimCard::cns("stincard").answering(&no_personal_data, &[0x6A, 0x82]);
    let (token, _, _) = setup_with(card, &st_2021_atr());
    assert_eq!(token.unwrap().info().label, "TS-CNS ROSSI MARIO");

    // And a certificate that does not parse (a DER header with nothing in it): the serial.
    let card = SimCard::cns("stincard")
        .answering(&no_personal_data, &[0x6A, 0x82])
        // The certificate's extended READ BINARY (the serial's is short).
        .answering(
            &[0x00, 0xB0, 0x00, 0x00, 0x00],
            &[0x30, 0x03, 1, 2, 3, 0x90, 0x00],
        );
    let (token, _, _) = setup_with(card, &st_2021_atr());
    let token = token.unwrap();
    assert_eq!(token.info().label, format!("TS-CNS {}", serial("stincard")));
    assert!(token.objects().is_empty());
}

#[test]
fn unsupported_cards_are_not_bound() {
    let mut not_cns = st_2021_atr();
    not_cns[18] = b'X';
    let (token, card, _) = setup_with(SimCard::cns("stincard"), &not_cns);
    assert!(token.is_none());
    // No CNS APDU for a card without a CNS ATR but the probes: the CIE's (cie.md §1.2:
    // SELECT of the IAS AID, SELECT MF, SELECT of the CIE DF, refused by this card), then
    // the last-resort SELECT AID of a TS-CNS application (ACe 2025).
    assert!(sent(&card) <= 4, "{} APDUs", sent(&card));

    // No EF_IDCarta (SELECT 1000/1003 refused).
    let no_serial = [0x00, 0xA4, 0x08, 0x0C, 0x04, 0x10, 0x00, 0x10, 0x03];
    let no_layout = SimCard::cns("stincard").answering(&no_serial, &[0x6A, 0x82]);
    let (token, _, _) = setup_with(no_layout, &st_2021_atr());
    assert!(token.is_none());
}

#[test]
fn pin_format_is_checked_before_any_apdu() {
    let (mut token, card, _) = setup();
    let before = sent(&card);
    refuses_pins(
        &mut token,
        &[
            (b"1234", TokenError::PinLenRange),
            (b"123456789", TokenError::PinLenRange),
            (b"12a45", TokenError::PinInvalid),
        ],
    );
    assert_eq!(sent(&card), before);
    assert_eq!(card.lock().unwrap().pin_tries(), 3);
}

#[test]
fn login_updates_retry_flags() {
    let (mut token, card, _) = setup();
    assert_eq!(
        token.login(PinKind::User, b"99999"),
        Err(TokenError::PinIncorrect)
    );
    assert_eq!(
        token.info().user_retries,
        RetryState::Left { left: 2, max: 3 }
    );
    assert_ne!(token.flags() & cryptoki_sys::CKF_USER_PIN_COUNT_LOW, 0);
    assert_eq!(
        token.login(PinKind::User, b"99999"),
        Err(TokenError::PinIncorrect)
    );
    assert_ne!(token.flags() & cryptoki_sys::CKF_USER_PIN_FINAL_TRY, 0);
    let before = sent(&card);
    token.login(PinKind::User, PIN).unwrap();
    assert_eq!(sent(&card), before + 1);
    assert_eq!(
        token.info().user_retries,
        RetryState::Left { left: 3, max: 3 }
    );
    assert_eq!(token.flags() & cryptoki_sys::CKF_USER_PIN_COUNT_LOW, 0);
    for _ in 0..2 {
        let _ = token.login(PinKind::User, b"99999");
    }
    assert_eq!(
        token.login(PinKind::User, b"99999"),
        Err(TokenError::PinLocked)
    );
    assert_ne!(token.flags() & cryptoki_sys::CKF_USER_PIN_LOCKED, 0);
}

#[test]
fn sign_pkcs1_builds_the_block_and_costs_three_apdus() {
    let (mut token, card, _) = setup();
    token.login(PinKind::User, PIN).unwrap();
    let key = private_key(&token);
    let digest = ring::digest::digest(&ring::digest::SHA256, b"hello");
    let data = HashAlg::Sha256.digest_info(digest.as_ref());
    let before = sent(&card);
    let sig = token
        .sign(key, &SignRequest::Pkcs1v15 { data: data.clone() })
        .unwrap();
    assert_eq!(sent(&card), before + 3);
    // Checked by the token; checked again here with ring, over the message.
    verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, b"hello", &sig);
}

#[test]
fn sign_pss_and_raw() {
    let (mut token, _, _) = setup();
    token.login(PinKind::User, PIN).unwrap();
    let key = private_key(&token);
    let digest = ring::digest::digest(&ring::digest::SHA256, b"hello")
        .as_ref()
        .to_vec();
    let sig = token
        .sign(
            key,
            &SignRequest::Pss {
                hash: HashAlg::Sha256,
                mgf_hash: HashAlg::Sha256,
                salt_len: 32,
                digest,
            },
        )
        .unwrap();
    assert_eq!(sig.len(), 256);
    verify(&ring::signature::RSA_PSS_2048_8192_SHA256, b"hello", &sig);

    let sig = token
        .sign(
            key,
            &SignRequest::Raw {
                block: vec![1, 2, 3],
            },
        )
        .unwrap();
    let mut block = vec![0; 253];
    block.extend_from_slice(&[1, 2, 3]);
    assert_eq!(sig, TestKey::stincard().raw_sign(&block));
    assert_eq!(
        token.sign(
            key,
            &SignRequest::Raw {
                block: vec![0xFF; 256]
            }
        ),
        Err(TokenError::DataLenRange)
    );
    assert_eq!(
        token.sign(
            key,
            &SignRequest::Raw {
                block: vec![1; 257]
            }
        ),
        Err(TokenError::DataLenRange)
    );
    assert_eq!(
        token.sign(key, &SignRequest::Pkcs1v15 { data: vec![0; 246] }),
        Err(TokenError::DataLenRange)
    );
    assert_eq!(
        token.sign(0, &SignRequest::Pkcs1v15 { data: vec![0; 20] }),
        Err(TokenError::KeyHandleInvalid)
    );
}

#[test]
fn sign_without_login_is_user_not_logged_in() {
    let (mut token, _, _) = setup();
    assert_eq!(sign_20_bytes(&mut token), Err(TokenError::UserNotLoggedIn));
}

#[test]
fn reset_by_another_application_means_logged_out() {
    let (mut token, _, events) = setup();
    token.login(PinKind::User, PIN).unwrap();
    events.lock().unwrap().reset_pending = true;
    assert_eq!(sign_20_bytes(&mut token), Err(TokenError::UserNotLoggedIn));
    assert_eq!(events.lock().unwrap().reconnects, 1);
    // After logging in again the card signs.
    token.login(PinKind::User, PIN).unwrap();
    assert!(sign_20_bytes(&mut token).is_ok());
}

#[test]
fn a_card_that_answers_6982_ends_the_login() {
    let (mut token, card, events) = setup();
    token.login(PinKind::User, PIN).unwrap();
    // The chip lost its power and PIN state, and PC/SC said nothing.
    card.lock().unwrap().reset();
    assert_eq!(sign_20_bytes(&mut token), Err(TokenError::UserNotLoggedIn));
    assert!(token.take_login_lost(), "the cryptoki layer is told");
    // Nothing verified is left to reset at logout.
    token.logout().unwrap();
    assert_eq!(events.lock().unwrap().resets, 0);
}

#[test]
fn logout_resets_a_card_this_process_unlocked() {
    let (mut token, card, events) = setup();
    // Nothing verified by us: nothing to end, nobody else disturbed.
    token.logout().unwrap();
    assert_eq!(events.lock().unwrap().resets, 0);
    token.login(PinKind::User, PIN).unwrap();
    assert!(card.lock().unwrap().pin_verified());
    token.logout().unwrap();
    assert_eq!(events.lock().unwrap().resets, 1);
    assert!(
        !card.lock().unwrap().pin_verified(),
        "the TS-CNS keeps no PIN for others"
    );
    // Once is enough.
    token.logout().unwrap();
    assert_eq!(events.lock().unwrap().resets, 1);
    // Our own reset is no lost login for the cryptoki layer.
    assert!(!token.take_login_lost());
}

#[test]
fn dropping_an_unlocked_token_resets_the_card() {
    let (mut token, card, events) = setup();
    token.login(PinKind::User, PIN).unwrap();
    drop(token);
    assert_eq!(events.lock().unwrap().resets, 1);
    assert!(!card.lock().unwrap().pin_verified());
}

#[test]
fn a_reset_seen_by_pc_sc_ends_the_login() {
    let (mut token, _, events) = setup();
    token.login(PinKind::User, PIN).unwrap();
    assert!(!token.take_login_lost());
    events.lock().unwrap().reset_pending = true;
    assert_eq!(sign_20_bytes(&mut token), Err(TokenError::UserNotLoggedIn));
    assert!(token.take_login_lost(), "reported once");
    assert!(!token.take_login_lost());
    // The card forgot the PIN: nothing left to reset at logout.
    token.logout().unwrap();
    assert_eq!(events.lock().unwrap().resets, 0);
}

#[test]
fn bind_survives_a_reset_by_another_application() {
    let card = Arc::new(Mutex::new(SimCard::cns("stincard")));
    let events = Arc::new(Mutex::new(Events {
        reset_pending: true,
        ..Events::default()
    }));
    let transport = MockTransport {
        card: card.clone(),
        events: events.clone(),
        atr: st_2021_atr(),
    };
    let token = Token::bind(Inserted::new(Box::new(transport)))
        .unwrap()
        .unwrap();
    assert_eq!(token.info().serial, serial("stincard"));
    assert_eq!(events.lock().unwrap().reconnects, 1);
}

#[test]
fn removal_is_reported() {
    let (mut token, _, events) = setup();
    assert!(token.is_present());
    events.lock().unwrap().removed = true;
    assert!(!token.is_present());
    assert_eq!(sign_20_bytes(&mut token), Err(TokenError::DeviceRemoved));
}

#[test]
fn a_1024_bit_key_cannot_hold_sha512_pss_with_a_64_byte_salt() {
    let (token, card, _) = setup_with(SimCard::cns("stincard-1024"), &stincard_10_atr());
    let mut token = token.expect("CNS 1.0 bound");
    assert_eq!(token.modulus_bits, 1024);
    token.login(PinKind::User, PIN).unwrap();
    let key = private_key(&token);
    let digest = ring::digest::digest(&ring::digest::SHA512, b"hello")
        .as_ref()
        .to_vec();
    let pss = |salt_len| SignRequest::Pss {
        hash: HashAlg::Sha512,
        mgf_hash: HashAlg::Sha512,
        salt_len,
        digest: digest.clone(),
    };
    // RFC 8017 §9.1.1 step 3: emLen 128 < hLen 64 + sLen 64 + 2 → CKR_DATA_LEN_RANGE,
    // before any APDU.
    let before = sent(&card);
    assert_eq!(token.sign(key, &pss(64)), Err(TokenError::DataLenRange));
    assert_eq!(sent(&card), before);
    // The largest salt that fits: 128 − 64 − 2 = 62.
    assert_eq!(token.sign(key, &pss(62)).map(|s| s.len()), Ok(128));
    assert_eq!(token.sign(key, &pss(63)), Err(TokenError::DataLenRange));
    // PKCS#1 v1.5 with SHA-512 fits (83-byte DigestInfo ≤ 117).
    let data = HashAlg::Sha512.digest_info(&digest);
    assert_eq!(
        token
            .sign(key, &SignRequest::Pkcs1v15 { data })
            .map(|s| s.len()),
        Ok(128)
    );
}
