//! The CIE login as states (cie.md §4–§7): out, in (a `UserChannel`: the only thing signing
//! and the certificate read take), or lost (the chip dropped our session to another
//! application, without a reset: one rebuild with the kept PIN).
//!
//! The kept PIN (DESIGN.md "PINs", issue #11): kept only to rebuild secure messaging lost to
//! another application; on a locked, non-dumpable page (`transport::locked_memory`), wiped
//! when the login ends; at most one rebuild per loss; a refusal (63Cx, 6983) forgets it at
//! once and ends the login, so a PIN changed elsewhere costs at most that one try. A card
//! reset ends the login: the PIN is never replayed to a card that was reset.

use super::pin::PIN_POLICY;
use super::secure_channel::UserChannel;
use crate::card::{CardError, Pin};
use crate::transport::locked_memory::LockedBytes;

/// The holder's PIN, kept while logged in on a locked page that core dumps leave out.
pub struct KeptPin(LockedBytes);

impl KeptPin {
    /// `None` when the memory cannot be locked: then nothing is kept, and a lost session
    /// ends the login instead of being rebuilt.
    pub fn keep(pin: &Pin) -> Option<KeptPin> {
        match LockedBytes::new(pin.as_bytes()) {
            Ok(bytes) => Some(KeptPin(bytes)),
            Err(e) => {
                log::warn!("CIE: PIN not kept ({e:?}): a lost session will end the login");
                None
            }
        }
    }

    /// A transient copy for the one VERIFY of a rebuild (zeroized when dropped).
    pub fn pin(&self) -> Result<Pin, CardError> {
        Pin::new(&PIN_POLICY, self.0.expose()).map_err(|_| CardError::DataLength)
    }
}

/// Where the login of this card is.
#[derive(Default)]
pub enum Login {
    /// No PIN verified by us, or the login ended (logout, reset, refused PIN, failed rebuild).
    #[default]
    Out,
    /// VERIFY PIN succeeded on `channel`. `pin` is `None` when it could not be kept.
    In {
        channel: UserChannel,
        pin: Option<KeptPin>,
    },
    /// The chip no longer shares our session (another application's plain command, §5.3);
    /// the next private operation may rebuild it once with `pin`.
    Lost { pin: KeptPin },
}

impl Login {
    /// The chip dropped the session of `In`: `Lost` when a PIN is kept, else `Out`.
    pub fn lose(self) -> Login {
        match self {
            Login::In { pin: Some(pin), .. } => Login::Lost { pin },
            Login::Lost { pin } => Login::Lost { pin },
            Login::In { pin: None, .. } | Login::Out => Login::Out,
        }
    }

    pub fn is_lost(&self) -> bool {
        matches!(self, Login::Lost { .. })
    }
}
