//! The functions this token cannot or does not do, each returning the code PKCS#11 3.0
//! gives for that case (§5.1: "even unsupported functions … should have a stub …
//! returning CKR_FUNCTION_NOT_SUPPORTED"; write-protected tokens answer
//! CKR_TOKEN_WRITE_PROTECTED; CKA_COPYABLE false gives CKR_ACTION_PROHIBITED).
//! Arguments are not inspected: no argument can make these succeed. Before C_Initialize
//! they return CKR_CRYPTOKI_NOT_INITIALIZED like every other function.
//! The same codes are listed in pkcs11-spec/functions.tsv and checked by
//! tests/conformance_table.rs.

use crate::cryptoki::module;
use crate::cryptoki::Rv;
use cryptoki_sys::*;
use std::ffi::c_void;

fn refuse(rv: CK_RV) -> Result<(), Rv> {
    module::instance()?;
    Err(Rv(rv))
}

ck_fn! {
    /// C_InitToken (§5.5.7): CKR_FUNCTION_NOT_SUPPORTED — the card is personalised by its issuer; this module never re-initializes it.
    fn C_InitToken(_a0: CK_SLOT_ID, _a1: *mut CK_UTF8CHAR, _a2: CK_ULONG, _a3: *mut CK_UTF8CHAR) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SessionCancel (§5.6.5): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 addition, not offered.
    fn C_SessionCancel(_a0: CK_SESSION_HANDLE, _a1: CK_FLAGS) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_GetOperationState (§5.6.6): CKR_FUNCTION_NOT_SUPPORTED — operation state is not saveable (it may hold a card result).
    fn C_GetOperationState(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SetOperationState (§5.6.7): CKR_FUNCTION_NOT_SUPPORTED — operation state is not saveable.
    fn C_SetOperationState(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: CK_OBJECT_HANDLE, _a4: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_LoginUser (§5.6.9): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 addition: the cards have no user names.
    fn C_LoginUser(_a0: CK_SESSION_HANDLE, _a1: CK_USER_TYPE, _a2: *mut CK_UTF8CHAR, _a3: CK_ULONG, _a4: *mut CK_UTF8CHAR, _a5: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_CreateObject (§5.7.1): CKR_TOKEN_WRITE_PROTECTED — the token is write-protected (CKF_WRITE_PROTECTED).
    fn C_CreateObject(_a0: CK_SESSION_HANDLE, _a1: *mut CK_ATTRIBUTE, _a2: CK_ULONG, _a3: *mut CK_OBJECT_HANDLE) {
        refuse(CKR_TOKEN_WRITE_PROTECTED)
    }
}

ck_fn! {
    /// C_CopyObject (§5.7.2): CKR_ACTION_PROHIBITED — the card's objects are not copyable.
    fn C_CopyObject(_a0: CK_SESSION_HANDLE, _a1: CK_OBJECT_HANDLE, _a2: *mut CK_ATTRIBUTE, _a3: CK_ULONG, _a4: *mut CK_OBJECT_HANDLE) {
        refuse(CKR_ACTION_PROHIBITED)
    }
}

ck_fn! {
    /// C_DestroyObject (§5.7.3): CKR_TOKEN_WRITE_PROTECTED — the token is write-protected.
    fn C_DestroyObject(_a0: CK_SESSION_HANDLE, _a1: CK_OBJECT_HANDLE) {
        refuse(CKR_TOKEN_WRITE_PROTECTED)
    }
}

ck_fn! {
    /// C_SetAttributeValue (§5.7.6): CKR_TOKEN_WRITE_PROTECTED — the token is write-protected.
    fn C_SetAttributeValue(_a0: CK_SESSION_HANDLE, _a1: CK_OBJECT_HANDLE, _a2: *mut CK_ATTRIBUTE, _a3: CK_ULONG) {
        refuse(CKR_TOKEN_WRITE_PROTECTED)
    }
}

ck_fn! {
    /// C_EncryptInit (§5.8.1): CKR_FUNCTION_NOT_SUPPORTED — no encryption with the card's keys.
    fn C_EncryptInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_Encrypt (§5.8.2): CKR_FUNCTION_NOT_SUPPORTED — no encryption.
    fn C_Encrypt(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_EncryptUpdate (§5.8.3): CKR_FUNCTION_NOT_SUPPORTED — no encryption.
    fn C_EncryptUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_EncryptFinal (§5.8.4): CKR_FUNCTION_NOT_SUPPORTED — no encryption.
    fn C_EncryptFinal(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageEncryptInit (§5.9.1): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based encryption, not offered.
    fn C_MessageEncryptInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_EncryptMessage (§5.9.2): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based encryption, not offered.
    fn C_EncryptMessage(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: CK_ULONG, _a7: *mut CK_BYTE, _a8: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_EncryptMessageBegin (§5.9.3): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based encryption, not offered.
    fn C_EncryptMessageBegin(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_EncryptMessageNext (§5.9.4): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based encryption, not offered.
    fn C_EncryptMessageNext(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: *mut CK_ULONG, _a7: CK_FLAGS) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageEncryptFinal (§5.9.5): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based encryption, not offered.
    fn C_MessageEncryptFinal(_a0: CK_SESSION_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptInit (§5.10.1): CKR_FUNCTION_NOT_SUPPORTED — decryption with the card's key is not offered.
    fn C_DecryptInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_Decrypt (§5.10.2): CKR_FUNCTION_NOT_SUPPORTED — no decryption.
    fn C_Decrypt(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptUpdate (§5.10.3): CKR_FUNCTION_NOT_SUPPORTED — no decryption.
    fn C_DecryptUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptFinal (§5.10.4): CKR_FUNCTION_NOT_SUPPORTED — no decryption.
    fn C_DecryptFinal(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageDecryptInit (§5.11.1): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based decryption, not offered.
    fn C_MessageDecryptInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptMessage (§5.11.2): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based decryption, not offered.
    fn C_DecryptMessage(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: CK_ULONG, _a7: *mut CK_BYTE, _a8: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptMessageBegin (§5.11.3): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based decryption, not offered.
    fn C_DecryptMessageBegin(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptMessageNext (§5.11.4): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based decryption, not offered.
    fn C_DecryptMessageNext(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: *mut CK_ULONG, _a7: CK_FLAGS) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageDecryptFinal (§5.11.5): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based decryption, not offered.
    fn C_MessageDecryptFinal(_a0: CK_SESSION_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SignRecoverInit (§5.13.5): CKR_FUNCTION_NOT_SUPPORTED — signatures with message recovery are not offered.
    fn C_SignRecoverInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SignRecover (§5.13.6): CKR_FUNCTION_NOT_SUPPORTED — signatures with message recovery are not offered.
    fn C_SignRecover(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageSignInit (§5.14.1): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based signing, not offered.
    fn C_MessageSignInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SignMessage (§5.14.2): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based signing, not offered.
    fn C_SignMessage(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SignMessageBegin (§5.14.3): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based signing, not offered.
    fn C_SignMessageBegin(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SignMessageNext (§5.14.4): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based signing, not offered.
    fn C_SignMessageNext(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageSignFinal (§5.14.5): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based signing, not offered.
    fn C_MessageSignFinal(_a0: CK_SESSION_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyInit (§5.15.1): CKR_FUNCTION_NOT_SUPPORTED — verification is public-key work for the application.
    fn C_VerifyInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_Verify (§5.15.2): CKR_FUNCTION_NOT_SUPPORTED — no verification.
    fn C_Verify(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyUpdate (§5.15.3): CKR_FUNCTION_NOT_SUPPORTED — no verification.
    fn C_VerifyUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyFinal (§5.15.4): CKR_FUNCTION_NOT_SUPPORTED — no verification.
    fn C_VerifyFinal(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyRecoverInit (§5.15.5): CKR_FUNCTION_NOT_SUPPORTED — no verification with recovery.
    fn C_VerifyRecoverInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyRecover (§5.15.6): CKR_FUNCTION_NOT_SUPPORTED — no verification with recovery.
    fn C_VerifyRecover(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageVerifyInit (§5.16.1): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based verification, not offered.
    fn C_MessageVerifyInit(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyMessage (§5.16.2): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based verification, not offered.
    fn C_VerifyMessage(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyMessageBegin (§5.16.3): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based verification, not offered.
    fn C_VerifyMessageBegin(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_VerifyMessageNext (§5.16.4): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based verification, not offered.
    fn C_VerifyMessageNext(_a0: CK_SESSION_HANDLE, _a1: *mut c_void, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_BYTE, _a6: CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_MessageVerifyFinal (§5.16.5): CKR_FUNCTION_NOT_SUPPORTED — PKCS#11 3.0 message-based verification, not offered.
    fn C_MessageVerifyFinal(_a0: CK_SESSION_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DigestEncryptUpdate (§5.17.1): CKR_FUNCTION_NOT_SUPPORTED — no dual-function operations.
    fn C_DigestEncryptUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptDigestUpdate (§5.17.2): CKR_FUNCTION_NOT_SUPPORTED — no dual-function operations.
    fn C_DecryptDigestUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_SignEncryptUpdate (§5.17.3): CKR_FUNCTION_NOT_SUPPORTED — no dual-function operations.
    fn C_SignEncryptUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DecryptVerifyUpdate (§5.17.4): CKR_FUNCTION_NOT_SUPPORTED — no dual-function operations.
    fn C_DecryptVerifyUpdate(_a0: CK_SESSION_HANDLE, _a1: *mut CK_BYTE, _a2: CK_ULONG, _a3: *mut CK_BYTE, _a4: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_GenerateKey (§5.18.1): CKR_TOKEN_WRITE_PROTECTED — no key is generated on a write-protected token.
    fn C_GenerateKey(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: *mut CK_ATTRIBUTE, _a3: CK_ULONG, _a4: *mut CK_OBJECT_HANDLE) {
        refuse(CKR_TOKEN_WRITE_PROTECTED)
    }
}

ck_fn! {
    /// C_GenerateKeyPair (§5.18.2): CKR_TOKEN_WRITE_PROTECTED — no key pair is generated on a write-protected token.
    fn C_GenerateKeyPair(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: *mut CK_ATTRIBUTE, _a3: CK_ULONG, _a4: *mut CK_ATTRIBUTE, _a5: CK_ULONG, _a6: *mut CK_OBJECT_HANDLE, _a7: *mut CK_OBJECT_HANDLE) {
        refuse(CKR_TOKEN_WRITE_PROTECTED)
    }
}

ck_fn! {
    /// C_WrapKey (§5.18.3): CKR_FUNCTION_NOT_SUPPORTED — the card's keys never leave it.
    fn C_WrapKey(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE, _a3: CK_OBJECT_HANDLE, _a4: *mut CK_BYTE, _a5: *mut CK_ULONG) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_UnwrapKey (§5.18.4): CKR_FUNCTION_NOT_SUPPORTED — no key unwrapping.
    fn C_UnwrapKey(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE, _a3: *mut CK_BYTE, _a4: CK_ULONG, _a5: *mut CK_ATTRIBUTE, _a6: CK_ULONG, _a7: *mut CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_DeriveKey (§5.18.5): CKR_FUNCTION_NOT_SUPPORTED — no key derivation.
    fn C_DeriveKey(_a0: CK_SESSION_HANDLE, _a1: *mut CK_MECHANISM, _a2: CK_OBJECT_HANDLE, _a3: *mut CK_ATTRIBUTE, _a4: CK_ULONG, _a5: *mut CK_OBJECT_HANDLE) {
        refuse(CKR_FUNCTION_NOT_SUPPORTED)
    }
}

ck_fn! {
    /// C_GetFunctionStatus (§5.20.1): CKR_FUNCTION_NOT_PARALLEL — legacy function: §5.20 says it returns CKR_FUNCTION_NOT_PARALLEL.
    fn C_GetFunctionStatus(_a0: CK_SESSION_HANDLE) {
        refuse(CKR_FUNCTION_NOT_PARALLEL)
    }
}

ck_fn! {
    /// C_CancelFunction (§5.20.2): CKR_FUNCTION_NOT_PARALLEL — legacy function: §5.20 says it returns CKR_FUNCTION_NOT_PARALLEL.
    fn C_CancelFunction(_a0: CK_SESSION_HANDLE) {
        refuse(CKR_FUNCTION_NOT_PARALLEL)
    }
}
