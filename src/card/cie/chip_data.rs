//! The public chip data the handshake needs: DH domain parameters (cie.md §4.2), the CA public
//! key (§4.1) and the chip's authentication key from EF 1004 (§2). All are read in plain, none
//! is secret and none changes for the life of a card, so the token keeps them in the
//! public-data cache beside the certificate (token::cache) and a login of a known card reads
//! none of them (issue #12: 11 APDUs a login).
//!
//! This file is the codec of the cache entry: `30 { 80 g ‖ 81 p ‖ 82 q ‖ 83 CA modulus ‖
//! 84 CA exponent ‖ 85 CAR ‖ 86 CA_AID ‖ 87 chip modulus ‖ 88 chip exponent }`, each value as
//! the card gave it. What is read back is untrusted: every field is checked as the card's
//! answers are, and anything odd is an error (the driver then reads the card).

use super::files::ChipKey;
use super::params::{CaKey, DhParams};
use crate::card::CardError;
use crate::iso7816::tlv;

/// Bigger than any value of a 2048-bit card (a 4096-bit one still fits).
const MAX_VALUE_LEN: usize = 1024;
const WHAT: &str = "cached chip data";
const OUTER_TAG: u32 = 0x30;
const FIELDS: usize = 9;

/// What one handshake needs from the card before it can start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipData {
    pub dh: DhParams,
    pub ca: CaKey,
    pub chip_key: ChipKey,
}

impl ChipData {
    pub fn encode(&self) -> Vec<u8> {
        let fields: [&[u8]; FIELDS] = [
            &self.dh.g,
            &self.dh.p,
            &self.dh.q,
            &self.ca.modulus,
            &self.ca.exponent,
            &self.ca.car,
            &self.ca.ca_aid,
            &self.chip_key.modulus,
            &self.chip_key.exponent,
        ];
        let mut body = Vec::new();
        for (i, value) in fields.iter().enumerate() {
            body.extend(tlv::encode(&[0x80 + i as u8], value));
        }
        tlv::encode(&[OUTER_TAG as u8], &body)
    }

    /// The entry as `encode` wrote it, every field present, in order, non-empty and bounded;
    /// CAR and CA_AID of the lengths §4.1 derives them with.
    pub fn decode(bytes: &[u8]) -> Result<ChipData, CardError> {
        let malformed = || CardError::Malformed(WHAT);
        let (outer, rest) = tlv::parse_one(bytes).map_err(|_| malformed())?;
        if outer.tag != OUTER_TAG || !rest.is_empty() {
            return Err(malformed());
        }
        let mut values = Vec::with_capacity(FIELDS);
        for (i, child) in outer.children().enumerate() {
            let child = child.map_err(|_| malformed())?;
            if i >= FIELDS
                || child.tag != 0x80 + i as u32
                || child.value.is_empty()
                || child.value.len() > MAX_VALUE_LEN
            {
                return Err(malformed());
            }
            values.push(child.value.to_vec());
        }
        let [g, p, q, ca_modulus, ca_exponent, car, ca_aid, chip_modulus, chip_exponent]: [Vec<u8>;
            FIELDS] = values.try_into().map_err(|_| malformed())?;
        // §4.1: CAR = CHR[4..12], CA_AID = CHA[0..6]; EF 1004's modulus is odd (files.rs).
        if car.len() != 8 || ca_aid.len() != 6 || chip_modulus.last().is_none_or(|b| b & 1 == 0) {
            return Err(malformed());
        }
        Ok(ChipData {
            dh: DhParams { g, p, q },
            ca: CaKey {
                modulus: ca_modulus,
                exponent: ca_exponent,
                car,
                ca_aid,
            },
            chip_key: ChipKey {
                modulus: chip_modulus,
                exponent: chip_exponent,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChipData {
        ChipData {
            dh: DhParams {
                g: vec![2],
                p: vec![0xFF; 256],
                q: vec![0x7F; 32],
            },
            ca: CaKey {
                modulus: vec![0xC1; 256],
                exponent: vec![1, 0, 1],
                car: b"ITCIECA1".to_vec(),
                ca_aid: vec![0xA0, 0, 0, 0, 0, 0x39],
            },
            chip_key: ChipKey {
                modulus: vec![0xC5; 256],
                exponent: vec![1, 0, 1],
            },
        }
    }

    #[test]
    fn round_trip() {
        let data = sample();
        assert_eq!(ChipData::decode(&data.encode()).unwrap(), data);
    }

    #[test]
    fn anything_odd_is_refused() {
        let good = sample().encode();
        assert!(ChipData::decode(&good[..good.len() - 1]).is_err());
        assert!(ChipData::decode(&[good.as_slice(), &[0]].concat()).is_err());
        assert!(ChipData::decode(&[]).is_err());
        assert!(ChipData::decode(&[0x30, 0x00]).is_err());
        let mut even = sample();
        even.chip_key.modulus = vec![0xC4; 256];
        assert!(ChipData::decode(&even.encode()).is_err());
        let mut short_car = sample();
        short_car.ca.car = vec![1; 7];
        assert!(ChipData::decode(&short_car.encode()).is_err());
        let mut empty = sample();
        empty.dh.q.clear();
        assert!(ChipData::decode(&empty.encode()).is_err());
        // Every single-byte corruption either decodes to something well-formed or is refused,
        // never a panic.
        for i in 0..good.len() {
            let mut bytes = good.clone();
            bytes[i] ^= 0xFF;
            let _ = ChipData::decode(&bytes);
        }
    }
}
