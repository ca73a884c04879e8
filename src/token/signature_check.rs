//! Every signature is checked before it is returned (DESIGN.md "Signatures are made on the
//! chip", issue #11): a chip that answers a wrong block (a fault, a key that is not the
//! certificate's, a cache that shows another card's certificate) must not hand the
//! application a signature that fails later, far from its cause.
//!
//! The check applies the certificate's public key to the signature (RSAVP1, RFC 8017
//! §5.2.2) and compares the result with the encoded block the chip was asked to sign,
//! byte for byte: the host knows that block for every mechanism (it padded it itself for
//! the TS-CNS; the CIE pads PKCS#1 v1.5 deterministically, §9.2). That is stricter than
//! a verifier that re-hashes a message, and it works where the application handed us only
//! a digest (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS), which ring's verifiers cannot take. The
//! public exponent is small and public, so the cost is a few hundred microseconds.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};

/// Largest modulus checked (the cards' keys are ≤ 4096 bits; this bounds the work).
const MAX_MODULUS_BYTES: usize = 1024;

/// The public half of the signing key, from the certificate the token shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// Big-endian, no leading zeros (CertificateInfo::modulus).
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
}

/// Why a signature from the chip is not returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFault {
    /// Not exactly the modulus length (RFC 8017 §8.2.2 step 1).
    Length { got: usize, expected: usize },
    /// Not below the modulus (RSAVP1 step 1).
    OutOfRange,
    /// Under the public key it does not give back the block the chip was asked to sign.
    Mismatch,
    /// The certificate's key cannot be used for the check (even, zero, oversized).
    Key,
}

impl PublicKey {
    /// Modulus length in bytes: the length of every signature of this key.
    pub fn len(&self) -> usize {
        self.modulus.len()
    }

    /// Checks that `signature` is the RSA signature of `block` (the full k-byte encoded
    /// message) under this key.
    pub fn check(&self, signature: &[u8], block: &[u8]) -> Result<(), SignatureFault> {
        let k = self.modulus.len();
        if !self.usable() {
            return Err(SignatureFault::Key);
        }
        if signature.len() != k {
            return Err(SignatureFault::Length {
                got: signature.len(),
                expected: k,
            });
        }
        // Equal lengths: big-endian byte strings compare like the numbers.
        if signature >= self.modulus.as_slice() {
            return Err(SignatureFault::OutOfRange);
        }
        let recovered = self.apply(signature)?;
        if recovered.as_slice() == block {
            Ok(())
        } else {
            Err(SignatureFault::Mismatch)
        }
    }

    fn usable(&self) -> bool {
        let k = self.modulus.len();
        k > 0
            && k <= MAX_MODULUS_BYTES
            && self.modulus[0] != 0
            && !self.exponent.is_empty()
            && self.exponent.len() <= 8
    }

    /// signature^e mod n, as k big-endian bytes.
    fn apply(&self, signature: &[u8]) -> Result<Vec<u8>, SignatureFault> {
        let k = self.modulus.len();
        let precision = (k * 8) as u32;
        let n =
            BoxedUint::from_be_slice(&self.modulus, precision).map_err(|_| SignatureFault::Key)?;
        let n = Option::<Odd<BoxedUint>>::from(Odd::new(n)).ok_or(SignatureFault::Key)?;
        let s = BoxedUint::from_be_slice(signature, precision).map_err(|_| SignatureFault::Key)?;
        let e_bits = (self.exponent.len() * 8) as u32;
        let e =
            BoxedUint::from_be_slice(&self.exponent, e_bits).map_err(|_| SignatureFault::Key)?;
        // Everything here is public: variable time is fine, and the ladder runs over the
        // exponent's few bits rather than the modulus' (the fuzzer's hot path, fuzz/).
        let params = BoxedMontyParams::new_vartime(n);
        let m = BoxedMontyForm::new(s, &params)
            .pow_bounded_exp(&e, e_bits)
            .retrieve()
            .to_be_bytes();
        // Whole limbs: the leading bytes beyond k are zero.
        Ok(m[m.len().saturating_sub(k)..].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::cns::tests::TestKey;

    fn setup() -> (TestKey, PublicKey, Vec<u8>) {
        let key = TestKey::stincard();
        let public = key.public();
        let mut block = vec![0u8; public.len()];
        block[1] = 1;
        block[5..].fill(0x33);
        (key, public, block)
    }

    #[test]
    fn a_good_signature_passes() {
        let (key, public, block) = setup();
        assert_eq!(public.check(&key.raw_sign(&block), &block), Ok(()));
    }

    #[test]
    fn a_flipped_bit_anywhere_fails() {
        let (key, public, block) = setup();
        let good = key.raw_sign(&block);
        for i in [0, 1, good.len() / 2, good.len() - 1] {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            assert!(public.check(&bad, &block).is_err(), "byte {i}");
        }
        // The right signature of another block fails too.
        let mut other = block.clone();
        other[200] ^= 0x80;
        assert_eq!(public.check(&good, &other), Err(SignatureFault::Mismatch));
    }

    #[test]
    fn lengths_and_range() {
        let (key, public, block) = setup();
        let good = key.raw_sign(&block);
        assert_eq!(
            public.check(&good[1..], &block),
            Err(SignatureFault::Length {
                got: 255,
                expected: 256
            })
        );
        let mut long = vec![0];
        long.extend_from_slice(&good);
        assert!(matches!(
            public.check(&long, &block),
            Err(SignatureFault::Length { .. })
        ));
        assert_eq!(
            public.check(&vec![0xFF; 256], &block),
            Err(SignatureFault::OutOfRange)
        );
        assert_eq!(
            public.check(&public.modulus, &block),
            Err(SignatureFault::OutOfRange)
        );
    }

    #[test]
    fn unusable_keys_are_faults_not_panics() {
        let even = PublicKey {
            modulus: vec![0xC4; 8],
            exponent: vec![3],
        };
        assert_eq!(even.check(&[1; 8], &[1; 8]), Err(SignatureFault::Key));
        let empty = PublicKey {
            modulus: vec![],
            exponent: vec![3],
        };
        assert_eq!(empty.check(&[], &[]), Err(SignatureFault::Key));
        let no_exponent = PublicKey {
            modulus: vec![0xC5; 8],
            exponent: vec![],
        };
        assert_eq!(
            no_exponent.check(&[1; 8], &[1; 8]),
            Err(SignatureFault::Key)
        );
    }
}
