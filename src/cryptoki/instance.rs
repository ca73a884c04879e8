//! An initialized module: readers, slots, sessions. Created by C_Initialize, shut down by
//! C_Finalize. The function groups add their `impl Instance` blocks in their own files
//! (slots.rs, session.rs, object.rs, sign.rs, digest.rs, event.rs).
//!
//! Lock order (never the other way round): session operations → one slot. The slot and
//! session tables are only locked for a lookup, never while a card is talking.

use super::readers::{Backend, Readers, ReadersError};
use super::session::SessionTable;
use super::slots::SlotTable;
use cryptoki_sys::CK_ULONG;
use parking_lot::{Condvar, Mutex};
use std::sync::Arc;
use std::time::Duration;

pub struct Instance {
    pub(super) backend: Backend,
    /// `None` while the PC/SC service is not reachable: retried on the next slot query.
    system: Mutex<Option<Arc<dyn Readers>>>,
    pub(super) slots: SlotTable,
    pub(super) sessions: SessionTable,
    /// Object handles and binding ids: never reused in the life of the instance.
    counter: Mutex<CK_ULONG>,
    shut_down: Mutex<bool>,
    wake: Condvar,
}

impl Instance {
    pub fn new(backend: Backend) -> Instance {
        let instance = Instance {
            backend,
            system: Mutex::new(None),
            slots: SlotTable::default(),
            sessions: SessionTable::default(),
            counter: Mutex::new(0),
            shut_down: Mutex::new(false),
            wake: Condvar::new(),
        };
        // Readers present now are slots from now on, with the IDs C_GetSlotList will
        // report: an application with a configured slot ID (Java's SunPKCS11 `slot=`)
        // goes straight to C_GetSlotInfo / C_OpenSession (DESIGN.md "Slots"). A missing
        // PC/SC service is not an error: the slot list is empty until it runs.
        instance.refresh_readers();
        instance
    }

    /// The reader system, establishing it if the service was not reachable before.
    pub(super) fn system(&self) -> Option<Arc<dyn Readers>> {
        let mut system = self.system.lock();
        if system.is_none() {
            match (self.backend.establish)() {
                Ok(s) => *system = Some(Arc::from(s)),
                Err(e) => log::debug!("PC/SC not available: {e}"),
            }
        }
        system.clone()
    }

    /// Forgets a reader system whose service went away (pcscd restarted or stopped).
    pub(super) fn system_failed(&self, error: &ReadersError) {
        if *error == ReadersError::NoService {
            log::debug!("PC/SC service lost");
            *self.system.lock() = None;
        }
    }

    /// Reserves `n` consecutive fresh handles and returns the first (never 0, which is
    /// CK_INVALID_HANDLE).
    pub(super) fn fresh_handles(&self, n: usize) -> CK_ULONG {
        let mut counter = self.counter.lock();
        let first = *counter + 1;
        *counter += CK_ULONG::try_from(n).unwrap_or(CK_ULONG::MAX / 2) + 1;
        first
    }

    /// C_Finalize: every wait returns now (§5.4 C_Finalize, §5.5 C_WaitForSlotEvent),
    /// then the tokens are logged out.
    pub(super) fn shut_down(&self) {
        *self.shut_down.lock() = true;
        self.wake.notify_all();
        let system = self.system.lock().clone();
        if let Some(system) = system {
            system.cancel();
        }
        self.log_out_all();
    }

    pub(super) fn is_shut_down(&self) -> bool {
        *self.shut_down.lock()
    }

    /// Sleeps up to `timeout`, waking early at C_Finalize.
    pub(super) fn pause(&self, timeout: Duration) {
        let mut down = self.shut_down.lock();
        if !*down {
            self.wake.wait_for(&mut down, timeout);
        }
    }
}
