//! General-purpose functions (PKCS#11 3.0 §5.4).

use crate::cryptoki::info::module_info;
use crate::cryptoki::module;
use crate::cryptoki::Rv;
use crate::ffi::function_list::{FUNCTION_LIST_2_40, INTERFACES};
use crate::ffi::marshal;
use crate::ffi::out_buffer::OutBuffer;
use crate::ffi::ptr::write;
use cryptoki_sys::*;
use std::ffi::{c_void, CStr};

ck_fn! {
    /// C_Initialize (§5.4.1): race-free; CKF_OS_LOCKING_OK accepted, mutex callbacks
    /// alone refused with CKR_CANT_LOCK; a forked child may initialize again.
    fn C_Initialize(p_init_args: *mut c_void) {
        crate::logging::init();
        let args = marshal::init_args(p_init_args)?;
        module::initialize(args, crate::assembly::pcsc())
    }
}

ck_fn! {
    /// C_Finalize (§5.4.2): pReserved must be NULL; wakes C_WaitForSlotEvent.
    fn C_Finalize(p_reserved: *mut c_void) {
        if !p_reserved.is_null() {
            // Not being initialized is reported first, as by every other function.
            module::instance()?;
            return Err(Rv::ARGUMENTS_BAD);
        }
        module::finalize()
    }
}

ck_fn! {
    /// C_GetInfo (§5.4.3).
    fn C_GetInfo(p_info: *mut CK_INFO) {
        module::instance()?;
        write(p_info, module_info())
    }
}

ck_fn! {
    /// C_GetFunctionList (§5.4.4): the PKCS#11 2.40 function list (version 2.40); callable
    /// before C_Initialize.
    fn C_GetFunctionList(pp_function_list: *mut *mut CK_FUNCTION_LIST) {
        crate::logging::init();
        write(pp_function_list, &FUNCTION_LIST_2_40 as *const CK_FUNCTION_LIST as *mut _)
    }
}

ck_fn! {
    /// C_GetInterfaceList (§5.4.5): "PKCS 11" 3.0 and "PKCS 11" 2.40, with the §5.2
    /// length convention; callable before C_Initialize.
    fn C_GetInterfaceList(p_interfaces_list: *mut CK_INTERFACE, pul_count: *mut CK_ULONG) {
        crate::logging::init();
        OutBuffer::new(p_interfaces_list, pul_count)?.deliver(&INTERFACES.0)?;
        Ok(())
    }
}

ck_fn! {
    /// C_GetInterface (§5.4.6): by name ("PKCS 11" or NULL for the default, 3.0), version
    /// (NULL: any) and flags (all requested flags must be offered). No match:
    /// CKR_ARGUMENTS_BAD. The returned structure belongs to the module.
    fn C_GetInterface(
        p_interface_name: *mut CK_UTF8CHAR,
        p_version: *mut CK_VERSION,
        pp_interface: *mut *mut CK_INTERFACE,
        flags: CK_FLAGS,
    ) {
        crate::logging::init();
        if pp_interface.is_null() {
            return Err(Rv::ARGUMENTS_BAD);
        }
        let name = if p_interface_name.is_null() {
            None
        } else {
            Some(CStr::from_ptr(p_interface_name as *const std::ffi::c_char).to_bytes())
        };
        let version = if p_version.is_null() { None } else { Some(*p_version) };
        let found = INTERFACES.0.iter().zip(INTERFACES.1.iter()).find(|(interface, v)| {
            name.is_none_or(|n| n == b"PKCS 11")
                && version.is_none_or(|w| w.major == v.major && w.minor == v.minor)
                && interface.flags & flags == flags
        });
        let (interface, _) = found.ok_or(Rv::ARGUMENTS_BAD)?;
        write(pp_interface, interface as *const CK_INTERFACE as *mut _)
    }
}
