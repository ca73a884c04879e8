//! Faults under long-lived client processes (issue #10): `examples/fault_client.rs` loads the
//! module through the `cryptoki` crate, runs every call under a 30 s watchdog and verifies
//! every signature with ring against the certificate. Here: slots straight after
//! C_Initialize, two processes × 100 signatures, 16 threads × 25, C_CloseSession /
//! C_Finalize racing C_Sign, another application resetting the card, and card pulls (slow
//! pulls and fast swaps) under load. The long versions run in `scripts/soak`.

mod common;

use common::harness::{example_path, module_path, scratch_dir, PcscDaemon, VirtualCard};
use common::module::serial;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PIN: &str = "12345678";

/// A client process on the shared pcscd.
fn client(args: &[&str]) -> Child {
    Command::new(example_path("fault_client"))
        .arg(module_path())
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
        .env("XDG_CACHE_HOME", scratch_dir("fault-client-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fault_client")
}

/// Waits for a client and returns its stdout; it must have succeeded.
fn succeeded(child: Child, what: &str) -> String {
    let output: Output = child.wait_with_output().expect("fault_client output");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!(
        "{what}:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{what}: {:?}", output.status);
    stdout
}

/// The value of `key=` in a client's `summary` / `race` line.
fn field<'a>(output: &'a str, key: &str) -> &'a str {
    output
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {output}"))
}

fn reader(index: u16) -> String {
    PcscDaemon::shared().reader_name(index)
}

#[test]
fn slots_answer_straight_after_c_initialize_with_the_ids_of_the_slot_list() {
    let _guard = serial();
    // The card in the second reader: slot 1 has a token, slot 0 is an empty reader.
    let card = VirtualCard::insert(1, "cns", &["--pin", PIN]);
    let out = succeeded(client(&["slots-at-init"]), "slots-at-init");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.contains(&format!("slot=0 reader={:?} present=false", reader(0)).as_str()),
        "{out}"
    );
    assert!(
        lines.contains(&format!("slot=1 reader={:?} present=true", reader(1)).as_str()),
        "{out}"
    );
    assert!(lines.contains(&"token=0 error=TokenNotPresent"), "{out}");
    assert!(
        lines.contains(&"token=1 label=\"TS-CNS ROSSI MARIO\""),
        "{out}"
    );
    assert!(lines.contains(&"session=1 ok"), "{out}");
    assert!(lines.contains(&"list=0,1"), "{out}");
    card.remove();
}

/// A TS-CNS in reader 0 while `run` runs; returns the APDUs it answered meanwhile.
fn apdus_on_a_ts_cns(run: impl FnOnce()) -> u64 {
    let card = VirtualCard::insert(0, "cns", &["--pin", PIN]);
    let before = card.stats();
    run();
    let apdus = (card.stats() - before).apdus;
    card.remove();
    apdus
}

/// Two processes sign on one card at once. When one ends, it resets the TS-CNS it unlocked
/// (issue #11), which logs the other out: that one logs in again (CKR_USER_NOT_LOGGED_IN).
#[test]
fn two_processes_make_100_verified_signatures_each_on_one_card() {
    let _guard = serial();
    let started = Instant::now();
    let apdus = apdus_on_a_ts_cns(|| {
        let reader = reader(0);
        let sign = [
            "sign",
            &reader,
            PIN,
            "100",
            "--survive",
            "120",
            "--allow",
            "UserNotLoggedIn",
        ];
        let clients = [client(&sign), client(&sign)];
        for (i, c) in clients.into_iter().enumerate() {
            let out = succeeded(c, &format!("process {i}"));
            assert_eq!(field(&out, "verified"), "100");
        }
    });
    println!(
        "2 processes x 100 signatures: {apdus} APDUs ({:.1} per signature) in {:?}",
        apdus as f64 / 200.0,
        started.elapsed()
    );
}

/// 16 threads × 25 signatures, each thread on its own session of one card.
#[test]
fn sixteen_threads_make_25_verified_signatures_each() {
    let _guard = serial();
    let apdus = apdus_on_a_ts_cns(|| {
        let out = succeeded(
            client(&["sign", &reader(0), PIN, "25", "--threads", "16"]),
            "16 threads",
        );
        assert_eq!(field(&out, "verified"), "400");
    });
    println!("16 threads x 25 signatures: {apdus} APDUs");
}

#[test]
fn closing_the_session_or_finalizing_while_c_sign_runs() {
    let _guard = serial();
    for kind in ["cns", "cie"] {
        let card = VirtualCard::insert(0, kind, &["--pin", PIN]);
        let out = succeeded(client(&["race", &reader(0), PIN, "8"]), kind);
        let finalize_ms: u64 = field(&out, "finalize_ms").parse().expect("ms");
        assert!(finalize_ms < 1000, "C_Finalize took {finalize_ms} ms");
        card.remove();
    }
}

/// Resets the card in reader `index` the way another application does (SCardReconnect with
/// SCARD_RESET_CARD): every application's security state on it is gone.
fn reset_by_another_application(index: u16) {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("context");
    let name = std::ffi::CString::new(reader(index)).expect("name");
    let mut card = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .expect("connect");
    card.reconnect(
        pcsc::ShareMode::Shared,
        pcsc::Protocols::ANY,
        pcsc::Disposition::ResetCard,
    )
    .expect("reset");
    let _ = card.disconnect(pcsc::Disposition::LeaveCard);
}

/// Two threads of a client signing on the card in reader 0 while a test commits its faults;
/// errors in `allow` make a thread log in again.
struct Load {
    child: Child,
    stop: std::path::PathBuf,
}

impl Load {
    fn start(allow: &str) -> Load {
        let stop = scratch_dir("load").join("stop");
        let until = stop.to_str().expect("utf-8 path");
        let args = [
            "sign",
            &reader(0),
            PIN,
            "20",
            "--threads",
            "2",
            "--survive",
            "150",
        ];
        let child = client(&[&args[..], &["--allow", allow, "--until", until]].concat());
        Load { child, stop }
    }

    /// Lets the client sign a little more, stops it, and returns how many times its threads
    /// had to start again (every signature verified, every error allowed).
    fn finish(self, what: &str) -> usize {
        std::thread::sleep(Duration::from_millis(700));
        std::fs::write(&self.stop, "").expect("stop file");
        let out = succeeded(self.child, what);
        let since: u64 = field(&out, "since_recovery").parse().expect("number");
        assert!(
            since > 0,
            "every thread signed again after the last fault: {out}"
        );
        field(&out, "recoveries").parse().expect("number")
    }
}

/// Another application resets the card four times while two threads sign: the login is
/// gone with each reset (CKR_USER_NOT_LOGGED_IN, issue #11), the threads log in again, every
/// signature verifies.
#[test]
fn another_application_resets_the_card_under_a_loaded_client() {
    let _guard = serial();
    for kind in ["cns", "cie"] {
        let card = VirtualCard::insert(0, kind, &["--pin", PIN]);
        let load = Load::start("UserNotLoggedIn");
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(500));
            reset_by_another_application(0);
        }
        let recoveries = load.finish(&format!("{kind} with resets"));
        assert!(recoveries >= 1, "the resets were noticed");
        card.remove();
    }
}

/// Pulls the card out and puts it back (`--state` keeps its PIN counter, as a real card
/// does), `swaps` times, while two threads sign: a slow pull waits until pcscd and the client
/// saw the reader empty, a fast swap puts the card back at once. Every pull costs each
/// thread its session; every signature that comes back verifies.
fn pulls_under_load(kind: &str, fast: bool, swaps: usize) {
    let dir = scratch_dir("pull-state");
    let state = dir
        .join("card.state")
        .to_str()
        .expect("utf-8 path")
        .to_string();
    let args = ["--pin", PIN, "--state", &state];
    let mut card = VirtualCard::insert(0, kind, &args);
    let load = Load::start(
        "DeviceRemoved,SessionHandleInvalid,SessionClosed,TokenNotPresent,UserNotLoggedIn",
    );
    for _ in 0..swaps {
        std::thread::sleep(Duration::from_millis(700));
        if fast {
            drop(card);
        } else {
            card.remove();
            std::thread::sleep(Duration::from_millis(500));
        }
        card = VirtualCard::insert(0, kind, &args);
    }
    let recoveries = load.finish(&format!("{kind} pulls (fast: {fast})"));
    assert!(recoveries >= swaps, "every pull was noticed");
    card.remove();
}

#[test]
fn ts_cns_slow_pulls_and_fast_swaps_under_a_loaded_client() {
    let _guard = serial();
    pulls_under_load("cns", false, 3);
    pulls_under_load("cns", true, 3);
}

#[test]
fn cie_slow_pulls_and_fast_swaps_under_a_loaded_client() {
    let _guard = serial();
    pulls_under_load("cie", false, 3);
    pulls_under_load("cie", true, 3);
}

/// C_Finalize while a C_Sign waits for a card another application holds: both return
/// within a second (the wait is cancelled), and the other application is not disturbed.
#[test]
fn c_finalize_returns_within_a_second_while_a_signature_waits_for_the_card() {
    let _guard = serial();
    let card = VirtualCard::insert(0, "cns", &["--pin", PIN]);
    let go = scratch_dir("finalize").join("go");
    let mut running = client(&[
        "finalize-while-waiting",
        &reader(0),
        PIN,
        go.to_str().expect("utf-8 path"),
    ]);
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(running.stdout.as_mut().expect("stdout")),
        &mut ready,
    )
    .expect("client ready");
    assert_eq!(ready.trim(), "ready");
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("context");
    let name = std::ffi::CString::new(reader(0)).expect("name");
    let mut other = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .expect("connect");
    let held = other
        .transaction()
        .expect("the other application's transaction");
    std::fs::write(&go, "").expect("go file");
    let out = succeeded(running, "C_Finalize while waiting");
    assert!(out.contains("finalize rv=0x0"), "{out}");
    drop(held);
    card.remove();
}
