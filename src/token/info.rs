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

impl RetryState {
    /// The counter a card reported after a wrong try. PKCS#11 3.0 §5.4.5 defines COUNT_LOW as
    /// "an incorrect PIN has been entered at least once since the last successful
    /// authentication", so it must show even when `max` is only an assumption (the TS-CNS
    /// PUK, cns.md §4): the maximum is at least one more than what is left.
    /// Whether the flags warn about this counter (COUNT_LOW, FINAL_TRY or LOCKED).
    pub fn warns(self) -> bool {
        match self {
            RetryState::Unknown => false,
            RetryState::Locked => true,
            RetryState::Left { left, max } => left < max,
        }
    }

    pub fn after_wrong_try(left: u8, max: u8) -> RetryState {
        if left == 0 {
            RetryState::Locked
        } else {
            RetryState::Left {
                left,
                max: max.max(left.saturating_add(1)),
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki_sys::*;

    fn flags(user: RetryState, so: RetryState) -> CK_FLAGS {
        let policy = PinPolicy {
            min_len: 5,
            max_len: 8,
            max_tries: 3,
        };
        TokenInfo {
            label: String::new(),
            manufacturer: String::new(),
            model: String::new(),
            serial: String::new(),
            user_pin: policy,
            user_retries: user,
            so_retries: so,
        }
        .flags()
    }

    #[test]
    fn a_wrong_try_always_shows_count_low() {
        // A PUK whose real limit is above the assumed one still shows COUNT_LOW.
        let so = RetryState::after_wrong_try(14, 10);
        assert_eq!(so, RetryState::Left { left: 14, max: 15 });
        let f = flags(RetryState::Unknown, so);
        assert_eq!(f & CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_COUNT_LOW);
        assert_eq!(f & (CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED), 0);
        assert_eq!(RetryState::after_wrong_try(0, 3), RetryState::Locked);
        let f = flags(RetryState::after_wrong_try(1, 3), RetryState::Locked);
        assert_eq!(
            f & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_LOCKED),
            CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_LOCKED
        );
    }
}
