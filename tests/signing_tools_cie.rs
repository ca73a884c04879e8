//! Document signing with pdfsig, OpenSSL and certtool through the module, on the virtual
//! CIE 3.0 (`cardsim --card cie`, ROSSI MARIO): the card meant for it, whose signature is a
//! "firma elettronica avanzata" (README). The CIE signs PKCS#1 v1.5 only (cie.md §7), which is
//! what all three tools ask for. The checks are in `signing/mod.rs`; this binary has its own
//! pcscd, apart from the TS-CNS one (pdfsig answers only one PIN prompt per run).

mod common;
mod signing;

use common::harness::{scratch_dir, VirtualCard};
use parking_lot::MutexGuard;
use signing::{serial, Holder, PIN};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The virtual CIE on reader 0, shared by this binary's tests, after its first login.
///
/// A CIE shows its certificate only after a login; the module then keeps it in its cache, so
/// the tests start from a card the module already knows, as a user's second run does (the
/// token label is the same either way: "CIE <NIS>").
fn cie() -> &'static Holder {
    static HOLDER: OnceLock<Holder> = OnceLock::new();
    HOLDER.get_or_init(|| {
        let holder = Holder::new(
            VirtualCard::insert(0, "cie", &["--pin", PIN]),
            "ROSSI MARIO",
            "cie/ca.pem",
            "RSSMRA80A01H501U",
        );
        holder.restore_tries(); // a login: the module learns the holder
        holder
    })
}

signing_scenarios!(cie, "cie");

/// The CIE and an NSS database (in scratch directory `name`) that loads the module, with the
/// `serial()` lock held: the lock, the holder, the directory and the database.
fn cie_in_nss_db(name: &str) -> (MutexGuard<'static, ()>, &'static Holder, PathBuf, PathBuf) {
    let guard = serial();
    let holder = cie();
    let dir = scratch_dir(name);
    let db = signing::nss_db(holder, &dir, true);
    (guard, holder, dir, db)
}

/// A CIE's first use (issue #10): with an empty module cache, `pdfsig -list-nicks` prints
/// the nickname and `-add-signature` signs with it, although the listing's login taught the
/// module the holder's certificate in between: the token label is the card number on every
/// use, so the nickname never changes.
#[test]
fn a_cie_signs_on_first_use_with_the_nickname_listed_before_its_first_login() {
    let (_guard, holder, dir, db) = cie_in_nss_db("first-use-cie");
    let cold_cache = dir.join("empty-cache");
    let list = || {
        signing::succeed(
            holder
                .command("pdfsig")
                .env("XDG_CACHE_HOME", &cold_cache)
                .arg("-nssdir")
                .arg(format!("sql:{}", db.display()))
                .args(["-nss-pwd", PIN, "-list-nicks"]),
            "pdfsig -list-nicks",
        )
    };
    let first = list();
    let nickname = "CIE 123456789012:ROSSI MARIO";
    assert!(first.contains(nickname), "{first}");
    let input = dir.join("documento.pdf");
    let signed = dir.join("documento-firmato.pdf");
    std::fs::write(&input, signing::minimal_pdf()).expect("pdf");
    signing::succeed(
        signing::pdfsig_sign(holder, &db, nickname, &input, &signed, PIN)
            .env("XDG_CACHE_HOME", &cold_cache),
        "pdfsig -add-signature on first use",
    );
    assert!(signed.exists());
    let second = list();
    assert!(second.contains(nickname), "the same nickname: {second}");
}

/// README's "one card at a time": pdfsig 22.12 answers only the first PIN request of a run, so
/// with a TS-CNS next to the CIE (both asking for a PIN) it refuses to go on — without
/// spending a try on either card.
#[test]
fn pdfsig_refuses_to_sign_with_two_cards_that_ask_for_a_pin() {
    let (_guard, holder, _, db) = cie_in_nss_db("two-cards");
    let tscns = VirtualCard::insert(1, "cns", &["--pin", PIN]);
    let before = (holder.pin_tries(), tscns.stat("pin_tries"));

    let output = signing::run(
        holder
            .command("pdfsig")
            .arg("-nssdir")
            .arg(format!("sql:{}", db.display()))
            .args(["-nss-pwd", PIN, "-list-nicks"]),
        "pdfsig -list-nicks",
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains("Password was not accepted to open the NSS database."));
    assert_eq!((holder.pin_tries(), tscns.stat("pin_tries")), before);
    tscns.remove();
}
