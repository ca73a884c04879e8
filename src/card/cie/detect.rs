//! Is it a CIE, and how is its application reached (cie.md §1.1–1.2)?
//!
//! Decided by the card's answers to SELECT, not by an ATR whitelist: the ATR only orders
//! the tries (§1.1 "Recommendation"). New chips keep arriving with ATRs in no official
//! table (the 2026 `ITJ4`+`4C` one), and they must work.

use super::files::{self, CIE_AID, IAS_AID};
use super::params::DhQueryForm;
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::StatusWord;

/// How the CIE application is reached (§1.1 point 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// SELECT the IAS-ECC AID, then the CIE DF (Gemalto, STM).
    IasAid,
    /// SELECT MF, then the CIE DF (NXP, "ITJ4" chips: Actalis, Bit4id).
    MasterFile,
}

impl Family {
    fn other(self) -> Family {
        match self {
            Family::IasAid => Family::MasterFile,
            Family::MasterFile => Family::IasAid,
        }
    }
}

/// What the ATR suggests; every guess is confirmed or corrected by the card's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipHint {
    /// CK_TOKEN_INFO.model, e.g. "Bit4id 2023".
    pub model: String,
    pub family: Family,
    pub dh_form: DhQueryForm,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Contiguous matches of the §1.1 signatures (not the official multiset rule, which a
/// permutation satisfies).
pub fn hint(atr: &[u8]) -> ChipHint {
    let ias = |model: &str, dh_form| ChipHint {
        model: model.to_string(),
        family: Family::IasAid,
        dh_form,
    };
    let mf = |model: String| ChipHint {
        model,
        family: Family::MasterFile,
        dh_form: DhQueryForm::ThreeQueries,
    };
    const ITJ4: [u8; 8] = [0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4A, 0x34];
    if contains(atr, &[0x80, 0x31, 0x80, 0x65, 0xB0, 0x85, 0x04, 0x00, 0x11]) {
        return ias("Gemalto", DhQueryForm::SingleQuery);
    }
    if contains(atr, &[0x80, 0x31, 0x80, 0x65, 0xB0, 0x85]) {
        return ias("Gemalto", DhQueryForm::ThreeQueries);
    }
    if contains(atr, &[0x80, 0x66, 0x47, 0x50, 0x00, 0xB8, 0x00])
        || atr == [0x3B, 0x80, 0x80, 0x01, 0x01]
    {
        return ias("STM", DhQueryForm::ThreeQueries);
    }
    if contains(atr, &[0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4E, 0x58, 0x50]) {
        return mf("NXP".to_string());
    }
    if let Some(pos) = atr.windows(ITJ4.len()).position(|w| w == ITJ4) {
        let variant = atr.get(pos + ITJ4.len()).copied().unwrap_or(0);
        let model = match variant {
            0x41 => "Actalis".to_string(),
            0x42 => "Bit4id".to_string(),
            0x43 => "Actalis 2023".to_string(),
            0x44 => "Bit4id 2023".to_string(),
            0x49 => "Bit4id B9547".to_string(),
            0x4C => "Actalis B946".to_string(),
            v => format!("ITJ4 {v:02X}"),
        };
        return mf(model);
    }
    // Unknown: the IAS AID first, as the NFC implementations always do (§1.1).
    ias("CIE 3.0", DhQueryForm::ThreeQueries)
}

/// Selects the CIE application through `family`: `Ok(false)` when the card refuses.
pub fn select_application(
    channel: &mut CardChannel<'_>,
    family: Family,
) -> Result<bool, CardError> {
    let first = match family {
        Family::IasAid => files::select_aid(&IAS_AID),
        Family::MasterFile => files::select_mf(),
    };
    if channel.execute(&first)?.sw != StatusWord::SUCCESS {
        return Ok(false);
    }
    Ok(channel.execute(&files::select_aid(&CIE_AID))?.sw == StatusWord::SUCCESS)
}

/// A CIE answered: how to reach it and its NIS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probed {
    pub family: Family,
    pub nis: String,
}

/// §1.2 probe: the application in the hinted way, then the other; the CIE DF; the NIS.
/// Three APDUs for a CIE whose ATR hints right, at most six for anything else.
pub fn probe(channel: &mut CardChannel<'_>, hint: &ChipHint) -> Result<Option<Probed>, CardError> {
    for family in [hint.family, hint.family.other()] {
        if !select_application(channel, family)? {
            continue;
        }
        return match files::read_nis(channel) {
            Ok(nis) => Ok(Some(Probed { family, nis })),
            Err(e) if e.is_link() => Err(e),
            Err(e) => {
                log::debug!("CIE DF selected but no NIS: {e:?}");
                Ok(None)
            }
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEMALTO: [u8; 20] = [
        0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0xB0, 0x85, 0x04, 0x00, 0x11, 0x12, 0x0F,
        0xFF, 0x82, 0x90, 0x00, 0x8A,
    ];
    const BIT4ID_2023: [u8; 20] = [
        0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4A, 0x34, 0x44, 0x12, 0x0F,
        0xFF, 0x82, 0x90, 0x00, 0x8D,
    ];
    const ACTALIS_2026: [u8; 20] = [
        0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4A, 0x34, 0x4C, 0x12, 0x0F,
        0xFF, 0x82, 0x90, 0x00, 0x85,
    ];

    #[test]
    fn hints_from_the_atrs_of_section_1_1() {
        let h = hint(&GEMALTO);
        assert_eq!(
            (h.family, h.dh_form),
            (Family::IasAid, DhQueryForm::SingleQuery)
        );
        let h = hint(&BIT4ID_2023);
        assert_eq!(
            (h.family, h.model.as_str()),
            (Family::MasterFile, "Bit4id 2023")
        );
        // In no official table: still an ITJ4 chip.
        let h = hint(&ACTALIS_2026);
        assert_eq!(
            (h.family, h.model.as_str()),
            (Family::MasterFile, "Actalis B946")
        );
        let mut future = ACTALIS_2026;
        future[12] = 0x5A;
        assert_eq!(hint(&future).model, "ITJ4 5A");
        let nxp = [
            0x3B, 0x8E, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4E, 0x58, 0x50, 0x12,
            0x0F, 0xFF, 0x82, 0x90, 0xF0,
        ];
        assert_eq!(hint(&nxp).family, Family::MasterFile);
        assert_eq!(hint(&[0x3B, 0x80, 0x80, 0x01, 0x01]).model, "STM");
        assert_eq!(hint(&[0x3B, 0x00]).family, Family::IasAid);
        // A permutation of a signature is not a match (OPENCIE rejects the multiset rule).
        let mut permuted = GEMALTO;
        permuted.swap(8, 9);
        assert_eq!(hint(&permuted).model, "CIE 3.0");
    }

    /// The TS-CNS hints leave every CIE ATR of §1.1 to the CIE probe (detect.rs).
    #[test]
    fn no_cie_atr_is_taken_for_a_ts_cns() {
        let stm2 = [0x3B, 0x80, 0x80, 0x01, 0x01];
        let nxp = [
            0x3B, 0x8E, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4E, 0x58, 0x50, 0x12,
            0x0F, 0xFF, 0x82, 0x90, 0xF0,
        ];
        for atr in [&GEMALTO[..], &BIT4ID_2023, &ACTALIS_2026, &stm2, &nxp] {
            assert!(
                !crate::card::cns::detection::hinted_by_atr(atr),
                "{atr:02X?}"
            );
        }
    }

    /// A CIE behind one of the two selection paths; EF 1001 readable by SFI or not.
    struct ProbeCard {
        family: Family,
        sfi: bool,
        sent: Vec<Vec<u8>>,
    }

    impl crate::transport::Channel for ProbeCard {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
            self.sent.push(apdu.to_vec());
            let ok = vec![0x90, 0x00];
            let nis = [&b"123456789012"[..], &ok].concat();
            Ok(match apdu {
                [0, 0xA4, 4, 0x0C, 0x0D, ..] if self.family == Family::IasAid => ok,
                [0, 0xA4, 0, 0] if self.family == Family::MasterFile => ok,
                [0, 0xA4, 4, 0x0C, 6, ..] => ok,
                [0, 0xB0, 0x81, 0, 0x0C] if self.sfi => nis,
                [0, 0xA4, 2, 4, 2, 0x10, 0x01] => ok,
                [0, 0xB0, 0, 0, 0x0C] => nis,
                _ => vec![0x6A, 0x82],
            })
        }
    }

    fn run(card: &mut ProbeCard, atr: &[u8]) -> Option<Probed> {
        let caps = crate::transport::ReaderCapabilities {
            extended_apdu: false,
        };
        let mut ch = CardChannel::new(card, caps);
        probe(&mut ch, &hint(atr)).expect("no transport error")
    }

    #[test]
    fn probe_costs_three_apdus_when_the_hint_is_right() {
        let mut card = ProbeCard {
            family: Family::MasterFile,
            sfi: true,
            sent: Vec::new(),
        };
        let probed = run(&mut card, &ACTALIS_2026).unwrap();
        assert_eq!(
            (probed.family, probed.nis.as_str()),
            (Family::MasterFile, "123456789012")
        );
        assert_eq!(card.sent.len(), 3);
        assert_eq!(card.sent[0], [0, 0xA4, 0, 0]);
    }

    #[test]
    fn a_wrong_hint_costs_one_select_more() {
        // A Gemalto ATR on an MF-family chip: the IAS AID is refused, the MF answers.
        let mut card = ProbeCard {
            family: Family::MasterFile,
            sfi: true,
            sent: Vec::new(),
        };
        assert_eq!(run(&mut card, &GEMALTO).unwrap().family, Family::MasterFile);
        assert_eq!(card.sent.len(), 4);
    }

    #[test]
    fn the_nis_is_read_by_fid_when_the_sfi_read_is_refused() {
        let mut card = ProbeCard {
            family: Family::IasAid,
            sfi: false,
            sent: Vec::new(),
        };
        assert_eq!(run(&mut card, &GEMALTO).unwrap().nis, "123456789012");
        assert_eq!(card.sent.len(), 5);
    }

    #[test]
    fn other_cards_are_not_claimed() {
        struct Refuses(usize);
        impl crate::transport::Channel for Refuses {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
                self.0 += 1;
                Ok(vec![0x6A, 0x82])
            }
        }
        let mut card = Refuses(0);
        let caps = crate::transport::ReaderCapabilities {
            extended_apdu: false,
        };
        let mut ch = CardChannel::new(&mut card, caps);
        assert_eq!(probe(&mut ch, &hint(&[0x3B, 0x00])).unwrap(), None);
        assert_eq!(card.0, 2);
    }
}
