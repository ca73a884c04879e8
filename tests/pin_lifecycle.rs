//! The PIN lifecycle through the real stack (issue #4): change, blocking, unblock with the PUK
//! through every convention pkcs11-tool uses, PUK counting, format checks before any APDU, and
//! the README's `pkcs11-tool` commands run exactly as written there. A fresh virtual TS-CNS
//! per test (`cardsim --card cns`, PIN and PUK with 3 and 10 tries), whose retry counters the
//! simulator reports (`pin_tries`, `puk_tries`).

mod common;

use common::harness::{module_path, scratch_dir, simulator_variants, PcscDaemon, VirtualCard};
use common::module::{pkcs11, serial, slot_of_reader};
use common::token::{expect_rv, pin, tries, with_card_in};
use common::verify::CertKey;
use cryptoki::context::Pkcs11;
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::TokenInfo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Not the simulator's defaults: those are substrings of other card data (the virtual CIE's
/// NIS) that a trace may show, and the trace is searched for them.
const PIN: &str = "38162957";
const PUK: &str = "61947283";
const NEW_PIN: &str = "24680135";
const READER: u16 = 0;
const README: &str = include_str!("../README.md");
const README_SECTION: &str = "## PIN: cambio e sblocco / PIN: change and unblock";

/// The module, with a full trace of everything this test process does in a file (checked for
/// secrets by `the_puk_warns_when_one_try_is_left_and_no_secret_is_logged`).
fn module() -> &'static Pkcs11 {
    trace_log();
    pkcs11()
}

fn trace_log() -> &'static PathBuf {
    static LOG: OnceLock<PathBuf> = OnceLock::new();
    LOG.get_or_init(|| {
        let dir = scratch_dir("pin-in-process");
        let log = dir.join("module.log");
        // The CIE certificate cache stays in this run's scratch directory.
        std::env::set_var("XDG_CACHE_HOME", dir.join("cache"));
        std::env::set_var("CIE_CNS_PKCS11_LOG", "trace");
        std::env::set_var("CIE_CNS_PKCS11_LOG_FILE", &log);
        log
    })
}

fn rv_of(result: cryptoki::error::Result<()>) -> Option<RvError> {
    match result {
        Ok(()) => None,
        Err(Error::Pkcs11(rv, _)) => Some(rv),
        Err(other) => panic!("not a PKCS#11 error: {other}"),
    }
}

fn token_info() -> TokenInfo {
    module()
        .get_token_info(slot_of_reader(READER))
        .expect("C_GetTokenInfo")
}

/// A fresh card with full counters and a R/W session on it; the card goes afterwards.
fn with_fresh_card(test: impl FnOnce(&VirtualCard, &Session)) {
    with_card(&[], test)
}

fn with_card(cardsim_args: &[&str], test: impl FnOnce(&VirtualCard, &Session)) {
    let mut args = vec!["--pin", PIN, "--puk", PUK];
    args.extend_from_slice(cardsim_args);
    with_card_of("cns", &args, test)
}

fn with_card_of(kind: &str, cardsim_args: &[&str], test: impl FnOnce(&VirtualCard, &Session)) {
    let _guard = serial();
    with_card_in(module, READER, kind, cardsim_args, test);
}

/// Three wrong PINs, with the flags and the card's counter checked after each.
fn block_the_pin(card: &VirtualCard, session: &Session) {
    assert_eq!(tries(card, "pin_tries"), 3);
    expect_rv(
        session.login(UserType::User, Some(&pin("11111111"))),
        RvError::PinIncorrect,
    );
    let info = token_info();
    assert!(info.user_pin_count_low() && !info.user_pin_final_try() && !info.user_pin_locked());
    assert_eq!(tries(card, "pin_tries"), 2);

    expect_rv(
        session.login(UserType::User, Some(&pin("22222222"))),
        RvError::PinIncorrect,
    );
    let info = token_info();
    assert!(info.user_pin_count_low() && info.user_pin_final_try() && !info.user_pin_locked());
    assert_eq!(tries(card, "pin_tries"), 1);

    // The blocking try: 63C0 or 6983 (cns.md §4), so either code is right.
    let third = rv_of(session.login(UserType::User, Some(&pin("33333333"))));
    assert!(
        matches!(third, Some(RvError::PinIncorrect | RvError::PinLocked)),
        "third wrong PIN: {third:?}"
    );
    assert!(token_info().user_pin_locked());
    assert_eq!(tries(card, "pin_tries"), 0);
    expect_rv(
        session.login(UserType::User, Some(&pin(PIN))),
        RvError::PinLocked,
    );
}

/// `new_pin` logs in, the old PIN does not, and the key signs (checked against the certificate).
fn new_pin_logs_in_and_signs(card: &VirtualCard, session: &Session, new_pin: &str, old: &str) {
    assert_eq!(
        tries(card, "pin_tries"),
        3,
        "the PIN's counter is full again"
    );
    expect_rv(
        session.login(UserType::User, Some(&pin(old))),
        RvError::PinIncorrect,
    );
    session
        .login(UserType::User, Some(&pin(new_pin)))
        .expect("C_Login with the new PIN");
    // After the login: a card that cannot report counters (CIE) learns it only now that
    // another process unblocked the PIN.
    let info = token_info();
    assert!(!info.user_pin_locked() && !info.user_pin_count_low());
    let key = session
        .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
        .expect("C_FindObjects")[0];
    let cert = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .expect("C_FindObjects")[0];
    let der = match session
        .get_attributes(cert, &[AttributeType::Value])
        .expect("C_GetAttributeValue")
        .remove(0)
    {
        Attribute::Value(der) => der,
        other => panic!("{other:?}"),
    };
    let message = b"firma dopo lo sblocco";
    let sig = session
        .sign(&Mechanism::Sha256RsaPkcs, key, message)
        .expect("C_Sign");
    assert!(CertKey::from_certificate(&der).verify_pkcs1("sha256", message, &sig));
    session.logout().expect("C_Logout");
}

#[test]
fn change_the_pin_and_only_the_new_one_logs_in() {
    with_fresh_card(|card, session| {
        // R/W User Functions: CHANGE REFERENCE DATA.
        session
            .login(UserType::User, Some(&pin(PIN)))
            .expect("C_Login");
        session.set_pin(&pin(PIN), &pin(NEW_PIN)).expect("C_SetPIN");
        session.logout().expect("C_Logout");
        new_pin_logs_in_and_signs(card, session, NEW_PIN, PIN);

        // R/W Public, PIN not blocked: also a change; a wrong old PIN costs one PIN try.
        expect_rv(
            session.set_pin(&pin("99999"), &pin(PIN)),
            RvError::PinIncorrect,
        );
        assert_eq!(tries(card, "pin_tries"), 2);
        assert!(token_info().user_pin_count_low());
        session.set_pin(&pin(NEW_PIN), &pin(PIN)).expect("C_SetPIN");
        assert_eq!(tries(card, "pin_tries"), 3);
        assert_eq!(tries(card, "puk_tries"), 10, "the PUK was never involved");
        assert!(!token_info().user_pin_count_low());
        session
            .login(UserType::User, Some(&pin(PIN)))
            .expect("C_Login");
        session.logout().expect("C_Logout");
    });
}

#[test]
fn read_only_sessions_and_the_so_pin_change_nothing() {
    with_fresh_card(|card, session| {
        let ro = module()
            .open_ro_session(slot_of_reader(READER))
            .expect("C_OpenSession");
        let before = card.stats();
        expect_rv(
            ro.set_pin(&pin(PIN), &pin(NEW_PIN)),
            RvError::SessionReadOnly,
        );
        expect_rv(ro.init_pin(&pin(NEW_PIN)), RvError::SessionReadOnly);
        expect_rv(session.init_pin(&pin(NEW_PIN)), RvError::UserNotLoggedIn);
        assert_eq!(card.stats().apdus, before.apdus);
        drop(ro);

        session
            .login(UserType::So, Some(&pin(PUK)))
            .expect("C_Login CKU_SO");
        // The SO's PIN is the PUK: no card fact lets it change.
        expect_rv(
            session.set_pin(&pin(PUK), &pin("11223344")),
            RvError::FunctionNotSupported,
        );
        session.logout().expect("C_Logout");
        assert_eq!(
            (tries(card, "pin_tries"), tries(card, "puk_tries")),
            (3, 10)
        );
    });
}

#[test]
fn three_wrong_pins_block_it_and_the_flags_follow_each_try() {
    with_fresh_card(|card, session| {
        block_the_pin(card, session);
        assert_eq!(
            tries(card, "puk_tries"),
            10,
            "blocking never touches the PUK"
        );
    });
}

/// A card of each family with the PINs the tests give it.
struct Holder {
    kind: &'static str,
    pin: &'static str,
    puk: &'static str,
    new_pin: &'static str,
    /// APDUs of C_SetPIN(PUK, new) on a blocked PIN, where the count is a fact of the card.
    public_unblock_apdus: Option<u64>,
}

/// The TS-CNS (`cardsim --card cns`): PIN 3 tries, PUK 10.
const CNS: Holder = Holder {
    kind: "cns",
    pin: PIN,
    puk: PUK,
    new_pin: NEW_PIN,
    // The empty VERIFY (counter, no try) and one RESET RETRY COUNTER; never a CHANGE
    // REFERENCE DATA with the PUK as the old PIN (OpenSC's defect, cns-opensc.md).
    public_unblock_apdus: Some(2),
};

/// The CIE 3.0 (`cardsim --card cie`): everything under secure messaging.
const CIE: Holder = Holder {
    kind: "cie",
    pin: CIE_PIN,
    puk: CIE_PUK,
    new_pin: CIE_NEW_PIN,
    public_unblock_apdus: None,
};

impl Holder {
    /// A fresh card of this family with full counters and a R/W session on it.
    fn with_fresh_card(&self, test: impl FnOnce(&VirtualCard, &Session)) {
        with_card_of(self.kind, &["--pin", self.pin, "--puk", self.puk], test)
    }

    /// `with_fresh_card`, the user PIN blocked by three wrong tries first.
    fn with_blocked_pin(&self, test: impl FnOnce(&VirtualCard, &Session)) {
        self.with_fresh_card(|card, session| {
            block_the_pin(card, session);
            test(card, session)
        })
    }
}

/// Blocked PIN → C_Login(SO, PUK) → C_InitPIN: the new PIN logs in, the PUK counter is full.
fn unblock_as_so_with_init_pin(h: &Holder) {
    h.with_blocked_pin(|card, session| {
        session
            .login(UserType::So, Some(&pin(h.puk)))
            .expect("C_Login CKU_SO (VERIFY PUK)");
        let state = session.get_session_info().expect("C_GetSessionInfo");
        assert_eq!(state.session_state(), SessionState::RwSecurityOfficer);
        session.init_pin(&pin(h.new_pin)).expect("C_InitPIN");
        session.logout().expect("C_Logout");
        assert_eq!(tries(card, "puk_tries"), 10);
        new_pin_logs_in_and_signs(card, session, h.new_pin, h.pin);
    });
}

/// Blocked PIN → C_Login(CONTEXT_SPECIFIC, PUK) → C_SetPIN(PUK, new), as pkcs11-tool sends it.
fn unblock_with_a_context_specific_puk_login_then_set_pin(h: &Holder) {
    h.with_blocked_pin(|card, session| {
        session
            .login(UserType::ContextSpecific, Some(&pin(h.puk)))
            .expect("C_Login CKU_CONTEXT_SPECIFIC with the PUK");
        session
            .set_pin(&pin(h.puk), &pin(h.new_pin))
            .expect("C_SetPIN");
        assert_eq!(tries(card, "puk_tries"), 10);
        new_pin_logs_in_and_signs(card, session, h.new_pin, h.pin);
    });
}

/// Blocked PIN → C_SetPIN(PUK, new) in a public session: the card said blocked, so it unblocks.
fn unblock_with_set_pin_in_a_public_session(h: &Holder) {
    h.with_blocked_pin(|card, session| {
        let before = card.stats();
        session
            .set_pin(&pin(h.puk), &pin(h.new_pin))
            .expect("C_SetPIN(PUK, new)");
        if let Some(apdus) = h.public_unblock_apdus {
            assert_eq!(card.stats().apdus - before.apdus, apdus);
        }
        assert_eq!(tries(card, "puk_tries"), 10);
        new_pin_logs_in_and_signs(card, session, h.new_pin, h.pin);
    });
}

/// A README unblock line, run as written on a card whose PIN is blocked: the PUK counter
/// stays full and the new PIN logs in.
fn unblocks_as_written(h: &Holder, line: &str, new_pin: &str, log: &Path) {
    h.with_blocked_pin(|card, session| {
        succeeds(line, (h.pin, new_pin, h.puk), log);
        assert_eq!(tries(card, "puk_tries"), 10, "{line}");
        new_pin_logs_in_and_signs(card, session, new_pin, h.pin);
    });
}

#[test]
fn unblock_as_so_with_init_pin_on_a_tscns() {
    unblock_as_so_with_init_pin(&CNS);
}

#[test]
fn cie_unblock_as_so_with_init_pin() {
    unblock_as_so_with_init_pin(&CIE);
}

#[test]
fn unblock_with_a_context_specific_puk_login_then_set_pin_on_a_tscns() {
    unblock_with_a_context_specific_puk_login_then_set_pin(&CNS);
}

#[test]
fn cie_unblock_with_a_context_specific_puk_login_then_set_pin() {
    unblock_with_a_context_specific_puk_login_then_set_pin(&CIE);
}

#[test]
fn unblock_with_set_pin_in_a_public_session_while_the_pin_is_blocked() {
    unblock_with_set_pin_in_a_public_session(&CNS);
}

#[test]
fn cie_set_pin_in_a_public_session_unblocks_once_the_card_said_blocked() {
    unblock_with_set_pin_in_a_public_session(&CIE);
}

/// A wrong PUK (C_Login CKU_SO) answers CKR_PIN_INCORRECT and spends one of its ten tries;
/// the SO flags say so.
fn wrong_puk_spends_one_try(card: &VirtualCard, session: &Session) {
    expect_rv(
        session.login(UserType::So, Some(&pin("11112222"))),
        RvError::PinIncorrect,
    );
    assert_eq!(tries(card, "puk_tries"), 9);
    let info = token_info();
    assert!(info.so_pin_count_low() && !info.so_pin_final_try() && !info.so_pin_locked());
}

#[test]
fn a_wrong_puk_costs_one_puk_try_and_the_so_flags_say_so() {
    with_fresh_card(|card, session| {
        block_the_pin(card, session);
        wrong_puk_spends_one_try(card, session);
        // The unblock rule with a wrong PUK counts the same way.
        expect_rv(
            session.set_pin(&pin("11113333"), &pin(NEW_PIN)),
            RvError::PinIncorrect,
        );
        assert_eq!(tries(card, "puk_tries"), 8);
        assert_eq!(tries(card, "pin_tries"), 0, "still blocked");
        assert!(token_info().so_pin_count_low());
        // The right PUK restores its counter and clears the SO flags.
        session
            .login(UserType::So, Some(&pin(PUK)))
            .expect("C_Login CKU_SO");
        assert_eq!(tries(card, "puk_tries"), 10);
        let info = token_info();
        assert!(!info.so_pin_count_low() && !info.so_pin_final_try());
        session.logout().expect("C_Logout");
    });
}

#[test]
fn pins_and_puks_in_the_wrong_format_never_reach_the_card() {
    with_fresh_card(|card, session| {
        let before = card.stats();
        for (result, expected) in [
            (
                session.set_pin(&pin(PIN), &pin("1234")),
                RvError::PinLenRange,
            ),
            (
                session.set_pin(&pin(PIN), &pin("123456789")),
                RvError::PinLenRange,
            ),
            (
                session.set_pin(&pin(PIN), &pin("1234567a")),
                RvError::PinInvalid,
            ),
            (
                session.set_pin(&pin("12"), &pin(NEW_PIN)),
                RvError::PinLenRange,
            ),
            (
                session.set_pin(&pin("abcdefgh"), &pin(NEW_PIN)),
                RvError::PinInvalid,
            ),
            (
                session.login(UserType::So, Some(&pin("8765"))),
                RvError::PinIncorrect,
            ),
            (
                session.login(UserType::So, Some(&pin("8765432x"))),
                RvError::PinIncorrect,
            ),
            (
                session.login(UserType::ContextSpecific, Some(&pin("876543210"))),
                RvError::PinIncorrect,
            ),
        ] {
            expect_rv(result, expected);
        }
        assert_eq!(card.stats().apdus, before.apdus, "no APDU sent");

        // With the PUK verified, a bad new PIN is still refused before the card.
        session
            .login(UserType::So, Some(&pin(PUK)))
            .expect("C_Login CKU_SO");
        let before = card.stats();
        expect_rv(session.init_pin(&pin("123")), RvError::PinLenRange);
        expect_rv(session.init_pin(&pin("12 45")), RvError::PinInvalid);
        assert_eq!(card.stats().apdus, before.apdus, "no APDU sent");
        session.logout().expect("C_Logout");
        assert_eq!(
            (tries(card, "pin_tries"), tries(card, "puk_tries")),
            (3, 10)
        );
    });
}

/// The `pkcs11-tool` lines of the README's PIN section, as written there.
fn readme_commands() -> Vec<&'static str> {
    let start = README
        .find(README_SECTION)
        .expect("README has the PIN section");
    let section = &README[start + README_SECTION.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .lines()
        .filter(|l| l.starts_with("pkcs11-tool "))
        .collect()
}

fn readme_command(needle: &str) -> &'static str {
    let found: Vec<_> = readme_commands()
        .into_iter()
        .filter(|l| l.contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "one README command with {needle:?}");
    found[0]
}

/// Runs a command line with the variables the README tells the user to set, and a full
/// trace log of the module.
fn run_as_written(line: &str, (current, new_pin, puk): (&str, &str, &str), log: &Path) -> Output {
    let output = Command::new("sh")
        .args(["-c", line])
        .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
        .env("MODULE", module_path())
        .env("PIN", current)
        .env("PUK", puk)
        .env("NEW_PIN", new_pin)
        .env("XDG_CACHE_HOME", log.with_file_name("cache"))
        .env("CIE_CNS_PKCS11_LOG", "trace")
        .env("CIE_CNS_PKCS11_LOG_FILE", log)
        .output()
        .expect("sh");
    common::tools::show(line, &output);
    output
}

fn succeeds(line: &str, pins: (&str, &str, &str), log: &Path) {
    let output = run_as_written(line, pins, log);
    assert!(output.status.success(), "{line}: {output:?}");
}

/// The module's trace of everything holds no PIN or PUK, as text or as the hex of APDU data.
/// The text form counts only as a whole token: a PIN is bound to turn up inside the hex dumps
/// of random secure-messaging data, and would appear delimited if it leaked. The PINs here
/// have 8 digits, so no process ID (at most 7 digits) in the log can look like one.
fn assert_no_secret_in(log: &Path, secrets: &[&str]) {
    let text = std::fs::read_to_string(log)
        .expect("the log file was written")
        .to_ascii_uppercase();
    assert!(text.contains("C_SETPIN") || text.contains("C_INITPIN"));
    for secret in secrets {
        assert!(
            !contains_token(&text, secret),
            "{secret} leaked into the log as text"
        );
        let hex: Vec<String> = secret.bytes().map(|b| format!("{b:02X}")).collect();
        for form in [hex.concat(), hex.join(" ")] {
            assert!(
                !text.contains(&form),
                "{secret} leaked into the log as {form}"
            );
        }
    }
}

/// `needle` in `text` with no letter or digit right before or after it.
fn contains_token(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[test]
fn the_readme_commands_change_and_unblock_as_written() {
    assert_eq!(readme_commands().len(), 4, "{:?}", readme_commands());
    let change = readme_command("--change-pin");
    let unlock = readme_command("\"$MODULE\" --unlock-pin");
    let so = readme_command("--login-type so");
    let context = readme_command("--login-type context-specific");
    let dir = scratch_dir("pin-readme");
    let log = dir.join("module.log");

    with_fresh_card(|card, session| {
        succeeds(change, (PIN, NEW_PIN, PUK), &log);
        new_pin_logs_in_and_signs(card, session, NEW_PIN, PIN);
        succeeds(change, (NEW_PIN, PIN, PUK), &log);
        assert_eq!(tries(card, "pin_tries"), 3);
    });

    for (line, new_pin) in [
        (unlock, "13579246"),
        (so, "97531864"),
        (context, "11223344"),
    ] {
        unblocks_as_written(&CNS, line, new_pin, &log);
    }

    // The same context-specific convention without `--login` is the plain unblock.
    with_fresh_card(|card, session| {
        block_the_pin(card, session);
        succeeds(
            "pkcs11-tool --module \"$MODULE\" --unlock-pin --login-type context-specific --puk env:PUK --new-pin env:NEW_PIN",
            (PIN, NEW_PIN, PUK),
            &log,
        );
        new_pin_logs_in_and_signs(card, session, NEW_PIN, PIN);
    });

    // The plain unblock with the PIN not blocked is a change, as documented: the PUK given
    // there costs one PIN try and no PUK try.
    with_fresh_card(|card, _session| {
        let output = run_as_written(unlock, (PIN, NEW_PIN, PUK), &log);
        assert!(!output.status.success());
        assert_eq!(
            (tries(card, "pin_tries"), tries(card, "puk_tries")),
            (2, 10)
        );
    });

    assert_no_secret_in(
        &log,
        &[PIN, PUK, NEW_PIN, "13579246", "97531864", "11223344"],
    );
}

#[test]
fn the_puk_warns_when_one_try_is_left_and_no_secret_is_logged() {
    with_fresh_card(|card, session| {
        block_the_pin(card, session);
        for wrong in 1..=9 {
            let wrong = format!("{wrong:08}");
            expect_rv(
                session.login(UserType::So, Some(&pin(&wrong))),
                RvError::PinIncorrect,
            );
        }
        assert_eq!(tries(card, "puk_tries"), 1);
        let info = token_info();
        assert!(info.so_pin_count_low() && info.so_pin_final_try() && !info.so_pin_locked());
        let log = std::fs::read_to_string(trace_log()).expect("the trace log");
        assert!(
            log.contains("WARN") && log.contains("one PUK try left"),
            "the log warns before the last PUK try"
        );
        // The last try is the user's to spend, explicitly: the right PUK unblocks.
        session
            .login(UserType::So, Some(&pin(PUK)))
            .expect("C_Login CKU_SO");
        session.init_pin(&pin(NEW_PIN)).expect("C_InitPIN");
        session.logout().expect("C_Logout");
        assert_eq!(tries(card, "puk_tries"), 10);
    });
    assert_no_secret_in(trace_log(), &[PIN, PUK, NEW_PIN]);
}

/// Every TS-CNS batch of the profile table: its PIN and PUK references, P2 backtracking bit
/// and application selection hold for CHANGE REFERENCE DATA and RESET RETRY COUNTER too.
#[test]
fn every_ts_cns_batch_changes_and_unblocks() {
    let variants = simulator_variants("cns");
    assert!(
        variants.len() > 1,
        "cardsim offers its variants: {variants:?}"
    );
    for variant in &variants {
        eprintln!("variant {variant}");
        with_card(&["--variant", variant], |card, session| {
            session
                .set_pin(&pin(PIN), &pin(NEW_PIN))
                .unwrap_or_else(|e| panic!("{variant}: C_SetPIN: {e}"));
            block_the_pin(card, session);
            session
                .login(UserType::So, Some(&pin(PUK)))
                .unwrap_or_else(|e| panic!("{variant}: C_Login CKU_SO: {e}"));
            session
                .init_pin(&pin(PIN))
                .unwrap_or_else(|e| panic!("{variant}: C_InitPIN: {e}"));
            session.logout().expect("C_Logout");
            new_pin_logs_in_and_signs(card, session, PIN, NEW_PIN);
        });
    }
}

// The CIE 3.0 (`cardsim --card cie`, PIN and PUK with 3 and 10 tries): everything
// under secure messaging, PINs of exactly 8 digits, and no way to read a counter without a try.

const CIE_NEW_PIN: &str = "24681357";
/// Not the simulator's defaults: those are substrings of its NIS, which the log may show.
const CIE_PIN: &str = "73920461";
const CIE_PUK: &str = "58204716";

fn with_fresh_cie(test: impl FnOnce(&VirtualCard, &Session)) {
    with_card_of("cie", &["--pin", CIE_PIN, "--puk", CIE_PUK], test)
}

#[test]
fn cie_change_the_pin_under_secure_messaging() {
    with_fresh_cie(|card, session| {
        // A TS-CNS-valid 5-digit PIN: the CIE takes exactly 8 (cie.md §6).
        expect_rv(
            session.set_pin(&pin(CIE_PIN), &pin("24680")),
            RvError::PinLenRange,
        );
        session
            .login(UserType::User, Some(&pin(CIE_PIN)))
            .expect("C_Login");
        // A wrong old PIN costs one try and leaves the user logged in: the next signature
        // rebuilds the secure channel with the PIN of the login (which refills the counter).
        expect_rv(
            session.set_pin(&pin("11112222"), &pin(CIE_NEW_PIN)),
            RvError::PinIncorrect,
        );
        assert_eq!(tries(card, "pin_tries"), 2);
        let key = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .expect("C_FindObjects")[0];
        session
            .sign(&Mechanism::Sha256RsaPkcs, key, b"ancora connesso")
            .expect("C_Sign after a refused change");
        assert_eq!(tries(card, "pin_tries"), 3);
        session
            .set_pin(&pin(CIE_PIN), &pin(CIE_NEW_PIN))
            .expect("C_SetPIN");
        session.logout().expect("C_Logout");
        new_pin_logs_in_and_signs(card, session, CIE_NEW_PIN, CIE_PIN);
        assert_eq!(tries(card, "puk_tries"), 10);
    });
}

#[test]
fn cie_a_wrong_puk_costs_one_puk_try_and_the_so_flags_say_so() {
    with_fresh_cie(|card, session| {
        block_the_pin(card, session);
        let before = card.stats();
        expect_rv(
            session.login(UserType::So, Some(&pin("8765432"))),
            RvError::PinIncorrect,
        );
        assert_eq!(
            card.stats().apdus,
            before.apdus,
            "no APDU for a 7-digit CIE_PUK"
        );
        wrong_puk_spends_one_try(card, session);
        session
            .login(UserType::So, Some(&pin(CIE_PUK)))
            .expect("C_Login CKU_SO");
        assert_eq!(tries(card, "puk_tries"), 10);
        assert!(!token_info().so_pin_count_low());
        session.logout().expect("C_Logout");
    });
}

#[test]
fn cie_the_readme_commands_as_written() {
    let change = readme_command("--change-pin");
    let unlock = readme_command("\"$MODULE\" --unlock-pin");
    let so = readme_command("--login-type so");
    let context = readme_command("--login-type context-specific");
    let log = scratch_dir("cie-pin-readme").join("module.log");

    with_fresh_cie(|card, session| {
        succeeds(change, (CIE_PIN, CIE_NEW_PIN, CIE_PUK), &log);
        new_pin_logs_in_and_signs(card, session, CIE_NEW_PIN, CIE_PIN);
    });
    for line in [so, context] {
        unblocks_as_written(&CIE, line, CIE_NEW_PIN, &log);
    }
    // A fresh process cannot know the CIE's CIE_PIN is blocked without spending a try: the plain
    // unblock is a CHANGE REFERENCE DATA the chip refuses with 6983, and nothing is spent
    // (README: with a CIE use the SO or context-specific line).
    with_fresh_cie(|card, session| {
        block_the_pin(card, session);
        let output = run_as_written(unlock, (CIE_PIN, CIE_NEW_PIN, CIE_PUK), &log);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("CKR_PIN_LOCKED"));
        assert_eq!(
            (tries(card, "pin_tries"), tries(card, "puk_tries")),
            (0, 10)
        );
    });
    assert_no_secret_in(&log, &[CIE_PIN, CIE_PUK, CIE_NEW_PIN]);
}
