//! pcscd killed and restarted under a loaded client (issue #10): the token comes back
//! without restarting the application. Its own binary: it restarts this binary's pcscd.

mod common;

use common::harness::{example_path, module_path, scratch_dir, PcscDaemon, VirtualCard};
use std::process::{Command, Stdio};
use std::time::Duration;

const PIN: &str = "12345678";

#[test]
fn the_token_comes_back_after_pcscd_restarts_under_a_signing_client() {
    let daemon = PcscDaemon::shared();
    let client = example_path("fault_client");
    let stop = scratch_dir("pcscd-restart").join("stop");
    let state = scratch_dir("pcscd-restart-card").join("card.state");
    let card_args = ["--pin", PIN, "--state", state.to_str().expect("utf-8 path")];
    let mut card = VirtualCard::insert(0, "cns", &card_args);
    let running = Command::new(&client)
        .arg(module_path())
        .args(["sign", &daemon.reader_name(0), PIN, "20", "--threads", "2"])
        .args([
            "--survive",
            "120",
            "--until",
            stop.to_str().expect("utf-8 path"),
        ])
        .args([
            "--allow",
            "DeviceRemoved,SessionHandleInvalid,SessionClosed,TokenNotPresent,UserNotLoggedIn",
        ])
        .env("PCSCLITE_CSOCK_NAME", &daemon.socket)
        .env("XDG_CACHE_HOME", scratch_dir("pcscd-restart-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fault_client");
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(800));
        daemon.restart();
        drop(card); // its vpcd connection went with the old pcscd
        card = VirtualCard::insert(0, "cns", &card_args);
    }
    std::thread::sleep(Duration::from_secs(2));
    std::fs::write(&stop, "").expect("stop file");
    let output = running.wait_with_output().expect("fault_client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{:?}", output.status);
    let recoveries: usize = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("recoveries="))
        .and_then(|n| n.parse().ok())
        .expect("recoveries=");
    assert!(recoveries >= 2, "every restart was noticed: {stdout}");
    assert!(
        !stdout.contains(" since_recovery=0 "),
        "every thread signed again after the last restart: {stdout}"
    );
    card.remove();
}
