//! PC/SC implementation of the transport on the `pcsc` crate. TODO.

pub struct PcscSystem;
