//! Diffie-Hellman key agreement with the chip, in plain (cie.md §4.3, C4), and the
//! derivation of the secure-messaging keys from the shared secret.

use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::bignum::{self, less_than, strip};
use super::params::DhParams;
use super::plain;
use super::secure_channel::PendingChannel;
use super::sm::SessionKeys;
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::ins::{INS_GET_DATA, INS_MSE};
use crate::iso7816::{tlv, Command};

/// Attempts at drawing x below q before calling the random generator broken.
const MAX_DRAWS: usize = 64;

/// The outcome of §4.3: the pending session and both public values, which the mutual
/// authentication hashes (§4.4 steps 6 and 8).
pub struct KeyAgreement {
    pub channel: PendingChannel,
    pub y_ifd: Vec<u8>,
    pub y_icc: Vec<u8>,
}

/// The host's ephemeral key; x is wiped on drop.
struct HostKey {
    x: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

/// §4.3 step 1: x random of |q| bytes (and bits), below q, odd; Y_ifd = g^x mod p (full |p| bytes).
fn host_key(params: &DhParams, rng: &dyn SecureRandom) -> Result<HostKey, CardError> {
    let q = strip(&params.q);
    if q.is_empty() {
        return Err(CardError::Malformed("DH q"));
    }
    let mut x = Zeroizing::new(vec![0u8; q.len()]);
    for _ in 0..MAX_DRAWS {
        rng.fill(&mut x)
            .map_err(|_| CardError::Malformed("system random generator"))?;
        // As many bits as q, so that a draw is below q at least half of the time.
        if let (Some(first), Some(q0)) = (x.first_mut(), q.first()) {
            *first &= u8::MAX >> q0.leading_zeros();
        }
        if let Some(last) = x.last_mut() {
            *last |= 1;
        }
        if less_than(&x, q) && less_than(&[1], &x) {
            let public = bignum::mod_pow(&params.g, &x, &params.p)
                .map_err(|_| CardError::Malformed("DH parameters"))?;
            return Ok(HostKey {
                x,
                public: public.to_vec(),
            });
        }
    }
    Err(CardError::Malformed("system random generator"))
}

/// §4.3 step 2: MSE SET `00 22 41 A6`, `80 01 9B | 83 01 81 | 91 L Y_ifd` (266 bytes for a
/// 2048-bit group, sent chained in plain by `plain::send`, C4).
pub fn mse_set_key_agreement(y_ifd: &[u8]) -> Command {
    let mut data = vec![0x80, 0x01, 0x9B, 0x83, 0x01, 0x81, 0x91];
    tlv::push_length(&mut data, y_ifd.len());
    data.extend_from_slice(y_ifd);
    Command::new(0x00, INS_MSE, 0x41, 0xA6).with_data(data)
}

/// §4.3 step 3: GET DATA of the chip's public value, case 3 (C4).
pub fn icc_public_query() -> Command {
    Command::new(0x00, INS_GET_DATA, 0x3F, 0xFF).with_data(vec![0x4D, 0x04, 0xA6, 0x02, 0x91, 0x00])
}

/// C4: `A6 { 91 Y_icc }`, by position.
pub fn parse_icc_public(answer: &[u8]) -> Result<Vec<u8>, CardError> {
    const WHAT: &str = "ICC public key answer";
    let (outer, _) = tlv::parse_one(answer).map_err(|_| CardError::Malformed(WHAT))?;
    if !outer.is_constructed() {
        return Err(CardError::Malformed(WHAT));
    }
    let (inner, _) = tlv::parse_one(outer.value).map_err(|_| CardError::Malformed(WHAT))?;
    if inner.tag != 0x91 || inner.value.is_empty() {
        return Err(CardError::Malformed(WHAT));
    }
    Ok(inner.value.to_vec())
}

/// §4.3 step 5: K_enc = SHA-256(Z ‖ 00000001)[..16], K_mac = SHA-256(Z ‖ 00000002)[..16].
pub fn derive_keys(z: &[u8]) -> SessionKeys {
    let derive = |counter: u8| {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(z);
        ctx.update(&[0, 0, 0, counter]);
        let digest = ctx.finish();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest.as_ref()[..16]);
        key
    };
    SessionKeys::new(derive(1), derive(2))
}

/// Runs §4.3 steps 1–6 in plain and returns the pending secure session.
pub fn agree(
    channel: &mut CardChannel<'_>,
    params: &DhParams,
    rng: &dyn SecureRandom,
) -> Result<KeyAgreement, CardError> {
    let host = host_key(params, rng)?;
    let response = plain::send(channel, &mse_set_key_agreement(&host.public))?;
    plain::expect_success(INS_MSE, response)?;
    let answer = plain::expect_success(INS_GET_DATA, channel.execute(&icc_public_query())?)?;
    let y_icc = parse_icc_public(&answer)?;
    // 1 < Y_icc < p − 1: anything else would make Z predictable.
    let p = strip(&params.p);
    let p_minus_one = {
        let mut v = p.to_vec();
        if let Some(last) = v.last_mut() {
            *last = last.wrapping_sub(1); // p is odd: no borrow.
        }
        v
    };
    if !less_than(&[1], &y_icc) || !less_than(&y_icc, &p_minus_one) {
        return Err(CardError::Malformed("ICC public key out of range"));
    }
    let z = bignum::mod_pow(&y_icc, &host.x, &params.p)
        .map_err(|_| CardError::Malformed("DH parameters"))?;
    Ok(KeyAgreement {
        channel: PendingChannel::new(derive_keys(&z)),
        y_ifd: host.public.clone(),
        y_icc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso7816::apdu::hex;

    /// Computed with Python hashlib from Z = 00 01 … FF.
    #[test]
    fn key_derivation() {
        let z: Vec<u8> = (0..=255u8).collect();
        let keys = derive_keys(&z);
        assert_eq!(hex(&keys.enc), "20D0CA4184B64CF791DA828CC135E354");
        assert_eq!(hex(&keys.mac), "9B0BB985660ADF0B819D798B8A6D9071");
    }

    #[test]
    fn mse_set_is_266_bytes_for_a_2048_bit_group() {
        let c = mse_set_key_agreement(&[0xAB; 256]);
        assert_eq!(c.data.len(), 266);
        assert_eq!(
            &c.data[..10],
            &[0x80, 0x01, 0x9B, 0x83, 0x01, 0x81, 0x91, 0x82, 0x01, 0x00]
        );
        assert_eq!(
            hex(&icc_public_query().encode(false).unwrap()),
            "00CB3FFF064D04A6029100"
        );
    }

    #[test]
    fn icc_public_answer() {
        assert_eq!(
            parse_icc_public(&[0xA6, 0x04, 0x91, 0x02, 5, 6]).unwrap(),
            [5, 6]
        );
        assert!(parse_icc_public(&[0xA6, 0x02, 0x92, 0x00]).is_err());
        assert!(parse_icc_public(&[0x91, 0x01, 0x05]).is_err());
        assert!(parse_icc_public(&[0xA6, 0x05, 0x91, 0x02, 5]).is_err());
        assert!(parse_icc_public(&[]).is_err());
    }

    #[test]
    fn both_sides_agree_on_a_small_group() {
        // p = 2q + 1 with q = 1019 (prime), g = 4 generates the order-q subgroup.
        let params = DhParams {
            g: vec![4],
            p: vec![0x07, 0xF7],
            q: vec![0x03, 0xFB],
        };
        let rng = ring::rand::SystemRandom::new();
        let a = host_key(&params, &rng).unwrap();
        let b = host_key(&params, &rng).unwrap();
        assert_eq!(a.x.last().map(|v| v & 1), Some(1));
        let za = bignum::mod_pow(&b.public, &a.x, &params.p).unwrap();
        let zb = bignum::mod_pow(&a.public, &b.x, &params.p).unwrap();
        assert_eq!(za, zb);
        assert_eq!(a.public.len(), 2);
    }
}
