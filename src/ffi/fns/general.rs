//! General-purpose functions (PKCS#11 3.0 §5.4).

use super::answer;
use crate::cryptoki::info::module_info;
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::function_list::{FUNCTION_LIST_2_40, INTERFACES};
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::write;
use cryptoki_sys::*;
use std::ffi::{c_void, CStr};

ck_fn!(C_Initialize => initialize(*mut c_void));

/// C_Initialize (§5.4.1): race-free; CKF_OS_LOCKING_OK accepted, mutex callbacks
/// alone refused with CKR_CANT_LOCK; a forked child may initialize again.
unsafe fn initialize(p_init_args: *mut c_void) -> Result<(), Rv> {
    crate::logging::init();
    // SAFETY: `p_init_args` is NULL or a CK_C_INITIALIZE_ARGS.
    let args = unsafe { marshal::init_args(p_init_args) }?;
    module::initialize(args, crate::assembly::pcsc())
}

ck_fn!(C_Finalize => finalize(*mut c_void));

/// C_Finalize (§5.4.2): pReserved must be NULL; wakes C_WaitForSlotEvent.
unsafe fn finalize(p_reserved: *mut c_void) -> Result<(), Rv> {
    if !p_reserved.is_null() {
        // Not being initialized is reported first, as by every other function.
        module::instance()?;
        return Err(Rv::ARGUMENTS_BAD);
    }
    module::finalize()
}

ck_fn!(C_GetInfo => get_info(*mut CK_INFO));

/// C_GetInfo (§5.4.3).
unsafe fn get_info(p_info: *mut CK_INFO) -> Result<(), Rv> {
    // SAFETY: `p_info` is NULL or valid for writing a CK_INFO.
    unsafe { answer(p_info, |_| Ok(module_info())) }
}

ck_fn!(C_GetFunctionList => get_function_list(*mut *mut CK_FUNCTION_LIST));

/// C_GetFunctionList (§5.4.4): the PKCS#11 2.40 function list (version 2.40); callable
/// before C_Initialize.
unsafe fn get_function_list(pp_function_list: *mut *mut CK_FUNCTION_LIST) -> Result<(), Rv> {
    crate::logging::init();
    // SAFETY: `pp_function_list` is NULL or valid for writing a pointer (NULL is refused).
    unsafe {
        write(
            pp_function_list,
            &FUNCTION_LIST_2_40 as *const CK_FUNCTION_LIST as *mut _,
        )
    }
}

ck_fn!(C_GetInterfaceList => get_interface_list(*mut CK_INTERFACE, *mut CK_ULONG));

/// C_GetInterfaceList (§5.4.5): "PKCS 11" 3.0 and "PKCS 11" 2.40, with the §5.2
/// length convention; callable before C_Initialize.
unsafe fn get_interface_list(
    p_interfaces_list: *mut CK_INTERFACE,
    pul_count: *mut CK_ULONG,
) -> Result<(), Rv> {
    crate::logging::init();
    // SAFETY: `p_interfaces_list` and `pul_count` are NULL or valid as §5.2 gives them.
    unsafe { OutBuffer::new(p_interfaces_list, pul_count) }?.deliver(&INTERFACES.0)?;
    Ok(())
}

ck_fn!(C_GetInterface => get_interface(*mut CK_UTF8CHAR, *mut CK_VERSION, *mut *mut CK_INTERFACE, CK_FLAGS));

/// C_GetInterface (§5.4.6): by name ("PKCS 11" or NULL for the default, 3.0), version
/// (NULL: any) and flags (all requested flags must be offered). No match:
/// CKR_ARGUMENTS_BAD. The returned structure belongs to the module.
unsafe fn get_interface(
    p_interface_name: *mut CK_UTF8CHAR,
    p_version: *mut CK_VERSION,
    pp_interface: *mut *mut CK_INTERFACE,
    flags: CK_FLAGS,
) -> Result<(), Rv> {
    crate::logging::init();
    if pp_interface.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    let name = if p_interface_name.is_null() {
        None
    } else {
        // SAFETY: a non-NULL interface name is a NUL-terminated string (§5.4.6).
        Some(unsafe { CStr::from_ptr(p_interface_name as *const std::ffi::c_char) }.to_bytes())
    };
    let version = if p_version.is_null() {
        None
    } else {
        // SAFETY: a non-NULL pVersion points to a CK_VERSION (§5.4.6).
        Some(unsafe { *p_version })
    };
    let found = INTERFACES
        .0
        .iter()
        .zip(INTERFACES.1.iter())
        .find(|(interface, v)| {
            name.is_none_or(|n| n == b"PKCS 11")
                && version.is_none_or(|w| w.major == v.major && w.minor == v.minor)
                && interface.flags & flags == flags
        });
    let (interface, _) = found.ok_or(Rv::ARGUMENTS_BAD)?;
    // SAFETY: `pp_interface` is NULL or valid for writing one value (NULL is refused).
    unsafe { write(pp_interface, interface as *const CK_INTERFACE as *mut _) }
}
