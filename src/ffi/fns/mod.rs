//! The exported functions, one file per function group of PKCS#11 3.0 chapter 5.

pub mod digest;
pub mod general;
pub mod object;
mod operation;
pub mod random;
pub mod session;
pub mod sign;
pub mod slot_token;
pub mod unsupported;

use crate::cryptoki::instance::Instance;
use crate::cryptoki::{module, Rv};
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::write;
use cryptoki_sys::CK_ULONG;

/// A query function (C_GetSlotInfo, C_GetSessionInfo, …): not initialized comes first, then
/// a NULL `out` (CKR_ARGUMENTS_BAD, before any work), then `query`'s answer or error.
///
/// # Safety
/// `out` is NULL or valid for writing a `T`.
unsafe fn answer<T>(out: *mut T, query: impl FnOnce(&Instance) -> Result<T, Rv>) -> Result<(), Rv> {
    let instance = module::instance()?;
    if out.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    let value = query(&instance)?;
    // SAFETY: non-NULL and valid for writing a `T` (this function's contract).
    unsafe { write(out, value) }
}

/// A list function (C_GetSlotList, C_GetMechanismList): the §5.2 length convention.
///
/// # Safety
/// `count` is NULL or valid for reading and writing; `list` is NULL or valid for `*count` items.
unsafe fn list<T: Copy>(
    list: *mut T,
    count: *mut CK_ULONG,
    items: impl FnOnce(&Instance) -> Result<Vec<T>, Rv>,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: as this function's contract.
    let mut out = unsafe { OutBuffer::new(list, count) }?;
    out.deliver(&items(&instance)?)?;
    Ok(())
}
