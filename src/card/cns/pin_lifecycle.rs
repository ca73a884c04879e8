//! TS-CNS PIN change and unblock (cns.md §4): CHANGE REFERENCE DATA and RESET RETRY COUNTER,
//! one APDU each, with the PINs as 8-byte blocks padded with `FF` like VERIFY.
//!
//! No VERIFY PUK before RESET RETRY COUNTER: with P1 `00` the command carries the PUK itself
//! ([CIEFS p.63] in cns.md §4), so the PUK crosses the wire once and is checked once.

use zeroize::Zeroizing;

use crate::card::pin::pin_outcome;
use crate::card::CardChannel;
use crate::card::{file, CardError, Pin};
use crate::iso7816::ins::{INS_CHANGE_REFERENCE_DATA, INS_RESET_RETRY_COUNTER};
use crate::iso7816::{Command, StatusWord};

/// P1 `00`: the data holds the verification data, then the new reference data (cns.md §4).
const P1_OLD_AND_NEW: u8 = 0x00;
const BLOCK_LEN: usize = 8;
const PAD: u8 = 0xFF;

/// Sends `command` with `first‖second`, answered like VERIFY.
pub fn send(
    channel: &mut CardChannel<'_>,
    command: TwoBlocks,
    p2: u8,
    first: &Pin,
    second: &Pin,
) -> Result<(), CardError> {
    let ins = match command {
        TwoBlocks::ChangeReferenceData => INS_CHANGE_REFERENCE_DATA,
        TwoBlocks::ResetRetryCounter => INS_RESET_RETRY_COUNTER,
    };
    let apdu =
        Command::new(0x00, ins, P1_OLD_AND_NEW, p2).with_secret_data(two_blocks(first, second)?);
    outcome(ins, channel.execute(&apdu)?.sw)
}

/// The two commands that carry two PIN blocks (cns.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoBlocks {
    /// `00 24 00 P2 10 old‖new`: P2 names the PIN whose value changes.
    ChangeReferenceData,
    /// `00 2C 00 P2 10 PUK‖newPIN`: P2 names the PIN being reset, not the PUK (cns.md §4);
    /// the tries a wrong answer reports are the PUK's.
    ResetRetryCounter,
}

/// `first‖second`, each padded to 8 bytes with `FF`, in memory that is wiped when dropped.
fn two_blocks(first: &Pin, second: &Pin) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let mut data = Zeroizing::new(Vec::with_capacity(2 * BLOCK_LEN));
    for pin in [first, second] {
        let digits = pin.as_bytes();
        if digits.len() > BLOCK_LEN {
            return Err(CardError::DataLength);
        }
        let start = data.len();
        data.extend_from_slice(digits);
        data.resize(start + BLOCK_LEN, PAD);
    }
    Ok(data)
}

/// The status words of VERIFY apply (cns.md §4): 63Cx wrong with x tries left, 6983 blocked.
fn outcome(ins: u8, sw: StatusWord) -> Result<(), CardError> {
    pin_outcome(sw, |sw| file::unexpected(ins, sw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::PinPolicy;
    use crate::transport::{Channel, ReaderCapabilities, TransportError};

    /// Records each APDU and answers with the next scripted status word.
    struct Scripted {
        answers: Vec<[u8; 2]>,
        sent: Vec<Vec<u8>>,
    }

    impl Channel for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            Ok(self.answers.remove(0).to_vec())
        }
    }

    const CAPS: ReaderCapabilities = ReaderCapabilities {
        extended_apdu: true,
    };
    const POLICY: PinPolicy = PinPolicy {
        min_len: 5,
        max_len: 8,
        max_tries: 3,
    };

    fn pin(digits: &[u8]) -> Pin {
        Pin::new(&POLICY, digits).unwrap()
    }

    fn run(
        answer: [u8; 2],
        op: impl FnOnce(&mut CardChannel<'_>) -> Result<(), CardError>,
    ) -> (Result<(), CardError>, Vec<u8>) {
        let mut card = Scripted {
            answers: vec![answer],
            sent: Vec::new(),
        };
        let result = op(&mut CardChannel::new(&mut card, CAPS));
        assert_eq!(card.sent.len(), 1, "one APDU, never retried");
        (result, card.sent.remove(0))
    }

    /// The one APDU `op` sends to a card that accepts it.
    fn accepted(op: impl FnOnce(&mut CardChannel<'_>) -> Result<(), CardError>) -> Vec<u8> {
        let (result, apdu) = run([0x90, 0x00], op);
        assert_eq!(result, Ok(()));
        apdu
    }

    #[test]
    fn change_sends_old_and_new_padded_blocks() {
        let apdu = accepted(|ch| {
            send(
                ch,
                TwoBlocks::ChangeReferenceData,
                0x90,
                &pin(b"12345"),
                &pin(b"87654321"),
            )
        });
        assert_eq!(
            apdu,
            [
                &[0x00, 0x24, 0x00, 0x90, 0x10],
                &b"12345\xFF\xFF\xFF87654321"[..]
            ]
            .concat()
        );
    }

    #[test]
    fn reset_retry_counter_names_the_pin_and_carries_puk_then_new_pin() {
        let apdu = accepted(|ch| {
            send(
                ch,
                TwoBlocks::ResetRetryCounter,
                0x90,
                &pin(b"87654321"),
                &pin(b"246810"),
            )
        });
        assert_eq!(
            apdu,
            [
                &[0x00, 0x2C, 0x00, 0x90, 0x10],
                &b"87654321246810\xFF\xFF"[..]
            ]
            .concat()
        );
    }

    #[test]
    fn status_words_report_the_counter() {
        let wrong = |sw| {
            run(sw, |ch| {
                send(
                    ch,
                    TwoBlocks::ResetRetryCounter,
                    0x90,
                    &pin(b"11111"),
                    &pin(b"22222"),
                )
            })
            .0
        };
        assert_eq!(
            wrong([0x63, 0xC9]),
            Err(CardError::PinIncorrect { tries_left: 9 })
        );
        assert_eq!(wrong([0x63, 0xC0]), Err(CardError::PinLocked));
        assert_eq!(wrong([0x69, 0x83]), Err(CardError::PinLocked));
        assert_eq!(
            wrong([0x6A, 0x80]),
            Err(CardError::UnexpectedStatus {
                ins: 0x2C,
                sw: 0x6A80
            })
        );
    }
}
