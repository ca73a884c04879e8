//! Every signature is checked before it is returned (issue #11), through the real stack:
//! a virtual card told to misbehave (`cardsim --fault corrupt-signature|short-signature`)
//! must make C_Sign fail with CKR_DEVICE_ERROR and hand the application nothing, on both
//! families; the same card without the fault signs, and the signature verifies with ring.
//! On the CIE the cached certificate goes with the bad signature.

mod common;

use common::module::{pkcs11, private_cache, serial};
use common::token::{certificate, expect_rv, find, pin, with_card_in};
use cryptoki::context::Pkcs11;
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectClass;
use cryptoki::session::{Session, UserType};
use std::path::PathBuf;

const PIN: &str = "12345678";
const READER: u16 = 0;
const MESSAGE: &[u8] = b"a signature the application must never see if it is wrong";

/// The module, with a certificate cache of this test process's own.
fn module() -> &'static Pkcs11 {
    cache_dir();
    pkcs11()
}

fn cache_dir() -> &'static PathBuf {
    private_cache("signature-check-cache")
}

/// The CIE certificates in this process's cache (a TS-CNS's is cached beside them).
fn cached_cie_certificates() -> usize {
    std::fs::read_dir(cache_dir().join("cie-cns-pkcs11"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with("CIE-") && name.ends_with(".der")
                })
                .count()
        })
        .unwrap_or(0)
}

/// Logs in and signs MESSAGE with SHA256_RSA_PKCS.
fn login_and_sign(session: &Session) -> cryptoki::error::Result<Vec<u8>> {
    session
        .login(UserType::User, Some(&pin(PIN)))
        .expect("C_Login");
    let key = find(session, ObjectClass::PRIVATE_KEY)[0];
    session.sign(&Mechanism::Sha256RsaPkcs, key, MESSAGE)
}

fn a_faulty_card_signs_nothing(kind: &str, fault: &str) {
    let _guard = serial();
    with_card_in(module, READER, kind, &["--fault", fault], |_, session| {
        expect_rv(login_and_sign(session), RvError::DeviceError);
        // Raw RSA too (TS-CNS): the check covers every mechanism, not only the hashed ones.
        let key = find(session, ObjectClass::PRIVATE_KEY)[0];
        if kind == "cns" {
            let mut block = vec![0u8; 256];
            block[255] = 7;
            expect_rv(
                session.sign(&Mechanism::RsaX509, key, &block),
                RvError::DeviceError,
            );
        }
        // Still logged in: the card did its work, only its answer was wrong.
        expect_rv(
            session.sign(&Mechanism::Sha256RsaPkcs, key, MESSAGE),
            RvError::DeviceError,
        );
    });
}

#[test]
fn cns_corrupt_signature_is_a_device_error() {
    a_faulty_card_signs_nothing("cns", "corrupt-signature");
}

#[test]
fn cns_short_signature_is_a_device_error() {
    a_faulty_card_signs_nothing("cns", "short-signature");
}

#[test]
fn cie_corrupt_signature_is_a_device_error() {
    a_faulty_card_signs_nothing("cie", "corrupt-signature");
}

#[test]
fn cie_short_signature_is_a_device_error() {
    a_faulty_card_signs_nothing("cie", "short-signature");
}

#[test]
fn a_sound_card_signs_and_the_signature_verifies() {
    let _guard = serial();
    for kind in ["cns", "cie"] {
        with_card_in(module, READER, kind, &[], |_, session| {
            let signature = login_and_sign(session).expect("C_Sign");
            let key = certificate(session, kind);
            assert!(key.verify_pkcs1("sha256", MESSAGE, &signature), "{kind}");
        });
    }
}

#[test]
fn a_bad_cie_signature_drops_the_cached_certificate() {
    let _guard = serial();
    // A sound card first: the login reads the CIE's certificate and caches it.
    with_card_in(module, READER, "cie", &[], |_, session| {
        login_and_sign(session).expect("C_Sign");
    });
    assert_eq!(
        cached_cie_certificates(),
        1,
        "the CIE's certificate is cached"
    );
    // The same card, misbehaving: the certificate it showed is not trusted any more.
    with_card_in(
        module,
        READER,
        "cie",
        &["--fault", "corrupt-signature"],
        |_, s| {
            expect_rv(login_and_sign(s), RvError::DeviceError);
        },
    );
    assert_eq!(cached_cie_certificates(), 0, "the cache entry is dropped");
}
