//! The check-by-signature rule for a cached certificate (issues #11, #12), through the real
//! stack: a TS-CNS listed from a warm cache shows the cached certificate without reading the
//! card's; when it is not the card's, the first signature fails cleanly and the card's
//! certificate replaces it. Its own test binary: the module must first bind the card after
//! the cache was changed.

mod common;

use common::harness::{module_path, scratch_dir, VirtualCard};
use common::module::{pkcs11, slot_of_reader};
use common::token::{certificate, expect_rv, find, pin};
use common::tools::pkcs11_tool;
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectClass;
use cryptoki::session::UserType;

const PIN: &str = "12345678";
const READER: u16 = 0;

/// The check-by-signature rule on the TS-CNS: a cached certificate that is not the card's is
/// shown until the first signature, which fails cleanly (CKR_DEVICE_ERROR, nothing returned);
/// the card's certificate then replaces it, in the token and in the cache.
#[test]
fn cns_cached_certificate_proven_by_the_first_signature() {
    // The module is loaded in this process only once the cache holds the wrong certificate:
    // it must bind the card from the cache, not remember it from before.
    let cache = scratch_dir("cns-stale-cache");
    std::env::set_var("XDG_CACHE_HOME", &cache);
    let card = VirtualCard::insert(READER, "cns", &[]);
    let listing = pkcs11_tool(&module_path(), &["-L"], &[]);
    assert!(listing.status.success(), "-L fills the cache: {listing:?}");
    let entry = std::fs::read_dir(cache.join("cie-cns-pkcs11"))
        .expect("cache")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "der"))
        .expect("certificate cached");
    let card_certificate = std::fs::read(&entry).unwrap();
    // Another holder's valid certificate: the CIE fixture, trimmed to its DER length.
    let other = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sim/fixtures/cie/ef1003.bin"
    ))
    .expect("fixture");
    let other = &other[..4 + usize::from(u16::from_be_bytes([other[2], other[3]]))];
    // The same card, inserted again after the cache changed: bound afresh from it.
    card.remove();
    std::fs::write(&entry, other).unwrap();
    let card = VirtualCard::insert(READER, "cns", &[]);

    let session = pkcs11()
        .open_ro_session(slot_of_reader(READER))
        .expect("C_OpenSession");
    assert_eq!(
        certificate(&session, "TS-CNS").der,
        other,
        "the cache is shown"
    );
    session
        .login(UserType::User, Some(&pin(PIN)))
        .expect("C_Login");
    let key = find(&session, ObjectClass::PRIVATE_KEY)[0];
    expect_rv(
        session.sign(&Mechanism::Sha256RsaPkcs, key, b"uno"),
        RvError::DeviceError,
    );
    assert_eq!(certificate(&session, "TS-CNS").der, card_certificate);
    assert_eq!(
        std::fs::read(&entry).unwrap(),
        card_certificate,
        "cache too"
    );
    let key = find(&session, ObjectClass::PRIVATE_KEY)[0];
    let sig = session
        .sign(&Mechanism::Sha256RsaPkcs, key, b"due")
        .expect("C_Sign with the card's certificate");
    assert!(certificate(&session, "TS-CNS").verify_pkcs1("sha256", b"due", &sig));
    let _ = session.logout();
    drop(session);
    card.remove();
}
