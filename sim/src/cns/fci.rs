//! File control information returned by SELECT (shared/cards/cns.md §2.3): the CNS chips answer with
//! tag `6F` (FCI) carrying `80` size, `82` descriptor, `83` FID, `86` nine access-condition bytes and
//! `8A` life cycle. P2=04 asks for the same content as an FCP (tag `62`).

use super::fs::Node;

/// Access conditions, 9 bytes (§2.3): `00` always, `FF` never.
/// EF order: READ, UPDATE, APPEND, INVALIDATE, REHABILITATE, ERASE, ADMIN, INC, DEC — public data is
/// readable without PIN and nothing is writable.
const EF_ACS: [u8; 9] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// DF order: lifecycle, UPDATE, APPEND, INVALIDATE, REHABILITATE, DELETE, ADMIN, CREATE, RFU.
const DF_ACS: [u8; 9] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// Life cycle status "operational, activated".
const LCS_ACTIVATED: u8 = 0x05;

fn tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    // Every value here is shorter than 128 bytes: one length byte.
    out.push(value.len() as u8);
    out.extend_from_slice(value);
}

fn contents(node: &Node) -> Vec<u8> {
    let mut inner = Vec::new();
    match node {
        Node::Ef { fid, data } => {
            let size = u16::try_from(data.len()).unwrap_or(u16::MAX);
            tlv(&mut inner, 0x80, &size.to_be_bytes());
            // 01 = working EF, transparent structure.
            tlv(&mut inner, 0x82, &[0x01]);
            tlv(&mut inner, 0x83, &fid.to_be_bytes());
            tlv(&mut inner, 0x86, &EF_ACS);
        }
        Node::Df { fid, .. } => {
            // 38 = DF.
            tlv(&mut inner, 0x82, &[0x38]);
            tlv(&mut inner, 0x83, &fid.to_be_bytes());
            tlv(&mut inner, 0x86, &DF_ACS);
        }
    }
    tlv(&mut inner, 0x8A, &[LCS_ACTIVATED]);
    inner
}

/// FCI template (tag 6F), as SELECT with P2=00 returns it.
pub fn fci(node: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    tlv(&mut out, 0x6F, &contents(node));
    out
}

/// FCP template (tag 62), for SELECT with P2=04.
pub fn fcp(node: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    tlv(&mut out, 0x62, &contents(node));
    out
}
