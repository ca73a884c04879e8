//! The PKCS#11 state machine in safe Rust (DESIGN.md "cryptoki"). TODO.
