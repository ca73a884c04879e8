//! The CIE 3.0 through the real stack: built cdylib → PC/SC → private pcscd → vpcd →
//! virtual CIE (`cardsim --card cie --variant NAME`). Signatures are checked against the
//! certificate with independent code (`ring`), APDU costs with the simulator's counters.
//!
//! The public-data cache is isolated: `XDG_CACHE_HOME` points into this run's scratch
//! directory before C_Initialize, and the tests about the cache give the module a fresh
//! directory of their own (the module reads the variable whenever it binds a card).

mod common;

use common::harness::{scratch_dir, PcscDaemon, VirtualCard};
use common::module::{pkcs11, private_cache, serial, slot_of_reader};
use common::token::{
    certificate, expect_rv, find, log_in, log_in_to_sign, pin, pin_tries, private_key,
    sign_mechanisms, sign_sha256, signs_pkcs1_v15, signs_sha256, three_wrong_pins_lock,
    with_card_in, wrong_format_pins_never_reach_the_card, wrong_pin_spends_one_try,
};
use cryptoki::context::Pkcs11;
use cryptoki::error::RvError;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::{Session, UserType};
use ring::digest;
use std::path::PathBuf;

const PIN: &str = "12345678";
const READER: u16 = 0;
const VARIANTS: [&str; 7] = [
    "bit4id-2023",
    "actalis-2026",
    "nxp",
    "gemalto",
    "gemalto2",
    "stm3",
    "stm2",
];

/// A private cache directory for this test process, set before the module initializes.
fn module() -> &'static Pkcs11 {
    private_cache("cie-cache");
    pkcs11()
}

/// A fresh, empty cache for one test (tests of this binary run one at a time).
fn fresh_cache() -> PathBuf {
    // Initialized first, so that its own setting does not override this one.
    module();
    let dir = scratch_dir("cie-cache-fresh");
    std::env::set_var("XDG_CACHE_HOME", &dir);
    dir
}

/// One card in the reader for the duration of `test`, with a fresh module view of it.
fn with_card(variant: &str, test: impl FnOnce(&VirtualCard, &Session)) {
    let _guard = serial();
    with_card_locked(variant, test);
}

/// `with_card` for a caller that already holds the `serial()` lock.
fn with_card_locked(variant: &str, test: impl FnOnce(&VirtualCard, &Session)) {
    module();
    with_card_in(
        module,
        READER,
        "cie",
        &["--variant", variant, "--pin", PIN],
        test,
    );
}

/// `with_card` with an empty cache directory of its own.
fn with_card_and_fresh_cache(variant: &str, test: impl FnOnce(&VirtualCard, &Session)) {
    let _guard = serial();
    fresh_cache();
    with_card_locked(variant, test);
}

#[test]
fn lists_a_token_with_the_nis_as_serial_and_no_private_data_before_login() {
    with_card_and_fresh_cache("bit4id-2023", |_card, session| {
        let token = module()
            .get_token_info(slot_of_reader(READER))
            .expect("C_GetTokenInfo");
        let nis = token.serial_number().trim_end().to_string();
        assert_eq!(nis.len(), 12, "the NIS has 12 digits");
        assert!(nis.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(token.label().trim_end(), format!("CIE {nis}"));
        assert_eq!((token.min_pin_length(), token.max_pin_length()), (8, 8));
        assert!(token.login_required() && token.write_protected());
        assert!(!token.user_pin_count_low() && !token.user_pin_locked());
        // Cold: nothing cached, the certificate needs the PIN.
        assert!(find(session, ObjectClass::CERTIFICATE).is_empty());
        assert!(find(session, ObjectClass::PRIVATE_KEY).is_empty());
    });
}

#[test]
fn login_shows_the_key_pair_and_keeps_the_label() {
    with_card_and_fresh_cache("bit4id-2023", |_card, session| {
        let before = module()
            .get_token_info(slot_of_reader(READER))
            .expect("C_GetTokenInfo")
            .label()
            .to_string();
        log_in(session, PIN);
        assert_eq!(find(session, ObjectClass::CERTIFICATE).len(), 1);
        assert_eq!(find(session, ObjectClass::PUBLIC_KEY).len(), 1);
        assert_eq!(find(session, ObjectClass::PRIVATE_KEY).len(), 1);
        let token = module()
            .get_token_info(slot_of_reader(READER))
            .expect("C_GetTokenInfo");
        // NSS nicknames and pkcs11:token= URIs taken before the first login keep working.
        assert_eq!(token.label(), before, "the label does not change at login");
        let private = private_key(session);
        let attrs = session
            .get_attributes(
                private,
                &[
                    AttributeType::Private,
                    AttributeType::Sensitive,
                    AttributeType::Id,
                ],
            )
            .expect("C_GetAttributeValue");
        assert_eq!(attrs[0], Attribute::Private(true));
        assert_eq!(attrs[1], Attribute::Sensitive(true));
        let cert_key = certificate(session, "CIE");
        let (n, _) = cert_key.components();
        let expected_id = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &n);
        assert_eq!(attrs[2], Attribute::Id(expected_id.as_ref().to_vec()));
        session.logout().expect("C_Logout");
        assert!(find(session, ObjectClass::PRIVATE_KEY).is_empty());
    });
}

/// Signs with every advertised mechanism; each signature verifies with `ring`.
fn sign_everything(session: &Session) {
    let key = private_key(session);
    let cert = certificate(session, "CIE");
    let message = b"Entra con CIE: firma di prova";
    let (_, sig) = signs_pkcs1_v15(session, key, &cert, message);
    assert!(!cert.verify_pkcs1("sha256", b"another message", &sig));
}

#[test]
fn advertises_only_what_the_chip_can_and_every_signature_verifies() {
    with_card("bit4id-2023", |_card, session| {
        let slot = slot_of_reader(READER);
        let mut advertised = sign_mechanisms(module(), slot);
        let mut expected = vec![
            MechanismType::RSA_PKCS,
            MechanismType::SHA1_RSA_PKCS,
            MechanismType::SHA256_RSA_PKCS,
            MechanismType::SHA384_RSA_PKCS,
            MechanismType::SHA512_RSA_PKCS,
        ];
        advertised.sort_by_key(|m| u64::from(*m));
        expected.sort_by_key(|m| u64::from(*m));
        assert_eq!(advertised, expected, "no RSA_X_509, no PSS");
        for m in &advertised {
            assert!(module()
                .get_mechanism_info(slot, *m)
                .expect("info")
                .hardware());
        }
        log_in(session, PIN);
        sign_everything(session);
        let key = private_key(session);
        expect_rv(
            session.sign(&Mechanism::RsaX509, key, &[0u8; 256]),
            RvError::MechanismInvalid,
        );
        session.logout().expect("C_Logout");
    });
}

#[test]
fn a_second_signature_costs_no_new_handshake() {
    with_card("bit4id-2023", |card, session| {
        let (key, cert) = log_in_to_sign(session, PIN, "CIE");
        let apdus = |message: &[u8]| {
            let before = card.stats().apdus;
            signs_sha256(session, key, &cert, message);
            card.stats().apdus - before
        };
        let first = apdus(b"prima firma");
        let second = apdus(b"seconda firma");
        eprintln!("APDUs: first signature {first}, second {second}");
        assert!(first <= 3, "first signature after login: {first} APDUs");
        assert!(second <= 3, "second signature: {second} APDUs");
        session.logout().expect("C_Logout");
        // A later login of the same binding reuses the card parameters read the first time.
        let before = card.stats().apdus;
        log_in(session, PIN);
        let relogin = card.stats().apdus - before;
        eprintln!("APDUs: second login {relogin}");
        assert!(relogin <= 25, "second login: {relogin} APDUs");
        session.logout().expect("C_Logout");
    });
}

/// Another PC/SC client resets the card (SCardDisconnect with SCARD_RESET_CARD).
fn reset_by_another_application() {
    PcscDaemon::shared();
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
    let name = std::ffi::CString::new(PcscDaemon::shared().reader_name(READER)).expect("name");
    let card = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .expect("SCardConnect");
    card.disconnect(pcsc::Disposition::ResetCard)
        .map_err(|(_, e)| e)
        .expect("SCardDisconnect(reset)");
}

/// pkcs11-tool in another process, on our module with a cache of its own.
fn another_application(args: &[&str]) {
    let other = std::process::Command::new("pkcs11-tool")
        .arg("--module")
        .arg(common::harness::module_path())
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
        .env("XDG_CACHE_HOME", scratch_dir("cie-other-app"))
        .output()
        .expect("pkcs11-tool");
    assert!(other.status.success(), "{other:?}");
}

/// Issue #11: a reset ends the login; the kept PIN is never replayed to a reset card.
#[test]
fn a_reset_ends_the_login_and_the_pin_is_never_replayed() {
    with_card("bit4id-2023", |card, session| {
        let (key, cert) = log_in_to_sign(session, PIN, "CIE");
        signs_sha256(session, key, &cert, b"uno");
        reset_by_another_application();
        let tries = pin_tries(card);
        let before = card.stats().apdus;
        expect_rv(
            session.sign(&Mechanism::Sha256RsaPkcs, key, b"due"),
            RvError::UserNotLoggedIn,
        );
        assert_eq!(card.stats().apdus, before, "no handshake, no VERIFY");
        assert_eq!(pin_tries(card), tries);
        // The holder logs in again, as a browser asks.
        let _ = session.logout();
        session
            .login(UserType::User, Some(&pin(PIN)))
            .expect("C_Login after the reset");
        let key = private_key(session);
        signs_sha256(session, key, &cert, b"tre");
        session.logout().expect("C_Logout");
    });
}

/// Issue #11: a PIN changed by another application costs the one replay of the kept PIN,
/// never a second: the login ends at the first refusal.
#[test]
fn a_pin_changed_elsewhere_costs_one_try_and_ends_the_login() {
    with_card("bit4id-2023", |card, session| {
        log_in(session, PIN);
        let key = private_key(session);
        sign_sha256(session, key, b"uno");
        another_application(&["--change-pin", "--pin", PIN, "--new-pin", "87651234"]);
        assert_eq!(pin_tries(card), 3);
        expect_rv(
            session.sign(&Mechanism::Sha256RsaPkcs, key, b"due"),
            RvError::UserNotLoggedIn,
        );
        assert_eq!(pin_tries(card), 2, "the kept PIN was sent once");
        let before = card.stats().apdus;
        expect_rv(
            session.sign(&Mechanism::Sha256RsaPkcs, key, b"tre"),
            RvError::UserNotLoggedIn,
        );
        assert_eq!(pin_tries(card), 2, "and never again");
        assert_eq!(card.stats().apdus, before);
    });
}

#[test]
fn another_application_between_two_signatures_costs_one_rebuild() {
    with_card("gemalto", |card, session| {
        let (key, cert) = log_in_to_sign(session, PIN, "CIE");
        sign_sha256(session, key, b"uno");
        // pkcs11-tool in another process binds the card: plain SELECTs end our SM session.
        another_application(&["-L"]);
        let tries = pin_tries(card);
        signs_sha256(session, key, &cert, b"due");
        assert_eq!(pin_tries(card), tries);
        session.logout().expect("C_Logout");
    });
}

#[test]
fn the_second_insertion_shows_the_cached_certificate_before_login() {
    let _guard = serial();
    let cache = fresh_cache();
    let first_cert;
    {
        module();
        let card = VirtualCard::insert(READER, "cie", &["--pin", PIN]);
        let session = module()
            .open_ro_session(slot_of_reader(READER))
            .expect("C_OpenSession");
        assert!(
            find(&session, ObjectClass::CERTIFICATE).is_empty(),
            "cold: no certificate"
        );
        log_in(&session, PIN);
        first_cert = certificate(&session, "CIE").der;
        session.logout().expect("C_Logout");
        drop(session);
        card.remove();
    }
    // The cache holds the certificate and the public chip data of the handshake (DH group,
    // CA key, EF 1004), privately.
    let dir = cache.join("cie-cns-pkcs11");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("cache dir")
        .flatten()
        .collect();
    files.sort_by_key(|f| f.file_name());
    let names: Vec<_> = files.iter().map(|f| f.file_name()).collect();
    assert_eq!(
        names,
        ["CIE-123456789012.chip", "CIE-123456789012.der"],
        "{files:?}"
    );
    let files = &files[1..];
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("CIE-123456789012.chip")), 0o600);
    assert_eq!(mode(&files[0].path()), 0o600);
    assert_eq!(
        std::fs::read(files[0].path()).unwrap(),
        first_cert,
        "only the certificate"
    );

    with_card_locked("bit4id-2023", |card, session| {
        let before = card.stats().apdus;
        assert_eq!(find(session, ObjectClass::CERTIFICATE).len(), 1);
        assert_eq!(find(session, ObjectClass::PUBLIC_KEY).len(), 1);
        assert!(find(session, ObjectClass::PRIVATE_KEY).is_empty());
        assert_eq!(certificate(session, "CIE").der, first_cert);
        let label = module()
            .get_token_info(slot_of_reader(READER))
            .expect("C_GetTokenInfo")
            .label()
            .trim_end()
            .to_string();
        assert!(
            label[4..].bytes().all(|b| b.is_ascii_digit()),
            "the same label as without the cache: {label}"
        );
        assert_eq!(
            card.stats().apdus,
            before,
            "listing from the cache costs no APDU"
        );
        log_in(session, PIN);
        assert_eq!(find(session, ObjectClass::PRIVATE_KEY).len(), 1);
        session.logout().expect("C_Logout");
    });

    // A corrupt cache file is ignored: cold listing again, no failure.
    std::fs::write(files[0].path(), b"\x30\x82\xFF\xFFgarbage").unwrap();
    with_card_locked("bit4id-2023", |_card, session| {
        assert!(find(session, ObjectClass::CERTIFICATE).is_empty());
        log_in(session, PIN);
        assert_eq!(find(session, ObjectClass::CERTIFICATE).len(), 1);
        session.logout().expect("C_Logout");
    });
    assert_eq!(
        std::fs::read(files[0].path()).unwrap(),
        first_cert,
        "cache repaired"
    );

    // A valid but different certificate in the cache (a renewed card, say) is shown until the
    // first signature proves it wrong (issue #12: a login does not read a cached certificate):
    // that signature fails cleanly, and the card's certificate replaces it — objects and cache.
    let stale = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cns-auth.der"
    ))
    .expect("fixture");
    assert_ne!(stale, first_cert);
    std::fs::write(files[0].path(), &stale).unwrap();
    with_card_locked("bit4id-2023", |_card, session| {
        assert_eq!(certificate(session, "CIE").der, stale);
        log_in(session, PIN);
        let key = private_key(session);
        expect_rv(
            session.sign(&Mechanism::Sha256RsaPkcs, key, b"uno"),
            RvError::DeviceError,
        );
        assert_eq!(find(session, ObjectClass::CERTIFICATE).len(), 1);
        assert_eq!(certificate(session, "CIE").der, first_cert);
        let key = private_key(session);
        signs_sha256(session, key, &certificate(session, "CIE"), b"due");
        session.logout().expect("C_Logout");
    });
    assert_eq!(
        std::fs::read(files[0].path()).unwrap(),
        first_cert,
        "cache refreshed"
    );
}

#[test]
fn a_wrong_pin_costs_exactly_one_try() {
    with_card("bit4id-2023", |card, session| {
        let slot = slot_of_reader(READER);
        assert_eq!(pin_tries(card), 3);
        let info = wrong_pin_spends_one_try(module(), slot, card, session, "11111111");
        assert!(info.user_pin_count_low() && !info.user_pin_final_try());
        log_in(session, PIN);
        assert_eq!(pin_tries(card), 3);
        session.logout().expect("C_Logout");
    });
}

#[test]
fn three_wrong_pins_lock_the_pin() {
    with_card("bit4id-2023", |card, session| {
        three_wrong_pins_lock(module(), slot_of_reader(READER), card, session, PIN);
    });
}

#[test]
fn a_pin_of_the_wrong_length_sends_no_apdu() {
    with_card("bit4id-2023", |card, session| {
        wrong_format_pins_never_reach_the_card(card, session, &["1234", "123456789", "1234567a"]);
    });
}

#[test]
fn every_virtual_cie_variant_lists_logs_in_and_signs() {
    for variant in VARIANTS {
        eprintln!("variant {variant}");
        with_card(variant, |card, session| {
            let info = module()
                .get_token_info(slot_of_reader(READER))
                .unwrap_or_else(|e| panic!("{variant}: C_GetTokenInfo: {e}"));
            assert_eq!(info.serial_number().trim_end().len(), 12, "{variant}");
            let before = card.stats().apdus;
            session
                .login(UserType::User, Some(&pin(PIN)))
                .unwrap_or_else(|e| panic!("{variant}: C_Login: {e}"));
            eprintln!("{variant}: login {} APDUs", card.stats().apdus - before);
            sign_everything(session);
            session.logout().expect("C_Logout");
        });
    }
}

/// Issue #12: the handshake's chip data comes from the cache; an entry the card contradicts
/// (here EF 1004's exponent, so the chip authentication fails) is read afresh, once, and the
/// login goes on.
#[test]
fn cached_chip_data_the_card_contradicts_is_read_afresh() {
    let _guard = serial();
    let cache = fresh_cache();
    with_card_locked("bit4id-2023", |_card, session| {
        log_in(session, PIN);
        session.logout().expect("C_Logout");
    });
    let entry = cache.join("cie-cns-pkcs11").join("CIE-123456789012.chip");
    let good = std::fs::read(&entry).expect("chip data cached");
    let mut wrong = good.clone();
    *wrong.last_mut().unwrap() ^= 0x02;
    std::fs::write(&entry, &wrong).unwrap();
    with_card_locked("bit4id-2023", |card, session| {
        session
            .login(UserType::User, Some(&pin(PIN)))
            .expect("C_Login with contradicted chip data");
        assert_eq!(pin_tries(card), 3);
        let key = private_key(session);
        signs_sha256(session, key, &certificate(session, "CIE"), b"uno");
        session.logout().expect("C_Logout");
    });
    assert_eq!(std::fs::read(&entry).unwrap(), good, "entry read afresh");
}
