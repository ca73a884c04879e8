//! The PIN lifecycle of a token (issue #4): PUK login, PIN change, unblock with the PUK, and
//! the retry counters the card reports on the way (DESIGN.md "PINs", "Retry counters").
//!
//! Every PIN and PUK is format-checked before any APDU, each card command is sent once (never
//! retried), and the only PIN value kept is the PUK of an SO or context-specific login, in
//! memory wiped on drop, until logout: the TS-CNS wants it again in RESET RETRY COUNTER
//! (cns.md §4).

use super::info::RetryState;
use super::{card_error, Token, TokenError};
use crate::card::CardChannel;
use crate::card::{Card, CardError, Pin, PinChange, PinFormatError, PinKind};

impl Token {
    /// VERIFY PUK (C_Login as SO, or context-specific with the PUK); the PUK is kept on success.
    pub(super) fn login_puk(&mut self, puk: &[u8]) -> Result<(), TokenError> {
        let puk = self.checked(PinKind::Puk, puk)?;
        let result =
            self.in_transaction(|card, channel| card.verify_pin(channel, PinKind::Puk, &puk));
        self.note_tries(PinKind::Puk, &result);
        result.map_err(pin_command_error)?;
        self.note_verified();
        self.logged_in = true;
        self.login_puk = Some(puk);
        Ok(())
    }

    /// C_Login(CKU_CONTEXT_SPECIFIC) with the PUK in a public R/W session (the OpenSC unblock
    /// convention, `Login::PukContext`): the PUK is format-checked and kept, not sent. The
    /// unblock of the C_SetPIN that follows verifies it (`PinChange::Unblock` is
    /// self-contained), so the PUK reaches the card only where an unblock follows (issue #11),
    /// and a stray context-specific login costs no PUK try.
    pub fn keep_puk_for_unblock(&mut self, puk: &[u8]) -> Result<(), TokenError> {
        self.login_puk = Some(self.checked(PinKind::Puk, puk)?);
        Ok(())
    }

    /// C_SetPIN of the logged-in user: CHANGE REFERENCE DATA with the old PIN.
    pub fn change_pin(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError> {
        let old = self.checked(PinKind::User, old)?;
        let new = self.checked(PinKind::User, new)?;
        self.change_checked(&old, &new)
    }

    /// C_InitPIN as SO, or C_SetPIN after a context-specific PUK login: unblocks the user PIN
    /// with the PUK of that login. `confirm` is the PUK as the application passes it again
    /// (pkcs11-tool's `--unlock-pin` passes it as the old PIN) or empty; a different value is
    /// refused without an APDU rather than spending one of the PUK's tries.
    pub fn unblock_pin_with_login_puk(
        &mut self,
        confirm: &[u8],
        new: &[u8],
    ) -> Result<(), TokenError> {
        let new = self.checked(PinKind::User, new)?;
        let Some(puk) = self.login_puk.take() else {
            return Err(TokenError::UserNotLoggedIn);
        };
        let confirmed = confirm.is_empty() || same_bytes(confirm, puk.as_bytes());
        let result = if confirmed {
            self.unblock_checked(&puk, &new)
        } else {
            Err(TokenError::PinIncorrect)
        };
        // A PUK the card refused is of no further use.
        if !(confirmed
            && matches!(
                result,
                Err(TokenError::PinIncorrect | TokenError::PinLocked)
            ))
        {
            self.login_puk = Some(puk);
        }
        result
    }

    /// C_SetPIN(old, new) in a session nobody is logged in to.
    ///
    /// PKCS#11 3.0 §5.5.9 makes it a change of the user PIN ("R/W Public Session"). A blocked
    /// PIN cannot be changed, and pkcs11-tool's `--unlock-pin --puk P --new-pin N` (also with
    /// `--login-type context-specific` but without `--login`: OpenSC pkcs11-tool.c `unlock_pin`)
    /// calls C_SetPIN(P, N) in exactly this state; OpenSC's itacns sends that PUK as the old PIN
    /// and spends a PIN try (cns-opensc.md). So: **when the user PIN is blocked, `old` is the PUK
    /// and the PIN is unblocked with it; otherwise the PIN is changed.** Blocked is read afresh
    /// where the card tells without spending a try (TS-CNS empty VERIFY, cns.md §4), else taken
    /// from the card's last answer since its insertion or last reset (CIE: a VERIFY or CHANGE
    /// that got 6983; a reset forgets it, `security_state`). Any doubt: the PIN, never the PUK
    /// on a guess (issue #11). What the operation verified on the card ends with it.
    pub fn set_pin_public(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError> {
        let new = self.checked(PinKind::User, new)?;
        let as_pin = self.checked(PinKind::User, old);
        let as_puk = self.checked(PinKind::Puk, old);
        // A value that is neither a PIN nor a PUK never costs an APDU.
        if let (Err(e), Err(_)) = (&as_pin, &as_puk) {
            return Err(e.clone());
        }
        let result = if self.user_pin_blocked_now()? {
            log::info!("user PIN blocked: C_SetPIN unblocks it with the PUK given as old PIN");
            self.unblock_checked(&as_puk?, &new)
        } else {
            self.change_checked(&as_pin?, &new)
        };
        self.end_unless_logged_in();
        result
    }

    /// C_GetTokenInfo: a counter whose flags warn (COUNT_LOW, FINAL_TRY, LOCKED) is read again,
    /// without spending a try, since another application may have changed it since (a PIN
    /// unblocked with pkcs11-tool while the browser runs). A full or unknown counter, the usual
    /// case, costs no APDU; a card that cannot tell (CIE) keeps its last answer.
    pub fn refresh_warning_counters(&mut self) {
        let kinds: Vec<PinKind> = [
            (PinKind::User, self.info.user_retries),
            (PinKind::Puk, self.info.so_retries),
        ]
        .into_iter()
        .filter(|(_, state)| state.warns())
        .map(|(kind, _)| kind)
        .collect();
        if kinds.is_empty() {
            return;
        }
        let read = self.in_transaction(|card, channel| {
            kinds
                .iter()
                .map(|kind| read_counter(card, channel, *kind))
                .collect::<Result<Vec<_>, _>>()
        });
        match read {
            Ok(states) => {
                for (kind, state) in kinds.into_iter().zip(states) {
                    match (kind, state) {
                        (_, RetryState::Unknown) => {}
                        (PinKind::User, state) => self.info.user_retries = state,
                        (PinKind::Puk, state) => self.info.so_retries = state,
                    }
                }
            }
            Err(e) => log::debug!("retry counters not refreshed: {e:?}"),
        }
    }

    /// Records what the card said about `kind`'s retry counter (PKCS#11 3.0 §5.4.5 flags).
    pub(super) fn note_tries<T>(&mut self, kind: PinKind, result: &Result<T, CardError>) {
        let max = self.card.pin_policy(kind).max_tries;
        let state = match result {
            Ok(_) => RetryState::Left { left: max, max },
            Err(CardError::PinIncorrect { tries_left }) => {
                RetryState::after_wrong_try(*tries_left, max)
            }
            Err(CardError::PinLocked) => RetryState::Locked,
            Err(_) => return,
        };
        match kind {
            PinKind::User => self.info.user_retries = state,
            PinKind::Puk => {
                warn_about_puk(state);
                self.info.so_retries = state;
            }
        }
    }

    /// The format check every PIN and PUK passes before it may reach the card.
    fn checked(&self, kind: PinKind, digits: &[u8]) -> Result<Pin, TokenError> {
        Pin::new(&self.card.pin_policy(kind), digits).map_err(|e| match e {
            PinFormatError::Length => TokenError::PinLenRange,
            PinFormatError::Characters => TokenError::PinInvalid,
        })
    }

    fn change_checked(&mut self, old: &Pin, new: &Pin) -> Result<(), TokenError> {
        let result = self.in_transaction(|card, channel| {
            card.change_pin(channel, PinChange::Change { old, new })
        });
        self.note_tries(PinKind::User, &result);
        // CHANGE REFERENCE DATA with the right old PIN leaves it verified on many chips.
        if result.is_ok() {
            self.note_verified();
        }
        result.map_err(pin_command_error)
    }

    fn unblock_checked(&mut self, puk: &Pin, new: &Pin) -> Result<(), TokenError> {
        let result = self.in_transaction(|card, channel| {
            card.change_pin(channel, PinChange::Unblock { puk, new_pin: new })
        });
        self.note_tries(PinKind::Puk, &result);
        if result.is_ok() {
            self.note_tries(PinKind::User, &result);
            self.note_verified();
        }
        result.map_err(pin_command_error)
    }

    /// Whether the user PIN is blocked now; reading the counter never spends a try.
    fn user_pin_blocked_now(&mut self) -> Result<bool, TokenError> {
        let state = self
            .in_transaction(|card, channel| read_counter(card, channel, PinKind::User))
            .map_err(pin_command_error)?;
        // The card cannot tell: its last answer decides.
        if state != RetryState::Unknown {
            self.info.user_retries = state;
        }
        Ok(self.info.user_retries == RetryState::Locked)
    }
}

/// A retry counter read without spending a try (`Card::retries_left`); `Unknown` when the card
/// cannot tell. Only a transport failure is an error.
pub(super) fn read_counter(
    card: &mut dyn Card,
    channel: &mut CardChannel<'_>,
    kind: PinKind,
) -> Result<RetryState, CardError> {
    let max = card.pin_policy(kind).max_tries;
    Ok(match card.retries_left(channel, kind) {
        Ok(Some(0)) => RetryState::Locked,
        Ok(Some(left)) => RetryState::Left { left, max },
        Ok(None) => RetryState::Unknown,
        Err(e) if e.is_link() => return Err(e),
        Err(_) => RetryState::Unknown,
    })
}

/// A reset in the middle of a PIN command: whether it counted is unknown (as for VERIFY).
fn pin_command_error(e: CardError) -> TokenError {
    match e {
        CardError::Reset => TokenError::DeviceError,
        e => card_error(e),
    }
}

/// The CIE PUK is final: 10 wrong tries and the card's digital identity is gone (cie.md §6).
/// Never with the value.
fn warn_about_puk(state: RetryState) {
    match state {
        RetryState::Left { left: 1, .. } => {
            log::warn!("one PUK try left: one more wrong PUK blocks it for good")
        }
        RetryState::Locked => log::warn!("the PUK is blocked: the PIN can no longer be unblocked"),
        _ => {}
    }
}

/// Compares without an early exit on the first differing byte.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
