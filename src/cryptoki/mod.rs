//! The PKCS#11 state machine in safe Rust (DESIGN.md "cryptoki").
//!
//! Module lifecycle and fork (`module`), slots and presence (`slots`), sessions and login
//! (`session`), PIN change and unblock (`pin`), objects and search (`object`), signing
//! (`sign`), digests (`digest`),
//! slot events (`event`). It knows nothing about APDUs: it talks to a `Token` through
//! `device::Device`, and to readers through `readers::Readers`. Every fallible function returns `Result<_, Rv>`; the C layer does
//! the rest.

pub mod bound;
pub mod device;
pub mod digest;
pub mod event;
pub mod info;
pub mod instance;
pub mod mechanism;
pub mod module;
pub mod object;
pub mod output;
pub mod pin;
pub mod readers;
pub mod rv;
pub mod session;
pub mod sign;
pub mod slots;

#[cfg(test)]
mod pin_scenarios;
#[cfg(test)]
mod scenarios;
#[cfg(test)]
mod testing;

pub use mechanism::{MechanismParams, MechanismRequest, PssParams};
pub use module::{InitArgs, MutexCallbacks};
pub use object::AttributeLookup;
pub use output::{Delivery, Output, Room};
pub use rv::Rv;
