//! The exported functions, one file per function group of PKCS#11 3.0 chapter 5.

pub mod digest;
pub mod general;
pub mod object;
pub mod random;
pub mod session;
pub mod sign;
pub mod slot_token;
pub mod unsupported;

use crate::cryptoki::Rv;

/// Bad arguments end a digest or signature operation too (§5.12.2, §5.13.2: only
/// CKR_BUFFER_TOO_SMALL and a length query keep it): `end` runs when `args` is an error.
fn or_end<T>(end: impl FnOnce(), args: Result<T, Rv>) -> Result<T, Rv> {
    if args.is_err() {
        end();
    }
    args
}
