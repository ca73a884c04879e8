//! The C ABI (DESIGN.md "ffi"): a thin, uniform, unsafe layer.
//!
//! Every exported function is declared with `ck_fn!` (entry.rs): it checks and decodes
//! the caller's pointers, calls the safe state machine in `crate::cryptoki`, and maps
//! `Result<(), Rv>` to a CK_RV; no panic crosses the boundary. This module is the only
//! one that touches caller memory.

#[macro_use]
mod entry;
pub mod fns;
mod function_list;
mod marshal;
mod out_buffer;
mod ptr;

pub use fns::general::{C_GetFunctionList, C_GetInterface, C_GetInterfaceList};
