//! The built cdylib loaded through the `cryptoki` crate, exactly as an application loads it.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::slot::Slot;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::harness::{module_path, PcscDaemon};

/// One initialized module per test process (C_Initialize is process-wide).
pub fn pkcs11() -> &'static Pkcs11 {
    static MODULE: OnceLock<Pkcs11> = OnceLock::new();
    MODULE.get_or_init(|| {
        // The public-data cache of this test process, unless the test chose one: never the
        // cache of the user running the tests.
        if std::env::var_os("XDG_CACHE_HOME").is_none() {
            std::env::set_var(
                "XDG_CACHE_HOME",
                super::harness::scratch_dir("public-data-cache"),
            );
        }
        PcscDaemon::shared();
        let module = Pkcs11::new(module_path()).expect("load the cdylib");
        module
            .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .expect("C_Initialize");
        module
    })
}

/// A public-data cache of this test process's own: `name` in this run's scratch directory, set
/// as XDG_CACHE_HOME once (before the module initializes, for `pkcs11()` to keep it).
pub fn private_cache(name: &str) -> &'static PathBuf {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = super::harness::scratch_dir(name);
        std::env::set_var("XDG_CACHE_HOME", &dir);
        dir
    })
}

/// The slot of reader `index` of the shared daemon, found by its description.
pub fn slot_of_reader(index: u16) -> Slot {
    let name = PcscDaemon::shared().reader_name(index);
    let module = pkcs11();
    for slot in module.get_all_slots().expect("C_GetSlotList") {
        let info = module.get_slot_info(slot).expect("C_GetSlotInfo");
        if info.slot_description().trim_end() == name {
            return slot;
        }
    }
    panic!("no slot for reader {name}");
}

/// Serializes the tests of one binary: they share the module and the cards.
pub fn serial() -> parking_lot::MutexGuard<'static, ()> {
    static LOCK: parking_lot::Mutex<()> = parking_lot::Mutex::new(());
    LOCK.lock()
}
