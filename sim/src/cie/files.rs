//! The CIE file system of cie.md §2 and the SELECT / READ BINARY rules around it.
//!
//! Layout: the root (MF, also reached by selecting the IAS AID on chips that accept it) holds the
//! PAN (D003), EF.DH (D004) and EF.ATR (2F01); the CIE application DF (AID A0 00 00 00 00 39)
//! holds 1001..1006.

use crate::sw::Sw;

pub const IAS_AID: [u8; 13] = [
    0xA0, 0x00, 0x00, 0x00, 0x30, 0x80, 0x00, 0x00, 0x00, 0x09, 0x81, 0x60, 0x01,
];
pub const CIE_AID: [u8; 6] = [0xA0, 0x00, 0x00, 0x00, 0x00, 0x39];
const MF_FID: u16 = 0x3F00;
const CIE_DF_FID: u16 = 0x5000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Df {
    Root,
    Cie,
}

/// Who may read an EF (§2 "read condition").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadRule {
    Plain,
    /// Only through secure messaging after the mutual authentication and VERIFY PIN (1002, 1003).
    SecureAfterPin,
}

pub struct Ef {
    pub df: Df,
    pub fid: u16,
    pub content: Vec<u8>,
    pub rule: ReadRule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub df: Df,
    /// Index into `FileSystem::efs`.
    pub ef: Option<usize>,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            df: Df::Root,
            ef: None,
        }
    }
}

pub struct FileSystem {
    pub efs: Vec<Ef>,
}

/// What a READ BINARY may see, decided by the caller from the session state.
#[derive(Clone, Copy)]
pub struct Access {
    pub secure_after_pin: bool,
}

/// A successful SELECT: the FCP/FCI to return (empty for P2 = 0C).
pub type SelectAnswer = Vec<u8>;

impl FileSystem {
    fn find(&self, df: Df, fid: u16) -> Option<usize> {
        self.efs.iter().position(|e| e.df == df && e.fid == fid)
    }

    /// FCP of an EF: size (80), descriptor transparent (82), FID (83).
    fn ef_fcp(ef: &Ef) -> Vec<u8> {
        let size = (ef.content.len() as u16).to_be_bytes();
        let fid = ef.fid.to_be_bytes();
        vec![
            0x62, 0x0E, 0x80, 0x02, size[0], size[1], 0x82, 0x01, 0x01, 0x83, 0x02, fid[0], fid[1],
            0x8A, 0x01, 0x05,
        ]
    }

    /// FCP of a DF: descriptor DF (82 38), FID (83), DF name (84) when it has one.
    fn df_fcp(df: Df) -> Vec<u8> {
        let (fid, name): (u16, &[u8]) = match df {
            Df::Root => (MF_FID, &[]),
            Df::Cie => (CIE_DF_FID, &CIE_AID),
        };
        let fid = fid.to_be_bytes();
        let mut body = vec![0x82, 0x01, 0x38, 0x83, 0x02, fid[0], fid[1]];
        if !name.is_empty() {
            body.push(0x84);
            body.push(name.len() as u8);
            body.extend_from_slice(name);
        }
        let mut out = vec![0x62, body.len() as u8];
        out.extend(body);
        out
    }

    /// SELECT (cie.md §1.2): by DF name (P1 04), MF (P1 00, no data or 3F00), EF of the current DF
    /// by FID (P1 02, or P1 00 with an EF's FID). P2 04/00 answer an FCP, 0C nothing.
    /// `ias_aid_selectable`: chips of the NXP/ITJ4 families are addressed by SELECT MF (§1.1); they
    /// answer the IAS AID with 6A82 and the host ignores it (PAGO).
    pub fn select(
        &self,
        cursor: &mut Cursor,
        p1: u8,
        p2: u8,
        data: &[u8],
        ias_aid_selectable: bool,
    ) -> Result<SelectAnswer, Sw> {
        let want_fcp = match p2 {
            0x00 | 0x04 => true,
            0x0C => false,
            _ => return Err(Sw::WRONG_P1P2),
        };
        let fid = || -> Result<u16, Sw> {
            match data {
                [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
                _ => Err(Sw::WRONG_LENGTH),
            }
        };
        let target = match p1 {
            0x04 => {
                if data == IAS_AID && ias_aid_selectable {
                    Target::Df(Df::Root)
                } else if data == CIE_AID {
                    Target::Df(Df::Cie)
                } else if data.is_empty() || data.len() > 16 {
                    return Err(Sw::WRONG_LENGTH);
                } else {
                    return Err(Sw::FILE_NOT_FOUND);
                }
            }
            0x00 if data.is_empty() => Target::Df(Df::Root),
            0x00 => match fid()? {
                MF_FID => Target::Df(Df::Root),
                f => Target::Ef(self.find(cursor.df, f).ok_or(Sw::FILE_NOT_FOUND)?),
            },
            0x02 => Target::Ef(self.find(cursor.df, fid()?).ok_or(Sw::FILE_NOT_FOUND)?),
            _ => return Err(Sw::WRONG_P1P2),
        };
        let fcp = match target {
            Target::Df(df) => {
                *cursor = Cursor { df, ef: None };
                Self::df_fcp(df)
            }
            Target::Ef(i) => {
                cursor.ef = Some(i);
                Self::ef_fcp(&self.efs[i])
            }
        };
        Ok(if want_fcp { fcp } else { Vec::new() })
    }

    /// READ BINARY (§2): P1 bit 8 set = short FID in P1 b1-b5 (SFI n is EF 10 0n of the CIE DF, so
    /// `00 B0 81 00 0C` reads the NIS) with offset P2; otherwise the
    /// offset is P1-P2 in the current EF. Offset at or past the end → 6B00; fewer bytes than Le left →
    /// the rest with 6282.
    pub fn read_binary(
        &self,
        cursor: &mut Cursor,
        p1: u8,
        p2: u8,
        le: Option<usize>,
        access: Access,
    ) -> Result<(Vec<u8>, Sw), Sw> {
        let (index, offset) = if p1 & 0x80 != 0 {
            let sfi = p1 & 0x1F;
            if p1 & 0x60 != 0 || sfi == 0 {
                return Err(Sw::WRONG_P1P2);
            }
            // Only the CIE DF's short FIDs are documented (§2: SFI 1 = EF 1001).
            let fid = match cursor.df {
                Df::Cie => 0x1000 | u16::from(sfi),
                Df::Root => return Err(Sw::FILE_NOT_FOUND),
            };
            let i = self.find(cursor.df, fid).ok_or(Sw::FILE_NOT_FOUND)?;
            (i, usize::from(p2))
        } else {
            let i = cursor.ef.ok_or(Sw::NO_CURRENT_EF)?;
            (i, usize::from(u16::from_be_bytes([p1, p2])))
        };
        let le = le.ok_or(Sw::WRONG_LENGTH)?;
        let ef = &self.efs[index];
        if ef.rule == ReadRule::SecureAfterPin && !access.secure_after_pin {
            return Err(Sw::SECURITY_NOT_SATISFIED);
        }
        // A short-FID read selects the EF (ISO 7816-4 §7.2.2).
        cursor.ef = Some(index);
        if offset >= ef.content.len() {
            return Err(Sw::OFFSET_OUTSIDE);
        }
        let end = offset + le;
        if end > ef.content.len() {
            Ok((ef.content[offset..].to_vec(), Sw(0x6282)))
        } else {
            Ok((ef.content[offset..end].to_vec(), Sw::OK))
        }
    }
}

enum Target {
    Df(Df),
    Ef(usize),
}
