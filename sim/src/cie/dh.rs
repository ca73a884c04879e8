//! The chip's half of the DH key agreement (cie.md §4.3, C4) and the session keys derived from it.
//! Group: the X9.42 domain parameters of EF.DH (D004), RFC 5114 §2.3 as in the §12 experiment.

use super::keys::to_fixed;
use super::tlv;
use rsa::rand_core::{OsRng, RngCore};
use rsa::BigUint;
use sha2::{Digest, Sha256};

/// g, p, q as the chip returns them in GET DATA (minimal big-endian, hashed as returned: C3).
pub struct DhGroup {
    pub g: Vec<u8>,
    pub p: Vec<u8>,
    pub q: Vec<u8>,
}

fn strip_zeros(v: &[u8]) -> Vec<u8> {
    let first = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    v[first..].to_vec()
}

impl DhGroup {
    /// From EF.DH: SEQUENCE { INTEGER p, INTEGER g, INTEGER q, ... } (X9.42 DomainParameters).
    pub fn from_ef_dh(der: &[u8]) -> Result<Self, String> {
        let (outer, _) = tlv::read(der).ok_or("EF.DH: not DER")?;
        let mut rest = outer.value;
        let mut ints = Vec::new();
        while ints.len() < 3 {
            let (t, r) = tlv::read(rest).ok_or("EF.DH: short")?;
            if t.tag != 0x02 {
                return Err("EF.DH: expected INTEGER".into());
            }
            ints.push(strip_zeros(t.value));
            rest = r;
        }
        Ok(DhGroup {
            p: ints[0].clone(),
            g: ints[1].clone(),
            q: ints[2].clone(),
        })
    }

    /// |p| in bytes: Y and Z travel at this length (C4: "Z is full |p| length").
    pub fn p_len(&self) -> usize {
        self.p.len()
    }
}

/// One key agreement in progress: the chip's private value and both public values as bytes.
pub struct KeyAgreement {
    x: BigUint,
    pub y_ifd: Vec<u8>,
    pub y_icc: Vec<u8>,
}

impl KeyAgreement {
    /// Accept the terminal's public value (DO 91 of MSE SET 41 A6) and make the chip's pair.
    /// `None` if Y_ifd is not in 2..p−2 (a degenerate value the chip must refuse).
    pub fn start(group: &DhGroup, y_ifd: &[u8]) -> Option<Self> {
        let p = BigUint::from_bytes_be(&group.p);
        let y = BigUint::from_bytes_be(y_ifd);
        let one = BigUint::from(1u8);
        if y <= one || y >= &p - &one {
            return None;
        }
        let q = BigUint::from_bytes_be(&group.q);
        let mut buf = vec![0u8; group.q.len()];
        let x = loop {
            OsRng.fill_bytes(&mut buf);
            let x = BigUint::from_bytes_be(&buf) % &q;
            if x > one {
                break x;
            }
        };
        let g = BigUint::from_bytes_be(&group.g);
        let y_icc = to_fixed(&g.modpow(&x, &p), group.p_len())?;
        Some(KeyAgreement {
            x,
            y_ifd: y_ifd.to_vec(),
            y_icc,
        })
    }

    /// K_enc, K_mac = first 16 bytes of SHA-256(Z ‖ 00000001 / 00000002), Z at |p| bytes (§4.3).
    pub fn session_keys(&self, group: &DhGroup) -> Option<([u8; 16], [u8; 16])> {
        let p = BigUint::from_bytes_be(&group.p);
        let z = BigUint::from_bytes_be(&self.y_ifd).modpow(&self.x, &p);
        let z = to_fixed(&z, group.p_len())?;
        Some((derive(&z, 1), derive(&z, 2)))
    }
}

pub fn derive(z: &[u8], counter: u32) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(z);
    h.update(counter.to_be_bytes());
    let d = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}
