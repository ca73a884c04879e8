//! Where a user's browsers keep their NSS databases (shared/BROWSER.md, status/browser-locations.md).
//!
//! Firefox: the profiles of every profile root (`profiles.ini`, relative or absolute paths, and
//! profile folders the file does not list); Firefox ESR 153 starts new users under
//! `~/.config/mozilla/firefox`, older ones under `~/.mozilla/firefox`. Chromium and Chrome share
//! one database. Snap and Flatpak browsers run sandboxed: a library path from the host means
//! nothing to them, they load modules through p11-kit.

use crate::nss::NssDb;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The directories a user's browser data lives under.
#[derive(Debug, Clone)]
pub struct Home {
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME`, default `~/.config`.
    pub config: PathBuf,
    /// `$XDG_DATA_HOME`, default `~/.local/share`.
    pub data: PathBuf,
}

impl Home {
    /// From `HOME` and the XDG variables; `None` without a home.
    pub fn from_env() -> Option<Home> {
        let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
        // XDG Base Directory: a relative path is invalid and ignored.
        let xdg = |name: &str, default: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| home.join(default))
        };
        Some(Home {
            config: xdg("XDG_CONFIG_HOME", ".config"),
            data: xdg("XDG_DATA_HOME", ".local/share"),
            home,
        })
    }

    /// Firefox profile roots of host (not sandboxed) Firefox and Firefox ESR.
    fn firefox_roots(&self) -> Vec<PathBuf> {
        vec![
            self.config.join("mozilla/firefox"),
            self.home.join(".mozilla/firefox"),
            self.config.join("mozilla/firefox-esr"),
            self.home.join(".mozilla/firefox-esr"),
        ]
    }

    /// Chromium's legacy database directory: while it exists (even empty) Chromium uses it.
    fn chromium_legacy(&self) -> PathBuf {
        self.home.join(".pki/nssdb")
    }

    /// Where a new user's Chromium keeps its database (status/browser-locations.md).
    fn chromium_xdg(&self) -> PathBuf {
        self.data.join("pki/nssdb")
    }
}

/// A Firefox profile folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirefoxProfile {
    /// The folder's name, e.g. `abcd1234.default-esr`.
    pub name: String,
    pub db: NssDb,
}

/// Every Firefox profile found, each once.
pub fn firefox_profiles(home: &Home) -> Vec<FirefoxProfile> {
    let mut seen = BTreeSet::new();
    let mut profiles = Vec::new();
    for root in home.firefox_roots() {
        let listed = std::fs::read_to_string(root.join("profiles.ini"))
            .map(|text| listed_profiles(&root, &text))
            .unwrap_or_default();
        let found = std::fs::read_dir(&root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|dir| looks_like_profile(dir));
        for dir in listed.into_iter().chain(found) {
            let key = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if dir.is_dir() && seen.insert(key) {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                profiles.push(FirefoxProfile {
                    name,
                    db: NssDb::new(dir),
                });
            }
        }
    }
    profiles
}

/// A folder Firefox has used as a profile.
fn looks_like_profile(dir: &Path) -> bool {
    dir.join("prefs.js").is_file()
        || dir.join("cert9.db").is_file()
        || dir.join("times.json").is_file()
}

/// The `Path=` of each `[ProfileN]` section; `IsRelative=1` (the default) is under `root`.
fn listed_profiles(root: &Path, ini: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut section = String::new();
    let mut path: Option<String> = None;
    let mut relative = true;
    let mut flush = |section: &str, path: &mut Option<String>, relative: &mut bool| {
        if section.starts_with("Profile") {
            if let Some(p) = path.take() {
                paths.push(if *relative {
                    root.join(p)
                } else {
                    PathBuf::from(p)
                });
            }
        }
        *path = None;
        *relative = true;
    };
    for line in ini.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            flush(&section, &mut path, &mut relative);
            section = name.to_string();
        } else if let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "Path" => path = Some(value.trim().to_string()),
                "IsRelative" => relative = value.trim() != "0",
                _ => {}
            }
        }
    }
    flush(&section, &mut path, &mut relative);
    paths
}

/// Chromium's database: the one in use, or where a new one goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChromiumDb {
    Existing(NssDb),
    /// Not created yet; Chromium opens (and `register` creates) this one.
    Missing(NssDb),
}

/// Chromium 156 checks one thing at start (measured, status/browser-locations.md): the
/// directory `~/.pki/nssdb` exists → it uses it, creating the files inside; otherwise it uses
/// `$XDG_DATA_HOME/pki/nssdb`. So `~/.pki` must never be created: it would hide the other.
pub fn chromium_db(home: &Home) -> ChromiumDb {
    let legacy = home.chromium_legacy();
    let db = NssDb::new(if legacy.is_dir() {
        legacy
    } else {
        home.chromium_xdg()
    });
    if db.exists() {
        ChromiumDb::Existing(db)
    } else {
        ChromiumDb::Missing(db)
    }
}

/// How a sandboxed browser is packaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sandbox {
    Snap,
    Flatpak,
}

/// A sandboxed browser found on this machine or in this home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxedBrowser {
    pub browser: &'static str,
    pub sandbox: Sandbox,
}

/// Snap and Flatpak Firefox and Chromium, installed system-wide or used by this user.
pub fn sandboxed_browsers(home: &Home) -> Vec<SandboxedBrowser> {
    const KNOWN: &[(&str, Sandbox, &str, &str)] = &[
        ("Firefox", Sandbox::Snap, "snap/firefox", "/snap/firefox"),
        ("Chromium", Sandbox::Snap, "snap/chromium", "/snap/chromium"),
        (
            "Firefox",
            Sandbox::Flatpak,
            ".var/app/org.mozilla.firefox",
            "/var/lib/flatpak/app/org.mozilla.firefox",
        ),
        (
            "Chromium",
            Sandbox::Flatpak,
            ".var/app/org.chromium.Chromium",
            "/var/lib/flatpak/app/org.chromium.Chromium",
        ),
    ];
    KNOWN
        .iter()
        .filter(|(_, _, in_home, system)| {
            home.home.join(in_home).exists() || Path::new(system).exists()
        })
        .map(|(browser, sandbox, _, _)| SandboxedBrowser {
            browser,
            sandbox: *sandbox,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_ini_paths_relative_and_absolute() {
        let ini = "[Install4F96D1932A9F858E]\nDefault=x.default-esr\nLocked=1\n\n\
                   [Profile1]\nName=default\nIsRelative=1\nPath=x.default\nDefault=1\n\n\
                   [Profile0]\nName=work\nIsRelative=0\nPath=/srv/profiles/work\n\n\
                   [General]\nStartWithLastProfile=1\nVersion=2\n";
        assert_eq!(
            listed_profiles(Path::new("/h/.mozilla/firefox"), ini),
            vec![
                PathBuf::from("/h/.mozilla/firefox/x.default"),
                PathBuf::from("/srv/profiles/work")
            ]
        );
    }
}
