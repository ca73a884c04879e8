//! The exported functions, one file per function group of PKCS#11 3.0 chapter 5.

pub mod digest;
pub mod general;
pub mod object;
pub mod random;
pub mod session;
pub mod sign;
pub mod slot_token;
pub mod unsupported;
