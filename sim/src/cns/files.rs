//! SELECT and READ BINARY on the CNS file tree (docs/cards/cns.md §3). SELECT by AID (P1=04) is
//! `application.rs`.

use super::fci;
use super::fs::{FileSystem, Node, MF};
use super::variant::Variant;
use crate::apdu::Command;
use crate::sw::{respond, status, Sw};

/// The current file: an absolute path; the current DF is the path itself for a DF, its parent for an EF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub path: Vec<u16>,
}

impl Default for Cursor {
    /// After reset the MF is selected, no EF is current.
    fn default() -> Self {
        Cursor { path: vec![MF] }
    }
}

impl Cursor {
    fn current_df(&self, fs: &FileSystem) -> Vec<u16> {
        match fs.get(&self.path) {
            Some(node) if node.is_df() => self.path.clone(),
            Some(_) if self.path.len() > 1 => self.path[..self.path.len() - 1].to_vec(),
            _ => vec![MF],
        }
    }
}

enum Answer {
    Fci,
    Fcp,
    Nothing,
}

fn fid_of(data: &[u8]) -> Result<u16, Sw> {
    match data {
        [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
        _ => Err(Sw::WRONG_LENGTH),
    }
}

fn fids_of(data: &[u8]) -> Result<Vec<u16>, Sw> {
    if data.is_empty() || !data.len().is_multiple_of(2) {
        return Err(Sw::WRONG_LENGTH);
    }
    Ok(data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

fn walk(fs: &FileSystem, from: Vec<u16>, fids: &[u16]) -> Result<Vec<u16>, Sw> {
    fids.iter().try_fold(from, |p, fid| {
        fs.child_of(&p, *fid).ok_or(Sw::FILE_NOT_FOUND)
    })
}

/// ISO 7816-4 P1=00 search order for a bare FID: the MF, children of the current DF, the current DF
/// itself, its parent, and the parent's children.
fn find_by_fid(fs: &FileSystem, df: &[u16], fid: u16) -> Option<Vec<u16>> {
    if fid == MF {
        return Some(vec![MF]);
    }
    if let Some(p) = fs.child_of(df, fid) {
        return Some(p);
    }
    if df.last() == Some(&fid) {
        return Some(df.to_vec());
    }
    if df.len() > 1 {
        let parent = &df[..df.len() - 1];
        if parent.last() == Some(&fid) {
            return Some(parent.to_vec());
        }
        return fs.child_of(parent, fid);
    }
    None
}

fn target(
    fs: &FileSystem,
    cursor: &Cursor,
    cmd: &Command,
    variant: &Variant,
) -> Result<Vec<u16>, Sw> {
    let df = cursor.current_df(fs);
    match cmd.p1 {
        0x00 if cmd.data.is_empty() => Ok(vec![MF]),
        0x00 => find_by_fid(fs, &df, fid_of(cmd.data)?).ok_or(Sw::FILE_NOT_FOUND),
        0x01 | 0x02 => {
            let p = fs
                .child_of(&df, fid_of(cmd.data)?)
                .ok_or(Sw::FILE_NOT_FOUND)?;
            let is_df = fs.get(&p).is_some_and(Node::is_df);
            // P1=01 wants a DF, P1=02 an EF.
            if is_df == (cmd.p1 == 0x01) {
                Ok(p)
            } else {
                Err(Sw::FILE_NOT_FOUND)
            }
        }
        0x03 if !cmd.data.is_empty() => Err(Sw::WRONG_LENGTH),
        0x03 if df.len() > 1 => Ok(df[..df.len() - 1].to_vec()),
        0x03 => Err(Sw::FILE_NOT_FOUND),
        // Path from the MF: not on every variant (ACe 2025, §2.4).
        0x08 if !variant.path_from_mf => Err(Sw::WRONG_P1P2),
        0x08 => walk(fs, vec![MF], &fids_of(cmd.data)?),
        0x09 => walk(fs, df, &fids_of(cmd.data)?),
        _ => Err(Sw::WRONG_P1P2),
    }
}

/// SELECT FILE (`00 A4`) by FID or path.
pub fn select(fs: &FileSystem, cursor: &mut Cursor, cmd: &Command, variant: &Variant) -> Vec<u8> {
    let answer = match cmd.p2 {
        0x00 => Answer::Fci,
        0x04 => Answer::Fcp,
        0x0C => Answer::Nothing,
        _ => return status(Sw::WRONG_P1P2),
    };
    let path = match target(fs, cursor, cmd, variant) {
        Ok(p) => p,
        Err(sw) => return status(sw),
    };
    let Some(node) = fs.get(&path) else {
        return status(Sw::FILE_NOT_FOUND);
    };
    let body = match answer {
        Answer::Fci => fci::fci(node, variant.fci_style),
        Answer::Fcp => fci::fcp(node, variant.fci_style),
        Answer::Nothing => Vec::new(),
    };
    cursor.path = path;
    respond(&body, Sw::OK)
}

/// READ BINARY (`00 B0`), offset in P1-P2 (15 bits).
///
/// Le larger than what remains: the remaining bytes with 9000 (no 6282). OpenSC's itacns loops until
/// a short read and accepts this; offset at or past the end: 6B00 (as the ACe 2025 does, #3804).
/// Le=`00` (short) means 256 bytes on every variant: the ACe 2025 does so (#3804); for the others
/// it is an open question (cns.md §9 q10) and chosen the same, since OpenSC never sends it (≤ FF).
pub fn read_binary(fs: &FileSystem, cursor: &Cursor, cmd: &Command) -> Vec<u8> {
    if cmd.p1 & 0x80 != 0 {
        // Short-EF-identifier addressing: not offered by these cards.
        return status(Sw::WRONG_P1P2);
    }
    if !cmd.data.is_empty() {
        return status(Sw::WRONG_LENGTH);
    }
    let Some(le) = cmd.le else {
        return status(Sw::WRONG_LENGTH);
    };
    let Some(Node::Ef { data, .. }) = fs.get(&cursor.path) else {
        return status(Sw::NO_CURRENT_EF);
    };
    let offset = usize::from(cmd.p1p2());
    if offset >= data.len() {
        return status(Sw::OFFSET_OUTSIDE);
    }
    let end = data.len().min(offset + le);
    respond(&data[offset..end], Sw::OK)
}
