//! Secure messaging of the CIE (cie.md §5): primitives and the pure APDU codec.
//!
//! Nothing here talks to a card: `codec` turns a plain command into a protected one and a
//! protected response back into a plain one, given the session keys and the SSC. The
//! `SecureChannel` (`super::secure_channel`) owns keys and counter and drives the card.

pub mod cipher;
pub mod codec;
pub mod mac;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why protecting a command or checking a response failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmError {
    /// Ciphertext that is empty or not a whole number of 8-byte blocks.
    BlockLength,
    /// Decrypted data without ISO 9797-1 method 2 padding.
    Padding,
    /// The response MAC does not match: wrong keys, wrong SSC or a tampered answer.
    Mac,
    /// A response data object the codec does not know, a duplicate, or one out of order.
    UnexpectedObject(u32),
    /// A response without the mandatory DO `99` (status) or DO `8E` (MAC).
    MissingObject(u8),
    /// BER-TLV that does not parse.
    Tlv,
    /// The protected command does not fit a short APDU (callers chunk to ≤ 231 bytes, §5.4).
    TooLong,
    /// Protected answer whose outer status is not one a protected answer can have (§5.3, C7).
    OuterStatus(u16),
}

error_named_by_variant!(SmError);

/// K_enc and K_mac of one secure-messaging session (§4.3 step 5); wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    pub(crate) enc: [u8; 16],
    pub(crate) mac: [u8; 16],
}

impl SessionKeys {
    pub fn new(enc: [u8; 16], mac: [u8; 16]) -> SessionKeys {
        SessionKeys { enc, mac }
    }
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(***)")
    }
}

/// The send sequence counter: 8 bytes big-endian, stepped before each protected command
/// and again before checking its protected response (§5.1).
#[derive(Clone, Copy, PartialEq, Eq, Zeroize)]
pub struct Ssc(pub [u8; 8]);

impl Ssc {
    /// `00 … 01`, the value right after the DH key agreement (§4.3 step 6).
    pub const AFTER_KEY_AGREEMENT: Ssc = Ssc([0, 0, 0, 0, 0, 0, 0, 1]);

    /// Adds one, wrapping at 2^64 (a session never gets near it).
    pub fn increment(&mut self) {
        self.0 = u64::from_be_bytes(self.0).wrapping_add(1).to_be_bytes();
    }
}

impl std::fmt::Debug for Ssc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ssc(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssc_counts_big_endian_and_wraps() {
        let mut s = Ssc([0, 0, 0, 0, 0, 0, 0, 0xFF]);
        s.increment();
        assert_eq!(s.0, [0, 0, 0, 0, 0, 0, 1, 0]);
        let mut max = Ssc([0xFF; 8]);
        max.increment();
        assert_eq!(max.0, [0; 8]);
    }

    #[test]
    fn secrets_are_not_printed() {
        let keys = SessionKeys::new([0x11; 16], [0x22; 16]);
        assert!(!format!("{keys:?}").contains("11"));
        assert!(!format!("{:?}", Ssc::AFTER_KEY_AGREEMENT).contains('1'));
    }
}
