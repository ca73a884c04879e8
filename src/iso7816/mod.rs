//! ISO/IEC 7816-4 APDU encode/decode: pure functions, fuzzable (DESIGN.md "iso7816").

pub mod apdu;
pub mod channel;

pub use apdu::{Command, Response, StatusWord};
pub use channel::CardChannel;
