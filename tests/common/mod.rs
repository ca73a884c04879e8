//! Shared by the integration tests: the real stack (`harness`), the module as an
//! application loads it (`module`), what the token tests ask of a session (`token`), and
//! independent signature checks (`verify`).
#![allow(dead_code)]

pub mod harness;
pub mod module;
pub mod token;
pub mod verify;
