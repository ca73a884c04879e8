//! The CIE 3.0 chip families the simulator can be (cie.md §1.1): the ATR and the two protocol
//! differences the official middleware keys on the ATR — how the IAS application is selected, and
//! whether the Gemalto single GET DATA for the DH parameters is answered.

pub struct Variant {
    pub name: &'static str,
    pub description: &'static str,
    /// Contactless PC/SC ATR `3B 8n 80 01 <historical bytes> TCK`.
    pub atr: &'static [u8],
    /// Gemalto / STM chips are addressed by the IAS AID (LNX `SelectAID_IAS`, type < NXP); the
    /// NXP / ITJ4 families by SELECT MF, and answer the IAS AID with 6A82 (§1.1, §12 Q7).
    pub ias_aid_selectable: bool,
    /// Gemalto (type 1) answers the single GET DATA `… BF A1 01 02 A3 80` (§4.2). Every chip,
    /// Gemalto included, answers the three-GET-DATA form (PAGO and IPZS-A use it on all cards).
    pub single_get_data_dh: bool,
}

/// First row = default variant.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "bit4id-2023",
        description: "CIE 3.0 Bit4id 2023 (\"ITJ4\"+44): SELECT MF, three GET DATAs (§12 reference chip)",
        atr: &[
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4A, 0x34, 0x44, 0x12, 0x0F,
            0xFF, 0x82, 0x90, 0x00, 0x8D,
        ],
        ias_aid_selectable: false,
        single_get_data_dh: false,
    },
    Variant {
        name: "actalis-2026",
        description: "CIE 3.0 issued 2026 (\"ITJ4\"+4C, in no official ATR table): SELECT MF, three GET DATAs",
        atr: &[
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4A, 0x34, 0x4C, 0x12, 0x0F,
            0xFF, 0x82, 0x90, 0x00, 0x85,
        ],
        ias_aid_selectable: false,
        single_get_data_dh: false,
    },
    Variant {
        name: "nxp",
        description: "CIE 3.0 NXP (\"ITNXP\"; ATR built from the §1.1 signature): SELECT MF, three GET DATAs",
        atr: &[
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4E, 0x58, 0x50, 0x12, 0x0F,
            0xFF, 0x82, 0x90, 0x00, 0xF1,
        ],
        ias_aid_selectable: false,
        single_get_data_dh: false,
    },
    Variant {
        name: "gemalto",
        description: "CIE 3.0 Gemalto issued 2021 (B0 85 04 00 11): IAS AID, single GET DATA for g,p,q \
                      (and the three-GET-DATA form)",
        atr: &[
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0xB0, 0x85, 0x04, 0x00, 0x11, 0x12, 0x0F,
            0xFF, 0x82, 0x90, 0x00, 0x8A,
        ],
        ias_aid_selectable: true,
        single_get_data_dh: true,
    },
    Variant {
        name: "gemalto2",
        description: "CIE 3.0 Gemalto2 (B0 85 03 00 EF; ATR built from the §1.1 signature): IAS AID, \
                      three GET DATAs only",
        atr: &[
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0xB0, 0x85, 0x03, 0x00, 0xEF, 0x12, 0x0F,
            0xFF, 0x82, 0x90, 0x00, 0x73,
        ],
        ias_aid_selectable: true,
        single_get_data_dh: false,
    },
    Variant {
        name: "stm3",
        description: "CIE 3.0 STMicroelectronics (STM3 signature of §1.1 as a whole ATR): IAS AID, three GET DATAs",
        atr: &[
            0x3B, 0x8B, 0x80, 0x01, 0x80, 0x66, 0x47, 0x50, 0x00, 0xB8, 0x00, 0x94, 0x82, 0x90, 0x00,
            0xC5,
        ],
        ias_aid_selectable: true,
        single_get_data_dh: false,
    },
    Variant {
        name: "stm2",
        description: "CIE 3.0 STMicroelectronics STM2: ATR 3B 80 80 01 01 without historical bytes (detect \
                      by SELECT, §1.1), IAS AID, three GET DATAs",
        atr: &[0x3B, 0x80, 0x80, 0x01, 0x01],
        ias_aid_selectable: true,
        single_get_data_dh: false,
    },
];

pub fn find(name: &str) -> Option<&'static Variant> {
    VARIANTS.iter().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TCK = XOR of T0..last historical byte (ISO 7816-3), so every ATR is self-consistent.
    #[test]
    fn atr_checksums() {
        for v in VARIANTS {
            let x = v.atr[1..].iter().fold(0u8, |a, b| a ^ b);
            assert_eq!(x, 0, "{}", v.name);
            assert_eq!(usize::from(v.atr[1] & 0x0F), v.atr.len() - 5, "{}", v.name);
        }
    }
}
