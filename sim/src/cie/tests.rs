//! Transport-level behaviour of the virtual CIE: GET RESPONSE, chaining, CLA and length checks.
//! The protocol as a whole is tested from the host side in sim/tests/cie.rs.

use super::variants::VARIANTS;
use super::CieCard;
use crate::card::{CardOptions, VirtualCard};

fn card() -> CieCard {
    CieCard::new(&VARIANTS[0], &CardOptions::default()).unwrap()
}

fn sw(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

const GET_CA_KEY: [u8; 16] = [
    0x00, 0xCB, 0x3F, 0xFF, 0x0B, 0x4D, 0x09, 0x70, 0x07, 0xBF, 0xA0, 0x04, 0x03, 0x7F, 0x49, 0x80,
];

#[test]
fn long_answer_through_get_response() {
    let mut c = card();
    let r = c.process(&GET_CA_KEY);
    assert_eq!(r.len(), 258);
    let announced = sw(&r);
    assert_eq!(announced >> 8, 0x61);
    let mut total = 256;
    let mut next = announced as u8;
    loop {
        let r = c.process(&[0x00, 0xC0, 0x00, 0x00, next]);
        total += r.len() - 2;
        match sw(&r) {
            0x9000 => break,
            s if s >> 8 == 0x61 => next = s as u8,
            s => panic!("{s:04X}"),
        }
    }
    // 70 { BF A0 04 { 7F 49 { 81 n(256) 82 e(256) 5F20 (12) 5F4C (7) } } }
    assert!(total > 540, "{total}");
    // Nothing left: another GET RESPONSE is refused.
    assert_eq!(sw(&c.process(&[0x00, 0xC0, 0x00, 0x00, 0x00])), 0x6985);
}

#[test]
fn any_other_command_drops_the_pending_answer() {
    let mut c = card();
    c.process(&GET_CA_KEY);
    c.process(&[0x00, 0xA4, 0x00, 0x00]);
    assert_eq!(sw(&c.process(&[0x00, 0xC0, 0x00, 0x00, 0x00])), 0x6985);
}

#[test]
fn chain_must_continue_with_the_same_command() {
    let mut c = card();
    assert_eq!(
        sw(&c.process(&[0x10, 0x22, 0x41, 0xA6, 0x01, 0x80])),
        0x9000
    );
    assert_eq!(sw(&c.process(&[0x00, 0xA4, 0x00, 0x00])), 0x6883);
    // The chain is gone: the next command runs normally.
    assert_eq!(sw(&c.process(&[0x00, 0xA4, 0x00, 0x00])), 0x9000);
}

#[test]
fn transport_refusals() {
    let mut c = card();
    // Extended length (short APDUs only, §8).
    assert_eq!(
        sw(&c.process(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00])),
        0x6700
    );
    // Proprietary CLA.
    assert_eq!(sw(&c.process(&[0x80, 0xA4, 0x00, 0x00])), 0x6E00);
    // SM command without a session.
    assert_eq!(
        sw(&c.process(&[0x0C, 0xA4, 0x00, 0x00, 0x02, 0x8E, 0x00])),
        0x6988
    );
    // Unknown INS, short garbage.
    assert_eq!(sw(&c.process(&[0x00, 0x0E, 0x00, 0x00])), 0x6D00);
    assert_eq!(sw(&c.process(&[0x00])), 0x6700);
    // PIN and PUK must be 8 digits.
    let opts = CardOptions {
        pin: "12345".into(),
        puk: "87654321".into(),
        ..CardOptions::default()
    };
    assert!(CieCard::new(&VARIANTS[0], &opts).is_err());
}

#[test]
fn stats_report_retry_counters() {
    let c = card();
    assert_eq!(c.counters(), vec![("pin_tries", 3), ("puk_tries", 10)]);
}
