//! Slot and token management (PKCS#11 3.0 §5.5).

use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::write;
use cryptoki_sys::*;
use std::ffi::c_void;

ck_fn! {
    /// C_GetSlotList (§5.5.1): one slot per PC/SC reader; the reader list is re-read when
    /// pSlotList is NULL. No PC/SC service: CKR_OK and no slots.
    fn C_GetSlotList(token_present: CK_BBOOL, p_slot_list: *mut CK_SLOT_ID, pul_count: *mut CK_ULONG) {
        let instance = module::instance()?;
        let mut out = OutBuffer::new(p_slot_list, pul_count)?;
        let slots = instance.slot_list(token_present != CK_FALSE, p_slot_list.is_null());
        out.deliver(&slots)?;
        Ok(())
    }
}

ck_fn! {
    /// C_GetSlotInfo (§5.5.2): removable hardware slot; CKF_TOKEN_PRESENT with a supported card.
    fn C_GetSlotInfo(slot_id: CK_SLOT_ID, p_info: *mut CK_SLOT_INFO) {
        let instance = module::instance()?;
        if p_info.is_null() {
            return Err(Rv::ARGUMENTS_BAD);
        }
        write(p_info, instance.slot_info(slot_id)?)
    }
}

ck_fn! {
    /// C_GetTokenInfo (§5.5.3): CKR_TOKEN_NOT_PRESENT without a supported card.
    fn C_GetTokenInfo(slot_id: CK_SLOT_ID, p_info: *mut CK_TOKEN_INFO) {
        let instance = module::instance()?;
        if p_info.is_null() {
            return Err(Rv::ARGUMENTS_BAD);
        }
        write(p_info, instance.token_info(slot_id)?)
    }
}

ck_fn! {
    /// C_WaitForSlotEvent (§5.5.4): CKF_DONT_BLOCK → CKR_NO_EVENT when nothing changed;
    /// blocking waits end with C_Finalize (CKR_CRYPTOKI_NOT_INITIALIZED).
    fn C_WaitForSlotEvent(flags: CK_FLAGS, p_slot: *mut CK_SLOT_ID, p_reserved: *mut c_void) {
        let instance = module::instance()?;
        if p_slot.is_null() || !p_reserved.is_null() {
            return Err(Rv::ARGUMENTS_BAD);
        }
        // The instance is not held by any lock while blocked here: C_Finalize proceeds.
        write(p_slot, instance.wait_for_slot_event(flags)?)
    }
}

ck_fn! {
    /// C_GetMechanismList (§5.5.5): the card's signature mechanisms and the host digests.
    fn C_GetMechanismList(slot_id: CK_SLOT_ID, p_mechanism_list: *mut CK_MECHANISM_TYPE, pul_count: *mut CK_ULONG) {
        let instance = module::instance()?;
        let mut out = OutBuffer::new(p_mechanism_list, pul_count)?;
        out.deliver(&instance.mechanism_list(slot_id)?)?;
        Ok(())
    }
}

ck_fn! {
    /// C_GetMechanismInfo (§5.5.6).
    fn C_GetMechanismInfo(slot_id: CK_SLOT_ID, mechanism: CK_MECHANISM_TYPE, p_info: *mut CK_MECHANISM_INFO) {
        let instance = module::instance()?;
        if p_info.is_null() {
            return Err(Rv::ARGUMENTS_BAD);
        }
        write(p_info, instance.mechanism_info(slot_id, mechanism)?)
    }
}

ck_fn! {
    /// C_InitPIN (§5.5.8): in the R/W SO Functions state (SO = PUK login), unblocks the user
    /// PIN with the PUK and sets the new one; not logged in as SO: CKR_USER_NOT_LOGGED_IN;
    /// read-only session: CKR_SESSION_READ_ONLY. The PIN is copied into zeroized memory only.
    fn C_InitPIN(h_session: CK_SESSION_HANDLE, p_pin: *mut CK_UTF8CHAR, ul_pin_len: CK_ULONG) {
        let instance = module::instance()?;
        let new = marshal::pin(p_pin, ul_pin_len)?;
        instance.init_pin(h_session, &new)
    }
}

ck_fn! {
    /// C_SetPIN (§5.5.9): changes the user PIN (R/W public or user session), unblocks it with
    /// the PUK given as old PIN when it is blocked (public session) or after a context-specific
    /// PUK login; the SO's PIN (PUK) cannot be changed: CKR_FUNCTION_NOT_SUPPORTED. Both PINs
    /// are copied into zeroized memory only and never logged.
    fn C_SetPIN(h_session: CK_SESSION_HANDLE, p_old_pin: *mut CK_UTF8CHAR, ul_old_len: CK_ULONG, p_new_pin: *mut CK_UTF8CHAR, ul_new_len: CK_ULONG) {
        let instance = module::instance()?;
        let old = marshal::pin(p_old_pin, ul_old_len)?;
        let new = marshal::pin(p_new_pin, ul_new_len)?;
        instance.set_pin(h_session, &old, &new)
    }
}
