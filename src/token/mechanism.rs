//! Mechanisms a token offers (PKCS#11 3.0 §5.5 C_GetMechanismList / C_GetMechanismInfo).

use cryptoki_sys::{CK_FLAGS, CK_MECHANISM_TYPE, CK_ULONG};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MechanismInfo {
    pub mechanism: CK_MECHANISM_TYPE,
    pub min_key_bits: CK_ULONG,
    pub max_key_bits: CK_ULONG,
    /// CKF_HW | CKF_SIGN for signatures (the private-key operation runs on the chip); CKF_DIGEST for digests.
    pub flags: CK_FLAGS,
}
