//! ISO/IEC 7816 APDU encode/decode, ATR, BER-TLV and FCP: pure functions, fuzzable
//! (DESIGN.md "iso7816"). The parsers are public so a fuzz crate can call them.

pub mod apdu;
pub mod atr;
pub mod fcp;
pub mod ins;
pub mod tlv;

pub use apdu::{ApduError, Command, Response, StatusWord};
