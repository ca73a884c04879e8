//! Test doubles of a reader for the layers above `card` (the token's tests): the card's
//! transport stays behind this module (architecture.json: Token never imports Transport).

use std::sync::{Arc, Mutex};

use super::cns::tests::MockCns;
use crate::transport::{Channel, ReaderCapabilities, Transport, TransportError};

/// What the test can do to the "reader" while the token holds the transport.
#[derive(Default)]
pub(crate) struct Events {
    /// The next `transaction()` reports SCARD_W_RESET_CARD once.
    pub reset_pending: bool,
    pub removed: bool,
    pub reconnects: usize,
    pub resets: usize,
    pub transactions: usize,
}

pub(crate) struct MockTransport {
    pub card: Arc<Mutex<MockCns>>,
    pub events: Arc<Mutex<Events>>,
    pub atr: Vec<u8>,
}

struct MockChannel(Arc<Mutex<MockCns>>);

impl Channel for MockChannel {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.lock().unwrap().transmit(command)
    }
}

impl Transport for MockTransport {
    fn atr(&self) -> &[u8] {
        &self.atr
    }
    fn capabilities(&self) -> ReaderCapabilities {
        ReaderCapabilities {
            extended_apdu: true,
        }
    }
    fn transaction(&mut self) -> Result<Box<dyn Channel + '_>, TransportError> {
        let mut events = self.events.lock().unwrap();
        if events.removed {
            return Err(TransportError::CardRemoved);
        }
        if std::mem::take(&mut events.reset_pending) {
            self.card.lock().unwrap().verified = false;
            return Err(TransportError::CardReset);
        }
        events.transactions += 1;
        Ok(Box::new(MockChannel(self.card.clone())))
    }
    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.events.lock().unwrap().reconnects += 1;
        Ok(())
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.events.lock().unwrap().resets += 1;
        self.card.lock().unwrap().verified = false;
        Ok(())
    }
    fn check_present(&mut self) -> Result<(), TransportError> {
        if self.events.lock().unwrap().removed {
            Err(TransportError::CardRemoved)
        } else {
            Ok(())
        }
    }
}

struct NoApdus;

impl Channel for NoApdus {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::Communication("no APDU expected".into()))
    }
}

/// A reader whose transactions can be made to fail (card gone).
pub(crate) struct FakeTransport {
    pub unreachable: Arc<Mutex<bool>>,
}

impl Transport for FakeTransport {
    fn atr(&self) -> &[u8] {
        &[0x3B, 0x80, 0x80, 0x01, 0x01]
    }
    fn capabilities(&self) -> ReaderCapabilities {
        ReaderCapabilities {
            extended_apdu: false,
        }
    }
    fn transaction(&mut self) -> Result<Box<dyn Channel + '_>, TransportError> {
        if *self.unreachable.lock().unwrap() {
            return Err(TransportError::CardRemoved);
        }
        Ok(Box::new(NoApdus))
    }
    fn reconnect(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        match *self.unreachable.lock().unwrap() {
            true => Err(TransportError::CardRemoved),
            false => Ok(()),
        }
    }
    fn check_present(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}
