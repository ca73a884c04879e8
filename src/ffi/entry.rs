//! The one wrapper of every exported function.
//!
//! PKCS#11 3.0 §5.1: a function returns CKR_OK or one of its listed codes. A panic would
//! unwind into C (undefined behaviour) or abort the caller's process (a browser): it is
//! caught here and reported as CKR_GENERAL_ERROR, the code every function may return.

use crate::cryptoki::Rv;
use cryptoki_sys::{CKR_GENERAL_ERROR, CKR_OK, CK_RV};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs one entry point's body: trace on entry and exit, panic → CKR_GENERAL_ERROR,
/// `Result<(), Rv>` → CK_RV.
pub fn guard(name: &'static str, body: impl FnOnce() -> Result<(), Rv>) -> CK_RV {
    log::trace!("{name} >");
    // AssertUnwindSafe: after a panic the state machine's locks are released (parking_lot
    // does not poison) and every operation is left either whole or ended.
    let rv = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => CKR_OK,
        Ok(Err(rv)) => rv.0,
        Err(_) => {
            log::error!("{name}: panic caught at the C boundary");
            CKR_GENERAL_ERROR
        }
    };
    log::trace!("{name} < 0x{rv:08x}");
    rv
}

/// Declares an exported PKCS#11 function: `#[no_mangle] extern "C"`, body run by `guard`.
/// The body is a block evaluating to `Result<(), Rv>`.
macro_rules! ck_fn {
    ($(#[doc = $doc:expr])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[doc = $doc])*
        ///
        /// # Safety
        /// Called from C: every pointer is NULL or valid for the length the PKCS#11
        /// specification gives it; NULLs are checked here.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> cryptoki_sys::CK_RV {
            $crate::ffi::entry::guard(stringify!($name), || -> Result<(), $crate::cryptoki::Rv> { $body })
        }
    };
}
