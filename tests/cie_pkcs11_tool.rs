//! OpenSC's `pkcs11-tool` drives the module against the virtual CIE (`cardsim --card cie`):
//! list, log in, sign with SHA256-RSA-PKCS; `openssl` verifies the signature against the
//! certificate read back through the module. Each run gets its own XDG cache directory.

mod common;

use common::harness::{module_path, scratch_dir, VirtualCard};
use common::tools::{self, openssl_dgst_verify, openssl_pubkey, path, sign_args, succeed};
use std::path::Path;
use std::process::Output;

/// Not a substring of the virtual card's NIS (123456789012), so the log check means something.
const PIN: &str = "24681357";

/// pkcs11-tool on our module, with its own certificate cache.
fn pkcs11_tool(args: &[&str], cache: &Path) -> Output {
    tools::pkcs11_tool(&module_path(), args, &[("XDG_CACHE_HOME", cache)])
}

#[test]
fn pkcs11_tool_lists_logs_in_signs_and_openssl_verifies() {
    let card = VirtualCard::insert(0, "cie", &["--variant", "actalis-2026", "--pin", PIN]);
    let dir = scratch_dir("cie-pkcs11-tool");
    let cache = dir.join("cache");

    let slots = succeed(pkcs11_tool(&["-L"], &cache), "-L");
    assert!(slots.contains("token label        : CIE "), "{slots}");

    let mechanisms = succeed(pkcs11_tool(&["-M"], &cache), "-M");
    assert!(mechanisms.contains("SHA256-RSA-PKCS"), "{mechanisms}");
    assert!(!mechanisms.contains("RSA-X-509"), "{mechanisms}");
    assert!(!mechanisms.contains("PSS"), "{mechanisms}");

    // Cold: no certificate before login.
    let public = succeed(pkcs11_tool(&["-O"], &cache), "-O");
    assert!(!public.contains("Certificate Object"), "{public}");

    let listing = succeed(
        pkcs11_tool(&["--login", "--pin", PIN, "-O"], &cache),
        "--login -O",
    );
    assert!(listing.contains("Private Key Object"), "{listing}");
    assert!(listing.contains("Certificate Object"), "{listing}");

    let data = dir.join("data.txt");
    let sig = dir.join("sig.bin");
    let cert = dir.join("cert.der");
    let pubkey = dir.join("pub.pem");
    std::fs::write(&data, b"documento da firmare con la CIE\n").expect("write data");
    succeed(
        pkcs11_tool(&sign_args(PIN, "SHA256-RSA-PKCS", &data, &sig), &cache),
        "--sign",
    );
    // The certificate is cached now: readable without logging in.
    succeed(
        pkcs11_tool(
            &[
                "--read-object",
                "--type",
                "cert",
                "--label",
                "ROSSI MARIO",
                "-o",
                path(&cert),
            ],
            &cache,
        ),
        "--read-object",
    );
    openssl_pubkey(&cert, &pubkey);
    let verify = |file: &Path| {
        openssl_dgst_verify(&pubkey, &sig, file, false)
            .status
            .success()
    };
    assert!(verify(&data), "openssl rejects the signature");
    let other = dir.join("other.txt");
    std::fs::write(&other, b"altro documento\n").expect("write other");
    assert!(!verify(&other), "the check can fail");

    // A full trace of login + sign: every APDU is there, the PIN and the SM payloads not.
    let log = dir.join("trace.log");
    let sig2 = dir.join("sig2.bin");
    let text = tools::traced_sign(PIN, &data, &sig2, &log, &[("XDG_CACHE_HOME", &cache)]);
    assert!(
        text.contains("> 0C 20 00 81"),
        "the protected VERIFY is traced"
    );
    assert!(!text.contains(PIN), "PIN in the log");
    assert!(!text.contains("3234363831333537"), "PIN (hex) in the log");
    for line in text
        .lines()
        .filter(|l| l.contains("> 0C ") || l.contains("> 1C "))
    {
        assert!(line.contains("***"), "SM payload traced: {line}");
    }
    card.remove_when_unused();
}
