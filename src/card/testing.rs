//! Test doubles of a card and its reader. The card is the simulator's own model (`cardsim`,
//! written from docs/cards/: the module's tests meet the same chips as the end-to-end tests);
//! the reader keeps the card's transport behind this module for the layers above `card`
//! (architecture.json: Token never imports Transport).

use std::sync::{Arc, Mutex};

use crate::transport::{Channel, ReaderCapabilities, Transport, TransportError};

/// The PIN the virtual cards of the unit tests are made with (`cardsim --pin 12345`).
pub(crate) const PIN: &[u8] = b"12345";
/// The CIE's (`cardsim --card cie --pin 12345678`).
pub(crate) const CIE_PIN: &[u8] = b"12345678";

/// The simulator's row of a TS-CNS batch (`cardsim --variant NAME`): ATR, card content.
pub(crate) fn cns_variant(name: &str) -> &'static cardsim::cns::variant::Variant {
    cardsim::cns::variant::find(name).unwrap_or_else(|| panic!("no cns variant {name}"))
}

/// A virtual card of the simulator behind a recording channel. A test may put its own answer
/// in place of the card's for the commands that start with some bytes (a file the card lacks,
/// garbage where a certificate should be): what it changes is then written in the test.
pub(crate) struct SimCard {
    card: Box<dyn cardsim::VirtualCard>,
    /// Every command sent, in order.
    pub sent: Vec<Vec<u8>>,
    answers: Vec<(Vec<u8>, Vec<u8>)>,
}

impl SimCard {
    /// `cardsim --card cns --variant NAME --pin 12345`.
    pub fn cns(variant: &str) -> SimCard {
        SimCard::build("cns", variant, PIN)
    }

    /// `cardsim --card cie --variant NAME --pin 12345678` (the CIE's PIN has 8 digits).
    pub fn cie(variant: &str) -> SimCard {
        SimCard::build("cie", variant, CIE_PIN)
    }

    fn build(kind: &str, variant: &str, pin: &[u8]) -> SimCard {
        let options = cardsim::CardOptions {
            pin: String::from_utf8(pin.to_vec()).expect("ASCII PIN"),
            ..cardsim::CardOptions::default()
        };
        let card = cardsim::card::build(kind, Some(variant), &options).expect("virtual card");
        SimCard {
            card,
            sent: Vec::new(),
            answers: Vec::new(),
        }
    }

    pub fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }

    /// Another application gave the chip a new PIN (its counter full again).
    pub fn pin_changed_elsewhere(&mut self, new_pin: &str) {
        let mut state = self.card.pin_state().expect("a card with a PIN");
        state.pin = new_pin.to_string();
        state.pin_tries = 3;
        self.card.restore_pin_state(&state).expect("PIN state");
    }

    /// What another application's plain command does to a secure-messaging session: ends it
    /// (cie.md §5.3). Not recorded in `sent`: it is not ours.
    pub fn plain_command_by_another_application(&mut self) {
        self.card.process(&[0x00, 0xA4, 0x00, 0x00]);
    }

    /// Answers `answer` (data ‖ SW) to every command starting with `prefix`, instead of the card.
    pub fn answering(mut self, prefix: &[u8], answer: &[u8]) -> SimCard {
        self.answers.push((prefix.to_vec(), answer.to_vec()));
        self
    }

    /// Power lost: the chip forgets its verified PIN and current file.
    pub fn reset(&mut self) {
        self.card.reset();
    }

    /// The chip's user PIN counter (what a wrong PIN must lower by exactly one).
    pub fn pin_tries(&self) -> u64 {
        self.counter("pin_tries")
    }

    /// Whether the chip holds a verified user PIN now.
    pub fn pin_verified(&self) -> bool {
        self.counter("pin_verified") == 1
    }

    fn counter(&self, name: &str) -> u64 {
        let counters = self.card.counters();
        let found = counters.iter().find(|(n, _)| *n == name);
        found
            .unwrap_or_else(|| panic!("the card reports no {name}"))
            .1
    }
}

impl Channel for SimCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        if let Some((_, answer)) = self.answers.iter().find(|(p, _)| command.starts_with(p)) {
            return Ok(answer.clone());
        }
        Ok(self.card.process(command))
    }
}

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
    pub card: Arc<Mutex<SimCard>>,
    pub events: Arc<Mutex<Events>>,
    pub atr: Vec<u8>,
}

struct MockChannel(Arc<Mutex<SimCard>>);

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
            self.card.lock().unwrap().reset();
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
        self.card.lock().unwrap().reset();
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
