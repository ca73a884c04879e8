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

/// Exports a PKCS#11 function in one line: `ck_fn!(C_Sign => sign(CK_SESSION_HANDLE, …));`
/// declares `#[no_mangle] extern "C" fn C_Sign` with those argument types, which runs the
/// plain (rustfmt-formatted) `unsafe fn sign` under `guard`.
macro_rules! ck_fn {
    ($name:ident => $body:ident $(::<$op:ty>)? ($($ty:ty),* $(,)?)) => {
        ck_fn!(@args $name ($body $(::<$op>)?) [$($ty),*] [a0 a1 a2 a3 a4 a5 a6 a7] []);
    };
    (@args $name:ident $body:tt [$ty:ty $(, $rest:ty)*] [$arg:ident $($args:ident)*] [$($done:tt)*]) => {
        ck_fn!(@args $name $body [$($rest),*] [$($args)*] [$($done)* $arg: $ty,]);
    };
    (@args $name:ident $body:tt [] [$($unused:ident)*] [$($arg:ident: $ty:ty,)*]) => {
        #[doc = concat!("`", stringify!($name), "`: see `", stringify!($body), "`.")]
        ///
        /// # Safety
        /// Called from C: every pointer is NULL or valid for the length the PKCS#11
        /// specification gives it; NULLs are checked.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> cryptoki_sys::CK_RV {
            // SAFETY: the caller keeps the contract of the function's PKCS#11 signature,
            // which is all `$body` assumes.
            $crate::ffi::entry::guard(stringify!($name), || unsafe { $body($($arg),*) })
        }
    };
}

/// Exports the functions this token does not offer, one table row each: the C argument
/// types and the one code PKCS#11 3.0 gives for the case (reasons: pkcs11-spec/functions.tsv).
/// Arguments are not inspected; before C_Initialize they answer CKR_CRYPTOKI_NOT_INITIALIZED.
macro_rules! unsupported {
    ($($name:ident($($ty:ty),* $(,)?) => $rv:ident;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`: `", stringify!($rv), "` (pkcs11-spec/functions.tsv).")]
            #[no_mangle]
            pub extern "C" fn $name($(_: $ty),*) -> cryptoki_sys::CK_RV {
                $crate::ffi::entry::guard(stringify!($name), || {
                    $crate::cryptoki::module::instance()?;
                    Err($crate::cryptoki::Rv(cryptoki_sys::$rv))
                })
            }
        )*
    };
}
