//! What the token flags tell about the PIN and PUK counters (PKCS#11 3.0 §5.4.5: COUNT_LOW
//! after a wrong try, FINAL_TRY with one left, LOCKED at zero), read without spending a try.
//! Both families block the PIN after 3 wrong tries (cns.md §4, cie.md §6); the module reads
//! the TS-CNS counters with an empty VERIFY, while the CIE tells nothing before a try.

use crate::token::Family;
use cryptoki::slot::TokenInfo;

/// The PIN's tries as far as the card tells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTries {
    Left(u8),
    Locked,
    /// A CIE before any wrong try in this process.
    Unknown,
}

/// Both families: 3 tries (cns.md §4, cie.md §6 "PAGO maps 9000 → 3 tries").
pub const PIN_MAX_TRIES: u8 = 3;

pub fn pin(family: Family, info: &TokenInfo) -> PinTries {
    if info.user_pin_locked() {
        PinTries::Locked
    } else if info.user_pin_final_try() {
        PinTries::Left(1)
    } else if info.user_pin_count_low() {
        PinTries::Left(PIN_MAX_TRIES - 1)
    } else if family == Family::Cie {
        PinTries::Unknown
    } else {
        PinTries::Left(PIN_MAX_TRIES)
    }
}

/// The PUK's state: its maximum is 10 on the CIE and not published for the TS-CNS, so
/// after a wrong PUK only "fewer", "one" or "none" is certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PukTries {
    /// No wrong PUK known.
    Untouched,
    Fewer,
    One,
    Locked,
}

pub fn puk(info: &TokenInfo) -> PukTries {
    if info.so_pin_locked() {
        PukTries::Locked
    } else if info.so_pin_final_try() {
        PukTries::One
    } else if info.so_pin_count_low() {
        PukTries::Fewer
    } else {
        PukTries::Untouched
    }
}

impl PinTries {
    /// "3 tries of 3 left", "one try left", "blocked", or what the CIE does not tell.
    pub fn text(self, lang: crate::lang::Lang) -> String {
        match self {
            PinTries::Left(n) if n == PIN_MAX_TRIES => lang.pick(
                format!("{n} tentativi su {n}"),
                format!("{n} tries of {n} left"),
            ),
            PinTries::Left(1) => lang.pick("resta un solo tentativo", "one try left").into(),
            PinTries::Left(n) => lang.pick(format!("restano {n} tentativi"), format!("{n} tries left")),
            PinTries::Locked => lang.pick("bloccato", "blocked").into(),
            PinTries::Unknown => lang
                .pick(
                    "la CIE non dice quanti tentativi restano senza spenderne uno; dopo 3 PIN errati si blocca (cie-cns pin unblock)",
                    "the CIE does not tell how many tries are left without spending one; 3 wrong PINs block it (cie-cns pin unblock)",
                )
                .into(),
        }
    }
}

impl PukTries {
    pub fn text(self, lang: crate::lang::Lang, family: Family) -> String {
        match (self, family) {
            (PukTries::Untouched, _) => lang.pick("nessun tentativo sbagliato noto", "no wrong try known").into(),
            (PukTries::Fewer, Family::Cie) => lang
                .pick("restano meno di 10 tentativi", "fewer than 10 tries left")
                .into(),
            (PukTries::Fewer, Family::Cns) => lang
                .pick(
                    "restano meno tentativi (la TS-CNS non dice quanti)",
                    "fewer tries left (the TS-CNS does not say how many)",
                )
                .into(),
            (PukTries::One, _) => lang.pick("resta un solo tentativo", "one try left").into(),
            (PukTries::Locked, _) => lang
                .pick(
                    "bloccato: la carta non si può più sbloccare; chiedine una nuova a chi l'ha emessa",
                    "blocked: the card can no longer be unblocked; ask the issuer for a new one",
                )
                .into(),
        }
    }
}
