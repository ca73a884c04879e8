//! PIN objects with retry counters (docs/cards/cns.md §4): values are ASCII digits, 5..8 long,
//! compared as the 8-byte block the host sends (padded with `FF`).

use crate::retry::RetryCounter;
use crate::sw::Sw;
use zeroize::Zeroizing;

pub const BLOCK: usize = 8;
const PAD: u8 = 0xFF;

/// Pad a PIN to the 8-byte comparison block; `None` if it is not 5..8 digits.
pub fn pad(pin: &[u8]) -> Option<Zeroizing<[u8; BLOCK]>> {
    if !(5..=BLOCK).contains(&pin.len()) || !pin.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut block = Zeroizing::new([PAD; BLOCK]);
    block[..pin.len()].copy_from_slice(pin);
    Some(block)
}

/// A block as a card accepts it as new reference data: 5..8 digits then `FF` padding.
pub fn is_valid_block(block: &[u8]) -> bool {
    let digits = block.iter().take_while(|b| b.is_ascii_digit()).count();
    block.len() == BLOCK && digits >= 5 && block[digits..].iter().all(|b| *b == PAD)
}

pub struct PinObject {
    value: Zeroizing<[u8; BLOCK]>,
    tries: RetryCounter,
}

impl PinObject {
    pub fn new(value: Zeroizing<[u8; BLOCK]>, max_tries: u8) -> Self {
        PinObject {
            value,
            tries: RetryCounter::full(max_tries),
        }
    }

    pub fn is_blocked(&self) -> bool {
        self.tries.is_blocked()
    }

    pub fn tries_left(&self) -> u8 {
        self.tries.left()
    }

    /// The answer to an empty VERIFY: `63 Cx` with the tries left, `69 83` when blocked.
    pub fn status(&self) -> Sw {
        self.tries.status()
    }

    /// Compare a candidate block, counting down on mismatch. Once blocked, even the right value gets 6983.
    pub fn check(&mut self, candidate: &[u8]) -> Result<(), Sw> {
        if self.is_blocked() {
            return Err(Sw::AUTH_BLOCKED);
        }
        // Constant-time-ish comparison; it is a simulator, but there is no reason to leak.
        let same = candidate.len() == BLOCK
            && candidate
                .iter()
                .zip(self.value.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            self.tries.refill();
            Ok(())
        } else {
            Err(self.tries.spend())
        }
    }

    /// Set new reference data (already validated) and reset the counter.
    pub fn set(&mut self, block: &[u8]) {
        self.value.copy_from_slice(&block[..BLOCK]);
        self.tries.refill();
    }

    /// The value as digits (padding removed) and the tries left, for `--state` (card.rs).
    pub fn snapshot(&self) -> (String, u8) {
        let digits: String = self
            .value
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|b| char::from(*b))
            .collect();
        (digits, self.tries.left())
    }

    /// Put back a saved value and counter (`--state` at start). `None` if the value is not 5..8
    /// digits or the counter exceeds the maximum.
    pub fn restore(&mut self, digits: &str, tries_left: u8) -> Option<()> {
        let tries = self.tries.with_left(tries_left)?;
        self.value = pad(digits.as_bytes())?;
        self.tries = tries;
        Some(())
    }

    /// Unblock without changing the value (RESET RETRY COUNTER P1=01).
    pub fn unblock(&mut self) {
        self.tries.refill();
    }
}
