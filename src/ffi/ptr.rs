//! Caller pointers: NULL checks and conversions, in one place.
//! A NULL where the specification requires a pointer is CKR_ARGUMENTS_BAD (§5.1).

use crate::cryptoki::Rv;
use cryptoki_sys::CK_ULONG;

/// Writes `value` through a caller's out-pointer.
///
/// # Safety
/// `p` is NULL or valid for writing a `T`.
pub unsafe fn write<T>(p: *mut T, value: T) -> Result<(), Rv> {
    if p.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    // SAFETY: non-NULL, valid for writing a `T` (this function's contract).
    unsafe { p.write(value) };
    Ok(())
}

/// A caller's input array; NULL is accepted only for an empty one.
///
/// # Safety
/// `p` is NULL or valid for reading `len` elements for the lifetime chosen.
pub unsafe fn slice<'a, T>(p: *const T, len: CK_ULONG) -> Result<&'a [T], Rv> {
    let len = usize_of(len)?;
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    // SAFETY: non-NULL, valid for `len` elements (this function's contract).
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A caller's in/out array (C_GetAttributeValue's template).
///
/// # Safety
/// As `slice`, and valid for writing.
pub unsafe fn slice_mut<'a, T>(p: *mut T, len: CK_ULONG) -> Result<&'a mut [T], Rv> {
    let len = usize_of(len)?;
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    // SAFETY: non-NULL, valid for reading and writing `len` elements (the contract).
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// A CK_ULONG length as usize (always fits on the platforms PKCS#11 runs on).
pub fn usize_of(n: CK_ULONG) -> Result<usize, Rv> {
    usize::try_from(n).map_err(|_| Rv::ARGUMENTS_BAD)
}

/// A usize length as CK_ULONG.
pub fn ulong_of(n: usize) -> Result<CK_ULONG, Rv> {
    CK_ULONG::try_from(n).map_err(|_| Rv::GENERAL_ERROR)
}
