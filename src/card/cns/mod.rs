//! TS-CNS / CRS driver for the classic layout (cns.md §2–5, §8).
//!
//! No secure messaging; PIN in clear, FF-padded; signatures by raw RSA through
//! PSO DECIPHER on a host-padded block, as OpenSC does (cns.md §5.1).
//!
//! APDUs per operation (ST 2021, extended APDUs; OpenSC needs 63 to list and 68 to log in
//! and sign, cns-opensc.md):
//! - probe + public data, 6: SELECT 1000/1003 (P2 0C), READ BINARY 16 (serial, reused);
//!   SELECT 1100/1102 with FCI, one READ BINARY; SELECT 1100/1101 with FCI, one READ BINARY
//!   with an extended Le of the file size. With short APDUs only: 256 bytes per READ BINARY
//!   (Le `00`), stopping at the DER length of the certificate, e.g. 10 for a 1 KB certificate.
//! - retry counter, 1: empty VERIFY.
//! - login, 1: VERIFY. PIN change, 1: CHANGE REFERENCE DATA; unblock, 1: RESET RETRY COUNTER
//!   (`pin_lifecycle`).
//! - sign, 3: MSE RESTORE, MSE SET, PSO DECIPHER (one extended APDU for RSA-2048). MSE RESTORE
//!   stays: the facts sheet has no evidence that SET alone works after another application
//!   changed the security environment.

pub mod personal_data;
mod pin_lifecycle;
pub mod profile;

use zeroize::Zeroizing;

use super::file::{self, ReadSize};
use super::{Card, CardError, Pin, PinKind, PinPolicy, PublicData, SignatureKind};
use crate::iso7816::{tlv, CardChannel, Command, StatusWord};
use crate::token::MechanismInfo;
use profile::{CnsAtr, Profile};

/// EF_IDCarta, `3F00/1000/1003`: 16 ASCII digits (cns.md §2.1).
const ID_CARTA: &[u8] = &[0x10, 0x00, 0x10, 0x03];
const SERIAL_LEN: usize = 16;
/// EF_DatiPersonali, `3F00/1100/1102` (cns.md §2.2).
const DATI_PERSONALI: &[u8] = &[0x11, 0x00, 0x11, 0x02];

/// cns.md §4: PIN and PUK are 5..8 digits, padded to 8 bytes with FF; 3 tries.
const PIN_POLICY: PinPolicy = PinPolicy {
    min_len: 5,
    max_len: 8,
    max_tries: 3,
};
/// The PUK has the PIN's format (cns.md §4). Its retry limit is not in the sources (cns.md §4,
/// §9): 10, as on the CIE (cie.md §6) and the virtual card. Only CKF_SO_PIN_COUNT_LOW after an
/// empty VERIFY depends on it; after a wrong PUK the token sets COUNT_LOW whatever the limit.
const PUK_POLICY: PinPolicy = PinPolicy {
    max_tries: 10,
    ..PIN_POLICY
};
const PIN_BLOCK_LEN: usize = 8;
const PIN_PAD: u8 = 0xFF;

/// Biggest extended Le we ask for in one READ BINARY: the whole certificate EF.
const MAX_EXTENDED_READ: usize = 65_535;

const INS_VERIFY: u8 = 0x20;
const INS_MSE: u8 = 0x22;
const INS_PSO: u8 = 0x2A;

/// The classic TS-CNS driver for one card.
pub struct CnsCard {
    atr: CnsAtr,
    profile: &'static Profile,
    /// EF 1003 digits, read by the probe so that binding does not read them twice.
    serial: Option<String>,
}

impl CnsCard {
    pub fn new(atr: CnsAtr, profile: &'static Profile) -> CnsCard {
        CnsCard {
            atr,
            profile,
            serial: None,
        }
    }

    /// Confirms the classic layout (cns.md §1.4 "practical consequences", §8 step 2):
    /// EF 1003 exists and holds 16 ASCII digits. `Ok(None)` when it does not.
    pub fn probe(&mut self, channel: &mut CardChannel<'_>) -> Result<Option<String>, CardError> {
        match read_serial(channel) {
            Ok(serial) => {
                self.serial = Some(serial.clone());
                Ok(Some(serial))
            }
            Err(CardError::UnexpectedStatus { .. } | CardError::Malformed(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Extended APDUs for this card on this reader (cns.md §1.2, §5.1).
    fn extended(&self, channel: &CardChannel<'_>) -> bool {
        self.atr.supports_extended_apdu() && channel.capabilities().extended_apdu
    }

    fn read_size(&self, channel: &CardChannel<'_>) -> ReadSize {
        if self.extended(channel) {
            ReadSize::Extended(MAX_EXTENDED_READ)
        } else {
            ReadSize::Short
        }
    }

    /// PIN P2: BSO reference, with b8 set for STIncard (cns.md §4).
    fn pin_p2(&self, kind: PinKind) -> u8 {
        let reference = match kind {
            PinKind::User => self.profile.pin_reference,
            PinKind::Puk => self.profile.puk_reference,
        };
        if self.profile.pin_p2_backtracking {
            reference | 0x80
        } else {
            reference
        }
    }

    fn read_holder(&self, channel: &mut CardChannel<'_>) -> Result<Option<String>, CardError> {
        let fci = file::select_path_fci(channel, DATI_PERSONALI)?;
        let size = fci
            .size()
            .ok_or(CardError::Malformed("EF_DatiPersonali size"))?;
        let raw = file::read_binary(
            channel,
            size,
            self.read_size(channel),
            personal_data::declared_end,
        )?;
        Ok(personal_data::parse(&raw).ok().and_then(|pd| pd.holder()))
    }

    fn read_certificate(&self, channel: &mut CardChannel<'_>) -> Result<Vec<u8>, CardError> {
        let fci = file::select_path_fci(channel, self.profile.certificate_path)?;
        let size = fci
            .size()
            .ok_or(CardError::Malformed("certificate EF size"))?;
        // The EF may be longer than the certificate (cns.md §2.1): stop at the DER length.
        file::read_binary(channel, size, self.read_size(channel), |read| {
            tlv::encoded_length(read).ok()
        })
    }
}

fn read_serial(channel: &mut CardChannel<'_>) -> Result<String, CardError> {
    file::select_path(channel, ID_CARTA)?;
    let command = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(SERIAL_LEN);
    let response = channel.execute(&command)?;
    file::check(0xB0, response.sw)?;
    if response.data.len() != SERIAL_LEN || !response.data.iter().all(u8::is_ascii_digit) {
        return Err(CardError::Malformed("EF_IDCarta"));
    }
    Ok(response.data.iter().map(|b| char::from(*b)).collect())
}

/// CKF_HW | CKF_SIGN: the private-key operation runs on the chip (host hashing and padding).
const SIGN_FLAGS: cryptoki_sys::CK_FLAGS = cryptoki_sys::CKF_HW | cryptoki_sys::CKF_SIGN;

const fn sign_mechanism(mechanism: cryptoki_sys::CK_MECHANISM_TYPE) -> MechanismInfo {
    MechanismInfo {
        mechanism,
        min_key_bits: 1024,
        max_key_bits: 4096,
        flags: SIGN_FLAGS,
    }
}

/// Raw RSA on the chip allows every RSA signature padding (cns.md §5.2, HARNESS.md: PSS is
/// what TLS 1.3 client authentication needs).
static MECHANISMS: [MechanismInfo; 11] = [
    sign_mechanism(cryptoki_sys::CKM_RSA_PKCS),
    sign_mechanism(cryptoki_sys::CKM_RSA_X_509),
    sign_mechanism(cryptoki_sys::CKM_SHA1_RSA_PKCS),
    sign_mechanism(cryptoki_sys::CKM_SHA256_RSA_PKCS),
    sign_mechanism(cryptoki_sys::CKM_SHA384_RSA_PKCS),
    sign_mechanism(cryptoki_sys::CKM_SHA512_RSA_PKCS),
    sign_mechanism(cryptoki_sys::CKM_RSA_PKCS_PSS),
    sign_mechanism(cryptoki_sys::CKM_SHA1_RSA_PKCS_PSS),
    sign_mechanism(cryptoki_sys::CKM_SHA256_RSA_PKCS_PSS),
    sign_mechanism(cryptoki_sys::CKM_SHA384_RSA_PKCS_PSS),
    sign_mechanism(cryptoki_sys::CKM_SHA512_RSA_PKCS_PSS),
];

impl Card for CnsCard {
    fn read_public_data(&mut self, channel: &mut CardChannel<'_>) -> Result<PublicData, CardError> {
        let serial = match self.serial.clone() {
            Some(serial) => serial,
            None => read_serial(channel)?,
        };
        // A missing or unreadable EF_DatiPersonali only costs the label its name.
        let holder = match self.read_holder(channel) {
            Ok(holder) => holder,
            Err(CardError::Transport(e)) => return Err(CardError::Transport(e)),
            Err(e) => {
                log::debug!("TS-CNS: no holder from EF_DatiPersonali: {e:?}");
                None
            }
        };
        let certificate = match self.read_certificate(channel) {
            Ok(der) => Some(der),
            Err(CardError::Transport(e)) => return Err(CardError::Transport(e)),
            Err(e) => {
                log::warn!("TS-CNS: no authentication certificate: {e:?}");
                None
            }
        };
        Ok(PublicData {
            serial,
            family: "TS-CNS",
            model: profile::model(&self.atr),
            manufacturer: profile::mask_maker_name(self.atr.mask_maker).to_string(),
            holder,
            certificate,
        })
    }

    fn mechanisms(&self) -> &'static [MechanismInfo] {
        &MECHANISMS
    }

    fn signature_kind(&self) -> SignatureKind {
        SignatureKind::RawRsa
    }

    fn pin_policy(&self, kind: PinKind) -> PinPolicy {
        match kind {
            PinKind::User => PIN_POLICY,
            PinKind::Puk => PUK_POLICY,
        }
    }

    /// Empty VERIFY (cns.md §4: optional on CNS, so anything but 63Cx / 9000 / 6983 is "unknown").
    fn retries_left(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
    ) -> Result<Option<u8>, CardError> {
        let command = Command::new(0x00, INS_VERIFY, 0x00, self.pin_p2(kind));
        let sw = channel.execute(&command)?.sw;
        Ok(match sw {
            // Already verified in this card session: the counter is full.
            StatusWord::SUCCESS => Some(PIN_POLICY.max_tries),
            StatusWord::AUTH_METHOD_BLOCKED => Some(0),
            sw => sw.tries_left(),
        })
    }

    fn verify_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
        pin: &Pin,
    ) -> Result<(), CardError> {
        let digits = pin.as_bytes();
        if digits.len() > PIN_BLOCK_LEN {
            return Err(CardError::DataLength);
        }
        let mut block = Zeroizing::new(Vec::with_capacity(PIN_BLOCK_LEN));
        block.extend_from_slice(digits);
        block.resize(PIN_BLOCK_LEN, PIN_PAD);
        let command =
            Command::new(0x00, INS_VERIFY, 0x00, self.pin_p2(kind)).with_secret_data(block);
        let sw = channel.execute(&command)?.sw;
        match sw {
            StatusWord::SUCCESS => Ok(()),
            StatusWord::AUTH_METHOD_BLOCKED => Err(CardError::PinLocked),
            sw => match sw.tries_left() {
                Some(0) => Err(CardError::PinLocked),
                Some(tries_left) => Err(CardError::PinIncorrect { tries_left }),
                None => Err(file::unexpected(INS_VERIFY, sw)),
            },
        }
    }

    /// CNS has no command that drops a verified PIN (cns.md §3–4): the token resets the card.
    fn logout(&mut self, _channel: &mut CardChannel<'_>) -> Result<(), CardError> {
        Ok(())
    }

    /// The user PIN only: nothing in the facts says the PUK can be changed (cns.md §4).
    fn change_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
        old: &Pin,
        new: &Pin,
    ) -> Result<(), CardError> {
        match kind {
            PinKind::User => {
                pin_lifecycle::change_reference_data(channel, self.pin_p2(kind), old, new)
            }
            PinKind::Puk => Err(CardError::NotSupported),
        }
    }

    fn unblock_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        puk: &Pin,
        new_pin: &Pin,
    ) -> Result<(), CardError> {
        pin_lifecycle::reset_retry_counter(channel, self.pin_p2(PinKind::User), puk, new_pin)
    }

    /// MSE RESTORE + MSE SET + PSO DECIPHER on `00 ‖ block` (cns.md §5.1 steps 3–5).
    fn sign(&mut self, channel: &mut CardChannel<'_>, input: &[u8]) -> Result<Vec<u8>, CardError> {
        if let Some(path) = self.profile.key_path {
            file::select_path(channel, path)?;
        }
        // Step 3: the card wants the trailing 00, sent as a case-2 APDU (Le = 256 → `00`).
        let restore = Command::new(0x00, INS_MSE, 0xF3, 0x03).with_le(256);
        let response = channel.execute(&restore)?;
        file::check(INS_MSE, response.sw)?;
        // Step 4: key reference for decipher (P2 B8, tag 83).
        let set = Command::new(0x00, INS_MSE, 0xF1, 0xB8).with_data(vec![
            0x83,
            0x01,
            self.profile.key_reference,
        ]);
        let response = channel.execute(&set)?;
        file::check(INS_MSE, response.sw)?;
        // Step 5: PSO DECIPHER; one extended APDU for 2048-bit keys (the ST 2021 refuses
        // chaining with 6E00, cns.md §5.1 / §6.1), chaining only when extended is impossible.
        let mut data = Vec::with_capacity(input.len() + 1);
        data.push(0x00);
        data.extend_from_slice(input);
        let le = input.len();
        let response = if data.len() <= 255 || self.extended(channel) {
            let pso = Command::new(0x00, INS_PSO, 0x80, 0x86)
                .with_data(data)
                .with_le(le);
            channel.execute(&pso)?
        } else {
            pso_chained(channel, &data, le)?
        };
        match response.sw {
            StatusWord::SUCCESS if response.data.len() == input.len() => Ok(response.data),
            StatusWord::SUCCESS => Err(CardError::Malformed("PSO DECIPHER result length")),
            StatusWord::SECURITY_STATUS_NOT_SATISFIED => Err(CardError::SecurityStatusNotSatisfied),
            sw => Err(file::unexpected(INS_PSO, sw)),
        }
    }
}

/// Command chaining (CLA b5, ISO 7816-4 §5.1.1.1) for readers without extended APDUs.
fn pso_chained(
    channel: &mut CardChannel<'_>,
    data: &[u8],
    le: usize,
) -> Result<crate::iso7816::Response, CardError> {
    let mut parts = data.chunks(255).peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some() {
            let command = Command::new(0x10, INS_PSO, 0x80, 0x86).with_data(part.to_vec());
            let response = channel.execute(&command)?;
            if response.sw == StatusWord::CLA_NOT_SUPPORTED {
                log::warn!("TS-CNS refuses command chaining and the reader has no extended APDUs");
                return Err(CardError::NotSupported);
            }
            file::check(INS_PSO, response.sw)?;
        } else {
            let command = Command::new(0x00, INS_PSO, 0x80, 0x86)
                .with_data(part.to_vec())
                .with_le(le.min(256));
            return Ok(channel.execute(&command)?);
        }
    }
    Err(CardError::DataLength)
}

#[cfg(test)]
pub(crate) mod tests;
