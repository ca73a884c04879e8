//! The hashes the host computes for hash-and-sign mechanisms, and their DigestInfo encodings.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub fn ring_algorithm(self) -> &'static ring::digest::Algorithm {
        match self {
            HashAlg::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlg::Sha256 => &ring::digest::SHA256,
            HashAlg::Sha384 => &ring::digest::SHA384,
            HashAlg::Sha512 => &ring::digest::SHA512,
        }
    }

    pub fn output_len(self) -> usize {
        self.ring_algorithm().output_len()
    }

    /// The DER prefix of a DigestInfo for this hash (RFC 8017 §9.2 note 1).
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlg::Sha1 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14,
            ],
            HashAlg::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            HashAlg::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            HashAlg::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    /// DigestInfo ‖ digest, the input of PKCS#1 v1.5 signature padding.
    pub fn digest_info(self, digest: &[u8]) -> Vec<u8> {
        let mut out = self.digest_info_prefix().to_vec();
        out.extend_from_slice(digest);
        out
    }

    /// From the CKM_SHA* / CKG_MGF1_SHA* values used in CK_RSA_PKCS_PSS_PARAMS.
    pub fn from_ck_mechanism(mechanism: cryptoki_sys::CK_MECHANISM_TYPE) -> Option<HashAlg> {
        match mechanism {
            cryptoki_sys::CKM_SHA_1 => Some(HashAlg::Sha1),
            cryptoki_sys::CKM_SHA256 => Some(HashAlg::Sha256),
            cryptoki_sys::CKM_SHA384 => Some(HashAlg::Sha384),
            cryptoki_sys::CKM_SHA512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    pub fn from_ck_mgf(mgf: cryptoki_sys::CK_RSA_PKCS_MGF_TYPE) -> Option<HashAlg> {
        match mgf {
            cryptoki_sys::CKG_MGF1_SHA1 => Some(HashAlg::Sha1),
            cryptoki_sys::CKG_MGF1_SHA256 => Some(HashAlg::Sha256),
            cryptoki_sys::CKG_MGF1_SHA384 => Some(HashAlg::Sha384),
            cryptoki_sys::CKG_MGF1_SHA512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DigestInfo the CIE signs (cie.md §7): each hash carries its own OID, built here
    /// independently from the DER encoding of AlgorithmIdentifier — not the SHA-1 prefix in
    /// front of a SHA-256 hash as the official library does.
    #[test]
    fn digest_info_has_the_right_oid_and_length() {
        for (alg, oid_tail) in [
            (HashAlg::Sha256, 1u8),
            (HashAlg::Sha384, 2),
            (HashAlg::Sha512, 3),
        ] {
            let len = alg.output_len();
            let digest = vec![0xAB; len];
            let mut expected = vec![0x30, (17 + len) as u8, 0x30, 0x0D, 0x06, 0x09];
            expected.extend([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, oid_tail]);
            expected.extend([0x05, 0x00, 0x04, len as u8]);
            expected.extend(&digest);
            assert_eq!(alg.digest_info(&digest), expected, "{alg:?}");
        }
        let sha1 = HashAlg::Sha1.digest_info(&[0; 20]);
        assert_eq!(&sha1[..6], &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05]);
        assert_eq!(&sha1[6..11], &[0x2B, 0x0E, 0x03, 0x02, 0x1A]);
        assert_eq!(sha1.len(), 35);
        assert_ne!(
            &HashAlg::Sha256.digest_info(&[0; 32])[..15],
            &sha1[..15],
            "the official library's SHA-256 prefix bug"
        );
    }
}
