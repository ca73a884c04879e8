//! File control information returned by SELECT (docs/cards/cns.md §2.3): the CNS chips answer with
//! tag `6F` (FCI) carrying `80` size, `82` descriptor, `83` FID, `86` nine access-condition bytes and
//! `8A` life cycle; the exact form per variant is its `FciStyle`. P2=04 asks for the same content as
//! an FCP (tag `62`). Application FCIs (SELECT by AID, §2.4) are here too.

use super::fs::{Node, MF};
use super::variant::FciStyle;

/// Access conditions, 9 bytes (§2.3): `00` always, `FF` never.
/// EF order: READ, UPDATE, APPEND, INVALIDATE, REHABILITATE, ERASE, ADMIN, INC, DEC — public data is
/// readable without PIN and nothing is writable.
const EF_ACS: [u8; 9] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// DF order: lifecycle, UPDATE, APPEND, INVALIDATE, REHABILITATE, DELETE, ADMIN, CREATE, RFU.
const DF_ACS: [u8; 9] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// Life cycle status "operational, activated".
const LCS_ACTIVATED: u8 = 0x05;
/// Descriptor bytes: working EF, transparent / DF.
const EF_TRANSPARENT: u8 = 0x01;
const DF: u8 = 0x38;
/// ACe 2025 trace (§2.3): tag `85` = `01`, tag `CB` = 24 bytes `FF`.
const ACE_TAG_85: [u8; 1] = [0x01];
const ACE_TAG_CB: [u8; 24] = [0xFF; 24];

fn tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    // Every value here is shorter than 128 bytes: one length byte.
    out.push(value.len() as u8);
    out.extend_from_slice(value);
}

fn descriptor(style: FciStyle, kind: u8) -> Vec<u8> {
    match style {
        FciStyle::Classic => vec![kind],
        FciStyle::Idemia | FciStyle::Ace2025 => vec![kind, 0x00, 0x00],
    }
}

fn contents(node: &Node, style: FciStyle) -> Vec<u8> {
    let mut inner = Vec::new();
    let (kind, fid, acs) = match node {
        Node::Ef { fid, data } => {
            let size = u16::try_from(data.len()).unwrap_or(u16::MAX);
            tlv(&mut inner, 0x80, &size.to_be_bytes());
            (EF_TRANSPARENT, *fid, EF_ACS)
        }
        Node::Df { fid, acs, .. } => (DF, *fid, acs.unwrap_or(DF_ACS)),
    };
    tlv(&mut inner, 0x82, &descriptor(style, kind));
    tlv(&mut inner, 0x83, &fid.to_be_bytes());
    if style == FciStyle::Ace2025 {
        tlv(&mut inner, 0x85, &ACE_TAG_85);
    }
    tlv(&mut inner, 0x86, &acs);
    tlv(&mut inner, 0x8A, &[LCS_ACTIVATED]);
    if style == FciStyle::Ace2025 {
        tlv(&mut inner, 0xCB, &ACE_TAG_CB);
    }
    inner
}

fn wrap(tag: u8, inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    tlv(&mut out, tag, inner);
    out
}

/// FCI template (tag 6F), as SELECT with P2=00 returns it.
pub fn fci(node: &Node, style: FciStyle) -> Vec<u8> {
    wrap(0x6F, &contents(node, style))
}

/// FCP template (tag 62), for SELECT with P2=04.
pub fn fcp(node: &Node, style: FciStyle) -> Vec<u8> {
    wrap(0x62, &contents(node, style))
}

/// Content of an application's FCI (§2.4): DF descriptor, `83 02 3F 00` when the application is
/// the MF in disguise (the ACe CNS application), and `84` the AID (ISO 7816-4 DF name).
fn application_contents(aid: &[u8], maps_to_mf: bool) -> Vec<u8> {
    let mut inner = Vec::new();
    tlv(&mut inner, 0x82, &[DF]);
    if maps_to_mf {
        tlv(&mut inner, 0x83, &MF.to_be_bytes());
    }
    tlv(&mut inner, 0x84, aid);
    inner
}

/// FCI (6F) or FCP (62) of an application selected by AID.
pub fn application(aid: &[u8], maps_to_mf: bool, tag: u8) -> Vec<u8> {
    wrap(tag, &application_contents(aid, maps_to_mf))
}
