//! A PIN's retry counter, as both chip families keep it (ISO 7816-4 VERIFY; cns.md §4, cie.md §6):
//! full again after the right value, one try fewer after a wrong one, blocked at 0.

use crate::sw::Sw;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryCounter {
    max: u8,
    left: u8,
}

impl RetryCounter {
    pub fn full(max: u8) -> Self {
        RetryCounter { max, left: max }
    }

    /// A counter of the same maximum with `left` tries, for `--state`; `None` above the maximum.
    pub fn with_left(self, left: u8) -> Option<Self> {
        (left <= self.max).then_some(RetryCounter { left, ..self })
    }

    pub fn left(&self) -> u8 {
        self.left
    }

    pub fn is_blocked(&self) -> bool {
        self.left == 0
    }

    /// The answer to an empty VERIFY: `63 Cx` with the tries left, `69 83` when blocked.
    pub fn status(&self) -> Sw {
        if self.is_blocked() {
            Sw::AUTH_BLOCKED
        } else {
            Sw::tries_left(self.left)
        }
    }

    /// Back to the maximum (the right value, a new value, an unblock).
    pub fn refill(&mut self) {
        self.left = self.max;
    }

    /// A wrong value: one try spent; the answer is the status after it. Call only when not blocked.
    pub fn spend(&mut self) -> Sw {
        self.left = self.left.saturating_sub(1);
        self.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_to_blocked_and_refills() {
        let mut c = RetryCounter::full(3);
        assert_eq!(c.status(), Sw(0x63C3));
        assert_eq!(c.spend(), Sw(0x63C2));
        assert_eq!(c.spend(), Sw(0x63C1));
        assert_eq!(c.spend(), Sw::AUTH_BLOCKED);
        assert!(c.is_blocked());
        c.refill();
        assert_eq!(c.left(), 3);
        assert_eq!(c.with_left(4), None);
        assert_eq!(c.with_left(1).map(|c| c.left()), Some(1));
    }
}
