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
//! The libc calls live here, a module of its own that the crate-level `deny(unsafe_code)`
//! lets use `unsafe` (like `ffi` and `transport`).

use std::ffi::{CStr, OsString};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// Whether the kernel marked this process as running with privilege (AT_SECURE).
pub fn is_elevated() -> bool {
    // SAFETY: getauxval reads the process's auxiliary vector; no pointer is involved.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
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

/// The effective user id (who owns what the module creates).
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no arguments and cannot fail.
    unsafe { libc::geteuid() }
}

/// The real user's home directory from the password database (`getpwuid_r(getuid())`),
/// never from the environment.
pub fn real_user_home() -> Option<PathBuf> {
    // SAFETY: getuid has no arguments and cannot fail.
    let uid = unsafe { libc::getuid() };
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: an all-zero passwd is a valid value of the C struct (integers and NULL pointers).
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call: `entry` and `found` are ours, `buffer` is
    // writable for its length, which is passed; getpwuid_r writes only inside them.
    let rc = unsafe {
        libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() || entry.pw_dir.is_null() {
        return None;
    }
    // SAFETY: on success pw_dir points to a NUL-terminated string inside `buffer`, which
    // lives until the end of this function.
    let dir = unsafe { CStr::from_ptr(entry.pw_dir) }.to_bytes().to_vec();
    let dir = PathBuf::from(OsString::from_vec(dir));
    dir.is_absolute().then_some(dir)
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
    fn the_real_home_comes_from_the_password_database() {
        let home = real_user_home().expect("the test user has a passwd entry");
        assert!(home.is_absolute());
    }
}
