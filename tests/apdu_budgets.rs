//! Issue #12: every APDU budget of `common::budgets`, through the real stack — the cdylib in
//! `pkcs11-tool` processes (a fresh process each, as the citizen's tools run it) or loaded
//! in-process, PC/SC, a private pcscd, the virtual card counting what it receives. A
//! regression of any count fails here.

mod common;

use common::budgets::*;
use common::harness::{module_path, scratch_dir, VirtualCard};
use common::module::{pkcs11, serial, slot_of_reader};
use common::token::{certificate, find, pin};
use common::tools::pkcs11_tool;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectClass;
use cryptoki::session::UserType;
use std::path::{Path, PathBuf};

const PIN: &str = "12345678";
const READER: u16 = 0;

/// APDUs the card received while `run` ran.
fn apdus_of(card: &VirtualCard, run: impl FnOnce()) -> u64 {
    let before = card.stats().apdus;
    run();
    card.stats().apdus - before
}

/// One `pkcs11-tool` process with `cache` as its public-data cache; `Ok` on success.
fn tool(args: &[&str], cache: &Path) -> Result<String, std::process::Output> {
    let output = pkcs11_tool(&module_path(), args, &[("XDG_CACHE_HOME", cache)]);
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(output)
    }
}

/// `--login --sign` of a small file in one process; the signature file.
fn login_and_sign(cache: &Path) -> Result<PathBuf, std::process::Output> {
    let dir = scratch_dir("budget-sign");
    let (data, sig) = (dir.join("data"), dir.join("sig"));
    std::fs::write(&data, b"budget").expect("data");
    tool(
        &[
            "--login",
            "--pin",
            PIN,
            "--sign",
            "-m",
            "SHA256-RSA-PKCS",
            "-i",
            data.to_str().unwrap(),
            "-o",
            sig.to_str().unwrap(),
        ],
        cache,
    )
    .map(|_| sig)
}

fn budget(what: &str, apdus: u64, budget: u64) {
    eprintln!("{what}: {apdus} APDUs (budget {budget})");
    assert!(apdus <= budget, "{what}: {apdus} APDUs, budget {budget}");
}

#[test]
fn cie_login_and_signature_per_fresh_process() {
    let _guard = serial();
    let cache = scratch_dir("budget-cie-cache");
    let card = VirtualCard::insert(READER, "cie", &["--pin", PIN]);
    let cold = apdus_of(&card, || {
        login_and_sign(&cache).expect("cold --login --sign");
    });
    budget("CIE cold --login --sign", cold, CIE_COLD_LOGIN_SIGN);
    for run in ["second", "third"] {
        let warm = apdus_of(&card, || {
            login_and_sign(&cache).expect("warm --login --sign");
        });
        budget(
            &format!("CIE warm --login --sign ({run})"),
            warm,
            CIE_WARM_LOGIN_SIGN,
        );
    }
    let listing = apdus_of(&card, || {
        tool(&["-O"], &cache).expect("-O");
    });
    budget("CIE warm -O", listing, CIE_WARM_LISTING);
    card.remove_when_unused();
}

#[test]
fn cie_rebuild_after_another_application() {
    let _guard = serial();
    let card = VirtualCard::insert(READER, "cie", &["--pin", PIN]);
    let session = pkcs11()
        .open_ro_session(slot_of_reader(READER))
        .expect("C_OpenSession");
    session
        .login(UserType::User, Some(&pin(PIN)))
        .expect("C_Login");
    let key = find(&session, ObjectClass::PRIVATE_KEY)[0];
    session
        .sign(&Mechanism::Sha256RsaPkcs, key, b"uno")
        .expect("C_Sign");
    // Another process binds the card: its plain SELECTs end our secure messaging.
    tool(&["-L"], &scratch_dir("budget-other-app")).expect("another application");
    let tries = card.stat("pin_tries");
    let sign = apdus_of(&card, || {
        let sig = session
            .sign(&Mechanism::Sha256RsaPkcs, key, b"due")
            .expect("C_Sign after another application");
        assert!(certificate(&session, "CIE").verify_pkcs1("sha256", b"due", &sig));
    });
    assert_eq!(card.stat("pin_tries"), tries, "the kept PIN was right");
    budget(
        "CIE C_Sign after another application",
        sign,
        CIE_SIGN_AFTER_ANOTHER_APPLICATION,
    );
    eprintln!("CIE rebuild: {} APDUs (budget {CIE_REBUILD})", sign - 1 - 3);
    session.logout().expect("C_Logout");
    drop(session);
    card.remove_when_unused();
}

#[test]
fn cns_listing_from_a_warm_cache() {
    let _guard = serial();
    let cache = scratch_dir("budget-cns-cache");
    let card = VirtualCard::insert(READER, "cns", &[]);
    let cold = apdus_of(&card, || {
        tool(&["-L"], &cache).expect("-L");
    });
    budget("TS-CNS cold -L", cold, CNS_COLD_LISTING);
    let warm = apdus_of(&card, || {
        tool(&["-L"], &cache).expect("-L");
    });
    budget("TS-CNS warm -L", warm, CNS_WARM_LISTING);
    let sign = apdus_of(&card, || {
        login_and_sign(&cache).expect("--login --sign");
    });
    budget("TS-CNS warm --login --sign", sign, CNS_WARM_LOGIN_SIGN);
    card.remove_when_unused();
}
