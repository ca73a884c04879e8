//! Message digesting on the host (PKCS#11 3.0 §5.12): SHA-1, SHA-256, SHA-384, SHA-512.

use crate::cryptoki::module;
use crate::cryptoki::{Instance, Rv};
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

/// Bad arguments end the operation too (§5.12.2: only CKR_BUFFER_TOO_SMALL and a
/// length query keep it).
fn or_end<T>(
    instance: &Instance,
    session: CK_SESSION_HANDLE,
    args: Result<T, Rv>,
) -> Result<T, Rv> {
    if args.is_err() {
        instance.end_digest(session);
    }
    args
}

ck_fn! {
    /// C_DigestInit (§5.12.1).
    fn C_DigestInit(h_session: CK_SESSION_HANDLE, p_mechanism: *mut CK_MECHANISM) {
        let instance = module::instance()?;
        let mechanism = marshal::mechanism(p_mechanism)?;
        instance.digest_init(h_session, &mechanism)
    }
}

ck_fn! {
    /// C_Digest (§5.12.2): §5.2 length convention.
    fn C_Digest(
        h_session: CK_SESSION_HANDLE,
        p_data: *mut CK_BYTE,
        ul_data_len: CK_ULONG,
        p_digest: *mut CK_BYTE,
        pul_digest_len: *mut CK_ULONG,
    ) {
        let instance = module::instance()?;
        let args = slice(p_data, ul_data_len)
            .and_then(|data| Ok((data, OutBuffer::new(p_digest, pul_digest_len)?)));
        let (data, mut out) = or_end(&instance, h_session, args)?;
        instance.digest(h_session, data, &mut out)
    }
}

ck_fn! {
    /// C_DigestUpdate (§5.12.3).
    fn C_DigestUpdate(h_session: CK_SESSION_HANDLE, p_part: *mut CK_BYTE, ul_part_len: CK_ULONG) {
        let instance = module::instance()?;
        let part = or_end(&instance, h_session, slice(p_part, ul_part_len))?;
        instance.digest_update(h_session, part)
    }
}

ck_fn! {
    /// C_DigestKey (§5.12.4): the card's keys cannot be digested (secret keys only, and
    /// there are none): CKR_FUNCTION_NOT_SUPPORTED.
    fn C_DigestKey(_h_session: CK_SESSION_HANDLE, _h_key: CK_OBJECT_HANDLE) {
        module::instance()?;
        Err(Rv::FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DigestFinal (§5.12.5): §5.2 length convention.
    fn C_DigestFinal(h_session: CK_SESSION_HANDLE, p_digest: *mut CK_BYTE, pul_digest_len: *mut CK_ULONG) {
        let instance = module::instance()?;
        let mut out = or_end(&instance, h_session, OutBuffer::new(p_digest, pul_digest_len))?;
        instance.digest_final(h_session, &mut out)
    }
}
