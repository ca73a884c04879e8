//! The TS-CNS files the driver reads, and how a profile reaches them (cns.md §2.1, §2.4, §3).
//!
//! Every path is written from the MF without `3F00`. A profile with `Addressing::FromMf`
//! selects it with P1 `08`; one with `Addressing::Application` selects its AID and then the
//! same path from the application with P1 `09`. The AID is selected again before every
//! path: a SELECT by path leaves the current DF in the file's parent, and P1 `09` only
//! walks down from there.

use super::personal_data;
use super::profile::{Addressing, CertificateLocation};
use crate::card::file::{self, ReadSize};
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::ins::INS_READ_BINARY;
use crate::iso7816::{tlv, Command};

/// EF_IDCarta, `3F00/1000/1003`: 16 ASCII digits (cns.md §2.1).
pub const ID_CARTA: &[u8] = &[0x10, 0x00, 0x10, 0x03];
pub const SERIAL_LEN: usize = 16;
/// EF_DatiPersonali, `3F00/1100/1102` (cns.md §2.2).
pub const DATI_PERSONALI: &[u8] = &[0x11, 0x00, 0x11, 0x02];

/// Makes the profile's application current (nothing to do for MF-addressed cards).
/// Needed at the start of every transaction: another application may have selected
/// something else in between — another AID on the same card, e.g. "ESIGN" (cns.md §2.4),
/// would own a PIN 10 and a key 01 of its own (DESIGN.md "the card is shared").
/// Selecting the application again is assumed to keep its verified PIN (it does not
/// leave the application); unverified on a real ACe 2025, part of cns.md §9 q7.
pub fn enter(channel: &mut CardChannel<'_>, addressing: Addressing) -> Result<(), CardError> {
    match addressing {
        Addressing::FromMf => Ok(()),
        Addressing::Application(aid) => file::select_application(channel, aid),
    }
}

/// Selects the EF at `path`, no FCI wanted where the card allows it.
pub fn select(
    channel: &mut CardChannel<'_>,
    addressing: Addressing,
    path: &[u8],
) -> Result<(), CardError> {
    match addressing {
        Addressing::FromMf => file::select_path(channel, path),
        Addressing::Application(aid) => {
            file::select_application(channel, aid)?;
            file::select_relative_fci(channel, path).map(|_| ())
        }
    }
}

/// Selects the EF at `path` and returns its size from the FCI.
pub fn select_sized(
    channel: &mut CardChannel<'_>,
    addressing: Addressing,
    path: &[u8],
) -> Result<usize, CardError> {
    let fci = match addressing {
        Addressing::FromMf => file::select_path_fci(channel, path)?,
        Addressing::Application(aid) => {
            file::select_application(channel, aid)?;
            file::select_relative_fci(channel, path)?
        }
    };
    fci.size().ok_or(CardError::Malformed("EF size"))
}

/// EF_IDCarta: exactly 16 ASCII digits, else `Malformed` (OpenSC refuses other lengths too,
/// cns.md §2.1). One SELECT without FCI and one READ BINARY of 16 bytes.
pub fn read_serial(
    channel: &mut CardChannel<'_>,
    addressing: Addressing,
) -> Result<String, CardError> {
    select(channel, addressing, ID_CARTA)?;
    let command = Command::new(0x00, INS_READ_BINARY, 0x00, 0x00).with_le(SERIAL_LEN);
    let response = channel.execute(&command)?;
    file::check(INS_READ_BINARY, response.sw)?;
    if response.data.len() != SERIAL_LEN || !response.data.iter().all(u8::is_ascii_digit) {
        return Err(CardError::Malformed("EF_IDCarta"));
    }
    Ok(response.data.iter().map(|b| char::from(*b)).collect())
}

/// EF_DatiPersonali as stored, read up to the length its header allows (cns.md §2.2).
pub fn read_personal_data(
    channel: &mut CardChannel<'_>,
    addressing: Addressing,
    read_size: ReadSize,
) -> Result<Vec<u8>, CardError> {
    let size = select_sized(channel, addressing, DATI_PERSONALI)?;
    file::read_binary(channel, size, read_size, personal_data::declared_end)
}

/// The DER certificate at `location`: the read stops at the DER length (the EF may be
/// longer, cns.md §2.1), and what was read must be one complete DER SEQUENCE — some
/// cards keep non-certificate data in a certificate path (cns.md §2.1, OpenSC 5115785ac).
pub fn read_certificate(
    channel: &mut CardChannel<'_>,
    addressing: Addressing,
    location: CertificateLocation,
    read_size: ReadSize,
) -> Result<Vec<u8>, CardError> {
    let size = select_sized(channel, addressing, location.path())?;
    let offset = location.offset();
    let raw = file::read_binary(channel, size, read_size, |read| {
        let der = read.get(offset..)?;
        tlv::encoded_length(der)
            .ok()
            .map(|len| offset.saturating_add(len))
    })?;
    let der = raw
        .get(offset..)
        .ok_or(CardError::Malformed("certificate container"))?;
    match tlv::encoded_length(der) {
        Ok(len) if der.first() == Some(&0x30) && len == der.len() => Ok(der.to_vec()),
        _ => Err(CardError::Malformed("certificate DER")),
    }
}
