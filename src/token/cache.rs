//! Public-data cache: the certificate of a card that shows it only after login (CIE),
//! so that the next insertion of the same card lists certificate and public key before
//! login and browsers can offer it, then ask for the PIN (DESIGN.md "Caches"); and, keyed
//! the same way, the public chip data a driver needs for every login (CIE: DH domain
//! parameters, CA key, EF 1004 — `card::cie::chip_data`), so that a login reads none of it.
//!
//! Public data only — never a PIN digit. Per user: `$XDG_CACHE_HOME/cie-cns-pkcs11/`
//! (default `~/.cache/cie-cns-pkcs11/`), directory 0700, one file per card serial, 0600,
//! written atomically (temporary file + rename). Whatever is read back is untrusted input:
//! the token parses it like card data and ignores it on any error.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const DIRECTORY: &str = "cie-cns-pkcs11";
/// Bigger than any certificate; a bigger file is not ours.
const MAX_FILE_LEN: u64 = 64 * 1024;

/// The cache directory, from the environment (XDG Base Directory specification); in a
/// privileged process (AT_SECURE) only under the real user's home from the password
/// database, whatever the environment says (`crate::privilege`).
pub fn directory() -> Option<PathBuf> {
    // The library's unit tests bind mock cards that share serials: they never read or write
    // the cache of the user running them (the integration tests give the module their own).
    if cfg!(test) {
        return None;
    }
    if crate::privilege::is_elevated() {
        return base_directory(None, None, crate::privilege::real_user_home());
    }
    base_directory(
        std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
        None,
    )
}

/// `$XDG_CACHE_HOME/cie-cns-pkcs11`, else `$HOME/.cache/…`, else `<passwd home>/.cache/…`.
fn base_directory(
    xdg_cache_home: Option<PathBuf>,
    home: Option<PathBuf>,
    passwd_home: Option<PathBuf>,
) -> Option<PathBuf> {
    let base = match (xdg_cache_home, home.or(passwd_home)) {
        // The specification says relative paths are invalid and must be ignored.
        (Some(dir), _) if dir.is_absolute() => dir,
        (_, Some(home)) if home.is_absolute() => home.join(".cache"),
        _ => return None,
    };
    Some(base.join(DIRECTORY))
}

/// What is cached for one card, one file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The authentication certificate, DER.
    Certificate,
    /// The driver's public chip data, in the driver's own encoding.
    ChipData,
}

impl Entry {
    fn extension(self) -> &'static str {
        match self {
            Entry::Certificate => "der",
            Entry::ChipData => "chip",
        }
    }
}

/// The file for `serial`; `None` for a serial that is not a plain run of digits and
/// letters (it names a file: card data must not pick a path).
fn entry_file(dir: &Path, family: &str, serial: &str, entry: Entry) -> Option<PathBuf> {
    let safe = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !safe(serial) || !safe(family) {
        return None;
    }
    Some(dir.join(format!("{family}-{serial}.{}", entry.extension())))
}

/// The cached certificate of `serial`, if any (unvalidated bytes: the caller parses).
pub fn load_certificate(dir: &Path, family: &str, serial: &str) -> Option<Vec<u8>> {
    load(dir, family, serial, Entry::Certificate)
}

/// Stores `der` as the certificate of `serial`, atomically, mode 0600 in a 0700 directory.
pub fn store_certificate(
    dir: &Path,
    family: &str,
    serial: &str,
    der: &[u8],
) -> std::io::Result<()> {
    store(dir, family, serial, Entry::Certificate, der)
}

/// The cached `entry` of `serial`, if any (unvalidated bytes: the caller parses).
pub fn load(dir: &Path, family: &str, serial: &str, entry: Entry) -> Option<Vec<u8>> {
    let path = entry_file(dir, family, serial, entry)?;
    // Opened without following a symlink, then checked on the open file: nothing can be
    // swapped between the check and the read.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) => {
            log::debug!("cache: {}: {e}", path.display());
            return None;
        }
    };
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_LEN {
        log::debug!(
            "cache: {} is not a plain small file, ignored",
            path.display()
        );
        return None;
    }
    let mut bytes = Vec::new();
    match Read::by_ref(&mut file)
        .take(MAX_FILE_LEN)
        .read_to_end(&mut bytes)
    {
        Ok(_) => Some(bytes),
        Err(e) => {
            log::debug!("cache: {}: {e}", path.display());
            None
        }
    }
}

/// The cache directory, made if missing, and only if it is a real directory of this user's
/// (not a symlink, not someone else's): then made ours alone (0700) through a handle on the
/// directory itself, never through a path a link could redirect.
fn private_directory(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
        .open(dir)?;
    let meta = handle.metadata()?;
    if Some(meta.uid()) != crate::privilege::effective_uid() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "cache directory owned by another user",
        ));
    }
    // An existing directory keeps whatever mode it had: make it ours alone.
    handle.set_permissions(fs::Permissions::from_mode(0o700))
}

/// Forgets the certificate of `serial` (a signature check failed against what the token
/// showed: the cached copy must not be shown again before the card proves it).
pub fn remove_certificate(dir: &Path, family: &str, serial: &str) {
    remove(dir, family, serial, Entry::Certificate)
}

/// Forgets `entry` of `serial`; nothing to forget is no error.
pub fn remove(dir: &Path, family: &str, serial: &str, entry: Entry) {
    let Some(path) = entry_file(dir, family, serial, entry) else {
        return;
    };
    match fs::remove_file(&path) {
        Ok(()) => log::info!("cache: {} dropped", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => log::warn!("cache: {} not dropped: {e}", path.display()),
    }
}

/// Stores `bytes` as `entry` of `serial`, atomically, mode 0600 in a 0700 directory.
pub fn store(
    dir: &Path,
    family: &str,
    serial: &str,
    entry: Entry,
    bytes: &[u8],
) -> std::io::Result<()> {
    let path = entry_file(dir, family, serial, entry)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "serial"))?;
    private_directory(dir)?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cache"),
        std::process::id()
    ));
    let _ = fs::remove_file(&temporary);
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cie-cns-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn round_trip_with_private_modes() {
        let base = scratch("modes");
        let dir = base.join(DIRECTORY);
        store_certificate(&dir, "CIE", "123456789012", b"\x30\x03\x02\x01\x01").unwrap();
        assert_eq!(
            load_certificate(&dir, "CIE", "123456789012").as_deref(),
            Some(&b"\x30\x03\x02\x01\x01"[..])
        );
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("CIE-123456789012.der")), 0o600);
        // Replaced, not appended; no temporary file left behind.
        store_certificate(&dir, "CIE", "123456789012", b"new").unwrap();
        assert_eq!(
            load_certificate(&dir, "CIE", "123456789012").as_deref(),
            Some(&b"new"[..])
        );
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        assert_eq!(load_certificate(&dir, "CIE", "999999999999"), None);
        remove_certificate(&dir, "CIE", "123456789012");
        assert_eq!(load_certificate(&dir, "CIE", "123456789012"), None);
        // Nothing to drop is no error.
        remove_certificate(&dir, "CIE", "123456789012");
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn an_existing_open_directory_is_closed() {
        let base = scratch("open");
        let dir = base.join(DIRECTORY);
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        store_certificate(&dir, "CIE", "1", b"x").unwrap();
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn serials_cannot_name_other_paths() {
        let dir = scratch("paths");
        assert!(entry_file(&dir, "CIE", "../x", Entry::ChipData).is_none());
        assert!(entry_file(&dir, "CIE", "", Entry::Certificate).is_none());
        assert!(entry_file(&dir, "CIE", "a/b", Entry::Certificate).is_none());
        assert!(store_certificate(&dir, "CIE", "..", b"x").is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn odd_files_are_ignored() {
        let base = scratch("odd");
        let dir = base.join(DIRECTORY);
        fs::create_dir_all(dir.join("CIE-1.der")).unwrap();
        assert_eq!(load_certificate(&dir, "CIE", "1"), None);
        fs::write(
            dir.join("CIE-2.der"),
            vec![0u8; (MAX_FILE_LEN + 1) as usize],
        )
        .unwrap();
        assert_eq!(load_certificate(&dir, "CIE", "2"), None);
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn xdg_cache_home_must_be_absolute() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(
            base_directory(p("/x"), p("/home/u"), None),
            Some(PathBuf::from("/x").join(DIRECTORY))
        );
        assert_eq!(
            base_directory(p("rel"), p("/home/u"), None),
            Some(PathBuf::from("/home/u/.cache").join(DIRECTORY))
        );
        assert_eq!(base_directory(None, p("rel"), None), None);
        assert_eq!(base_directory(None, None, None), None);
    }

    #[test]
    fn a_privileged_process_uses_only_the_passwd_home() {
        // What `directory` passes when AT_SECURE is set: no environment at all.
        assert_eq!(
            base_directory(None, None, Some(PathBuf::from("/home/real"))),
            Some(PathBuf::from("/home/real/.cache").join(DIRECTORY))
        );
    }

    #[test]
    fn symlinks_are_never_followed() {
        use std::os::unix::fs::symlink;
        let base = scratch("links");
        let dir = base.join(DIRECTORY);
        fs::create_dir_all(&dir).unwrap();
        // A cache file that is a link to someone's file: not read.
        let target = base.join("secret");
        fs::write(&target, b"not a certificate").unwrap();
        symlink(&target, dir.join("CIE-1.der")).unwrap();
        assert_eq!(load_certificate(&dir, "CIE", "1"), None);
        // A cache directory that is a link: not written through, its target's mode untouched.
        let elsewhere = base.join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o755)).unwrap();
        let linked = base.join("linked");
        symlink(&elsewhere, &linked).unwrap();
        assert!(store_certificate(&linked, "CIE", "2", b"x").is_err());
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
        let mode = fs::metadata(&elsewhere).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "no chmod through a link");
        fs::remove_dir_all(&base).unwrap();
    }
}
