//! Message digesting on the host (PKCS#11 3.0 §5.12): SHA-1, SHA-256, SHA-384, SHA-512.

use super::or_end;
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

ck_fn!(C_DigestInit => digest_init(CK_SESSION_HANDLE, *mut CK_MECHANISM));

/// C_DigestInit (§5.12.1).
unsafe fn digest_init(
    h_session: CK_SESSION_HANDLE,
    p_mechanism: *mut CK_MECHANISM,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_mechanism` is NULL or a CK_MECHANISM whose parameter is valid for its length.
    let mechanism = unsafe { marshal::mechanism(p_mechanism) }?;
    instance.digest_init(h_session, &mechanism)
}

ck_fn!(C_Digest => digest(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG, *mut CK_BYTE, *mut CK_ULONG));

/// C_Digest (§5.12.2): §5.2 length convention.
unsafe fn digest(
    h_session: CK_SESSION_HANDLE,
    p_data: *mut CK_BYTE,
    ul_data_len: CK_ULONG,
    p_digest: *mut CK_BYTE,
    pul_digest_len: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_data` is NULL or valid for `ul_data_len` bytes; `p_digest` and `pul_digest_len`
    //
    // are NULL or valid as §5.2 gives them (NULLs are checked).
    let args = unsafe {
        slice(p_data, ul_data_len)
            .and_then(|data| Ok((data, OutBuffer::new(p_digest, pul_digest_len)?)))
    };
    let (data, mut out) = or_end(|| instance.end_digest(h_session), args)?;
    instance.digest(h_session, data, &mut out)
}

ck_fn!(C_DigestUpdate => digest_update(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

/// C_DigestUpdate (§5.12.3).
unsafe fn digest_update(
    h_session: CK_SESSION_HANDLE,
    p_part: *mut CK_BYTE,
    ul_part_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_part` is NULL or valid for `ul_part_len` bytes (§5.2).
    let part = unsafe { slice(p_part, ul_part_len) };
    let part = or_end(|| instance.end_digest(h_session), part)?;
    instance.digest_update(h_session, part)
}

ck_fn!(C_DigestKey => digest_key(CK_SESSION_HANDLE, CK_OBJECT_HANDLE));

/// C_DigestKey (§5.12.4): the card's keys cannot be digested (secret keys only, and
/// there are none): CKR_FUNCTION_NOT_SUPPORTED.
unsafe fn digest_key(_h_session: CK_SESSION_HANDLE, _h_key: CK_OBJECT_HANDLE) -> Result<(), Rv> {
    module::instance()?;
    Err(Rv::FUNCTION_NOT_SUPPORTED)
}

ck_fn!(C_DigestFinal => digest_final(CK_SESSION_HANDLE, *mut CK_BYTE, *mut CK_ULONG));

/// C_DigestFinal (§5.12.5): §5.2 length convention.
unsafe fn digest_final(
    h_session: CK_SESSION_HANDLE,
    p_digest: *mut CK_BYTE,
    pul_digest_len: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_digest` and `pul_digest_len` are NULL or valid as §5.2 gives them (NULLs
    // are checked).
    let out = unsafe { OutBuffer::new(p_digest, pul_digest_len) };
    let mut out = or_end(|| instance.end_digest(h_session), out)?;
    instance.digest_final(h_session, &mut out)
}
