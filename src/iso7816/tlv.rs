//! BER-TLV data objects (ISO/IEC 7816-4 §5.2, X.690 §8.1): multi-byte tags and lengths,
//! every index bounds-checked, no indefinite lengths. Card data is untrusted input.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlvError {
    /// Input ended inside a tag, a length or a value.
    Truncated,
    /// Tag longer than four bytes.
    TagTooLong,
    /// Indefinite length (`80`) or a length field over four bytes.
    UnsupportedLength,
}

error_named_by_variant!(TlvError);

/// One data object; `tag` holds the tag bytes big-endian (`5F20` → 0x5F20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Bit 6 of the first tag byte: the value is itself a sequence of data objects.
    pub fn is_constructed(&self) -> bool {
        first_tag_byte(self.tag) & 0x20 != 0
    }

    /// The data objects inside a constructed value.
    pub fn children(&self) -> TlvIter<'a> {
        TlvIter::new(self.value)
    }
}

fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    bytes.iter().copied().find(|b| *b != 0).unwrap_or(0)
}

/// A data object's header: its tag, the length of its value and the header's own size.
struct Header {
    tag: u32,
    len: usize,
    size: usize,
}

/// Reads the tag and length at the start of `input` (X.690 §8.1.2–8.1.3).
fn header(input: &[u8]) -> Result<Header, TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError::Truncated)?;
    let mut tag = u32::from(first);
    let mut size = 1;
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes while b8 is set (X.690 §8.1.2.4).
        loop {
            let (&b, r) = rest.split_first().ok_or(TlvError::Truncated)?;
            rest = r;
            size += 1;
            if size > 4 {
                return Err(TlvError::TagTooLong);
            }
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let (&len0, rest) = rest.split_first().ok_or(TlvError::Truncated)?;
    size += 1;
    let len = match len0 {
        0x00..=0x7F => usize::from(len0),
        0x81..=0x84 => {
            let n = usize::from(len0 & 0x7F);
            let bytes = rest.get(..n).ok_or(TlvError::Truncated)?;
            size += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return Err(TlvError::UnsupportedLength),
    };
    Ok(Header { tag, len, size })
}

/// Parses the data object at the start of `input`; returns it and the rest.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let Header { tag, len, size } = header(input)?;
    let rest = input.get(size..).ok_or(TlvError::Truncated)?;
    if rest.len() < len {
        return Err(TlvError::Truncated);
    }
    let (value, rest) = rest.split_at(len);
    Ok((Tlv { tag, value }, rest))
}

/// The data objects of a sequence. `00` and `FF` bytes between objects are skipped
/// (ISO 7816-4 §5.2.2: padding without meaning). After an error the iterator ends.
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    rest: &'a [u8],
}

impl<'a> TlvIter<'a> {
    pub fn new(input: &'a [u8]) -> TlvIter<'a> {
        TlvIter { rest: input }
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        while let [0x00 | 0xFF, rest @ ..] = self.rest {
            self.rest = rest;
        }
        if self.rest.is_empty() {
            return None;
        }
        match parse_one(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The value of the first object tagged `tag` at the top level of `input`.
pub fn find(input: &[u8], tag: u32) -> Result<Option<&[u8]>, TlvError> {
    for tlv in TlvIter::new(input) {
        let tlv = tlv?;
        if tlv.tag == tag {
            return Ok(Some(tlv.value));
        }
    }
    Ok(None)
}

/// BER length octets for a value of `len` bytes: one byte below 0x80, else `81 xx` or
/// `82 xxxx` (a length over 0xFFFF, which no card command carries, is written as 0xFFFF).
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        _ => {
            let [hi, lo] = (len.min(0xFFFF) as u16).to_be_bytes();
            out.extend_from_slice(&[0x82, hi, lo]);
        }
    }
}

/// One data object: the tag bytes as given, the BER length, the value.
pub fn encode(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    push_length(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1),
/// each integer with its leading zeros stripped; `None` when it does not parse or an
/// integer is zero or empty. What follows the two integers is not looked at.
pub fn rsa_public_key(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (seq, _) = parse_one(der).ok()?;
    if seq.tag != 0x30 {
        return None;
    }
    let mut items = seq.children();
    let mut integer = || match items.next() {
        Some(Ok(t)) if t.tag == 0x02 => {
            let start = t.value.iter().position(|b| *b != 0)?;
            Some(t.value[start..].to_vec())
        }
        _ => None,
    };
    let modulus = integer()?;
    let exponent = integer()?;
    Some((modulus, exponent))
}

/// Total encoded length (tag + length + value) of the object starting `input`, read
/// from its header alone: tells how many bytes of a DER certificate to read.
pub fn encoded_length(input: &[u8]) -> Result<usize, TlvError> {
    let Header { len, size, .. } = header(input)?;
    size.checked_add(len).ok_or(TlvError::UnsupportedLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_uses_the_shortest_length_form_and_parses_back() {
        assert_eq!(encode(&[0x42], &[0xAA]), [0x42, 0x01, 0xAA]);
        for len in [0, 0x7F, 0x80, 0xFF, 0x100, 0x1234] {
            let value = vec![0x5A; len];
            let encoded = encode(&[0x5F, 0x37], &value);
            let header = match len {
                0..=0x7F => [0x5F, 0x37, len as u8].to_vec(),
                0x80..=0xFF => [0x5F, 0x37, 0x81, len as u8].to_vec(),
                _ => [0x5F, 0x37, 0x82, (len >> 8) as u8, len as u8].to_vec(),
            };
            assert_eq!(&encoded[..header.len()], &header[..]);
            let (t, rest) = parse_one(&encoded).unwrap();
            assert_eq!((t.tag, t.value, rest.len()), (0x5F37, &value[..], 0));
        }
    }

    #[test]
    fn short_and_long_forms() {
        let (t, rest) = parse_one(&[0x80, 0x02, 0x01, 0x90, 0xAA]).unwrap();
        assert_eq!(t.tag, 0x80);
        assert_eq!(t.value, [1, 0x90]);
        assert_eq!(rest, [0xAA]);

        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        let (t, rest) = parse_one(&long).unwrap();
        assert_eq!(t.value.len(), 0x80);
        assert!(rest.is_empty());

        let mut two = vec![0x30, 0x82, 0x01, 0x00];
        two.extend([0u8; 256]);
        assert_eq!(parse_one(&two).unwrap().0.value.len(), 256);
    }

    #[test]
    fn multi_byte_tags() {
        let (t, _) = parse_one(&[0x5F, 0x20, 0x01, b'X']).unwrap();
        assert_eq!(t.tag, 0x5F20);
        assert!(!t.is_constructed());
        let (t, _) = parse_one(&[0x7F, 0x81, 0x01, 0x00]).unwrap();
        assert_eq!(t.tag, 0x7F8101);
        assert!(t.is_constructed());
        assert_eq!(
            parse_one(&[0x5F, 0x81, 0x82, 0x83, 0x04, 0x00]),
            Err(TlvError::TagTooLong)
        );
    }

    #[test]
    fn malformed_input_errors() {
        assert_eq!(parse_one(&[]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x80]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x80, 0x03, 1, 2]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x80, 0x82, 0x01]), Err(TlvError::Truncated));
        assert_eq!(
            parse_one(&[0x30, 0x80, 0, 0]),
            Err(TlvError::UnsupportedLength)
        );
        assert_eq!(
            parse_one(&[0x30, 0x85, 0, 0, 0, 0, 1]),
            Err(TlvError::UnsupportedLength)
        );
        assert_eq!(parse_one(&[0x5F]), Err(TlvError::Truncated));
        // Four-byte length claiming far more than present.
        assert_eq!(
            parse_one(&[0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0]),
            Err(TlvError::Truncated)
        );
    }

    #[test]
    fn iterator_skips_padding_and_stops_on_error() {
        let input = [
            0x00, 0x80, 0x01, 0x05, 0xFF, 0xFF, 0x83, 0x02, 0x11, 0x02, 0x86,
        ];
        let items: Vec<_> = TlvIter::new(&input).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].unwrap().tag, 0x80);
        assert_eq!(items[1].unwrap().value, [0x11, 0x02]);
        assert_eq!(items[2], Err(TlvError::Truncated));
        assert_eq!(find(&input, 0x83).unwrap(), Some(&[0x11, 0x02][..]));
        assert_eq!(find(&input, 0x99), Err(TlvError::Truncated));
        assert_eq!(find(&input[..6], 0x99), Ok(None));
    }

    #[test]
    fn encoded_length_from_header() {
        assert_eq!(encoded_length(&[0x30, 0x82, 0x04, 0x42]), Ok(0x446));
        assert_eq!(encoded_length(&[0x30, 0x10]), Ok(0x12));
        assert_eq!(encoded_length(&[0x30, 0x81]), Err(TlvError::Truncated));
        assert_eq!(
            encoded_length(&[0x30, 0x80]),
            Err(TlvError::UnsupportedLength)
        );
    }

    #[test]
    fn never_panics_on_any_short_input() {
        // Exhaustive over all 1- and 2-byte inputs, plus 3-byte ones with a long-form length.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let _ = parse_one(&[a, b]);
                let _ = encoded_length(&[a, b]);
                let _ = TlvIter::new(&[a, b, 0x82]).count();
            }
        }
    }
}
