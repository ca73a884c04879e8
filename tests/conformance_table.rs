//! Checks pkcs11-spec/functions.tsv against the module's exported function list
//! (CK_FUNCTION_LIST_3_0 from C_GetInterface, in-process through the rlib):
//! - every function of the list has exactly one row, in list order, and vice versa
//!   (the list is destructured exhaustively: a field missing here does not compile);
//! - every documented code is a known CKR_ value;
//! - before C_Initialize every function but the four entry points returns
//!   CKR_CRYPTOKI_NOT_INITIALIZED;
//! - after C_Initialize every "not-supported" row's function returns its documented code
//!   when called with dummy (NULL / 0) arguments.

#![allow(non_snake_case)]

use cie_cns_pkcs11::{C_GetFunctionList, C_GetInterface};
use cryptoki_sys::*;

const TABLE: &str = include_str!("../pkcs11-spec/functions.tsv");

struct Row {
    function: String,
    status: String,
    returns: Vec<String>,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("function\t"))
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(columns.len(), 5, "five columns: {line}");
            Row {
                function: columns[0].to_string(),
                status: columns[2].to_string(),
                returns: columns[3].split(',').map(str::to_string).collect(),
            }
        })
        .collect()
}

fn interface_3_0() -> &'static CK_FUNCTION_LIST_3_0 {
    let mut interface: *mut CK_INTERFACE = std::ptr::null_mut();
    let mut version = CK_VERSION { major: 3, minor: 0 };
    let rv = unsafe {
        C_GetInterface(
            c"PKCS 11".as_ptr() as *mut u8,
            &mut version,
            &mut interface,
            0,
        )
    };
    assert_eq!(rv, CKR_OK);
    unsafe { &*((*interface).pFunctionList as *const CK_FUNCTION_LIST_3_0) }
}

/// (name, present) for every field, in order. No `..`: the compiler checks completeness.
fn exported(list: &CK_FUNCTION_LIST_3_0) -> Vec<(&'static str, bool)> {
    let CK_FUNCTION_LIST_3_0 {
        version: _,
        C_Initialize,
        C_Finalize,
        C_GetInfo,
        C_GetFunctionList,
        C_GetSlotList,
        C_GetSlotInfo,
        C_GetTokenInfo,
        C_GetMechanismList,
        C_GetMechanismInfo,
        C_InitToken,
        C_InitPIN,
        C_SetPIN,
        C_OpenSession,
        C_CloseSession,
        C_CloseAllSessions,
        C_GetSessionInfo,
        C_GetOperationState,
        C_SetOperationState,
        C_Login,
        C_Logout,
        C_CreateObject,
        C_CopyObject,
        C_DestroyObject,
        C_GetObjectSize,
        C_GetAttributeValue,
        C_SetAttributeValue,
        C_FindObjectsInit,
        C_FindObjects,
        C_FindObjectsFinal,
        C_EncryptInit,
        C_Encrypt,
        C_EncryptUpdate,
        C_EncryptFinal,
        C_DecryptInit,
        C_Decrypt,
        C_DecryptUpdate,
        C_DecryptFinal,
        C_DigestInit,
        C_Digest,
        C_DigestUpdate,
        C_DigestKey,
        C_DigestFinal,
        C_SignInit,
        C_Sign,
        C_SignUpdate,
        C_SignFinal,
        C_SignRecoverInit,
        C_SignRecover,
        C_VerifyInit,
        C_Verify,
        C_VerifyUpdate,
        C_VerifyFinal,
        C_VerifyRecoverInit,
        C_VerifyRecover,
        C_DigestEncryptUpdate,
        C_DecryptDigestUpdate,
        C_SignEncryptUpdate,
        C_DecryptVerifyUpdate,
        C_GenerateKey,
        C_GenerateKeyPair,
        C_WrapKey,
        C_UnwrapKey,
        C_DeriveKey,
        C_SeedRandom,
        C_GenerateRandom,
        C_GetFunctionStatus,
        C_CancelFunction,
        C_WaitForSlotEvent,
        C_GetInterfaceList,
        C_GetInterface,
        C_LoginUser,
        C_SessionCancel,
        C_MessageEncryptInit,
        C_EncryptMessage,
        C_EncryptMessageBegin,
        C_EncryptMessageNext,
        C_MessageEncryptFinal,
        C_MessageDecryptInit,
        C_DecryptMessage,
        C_DecryptMessageBegin,
        C_DecryptMessageNext,
        C_MessageDecryptFinal,
        C_MessageSignInit,
        C_SignMessage,
        C_SignMessageBegin,
        C_SignMessageNext,
        C_MessageSignFinal,
        C_MessageVerifyInit,
        C_VerifyMessage,
        C_VerifyMessageBegin,
        C_VerifyMessageNext,
        C_MessageVerifyFinal,
    } = *list;
    vec![
        ("C_Initialize", C_Initialize.is_some()),
        ("C_Finalize", C_Finalize.is_some()),
        ("C_GetInfo", C_GetInfo.is_some()),
        ("C_GetFunctionList", C_GetFunctionList.is_some()),
        ("C_GetSlotList", C_GetSlotList.is_some()),
        ("C_GetSlotInfo", C_GetSlotInfo.is_some()),
        ("C_GetTokenInfo", C_GetTokenInfo.is_some()),
        ("C_GetMechanismList", C_GetMechanismList.is_some()),
        ("C_GetMechanismInfo", C_GetMechanismInfo.is_some()),
        ("C_InitToken", C_InitToken.is_some()),
        ("C_InitPIN", C_InitPIN.is_some()),
        ("C_SetPIN", C_SetPIN.is_some()),
        ("C_OpenSession", C_OpenSession.is_some()),
        ("C_CloseSession", C_CloseSession.is_some()),
        ("C_CloseAllSessions", C_CloseAllSessions.is_some()),
        ("C_GetSessionInfo", C_GetSessionInfo.is_some()),
        ("C_GetOperationState", C_GetOperationState.is_some()),
        ("C_SetOperationState", C_SetOperationState.is_some()),
        ("C_Login", C_Login.is_some()),
        ("C_Logout", C_Logout.is_some()),
        ("C_CreateObject", C_CreateObject.is_some()),
        ("C_CopyObject", C_CopyObject.is_some()),
        ("C_DestroyObject", C_DestroyObject.is_some()),
        ("C_GetObjectSize", C_GetObjectSize.is_some()),
        ("C_GetAttributeValue", C_GetAttributeValue.is_some()),
        ("C_SetAttributeValue", C_SetAttributeValue.is_some()),
        ("C_FindObjectsInit", C_FindObjectsInit.is_some()),
        ("C_FindObjects", C_FindObjects.is_some()),
        ("C_FindObjectsFinal", C_FindObjectsFinal.is_some()),
        ("C_EncryptInit", C_EncryptInit.is_some()),
        ("C_Encrypt", C_Encrypt.is_some()),
        ("C_EncryptUpdate", C_EncryptUpdate.is_some()),
        ("C_EncryptFinal", C_EncryptFinal.is_some()),
        ("C_DecryptInit", C_DecryptInit.is_some()),
        ("C_Decrypt", C_Decrypt.is_some()),
        ("C_DecryptUpdate", C_DecryptUpdate.is_some()),
        ("C_DecryptFinal", C_DecryptFinal.is_some()),
        ("C_DigestInit", C_DigestInit.is_some()),
        ("C_Digest", C_Digest.is_some()),
        ("C_DigestUpdate", C_DigestUpdate.is_some()),
        ("C_DigestKey", C_DigestKey.is_some()),
        ("C_DigestFinal", C_DigestFinal.is_some()),
        ("C_SignInit", C_SignInit.is_some()),
        ("C_Sign", C_Sign.is_some()),
        ("C_SignUpdate", C_SignUpdate.is_some()),
        ("C_SignFinal", C_SignFinal.is_some()),
        ("C_SignRecoverInit", C_SignRecoverInit.is_some()),
        ("C_SignRecover", C_SignRecover.is_some()),
        ("C_VerifyInit", C_VerifyInit.is_some()),
        ("C_Verify", C_Verify.is_some()),
        ("C_VerifyUpdate", C_VerifyUpdate.is_some()),
        ("C_VerifyFinal", C_VerifyFinal.is_some()),
        ("C_VerifyRecoverInit", C_VerifyRecoverInit.is_some()),
        ("C_VerifyRecover", C_VerifyRecover.is_some()),
        ("C_DigestEncryptUpdate", C_DigestEncryptUpdate.is_some()),
        ("C_DecryptDigestUpdate", C_DecryptDigestUpdate.is_some()),
        ("C_SignEncryptUpdate", C_SignEncryptUpdate.is_some()),
        ("C_DecryptVerifyUpdate", C_DecryptVerifyUpdate.is_some()),
        ("C_GenerateKey", C_GenerateKey.is_some()),
        ("C_GenerateKeyPair", C_GenerateKeyPair.is_some()),
        ("C_WrapKey", C_WrapKey.is_some()),
        ("C_UnwrapKey", C_UnwrapKey.is_some()),
        ("C_DeriveKey", C_DeriveKey.is_some()),
        ("C_SeedRandom", C_SeedRandom.is_some()),
        ("C_GenerateRandom", C_GenerateRandom.is_some()),
        ("C_GetFunctionStatus", C_GetFunctionStatus.is_some()),
        ("C_CancelFunction", C_CancelFunction.is_some()),
        ("C_WaitForSlotEvent", C_WaitForSlotEvent.is_some()),
        ("C_GetInterfaceList", C_GetInterfaceList.is_some()),
        ("C_GetInterface", C_GetInterface.is_some()),
        ("C_LoginUser", C_LoginUser.is_some()),
        ("C_SessionCancel", C_SessionCancel.is_some()),
        ("C_MessageEncryptInit", C_MessageEncryptInit.is_some()),
        ("C_EncryptMessage", C_EncryptMessage.is_some()),
        ("C_EncryptMessageBegin", C_EncryptMessageBegin.is_some()),
        ("C_EncryptMessageNext", C_EncryptMessageNext.is_some()),
        ("C_MessageEncryptFinal", C_MessageEncryptFinal.is_some()),
        ("C_MessageDecryptInit", C_MessageDecryptInit.is_some()),
        ("C_DecryptMessage", C_DecryptMessage.is_some()),
        ("C_DecryptMessageBegin", C_DecryptMessageBegin.is_some()),
        ("C_DecryptMessageNext", C_DecryptMessageNext.is_some()),
        ("C_MessageDecryptFinal", C_MessageDecryptFinal.is_some()),
        ("C_MessageSignInit", C_MessageSignInit.is_some()),
        ("C_SignMessage", C_SignMessage.is_some()),
        ("C_SignMessageBegin", C_SignMessageBegin.is_some()),
        ("C_SignMessageNext", C_SignMessageNext.is_some()),
        ("C_MessageSignFinal", C_MessageSignFinal.is_some()),
        ("C_MessageVerifyInit", C_MessageVerifyInit.is_some()),
        ("C_VerifyMessage", C_VerifyMessage.is_some()),
        ("C_VerifyMessageBegin", C_VerifyMessageBegin.is_some()),
        ("C_VerifyMessageNext", C_VerifyMessageNext.is_some()),
        ("C_MessageVerifyFinal", C_MessageVerifyFinal.is_some()),
    ]
}

fn code(name: &str) -> CK_RV {
    match name {
        "CKR_ACTION_PROHIBITED" => CKR_ACTION_PROHIBITED,
        "CKR_ARGUMENTS_BAD" => CKR_ARGUMENTS_BAD,
        "CKR_ATTRIBUTE_SENSITIVE" => CKR_ATTRIBUTE_SENSITIVE,
        "CKR_ATTRIBUTE_TYPE_INVALID" => CKR_ATTRIBUTE_TYPE_INVALID,
        "CKR_BUFFER_TOO_SMALL" => CKR_BUFFER_TOO_SMALL,
        "CKR_CANT_LOCK" => CKR_CANT_LOCK,
        "CKR_CRYPTOKI_ALREADY_INITIALIZED" => CKR_CRYPTOKI_ALREADY_INITIALIZED,
        "CKR_CRYPTOKI_NOT_INITIALIZED" => CKR_CRYPTOKI_NOT_INITIALIZED,
        "CKR_DATA_LEN_RANGE" => CKR_DATA_LEN_RANGE,
        "CKR_DEVICE_ERROR" => CKR_DEVICE_ERROR,
        "CKR_DEVICE_REMOVED" => CKR_DEVICE_REMOVED,
        "CKR_FUNCTION_NOT_PARALLEL" => CKR_FUNCTION_NOT_PARALLEL,
        "CKR_FUNCTION_NOT_SUPPORTED" => CKR_FUNCTION_NOT_SUPPORTED,
        "CKR_GENERAL_ERROR" => CKR_GENERAL_ERROR,
        "CKR_KEY_FUNCTION_NOT_PERMITTED" => CKR_KEY_FUNCTION_NOT_PERMITTED,
        "CKR_KEY_HANDLE_INVALID" => CKR_KEY_HANDLE_INVALID,
        "CKR_MECHANISM_INVALID" => CKR_MECHANISM_INVALID,
        "CKR_MECHANISM_PARAM_INVALID" => CKR_MECHANISM_PARAM_INVALID,
        "CKR_NO_EVENT" => CKR_NO_EVENT,
        "CKR_OBJECT_HANDLE_INVALID" => CKR_OBJECT_HANDLE_INVALID,
        "CKR_OK" => CKR_OK,
        "CKR_OPERATION_ACTIVE" => CKR_OPERATION_ACTIVE,
        "CKR_OPERATION_NOT_INITIALIZED" => CKR_OPERATION_NOT_INITIALIZED,
        "CKR_PIN_INCORRECT" => CKR_PIN_INCORRECT,
        "CKR_PIN_INVALID" => CKR_PIN_INVALID,
        "CKR_PIN_LEN_RANGE" => CKR_PIN_LEN_RANGE,
        "CKR_PIN_LOCKED" => CKR_PIN_LOCKED,
        "CKR_RANDOM_NO_RNG" => CKR_RANDOM_NO_RNG,
        "CKR_SESSION_HANDLE_INVALID" => CKR_SESSION_HANDLE_INVALID,
        "CKR_SESSION_PARALLEL_NOT_SUPPORTED" => CKR_SESSION_PARALLEL_NOT_SUPPORTED,
        "CKR_SESSION_READ_ONLY" => CKR_SESSION_READ_ONLY,
        "CKR_SESSION_READ_ONLY_EXISTS" => CKR_SESSION_READ_ONLY_EXISTS,
        "CKR_SESSION_READ_WRITE_SO_EXISTS" => CKR_SESSION_READ_WRITE_SO_EXISTS,
        "CKR_SLOT_ID_INVALID" => CKR_SLOT_ID_INVALID,
        "CKR_TOKEN_NOT_PRESENT" => CKR_TOKEN_NOT_PRESENT,
        "CKR_TOKEN_WRITE_PROTECTED" => CKR_TOKEN_WRITE_PROTECTED,
        "CKR_USER_ALREADY_LOGGED_IN" => CKR_USER_ALREADY_LOGGED_IN,
        "CKR_USER_ANOTHER_ALREADY_LOGGED_IN" => CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
        "CKR_USER_NOT_LOGGED_IN" => CKR_USER_NOT_LOGGED_IN,
        "CKR_USER_TYPE_INVALID" => CKR_USER_TYPE_INVALID,
        "CKR_FUNCTION_FAILED" => CKR_FUNCTION_FAILED,
        other => panic!("unknown return code {other} in functions.tsv"),
    }
}

/// Calls `name` with NULL pointers and zero values.
unsafe fn call_with_dummies(list: &CK_FUNCTION_LIST_3_0, name: &str) -> Option<CK_RV> {
    Some(match name {
        "C_Initialize" => (list.C_Initialize?)(std::ptr::null_mut()),
        "C_Finalize" => (list.C_Finalize?)(std::ptr::null_mut()),
        "C_GetInfo" => (list.C_GetInfo?)(std::ptr::null_mut()),
        "C_GetFunctionList" => (list.C_GetFunctionList?)(std::ptr::null_mut()),
        "C_GetSlotList" => (list.C_GetSlotList?)(0, std::ptr::null_mut(), std::ptr::null_mut()),
        "C_GetSlotInfo" => (list.C_GetSlotInfo?)(0, std::ptr::null_mut()),
        "C_GetTokenInfo" => (list.C_GetTokenInfo?)(0, std::ptr::null_mut()),
        "C_GetMechanismList" => {
            (list.C_GetMechanismList?)(0, std::ptr::null_mut(), std::ptr::null_mut())
        }
        "C_GetMechanismInfo" => (list.C_GetMechanismInfo?)(0, 0, std::ptr::null_mut()),
        "C_InitToken" => (list.C_InitToken?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut()),
        "C_InitPIN" => (list.C_InitPIN?)(0, std::ptr::null_mut(), 0),
        "C_SetPIN" => (list.C_SetPIN?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut(), 0),
        "C_OpenSession" => {
            (list.C_OpenSession?)(0, 0, std::ptr::null_mut(), None, std::ptr::null_mut())
        }
        "C_CloseSession" => (list.C_CloseSession?)(0),
        "C_CloseAllSessions" => (list.C_CloseAllSessions?)(0),
        "C_GetSessionInfo" => (list.C_GetSessionInfo?)(0, std::ptr::null_mut()),
        "C_GetOperationState" => {
            (list.C_GetOperationState?)(0, std::ptr::null_mut(), std::ptr::null_mut())
        }
        "C_SetOperationState" => (list.C_SetOperationState?)(0, std::ptr::null_mut(), 0, 0, 0),
        "C_Login" => (list.C_Login?)(0, 0, std::ptr::null_mut(), 0),
        "C_Logout" => (list.C_Logout?)(0),
        "C_CreateObject" => {
            (list.C_CreateObject?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut())
        }
        "C_CopyObject" => (list.C_CopyObject?)(0, 0, std::ptr::null_mut(), 0, std::ptr::null_mut()),
        "C_DestroyObject" => (list.C_DestroyObject?)(0, 0),
        "C_GetObjectSize" => (list.C_GetObjectSize?)(0, 0, std::ptr::null_mut()),
        "C_GetAttributeValue" => (list.C_GetAttributeValue?)(0, 0, std::ptr::null_mut(), 0),
        "C_SetAttributeValue" => (list.C_SetAttributeValue?)(0, 0, std::ptr::null_mut(), 0),
        "C_FindObjectsInit" => (list.C_FindObjectsInit?)(0, std::ptr::null_mut(), 0),
        "C_FindObjects" => (list.C_FindObjects?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut()),
        "C_FindObjectsFinal" => (list.C_FindObjectsFinal?)(0),
        "C_EncryptInit" => (list.C_EncryptInit?)(0, std::ptr::null_mut(), 0),
        "C_Encrypt" => (list.C_Encrypt?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_EncryptUpdate" => (list.C_EncryptUpdate?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_EncryptFinal" => (list.C_EncryptFinal?)(0, std::ptr::null_mut(), std::ptr::null_mut()),
        "C_DecryptInit" => (list.C_DecryptInit?)(0, std::ptr::null_mut(), 0),
        "C_Decrypt" => (list.C_Decrypt?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DecryptUpdate" => (list.C_DecryptUpdate?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DecryptFinal" => (list.C_DecryptFinal?)(0, std::ptr::null_mut(), std::ptr::null_mut()),
        "C_DigestInit" => (list.C_DigestInit?)(0, std::ptr::null_mut()),
        "C_Digest" => (list.C_Digest?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DigestUpdate" => (list.C_DigestUpdate?)(0, std::ptr::null_mut(), 0),
        "C_DigestKey" => (list.C_DigestKey?)(0, 0),
        "C_DigestFinal" => (list.C_DigestFinal?)(0, std::ptr::null_mut(), std::ptr::null_mut()),
        "C_SignInit" => (list.C_SignInit?)(0, std::ptr::null_mut(), 0),
        "C_Sign" => (list.C_Sign?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_SignUpdate" => (list.C_SignUpdate?)(0, std::ptr::null_mut(), 0),
        "C_SignFinal" => (list.C_SignFinal?)(0, std::ptr::null_mut(), std::ptr::null_mut()),
        "C_SignRecoverInit" => (list.C_SignRecoverInit?)(0, std::ptr::null_mut(), 0),
        "C_SignRecover" => (list.C_SignRecover?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_VerifyInit" => (list.C_VerifyInit?)(0, std::ptr::null_mut(), 0),
        "C_Verify" => (list.C_Verify?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut(), 0),
        "C_VerifyUpdate" => (list.C_VerifyUpdate?)(0, std::ptr::null_mut(), 0),
        "C_VerifyFinal" => (list.C_VerifyFinal?)(0, std::ptr::null_mut(), 0),
        "C_VerifyRecoverInit" => (list.C_VerifyRecoverInit?)(0, std::ptr::null_mut(), 0),
        "C_VerifyRecover" => (list.C_VerifyRecover?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DigestEncryptUpdate" => (list.C_DigestEncryptUpdate?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DecryptDigestUpdate" => (list.C_DecryptDigestUpdate?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_SignEncryptUpdate" => (list.C_SignEncryptUpdate?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DecryptVerifyUpdate" => (list.C_DecryptVerifyUpdate?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_GenerateKey" => (list.C_GenerateKey?)(
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        ),
        "C_GenerateKeyPair" => (list.C_GenerateKeyPair?)(
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_WrapKey" => (list.C_WrapKey?)(
            0,
            std::ptr::null_mut(),
            0,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_UnwrapKey" => (list.C_UnwrapKey?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        ),
        "C_DeriveKey" => (list.C_DeriveKey?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        ),
        "C_SeedRandom" => (list.C_SeedRandom?)(0, std::ptr::null_mut(), 0),
        "C_GenerateRandom" => (list.C_GenerateRandom?)(0, std::ptr::null_mut(), 0),
        "C_GetFunctionStatus" => (list.C_GetFunctionStatus?)(0),
        "C_CancelFunction" => (list.C_CancelFunction?)(0),
        "C_WaitForSlotEvent" => {
            (list.C_WaitForSlotEvent?)(0, std::ptr::null_mut(), std::ptr::null_mut())
        }
        "C_GetInterfaceList" => {
            (list.C_GetInterfaceList?)(std::ptr::null_mut(), std::ptr::null_mut())
        }
        "C_GetInterface" => (list.C_GetInterface?)(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ),
        "C_LoginUser" => {
            (list.C_LoginUser?)(0, 0, std::ptr::null_mut(), 0, std::ptr::null_mut(), 0)
        }
        "C_SessionCancel" => (list.C_SessionCancel?)(0, 0),
        "C_MessageEncryptInit" => (list.C_MessageEncryptInit?)(0, std::ptr::null_mut(), 0),
        "C_EncryptMessage" => (list.C_EncryptMessage?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_EncryptMessageBegin" => {
            (list.C_EncryptMessageBegin?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut(), 0)
        }
        "C_EncryptMessageNext" => (list.C_EncryptMessageNext?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ),
        "C_MessageEncryptFinal" => (list.C_MessageEncryptFinal?)(0),
        "C_MessageDecryptInit" => (list.C_MessageDecryptInit?)(0, std::ptr::null_mut(), 0),
        "C_DecryptMessage" => (list.C_DecryptMessage?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_DecryptMessageBegin" => {
            (list.C_DecryptMessageBegin?)(0, std::ptr::null_mut(), 0, std::ptr::null_mut(), 0)
        }
        "C_DecryptMessageNext" => (list.C_DecryptMessageNext?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ),
        "C_MessageDecryptFinal" => (list.C_MessageDecryptFinal?)(0),
        "C_MessageSignInit" => (list.C_MessageSignInit?)(0, std::ptr::null_mut(), 0),
        "C_SignMessage" => (list.C_SignMessage?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_SignMessageBegin" => (list.C_SignMessageBegin?)(0, std::ptr::null_mut(), 0),
        "C_SignMessageNext" => (list.C_SignMessageNext?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ),
        "C_MessageSignFinal" => (list.C_MessageSignFinal?)(0),
        "C_MessageVerifyInit" => (list.C_MessageVerifyInit?)(0, std::ptr::null_mut(), 0),
        "C_VerifyMessage" => (list.C_VerifyMessage?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
        ),
        "C_VerifyMessageBegin" => (list.C_VerifyMessageBegin?)(0, std::ptr::null_mut(), 0),
        "C_VerifyMessageNext" => (list.C_VerifyMessageNext?)(
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
        ),
        "C_MessageVerifyFinal" => (list.C_MessageVerifyFinal?)(0),
        _ => return None,
    })
}

const ENTRY_POINTS: [&str; 4] = [
    "C_Initialize",
    "C_GetFunctionList",
    "C_GetInterfaceList",
    "C_GetInterface",
];

#[test]
fn table_has_one_row_per_function_of_the_list() {
    let list = interface_3_0();
    assert_eq!((list.version.major, list.version.minor), (3, 0));
    let exported = exported(list);
    let rows = rows();
    let table: Vec<&str> = rows.iter().map(|r| r.function.as_str()).collect();
    let names: Vec<&str> = exported.iter().map(|(n, _)| *n).collect();
    assert_eq!(table, names, "rows in CK_FUNCTION_LIST_3_0 order, one each");
    assert_eq!(names.len(), 92);
    for (name, present) in &exported {
        assert!(present, "{name} is in the function list");
    }
    for row in &rows {
        assert!(
            row.status == "implemented" || row.status == "not-supported",
            "{}: status {}",
            row.function,
            row.status
        );
        if row.status == "not-supported" {
            assert_eq!(row.returns.len(), 1, "{}: one code", row.function);
        }
        for c in &row.returns {
            code(c);
        }
    }
}

#[test]
fn functions_return_the_documented_codes() {
    let list = interface_3_0();

    // The 2.40 list shares its 68 functions with the 3.0 list.
    let mut list_2_40: *mut CK_FUNCTION_LIST = std::ptr::null_mut();
    assert_eq!(unsafe { C_GetFunctionList(&mut list_2_40) }, CKR_OK);
    let list_2_40 = unsafe { &*list_2_40 };
    assert_eq!((list_2_40.version.major, list_2_40.version.minor), (2, 40));
    assert_eq!(
        list_2_40.C_Sign.map(|f| f as usize),
        list.C_Sign.map(|f| f as usize)
    );
    assert_eq!(
        list_2_40.C_WaitForSlotEvent.map(|f| f as usize),
        list.C_WaitForSlotEvent.map(|f| f as usize)
    );

    let rows = rows();
    for row in &rows {
        if ENTRY_POINTS.contains(&row.function.as_str()) {
            continue;
        }
        let rv = unsafe { call_with_dummies(list, &row.function) }.expect("dispatch");
        assert_eq!(
            rv, CKR_CRYPTOKI_NOT_INITIALIZED,
            "{} before C_Initialize",
            row.function
        );
    }

    let initialize = list.C_Initialize.expect("C_Initialize");
    assert_eq!(unsafe { initialize(std::ptr::null_mut()) }, CKR_OK);
    for row in rows.iter().filter(|r| r.status == "not-supported") {
        let rv = unsafe { call_with_dummies(list, &row.function) }.expect("dispatch");
        assert_eq!(
            rv,
            code(&row.returns[0]),
            "{} after C_Initialize",
            row.function
        );
    }
    // No RNG, but a stale session handle is reported first (issue #10).
    let seed = list.C_SeedRandom.expect("C_SeedRandom");
    let generate = list.C_GenerateRandom.expect("C_GenerateRandom");
    let mut buffer = [0u8; 16];
    assert_eq!(
        unsafe { seed(0x5eed, buffer.as_mut_ptr(), 16) },
        CKR_SESSION_HANDLE_INVALID
    );
    assert_eq!(
        unsafe { generate(0x5eed, std::ptr::null_mut(), 16) },
        CKR_SESSION_HANDLE_INVALID
    );
    let finalize = list.C_Finalize.expect("C_Finalize");
    assert_eq!(unsafe { finalize(std::ptr::null_mut()) }, CKR_OK);
}
