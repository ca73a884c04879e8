//! The TS-CNS variants the simulator can be: ATR, key size, APDU capabilities and quirks, plus the
//! card content (key, certificate, ID) from `sim/fixtures/cns/`. New lots are new table rows.

/// One chip/OS lot of the TS-CNS family.
pub struct Variant {
    pub name: &'static str,
    pub description: &'static str,
    /// ATR bytes exactly as in shared/cards/cns.md §1.4.
    pub atr: &'static [u8],
    /// Extended-length APDUs accepted (CNS 1.1 / ST 2021: yes, §1.2, §5.1). Without them an extended
    /// APDU is answered 6700.
    pub extended_apdus: bool,
    /// Command chaining (CLA bit 0x10) refused with 6E00, as the ST 2021 does (OpenSC #2370, §6.1).
    pub refuses_chaining: bool,
    /// PIN P2 may carry bit 0x80 ("search with backtracking", STIncard mask 09, §4).
    pub pin_backtracking_bit: bool,
    /// PKCS#8 DER private key of the authentication key (key reference 01).
    pub key_pkcs8_der: &'static [u8],
    /// Authentication certificate, DER (EF 3F00/1100/1101).
    pub cert_der: &'static [u8],
    /// EF_IDCarta content, 16 ASCII digits (EF 3F00/1000/1003).
    pub id_carta: &'static [u8],
    /// EF_DatiPersonali content, 400 bytes (EF 3F00/1100/1102).
    pub dati_personali: &'static [u8],
}

const DATI_PERSONALI: &[u8] = include_bytes!("../../fixtures/cns/dati_personali.bin");

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
        refuses_chaining: true,
        pin_backtracking_bit: true,
        key_pkcs8_der: include_bytes!("../../fixtures/cns/stincard.key.der"),
        cert_der: include_bytes!("../../fixtures/cns/stincard.cert.der"),
        id_carta: include_bytes!("../../fixtures/cns/stincard.id_carta"),
        dati_personali: DATI_PERSONALI,
    },
    Variant {
        name: "stincard-1024",
        description: "CNS 1.0 (InfoCamere): STMicroelectronics chip, STIncard OS 02.00, RSA-1024, short APDUs only",
        atr: &[
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x02, 0x00,
            0x01, 0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9F,
        ],
        extended_apdus: false,
        refuses_chaining: true,
        pin_backtracking_bit: true,
        key_pkcs8_der: include_bytes!("../../fixtures/cns/stincard-1024.key.der"),
        cert_der: include_bytes!("../../fixtures/cns/stincard-1024.cert.der"),
        id_carta: include_bytes!("../../fixtures/cns/stincard-1024.id_carta"),
        dati_personali: DATI_PERSONALI,
    },
];

pub fn find(name: &str) -> Option<&'static Variant> {
    VARIANTS.iter().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TCK makes the XOR of T0..TCK zero (ISO 7816-3), so a typo in the table shows up here.
    #[test]
    fn atr_checksums() {
        for v in VARIANTS {
            assert_eq!(v.atr[1..].iter().fold(0u8, |a, b| a ^ b), 0, "{}", v.name);
            assert_eq!(v.id_carta.len(), 16);
            assert!(v.id_carta.iter().all(u8::is_ascii_digit));
        }
    }
}
