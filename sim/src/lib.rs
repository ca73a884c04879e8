//! Virtual smart cards for testing the PKCS#11 module end to end through a real pcscd
//! (shared/DESIGN.md "sim/"): the cards answer APDUs the way the real chips do
//! (docs/cards/), and `vpcd` plugs them into pcscd through vsmartcard-vpcd.

pub mod apdu;
pub mod bank;
pub mod card;
pub mod cie;
pub mod cli;
pub mod cns;
pub mod fault;
pub mod retry;
pub mod state;
pub mod stats;
pub mod sw;
pub mod trace;
pub mod vpcd;

pub use card::{CardOptions, VirtualCard};
