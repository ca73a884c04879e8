//! The C ABI (DESIGN.md "ffi"). TODO.
