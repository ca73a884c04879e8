//! Bounds before copies (issue #11), through the real stack: tests/pin_bounds.c passes
//! C_Login / C_SetPIN / C_InitPIN a length one byte beyond an 8-byte PIN that ends at an
//! unmapped page. The module must refuse the length before reading: no crash, the
//! right codes, and no PIN try spent.

mod common;

use common::harness::{module_path, PcscDaemon, VirtualCard};
use common::module::serial;
use common::token::pin_tries;
use common::tools::compile_c;
use std::path::Path;
use std::process::Command;

#[test]
fn a_pin_length_beyond_the_buffer_is_refused_before_it_is_read() {
    let _guard = serial();
    let daemon = PcscDaemon::shared();
    let card = VirtualCard::insert(0, "cns", &[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pin_bounds");
    let flags = ["-std=c99", "-Wall", "-Wextra", "-I/usr/include/p11-kit-1"];
    compile_c(&root.join("tests/pin_bounds.c"), &binary, &flags);
    let output = Command::new(&binary)
        .arg(module_path())
        .env("PCSCLITE_CSOCK_NAME", &daemon.socket)
        .output()
        .expect("running pin_bounds");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "pin_bounds failed (a signal means the module read past the PIN): {:?}",
        output.status
    );
    assert_eq!(pin_tries(&card), 3, "no try spent");
    card.remove();
}
