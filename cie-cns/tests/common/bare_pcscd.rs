//! A private pcscd with no reader at all (the harness's daemon always has the vpcd readers).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct BarePcscd {
    child: Child,
    pub socket: PathBuf,
}

impl BarePcscd {
    pub fn start() -> BarePcscd {
        let dir = super::harness::scratch_dir("bare-pcscd");
        for sub in ["run", "conf"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // pcscd always binds /run/pcscd/pcscd.comm: a private mount namespace (HARNESS.md).
        let child = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount --bind \"$0/run\" /run/pcscd && exec pcscd --foreground --config \"$0/conf\"")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pcscd through unshare");
        let socket = dir.join("run/pcscd.comm");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline,
                "pcscd did not create {}",
                socket.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        BarePcscd { child, socket }
    }
}

impl Drop for BarePcscd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
