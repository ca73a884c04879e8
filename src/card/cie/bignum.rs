//! Modular exponentiation for the DH key agreement and the RSA operations of the mutual
//! authentication (cie.md §4.3–4.4), on `crypto-bigint`'s constant-time Montgomery ladder:
//! the DH secret x must not leak through timing. Numbers are big-endian byte strings.

use crypto_bigint::{BoxedUint, Odd};
use zeroize::{Zeroize, Zeroizing};

/// Largest modulus accepted (8192 bits): bounds the work a malformed card answer can cause.
const MAX_MODULUS_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BignumError {
    /// Modulus empty, even, 1, or over 8192 bits.
    Modulus,
    /// The base is not below the modulus.
    Base,
    /// An exponent over 8192 bits.
    Exponent,
}

/// `bytes` without its leading zero bytes.
pub fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Whether `a < b` as unsigned big-endian numbers (leading zeros allowed).
pub fn less_than(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (strip(a), strip(b));
    a.len() < b.len() || (a.len() == b.len() && a < b)
}

/// base^exponent mod modulus, as many bytes as the modulus (leading zeros kept: Z and
/// Y_ifd are used at full |p| length, cie.md C4).
pub fn mod_pow(
    base: &[u8],
    exponent: &[u8],
    modulus: &[u8],
) -> Result<Zeroizing<Vec<u8>>, BignumError> {
    let m = strip(modulus);
    if m.is_empty() || m.len() > MAX_MODULUS_BYTES || m == [1] || m[m.len() - 1] & 1 == 0 {
        return Err(BignumError::Modulus);
    }
    if !less_than(base, m) {
        return Err(BignumError::Base);
    }
    let bits = (m.len() * 8) as u32;
    let modulus = BoxedUint::from_be_slice(m, bits).map_err(|_| BignumError::Modulus)?;
    let modulus: Option<Odd<BoxedUint>> = Odd::new(modulus).into_option();
    let modulus = modulus.ok_or(BignumError::Modulus)?;
    let mut base = BoxedUint::from_be_slice(strip(base), bits).map_err(|_| BignumError::Base)?;
    // The exponent keeps its length, leading zeros included: its precision (and so the
    // ladder's length) must not depend on the value of a secret x.
    let e: &[u8] = if exponent.is_empty() { &[0] } else { exponent };
    if e.len() > MAX_MODULUS_BYTES {
        return Err(BignumError::Exponent);
    }
    let mut exponent =
        BoxedUint::from_be_slice(e, (e.len() * 8) as u32).map_err(|_| BignumError::Exponent)?;
    let mut result = base.pow_mod(&exponent, &modulus);
    base.zeroize();
    exponent.zeroize();
    let bytes = Zeroizing::new(result.to_be_bytes().to_vec());
    result.zeroize();
    // to_be_bytes gives whole limbs: keep the modulus length.
    let skip = bytes.len().saturating_sub(m.len());
    Ok(Zeroizing::new(bytes[skip..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers() {
        // 4^13 mod 497 = 445 (a textbook example).
        assert_eq!(
            &mod_pow(&[4], &[13], &[0x01, 0xF1]).unwrap()[..],
            &[0x01, 0xBD]
        );
        // Leading zeros of the result are kept to the modulus length.
        assert_eq!(
            &mod_pow(&[2], &[1], &[0x01, 0xF1]).unwrap()[..],
            &[0x00, 0x02]
        );
        assert_eq!(&mod_pow(&[7], &[0], &[0x0B]).unwrap()[..], &[1]);
        assert_eq!(&mod_pow(&[0, 0, 3], &[0, 2], &[0, 0x0B]).unwrap()[..], &[9]);
    }

    #[test]
    fn rsa_2048_round_trip_with_the_published_ifd_key() {
        let keys = super::super::terminal_keys::IFD;
        let message = [0x42u8; 200];
        let s = mod_pow(&message, keys.private_exponent, keys.modulus).unwrap();
        assert_eq!(s.len(), 256);
        let back = mod_pow(&s, keys.public_exponent, keys.modulus).unwrap();
        assert_eq!(&back[56..], &message[..]);
        assert!(back[..56].iter().all(|b| *b == 0));
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(mod_pow(&[1], &[1], &[]), Err(BignumError::Modulus));
        assert_eq!(mod_pow(&[1], &[1], &[0, 0]), Err(BignumError::Modulus));
        assert_eq!(mod_pow(&[1], &[1], &[1]), Err(BignumError::Modulus));
        assert_eq!(mod_pow(&[1], &[1], &[0x10]), Err(BignumError::Modulus));
        assert_eq!(mod_pow(&[0x11], &[1], &[0x11]), Err(BignumError::Base));
        assert_eq!(mod_pow(&[1, 0], &[1], &[0x11]), Err(BignumError::Base));
        assert_eq!(
            mod_pow(&[1], &[1], &vec![0xFF; 1025]),
            Err(BignumError::Modulus)
        );
        assert_eq!(
            mod_pow(&[1], &vec![1; 1025], &[0x11]),
            Err(BignumError::Exponent)
        );
        // An empty exponent is zero.
        assert_eq!(&mod_pow(&[5], &[], &[0x11]).unwrap()[..], &[1]);
    }

    #[test]
    fn comparison() {
        assert!(less_than(&[0, 1], &[2]));
        assert!(!less_than(&[2], &[0, 2]));
        assert!(less_than(&[], &[1]));
        assert!(!less_than(&[1, 0], &[0xFF]));
    }
}
