//! What the token's public-data cache keeps for a TS-CNS beside its certificate (issue #12:
//! a warm listing reads the serial and the retry counter only): the profile whose layout
//! answered (cns.md §8 step 3, the certificate read that tells layouts apart) and the fields
//! of EF_DatiPersonali the token shows (`PersonalData::shown_fields_file`).
//!
//! Codec: `30 { 80 profile name ‖ [81 EF_DatiPersonali] }`. Read back as untrusted card data:
//! a name no candidate of this card has, or anything malformed, and the entry is ignored.

use crate::iso7816::tlv;

const OUTER_TAG: u32 = 0x30;
const PROFILE_TAG: u32 = 0x80;
const PERSONAL_TAG: u32 = 0x81;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedLayout {
    pub profile: String,
    pub personal_file: Option<Vec<u8>>,
}

impl CachedLayout {
    pub fn encode(&self) -> Vec<u8> {
        let mut body = tlv::encode(&[PROFILE_TAG as u8], self.profile.as_bytes());
        if let Some(file) = &self.personal_file {
            body.extend(tlv::encode(&[PERSONAL_TAG as u8], file));
        }
        tlv::encode(&[OUTER_TAG as u8], &body)
    }

    pub fn decode(bytes: &[u8]) -> Option<CachedLayout> {
        let (outer, rest) = tlv::parse_one(bytes).ok()?;
        if outer.tag != OUTER_TAG || !rest.is_empty() {
            return None;
        }
        let mut children = outer.children();
        let name = children.next()?.ok()?;
        if name.tag != PROFILE_TAG || name.value.is_empty() || name.value.len() > 64
        /* longer than any profile name */
        {
            return None;
        }
        let profile = std::str::from_utf8(name.value).ok()?.to_string();
        let personal_file = match children.next() {
            None => None,
            Some(child) => {
                let child = child.ok()?;
                if child.tag != PERSONAL_TAG {
                    return None;
                }
                Some(child.value.to_vec())
            }
        };
        if children.next().is_some() {
            return None;
        }
        Some(CachedLayout {
            profile,
            personal_file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        for entry in [
            CachedLayout {
                profile: "stincard".into(),
                personal_file: Some(b"00000605ROSSI".to_vec()),
            },
            CachedLayout {
                profile: "cardos".into(),
                personal_file: None,
            },
        ] {
            let bytes = entry.encode();
            assert_eq!(CachedLayout::decode(&bytes), Some(entry));
            assert_eq!(CachedLayout::decode(&bytes[..bytes.len() - 1]), None);
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 0xA5;
                let _ = CachedLayout::decode(&b);
            }
        }
        assert_eq!(CachedLayout::decode(&[0x30, 0x00]), None);
        assert_eq!(CachedLayout::decode(&[]), None);
    }
}
