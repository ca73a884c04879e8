//! `cardsim --card bank`: a card that is neither a CIE nor a TS-CNS, an EMV payment card, so
//! that the module and the tools can be tested on the wrong card in the reader. It knows none
//! of the files and applications the module selects: every SELECT answers 6A82 (file or
//! application not found, ISO 7816-4 §5.1.3), every other command the module could send
//! without a selection a "not supported" or "no current EF" status.

use crate::card::VirtualCard;
use crate::sw::{status, Sw};

/// A Gemalto EMV (Visa/Mastercard) ATR: T=1, historical bytes without any CNS or CIE marker.
const ATR: &[u8] = &[
    0x3B, 0x6E, 0x00, 0x00, 0x80, 0x31, 0x80, 0x66, 0xB0, 0x84, 0x12, 0x01, 0x6E, 0x01, 0x83, 0x00,
    0x90, 0x00,
];

pub struct BankCard;

impl VirtualCard for BankCard {
    fn atr(&self) -> Vec<u8> {
        ATR.to_vec()
    }

    fn reset(&mut self) {}

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let sw = match apdu {
            [0x00 | 0x80, ins, _, _, ..] => match *ins {
                0xA4 => Sw::FILE_NOT_FOUND,
                0xB0 | 0xB1 => Sw::NO_CURRENT_EF,
                0xCA | 0xCB => Sw::REF_NOT_FOUND,
                _ => Sw::INS_NOT_SUPPORTED,
            },
            [_, _, _, _, ..] => Sw::CLA_NOT_SUPPORTED,
            _ => Sw::WRONG_LENGTH,
        };
        status(sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_nothing_the_module_selects() {
        let mut card = BankCard;
        // SELECT MF, SELECT by AID (CIE IAS), READ BINARY, GET DATA, VERIFY.
        let cases: [(&[u8], [u8; 2]); 6] = [
            (&[0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00], [0x6A, 0x82]),
            (
                &[
                    0x00, 0xA4, 0x04, 0x0C, 0x06, 0xA0, 0x00, 0x00, 0x00, 0x30, 0x80,
                ],
                [0x6A, 0x82],
            ),
            (&[0x00, 0xB0, 0x00, 0x00, 0x00], [0x69, 0x86]),
            (&[0x00, 0xCB, 0x3F, 0xFF, 0x00], [0x6A, 0x88]),
            (&[0x00, 0x20, 0x00, 0x81], [0x6D, 0x00]),
            (&[0x0C, 0xA4, 0x00, 0x00], [0x6E, 0x00]),
        ];
        for (apdu, sw) in cases {
            assert_eq!(card.process(apdu), sw, "{apdu:02X?}");
        }
        assert_eq!(card.process(&[0x00]), [0x67, 0x00]);
    }
}
