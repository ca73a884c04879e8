//! SELECT by AID (`00 A4 04 P2`, docs/cards/cns.md §2.4) and which application answers the other
//! commands. Classic cards have no applications: every AID probe fails (OpenSC tries ~26 for other
//! drivers, and a 9000 lets another driver claim the card, cns-opensc.md). On a card with
//! applications (ACe 2025) the CNS files, PINs and key exist only while its CNS application is
//! selected; after reset none is (chosen: a multi-application chip has no default application, so a
//! module must select the AID as the #3804 trace does).

use super::fci;
use super::files::Cursor;
use super::variant::Variant;
use crate::apdu::Command;
use crate::sw::{respond, status, Sw};

/// The application commands go to.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Current {
    /// After reset; on classic cards this never changes and the MF answers.
    #[default]
    None,
    /// The application holding the CNS files (ACe 2025 `…02 1A`).
    Cns,
    /// Another application (ACe 2025 "ESIGN"): SELECT answers, nothing else is there.
    Other,
}

/// Do the CNS files, PINs and key answer now?
pub fn cns_reachable(variant: &Variant, current: Current) -> bool {
    variant.applications.is_empty() || current == Current::Cns
}

/// `00 A4 04 P2 Lc AID [Le]`. A failed SELECT leaves the current application unchanged (ISO 7816-4).
pub fn select(
    variant: &Variant,
    current: &mut Current,
    cursor: &mut Cursor,
    cmd: &Command,
) -> Vec<u8> {
    let tag = match cmd.p2 {
        0x00 => Some(0x6F),
        0x04 => Some(0x62),
        0x0C => None,
        _ => return status(Sw::WRONG_P1P2),
    };
    if !(1..=16).contains(&cmd.data.len()) {
        return status(Sw::WRONG_LENGTH);
    }
    let Some(app) = variant.applications.iter().find(|a| a.aid == cmd.data) else {
        return status(Sw::FILE_NOT_FOUND);
    };
    if app.holds_cns {
        *current = Current::Cns;
        // The CNS application is the MF (FCI `83 02 3F 00`, §2.4).
        *cursor = Cursor::default();
    } else {
        *current = Current::Other;
    }
    match tag {
        Some(tag) => respond(&fci::application(app.aid, app.holds_cns, tag), Sw::OK),
        None => status(Sw::OK),
    }
}
