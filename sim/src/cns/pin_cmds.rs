//! VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (docs/cards/cns.md §4).
//!
//! P2 carries the PIN object: `10` user PIN, `11` PUK; on STIncard chips bit `80` ("search with
//! backtracking") may be set (`90`/`91`) — OpenSC always sets it for mask 09. Only the object
//! selection matters here, so both forms are accepted where the variant allows the bit.

use super::pin::{is_valid_block, PinObject, BLOCK};
use super::CnsCard;
use crate::apdu::Command;
use crate::sw::{status, Sw};

pub const PIN_REF: u8 = 0x10;
pub const PUK_REF: u8 = 0x11;
const BACKTRACK: u8 = 0x80;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Pin,
    Puk,
}

fn which(card: &CnsCard, p2: u8) -> Result<Which, Sw> {
    let reference = if card.variant.pin_backtracking_bit {
        p2 & !BACKTRACK
    } else {
        p2
    };
    match reference {
        PIN_REF => Ok(Which::Pin),
        PUK_REF => Ok(Which::Puk),
        _ => Err(Sw::REF_NOT_FOUND),
    }
}

/// The PIN or PUK a `00 INS 00 P2` command names (P1 must be 00).
fn addressed(card: &CnsCard, cmd: &Command) -> Result<Which, Sw> {
    if cmd.p1 != 0x00 {
        return Err(Sw::WRONG_P1P2);
    }
    which(card, cmd.p2)
}

fn object(card: &mut CnsCard, w: Which) -> &mut PinObject {
    match w {
        Which::Pin => &mut card.pin,
        Which::Puk => &mut card.puk,
    }
}

fn set_verified(card: &mut CnsCard, w: Which, ok: bool) {
    match w {
        Which::Pin => card.state.pin_verified = ok,
        Which::Puk => card.state.puk_verified = ok,
    }
}

fn sw_of(r: Result<(), Sw>) -> Vec<u8> {
    status(r.err().unwrap_or(Sw::OK))
}

/// `00 20 00 P2 [08 block]`. Empty data: report the counter (63Cx, or 6983 when blocked).
pub fn verify(card: &mut CnsCard, cmd: &Command) -> Vec<u8> {
    let w = match addressed(card, cmd) {
        Ok(w) => w,
        Err(sw) => return status(sw),
    };
    if cmd.data.is_empty() {
        if cmd.le.is_some() {
            return status(Sw::WRONG_LENGTH);
        }
        return status(object(card, w).status());
    }
    if cmd.data.len() != BLOCK {
        return status(Sw::WRONG_LENGTH);
    }
    let r = object(card, w).check(cmd.data);
    // A failed comparison also withdraws an earlier verification (ISO 7816-4 VERIFY).
    set_verified(card, w, r.is_ok());
    sw_of(r)
}

/// `00 24 00 P2 10 old‖new`: change the PIN (or PUK) after checking the old value.
pub fn change_reference_data(card: &mut CnsCard, cmd: &Command) -> Vec<u8> {
    let w = match addressed(card, cmd) {
        Ok(w) => w,
        Err(sw) => return status(sw),
    };
    if cmd.data.len() != 2 * BLOCK {
        return status(Sw::WRONG_LENGTH);
    }
    let (old, new) = cmd.data.split_at(BLOCK);
    if let Err(sw) = object(card, w).check(old) {
        set_verified(card, w, false);
        return status(sw);
    }
    if !is_valid_block(new) {
        return status(Sw::WRONG_DATA);
    }
    object(card, w).set(new);
    set_verified(card, w, true);
    status(Sw::OK)
}

/// `00 2C P1 P2 ...`: unblock the PIN named by P2 with the PUK (checked against its own counter).
/// P1=00: data = PUK‖new PIN; P1=01: data = PUK only (PIN unblocked, unchanged).
pub fn reset_retry_counter(card: &mut CnsCard, cmd: &Command) -> Vec<u8> {
    match which(card, cmd.p2) {
        Ok(Which::Pin) => {}
        Ok(Which::Puk) => return status(Sw::REF_NOT_FOUND),
        Err(sw) => return status(sw),
    }
    let new = match (cmd.p1, cmd.data.len()) {
        (0x00, n) if n == 2 * BLOCK => Some(&cmd.data[BLOCK..]),
        (0x01, n) if n == BLOCK => None,
        (0x00 | 0x01, _) => return status(Sw::WRONG_LENGTH),
        _ => return status(Sw::WRONG_P1P2),
    };
    if let Err(sw) = card.puk.check(&cmd.data[..BLOCK]) {
        card.state.puk_verified = false;
        return status(sw);
    }
    match new {
        Some(block) if !is_valid_block(block) => return status(Sw::WRONG_DATA),
        Some(block) => card.pin.set(block),
        None => card.pin.unblock(),
    }
    card.state.pin_verified = false;
    status(Sw::OK)
}
