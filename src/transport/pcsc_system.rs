//! PC/SC implementation of the transport on the `pcsc` crate. TODO (being implemented
//! separately). Until then: a system that reports the service as not running, so that the
//! module loads and lists no slots.

use super::{ReaderSystem, Transport, TransportError};
use std::time::Duration;

pub struct PcscSystem;

impl PcscSystem {
    /// Establishes a PC/SC context (SCardEstablishContext).
    pub fn establish() -> Result<PcscSystem, TransportError> {
        Err(TransportError::NoService)
    }
}

impl ReaderSystem for PcscSystem {
    fn readers(&self) -> Result<Vec<String>, TransportError> {
        Err(TransportError::NoService)
    }
    fn connect(&self, _reader: &str) -> Result<Option<Box<dyn Transport>>, TransportError> {
        Err(TransportError::NoService)
    }
    fn wait_for_change(&self, _timeout: Duration) -> Result<bool, TransportError> {
        Err(TransportError::NoService)
    }
    fn cancel(&self) {}
}
