//! Builds tests/c_smoke.c against include/cie_cns_pkcs11.h and p11-kit's PKCS#11 header,
//! runs it on the cdylib Cargo built next to this test, and asserts it succeeds.

mod common;

use common::tools::compile_c;
use std::path::{Path, PathBuf};
use std::process::Command;

const LIBRARY: &str = "libcie_cns_pkcs11.so";

/// target/<profile>/libcie_cns_pkcs11.so: the test runs from target/<profile>/deps/.
fn cdylib() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let candidates = exe
        .ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join(LIBRARY))
        .chain(["debug", "release"].iter().map(|profile| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join(profile)
                .join(LIBRARY)
        }))
        .collect::<Vec<_>>();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| panic!("{LIBRARY} not found in {candidates:?}"))
}

fn p11_kit_cflags() -> Vec<String> {
    Command::new("pkg-config")
        .args(["--cflags", "p11-kit-1"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_else(|| vec!["-I/usr/include/p11-kit-1".to_string()])
}

#[test]
fn c_smoke_test_loads_the_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_smoke");
    let mut flags = ["-std=c99", "-Wall", "-Wextra", "-pthread", "-I"]
        .map(String::from)
        .to_vec();
    flags.push(root.join("include").display().to_string());
    flags.extend(p11_kit_cflags());
    compile_c(&root.join("tests/c_smoke.c"), &binary, &flags);

    let output = Command::new(&binary)
        .arg(cdylib())
        // The module must not need the log variables; keep the run quiet and deterministic.
        .env_remove("CIE_CNS_PKCS11_LOG")
        .output()
        .expect("running c_smoke");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "c_smoke failed: {:?}",
        output.status
    );
}
