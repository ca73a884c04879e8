//! Random number generation (PKCS#11 3.0 §5.19): the token has no generator (no CKF_RNG).
//!
//! The session and the arguments are checked first, as for every session function, so a
//! caller learns of a stale handle or a NULL buffer before learning that there is no RNG.

use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

ck_fn!(C_SeedRandom => seed_random(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

/// C_SeedRandom (§5.19.1): CKR_SESSION_HANDLE_INVALID, CKR_ARGUMENTS_BAD (pSeed NULL
/// with a length), then CKR_RANDOM_NO_RNG.
unsafe fn seed_random(
    h_session: CK_SESSION_HANDLE,
    p_seed: *mut CK_BYTE,
    ul_seed_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    instance.check_session(h_session)?;
    // SAFETY: `p_seed` is NULL or valid for `ul_seed_len` bytes.
    unsafe { slice(p_seed, ul_seed_len) }?;
    Err(Rv(CKR_RANDOM_NO_RNG))
}

ck_fn!(C_GenerateRandom => generate_random(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

/// C_GenerateRandom (§5.19.2): CKR_SESSION_HANDLE_INVALID, CKR_ARGUMENTS_BAD
/// (pRandomData NULL with a length), then CKR_RANDOM_NO_RNG.
unsafe fn generate_random(
    h_session: CK_SESSION_HANDLE,
    p_random_data: *mut CK_BYTE,
    ul_random_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    instance.check_session(h_session)?;
    // SAFETY: `p_random_data` is NULL or valid for `ul_random_len` bytes.
    unsafe { slice(p_random_data.cast_const(), ul_random_len) }?;
    Err(Rv(CKR_RANDOM_NO_RNG))
}
