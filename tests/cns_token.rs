//! The TS-CNS through the real stack: built cdylib → PC/SC → private pcscd → vpcd →
//! virtual ST 2021 TS-CNS (`cardsim --card cns`). Every signature is checked against
//! the certificate read from the token, with independent code.

mod common;

use common::harness::{scratch_dir, VirtualCard};
use common::module::{pkcs11, serial, slot_of_reader};
use common::token::{
    bytes_attribute, certificate, find, log_in, pin_tries, pkcs1_block, private_key, pss_for,
    sign_mechanisms, signs_pkcs1_v15, three_wrong_pins_lock, with_card_in,
    wrong_format_pins_never_reach_the_card, wrong_pin_spends_one_try,
};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use parking_lot::MutexGuard;
use ring::digest;
use std::sync::OnceLock;

const PIN: &str = "12345678";
/// Reader 0 holds one card for the whole run; reader 1 gets a fresh card per PIN test.
const LONG_LIVED_READER: u16 = 0;
const FRESH_READER: u16 = 1;

fn long_lived_card() -> &'static VirtualCard {
    static CARD: OnceLock<VirtualCard> = OnceLock::new();
    CARD.get_or_init(|| VirtualCard::insert(LONG_LIVED_READER, "cns", &[]))
}

/// The long-lived card's slot, with the `serial()` lock held.
fn long_lived_slot() -> (MutexGuard<'static, ()>, Slot) {
    let guard = serial();
    (guard, slot_of_reader(long_lived_card().reader_index))
}

#[test]
fn lists_the_reader_and_a_token_named_after_the_holder() {
    let (_guard, slot) = long_lived_slot();
    let module = pkcs11();
    let slot_info = module.get_slot_info(slot).expect("C_GetSlotInfo");
    assert!(slot_info.token_present());
    assert!(slot_info.removable_device());

    let token = module.get_token_info(slot).expect("C_GetTokenInfo");
    assert_eq!(token.label().trim_end(), "TS-CNS ROSSI MARIO");
    let serial_number = token.serial_number().trim_end();
    assert_eq!(serial_number.len(), 16, "EF 1003 holds 16 digits");
    assert!(serial_number.bytes().all(|b| b.is_ascii_digit()));
    assert!(token.login_required());
    assert!(token.user_pin_initialized());
    assert!(token.write_protected());
    assert!(!token.user_pin_count_low() && !token.user_pin_locked());
    assert_eq!(token.min_pin_length(), 5);
    assert_eq!(token.max_pin_length(), 8);

    // The empty reader is a slot too, with no token.
    let empty = slot_of_reader(FRESH_READER);
    let empty_info = module.get_slot_info(empty).expect("C_GetSlotInfo");
    assert!(!empty_info.token_present() || long_lived_card().reader_index == FRESH_READER);
}

#[test]
fn shows_certificate_and_public_key_before_login_and_the_private_key_after() {
    let (_guard, slot) = long_lived_slot();
    let session = pkcs11().open_ro_session(slot).expect("C_OpenSession");
    assert_eq!(find(&session, ObjectClass::CERTIFICATE).len(), 1);
    assert_eq!(find(&session, ObjectClass::PUBLIC_KEY).len(), 1);
    assert_eq!(find(&session, ObjectClass::PRIVATE_KEY).len(), 0);

    log_in(&session, PIN);
    let cert = find(&session, ObjectClass::CERTIFICATE)[0];
    let public = find(&session, ObjectClass::PUBLIC_KEY)[0];
    let private = find(&session, ObjectClass::PRIVATE_KEY);
    assert_eq!(private.len(), 1);
    let private = private[0];

    let id = bytes_attribute(&session, cert, AttributeType::Id);
    assert!(!id.is_empty());
    assert_eq!(bytes_attribute(&session, public, AttributeType::Id), id);
    assert_eq!(bytes_attribute(&session, private, AttributeType::Id), id);

    let cert_key = certificate(&session, "TS-CNS");
    let (n, e) = cert_key.components();
    assert_eq!(bytes_attribute(&session, public, AttributeType::Modulus), n);
    assert_eq!(
        bytes_attribute(&session, private, AttributeType::Modulus),
        n
    );
    assert_eq!(
        bytes_attribute(&session, public, AttributeType::PublicExponent),
        e
    );

    // The private key is sensitive and stays on the chip.
    let attrs = session
        .get_attributes(
            private,
            &[
                AttributeType::Sign,
                AttributeType::Sensitive,
                AttributeType::NeverExtractable,
                AttributeType::Extractable,
                AttributeType::Private,
            ],
        )
        .expect("C_GetAttributeValue");
    assert_eq!(
        attrs,
        vec![
            Attribute::Sign(true),
            Attribute::Sensitive(true),
            Attribute::NeverExtractable(true),
            Attribute::Extractable(false),
            Attribute::Private(true),
        ]
    );
    let sensitive = session.get_attribute_info(private, &[AttributeType::PrivateExponent]);
    assert!(
        matches!(
            sensitive.as_deref(),
            Ok([cryptoki::object::AttributeInfo::Sensitive])
        ),
        "CKA_PRIVATE_EXPONENT must be sensitive, got {sensitive:?}"
    );

    // Find with a template that combines class and id.
    let by_id = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Id(id.clone()),
        ])
        .expect("C_FindObjects");
    assert_eq!(by_id, vec![private]);
    session.logout().expect("C_Logout");
}

#[test]
fn signs_with_every_advertised_mechanism_and_each_signature_verifies() {
    let (_guard, slot) = long_lived_slot();
    let module = pkcs11();
    let mut advertised = sign_mechanisms(module, slot);
    let mut expected = vec![
        MechanismType::RSA_PKCS,
        MechanismType::RSA_X_509,
        MechanismType::SHA1_RSA_PKCS,
        MechanismType::SHA256_RSA_PKCS,
        MechanismType::SHA384_RSA_PKCS,
        MechanismType::SHA512_RSA_PKCS,
        MechanismType::RSA_PKCS_PSS,
        MechanismType::SHA1_RSA_PKCS_PSS,
        MechanismType::SHA256_RSA_PKCS_PSS,
        MechanismType::SHA384_RSA_PKCS_PSS,
        MechanismType::SHA512_RSA_PKCS_PSS,
    ];
    let key = |m: &MechanismType| u64::from(*m);
    advertised.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(advertised, expected);
    for mechanism in &advertised {
        let info = module.get_mechanism_info(slot, *mechanism).expect("info");
        assert!(info.hardware(), "{mechanism} must be CKF_HW");
    }

    let session = module.open_ro_session(slot).expect("C_OpenSession");
    log_in(&session, PIN);
    let key = private_key(&session);
    let cert = certificate(&session, "TS-CNS");
    let dir = scratch_dir("cns-sign");
    let message = b"Accedi con CNS: firma di prova";
    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, message);
    let sha256 = digest::digest(&digest::SHA256, message);

    let sign = |mechanism: &Mechanism, data: &[u8]| {
        session
            .sign(mechanism, key, data)
            .unwrap_or_else(|e| panic!("{mechanism:?}: {e}"))
    };

    // PKCS#1 v1.5, hashed by the module and over a DigestInfo the application built.
    let (digest_info, sig) = signs_pkcs1_v15(&session, key, &cert, message);

    // CKM_RSA_X_509 over a block the application padded itself.
    let sig = sign(&Mechanism::RsaX509, &pkcs1_block(sig.len(), &digest_info));
    assert!(cert.verify_pkcs1("sha256", message, &sig), "CKM_RSA_X_509");

    // PSS, hashed by the module.
    for (mechanism, hash) in [
        (Mechanism::Sha1RsaPkcsPss(pss_for("sha1", 20)), "sha1"),
        (Mechanism::Sha256RsaPkcsPss(pss_for("sha256", 32)), "sha256"),
        (Mechanism::Sha384RsaPkcsPss(pss_for("sha384", 48)), "sha384"),
        (Mechanism::Sha512RsaPkcsPss(pss_for("sha512", 64)), "sha512"),
    ] {
        let sig = sign(&mechanism, message);
        assert!(cert.verify_pss(hash, message, &sig, &dir), "{mechanism:?}");
    }

    // CKM_RSA_PKCS_PSS over a hash the application computed (TLS 1.3 in the browsers).
    for (hash, params, digest) in [
        ("sha256", pss_for("sha256", 32), sha256.as_ref()),
        ("sha1", pss_for("sha1", 20), sha1.as_ref()),
    ] {
        let sig = sign(&Mechanism::RsaPkcsPss(params), digest);
        assert!(
            cert.verify_pss(hash, message, &sig, &dir),
            "CKM_RSA_PKCS_PSS/{hash}"
        );
    }

    // Multi-part: C_SignUpdate twice, then C_SignFinal.
    let mechanism = Mechanism::Sha256RsaPkcs;
    session.sign_init(&mechanism, key).expect("C_SignInit");
    session.sign_update(&message[..10]).expect("C_SignUpdate");
    session.sign_update(&message[10..]).expect("C_SignUpdate");
    let sig = session.sign_final().expect("C_SignFinal");
    assert!(cert.verify_pkcs1("sha256", message, &sig), "multi-part");

    // A signature with a different message must not verify (the check can fail).
    assert!(!cert.verify_pkcs1("sha256", b"another message", &sig));
    session.logout().expect("C_Logout");
}

#[test]
fn digests_match_an_independent_implementation() {
    let (_guard, slot) = long_lived_slot();
    let session = pkcs11().open_ro_session(slot).expect("C_OpenSession");
    let data = b"dati da riassumere";
    for (mechanism, algorithm) in [
        (Mechanism::Sha1, &digest::SHA1_FOR_LEGACY_USE_ONLY),
        (Mechanism::Sha256, &digest::SHA256),
        (Mechanism::Sha384, &digest::SHA384),
        (Mechanism::Sha512, &digest::SHA512),
    ] {
        let ours = session.digest(&mechanism, data).expect("C_Digest");
        assert_eq!(
            ours,
            digest::digest(algorithm, data).as_ref(),
            "{mechanism:?}"
        );
    }
}

/// A fresh card per PIN test: its retry counter starts full.
fn with_fresh_card(test: impl FnOnce(&VirtualCard, &Session)) {
    let _guard = serial();
    with_card_in(pkcs11, FRESH_READER, "cns", &[], test);
}

#[test]
fn a_wrong_pin_costs_exactly_one_try_and_the_flags_say_so() {
    with_fresh_card(|card, session| {
        let module = pkcs11();
        let slot = slot_of_reader(FRESH_READER);
        assert_eq!(pin_tries(card), 3);
        let info = wrong_pin_spends_one_try(module, slot, card, session, "11111111");
        assert!(info.user_pin_count_low() && !info.user_pin_final_try());
        let info = wrong_pin_spends_one_try(module, slot, card, session, "22222222");
        assert!(info.user_pin_final_try() && !info.user_pin_locked());

        // The right PIN restores the counter (and the flags).
        log_in(session, PIN);
        assert_eq!(pin_tries(card), 3);
        let info = module.get_token_info(slot).expect("C_GetTokenInfo");
        assert!(!info.user_pin_count_low() && !info.user_pin_final_try());
        session.logout().expect("C_Logout");
    });
}

#[test]
fn three_wrong_pins_lock_the_card() {
    with_fresh_card(|card, session| {
        three_wrong_pins_lock(pkcs11(), slot_of_reader(FRESH_READER), card, session, PIN);
    });
}

#[test]
fn a_pin_in_the_wrong_format_never_reaches_the_card() {
    with_fresh_card(|card, session| {
        wrong_format_pins_never_reach_the_card(card, session, &["1234", "123456789", "1234abcd"]);
    });
}

#[test]
fn signing_needs_a_login() {
    with_fresh_card(|_card, session| {
        let key = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .expect("C_FindObjects");
        assert!(key.is_empty(), "the private key is hidden before login");
    });
}
