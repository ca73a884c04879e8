//! TS-CNS / CRS driver, every batch through one profile table (cns.md §2–6, §8).
//!
//! No secure messaging; PIN in clear, FF-padded; signatures by raw RSA through
//! PSO DECIPHER on a host-padded block, as OpenSC does (cns.md §5.1). What differs between
//! batches — references, paths, APDU sizes — is read from `profile::PROFILES`.
//!
//! APDUs to bind (= `pkcs11-tool -L`; OpenSC needs 63 to list and 68 to log in and sign,
//! cns-opensc.md). `detection` reads the serial, `read_public_data` the certificate where
//! several layouts are possible (the layout probe) and EF_DatiPersonali, the token the
//! certificate if still unread and one empty VERIFY. With the token's public-data cache warm
//! (layout, certificate and holder fields of this serial): 3, serial and VERIFY (ACe 2025: 5).
//! The first time:
//! - classic layout with extended APDUs (ST 2021, IDEMIA 2021): 7 — SELECT 1003 (P2 0C) +
//!   READ 16; SELECT certificate with FCI + one READ with an extended Le; SELECT 1102 with
//!   FCI + one READ; empty VERIFY.
//! - CNS 1.0 cards read with short APDUs, one READ per 256 (255) bytes up to the DER length:
//!   10 for the virtual STIncard 1.0, CardOS, Athena and Oberthur (≈ 800-byte certificates).
//! - InfoCamere 1204: one more, the classic certificate SELECT that fails first (the ATR
//!   cannot tell the layouts apart); 11 on the virtual CNS 1.0 card.
//! - ACe 2025: 11 (SELECT AID before every path and before VERIFY, see `files`).
//! - login 1 (+1 SELECT AID); sign 3 (MSE RESTORE, MSE SET, PSO DECIPHER), +1 for a key
//!   DF (IDEMIA 2021, InfoCamere 1204) or the AID (ACe 2025). MSE RESTORE stays: the facts
//!   sheet has no evidence that SET alone works after another application changed the
//!   security environment.
//! - PIN change 1 (CHANGE REFERENCE DATA), unblock 1 (RESET RETRY COUNTER), each +1 SELECT
//!   AID on ACe 2025 (`pin_lifecycle`).

pub mod detection;
pub mod files;
pub mod personal_data;
mod pin_lifecycle;
pub mod profile;
pub mod public_cache;

use zeroize::Zeroizing;

use super::file::{self, ReadSize};
use super::pin::pin_outcome;
use super::{
    Card, CardError, HolderDatum, KeySizes, Pin, PinChange, PinKind, PinPolicy, PublicData,
    SignatureKind,
};
use crate::card::CardChannel;
use crate::iso7816::ins::{INS_MSE, INS_PSO, INS_VERIFY};
use crate::iso7816::{Command, Response, StatusWord};
use personal_data::PersonalData;
use pin_lifecycle::TwoBlocks;
use profile::{CnsAtr, Profile, ReadChunk};
use public_cache::CachedLayout;

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

/// ISO 7816-4 `68 84`: command chaining not supported (the ST 2021 says `6E 00`, cns.md §6.1).
const CHAINING_NOT_SUPPORTED: StatusWord = StatusWord(0x6884);

/// Names the token and the cache files.
const FAMILY: &str = "TS-CNS";

/// CKA_APPLICATION of the holder data objects: the EF they come from (cns.md §2.2).
const PERSONAL_DATA_APPLICATION: &str = "EF_DatiPersonali";

/// The TS-CNS driver for one card, built by `detection` once its files answered.
pub struct CnsCard {
    /// `None` when the card was found by its application, without a CNS ATR.
    atr: Option<CnsAtr>,
    profile: &'static Profile,
    /// The profiles the identity probe left, in order (`profile` first): the first whose
    /// certificate is where it says is the card's (cns.md §8 step 3).
    layouts: Vec<&'static Profile>,
    /// `profile` is the card's: one layout, the layout probe answered, or the cache said so.
    layout_known: bool,
    /// EF 1003 digits, read by the probe.
    serial: String,
    /// The authentication certificate when the layout probe read it; else the token takes it
    /// from its cache or asks for it (`read_public_certificate`).
    certificate: Option<Vec<u8>>,
    /// EF_DatiPersonali came from the public-data cache: not read again.
    personal_cached: bool,
    /// Layout or EF_DatiPersonali were read from the card since the token last cached them.
    to_cache: bool,
    /// EF_DatiPersonali, read with the public data.
    personal: Option<PersonalData>,
}

impl CnsCard {
    /// A card whose identity answered under the addressing of `layouts` (none empty).
    pub fn new(
        atr: Option<CnsAtr>,
        layouts: Vec<&'static Profile>,
        serial: String,
    ) -> Option<CnsCard> {
        let profile = *layouts.first()?;
        let layout_known = layouts.iter().all(|p| p.certificate == profile.certificate);
        Some(CnsCard {
            atr,
            profile,
            layouts,
            layout_known,
            serial,
            certificate: None,
            personal: None,
            personal_cached: false,
            to_cache: false,
        })
    }

    /// cns.md §8 step 3: the first layout whose certificate is where it says is the card's.
    fn probe_layouts(&mut self, channel: &mut CardChannel<'_>) -> Result<(), CardError> {
        for &profile in &self.layouts {
            if let Some(der) = detection::probe_layout(channel, self.atr.as_ref(), profile)? {
                log::debug!("TS-CNS {}: layout {}", self.serial, profile.name);
                self.profile = profile;
                self.certificate = Some(der);
                self.layout_known = true;
                self.to_cache = true;
                return Ok(());
            }
        }
        log::warn!(
            "TS-CNS {}: files but no known layout answered: not supported",
            self.serial
        );
        Err(CardError::NotSupported)
    }

    /// The certificate where the profile keeps it (cns.md §2.1).
    fn read_certificate(&mut self, channel: &mut CardChannel<'_>) -> Result<Vec<u8>, CardError> {
        let read_size = self.read_size(channel);
        let der = files::read_certificate(
            channel,
            self.profile.addressing,
            self.profile.certificate,
            read_size,
        )?;
        self.certificate = Some(der.clone());
        Ok(der)
    }

    /// Extended APDUs for this card on this reader (cns.md §1.2, §5.1).
    fn extended(&self, channel: &CardChannel<'_>) -> bool {
        self.profile.card_takes_extended(self.atr.as_ref()) && channel.capabilities().extended_apdu
    }

    fn read_size(&self, channel: &CardChannel<'_>) -> ReadSize {
        read_size(self.profile, self.atr.as_ref(), channel)
    }

    /// PIN P2: BSO reference, with b8 set where the profile says so (cns.md §4).
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

    fn read_personal_data(
        &self,
        channel: &mut CardChannel<'_>,
    ) -> Result<Option<PersonalData>, CardError> {
        let raw =
            files::read_personal_data(channel, self.profile.addressing, self.read_size(channel))?;
        Ok(personal_data::parse(&raw).ok())
    }

    fn read_personal_data_once(
        &mut self,
        channel: &mut CardChannel<'_>,
    ) -> Result<Option<PersonalData>, CardError> {
        if self.personal_cached {
            return Ok(self.personal.take());
        }
        self.to_cache = true;
        self.read_personal_data(channel)
    }
}

/// How much one READ BINARY asks for: the whole file with an extended Le when card and
/// reader take extended APDUs, else the profile's short chunk (cns.md §3, §6.8).
pub(crate) fn read_size(
    profile: &Profile,
    atr: Option<&CnsAtr>,
    channel: &CardChannel<'_>,
) -> ReadSize {
    if profile.card_takes_extended(atr) && channel.capabilities().extended_apdu {
        return ReadSize::Extended(MAX_EXTENDED_READ);
    }
    match profile.read_chunk {
        ReadChunk::Short256 => ReadSize::Short(256),
        ReadChunk::Short255 => ReadSize::Short(255),
    }
}

impl Card for CnsCard {
    fn read_public_data(&mut self, channel: &mut CardChannel<'_>) -> Result<PublicData, CardError> {
        if !self.layout_known {
            self.probe_layouts(channel)?;
        }
        // A missing or unreadable EF_DatiPersonali only costs the label its name.
        self.personal = match self.read_personal_data_once(channel) {
            Ok(personal) => personal,
            Err(e) if e.is_link() => return Err(e),
            Err(e) => {
                log::debug!("TS-CNS: no EF_DatiPersonali: {e:?}");
                None
            }
        };
        Ok(PublicData {
            serial: self.serial.clone(),
            family: FAMILY,
            model: profile::model(self.atr.as_ref(), self.profile),
            manufacturer: profile::manufacturer(self.atr.as_ref(), self.profile),
            holder: self.personal.as_ref().and_then(PersonalData::holder),
            certificate: self.certificate.clone(),
        })
    }

    fn family(&self) -> &'static str {
        FAMILY
    }

    fn serial_for_cache(&self) -> Option<String> {
        Some(self.serial.clone())
    }

    fn shows_certificate_before_login(&self) -> bool {
        true
    }

    /// The public file, no login needed: the token asks when its cache has no copy, or when
    /// the cached copy it showed failed its proof (a signature that does not verify under
    /// its key).
    fn read_certificate_after_login(
        &mut self,
        channel: &mut CardChannel<'_>,
    ) -> Result<Option<Vec<u8>>, CardError> {
        self.read_certificate(channel).map(Some)
    }

    /// The profile whose layout answered and the shown fields of EF_DatiPersonali.
    fn chip_data_to_cache(&mut self) -> Option<Vec<u8>> {
        if !std::mem::take(&mut self.to_cache) || !self.layout_known {
            return None;
        }
        let entry = CachedLayout {
            profile: self.profile.name.to_string(),
            personal_file: self.personal.as_ref().map(PersonalData::shown_fields_file),
        };
        Some(entry.encode())
    }

    /// A layout this card's identity left (else the entry is ignored) and its holder fields.
    fn use_cached_chip_data(&mut self, bytes: &[u8]) {
        let Some(entry) = CachedLayout::decode(bytes) else {
            return;
        };
        let Some(&profile) = self.layouts.iter().find(|p| p.name == entry.profile) else {
            log::info!(
                "TS-CNS {}: cached layout {} ignored",
                self.serial,
                entry.profile
            );
            return;
        };
        self.profile = profile;
        self.layout_known = true;
        self.personal = entry
            .personal_file
            .and_then(|file| personal_data::parse(&file).ok());
        self.personal_cached = true;
    }

    /// Raw RSA on the chip (cns.md §5.1) with keys of 1024 (CNS 1.0) up to 4096 bits.
    fn key_sizes(&self) -> KeySizes {
        KeySizes {
            min_bits: 1024,
            max_bits: 4096,
        }
    }

    /// Codice fiscale, given name and surname from EF_DatiPersonali (cns.md §2.2).
    fn holder_data(&self) -> Vec<HolderDatum> {
        let Some(personal) = &self.personal else {
            return Vec::new();
        };
        [
            (personal_data::CODICE_FISCALE, "codice_fiscale"),
            (personal_data::GIVEN_NAME, "nome"),
            (personal_data::SURNAME, "cognome"),
        ]
        .into_iter()
        .filter_map(|(index, label)| {
            Some(HolderDatum {
                application: PERSONAL_DATA_APPLICATION,
                label,
                value: personal.raw_field(index)?.to_vec(),
            })
        })
        .collect()
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
        files::enter(channel, self.profile.addressing)?;
        let command = Command::new(0x00, INS_VERIFY, 0x00, self.pin_p2(kind));
        let sw = channel.execute(&command)?.sw;
        Ok(match sw {
            // Already verified in this card session: the counter is full.
            StatusWord::SUCCESS => Some(self.pin_policy(kind).max_tries),
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
        files::enter(channel, self.profile.addressing)?;
        let command =
            Command::new(0x00, INS_VERIFY, 0x00, self.pin_p2(kind)).with_secret_data(block);
        let sw = channel.execute(&command)?.sw;
        pin_outcome(sw, |sw| file::unexpected(INS_VERIFY, sw))
    }

    /// CNS has no command that drops a verified PIN (cns.md §3–4): the token resets the card.
    fn logout(&mut self, _channel: &mut CardChannel<'_>) -> Result<(), CardError> {
        Ok(())
    }

    fn verified_pin_is_shared(&self) -> bool {
        true
    }

    /// One APDU each, P2 naming the user PIN (cns.md §4).
    fn change_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        change: PinChange<'_>,
    ) -> Result<(), CardError> {
        files::enter(channel, self.profile.addressing)?;
        let (command, first, second) = match change {
            PinChange::Change { old, new } => (TwoBlocks::ChangeReferenceData, old, new),
            PinChange::Unblock { puk, new_pin } => (TwoBlocks::ResetRetryCounter, puk, new_pin),
        };
        pin_lifecycle::send(channel, command, self.pin_p2(PinKind::User), first, second)
    }

    /// (Key DF) + MSE RESTORE + MSE SET + PSO DECIPHER on `00 ‖ block` (cns.md §5.1 steps 2–5).
    fn sign(&mut self, channel: &mut CardChannel<'_>, input: &[u8]) -> Result<Vec<u8>, CardError> {
        let addressing = self.profile.addressing;
        // Step 2: the key's DF first where the profile names one — IDEMIA 2021 answers 6984
        // "reference data not usable" otherwise (cns.md §6.4).
        match self.profile.key_path {
            Some(path) => files::select(channel, addressing, path)?,
            None => files::enter(channel, addressing)?,
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
        // Step 5: PSO DECIPHER.
        let mut data = Vec::with_capacity(input.len() + 1);
        data.push(0x00);
        data.extend_from_slice(input);
        let response = pso_decipher(channel, &data, input.len(), self.extended(channel))?;
        match response.sw {
            StatusWord::SUCCESS if response.data.len() == input.len() => Ok(response.data),
            StatusWord::SUCCESS => Err(CardError::Malformed("PSO DECIPHER result length")),
            StatusWord::SECURITY_STATUS_NOT_SATISFIED => Err(CardError::SecurityStatusNotSatisfied),
            sw => Err(file::unexpected(INS_PSO, sw)),
        }
    }
}

/// PSO DECIPHER of `data` (`00 ‖ block`) in the form the card takes: short when it fits;
/// else one extended APDU where the profile says the card takes them (the ST 2021 refuses
/// chaining with 6E00, cns.md §5.1 / §6.1), command chaining otherwise. Each falls back to
/// the other once when the card refuses it and the reader can carry it: the table's APDU
/// capability is a heuristic from the ATR (cns.md §5.3, §9 q6).
fn pso_decipher(
    channel: &mut CardChannel<'_>,
    data: &[u8],
    le: usize,
    card_takes_extended: bool,
) -> Result<Response, CardError> {
    let reader_extended = channel.capabilities().extended_apdu;
    if data.len() <= 255 {
        return pso_single(channel, data, le);
    }
    if card_takes_extended {
        let response = pso_single(channel, data, le)?;
        if response.sw != StatusWord::WRONG_LENGTH {
            return Ok(response);
        }
        log::debug!("TS-CNS: extended PSO refused with 6700, trying command chaining");
        return pso_chained(channel, data, le);
    }
    match pso_chained(channel, data, le) {
        Err(CardError::NotSupported) if reader_extended => {
            log::debug!("TS-CNS: command chaining refused, trying one extended PSO");
            pso_single(channel, data, le)
        }
        other => other,
    }
}

fn pso_single(
    channel: &mut CardChannel<'_>,
    data: &[u8],
    le: usize,
) -> Result<Response, CardError> {
    let pso = Command::new(0x00, INS_PSO, 0x80, 0x86)
        .with_data(data.to_vec())
        .with_le(le);
    channel.execute(&pso)
}

/// Command chaining (CLA b5, ISO 7816-4 §5.1.1.1) for readers without extended APDUs.
fn pso_chained(
    channel: &mut CardChannel<'_>,
    data: &[u8],
    le: usize,
) -> Result<Response, CardError> {
    let mut parts = data.chunks(255).peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some() {
            let command = Command::new(0x10, INS_PSO, 0x80, 0x86).with_data(part.to_vec());
            let response = channel.execute(&command)?;
            if matches!(
                response.sw,
                StatusWord::CLA_NOT_SUPPORTED | CHAINING_NOT_SUPPORTED
            ) {
                log::warn!("TS-CNS refuses command chaining ({})", response.sw);
                return Err(CardError::NotSupported);
            }
            file::check(INS_PSO, response.sw)?;
        } else {
            let command = Command::new(0x00, INS_PSO, 0x80, 0x86)
                .with_data(part.to_vec())
                .with_le(le.min(256));
            return channel.execute(&command);
        }
    }
    Err(CardError::DataLength)
}

#[cfg(test)]
pub(crate) mod tests;
