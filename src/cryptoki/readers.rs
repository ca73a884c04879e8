//! The readers as the state machine sees them (DESIGN.md "cryptoki"): names, a card
//! inserted in one (a token to bind), waiting for a change, cancelling the wait. Nothing
//! here is PC/SC: the module is assembled in `crate::assembly`, outside the layers.

use super::device::Device;
use crate::token::TokenError;
use std::sync::Arc;
use std::time::Duration;

/// Why the readers could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadersError {
    /// The reader service is not running or went away: the readers are reached again later.
    NoService,
    /// Anything else (a reader gone, a cancelled wait, a broken link), for the log.
    Other(String),
}

impl std::fmt::Display for ReadersError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadersError::NoService => f.write_str("no reader service"),
            ReadersError::Other(e) => f.write_str(e),
        }
    }
}

/// The readers attached to this machine.
pub trait Readers: Send + Sync {
    /// Names of the readers currently attached, empty ones included.
    fn names(&self) -> Result<Vec<String>, ReadersError>;
    /// The card in `reader`, ready to be bound; `Ok(None)` when the reader is empty.
    fn insert(&self, reader: &str) -> Result<Option<Box<dyn Bindable>>, ReadersError>;
    /// Blocks until a reader or card changes, the timeout passes (`Ok(false)`) or `cancel` is called.
    fn wait_for_change(&self, timeout: Duration) -> Result<bool, ReadersError>;
    /// Wakes every `wait_for_change` (C_Finalize must unblock C_WaitForSlotEvent).
    fn cancel(&self);
}

/// A card in a reader, not bound yet.
pub trait Bindable: Send {
    /// The card's ATR: a card that could not be bound is not probed again while it stays in.
    fn atr(&self) -> &[u8];
    /// Reads the card as a token; `Ok(None)`: a card this module does not support.
    fn bind(self: Box<Self>) -> Result<Option<Box<dyn Device>>, TokenError>;
}

pub type EstablishFn = Arc<dyn Fn() -> Result<Box<dyn Readers>, ReadersError> + Send + Sync>;

/// How an initialized module reaches its readers (re-established while the service is away).
#[derive(Clone)]
pub struct Backend {
    pub establish: EstablishFn,
}
