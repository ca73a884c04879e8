//! Signing (PKCS#11 3.0 §5.13): RSA PKCS#1 v1.5, raw RSA and PSS, with or without host
//! hashing; the private-key operation runs on the card.

use super::or_end;
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

ck_fn!(C_SignInit => sign_init(CK_SESSION_HANDLE, *mut CK_MECHANISM, CK_OBJECT_HANDLE));

/// C_SignInit (§5.13.1): a signature mechanism of the token, a private key with
/// CKA_SIGN, the user logged in; PSS parameters validated.
unsafe fn sign_init(
    h_session: CK_SESSION_HANDLE,
    p_mechanism: *mut CK_MECHANISM,
    h_key: CK_OBJECT_HANDLE,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_mechanism` is NULL or a CK_MECHANISM whose parameter is valid for its length.
    let mechanism = unsafe { marshal::mechanism(p_mechanism) }?;
    instance.sign_init(h_session, &mechanism, h_key)
}

ck_fn!(C_Sign => sign(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG, *mut CK_BYTE, *mut CK_ULONG));

/// C_Sign (§5.13.2): §5.2 length convention; a length query or a too-small buffer
/// keeps the operation (and the card's signature, made only once).
unsafe fn sign(
    h_session: CK_SESSION_HANDLE,
    p_data: *mut CK_BYTE,
    ul_data_len: CK_ULONG,
    p_signature: *mut CK_BYTE,
    pul_signature_len: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_data` is NULL or valid for `ul_data_len` bytes; `p_signature` and `pul_signature_len`
    //
    // are NULL or valid as §5.2 gives them (NULLs are checked).
    let args = unsafe {
        slice(p_data, ul_data_len)
            .and_then(|data| Ok((data, OutBuffer::new(p_signature, pul_signature_len)?)))
    };
    let (data, mut out) = or_end(|| instance.end_sign(h_session), args)?;
    instance.sign(h_session, data, &mut out)
}

ck_fn!(C_SignUpdate => sign_update(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

/// C_SignUpdate (§5.13.3): hashed incrementally, or buffered for the unhashed mechanisms.
unsafe fn sign_update(
    h_session: CK_SESSION_HANDLE,
    p_part: *mut CK_BYTE,
    ul_part_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_part` is NULL or valid for `ul_part_len` bytes (§5.2).
    let part = unsafe { slice(p_part, ul_part_len) };
    let part = or_end(|| instance.end_sign(h_session), part)?;
    instance.sign_update(h_session, part)
}

ck_fn!(C_SignFinal => sign_final(CK_SESSION_HANDLE, *mut CK_BYTE, *mut CK_ULONG));

/// C_SignFinal (§5.13.4): §5.2 length convention, as C_Sign.
unsafe fn sign_final(
    h_session: CK_SESSION_HANDLE,
    p_signature: *mut CK_BYTE,
    pul_signature_len: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_signature` and `pul_signature_len` are NULL or valid as §5.2 gives them (NULLs
    // are checked).
    let out = unsafe { OutBuffer::new(p_signature, pul_signature_len) };
    let mut out = or_end(|| instance.end_sign(h_session), out)?;
    instance.sign_final(h_session, &mut out)
}
