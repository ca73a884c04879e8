//! The TS-CNS variants the simulator can be: ATR, file layout, key reference and key DF, PIN P2
//! convention, key size, APDU capabilities and quirks, plus the card content (key, certificate, ID,
//! holder) from `sim/fixtures/cns/`. This table is the one place variants differ: new lots are new
//! rows. Every value cites docs/cards/cns.md; where the sheet is silent the row says what was chosen.

use super::fs::MF;

/// Where the card keeps its files, certificate and key (cns.md §2.1, §2.4). Built by `layout.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// §2.1 classic: certificate `1100/1101`, key `01` in the MF, public key EF `3F01`.
    Classic,
    /// §2.1 / §6.4 IDEMIA 2021: certificate `1400/9001/2002` (9001 a DF), key DF `1400/9002`,
    /// EF_CardName `1400/1000`. The classic `1100/1101` holds data that is not a certificate (§2.1,
    /// commit 5115785ac: "some IDEMIA cards have data in the classic path that is not a valid cert").
    Idemia2021,
    /// §2.1 InfoCamere 1204: container `2FFF/8228`, bytes 1..2 = big-endian certificate length, DER
    /// certificate at offset 5; key object `2FFF/0000`. No `1100/1101`, no `3F01`.
    InfoCamere1204,
    /// §2.4 Actalis ACe 2025: files reachable only inside the CNS application (AID select), the
    /// certificate in `DA01/C001` (file size = certificate size), EF `D003` (10 bytes).
    Ace2025,
}

/// How SELECT describes a file (§2.3). All styles answer with tag `6F`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FciStyle {
    /// `80` size, `82 01` descriptor, `83` FID, `86` nine ACs, `8A` life cycle.
    Classic,
    /// As classic, with the 3-byte descriptor IDEMIA shows for DF 9002 ("type attributes
    /// 38 00 00", #2483 trace); EFs use the same 3-byte form `01 00 00` (assumed).
    Idemia,
    /// The #3804 trace: `80 02 size, 82 03 01 00 00, 83 02 fid, 85 01 01, 86 09 ACs, 8A 01 05,
    /// CB 18 FF×24` (§2.3 example, byte for byte for EF 1102).
    Ace2025,
}

/// An application selected by AID (§2.4).
pub struct Application {
    pub aid: &'static [u8],
    /// True for the application that holds the CNS files, PINs and key; false for one that only
    /// answers SELECT (ACe 2025 "ESIGN": 9000 with an FCI, no files or keys simulated).
    pub holds_cns: bool,
}

/// One chip/OS lot of the TS-CNS family.
pub struct Variant {
    pub name: &'static str,
    pub description: &'static str,
    /// ATR bytes exactly as in cns.md §1.4 (or chosen consistently with it; the row says so).
    pub atr: &'static [u8],
    pub layout: Layout,
    pub fci_style: FciStyle,
    /// Applications by AID. Empty: a classic card, the MF is always there and every AID probe
    /// answers 6A82 (OpenSC's other drivers probe ~26, cns-opensc.md). Non-empty: the files, PINs
    /// and key exist only while the `holds_cns` application is selected.
    pub applications: &'static [Application],
    /// SELECT with P1=08 (path from the MF, §3) accepted; otherwise 6A86.
    pub path_from_mf: bool,
    /// Extended-length APDUs accepted (§1.2, §5.1). Without them an extended APDU is answered 6700.
    pub extended_apdus: bool,
    /// Command chaining (CLA bit 0x10) refused with 6E00, as the ST 2021 does (OpenSC #2370, §6.1).
    /// Where the sheet says nothing the card refuses it too; IDEMIA 2021 accepts it (§5.1: its own
    /// middleware chains), see chaining.rs.
    pub refuses_chaining: bool,
    /// PIN P2 may carry bit 0x80 ("search with backtracking", STIncard mask 09, §4); without it
    /// only `10` / `11` name the PIN / PUK and `90` / `91` are 6A88.
    pub pin_backtracking_bit: bool,
    /// Key reference MSE SET names in tag `83` (§2.1 key table).
    pub key_ref: u8,
    /// Key object that must be the current file when MSE SET is sent (§2.1 "key path selected before
    /// MSE"); otherwise PSO answers 6984 "reference data not usable" (§6.4).
    pub key_path: Option<&'static [u16]>,
    /// Largest GET CHALLENGE Le; more is 6700 (IDEMIA 2021: 32, §3, commit 3365f3a09).
    pub max_challenge: usize,
    /// PKCS#8 DER private key; its size is the card's RSA size.
    pub key_pkcs8_der: &'static [u8],
    /// Authentication certificate, DER.
    pub cert_der: &'static [u8],
    /// EF_IDCarta content, 16 ASCII digits (EF 1000/1003).
    pub id_carta: &'static [u8],
    /// EF_DatiPersonali content, 400 bytes (EF 1100/1102).
    pub dati_personali: &'static [u8],
}

/// A fixture of `sim/fixtures/cns/`: `fixture!("cardos", "key.der")`.
macro_rules! fixture {
    ($name:literal, $what:literal) => {
        include_bytes!(concat!("../../fixtures/cns/", $name, ".", $what))
    };
}

/// MARIO ROSSI, shared by the two original variants.
const DATI_PERSONALI_ROSSI: &[u8] = include_bytes!("../../fixtures/cns/dati_personali.bin");

/// §2.4: the CNS application of the ACe 2025.
pub const ACE_CNS_AID: &[u8] = &[
    0xA0, 0x00, 0x00, 0x05, 0x30, 0x00, 0x0B, 0x10, 0x40, 0x01, 0x02, 0x1A,
];
/// §2.4: RID A000000530 + ASCII "ESIGN".
pub const ACE_ESIGN_AID: &[u8] = &[0xA0, 0x00, 0x00, 0x05, 0x30, 0x45, 0x53, 0x49, 0x47, 0x4E];

/// The classic TS-CNS of the 1.0 lots (§2.1 first row, §3, §4): what a row does not say it has
/// from here (`..CLASSIC`), so that a row shows only how its lot differs. The card content
/// (`fixtures!`) is every row's own.
const CLASSIC: Variant = Variant {
    name: "",
    description: "",
    atr: &[],
    layout: Layout::Classic,
    fci_style: FciStyle::Classic,
    applications: &[],
    path_from_mf: true,
    extended_apdus: false,
    refuses_chaining: true,
    pin_backtracking_bit: false,
    key_ref: 0x01,
    key_path: None,
    max_challenge: 256,
    key_pkcs8_der: &[],
    cert_der: &[],
    id_carta: &[],
    dati_personali: &[],
};

/// The first row is the default variant.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "stincard",
        description: "TS-CNS \"ST 2021\" lot: STMicroelectronics chip, STIncard OS 16.17, CNS 1.1, RSA-2048, \
                      extended APDUs, chaining refused",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16, 0x17,
            0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
        ],
        extended_apdus: true,
        pin_backtracking_bit: true,
        key_pkcs8_der: fixture!("stincard", "key.der"),
        cert_der: fixture!("stincard", "cert.der"),
        id_carta: fixture!("stincard", "id_carta"),
        dati_personali: DATI_PERSONALI_ROSSI,
        ..CLASSIC
    },
    Variant {
        name: "stincard-1024",
        description: "CNS 1.0 (InfoCamere): STMicroelectronics chip, STIncard OS 02.00, RSA-1024, short APDUs only",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x02, 0x00,
            0x01, 0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9F,
        ],
        pin_backtracking_bit: true,
        key_pkcs8_der: fixture!("stincard-1024", "key.der"),
        cert_der: fixture!("stincard-1024", "cert.der"),
        id_carta: fixture!("stincard-1024", "id_carta"),
        dati_personali: DATI_PERSONALI_ROSSI,
        ..CLASSIC
    },
    // §6.2 CardOS CRS Lombardia (C8 0A). CNS version byte 10 → RSA-1024, the OpenSC rule (§1.2)
    // and the age of the CardOS 4.x lots (2009–2014 CRS); nothing suggests a 2048-bit key on them
    // (§9 q6 concerns 2021+ lots). Extended APDUs: assumed NOT accepted (6700) — a 1024-bit card
    // never needs them (PSO DECIPHER is 129 bytes) and OpenSC never sends them to a version-10
    // non-IDEMIA card, so nothing relies on them; §9 q10 leaves Le=00 open, Le=00 = 256 is allowed.
    Variant {
        name: "cardos",
        description: "CRS Lombardia: Infineon chip, Siemens/Atos CardOS C8 0A (mask 08), CNS 1.0, classic layout, \
                      PIN P2 10, RSA-1024, short APDUs only",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0xC1, 0x0A, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x05, 0x08, 0xC8,
            0x0A, 0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x03,
        ],
        key_pkcs8_der: fixture!("cardos", "key.der"),
        cert_der: fixture!("cardos", "cert.der"),
        id_carta: fixture!("cardos", "id_carta"),
        dati_personali: fixture!("cardos", "dati_personali.bin"),
        ..CLASSIC
    },
    // §6.3 Athena/Actalis "ACTALIS/01" (OpenSC #393, 2015). Version byte 10 → RSA-1024 (§1.2),
    // short APDUs only, as for the other version-10 lots of that age.
    Variant {
        name: "athena",
        description: "TS-CNS Athena/Actalis 01 82 (mask 0C): ST chip, CNS 1.0, classic layout, PIN P2 10, \
                      RSA-1024, short APDUs only",
        atr: &[
            0x3B, 0xDF, 0x18, 0x00, 0x81, 0x31, 0xFE, 0x7D, 0x00, 0x6B, 0x02, 0x0C, 0x01, 0x82, 0x01,
            0x11, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0xFC,
        ],
        key_pkcs8_der: fixture!("athena", "key.der"),
        cert_der: fixture!("athena", "cert.der"),
        id_carta: fixture!("athena", "id_carta"),
        dati_personali: fixture!("athena", "dati_personali.bin"),
        ..CLASSIC
    },
    // §6.4 Oberthur ID-One Cosmo v7 ("Italian CNS (e)"): classic layout, version 10 → RSA-1024.
    Variant {
        name: "oberthur",
        description: "Oberthur ID-One Cosmo v7 07 00 (mask 05): CNS 1.0, classic layout, PIN P2 10, RSA-1024, \
                      short APDUs only",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x11, 0x05, 0x07, 0x00,
            0x01, 0x21, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x4A,
        ],
        key_pkcs8_der: fixture!("oberthur", "key.der"),
        cert_der: fixture!("oberthur", "cert.der"),
        id_carta: fixture!("oberthur", "id_carta"),
        dati_personali: fixture!("oberthur", "dati_personali.bin"),
        ..CLASSIC
    },
    // §6.4 IDEMIA 2021 ("ACe 2021" lot): IC 05, mask 05, OS 20 00 → IDEMIA_2021 (§1.2). The same
    // ATR as a Spanish IDEMIA card (#2782): a module must probe the files. RSA-2048 although the
    // version byte says 10 (§5.3), extended APDUs accepted (a4eed9597), and command chaining too
    // (§5.1: the official IDEMIA middleware chains).
    Variant {
        name: "idemia-2021",
        description: "TS-CNS IDEMIA 2021 (Infineon, mask 05, OS 20 00): cert 1400/9001/2002, key DF 1400/9002 \
                      selected before MSE, key 02, PIN P2 10, RSA-2048, extended APDUs, GET CHALLENGE <= 32",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x6B, 0x05, 0x05, 0x20, 0x00,
            0x01, 0x21, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x79,
        ],
        layout: Layout::Idemia2021,
        fci_style: FciStyle::Idemia,
        extended_apdus: true,
        refuses_chaining: false,
        key_ref: 0x02,
        key_path: Some(&[MF, 0x1400, 0x9002]),
        max_challenge: 32,
        key_pkcs8_der: fixture!("idemia-2021", "key.der"),
        cert_der: fixture!("idemia-2021", "cert.der"),
        id_carta: fixture!("idemia-2021", "id_carta"),
        dati_personali: fixture!("idemia-2021", "dati_personali.bin"),
        ..CLASSIC
    },
    // §2.1 InfoCamere "1204" (CNS01 key set). ATR: the "Aruba CNS (Toscana, InfoCamere)" /
    // "Italian CNS (d)" row of §1.4 — an InfoCamere STIncard lot distinct from stincard-1024's
    // 02 00, so a module can tell the two apart by ATR yet must find the layout by probing.
    // STIncard mask 09 → PIN P2 with bit 80 (§4); version 10 → RSA-1024, short APDUs only.
    Variant {
        name: "infocamere-1204",
        description: "InfoCamere 1204 (ST chip, STIncard OS 03 03, CNS 1.0): cert in 2FFF/8228 at offset 5, \
                      key 2FFF/0000 selected before MSE, key 21, PIN P2 90, RSA-1024, short APDUs only",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x03, 0x03,
            0x01, 0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9D,
        ],
        layout: Layout::InfoCamere1204,
        pin_backtracking_bit: true,
        key_ref: 0x21,
        key_path: Some(&[MF, 0x2FFF, 0x0000]),
        key_pkcs8_der: fixture!("infocamere-1204", "key.der"),
        cert_der: fixture!("infocamere-1204", "cert.der"),
        id_carta: fixture!("infocamere-1204", "id_carta"),
        dati_personali: fixture!("infocamere-1204", "dati_personali.bin"),
        ..CLASSIC
    },
    // §2.4 / §6.3 Actalis ACe 2025 (#3804). CHOSEN where the sheet is silent (§9 q7; sim/README.md):
    // - ATR: none published. Athena family of §1.4 (`3B DF 18 00 81 31 FE 7D`, IC 15, mask 0C) with
    //   an invented OS "02 25" and CNS version 11 (RSA-2048 + extended APDUs, so the §1.2 rule and the
    //   key agree). Its "CNS" marker makes OpenSC bind itacns, which then fails (#3804: unsupported).
    // - key reference 01, PIN 10 / PUK 11 without the 0x80 bit, RSA-2048, extended APDUs accepted
    //   (the natural reading of §2.1/§4/§5 for a 2025 card; the module makes the same assumption).
    // - Files only inside the CNS application; SELECT P1=08 refused (6A86): the trace shows only
    //   P1=09 relative to the current DF after the AID select (§2.4, §3) — exactly what OpenSC's
    //   iso7816_select_file sends for a path carrying an AID (SELECT AID `00 A4 04 00 0C …`, then
    //   the path as P1=09), so every file select there starts from the application root and P1=08
    //   was never exercised. P1=09 is strict ISO: relative to the CURRENT DF (after EF 1100/1102,
    //   `09 DA01 C001` is 6A82: re-select the AID or 3F00 first). P1=00 (FID; 3F00 = the
    //   application root), 01, 02, 03 work as on the classic cards.
    // - READ BINARY Le=00 returns 256 bytes (§3, #3804).
    Variant {
        name: "ace-2025",
        description: "Actalis ACe 2025 (Athena family, mask 0C, OS 02 25 invented): SELECT AID A000000530000B104001021A, \
                      then P1=09 paths; cert DA01/C001, key 01, PIN P2 10, RSA-2048, extended APDUs",
        atr: &[
            0x3B, 0xDF, 0x18, 0x00, 0x81, 0x31, 0xFE, 0x7D, 0x00, 0x6B, 0x15, 0x0C, 0x02, 0x25, 0x01,
            0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x4E,
        ],
        layout: Layout::Ace2025,
        fci_style: FciStyle::Ace2025,
        applications: &[
            Application {
                aid: ACE_CNS_AID,
                holds_cns: true,
            },
            Application {
                aid: ACE_ESIGN_AID,
                holds_cns: false,
            },
        ],
        path_from_mf: false,
        extended_apdus: true,
        key_pkcs8_der: fixture!("ace-2025", "key.der"),
        cert_der: fixture!("ace-2025", "cert.der"),
        id_carta: fixture!("ace-2025", "id_carta"),
        dati_personali: fixture!("ace-2025", "dati_personali.bin"),
        ..CLASSIC
    },
];

pub fn find(name: &str) -> Option<&'static Variant> {
    VARIANTS.iter().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TCK makes the XOR of T0..TCK zero (ISO 7816-3), so a typo in the table shows up here; the
    /// historical bytes carry the CNS marker (§1.1) and every row has its own content.
    #[test]
    fn table_is_consistent() {
        for v in VARIANTS {
            assert_eq!(v.atr[1..].iter().fold(0u8, |a, b| a ^ b), 0, "{}", v.name);
            let hist = &v.atr[v.atr.len() - 16..v.atr.len() - 1];
            assert_eq!(&hist[9..12], b"CNS", "{}", v.name);
            assert_eq!(v.id_carta.len(), 16);
            assert!(v.id_carta.iter().all(u8::is_ascii_digit));
            assert_eq!(v.dati_personali.len(), 400);
            assert!(v.max_challenge <= 256);
        }
        for (i, a) in VARIANTS.iter().enumerate() {
            for b in &VARIANTS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.id_carta, b.id_carta, "{} {}", a.name, b.name);
                assert_ne!(a.cert_der, b.cert_der, "{} {}", a.name, b.name);
            }
        }
    }

    /// The PIN convention follows the mask byte (§1.2: mask 09 STIncard → bit 80).
    #[test]
    fn pin_bit_follows_mask() {
        for v in VARIANTS {
            let mask = v.atr[v.atr.len() - 16 + 3];
            assert_eq!(v.pin_backtracking_bit, mask == 0x09, "{}", v.name);
        }
    }
}
