//! The secure-messaging primitives of cie.md §5.1: two-key 3DES-CBC with a zero IV, the ISO 9797-1
//! MAC algorithm 3 ("retail MAC") and ISO 9797-1 padding method 2.

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};

pub const BLOCK: usize = 8;

/// ISO 9797-1 padding method 2: `80` then `00` up to a multiple of 8; an aligned input gets a whole
/// extra block (§5.1).
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + BLOCK);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(BLOCK) {
        out.push(0);
    }
    out
}

/// Undo [`pad`]; `None` if the trailer is not `80 00*` within the last block.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let pos = data.iter().rposition(|&b| b != 0)?;
    if data[pos] != 0x80 || data.len() - pos > BLOCK {
        return None;
    }
    Some(&data[..pos])
}

fn tdes(key: &[u8; 16]) -> TdesEde2 {
    TdesEde2::new(GenericArray::from_slice(key))
}

/// 3DES-CBC encryption, IV = 8 zero bytes (IAS, §5.1). `data` must be block-aligned.
pub fn encrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let cipher = tdes(key);
    let mut prev = [0u8; BLOCK];
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks(BLOCK) {
        let mut block = [0u8; BLOCK];
        for (i, b) in chunk.iter().enumerate() {
            block[i] = b ^ prev[i];
        }
        let mut ga = GenericArray::clone_from_slice(&block);
        cipher.encrypt_block(&mut ga);
        prev.copy_from_slice(&ga);
        out.extend_from_slice(&ga);
    }
    out
}

/// 3DES-CBC decryption, IV zero. `None` if `data` is not block-aligned.
pub fn decrypt(key: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let cipher = tdes(key);
    let mut prev = [0u8; BLOCK];
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks(BLOCK) {
        let mut ga = GenericArray::clone_from_slice(chunk);
        cipher.decrypt_block(&mut ga);
        for i in 0..BLOCK {
            out.push(ga[i] ^ prev[i]);
        }
        prev.copy_from_slice(chunk);
    }
    Some(out)
}

/// ISO 9797-1 MAC algorithm 3 over `pad(data)`: single DES-CBC with K1, the last block through
/// 3DES (K1, K2, K1); 8-byte MAC (§5.1).
pub fn retail_mac(key: &[u8; 16], data: &[u8]) -> [u8; 8] {
    let padded = pad(data);
    let k1 = Des::new(GenericArray::from_slice(&key[..8]));
    let mut state = [0u8; BLOCK];
    let blocks: Vec<&[u8]> = padded.chunks(BLOCK).collect();
    let last = blocks.len() - 1;
    for (n, chunk) in blocks.iter().enumerate() {
        for i in 0..BLOCK {
            state[i] ^= chunk[i];
        }
        let mut ga = GenericArray::clone_from_slice(&state);
        if n == last {
            tdes(key).encrypt_block(&mut ga);
        } else {
            k1.encrypt_block(&mut ga);
        }
        state.copy_from_slice(&ga);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trip() {
        assert_eq!(pad(&[]), vec![0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(pad(&[1; 8]).len(), 16);
        assert_eq!(unpad(&pad(&[1, 2, 3])), Some(&[1u8, 2, 3][..]));
        assert_eq!(unpad(&[1, 2, 0, 0]), None);
        assert_eq!(unpad(&[0; 8]), None);
    }

    #[test]
    fn cbc_round_trip() {
        let key = [7u8; 16];
        let data = pad(b"hello secure messaging");
        let c = encrypt(&key, &data);
        assert_ne!(c, data);
        assert_eq!(decrypt(&key, &c), Some(data));
        assert_eq!(decrypt(&key, &[1, 2, 3]), None);
    }

    /// ISO/IEC 9797-1 MAC algorithm 3 known answer from ICAO 9303-11 worked example
    /// (Appendix D.4: KSmac = F1CB1F1FB5ADF208806B89DC579DC1F8, the first protected command).
    #[test]
    fn retail_mac_known_answer() {
        let key: [u8; 16] = hex("F1CB1F1FB5ADF208806B89DC579DC1F8").try_into().unwrap();
        let n = hex("887022120C06C2270CA4020C800000008709016375432908C044F6");
        assert_eq!(retail_mac(&key, &n).to_vec(), hex("BF8B92D635FF24F8"));
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
