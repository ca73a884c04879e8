//! The chip's authentication key (key reference 01): raw RSA private-key operation, no padding
//! check — what PSO DECIPHER does on classic CNS (docs/cards/cns.md §5.1).

use rsa::hazmat::rsa_decrypt_and_check;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey};

pub struct CardKey {
    key: RsaPrivateKey,
}

impl CardKey {
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        let key = RsaPrivateKey::from_pkcs8_der(der).map_err(|e| format!("card key: {e}"))?;
        Ok(CardKey { key })
    }

    /// Modulus length in bytes (k).
    pub fn size(&self) -> usize {
        self.key.size()
    }

    /// The public key as PKCS#1 RSAPublicKey DER (content of EF 3F01).
    pub fn public_pkcs1_der(&self) -> Result<Vec<u8>, String> {
        self.key
            .to_public_key()
            .to_pkcs1_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| format!("card public key: {e}"))
    }

    /// `block^d mod n`, left-padded to k bytes. `None` if the block is not k bytes or not below n.
    pub fn raw_private(&self, block: &[u8]) -> Option<Vec<u8>> {
        let k = self.size();
        if block.len() != k {
            return None;
        }
        let c = BigUint::from_bytes_be(block);
        if &c >= self.key.n() {
            return None;
        }
        let m = rsa_decrypt_and_check(&self.key, Some(&mut OsRng), &c).ok()?;
        let bytes = m.to_bytes_be();
        let mut out = vec![0u8; k.checked_sub(bytes.len())?];
        out.extend_from_slice(&bytes);
        Some(out)
    }

    /// `block^e mod n` (for tests: check a raw private result).
    #[cfg(test)]
    pub fn raw_public(&self, block: &[u8]) -> Vec<u8> {
        let m = BigUint::from_bytes_be(block);
        let c = m.modpow(self.key.e(), self.key.n()).to_bytes_be();
        let mut out = vec![0u8; self.size().saturating_sub(c.len())];
        out.extend_from_slice(&c);
        out
    }
}
