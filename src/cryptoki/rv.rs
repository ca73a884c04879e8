//! `Rv`: a PKCS#11 return value other than CKR_OK, the error type of the whole state machine.
//!
//! Every fallible function in `cryptoki` returns `Result<T, Rv>`; the C layer turns it into
//! a CK_RV (PKCS#11 3.0 §5.1: CKR_OK on success, one of the function's listed codes otherwise).

use cryptoki_sys::*;

/// A CK_RV that is not CKR_OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rv(pub CK_RV);

impl Rv {
    pub const ARGUMENTS_BAD: Rv = Rv(CKR_ARGUMENTS_BAD);
    pub const BUFFER_TOO_SMALL: Rv = Rv(CKR_BUFFER_TOO_SMALL);
    pub const FUNCTION_FAILED: Rv = Rv(CKR_FUNCTION_FAILED);
    pub const FUNCTION_NOT_SUPPORTED: Rv = Rv(CKR_FUNCTION_NOT_SUPPORTED);
    pub const GENERAL_ERROR: Rv = Rv(CKR_GENERAL_ERROR);
    pub const NOT_INITIALIZED: Rv = Rv(CKR_CRYPTOKI_NOT_INITIALIZED);
    pub const OPERATION_ACTIVE: Rv = Rv(CKR_OPERATION_ACTIVE);
    pub const OPERATION_NOT_INITIALIZED: Rv = Rv(CKR_OPERATION_NOT_INITIALIZED);
    pub const SESSION_HANDLE_INVALID: Rv = Rv(CKR_SESSION_HANDLE_INVALID);
    pub const SLOT_ID_INVALID: Rv = Rv(CKR_SLOT_ID_INVALID);
    pub const TOKEN_NOT_PRESENT: Rv = Rv(CKR_TOKEN_NOT_PRESENT);
    pub const DEVICE_REMOVED: Rv = Rv(CKR_DEVICE_REMOVED);
    pub const MECHANISM_INVALID: Rv = Rv(CKR_MECHANISM_INVALID);
    pub const MECHANISM_PARAM_INVALID: Rv = Rv(CKR_MECHANISM_PARAM_INVALID);
    pub const DATA_LEN_RANGE: Rv = Rv(CKR_DATA_LEN_RANGE);
    pub const USER_NOT_LOGGED_IN: Rv = Rv(CKR_USER_NOT_LOGGED_IN);
}

impl std::fmt::Display for Rv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CKR 0x{:08x}", self.0)
    }
}
