//! The module's global lifecycle: C_Initialize / C_Finalize (PKCS#11 3.0 §5.4), and fork.
//!
//! One `ModuleCell` holds the initialized `Instance` and the pid that created it. Every
//! call goes through `ModuleCell::instance`, which hands out an `Arc` and releases the
//! lock at once: no global lock is held while a slot talks to its card.
//!
//! Fork: a child inherits the parent's memory, including its PC/SC context and card
//! handles, which belong to the parent's connection to pcscd. The child must never use
//! (nor release) them, so an instance created under another pid is leaked, unused, and
//! the child sees an uninitialized module it can initialize again (§5.4 C_Initialize;
//! `pkcs11-tool --test-fork`).

use super::instance::Instance;
use super::readers::Backend;
use super::Rv;
use cryptoki_sys::*;
use parking_lot::RwLock;
use std::sync::Arc;

/// The mutex callbacks of CK_C_INITIALIZE_ARGS, as the caller offered them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MutexCallbacks {
    None,
    All,
    /// Some but not all four: CKR_ARGUMENTS_BAD (§5.4 C_Initialize).
    Partial,
}

/// CK_C_INITIALIZE_ARGS, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitArgs {
    pub callbacks: MutexCallbacks,
    pub flags: CK_FLAGS,
    pub reserved_is_null: bool,
}

impl InitArgs {
    /// C_Initialize(NULL): the application will not call us from several threads at once.
    pub const NONE: InitArgs = InitArgs {
        callbacks: MutexCallbacks::None,
        flags: 0,
        reserved_is_null: true,
    };

    /// §5.4 C_Initialize: the four cases of locking. The module always uses its own
    /// (OS) locks, which is allowed whenever CKF_OS_LOCKING_OK is set or no callbacks
    /// are given; with callbacks only, the module cannot use them and says CKR_CANT_LOCK.
    pub fn validate(&self) -> Result<(), Rv> {
        if !self.reserved_is_null {
            return Err(Rv::ARGUMENTS_BAD);
        }
        match self.callbacks {
            MutexCallbacks::Partial => Err(Rv::ARGUMENTS_BAD),
            MutexCallbacks::All if self.flags & CKF_OS_LOCKING_OK == 0 => Err(Rv(CKR_CANT_LOCK)),
            MutexCallbacks::All | MutexCallbacks::None => Ok(()),
        }
    }
}

struct Initialized {
    pid: u32,
    instance: Arc<Instance>,
}

/// The global state of the module.
pub struct ModuleCell {
    state: RwLock<Option<Initialized>>,
}

impl Default for ModuleCell {
    fn default() -> Self {
        Self::new()
    }
}

impl ModuleCell {
    pub const fn new() -> ModuleCell {
        ModuleCell {
            state: RwLock::new(None),
        }
    }

    /// C_Initialize. Under the write lock, so concurrent callers serialize: exactly one
    /// finds the cell empty and wins, the rest get CKR_CRYPTOKI_ALREADY_INITIALIZED.
    pub fn initialize(&self, args: InitArgs, pid: u32, backend: Backend) -> Result<(), Rv> {
        args.validate()?;
        let mut state = self.state.write();
        if let Some(current) = state.take() {
            if current.pid == pid {
                *state = Some(current);
                return Err(Rv(CKR_CRYPTOKI_ALREADY_INITIALIZED));
            }
            forget_inherited(current);
        }
        *state = Some(Initialized {
            pid,
            instance: Arc::new(Instance::new(backend)),
        });
        log::debug!("initialized (pid {pid})");
        Ok(())
    }

    /// C_Finalize: wakes any C_WaitForSlotEvent, then drops the instance (cards are
    /// disconnected when the last call still using it returns).
    pub fn finalize(&self, pid: u32) -> Result<(), Rv> {
        let taken = self.state.write().take();
        match taken {
            Some(current) if current.pid == pid => {
                // Outside the lock: logging out may wait for a card operation to finish,
                // and a new C_Initialize need not wait for that.
                current.instance.shut_down();
                log::debug!("finalized");
                Ok(())
            }
            Some(inherited) => {
                forget_inherited(inherited);
                Err(Rv::NOT_INITIALIZED)
            }
            None => Err(Rv::NOT_INITIALIZED),
        }
    }

    /// The instance for a call from process `pid`; CKR_CRYPTOKI_NOT_INITIALIZED before
    /// C_Initialize, after C_Finalize, and in a forked child that has not initialized.
    pub fn instance(&self, pid: u32) -> Result<Arc<Instance>, Rv> {
        {
            let state = self.state.read();
            match state.as_ref() {
                None => return Err(Rv::NOT_INITIALIZED),
                Some(current) if current.pid == pid => return Ok(current.instance.clone()),
                Some(_) => {}
            }
        }
        // Inherited from the parent: discard it for good, so that the child's next
        // C_Initialize starts clean.
        let mut state = self.state.write();
        if let Some(current) = state.take() {
            if current.pid == pid {
                let instance = current.instance.clone();
                *state = Some(current);
                return Ok(instance);
            }
            forget_inherited(current);
        }
        Err(Rv::NOT_INITIALIZED)
    }
}

impl ModuleCell {
    /// The process exits without C_Finalize: end this process's logins as C_Finalize
    /// would (a TS-CNS it unlocked is reset, issue #11). A forked child's exit leaves the
    /// parent's cards alone; locks another thread holds are waited for `wait` at most.
    pub fn at_exit(&self, pid: u32, wait: std::time::Duration) {
        let Some(state) = self.state.try_read_for(wait) else {
            return;
        };
        if let Some(current) = state.as_ref().filter(|c| c.pid == pid) {
            current.instance.log_out_all_at_exit(wait);
        }
    }
}

/// The module's destructor (ffi): `ModuleCell::at_exit` on the global state.
pub fn at_exit() {
    MODULE.at_exit(current_pid(), std::time::Duration::from_millis(500));
}

/// Leaks the parent's instance in a forked child: dropping it would release the parent's
/// PC/SC context and card handles, which live in pcscd on the parent's behalf.
fn forget_inherited(inherited: Initialized) {
    log::debug!(
        "discarding state inherited from pid {} after fork",
        inherited.pid
    );
    std::mem::forget(inherited.instance);
}

/// The module's one global state.
pub static MODULE: ModuleCell = ModuleCell::new();

/// The current process id, for fork detection.
pub fn current_pid() -> u32 {
    std::process::id()
}

/// The instance for the calling process (every function but C_Initialize / C_Finalize).
pub fn instance() -> Result<Arc<Instance>, Rv> {
    MODULE.instance(current_pid())
}

/// C_Initialize on the global state, with the readers `backend` reaches (the module
/// passes PC/SC's, `crate::assembly`).
pub fn initialize(args: InitArgs, backend: Backend) -> Result<(), Rv> {
    MODULE.initialize(args, current_pid(), backend)
}

/// C_Finalize on the global state.
pub fn finalize() -> Result<(), Rv> {
    MODULE.finalize(current_pid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cryptoki::testing::fake_backend;

    fn args(callbacks: MutexCallbacks, flags: CK_FLAGS) -> InitArgs {
        InitArgs {
            callbacks,
            flags,
            reserved_is_null: true,
        }
    }

    #[test]
    fn locking_cases_of_c_initialize() {
        assert_eq!(InitArgs::NONE.validate(), Ok(()));
        assert_eq!(
            args(MutexCallbacks::None, CKF_OS_LOCKING_OK).validate(),
            Ok(())
        );
        assert_eq!(
            args(MutexCallbacks::All, CKF_OS_LOCKING_OK).validate(),
            Ok(())
        );
        assert_eq!(
            args(MutexCallbacks::All, 0).validate(),
            Err(Rv(CKR_CANT_LOCK))
        );
        assert_eq!(
            args(MutexCallbacks::Partial, CKF_OS_LOCKING_OK).validate(),
            Err(Rv::ARGUMENTS_BAD)
        );
        let reserved = InitArgs {
            reserved_is_null: false,
            ..InitArgs::NONE
        };
        assert_eq!(reserved.validate(), Err(Rv::ARGUMENTS_BAD));
    }

    #[test]
    fn initialize_finalize_cycle() {
        let cell = ModuleCell::new();
        assert_eq!(cell.instance(1).err(), Some(Rv::NOT_INITIALIZED));
        assert_eq!(cell.finalize(1), Err(Rv::NOT_INITIALIZED));
        cell.initialize(InitArgs::NONE, 1, fake_backend()).unwrap();
        assert_eq!(
            cell.initialize(InitArgs::NONE, 1, fake_backend()),
            Err(Rv(CKR_CRYPTOKI_ALREADY_INITIALIZED))
        );
        assert!(cell.instance(1).is_ok());
        cell.finalize(1).unwrap();
        assert_eq!(cell.instance(1).err(), Some(Rv::NOT_INITIALIZED));
        cell.initialize(InitArgs::NONE, 1, fake_backend()).unwrap();
    }

    #[test]
    fn concurrent_initialize_has_exactly_one_winner() {
        let cell = Arc::new(ModuleCell::new());
        let barrier = Arc::new(std::sync::Barrier::new(16));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let cell = cell.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    cell.initialize(InitArgs::NONE, 7, fake_backend())
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| *r == Err(Rv(CKR_CRYPTOKI_ALREADY_INITIALIZED))));
    }

    #[test]
    fn forked_child_discards_inherited_state_and_can_initialize() {
        let cell = ModuleCell::new();
        cell.initialize(InitArgs::NONE, 100, fake_backend())
            .unwrap();
        // The "child" (another pid) sees an uninitialized module …
        assert_eq!(cell.instance(200).err(), Some(Rv::NOT_INITIALIZED));
        // … and can initialize it, without CKR_CRYPTOKI_ALREADY_INITIALIZED.
        cell.initialize(InitArgs::NONE, 200, fake_backend())
            .unwrap();
        assert!(cell.instance(200).is_ok());
        // A child initializing directly (no call in between) works too.
        cell.initialize(InitArgs::NONE, 300, fake_backend())
            .unwrap();
        assert_eq!(cell.finalize(200), Err(Rv::NOT_INITIALIZED));
    }
}
