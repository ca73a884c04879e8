//! The command-line tools the tests drive: pkcs11-tool against the shared daemon, and
//! openssl checking a signature with the certificate read back.

use std::path::Path;
use std::process::{Command, Output};

use super::harness::PcscDaemon;

/// Runs `pkcs11-tool --module <module> <args>` against the shared daemon, with `env` set,
/// and prints what it said.
pub fn pkcs11_tool(module: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let daemon = PcscDaemon::shared();
    let mut cmd = Command::new("pkcs11-tool");
    cmd.arg("--module")
        .arg(module)
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", &daemon.socket);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("pkcs11-tool (Debian package opensc)");
    eprintln!(
        "pkcs11-tool {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The tool's stdout, once it has exited 0.
pub fn succeed(output: Output, what: &str) -> String {
    assert!(output.status.success(), "{what} failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// pkcs11-tool's arguments for a login and a signature of `input` into `output`.
pub fn sign_args<'a>(
    pin: &'a str,
    mechanism: &'a str,
    input: &'a Path,
    output: &'a Path,
) -> Vec<&'a str> {
    vec![
        "--login",
        "--pin",
        pin,
        "--sign",
        "-m",
        mechanism,
        "-i",
        path(input),
        "-o",
        path(output),
    ]
}

/// Writes the public key of the DER certificate `cert` to `pubkey` (PEM), with openssl.
pub fn openssl_pubkey(cert: &Path, pubkey: &Path) {
    let x509 = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(cert)
        .output()
        .expect("openssl x509");
    assert!(x509.status.success(), "certificate read back must parse");
    std::fs::write(pubkey, &x509.stdout).expect("write pubkey");
}

/// `openssl dgst -sha256 -verify` of `sig` over `data` (RSASSA-PSS with any salt when `pss`).
pub fn openssl_dgst_verify(pubkey: &Path, sig: &Path, data: &Path, pss: bool) -> Output {
    let mut verify = Command::new("openssl");
    verify.args(["dgst", "-sha256", "-verify"]).arg(pubkey);
    if pss {
        verify.args([
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:-1",
        ]);
    }
    verify
        .arg("-signature")
        .arg(sig)
        .arg(data)
        .output()
        .expect("openssl dgst")
}
