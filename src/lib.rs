//! cie-cns-pkcs11: a PKCS#11 module for the Italian CIE 3.0 and TS-CNS / CRS cards.
//!
//! Layers (DESIGN.md), data flowing only downwards:
//! `ffi` (C ABI) → `cryptoki` (PKCS#11 state machine) → `token` (card as a token)
//! → `card` (one driver per family) → `iso7816` (APDU codec) → `transport` (PC/SC).

mod assembly;
pub mod card;
pub mod cryptoki;
mod ffi;
pub mod iso7816;
pub mod logging;
pub mod token;
pub mod transport;

/// The three entry points a C caller starts from (also exported as C symbols, like every C_*).
pub use ffi::{C_GetFunctionList, C_GetInterface, C_GetInterfaceList};
