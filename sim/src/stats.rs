//! APDU counters: how many commands a host sent and how many bytes crossed each way. Tests read them
//! to measure how chatty a PKCS#11 module is.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApduStats {
    pub apdus: u64,
    /// Command bytes received from the host.
    pub bytes_in: u64,
    /// Response bytes sent to the host.
    pub bytes_out: u64,
}

impl ApduStats {
    pub fn record(&mut self, command_len: usize, response_len: usize) {
        self.apdus += 1;
        self.bytes_in += command_len as u64;
        self.bytes_out += response_len as u64;
    }

    /// One line: `apdus=N bytes_in=N bytes_out=N`, then the card's own `counters` as `key=N`.
    pub fn line(&self, counters: &[(&'static str, u64)]) -> String {
        let mut line = format!(
            "apdus={} bytes_in={} bytes_out={}",
            self.apdus, self.bytes_in, self.bytes_out
        );
        for (key, value) in counters {
            line.push_str(&format!(" {key}={value}"));
        }
        line.push('\n');
        line
    }

    /// Replace `path` atomically (temp file + rename) so a reader never sees a half-written line.
    pub fn write_to(&self, path: &Path, counters: &[(&'static str, u64)]) -> io::Result<()> {
        let mut tmp = PathBuf::from(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "stats".into());
        tmp.set_file_name(format!(".{name}.tmp{}", std::process::id()));
        fs::write(&tmp, self.line(counters))?;
        fs::rename(&tmp, path)
    }
}
