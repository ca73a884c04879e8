//! The C side of the two multi-part operations, digest (§5.12) and sign (§5.13): one input
//! and a §5.2 output (C_Digest, C_Sign), parts (C_DigestUpdate, C_SignUpdate), the result
//! (C_DigestFinal, C_SignFinal). An argument error ends the operation too (§5.12.2, §5.13.2:
//! only CKR_BUFFER_TOO_SMALL and a length query keep it).

use crate::cryptoki::instance::Instance;
use crate::cryptoki::{module, Output, Rv};
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::slice;
use cryptoki_sys::*;

/// The two operations.
#[derive(Clone, Copy)]
pub(super) enum Op {
    /// Message digesting on the host: SHA-1, SHA-256, SHA-384, SHA-512.
    Digest,
    /// Signing on the card; a length query or a too-small buffer keeps the operation and the
    /// card's signature, made only once.
    Sign,
}

/// An operation as a type, so that `ck_fn!` can name `single::<Digest>`.
pub(super) trait Operation {
    const OP: Op;
}

pub(super) struct Digest;
pub(super) struct Sign;

impl Operation for Digest {
    const OP: Op = Op::Digest;
}

impl Operation for Sign {
    const OP: Op = Op::Sign;
}

impl Op {
    fn single(
        self,
        i: &Instance,
        s: CK_SESSION_HANDLE,
        data: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), Rv> {
        match self {
            Op::Digest => i.digest(s, data, out),
            Op::Sign => i.sign(s, data, out),
        }
    }

    fn update(self, i: &Instance, s: CK_SESSION_HANDLE, part: &[u8]) -> Result<(), Rv> {
        match self {
            Op::Digest => i.digest_update(s, part),
            Op::Sign => i.sign_update(s, part),
        }
    }

    fn last(self, i: &Instance, s: CK_SESSION_HANDLE, out: &mut dyn Output) -> Result<(), Rv> {
        match self {
            Op::Digest => i.digest_final(s, out),
            Op::Sign => i.sign_final(s, out),
        }
    }

    fn end(self, i: &Instance, s: CK_SESSION_HANDLE) {
        match self {
            Op::Digest => i.end_digest(s),
            Op::Sign => i.end_sign(s),
        }
    }
}

/// Bad arguments end the operation: `end` runs when `args` is an error.
fn or_end<T>(end: impl FnOnce(), args: Result<T, Rv>) -> Result<T, Rv> {
    if args.is_err() {
        end();
    }
    args
}

/// C_Digest, C_Sign: `data` whole, the result under the §5.2 length convention.
///
/// # Safety
/// `data` is NULL or valid for `data_len` bytes; `out` and `out_len` as §5.2 gives them.
pub(super) unsafe fn single<O: Operation>(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: as this function's contract (NULLs are checked).
    let args =
        unsafe { slice(data, data_len).and_then(|data| Ok((data, OutBuffer::new(out, out_len)?))) };
    let (data, mut out) = or_end(|| O::OP.end(&instance, session), args)?;
    O::OP.single(&instance, session, data, &mut out)
}

/// C_DigestUpdate, C_SignUpdate: one more part.
///
/// # Safety
/// `part` is NULL or valid for `part_len` bytes.
pub(super) unsafe fn update<O: Operation>(
    session: CK_SESSION_HANDLE,
    part: *mut CK_BYTE,
    part_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: as this function's contract (NULL with a length is refused).
    let part = unsafe { slice(part, part_len) };
    let part = or_end(|| O::OP.end(&instance, session), part)?;
    O::OP.update(&instance, session, part)
}

/// C_DigestFinal, C_SignFinal: the result under the §5.2 length convention.
///
/// # Safety
/// `out` and `out_len` as §5.2 gives them.
pub(super) unsafe fn last<O: Operation>(
    session: CK_SESSION_HANDLE,
    out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: as this function's contract (NULLs are checked).
    let out = unsafe { OutBuffer::new(out, out_len) };
    let mut out = or_end(|| O::OP.end(&instance, session), out)?;
    O::OP.last(&instance, session, &mut out)
}
