//! Driver tests against `MockCns`, a scripted TS-CNS that can play every batch of the
//! profile table the way cns.md describes it: strict about the APDUs it accepts (PIN P2,
//! key reference, key DF, AID and relative selection, APDU forms), so wrong bytes fail.

use super::profile::ACE_2025_AID;
use super::*;
use crate::card::detect;
use crate::iso7816::tlv;
use crate::transport::{Channel, ReaderCapabilities, TransportError};

pub(crate) const ST_2021_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16, 0x17, 0x01,
    0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
];
/// cns.md §1.4, "CNS InfoCamere" (CNS 1.0).
pub(crate) const STINCARD_10_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x02, 0x00, 0x01,
    0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9F,
];
/// cns.md §1.4, CRS Lombardia on CardOS.
const CARDOS_ATR: [u8; 26] = [
    0x3B, 0xFF, 0x18, 0x00, 0xFF, 0xC1, 0x0A, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x05, 0x08, 0xC8, 0x05,
    0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x0C,
];
/// cns.md §1.4, "Athena ACTALIS/01".
const ATHENA_ATR: [u8; 24] = [
    0x3B, 0xDF, 0x18, 0x00, 0x81, 0x31, 0xFE, 0x7D, 0x00, 0x6B, 0x02, 0x0C, 0x01, 0x82, 0x01, 0x11,
    0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0xFC,
];
/// cns.md §1.4, Oberthur ID-One Cosmo v7.
const OBERTHUR_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x11, 0x05, 0x07, 0x00, 0x01,
    0x21, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x4A,
];
/// cns.md §1.4, Sardegna TS-CNS = IDEMIA 2021; also a Spanish card's ATR (OpenSC #2782).
const IDEMIA_2021_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x05, 0x05, 0x20, 0x00, 0x01,
    0x21, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x79,
];
/// cns.md §1.4, G&D: a CNS marker with no profile.
const GIESECKE_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x4D, 0x00, 0x6B, 0x04, 0x04, 0xB8, 0x5B, 0x01,
    0xF1, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9D,
];
/// cns.md §1.4 contactless table: ST2022 over NFC, no historical bytes.
const NFC_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];
/// What the CIE probe (cie.md §1.2) costs before the TS-CNS last resort on an ATR no CNS
/// hint points to: SELECT of the IAS AID and SELECT MF, both refused by a TS-CNS.
const CIE_PROBE: usize = 2;
/// cns.md §1.4 contactless table: "TS-CNS (Idemia)", matched by OpenSC's masked entry.
const IDEMIA_NFC_ATR: [u8; 16] = [
    0x3B, 0x8B, 0x80, 0x01, 0x00, 0x31, 0xC1, 0x64, 0x08, 0x92, 0x33, 0x54, 0x00, 0x90, 0x00, 0xF3,
];
/// A contact ATR without the CNS marker (the CIE v1 ATR of cns.md §1.2).
const OTHER_CONTACT_ATR: [u8; 14] = [
    0x3B, 0xF4, 0x18, 0x00, 0xFF, 0x81, 0x31, 0x80, 0x55, 0x00, 0x31, 0x80, 0x00, 0xC7,
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

/// A key pair of the virtual cards (sim/fixtures/cns), for mocks whose signatures the token
/// checks: the private half signs like the chip's raw RSA, the certificate shows the public half.
pub(crate) struct TestKey {
    pub certificate: Vec<u8>,
    modulus: Vec<u8>,
    private_exponent: Vec<u8>,
}

impl TestKey {
    /// The ST 2021 of `cardsim --variant stincard` (RSA-2048, holder ROSSI MARIO).
    pub fn stincard() -> TestKey {
        TestKey::fixture("stincard")
    }

    /// The CNS 1.0 of `cardsim --variant stincard-1024`.
    pub fn stincard_1024() -> TestKey {
        TestKey::fixture("stincard-1024")
    }

    fn fixture(name: &str) -> TestKey {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sim/fixtures/cns/");
        let read = |ext: &str| std::fs::read(format!("{dir}{name}.{ext}")).expect("sim fixture");
        // PKCS#8 PrivateKeyInfo { version, algorithm, OCTET STRING { RSAPrivateKey } }
        // (RFC 5208 §5, RFC 8017 A.1.2: version, n, e, d, …).
        let pkcs8 = read("key.der");
        let (info, _) = tlv::parse_one(&pkcs8).expect("PKCS#8");
        let octets = info.children().nth(2).expect("privateKey").expect("TLV");
        let (rsa, _) = tlv::parse_one(octets.value).expect("RSAPrivateKey");
        let integers: Vec<Vec<u8>> = rsa
            .children()
            .map(|t| crate::card::cie::bignum::strip(t.expect("TLV").value).to_vec())
            .collect();
        TestKey {
            certificate: read("cert.der"),
            modulus: integers[1].clone(),
            private_exponent: integers[3].clone(),
        }
    }

    pub fn public(&self) -> crate::token::signature_check::PublicKey {
        crate::token::signature_check::PublicKey {
            modulus: self.modulus.clone(),
            exponent: vec![1, 0, 1],
        }
    }

    /// The chip's raw RSA private-key operation on a full block.
    pub fn raw_sign(&self, block: &[u8]) -> Vec<u8> {
        crate::card::cie::bignum::mod_pow(block, &self.private_exponent, &self.modulus)
            .expect("block below the modulus")
            .to_vec()
    }
}

fn certificate_1024() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/certificate/stincard-1024.cert.der"
    ))
    .expect("fixture certificate")
}

const FIELDS: [&str; 16] = [
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

/// EF_DatiPersonali as a card stores it; `header_includes_itself` picks the reading of the
/// header seen on the ACe 2025 dump (cns.md §2.2).
pub(crate) fn personal_data_file_with(header_includes_itself: bool) -> Vec<u8> {
    let body: String = FIELDS
        .iter()
        .map(|f| format!("{:02X}{f}", f.len()))
        .collect();
    let len = body.len() + if header_includes_itself { 6 } else { 0 };
    let mut file = format!("{len:06X}{body}").into_bytes();
    file.resize(400, 0);
    file
}

pub(crate) fn personal_data_file() -> Vec<u8> {
    personal_data_file_with(false)
}

const CLASSIC_CERT: &[u8] = &[0x11, 0x00, 0x11, 0x01];
const IDEMIA_CERT: &[u8] = &[0x14, 0x00, 0x90, 0x01, 0x20, 0x02];
const IDEMIA_KEY_DF: &[u8] = &[0x14, 0x00, 0x90, 0x02];
const INFOCAMERE_CERT: &[u8] = &[0x2F, 0xFF, 0x82, 0x28];
const INFOCAMERE_KEY: &[u8] = &[0x2F, 0xFF, 0x00, 0x00];
const ACE_CERT: &[u8] = &[0xDA, 0x01, 0xC0, 0x01];

/// A scripted TS-CNS. Paths are from the MF without `3F00`.
pub(crate) struct MockCns {
    pub files: Vec<(Vec<u8>, Vec<u8>)>,
    /// DFs that are not parents of a file (a key DF).
    pub dfs: Vec<Vec<u8>>,
    /// Files reachable only after SELECT of this AID, then by P1 09 from the current DF.
    pub aid: Option<Vec<u8>>,
    pub current_df: Option<Vec<u8>>,
    pub selected: Option<usize>,
    /// PIN P2 the card answers VERIFY on.
    pub pin_p2: u8,
    pub key_reference: u8,
    /// PSO fails with 6984 unless this DF was current at MSE time.
    pub key_df: Option<Vec<u8>>,
    pub tries: u8,
    pub verified: bool,
    pub se_restored: bool,
    pub key_set: bool,
    /// Largest Le a READ BINARY may carry.
    pub max_read: usize,
    pub accepts_extended: bool,
    pub accepts_chaining: bool,
    chained: Vec<u8>,
    pub max_challenge: usize,
    pub sent: Vec<Vec<u8>>,
    /// Signs for real with this key (its certificate on the card); `None`: PSO answers the
    /// block reversed, enough for the driver tests to see it arrived whole.
    pub key: Option<TestKey>,
}

impl MockCns {
    /// The ST 2021 of cns.md §6.1: EF 1003, 1102, 1101 (padded to 2048), PIN `90`, key `01`.
    pub fn new() -> MockCns {
        MockCns::classic(0x90)
    }

    fn classic(pin_p2: u8) -> MockCns {
        let mut cert_file = certificate();
        cert_file.resize(2048, 0x00);
        MockCns {
            files: vec![
                (files::ID_CARTA.to_vec(), SERIAL.as_bytes().to_vec()),
                (files::DATI_PERSONALI.to_vec(), personal_data_file()),
                (CLASSIC_CERT.to_vec(), cert_file),
            ],
            dfs: Vec::new(),
            aid: None,
            current_df: Some(Vec::new()),
            selected: None,
            pin_p2,
            key_reference: 0x01,
            key_df: None,
            tries: 3,
            verified: false,
            se_restored: false,
            key_set: false,
            max_read: 65_536,
            accepts_extended: true,
            accepts_chaining: false,
            chained: Vec::new(),
            max_challenge: 256,
            sent: Vec::new(),
            key: None,
        }
    }

    /// This mock with `key`'s certificate in the classic certificate file, signing with it.
    pub fn signing_with(mut self, key: TestKey) -> MockCns {
        let mut cert_file = key.certificate.clone();
        cert_file.resize(2048, 0x00);
        self.set_file(CLASSIC_CERT, cert_file);
        self.key = Some(key);
        self
    }

    /// The card `cardsim --variant name` plays, per the facts sheet.
    pub fn variant(name: &str) -> MockCns {
        match name {
            "stincard" => MockCns::new(),
            "stincard-1024" => {
                let mut m = MockCns::classic(0x90);
                m.set_file(CLASSIC_CERT, certificate_1024());
                m.accepts_extended = false;
                m.max_read = 256;
                m
            }
            "cardos" | "athena" | "oberthur" => {
                let mut m = MockCns::classic(0x10);
                m.max_read = 255;
                m.accepts_extended = false;
                m.accepts_chaining = true;
                m
            }
            "idemia-2021" => {
                let mut m = MockCns::classic(0x10);
                m.files.retain(|(p, _)| p != CLASSIC_CERT);
                m.files.push((IDEMIA_CERT.to_vec(), certificate()));
                m.dfs.push(IDEMIA_KEY_DF.to_vec());
                m.key_df = Some(IDEMIA_KEY_DF.to_vec());
                m.key_reference = 0x02;
                m.max_challenge = 32;
                m
            }
            "infocamere-1204" => {
                let mut m = MockCns::classic(0x90);
                m.files.retain(|(p, _)| p != CLASSIC_CERT);
                let cert = certificate();
                // Container: 1 byte, big-endian length, 2 more bytes, then the DER (cns.md §2.1).
                let mut container = vec![0x01];
                container.extend_from_slice(&(cert.len() as u16).to_be_bytes());
                container.extend_from_slice(&[0x00, 0x00]);
                container.extend_from_slice(&cert);
                container.resize(2048, 0xFF);
                m.files.push((INFOCAMERE_CERT.to_vec(), container));
                m.dfs.push(INFOCAMERE_KEY.to_vec());
                m.key_df = Some(INFOCAMERE_KEY.to_vec());
                m.key_reference = 0x21;
                m.accepts_extended = false;
                m.max_read = 256;
                m
            }
            "ace-2025" => {
                let mut m = MockCns::classic(0x10);
                m.files.retain(|(p, _)| p != CLASSIC_CERT);
                let mut cert = certificate();
                cert.resize(cert.len() + 10, 0x00);
                m.files.push((ACE_CERT.to_vec(), cert));
                m.files.push((vec![0xD0, 0x03], vec![0; 10]));
                m.set_file(files::DATI_PERSONALI, personal_data_file_with(true));
                m.aid = Some(ACE_2025_AID.to_vec());
                m.current_df = None;
                m
            }
            other => panic!("no mock for {other}"),
        }
    }

    fn set_file(&mut self, path: &[u8], content: Vec<u8>) {
        for (p, c) in &mut self.files {
            if p == path {
                *c = content.clone();
            }
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

    fn fci(&self, i: usize) -> Vec<u8> {
        let [hi, lo] = (self.files[i].1.len() as u16).to_be_bytes();
        vec![0x6F, 0x07, 0x80, 0x02, hi, lo, 0x82, 0x01, 0x01, 0x90, 0x00]
    }

    /// Selects `path` (from the MF); answers as SELECT with P2 `p2` would.
    fn select(&mut self, path: &[u8], p2: u8) -> Vec<u8> {
        if let Some(i) = self.files.iter().position(|(p, _)| p == path) {
            self.selected = Some(i);
            self.current_df = Some(path[..path.len() - 2].to_vec());
            return if p2 == 0x0C {
                vec![0x90, 0x00]
            } else {
                self.fci(i)
            };
        }
        if self.dfs.iter().any(|d| d == path) {
            self.selected = None;
            self.current_df = Some(path.to_vec());
            return vec![0x90, 0x00];
        }
        vec![0x6A, 0x82]
    }

    fn answer(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Some((h, data, ne)) = Self::parse(apdu) else {
            return vec![0x67, 0x00];
        };
        let extended = apdu.len() > 5 && apdu[4] == 0;
        if extended && !self.accepts_extended {
            return vec![0x67, 0x00];
        }
        match (h[0], h[1], h[2], h[3]) {
            (0x00, 0xA4, 0x08, p2 @ (0x00 | 0x0C)) => {
                if self.aid.is_some() {
                    return vec![0x6A, 0x82];
                }
                self.select(&data, p2)
            }
            (0x00, 0xA4, 0x04, 0x00) => {
                if self.aid.as_deref() != Some(&data[..]) {
                    return vec![0x6A, 0x82];
                }
                self.current_df = Some(Vec::new());
                self.selected = None;
                vec![0x6F, 0x04, 0x83, 0x02, 0x3F, 0x00, 0x90, 0x00]
            }
            (0x00, 0xA4, 0x09, 0x00) => {
                // Strictly from the current DF, as P1 09 means (cns.md §2.4).
                let Some(mut path) = self.current_df.clone() else {
                    return vec![0x6A, 0x82];
                };
                path.extend_from_slice(&data);
                self.select(&path, 0x00)
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
            (0x00, 0x20, 0x00, p2) if p2 == self.pin_p2 => {
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
            (0x00, 0x20, ..) => vec![0x6A, 0x88],
            (0x00, 0x22, 0xF3, 0x03) if apdu == [0x00, 0x22, 0xF3, 0x03, 0x00] => {
                self.se_restored = true;
                self.key_set = false;
                vec![0x90, 0x00]
            }
            (0x00, 0x22, 0xF1, 0xB8)
                if data == [0x83, 0x01, self.key_reference] && self.se_restored =>
            {
                // The key is found only in its DF (IDEMIA 2021, cns.md §6.4).
                self.key_set = self.key_df.is_none() || self.key_df == self.current_df;
                vec![0x90, 0x00]
            }
            (0x00, 0x2A, 0x80, 0x86) => {
                let mut block = std::mem::take(&mut self.chained);
                block.extend_from_slice(&data);
                self.pso(&block, ne)
            }
            (0x10, 0x2A, 0x80, 0x86) if self.accepts_chaining => {
                self.chained.extend_from_slice(&data);
                vec![0x90, 0x00]
            }
            (0x00, 0x84, 0x00, 0x00) => {
                let n = ne.unwrap_or(0);
                if n > self.max_challenge {
                    return vec![0x67, 0x00];
                }
                let mut r = vec![0x5A; n];
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            (0x10, ..) => vec![0x6E, 0x00],
            _ => vec![0x6D, 0x00],
        }
    }

    fn pso(&mut self, data: &[u8], ne: Option<usize>) -> Vec<u8> {
        if !self.verified {
            return vec![0x69, 0x82];
        }
        if !self.key_set {
            return vec![0x69, 0x84];
        }
        if data.first() != Some(&0) {
            return vec![0x6A, 0x80];
        }
        let mut r: Vec<u8> = match &self.key {
            Some(key) => key.raw_sign(&data[1..]),
            None => data[1..].iter().rev().copied().collect(),
        };
        if ne.unwrap_or(0) < r.len().min(256) {
            return vec![0x67, 0x00];
        }
        r.extend_from_slice(&[0x90, 0x00]);
        r
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

/// What binding a card costs and yields, the way the token binds (one transaction).
struct Bind {
    card: Box<dyn Card>,
    data: PublicData,
    retries: Option<u8>,
    apdus: usize,
}

fn bind_with(atr: &[u8], mock: &mut MockCns, caps: ReaderCapabilities) -> Option<Bind> {
    let mut ch = CardChannel::new(mock, caps);
    let mut card = detect::detect(atr, &mut ch).expect("no transport error")?;
    let mut data = card.read_public_data(&mut ch).expect("public data");
    // The token reads a certificate the probe left to it (no cache here).
    if data.certificate.is_none() && card.shows_certificate_before_login() {
        data.certificate = card
            .read_certificate_after_login(&mut ch)
            .expect("certificate");
    }
    let retries = card.retries_left(&mut ch, PinKind::User).expect("retries");
    let apdus = ch.apdus_sent();
    Some(Bind {
        card,
        data,
        retries,
        apdus,
    })
}

fn bind(atr: &[u8], mock: &mut MockCns, caps: ReaderCapabilities) -> Bind {
    bind_with(atr, mock, caps).expect("card detected")
}

fn logged_in(card: &mut dyn Card, mock: &mut MockCns, caps: ReaderCapabilities) {
    let pin = Pin::new(&card.pin_policy(PinKind::User), PIN).unwrap();
    let mut ch = CardChannel::new(mock, caps);
    card.verify_pin(&mut ch, PinKind::User, &pin).unwrap();
}

fn sign(card: &mut dyn Card, mock: &mut MockCns, caps: ReaderCapabilities, len: usize) -> usize {
    mock.sent.clear();
    let block: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let mut ch = CardChannel::new(mock, caps);
    let sig = card.sign(&mut ch, &block).expect("signature");
    assert_eq!(sig, block.iter().rev().copied().collect::<Vec<_>>());
    ch.apdus_sent()
}

fn select_mf(path: &[u8], p2: u8) -> Vec<u8> {
    let mut v = vec![0x00, 0xA4, 0x08, p2, path.len() as u8];
    v.extend_from_slice(path);
    if p2 == 0x00 {
        v.push(0x00);
    }
    v
}

fn select_aid() -> Vec<u8> {
    let mut v = vec![0x00, 0xA4, 0x04, 0x00, 0x0C];
    v.extend_from_slice(ACE_2025_AID);
    v
}

fn select_relative(path: &[u8]) -> Vec<u8> {
    let mut v = vec![0x00, 0xA4, 0x09, 0x00, path.len() as u8];
    v.extend_from_slice(path);
    v.push(0x00);
    v
}

const READ_SERIAL: [u8; 5] = [0, 0xB0, 0, 0, 0x10];
const MSE_RESTORE: [u8; 5] = [0, 0x22, 0xF3, 0x03, 0x00];

fn mse_set(key: u8) -> Vec<u8> {
    vec![0, 0x22, 0xF1, 0xB8, 3, 0x83, 1, key]
}

fn assert_holder(b: &Bind) {
    assert_eq!(b.data.serial, SERIAL);
    assert_eq!(b.data.holder.as_deref(), Some("ROSSI MARIO"));
    assert_eq!(b.retries, Some(3));
    let data = b.card.holder_data();
    let value = |label: &str| {
        data.iter()
            .find(|d| d.label == label)
            .map(|d| (d.application, d.value.clone()))
    };
    assert_eq!(
        value("codice_fiscale"),
        Some(("EF_DatiPersonali", b"RSSMRA70C02H501X".to_vec()))
    );
    assert_eq!(value("nome"), Some(("EF_DatiPersonali", b"MARIO".to_vec())));
    assert_eq!(
        value("cognome"),
        Some(("EF_DatiPersonali", b"ROSSI".to_vec()))
    );
}

// ---- stincard (ST 2021) ----------------------------------------------------------------

#[test]
fn stincard_binds_in_seven_apdus_with_extended_reads() {
    let mut mock = MockCns::variant("stincard");
    let b = bind(&ST_2021_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.certificate.as_deref(), Some(&certificate()[..]));
    assert_eq!(b.data.model, "ST 2021");
    assert_eq!(b.data.manufacturer, "STIncard");
    assert_eq!(b.apdus, 7);
    assert_eq!(mock.sent[0], select_mf(files::ID_CARTA, 0x0C));
    assert_eq!(mock.sent[1], READ_SERIAL);
    assert_eq!(mock.sent[2], select_mf(CLASSIC_CERT, 0x00));
    assert_eq!(mock.sent[3][..4], [0, 0xB0, 0, 0]);
    assert_eq!(mock.sent[4], select_mf(files::DATI_PERSONALI, 0x00));
    assert_eq!(mock.sent[6], [0, 0x20, 0, 0x90]);
}

#[test]
fn stincard_with_a_short_only_reader() {
    let mut mock = MockCns::variant("stincard");
    let b = bind(&ST_2021_ATR, &mut mock, SHORT);
    assert_eq!(b.data.certificate.as_deref(), Some(&certificate()[..]));
    // 2 (serial) + 1 + ceil(1063 / 256) (certificate) + 2 (personal data) + 1 (retries).
    assert_eq!(b.apdus, 2 + 1 + certificate().len().div_ceil(256) + 2 + 1);
    assert!(mock.sent.iter().all(|a| a.len() <= 5 + 255 + 1));
}

#[test]
fn stincard_sign_2048_is_three_apdus_with_one_extended_pso() {
    let mut mock = MockCns::variant("stincard");
    let mut b = bind(&ST_2021_ATR, &mut mock, EXT);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 256), 3);
    assert_eq!(mock.sent[0], MSE_RESTORE);
    assert_eq!(mock.sent[1], mse_set(0x01));
    assert_eq!(
        mock.sent[2][..8],
        [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01, 0x00]
    );
    assert_eq!(mock.sent[2][mock.sent[2].len() - 2..], [0x01, 0x00]);
}

#[test]
fn stincard_refuses_chaining_so_a_short_reader_cannot_sign_2048() {
    let mut mock = MockCns::variant("stincard");
    let mut b = bind(&ST_2021_ATR, &mut mock, EXT);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    let mut ch = CardChannel::new(&mut mock, SHORT);
    assert_eq!(
        b.card.sign(&mut ch, &[0x55; 256]),
        Err(CardError::NotSupported)
    );
    assert_eq!(mock.sent.last().unwrap()[0], 0x10);
}

#[test]
fn sign_without_pin_is_security_status() {
    let mut mock = MockCns::variant("stincard");
    let mut b = bind(&ST_2021_ATR, &mut mock, EXT);
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert_eq!(
        b.card.sign(&mut ch, &[0x55; 256]),
        Err(CardError::SecurityStatusNotSatisfied)
    );
}

#[test]
fn verify_pin_maps_status_words() {
    let mut mock = MockCns::variant("stincard");
    let mut b = bind(&ST_2021_ATR, &mut mock, EXT);
    let card = b.card.as_mut();
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
fn missing_personal_data_leaves_holder_empty() {
    let mut mock = MockCns::variant("stincard");
    mock.files.retain(|(p, _)| p != files::DATI_PERSONALI);
    let b = bind(&ST_2021_ATR, &mut mock, EXT);
    assert_eq!(b.data.holder, None);
    assert!(b.card.holder_data().is_empty());
    assert!(b.data.certificate.is_some());
}

// ---- stincard-1024 (CNS 1.0) -----------------------------------------------------------

#[test]
fn stincard_1024_uses_short_apdus_and_the_same_p2() {
    let mut mock = MockCns::variant("stincard-1024");
    let mut b = bind(&STINCARD_10_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.certificate.as_deref(), Some(&certificate_1024()[..]));
    assert_eq!(b.data.model, "STIncard 0200");
    assert!(mock.sent.iter().all(|a| a.len() <= 5 + 255 + 1));
    logged_in(b.card.as_mut(), &mut mock, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 128), 3);
    assert_eq!(mock.sent[2][..6], [0, 0x2A, 0x80, 0x86, 0x81, 0x00]);
    assert_eq!(*mock.sent[2].last().unwrap(), 0x80);
}

// ---- cardos, athena, oberthur (classic layout, no b8) ------------------------------------

#[test]
fn classic_batches_without_backtracking() {
    for (name, atr, model, manufacturer) in [
        ("cardos", &CARDOS_ATR[..], "CardOS CRS C805", "Siemens"),
        ("athena", &ATHENA_ATR[..], "Athena 0182", "Athena"),
        (
            "oberthur",
            &OBERTHUR_ATR[..],
            "Oberthur 0700",
            "IDEMIA (Oberthur)",
        ),
    ] {
        let mut mock = MockCns::variant(name);
        let mut b = bind(atr, &mut mock, EXT);
        assert_holder(&b);
        assert_eq!(
            b.data.certificate.as_deref(),
            Some(&certificate()[..]),
            "{name}"
        );
        assert_eq!(
            (b.data.model.as_str(), b.data.manufacturer.as_str()),
            (model, manufacturer)
        );
        // CNS 1.0: short reads of at most 255 bytes (cns.md §3, §9 q10), no failed probe.
        assert_eq!(
            b.apdus,
            2 + 1 + certificate().len().div_ceil(255) + 2 + 1,
            "{name}"
        );
        assert_eq!(mock.sent[3], [0, 0xB0, 0, 0, 0xFF], "{name}");
        assert_eq!(mock.sent.last().unwrap()[..], [0, 0x20, 0, 0x10], "{name}");
        logged_in(b.card.as_mut(), &mut mock, EXT);
        // 2048-bit key on a CNS 1.0 card: command chaining, as OpenSC sends it.
        assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 256), 4, "{name}");
        assert_eq!(mock.sent[1], mse_set(0x01));
        assert_eq!(mock.sent[2][..5], [0x10, 0x2A, 0x80, 0x86, 0xFF], "{name}");
        assert_eq!(mock.sent[3][..5], [0x00, 0x2A, 0x80, 0x86, 0x02], "{name}");
    }
}

#[test]
fn a_cns_1_0_card_refusing_chaining_gets_one_extended_pso() {
    let mut mock = MockCns::variant("athena");
    let mut b = bind(&ATHENA_ATR, &mut mock, EXT);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    mock.accepts_chaining = false;
    mock.accepts_extended = true;
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 256), 4);
    assert_eq!(mock.sent[2][0], 0x10);
    assert_eq!(mock.sent[3][..7], [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01]);
}

#[test]
fn an_extended_card_refusing_extended_gets_chaining() {
    let mut mock = MockCns::variant("idemia-2021");
    let mut b = bind(&IDEMIA_2021_ATR, &mut mock, EXT);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    mock.accepts_extended = false;
    mock.accepts_chaining = true;
    // Key DF, restore, set, extended (6700), then two chained parts.
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 256), 6);
}

// ---- idemia-2021 ------------------------------------------------------------------------

#[test]
fn idemia_2021_reads_its_certificate_and_selects_the_key_df_before_mse() {
    let mut mock = MockCns::variant("idemia-2021");
    let mut b = bind(&IDEMIA_2021_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.model, "IDEMIA 2021");
    // No failed probe: the ATR hint puts the IDEMIA layout first.
    assert_eq!(b.apdus, 7);
    assert_eq!(mock.sent[2], select_mf(IDEMIA_CERT, 0x00));
    assert_eq!(mock.sent[6], [0, 0x20, 0, 0x10]);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 256), 4);
    assert_eq!(
        mock.sent[0],
        [0, 0xA4, 0x08, 0x0C, 4, 0x14, 0x00, 0x90, 0x02]
    );
    assert_eq!(mock.sent[1], MSE_RESTORE);
    assert_eq!(mock.sent[2], mse_set(0x02));
    assert_eq!(mock.sent[3][..7], [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01]);
}

#[test]
fn idemia_2021_without_the_key_df_is_reference_data_not_usable() {
    // What the card does when MSE comes before the key DF (cns.md §6.4): the mock is
    // strict, so the driver's order is what makes the signature work.
    let mut mock = MockCns::variant("idemia-2021");
    mock.verified = true;
    let mut ch = CardChannel::new(&mut mock, EXT);
    for apdu in [MSE_RESTORE.to_vec(), mse_set(0x02)] {
        assert_eq!(ch.execute(&raw(&apdu)).unwrap().sw, StatusWord::SUCCESS);
    }
    let mut pso = vec![0u8];
    pso.extend_from_slice(&[0x55; 256]);
    let r = ch
        .execute(
            &Command::new(0, 0x2A, 0x80, 0x86)
                .with_data(pso)
                .with_le(256),
        )
        .unwrap();
    assert_eq!(r.sw, StatusWord::REFERENCE_DATA_NOT_USABLE);
}

fn raw(apdu: &[u8]) -> Command {
    let mut c = Command::new(apdu[0], apdu[1], apdu[2], apdu[3]);
    if apdu.len() == 5 {
        c = c.with_le(if apdu[4] == 0 {
            256
        } else {
            usize::from(apdu[4])
        });
    } else if apdu.len() > 5 {
        c = c.with_data(apdu[5..].to_vec());
    }
    c
}

#[test]
fn idemia_2021_over_nfc() {
    let mut mock = MockCns::variant("idemia-2021");
    let b = bind(&IDEMIA_NFC_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.model, "IDEMIA 2021");
    assert_eq!(b.data.manufacturer, "IDEMIA");
    // No CNS ATR, yet extended APDUs: the profile says so whatever the ATR (cns.md §6.4).
    assert_eq!(b.apdus, 7);
}

#[test]
fn idemia_atr_on_a_non_italian_card_is_ignored_after_one_apdu() {
    // Same ATR as a Spanish IDEMIA card (cns.md §1.4, OpenSC #2782): no CNS files.
    let mut mock = MockCns::variant("idemia-2021");
    mock.files.clear();
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert!(detect::detect(&IDEMIA_2021_ATR, &mut ch).unwrap().is_none());
    // The identity probe (SELECT 1003) is shared by both candidates; then the last-resort
    // AID probe does not run for a CNS ATR.
    assert_eq!(ch.apdus_sent(), 1);
}

// ---- infocamere-1204 ---------------------------------------------------------------------

#[test]
fn infocamere_1204_reads_the_container_and_signs_with_key_21() {
    let mut mock = MockCns::variant("infocamere-1204");
    let mut b = bind(&STINCARD_10_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.certificate.as_deref(), Some(&certificate()[..]));
    // The classic certificate SELECT fails first: the ATR is the classic STIncard one.
    assert_eq!(mock.sent[2], select_mf(CLASSIC_CERT, 0x00));
    assert_eq!(mock.sent[3], select_mf(INFOCAMERE_CERT, 0x00));
    let container = 5 + certificate().len();
    assert_eq!(b.apdus, 2 + 1 + 1 + container.div_ceil(256) + 2 + 1);
    assert_eq!(mock.sent.last().unwrap()[..], [0, 0x20, 0, 0x90]);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    // 1024-bit block (CNS 1.0 card): key path, restore, set, short PSO.
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 128), 4);
    assert_eq!(
        mock.sent[0],
        [0, 0xA4, 0x08, 0x0C, 4, 0x2F, 0xFF, 0x00, 0x00]
    );
    assert_eq!(mock.sent[2], mse_set(0x21));
}

// ---- ace-2025 ----------------------------------------------------------------------------

#[test]
fn ace_2025_behind_a_contactless_atr() {
    let mut mock = MockCns::variant("ace-2025");
    let mut b = bind(&NFC_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.certificate.as_deref(), Some(&certificate()[..]));
    assert_eq!(b.data.model, "Actalis ACe 2025");
    assert_eq!(b.data.manufacturer, "Actalis");
    assert_eq!(b.apdus, CIE_PROBE + 11);
    assert_eq!(mock.sent[CIE_PROBE], select_aid());
    assert_eq!(mock.sent[CIE_PROBE + 1], select_relative(files::ID_CARTA));
    assert_eq!(mock.sent[CIE_PROBE + 3], select_aid());
    // EF_DatiPersonali, then the certificate the probe left to the token.
    assert_eq!(mock.sent[CIE_PROBE + 6], select_aid());
    assert_eq!(mock.sent[CIE_PROBE + 7], select_relative(ACE_CERT));
    assert_eq!(mock.sent[CIE_PROBE + 9], select_aid());
    // PIN 10 without b8: our choice on cns.md §9 q7.
    assert_eq!(mock.sent[CIE_PROBE + 10], [0, 0x20, 0, 0x10]);
    logged_in(b.card.as_mut(), &mut mock, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut mock, EXT, 256), 4);
    assert_eq!(mock.sent[0], select_aid());
    assert_eq!(mock.sent[2], mse_set(0x01));
}

#[test]
fn ace_2025_behind_an_athena_atr_costs_one_failed_probe() {
    let mut mock = MockCns::variant("ace-2025");
    let b = bind(&ATHENA_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.data.model, "Actalis ACe 2025");
    assert_eq!(mock.sent[0], select_mf(files::ID_CARTA, 0x0C));
    assert_eq!(b.apdus, 12);
}

#[test]
fn ace_2025_behind_a_contact_atr_without_marker_is_found_last() {
    let mut mock = MockCns::variant("ace-2025");
    let b = bind(&OTHER_CONTACT_ATR, &mut mock, EXT);
    assert_holder(&b);
    assert_eq!(b.apdus, CIE_PROBE + 11);
}

// ---- refusals ----------------------------------------------------------------------------

#[test]
fn a_cns_without_a_known_layout_is_ignored() {
    // Serial answers, but no certificate at any place the candidates know.
    let mut mock = MockCns::variant("stincard");
    mock.files.retain(|(p, _)| p != CLASSIC_CERT);
    // Serial (2), 1101, 2FFF/8228.
    assert_eq!(no_layout_answers(&mut mock), 4);
}

/// The identity answers; the layouts are probed with the public data, and none answers:
/// not supported (the token ignores the card). The APDUs it took.
fn no_layout_answers(mock: &mut MockCns) -> usize {
    let mut ch = CardChannel::new(mock, EXT);
    let mut card = detect::detect(&ST_2021_ATR, &mut ch)
        .unwrap()
        .expect("identity");
    assert_eq!(
        card.read_public_data(&mut ch).err(),
        Some(CardError::NotSupported)
    );
    ch.apdus_sent()
}

#[test]
fn garbage_in_the_certificate_path_is_not_a_layout() {
    let mut mock = MockCns::variant("stincard");
    mock.set_file(CLASSIC_CERT, vec![0x55; 300]);
    no_layout_answers(&mut mock);
}

#[test]
fn a_cns_marker_without_a_profile_costs_no_apdu() {
    let mut mock = MockCns::variant("stincard");
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert!(detect::detect(&GIESECKE_ATR, &mut ch).unwrap().is_none());
    assert_eq!(ch.apdus_sent(), 0);
}

#[test]
fn a_card_without_ef_idcarta_is_ignored() {
    let mut mock = MockCns::variant("stincard");
    mock.files.retain(|(p, _)| p != files::ID_CARTA);
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert!(detect::detect(&ST_2021_ATR, &mut ch).unwrap().is_none());
    assert_eq!(ch.apdus_sent(), 1);
}

#[test]
fn other_cards_cost_one_aid_probe() {
    let mut mock = MockCns::variant("stincard");
    let mut ch = CardChannel::new(&mut mock, EXT);
    assert!(detect::detect(&OTHER_CONTACT_ATR, &mut ch)
        .unwrap()
        .is_none());
    assert_eq!(ch.apdus_sent(), CIE_PROBE + 1);
    assert!(detect::detect(&NFC_ATR, &mut ch).unwrap().is_none());
    assert_eq!(ch.apdus_sent(), 2 * (CIE_PROBE + 1));
}

// ---- card data is untrusted input -------------------------------------------------------

/// A variant whose answers are corrupted at random (truncated, bytes flipped, replaced by
/// noise, 61xx / 6Cxx thrown in): detection, binding, login and signing must end in a
/// value or an error, never a panic (DESIGN.md "card data is untrusted input").
struct Flaky {
    card: MockCns,
    state: u64,
}

impl Flaky {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, so a failure replays.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Channel for Flaky {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut answer = self.card.transmit(command)?;
        let roll = self.next();
        match roll % 8 {
            0 => answer.truncate((roll >> 8) as usize % (answer.len() + 1)),
            1 if !answer.is_empty() => {
                let i = (roll >> 8) as usize % answer.len();
                answer[i] ^= (roll >> 16) as u8 | 1;
            }
            2 => {
                let len = (roll >> 8) as usize % 300;
                answer = (0..len).map(|_| self.next() as u8).collect();
            }
            3 => answer = vec![0x61, (roll >> 8) as u8],
            4 => answer = vec![0x6C, (roll >> 8) as u8],
            _ => {}
        }
        Ok(answer)
    }
}

#[test]
fn corrupted_answers_never_panic() {
    let cases: [(&str, &[u8]); 8] = [
        ("stincard", &ST_2021_ATR),
        ("stincard-1024", &STINCARD_10_ATR),
        ("cardos", &CARDOS_ATR),
        ("athena", &ATHENA_ATR),
        ("oberthur", &OBERTHUR_ATR),
        ("idemia-2021", &IDEMIA_2021_ATR),
        ("infocamere-1204", &STINCARD_10_ATR),
        ("ace-2025", &NFC_ATR),
    ];
    for seed in 1..=2000u64 {
        for (name, atr) in cases {
            let mut flaky = Flaky {
                card: MockCns::variant(name),
                state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            };
            for caps in [EXT, SHORT] {
                let mut ch = CardChannel::new(&mut flaky, caps);
                let Ok(Some(mut card)) = detect::detect(atr, &mut ch) else {
                    continue;
                };
                let _ = card.read_public_data(&mut ch);
                let _ = card.holder_data();
                let _ = card.retries_left(&mut ch, PinKind::User);
                let pin = Pin::new(&card.pin_policy(PinKind::User), PIN).unwrap();
                let _ = card.verify_pin(&mut ch, PinKind::User, &pin);
                let _ = card.sign(&mut ch, &[0x42; 256]);
                let _ = card.sign(&mut ch, &[0x42; 128]);
            }
        }
    }
}
