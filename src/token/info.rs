//! Token information (PKCS#11 3.0 §5.4.5 CK_TOKEN_INFO): label, serial, flags.

use crate::card::PinPolicy;
use cryptoki_sys::CK_FLAGS;

/// What the card last told us about a PIN's retry counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryState {
    Unknown,
    /// Tries left out of the card's maximum.
    Left {
        left: u8,
        max: u8,
    },
    Locked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// e.g. "TS-CNS ROSSI MARIO" (padded to 32 bytes by the C layer).
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    /// e.g. the 16 digits of EF 1003 (last 16 characters shown by the C layer).
    pub serial: String,
    pub user_pin: PinPolicy,
    pub user_retries: RetryState,
    pub so_retries: RetryState,
}

impl TokenInfo {
    pub fn flags(&self) -> CK_FLAGS {
        let mut flags = cryptoki_sys::CKF_TOKEN_INITIALIZED
            | cryptoki_sys::CKF_USER_PIN_INITIALIZED
            | cryptoki_sys::CKF_LOGIN_REQUIRED
            | cryptoki_sys::CKF_WRITE_PROTECTED;
        flags |= retry_flags(
            self.user_retries,
            cryptoki_sys::CKF_USER_PIN_COUNT_LOW,
            cryptoki_sys::CKF_USER_PIN_FINAL_TRY,
            cryptoki_sys::CKF_USER_PIN_LOCKED,
        );
        flags |= retry_flags(
            self.so_retries,
            cryptoki_sys::CKF_SO_PIN_COUNT_LOW,
            cryptoki_sys::CKF_SO_PIN_FINAL_TRY,
            cryptoki_sys::CKF_SO_PIN_LOCKED,
        );
        flags
    }
}

/// PKCS#11 3.0 §5.4.5: COUNT_LOW after any wrong try, FINAL_TRY when one is left, LOCKED at zero.
fn retry_flags(
    state: RetryState,
    low: CK_FLAGS,
    final_try: CK_FLAGS,
    locked: CK_FLAGS,
) -> CK_FLAGS {
    match state {
        RetryState::Unknown => 0,
        RetryState::Locked | RetryState::Left { left: 0, .. } => locked,
        RetryState::Left { left: 1, .. } => final_try | low,
        RetryState::Left { left, max } if left < max => low,
        RetryState::Left { .. } => 0,
    }
}
