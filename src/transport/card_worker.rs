//! One connected card served by its own thread, so that no wait for the card is unbounded
//! (issue #10). PC/SC's SCardBeginTransaction (and SCardStatus) block for as long as another
//! application holds the card in a transaction — 20 to 60 s have been seen — and cannot be
//! interrupted. The card's thread makes those calls; the caller waits for the answer only
//! up to a bound (`Worker::call`), or until C_Finalize cancels every wait, and then goes on.
//! A transaction granted after its caller gave up is ended at once.
//!
//! Each card has its own PC/SC context as well: pcsc-lite serialises the calls of one
//! context, so one slot's card never waits behind another's.

use pcsc::{
    Attribute, Context, Disposition, Protocols, Scope, ShareMode, MAX_BUFFER_SIZE_EXTENDED,
};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::pcsc_system::map_error;
use super::TransportError;

/// How often a waiting caller looks at the cancel flag (C_Finalize returns within a second).
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// How long dropping a card waits for its disconnection. A process that ends right after
/// C_Finalize must not leave its handle to pcscd, which would reset the card under every
/// other application (pcscd disconnects a dead client's cards with SCARD_RESET_CARD): an
/// idle card's thread is waited for, however loaded the machine; one blocked by another
/// application only briefly (C_Finalize returns within a second).
const DISCONNECT_WAIT: Duration = Duration::from_secs(3);
const DISCONNECT_WAIT_BLOCKED: Duration = Duration::from_millis(300);

/// A PC/SC call this old means another application holds the card.
const BLOCKED_AFTER: Duration = Duration::from_millis(200);

pub enum Request {
    /// SCardBeginTransaction. Inside a transaction: the caller that gave up on the previous
    /// Begin is answered with the transaction it asked for.
    Begin,
    /// SCardTransmit, inside a transaction.
    Transmit(Vec<u8>),
    /// SCardEndTransaction, with SCARD_RESET_CARD when `reset`.
    End { reset: bool },
    /// The caller of a Begin gave up: end the transaction if it was granted meanwhile.
    Abandon,
    /// SCardStatus: the ATR while the card is present, `RemovedCard` when not.
    Status,
    /// SCardReconnect (shared), resetting the card when `reset`.
    Reconnect { reset: bool },
    /// SCardGetAttrib.
    Attribute(Attribute),
    /// SCardDisconnect(SCARD_LEAVE_CARD); the thread ends.
    Disconnect,
}

type Answer = Result<Vec<u8>, pcsc::Error>;
type Mail = (Request, Option<Sender<Answer>>);

/// The caller's side of a card's thread.
pub struct Worker {
    requests: Sender<Mail>,
    /// Set by C_Finalize (`PcscSystem::cancel`): every wait ends at once, for good.
    cancelled: Arc<AtomicBool>,
    /// Since when the card's thread has been inside a PC/SC call (`None`: idle).
    busy_since: Busy,
}

type Busy = Arc<std::sync::Mutex<Option<Instant>>>;

fn set_busy(busy: &Busy, since: Option<Instant>) {
    *busy.lock().unwrap_or_else(|e| e.into_inner()) = since;
}

impl Worker {
    /// Connects (shared) to the card in `reader` from a new thread of its own, with a PC/SC
    /// context of its own, waiting up to `wait`: SCardConnect too waits while another
    /// application holds the card. `Ok(None)`: no card in the reader.
    pub fn connect(
        reader: &str,
        cancelled: Arc<AtomicBool>,
        wait: Duration,
    ) -> Result<Option<Worker>, TransportError> {
        if cancelled.load(Ordering::SeqCst) {
            return Err(TransportError::Cancelled);
        }
        let name = CString::new(reader).map_err(|_| TransportError::ReaderUnavailable)?;
        let (requests, inbox) = mpsc::channel::<Mail>();
        let (connected, outcome) = mpsc::channel();
        let label = reader.to_string();
        let busy_since: Busy = Arc::new(std::sync::Mutex::new(Some(Instant::now())));
        let busy = busy_since.clone();
        std::thread::Builder::new()
            .name("cie-cns-card".into())
            .spawn(move || {
                let card = Context::establish(Scope::User)
                    .and_then(|c| c.connect(&name, ShareMode::Shared, Protocols::ANY));
                match card {
                    Ok(card) => {
                        if connected.send(Ok(())).is_ok() {
                            serve(card, inbox, &label, &busy);
                        } else if let Err((_, e)) = card.disconnect(Disposition::LeaveCard) {
                            log::debug!("{label}: SCardDisconnect: {e}");
                        }
                    }
                    Err(e) => {
                        let _ = connected.send(Err(e));
                    }
                }
            })
            .map_err(|e| TransportError::Communication(format!("no thread for the card: {e}")))?;
        let worker = Worker {
            requests,
            cancelled,
            busy_since,
        };
        match worker.wait_for(&outcome, wait)? {
            Ok(()) => Ok(Some(worker)),
            Err(
                pcsc::Error::NoSmartcard
                | pcsc::Error::RemovedCard
                | pcsc::Error::UnpoweredCard
                | pcsc::Error::UnresponsiveCard,
            ) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Sends `request` and waits up to `wait` for its answer. `Timeout` when the card's
    /// thread is still blocked in PC/SC (another application holds the card), `Cancelled`
    /// after C_Finalize.
    pub fn call(&self, request: Request, wait: Duration) -> Result<Vec<u8>, TransportError> {
        if self.cancelled.load(Ordering::SeqCst) {
            return Err(TransportError::Cancelled);
        }
        let (answer, answered) = mpsc::channel();
        self.requests
            .send((request, Some(answer)))
            .map_err(|_| gone())?;
        self.wait_for(&answered, wait)?.map_err(map_error)
    }

    /// The card's thread's answer, waited for up to `wait` (and no longer than C_Finalize).
    fn wait_for<T>(&self, answered: &Receiver<T>, wait: Duration) -> Result<T, TransportError> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match answered.recv_timeout(left.min(CANCEL_POLL)) {
                Ok(answer) => return Ok(answer),
                Err(RecvTimeoutError::Disconnected) => return Err(gone()),
                Err(RecvTimeoutError::Timeout) if self.cancelled.load(Ordering::SeqCst) => {
                    return Err(TransportError::Cancelled)
                }
                Err(RecvTimeoutError::Timeout) if left.is_zero() => {
                    return Err(TransportError::Timeout)
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Sends `request` without waiting for its answer.
    pub fn post(&self, request: Request) {
        let _ = self.requests.send((request, None));
    }
}

impl Drop for Worker {
    /// Disconnects now, even after C_Finalize (not cancellable), unless the card's thread is
    /// blocked by another application for longer than `DISCONNECT_WAIT`: it then
    /// disconnects as soon as it is free.
    fn drop(&mut self) {
        let blocked = self
            .busy_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|since| since.elapsed() > BLOCKED_AFTER);
        let wait = if blocked {
            DISCONNECT_WAIT_BLOCKED
        } else {
            DISCONNECT_WAIT
        };
        let (answer, answered) = mpsc::channel();
        if self
            .requests
            .send((Request::Disconnect, Some(answer)))
            .is_ok()
        {
            let _ = answered.recv_timeout(wait);
        }
    }
}

fn gone() -> TransportError {
    TransportError::Communication("the card's thread has ended".into())
}

fn reply(to: Option<Sender<Answer>>, answer: Answer) -> bool {
    to.is_some_and(|to| to.send(answer).is_ok())
}

/// The card's thread: answers requests until the transport is dropped, then disconnects
/// leaving the card as it is (the `pcsc` crate's own drop would reset it under every other
/// application).
fn serve(mut card: pcsc::Card, inbox: Receiver<Mail>, reader: &str, busy: &Busy) {
    let mut buffer = vec![0; MAX_BUFFER_SIZE_EXTENDED];
    let mut disconnected = None;
    loop {
        set_busy(busy, None);
        let Ok((request, to)) = inbox.recv() else {
            break;
        };
        set_busy(busy, Some(Instant::now()));
        if let Request::Disconnect = request {
            disconnected = to;
            break;
        }
        match request {
            Request::Begin => match card.transaction2() {
                Err((_, e)) => {
                    reply(to, Err(e));
                }
                // Nobody waits any more: the transaction ends as it is dropped.
                Ok(tx) => {
                    if reply(to, Ok(Vec::new())) {
                        if let Some((_, to)) = in_transaction(tx, &inbox, &mut buffer) {
                            disconnected = to;
                            break;
                        }
                    }
                }
            },
            Request::Status => {
                reply(to, status(&card));
            }
            Request::Reconnect { reset } => {
                let disposition = if reset {
                    Disposition::ResetCard
                } else {
                    Disposition::LeaveCard
                };
                let done = card.reconnect(ShareMode::Shared, Protocols::ANY, disposition);
                reply(to, done.map(|()| Vec::new()));
            }
            Request::Attribute(attribute) => {
                reply(to, card.get_attribute_owned(attribute));
            }
            Request::Abandon | Request::Disconnect => {}
            Request::Transmit(_) | Request::End { .. } => {
                reply(to, Err(pcsc::Error::NotTransacted));
            }
        }
    }
    if let Err((_, e)) = card.disconnect(Disposition::LeaveCard) {
        log::debug!("{reader}: SCardDisconnect: {e}");
    }
    reply(disconnected, Ok(Vec::new()));
}

/// Serves one transaction until it is ended (or abandoned, or the transport dropped). A
/// Disconnect ends the transaction and is handed back to `serve`.
fn in_transaction(
    tx: pcsc::Transaction<'_>,
    inbox: &Receiver<Mail>,
    buffer: &mut [u8],
) -> Option<Mail> {
    while let Ok((request, to)) = inbox.recv() {
        match request {
            Request::Disconnect => {
                drop(tx);
                return Some((Request::Disconnect, to));
            }
            Request::Transmit(command) => {
                let answer = tx.transmit(&command, buffer).map(<[u8]>::to_vec);
                reply(to, answer);
            }
            Request::End { reset: true } => {
                reply(
                    to,
                    tx.end(Disposition::ResetCard)
                        .map_err(|(_, e)| e)
                        .map(|()| Vec::new()),
                );
                return None;
            }
            Request::End { reset: false } | Request::Abandon => {
                drop(tx);
                reply(to, Ok(Vec::new()));
                return None;
            }
            Request::Begin => {
                reply(to, Ok(Vec::new()));
            }
            Request::Status => {
                reply(to, status(&tx));
            }
            // Never asked inside a transaction by the transport.
            Request::Reconnect { .. } | Request::Attribute(_) => {
                reply(to, Err(pcsc::Error::SharingViolation));
            }
        }
    }
    None
}

fn status(card: &pcsc::Card) -> Answer {
    let status = card.status2_owned()?;
    if status.status().contains(pcsc::Status::PRESENT) {
        Ok(status.atr().to_vec())
    } else {
        Err(pcsc::Error::RemovedCard)
    }
}
