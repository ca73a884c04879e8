//! Session management (PKCS#11 3.0 §5.6).

use super::answer;
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
use crate::ffi::ptr::usize_of;
use cryptoki_sys::*;
use std::ffi::c_void;

ck_fn!(C_OpenSession => open_session(CK_SLOT_ID, CK_FLAGS, *mut c_void, CK_NOTIFY, *mut CK_SESSION_HANDLE));

/// C_OpenSession (§5.6.1): CKF_SERIAL_SESSION required (else
/// CKR_SESSION_PARALLEL_NOT_SUPPORTED); read-only and read-write sessions. Notify
/// callbacks are never called (the module makes no surrender calls).
unsafe fn open_session(
    slot_id: CK_SLOT_ID,
    flags: CK_FLAGS,
    _p_application: *mut c_void,
    _notify: CK_NOTIFY,
    ph_session: *mut CK_SESSION_HANDLE,
) -> Result<(), Rv> {
    // SAFETY: `ph_session` is NULL or valid for writing the answer.
    unsafe { answer(ph_session, |i| i.open_session(slot_id, flags)) }
}

ck_fn!(C_CloseSession => close_session(CK_SESSION_HANDLE));

/// C_CloseSession (§5.6.2): the token's last session logs it out.
unsafe fn close_session(h_session: CK_SESSION_HANDLE) -> Result<(), Rv> {
    module::instance()?.close_session(h_session)
}

ck_fn!(C_CloseAllSessions => close_all_sessions(CK_SLOT_ID));

/// C_CloseAllSessions (§5.6.3).
unsafe fn close_all_sessions(slot_id: CK_SLOT_ID) -> Result<(), Rv> {
    module::instance()?.close_all_sessions(slot_id)
}

ck_fn!(C_GetSessionInfo => get_session_info(CK_SESSION_HANDLE, *mut CK_SESSION_INFO));

/// C_GetSessionInfo (§5.6.4): state from RO/RW and the token's login.
unsafe fn get_session_info(
    h_session: CK_SESSION_HANDLE,
    p_info: *mut CK_SESSION_INFO,
) -> Result<(), Rv> {
    // SAFETY: `p_info` is NULL or valid for writing the answer.
    unsafe { answer(p_info, |i| i.session_info(h_session)) }
}

ck_fn!(C_Login => login(CK_SESSION_HANDLE, CK_USER_TYPE, *mut CK_UTF8CHAR, CK_ULONG));

/// C_Login (§5.6.8): CKU_USER with the PIN, CKU_SO with the PUK (CKR_SESSION_READ_ONLY_EXISTS
/// with a read-only session), both copied into zeroized memory only and never logged;
/// CKU_CONTEXT_SPECIFIC re-verifies the PIN for an active signature, or keeps the PUK in a
/// public R/W session for the C_SetPIN that unblocks the PIN (and verifies it then).
unsafe fn login(
    h_session: CK_SESSION_HANDLE,
    user_type: CK_USER_TYPE,
    p_pin: *mut CK_UTF8CHAR,
    ul_pin_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    instance.check_login_pin_len(h_session, usize_of(ul_pin_len)?)?;
    // SAFETY: `p_pin` is NULL or valid for `ul_pin_len` bytes (the PIN), no longer than
    // the card's longest PIN (checked above).
    let pin = unsafe { marshal::pin(p_pin, ul_pin_len) }?;
    instance.login(h_session, user_type, &pin)
}

ck_fn!(C_Logout => logout(CK_SESSION_HANDLE));

/// C_Logout (§5.6.10).
unsafe fn logout(h_session: CK_SESSION_HANDLE) -> Result<(), Rv> {
    module::instance()?.logout(h_session)
}
