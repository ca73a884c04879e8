//! PIN (reference 81) and PUK (reference 82) objects (cie.md §6): 8 ASCII digits, retry counters
//! 3 (PIN, from PAGO's SW mapping) and 10 (PUK: not in the sources, §11 Q4; 10 is common).

use crate::retry::RetryCounter;
use crate::sw::Sw;

pub const PIN_LEN: usize = 8;
pub const PIN_TRIES: u8 = 3;
pub const PUK_TRIES: u8 = 10;

pub struct PinObject {
    value: [u8; PIN_LEN],
    tries: RetryCounter,
}

/// 8 ASCII digits, or `None`.
pub fn parse(candidate: &[u8]) -> Option<[u8; PIN_LEN]> {
    if candidate.len() == PIN_LEN && candidate.iter().all(u8::is_ascii_digit) {
        candidate.try_into().ok()
    } else {
        None
    }
}

impl PinObject {
    pub fn new(value: [u8; PIN_LEN], max: u8) -> Self {
        PinObject {
            value,
            tries: RetryCounter::full(max),
        }
    }

    pub fn tries_left(&self) -> u8 {
        self.tries.left()
    }

    /// Compare and count. Any candidate that is not the reference value spends a try, whatever its
    /// length (C11: a 12-digit VERIFY spends a try). Wrong → `63Cx`, or `6983` when that was the
    /// last try; blocked → `6983` without comparing.
    pub fn verify(&mut self, candidate: &[u8]) -> Sw {
        if self.tries.is_blocked() {
            return Sw::AUTH_BLOCKED;
        }
        if candidate == self.value {
            self.tries.refill();
            return Sw::OK;
        }
        self.tries.spend()
    }

    /// Status without spending a try (ISO VERIFY with no data): `63Cx`, or `6983` when blocked.
    pub fn status(&self) -> Sw {
        self.tries.status()
    }

    /// New value, counter back to its maximum (CHANGE REFERENCE DATA, RESET RETRY COUNTER 02).
    pub fn set(&mut self, value: [u8; PIN_LEN]) {
        self.value = value;
        self.tries.refill();
    }

    /// Value and tries left, for `cardsim --state` (crate::state).
    pub fn snapshot(&self) -> (String, u8) {
        (
            self.value.iter().map(|b| char::from(*b)).collect(),
            self.tries.left(),
        )
    }

    /// Put back a saved value and counter; `None` if not 8 digits or more tries than the maximum.
    pub fn restore(&mut self, value: &str, tries_left: u8) -> Option<()> {
        let tries = self.tries.with_left(tries_left)?;
        self.value = parse(value.as_bytes())?;
        self.tries = tries;
        Some(())
    }

    /// Unblock only (RESET RETRY COUNTER 03).
    pub fn reset_counter(&mut self) {
        self.tries.refill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_blocks() {
        let mut pin = PinObject::new(*b"12345678", PIN_TRIES);
        assert_eq!(pin.verify(b"00000000"), Sw(0x63C2));
        assert_eq!(pin.verify(b"000000001234"), Sw(0x63C1));
        assert_eq!(pin.verify(b"12345678"), Sw::OK);
        assert_eq!(pin.tries_left(), 3);
        for sw in [0x63C2, 0x63C1, 0x6983, 0x6983] {
            assert_eq!(pin.verify(b"99999999"), Sw(sw));
        }
        assert_eq!(pin.verify(b"12345678"), Sw::AUTH_BLOCKED);
        pin.reset_counter();
        assert_eq!(pin.verify(b"12345678"), Sw::OK);
    }
}
