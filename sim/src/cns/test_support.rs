//! Helpers shared by the APDU-level tests of the virtual TS-CNS.

use super::variant;
use super::CnsCard;
use crate::card::{CardOptions, VirtualCard};

pub fn card(name: &str) -> CnsCard {
    CnsCard::new(variant::find(name).unwrap(), &CardOptions::default()).unwrap()
}

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Split a response into (data, SW).
pub fn run(card: &mut CnsCard, apdu: &[u8]) -> (Vec<u8>, u16) {
    let r = card.process(apdu);
    assert!(r.len() >= 2, "response without SW");
    let (data, sw) = r.split_at(r.len() - 2);
    (data.to_vec(), u16::from_be_bytes([sw[0], sw[1]]))
}

pub fn sw(card: &mut CnsCard, apdu: &str) -> u16 {
    run(card, &hex(apdu)).1
}

/// The file size from tag 80 of an FCI.
pub fn fci_size(fci: &[u8]) -> usize {
    assert_eq!(fci[0], 0x6F);
    let pos = fci.windows(2).position(|w| w == [0x80, 0x02]).unwrap();
    usize::from(u16::from_be_bytes([fci[pos + 2], fci[pos + 3]]))
}

pub fn read_all(card: &mut CnsCard, size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < size {
        let off = out.len() as u16;
        let [hi, lo] = off.to_be_bytes();
        let (data, sw) = run(card, &[0x00, 0xB0, hi, lo, 0xFF]);
        assert_eq!(sw, 0x9000);
        assert!(!data.is_empty());
        out.extend(data);
    }
    out
}

pub fn pin_block(pin: &str) -> String {
    let mut b = pin.as_bytes().to_vec();
    b.resize(8, 0xFF);
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// `header 10 first‖second`: CHANGE REFERENCE DATA or RESET RETRY COUNTER with two PIN blocks.
pub fn two_pins(header: &str, first: &str, second: &str) -> String {
    format!("{header} 10 {}{}", pin_block(first), pin_block(second))
}

pub fn verify(card: &mut CnsCard, pin: &str) -> u16 {
    sw(card, &format!("00 20 00 90 08 {}", pin_block(pin)))
}

/// `00 2A 80 86` with `00 ‖ block` in the form the variant needs.
pub fn decipher_apdu(block: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x2A, 0x80, 0x86];
    let lc = block.len() + 1;
    if lc <= 255 {
        apdu.push(lc as u8);
        apdu.push(0);
        apdu.extend_from_slice(block);
        apdu.push(block.len() as u8);
    } else {
        apdu.push(0);
        apdu.extend_from_slice(&(lc as u16).to_be_bytes());
        apdu.push(0);
        apdu.extend_from_slice(block);
        apdu.extend_from_slice(&(block.len() as u16).to_be_bytes());
    }
    apdu
}

/// A PKCS#1 v1.5 type-01 block of k bytes around some payload.
pub fn padded_block(k: usize) -> Vec<u8> {
    let payload = b"0123456789abcdef0123456789abcdef0123456789abcdef0123";
    let mut b = vec![0x00, 0x01];
    b.resize(k - payload.len() - 1, 0xFF);
    b.push(0x00);
    b.extend_from_slice(payload);
    b
}

/// The PIN P2 the variant expects (cns.md §4: `90` on STIncard, `10` elsewhere).
pub fn pin_p2(card: &CnsCard) -> u8 {
    if card.variant.pin_backtracking_bit {
        0x90
    } else {
        0x10
    }
}

/// VERIFY the user PIN with the variant's P2.
pub fn login(card: &mut CnsCard, pin: &str) -> u16 {
    let p2 = pin_p2(card);
    sw(card, &format!("00 20 00 {p2:02X} 08 {}", pin_block(pin)))
}

/// Make the CNS files reachable: SELECT the CNS application where the variant has one (§2.4).
pub fn open_cns(card: &mut CnsCard) {
    if let Some(app) = card.variant.applications.iter().find(|a| a.holds_cns) {
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, app.aid.len() as u8];
        apdu.extend_from_slice(app.aid);
        assert_eq!(run(card, &apdu).1, 0x9000);
    }
}

/// SELECT an absolute path (`[3F00, ...]`) the way the variant allows: P1=08 from the MF, or (ACe
/// 2025) the CNS application again then P1=09 from its root. P2=00: the FCI comes back.
pub fn select_path(card: &mut CnsCard, path: &[u16]) -> (Vec<u8>, u16) {
    let (p1, rest) = if card.variant.path_from_mf {
        (0x08, &path[1..])
    } else {
        open_cns(card);
        (0x09, &path[1..])
    };
    let mut apdu = vec![0x00, 0xA4, p1, 0x00, (rest.len() * 2) as u8];
    for fid in rest {
        apdu.extend_from_slice(&fid.to_be_bytes());
    }
    apdu.push(0x00);
    run(card, &apdu)
}
