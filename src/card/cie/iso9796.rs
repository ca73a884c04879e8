//! ISO/IEC 9796-2 digital signature scheme 1 with SHA-256 and partial message recovery,
//! the format of the terminal certificate, EXTERNAL AUTHENTICATE and the chip's INTERNAL
//! AUTHENTICATE answer (cie.md §4.4 steps 1, 6, 8): `6A ‖ M1 ‖ SHA-256(M) ‖ BC`, k bytes,
//! M1 the first k − 34 bytes of M; the rest of M (M2) travels or is known separately.

use zeroize::Zeroizing;

const HEADER: u8 = 0x6A;
/// Trailer for "hash identified implicitly" (ISO 9796-2 §8.1.2).
const TRAILER: u8 = 0xBC;
const HASH_LEN: usize = 32;
/// Header, hash and trailer.
const OVERHEAD: usize = 2 + HASH_LEN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iso9796Error {
    /// The message is shorter than the recoverable part, or the key is too small.
    Length,
    /// The recovered block lacks the `6A` header or the `BC` trailer.
    Format,
    /// The hash in the block does not match the message.
    Hash,
}

pub fn sha256(parts: &[&[u8]]) -> [u8; HASH_LEN] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The k-byte block for `message` and the non-recoverable remainder M2.
pub fn encode(message: &[u8], k: usize) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Iso9796Error> {
    let recoverable = k.checked_sub(OVERHEAD).ok_or(Iso9796Error::Length)?;
    if recoverable == 0 || message.len() < recoverable {
        return Err(Iso9796Error::Length);
    }
    let (m1, m2) = message.split_at(recoverable);
    let mut block = Zeroizing::new(Vec::with_capacity(k));
    block.push(HEADER);
    block.extend_from_slice(m1);
    block.extend_from_slice(&sha256(&[message]));
    block.push(TRAILER);
    Ok((block, m2.to_vec()))
}

/// Splits a recovered block into M1 and the hash, checking header and trailer.
pub fn recover(block: &[u8]) -> Result<(&[u8], &[u8]), Iso9796Error> {
    if block.len() <= OVERHEAD {
        return Err(Iso9796Error::Length);
    }
    match block {
        [HEADER, middle @ .., TRAILER] => Ok(middle.split_at(middle.len() - HASH_LEN)),
        _ => Err(Iso9796Error::Format),
    }
}

/// Checks a recovered block against the non-recoverable part `m2`: H = SHA-256(M1 ‖ M2).
/// Returns M1.
pub fn verify<'a>(block: &'a [u8], m2: &[&[u8]]) -> Result<&'a [u8], Iso9796Error> {
    let (m1, hash) = recover(block)?;
    let mut parts = vec![m1];
    parts.extend_from_slice(m2);
    if sha256(&parts) != hash {
        return Err(Iso9796Error::Hash);
    }
    Ok(m1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_layout_and_remainder() {
        let message: Vec<u8> = (0..=255u8).chain(0..40).collect();
        let (block, rest) = encode(&message, 256).unwrap();
        assert_eq!(block.len(), 256);
        assert_eq!(block[0], 0x6A);
        assert_eq!(block[255], 0xBC);
        assert_eq!(&block[1..223], &message[..222]);
        assert_eq!(&block[223..255], &sha256(&[&message]));
        assert_eq!(rest, &message[222..]);
        let m1 = verify(&block, &[&rest]).unwrap();
        assert_eq!(m1, &message[..222]);
    }

    /// SHA-256("abc") from FIPS 180-2: the hash field is the plain digest of M.
    #[test]
    fn hash_field_is_sha256_of_the_whole_message() {
        let mut message = vec![b'a'];
        message.extend_from_slice(b"bc");
        let (block, rest) = encode(&message, 37).unwrap();
        assert_eq!(&block[1..4], b"abc");
        assert!(rest.is_empty());
        assert_eq!(
            crate::iso7816::apdu::hex(&block[4..36]),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(encode(&[1; 10], 34).map(|_| ()), Err(Iso9796Error::Length));
        assert_eq!(encode(&[1; 10], 100).map(|_| ()), Err(Iso9796Error::Length));
        assert_eq!(recover(&[0x6A; 34]), Err(Iso9796Error::Length));
        let (mut block, rest) = encode(&[7; 80], 64).unwrap();
        assert!(verify(&block, &[&rest]).is_ok());
        assert_eq!(verify(&block, &[&rest[1..]]), Err(Iso9796Error::Hash));
        block[63] = 0xBD;
        assert_eq!(verify(&block, &[&rest]), Err(Iso9796Error::Format));
        block[63] = 0xBC;
        block[0] = 0x4A;
        assert_eq!(recover(&block), Err(Iso9796Error::Format));
    }
}
