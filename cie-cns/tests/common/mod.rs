//! Shared by the tool's tests: the workspace's real stack (private pcscd, vpcd, cardsim) and
//! running `cie-cns` as a user would.
#![allow(dead_code)]

pub mod bare_pcscd;
#[path = "../../../tests/common/harness.rs"]
pub mod harness;
pub mod tool;
