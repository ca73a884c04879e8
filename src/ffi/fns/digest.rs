//! Message digesting on the host (PKCS#11 3.0 §5.12): SHA-1, SHA-256, SHA-384, SHA-512.

use super::operation::{last, single, update, Digest};
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
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

// C_Digest (§5.12.2): §5.2 length convention.
ck_fn!(C_Digest => single::<Digest>(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG, *mut CK_BYTE, *mut CK_ULONG));

// C_DigestUpdate (§5.12.3).
ck_fn!(C_DigestUpdate => update::<Digest>(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

ck_fn!(C_DigestKey => digest_key(CK_SESSION_HANDLE, CK_OBJECT_HANDLE));

/// C_DigestKey (§5.12.4): the card's keys cannot be digested (secret keys only, and
/// there are none): CKR_FUNCTION_NOT_SUPPORTED.
unsafe fn digest_key(_h_session: CK_SESSION_HANDLE, _h_key: CK_OBJECT_HANDLE) -> Result<(), Rv> {
    module::instance()?;
    Err(Rv::FUNCTION_NOT_SUPPORTED)
}

// C_DigestFinal (§5.12.5): §5.2 length convention.
ck_fn!(C_DigestFinal => last::<Digest>(CK_SESSION_HANDLE, *mut CK_BYTE, *mut CK_ULONG));
