//! PINs: format-checked before any APDU, zeroized when dropped (DESIGN.md "PINs").

use zeroize::Zeroizing;

use super::CardError;
use crate::iso7816::StatusWord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKind {
    /// The holder's PIN (CKU_USER).
    User,
    /// The unblocking code (CKU_SO, or the PUK given to C_SetPIN / CKU_CONTEXT_SPECIFIC).
    Puk,
}

/// The format a card accepts for one PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPolicy {
    pub min_len: usize,
    pub max_len: usize,
    /// Maximum tries, as the card's retry counter starts.
    pub max_tries: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFormatError {
    /// CKR_PIN_LEN_RANGE
    Length,
    /// CKR_PIN_INVALID
    Characters,
}

/// What both cards answer to VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER
/// (cns.md §4, cie.md §6): `9000` done, `6983` blocked, `63Cx` wrong with x tries left
/// (`63C0` blocked). Any other status word is the driver's to name, through `other`.
pub fn pin_outcome(
    sw: StatusWord,
    other: impl FnOnce(StatusWord) -> CardError,
) -> Result<(), CardError> {
    match sw {
        StatusWord::SUCCESS => Ok(()),
        StatusWord::AUTH_METHOD_BLOCKED => Err(CardError::PinLocked),
        sw => match sw.tries_left() {
            Some(0) => Err(CardError::PinLocked),
            Some(tries_left) => Err(CardError::PinIncorrect { tries_left }),
            None => Err(other(sw)),
        },
    }
}

/// A PIN in the right format for its card; the bytes are wiped on drop and never printed.
pub struct Pin(Zeroizing<Vec<u8>>);

impl Pin {
    pub fn new(policy: &PinPolicy, digits: &[u8]) -> Result<Pin, PinFormatError> {
        if digits.len() < policy.min_len || digits.len() > policy.max_len {
            return Err(PinFormatError::Length);
        }
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(PinFormatError::Characters);
        }
        Ok(Pin(Zeroizing::new(digits.to_vec())))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(***)")
    }
}
