//! C_WaitForSlotEvent (PKCS#11 3.0 §5.5): a card inserted or removed, a reader attached
//! or detached. Events are recorded wherever a change is noticed (`Instance::probe`,
//! `SlotTable::update_readers`); waiting re-checks every slot after each reader change.

use super::instance::Instance;
use super::Rv;
use cryptoki_sys::*;
use std::time::Duration;

/// How long one wait lasts before the slots are checked again: bounds the delay of a
/// change the reader system might not report, and of C_Finalize.
const POLL: Duration = Duration::from_secs(2);

impl Instance {
    /// Checks every reader and slot, and returns the next unreported event.
    fn next_event(&self) -> Option<CK_SLOT_ID> {
        self.refresh_readers();
        for slot in self.slots.attached() {
            drop(self.probe(&slot));
        }
        self.slots.pop_event()
    }

    /// C_WaitForSlotEvent. CKF_DONT_BLOCK: CKR_NO_EVENT when nothing changed. Blocking:
    /// until an event, or C_Finalize (then CKR_CRYPTOKI_NOT_INITIALIZED, §5.5).
    pub fn wait_for_slot_event(&self, flags: CK_FLAGS) -> Result<CK_SLOT_ID, Rv> {
        loop {
            if self.is_shut_down() {
                return Err(Rv::NOT_INITIALIZED);
            }
            if let Some(slot) = self.next_event() {
                return Ok(slot);
            }
            if flags & CKF_DONT_BLOCK != 0 {
                return Err(Rv(CKR_NO_EVENT));
            }
            match self.system() {
                None => self.pause(POLL),
                Some(system) => {
                    if let Err(e) = system.wait_for_change(POLL) {
                        log::debug!("waiting for a reader change: {e}");
                        self.system_failed(&e);
                        if !self.is_shut_down() {
                            self.pause(Duration::from_millis(200));
                        }
                    }
                }
            }
        }
    }
}
