//! ISO 7816-4 command APDU parsing (short and extended forms), strict about Lc/Le.
//!
//! The body after the 4-byte header is decoded per ISO 7816-3 cases 1, 2S, 3S, 4S, 2E, 3E, 4E.
//! Anything that does not decode to exactly one case is a wrong length (6700).

use crate::sw::Sw;

/// A decoded command APDU borrowing its data from the raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    /// Expected response length; `Some(256)` for short `00`, `Some(65536)` for extended `0000`.
    pub le: Option<usize>,
    /// True if Lc or Le used the extended (3-byte / 2-byte) encoding.
    pub extended: bool,
}

impl Command<'_> {
    /// P1-P2 as one number, handy for matching.
    pub fn p1p2(&self) -> u16 {
        u16::from_be_bytes([self.p1, self.p2])
    }
}

fn short_le(b: u8) -> usize {
    if b == 0 {
        256
    } else {
        usize::from(b)
    }
}

fn ext_len(hi: u8, lo: u8, zero_means: usize) -> usize {
    match u16::from_be_bytes([hi, lo]) {
        0 => zero_means,
        n => usize::from(n),
    }
}

/// The `lc` data bytes at the start of `tail`, and the Le field of `le_len` bytes after them
/// if there is one (case 4) rather than nothing (case 3). Lc = 0 is not an Lc.
fn data_and_le(tail: &[u8], lc: usize, le_len: usize) -> Result<(&[u8], Option<&[u8]>), Sw> {
    if lc == 0 {
        return Err(Sw::WRONG_LENGTH);
    }
    if tail.len() == lc {
        Ok((tail, None))
    } else if tail.len() == lc + le_len {
        let (data, le) = tail.split_at(lc);
        Ok((data, Some(le)))
    } else {
        Err(Sw::WRONG_LENGTH)
    }
}

/// Decode a raw command APDU. Errors are the status word to answer (always 6700: the header itself
/// cannot be wrong at this level).
pub fn parse(raw: &[u8]) -> Result<Command<'_>, Sw> {
    let (header, body) = match raw {
        [cla, ins, p1, p2, body @ ..] => ([*cla, *ins, *p1, *p2], body),
        _ => return Err(Sw::WRONG_LENGTH),
    };
    let mut cmd = Command {
        cla: header[0],
        ins: header[1],
        p1: header[2],
        p2: header[3],
        data: &[],
        le: None,
        extended: false,
    };
    match body {
        // Case 1.
        [] => {}
        // Case 2S.
        [le] => cmd.le = Some(short_le(*le)),
        // Extended: first body byte 00 followed by at least two more bytes.
        [0, rest @ ..] if rest.len() >= 2 => {
            cmd.extended = true;
            match rest {
                // Case 2E.
                [hi, lo] => cmd.le = Some(ext_len(*hi, *lo, 65536)),
                [hi, lo, tail @ ..] => {
                    let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                    // Case 3E, or 4E with a two-byte Le.
                    let (data, le) = data_and_le(tail, lc, 2)?;
                    cmd.data = data;
                    cmd.le = le.map(|le| ext_len(le[0], le[1], 65536));
                }
                _ => return Err(Sw::WRONG_LENGTH),
            }
        }
        // Short with Lc (Lc = 0 is not a short Lc; `00` + one byte is malformed).
        [lc, tail @ ..] => {
            // Case 3S, or 4S with a one-byte Le.
            let (data, le) = data_and_le(tail, usize::from(*lc), 1)?;
            cmd.data = data;
            cmd.le = le.map(|le| short_le(le[0]));
        }
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        let c = parse(&[0, 0x84, 0, 0]).unwrap();
        assert_eq!((c.data.len(), c.le, c.extended), (0, None, false));
        let c = parse(&[0, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = parse(&[0, 0xA4, 0, 0x0C, 2, 0x3F, 0]).unwrap();
        assert_eq!((c.data, c.le), (&[0x3F, 0][..], None));
        let c = parse(&[0, 0xA4, 0, 0, 2, 0x3F, 0, 0]).unwrap();
        assert_eq!((c.data, c.le), (&[0x3F, 0][..], Some(256)));
        let c = parse(&[0, 0xB0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!((c.le, c.extended), (Some(65536), true));
        let c = parse(&[0, 0xB0, 0, 0, 0, 0x01, 0x00]).unwrap();
        assert_eq!(c.le, Some(256));
        let mut ext = vec![0, 0x2A, 0x80, 0x86, 0, 1, 1];
        ext.extend(std::iter::repeat_n(7u8, 257));
        ext.extend([1, 0]);
        let c = parse(&ext).unwrap();
        assert_eq!((c.data.len(), c.le, c.extended), (257, Some(256), true));
        ext.pop();
        ext.pop();
        let c = parse(&ext).unwrap();
        assert_eq!((c.data.len(), c.le), (257, None));
    }

    #[test]
    fn malformed() {
        for raw in [
            &[][..],
            &[0, 0xA4, 0],
            &[0, 0xA4, 0, 0, 3, 1, 2],
            &[0, 0xA4, 0, 0, 1, 1, 2, 3],
            &[0, 0xA4, 0, 0, 0, 0],
            &[0, 0xA4, 0, 0, 0, 0, 0, 0],
            &[0, 0xA4, 0, 0, 0, 0, 2, 1],
            &[0, 0xA4, 0, 0, 0, 0, 1, 1, 0],
        ] {
            assert_eq!(parse(raw), Err(Sw::WRONG_LENGTH), "{raw:02X?}");
        }
    }
}
