//! "DAPP" device authentication with privacy (cie.md §4.4): the chip checks the terminal's CV
//! certificate under the CA key (C2), checks the terminal's EXTERNAL AUTHENTICATE, and proves itself
//! with the give-random INTERNAL AUTHENTICATE under its own key (public part in EF 1004).
//! All signatures are ISO 9796-2 scheme 1 with SHA-256 and message recovery: `6A ‖ M1 ‖ H ‖ BC`.

use super::keys::{to_fixed, CaPublicKey, ChipKey};
use super::tlv;
use rsa::rand_core::{OsRng, RngCore};
use rsa::BigUint;
use sha2::{Digest, Sha256};

/// Certificate holder authorisation OID of the terminal certificate (§4.4 step 1).
pub const TERMINAL_OID: [u8; 9] = [0x2A, 0x81, 0x22, 0xF4, 0x2A, 0x02, 0x04, 0x01, 0x04];
/// The certificate profile identifier byte that starts the body.
pub const CPI: u8 = 0x8A;
const HASH_LEN: usize = 32;
/// `6A` + hash + `BC` around the recovered message.
const ISO9796_OVERHEAD: usize = HASH_LEN + 2;

/// Everything the two authentication hashes cover besides the nonces (§4.4 steps 6 and 8).
pub struct Transcript<'a> {
    pub y_ifd: &'a [u8],
    pub y_icc: &'a [u8],
    pub g: &'a [u8],
    pub p: &'a [u8],
    pub q: &'a [u8],
}

/// The terminal's public key from a verified certificate, and its holder reference.
pub struct TerminalKey {
    pub chr: Vec<u8>,
    n: BigUint,
    e: BigUint,
    k: usize,
}

fn sha256(parts: &[&[u8]]) -> [u8; HASH_LEN] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Split a recovered ISO 9796-2 block into (M1, H); `None` unless it is `6A ‖ M1 ‖ H ‖ BC`.
fn open_block(block: &[u8]) -> Option<(&[u8], &[u8])> {
    if block.len() < ISO9796_OVERHEAD || block.first() != Some(&0x6A) || block.last() != Some(&0xBC)
    {
        return None;
    }
    let m1 = &block[1..block.len() - 1 - HASH_LEN];
    let h = &block[block.len() - 1 - HASH_LEN..block.len() - 1];
    Some((m1, h))
}

/// PSO VERIFY CERTIFICATE (§4.4 step 3): CVC = `7F21 { 5F37 sig, 5F38 remainder, 42 CAR }`, body =
/// CPI ‖ CAR(8) ‖ CHR(12) ‖ CHA(7) ‖ OID(9) ‖ n_ifd ‖ e_ifd. `car` is the CA's CHR[4..] and `ca_aid`
/// its CHA[0..6] (§4.1). `None` on any mismatch.
pub fn verify_certificate(
    ca: &CaPublicKey,
    car: &[u8],
    ca_aid: &[u8],
    cvc: &[u8],
) -> Option<TerminalKey> {
    let (outer, rest) = tlv::read(cvc)?;
    if outer.tag != 0x7F21 || !rest.is_empty() {
        return None;
    }
    let (mut sig, mut remainder, mut cert_car) = (None, None, None);
    for t in tlv::read_all(outer.value)? {
        match t.tag {
            0x5F37 => sig = Some(t.value),
            0x5F38 => remainder = Some(t.value),
            0x42 => cert_car = Some(t.value),
            _ => return None,
        }
    }
    if cert_car? != car {
        return None;
    }
    let block = ca.recover(sig?)?;
    let (m1, h) = open_block(&block)?;
    let mut body = m1.to_vec();
    body.extend_from_slice(remainder.unwrap_or(&[]));
    if sha256(&[&body]) != h {
        return None;
    }
    // Fixed-position body (§4.4 step 1); the terminal key is RSA-2048 as published.
    let (cpi, rest) = body.split_first()?;
    let (body_car, rest) = (rest.get(..8)?, rest.get(8..)?);
    let (chr, rest) = (rest.get(..12)?, rest.get(12..)?);
    let (cha, rest) = (rest.get(..7)?, rest.get(7..)?);
    let (oid, rest) = (rest.get(..9)?, rest.get(9..)?);
    let (n, e) = (rest.get(..256)?, rest.get(256..)?);
    if *cpi != CPI
        || body_car != car
        || cha.get(..6)? != ca_aid
        || oid != TERMINAL_OID
        || e.is_empty()
    {
        return None;
    }
    Some(TerminalKey {
        chr: chr.to_vec(),
        n: BigUint::from_bytes_be(n),
        e: BigUint::from_bytes_be(e),
        k: n.len(),
    })
}

/// EXTERNAL AUTHENTICATE (§4.4 step 6): data = SN.IFD ‖ S, S^e = `6A ‖ PRND ‖ H ‖ BC` with
/// H = SHA-256(PRND ‖ Y_ifd ‖ SN.IFD ‖ RND.ICC ‖ Y_icc ‖ g ‖ p ‖ q).
pub fn check_external_authenticate(
    term: &TerminalKey,
    rnd_icc: &[u8],
    t: &Transcript,
    data: &[u8],
) -> bool {
    let Some((sn_ifd, s)) = data.split_at_checked(8) else {
        return false;
    };
    if term.chr.get(4..) != Some(sn_ifd) || s.len() != term.k {
        return false;
    }
    let sig = BigUint::from_bytes_be(s);
    if sig >= term.n {
        return false;
    }
    let Some(block) = to_fixed(&sig.modpow(&term.e, &term.n), term.k) else {
        return false;
    };
    let Some((prnd, h)) = open_block(&block) else {
        return false;
    };
    sha256(&[prnd, t.y_ifd, sn_ifd, rnd_icc, t.y_icc, t.g, t.p, t.q]) == h
}

/// INTERNAL AUTHENTICATE with the DAPP key (§4.4 step 8): SN.ICC ‖ R, R = raw RSA private over
/// `6A ‖ PRND2 ‖ H2 ‖ BC`, H2 = SHA-256(PRND2 ‖ Y_icc ‖ SN.ICC ‖ RND.IFD ‖ Y_ifd ‖ g ‖ p ‖ q),
/// |PRND2| = k − 34 (C8: the host checks R^e directly, no min(R, n−R)).
pub fn give_random(
    dapp: &ChipKey,
    sn_icc: &[u8],
    rnd_ifd: &[u8],
    t: &Transcript,
) -> Option<Vec<u8>> {
    let mut prnd2 = vec![0u8; dapp.size().checked_sub(ISO9796_OVERHEAD)?];
    OsRng.fill_bytes(&mut prnd2);
    let h2 = sha256(&[&prnd2, t.y_icc, sn_icc, rnd_ifd, t.y_ifd, t.g, t.p, t.q]);
    let mut block = vec![0x6A];
    block.extend_from_slice(&prnd2);
    block.extend_from_slice(&h2);
    block.push(0xBC);
    let r = dapp.raw_private(&block)?;
    let mut out = sn_icc.to_vec();
    out.extend(r);
    Some(out)
}
