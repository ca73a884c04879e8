//! Which TS-CNS profile a card follows: the ATR orders the candidates, the files decide
//! (cns.md §1.4 "practical consequences", §8 steps 1–3).
//!
//! For each candidate, in the order `profile::candidates` gives:
//! 1. the identity probe of its addressing — SELECT (AID and) EF_IDCarta + READ BINARY of
//!    the 16-digit serial — done once per addressing and reused by every candidate sharing it;
//! 2. the layout probe — SELECT and read its certificate, which must be one DER SEQUENCE.
//!
//! The certificate is read anyway to build the token, so for the first candidate both
//! probes cost nothing extra: a known batch whose hint comes first needs no failed probe.
//! When every candidate keeps its certificate in the same place the layout probe tells
//! nothing: it is skipped and the token reads the certificate, or takes it from its cache.
//! A card whose probes all fail is logged with its ATR and ignored, never an error.

use super::files;
use super::profile::{self, Addressing, CnsAtr, Profile};
use super::CnsCard;
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::apdu::hex;

/// A TS-CNS an ATR hint points to: the CNS marker (cns.md §1.1–1.2) or a known contactless
/// ATR (IDEMIA over NFC, §1.2 step 1). `Ok(None)` for any other ATR (without an APDU) and
/// for a card whose files answer no candidate.
pub fn detect(atr: &[u8], channel: &mut CardChannel<'_>) -> Result<Option<CnsCard>, CardError> {
    let cns_atr = CnsAtr::decode(atr);
    let candidates = profile::candidates(atr, cns_atr.as_ref());
    if cns_atr.is_none() && candidates.is_empty() {
        return Ok(None);
    }
    probe(atr, cns_atr, candidates, channel)
}

/// Whether an ATR hint points to a TS-CNS (the CNS marker, or an ATR of a known batch):
/// other drivers leave such a card alone.
pub fn hinted_by_atr(atr: &[u8]) -> bool {
    CnsAtr::decode(atr).is_some() || !profile::candidates(atr, None).is_empty()
}

/// A TS-CNS application behind an ATR no hint points to — contactless ATRs carry nothing
/// useful (cns.md §1.4, §8 step 1) and a new lot may drop the marker. Meant as the last
/// resort after every ATR-based driver passed, so that a CIE (far more common, and also
/// behind `3B 80 80 01 01`, cie.md §1.1) pays nothing for it: one SELECT AID.
pub fn detect_by_application(
    atr: &[u8],
    channel: &mut CardChannel<'_>,
) -> Result<Option<CnsCard>, CardError> {
    if hinted_by_atr(atr) {
        return Ok(None);
    }
    probe(atr, None, profile::by_application(), channel)
}

fn probe(
    atr: &[u8],
    cns_atr: Option<CnsAtr>,
    candidates: Vec<&'static Profile>,
    channel: &mut CardChannel<'_>,
) -> Result<Option<CnsCard>, CardError> {
    if let (Some(a), true) = (&cns_atr, candidates.is_empty()) {
        log::warn!(
            "TS-CNS without a known profile (IC {:02X}, mask {:02X} {}, OS {:02X}{:02X}), ATR {}: ignored",
            a.ic_maker,
            a.mask_maker,
            profile::mask_maker_name(a.mask_maker),
            a.os_version.0,
            a.os_version.1,
            hex(atr)
        );
        return Ok(None);
    }
    // Identity probes already made, per addressing.
    let mut identities: Vec<(Addressing, Option<String>)> = Vec::new();
    for (i, profile) in candidates.iter().enumerate() {
        let serial = match identities.iter().find(|(a, _)| *a == profile.addressing) {
            Some((_, serial)) => serial.clone(),
            None => {
                let serial = probe_identity(channel, profile.addressing)?;
                identities.push((profile.addressing, serial.clone()));
                serial
            }
        };
        let Some(serial) = serial else {
            continue;
        };
        // The layout probe is the driver's, with the public data: the token's cache may
        // name the layout and hold the certificate (issue #12).
        let layouts = candidates[i..]
            .iter()
            .copied()
            .filter(|p| p.addressing == profile.addressing)
            .collect();
        log::debug!("TS-CNS {} serial {serial}", profile.name);
        return Ok(CnsCard::new(cns_atr, layouts, serial));
    }
    let any_identity = identities.iter().any(|(_, serial)| serial.is_some());
    if cns_atr.is_some() || any_identity {
        log::warn!(
            "TS-CNS marker or files but no known layout answered, ATR {}: ignored",
            hex(atr)
        );
    }
    Ok(None)
}

/// EF_IDCarta under `addressing`: `Ok(None)` when the card refuses (not a CNS there).
fn probe_identity(
    channel: &mut CardChannel<'_>,
    addressing: Addressing,
) -> Result<Option<String>, CardError> {
    // For an application this starts with SELECT AID: its refusal ends the probe.
    match files::read_serial(channel, addressing) {
        Ok(serial) => Ok(Some(serial)),
        Err(CardError::UnexpectedStatus { .. } | CardError::Malformed(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The profile's certificate, or `Ok(None)` when it is not where the profile says.
pub(super) fn probe_layout(
    channel: &mut CardChannel<'_>,
    cns_atr: Option<&CnsAtr>,
    profile: &'static Profile,
) -> Result<Option<Vec<u8>>, CardError> {
    let read_size = super::read_size(profile, cns_atr, channel);
    match files::read_certificate(channel, profile.addressing, profile.certificate, read_size) {
        Ok(der) => Ok(Some(der)),
        Err(CardError::UnexpectedStatus { .. } | CardError::Malformed(_)) => {
            log::debug!("TS-CNS: no certificate where {} keeps it", profile.name);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
