//! A few secret bytes in memory of their own: one anonymous page, locked in RAM (`mlock`, so
//! it never reaches swap), left out of core dumps (`MADV_DONTDUMP`), wiped before it is
//! unmapped (DESIGN.md "PINs": kept only in zeroized, locked, non-dumpable memory).
//!
//! It lives here because the crate allows `unsafe` only at its two doors to the operating
//! system, the C boundary (`ffi`) and this layer; the page is the operating system's, not the
//! allocator's, so nothing else ever shares it and `madvise` cannot touch anybody's data.

use std::ptr::NonNull;

use zeroize::Zeroize;

/// Why the bytes could not be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockError {
    /// More than one page: not what this is for.
    TooLong,
    /// `mmap`, `madvise` or `mlock` refused (RLIMIT_MEMLOCK, say): the secret is not kept.
    Refused,
}

/// Secret bytes on a locked, non-dumpable page; zeroized and unmapped on drop.
pub struct LockedBytes {
    page: NonNull<u8>,
    page_len: usize,
    len: usize,
}

// SAFETY: the page is owned by this value alone (no alias is ever handed out beyond a borrow of
// `self`), so moving it to another thread moves the only access to it.
unsafe impl Send for LockedBytes {}
// SAFETY: shared access only reads the bytes (`expose` takes `&self`).
unsafe impl Sync for LockedBytes {}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|s| *s > 0)
        .unwrap_or(4096)
}

impl LockedBytes {
    /// Copies `secret` onto a fresh page that is locked and excluded from core dumps, or
    /// refuses: a secret that cannot be protected is not kept at all.
    pub fn new(secret: &[u8]) -> Result<LockedBytes, LockError> {
        let page_len = page_size();
        if secret.len() > page_len {
            return Err(LockError::TooLong);
        }
        // SAFETY: an anonymous private mapping at an address the kernel picks; no file, no
        // existing memory involved. The result is checked against MAP_FAILED below.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                page_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(LockError::Refused);
        }
        let Some(page) = NonNull::new(addr.cast::<u8>()) else {
            return Err(LockError::Refused);
        };
        let bytes = LockedBytes {
            page,
            page_len,
            len: 0,
        };
        // SAFETY: `addr` is the page just mapped, `page_len` long, owned by `bytes` (which
        // unmaps it on every path out of here, including these failures).
        let protected = unsafe {
            libc::madvise(addr, page_len, libc::MADV_DONTDUMP) == 0
                && libc::mlock(addr, page_len) == 0
        };
        if !protected {
            return Err(LockError::Refused);
        }
        let mut bytes = bytes;
        // SAFETY: `secret.len() <= page_len` (checked above); the page is writable and does
        // not overlap `secret`, which lives elsewhere.
        unsafe {
            std::ptr::copy_nonoverlapping(secret.as_ptr(), page.as_ptr(), secret.len());
        }
        bytes.len = secret.len();
        Ok(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        // SAFETY: the first `len` bytes of the page were written in `new`; the page stays
        // mapped for as long as `self` lives, and is only written through `&mut self`.
        unsafe { std::slice::from_raw_parts(self.page.as_ptr(), self.len) }
    }
}

impl Drop for LockedBytes {
    fn drop(&mut self) {
        // SAFETY: the whole page is ours and mapped until the munmap below.
        let page = unsafe { std::slice::from_raw_parts_mut(self.page.as_ptr(), self.page_len) };
        page.zeroize();
        // SAFETY: unlocking and unmapping the page mapped in `new`; nothing refers to it after
        // this (`self` is being dropped). munlock of a page that was never locked is harmless.
        unsafe {
            libc::munlock(self.page.as_ptr().cast(), self.page_len);
            libc::munmap(self.page.as_ptr().cast(), self.page_len);
        }
    }
}

impl std::fmt::Debug for LockedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockedBytes(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags of the mapping that holds `addr`, from /proc/self/smaps ("VmFlags: … lo dd").
    fn vm_flags(addr: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((start, end)) = range.split_once('-') {
                    if let (Ok(s), Ok(e)) = (
                        usize::from_str_radix(start, 16),
                        usize::from_str_radix(end, 16),
                    ) {
                        inside = (s..e).contains(&addr);
                        continue;
                    }
                }
            }
            if inside {
                if let Some(flags) = line.strip_prefix("VmFlags:") {
                    return flags.to_string();
                }
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    #[test]
    fn kept_bytes_are_locked_and_not_dumped() {
        let kept = LockedBytes::new(b"12345678").expect("locked");
        assert_eq!(kept.expose(), b"12345678");
        let flags = vm_flags(kept.page.as_ptr() as usize);
        let flags: Vec<&str> = flags.split_whitespace().collect();
        assert!(flags.contains(&"lo"), "locked: {flags:?}");
        assert!(flags.contains(&"dd"), "do not dump: {flags:?}");
        assert_eq!(format!("{kept:?}"), "LockedBytes(***)");
    }

    #[test]
    fn more_than_a_page_is_refused() {
        assert_eq!(
            LockedBytes::new(&vec![0u8; page_size() + 1]).err(),
            Some(LockError::TooLong)
        );
        assert_eq!(LockedBytes::new(b"").expect("empty").expose(), b"");
    }
}
