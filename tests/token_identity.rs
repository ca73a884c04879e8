//! A stable token (issue #10): a card's label, serial and model are what an application saw
//! in every process, before and after login, first use or not. NSS nicknames ("token
//! label:certificate label") and `pkcs11:token=` URIs are made of them, so a CIE whose label
//! changed at its first login could not sign with the nickname listed before it.
//!
//! Through the real stack: `examples/token_identity.rs` loads the module in a process of its
//! own and prints what it sees before and after a login; it runs twice on the same card,
//! first with an empty public-data cache (a card's first use), then with the cache the first
//! run left. The holder's name shows where it is stable (README): in the TS-CNS's token
//! label, in the CIE's object labels.

mod common;

use common::harness::{example_path, module_path, scratch_dir, PcscDaemon, VirtualCard};
use common::module::serial;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PIN: &str = "12345678";
const READER: u16 = 0;
const IDENTITY: [&str; 4] = ["label", "serial", "model", "manufacturer"];

fn client_path() -> PathBuf {
    example_path("token_identity")
}

/// One application process: `before.*` and `after.*` as it printed them.
fn one_process(cache: &Path) -> BTreeMap<String, String> {
    let output = Command::new(client_path())
        .arg(module_path())
        .arg(PcscDaemon::shared().reader_name(READER))
        .arg(PIN)
        .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
        .env("XDG_CACHE_HOME", cache)
        .stdin(Stdio::null())
        .output()
        .expect("run token_identity");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "token_identity: {:?}",
        output.status
    );
    stdout
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What the four moments showed, each as `[label, serial, model, manufacturer, certificates]`.
struct Seen {
    first_before: Vec<String>,
    first_after: Vec<String>,
    second_before: Vec<String>,
    second_after: Vec<String>,
}

/// Two processes on the same card, the first with an empty cache, the second with the one
/// the first left.
fn first_use_then_warm(card: &str, variant: &str) -> (Seen, PathBuf) {
    let card = VirtualCard::insert(READER, card, &["--variant", variant, "--pin", PIN]);
    let cache = scratch_dir("identity-cache");
    assert_eq!(
        std::fs::read_dir(&cache).expect("cache dir").count(),
        0,
        "first use: an empty cache"
    );
    let first = one_process(&cache);
    let second = one_process(&cache);
    // The next test's card must not meet this one in pcscd's view of the reader.
    card.remove_when_unused();
    let fields = |seen: &BTreeMap<String, String>, when: &str| -> Vec<String> {
        IDENTITY
            .iter()
            .chain(&["certificates"])
            .map(|field| {
                seen.get(&format!("{when}.{field}"))
                    .unwrap_or_else(|| panic!("no {when}.{field} in {seen:?}"))
                    .clone()
            })
            .collect()
    };
    let seen = Seen {
        first_before: fields(&first, "before"),
        first_after: fields(&first, "after"),
        second_before: fields(&second, "before"),
        second_after: fields(&second, "after"),
    };
    (seen, cache)
}

/// Label, serial, model and manufacturer at the four moments: all the same.
fn identity_never_changes<'a>(seen: &'a Seen, variant: &str) -> &'a [String] {
    let identity = &seen.first_before[..IDENTITY.len()];
    for (when, other) in [
        ("after the first login", &seen.first_after),
        ("in a second process before login", &seen.second_before),
        ("in a second process after login", &seen.second_after),
    ] {
        assert_eq!(
            &other[..IDENTITY.len()],
            identity,
            "{variant}: {IDENTITY:?} {when} differ from the first process's before login"
        );
    }
    identity
}

/// `first_use_then_warm` with `identity_never_changes` checked: what it saw, the cache and the
/// identity.
fn stable_identity(card: &str, variant: &str) -> (Seen, PathBuf, Vec<String>) {
    let (seen, cache) = first_use_then_warm(card, variant);
    let identity = identity_never_changes(&seen, variant).to_vec();
    (seen, cache, identity)
}

/// One chip of each way in (cie.md §1: SELECT MF, IAS AID, an ATR without historical bytes).
const CIE_VARIANTS: [&str; 3] = ["bit4id-2023", "gemalto", "stm2"];
/// The default chip, the two file layouts, and the IDEMIA and ACe layouts (cns.md §2).
const CNS_VARIANTS: [&str; 4] = ["stincard", "cardos", "idemia-2021", "ace-2025"];

#[test]
fn a_cie_shows_the_same_label_serial_and_model_in_every_process_before_and_after_login() {
    let _guard = serial();
    for variant in CIE_VARIANTS {
        let (seen, cache, identity) = stable_identity("cie", variant);
        // cie.md §2–3: before any PIN a CIE shows its NIS, not its holder.
        assert_eq!(identity[0], "CIE 123456789012", "{variant}");
        assert_eq!(identity[1], "123456789012", "{variant}");
        assert!(!identity[2].is_empty(), "{variant}: a model");
        // The holder's name is in the certificate's label: no certificate before the first
        // login; after it, and from the cache in the next process, one with the holder's name.
        assert_eq!(
            seen.first_before[4], "",
            "{variant}: first use, no certificate before login"
        );
        assert_eq!(seen.first_after[4], "ROSSI MARIO", "{variant}");
        assert!(
            std::fs::read_dir(&cache).expect("cache dir").count() > 0,
            "{variant}: the first login left the certificate in the cache"
        );
        assert_eq!(
            seen.second_before[4], "ROSSI MARIO",
            "{variant}: warm cache, the certificate shows before login under the same label"
        );
        assert_eq!(seen.second_after[4], "ROSSI MARIO", "{variant}");
    }
}

#[test]
fn a_ts_cns_shows_the_same_label_serial_and_model_in_every_process_before_and_after_login() {
    let _guard = serial();
    for variant in CNS_VARIANTS {
        let (seen, _cache, identity) = stable_identity("cns", variant);
        // cns.md §2: the personal data file and the certificate need no PIN.
        let holder = identity[0].strip_prefix("TS-CNS ").unwrap_or_default();
        assert!(
            holder.contains(' ') && !holder.bytes().any(|b| b.is_ascii_digit()),
            "{variant}: named after the holder, {:?}",
            identity[0]
        );
        assert!(
            !identity[1].is_empty() && identity[1].bytes().all(|b| b.is_ascii_digit()),
            "{variant}: the digits of EF 1003: {:?}",
            identity[1]
        );
        assert!(!identity[2].is_empty(), "{variant}: a model");
        for moment in [
            &seen.first_before,
            &seen.first_after,
            &seen.second_before,
            &seen.second_after,
        ] {
            assert_eq!(moment[4], "CNS0 authentication", "{variant}");
        }
    }
}
