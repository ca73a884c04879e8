//! Real clients against the virtual TS-CNS: OpenSC's `pkcs11-tool` drives our module,
//! `openssl` verifies what it signed; and Debian's own `opensc-pkcs11.so` (an
//! independent implementation, its itacns driver) reads the same virtual card — if it
//! cannot, the simulator is wrong.

mod common;

use common::harness::{module_path, scratch_dir, VirtualCard};
use common::module::serial;
use common::tools::{openssl_dgst_verify, openssl_pubkey, path, pkcs11_tool, succeed};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

const PIN: &str = "12345678";

fn card() -> &'static VirtualCard {
    static CARD: OnceLock<VirtualCard> = OnceLock::new();
    CARD.get_or_init(|| VirtualCard::insert(0, "cns", &[]))
}

/// The CKA_ID of the private key, as `pkcs11-tool -O` prints it ("ID:  0a1b…").
fn key_id(listing: &str) -> String {
    let mut in_private_key = false;
    for line in listing.lines() {
        if line.starts_with("Private Key Object") {
            in_private_key = true;
        } else if in_private_key {
            if let Some(id) = line.trim().strip_prefix("ID:") {
                return id.trim().to_string();
            }
        }
    }
    panic!("no private key ID in:\n{listing}");
}

/// Signs `data` with pkcs11-tool, reads the certificate back with `--read-object`, and
/// verifies with `openssl dgst`.
fn sign_and_verify(module: &Path, env: &[(&str, &Path)], mechanism: &str, dir: &Path) {
    let listing = succeed(
        pkcs11_tool(module, &["--login", "--pin", PIN, "-O"], env),
        "-O",
    );
    let id = key_id(&listing);
    let data = dir.join("data.txt");
    let sig = dir.join(format!("{mechanism}.sig"));
    let cert = dir.join("cert.der");
    let pubkey = dir.join("pub.pem");
    std::fs::write(&data, b"documento da firmare\n").expect("write data");
    succeed(
        pkcs11_tool(
            module,
            &[
                "--login",
                "--pin",
                PIN,
                "--sign",
                "--id",
                &id,
                "-m",
                mechanism,
                "-i",
                path(&data),
                "-o",
                path(&sig),
            ],
            env,
        ),
        "--sign",
    );
    succeed(
        pkcs11_tool(
            module,
            &[
                "--read-object",
                "--type",
                "cert",
                "--id",
                &id,
                "-o",
                path(&cert),
            ],
            env,
        ),
        "--read-object",
    );
    openssl_pubkey(&cert, &pubkey);

    let pss = mechanism.ends_with("PSS");
    let verified = openssl_dgst_verify(&pubkey, &sig, &data, pss);
    assert!(
        verified.status.success(),
        "openssl rejects the {mechanism} signature: {verified:?}"
    );
    // The same signature over other data must not verify: the check can fail.
    std::fs::write(&data, b"altro documento\n").expect("write data");
    let rejected = openssl_dgst_verify(&pubkey, &sig, &data, pss);
    assert!(!rejected.status.success());
}

#[test]
fn pkcs11_tool_lists_the_token() {
    let _guard = serial();
    card();
    let module = module_path();
    let slots = succeed(pkcs11_tool(&module, &["-L"], &[]), "-L");
    assert!(
        slots.contains("TS-CNS ROSSI MARIO"),
        "token label in:\n{slots}"
    );
    assert!(slots.contains("Virtual PCD 00 00"));
    // OpenSC reports every TS-CNS PIN as locked (cns-opensc.md); we must not.
    assert!(
        !slots.contains("locked"),
        "PIN wrongly shown as locked:\n{slots}"
    );
    let objects = succeed(pkcs11_tool(&module, &["-O"], &[]), "-O");
    assert!(objects.contains("Certificate Object"));
    assert!(objects.contains("Public Key Object"));
}

#[test]
fn pkcs11_tool_signs_pkcs1_and_pss_and_openssl_verifies() {
    let _guard = serial();
    card();
    let dir = scratch_dir("pkcs11-tool");
    let module = module_path();
    sign_and_verify(&module, &[], "SHA256-RSA-PKCS", &dir);
    sign_and_verify(&module, &[], "SHA256-RSA-PKCS-PSS", &dir);
}

#[test]
fn pkcs11_tool_thread_and_fork_tests_pass() {
    let _guard = serial();
    card();
    let module = module_path();
    succeed(
        pkcs11_tool(
            &module,
            &["--test-threads", "ILGISLT0", "--test-threads", "INGISLT0"],
            &[],
        ),
        "--test-threads",
    );
    succeed(pkcs11_tool(&module, &["--test-fork"], &[]), "--test-fork");
}

/// Fidelity: Debian's OpenSC (itacns) lists, signs, changes and unblocks the PIN on each
/// virtual TS-CNS variant it supports (sim/tests/opensc-fidelity.sh runs its own private
/// pcscd, and says which variants: every one of the simulator's but idemia-2021, with no
/// 1400/9001/2002 key set in OpenSC 0.23, and ace-2025, OpenSC #3804).
#[test]
fn opensc_itacns_accepts_every_virtual_tscns_variant() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/tests/opensc-fidelity.sh");
    let list = Command::new("bash")
        .arg(&script)
        .arg(common::harness::cardsim_path())
        .arg("list")
        .output()
        .expect("list the variants OpenSC reads");
    assert!(list.status.success(), "opensc-fidelity.sh list failed");
    let variants: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert!(variants.len() >= 6, "OpenSC variants: {variants:?}");
    for variant in &variants {
        let output = Command::new("bash")
            .arg(&script)
            .arg(common::harness::cardsim_path())
            .arg(variant)
            .output()
            .expect("run the fidelity script");
        common::tools::show(&format!("opensc-fidelity.sh {variant}"), &output);
        assert!(
            output.status.success(),
            "OpenSC rejects the virtual {variant}"
        );
    }
}

/// A full trace (every PKCS#11 call and APDU) of a login and a signature holds no PIN,
/// neither as text nor as the hex of the VERIFY data; and the log goes to the file
/// named by CIE_CNS_PKCS11_LOG_FILE, since browsers swallow stderr.
#[test]
fn the_trace_log_never_contains_the_pin() {
    let _guard = serial();
    card();
    let dir = scratch_dir("log");
    let log = dir.join("module.log");
    let data = dir.join("data");
    std::fs::write(&data, b"x").expect("data");
    let text = common::tools::traced_sign(PIN, &data, &dir.join("sig"), &log, &[]);
    assert!(
        text.contains("C_Login"),
        "the trace shows the calls:\n{text}"
    );
    assert!(
        text.to_ascii_uppercase().contains("00 20 00 90")
            || text.to_ascii_uppercase().contains("00200090"),
        "the trace shows the VERIFY APDU header:\n{text}"
    );
    let hex_spaced = "31 32 33 34 35 36 37 38";
    for secret in [PIN, "3132333435363738", hex_spaced] {
        assert!(
            !text
                .to_ascii_uppercase()
                .contains(&secret.to_ascii_uppercase()),
            "the PIN ({secret}) leaked into the log"
        );
    }
}
