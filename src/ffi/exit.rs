//! The module's destructor: a process that exits without C_Finalize (pkcs11-tool killed
//! by an error path, a browser that just quits) still ends its logins, so that a TS-CNS it
//! unlocked is reset rather than left signing for anyone (issue #11). It runs from the ELF
//! `.fini_array` at exit() or dlclose(); a process killed by a signal runs nothing.

/// Called by the dynamic loader; never unwinds into it.
extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(crate::cryptoki::module::at_exit);
}

// SAFETY (link_section): the entry is a plain `extern "C" fn()` pointer, which is exactly
// what the loader calls from `.fini_array`.
#[used]
#[link_section = ".fini_array"]
static FINI: extern "C" fn() = at_exit;
