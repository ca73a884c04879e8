//! The secure-messaging session with the chip (cie.md §5), as types:
//!
//! - `PendingChannel`: keys agreed by DH (§4.3), not yet mutually authenticated; only
//!   `mutual_auth` can use it, and only it can turn it into
//! - `SecureChannel`: the authenticated session PIN commands need (`pin::verify_user`,
//!   `pin_lifecycle`); only a VERIFY PIN the chip accepted turns it into
//! - `UserChannel`: the session with the holder's PIN verified, the only thing the
//!   certificate read (`files::read_certificate`) and signing (`signature::sign`) take, so
//!   nothing can sign before VERIFY (as rustls types its handshake states).
//!
//! Both wrap each command with `sm::codec`, step the SSC, collect `61xx` with plain GET
//! RESPONSE (done by `CardChannel`), and return plain errors unwrapped (§5.3).

use super::sm::codec::{self, Answer};
use super::sm::{SessionKeys, SmError, Ssc};
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::{Command, Response, StatusWord};

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

impl SecureChannel {
    /// §6: the chip accepted the PIN on this session (VERIFY or CHANGE REFERENCE DATA
    /// answered 9000); only `pin` and `pin_lifecycle` know when.
    pub(super) fn user_verified(self) -> UserChannel {
        UserChannel(self)
    }
}

/// An authenticated session in which the chip accepted the holder's PIN; it transmits as
/// the `SecureChannel` it was.
pub struct UserChannel(SecureChannel);

impl std::ops::Deref for UserChannel {
    type Target = SecureChannel;
    fn deref(&self) -> &SecureChannel {
        &self.0
    }
}

impl std::ops::DerefMut for UserChannel {
    fn deref_mut(&mut self) -> &mut SecureChannel {
        &mut self.0
    }
}

impl std::fmt::Debug for UserChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserChannel(***)")
    }
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureChannel(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::cie::sm::{cipher, mac};
    use crate::transport::{Channel, ReaderCapabilities, TransportError};

    const KEYS: ([u8; 16], [u8; 16]) = ([0x11; 16], [0x22; 16]);

    /// A card side of §5: checks each command's MAC with the SSC it expects, answers either
    /// a protected 9000 echoing the plain data length, or (when told) a plain status.
    struct FakeChip {
        ssc: u64,
        plain_answer: Option<[u8; 2]>,
        wire: Vec<Vec<u8>>,
    }

    impl Channel for FakeChip {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.wire.push(apdu.to_vec());
            self.ssc += 1;
            let body = &apdu[5..apdu.len() - 1];
            let (dos, mac_do) = body.split_at(body.len() - 10);
            let mut input =
                cipher::pad(&[&self.ssc.to_be_bytes()[..], &apdu[..4]].concat()).to_vec();
            input.extend_from_slice(dos);
            assert!(
                mac::verify(&KEYS.1, &input, &mac_do[2..]),
                "command MAC at SSC {}",
                self.ssc
            );
            if let Some(sw) = self.plain_answer.take() {
                return Ok(sw.to_vec());
            }
            self.ssc += 1;
            let mut answer = vec![0x99, 0x02, 0x90, 0x00];
            let mut input = self.ssc.to_be_bytes().to_vec();
            input.extend_from_slice(&answer);
            let m = mac::retail_mac(&KEYS.1, &input);
            answer.extend([0x8E, 0x08]);
            answer.extend(m);
            answer.extend([0x90, 0x00]);
            Ok(answer)
        }
    }

    fn channel_at(ssc: u64) -> SecureChannel {
        PendingChannel::new(SessionKeys::new(KEYS.0, KEYS.1)).authenticated(Ssc(ssc.to_be_bytes()))
    }

    const SHORT: ReaderCapabilities = ReaderCapabilities {
        extended_apdu: false,
    };

    #[test]
    fn chained_pieces_each_step_the_ssc_twice() {
        let mut chip = FakeChip {
            ssc: 100,
            plain_answer: None,
            wire: Vec::new(),
        };
        let mut sc = channel_at(100);
        let command = Command::new(0x00, 0x2A, 0x00, 0xAE).with_data(vec![7; 354]);
        let r = sc
            .transmit(&mut CardChannel::new(&mut chip, SHORT), &command)
            .unwrap();
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(chip.wire.len(), 2);
        assert_eq!((chip.wire[0][0], chip.wire[1][0]), (0x1C, 0x0C));
        assert_eq!(chip.ssc, 104);
    }

    #[test]
    fn a_plain_error_does_not_step_the_ssc_for_the_answer() {
        let mut chip = FakeChip {
            ssc: 7,
            plain_answer: Some([0x63, 0xC2]),
            wire: Vec::new(),
        };
        let mut sc = channel_at(7);
        let verify = Command::new(0x00, 0x20, 0x00, 0x81)
            .with_secret_data(zeroize::Zeroizing::new(b"00000000".to_vec()));
        let r = sc
            .transmit(&mut CardChannel::new(&mut chip, SHORT), &verify)
            .unwrap();
        assert_eq!(r.sw, StatusWord(0x63C2));
        assert!(r.data.is_empty());
        // The next command is protected with SSC 9: the fake checks it.
        let r = sc
            .transmit(
                &mut CardChannel::new(&mut chip, SHORT),
                &Command::new(0x00, 0x22, 0x41, 0xA4).with_data(vec![1]),
            )
            .unwrap();
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(chip.ssc, 10);
    }

    #[test]
    fn a_response_with_a_bad_mac_means_the_channel_is_lost() {
        struct Liar;
        impl Channel for Liar {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![
                    0x99, 0x02, 0x90, 0x00, 0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00,
                ])
            }
        }
        let mut sc = channel_at(1);
        let r = sc.transmit(
            &mut CardChannel::new(&mut Liar, SHORT),
            &Command::new(0x00, 0x22, 0x41, 0xA4).with_data(vec![1]),
        );
        assert_eq!(r, Err(CardError::ChannelLost));
    }
}
