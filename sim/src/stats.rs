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

    /// One line: `apdus=N bytes_in=N bytes_out=N`.
    pub fn line(&self) -> String {
        format!(
            "apdus={} bytes_in={} bytes_out={}\n",
            self.apdus, self.bytes_in, self.bytes_out
        )
    }

    /// Replace `path` atomically (temp file + rename) so a reader never sees a half-written line.
    pub fn write_to(&self, path: &Path) -> io::Result<()> {
        self.write_with(path, &[])
    }

    /// [`Self::write_to`] with card-specific `key=value` pairs appended to the line
    /// (e.g. the CIE's `pin_tries=N puk_tries=M`).
    pub fn write_with(&self, path: &Path, extra: &[(&str, String)]) -> io::Result<()> {
        let mut line = self.line();
        if !extra.is_empty() {
            line.pop();
            for (k, v) in extra {
                line.push_str(&format!(" {k}={v}"));
            }
            line.push('\n');
        }
        let mut tmp = PathBuf::from(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "stats".into());
        tmp.set_file_name(format!(".{name}.tmp{}", std::process::id()));
        fs::write(&tmp, line)?;
        fs::rename(&tmp, path)
    }
}
