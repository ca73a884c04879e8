//! What the token tests ask of a session, through the `cryptoki` crate: PINs, return
//! codes, objects and their attributes, and a card in a reader for one test.

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error, Result, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use std::panic::AssertUnwindSafe;

use super::harness::VirtualCard;
use super::module::slot_of_reader;
use super::verify::CertKey;

pub fn pin(text: &str) -> AuthPin {
    AuthPin::from(text)
}

/// C_Login as the user with `text`, which must succeed.
pub fn log_in(session: &Session, text: &str) {
    session
        .login(UserType::User, Some(&pin(text)))
        .expect("C_Login");
}

/// The handle of the token's private key (visible after login).
pub fn private_key(session: &Session) -> ObjectHandle {
    find(session, ObjectClass::PRIVATE_KEY)[0]
}

/// A CKM_SHA256_RSA_PKCS signature of `message`, which must succeed.
pub fn sign_sha256(session: &Session, key: ObjectHandle, message: &[u8]) -> Vec<u8> {
    session
        .sign(&Mechanism::Sha256RsaPkcs, key, message)
        .expect("C_Sign")
}

/// Logs the user in: the private key to sign with and the certificate's key to check it.
pub fn log_in_to_sign(session: &Session, text: &str, card: &str) -> (ObjectHandle, CertKey) {
    log_in(session, text);
    (private_key(session), certificate(session, card))
}

/// A CKM_SHA256_RSA_PKCS signature of `message` that verifies under `cert`.
pub fn signs_sha256(session: &Session, key: ObjectHandle, cert: &CertKey, message: &[u8]) {
    let sig = sign_sha256(session, key, message);
    assert!(
        cert.verify_pkcs1("sha256", message, &sig),
        "SHA256_RSA_PKCS"
    );
}

/// The call failed with exactly `expected`.
pub fn expect_rv<T: std::fmt::Debug>(result: Result<T>, expected: RvError) {
    match result {
        Err(Error::Pkcs11(rv, _)) => assert_eq!(rv, expected),
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

pub fn find(session: &Session, class: ObjectClass) -> Vec<ObjectHandle> {
    session
        .find_objects(&[Attribute::Class(class)])
        .expect("C_FindObjects")
}

/// A byte-string attribute (CKA_ID, CKA_VALUE, CKA_MODULUS, CKA_PUBLIC_EXPONENT).
pub fn bytes_attribute(session: &Session, object: ObjectHandle, kind: AttributeType) -> Vec<u8> {
    let attrs = session
        .get_attributes(object, &[kind])
        .expect("C_GetAttributeValue");
    match attrs.into_iter().next() {
        Some(Attribute::Id(v))
        | Some(Attribute::Value(v))
        | Some(Attribute::Modulus(v))
        | Some(Attribute::PublicExponent(v)) => v,
        other => panic!("unexpected attribute {other:?}"),
    }
}

/// The public key of a certificate object, from its CKA_VALUE.
pub fn cert_key(session: &Session, cert: ObjectHandle) -> CertKey {
    CertKey::from_certificate(&bytes_attribute(session, cert, AttributeType::Value))
}

/// The public key of the one certificate on the token (`card` names it in the message).
pub fn certificate(session: &Session, card: &str) -> CertKey {
    let certs = find(session, ObjectClass::CERTIFICATE);
    assert_eq!(certs.len(), 1, "one certificate on the {card}");
    cert_key(session, certs[0])
}

/// A retry counter the simulator reports (`pin_tries`, `puk_tries`).
pub fn tries(card: &VirtualCard, key: &str) -> u64 {
    card.stat(key)
        .unwrap_or_else(|| panic!("the simulator reports {key}"))
}

pub fn pin_tries(card: &VirtualCard) -> u64 {
    tries(card, "pin_tries")
}

/// Inserts a `kind` card (cardsim arguments `cardsim_args`) in `reader`, opens a R/W session
/// on it through `module` and runs `test`; the card goes afterwards, even when `test` fails,
/// so that the next test starts clean. The caller holds the `serial()` lock.
pub fn with_card_in(
    module: fn() -> &'static Pkcs11,
    reader: u16,
    kind: &str,
    cardsim_args: &[&str],
    test: impl FnOnce(&VirtualCard, &Session),
) {
    let card = VirtualCard::insert(reader, kind, cardsim_args);
    let session = module()
        .open_rw_session(slot_of_reader(reader))
        .expect("C_OpenSession");
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| test(&card, &session)));
    drop(session);
    card.remove();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// PKCS#1 v1.5 signatures of `message`, each verified under the certificate's key: hash and
/// sign with SHA-1/256/384/512, then CKM_RSA_PKCS over the SHA-256 DigestInfo an application
/// builds. Returns that DigestInfo and its signature.
pub fn signs_pkcs1_v15(
    session: &Session,
    key: ObjectHandle,
    cert: &CertKey,
    message: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let sign = |mechanism: &Mechanism, data: &[u8]| {
        session
            .sign(mechanism, key, data)
            .unwrap_or_else(|e| panic!("{mechanism:?}: {e}"))
    };
    for (mechanism, hash) in [
        (Mechanism::Sha1RsaPkcs, "sha1"),
        (Mechanism::Sha256RsaPkcs, "sha256"),
        (Mechanism::Sha384RsaPkcs, "sha384"),
        (Mechanism::Sha512RsaPkcs, "sha512"),
    ] {
        let sig = sign(&mechanism, message);
        assert!(cert.verify_pkcs1(hash, message, &sig), "{mechanism:?}");
    }
    let digest_info = sha256_digest_info(message);
    let sig = sign(&Mechanism::RsaPkcs, &digest_info);
    assert!(cert.verify_pkcs1("sha256", message, &sig), "CKM_RSA_PKCS");
    (digest_info, sig)
}

/// A wrong PIN answers CKR_PIN_INCORRECT and spends exactly one try; the token's flags after it.
pub fn wrong_pin_spends_one_try(
    module: &Pkcs11,
    slot: Slot,
    card: &VirtualCard,
    session: &Session,
    wrong: &str,
) -> TokenInfo {
    let before = pin_tries(card);
    expect_rv(
        session.login(UserType::User, Some(&pin(wrong))),
        RvError::PinIncorrect,
    );
    assert_eq!(pin_tries(card), before - 1, "exactly one try spent");
    module.get_token_info(slot).expect("C_GetTokenInfo")
}

/// PINs in a format the card's policy refuses answer CKR_PIN_INCORRECT without an APDU and
/// with the counter full.
pub fn wrong_format_pins_never_reach_the_card(
    card: &VirtualCard,
    session: &Session,
    pins: &[&str],
) {
    let before = card.stats().apdus;
    for text in pins {
        expect_rv(
            session.login(UserType::User, Some(&pin(text))),
            RvError::PinIncorrect,
        );
    }
    assert_eq!(card.stats().apdus, before, "no APDU sent");
    assert_eq!(pin_tries(card), 3, "no try spent");
}

/// The SHA-256 DigestInfo of `message`, as an application builds it for CKM_RSA_PKCS:
/// DigestInfo ::= SEQUENCE { sha256 AlgorithmIdentifier, OCTET STRING } (RFC 8017 §9.2).
pub fn sha256_digest_info(message: &[u8]) -> Vec<u8> {
    let mut digest_info = vec![
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    digest_info.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, message).as_ref());
    digest_info
}

/// An EMSA-PKCS1-v1_5 block of `k` bytes around `digest_info` (`00 01 FF…FF 00 T`, RFC 8017
/// §9.2), as an application pads it itself for CKM_RSA_X_509.
pub fn pkcs1_block(k: usize, digest_info: &[u8]) -> Vec<u8> {
    let mut block = vec![0x00, 0x01];
    block.resize(k - digest_info.len() - 1, 0xff);
    block.push(0x00);
    block.extend_from_slice(digest_info);
    block
}

/// Three wrong PINs block the user PIN: the try that blocks it answers CKR_PIN_INCORRECT or
/// CKR_PIN_LOCKED (a chip says 63C0 or 6983, cns.md §4, cie.md §6), the card's counter is 0,
/// the token says locked, and then the right PIN is refused with CKR_PIN_LOCKED.
pub fn three_wrong_pins_lock(
    module: &Pkcs11,
    slot: Slot,
    card: &VirtualCard,
    session: &Session,
    right: &str,
) {
    for _ in 0..2 {
        expect_rv(
            session.login(UserType::User, Some(&pin("99999999"))),
            RvError::PinIncorrect,
        );
    }
    match session.login(UserType::User, Some(&pin("99999999"))) {
        Err(Error::Pkcs11(RvError::PinIncorrect | RvError::PinLocked, _)) => {}
        other => panic!("third wrong PIN: {other:?}"),
    }
    assert_eq!(pin_tries(card), 0);
    let info = module.get_token_info(slot).expect("C_GetTokenInfo");
    assert!(info.user_pin_locked());
    expect_rv(
        session.login(UserType::User, Some(&pin(right))),
        RvError::PinLocked,
    );
}

/// The mechanisms `slot` advertises for signing (CKF_SIGN), in the order the module lists them.
pub fn sign_mechanisms(module: &Pkcs11, slot: Slot) -> Vec<MechanismType> {
    let mut advertised = module.get_mechanism_list(slot).expect("C_GetMechanismList");
    advertised.retain(|m| {
        module
            .get_mechanism_info(slot, *m)
            .map(|info| info.sign())
            .unwrap_or(false)
    });
    advertised
}

pub fn pss(hash: MechanismType, mgf: PkcsMgfType, len: u64) -> PkcsPssParams {
    PkcsPssParams {
        hash_alg: hash,
        mgf,
        s_len: len.into(),
    }
}

/// PSS parameters for `hash` ("sha1", "sha256", "sha384", "sha512") with MGF1 over the same
/// hash and a salt of `salt` bytes.
pub fn pss_for(hash: &str, salt: u64) -> PkcsPssParams {
    let (hash_alg, mgf) = match hash {
        "sha1" => (MechanismType::SHA1, PkcsMgfType::MGF1_SHA1),
        "sha256" => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
        "sha384" => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
        "sha512" => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
        other => panic!("no PSS parameters for {other}"),
    };
    pss(hash_alg, mgf, salt)
}
