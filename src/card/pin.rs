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
/// A new value for the user PIN, as the token asks a driver for it. Both PINs are already
/// checked against the card's `pin_policy`; the driver only pads or wraps them, and never
/// retries a command.
pub enum PinChange<'a> {
    /// CHANGE REFERENCE DATA: the user PIN becomes `new` if `old` is right (C_SetPIN). A wrong
    /// `old` spends a user-PIN try: `PinIncorrect` / `PinLocked` report that counter. TS-CNS:
    /// `00 24 00 P2 10 old‖new`, FF-padded (cns.md §4); CIE: `00 24 00 81 old‖new` under secure
    /// messaging (cie.md §6). Nothing in the facts says the PUK can be changed.
    Change { old: &'a Pin, new: &'a Pin },
    /// Unblock with the PUK: `new_pin` becomes the user PIN, its counter full again (C_InitPIN
    /// as SO, or C_SetPIN with the PUK). Self-contained, inside the one transaction the token
    /// opens: whatever the card needs — TS-CNS one RESET RETRY COUNTER `00 2C 00 P2 10
    /// PUK‖newPIN` (cns.md §4); CIE VERIFY PUK `00 20 00 82`, then `00 2C 03 81` and `00 2C 02
    /// 81 <new PIN>`, all under secure messaging (cie.md §6) — so it does not depend on an
    /// earlier VERIFY PUK having survived. `PinIncorrect` / `PinLocked` report the PUK's
    /// counter. Only ever asked for explicitly: a CIE whose PUK is blocked has lost its
    /// digital identity for good.
    Unblock { puk: &'a Pin, new_pin: &'a Pin },
}

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
