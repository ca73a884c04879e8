//! An NSS database (the `sql:` kind Firefox profiles and Chromium use) and the module's entry in
//! it. Registration goes through NSS's own `modutil` and `certutil` (libnss3-tools): they keep
//! the database's format and locking right, which a hand-written `pkcs11.txt` would not.
//! Reading goes through `pkcs11.txt` directly: `modutil -list` would load every module listed
//! and talk to the cards.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The name the module is registered under (as `scripts/register-browsers` did).
pub const MODULE_NAME: &str = "cie-cns-pkcs11";
/// The library's file name, whatever directory it is installed in.
pub const LIBRARY_FILE: &str = "libcie_cns_pkcs11.so";

/// A module entry of `pkcs11.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub library: PathBuf,
}

impl Entry {
    /// Ours when registered under our name, or under any name with our library (e.g. added by
    /// Firefox's `SecurityDevices` policy): a second entry would load the module twice.
    fn is_ours(&self) -> bool {
        self.name == MODULE_NAME
            || self.library.file_name() == Some(std::ffi::OsStr::new(LIBRARY_FILE))
    }
}

#[derive(Debug)]
pub enum NssError {
    /// `modutil` / `certutil` is not installed.
    ToolMissing(&'static str),
    /// The tool ran and failed: its name and what it printed.
    ToolFailed(&'static str, String),
    Io(io::Error),
}

impl std::fmt::Display for NssError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NssError::ToolMissing(tool) => {
                write!(f, "{tool} missing (apt-get install libnss3-tools)")
            }
            NssError::ToolFailed(tool, output) => write!(f, "{tool} failed: {}", output.trim()),
            NssError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// A database directory (holding `cert9.db`, `key4.db`, `pkcs11.txt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NssDb {
    pub dir: PathBuf,
}

impl NssDb {
    pub fn new(dir: impl Into<PathBuf>) -> NssDb {
        NssDb { dir: dir.into() }
    }

    /// Whether the database is there (NSS creates `cert9.db` first).
    pub fn exists(&self) -> bool {
        self.dir.join("cert9.db").is_file()
    }

    /// Our module's entry, if the database lists it.
    pub fn our_entry(&self) -> io::Result<Option<Entry>> {
        match std::fs::read_to_string(self.dir.join("pkcs11.txt")) {
            Ok(text) => Ok(entries(&text).into_iter().find(Entry::is_ours)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates an empty database, as the browser does on its first start: the database
    /// directory and its parent (`pki/nssdb`) private (0700), as Chromium makes them.
    pub fn create(&self) -> Result<(), NssError> {
        use std::os::unix::fs::DirBuilderExt;
        let parent = self.dir.parent().unwrap_or(&self.dir);
        if let Some(grandparent) = parent.parent() {
            std::fs::create_dir_all(grandparent).map_err(NssError::Io)?;
        }
        for dir in [parent, &self.dir] {
            if !dir.is_dir() {
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .create(dir)
                    .map_err(NssError::Io)?;
            }
        }
        run("certutil", &["-N", "-d", &self.sql(), "--empty-password"])
    }

    pub fn add(&self, library: &Path) -> Result<(), NssError> {
        let library = library.to_string_lossy();
        // -force: no "close the browser" question on the terminal.
        run(
            "modutil",
            &[
                "-dbdir",
                &self.sql(),
                "-add",
                MODULE_NAME,
                "-libfile",
                &library,
                "-force",
            ],
        )
    }

    pub fn delete(&self, name: &str) -> Result<(), NssError> {
        run(
            "modutil",
            &["-dbdir", &self.sql(), "-delete", name, "-force"],
        )
    }

    fn sql(&self) -> String {
        format!("sql:{}", self.dir.display())
    }
}

fn run(tool: &'static str, args: &[&str]) -> Result<(), NssError> {
    let output = Command::new(tool).args(args).output().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            NssError::ToolMissing(tool)
        } else {
            NssError::Io(e)
        }
    })?;
    if output.status.success() {
        Ok(())
    } else {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        Err(NssError::ToolFailed(tool, text))
    }
}

/// The module entries of a `pkcs11.txt`: blocks of `key=value` lines apart by blank lines.
pub fn entries(text: &str) -> Vec<Entry> {
    text.split("\n\n")
        .filter_map(|block| {
            let value = |key: &str| {
                block
                    .lines()
                    .find_map(|line| line.trim().strip_prefix(key)?.strip_prefix('='))
                    .map(str::to_string)
            };
            Some(Entry {
                name: value("name")?,
                library: PathBuf::from(value("library")?),
            })
        })
        .filter(|entry| !entry.library.as_os_str().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKCS11_TXT: &str = "library=\nname=NSS Internal PKCS #11 Module\nparameters=configdir='sql:/h' \nNSS=Flags=internal,critical\n\nlibrary=/usr/lib/x86_64-linux-gnu/pkcs11/libcie_cns_pkcs11.so\nname=cie-cns-pkcs11\nNSS=trustOrder=75\n\nlibrary=/usr/lib/opensc-pkcs11.so\nname=OpenSC\n";

    #[test]
    fn finds_our_entry_by_name_or_library() {
        let all = entries(PKCS11_TXT);
        assert_eq!(all.len(), 2, "the internal module has no library");
        assert!(all[0].is_ours() && !all[1].is_ours());
        let policy = Entry {
            name: "CIE / TS-CNS".into(),
            library: "/usr/lib/aarch64-linux-gnu/pkcs11/libcie_cns_pkcs11.so".into(),
        };
        assert!(policy.is_ours());
    }
}
