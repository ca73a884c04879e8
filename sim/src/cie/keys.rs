//! The chip's RSA keys (cie.md §2/§3/§7) and the CA public key it reports (§4.1, C2), all from the
//! committed fixtures (sim/fixtures/cie/, made by scripts/make-cie-fixtures).

use rsa::hazmat::rsa_decrypt_and_check;
use rsa::pkcs8::DecodePrivateKey;
use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey};

/// Left-pad a big-endian number to `k` bytes; `None` if it does not fit.
pub fn to_fixed(n: &BigUint, k: usize) -> Option<Vec<u8>> {
    let bytes = n.to_bytes_be();
    let mut out = vec![0u8; k.checked_sub(bytes.len())?];
    out.extend_from_slice(&bytes);
    Some(out)
}

/// A private key held by the chip.
pub struct ChipKey {
    key: RsaPrivateKey,
}

impl ChipKey {
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        let key = RsaPrivateKey::from_pkcs8_der(der).map_err(|e| format!("chip key: {e}"))?;
        Ok(ChipKey { key })
    }

    /// Modulus length in bytes (k).
    pub fn size(&self) -> usize {
        self.key.size()
    }

    /// `block^d mod n`, k bytes; `None` if the block is not k bytes or not below n.
    pub fn raw_private(&self, block: &[u8]) -> Option<Vec<u8>> {
        if block.len() != self.size() {
            return None;
        }
        let c = BigUint::from_bytes_be(block);
        if &c >= self.key.n() {
            return None;
        }
        let m = rsa_decrypt_and_check(&self.key, Some(&mut OsRng), &c).ok()?;
        to_fixed(&m, self.size())
    }

    /// What algorithm `02` does (§7): the chip adds PKCS#1 v1.5 block type 01 padding to the bytes
    /// it gets (normally a DigestInfo) and signs. `None` when the input is longer than k − 11 (the
    /// caller answers 6700) or empty.
    pub fn sign_pkcs1_type1(&self, input: &[u8]) -> Option<Vec<u8>> {
        let k = self.size();
        if input.is_empty() || input.len() > k.checked_sub(11)? {
            return None;
        }
        let mut block = vec![0x00, 0x01];
        block.resize(k - input.len() - 1, 0xFF);
        block.push(0x00);
        block.extend_from_slice(input);
        self.raw_private(&block)
    }
}

/// The CA public key the chip reports for the terminal certificate (C2): (n, e) pairs with the
/// published CA private exponent; e is about as long as n, so checking is a full-size modpow.
pub struct CaPublicKey {
    pub n: BigUint,
    pub e: BigUint,
    pub n_bytes: Vec<u8>,
    pub e_bytes: Vec<u8>,
}

impl CaPublicKey {
    pub fn new(n: &[u8], e: &[u8]) -> Self {
        CaPublicKey {
            n: BigUint::from_bytes_be(n),
            e: BigUint::from_bytes_be(e),
            n_bytes: n.to_vec(),
            e_bytes: e.to_vec(),
        }
    }

    /// `sig^e mod n` as |n| bytes; `None` if the signature is not |n| bytes or not below n.
    pub fn recover(&self, sig: &[u8]) -> Option<Vec<u8>> {
        if sig.len() != self.n_bytes.len() {
            return None;
        }
        let s = BigUint::from_bytes_be(sig);
        if s >= self.n {
            return None;
        }
        to_fixed(&s.modpow(&self.e, &self.n), self.n_bytes.len())
    }
}
