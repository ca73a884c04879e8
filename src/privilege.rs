//! Whether the process runs with privilege it did not get from its user (issue #11,
//! DESIGN.md "Caches": environment paths are ignored in privileged processes).
//!
//! The log file, the cache and the home directory come from the environment. In a setuid
//! or setgid program, or one that gained capabilities at exec (a PAM module inside `su`,
//! say), the environment belongs to the less privileged caller: the kernel says so with
//! AT_SECURE in the auxiliary vector, and glibc's `secure_getenv` then answers nothing.
//! The module does the same: no variable is read, there is no log file, and the cache lives
//! only under the real user's home as the password database has it.
//!
//! Everything is read from files the kernel and the system provide (`/proc/self/auxv`,
//! `/proc/self/status`, `/etc/passwd`) in safe Rust: no libc call, so this module needs no
//! exception to the crate's `deny(unsafe_code)`. Where a file cannot be read the answer
//! errs on the safe side: elevated, and no home.

use std::ffi::OsString;
use std::path::PathBuf;

/// `AT_SECURE` in the auxiliary vector (getauxval(3), <elf.h>).
const AT_SECURE: usize = 23;

/// Whether the kernel marked this process as running with privilege (AT_SECURE). A
/// process that cannot read its own auxiliary vector (a setgid program: /proc/self is then
/// root's) is treated as elevated.
pub fn is_elevated() -> bool {
    match std::fs::read("/proc/self/auxv") {
        Ok(auxv) => auxv_value(&auxv, AT_SECURE).is_none_or(|secure| secure != 0),
        Err(_) => true,
    }
}

/// The value of `key` in an auxiliary vector: native-endian (key, value) word pairs up to
/// AT_NULL.
fn auxv_value(auxv: &[u8], key: usize) -> Option<usize> {
    const WORD: usize = std::mem::size_of::<usize>();
    let word =
        |bytes: &[u8]| -> Option<usize> { Some(usize::from_ne_bytes(bytes.try_into().ok()?)) };
    auxv.chunks_exact(2 * WORD)
        .map(|pair| (word(&pair[..WORD]), word(&pair[WORD..])))
        .take_while(|(k, _)| *k != Some(0))
        .find(|(k, _)| *k == Some(key))
        .and_then(|(_, v)| v)
}

/// `secure_getenv`: the variable, unless the process is elevated.
pub fn var_os(name: &str) -> Option<OsString> {
    if is_elevated() {
        return None;
    }
    std::env::var_os(name)
}

/// `var_os` as UTF-8.
pub fn var(name: &str) -> Option<String> {
    var_os(name).and_then(|v| v.into_string().ok())
}

/// The real and effective user ids, from the `Uid:` line of `/proc/self/status` (proc(5):
/// real, effective, saved, filesystem).
fn user_ids() -> Option<(u32, u32)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    let mut ids = line.split_whitespace().map(|id| id.parse::<u32>().ok());
    Some((ids.next()??, ids.next()??))
}

/// The effective user id (who owns what the module creates); `None` when it cannot be told.
pub fn effective_uid() -> Option<u32> {
    user_ids().map(|(_, effective)| effective)
}

/// The real user's home directory from the password database (`/etc/passwd`, passwd(5)),
/// never from the environment.
pub fn real_user_home() -> Option<PathBuf> {
    let (real, _) = user_ids()?;
    home_of(&std::fs::read_to_string("/etc/passwd").ok()?, real)
}

/// The home field of `uid`'s entry in a passwd(5) file, when absolute.
fn home_of(passwd: &str, uid: u32) -> Option<PathBuf> {
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.len() == 7 && fields[2].parse() == Ok(uid))
        .map(|fields| PathBuf::from(fields[5]))
        .filter(|home| home.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_test_process_is_not_elevated() {
        assert!(!is_elevated());
        assert_eq!(var_os("PATH"), std::env::var_os("PATH"));
    }

    #[test]
    fn the_auxiliary_vector_is_read_up_to_at_null() {
        let words = |ws: &[usize]| ws.iter().flat_map(|w| w.to_ne_bytes()).collect::<Vec<u8>>();
        assert_eq!(
            auxv_value(&words(&[6, 4096, 23, 1, 0, 0]), AT_SECURE),
            Some(1)
        );
        assert_eq!(auxv_value(&words(&[23, 0, 0, 0]), AT_SECURE), Some(0));
        assert_eq!(auxv_value(&words(&[6, 4096, 0, 0, 23, 1]), AT_SECURE), None);
        assert_eq!(auxv_value(&[1, 2, 3], AT_SECURE), None);
    }

    #[test]
    fn a_home_is_the_sixth_field_of_the_users_entry() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\nbad line\nrossi:x:1000:1000::/home/rossi:/bin/sh\n";
        assert_eq!(home_of(passwd, 1000), Some(PathBuf::from("/home/rossi")));
        assert_eq!(home_of(passwd, 0), Some(PathBuf::from("/root")));
        assert_eq!(home_of(passwd, 7), None);
        assert_eq!(home_of("x:x:5:5::relative:/bin/sh", 5), None);
    }

    #[test]
    fn the_real_home_comes_from_the_password_database() {
        let home = real_user_home().expect("the test user has a passwd entry");
        assert!(home.is_absolute());
    }
}
