//! Host-side RSA signature padding for chips that do raw RSA (TS-CNS PSO DECIPHER, cns.md §5.1).
//!
//! Both encoders return a block of exactly `k` bytes (the modulus length), the input the
//! chip's raw RSA private-key operation expects.

use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::HashAlg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaddingError {
    /// The input does not fit the key (PKCS#1: more than k − 11 bytes; PSS: key too small
    /// for hash + salt).
    DataTooLong,
    /// The digest length does not match the hash algorithm.
    DigestLength,
    /// The system random generator failed (PSS salt).
    Random,
}

/// EMSA-PKCS1-v1_5 block type 1 around `data` (RFC 8017 §9.2 steps 3–5):
/// `00 01 FF … FF 00 data`, at least 8 bytes of `FF`.
pub fn pkcs1_v15_type1(data: &[u8], k: usize) -> Result<Vec<u8>, PaddingError> {
    if k < 11 || data.len() > k - 11 {
        return Err(PaddingError::DataTooLong);
    }
    let mut block = Vec::with_capacity(k);
    block.extend_from_slice(&[0x00, 0x01]);
    block.resize(k - data.len() - 1, 0xFF);
    block.push(0x00);
    block.extend_from_slice(data);
    Ok(block)
}

/// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of an already computed `digest`, emBits = modBits − 1,
/// returned left-padded with zeros to the modulus length.
pub fn pss(
    digest: &[u8],
    hash: HashAlg,
    mgf_hash: HashAlg,
    salt_len: usize,
    mod_bits: usize,
) -> Result<Vec<u8>, PaddingError> {
    let mut salt = Zeroizing::new(vec![0u8; salt_len]);
    ring::rand::SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| PaddingError::Random)?;
    pss_with_salt(digest, hash, mgf_hash, &salt, mod_bits)
}

/// `pss` with a given salt (deterministic; the tests use it with known answers).
pub fn pss_with_salt(
    digest: &[u8],
    hash: HashAlg,
    mgf_hash: HashAlg,
    salt: &[u8],
    mod_bits: usize,
) -> Result<Vec<u8>, PaddingError> {
    let h_len = hash.output_len();
    if digest.len() != h_len {
        return Err(PaddingError::DigestLength);
    }
    let em_bits = mod_bits.checked_sub(1).ok_or(PaddingError::DataTooLong)?;
    let em_len = em_bits.div_ceil(8);
    // Step 3: emLen < hLen + sLen + 2 → encoding error.
    if em_len < h_len + salt.len() + 2 {
        return Err(PaddingError::DataTooLong);
    }
    // Steps 5–6: H = Hash(00×8 ‖ mHash ‖ salt).
    let mut ctx = ring::digest::Context::new(hash.ring_algorithm());
    ctx.update(&[0u8; 8]);
    ctx.update(digest);
    ctx.update(salt);
    let h = ctx.finish();
    // Steps 7–10: maskedDB = (PS ‖ 01 ‖ salt) XOR MGF1(H, emLen − hLen − 1).
    let db_len = em_len - h_len - 1;
    let mut db = mgf1(mgf_hash, h.as_ref(), db_len);
    let ps_len = db_len - salt.len() - 1;
    db[ps_len] ^= 0x01;
    for (d, s) in db[ps_len + 1..].iter_mut().zip(salt) {
        *d ^= s;
    }
    // Step 11: clear the leftmost 8·emLen − emBits bits.
    let unused_bits = 8 * em_len - em_bits;
    db[0] &= 0xFF >> unused_bits;
    // Step 12, then left-pad to k = ceil(modBits / 8).
    let k = mod_bits.div_ceil(8);
    let mut block = vec![0u8; k - em_len];
    block.extend_from_slice(&db);
    block.extend_from_slice(h.as_ref());
    block.push(0xBC);
    Ok(block)
}

/// MGF1 (RFC 8017 appendix B.2.1).
pub fn mgf1(hash: HashAlg, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut ctx = ring::digest::Context::new(hash.ring_algorithm());
        ctx.update(seed);
        ctx.update(&counter.to_be_bytes());
        out.extend_from_slice(ctx.finish().as_ref());
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(hash: HashAlg, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(hash.ring_algorithm(), data)
            .as_ref()
            .to_vec()
    }

    /// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) written out step by step, independent of the encoder.
    fn pss_verify(
        digest: &[u8],
        block: &[u8],
        hash: HashAlg,
        mgf_hash: HashAlg,
        salt_len: usize,
        mod_bits: usize,
    ) -> bool {
        let h_len = hash.output_len();
        let em_bits = mod_bits - 1;
        let em_len = em_bits.div_ceil(8);
        let k = mod_bits.div_ceil(8);
        if block.len() != k || block[..k - em_len].iter().any(|b| *b != 0) {
            return false;
        }
        let em = &block[k - em_len..];
        // Step 3–4.
        if em_len < h_len + salt_len + 2 || em[em_len - 1] != 0xBC {
            return false;
        }
        // Step 5.
        let masked_db = &em[..em_len - h_len - 1];
        let h = &em[em_len - h_len - 1..em_len - 1];
        // Step 6.
        let unused = 8 * em_len - em_bits;
        if unused > 0 && masked_db[0] >> (8 - unused) != 0 {
            return false;
        }
        // Steps 7–9.
        let mask = mgf1(mgf_hash, h, masked_db.len());
        let mut db: Vec<u8> = masked_db.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
        db[0] &= 0xFF >> unused;
        // Step 10.
        let ps_len = em_len - h_len - salt_len - 2;
        if db[..ps_len].iter().any(|b| *b != 0) || db[ps_len] != 0x01 {
            return false;
        }
        // Steps 11–14.
        let salt = &db[db.len() - salt_len..];
        let mut m = vec![0u8; 8];
        m.extend_from_slice(digest);
        m.extend_from_slice(salt);
        sha(hash, &m) == h
    }

    #[test]
    fn pkcs1_type1_layout() {
        let di = HashAlg::Sha256.digest_info(&sha(HashAlg::Sha256, b"abc"));
        let block = pkcs1_v15_type1(&di, 256).unwrap();
        assert_eq!(block.len(), 256);
        assert_eq!(&block[..2], &[0, 1]);
        let ps_end = 256 - di.len() - 1;
        assert!(block[2..ps_end].iter().all(|b| *b == 0xFF));
        assert_eq!(block[ps_end], 0);
        assert_eq!(&block[ps_end + 1..], &di[..]);
    }

    #[test]
    fn pkcs1_type1_length_limits() {
        assert!(pkcs1_v15_type1(&[7; 117], 128).is_ok());
        assert_eq!(
            pkcs1_v15_type1(&[7; 118], 128),
            Err(PaddingError::DataTooLong)
        );
        assert_eq!(pkcs1_v15_type1(&[], 10), Err(PaddingError::DataTooLong));
        assert_eq!(
            pkcs1_v15_type1(&[], 11).unwrap(),
            [0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0]
        );
    }

    #[test]
    fn pss_round_trips_through_independent_verify() {
        for (hash, mgf, bits) in [
            (HashAlg::Sha256, HashAlg::Sha256, 2048),
            (HashAlg::Sha1, HashAlg::Sha1, 1024),
            (HashAlg::Sha384, HashAlg::Sha256, 2048),
            (HashAlg::Sha512, HashAlg::Sha512, 4096),
            (HashAlg::Sha256, HashAlg::Sha256, 1025),
            (HashAlg::Sha256, HashAlg::Sha1, 2047),
        ] {
            let digest = sha(hash, b"message");
            let salt_len = hash.output_len();
            let block = pss(&digest, hash, mgf, salt_len, bits).unwrap();
            assert_eq!(block.len(), bits.div_ceil(8));
            assert!(
                pss_verify(&digest, &block, hash, mgf, salt_len, bits),
                "{hash:?} {bits}"
            );
            let other = sha(hash, b"other");
            assert!(!pss_verify(&other, &block, hash, mgf, salt_len, bits));
        }
    }

    #[test]
    fn pss_salts_differ() {
        let d = sha(HashAlg::Sha256, b"m");
        let a = pss(&d, HashAlg::Sha256, HashAlg::Sha256, 32, 2048).unwrap();
        let b = pss(&d, HashAlg::Sha256, HashAlg::Sha256, 32, 2048).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn pss_errors() {
        let d = sha(HashAlg::Sha512, b"m");
        // 512-bit key: emLen 64 < 64 + 64 + 2.
        assert_eq!(
            pss(&d, HashAlg::Sha512, HashAlg::Sha512, 64, 512),
            Err(PaddingError::DataTooLong)
        );
        assert_eq!(
            pss(&d[..20], HashAlg::Sha512, HashAlg::Sha512, 0, 2048),
            Err(PaddingError::DigestLength)
        );
        assert_eq!(
            pss(&d, HashAlg::Sha512, HashAlg::Sha512, 0, 0),
            Err(PaddingError::DataTooLong)
        );
    }

    /// Known answers from OpenSSL 3 (`openssl pkeyutl -sign` with PSS, salt length 0 so the
    /// encoding is deterministic, then `-verifyrecover` with no padding to get the block);
    /// see tests/fixtures/README.md.
    #[test]
    fn pss_matches_openssl_known_answers() {
        for (name, hash, mgf, bits) in [
            ("pss-sha256-2048", HashAlg::Sha256, HashAlg::Sha256, 2048),
            ("pss-sha1-1025", HashAlg::Sha1, HashAlg::Sha1, 1025),
        ] {
            let expected = fixture(name);
            let digest = sha(hash, b"cie-cns-pkcs11 test message\n");
            let block = pss_with_salt(&digest, hash, mgf, &[], bits).unwrap();
            assert_eq!(block, expected, "{name}");
        }
    }

    #[test]
    fn pkcs1_matches_openssl_known_answer() {
        let expected = fixture("pkcs1-sha256-2048");
        let digest = sha(HashAlg::Sha256, b"cie-cns-pkcs11 test message\n");
        let block = pkcs1_v15_type1(&HashAlg::Sha256.digest_info(&digest), 256).unwrap();
        assert_eq!(block, expected);
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{name}.hex", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let text: String = text.split_whitespace().collect();
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex fixture"))
            .collect()
    }
}
