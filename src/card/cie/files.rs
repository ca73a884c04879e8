//! Applications and files of the CIE (cie.md §1.2, §2, C7, C13): selection, the NIS,
//! the chip authentication key (EF 1004) in plain, and the certificate (EF 1003) under
//! secure messaging.

use super::plain;
use super::secure_channel::UserChannel;
use crate::card::file::{self as iso_file, ReadSize};
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::ins::{INS_READ_BINARY, INS_SELECT};
use crate::iso7816::{tlv, Command, StatusWord};

/// IAS-ECC application (§1.2, "gemaltoAID").
pub const IAS_AID: [u8; 13] = [
    0xA0, 0x00, 0x00, 0x00, 0x30, 0x80, 0x00, 0x00, 0x00, 0x09, 0x81, 0x60, 0x01,
];
/// CIE application DF (§1.2).
pub const CIE_AID: [u8; 6] = [0xA0, 0x00, 0x00, 0x00, 0x00, 0x39];

pub const EF_NIS: [u8; 2] = [0x10, 0x01];
pub const EF_CERTIFICATE: [u8; 2] = [0x10, 0x03];
pub const EF_CHIP_KEY: [u8; 2] = [0x10, 0x04];

/// NIS: 12 ASCII digits (§2).
pub const NIS_LEN: usize = 12;
/// Most bytes one protected READ BINARY asks for (§2: keeps the answer ≤ 256 bytes).
const SM_READ_CHUNK: usize = 0xE7;
/// No certificate EF is bigger; bounds the loop on a card that never says "end".
const MAX_CERTIFICATE_LEN: usize = 16 * 1024;
/// Bigger than any RSA public key file.
const MAX_KEY_FILE_LEN: usize = 2048;

/// `00 A4 04 0C Lc AID`.
pub fn select_aid(aid: &[u8]) -> Command {
    Command::new(0x00, INS_SELECT, 0x04, 0x0C).with_data(aid.to_vec())
}

/// `00 A4 00 00`, no data (§1.1 point 1, LNX form).
pub fn select_mf() -> Command {
    Command::new(0x00, INS_SELECT, 0x00, 0x00)
}

/// `00 A4 02 04 02 FID`, no Le (C13).
pub fn select_ef(fid: &[u8; 2]) -> Command {
    Command::new(0x00, INS_SELECT, 0x02, 0x04).with_data(fid.to_vec())
}

/// READ BINARY of 12 bytes of SFI 1 (EF 1001) right after selecting the CIE DF (§2).
pub fn read_nis_by_sfi() -> Command {
    Command::new(0x00, INS_READ_BINARY, 0x81, 0x00).with_le(NIS_LEN)
}

/// The NIS from the first 12 bytes of EF 1001, which must be ASCII digits.
pub fn parse_nis(data: &[u8]) -> Result<String, CardError> {
    let digits = data.get(..NIS_LEN).ok_or(CardError::Malformed("NIS"))?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(CardError::Malformed("NIS"));
    }
    Ok(digits.iter().map(|b| char::from(*b)).collect())
}

/// Reads the NIS with the CIE DF selected: one READ BINARY by SFI, or SELECT + READ
/// BINARY on a chip that refuses the short-FID form.
pub fn read_nis(channel: &mut CardChannel<'_>) -> Result<String, CardError> {
    let response = channel.execute(&read_nis_by_sfi())?;
    if response.sw.is_success() {
        return parse_nis(&response.data);
    }
    log::debug!(
        "CIE: READ BINARY by SFI answered {}; selecting EF 1001",
        response.sw
    );
    plain::expect_success(INS_SELECT, channel.execute(&select_ef(&EF_NIS))?)?;
    let response = channel.execute(&Command::new(0x00, INS_READ_BINARY, 0, 0).with_le(NIS_LEN))?;
    parse_nis(&plain::expect_success(INS_READ_BINARY, response)?)
}

/// The chip's authentication public key (EF 1004, `SEQUENCE { INTEGER n, INTEGER e }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipKey {
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
}

/// Leading zeros stripped (§2).
pub fn parse_chip_key(der: &[u8]) -> Result<ChipKey, CardError> {
    const WHAT: &str = "EF 1004";
    let (modulus, exponent) = tlv::rsa_public_key(der).ok_or(CardError::Malformed(WHAT))?;
    if modulus.last().is_none_or(|b| b & 1 == 0) {
        return Err(CardError::Malformed(WHAT));
    }
    Ok(ChipKey { modulus, exponent })
}

/// Reads EF 1004 in plain, stopping at its DER length.
pub fn read_chip_key(channel: &mut CardChannel<'_>) -> Result<ChipKey, CardError> {
    plain::expect_success(INS_SELECT, channel.execute(&select_ef(&EF_CHIP_KEY))?)?;
    let der = iso_file::read_binary(channel, MAX_KEY_FILE_LEN, ReadSize::Short(256), |read| {
        tlv::encoded_length(read).ok()
    })?;
    parse_chip_key(&der)
}

/// Reads EF 1003 under secure messaging: protected READ BINARY of ≤ 231 bytes each, until
/// the DER length of the certificate, or until DO 99 says 6282 / 6B00 (C7).
pub fn read_certificate(
    sc: &mut UserChannel,
    channel: &mut CardChannel<'_>,
) -> Result<Vec<u8>, CardError> {
    let response = sc.transmit(channel, &select_ef(&EF_CERTIFICATE))?;
    if !response.sw.is_success() {
        return Err(super::status_error(INS_SELECT, response.sw));
    }
    let mut out = Vec::new();
    let mut target = MAX_CERTIFICATE_LEN;
    while out.len() < target {
        let offset = out.len();
        let want = SM_READ_CHUNK.min(target - offset);
        let [hi, lo] = (offset as u16).to_be_bytes();
        let command = Command::new(0x00, INS_READ_BINARY, hi, lo).with_le(want);
        let response = sc.transmit(channel, &command)?;
        match response.sw {
            StatusWord::SUCCESS | StatusWord::END_OF_FILE => {
                let take = response.data.len().min(target - offset);
                out.extend_from_slice(&response.data[..take]);
                if response.sw == StatusWord::END_OF_FILE || response.data.is_empty() {
                    break;
                }
            }
            StatusWord::WRONG_OFFSET if offset > 0 => break,
            sw => return Err(super::status_error(INS_READ_BINARY, sw)),
        }
        if let Ok(end) = tlv::encoded_length(&out) {
            target = end.min(MAX_CERTIFICATE_LEN);
        }
    }
    let end = tlv::encoded_length(&out).map_err(|_| CardError::Malformed("EF 1003"))?;
    if end > out.len() {
        return Err(CardError::Malformed("EF 1003 shorter than its certificate"));
    }
    out.truncate(end);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso7816::apdu::hex;

    #[test]
    fn commands_are_byte_exact() {
        let enc = |c: Command| hex(&c.encode(false).unwrap());
        assert_eq!(
            enc(select_aid(&IAS_AID)),
            "00A4040C0DA0000000308000000009816001"
        );
        assert_eq!(enc(select_aid(&CIE_AID)), "00A4040C06A00000000039");
        assert_eq!(enc(select_mf()), "00A40000");
        assert_eq!(enc(select_ef(&EF_CHIP_KEY)), "00A40204021004");
        assert_eq!(enc(read_nis_by_sfi()), "00B081000C");
    }

    #[test]
    fn nis_must_be_twelve_digits() {
        assert_eq!(parse_nis(b"123456789012").unwrap(), "123456789012");
        assert_eq!(parse_nis(b"123456789012\xFF\xFF").unwrap(), "123456789012");
        assert!(parse_nis(b"12345678901").is_err());
        assert!(parse_nis(b"12345678901A").is_err());
        assert!(parse_nis(b"../../../etc").is_err());
    }

    #[test]
    fn chip_key_parsing() {
        let key =
            parse_chip_key(&[0x30, 0x08, 0x02, 0x02, 0x00, 0xC5, 0x02, 0x02, 0x01, 0x01]).unwrap();
        assert_eq!(key.modulus, [0xC5]);
        assert_eq!(key.exponent, [1, 1]);
        assert!(parse_chip_key(&[0x30, 0x06, 0x02, 0x01, 0xC4, 0x02, 0x01, 0x03]).is_err());
        assert!(parse_chip_key(&[0x31, 0x00]).is_err());
        assert!(parse_chip_key(&[0x30, 0x03, 0x02, 0x01, 0x05]).is_err());
        assert!(parse_chip_key(&[]).is_err());
    }
}
