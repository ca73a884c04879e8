//! `cardsim --state FILE` end to end: the binary plays the card against a stand-in vpcd (a TCP
//! listener speaking the vpcd wire protocol, shared/HARNESS.md); a wrong PIN spent in one process
//! is still spent in the next one; a file for another variant is refused (exit 2); the CIE reads
//! its counters from the same file.

use cardsim::vpcd::{host_recv as recv, host_send as send};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

const GET_ATR: u8 = 0x04;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("cardsim-state-it-{}-{name}", std::process::id()))
}

/// Start the card binary against a fresh listener; returns the child and the accepted connection.
fn start(args: &[&str], state: &Path) -> (Child, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let child = Command::new(env!("CARGO_BIN_EXE_cardsim"))
        .args(args)
        .args(["--vpcd", &addr, "--state"])
        .arg(state)
        .spawn()
        .unwrap();
    let (s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    (child, s)
}

fn stop(mut child: Child, s: TcpStream) {
    drop(s);
    assert!(child.wait().unwrap().success());
}

fn wrong_verify() -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x10, 0x08];
    apdu.extend_from_slice(b"11111\xFF\xFF\xFF");
    apdu
}

#[test]
fn cns_counter_survives_restart() {
    let state = temp("cns");
    let _ = std::fs::remove_file(&state);
    let card = ["--card", "cns", "--variant", "cardos"];

    let (child, mut s) = start(&card, &state);
    send(&mut s, &[GET_ATR]);
    assert_eq!(recv(&mut s)[..2], [0x3B, 0xFF]);
    send(&mut s, &wrong_verify());
    assert_eq!(recv(&mut s), [0x63, 0xC2]);
    stop(child, s);
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(
        text.contains("variant=cardos\n") && text.contains("pin_tries=2\n"),
        "{text}"
    );

    let (child, mut s) = start(&card, &state);
    send(&mut s, &[0x00, 0x20, 0x00, 0x10]);
    assert_eq!(
        recv(&mut s),
        [0x63, 0xC2],
        "counter kept across the restart"
    );
    send(&mut s, &wrong_verify());
    assert_eq!(recv(&mut s), [0x63, 0xC1]);
    stop(child, s);

    // Another variant must not pick up this file.
    let status = Command::new(env!("CARGO_BIN_EXE_cardsim"))
        .args([
            "--card",
            "cns",
            "--variant",
            "athena",
            "--vpcd",
            "127.0.0.1:1",
            "--state",
        ])
        .arg(&state)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    let _ = std::fs::remove_file(&state);
}

#[test]
fn cie_reads_its_counters_from_the_file() {
    let state = temp("cie");
    std::fs::write(
        &state,
        "card=cie\nvariant=bit4id-2023\npin=12345678\npin_tries=1\npuk=87654321\npuk_tries=7\n",
    )
    .unwrap();
    let stats = temp("cie-stats");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cardsim"))
        .args(["--card", "cie", "--vpcd", &addr, "--stats"])
        .arg(&stats)
        .arg("--state")
        .arg(&state)
        .spawn()
        .unwrap();
    let (mut s, _) = listener.accept().unwrap();
    send(&mut s, &[GET_ATR]);
    recv(&mut s);
    let line = std::fs::read_to_string(&stats).unwrap();
    assert!(line.contains("pin_tries=1 puk_tries=7"), "{line}");
    drop(s);
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_file(&state);
    let _ = std::fs::remove_file(&stats);
}
