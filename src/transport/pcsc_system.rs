//! PC/SC implementation of the transport on the `pcsc` crate (pcsc-lite on Linux).
//!
//! PC/SC contexts: one for listing readers, one for `SCardGetStatusChange`, and one per
//! connected card, served by its own thread (`card_worker`: bounded waits, issue #10).
//! pcsc-lite serialises calls on one context, so a `C_WaitForSlotEvent` blocked in
//! GetStatusChange on the shared context would block every `C_GetSlotList` too.
//! `SCardCancel` on the waiting context wakes the waiter (C_Finalize).

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use pcsc::{Attribute, Context, ReaderState, Scope, State, PNP_NOTIFICATION};

use super::card_worker::{Request, Worker};
use super::{Channel, ReaderCapabilities, Transport, TransportError};

/// Longest single GetStatusChange; between slices a missed `cancel` is noticed.
const WAIT_SLICE: Duration = Duration::from_secs(1);

pub struct PcscSystem {
    context: Mutex<Context>,
    wait_context: Mutex<Context>,
    /// Readers (plus the PnP pseudo-reader) as last seen by `wait_for_change`.
    wait_states: Mutex<Vec<ReaderState>>,
    /// Bumped by `cancel`, so waiters queued behind `wait_states` give up too.
    cancel_generation: AtomicU64,
    /// Set by `cancel` (C_Finalize): every card's waits end at once (`card_worker`).
    cancelled: Arc<AtomicBool>,
}

impl PcscSystem {
    /// Connects to the PC/SC service; `NoService` when pcscd is not running.
    pub fn establish() -> Result<PcscSystem, TransportError> {
        let context = Context::establish(Scope::User).map_err(map_error)?;
        let wait_context = Context::establish(Scope::User).map_err(map_error)?;
        let system = PcscSystem {
            context: Mutex::new(context),
            wait_context: Mutex::new(wait_context),
            wait_states: Mutex::new(Vec::new()),
            cancel_generation: AtomicU64::new(0),
            cancelled: Arc::new(AtomicBool::new(false)),
        };
        // The baseline for the first wait: changes from now on are events.
        {
            let mut states = system.wait_states.lock();
            let wait_context = system.wait_context.lock().clone();
            if let Err(e) = system.refresh_states(&wait_context, &mut states) {
                log::debug!("PC/SC: no initial reader state: {e}");
            }
        }
        Ok(system)
    }

    /// The listing context, re-established once if pcscd was restarted under us.
    fn with_context<T>(
        &self,
        op: impl Fn(&Context) -> Result<T, pcsc::Error>,
    ) -> Result<T, pcsc::Error> {
        let mut context = self.context.lock();
        match op(&context) {
            Err(
                pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle,
            ) => {
                *context = Context::establish(Scope::User)?;
                op(&context)
            }
            other => other,
        }
    }

    fn list(&self, context: &Context) -> Result<Vec<CString>, TransportError> {
        match context.list_readers_owned() {
            Ok(names) => Ok(names),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Brings `states` in line with the current reader list and their current states.
    /// Returns whether anything differs from what `states` knew.
    fn refresh_states(
        &self,
        context: &Context,
        states: &mut Vec<ReaderState>,
    ) -> Result<bool, TransportError> {
        let names = self.list(context)?;
        let known = states.len();
        let before = states.len();
        states.retain(|s| {
            s.name() == PNP_NOTIFICATION() || names.iter().any(|n| n.as_c_str() == s.name())
        });
        let mut changed = states.len() != before;
        if !states.iter().any(|s| s.name() == PNP_NOTIFICATION()) {
            states.push(ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE));
        }
        for name in names {
            if !states.iter().any(|s| s.name() == name.as_c_str()) {
                states.push(ReaderState::new(name, State::UNAWARE));
                changed |= known > 0;
            }
        }
        match context.get_status_change(Duration::ZERO, states) {
            Ok(()) => {
                changed |= states.iter().any(|s| {
                    s.current_state() != State::UNAWARE && s.event_state().contains(State::CHANGED)
                });
            }
            Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(map_error(e)),
        }
        for s in states.iter_mut() {
            s.sync_current_state();
        }
        Ok(changed)
    }

    fn cancelled_since(&self, generation: u64) -> bool {
        self.cancel_generation.load(Ordering::SeqCst) != generation
    }
}

/// The set of readers on this machine.
impl PcscSystem {
    /// Names of the readers currently attached, empty ones included.
    pub fn readers(&self) -> Result<Vec<String>, TransportError> {
        let names = match self.with_context(|c| match c.list_readers_owned() {
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            other => other,
        }) {
            Ok(names) => names,
            Err(e) => return Err(map_error(e)),
        };
        Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect())
    }

    /// Connects (shared mode) to the card in `reader`; `Ok(None)` when the reader is empty.
    pub fn connect(&self, reader: &str) -> Result<Option<Box<dyn Transport>>, TransportError> {
        let Some(worker) = Worker::connect(reader, self.cancelled.clone(), TRANSACTION_WAIT)?
        else {
            return Ok(None);
        };
        let transport = PcscTransport::new(worker, reader)?;
        Ok(Some(Box::new(transport)))
    }

    /// Blocks until a reader or card changes, the timeout passes (`Ok(false)`) or `cancel` is called.
    pub fn wait_for_change(&self, timeout: Duration) -> Result<bool, TransportError> {
        let generation = self.cancel_generation.load(Ordering::SeqCst);
        let deadline = Instant::now() + timeout;
        let mut states = self.wait_states.lock();
        if self.cancelled_since(generation) {
            return Err(TransportError::Cancelled);
        }
        let context = self.wait_context.lock().clone();
        // Changes between two waits count as well.
        match self.refresh_states(&context, &mut states) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(TransportError::NoService) => {
                if let Ok(fresh) = Context::establish(Scope::User) {
                    *self.wait_context.lock() = fresh;
                }
                return Err(TransportError::NoService);
            }
            Err(e) => return Err(e),
        }
        loop {
            if self.cancelled_since(generation) {
                return Err(TransportError::Cancelled);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            match context.get_status_change(left.min(WAIT_SLICE), &mut states) {
                Ok(()) => {
                    let changed = states
                        .iter()
                        .any(|s| s.event_state().contains(State::CHANGED));
                    for s in states.iter_mut() {
                        s.sync_current_state();
                    }
                    if changed {
                        return Ok(true);
                    }
                }
                Err(pcsc::Error::Timeout) => {}
                Err(pcsc::Error::Cancelled) => return Err(TransportError::Cancelled),
                Err(e) => return Err(map_error(e)),
            }
        }
    }

    /// Wakes every `wait_for_change` (C_Finalize must unblock C_WaitForSlotEvent).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.cancel_generation.fetch_add(1, Ordering::SeqCst);
        let context = self.wait_context.lock().clone();
        if let Err(e) = context.cancel() {
            log::debug!("SCardCancel: {e}");
        }
    }
}

/// How long an operation waits for another application's transaction to end before it
/// gives up (`TransportError::Timeout`, CKR_FUNCTION_FAILED; README "Waiting for the card").
pub const TRANSACTION_WAIT: Duration = Duration::from_secs(5);

/// How long a presence check waits (another application's transaction blocks it too): no
/// answer in time is "as far as known, still there".
const STATUS_WAIT: Duration = Duration::from_millis(300);

/// How long one APDU, a reconnect or a reset may take once we hold the card.
const CARD_WAIT: Duration = Duration::from_secs(20);

/// One connected card, served by its own thread (`card_worker`), which disconnects it with
/// `LeaveCard` when the transport is dropped.
struct PcscTransport {
    worker: Worker,
    reader: String,
    atr: Vec<u8>,
    capabilities: ReaderCapabilities,
}

impl PcscTransport {
    fn new(worker: Worker, reader: &str) -> Result<PcscTransport, TransportError> {
        let mut transport = PcscTransport {
            worker,
            reader: reader.to_string(),
            atr: Vec::new(),
            capabilities: ReaderCapabilities {
                extended_apdu: true,
            },
        };
        // SCardStatus, not GetAttrib(ATR): vpcd does not answer the attribute (HARNESS.md).
        // A reset by another application between connect and status is reported here.
        let atr = match transport.worker.call(Request::Status, TRANSACTION_WAIT) {
            Err(TransportError::CardReset) => {
                transport.reconnect()?;
                transport.worker.call(Request::Status, TRANSACTION_WAIT)
            }
            other => other,
        };
        transport.atr = atr?;
        // Extended APDUs: vpcd and CCID readers with extended support carry them. A reader
        // could report short-only through SCARD_ATTR_MAXINPUT; we only log it for now.
        match transport
            .worker
            .call(Request::Attribute(Attribute::Maxinput), STATUS_WAIT)
        {
            Ok(v) => log::debug!("{reader}: SCARD_ATTR_MAXINPUT {v:02X?}"),
            Err(e) => log::debug!("{reader}: no SCARD_ATTR_MAXINPUT ({e})"),
        }
        Ok(transport)
    }
}

impl Transport for PcscTransport {
    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn capabilities(&self) -> ReaderCapabilities {
        self.capabilities
    }

    fn transaction(&mut self) -> Result<Box<dyn Channel + '_>, TransportError> {
        match self.worker.call(Request::Begin, TRANSACTION_WAIT) {
            Ok(_) => Ok(Box::new(PcscChannel {
                worker: &self.worker,
            })),
            Err(e) => {
                if e == TransportError::Timeout {
                    log::info!(
                        "{}: another application has held the card for {TRANSACTION_WAIT:?}",
                        self.reader
                    );
                }
                // Granted after all while we gave up: end it at once.
                self.worker.post(Request::Abandon);
                Err(e)
            }
        }
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.worker
            .call(Request::Reconnect { reset: false }, CARD_WAIT)
            .map(|_| ())
    }

    /// SCardBeginTransaction, then SCardEndTransaction(SCARD_RESET_CARD): the transaction
    /// waits for another application's to end, so the reset never cuts one in the middle;
    /// SCardReconnect(SCARD_RESET_CARD) is the fallback.
    fn reset(&mut self) -> Result<(), TransportError> {
        log::debug!("{}: resetting the card", self.reader);
        let ended = match self.worker.call(Request::Begin, TRANSACTION_WAIT) {
            Ok(_) => self.worker.call(Request::End { reset: true }, CARD_WAIT),
            Err(e) => {
                self.worker.post(Request::Abandon);
                Err(e)
            }
        };
        match ended {
            Ok(_) => Ok(()),
            Err(e @ (TransportError::Cancelled | TransportError::Timeout)) => Err(e),
            Err(e) => {
                log::debug!("{}: SCardEndTransaction(reset): {e}", self.reader);
                self.worker
                    .call(Request::Reconnect { reset: true }, CARD_WAIT)
                    .map(|_| ())
            }
        }
    }

    fn check_present(&mut self) -> Result<(), TransportError> {
        match self.worker.call(Request::Status, STATUS_WAIT) {
            Ok(_) => Ok(()),
            // Another application holds the card: it was there a moment ago.
            Err(TransportError::Timeout) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Our transaction: APDUs go through the card's thread; dropping it ends the transaction.
struct PcscChannel<'t> {
    worker: &'t Worker,
}

impl Channel for PcscChannel<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.worker
            .call(Request::Transmit(command.to_vec()), CARD_WAIT)
    }
}

impl Drop for PcscChannel<'_> {
    fn drop(&mut self) {
        self.worker.post(Request::End { reset: false });
    }
}

pub(super) fn map_error(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::ResetCard => TransportError::CardReset,
        E::RemovedCard => TransportError::CardRemoved,
        E::NoSmartcard => TransportError::NoCard,
        E::ReaderUnavailable | E::UnknownReader => TransportError::ReaderUnavailable,
        E::NoService | E::ServiceStopped => TransportError::NoService,
        E::Cancelled => TransportError::Cancelled,
        // Another application holds the card (exclusively, or in a transaction).
        E::Timeout | E::SharingViolation => TransportError::Timeout,
        e => TransportError::Communication(e.to_string()),
    }
}
