//! TS-CNS variants: the ATR historical-byte decode (cns.md §1.1) and the profile table
//! that maps a decoded ATR to the card's layout, references and quirks (cns.md §2.1, §6).
//!
//! New variants (CardOS, Athena, Oberthur, IDEMIA 2021, InfoCamere 1204, ACe 2025) go into
//! `PROFILES`; nothing else in the driver should need to know about them.

use crate::iso7816::atr;

/// The CNS pre-issuing data in the 15 historical bytes (cns.md §1.1, indices 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnsAtr {
    /// hist[2]: ISO/IEC 7816-6 IC manufacturer (not reliable, cns.md §1.3).
    pub ic_maker: u8,
    /// hist[3]: OS (mask) manufacturer, CNS-specific list.
    pub mask_maker: u8,
    /// hist[4], hist[5].
    pub os_version: (u8, u8),
    /// hist[12]: CNS specification version, BCD (`10` = 1.0, `11` = 1.1).
    pub cns_version: u8,
}

impl CnsAtr {
    /// `Some` for an ATR with 15 historical bytes, `00 6B` compact-TLV pre-issuing data and
    /// "CNS" at hist[9..12] (the marker OpenSC matches, cns.md §1.2).
    pub fn decode(atr: &[u8]) -> Option<CnsAtr> {
        let hist = atr::historical_bytes(atr).ok()?;
        if hist.len() != 15 || hist[..2] != [0x00, 0x6B] || &hist[9..12] != b"CNS" {
            return None;
        }
        Some(CnsAtr {
            ic_maker: hist[2],
            mask_maker: hist[3],
            os_version: (hist[4], hist[5]),
            cns_version: hist[12],
        })
    }

    /// RSA-2048 and extended APDUs: CNS 1.1, or IDEMIA 2021 (cns.md §1.2, §5.3 – a heuristic;
    /// the key size itself is taken from the certificate).
    pub fn supports_extended_apdu(&self) -> bool {
        self.cns_version >= 0x11 || self.is_idemia_2021()
    }

    /// Infineon IC, IDEMIA mask, OS major ≥ 0x20 (cns.md §1.2, §6.4).
    pub fn is_idemia_2021(&self) -> bool {
        self.ic_maker == 0x05 && self.mask_maker == 0x05 && self.os_version.0 >= 0x20
    }
}

/// OS (mask) manufacturer names, hist[3] (cns.md §1.3).
pub fn mask_maker_name(code: u8) -> &'static str {
    match code {
        0x01 => "Kaitech",
        0x02 => "Gemplus",
        0x03 => "Ghirlanda",
        0x04 => "Giesecke & Devrient",
        0x05 => "IDEMIA (Oberthur)",
        0x06 => "Orga",
        0x07 => "Axalto",
        0x08 => "Siemens",
        0x09 => "STIncard",
        0x0A => "GEP",
        0x0B => "EPS Corp",
        0x0C => "Athena",
        0x0D => "Gemalto",
        _ => "Unknown",
    }
}

/// A production lot with a name users know it by (cns.md §1.4).
struct Lot {
    mask_maker: u8,
    os_version: (u8, u8),
    name: &'static str,
}

const LOTS: &[Lot] = &[Lot {
    mask_maker: 0x09,
    os_version: (0x16, 0x17),
    name: "ST 2021",
}];

/// How one family of TS-CNS cards is laid out and addressed.
#[derive(Debug)]
pub struct Profile {
    /// For logs.
    pub name: &'static str,
    matches: fn(&CnsAtr) -> bool,
    /// cns.md §4: STIncard wants b8 of the PIN P2 set ("search the BSO with backtracking").
    pub pin_p2_backtracking: bool,
    /// MSE SET key reference `83 01 xx` (cns.md §2.1 table, CNS0 = `01`).
    pub key_reference: u8,
    /// PIN BSO reference (`10`) and PUK (`11`), before the backtracking bit.
    pub pin_reference: u8,
    pub puk_reference: u8,
    /// DF to select before MSE (IDEMIA 2021, InfoCamere 1204); `None` for CNS0.
    pub key_path: Option<&'static [u8]>,
    /// Path from the MF (without `3F00`) of the authentication certificate EF.
    pub certificate_path: &'static [u8],
}

impl Profile {
    pub fn matches(&self, atr: &CnsAtr) -> bool {
        (self.matches)(atr)
    }
}

/// Classic layout, CNS0 key: `3F00/1100/1101`, key `01`, PIN `10`, PUK `11` (cns.md §2.1).
const CLASSIC_CERTIFICATE: &[u8] = &[0x11, 0x00, 0x11, 0x01];

pub static PROFILES: &[Profile] = &[Profile {
    name: "STIncard classic CNS0",
    matches: |atr| atr.mask_maker == 0x09,
    pin_p2_backtracking: true,
    key_reference: 0x01,
    pin_reference: 0x10,
    puk_reference: 0x11,
    key_path: None,
    certificate_path: CLASSIC_CERTIFICATE,
}];

/// The first profile that claims this ATR; `None` for a CNS whose layout we do not know.
pub fn profile_for(atr: &CnsAtr) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.matches(atr))
}

/// CK_TOKEN_INFO.model (at most 16 characters): the lot name when known, else mask + OS version.
pub fn model(atr: &CnsAtr) -> String {
    if let Some(lot) = LOTS
        .iter()
        .find(|l| l.mask_maker == atr.mask_maker && l.os_version == atr.os_version)
    {
        return lot.name.to_string();
    }
    let maker = mask_maker_name(atr.mask_maker);
    let maker = maker.split_whitespace().next().unwrap_or(maker);
    let mut model = format!("{maker} {:02X}{:02X}", atr.os_version.0, atr.os_version.1);
    model.truncate(16);
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    const ST_2021: [u8; 25] = [
        0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16, 0x17,
        0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
    ];
    const INFOCAMERE_10: [u8; 25] = [
        0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x02, 0x00,
        0x01, 0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9F,
    ];
    const IDEMIA_2021: [u8; 25] = [
        0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x05, 0x05, 0x20, 0x00,
        0x01, 0x21, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x79,
    ];

    #[test]
    fn decodes_st_2021() {
        let a = CnsAtr::decode(&ST_2021).unwrap();
        assert_eq!(a.ic_maker, 0x02);
        assert_eq!(a.mask_maker, 0x09);
        assert_eq!(a.os_version, (0x16, 0x17));
        assert_eq!(a.cns_version, 0x11);
        assert!(a.supports_extended_apdu());
        assert_eq!(model(&a), "ST 2021");
        let p = profile_for(&a).unwrap();
        assert!(p.pin_p2_backtracking);
        assert_eq!(
            (p.key_reference, p.pin_reference, p.puk_reference),
            (1, 0x10, 0x11)
        );
    }

    #[test]
    fn decodes_cns_1_0() {
        let a = CnsAtr::decode(&INFOCAMERE_10).unwrap();
        assert_eq!(a.cns_version, 0x10);
        assert!(!a.supports_extended_apdu());
        assert_eq!(model(&a), "STIncard 0200");
        assert!(profile_for(&a).is_some());
    }

    #[test]
    fn idemia_2021_is_a_cns_without_a_profile_yet() {
        let a = CnsAtr::decode(&IDEMIA_2021).unwrap();
        assert!(a.is_idemia_2021());
        assert!(a.supports_extended_apdu());
        assert!(profile_for(&a).is_none());
        assert_eq!(model(&a), "IDEMIA 2000");
    }

    #[test]
    fn rejects_non_cns_atrs() {
        // CIE v2 marker "ITID" in place of "CNS".
        let mut cie = ST_2021;
        cie[18..21].copy_from_slice(b"ITI");
        assert_eq!(CnsAtr::decode(&cie), None);
        // NFC ATR without historical bytes (cns.md §1.4).
        assert_eq!(CnsAtr::decode(&[0x3B, 0x80, 0x80, 0x01, 0x01]), None);
        assert_eq!(CnsAtr::decode(&[]), None);
        assert_eq!(CnsAtr::decode(&ST_2021[..20]), None);
    }
}
