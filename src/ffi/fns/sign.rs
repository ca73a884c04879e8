//! Signing (PKCS#11 3.0 §5.13): RSA PKCS#1 v1.5, raw RSA and PSS, with or without host
//! hashing; the private-key operation runs on the card.

use crate::cryptoki::module;
use crate::cryptoki::{Instance, Rv};
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

/// Bad arguments end the operation too (§5.13.2: only CKR_BUFFER_TOO_SMALL and a
/// length query keep it).
fn or_end<T>(
    instance: &Instance,
    session: CK_SESSION_HANDLE,
    args: Result<T, Rv>,
) -> Result<T, Rv> {
    if args.is_err() {
        instance.end_sign(session);
    }
    args
}

ck_fn! {
    /// C_SignInit (§5.13.1): a signature mechanism of the token, a private key with
    /// CKA_SIGN, the user logged in; PSS parameters validated.
    fn C_SignInit(h_session: CK_SESSION_HANDLE, p_mechanism: *mut CK_MECHANISM, h_key: CK_OBJECT_HANDLE) {
        let instance = module::instance()?;
        let mechanism = marshal::mechanism(p_mechanism)?;
        instance.sign_init(h_session, &mechanism, h_key)
    }
}

ck_fn! {
    /// C_Sign (§5.13.2): §5.2 length convention; a length query or a too-small buffer
    /// keeps the operation (and the card's signature, made only once).
    fn C_Sign(
        h_session: CK_SESSION_HANDLE,
        p_data: *mut CK_BYTE,
        ul_data_len: CK_ULONG,
        p_signature: *mut CK_BYTE,
        pul_signature_len: *mut CK_ULONG,
    ) {
        let instance = module::instance()?;
        let args = slice(p_data, ul_data_len)
            .and_then(|data| Ok((data, OutBuffer::new(p_signature, pul_signature_len)?)));
        let (data, mut out) = or_end(&instance, h_session, args)?;
        instance.sign(h_session, data, &mut out)
    }
}

ck_fn! {
    /// C_SignUpdate (§5.13.3): hashed incrementally, or buffered for the unhashed mechanisms.
    fn C_SignUpdate(h_session: CK_SESSION_HANDLE, p_part: *mut CK_BYTE, ul_part_len: CK_ULONG) {
        let instance = module::instance()?;
        let part = or_end(&instance, h_session, slice(p_part, ul_part_len))?;
        instance.sign_update(h_session, part)
    }
}

ck_fn! {
    /// C_SignFinal (§5.13.4): §5.2 length convention, as C_Sign.
    fn C_SignFinal(h_session: CK_SESSION_HANDLE, p_signature: *mut CK_BYTE, pul_signature_len: *mut CK_ULONG) {
        let instance = module::instance()?;
        let mut out = or_end(&instance, h_session, OutBuffer::new(p_signature, pul_signature_len))?;
        instance.sign_final(h_session, &mut out)
    }
}
