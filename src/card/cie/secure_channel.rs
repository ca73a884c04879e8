//! The secure-messaging session with the chip (cie.md §5), as types:
//!
//! - `PendingChannel`: keys agreed by DH (§4.3), not yet mutually authenticated; only
//!   `mutual_auth` can use it, and only it can turn it into
//! - `SecureChannel`: the authenticated session every PIN, file and signature command
//!   needs (`pin::verify`, `files::read_certificate`, `signature::sign` take one).
//!
//! Both wrap each command with `sm::codec`, step the SSC, collect `61xx` with plain GET
//! RESPONSE (done by `CardChannel`), and return plain errors unwrapped (§5.3).

use super::sm::codec::{self, Answer};
use super::sm::{SessionKeys, SmError, Ssc};
use crate::card::CardError;
use crate::iso7816::{CardChannel, Command, Response, StatusWord};

/// Keys and counter of one session. Keys are wiped when this is dropped (`SessionKeys`).
struct SmSession {
    keys: SessionKeys,
    ssc: Ssc,
}

impl SmSession {
    /// Sends `command` protected, chained in ≤ 231-byte pieces (§5.4), and returns the
    /// plain answer: the decrypted data with the status of DO 99, or a plain status word.
    fn transmit(
        &mut self,
        channel: &mut CardChannel<'_>,
        command: &Command,
    ) -> Result<Response, CardError> {
        let pieces = codec::chain(command);
        let last = pieces.len() - 1;
        for (i, piece) in pieces.iter().enumerate() {
            self.ssc.increment();
            let wrapped = codec::wrap(&self.keys, &self.ssc, piece).map_err(sm_error)?;
            let raw = channel.execute(&wrapped)?;
            let answer = match codec::classify(&raw).map_err(sm_error)? {
                // §5.3: a plain status means no SSC step for the answer.
                Answer::Plain(sw) => Response {
                    data: Vec::new(),
                    sw,
                },
                Answer::Protected => {
                    self.ssc.increment();
                    codec::unwrap(&self.keys, &self.ssc, &raw.data).map_err(sm_error)?
                }
            };
            if i == last || answer.sw != StatusWord::SUCCESS {
                return Ok(answer);
            }
        }
        Err(CardError::DataLength)
    }
}

/// A response that fails the SM checks means the chip and we no longer share the session.
fn sm_error(e: SmError) -> CardError {
    log::debug!("CIE: secure messaging failed: {e}");
    CardError::ChannelLost
}

/// Session keys agreed, chip and terminal not yet authenticated (§4.3 → §4.4).
pub struct PendingChannel(SmSession);

impl PendingChannel {
    /// §4.3 step 6: SSC starts at 1.
    pub(super) fn new(keys: SessionKeys) -> PendingChannel {
        PendingChannel(SmSession {
            keys,
            ssc: Ssc::AFTER_KEY_AGREEMENT,
        })
    }

    pub(super) fn transmit(
        &mut self,
        channel: &mut CardChannel<'_>,
        command: &Command,
    ) -> Result<Response, CardError> {
        self.0.transmit(channel, command)
    }

    /// §4.4 step 9 (C8): the authenticated session continues from SSC = RND.ICC[4..8] ‖
    /// RND.IFD[4..8]; the keys stay.
    pub(super) fn authenticated(mut self, ssc: Ssc) -> SecureChannel {
        self.0.ssc = ssc;
        SecureChannel(self.0)
    }
}

/// An authenticated secure-messaging session: exists only after DH and mutual
/// authentication succeeded (`mutual_auth::authenticate`).
pub struct SecureChannel(SmSession);

impl SecureChannel {
    pub fn transmit(
        &mut self,
        channel: &mut CardChannel<'_>,
        command: &Command,
    ) -> Result<Response, CardError> {
        self.0.transmit(channel, command)
    }
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureChannel(***)")
    }
}
