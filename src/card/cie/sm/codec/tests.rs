//! Vectors computed by an independent Python implementation of cie.md §5 (on the
//! `cryptography` package's TripleDES), not by this code.

use super::*;
use crate::iso7816::apdu::hex;

fn keys() -> SessionKeys {
    SessionKeys::new(
        *b"\x01\x23\x45\x67\x89\xAB\xCD\xEF\xFE\xDC\xBA\x98\x76\x54\x32\x10",
        *b"\xF1\xCB\x1F\x1F\xB5\xAD\xF2\x08\x80\x6B\x89\xDC\x57\x9D\xC1\xF8",
    )
}

fn ssc(n: u8) -> Ssc {
    Ssc([0, 0, 0, 0, 0, 0, 0, n])
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn wire(c: &Command) -> String {
    hex(&c.encode(false).unwrap())
}

#[test]
fn verify_pin_is_wrapped_in_do87_with_mac() {
    let plain =
        Command::new(0x00, 0x20, 0x00, 0x81).with_secret_data(Zeroizing::new(b"12345678".to_vec()));
    let wrapped = wrap(&keys(), &ssc(2), &plain).unwrap();
    assert_eq!(
        wire(&wrapped),
        "0C2000811D87110141D2FFBA3CDC15FE0A85C82415B781008E083DABA37EFC0E5E5E00"
    );
    assert!(wrapped.secret);
    assert!(!wrapped.trace().contains("8711"));
}

#[test]
fn le_goes_into_do97() {
    let plain = Command::new(0x00, 0x84, 0x00, 0x00).with_le(8);
    let wrapped = wrap(&keys(), &ssc(2), &plain).unwrap();
    assert_eq!(wire(&wrapped), "0C8400000D9701088E086B54D4FBB1E0A1F400");
}

#[test]
fn odd_ins_uses_do85_and_le_256_is_00() {
    let plain = Command::new(0x00, 0xCB, 0x3F, 0xFF)
        .with_data(vec![1, 2, 3])
        .with_le(256);
    let wrapped = wrap(&keys(), &ssc(9), &plain).unwrap();
    let body = &wrapped.data;
    assert_eq!(body[0], 0x85);
    assert_eq!(body[1], 8);
    assert_eq!(&body[10..13], &[0x97, 0x01, 0x00]);
    assert_eq!(&body[13..15], &[0x8E, 0x08]);
}

#[test]
fn response_with_data_is_checked_and_decrypted() {
    let body = unhex("871101A85CEB8CDADFF808D2D375B3BFBD8FC1990290008E082C6FB72C0D3CE991");
    let r = unwrap(&keys(), &ssc(3), &body).unwrap();
    assert_eq!(r.data, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(r.sw, StatusWord::SUCCESS);
    // The same answer with another SSC (a replay, or a lost step) fails the MAC.
    assert_eq!(unwrap(&keys(), &ssc(5), &body), Err(SmError::Mac));
}

#[test]
fn status_inside_do99_is_the_real_status() {
    let body = unhex("990263C28E0830F789C643976EB5");
    let r = unwrap(&keys(), &ssc(3), &body).unwrap();
    assert!(r.data.is_empty());
    assert_eq!(r.sw, StatusWord(0x63C2));
    // C7: end of file travels inside DO 99.
    let body = unhex("87090166C1311E137DD7D1990262828E0894173111C752A77D");
    let r = unwrap(&keys(), &ssc(3), &body).unwrap();
    assert_eq!(r.data, [0xAA; 5]);
    assert_eq!(r.sw, StatusWord::END_OF_FILE);
}

#[test]
fn classify_separates_plain_errors_from_protected_answers() {
    let r = |data: Vec<u8>, sw: u16| Response {
        data,
        sw: StatusWord(sw),
    };
    assert_eq!(classify(&r(vec![0x99], 0x9000)), Ok(Answer::Protected));
    assert_eq!(classify(&r(vec![0x99], 0x6282)), Ok(Answer::Protected));
    assert_eq!(
        classify(&r(vec![], 0x6983)),
        Ok(Answer::Plain(StatusWord(0x6983)))
    );
    assert_eq!(
        classify(&r(vec![], 0x6988)),
        Ok(Answer::Plain(StatusWord(0x6988)))
    );
    assert!(classify(&r(vec![], 0x9000)).is_err());
    assert!(classify(&r(vec![1], 0x6A82)).is_err());
}

#[test]
fn malformed_responses_are_errors() {
    let k = keys();
    let s = ssc(3);
    let good = unhex("871101A85CEB8CDADFF808D2D375B3BFBD8FC1990290008E082C6FB72C0D3CE991");
    // No MAC, no status, truncated, trailing object, unknown tag, bad indicator.
    assert_eq!(
        unwrap(&k, &s, &good[..good.len() - 10]),
        Err(SmError::MissingObject(0x8E))
    );
    assert_eq!(unwrap(&k, &s, &[]), Err(SmError::MissingObject(0x8E)));
    assert_eq!(unwrap(&k, &s, &good[..good.len() - 1]), Err(SmError::Tlv));
    let mut trailing = good.clone();
    trailing.extend([0x99, 0x02, 0x90, 0x00]);
    assert_eq!(
        unwrap(&k, &s, &trailing),
        Err(SmError::UnexpectedObject(0x99))
    );
    assert_eq!(
        unwrap(&k, &s, &unhex("53020000")),
        Err(SmError::UnexpectedObject(0x53))
    );
    let mut flipped = good.clone();
    flipped[5] ^= 1;
    assert_eq!(unwrap(&k, &s, &flipped), Err(SmError::Mac));
    // A MAC over a status-less answer is still refused for the missing status.
    let no_status = {
        let mut m = s.0.to_vec();
        m.extend_from_slice(&good[..19]);
        let mac = super::mac::retail_mac(&k.mac, &m);
        let mut b = good[..19].to_vec();
        b.extend([0x8E, 0x08]);
        b.extend(mac);
        b
    };
    assert_eq!(
        unwrap(&k, &s, &no_status),
        Err(SmError::MissingObject(0x99))
    );
}

#[test]
fn unwrap_never_panics_on_mutations() {
    let k = keys();
    let s = ssc(3);
    let good = unhex("871101A85CEB8CDADFF808D2D375B3BFBD8FC1990290008E082C6FB72C0D3CE991");
    for i in 0..good.len() {
        let _ = unwrap(&k, &s, &good[..i]);
        for delta in [1u8, 0x80, 0xFF] {
            let mut m = good.clone();
            m[i] = m[i].wrapping_add(delta);
            let _ = unwrap(&k, &s, &m);
        }
    }
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let _ = unwrap(&k, &s, &[a, b, 0x01, 0x02]);
        }
    }
}

#[test]
fn wrap_then_unwrap_roundtrip_with_card_side_mac() {
    // A card answering the same data as the Python vector: the MAC covers SSC ‖ DOs only.
    let k = keys();
    let body = unhex("871101A85CEB8CDADFF808D2D375B3BFBD8FC1990290008E082C6FB72C0D3CE991");
    let covered = &body[..body.len() - 10];
    let mut m = ssc(3).0.to_vec();
    m.extend_from_slice(covered);
    assert_eq!(
        &super::mac::retail_mac(&k.mac, &m)[..],
        &body[body.len() - 8..]
    );
}

#[test]
fn chaining_splits_at_231_bytes_with_cla_1x() {
    let cvc = Command::new(0x00, 0x2A, 0x00, 0xAE).with_data(vec![0x5A; 354]);
    let pieces = chain(&cvc);
    assert_eq!(pieces.len(), 2);
    assert_eq!((pieces[0].cla, pieces[0].data.len()), (0x10, 231));
    assert_eq!((pieces[1].cla, pieces[1].data.len()), (0x00, 123));
    // C9: EXTERNAL AUTHENTICATE 264 bytes → 231 + 33; both wrap into short APDUs, CLA 1C / 0C.
    let ea = Command::new(0x00, 0x82, 0x00, 0x00).with_data(vec![1; 264]);
    let pieces = chain(&ea);
    assert_eq!(pieces[1].data.len(), 33);
    let w0 = wrap(&keys(), &ssc(2), &pieces[0]).unwrap();
    let w1 = wrap(&keys(), &ssc(4), &pieces[1]).unwrap();
    assert_eq!((w0.cla, w1.cla), (0x1C, 0x0C));
    assert!(w0.data.len() <= 255 && !w0.needs_extended());
    // 231 plain bytes → 232 padded → DO87 81 E9 ‖ 01 ‖ 232 (236), + 8E 08 MAC: 246 bytes.
    assert_eq!(w0.data.len(), 246);
    // Short commands are not split, Le stays on the last piece.
    let short = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(0xE7);
    assert_eq!(chain(&short), vec![short.clone()]);
    let long_le = Command::new(0x00, 0x88, 0, 0)
        .with_data(vec![0; 300])
        .with_le(256);
    let p = chain(&long_le);
    assert_eq!((p[0].le, p[1].le), (None, Some(256)));
}

#[test]
fn too_long_commands_are_refused() {
    let c = Command::new(0x00, 0x2A, 0x00, 0xAE).with_data(vec![0; 240]);
    assert_eq!(wrap(&keys(), &ssc(2), &c), Err(SmError::TooLong));
    let c = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(257);
    assert_eq!(wrap(&keys(), &ssc(2), &c), Err(SmError::TooLong));
}
