//! The real stack for integration tests: a private `pcscd` with the vsmartcard-vpcd
//! driver, and virtual cards (`cardsim`) plugged into it (shared/HARNESS.md).
//!
//! libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, so each test binary
//! gets one daemon (`PcscDaemon::shared`); one vpcd entry gives two readers.
//! Nothing here skips: a missing pcscd or vpcd driver is a test failure.

use std::ffi::CString;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const READER_NAME: &str = "Virtual PCD";

/// The workspace's build output (target/<profile>), found from the test executable.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile> directory")
        .to_path_buf()
}

/// The module under test: the built cdylib.
pub fn module_path() -> PathBuf {
    built("libcie_cns_pkcs11.so", "--workspace")
}

pub fn cardsim_path() -> PathBuf {
    built("cardsim", "--workspace")
}

/// An example program (`examples/NAME.rs`) the tests run as an application of their own.
pub fn example_path(name: &str) -> PathBuf {
    built(&format!("examples/{name}"), "--workspace --all-targets")
}

/// `relative` in the target directory, which `cargo build <cargo_args>` makes.
fn built(relative: &str, cargo_args: &str) -> PathBuf {
    let path = target_dir().join(relative);
    assert!(
        path.exists(),
        "{} missing: run `cargo build {cargo_args}` first (scripts/test does)",
        path.display()
    );
    path
}

/// The `kind` variants `cardsim --list-variants` offers ("KIND NAME[ (default)]\tdescription").
pub fn simulator_variants(kind: &str) -> Vec<String> {
    let out = Command::new(cardsim_path())
        .arg("--list-variants")
        .output()
        .expect("cardsim --list-variants");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(kind))
                .then(|| words.next().map(str::to_string))
                .flatten()
        })
        .collect()
}

/// A fresh scratch directory under target/, removed by nobody (small, and useful after a failure).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("test-scratch").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        unique()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Kills `child` when this test process ends, however it ends: statics are never dropped,
/// and a test that panics must not leave a daemon behind.
// The watchdog outlives every handle on purpose: it exits only after this process has.
#[allow(clippy::zombie_processes)]
fn reap_with_this_process(child: u32) {
    let script = "while kill -0 \"$0\" 2>/dev/null; do sleep 0.3; done; kill \"$1\" 2>/dev/null";
    Command::new("sh")
        .args([
            "-c",
            script,
            &std::process::id().to_string(),
            &child.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn watchdog");
}

/// Two free TCP ports in a row (vpcd listens on PORT and PORT+1, on every interface).
fn free_port_pair() -> u16 {
    for _ in 0..200 {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind probe");
        let port = probe.local_addr().expect("probe addr").port();
        drop(probe);
        if port >= 65534 {
            continue;
        }
        let both_free = TcpListener::bind(("0.0.0.0", port)).is_ok()
            && TcpListener::bind(("0.0.0.0", port + 1)).is_ok();
        if both_free {
            return port;
        }
    }
    panic!("no free port pair for vpcd");
}

pub struct PcscDaemon {
    pub dir: PathBuf,
    pub port: u16,
    pub socket: PathBuf,
    pid: std::sync::atomic::AtomicU32,
}

impl PcscDaemon {
    /// The daemon of this test process, started on first use; also points this
    /// process's libpcsclite (and every child process) at it.
    pub fn shared() -> &'static PcscDaemon {
        static DAEMON: OnceLock<PcscDaemon> = OnceLock::new();
        DAEMON.get_or_init(PcscDaemon::start)
    }

    fn start() -> PcscDaemon {
        assert!(
            Path::new("/usr/sbin/pcscd").exists(),
            "pcscd is not installed: scripts/test installs it (apt-get install pcscd)"
        );
        assert!(
            Path::new(VPCD_DRIVER).exists(),
            "{VPCD_DRIVER} missing: scripts/test installs vsmartcard-vpcd"
        );
        let dir = scratch_dir("pcscd");
        let port = free_port_pair();
        std::fs::create_dir_all(dir.join("run")).expect("run dir");
        std::fs::create_dir_all(dir.join("conf")).expect("conf dir");
        std::fs::create_dir_all("/run/pcscd").expect("/run/pcscd (needs root)");
        std::fs::write(
            dir.join("conf").join("vpcd"),
            format!(
                "FRIENDLYNAME \"{READER_NAME}\"\nDEVICENAME /dev/null:{port}\nLIBPATH {VPCD_DRIVER}\n"
            ),
        )
        .expect("reader config");
        let socket = dir.join("run").join("pcscd.comm");
        let daemon = PcscDaemon {
            pid: spawn_pcscd(&dir).into(),
            dir,
            port,
            socket,
        };
        std::env::set_var("PCSCLITE_CSOCK_NAME", &daemon.socket);
        daemon.wait_up();
        daemon
    }

    /// Waits for the socket, then for vpcd's two readers (they appear a moment later).
    fn wait_up(&self) {
        wait_until(Duration::from_secs(10), || self.socket.exists())
            .unwrap_or_else(|| panic!("pcscd did not create {}", self.socket.display()));
        wait_until(Duration::from_secs(10), || self.readers().len() == 2)
            .unwrap_or_else(|| panic!("vpcd readers did not appear: {:?}", self.readers()));
    }

    /// Kills pcscd and starts it again on the same socket and vpcd ports, as a system
    /// update or a crash does: every card handle of every application becomes invalid, and
    /// the virtual cards go away with their vpcd connection (insert them again).
    pub fn restart(&self) {
        let pid = self.pid.load(std::sync::atomic::Ordering::SeqCst);
        Command::new("kill")
            .arg(pid.to_string())
            .status()
            .expect("kill pcscd");
        wait_until(Duration::from_secs(10), || {
            !self.socket.exists()
                && TcpListener::bind(("0.0.0.0", self.port)).is_ok()
                && TcpListener::bind(("0.0.0.0", self.port + 1)).is_ok()
        })
        .expect("the old pcscd gone and vpcd's ports free");
        self.pid
            .store(spawn_pcscd(&self.dir), std::sync::atomic::Ordering::SeqCst);
        self.wait_up();
    }

    /// Name of the reader on vpcd's `index`-th port ("Virtual PCD 00 00" / "… 00 01").
    pub fn reader_name(&self, index: u16) -> String {
        format!("{READER_NAME} 00 {index:02}")
    }

    pub fn readers(&self) -> Vec<String> {
        let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) else {
            return Vec::new();
        };
        ctx.list_readers_owned()
            .map(|names| {
                names
                    .into_iter()
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (SCardGetStatusChange, at most 5 s) until no process holds a connection to the
    /// card in reader `index`. pcscd resets the card of a client that ended without
    /// disconnecting; a reset sent after the virtual card is gone fails ("Error resetting
    /// card") and leaves vpcd's reader blind to the next card, so a card is pulled only
    /// once that cleanup is done.
    pub fn wait_unused(&self, index: u16) {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
        let name = CString::new(self.reader_name(index)).expect("reader name");
        let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match ctx.get_status_change(Duration::from_millis(250), &mut states) {
                Ok(()) | Err(pcsc::Error::Timeout) => {}
                Err(_) => return,
            }
            if !states[0].event_state().contains(pcsc::State::INUSE) {
                return;
            }
            states[0].sync_current_state();
        }
    }

    /// Blocks (on SCardGetStatusChange, not sleeps) until the reader's card presence is `present`.
    pub fn wait_card(&self, index: u16, present: bool) {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
        let name = CString::new(self.reader_name(index)).expect("reader name");
        let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            ctx.get_status_change(Duration::from_millis(500), &mut states)
                .or_else(|e| match e {
                    pcsc::Error::Timeout => Ok(()),
                    other => Err(other),
                })
                .expect("SCardGetStatusChange");
            let state = states[0].event_state();
            let is_present =
                state.contains(pcsc::State::PRESENT) && !state.contains(pcsc::State::MUTE);
            if is_present == present {
                return;
            }
            states[0].sync_current_state();
            assert!(
                Instant::now() < deadline,
                "card in reader {index} did not become present={present}"
            );
        }
    }
}

/// Starts pcscd on the configuration in `dir` (logging to `dir/pcscd.log`); its pid.
fn spawn_pcscd(dir: &Path) -> u32 {
    // pcscd ignores PCSCLITE_CSOCK_NAME and always binds /run/pcscd/pcscd.comm, so it
    // runs in a private mount namespace where that directory is ours (HARNESS.md).
    let script =
        "mount --bind \"$0/run\" /run/pcscd && exec pcscd --foreground --config \"$0/conf\"";
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("pcscd.log"))
        .expect("pcscd log");
    let child = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", script])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log fd"))
        .stderr(log)
        .spawn()
        .expect("start pcscd through unshare");
    reap_with_this_process(child.id());
    let pid = child.id();
    // Reaped by nobody until the test process ends (the watchdog above kills it then).
    std::mem::forget(child);
    pid
}

/// A virtual card process plugged into one of the daemon's readers.
pub struct VirtualCard {
    child: Child,
    pub reader_index: u16,
    pub stats_file: PathBuf,
}

/// What the simulator counted (`cardsim --stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApduStats {
    pub apdus: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl std::ops::Sub for ApduStats {
    type Output = ApduStats;
    fn sub(self, earlier: ApduStats) -> ApduStats {
        ApduStats {
            apdus: self.apdus - earlier.apdus,
            bytes_in: self.bytes_in - earlier.bytes_in,
            bytes_out: self.bytes_out - earlier.bytes_out,
        }
    }
}

impl VirtualCard {
    /// Starts `cardsim --card <card> <extra…>` on reader `reader_index` (0 or 1) and waits
    /// until pcscd sees the card.
    pub fn insert(reader_index: u16, card: &str, extra: &[&str]) -> VirtualCard {
        let daemon = PcscDaemon::shared();
        let dir = scratch_dir("card");
        let stats_file = dir.join("stats");
        let log = std::fs::File::create(dir.join("cardsim.log")).expect("cardsim log");
        let child = Command::new(cardsim_path())
            .args(["--card", card])
            .args(extra)
            .arg("--vpcd")
            .arg(format!("127.0.0.1:{}", daemon.port + reader_index))
            .arg("--stats")
            .arg(&stats_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start cardsim");
        reap_with_this_process(child.id());
        daemon.wait_card(reader_index, true);
        VirtualCard {
            child,
            reader_index,
            stats_file,
        }
    }

    pub fn stats(&self) -> ApduStats {
        let text = std::fs::read_to_string(&self.stats_file).unwrap_or_default();
        let mut stats = ApduStats::default();
        for field in text.split_whitespace() {
            let Some((key, value)) = field.split_once('=') else {
                continue;
            };
            let value: u64 = value.parse().unwrap_or(0);
            match key {
                "apdus" => stats.apdus = value,
                "bytes_in" => stats.bytes_in = value,
                "bytes_out" => stats.bytes_out = value,
                _ => {}
            }
        }
        stats
    }

    /// A counter the simulator reports besides the APDU counts (e.g. `pin_tries`).
    pub fn stat(&self, key: &str) -> Option<u64> {
        let text = std::fs::read_to_string(&self.stats_file).ok()?;
        text.split_whitespace()
            .filter_map(|f| f.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse().ok())
    }

    /// Pulls the card out (the simulator's connection closes) and waits until pcscd notices.
    /// Removes the card once the processes that used it have let go of it (`wait_unused`):
    /// for a card whose clients were other processes, not a pull under a client.
    pub fn remove_when_unused(self) {
        PcscDaemon::shared().wait_unused(self.reader_index);
        self.remove();
    }

    pub fn remove(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        PcscDaemon::shared().wait_card(self.reader_index, false);
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> Option<()> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return Some(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}
