//! Mechanisms: the list a slot offers (PKCS#11 3.0 §5.5 C_GetMechanismList /
//! C_GetMechanismInfo) and a caller's CK_MECHANISM, decoded.
//!
//! The signature mechanisms are the token's (a card advertises only what it can really
//! do, DESIGN.md); the digests are computed on the host and added to every token.

use super::instance::Instance;
use super::Rv;
use crate::token::HashAlg;
use cryptoki_sys::*;

/// Digests offered by every token (CKF_DIGEST, not CKF_HW: the host computes them).
pub const DIGESTS: [(CK_MECHANISM_TYPE, HashAlg); 4] = [
    (CKM_SHA_1, HashAlg::Sha1),
    (CKM_SHA256, HashAlg::Sha256),
    (CKM_SHA384, HashAlg::Sha384),
    (CKM_SHA512, HashAlg::Sha512),
];

pub fn digest_alg(mechanism: CK_MECHANISM_TYPE) -> Option<HashAlg> {
    DIGESTS
        .iter()
        .find(|(m, _)| *m == mechanism)
        .map(|(_, h)| *h)
}

/// CK_RSA_PKCS_PSS_PARAMS (§2.1.15 of the current mechanisms specification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PssParams {
    pub hash_alg: CK_MECHANISM_TYPE,
    pub mgf: CK_RSA_PKCS_MGF_TYPE,
    pub salt_len: CK_ULONG,
}

/// A CK_MECHANISM's parameter, as far as this module understands parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MechanismParams {
    /// pParameter NULL and ulParameterLen 0.
    None,
    /// A CK_RSA_PKCS_PSS_PARAMS (only decoded for the PSS mechanisms).
    Pss(PssParams),
    /// Anything else: CKR_MECHANISM_PARAM_INVALID wherever it is looked at.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MechanismRequest {
    pub mechanism: CK_MECHANISM_TYPE,
    pub params: MechanismParams,
}

pub fn is_pss(mechanism: CK_MECHANISM_TYPE) -> bool {
    matches!(
        mechanism,
        CKM_RSA_PKCS_PSS
            | CKM_SHA1_RSA_PKCS_PSS
            | CKM_SHA256_RSA_PKCS_PSS
            | CKM_SHA384_RSA_PKCS_PSS
            | CKM_SHA512_RSA_PKCS_PSS
    )
}

const DIGEST_INFO: CK_MECHANISM_INFO = CK_MECHANISM_INFO {
    ulMinKeySize: 0,
    ulMaxKeySize: 0,
    flags: CKF_DIGEST,
};

impl Instance {
    /// C_GetMechanismList (§5.5): the token's mechanisms, then the digests.
    pub fn mechanism_list(&self, slot_id: CK_SLOT_ID) -> Result<Vec<CK_MECHANISM_TYPE>, Rv> {
        let slot = self.slots.get(slot_id)?;
        let state = self.probe(&slot);
        let token = state.token.as_ref().ok_or(Rv::TOKEN_NOT_PRESENT)?;
        let mut list: Vec<_> = token
            .device
            .mechanisms()
            .iter()
            .map(|m| m.mechanism)
            .collect();
        for (m, _) in DIGESTS {
            if !list.contains(&m) {
                list.push(m);
            }
        }
        Ok(list)
    }

    /// C_GetMechanismInfo (§5.5).
    pub fn mechanism_info(
        &self,
        slot_id: CK_SLOT_ID,
        mechanism: CK_MECHANISM_TYPE,
    ) -> Result<CK_MECHANISM_INFO, Rv> {
        let slot = self.slots.get(slot_id)?;
        let state = self.probe(&slot);
        let token = state.token.as_ref().ok_or(Rv::TOKEN_NOT_PRESENT)?;
        if let Some(m) = token
            .device
            .mechanisms()
            .iter()
            .find(|m| m.mechanism == mechanism)
        {
            return Ok(CK_MECHANISM_INFO {
                ulMinKeySize: m.min_key_bits,
                ulMaxKeySize: m.max_key_bits,
                flags: m.flags,
            });
        }
        digest_alg(mechanism)
            .map(|_| DIGEST_INFO)
            .ok_or(Rv::MECHANISM_INVALID)
    }
}
