//! C_InitPIN and C_SetPIN (PKCS#11 3.0 §5.5.8, §5.5.9): which PIN operation each session
//! state means. The card work, the format checks and the PUK itself stay in the token.
//!
//! | state (§5.6)                        | C_SetPIN(old, new)                          | C_InitPIN(new)          |
//! |-------------------------------------|---------------------------------------------|-------------------------|
//! | R/W Public                          | change; unblock when the PIN is blocked     | CKR_USER_NOT_LOGGED_IN  |
//! | R/W Public after context-specific   | unblock with the PUK of that login          | CKR_USER_NOT_LOGGED_IN  |
//! | R/W User Functions                  | change                                      | CKR_USER_NOT_LOGGED_IN  |
//! | R/W SO Functions                    | CKR_FUNCTION_NOT_SUPPORTED (PUK change)     | unblock with the PUK    |
//! | any read-only session               | CKR_SESSION_READ_ONLY                       | CKR_SESSION_READ_ONLY   |

use super::bound::{BoundToken, Login};
use super::instance::Instance;
use super::Rv;
use crate::token::{PinKind, TokenError};
use cryptoki_sys::*;

impl Instance {
    /// The longest PIN or PUK the session's card takes: the C ABI reads no more of the
    /// caller's buffer than that (issue #11, "bounds before copies"), so a length beyond
    /// the buffer cannot make the module read past it.
    fn pin_limit(&self, handle: CK_SESSION_HANDLE) -> Result<usize, Rv> {
        self.with_token(handle, |_, _, token| {
            let policy = |kind| token.device.pin_policy(kind).max_len;
            Ok(policy(PinKind::User).max(policy(PinKind::Puk)))
        })
    }

    /// C_Login's check of `ulPinLen` before the PIN is read: too long is a PIN that cannot
    /// be right (C_Login's code for any wrong-format PIN, `session::login_rv`).
    pub fn check_login_pin_len(&self, handle: CK_SESSION_HANDLE, len: usize) -> Result<(), Rv> {
        match len > self.pin_limit(handle)? {
            true => Err(super::session::login_rv(TokenError::PinLenRange)),
            false => Ok(()),
        }
    }

    /// C_SetPIN's and C_InitPIN's check of each length before the PIN is read.
    pub fn check_set_pin_len(&self, handle: CK_SESSION_HANDLE, len: usize) -> Result<(), Rv> {
        match len > self.pin_limit(handle)? {
            true => Err(set_pin_rv(TokenError::PinLenRange)),
            false => Ok(()),
        }
    }

    /// C_InitPIN (§5.5.8): "can only be called in the R/W SO Functions state". The SO's PIN is
    /// the PUK, and these cards are personalised by their issuer, so initializing the user PIN
    /// means unblocking it with the PUK and setting `new` (TS-CNS RESET RETRY COUNTER
    /// `00 2C 00 P2 10 PUK‖newPIN`; CIE `2C 03 81` + `2C 02 81`).
    pub fn init_pin(&self, handle: CK_SESSION_HANDLE, new: &[u8]) -> Result<(), Rv> {
        self.with_token(handle, |session, _, token| {
            if !session.read_write {
                return Err(Rv(CKR_SESSION_READ_ONLY));
            }
            if token.login != Login::So {
                return Err(Rv::USER_NOT_LOGGED_IN);
            }
            match token.device.unblock_pin_with_login_puk(&[], new) {
                Ok(()) => Ok(()),
                // The card refused the PUK it accepted at login (changed or blocked by someone
                // else meanwhile): the SO is no longer authenticated.
                Err(TokenError::PinIncorrect | TokenError::PinLocked) => {
                    end_login(token);
                    Err(Rv::USER_NOT_LOGGED_IN)
                }
                Err(e) => Err(init_pin_rv(e)),
            }
        })
    }

    /// C_SetPIN (§5.5.9): "modifies the PIN of the user that is currently logged in, or the
    /// CKU_USER PIN if the session is not logged in", in a R/W session.
    pub fn set_pin(&self, handle: CK_SESSION_HANDLE, old: &[u8], new: &[u8]) -> Result<(), Rv> {
        self.with_token(handle, |session, _, token| {
            if !session.read_write {
                return Err(Rv(CKR_SESSION_READ_ONLY));
            }
            let result = match token.login {
                Login::User => token.device.change_pin(old, new),
                // The SO's PIN is the PUK; no card fact says it can be changed (cns.md §4,
                // cie.md §6 list no such command).
                Login::So => return Err(Rv::FUNCTION_NOT_SUPPORTED),
                // pkcs11-tool passes the PUK again as `old`. The context covers this one
                // operation, whatever its outcome.
                Login::PukContext => {
                    let result = token.device.unblock_pin_with_login_puk(old, new);
                    end_login(token);
                    result
                }
                Login::Public => token.device.set_pin_public(old, new),
            };
            result.map_err(set_pin_rv)
        })
    }
}

/// Back to the public state; the token forgets the PUK.
fn end_login(token: &mut BoundToken) {
    token.login = Login::Public;
    if let Err(e) = token.device.logout() {
        log::debug!("logout after the PUK login: {e:?}");
    }
}

/// Only codes §5.5.9 lists for C_SetPIN.
fn set_pin_rv(e: TokenError) -> Rv {
    match e {
        TokenError::PinIncorrect => Rv(CKR_PIN_INCORRECT),
        TokenError::PinLocked => Rv(CKR_PIN_LOCKED),
        TokenError::PinLenRange => Rv(CKR_PIN_LEN_RANGE),
        TokenError::PinInvalid => Rv(CKR_PIN_INVALID),
        TokenError::DeviceRemoved => Rv::DEVICE_REMOVED,
        TokenError::DeviceError => Rv(CKR_DEVICE_ERROR),
        TokenError::Busy => Rv::FUNCTION_FAILED,
        TokenError::FunctionNotSupported => Rv::FUNCTION_NOT_SUPPORTED,
        TokenError::UserNotLoggedIn | TokenError::DataLenRange | TokenError::KeyHandleInvalid => {
            Rv::FUNCTION_FAILED
        }
    }
}

/// Only codes §5.5.8 lists for C_InitPIN.
fn init_pin_rv(e: TokenError) -> Rv {
    match e {
        TokenError::PinLenRange => Rv(CKR_PIN_LEN_RANGE),
        TokenError::PinInvalid => Rv(CKR_PIN_INVALID),
        TokenError::DeviceRemoved => Rv::DEVICE_REMOVED,
        TokenError::DeviceError => Rv(CKR_DEVICE_ERROR),
        TokenError::Busy => Rv::FUNCTION_FAILED,
        TokenError::UserNotLoggedIn => Rv::USER_NOT_LOGGED_IN,
        TokenError::FunctionNotSupported => Rv::FUNCTION_NOT_SUPPORTED,
        TokenError::PinIncorrect
        | TokenError::PinLocked
        | TokenError::DataLenRange
        | TokenError::KeyHandleInvalid => Rv::FUNCTION_FAILED,
    }
}
