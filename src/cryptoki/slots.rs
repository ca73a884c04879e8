//! Slots: one per PC/SC reader, empty ones too (PKCS#11 3.0 §5.5).
//!
//! Slot IDs are stable for the life of the instance: a reader seen again gets its old ID
//! back, a new reader the next free one. Each slot has its own lock and holds the token
//! bound to the card in its reader, if any; presence is re-checked on every query that
//! needs the token (`Instance::probe`), so a removed card is noticed and its sessions closed.

use super::bound::BoundToken;
use super::instance::Instance;
use super::Rv;
use crate::token::TokenError;
use cryptoki_sys::CK_SLOT_ID;
use parking_lot::{Mutex, MutexGuard, RwLock};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Object handles reserved per binding: more than any token shows (3 today).
const RESERVED_HANDLES: usize = 16;

/// How long a slot or token query waits for a slot another thread is using before it
/// answers from what is known.
const QUERY_WAIT: Duration = Duration::from_millis(200);

/// Wait before binding again a card whose binding failed.
const BIND_RETRY: Duration = Duration::from_secs(5);

pub struct Slot {
    pub id: CK_SLOT_ID,
    pub reader: String,
    /// The reader is currently attached (outside the lock: set while a card may be busy).
    attached: AtomicBool,
    state: Mutex<SlotState>,
    /// What the last probe found, for queries that cannot wait for `state` (another thread
    /// holds it while it waits for the card): whether a token is present, and its info.
    known: Mutex<Known>,
}

/// A slot as it was last seen.
#[derive(Default, Clone, Copy)]
pub struct Known {
    pub present: bool,
    pub token_info: Option<cryptoki_sys::CK_TOKEN_INFO>,
}

#[derive(Default)]
pub struct SlotState {
    pub token: Option<BoundToken>,
    /// ATR of a card `Token::bind` did not recognise: not probed again while it stays in.
    unrecognized_atr: Option<Vec<u8>>,
    /// ATR and time of a failed binding: retried only after `BIND_RETRY`, so that a card
    /// that cannot be read does not cost a round of APDUs on every query.
    failed_bind: Option<(Vec<u8>, Instant)>,
    /// The slot was probed before: from then on a token appearing is an event. A card
    /// already in the reader when the application first looks is not one.
    observed: bool,
}

impl SlotState {
    /// The reader is empty or holds a (possibly other) card: nothing known about it stays.
    fn forget_card(&mut self) {
        self.unrecognized_atr = None;
        self.failed_bind = None;
    }
}

impl Slot {
    pub fn is_attached(&self) -> bool {
        self.attached.load(Ordering::Acquire)
    }

    /// The slot's state as it is, without checking the card (logout after the last session).
    pub(super) fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock()
    }

    /// The slot's state unless another thread holds it for longer than `wait`.
    pub(super) fn try_lock_for(
        &self,
        wait: std::time::Duration,
    ) -> Option<MutexGuard<'_, SlotState>> {
        self.state.try_lock_for(wait)
    }
}

#[derive(Default)]
struct SlotList {
    slots: Vec<Arc<Slot>>,
    enumerated: bool,
}

/// All slots ever seen, and the slot events not yet reported by C_WaitForSlotEvent.
#[derive(Default)]
pub struct SlotTable {
    list: RwLock<SlotList>,
    events: Mutex<VecDeque<CK_SLOT_ID>>,
}

impl SlotTable {
    /// Matches the reader names to slots: existing IDs kept, new readers appended,
    /// missing readers detached. After the first enumeration every change is an event.
    pub fn update_readers(&self, readers: &[String]) {
        let mut list = self.list.write();
        let mut changed = Vec::new();
        for slot in &list.slots {
            let attached = readers.contains(&slot.reader);
            if slot.attached.swap(attached, Ordering::AcqRel) != attached {
                changed.push(slot.id);
            }
        }
        for reader in readers {
            if list.slots.iter().all(|s| &s.reader != reader) {
                let id = list.slots.len() as CK_SLOT_ID;
                log::debug!("slot {id}: reader {reader:?}");
                list.slots.push(Arc::new(Slot {
                    id,
                    reader: reader.clone(),
                    attached: AtomicBool::new(true),
                    state: Mutex::new(SlotState::default()),
                    known: Mutex::new(Known::default()),
                }));
                changed.push(id);
            }
        }
        if list.enumerated {
            for id in changed {
                self.push_event(id);
            }
        }
        list.enumerated = true;
    }

    pub fn is_enumerated(&self) -> bool {
        self.list.read().enumerated
    }

    pub fn get(&self, id: CK_SLOT_ID) -> Result<Arc<Slot>, Rv> {
        let list = self.list.read();
        usize::try_from(id)
            .ok()
            .and_then(|i| list.slots.get(i))
            .cloned()
            .ok_or(Rv::SLOT_ID_INVALID)
    }

    pub fn attached(&self) -> Vec<Arc<Slot>> {
        let list = self.list.read();
        list.slots
            .iter()
            .filter(|s| s.is_attached())
            .cloned()
            .collect()
    }

    pub fn all(&self) -> Vec<Arc<Slot>> {
        self.list.read().slots.clone()
    }

    pub fn push_event(&self, id: CK_SLOT_ID) {
        let mut events = self.events.lock();
        if !events.contains(&id) {
            events.push_back(id);
        }
    }

    pub fn pop_event(&self) -> Option<CK_SLOT_ID> {
        self.events.lock().pop_front()
    }
}

impl Instance {
    /// Re-reads the reader list (C_GetSlotList with a NULL list, §5.5: the list the
    /// application sees changes only then). No PC/SC service: no readers, not an error.
    pub(super) fn refresh_readers(&self) {
        let readers = match self.system() {
            None => Vec::new(),
            Some(system) => match system.names() {
                Ok(readers) => readers,
                Err(e) => {
                    log::debug!("listing readers: {e}");
                    self.system_failed(&e);
                    Vec::new()
                }
            },
        };
        self.slots.update_readers(&readers);
    }

    /// Locks `slot` and brings its token up to date: binds a newly inserted card, drops a
    /// removed one (its sessions are closed, §5.6). Only this slot's lock is held while
    /// talking to the card.
    pub(super) fn probe<'a>(&self, slot: &'a Slot) -> MutexGuard<'a, SlotState> {
        self.refresh(slot, slot.state.lock())
    }

    /// `probe` for a query: when another thread holds the slot longer than `QUERY_WAIT`
    /// (it waits for a card another application holds), `None`, and the query answers from
    /// `Slot::known` (issue #10: slot and token queries answer within a bounded time).
    pub(super) fn probe_for_query<'a>(&self, slot: &'a Slot) -> Option<MutexGuard<'a, SlotState>> {
        let state = slot.state.try_lock_for(QUERY_WAIT)?;
        Some(self.refresh(slot, state))
    }

    /// What the last probe of `slot` found.
    pub(super) fn known(&self, slot: &Slot) -> Known {
        *slot.known.lock()
    }

    /// Records the token info a query built, for queries that cannot wait.
    pub(super) fn remember_token_info(&self, slot: &Slot, info: cryptoki_sys::CK_TOKEN_INFO) {
        slot.known.lock().token_info = Some(info);
    }

    fn refresh<'a>(
        &self,
        slot: &'a Slot,
        mut state: MutexGuard<'a, SlotState>,
    ) -> MutexGuard<'a, SlotState> {
        let present = match state.token.as_mut() {
            Some(_) if !slot.is_attached() => false,
            Some(token) => token.device.is_present(),
            None => true,
        };
        if !present {
            self.drop_token(slot, &mut state);
        } else if let Some(token) = state.token.as_mut() {
            token.follow_card_login();
        }
        // No new binding once C_Finalize has begun: it would only wait for PC/SC.
        if state.token.is_none() && slot.is_attached() && !self.is_shut_down() {
            self.bind(slot, &mut state);
        }
        state.observed = true;
        let mut known = slot.known.lock();
        known.present = state.token.is_some();
        if !known.present {
            known.token_info = None;
        }
        drop(known);
        state
    }

    /// The card is gone: forget the token and every session on it.
    pub(super) fn drop_token(&self, slot: &Slot, state: &mut SlotState) {
        if let Some(token) = state.token.take() {
            log::debug!("slot {}: token removed", slot.id);
            self.sessions.remove_binding(token.binding);
            self.slots.push_event(slot.id);
        }
        state.forget_card();
    }

    fn bind(&self, slot: &Slot, state: &mut SlotState) {
        let Some(system) = self.system() else {
            return;
        };
        let card = match system.insert(&slot.reader) {
            Ok(Some(card)) => card,
            Ok(None) => {
                state.forget_card();
                return;
            }
            Err(e) => {
                log::debug!("slot {}: connect: {e}", slot.id);
                self.system_failed(&e);
                state.forget_card();
                return;
            }
        };
        if state.unrecognized_atr.as_deref() == Some(card.atr()) {
            return;
        }
        if let Some((atr, at)) = &state.failed_bind {
            if atr.as_slice() == card.atr() && at.elapsed() < BIND_RETRY {
                return;
            }
        }
        let atr = card.atr().to_vec();
        match card.bind() {
            Ok(Some(device)) => {
                // A token may show more objects later (a CIE shows its key pair only after
                // login): reserve room so its handles never run into the next binding's.
                let first = self.fresh_handles(device.objects().len().max(RESERVED_HANDLES));
                let binding = self.fresh_handles(0);
                log::debug!("slot {}: token {:?} bound", slot.id, device.info().label);
                state.token = Some(BoundToken::new(device, binding, first));
                state.forget_card();
                if state.observed {
                    self.slots.push_event(slot.id);
                }
            }
            Ok(None) => {
                log::info!("slot {}: unsupported card, ATR {}", slot.id, hex(&atr));
                state.unrecognized_atr = Some(atr);
            }
            // Gone while it was read (pulled, not yet noticed by PC/SC): nothing to hold
            // against the card that comes next, even with the same ATR.
            Err(TokenError::DeviceRemoved) => {
                log::debug!("slot {}: the card went while it was read", slot.id);
                state.forget_card();
            }
            Err(e) => {
                log::warn!("slot {}: binding the card failed: {e:?}", slot.id);
                state.failed_bind = Some((atr, Instant::now()));
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn slot_ids_are_stable_across_reader_changes() {
        let table = SlotTable::default();
        table.update_readers(&names(&["A", "B"]));
        assert_eq!(table.get(0).unwrap().reader, "A");
        assert_eq!(table.get(1).unwrap().reader, "B");
        assert!(table.pop_event().is_none(), "first enumeration is no event");

        table.update_readers(&names(&["B", "C"]));
        assert!(!table.get(0).unwrap().is_attached());
        assert_eq!(table.get(2).unwrap().reader, "C");
        let attached: Vec<_> = table.attached().iter().map(|s| s.id).collect();
        assert_eq!(attached, vec![1, 2]);

        table.update_readers(&names(&["A", "B", "C"]));
        assert!(table.get(0).unwrap().is_attached(), "A keeps ID 0");
        assert_eq!(table.get(3).err(), Some(Rv::SLOT_ID_INVALID));
        let mut events = Vec::new();
        while let Some(e) = table.pop_event() {
            events.push(e);
        }
        assert_eq!(events, vec![0, 2]);
    }
}
