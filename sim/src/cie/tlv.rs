//! Just enough BER-TLV for the CIE's data objects: one- and two-byte tags, short and long lengths.
//! Parsing never panics; malformed input is `None`.

/// One data object: the tag bytes and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u16,
    pub value: &'a [u8],
}

/// Read one TLV at the start of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&first, mut rest) = input.split_first()?;
    let mut tag = u16::from(first);
    if first & 0x1F == 0x1F {
        let (&second, r) = rest.split_first()?;
        // Three-byte tags (`BF A0 04`-style SDO tags) are values of their own parents here;
        // callers that need them match raw bytes.
        if second & 0x80 != 0 {
            return None;
        }
        tag = (tag << 8) | u16::from(second);
        rest = r;
    }
    let (&l0, r) = rest.split_first()?;
    rest = r;
    let len = match l0 {
        0..=0x7F => usize::from(l0),
        0x81 => {
            let (&l, r) = rest.split_first()?;
            rest = r;
            usize::from(l)
        }
        0x82 => {
            let l = rest.get(..2)?;
            rest = &rest[2..];
            usize::from(u16::from_be_bytes([l[0], l[1]]))
        }
        _ => return None,
    };
    let value = rest.get(..len)?;
    Some((Tlv { tag, value }, &rest[len..]))
}

/// Parse a concatenation of TLVs; `None` if anything is left over or malformed.
pub fn read_all(mut input: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (t, rest) = read(input)?;
        out.push(t);
        input = rest;
    }
    Some(out)
}

/// DER length bytes.
pub fn length(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

/// Encode a TLV with a tag given as its raw bytes (1..3 bytes).
pub fn encode(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend(length(value.len()));
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = vec![9u8; 300];
        let enc = encode(&[0x7F, 0x49], &v);
        let (t, rest) = read(&enc).unwrap();
        assert_eq!((t.tag, t.value.len(), rest.len()), (0x7F49, 300, 0));
        assert_eq!(
            read_all(&[0x87, 0x02, 1, 2, 0x8E, 0x01, 3]).unwrap().len(),
            2
        );
    }

    #[test]
    fn malformed() {
        for bad in [
            &[0x87][..],
            &[0x87, 0x05, 1],
            &[0x87, 0x83, 0, 0, 1],
            &[0x1F],
            &[0x82, 0x82, 1],
        ] {
            assert!(read_all(bad).is_none(), "{bad:02X?}");
        }
    }
}
