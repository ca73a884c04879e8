//! Shared by the integration tests: the real stack (`harness`), the module as an
//! application loads it (`module`), what the token tests ask of a session (`token`), the
//! command-line tools (`tools`), independent signature checks (`verify`), and the fault
//! tests' watchdog (`watchdog`), the APDU budgets of issue #12 (`budgets`).
#![allow(dead_code)]

pub mod budgets;
pub mod harness;
pub mod module;
pub mod token;
pub mod tools;
pub mod verify;
pub mod watchdog;
