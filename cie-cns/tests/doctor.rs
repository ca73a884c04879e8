//! `cie-cns doctor` in each state a citizen can be in, through the real stack (private pcscd,
//! vpcd, cardsim): each test asserts the line that tells the state and the exit status.

mod common;

use common::harness::{scratch_dir, PcscDaemon, VirtualCard};
use common::tool::{cie_cns_in, command_in, new_nss_db};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Mutex, MutexGuard};

const READER: u16 = 0;
/// APDUs one doctor run may cost a card (budget tests: fewer is fine, more is a regression).
const DOCTOR_APDUS_TS_CNS: u64 = 7;
const DOCTOR_APDUS_CIE: u64 = 3;

/// The tests share the daemon's readers: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A home with one Firefox profile, registered or not.
fn home(registered: bool) -> PathBuf {
    let home = scratch_dir("doctor-home");
    new_nss_db(&home.join(".mozilla/firefox/x.default"));
    if registered {
        let out = cie_cns_in(&home, "C", &["register", "--quiet"]);
        assert!(out.status.success(), "{out:?}");
    }
    home
}

fn doctor(home: &Path, lang: &str) -> (String, Option<i32>) {
    PcscDaemon::shared();
    let out = cie_cns_in(home, lang, &["doctor"]);
    text(out)
}

fn text(out: Output) -> (String, Option<i32>) {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    (text, out.status.code())
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

/// The report has every line of `lines` and ends with `code`.
fn assert_report(report: &(String, Option<i32>), code: i32, lines: &[String]) {
    let (text, status) = report;
    for line in lines {
        assert!(has_line(text, line), "no line {line:?} in\n{text}");
    }
    assert_eq!(*status, Some(code), "{text}");
}

fn reader_line(tag: &str, what: &str) -> String {
    let reader = PcscDaemon::shared().reader_name(READER);
    format!("[{tag}] reader {reader}: {what}")
}

/// The doctor's report on the card `card_args` in a home (`registered` or not): it has `lines`
/// and exits with `code`.
fn card_report(card_args: &[&str], registered: bool, code: i32, lines: &[String]) {
    let _serial = serial();
    let report = with_card(card_args, |_| doctor(&home(registered), "C"));
    assert_report(&report, code, lines);
}

/// The card `args` in the reader while `test` runs, then out again.
fn with_card<T>(args: &[&str], test: impl FnOnce(&VirtualCard) -> T) -> T {
    let card = VirtualCard::insert(READER, args[0], &args[1..]);
    let result = test(&card);
    card.remove();
    result
}

#[test]
fn pcscd_down() {
    let home = home(true);
    let out = command_in(&home, "C", &["doctor"])
        .env("PCSCLITE_CSOCK_NAME", home.join("no-pcscd.comm"))
        .output()
        .unwrap();
    let (text, code) = text(out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("[problem] pcscd: not reachable (")
                && l.ends_with(
                    "→ start it: sudo systemctl enable --now pcscd.socket (package pcscd)"
                )),
        "{text}"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn no_reader() {
    let bare = common::bare_pcscd::BarePcscd::start();
    let home = home(true);
    let out = command_in(&home, "C", &["doctor"])
        .env("PCSCLITE_CSOCK_NAME", &bare.socket)
        .output()
        .unwrap();
    let (text, code) = text(out);
    assert!(has_line(&text, "[ok] pcscd: reachable"), "{text}");
    assert!(has_line(&text, "[problem] lettori / readers: no reader found → connect the reader; if it is connected, check that lsusb sees it and install its driver (libccid for most)"), "{text}");
    assert_eq!(code, Some(1));
}

#[test]
fn empty_reader() {
    let _serial = serial();
    let (text, code) = doctor(&home(true), "C");
    assert!(has_line(&text, &reader_line("info", "no card")), "{text}");
    assert!(has_line(&text, "[problem] CIE / TS-CNS: no card recognised in any reader → insert your CIE or TS-CNS in the reader, chip towards the contacts"), "{text}");
    assert_eq!(code, Some(1));
}

#[test]
fn unsupported_card() {
    let line = reader_line(
        "problem",
        "a card is in the reader but it is not a CIE or TS-CNS → insert your CIE or TS-CNS",
    );
    card_report(&["bank"], true, 1, &[line]);
}

#[test]
fn ts_cns_ok_and_registered_in_english_and_italian() {
    let _serial = serial();
    let reader = PcscDaemon::shared().reader_name(READER);
    let english = [
        reader_line("ok", "TS-CNS, batch ST 2021 (STIncard), holder ROSSI MARIO"),
        "[ok] certificate: valid until 2051-11-22".into(),
        "[ok] PIN: 3 tries of 3 left".into(),
        "[ok] Firefox profile x.default: module registered".into(),
    ];
    let italian = [
        format!("[ok] lettore {reader}: TS-CNS, lotto ST 2021 (STIncard), titolare ROSSI MARIO"),
        "[ok] certificato: valido fino al 2051-11-22".into(),
        "[ok] PIN: 3 tentativi su 3".into(),
        "[ok] Firefox, profilo x.default: modulo registrato".into(),
    ];
    for (lang, lines) in [("en_GB.UTF-8", english), ("it_IT.UTF-8", italian)] {
        let report = with_card(&["cns"], |card| {
            // (register runs modutil, which loads the module: it reads the card too.)
            let home = home(true);
            let before = card.stats().apdus;
            let report = doctor(&home, lang);
            assert_eq!(card.stat("pin_tries"), Some(3));
            // Budget: what the module reads to show the token and its certificate (measured 7).
            let apdus = card.stats().apdus - before;
            assert!(apdus <= DOCTOR_APDUS_TS_CNS, "{apdus} APDUs");
            report
        });
        assert_report(&report, 0, &lines);
    }
}

#[test]
fn module_not_registered() {
    let line = "[problem] Firefox profile x.default: module not registered → close the browser and run: cie-cns register";
    card_report(&["cns"], false, 1, &[line.into()]);
}

#[test]
fn cie_ok_and_after_a_login_its_holder_and_certificate() {
    let _serial = serial();
    let home = home(true);
    let (before, after, code) = with_card(&["cie"], |card| {
        let (before, code) = doctor(&home, "C");
        assert_eq!(card.stat("pin_tries"), Some(3), "the doctor spent no try");
        // Budget (measured 3): the CIE's public data only, no secure channel.
        let apdus = card.stats().apdus;
        assert!(apdus <= DOCTOR_APDUS_CIE, "{apdus} APDUs");
        // A browser login caches the certificate the CIE shows only after the PIN.
        let login = std::process::Command::new("pkcs11-tool")
            .arg("--module")
            .arg(common::harness::module_path())
            .args(["--login", "--pin", "12345678", "--list-objects"])
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .output()
            .unwrap();
        assert!(login.status.success(), "{login:?}");
        let (after, _) = doctor(&home, "C");
        assert_eq!(card.stat("pin_tries"), Some(3));
        (before, after, code)
    });
    let card = "CIE, batch Bit4id 2023 (IPZS), holder known after the first login with the PIN";
    assert!(has_line(&before, &reader_line("ok", card)), "{before}");
    assert!(has_line(&before, "[info] certificate: the CIE shows it only after the PIN; it shows here after the first login"), "{before}");
    assert!(has_line(&before, "[info] PIN: the CIE does not tell how many tries are left without spending one; 3 wrong PINs block it (cie-cns pin unblock)"), "{before}");
    assert_eq!(code, Some(0), "{before}");
    let card = "CIE, batch Bit4id 2023 (IPZS), holder ROSSI MARIO";
    assert!(has_line(&after, &reader_line("ok", card)), "{after}");
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("[ok] certificate: valid until ")),
        "{after}"
    );
}

#[test]
fn ts_cns_pin_blocked() {
    let state = scratch_dir("doctor-state").join("state");
    std::fs::write(
        &state,
        "card=cns\nvariant=stincard\npin=12345678\npin_tries=0\npuk=87654321\npuk_tries=10\n",
    )
    .unwrap();
    let line = "[problem] PIN: blocked → unblock it with the PUK: cie-cns pin unblock";
    card_report(
        &["cns", "--state", state.to_str().unwrap()],
        true,
        1,
        &[line.into()],
    );
}

#[test]
fn certificate_expired() {
    let line = "[problem] certificate: EXPIRED on 2025-01-01 → sites no longer accept the card: ask the issuer for a new one";
    card_report(&["cns", "--expired-certificate"], true, 1, &[line.into()]);
}

#[test]
fn a_snap_firefox_is_pointed_to_p11_kit() {
    let _serial = serial();
    let home = home(true);
    std::fs::create_dir_all(home.join("snap/firefox/common")).unwrap();
    let (text, _) = with_card(&["cns"], |_| doctor(&home, "C"));
    assert!(
        text.lines().any(|l| l.contains("Firefox (Snap): is sandboxed: it cannot load modules from the system's folders, only through `p11-kit server` (README: Snap and Flatpak)")),
        "{text}"
    );
}

#[test]
fn registered_nowhere() {
    let _serial = serial();
    let empty_home = scratch_dir("doctor-nowhere");
    let (text, code) = with_card(&["cns"], |_| doctor(&empty_home, "C"));
    let nowhere = "[problem] browser: the module is registered in no browser and not in p11-kit → install the cie-cns-pkcs11 package, or with the browsers closed run: cie-cns register";
    // This machine's p11-kit configuration may list the installed package's module: then
    // p11-kit is the place it is registered, and no problem.
    if has_line(
        &text,
        "[ok] p11-kit: the module is in its configuration (p11-kit list-modules)",
    ) {
        assert!(!has_line(&text, nowhere), "{text}");
        assert_eq!(code, Some(0), "{text}");
    } else {
        assert!(has_line(&text, nowhere), "{text}");
        assert_eq!(code, Some(1), "{text}");
    }
    assert!(
        has_line(&text, "[info] Firefox: no profile found"),
        "{text}"
    );
}

/// A certificate made now that expires in 30 days, for the virtual TS-CNS's key.
fn certificate_expiring_in_30_days() -> (PathBuf, String) {
    let dir = scratch_dir("doctor-soon");
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/fixtures/cns/stincard.key.pem");
    let der = dir.join("soon.cert.der");
    let run = |cmd: &mut std::process::Command| {
        let out = cmd.output().expect("openssl / date");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    run(std::process::Command::new("openssl")
        .args([
            "req",
            "-new",
            "-x509",
            "-days",
            "30",
            "-subj",
            "/C=IT/GN=MARIO/SN=ROSSI/CN=soon",
        ])
        .arg("-key")
        .arg(&key)
        .args(["-outform", "DER", "-out"])
        .arg(&der));
    let end = run(std::process::Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-enddate", "-in"])
        .arg(&der));
    let end = end.trim_start_matches("notAfter=").to_string();
    let day = run(std::process::Command::new("date").args(["-u", "+%F", "-d", &end]));
    (der, day)
}

#[test]
fn certificate_expiring_within_60_days() {
    let (der, day) = certificate_expiring_in_30_days();
    let line = format!(
        "[warning] certificate: expires on {day} (in 29 days) → ask the issuer for a new card now"
    );
    // A warning: the card still works today, so all is well.
    card_report(
        &["cns", "--certificate", der.to_str().unwrap()],
        true,
        0,
        &[line],
    );
}

#[test]
fn module_missing() {
    let _serial = serial();
    PcscDaemon::shared();
    let home = home(true);
    let out = command_in(
        &home,
        "C",
        &["doctor", "--module", "/nonexistent/libcie_cns_pkcs11.so"],
    )
    .output()
    .unwrap();
    let line = "[problem] module: /nonexistent/libcie_cns_pkcs11.so is missing → install the cie-cns-pkcs11 package";
    let report = text(out);
    assert_report(&report, 1, &[line.into()]);
    assert!(!report.0.contains("no card recognised"), "{}", report.0);
}
