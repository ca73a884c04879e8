//! Command and response APDUs (ISO/IEC 7816-4 §5.1).
//!
//! A `Command` knows whether its data is secret (PIN / PUK blocks): such data lives in
//! `Zeroizing` memory, its encoding too, and traces print `***` instead of the bytes.

use std::fmt::Write as _;

use zeroize::Zeroizing;

/// Largest Nc of an extended command (two length bytes).
const MAX_EXTENDED_NC: usize = 65_535;
/// Largest Ne of an extended command (`00 00` encodes 65 536).
const MAX_EXTENDED_NE: usize = 65_536;
/// Largest Nc of a short command.
const MAX_SHORT_NC: usize = 255;
/// Largest Ne of a short command (`00` encodes 256).
const MAX_SHORT_NE: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApduError {
    /// The command needs the extended form but the reader or card cannot carry it.
    ExtendedNotSupported,
    /// More than 65 535 data bytes.
    DataTooLong,
    /// Ne of 0 or above 65 536.
    InvalidLe,
    /// A response shorter than the two status bytes.
    ResponseTooShort,
}

error_named_by_variant!(ApduError);

/// The two status bytes SW1 SW2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// Warning: end of file reached before Ne bytes were read.
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    pub const AUTH_METHOD_BLOCKED: StatusWord = StatusWord(0x6983);
    pub const REFERENCE_DATA_NOT_USABLE: StatusWord = StatusWord(0x6984);
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    pub const WRONG_OFFSET: StatusWord = StatusWord(0x6B00);
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);

    pub fn from_bytes(sw1: u8, sw2: u8) -> StatusWord {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    pub fn is_success(self) -> bool {
        self == StatusWord::SUCCESS
    }

    /// `63 Cx`: verification failed (or, for an empty VERIFY, not yet done), x tries left.
    pub fn tries_left(self) -> Option<u8> {
        (self.sw1() == 0x63 && self.sw2() & 0xF0 == 0xC0).then_some(self.sw2() & 0x0F)
    }

    /// `61 xx`: xx more response bytes wait for GET RESPONSE (`00` = 256 or more).
    pub fn bytes_remaining(self) -> Option<usize> {
        (self.sw1() == 0x61).then_some(short_ne(self.sw2()))
    }

    /// `6C xx`: wrong Le, resend the same command with Le = xx (`00` = 256).
    pub fn exact_length(self) -> Option<usize> {
        (self.sw1() == 0x6C).then_some(short_ne(self.sw2()))
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

fn short_ne(byte: u8) -> usize {
    if byte == 0 {
        MAX_SHORT_NE
    } else {
        usize::from(byte)
    }
}

/// A command APDU. `le` is Ne, the number of response bytes wanted (1..=65 536), or
/// `None` when no response data is expected (cases 1 and 3).
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Zeroizing<Vec<u8>>,
    pub le: Option<usize>,
    /// The data is a PIN, PUK or other secret: never traced.
    pub secret: bool,
}

impl Command {
    /// Case 1: header only.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Command {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
            secret: false,
        }
    }

    pub fn with_data(mut self, data: Vec<u8>) -> Command {
        self.data = Zeroizing::new(data);
        self
    }

    /// Like `with_data`, for VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER blocks.
    pub fn with_secret_data(mut self, data: Zeroizing<Vec<u8>>) -> Command {
        self.data = data;
        self.secret = true;
        self
    }

    pub fn with_le(mut self, le: usize) -> Command {
        self.le = Some(le);
        self
    }

    /// Whether the command only fits the extended form (Nc > 255 or Ne > 256).
    pub fn needs_extended(&self) -> bool {
        self.data.len() > MAX_SHORT_NC || self.le.is_some_and(|le| le > MAX_SHORT_NE)
    }

    /// Encodes the command (ISO 7816-4 §5.1, cases 1–4), in the short form when it fits,
    /// else in the extended form if `extended_allowed`.
    pub fn encode(&self, extended_allowed: bool) -> Result<Zeroizing<Vec<u8>>, ApduError> {
        if self.data.len() > MAX_EXTENDED_NC {
            return Err(ApduError::DataTooLong);
        }
        if let Some(le) = self.le {
            if le == 0 || le > MAX_EXTENDED_NE {
                return Err(ApduError::InvalidLe);
            }
        }
        let extended = self.needs_extended();
        if extended && !extended_allowed {
            return Err(ApduError::ExtendedNotSupported);
        }
        let mut out = Zeroizing::new(Vec::with_capacity(self.data.len() + 9));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let nc = self.data.len();
        if extended {
            if nc > 0 {
                // Lc: 00 followed by two bytes (§5.1, extended length fields).
                out.push(0);
                out.extend_from_slice(&to_two_bytes(nc));
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                if nc == 0 {
                    out.push(0);
                }
                out.extend_from_slice(&to_two_bytes(le));
            }
        } else {
            if nc > 0 {
                out.push(nc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                // 256 is encoded as 00.
                out.push((le % 256) as u8);
            }
        }
        Ok(out)
    }

    /// The command as a trace line; secret data is replaced by `***`.
    pub fn trace(&self) -> String {
        let mut s = format!(
            "{:02X} {:02X} {:02X} {:02X}",
            self.cla, self.ins, self.p1, self.p2
        );
        if !self.data.is_empty() {
            let _ = write!(s, " Lc={}", self.data.len());
            if self.secret {
                s.push_str(" ***");
            } else {
                s.push(' ');
                s.push_str(&hex(&self.data));
            }
        }
        if let Some(le) = self.le {
            let _ = write!(s, " Le={le}");
        }
        s
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Command({})", self.trace())
    }
}

/// Two big-endian length bytes; 65 536 wraps to `00 00` as §5.1 specifies for Ne.
fn to_two_bytes(n: usize) -> [u8; 2] {
    ((n % 65_536) as u16).to_be_bytes()
}

/// A response APDU: data ‖ SW1 SW2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl Response {
    pub fn decode(raw: &[u8]) -> Result<Response, ApduError> {
        match raw {
            [data @ .., sw1, sw2] => Ok(Response {
                data: data.to_vec(),
                sw: StatusWord::from_bytes(*sw1, *sw2),
            }),
            _ => Err(ApduError::ResponseTooShort),
        }
    }

    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(c: &Command, ext: bool) -> Vec<u8> {
        c.encode(ext).expect("encodes").to_vec()
    }

    #[test]
    fn case1_header_only() {
        assert_eq!(
            enc(&Command::new(0, 0x22, 0xF3, 0x03), false),
            [0, 0x22, 0xF3, 3]
        );
    }

    #[test]
    fn case2_short_le_256_is_00() {
        let c = Command::new(0, 0x22, 0xF3, 0x03).with_le(256);
        assert_eq!(enc(&c, false), [0, 0x22, 0xF3, 3, 0]);
        let c = Command::new(0, 0xB0, 0, 0).with_le(16);
        assert_eq!(enc(&c, false), [0, 0xB0, 0, 0, 0x10]);
    }

    #[test]
    fn case3_short() {
        let c = Command::new(0, 0xA4, 8, 0x0C).with_data(vec![0x10, 0, 0x10, 3]);
        assert_eq!(enc(&c, false), [0, 0xA4, 8, 0x0C, 4, 0x10, 0, 0x10, 3]);
    }

    #[test]
    fn case4_short() {
        let c = Command::new(0, 0xA4, 8, 0)
            .with_data(vec![0x11, 0, 0x11, 1])
            .with_le(256);
        assert_eq!(enc(&c, false), [0, 0xA4, 8, 0, 4, 0x11, 0, 0x11, 1, 0]);
    }

    #[test]
    fn case4_extended_pso_decipher_2048() {
        // cns.md §5.1: 00 2A 80 86 00 01 01 00 <256> 01 00
        let mut data = vec![0u8];
        data.extend(std::iter::repeat_n(0xAB, 256));
        let c = Command::new(0, 0x2A, 0x80, 0x86)
            .with_data(data)
            .with_le(256);
        assert!(c.needs_extended());
        let e = enc(&c, true);
        assert_eq!(&e[..8], &[0, 0x2A, 0x80, 0x86, 0, 1, 1, 0]);
        assert_eq!(e.len(), 4 + 3 + 257 + 2);
        assert_eq!(&e[e.len() - 2..], &[1, 0]);
        assert_eq!(c.encode(false), Err(ApduError::ExtendedNotSupported));
    }

    #[test]
    fn case2_extended_le() {
        let c = Command::new(0, 0xB0, 0, 0).with_le(1094);
        assert_eq!(enc(&c, true), [0, 0xB0, 0, 0, 0, 0x04, 0x46]);
        let c = Command::new(0, 0xB0, 0, 0).with_le(65_536);
        assert_eq!(enc(&c, true), [0, 0xB0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn case3_extended() {
        let c = Command::new(0, 0xD6, 0, 0).with_data(vec![7; 300]);
        let e = enc(&c, true);
        assert_eq!(&e[..7], &[0, 0xD6, 0, 0, 0, 0x01, 0x2C]);
        assert_eq!(e.len(), 307);
    }

    #[test]
    fn invalid_lengths() {
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(0).encode(true),
            Err(ApduError::InvalidLe)
        );
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(65_537).encode(true),
            Err(ApduError::InvalidLe)
        );
        assert_eq!(
            Command::new(0, 0xD6, 0, 0)
                .with_data(vec![0; 65_536])
                .encode(true),
            Err(ApduError::DataTooLong)
        );
    }

    #[test]
    fn secret_data_is_masked_in_traces() {
        let c = Command::new(0, 0x20, 0, 0x90)
            .with_secret_data(Zeroizing::new(b"12345\xFF\xFF\xFF".to_vec()));
        let t = c.trace();
        assert!(t.contains("***"), "{t}");
        assert!(!t.contains("3132"), "{t}");
        assert!(!format!("{c:?}").contains("3132"));
        let p = Command::new(0, 0xA4, 8, 0x0C).with_data(vec![0x10, 0x00]);
        assert!(p.trace().contains("1000"));
    }

    #[test]
    fn response_decode() {
        let r = Response::decode(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert!(r.is_success());
        assert_eq!(Response::decode(&[0x90]), Err(ApduError::ResponseTooShort));
        assert_eq!(Response::decode(&[]), Err(ApduError::ResponseTooShort));
    }

    #[test]
    fn status_word_helpers() {
        assert_eq!(StatusWord(0x63C2).tries_left(), Some(2));
        assert_eq!(StatusWord(0x63C0).tries_left(), Some(0));
        assert_eq!(StatusWord(0x6300).tries_left(), None);
        assert_eq!(StatusWord(0x6110).bytes_remaining(), Some(16));
        assert_eq!(StatusWord(0x6100).bytes_remaining(), Some(256));
        assert_eq!(StatusWord(0x6C20).exact_length(), Some(32));
        assert_eq!(StatusWord(0x9000).exact_length(), None);
        assert_eq!(
            StatusWord::from_bytes(0x6A, 0x82),
            StatusWord::FILE_NOT_FOUND
        );
    }
}
