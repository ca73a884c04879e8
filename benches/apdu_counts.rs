//! Speed as the card sees it and as the host pays it (issue #12), ours beside OpenSC's on the
//! same virtual TS-CNS and beside the "before" figures on the virtual CIE:
//! - APDUs and bytes per operation, counted by the virtual card, one `pkcs11-tool` process
//!   per operation (cold: public-data cache empty; warm: filled by an earlier process);
//! - host CPU per signature inside one process: 100 signatures after one login, user+system
//!   time of that client process divided by 100 (login and start-up included, so an upper
//!   bound).
//!
//! Budgets are `tests/common/budgets.rs`, asserted by tests/apdu_budgets.rs.
//! Run with `scripts/bench` (builds release, then `cargo bench --bench apdu_counts`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::budgets::*;
use common::harness::{module_path, scratch_dir, ApduStats, PcscDaemon, VirtualCard};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use std::path::{Path, PathBuf};
use std::process::Command;

const PIN: &str = "12345678";
const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
/// Signatures per client process for the CPU figure.
const SIGNATURES: u32 = 100;
const CNS_READER: u16 = 0;
const CIE_READER: u16 = 1;

/// Clock ticks (10 ms) of user + system time of finished children of this process.
fn children_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // cutime and cstime are fields 16 and 17 (1-based) of the whole line, 14 and 15 here.
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(13) + field(14)
}

/// One module under test, as the client processes get it.
struct Module<'a> {
    name: &'a str,
    path: &'a Path,
    env: Vec<(&'static str, PathBuf)>,
}

impl Module<'_> {
    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// One `pkcs11-tool` process: what the card received.
    fn tool(&self, card: &VirtualCard, args: &[&str]) -> ApduStats {
        let before = card.stats();
        let out = self
            .command(Path::new("pkcs11-tool"))
            .arg("--module")
            .arg(self.path)
            .args(args)
            .output()
            .expect("pkcs11-tool");
        assert!(
            out.status.success(),
            "{}: pkcs11-tool {args:?} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        card.stats() - before
    }

    /// CPU milliseconds per signature of one client process signing `SIGNATURES` times.
    fn cpu_per_signature(&self, reader: u16) -> f64 {
        let before = children_cpu_ticks();
        let status = self
            .command(&std::env::current_exe().expect("bench executable"))
            .args(["cpu-client", &self.path.display().to_string()])
            .arg(PcscDaemon::shared().reader_name(reader))
            .status()
            .expect("cpu client");
        assert!(status.success(), "{}: cpu client failed", self.name);
        (children_cpu_ticks() - before) as f64 * 10.0 / f64::from(SIGNATURES)
    }
}

/// The client of the CPU figure: load `module`, log in on the token of `reader`, sign
/// `SIGNATURES` times (SHA256-RSA-PKCS), each signature checked to exist.
fn cpu_client(module: &str, reader: &str) {
    let pkcs11 = Pkcs11::new(module).expect("load module");
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .expect("C_Initialize");
    let slot = pkcs11
        .get_slots_with_token()
        .expect("C_GetSlotList")
        .into_iter()
        .find(|s| {
            pkcs11
                .get_slot_info(*s)
                .is_ok_and(|i| i.slot_description().trim_end() == reader)
        })
        .expect("the reader's slot");
    let session = pkcs11.open_ro_session(slot).expect("C_OpenSession");
    session
        .login(UserType::User, Some(&AuthPin::from(PIN)))
        .expect("C_Login");
    let key = session
        .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
        .expect("C_FindObjects")[0];
    for i in 0..SIGNATURES {
        let sig = session
            .sign(&Mechanism::Sha256RsaPkcs, key, &i.to_be_bytes())
            .expect("C_Sign");
        assert!(!sig.is_empty());
    }
}

fn row(what: &str, m: &ApduStats) {
    println!(
        "{what:<66} {:>6} {:>10} {:>10}",
        m.apdus, m.bytes_in, m.bytes_out
    );
}

fn header(title: &str) {
    println!("\n{title}");
    println!(
        "{:<66} {:>6} {:>10} {:>10}",
        "operation (one pkcs11-tool process each)", "APDUs", "host→card", "card→host"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "cpu-client") {
        return cpu_client(&args[i + 1], &args[i + 2]);
    }
    let dir = scratch_dir("bench");
    let data = dir.join("data");
    let sig = dir.join("sig");
    std::fs::write(&data, b"bench").expect("data");
    let conf = dir.join("opensc.conf");
    std::fs::write(
        &conf,
        "app default { reader_driver pcsc { max_send_size = 65535; max_recv_size = 65536; } }\n",
    )
    .expect("conf");
    let sign_args = |mechanism: &str| -> Vec<String> {
        [
            "--login",
            "--pin",
            PIN,
            "--sign",
            "-m",
            mechanism,
            "-i",
            &data.display().to_string(),
            "-o",
            &sig.display().to_string(),
        ]
        .map(String::from)
        .to_vec()
    };
    let pkcs1 = sign_args("SHA256-RSA-PKCS");
    let pkcs1: Vec<&str> = pkcs1.iter().map(String::as_str).collect();
    let pss = sign_args("SHA256-RSA-PKCS-PSS");
    let pss: Vec<&str> = pss.iter().map(String::as_str).collect();
    let ours_path = module_path();
    let opensc_path = PathBuf::from(OPENSC_MODULE);
    let ours = |cache: &str| Module {
        name: "cie-cns-pkcs11",
        path: &ours_path,
        env: vec![("XDG_CACHE_HOME", dir.join(cache))],
    };
    let opensc = Module {
        name: "OpenSC",
        path: &opensc_path,
        env: vec![("OPENSC_CONF", conf.clone())],
    };

    let cns = VirtualCard::insert(CNS_READER, "cns", &[]);
    let cie = VirtualCard::insert(CIE_READER, "cie", &["--pin", PIN]);
    // One pkcs11-tool process on the card in `slot`, its counts as one row.
    let measure = |what: String, module: &Module, card: &VirtualCard, slot: &str, args: &[&str]| {
        let mut all = vec!["--slot-index", slot];
        all.extend_from_slice(args);
        row(&what, &module.tool(card, &all));
    };
    let (cns_slot, cie_slot) = ("0", "1");

    header("virtual TS-CNS (ST 2021, RSA-2048)");
    let ts = ours("cns-cache");
    for (budget, cache) in [(CNS_COLD_LISTING, "empty"), (CNS_WARM_LISTING, "warm")] {
        let what = format!("cie-cns-pkcs11: -L, cache {cache} (budget {budget})");
        measure(what, &ts, &cns, cns_slot, &["-L"]);
    }
    for (label, args) in [("SHA256-RSA-PKCS", &pkcs1), ("SHA256-RSA-PKCS-PSS", &pss)] {
        let what = format!("cie-cns-pkcs11: --login --sign {label}, cache warm");
        measure(what, &ts, &cns, cns_slot, args);
    }
    let what = "OpenSC 0.23 (raised reader limits): -L".to_string();
    measure(what, &opensc, &cns, cns_slot, &["-L"]);
    for (label, args) in [("SHA256-RSA-PKCS", &pkcs1), ("SHA256-RSA-PKCS-PSS", &pss)] {
        let what = format!("OpenSC 0.23: --login --sign {label}");
        measure(what, &opensc, &cns, cns_slot, args);
    }

    // No OpenSC driver exists for the CIE (cie.md §10); the official library needs 58 for the
    // same process (issue #12, after its enrolment), and 40 was ours before the cache held
    // the chip data.
    header("virtual CIE 3.0 (bit4id-2023, RSA-2048, 2048-bit DH group)");
    let ci = ours("cie-cache");
    for (budget, cache) in [
        (CIE_COLD_LOGIN_SIGN, "empty"),
        (CIE_WARM_LOGIN_SIGN, "warm"),
    ] {
        let what = format!("cie-cns-pkcs11: --login --sign, cache {cache} (budget {budget})");
        measure(what, &ci, &cie, cie_slot, &pkcs1);
    }
    let what = format!("cie-cns-pkcs11: -O, cache warm (budget {CIE_WARM_LISTING})");
    measure(what, &ci, &cie, cie_slot, &["-O"]);
    println!(
        "(rebuild after another application: budget {CIE_REBUILD}, C_Sign that finds it {CIE_SIGN_AFTER_ANOTHER_APPLICATION}; \
         measured in-process by tests/apdu_budgets.rs)"
    );

    println!("\nhost CPU per signature: {SIGNATURES} SHA256-RSA-PKCS signatures after one login in one process, user+system / {SIGNATURES}");
    for (what, module, reader) in [
        ("cie-cns-pkcs11, TS-CNS", &ts, CNS_READER),
        ("OpenSC 0.23, TS-CNS", &opensc, CNS_READER),
        ("cie-cns-pkcs11, CIE", &ci, CIE_READER),
    ] {
        println!("{what:<66} {:>8.2} ms", module.cpu_per_signature(reader));
    }
}
