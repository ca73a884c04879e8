//! The card connection: one reader's transport and the driver detected behind it
//! (DESIGN.md "card"). Every multi-APDU operation runs in one PC/SC transaction
//! (`Connection::transaction`); a reset by someone else is handled here — reconnect, tell
//! the driver — and reported as `CardError::Reset`; a card gone as `CardError::Removed`.

use super::{detect, Card, CardChannel, CardError};
use crate::transport::{Transport, TransportError};

/// Times detection starts again after the card was reset under it: detection reads only
/// public files, so starting again is safe; a card reset again and again is an error.
const DETECT_ATTEMPTS: usize = 3;

/// A card in a reader, its driver not known yet.
pub struct Inserted {
    transport: Box<dyn Transport>,
}

impl Inserted {
    pub fn new(transport: Box<dyn Transport>) -> Inserted {
        Inserted { transport }
    }

    /// Detects the driver (`detect::detect`) and runs `read` with it, in one transaction.
    /// `Ok(None)`: a card no driver supports. After a reset by someone else it reconnects
    /// and starts again (twice at most, then `CardError::Reset`).
    pub fn detect<T>(
        mut self,
        mut read: impl FnMut(&mut dyn Card, &mut CardChannel<'_>) -> Result<T, CardError>,
    ) -> Result<Option<(Connection, T)>, CardError> {
        let atr = self.transport.atr().to_vec();
        let capabilities = self.transport.capabilities();
        for attempt in 1..=DETECT_ATTEMPTS {
            let outcome = (|| {
                let mut tx = self.transport.transaction()?;
                let mut channel = CardChannel::new(tx.as_mut(), capabilities);
                let Some(mut driver) = detect::detect(&atr, &mut channel)? else {
                    return Ok(None);
                };
                let read = read(driver.as_mut(), &mut channel)?;
                Ok(Some((driver, read)))
            })();
            match outcome {
                Err(CardError::Reset) if attempt < DETECT_ATTEMPTS => self.transport.reconnect()?,
                Ok(Some((driver, read))) => {
                    let connection = Connection {
                        transport: self.transport,
                        driver,
                        reset_seen: false,
                        lost: false,
                    };
                    return Ok(Some((connection, read)));
                }
                Ok(None) => return Ok(None),
                Err(CardError::Transport(e)) if link_lost(&e) => return Err(CardError::Removed),
                Err(e) => return Err(e),
            }
        }
        Err(CardError::Reset)
    }
}

/// A card with its driver: what a token talks to.
pub struct Connection {
    transport: Box<dyn Transport>,
    driver: Box<dyn Card>,
    /// Someone else reset the card since `take_reset` last asked (issue #11: a reset ends
    /// every login).
    reset_seen: bool,
    /// The card is gone (or the link to it broke): nothing more is sent through this
    /// connection, not even a reset, which on an empty reader only upsets pcscd.
    lost: bool,
}

impl Connection {
    /// A connection with a known driver (tests of the layers above, over a fake driver).
    #[cfg(test)]
    pub(crate) fn with_driver(transport: Box<dyn Transport>, driver: Box<dyn Card>) -> Connection {
        Connection {
            transport,
            driver,
            reset_seen: false,
            lost: false,
        }
    }

    /// Whether someone else reset the card since the last call: the token then ends its
    /// login (`token::security_state`).
    pub fn take_reset(&mut self) -> bool {
        std::mem::take(&mut self.reset_seen)
    }

    /// The card forgot every session and verified PIN: so does the driver, at once, so
    /// that nothing it kept (the CIE's PIN) is replayed by the retry below (issue #11).
    fn after_reset(&mut self) {
        self.driver.card_reset();
        self.driver.forget_login();
        self.reset_seen = true;
    }

    /// Resets the card ourselves (SCARD_RESET_CARD): every application's security state on
    /// it is dropped. The token does it to end a login on a card that keeps a verified PIN
    /// for anyone (`Card::verified_pin_is_shared`).
    pub fn reset(&mut self) -> Result<(), CardError> {
        if self.lost {
            return Err(CardError::Removed);
        }
        self.transport.reset()?;
        self.driver.card_reset();
        self.driver.forget_login();
        Ok(())
    }

    /// Runs `op` in one PC/SC transaction. A reset reported when the transaction begins
    /// (no APDU sent yet) is handled by reconnecting and beginning again, once; a reset
    /// during `op` reconnects and is returned as `Reset` (the card lost its PIN state).
    pub fn transaction<T>(
        &mut self,
        mut op: impl FnMut(&mut dyn Card, &mut CardChannel<'_>) -> Result<T, CardError>,
    ) -> Result<T, CardError> {
        if self.lost {
            return Err(CardError::Removed);
        }
        let capabilities = self.transport.capabilities();
        for attempt in 0..2 {
            // The outcome is computed in its own scope so the transaction's borrow of the
            // transport ends before we may need to reconnect.
            let outcome = match self.transport.transaction() {
                Ok(mut tx) => {
                    let mut channel = CardChannel::new(tx.as_mut(), capabilities);
                    Ok(op(self.driver.as_mut(), &mut channel))
                }
                Err(e) => Err(e),
            };
            let result = match outcome {
                Ok(result) => result,
                Err(TransportError::CardReset) if attempt == 0 => {
                    self.after_reset();
                    self.transport.reconnect()?;
                    continue;
                }
                Err(e) => Err(e.into()),
            };
            if let Err(CardError::Reset) = result {
                self.after_reset();
                self.transport.reconnect()?;
            }
            if let Err(CardError::Transport(e)) = &result {
                if link_lost(e) {
                    log::debug!("the link to the card broke during the operation: {e}");
                    self.lost = true;
                    return Err(CardError::Removed);
                }
            }
            if let Err(CardError::Removed) = result {
                self.lost = true;
            }
            return result;
        }
        Err(CardError::Reset)
    }

    /// `false` once the card has been removed (the slot then drops the token).
    pub fn is_present(&mut self) -> bool {
        let present = !self.lost
            && match self.transport.check_present() {
                Ok(()) => true,
                // Still there, reset by someone else: reconnect so the next transaction works.
                Err(TransportError::CardReset) => {
                    self.after_reset();
                    self.transport.reconnect().is_ok()
                }
                // Busy with another application, or C_Finalize under way: as far as known,
                // it is still there.
                Err(TransportError::Timeout | TransportError::Cancelled) => true,
                Err(e) => {
                    log::debug!("the card is not there any more: {e}");
                    false
                }
            };
        self.lost = !present;
        present
    }
}

/// Whether a transport failure in the middle of an operation ends this connection: the
/// card stopped answering sensibly (a card pulled out first shows as a broken answer —
/// vpcd: an empty one — and PC/SC notices the empty reader only at its next poll, or never
/// when another card went in meanwhile), or pcscd went away with our handle. Whatever the
/// card now is, it is not known to hold our session or PIN state: the token is dropped and
/// the card, if still there, bound afresh (issue #10: CKR_DEVICE_REMOVED at once; never the
/// old card's PIN to a swapped-in card). A timeout or a cancelled wait is not a lost link.
fn link_lost(e: &TransportError) -> bool {
    matches!(
        e,
        TransportError::Communication(_) | TransportError::NoService
    )
}

/// The driver's own questions (policy, mechanisms, what it holds) need no transaction.
impl std::ops::Deref for Connection {
    type Target = dyn Card;

    fn deref(&self) -> &(dyn Card + 'static) {
        self.driver.as_ref()
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut (dyn Card + 'static) {
        self.driver.as_mut()
    }
}
