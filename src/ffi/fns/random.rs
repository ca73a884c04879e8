//! Random number generation (PKCS#11 3.0 §5.19): the token has no generator (no CKF_RNG).
//!
//! The session and the arguments are checked first, as for every session function, so a
//! caller learns of a stale handle or a NULL buffer before learning that there is no RNG.

use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

// C_SeedRandom (§5.19.1), C_GenerateRandom (§5.19.2): CKR_SESSION_HANDLE_INVALID,
// CKR_ARGUMENTS_BAD (pSeed / pRandomData NULL with a length), then CKR_RANDOM_NO_RNG.
ck_fn!(C_SeedRandom => no_rng(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));
ck_fn!(C_GenerateRandom => no_rng(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

/// The session and the buffer are checked, then there is no generator.
unsafe fn no_rng(
    h_session: CK_SESSION_HANDLE,
    p_data: *mut CK_BYTE,
    ul_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    instance.check_session(h_session)?;
    // SAFETY: `p_data` is NULL or valid for `ul_len` bytes.
    unsafe { slice(p_data.cast_const(), ul_len) }?;
    Err(Rv(CKR_RANDOM_NO_RNG))
}
