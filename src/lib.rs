//! cie-cns-pkcs11: a PKCS#11 module for the Italian CIE 3.0 and TS-CNS / CRS cards.
//!
//! Layers (DESIGN.md), data flowing only downwards (tests/layers.rs checks the arrows):
//! `ffi` (C ABI) → `cryptoki` (PKCS#11 state machine; readers through its own interface)
//! → `token` (card as a token) → `card` (the connection and one driver per family)
//! → `iso7816` (APDU codec, pure) and `transport` (PC/SC).
//! `assembly`, outside the layers, wires PC/SC readers and tokens into `cryptoki`.
//!
//! Card facts are cited as `cns.md §4`, `cie.md §6`: the sheets are in docs/cards/.

// Unsafe code only where the module touches what Rust does not own: the caller's memory
// (`ffi`, DESIGN.md), PC/SC and the locked pages that hold PINs (`transport`); there each
// such operation is in its own block with a SAFETY note.
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

/// `Display` (the variant, as `Debug` writes it) and `std::error::Error` for an error enum
/// whose variant names say what went wrong.
macro_rules! error_named_by_variant {
    ($error:ty) => {
        impl std::fmt::Display for $error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{self:?}")
            }
        }

        impl std::error::Error for $error {}
    };
}

mod assembly;
mod card;
mod cryptoki;
mod ffi;
#[cfg(any(fuzzing, test))]
pub mod fuzzing;
mod iso7816;
mod logging;
mod privilege;
mod token;
mod transport;

/// The parsers of untrusted card data (DESIGN.md: every one returns an error on malformed
/// data and is fuzzed), public only for the fuzz targets (fuzz/) and the never-panic test:
/// a C caller reaches the module through the C ABI alone.
pub mod parsers {
    pub use crate::card::cie::sm::{codec, SessionKeys, Ssc};
    pub use crate::card::cie::{chip_data::ChipData, detect, dh, files, iso9796, params};
    pub use crate::card::cns::{personal_data, profile::CnsAtr, public_cache::CachedLayout};
    pub use crate::iso7816::{atr, fcp, tlv, Response};
    pub use crate::token::objects::CertificateInfo;
}

/// The three entry points a C caller starts from (also exported as C symbols, like every C_*).
pub use ffi::{C_GetFunctionList, C_GetInterface, C_GetInterfaceList};
