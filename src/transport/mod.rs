//! The only way the module talks to readers and cards (DESIGN.md "transport").
//!
//! `PcscSystem` lists readers and connects; a connected `Transport` opens one
//! PC/SC transaction per multi-APDU operation (`Channel`), so that another process
//! cannot interleave its commands with ours.

// The one place besides `ffi` where `unsafe` is allowed (the crate root denies it): mlock/madvise.
mod card_worker;
#[allow(unsafe_code)]
pub mod locked_memory;
mod pcsc_system;

pub use pcsc_system::PcscSystem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The PC/SC service is not running or not reachable.
    NoService,
    /// The reader has gone.
    ReaderUnavailable,
    /// No card in the reader.
    NoCard,
    /// The card was removed since we connected.
    CardRemoved,
    /// The card was reset by someone else since we connected: its security state is lost.
    CardReset,
    /// The card or reader did not answer, or answered something unusable.
    Communication(String),
    /// A blocking wait was cancelled (C_Finalize).
    Cancelled,
    Timeout,
}

error_named_by_variant!(TransportError);

/// What a reader can carry: decides between one extended APDU and command chaining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderCapabilities {
    pub extended_apdu: bool,
}

/// One connected card.
pub trait Transport: Send {
    fn atr(&self) -> &[u8];
    fn capabilities(&self) -> ReaderCapabilities;
    /// Begins one PC/SC transaction; it ends when the channel is dropped.
    fn transaction(&mut self) -> Result<Box<dyn Channel + '_>, TransportError>;
    /// Reconnects after `CardReset`; the card's security state (PIN, secure channel) is gone.
    fn reconnect(&mut self) -> Result<(), TransportError>;
    /// Resets the card (warm reset): every application's security state on it is dropped.
    /// Ends a login on a card that has no command forgetting a verified PIN (TS-CNS,
    /// token::security_state). Every transport must really do it: no default.
    fn reset(&mut self) -> Result<(), TransportError>;
    /// `Ok(())` while the same card is still in the reader.
    fn check_present(&mut self) -> Result<(), TransportError>;
}

/// Exchanges raw APDUs inside one transaction.
pub trait Channel {
    /// Sends one command APDU and returns the response APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}
