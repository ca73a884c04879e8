//! Signing (PKCS#11 3.0 §5.13): RSA PKCS#1 v1.5, raw RSA and PSS, with or without host
//! hashing; the private-key operation runs on the card.

use super::operation::{last, single, update, Sign};
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
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

// C_Sign (§5.13.2): §5.2 length convention; a length query or a too-small buffer
// keeps the operation (and the card's signature, made only once).
ck_fn!(C_Sign => single::<Sign>(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG, *mut CK_BYTE, *mut CK_ULONG));

// C_SignUpdate (§5.13.3): hashed incrementally, or buffered for the unhashed mechanisms.
ck_fn!(C_SignUpdate => update::<Sign>(CK_SESSION_HANDLE, *mut CK_BYTE, CK_ULONG));

// C_SignFinal (§5.13.4): §5.2 length convention, as C_Sign.
ck_fn!(C_SignFinal => last::<Sign>(CK_SESSION_HANDLE, *mut CK_BYTE, *mut CK_ULONG));
