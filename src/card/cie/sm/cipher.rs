//! Two-key 3DES (K1‖K2‖K1) in CBC mode with a zero IV, and ISO/IEC 9797-1 padding
//! method 2 (cie.md §5.1: the IAS rule, not the ICAO one where IV = E(K_enc, SSC)).

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::TdesEde2;
use zeroize::Zeroizing;

use super::SmError;

pub const BLOCK: usize = 8;

/// ISO/IEC 9797-1 padding method 2: `80`, then `00` up to a multiple of 8; an aligned
/// input gets a whole extra block (cie.md §5.1).
pub fn pad(data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(data.len() + BLOCK));
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(BLOCK) {
        out.push(0x00);
    }
    out
}

/// Removes ISO padding method 2: trailing `00`s, then a mandatory `80`.
pub fn unpad(data: &[u8]) -> Result<&[u8], SmError> {
    let end = data
        .iter()
        .rposition(|b| *b != 0x00)
        .ok_or(SmError::Padding)?;
    if data[end] != 0x80 || data.len() - end > BLOCK {
        return Err(SmError::Padding);
    }
    Ok(&data[..end])
}

fn tdes(key: &[u8; 16]) -> TdesEde2 {
    // A 16-byte slice is always a valid TdesEde2 key: the error arm cannot happen.
    TdesEde2::new(GenericArray::from_slice(key))
}

/// 3DES-CBC encryption, IV zero, of data already padded to whole blocks.
pub fn encrypt(key: &[u8; 16], padded: &[u8]) -> Result<Vec<u8>, SmError> {
    if padded.is_empty() || !padded.len().is_multiple_of(BLOCK) {
        return Err(SmError::BlockLength);
    }
    let cipher = tdes(key);
    let mut chain = [0u8; BLOCK];
    let mut out = Vec::with_capacity(padded.len());
    for block in padded.chunks_exact(BLOCK) {
        let mut b = GenericArray::clone_from_slice(block);
        for (x, c) in b.iter_mut().zip(chain.iter()) {
            *x ^= c;
        }
        cipher.encrypt_block(&mut b);
        chain.copy_from_slice(&b);
        out.extend_from_slice(&b);
    }
    Ok(out)
}

/// 3DES-CBC decryption, IV zero; the result still carries its padding.
pub fn decrypt(key: &[u8; 16], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, SmError> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK) {
        return Err(SmError::BlockLength);
    }
    let cipher = tdes(key);
    let mut chain = [0u8; BLOCK];
    let mut out = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    for block in ciphertext.chunks_exact(BLOCK) {
        let mut b = GenericArray::clone_from_slice(block);
        cipher.decrypt_block(&mut b);
        for (x, c) in b.iter_mut().zip(chain.iter()) {
            *x ^= c;
        }
        chain.copy_from_slice(block);
        out.extend_from_slice(&b);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 16] = *b"\x01\x23\x45\x67\x89\xAB\xCD\xEF\xFE\xDC\xBA\x98\x76\x54\x32\x10";

    #[test]
    fn padding_method_2() {
        assert_eq!(&pad(&[])[..], &[0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&pad(&[1, 2, 3])[..], &[1, 2, 3, 0x80, 0, 0, 0, 0]);
        assert_eq!(pad(&[7; 8]).len(), 16);
        assert_eq!(pad(&[7; 8])[8], 0x80);
        assert_eq!(unpad(&pad(&[1, 2, 3])).unwrap(), &[1, 2, 3]);
        assert_eq!(unpad(&pad(&[0x80; 8])).unwrap(), &[0x80; 8]);
        assert_eq!(unpad(&[1, 2, 0, 0]), Err(SmError::Padding));
        assert_eq!(unpad(&[0; 8]), Err(SmError::Padding));
        assert_eq!(unpad(&[]), Err(SmError::Padding));
        // More than one block of 00 after the 80 is not padding.
        let mut long = vec![0x80];
        long.extend([0; 9]);
        assert_eq!(unpad(&long), Err(SmError::Padding));
    }

    /// Vectors computed with Python `cryptography` (TripleDES, CBC, IV zero) from the key
    /// above, independently of this code.
    #[test]
    fn known_answer() {
        let plain = pad(b"CIE 3.0 secure messaging");
        let c = encrypt(&KEY, &plain).unwrap();
        assert_eq!(
            crate::iso7816::apdu::hex(&c),
            "54E154FB163991A93359DE677782537310B9FD77ACE420A0EED358A55E0C08F9"
        );
        assert_eq!(&decrypt(&KEY, &c).unwrap()[..], &plain[..]);
    }

    #[test]
    fn block_length_errors() {
        assert_eq!(encrypt(&KEY, &[]), Err(SmError::BlockLength));
        assert_eq!(encrypt(&KEY, &[0; 9]), Err(SmError::BlockLength));
        assert_eq!(
            decrypt(&KEY, &[0; 7]).map(|_| ()),
            Err(SmError::BlockLength)
        );
    }
}
