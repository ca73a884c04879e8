//! Slot and token management (PKCS#11 3.0 §5.5).

use super::{answer, list};
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
use crate::ffi::ptr::usize_of;
use crate::ffi::ptr::write;
use cryptoki_sys::*;
use std::ffi::c_void;

ck_fn!(C_GetSlotList => get_slot_list(CK_BBOOL, *mut CK_SLOT_ID, *mut CK_ULONG));

/// C_GetSlotList (§5.5.1): one slot per PC/SC reader; the reader list is re-read when
/// pSlotList is NULL. No PC/SC service: CKR_OK and no slots.
unsafe fn get_slot_list(
    token_present: CK_BBOOL,
    p_slot_list: *mut CK_SLOT_ID,
    pul_count: *mut CK_ULONG,
) -> Result<(), Rv> {
    let refresh = p_slot_list.is_null();
    // SAFETY: `p_slot_list` and `pul_count` are NULL or valid as §5.2 gives them.
    unsafe {
        list(p_slot_list, pul_count, |i| {
            Ok(i.slot_list(token_present != CK_FALSE, refresh))
        })
    }
}

ck_fn!(C_GetSlotInfo => get_slot_info(CK_SLOT_ID, *mut CK_SLOT_INFO));

/// C_GetSlotInfo (§5.5.2): removable hardware slot; CKF_TOKEN_PRESENT with a supported card.
unsafe fn get_slot_info(slot_id: CK_SLOT_ID, p_info: *mut CK_SLOT_INFO) -> Result<(), Rv> {
    // SAFETY: `p_info` is NULL or valid for writing the answer.
    unsafe { answer(p_info, |i| i.slot_info(slot_id)) }
}

ck_fn!(C_GetTokenInfo => get_token_info(CK_SLOT_ID, *mut CK_TOKEN_INFO));

/// C_GetTokenInfo (§5.5.3): CKR_TOKEN_NOT_PRESENT without a supported card.
unsafe fn get_token_info(slot_id: CK_SLOT_ID, p_info: *mut CK_TOKEN_INFO) -> Result<(), Rv> {
    // SAFETY: `p_info` is NULL or valid for writing the answer.
    unsafe { answer(p_info, |i| i.token_info(slot_id)) }
}

ck_fn!(C_WaitForSlotEvent => wait_for_slot_event(CK_FLAGS, *mut CK_SLOT_ID, *mut c_void));

/// C_WaitForSlotEvent (§5.5.4): CKF_DONT_BLOCK → CKR_NO_EVENT when nothing changed;
/// blocking waits end with C_Finalize (CKR_CRYPTOKI_NOT_INITIALIZED).
unsafe fn wait_for_slot_event(
    flags: CK_FLAGS,
    p_slot: *mut CK_SLOT_ID,
    p_reserved: *mut c_void,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    if p_slot.is_null() || !p_reserved.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    // The instance is not held by any lock while blocked here: C_Finalize proceeds.
    // SAFETY: `p_slot` is NULL or valid for writing one value (NULL is refused).
    unsafe { write(p_slot, instance.wait_for_slot_event(flags)?) }
}

ck_fn!(C_GetMechanismList => get_mechanism_list(CK_SLOT_ID, *mut CK_MECHANISM_TYPE, *mut CK_ULONG));

/// C_GetMechanismList (§5.5.5): the card's signature mechanisms and the host digests.
unsafe fn get_mechanism_list(
    slot_id: CK_SLOT_ID,
    p_mechanism_list: *mut CK_MECHANISM_TYPE,
    pul_count: *mut CK_ULONG,
) -> Result<(), Rv> {
    // SAFETY: `p_mechanism_list` and `pul_count` are NULL or valid as §5.2 gives them.
    unsafe { list(p_mechanism_list, pul_count, |i| i.mechanism_list(slot_id)) }
}

ck_fn!(C_GetMechanismInfo => get_mechanism_info(CK_SLOT_ID, CK_MECHANISM_TYPE, *mut CK_MECHANISM_INFO));

/// C_GetMechanismInfo (§5.5.6).
unsafe fn get_mechanism_info(
    slot_id: CK_SLOT_ID,
    mechanism: CK_MECHANISM_TYPE,
    p_info: *mut CK_MECHANISM_INFO,
) -> Result<(), Rv> {
    // SAFETY: `p_info` is NULL or valid for writing the answer.
    unsafe { answer(p_info, |i| i.mechanism_info(slot_id, mechanism)) }
}

ck_fn!(C_InitPIN => init_pin(CK_SESSION_HANDLE, *mut CK_UTF8CHAR, CK_ULONG));

/// C_InitPIN (§5.5.8): in the R/W SO Functions state (SO = PUK login), unblocks the user
/// PIN with the PUK and sets the new one; not logged in as SO: CKR_USER_NOT_LOGGED_IN;
/// read-only session: CKR_SESSION_READ_ONLY. The PIN is copied into zeroized memory only.
unsafe fn init_pin(
    h_session: CK_SESSION_HANDLE,
    p_pin: *mut CK_UTF8CHAR,
    ul_pin_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    instance.check_set_pin_len(h_session, usize_of(ul_pin_len)?)?;
    // SAFETY: `p_pin` is NULL or valid for `ul_pin_len` bytes (the PIN), checked above.
    let new = unsafe { marshal::pin(p_pin, ul_pin_len) }?;
    instance.init_pin(h_session, &new)
}

ck_fn!(C_SetPIN => set_pin(CK_SESSION_HANDLE, *mut CK_UTF8CHAR, CK_ULONG, *mut CK_UTF8CHAR, CK_ULONG));

/// C_SetPIN (§5.5.9): changes the user PIN (R/W public or user session), unblocks it with
/// the PUK given as old PIN when it is blocked (public session) or after a context-specific
/// PUK login; the SO's PIN (PUK) cannot be changed: CKR_FUNCTION_NOT_SUPPORTED. Both PINs
/// are copied into zeroized memory only and never logged.
unsafe fn set_pin(
    h_session: CK_SESSION_HANDLE,
    p_old_pin: *mut CK_UTF8CHAR,
    ul_old_len: CK_ULONG,
    p_new_pin: *mut CK_UTF8CHAR,
    ul_new_len: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    instance.check_set_pin_len(h_session, usize_of(ul_old_len)?)?;
    instance.check_set_pin_len(h_session, usize_of(ul_new_len)?)?;
    // SAFETY: `p_old_pin` is NULL or valid for `ul_old_len` bytes (the PIN), checked above.
    let old = unsafe { marshal::pin(p_old_pin, ul_old_len) }?;
    // SAFETY: `p_new_pin` is NULL or valid for `ul_new_len` bytes (the PIN).
    let new = unsafe { marshal::pin(p_new_pin, ul_new_len) }?;
    instance.set_pin(h_session, &old, &new)
}
