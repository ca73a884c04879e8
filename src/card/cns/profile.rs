//! TS-CNS variants: the ATR historical-byte decode (cns.md §1.1) and the profile table
//! that maps a card to its layout, references and quirks (cns.md §2.1, §2.4, §4–6).
//!
//! Every difference between production batches lives in `PROFILES`; the driver reads the
//! table and has no variant-specific branches. The ATR only orders the probes (cns.md
//! §1.4: ATRs identify a lot, not a layout, and collide across countries); `detection`
//! confirms a profile by its files.

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

    /// CNS 1.1 cards carry RSA-2048 and need extended APDUs for it (cns.md §1.2, §5.1).
    /// Only the APDU form follows from this: the key size comes from the certificate,
    /// because 2021+ lots reporting 1.0 may hold 2048-bit keys (cns.md §5.3, §9 q6).
    pub fn is_cns_1_1_or_later(&self) -> bool {
        self.cns_version >= 0x11
    }
}

/// OS (mask) manufacturer codes, hist[3] (cns.md §1.3).
pub mod mask {
    pub const OBERTHUR: u8 = 0x05;
    pub const SIEMENS: u8 = 0x08;
    pub const STINCARD: u8 = 0x09;
    pub const ATHENA: u8 = 0x0C;
}

/// IC manufacturer Infineon, hist[2] (cns.md §1.3): with the IDEMIA mask and OS major ≥ `20`
/// it marks the IDEMIA 2021 lot (cns.md §1.2 step 2).
const IC_INFINEON: u8 = 0x05;
const IDEMIA_2021_MIN_OS_MAJOR: u8 = 0x20;

/// OS (mask) manufacturer names, hist[3] (cns.md §1.3).
pub fn mask_maker_name(code: u8) -> &'static str {
    match code {
        0x01 => "Kaitech",
        0x02 => "Gemplus",
        0x03 => "Ghirlanda",
        0x04 => "Giesecke & Devrient",
        mask::OBERTHUR => "IDEMIA (Oberthur)",
        0x06 => "Orga",
        0x07 => "Axalto",
        mask::SIEMENS => "Siemens",
        mask::STINCARD => "STIncard",
        0x0A => "GEP",
        0x0B => "EPS Corp",
        mask::ATHENA => "Athena",
        0x0D => "Gemalto",
        _ => "Unknown",
    }
}

/// How the card's files are addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// SELECT by path from the MF, P1 `08` (cns.md §3).
    FromMf,
    /// SELECT the application by AID (P1 `04`), then by path from the current DF, P1 `09`
    /// (ACe 2025, cns.md §2.4). The application maps to the MF, so paths are the classic ones.
    Application(&'static [u8]),
}

/// Where the authentication certificate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateLocation {
    /// An EF holding the DER certificate from its first byte (possibly padded after it).
    Ef(&'static [u8]),
    /// An EF holding a header and then the DER certificate at `offset` (InfoCamere 1204:
    /// bytes 1..2 = certificate length, DER at offset 5, cns.md §2.1).
    Container { path: &'static [u8], offset: usize },
}

impl CertificateLocation {
    pub fn path(&self) -> &'static [u8] {
        match self {
            CertificateLocation::Ef(path) | CertificateLocation::Container { path, .. } => path,
        }
    }

    /// Bytes before the DER certificate.
    pub fn offset(&self) -> usize {
        match self {
            CertificateLocation::Ef(_) => 0,
            CertificateLocation::Container { offset, .. } => *offset,
        }
    }
}

/// Whether the card takes extended APDUs (a 2048-bit PSO DECIPHER needs 257 data bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedApdu {
    /// CNS 1.1 in the ATR (cns.md §1.2, §5.1).
    FromCnsVersion,
    /// Whatever the ATR says (IDEMIA 2021, cns.md §1.2 and §6.4).
    Always,
}

/// The largest Le of a short READ BINARY (extended reads, where the card and reader take
/// them, read the whole file at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadChunk {
    /// Le `00`: 256 bytes (ST, measured in cns-opensc.md; ACe 2025 answers it, cns.md §3).
    Short256,
    /// Le `FF`: OpenSC's cap, the only size proven where cns.md §9 q10 is open.
    Short255,
}

/// How one family of TS-CNS cards is laid out and addressed.
#[derive(Debug, PartialEq, Eq)]
pub struct Profile {
    /// The variant's name (as `cardsim --variant` calls it), for logs.
    pub name: &'static str,
    /// ATR hints: this profile is probed when one of them matches.
    hints: &'static [AtrHint],
    /// cns.md §4: STIncard wants b8 of the PIN P2 set ("search the BSO with backtracking").
    pub pin_p2_backtracking: bool,
    /// PIN BSO reference and PUK, before the backtracking bit (cns.md §4).
    pub pin_reference: u8,
    pub puk_reference: u8,
    /// MSE SET key reference `83 01 xx` (cns.md §2.1 key table).
    pub key_reference: u8,
    /// DF (or key EF) to SELECT before MSE, from the MF; `None` for CNS0 (cns.md §5.1 step 2).
    pub key_path: Option<&'static [u8]>,
    pub addressing: Addressing,
    pub certificate: CertificateLocation,
    pub extended_apdu: ExtendedApdu,
    pub read_chunk: ReadChunk,
    /// CK_TOKEN_INFO.model when no lot name fits the ATR (or there is no CNS ATR).
    pub model: &'static str,
}

/// Which ATRs point to a profile.
#[derive(Debug, PartialEq, Eq)]
enum AtrHint {
    /// A CNS ATR (cns.md §1.1) with this mask maker, OS major version in from..=to.
    Mask {
        mask: u8,
        os_major: (u8, u8),
        /// IC maker required, when the lot is told apart by it.
        ic: Option<u8>,
    },
    /// An ATR starting with these bytes (contactless ATRs carry no CNS marker).
    Prefix(&'static [u8]),
}

impl AtrHint {
    fn matches(&self, atr: &[u8], cns_atr: Option<&CnsAtr>) -> bool {
        match self {
            AtrHint::Mask { mask, os_major, ic } => cns_atr.is_some_and(|a| {
                a.mask_maker == *mask
                    && (os_major.0..=os_major.1).contains(&a.os_version.0)
                    && ic.is_none_or(|ic| a.ic_maker == ic)
            }),
            AtrHint::Prefix(prefix) => atr.starts_with(prefix),
        }
    }
}

impl Profile {
    /// Whether an ATR hint of this profile matches (`cns_atr`: the ATR's CNS decode).
    pub fn hinted_by(&self, atr: &[u8], cns_atr: Option<&CnsAtr>) -> bool {
        self.hints.iter().any(|h| h.matches(atr, cns_atr))
    }

    /// Extended APDUs on this card (the reader must carry them too).
    pub fn card_takes_extended(&self, atr: Option<&CnsAtr>) -> bool {
        match self.extended_apdu {
            ExtendedApdu::Always => true,
            ExtendedApdu::FromCnsVersion => atr.is_some_and(CnsAtr::is_cns_1_1_or_later),
        }
    }
}

const fn any_os(mask: u8) -> AtrHint {
    AtrHint::Mask {
        mask,
        os_major: (0x00, 0xFF),
        ic: None,
    }
}

/// Classic layout, CNS0 key: certificate `3F00/1100/1101`, key `01`, PIN `10`, PUK `11`
/// (cns.md §2.1 key table, first row).
const CLASSIC_CERTIFICATE: CertificateLocation = CertificateLocation::Ef(&[0x11, 0x00, 0x11, 0x01]);
const PIN: u8 = 0x10;
const PUK: u8 = 0x11;

/// The classic TS-CNS (cns.md §2.1 first row, §3, §4): what a batch row does not say it has
/// from here (`..CLASSIC`), so that a row shows only how its batch differs.
const CLASSIC: Profile = Profile {
    name: "",
    hints: &[],
    pin_p2_backtracking: false,
    pin_reference: PIN,
    puk_reference: PUK,
    key_reference: 0x01,
    key_path: None,
    addressing: Addressing::FromMf,
    certificate: CLASSIC_CERTIFICATE,
    extended_apdu: ExtendedApdu::FromCnsVersion,
    read_chunk: ReadChunk::Short255,
    model: "",
};

/// The ACe 2025 CNS application (cns.md §2.4, §6.3).
pub const ACE_2025_AID: &[u8] = &[
    0xA0, 0x00, 0x00, 0x05, 0x30, 0x00, 0x0B, 0x10, 0x40, 0x01, 0x02, 0x1A,
];

/// The profile table. Order matters only among profiles whose hints match the same ATR:
/// the first is probed first, so the common layout of a mask costs no failed probe.
pub static PROFILES: &[Profile] = &[
    // STIncard, every lot (ST 2021 = CNS 1.1, RSA-2048; older = CNS 1.0, RSA-1024): classic
    // layout, PIN P2 with b8 (cns.md §1.2, §6.1).
    Profile {
        name: "stincard",
        hints: &[any_os(mask::STINCARD)],
        pin_p2_backtracking: true,
        read_chunk: ReadChunk::Short256,
        model: "STIncard",
        ..CLASSIC
    },
    // InfoCamere "1204" (CNS01, cns.md §2.1 second row): an STIncard chip (InfoCamere's
    // lots are all mask 09, cns.md §1.4), so the same PIN P2 bit; certificate in the
    // 2FFF/8228 container, key 21 in 2FFF/0000. The ATR cannot tell it from the classic
    // layout: it is probed after it (one failed SELECT of 1100/1101).
    Profile {
        name: "infocamere-1204",
        hints: &[any_os(mask::STINCARD)],
        pin_p2_backtracking: true,
        key_reference: 0x21,
        key_path: Some(&[0x2F, 0xFF, 0x00, 0x00]),
        certificate: CertificateLocation::Container {
            path: &[0x2F, 0xFF, 0x82, 0x28],
            offset: 5,
        },
        read_chunk: ReadChunk::Short256,
        model: "InfoCamere 1204",
        ..CLASSIC
    },
    // Siemens/Atos CardOS CRS (mask 08): classic layout through OpenSC's itacns, which
    // sets the PIN b8 for STIncard only (cns.md §1.2, §6.2). Le=00 unproven (§9 q10).
    Profile {
        name: "cardos",
        hints: &[any_os(mask::SIEMENS)],
        model: "CardOS CRS",
        ..CLASSIC
    },
    // IDEMIA 2021 (Infineon IC, IDEMIA mask, OS major ≥ 20; cns.md §1.2, §6.4): CNS1-style
    // certificate in 1400/9001/2002, key 02 in DF 1400/9002, which must be selected
    // before MSE or PSO fails with 6984. PIN 10 without b8 (what OpenSC sends; whether
    // the card wants backtracking is §9 q4). Extended APDUs whatever the ATR says.
    Profile {
        name: "idemia-2021",
        hints: &[
            AtrHint::Mask {
                mask: mask::OBERTHUR,
                os_major: (IDEMIA_2021_MIN_OS_MAJOR, 0xFF),
                ic: Some(IC_INFINEON),
            },
            // Over NFC: the PC/SC-synthesised ATR OpenSC matches with a mask on its first
            // eight bytes (cns.md §1.2 step 1, §1.4 contactless table, §6.4).
            AtrHint::Prefix(&[0x3B, 0x8B, 0x80, 0x01, 0x00, 0x31, 0xC1, 0x64]),
        ],
        key_reference: 0x02,
        key_path: Some(&[0x14, 0x00, 0x90, 0x02]),
        certificate: CertificateLocation::Ef(&[0x14, 0x00, 0x90, 0x01, 0x20, 0x02]),
        extended_apdu: ExtendedApdu::Always,
        model: "IDEMIA 2021",
        ..CLASSIC
    },
    // Oberthur classic (mask 05, older OS: Cosmo v7 and the regional lots of cns.md §1.4):
    // classic layout (cns.md §6.4). Listed after IDEMIA 2021, whose hint is narrower.
    Profile {
        name: "oberthur",
        hints: &[any_os(mask::OBERTHUR)],
        model: "Oberthur",
        ..CLASSIC
    },
    // Athena / Actalis (mask 0C, OS 01 8x in cns.md §1.4): classic layout (cns.md §6.3,
    // OpenSC #393). The Bit4id ChipDoc shares the mask with OS 03 (needs PACE, §6.6): it
    // matches no classic hint and fails the ACe 2025 probe, so it is ignored.
    Profile {
        name: "athena",
        hints: &[AtrHint::Mask {
            mask: mask::ATHENA,
            os_major: (0x01, 0x01),
            ic: None,
        }],
        model: "Athena",
        ..CLASSIC
    },
    // Actalis ACe 2025 (cns.md §2.4, §6.3): the CNS application by AID, files by path
    // from the current DF, certificate in DA01/C001. Probed for any Athena-mask ATR and
    // for ATRs without the CNS marker (contactless, cns.md §8 step 1).
    //
    // Open question cns.md §9 q7 (key and PIN references of this application): we assume
    // the classic CNS0 values — key 01, PIN 10 and PUK 11 — and no b8 in P2 (b8 is an
    // STIncard trait, §4). Extended APDUs are assumed too: a 2025 lot with a 1885-byte
    // certificate holds a 2048-bit key, whose PSO needs them (and the driver falls back
    // to chaining if the card refuses them).
    Profile {
        name: "ace-2025",
        hints: &[any_os(mask::ATHENA)],
        addressing: Addressing::Application(ACE_2025_AID),
        certificate: CertificateLocation::Ef(&[0xDA, 0x01, 0xC0, 0x01]),
        extended_apdu: ExtendedApdu::Always,
        read_chunk: ReadChunk::Short256,
        model: "Actalis ACe 2025",
        ..CLASSIC
    },
];

/// Profiles to probe for a card with this ATR, best guess first: those an ATR hint points
/// to, in table order.
pub fn candidates(atr: &[u8], cns_atr: Option<&CnsAtr>) -> Vec<&'static Profile> {
    PROFILES
        .iter()
        .filter(|p| p.hinted_by(atr, cns_atr))
        .collect()
}

/// The profiles found by their application (SELECT AID), for ATRs no hint points to
/// (cns.md §8 step 1).
pub fn by_application() -> Vec<&'static Profile> {
    PROFILES
        .iter()
        .filter(|p| matches!(p.addressing, Addressing::Application(_)))
        .collect()
}

/// The profile called `name` (as in `cardsim --variant`).
#[cfg(test)]
pub fn by_name(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// A production lot with a name users know it by (cns.md §1.4).
struct Lot {
    mask_maker: u8,
    os_version: (u8, u8),
    name: &'static str,
}

const LOTS: &[Lot] = &[
    Lot {
        mask_maker: mask::STINCARD,
        os_version: (0x16, 0x17),
        name: "ST 2021",
    },
    Lot {
        mask_maker: mask::OBERTHUR,
        os_version: (0x20, 0x00),
        name: "IDEMIA 2021",
    },
];

/// CK_TOKEN_INFO.model (at most 16 characters): the lot name when known, else the
/// profile's model with the OS version from the ATR when both fit.
pub fn model(atr: Option<&CnsAtr>, profile: &Profile) -> String {
    let Some(atr) = atr else {
        return truncated(profile.model);
    };
    if let Some(lot) = LOTS
        .iter()
        .find(|l| l.mask_maker == atr.mask_maker && l.os_version == atr.os_version)
    {
        return lot.name.to_string();
    }
    let with_os = format!(
        "{} {:02X}{:02X}",
        profile.model, atr.os_version.0, atr.os_version.1
    );
    if with_os.len() <= 16 {
        with_os
    } else {
        truncated(profile.model)
    }
}

/// CK_TOKEN_INFO.manufacturerID: the mask maker from the ATR, else the profile's name.
pub fn manufacturer(atr: Option<&CnsAtr>, profile: &Profile) -> String {
    match atr {
        Some(atr) => mask_maker_name(atr.mask_maker).to_string(),
        None => profile
            .model
            .split_whitespace()
            .next()
            .unwrap_or(profile.model)
            .to_string(),
    }
}

fn truncated(text: &str) -> String {
    text.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ATRs from cns.md §1.4 of lots the simulator has no row for (the others: `atr`).
    const CARDOS: [u8; 26] = [
        0x3B, 0xFF, 0x18, 0x00, 0xFF, 0xC1, 0x0A, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x05, 0x08, 0xC8,
        0x05, 0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x0C,
    ];
    const ATHENA: [u8; 24] = [
        0x3B, 0xDF, 0x18, 0x00, 0x81, 0x31, 0xFE, 0x7D, 0x00, 0x6B, 0x15, 0x0C, 0x01, 0x81, 0x01,
        0x11, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0xE8,
    ];
    const BIT4ID_CHIPDOC: [u8; 25] = [
        0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x15, 0x0C, 0x03, 0x02,
        0x01, 0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x61,
    ];
    /// cns.md §1.4 contactless table, "TS-CNS (Idemia)".
    const IDEMIA_NFC: [u8; 16] = [
        0x3B, 0x8B, 0x80, 0x01, 0x00, 0x31, 0xC1, 0x64, 0x08, 0x92, 0x33, 0x54, 0x00, 0x90, 0x00,
        0xF3,
    ];
    const GIESECKE: [u8; 25] = [
        0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x4D, 0x00, 0x6B, 0x04, 0x04, 0xB8, 0x5B,
        0x01, 0xF1, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9D,
    ];

    /// The ATR of a batch of the simulator (cardsim's row, written from cns.md §1.4).
    fn atr(variant: &str) -> Vec<u8> {
        crate::card::testing::cns_variant(variant).atr.to_vec()
    }

    fn names(atr: &[u8]) -> Vec<&'static str> {
        let a = CnsAtr::decode(atr);
        candidates(atr, a.as_ref()).iter().map(|p| p.name).collect()
    }

    #[test]
    fn decodes_st_2021() {
        let a = CnsAtr::decode(&atr("stincard")).unwrap();
        assert_eq!(a.ic_maker, 0x02);
        assert_eq!(a.mask_maker, 0x09);
        assert_eq!(a.os_version, (0x16, 0x17));
        assert_eq!(a.cns_version, 0x11);
        assert!(a.is_cns_1_1_or_later());
        let p = by_name("stincard").unwrap();
        assert_eq!(model(Some(&a), p), "ST 2021");
        assert!(p.card_takes_extended(Some(&a)));
        assert!(p.pin_p2_backtracking);
    }

    #[test]
    fn cns_1_0_has_no_extended_apdus_unless_the_profile_says_so() {
        let a = CnsAtr::decode(&atr("stincard-1024")).unwrap();
        assert!(!a.is_cns_1_1_or_later());
        assert!(!by_name("stincard").unwrap().card_takes_extended(Some(&a)));
        assert_eq!(
            model(Some(&a), by_name("stincard").unwrap()),
            "STIncard 0200"
        );
        let idemia = CnsAtr::decode(&atr("idemia-2021")).unwrap();
        assert!(by_name("idemia-2021")
            .unwrap()
            .card_takes_extended(Some(&idemia)));
    }

    #[test]
    fn the_atr_orders_the_probes() {
        assert_eq!(names(&atr("stincard")), ["stincard", "infocamere-1204"]);
        assert_eq!(
            names(&atr("stincard-1024")),
            ["stincard", "infocamere-1204"]
        );
        assert_eq!(names(&CARDOS), ["cardos"]);
        assert_eq!(names(&atr("idemia-2021")), ["idemia-2021", "oberthur"]);
        assert_eq!(names(&atr("oberthur")), ["oberthur"]);
        assert_eq!(names(&ATHENA), ["athena", "ace-2025"]);
        assert_eq!(names(&BIT4ID_CHIPDOC), ["ace-2025"]);
        assert!(names(&GIESECKE).is_empty());
        assert_eq!(names(&IDEMIA_NFC), ["idemia-2021"]);
        assert!(names(&[0x3B, 0x80, 0x80, 0x01, 0x01]).is_empty());
        let by_aid: Vec<_> = by_application().iter().map(|p| p.name).collect();
        assert_eq!(by_aid, ["ace-2025"]);
    }

    #[test]
    fn every_profile_has_a_distinct_name_and_sane_references() {
        for (i, p) in PROFILES.iter().enumerate() {
            assert!(PROFILES[..i].iter().all(|q| q.name != p.name));
            assert_eq!(by_name(p.name), Some(p));
            assert!(
                p.pin_reference < 0x20 && p.puk_reference < 0x20,
                "{}",
                p.name
            );
            assert!(p.model.len() <= 16, "{}", p.model);
        }
    }

    #[test]
    fn rejects_non_cns_atrs() {
        // CIE v2 marker "ITID" in place of "CNS".
        let mut cie = atr("stincard");
        cie[18..21].copy_from_slice(b"ITI");
        assert_eq!(CnsAtr::decode(&cie), None);
        // NFC ATR without historical bytes (cns.md §1.4).
        assert_eq!(CnsAtr::decode(&[0x3B, 0x80, 0x80, 0x01, 0x01]), None);
        assert_eq!(CnsAtr::decode(&[]), None);
        assert_eq!(CnsAtr::decode(&atr("stincard")[..20]), None);
    }

    #[test]
    fn model_and_manufacturer_without_a_cns_atr() {
        let p = by_name("ace-2025").unwrap();
        assert_eq!(model(None, p), "Actalis ACe 2025");
        assert_eq!(manufacturer(None, p), "Actalis");
    }
}
