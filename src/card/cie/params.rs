//! Public card parameters read in plain before the key agreement (cie.md §4.1–4.2, C1, C3):
//! the DH domain parameters and the CA public key that checks the terminal certificate.
//! They never change for a card, so the driver reads them once per process.
//!
//! The answers are walked by position, as the official host does (C1, C3); lengths and
//! tags are still checked, and anything unexpected is an error, never a panic.

use super::plain;
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::ins::INS_GET_DATA;
use crate::iso7816::tlv::{self, Tlv};
use crate::iso7816::Command;

/// g, p, q exactly as the card returned them (C3: hashed as returned, no re-padding).
#[derive(Clone, PartialEq, Eq)]
pub struct DhParams {
    pub g: Vec<u8>,
    pub p: Vec<u8>,
    pub q: Vec<u8>,
}

impl std::fmt::Debug for DhParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DhParams(|g| {}, |p| {}, |q| {})",
            self.g.len(),
            self.p.len(),
            self.q.len()
        )
    }
}

/// The CA public key and names of §4.1 (C1 layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaKey {
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
    /// CAR := CHR[4..] (8 bytes).
    pub car: Vec<u8>,
    /// CA_AID := CHA[0..6].
    pub ca_aid: Vec<u8>,
}

/// How the card gives its DH parameters (§1.1, §4.2). Decided by the card's answers: the
/// three-GET-DATA form works on every chip family but the first Gemalto one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DhQueryForm {
    /// `… 97 00`, `… 98 00`, `… 99 00`: one GET DATA per value.
    ThreeQueries,
    /// `… A3 80`: one GET DATA for all three (Gemalto, issued 2021).
    SingleQuery,
}

impl DhQueryForm {
    pub fn other(self) -> DhQueryForm {
        match self {
            DhQueryForm::ThreeQueries => DhQueryForm::SingleQuery,
            DhQueryForm::SingleQuery => DhQueryForm::ThreeQueries,
        }
    }
}

/// `00 CB 3F FF Lc data`, case 3 (C1, C3: no Le; long answers come through 61xx).
fn get_data(data: &[u8]) -> Command {
    Command::new(0x00, INS_GET_DATA, 0x3F, 0xFF).with_data(data.to_vec())
}

/// §4.2: tag `97` (g), `98` (p) or `99` (q) of the DH SDO.
pub fn dh_value_query(tag: u8) -> Command {
    get_data(&[
        0x4D, 0x0A, 0x70, 0x08, 0xBF, 0xA1, 0x01, 0x04, 0xA3, 0x02, tag, 0x00,
    ])
}

/// §4.2, Gemalto form: the whole DH SDO.
pub fn dh_all_query() -> Command {
    get_data(&[0x4D, 0x08, 0x70, 0x06, 0xBF, 0xA1, 0x01, 0x02, 0xA3, 0x80])
}

/// §4.1: the CA public key template.
pub fn ca_key_query() -> Command {
    get_data(&[
        0x4D, 0x09, 0x70, 0x07, 0xBF, 0xA0, 0x04, 0x03, 0x7F, 0x49, 0x80,
    ])
}

/// The first object of `input`, which must be constructed: the "by position" step.
fn first<'a>(input: &'a [u8], what: &'static str) -> Result<Tlv<'a>, CardError> {
    let (object, _) = tlv::parse_one(input).map_err(|_| CardError::Malformed(what))?;
    Ok(object)
}

/// Children of the object at depth `levels` below the first object of `answer`, walking
/// the first child at each level (C1, C3).
fn innermost<'a>(
    answer: &'a [u8],
    levels: usize,
    what: &'static str,
) -> Result<Vec<Tlv<'a>>, CardError> {
    let mut object = first(answer, what)?;
    for _ in 0..levels {
        if !object.is_constructed() {
            return Err(CardError::Malformed(what));
        }
        object = first(object.value, what)?;
    }
    if !object.is_constructed() {
        return Err(CardError::Malformed(what));
    }
    object
        .children()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CardError::Malformed(what))
}

/// C3: `70 { BF A1 01 { A3 { 97|98|99 value } } }` → the value.
pub fn parse_dh_value(answer: &[u8], tag: u8) -> Result<Vec<u8>, CardError> {
    let children = innermost(answer, 2, "DH parameter answer")?;
    match children.first() {
        Some(t) if t.tag == u32::from(tag) && !t.value.is_empty() => Ok(t.value.to_vec()),
        _ => Err(CardError::Malformed("DH parameter answer")),
    }
}

/// Gemalto form: g, p, q are the first three children of the innermost template.
pub fn parse_dh_all(answer: &[u8]) -> Result<DhParams, CardError> {
    let children = innermost(answer, 2, "DH parameters answer")?;
    match children.as_slice() {
        [g, p, q, ..] if !g.value.is_empty() && !p.value.is_empty() && !q.value.is_empty() => {
            Ok(DhParams {
                g: g.value.to_vec(),
                p: p.value.to_vec(),
                q: q.value.to_vec(),
            })
        }
        _ => Err(CardError::Malformed("DH parameters answer")),
    }
}

/// C1: `70 { BF A0 04 { 7F 49 { 81 n ‖ 82 e ‖ 5F20 CHR(12) ‖ 5F4C CHA(7) } } }`.
pub fn parse_ca_key(answer: &[u8]) -> Result<CaKey, CardError> {
    const WHAT: &str = "CA key answer";
    let children = innermost(answer, 2, WHAT)?;
    let find = |tag: u32| {
        children
            .iter()
            .find(|t| t.tag == tag)
            .map(|t| t.value)
            .ok_or(CardError::Malformed(WHAT))
    };
    let modulus = find(0x81)?;
    let exponent = find(0x82)?;
    let chr = find(0x5F20)?;
    let cha = find(0x5F4C)?;
    if modulus.is_empty() || exponent.is_empty() || chr.len() < 12 || cha.len() < 6 {
        return Err(CardError::Malformed(WHAT));
    }
    Ok(CaKey {
        modulus: modulus.to_vec(),
        exponent: exponent.to_vec(),
        car: chr[4..].to_vec(),
        ca_aid: cha[..6].to_vec(),
    })
}

/// Reads g, p, q in `form`.
pub fn read_dh_params(
    channel: &mut CardChannel<'_>,
    form: DhQueryForm,
) -> Result<DhParams, CardError> {
    match form {
        DhQueryForm::SingleQuery => {
            let answer = plain::expect_success(INS_GET_DATA, channel.execute(&dh_all_query())?)?;
            parse_dh_all(&answer)
        }
        DhQueryForm::ThreeQueries => {
            let mut value = |tag: u8| -> Result<Vec<u8>, CardError> {
                let answer =
                    plain::expect_success(INS_GET_DATA, channel.execute(&dh_value_query(tag))?)?;
                parse_dh_value(&answer, tag)
            };
            Ok(DhParams {
                g: value(0x97)?,
                p: value(0x98)?,
                q: value(0x99)?,
            })
        }
    }
}

/// Tries `preferred` first and the other form when the card refuses it or answers
/// something that does not parse (§1.1: decide by the answers, the ATR is only a hint).
pub fn read_dh_params_any(
    channel: &mut CardChannel<'_>,
    preferred: DhQueryForm,
) -> Result<(DhParams, DhQueryForm), CardError> {
    match read_dh_params(channel, preferred) {
        Ok(params) => Ok((params, preferred)),
        Err(e) if e.is_link() => Err(e),
        Err(first_error) => {
            log::debug!(
                "CIE: DH parameters in {preferred:?} form: {first_error:?}; trying the other form"
            );
            let other = preferred.other();
            let params = read_dh_params(channel, other)?;
            Ok((params, other))
        }
    }
}

pub fn read_ca_key(channel: &mut CardChannel<'_>) -> Result<CaKey, CardError> {
    let answer = plain::expect_success(INS_GET_DATA, channel.execute(&ca_key_query())?)?;
    parse_ca_key(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_byte_exact() {
        let enc = |c: Command| crate::iso7816::apdu::hex(&c.encode(false).unwrap());
        assert_eq!(
            enc(dh_value_query(0x98)),
            "00CB3FFF0C4D0A7008BFA10104A3029800"
        );
        assert_eq!(enc(dh_all_query()), "00CB3FFF0A4D087006BFA10102A380");
        assert_eq!(enc(ca_key_query()), "00CB3FFF0B4D097007BFA004037F4980");
    }

    /// A GET DATA answer for the DH parameters: `70 { BF A1 01 { A3 { values } } }`.
    fn dh_answer(values: &[u8]) -> Vec<u8> {
        tlv::encode(
            &[0x70],
            &tlv::encode(&[0xBF, 0xA1, 0x01], &tlv::encode(&[0xA3], values)),
        )
    }

    /// The single-query answer: g = 2, then p and q of the given lengths.
    fn dh_all_answer(p_len: usize, q_len: usize) -> Vec<u8> {
        let mut values = tlv::encode(&[0x97], &[2]);
        values.extend(tlv::encode(&[0x98], &vec![0xC3; p_len]));
        values.extend(tlv::encode(&[0x99], &vec![0x81; q_len]));
        dh_answer(&values)
    }

    #[test]
    fn dh_value_by_position() {
        let p = vec![0xC3; 256];
        let answer = dh_answer(&tlv::encode(&[0x98], &p));
        assert_eq!(parse_dh_value(&answer, 0x98).unwrap(), p);
        assert!(parse_dh_value(&answer, 0x97).is_err());
        assert!(parse_dh_value(&answer[..answer.len() - 1], 0x98).is_err());
        assert!(parse_dh_value(&[0x70, 0x00], 0x98).is_err());
        assert!(parse_dh_value(&[0x04, 0x01, 0x00], 0x98).is_err());
    }

    #[test]
    fn dh_all_by_position() {
        let answer = dh_all_answer(256, 32);
        let params = parse_dh_all(&answer).unwrap();
        assert_eq!(
            (params.g.len(), params.p.len(), params.q.len()),
            (1, 256, 32)
        );
        assert!(parse_dh_all(&dh_answer(&[])).is_err());
    }

    #[test]
    fn ca_key_layout_c1() {
        let mut inner = tlv::encode(&[0x81], &[0xE1; 256]);
        inner.extend(tlv::encode(&[0x82], &[0x05; 255]));
        inner.extend(tlv::encode(&[0x5F, 0x20], b"\x00\x00\x00\x00CARNAME!"));
        inner.extend(tlv::encode(&[0x5F, 0x4C], b"AIDAID\x01"));
        let answer = tlv::encode(
            &[0x70],
            &tlv::encode(&[0xBF, 0xA0, 0x04], &tlv::encode(&[0x7F, 0x49], &inner)),
        );
        let key = parse_ca_key(&answer).unwrap();
        assert_eq!(key.car, b"CARNAME!");
        assert_eq!(key.ca_aid, b"AIDAID");
        assert_eq!(key.modulus.len(), 256);
        assert_eq!(key.exponent.len(), 255);
        for i in 0..answer.len() {
            let _ = parse_ca_key(&answer[..i]);
        }
    }

    /// A Gemalto-2021-like card: refuses the per-value queries, answers the single one.
    struct SingleFormOnly {
        answer: Vec<u8>,
        sent: Vec<Vec<u8>>,
    }

    impl crate::transport::Channel for SingleFormOnly {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
            self.sent.push(apdu.to_vec());
            if apdu.ends_with(&[0xA3, 0x80]) {
                let mut r = self.answer.clone();
                r.extend([0x90, 0x00]);
                Ok(r)
            } else {
                Ok(vec![0x6A, 0x88])
            }
        }
    }

    #[test]
    fn the_other_dh_form_is_tried_when_the_card_refuses_the_hinted_one() {
        let mut card = SingleFormOnly {
            answer: dh_all_answer(64, 20),
            sent: Vec::new(),
        };
        let capabilities = crate::transport::ReaderCapabilities {
            extended_apdu: false,
        };
        let mut channel = CardChannel::new(&mut card, capabilities);
        let (params, form) = read_dh_params_any(&mut channel, DhQueryForm::ThreeQueries).unwrap();
        assert_eq!(form, DhQueryForm::SingleQuery);
        assert_eq!(params.g, [2]);
        // One refused query, then the single one: no more.
        assert_eq!(card.sent.len(), 2);
    }
}
