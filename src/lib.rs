//! cie-cns-pkcs11: a PKCS#11 module for the Italian CIE 3.0 and TS-CNS / CRS cards.
//!
//! Layers (DESIGN.md), data flowing only downwards (tests/layers.rs checks the arrows):
//! `ffi` (C ABI) → `cryptoki` (PKCS#11 state machine; readers through its own interface)
//! → `token` (card as a token) → `card` (the connection and one driver per family)
//! → `iso7816` (APDU codec, pure) and `transport` (PC/SC).
//! `assembly`, outside the layers, wires PC/SC readers and tokens into `cryptoki`.
//!
//! Card facts are cited as `cns.md §4`, `cie.md §6`: the sheets are in docs/cards/.

// `unsafe` only where the caller's memory is touched (DESIGN.md "ffi"), and there every
// unsafe operation in its own block with a SAFETY note.
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

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
