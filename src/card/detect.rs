//! Which driver handles the card: ATR hints plus probing by SELECT (cns.md §1.4, §8).
//!
//! ATRs identify a production lot, not an issuer, and collide across countries
//! (cns.md §1.4, OpenSC #2782): a driver claims a card only after its files answer.
//! An unsupported card is logged with its ATR and ignored (`Ok(None)`), never an error.

use super::cie::CieCard;
use super::cns::detection as cns;
use super::{Card, CardError};
use crate::card::CardChannel;
use crate::iso7816::apdu::hex;

/// Picks and confirms the driver for the card with `atr`, inside the caller's transaction.
pub fn detect(
    atr: &[u8],
    channel: &mut CardChannel<'_>,
) -> Result<Option<Box<dyn Card>>, CardError> {
    if let Some(card) = cns::detect(atr, channel)? {
        return Ok(Some(Box::new(card)));
    }
    // CIE 3.0 (cie.md §1): claimed by its SELECT answers, the ATR only orders the tries.
    // The CNS probes send nothing to an ATR no CNS hint points to, and an ATR a CNS hint
    // points to (CNS marker, known TS-CNS ATR) is not probed as a CIE: neither driver
    // disturbs the other's cards. Before the TS-CNS last resort, so a CIE pays nothing for it.
    if !cns::hinted_by_atr(atr) {
        if let Some(card) = CieCard::probe(atr, channel)? {
            log::debug!("CIE NIS {}", card.nis());
            return Ok(Some(Box::new(card)));
        }
    }

    // Last resort, after every ATR-based driver: a TS-CNS application behind an ATR
    // without the CNS marker (ACe 2025 over NFC, cns.md §2.4, §8). One SELECT AID.
    if let Some(card) = cns::detect_by_application(atr, channel)? {
        return Ok(Some(Box::new(card)));
    }
    log::info!("card not supported, ATR {}", hex(atr));
    Ok(None)
}
