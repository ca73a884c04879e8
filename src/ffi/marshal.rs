//! Decoding the caller's structures into the state machine's types: CK_C_INITIALIZE_ARGS,
//! CK_MECHANISM (with CK_RSA_PKCS_PSS_PARAMS), attribute templates, PINs.

use super::ptr::{slice, usize_of};
use crate::cryptoki::mechanism::is_pss;
use crate::cryptoki::{InitArgs, MechanismParams, MechanismRequest, MutexCallbacks, PssParams, Rv};
use cryptoki_sys::*;
use std::ffi::c_void;
use zeroize::Zeroizing;

/// C_Initialize's pInitArgs (§5.4.1): NULL means no arguments.
///
/// # Safety
/// `p` is NULL or points to a CK_C_INITIALIZE_ARGS.
pub unsafe fn init_args(p: *mut c_void) -> Result<InitArgs, Rv> {
    if p.is_null() {
        return Ok(InitArgs::NONE);
    }
    // SAFETY: non-NULL, so a CK_C_INITIALIZE_ARGS (this function's contract).
    let args = unsafe { &*(p as *const CK_C_INITIALIZE_ARGS) };
    let given = [
        args.CreateMutex.is_some(),
        args.DestroyMutex.is_some(),
        args.LockMutex.is_some(),
        args.UnlockMutex.is_some(),
    ];
    let callbacks = match given.iter().filter(|g| **g).count() {
        0 => MutexCallbacks::None,
        4 => MutexCallbacks::All,
        _ => MutexCallbacks::Partial,
    };
    Ok(InitArgs {
        callbacks,
        flags: args.flags,
        reserved_is_null: args.pReserved.is_null(),
    })
}

/// A CK_MECHANISM. The PSS parameter is decoded only for the PSS mechanisms and only
/// when it has exactly the size of CK_RSA_PKCS_PSS_PARAMS; anything else is kept as
/// `Other`, which the state machine rejects with CKR_MECHANISM_PARAM_INVALID.
///
/// # Safety
/// `p` is NULL or points to a CK_MECHANISM whose pParameter is valid for ulParameterLen bytes.
pub unsafe fn mechanism(p: *const CK_MECHANISM) -> Result<MechanismRequest, Rv> {
    if p.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    // SAFETY: non-NULL, so a CK_MECHANISM (this function's contract).
    let m = unsafe { &*p };
    let len = usize_of(m.ulParameterLen)?;
    let params = if m.pParameter.is_null() && len == 0 {
        MechanismParams::None
    } else if is_pss(m.mechanism)
        && !m.pParameter.is_null()
        && len == std::mem::size_of::<CK_RSA_PKCS_PSS_PARAMS>()
    {
        // SAFETY: non-NULL and valid for ulParameterLen bytes, exactly the size of
        // CK_RSA_PKCS_PSS_PARAMS; read unaligned, as a caller need not align it.
        let raw = unsafe { (m.pParameter as *const CK_RSA_PKCS_PSS_PARAMS).read_unaligned() };
        MechanismParams::Pss(PssParams {
            hash_alg: raw.hashAlg,
            mgf: raw.mgf,
            salt_len: raw.sLen,
        })
    } else {
        MechanismParams::Other
    };
    Ok(MechanismRequest {
        mechanism: m.mechanism,
        params,
    })
}

/// A search template (C_FindObjectsInit): (type, value bytes) pairs.
///
/// # Safety
/// `p` is NULL or valid for `count` CK_ATTRIBUTEs whose pValue are valid for ulValueLen bytes.
pub unsafe fn template(
    p: *const CK_ATTRIBUTE,
    count: CK_ULONG,
) -> Result<Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>, Rv> {
    // SAFETY: NULL or valid for `count` attributes (this function's contract).
    let attributes = unsafe { slice(p, count) }?;
    attributes
        .iter()
        .map(|a| {
            // SAFETY: each pValue is NULL or valid for ulValueLen bytes (the contract).
            let value = unsafe { slice(a.pValue as *const u8, a.ulValueLen) }?;
            Ok((a.type_, value.to_vec()))
        })
        .collect()
}

/// A PIN, copied only into memory that is wiped when dropped (DESIGN.md "PINs").
///
/// # Safety
/// `p` is NULL or valid for `len` bytes.
pub unsafe fn pin(p: *const CK_UTF8CHAR, len: CK_ULONG) -> Result<Zeroizing<Vec<u8>>, Rv> {
    // SAFETY: NULL or valid for `len` bytes (this function's contract).
    Ok(Zeroizing::new(unsafe { slice(p, len) }?.to_vec()))
}
