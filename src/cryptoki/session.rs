//! Sessions and login (PKCS#11 3.0 §5.6 session management, §5.6 session states).
//!
//! A session belongs to one binding of one token: when the card goes, its sessions go
//! too. The login state is the token's (`BoundToken::login`), shared by all its sessions;
//! closing the last session of a token logs it out (§5.6 C_CloseSession).

use super::bound::{BoundToken, Login};
use super::digest::DigestOperation;
use super::instance::Instance;
use super::object::FindOperation;
use super::sign::SignOperation;
use super::slots::SlotState;
use super::Rv;
use crate::token::PinKind;
use crate::token::TokenError;
use cryptoki_sys::*;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// The operations a session may have active, one of each kind.
#[derive(Default)]
pub struct Operations {
    pub find: Option<FindOperation>,
    pub sign: Option<SignOperation>,
    pub digest: Option<DigestOperation>,
}

pub struct Session {
    pub slot_id: CK_SLOT_ID,
    pub binding: CK_ULONG,
    /// CKF_RW_SESSION
    pub read_write: bool,
    pub ops: Mutex<Operations>,
}

#[derive(Default)]
struct Sessions {
    map: HashMap<CK_SESSION_HANDLE, Arc<Session>>,
    last: CK_SESSION_HANDLE,
}

#[derive(Default)]
pub struct SessionTable {
    inner: Mutex<Sessions>,
}

impl SessionTable {
    fn insert(
        &self,
        slot_id: CK_SLOT_ID,
        binding: CK_ULONG,
        read_write: bool,
    ) -> CK_SESSION_HANDLE {
        let mut inner = self.inner.lock();
        // Never 0 (CK_INVALID_HANDLE) and never reused while the instance lives.
        inner.last += 1;
        let handle = inner.last;
        inner.map.insert(
            handle,
            Arc::new(Session {
                slot_id,
                binding,
                read_write,
                ops: Mutex::new(Operations::default()),
            }),
        );
        handle
    }

    pub fn get(&self, handle: CK_SESSION_HANDLE) -> Result<Arc<Session>, Rv> {
        self.inner
            .lock()
            .map
            .get(&handle)
            .cloned()
            .ok_or(Rv::SESSION_HANDLE_INVALID)
    }

    fn remove(&self, handle: CK_SESSION_HANDLE) -> Option<Arc<Session>> {
        self.inner.lock().map.remove(&handle)
    }

    /// Closes every session of a token binding (card removed).
    pub fn remove_binding(&self, binding: CK_ULONG) {
        self.inner.lock().map.retain(|_, s| s.binding != binding);
    }

    fn remove_slot(&self, slot_id: CK_SLOT_ID) {
        self.inner.lock().map.retain(|_, s| s.slot_id != slot_id);
    }

    /// (all sessions, read-write sessions) of a binding.
    pub fn count(&self, binding: CK_ULONG) -> (usize, usize) {
        let inner = self.inner.lock();
        let of_binding = inner.map.values().filter(|s| s.binding == binding);
        let (all, rw) = of_binding.fold((0, 0), |(all, rw), s| {
            (all + 1, rw + usize::from(s.read_write))
        });
        (all, rw)
    }
}

/// C_Login's view of a token error. A PIN of the wrong length or with non-digits is
/// rejected by the token before any APDU (no try spent) and answered CKR_PIN_INCORRECT:
/// C_Login's own list (§5.6.8) has no CKR_PIN_LEN_RANGE / CKR_PIN_INVALID (those are for
/// the functions that set a PIN, §5.5.8–9), and browsers ask for the PIN again on it.
pub(super) fn login_rv(e: TokenError) -> Rv {
    match e {
        TokenError::PinIncorrect | TokenError::PinLenRange | TokenError::PinInvalid => {
            Rv(CKR_PIN_INCORRECT)
        }
        TokenError::PinLocked => Rv(CKR_PIN_LOCKED),
        TokenError::DeviceRemoved => Rv::DEVICE_REMOVED,
        TokenError::DeviceError => Rv(CKR_DEVICE_ERROR),
        TokenError::Busy => Rv::FUNCTION_FAILED,
        TokenError::UserNotLoggedIn
        | TokenError::DataLenRange
        | TokenError::FunctionNotSupported
        | TokenError::KeyHandleInvalid => Rv::FUNCTION_FAILED,
    }
}

impl Instance {
    /// Runs `f` on a session and its token, the token's presence checked first. A token
    /// gone since the session was opened: CKR_DEVICE_REMOVED now, and the session is
    /// closed (CKR_SESSION_HANDLE_INVALID afterwards).
    pub(super) fn with_token<R>(
        &self,
        handle: CK_SESSION_HANDLE,
        f: impl FnOnce(&Session, &mut Operations, &mut BoundToken) -> Result<R, Rv>,
    ) -> Result<R, Rv> {
        let session = self.sessions.get(handle)?;
        let mut ops = session.ops.lock();
        let slot = self.slots.get(session.slot_id)?;
        let mut state = self.probe(&slot);
        let result = match state.token.as_mut() {
            Some(token) if token.binding == session.binding => {
                let result = f(&session, &mut ops, token);
                // A reset seen during the operation ends the login for every session now.
                token.follow_card_login();
                result
            }
            _ => {
                self.sessions.remove_binding(session.binding);
                return Err(Rv::DEVICE_REMOVED);
            }
        };
        if result.as_ref().err() == Some(&Rv::DEVICE_REMOVED) {
            self.drop_token(&slot, &mut state);
        }
        result
    }

    /// Runs `f` on a session's operations without touching its token (digests).
    pub(super) fn with_session<R>(
        &self,
        handle: CK_SESSION_HANDLE,
        f: impl FnOnce(&mut Operations) -> Result<R, Rv>,
    ) -> Result<R, Rv> {
        let session = self.sessions.get(handle)?;
        let mut ops = session.ops.lock();
        f(&mut ops)
    }

    /// `Ok` while `handle` names an open session (functions that check nothing else of it).
    pub fn check_session(&self, handle: CK_SESSION_HANDLE) -> Result<(), Rv> {
        self.sessions.get(handle).map(|_| ())
    }

    /// C_OpenSession (§5.6). CKF_SERIAL_SESSION is mandatory; read-write sessions are
    /// accepted (C_SetPIN needs one) although the token itself is write-protected.
    pub fn open_session(
        &self,
        slot_id: CK_SLOT_ID,
        flags: CK_FLAGS,
    ) -> Result<CK_SESSION_HANDLE, Rv> {
        if flags & CKF_SERIAL_SESSION == 0 {
            return Err(Rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED));
        }
        let read_write = flags & CKF_RW_SESSION != 0;
        let slot = self.slots.get(slot_id)?;
        let state = self.probe(&slot);
        let token = state.token.as_ref().ok_or(Rv::TOKEN_NOT_PRESENT)?;
        if !read_write && token.login == Login::So {
            return Err(Rv(CKR_SESSION_READ_WRITE_SO_EXISTS));
        }
        Ok(self.sessions.insert(slot_id, token.binding, read_write))
    }

    /// C_CloseSession (§5.6): the last session of a token logs it out.
    pub fn close_session(&self, handle: CK_SESSION_HANDLE) -> Result<(), Rv> {
        let session = self
            .sessions
            .remove(handle)
            .ok_or(Rv::SESSION_HANDLE_INVALID)?;
        if self.sessions.count(session.binding).0 == 0 {
            self.log_out_binding(session.slot_id, Some(session.binding));
        }
        Ok(())
    }

    /// C_CloseAllSessions (§5.6): closes the slot's sessions and logs its token out.
    pub fn close_all_sessions(&self, slot_id: CK_SLOT_ID) -> Result<(), Rv> {
        self.slots.get(slot_id)?;
        self.sessions.remove_slot(slot_id);
        self.log_out_binding(slot_id, None);
        Ok(())
    }

    /// C_Finalize closes every session (§5.4.2), so every token is logged out: the card
    /// must not stay verified for the next application once this one is done.
    pub(super) fn log_out_all(&self) {
        for slot in self.slots.all() {
            self.log_out_binding(slot.id, None);
        }
    }

    /// The process is exiting without C_Finalize (the module's destructor, ffi): a token
    /// that would leave its card unlocked for others (TS-CNS) is logged out as at
    /// C_Finalize; the others are left alone (a CIE's login dies with the process's secure
    /// messaging keys, and card traffic at exit can leave the card to pcscd's cleanup). A
    /// slot another thread still holds is skipped after `wait` rather than hanging the exit.
    pub(crate) fn log_out_all_at_exit(&self, wait: std::time::Duration) {
        for slot in self.slots.all() {
            if let Some(mut state) = slot.try_lock_for(wait) {
                let unlocked = state
                    .token
                    .as_ref()
                    .is_some_and(|t| t.device.leaves_card_unlocked());
                if unlocked {
                    Self::log_out_token(slot.id, &mut state, None);
                }
            }
        }
    }

    fn log_out_binding(&self, slot_id: CK_SLOT_ID, binding: Option<CK_ULONG>) {
        let Ok(slot) = self.slots.get(slot_id) else {
            return;
        };
        Self::log_out_token(slot_id, &mut slot.lock(), binding);
    }

    /// Ends the login of the slot's token (of `binding`, if given).
    fn log_out_token(slot_id: CK_SLOT_ID, state: &mut SlotState, binding: Option<CK_ULONG>) {
        if let Some(token) = state.token.as_mut() {
            if binding.is_none_or(|b| b == token.binding) && token.login != Login::Public {
                token.login = Login::Public;
                if let Err(e) = token.device.logout() {
                    log::debug!("slot {slot_id}: logout after the last session: {e:?}");
                }
            }
        }
    }

    /// C_GetSessionInfo (§5.6): the state follows from RO/RW and the token's login (§5.6 figures).
    pub fn session_info(&self, handle: CK_SESSION_HANDLE) -> Result<CK_SESSION_INFO, Rv> {
        self.with_token(handle, |session, _, token| {
            let state = match (session.read_write, token.login) {
                (false, Login::Public | Login::PukContext) => CKS_RO_PUBLIC_SESSION,
                (false, _) => CKS_RO_USER_FUNCTIONS,
                (true, Login::Public | Login::PukContext) => CKS_RW_PUBLIC_SESSION,
                (true, Login::User) => CKS_RW_USER_FUNCTIONS,
                (true, Login::So) => CKS_RW_SO_FUNCTIONS,
            };
            let rw = if session.read_write {
                CKF_RW_SESSION
            } else {
                0
            };
            Ok(CK_SESSION_INFO {
                slotID: session.slot_id,
                state,
                flags: CKF_SERIAL_SESSION | rw,
                ulDeviceError: 0,
            })
        })
    }

    /// C_Login (§5.6). CKU_USER verifies the PIN on the card, CKU_SO the PUK (the token
    /// checks the format first, so a typo never spends a try). CKU_CONTEXT_SPECIFIC
    /// re-verifies the PIN for the active signature, or — in a public R/W session with no
    /// operation — keeps the PUK, format-checked, for the C_SetPIN that follows, whose
    /// unblock verifies it (`Login::PukContext`, issue #11: no PUK sent unless an unblock
    /// follows).
    pub fn login(
        &self,
        handle: CK_SESSION_HANDLE,
        user: CK_USER_TYPE,
        pin: &[u8],
    ) -> Result<(), Rv> {
        self.with_token(handle, |session, ops, token| match user {
            CKU_USER => match token.login {
                Login::User => Err(Rv(CKR_USER_ALREADY_LOGGED_IN)),
                Login::So | Login::PukContext => Err(Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)),
                Login::Public => {
                    token.device.login(PinKind::User, pin).map_err(login_rv)?;
                    token.login = Login::User;
                    Ok(())
                }
            },
            CKU_SO => match token.login {
                Login::So => Err(Rv(CKR_USER_ALREADY_LOGGED_IN)),
                Login::User | Login::PukContext => Err(Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)),
                // §5.6: the SO only logs in when no read-only session exists.
                Login::Public if self.has_read_only_session(token.binding) => {
                    Err(Rv(CKR_SESSION_READ_ONLY_EXISTS))
                }
                // The SO's PIN is the PUK: VERIFY PUK (cns.md §4 ref 11, cie.md §6 ref 82).
                Login::Public => {
                    token.device.login(PinKind::Puk, pin).map_err(login_rv)?;
                    token.login = Login::So;
                    Ok(())
                }
            },
            CKU_CONTEXT_SPECIFIC => match (token.login, ops.sign.is_some()) {
                // §5.6.8: re-authentication for the active signature.
                (Login::User, true) => token.device.login(PinKind::User, pin).map_err(login_rv),
                // The unblock convention of OpenSC and pkcs11-tool (`Login::PukContext`); only
                // where a C_SetPIN may follow, and the PUK is verified only by the unblock
                // itself, so that a stray context-specific login never spends a PUK try.
                (Login::Public, false) if session.read_write => {
                    token.device.keep_puk_for_unblock(pin).map_err(login_rv)?;
                    token.login = Login::PukContext;
                    Ok(())
                }
                // CKR_USER_NOT_LOGGED_IN is not a C_Login code: without the user's
                // login there is no signature to re-authenticate.
                _ => Err(Rv::OPERATION_NOT_INITIALIZED),
            },
            _ => Err(Rv(CKR_USER_TYPE_INVALID)),
        })
    }

    fn has_read_only_session(&self, binding: CK_ULONG) -> bool {
        let (all, rw) = self.sessions.count(binding);
        all > rw
    }

    /// C_Logout (§5.6): for every session of the token.
    pub fn logout(&self, handle: CK_SESSION_HANDLE) -> Result<(), Rv> {
        self.with_token(handle, |_, _, token| {
            if token.login == Login::Public {
                return Err(Rv::USER_NOT_LOGGED_IN);
            }
            token.login = Login::Public;
            match token.device.logout() {
                Err(TokenError::DeviceRemoved) => Err(Rv::DEVICE_REMOVED),
                Err(e) => {
                    log::debug!("logout: {e:?}");
                    Ok(())
                }
                Ok(()) => Ok(()),
            }
        })
    }
}
