//! Mechanisms a token offers (PKCS#11 3.0 §5.5 C_GetMechanismList / C_GetMechanismInfo).

use crate::card::{KeySizes, SignatureKind};
use cryptoki_sys::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MechanismInfo {
    pub mechanism: CK_MECHANISM_TYPE,
    pub min_key_bits: CK_ULONG,
    pub max_key_bits: CK_ULONG,
    /// CKF_HW | CKF_SIGN for signatures (the private-key operation runs on the chip); CKF_DIGEST for digests.
    pub flags: CK_FLAGS,
}

/// CKF_HW | CKF_SIGN: the private-key operation runs on the chip (the host hashes, and pads
/// where the chip does raw RSA).
const SIGN_FLAGS: CK_FLAGS = CKF_HW | CKF_SIGN;

/// PKCS#1 v1.5 signatures: every card can, the chip padding or the host.
const PKCS1: [CK_MECHANISM_TYPE; 5] = [
    CKM_RSA_PKCS,
    CKM_SHA1_RSA_PKCS,
    CKM_SHA256_RSA_PKCS,
    CKM_SHA384_RSA_PKCS,
    CKM_SHA512_RSA_PKCS,
];

/// Raw RSA on the chip allows every RSA signature padding (cns.md §5.2, HARNESS.md: PSS is
/// what TLS 1.3 client authentication needs), in C_GetMechanismList order.
const RAW_RSA: [CK_MECHANISM_TYPE; 11] = [
    CKM_RSA_PKCS,
    CKM_RSA_X_509,
    CKM_SHA1_RSA_PKCS,
    CKM_SHA256_RSA_PKCS,
    CKM_SHA384_RSA_PKCS,
    CKM_SHA512_RSA_PKCS,
    CKM_RSA_PKCS_PSS,
    CKM_SHA1_RSA_PKCS_PSS,
    CKM_SHA256_RSA_PKCS_PSS,
    CKM_SHA384_RSA_PKCS_PSS,
    CKM_SHA512_RSA_PKCS_PSS,
];

/// The mechanisms a card can really do, from what it says it does: a chip that pads PKCS#1
/// v1.5 itself (CIE) cannot do PSS or RSA_X_509, so they are not advertised (DESIGN.md
/// "Signatures are made on the chip").
pub fn for_card(kind: SignatureKind, sizes: KeySizes) -> Vec<MechanismInfo> {
    let mechanisms: &[CK_MECHANISM_TYPE] = match kind {
        SignatureKind::RawRsa => &RAW_RSA,
        SignatureKind::Pkcs1OnChip => &PKCS1,
    };
    mechanisms
        .iter()
        .map(|&mechanism| MechanismInfo {
            mechanism,
            min_key_bits: sizes.min_bits as CK_ULONG,
            max_key_bits: sizes.max_bits as CK_ULONG,
            flags: SIGN_FLAGS,
        })
        .collect()
}
