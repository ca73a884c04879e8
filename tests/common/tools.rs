//! The command-line tools the tests drive: pkcs11-tool against the shared daemon, and
//! openssl checking a signature with the certificate read back.

use std::path::Path;
use std::process::{Command, Output};

use super::harness::{module_path, PcscDaemon};

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
    show(&format!("pkcs11-tool {}", args.join(" ")), &output);
    output
}

/// Prints what a command (named by `heading`) wrote, for the test's log.
pub fn show(heading: &str, output: &Output) {
    eprintln!(
        "{heading}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// pkcs11-tool logs in and signs `data` (SHA256-RSA-PKCS) into `sig` with the module's full
/// trace going to `log` (and `env` set); the trace, once the tool has exited 0.
pub fn traced_sign(
    pin: &str,
    data: &Path,
    sig: &Path,
    log: &Path,
    env: &[(&str, &Path)],
) -> String {
    let mut env = env.to_vec();
    env.extend([
        ("CIE_CNS_PKCS11_LOG", Path::new("trace")),
        ("CIE_CNS_PKCS11_LOG_FILE", log),
    ]);
    let output = pkcs11_tool(
        &module_path(),
        &sign_args(pin, "SHA256-RSA-PKCS", data, sig),
        &env,
    );
    assert!(output.status.success(), "{output:?}");
    std::fs::read_to_string(log).expect("the trace log was written")
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

/// `cc FLAGS SOURCE -o BINARY -ldl` (the test programs dlopen the module); the test fails if cc
/// does.
pub fn compile_c<S: AsRef<std::ffi::OsStr>>(source: &Path, binary: &Path, flags: &[S]) {
    let status = Command::new("cc")
        .args(flags)
        .arg(source)
        .arg("-o")
        .arg(binary)
        .arg("-ldl")
        .status()
        .expect("running cc");
    assert!(status.success(), "cc {} failed", source.display());
}

/// `-I` for p11-kit's PKCS#11 header and the tests' own (tests/load_module.h).
pub fn p11_kit_and_test_headers() -> [String; 2] {
    [
        "-I/usr/include/p11-kit-1".to_string(),
        format!("-I{}/tests", env!("CARGO_MANIFEST_DIR")),
    ]
}

/// Writes `code` to `dir/NAME.c` and compiles it, with p11-kit's PKCS#11 header and
/// tests/load_module.h, into `dir/NAME`: the program.
pub fn c_program(dir: &Path, name: &str, code: &str) -> std::path::PathBuf {
    let source = dir.join(format!("{name}.c"));
    std::fs::write(&source, code).expect("write the C source");
    let binary = dir.join(name);
    compile_c(&source, &binary, &p11_kit_and_test_headers());
    binary
}
