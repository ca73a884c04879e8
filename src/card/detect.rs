//! Which driver handles the card: ATR hints plus probing by SELECT (cns.md §1.4, §8).
//!
//! ATRs identify a production lot, not an issuer, and collide across countries
//! (cns.md §1.4, OpenSC #2782): a driver claims a card only after its files answer.
//! An unsupported card is logged with its ATR and ignored (`Ok(None)`), never an error.

use super::cie::CieCard;
use super::cns::{profile, CnsCard};
use super::{Card, CardError};
use crate::iso7816::apdu::hex;
use crate::iso7816::CardChannel;

/// Picks and confirms the driver for the card with `atr`, inside the caller's transaction.
pub fn detect(
    atr: &[u8],
    channel: &mut CardChannel<'_>,
) -> Result<Option<Box<dyn Card>>, CardError> {
    if let Some(card) = detect_cns(atr, channel)? {
        return Ok(Some(card));
    }
    // CIE 3.0 (cie.md §1): claimed by its SELECT answers, the ATR only orders the tries.
    // A TS-CNS ATR never reaches here when its probe succeeded, and the CNS probe sends
    // nothing to a card without a CNS ATR, so neither disturbs the other.
    if let Some(card) = CieCard::probe(atr, channel)? {
        log::debug!("CIE NIS {}", card.nis());
        return Ok(Some(Box::new(card)));
    }
    log::info!("card not supported, ATR {}", hex(atr));
    Ok(None)
}

fn detect_cns(
    atr: &[u8],
    channel: &mut CardChannel<'_>,
) -> Result<Option<Box<dyn Card>>, CardError> {
    let Some(cns_atr) = profile::CnsAtr::decode(atr) else {
        return Ok(None);
    };
    let Some(profile) = profile::profile_for(&cns_atr) else {
        log::warn!(
            "TS-CNS variant without a known layout (mask {:02X} {}, OS {:02X}{:02X}), ATR {}: ignored",
            cns_atr.mask_maker,
            profile::mask_maker_name(cns_atr.mask_maker),
            cns_atr.os_version.0,
            cns_atr.os_version.1,
            hex(atr)
        );
        return Ok(None);
    };
    let mut card = CnsCard::new(cns_atr, profile);
    match card.probe(channel)? {
        Some(serial) => {
            log::debug!("TS-CNS {} serial {serial}", profile.name);
            Ok(Some(Box::new(card)))
        }
        None => {
            log::warn!(
                "CNS marker but no EF_IDCarta ({}), ATR {}: ignored",
                profile.name,
                hex(atr)
            );
            Ok(None)
        }
    }
}
