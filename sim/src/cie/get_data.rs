//! The IAS-ECC GET DATA queries the CIE answers (`00 CB 3F FF` + `4D` selector) and their answer
//! layouts, byte for byte as observed (cie.md §4.1–4.3, C1, C3, C4).

use super::dh::DhGroup;
use super::tlv::encode;

/// `BF A0 04`: SDO "RSA public key", reference 04 (= CA key 84 & 7F).
const SDO_CA_KEY: [u8; 3] = [0xBF, 0xA0, 0x04];
/// `BF A1 01`: SDO of the DH parameters.
const SDO_DH: [u8; 3] = [0xBF, 0xA1, 0x01];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// §4.1: `4D 09 70 07 BF A0 04 03 7F 49 80`.
    CaPublicKey,
    /// §4.2 three-GET-DATA form: one of g (97), p (98), q (99).
    DhParam(u8),
    /// §4.2 Gemalto single form `4D 08 70 06 BF A1 01 02 A3 80`: g, p, q in one answer.
    DhAll,
    /// §4.3 step 3: `4D 04 A6 02 91 00`, the chip's DH public value.
    IccPublicKey,
}

/// Recognise the selector in the data field of `00 CB 3F FF`. The queries are fixed strings.
pub fn parse(data: &[u8]) -> Option<Query> {
    match data {
        [0x4D, 0x09, 0x70, 0x07, 0xBF, 0xA0, 0x04, 0x03, 0x7F, 0x49, 0x80] => {
            Some(Query::CaPublicKey)
        }
        [0x4D, 0x0A, 0x70, 0x08, 0xBF, 0xA1, 0x01, 0x04, 0xA3, 0x02, t @ 0x97..=0x99, 0x00] => {
            Some(Query::DhParam(*t))
        }
        [0x4D, 0x08, 0x70, 0x06, 0xBF, 0xA1, 0x01, 0x02, 0xA3, 0x80] => Some(Query::DhAll),
        [0x4D, 0x04, 0xA6, 0x02, 0x91, 0x00] => Some(Query::IccPublicKey),
        _ => None,
    }
}

/// C1: `70 { BF A0 04 { 7F 49 { 81 n ‖ 82 e ‖ 5F20 CHR(12) ‖ 5F4C CHA(7) } } }`.
pub fn ca_public_key(n: &[u8], e: &[u8], chr: &[u8], cha: &[u8]) -> Vec<u8> {
    let mut key = encode(&[0x81], n);
    key.extend(encode(&[0x82], e));
    key.extend(encode(&[0x5F, 0x20], chr));
    key.extend(encode(&[0x5F, 0x4C], cha));
    encode(&[0x70], &encode(&SDO_CA_KEY, &encode(&[0x7F, 0x49], &key)))
}

/// C3: `70 { BF A1 01 { A3 { 97|98|99 value } } }`.
pub fn dh_param(tag: u8, group: &DhGroup) -> Vec<u8> {
    let value = match tag {
        0x97 => &group.g,
        0x98 => &group.p,
        _ => &group.q,
    };
    encode(
        &[0x70],
        &encode(&SDO_DH, &encode(&[0xA3], &encode(&[tag], value))),
    )
}

/// §4.2 Gemalto: the same template with g, p, q as 1st/2nd/3rd children.
pub fn dh_all(group: &DhGroup) -> Vec<u8> {
    let mut inner = encode(&[0x97], &group.g);
    inner.extend(encode(&[0x98], &group.p));
    inner.extend(encode(&[0x99], &group.q));
    encode(&[0x70], &encode(&SDO_DH, &encode(&[0xA3], &inner)))
}

/// C4: `A6 { 91 Y_icc }`.
pub fn icc_public_key(y_icc: &[u8]) -> Vec<u8> {
    encode(&[0xA6], &encode(&[0x91], y_icc))
}
