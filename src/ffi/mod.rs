//! The C ABI (DESIGN.md "ffi"): a thin, uniform, unsafe layer.
//!
//! Every exported function is a one-line `ck_fn!` (entry.rs) over a plain `unsafe fn` that
//! checks and decodes the caller's pointers (each unsafe operation in its own block with a
//! SAFETY note), calls the safe state machine in `crate::cryptoki`, and returns
//! `Result<(), Rv>`; `guard` maps it to a CK_RV and no panic crosses the boundary. The
//! functions the token does not offer are one table (`unsupported!`, fns/unsupported.rs).
//! This module is the only one that may use `unsafe` (the crate denies it elsewhere).

#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[macro_use]
mod entry;
mod exit;
pub mod fns;
mod function_list;
mod marshal;
mod out_buffer;
mod ptr;

pub use fns::general::{C_GetFunctionList, C_GetInterface, C_GetInterfaceList};
