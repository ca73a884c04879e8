//! Driver tests against `MockCns`, a scripted classic TS-CNS (ST 2021 behaviour per cns.md
//! and cns-opensc.md): strict about the APDUs it accepts, so wrong bytes fail the tests.

use super::*;
use crate::transport::{Channel, ReaderCapabilities, TransportError};

pub(crate) const ST_2021_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16, 0x17, 0x01,
    0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
];
pub(crate) const SERIAL: &str = "6090010012345678";
pub(crate) const PIN: &[u8] = b"12345";

pub(crate) fn certificate() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cns-auth.der"
    ))
    .expect("fixture certificate")
}

pub(crate) fn personal_data_file() -> Vec<u8> {
    let fields = [
        "A123",
        "01012020",
        "01012026",
        "ROSSI",
        "MARIO",
        "02031970",
        "M",
        "",
        "RSSMRA70C02H501X",
        "",
        "H501",
        "",
        "",
        "H501",
        "VIA ROMA 1",
        "",
    ];
    let body: String = fields
        .iter()
        .map(|f| format!("{:02X}{f}", f.len()))
        .collect();
    let mut file = format!("{:06X}{body}", body.len()).into_bytes();
    file.resize(400, 0);
    file
}

/// A classic TS-CNS: EF 1003, 1102, 1101 (padded to 2048), PIN `90`, key `01`.
pub(crate) struct MockCns {
    pub files: Vec<(Vec<u8>, Vec<u8>)>,
    pub selected: Option<usize>,
    pub tries: u8,
    pub verified: bool,
    pub se_restored: bool,
    pub key_set: bool,
    /// Largest Le a READ BINARY may carry.
    pub max_read: usize,
    pub accepts_extended: bool,
    pub sent: Vec<Vec<u8>>,
}

impl MockCns {
    pub fn new() -> MockCns {
        let mut cert_file = certificate();
        cert_file.resize(2048, 0x00);
        MockCns {
            files: vec![
                (ID_CARTA.to_vec(), SERIAL.as_bytes().to_vec()),
                (DATI_PERSONALI.to_vec(), personal_data_file()),
                (vec![0x11, 0x00, 0x11, 0x01], cert_file),
            ],
            selected: None,
            tries: 3,
            verified: false,
            se_restored: false,
            key_set: false,
            max_read: 65_536,
            accepts_extended: true,
            sent: Vec::new(),
        }
    }

    /// (header, data, Ne) of a command APDU, both length forms.
    fn parse(apdu: &[u8]) -> Option<([u8; 4], Vec<u8>, Option<usize>)> {
        let header: [u8; 4] = apdu.get(..4)?.try_into().ok()?;
        let body = &apdu[4..];
        let ne = |b: &[u8]| -> usize {
            let v = b.iter().fold(0usize, |a, x| (a << 8) | usize::from(*x));
            match (b.len(), v) {
                (1, 0) => 256,
                (2, 0) => 65_536,
                _ => v,
            }
        };
        match body.len() {
            0 => Some((header, vec![], None)),
            1 => Some((header, vec![], Some(ne(body)))),
            _ if body[0] == 0 && body.len() == 3 => Some((header, vec![], Some(ne(&body[1..])))),
            _ if body[0] == 0 && body.len() > 3 => {
                let lc = usize::from(u16::from_be_bytes([body[1], body[2]]));
                let data = body.get(3..3 + lc)?.to_vec();
                let rest = &body[3 + lc..];
                match rest.len() {
                    0 => Some((header, data, None)),
                    2 => Some((header, data, Some(ne(rest)))),
                    _ => None,
                }
            }
            _ => {
                let lc = usize::from(body[0]);
                let data = body.get(1..1 + lc)?.to_vec();
                let rest = &body[1 + lc..];
                match rest.len() {
                    0 => Some((header, data, None)),
                    1 => Some((header, data, Some(ne(rest)))),
                    _ => None,
                }
            }
        }
    }

    fn answer(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Some((h, data, ne)) = Self::parse(apdu) else {
            return vec![0x67, 0x00];
        };
        let extended = apdu.len() > 5 && (apdu[4] == 0 && apdu.len() != 5);
        if extended && !self.accepts_extended && data.len() > 255 {
            return vec![0x67, 0x00];
        }
        match (h[0], h[1], h[2], h[3]) {
            (0x00, 0xA4, 0x08, p2 @ (0x00 | 0x0C)) => {
                let Some(i) = self.files.iter().position(|(p, _)| *p == data) else {
                    return vec![0x6A, 0x82];
                };
                self.selected = Some(i);
                if p2 == 0x0C {
                    return vec![0x90, 0x00];
                }
                let size = self.files[i].1.len() as u16;
                let [hi, lo] = size.to_be_bytes();
                vec![0x6F, 0x07, 0x80, 0x02, hi, lo, 0x82, 0x01, 0x01, 0x90, 0x00]
            }
            (0x00, 0xB0, hi, lo) => {
                let Some(i) = self.selected else {
                    return vec![0x69, 0x86];
                };
                let Some(ne) = ne else {
                    return vec![0x67, 0x00];
                };
                if ne > self.max_read {
                    return vec![0x67, 0x00];
                }
                let content = &self.files[i].1;
                let offset = usize::from(u16::from_be_bytes([hi, lo]));
                if offset >= content.len() {
                    return vec![0x6B, 0x00];
                }
                let end = (offset + ne).min(content.len());
                let mut r = content[offset..end].to_vec();
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            (0x00, 0x20, 0x00, 0x90) => {
                if self.tries == 0 {
                    return vec![0x69, 0x83];
                }
                if data.is_empty() {
                    return if self.verified {
                        vec![0x90, 0x00]
                    } else {
                        vec![0x63, 0xC0 | self.tries]
                    };
                }
                let mut expected = PIN.to_vec();
                expected.resize(8, 0xFF);
                if data == expected {
                    self.tries = 3;
                    self.verified = true;
                    vec![0x90, 0x00]
                } else {
                    self.tries -= 1;
                    self.verified = false;
                    if self.tries == 0 {
                        vec![0x69, 0x83]
                    } else {
                        vec![0x63, 0xC0 | self.tries]
                    }
                }
            }
            (0x00, 0x22, 0xF3, 0x03) if apdu == [0x00, 0x22, 0xF3, 0x03, 0x00] => {
                self.se_restored = true;
                self.key_set = false;
                vec![0x90, 0x00]
            }
            (0x00, 0x22, 0xF1, 0xB8) if data == [0x83, 0x01, 0x01] && self.se_restored => {
                self.key_set = true;
                vec![0x90, 0x00]
            }
            (0x00, 0x2A, 0x80, 0x86) => {
                if !self.verified {
                    return vec![0x69, 0x82];
                }
                if !self.key_set || data.first() != Some(&0) {
                    return vec![0x6A, 0x80];
                }
                // "Raw RSA": the mock returns the block reversed, enough to see it arrived whole.
                let mut r: Vec<u8> = data[1..].iter().rev().copied().collect();
                if ne != Some(r.len()) {
                    return vec![0x67, 0x00];
                }
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            (0x10, ..) => vec![0x6E, 0x00],
            _ => vec![0x6D, 0x00],
        }
    }
}

impl Channel for MockCns {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        Ok(self.answer(command))
    }
}

const EXT: ReaderCapabilities = ReaderCapabilities {
    extended_apdu: true,
};
const SHORT: ReaderCapabilities = ReaderCapabilities {
    extended_apdu: false,
};

fn st_2021() -> CnsCard {
    let atr = CnsAtr::decode(&ST_2021_ATR).unwrap();
    CnsCard::new(atr, profile::profile_for(&atr).unwrap())
}

fn bind(mock: &mut MockCns, caps: ReaderCapabilities) -> (CnsCard, PublicData, usize) {
    let mut card = st_2021();
    let mut ch = CardChannel::new(mock, caps);
    assert_eq!(card.probe(&mut ch).unwrap().as_deref(), Some(SERIAL));
    let data = card.read_public_data(&mut ch).unwrap();
    let n = ch.apdus_sent();
    (card, data, n)
}

#[test]
fn public_data_in_six_apdus_with_extended_reads() {
    let mut mock = MockCns::new();
    let (_, data, apdus) = bind(&mut mock, EXT);
    assert_eq!(data.serial, SERIAL);
    assert_eq!(data.holder.as_deref(), Some("ROSSI MARIO"));
    assert_eq!(data.certificate.as_deref(), Some(&certificate()[..]));
    assert_eq!(data.model, "ST 2021");
    assert_eq!(data.manufacturer, "STIncard");
    assert_eq!(apdus, 6);
    assert_eq!(
        mock.sent[0],
        [0, 0xA4, 0x08, 0x0C, 4, 0x10, 0x00, 0x10, 0x03]
    );
    assert_eq!(mock.sent[1], [0, 0xB0, 0, 0, 0x10]);
    assert_eq!(
        mock.sent[4],
        [0, 0xA4, 0x08, 0x00, 4, 0x11, 0x00, 0x11, 0x01, 0x00]
    );
}

#[test]
fn public_data_with_a_short_only_reader() {
    let mut mock = MockCns::new();
    let (_, data, apdus) = bind(&mut mock, SHORT);
    assert_eq!(data.certificate.as_deref(), Some(&certificate()[..]));
    assert_eq!(data.holder.as_deref(), Some("ROSSI MARIO"));
    // 2 (serial) + 2 (personal data fits in 256) + 1 + ceil(1063 / 256) = 10.
    assert_eq!(apdus, 10);
    assert!(mock.sent.iter().all(|a| a.len() <= 5 + 255 + 1));
}

#[test]
fn probe_rejects_a_card_without_ef_idcarta() {
    let mut mock = MockCns::new();
    mock.files.remove(0);
    let mut card = st_2021();
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert_eq!(card.probe(&mut ch), Ok(None));
}

#[test]
fn missing_personal_data_leaves_holder_empty() {
    let mut mock = MockCns::new();
    mock.files.remove(1);
    let (_, data, _) = bind(&mut mock, EXT);
    assert_eq!(data.holder, None);
    assert!(data.certificate.is_some());
}

#[test]
fn verify_pin_maps_status_words() {
    let mut mock = MockCns::new();
    let mut card = st_2021();
    let policy = card.pin_policy(PinKind::User);
    let wrong = Pin::new(&policy, b"99999").unwrap();
    let right = Pin::new(&policy, PIN).unwrap();
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(3)));
    assert_eq!(
        card.verify_pin(&mut ch, PinKind::User, &wrong),
        Err(CardError::PinIncorrect { tries_left: 2 })
    );
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(2)));
    assert_eq!(card.verify_pin(&mut ch, PinKind::User, &right), Ok(()));
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(3)));
    for _ in 0..2 {
        let _ = card.verify_pin(&mut ch, PinKind::User, &wrong);
    }
    assert_eq!(
        card.verify_pin(&mut ch, PinKind::User, &wrong),
        Err(CardError::PinLocked)
    );
    assert_eq!(
        card.verify_pin(&mut ch, PinKind::User, &right),
        Err(CardError::PinLocked)
    );
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(0)));
    // The PIN block: 00 20 00 90 08 '12345' FF FF FF.
    let verify = mock
        .sent
        .iter()
        .find(|a| a.len() == 13 && a[5..10] == *PIN)
        .unwrap();
    assert_eq!(
        verify[..],
        [0, 0x20, 0, 0x90, 8, b'1', b'2', b'3', b'4', b'5', 0xFF, 0xFF, 0xFF]
    );
}

#[test]
fn sign_2048_is_three_apdus_with_one_extended_pso() {
    let mut mock = MockCns::new();
    mock.verified = true;
    let mut card = st_2021();
    let block: Vec<u8> = (0..256).map(|i| i as u8).collect();
    let mut ch = CardChannel::new(&mut mock, EXT);
    let sig = card.sign(&mut ch, &block).unwrap();
    assert_eq!(ch.apdus_sent(), 3);
    assert_eq!(sig, block.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(mock.sent[0], [0, 0x22, 0xF3, 0x03, 0x00]);
    assert_eq!(mock.sent[1], [0, 0x22, 0xF1, 0xB8, 3, 0x83, 1, 1]);
    assert_eq!(
        mock.sent[2][..8],
        [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01, 0x00]
    );
    assert_eq!(mock.sent[2][mock.sent[2].len() - 2..], [0x01, 0x00]);
}

#[test]
fn sign_without_pin_is_security_status() {
    let mut mock = MockCns::new();
    let mut card = st_2021();
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert_eq!(
        card.sign(&mut ch, &[0x55; 256]),
        Err(CardError::SecurityStatusNotSatisfied)
    );
}

#[test]
fn chaining_refused_by_st_2021_is_not_supported() {
    let mut mock = MockCns::new();
    mock.verified = true;
    let mut card = st_2021();
    let mut ch = CardChannel::new(&mut mock, SHORT);
    assert_eq!(
        card.sign(&mut ch, &[0x55; 256]),
        Err(CardError::NotSupported)
    );
    assert_eq!(mock.sent[2][0], 0x10);
}

#[test]
fn sign_1024_uses_a_short_apdu() {
    let mut mock = MockCns::new();
    mock.verified = true;
    let mut card = st_2021();
    let mut ch = CardChannel::new(&mut mock, SHORT);
    let sig = card.sign(&mut ch, &[0x42; 128]).unwrap();
    assert_eq!(sig.len(), 128);
    assert_eq!(mock.sent[2][..6], [0, 0x2A, 0x80, 0x86, 0x81, 0x00]);
    assert_eq!(*mock.sent[2].last().unwrap(), 0x80);
}
