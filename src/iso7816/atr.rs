//! Answer-to-reset structure (ISO/IEC 7816-3 §8.2): just enough to find the historical bytes.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtrError {
    /// TS is neither `3B` (direct) nor `3F` (inverse convention).
    BadInitialCharacter,
    /// The ATR ends before the interface or historical bytes it announces.
    Truncated,
}

error_named_by_variant!(AtrError);

/// The historical bytes T1..TK of `atr`, walking the interface bytes that TDi announce.
pub fn historical_bytes(atr: &[u8]) -> Result<&[u8], AtrError> {
    let (&ts, rest) = atr.split_first().ok_or(AtrError::Truncated)?;
    if ts != 0x3B && ts != 0x3F {
        return Err(AtrError::BadInitialCharacter);
    }
    let (&t0, mut rest) = rest.split_first().ok_or(AtrError::Truncated)?;
    let k = usize::from(t0 & 0x0F);
    let mut y = t0 >> 4;
    loop {
        // TAi, TBi, TCi present per bits b5..b7 of the indicator; TDi per b8.
        let skip = usize::from(y & 0x07).count_ones() as usize;
        rest = rest.get(skip..).ok_or(AtrError::Truncated)?;
        if y & 0x08 == 0 {
            break;
        }
        let (&td, r) = rest.split_first().ok_or(AtrError::Truncated)?;
        rest = r;
        y = td >> 4;
    }
    rest.get(..k).ok_or(AtrError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn st_2021_ts_cns() {
        let atr = [
            0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16,
            0x17, 0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
        ];
        let h = historical_bytes(&atr).unwrap();
        assert_eq!(h.len(), 15);
        assert_eq!(&h[..2], &[0x00, 0x6B]);
        assert_eq!(&h[9..12], b"CNS");
    }

    #[test]
    fn athena_without_tb1() {
        // cns.md §1.4: 3B DF 18 00 81 31 FE 7D ... (T0 = DF: TA1 TC1 TD1).
        let atr = [
            0x3B, 0xDF, 0x18, 0x00, 0x81, 0x31, 0xFE, 0x7D, 0x00, 0x6B, 0x02, 0x0C, 0x01, 0x82,
            0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0xFC,
        ];
        let h = historical_bytes(&atr).unwrap();
        assert_eq!(h.len(), 15);
        assert_eq!(h[3], 0x0C);
    }

    #[test]
    fn nfc_atr_without_historical_bytes() {
        assert_eq!(
            historical_bytes(&[0x3B, 0x80, 0x80, 0x01, 0x01]),
            Ok(&[][..])
        );
    }

    #[test]
    fn malformed() {
        assert_eq!(historical_bytes(&[]), Err(AtrError::Truncated));
        assert_eq!(
            historical_bytes(&[0x12, 0x00]),
            Err(AtrError::BadInitialCharacter)
        );
        assert_eq!(
            historical_bytes(&[0x3B, 0xFF, 0x18]),
            Err(AtrError::Truncated)
        );
        assert_eq!(
            historical_bytes(&[0x3B, 0x05, 1, 2]),
            Err(AtrError::Truncated)
        );
    }

    #[test]
    fn never_panics() {
        for t0 in 0..=255u8 {
            for td in 0..=255u8 {
                let _ = historical_bytes(&[0x3B, t0, td, td, td, td, 0x80]);
            }
        }
    }
}
