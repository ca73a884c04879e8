//! The seam between the state machine and the token layer.
//!
//! A slot holds a bound `Token`; the state machine sees it through `Device` so that the
//! session, login, find and sign logic can be unit-tested without a card. In the module
//! the only implementation is `Token`, reached through PC/SC readers (`crate::assembly`):
//! nothing here lets a caller bypass PC/SC (DESIGN.md "sim/").

use crate::token::{
    MechanismInfo, ObjectIndex, PinKind, PinPolicy, SignRequest, Token, TokenError, TokenInfo,
    TokenObject,
};

/// What the state machine needs from a bound token (the `Token` API, object-safe).
pub trait Device: Send {
    fn info(&self) -> &TokenInfo;
    fn flags(&self) -> cryptoki_sys::CK_FLAGS;
    /// Re-reads retry counters whose flags warn (`Token::refresh_warning_counters`).
    fn refresh_warning_counters(&mut self) {}
    fn objects(&self) -> &[TokenObject];
    fn mechanisms(&self) -> &[MechanismInfo];
    fn pin_policy(&self, kind: PinKind) -> PinPolicy;
    fn login(&mut self, kind: PinKind, pin: &[u8]) -> Result<(), TokenError>;
    /// C_Login(CKU_CONTEXT_SPECIFIC) with the PUK: kept for the unblock that follows, not
    /// sent (`Token::keep_puk_for_unblock`).
    fn keep_puk_for_unblock(&mut self, puk: &[u8]) -> Result<(), TokenError>;
    fn logout(&mut self) -> Result<(), TokenError>;
    /// Whether a reset or removal ended the login since the last call (`Token::take_login_lost`).
    fn take_login_lost(&mut self) -> bool {
        false
    }
    /// Whether the card holds a PIN this process verified that serves anyone until a reset
    /// (`Token::leaves_card_unlocked`).
    fn leaves_card_unlocked(&self) -> bool {
        false
    }
    /// C_SetPIN of the logged-in user (`Token::change_pin`).
    fn change_pin(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError>;
    /// C_SetPIN in a public session: change, or unblock when the PIN is blocked (`Token::set_pin_public`).
    fn set_pin_public(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError>;
    /// Unblock with the PUK of the SO / context-specific login (`Token::unblock_pin_with_login_puk`).
    fn unblock_pin_with_login_puk(&mut self, confirm: &[u8], new: &[u8]) -> Result<(), TokenError>;
    fn sign(&mut self, key: ObjectIndex, request: &SignRequest) -> Result<Vec<u8>, TokenError>;
    fn is_present(&mut self) -> bool;
}

impl Device for Token {
    fn info(&self) -> &TokenInfo {
        Token::info(self)
    }
    fn flags(&self) -> cryptoki_sys::CK_FLAGS {
        Token::flags(self)
    }
    fn refresh_warning_counters(&mut self) {
        Token::refresh_warning_counters(self)
    }
    fn objects(&self) -> &[TokenObject] {
        Token::objects(self)
    }
    fn mechanisms(&self) -> &[MechanismInfo] {
        Token::mechanisms(self)
    }
    fn pin_policy(&self, kind: PinKind) -> PinPolicy {
        Token::pin_policy(self, kind)
    }
    fn login(&mut self, kind: PinKind, pin: &[u8]) -> Result<(), TokenError> {
        Token::login(self, kind, pin)
    }
    fn keep_puk_for_unblock(&mut self, puk: &[u8]) -> Result<(), TokenError> {
        Token::keep_puk_for_unblock(self, puk)
    }
    fn logout(&mut self) -> Result<(), TokenError> {
        Token::logout(self)
    }
    fn take_login_lost(&mut self) -> bool {
        Token::take_login_lost(self)
    }
    fn leaves_card_unlocked(&self) -> bool {
        Token::leaves_card_unlocked(self)
    }
    fn change_pin(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError> {
        Token::change_pin(self, old, new)
    }
    fn set_pin_public(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError> {
        Token::set_pin_public(self, old, new)
    }
    fn unblock_pin_with_login_puk(&mut self, confirm: &[u8], new: &[u8]) -> Result<(), TokenError> {
        Token::unblock_pin_with_login_puk(self, confirm, new)
    }
    fn sign(&mut self, key: ObjectIndex, request: &SignRequest) -> Result<Vec<u8>, TokenError> {
        Token::sign(self, key, request)
    }
    fn is_present(&mut self) -> bool {
        Token::is_present(self)
    }
}
