//! Reading transparent EFs with as few APDUs as card and reader allow (DESIGN.md "APDU sizes").
//!
//! SELECT by path from the MF (ISO 7816-4 §11.1.1, P1 `08`) and READ BINARY (§11.2.3) with
//! the biggest Le that works: one extended Le for cards and readers that carry extended
//! APDUs, else 256 (`Le=00`), falling back to 255 on a card that refuses `00` (cns.md §3,
//! §9 q10). Reading stops at the length the content declares (DER header, personal-data
//! header) rather than at the file size, which is often padded.

use super::CardError;
use crate::card::CardChannel;
use crate::iso7816::fcp::{self, FileControl};
use crate::iso7816::ins::{INS_READ_BINARY, INS_SELECT};
use crate::iso7816::{Command, StatusWord};

/// P2 for SELECT: return the FCI (`00`) or nothing (`0C`).
const P2_FCI: u8 = 0x00;
const P2_NO_RESPONSE: u8 = 0x0C;
/// READ BINARY with P1 b8 = 0 addresses 15-bit offsets.
const MAX_OFFSET: usize = 0x7FFF;

/// How much one READ BINARY may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadSize {
    /// Short APDUs only, at most this Le (256 = `00`, falling back to 255 = `FF` if the
    /// card refuses `00`).
    Short(usize),
    /// Extended Le up to this many bytes.
    Extended(usize),
}

/// SELECT by path from the MF, no response data (`00 A4 08 0C Lc path`). A card that
/// refuses P2 `0C` with 6A86 is asked again with P2 `00`, as OpenSC does (cns.md §3).
pub fn select_path(channel: &mut CardChannel<'_>, path: &[u8]) -> Result<(), CardError> {
    let command = Command::new(0x00, INS_SELECT, 0x08, P2_NO_RESPONSE).with_data(path.to_vec());
    let response = channel.execute(&command)?;
    if response.sw == StatusWord::INCORRECT_P1P2 {
        let with_fci = Command::new(0x00, INS_SELECT, 0x08, P2_FCI)
            .with_data(path.to_vec())
            .with_le(256);
        return check(INS_SELECT, channel.execute(&with_fci)?.sw);
    }
    check(INS_SELECT, response.sw)
}

/// SELECT by path from the MF with the FCI (`00 A4 08 00 Lc path 00`).
pub fn select_path_fci(
    channel: &mut CardChannel<'_>,
    path: &[u8],
) -> Result<FileControl, CardError> {
    select_fci(channel, 0x08, path)
}

/// SELECT an application by AID (`00 A4 04 00 Lc aid`, the form of the ACe 2025 trace,
/// cns.md §2.4). Any FCI the card returns is not needed.
pub fn select_application(channel: &mut CardChannel<'_>, aid: &[u8]) -> Result<(), CardError> {
    let command = Command::new(0x00, INS_SELECT, 0x04, P2_FCI).with_data(aid.to_vec());
    check(INS_SELECT, channel.execute(&command)?.sw)
}

/// SELECT by path from the current DF with the FCI (`00 A4 09 00 Lc path 00`, the only
/// form seen after an application SELECT, cns.md §2.4 and §3).
pub fn select_relative_fci(
    channel: &mut CardChannel<'_>,
    path: &[u8],
) -> Result<FileControl, CardError> {
    select_fci(channel, 0x09, path)
}

/// SELECT by path (P1 `08` from the MF, `09` from the current DF) with the FCI.
fn select_fci(
    channel: &mut CardChannel<'_>,
    p1: u8,
    path: &[u8],
) -> Result<FileControl, CardError> {
    let command = Command::new(0x00, INS_SELECT, p1, P2_FCI)
        .with_data(path.to_vec())
        .with_le(256);
    let response = channel.execute(&command)?;
    check(INS_SELECT, response.sw)?;
    fcp::parse(&response.data).map_err(|_| CardError::Malformed("FCI"))
}

/// READ BINARY of the current EF from offset 0, at most `size` bytes. After every chunk
/// `known_end(read so far)` may name the real end of the content, which ends the loop early.
pub fn read_binary(
    channel: &mut CardChannel<'_>,
    size: usize,
    read_size: ReadSize,
    known_end: impl Fn(&[u8]) -> Option<usize>,
) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::with_capacity(size.min(65_536));
    let mut target = size;
    let mut chunk = match read_size {
        ReadSize::Short(max) => max.clamp(1, 256),
        ReadSize::Extended(max) => max.clamp(1, 65_536),
    };
    while out.len() < target {
        let offset = out.len();
        if offset > MAX_OFFSET {
            return Err(CardError::Malformed("file beyond READ BINARY offsets"));
        }
        let want = chunk.min(target - offset);
        let [hi, lo] = (offset as u16).to_be_bytes();
        let command = Command::new(0x00, INS_READ_BINARY, hi, lo).with_le(want);
        let response = channel.execute(&command)?;
        match response.sw {
            StatusWord::SUCCESS | StatusWord::END_OF_FILE => {
                if response.data.is_empty() {
                    break;
                }
                // Never trust a card to send no more than asked.
                let take = response.data.len().min(target - offset);
                out.extend_from_slice(&response.data[..take]);
                if response.sw == StatusWord::END_OF_FILE {
                    break;
                }
            }
            // An extended Le is an untested path on most lots (cns.md §6.8): whatever the
            // card objects to it, fall back to short reads.
            sw if chunk > 256 && want > 256 && sw != StatusWord::SECURITY_STATUS_NOT_SATISFIED => {
                log::debug!("READ BINARY: card answered {sw} to Le={want}, using short reads");
                chunk = 256;
                continue;
            }
            // The card refuses Le=00 (OpenSC never sends it, cns.md §3): 255 per read.
            StatusWord::WRONG_LENGTH if chunk == 256 && want == 256 => {
                log::debug!("READ BINARY: card refused Le=256, using 255");
                chunk = 255;
                continue;
            }
            // Offset past the end of the file (cns.md §3): what we have is all there is.
            StatusWord::WRONG_OFFSET if offset > 0 => break,
            sw => return Err(unexpected(INS_READ_BINARY, sw)),
        }
        if let Some(end) = known_end(&out) {
            target = target.min(end);
        }
    }
    out.truncate(target);
    Ok(out)
}

pub fn check(ins: u8, sw: StatusWord) -> Result<(), CardError> {
    if sw.is_success() {
        Ok(())
    } else {
        Err(unexpected(ins, sw))
    }
}

pub fn unexpected(ins: u8, sw: StatusWord) -> CardError {
    CardError::UnexpectedStatus { ins, sw: sw.0 }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::transport::{Channel, ReaderCapabilities, TransportError};

    /// A transparent EF behind READ BINARY, with a card-side limit on Le.
    pub struct FileCard {
        pub content: Vec<u8>,
        pub max_le: usize,
        pub sent: Vec<Vec<u8>>,
    }

    impl FileCard {
        pub fn new(content: Vec<u8>, max_le: usize) -> Self {
            FileCard {
                content,
                max_le,
                sent: vec![],
            }
        }
    }

    impl Channel for FileCard {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(apdu.to_vec());
            let offset = usize::from(u16::from_be_bytes([apdu[2], apdu[3]]));
            let le = match apdu.len() {
                5 => usize::from(apdu[4]).max(1) + if apdu[4] == 0 { 255 } else { 0 },
                7 => match usize::from(u16::from_be_bytes([apdu[5], apdu[6]])) {
                    0 => 65_536,
                    n => n,
                },
                _ => return Ok(vec![0x67, 0x00]),
            };
            if le > self.max_le {
                return Ok(vec![0x67, 0x00]);
            }
            if offset >= self.content.len() {
                return Ok(vec![0x6B, 0x00]);
            }
            let end = (offset + le).min(self.content.len());
            let mut r = self.content[offset..end].to_vec();
            r.extend_from_slice(if end - offset < le {
                &[0x62, 0x82]
            } else {
                &[0x90, 0x00]
            });
            Ok(r)
        }
    }

    fn der_cert(len: usize) -> Vec<u8> {
        let body = len - 4;
        let mut v = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
        v.extend((0..body).map(|i| i as u8));
        v
    }

    /// A `cert_len`-byte certificate at the start of an EF of `ef_len` bytes, the rest FF.
    fn cert_in_ef(cert_len: usize, ef_len: usize) -> Vec<u8> {
        let mut content = der_cert(cert_len);
        content.resize(ef_len, 0xFF);
        content
    }

    fn der_end(prefix: &[u8]) -> Option<usize> {
        crate::iso7816::tlv::encoded_length(prefix).ok()
    }

    /// READ BINARY of `size` bytes holding a certificate; the bytes and the APDUs it took.
    fn read_certificate(
        card: &mut impl Channel,
        size: usize,
        read_size: ReadSize,
    ) -> (Vec<u8>, usize) {
        let mut ch = CardChannel::new(card, EXT);
        let data = read_binary(&mut ch, size, read_size, der_end).unwrap();
        (data, ch.apdus_sent())
    }

    const EXT: ReaderCapabilities = ReaderCapabilities {
        extended_apdu: true,
    };

    #[test]
    fn reads_stop_at_der_length() {
        // Extended: the whole file in one APDU; short: 1094 = 4 × 256 + 70.
        for (max_le, read_size, expected) in [
            (65_536, ReadSize::Extended(65_535), 1),
            (256, ReadSize::Short(256), 5),
        ] {
            let content = cert_in_ef(1094, 2048);
            let mut card = FileCard::new(content.clone(), max_le);
            let (data, apdus) = read_certificate(&mut card, 2048, read_size);
            assert_eq!(data, content[..1094]);
            assert_eq!(apdus, expected, "{read_size:?}");
            if let ReadSize::Short(_) = read_size {
                assert_eq!(card.sent[0], [0, 0xB0, 0, 0, 0]);
                assert_eq!(card.sent[4], [0, 0xB0, 4, 0, 70]);
            }
        }
    }

    #[test]
    fn falls_back_when_the_card_refuses_big_le() {
        let content = der_cert(600);
        let mut card = FileCard::new(content.clone(), 255);
        let (data, apdus) = read_certificate(&mut card, 600, ReadSize::Extended(65_535));
        assert_eq!(data, content);
        // 600 refused, 256 refused, then 255 + 255 + 90.
        assert_eq!(apdus, 5);
    }

    #[test]
    fn any_refusal_of_an_extended_le_falls_back_to_short_reads() {
        struct NoExtended(FileCard);
        impl Channel for NoExtended {
            fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
                if apdu.len() == 7 {
                    self.0.sent.push(apdu.to_vec());
                    return Ok(vec![0x6B, 0x00]);
                }
                self.0.transmit(apdu)
            }
        }
        let content = der_cert(600);
        let mut card = NoExtended(FileCard::new(content.clone(), 256));
        let (data, apdus) = read_certificate(&mut card, 600, ReadSize::Extended(65_535));
        assert_eq!(data, content);
        // Extended refused, then 256 + 256 + 88.
        assert_eq!(apdus, 4);
    }

    #[test]
    fn file_shorter_than_announced_ends_cleanly() {
        let mut card = FileCard::new(vec![7; 300], 256);
        let mut ch = CardChannel::new(&mut card, EXT);
        let data = read_binary(&mut ch, 1000, ReadSize::Short(256), |_| None).unwrap();
        assert_eq!(data.len(), 300);
    }

    #[test]
    fn select_without_fci_falls_back_on_6a86() {
        struct FciOnly(Vec<Vec<u8>>);
        impl Channel for FciOnly {
            fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
                self.0.push(apdu.to_vec());
                Ok(if apdu[3] == 0x0C {
                    vec![0x6A, 0x86]
                } else {
                    vec![0x6F, 0x00, 0x90, 0x00]
                })
            }
        }
        let mut card = FciOnly(vec![]);
        let mut ch = CardChannel::new(&mut card, EXT);
        assert_eq!(select_path(&mut ch, &[0x10, 0x00, 0x10, 0x03]), Ok(()));
        assert_eq!(card.0[1], [0, 0xA4, 8, 0, 4, 0x10, 0, 0x10, 3, 0]);
    }

    #[test]
    fn error_status_is_reported() {
        struct Denied;
        impl Channel for Denied {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x69, 0x82])
            }
        }
        let mut denied = Denied;
        let mut ch = CardChannel::new(&mut denied, EXT);
        assert_eq!(
            read_binary(&mut ch, 10, ReadSize::Short(256), |_| None),
            Err(CardError::UnexpectedStatus {
                ins: 0xB0,
                sw: 0x6982
            })
        );
    }
}
