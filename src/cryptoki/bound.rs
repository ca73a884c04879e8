//! A token bound in a slot: the device, who is logged in, and its object handles.
//!
//! Login state belongs to the token, not to a session: PKCS#11 3.0 §5.6 ("all sessions
//! of an application with a token share the login state"). Object handles are fresh for
//! each binding, so a handle from a removed card never names an object of the next one.

use super::device::Device;
use crate::token::{ObjectIndex, TokenObject};
use cryptoki_sys::{CK_OBJECT_HANDLE, CK_ULONG};

/// Who is logged in to the token (§5.6: the user or the SO, never both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    Public,
    User,
    /// The PUK was verified (C_Login CKU_SO); C_InitPIN unblocks the user PIN with it.
    So,
    /// The PUK was given to C_Login(CKU_CONTEXT_SPECIFIC) in a public R/W session (kept, not
    /// yet verified: the unblock verifies it), the
    /// OpenSC "set_pin_in_specific_context" convention pkcs11-tool follows with `--login
    /// --login-type context-specific --unlock-pin`: the next C_SetPIN unblocks the PIN, then
    /// the context ends. Sessions still show the public state; nothing private is visible.
    PukContext,
}

pub struct BoundToken {
    pub device: Box<dyn Device>,
    /// Identifies this binding: sessions opened on it die with it.
    pub binding: CK_ULONG,
    pub login: Login,
    first_handle: CK_OBJECT_HANDLE,
}

impl BoundToken {
    pub fn new(device: Box<dyn Device>, binding: CK_ULONG, first_handle: CK_OBJECT_HANDLE) -> Self {
        BoundToken {
            device,
            binding,
            login: Login::Public,
            first_handle,
        }
    }

    /// A reset or removal the token saw ended the login: every session of this token is
    /// public again (DESIGN.md "Security state"), so the next private operation answers
    /// CKR_USER_NOT_LOGGED_IN and new sessions open public.
    pub fn follow_card_login(&mut self) {
        if self.device.take_login_lost() && self.login != Login::Public {
            log::info!("the card was reset: the token is logged out");
            self.login = Login::Public;
        }
    }

    /// Private objects are visible only to the logged-in user (PKCS#11 3.0 §4.4.1 CKA_PRIVATE).
    pub fn is_visible(&self, object: &TokenObject) -> bool {
        !object.private || self.login == Login::User
    }

    pub fn handle_of(&self, index: ObjectIndex) -> CK_OBJECT_HANDLE {
        self.first_handle + index as CK_OBJECT_HANDLE
    }

    /// The object behind `handle`, visible or not.
    pub fn object(&self, handle: CK_OBJECT_HANDLE) -> Option<(ObjectIndex, &TokenObject)> {
        let index = usize::try_from(handle.checked_sub(self.first_handle)?).ok()?;
        self.device.objects().get(index).map(|o| (index, o))
    }

    /// The object behind `handle` if this session may see it (else CKR_OBJECT_HANDLE_INVALID).
    pub fn visible_object(&self, handle: CK_OBJECT_HANDLE) -> Option<(ObjectIndex, &TokenObject)> {
        self.object(handle).filter(|(_, o)| self.is_visible(o))
    }

    /// Handles of the visible objects, in token order.
    pub fn visible_handles(&self) -> impl Iterator<Item = (CK_OBJECT_HANDLE, &TokenObject)> {
        self.device
            .objects()
            .iter()
            .enumerate()
            .filter(|(_, o)| self.is_visible(o))
            .map(|(i, o)| (self.handle_of(i), o))
    }
}
