//! Speed as the card sees it: APDUs and bytes per operation, counted by the virtual card,
//! for our module and for Debian's OpenSC on the same virtual TS-CNS; plus host CPU time
//! per operation (user + system, from /proc, of the pkcs11-tool process tree).
//!
//! Run with `scripts/bench` (builds release, then `cargo bench --bench apdu_counts`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::harness::{module_path, scratch_dir, ApduStats, PcscDaemon, VirtualCard};
use std::path::Path;
use std::process::Command;

const PIN: &str = "12345678";
const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

struct Measure {
    stats: ApduStats,
    cpu_ms: f64,
}

/// Clock ticks of user + system time of finished children of this process.
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

/// Runs of each operation: the kernel counts CPU time in 10 ms ticks, so one run is too coarse.
const RUNS: u64 = 10;

/// One operation, `RUNS` times: APDUs and bytes of one run, CPU time averaged over all.
fn run(card: &VirtualCard, module: &Path, args: &[&str], env: &[(&str, &Path)]) -> Measure {
    let cpu_before = children_cpu_ticks();
    let mut stats = ApduStats::default();
    for _ in 0..RUNS {
        stats = run_once(card, module, args, env);
    }
    let ticks = children_cpu_ticks() - cpu_before;
    Measure {
        stats,
        cpu_ms: ticks as f64 * 10.0 / RUNS as f64,
    }
}

fn run_once(card: &VirtualCard, module: &Path, args: &[&str], env: &[(&str, &Path)]) -> ApduStats {
    let before = card.stats();
    let mut cmd = Command::new("pkcs11-tool");
    cmd.arg("--module")
        .arg(module)
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("pkcs11-tool");
    assert!(
        out.status.success(),
        "pkcs11-tool {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    card.stats() - before
}

fn main() {
    let card = VirtualCard::insert(0, "cns", &[]);
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

    let ours = module_path();
    let opensc = Path::new(OPENSC_MODULE);
    let no_env: &[(&str, &Path)] = &[];
    let opensc_env: &[(&str, &Path)] = &[("OPENSC_CONF", conf.as_path())];
    let sign_args = |mechanism: &'static str| -> Vec<String> {
        vec![
            "--login".into(),
            "--pin".into(),
            PIN.into(),
            "--sign".into(),
            "-m".into(),
            mechanism.into(),
            "-i".into(),
            data.display().to_string(),
            "-o".into(),
            sig.display().to_string(),
        ]
    };

    println!("virtual TS-CNS (ST 2021, RSA-2048); bytes counted by the card; CPU = user+system of the whole pkcs11-tool process, mean of {RUNS} runs");
    println!(
        "{:<72} {:>6} {:>10} {:>10} {:>8}",
        "operation (pkcs11-tool, one process each)", "APDUs", "host→card", "card→host", "CPU ms"
    );
    for (name, module, env) in [
        ("cie-cns-pkcs11", ours.as_path(), no_env),
        ("OpenSC 0.23 (raised reader limits)", opensc, opensc_env),
    ] {
        let list = run(&card, module, &["-L"], env);
        let pss = sign_args("SHA256-RSA-PKCS-PSS");
        let pkcs1 = sign_args("SHA256-RSA-PKCS");
        let pkcs1: Vec<&str> = pkcs1.iter().map(String::as_str).collect();
        let pss: Vec<&str> = pss.iter().map(String::as_str).collect();
        let sign = run(&card, module, &pkcs1, env);
        let sign_pss = run(&card, module, &pss, env);
        for (op, m) in [
            ("-L", list),
            ("--login --sign SHA256-RSA-PKCS", sign),
            ("--login --sign SHA256-RSA-PKCS-PSS", sign_pss),
        ] {
            println!(
                "{:<72} {:>6} {:>10} {:>10} {:>8.1}",
                format!("{name}: {op}"),
                m.stats.apdus,
                m.stats.bytes_in,
                m.stats.bytes_out,
                m.cpu_ms
            );
        }
    }

    // The CIE: no OpenSC driver exists (cie.md §10); the official library's counts from
    // cie.md §12 are C_Login 25 and 20 per C_Sign. Own cache directory, filled by the first
    // login, so that "-L" after it shows the certificate without an APDU more.
    let cie = VirtualCard::insert(1, "cie", &["--pin", PIN]);
    let cache = dir.join("cie-cache");
    let cie_env: &[(&str, &Path)] = &[("XDG_CACHE_HOME", cache.as_path())];
    let pkcs1 = sign_args("SHA256-RSA-PKCS");
    let pkcs1: Vec<&str> = pkcs1.iter().map(String::as_str).collect();
    let slot1 = ["--slot-index", "1"];
    let with_slot = |args: &[&str]| -> Vec<String> {
        slot1.iter().chain(args).map(|a| a.to_string()).collect()
    };
    let list_args = with_slot(&["-O"]);
    let sign_args = with_slot(&pkcs1);
    let list_args: Vec<&str> = list_args.iter().map(String::as_str).collect();
    let sign_args: Vec<&str> = sign_args.iter().map(String::as_str).collect();
    println!("virtual CIE 3.0 (bit4id-2023, RSA-2048, 2048-bit DH group); one login per process");
    for (op, m) in [
        ("-O (public objects)", run(&cie, &ours, &list_args, cie_env)),
        (
            "--login --sign SHA256-RSA-PKCS",
            run(&cie, &ours, &sign_args, cie_env),
        ),
    ] {
        println!(
            "{:<72} {:>6} {:>10} {:>10} {:>8.1}",
            format!("cie-cns-pkcs11: {op}"),
            m.stats.apdus,
            m.stats.bytes_in,
            m.stats.bytes_out,
            m.cpu_ms
        );
    }
}
