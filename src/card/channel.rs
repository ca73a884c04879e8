//! A card channel: one transaction's worth of APDU exchange (the engine over the
//! `iso7816` codec, next to the drivers that use it).
//!
//! Encodes commands for what the reader can carry, follows `61xx` with GET RESPONSE
//! and answers `6Cxx` by resending with the exact Le (ISO 7816-4 §5.3.4 / §5.1.3),
//! and traces every exchange at `trace` level with secret data masked: a secret command's
//! data and the data the card answers to it (and to its GET RESPONSE rounds) are never
//! printed, so secure-messaging payloads stay out of logs.

use super::CardError;
use crate::iso7816::apdu::{hex, Command, Response};
use crate::transport::{Channel, ReaderCapabilities, TransportError};

/// GET RESPONSE rounds before we call the card broken (64 × 256 bytes covers any file we read).
const MAX_GET_RESPONSE_ROUNDS: usize = 64;

pub struct CardChannel<'a> {
    inner: &'a mut dyn Channel,
    capabilities: ReaderCapabilities,
    /// APDUs actually sent, GET RESPONSE and resends included (speed is the APDU count).
    sent: usize,
}

impl<'a> CardChannel<'a> {
    pub fn new(inner: &'a mut dyn Channel, capabilities: ReaderCapabilities) -> CardChannel<'a> {
        CardChannel {
            inner,
            capabilities,
            sent: 0,
        }
    }

    pub fn capabilities(&self) -> ReaderCapabilities {
        self.capabilities
    }

    /// Number of APDUs sent through this channel so far.
    pub fn apdus_sent(&self) -> usize {
        self.sent
    }

    /// Sends `command` and returns the final response: the data of every GET RESPONSE
    /// round is appended, and a `6Cxx` answer is replaced by the answer to the resend.
    pub fn execute(&mut self, command: &Command) -> Result<Response, CardError> {
        let mut response = self.exchange(command, command.secret)?;
        if let Some(exact) = response.sw.exact_length() {
            if command.le.is_some() {
                let mut resend = command.clone();
                resend.le = Some(exact);
                response = self.exchange(&resend, command.secret)?;
            }
        }
        let mut rounds = 0;
        while let Some(remaining) = response.sw.bytes_remaining() {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE_ROUNDS {
                return Err(CardError::Transport(TransportError::Communication(
                    "card keeps answering 61xx".into(),
                )));
            }
            // GET RESPONSE on the same logical channel (CLA b1-b2).
            let get_response = Command::new(command.cla & 0x03, 0xC0, 0, 0).with_le(remaining);
            let next = self.exchange(&get_response, command.secret)?;
            let mut data = std::mem::take(&mut response.data);
            data.extend_from_slice(&next.data);
            response = Response { data, sw: next.sw };
        }
        Ok(response)
    }

    fn exchange(&mut self, command: &Command, secret_answer: bool) -> Result<Response, CardError> {
        let encoded = command
            .encode(self.capabilities.extended_apdu)
            .map_err(CardError::Unencodable)?;
        log::trace!("> {}", command.trace());
        self.sent += 1;
        let raw = self.inner.transmit(&encoded)?;
        let response = Response::decode(&raw).map_err(|e| {
            CardError::Transport(TransportError::Communication(format!(
                "bad response APDU: {e}"
            )))
        })?;
        if secret_answer && !response.data.is_empty() {
            log::trace!("< *** ({} bytes) {}", response.data.len(), response.sw);
        } else {
            log::trace!("< {} {}", hex(&response.data), response.sw);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Replays scripted responses and records what was sent.
    struct Script {
        responses: VecDeque<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Channel for Script {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            self.responses
                .pop_front()
                .ok_or(TransportError::Communication("script exhausted".into()))
        }
    }

    fn script(responses: &[&[u8]]) -> Script {
        Script {
            responses: responses.iter().map(|r| r.to_vec()).collect(),
            sent: Vec::new(),
        }
    }

    const EXT: ReaderCapabilities = ReaderCapabilities {
        extended_apdu: true,
    };

    #[test]
    fn get_response_loop_concatenates() {
        let mut s = script(&[&[1, 2, 0x61, 0x02], &[3, 4, 0x61, 0x01], &[5, 0x90, 0]]);
        let r = CardChannel::new(&mut s, EXT)
            .execute(&Command::new(0, 0xB0, 0, 0).with_le(5))
            .unwrap();
        assert_eq!(r.data, [1, 2, 3, 4, 5]);
        assert!(r.is_success());
        assert_eq!(s.sent[1], [0, 0xC0, 0, 0, 2]);
        assert_eq!(s.sent[2], [0, 0xC0, 0, 0, 1]);
    }

    #[test]
    fn wrong_le_is_resent_with_exact_length() {
        let mut s = script(&[&[0x6C, 0x10], &[9; 18]]);
        let mut ch = CardChannel::new(&mut s, EXT);
        let r = ch
            .execute(&Command::new(0, 0xB0, 0, 0).with_le(256))
            .unwrap();
        assert_eq!(ch.apdus_sent(), 2);
        assert_eq!(r.data.len(), 16);
        assert_eq!(s.sent[1], [0, 0xB0, 0, 0, 0x10]);
    }

    #[test]
    fn endless_61xx_is_an_error() {
        let mut responses: Vec<&[u8]> = vec![&[0x61, 0x01]; 100];
        responses.push(&[0x90, 0]);
        let mut s = script(&responses);
        assert!(CardChannel::new(&mut s, EXT)
            .execute(&Command::new(0, 0xB0, 0, 0).with_le(1))
            .is_err());
    }

    #[test]
    fn short_reader_refuses_extended_command() {
        let mut s = script(&[&[0x90, 0]]);
        let short = ReaderCapabilities {
            extended_apdu: false,
        };
        let r = CardChannel::new(&mut s, short).execute(&Command::new(0, 0xB0, 0, 0).with_le(300));
        assert!(matches!(r, Err(CardError::Unencodable(_))));
        assert!(s.sent.is_empty());
    }

    #[test]
    fn malformed_response_is_an_error() {
        let mut s = script(&[&[0x90]]);
        assert!(CardChannel::new(&mut s, EXT)
            .execute(&Command::new(0, 0xB0, 0, 0).with_le(1))
            .is_err());
    }
}
