//! What this process's logins leave on the card, and how they end (issue #11, DESIGN.md
//! "Security state"): no card left unlocked, a reset ends every login.
//!
//! - A TS-CNS keeps a verified PIN for whoever talks to it next, until it is reset: it has
//!   no command that forgets it (cns.md §3–4), so after `pkcs11-tool --login --sign` any
//!   local process could sign without the PIN. When this process verified a PIN or the PUK
//!   on such a card, ending the login (C_Logout, the last logged-in session closed,
//!   C_Finalize, the token dropped) resets the card. Other applications logged in to it see
//!   the reset and are logged out, as they would be by a removal.
//! - The CIE's verified PIN lives inside this process's secure-messaging session, which no
//!   other application can use: forgetting the session keys ends it (`Card::logout`).
//! - A reset or removal seen on the card (by PC/SC or in an answer) ends this process's
//!   login: every PIN the token and the driver keep is forgotten, and `take_login_lost`
//!   tells the cryptoki layer to put its sessions back to public.

use super::info::RetryState;
use super::{card_error, Token, TokenError};
use crate::card::CardError;

impl Token {
    /// A PIN or the PUK was verified on the card by this process.
    pub(super) fn note_verified(&mut self) {
        self.verified_here = true;
    }

    /// Ends the login when the connection saw someone else reset the card.
    pub(super) fn follow_resets(&mut self) {
        if self.card.take_reset() {
            self.note_reset();
        }
    }

    /// Someone else reset the card: it forgot every verified PIN, and the connection made
    /// the driver forget its own (the CIE's held PIN is never replayed after a reset).
    /// Returns whether a login of this process ended with it.
    fn note_reset(&mut self) -> bool {
        let ended = self.logged_in || self.login_puk.is_some();
        self.card.forget_login();
        self.login_puk = None;
        let lost = self.verified_here || ended;
        if lost {
            log::info!(
                "{} {}: the card was reset: logged out",
                self.family,
                self.info.serial
            );
        }
        self.login_lost |= ended;
        self.logged_in = false;
        self.verified_here = false;
        // "Seen blocked since the last reset" decides whether C_SetPIN's old value may be
        // the PUK (`set_pin_public`): after a reset someone may have unblocked it.
        if self.info.user_retries == RetryState::Locked {
            self.info.user_retries = RetryState::Unknown;
        }
        lost
    }

    /// The card answered that it holds no verified PIN for an operation that needs one:
    /// the login is over, as after a reset (the cryptoki layer follows `take_login_lost`).
    pub(super) fn note_login_lost_on_card(&mut self) {
        if self.logged_in {
            log::info!(
                "{} {}: the card no longer holds the login: logged out",
                self.family,
                self.info.serial
            );
            self.login_lost = true;
        }
        self.logged_in = false;
        self.verified_here = false;
        self.login_puk = None;
        self.card.forget_login();
    }

    /// Whether the card holds a PIN this process verified that serves anyone until it is
    /// reset (TS-CNS): what the module's destructor must still end at exit.
    pub fn leaves_card_unlocked(&self) -> bool {
        self.verified_here && self.card.verified_pin_is_shared()
    }

    /// Whether a reset or removal ended the login since the last call: the cryptoki layer
    /// then returns every session to its public state (the next private operation answers
    /// CKR_USER_NOT_LOGGED_IN, so the application asks for the PIN again).
    pub fn take_login_lost(&mut self) -> bool {
        std::mem::take(&mut self.login_lost)
    }

    /// Ends what this process's login left on the card. TS-CNS: a reset if we verified a PIN
    /// or the PUK; CIE: the driver drops its session. No PIN stays with the driver.
    pub(super) fn end_card_security(&mut self) -> Result<(), TokenError> {
        self.login_puk = None;
        self.logged_in = false;
        let result = if self.verified_here && self.card.verified_pin_is_shared() {
            log::debug!(
                "{} {}: resetting the card: it keeps a verified PIN for anyone",
                self.family,
                self.info.serial
            );
            let reset = self.card.reset();
            if reset.is_ok() {
                self.verified_here = false;
            }
            reset
        } else {
            // What this process verified is reachable only through the session the driver
            // now drops (CIE): nothing is left on the card for anyone.
            self.verified_here = false;
            self.in_transaction(|card, channel| card.logout(channel))
        };
        self.card.forget_login();
        match result {
            // A reset dropped the state anyway; a card gone took it along.
            Ok(()) | Err(CardError::Reset) => Ok(()),
            Err(CardError::Removed) => Err(card_error(CardError::Removed)),
            Err(e) => {
                log::warn!(
                    "{} {}: the card's security state could not be ended: {e:?}",
                    self.family,
                    self.info.serial
                );
                Err(card_error(e))
            }
        }
    }

    /// After a PIN operation outside a login (C_SetPIN in a public session): whatever it
    /// verified on the card ends now, not when the application finishes.
    pub(super) fn end_unless_logged_in(&mut self) {
        if !self.logged_in && self.verified_here {
            let _ = self.end_card_security();
        }
    }
}

impl Drop for Token {
    /// A token dropped while the card still holds what this process verified (C_Finalize
    /// with sessions open, the process exiting through the module's destructor).
    fn drop(&mut self) {
        if self.verified_here {
            let _ = self.end_card_security();
        }
    }
}
