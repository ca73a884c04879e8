//! Behaviour of the virtual TS-CNS at APDU level.

use super::test_support::*;
use super::variant::VARIANTS;
use crate::card::VirtualCard;

#[test]
fn atr_is_st2021() {
    assert_eq!(
        card("stincard").atr(),
        hex("3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D")
    );
}

#[test]
fn reads_serial_and_certificate() {
    let mut c = card("stincard");
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 10 00 10 03"), 0x9000);
    let (serial, s) = run(&mut c, &hex("00 B0 00 00 10"));
    assert_eq!((serial.as_slice(), s), (VARIANTS[0].id_carta, 0x9000));

    let (fci, s) = run(&mut c, &hex("00 A4 08 00 04 11 00 11 01 00"));
    assert_eq!(s, 0x9000);
    let size = fci_size(&fci);
    let cert = VARIANTS[0].cert_der;
    assert_eq!(size, cert.len() + 200);
    let file = read_all(&mut c, size);
    assert_eq!(&file[..cert.len()], cert);
    assert!(file[cert.len()..].iter().all(|b| *b == 0));
    // Exactly at the end, and past it.
    let [hi, lo] = (size as u16).to_be_bytes();
    assert_eq!(run(&mut c, &[0, 0xB0, hi, lo, 1]).1, 0x6B00);
    // Short read at the tail: remaining bytes with 9000.
    let [hi, lo] = (size as u16 - 3).to_be_bytes();
    let (tail, s) = run(&mut c, &[0, 0xB0, hi, lo, 0]);
    assert_eq!((tail.len(), s), (3, 0x9000));
    // Extended Le on the ST 2021.
    let (data, s) = run(&mut c, &hex("00 B0 00 00 00 00 00"));
    assert_eq!((data.len(), s), (size, 0x9000));
}

#[test]
fn select_forms() {
    let mut c = card("stincard");
    assert_eq!(sw(&mut c, "00 A4 00 00 02 3F 00 00"), 0x9000);
    assert_eq!(sw(&mut c, "00 A4 00 0C 02 11 00"), 0x9000);
    assert_eq!(sw(&mut c, "00 A4 02 0C 02 11 02"), 0x9000);
    let (fci, s) = run(&mut c, &hex("00 A4 00 00 02 11 02 00"));
    assert_eq!((fci_size(&fci), s), (400, 0x9000));
    assert_eq!(sw(&mut c, "00 A4 03 0C"), 0x9000);
    assert_eq!(sw(&mut c, "00 A4 09 0C 02 11 01"), 0x6A82);
    assert_eq!(sw(&mut c, "00 A4 09 0C 04 11 00 11 01"), 0x9000);
    assert_eq!(sw(&mut c, "00 A4 08 04 02 3F 01 00"), 0x9000);
    assert_eq!(run(&mut c, &hex("00 A4 08 04 02 3F 01 00")).0[0], 0x62);
    // Probes of other OpenSC drivers must all fail.
    assert_eq!(sw(&mut c, "00 A4 04 00 07 A0 00 00 00 63 50 4B 00"), 0x6A82);
    assert_eq!(sw(&mut c, "00 A4 08 00 02 50 15 00"), 0x6A82);
    assert_eq!(sw(&mut c, "00 A4 00 00 02 2F 00 00"), 0x6A82);
    assert_eq!(sw(&mut c, "00 A4 08 00 04 50 15 50 31 00"), 0x6A82);
    assert_eq!(sw(&mut c, "00 CA 9F 7F 00"), 0x6A88);
    assert_eq!(sw(&mut c, "00 A4 08 08 02 11 00"), 0x6A86);
    assert_eq!(sw(&mut c, "00 A4 07 00 02 11 00"), 0x6A86);
    assert_eq!(sw(&mut c, "00 A4 08 00 03 11 00 11"), 0x6700);
    // Read on a DF.
    assert_eq!(sw(&mut c, "00 A4 08 0C 02 11 00"), 0x9000);
    assert_eq!(sw(&mut c, "00 B0 00 00 10"), 0x6986);
    // After reset the MF is current: no EF.
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 11 00 11 01"), 0x9000);
    c.reset();
    assert_eq!(sw(&mut c, "00 B0 00 00 10"), 0x6986);
}

#[test]
fn public_key_ef_matches_certificate_key() {
    let mut c = card("stincard");
    let (fci, s) = run(&mut c, &hex("00 A4 08 00 02 3F 01 00"));
    assert_eq!(s, 0x9000);
    let der = read_all(&mut c, fci_size(&fci));
    assert_eq!(der, c.key.public_pkcs1_der().unwrap());
    // The PKCS#1 public key DER appears verbatim inside the certificate's SubjectPublicKeyInfo.
    assert!(VARIANTS[0]
        .cert_der
        .windows(der.len())
        .any(|w| w == der.as_slice()));
}

#[test]
fn dati_personali_fields() {
    let mut c = card("stincard");
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 11 00 11 02"), 0x9000);
    let file = read_all(&mut c, 400);
    assert_eq!(file.len(), 400);
    let mut pos = 6;
    let mut fields = Vec::new();
    for _ in 0..16 {
        let len =
            usize::from_str_radix(std::str::from_utf8(&file[pos..pos + 2]).unwrap(), 16).unwrap();
        fields.push(String::from_utf8(file[pos + 2..pos + 2 + len].to_vec()).unwrap());
        pos += 2 + len;
    }
    let header = usize::from_str_radix(std::str::from_utf8(&file[..6]).unwrap(), 16).unwrap();
    assert_eq!(header, pos);
    assert_eq!((fields[3].as_str(), fields[4].as_str()), ("ROSSI", "MARIO"));
    assert_eq!(fields[8], "RSSMRA80A01H501U");
    assert!(file[pos..].iter().all(|b| *b == 0));
}

#[test]
fn pin_counts_down_and_blocks() {
    let mut c = card("stincard");
    assert_eq!(sw(&mut c, "00 20 00 90"), 0x63C3);
    assert_eq!(verify(&mut c, "11111"), 0x63C2);
    assert_eq!(verify(&mut c, "12345678"), 0x9000);
    assert_eq!(sw(&mut c, "00 20 00 10"), 0x63C3);
    assert_eq!(verify(&mut c, "11111"), 0x63C2);
    assert_eq!(verify(&mut c, "11111"), 0x63C1);
    assert_eq!(verify(&mut c, "11111"), 0x6983);
    assert_eq!(verify(&mut c, "12345678"), 0x6983);
    assert_eq!(sw(&mut c, "00 20 00 90"), 0x6983);
    // Lc must be 8; unknown reference.
    assert_eq!(sw(&mut c, "00 20 00 90 04 31 32 33 34"), 0x6700);
    assert_eq!(
        sw(&mut c, &format!("00 20 00 92 08 {}", pin_block("12345678"))),
        0x6A88
    );
    // Unblock with the PUK and a new PIN.
    let bad = two_pins("00 2C 00 90", "99999", "55555");
    assert_eq!(sw(&mut c, &bad), 0x63C9);
    let good = two_pins("00 2C 00 90", "87654321", "55555");
    assert_eq!(sw(&mut c, &good), 0x9000);
    assert_eq!(verify(&mut c, "12345678"), 0x63C2);
    assert_eq!(verify(&mut c, "55555"), 0x9000);
    // Change it.
    let change = two_pins("00 24 00 90", "55555", "246802");
    assert_eq!(sw(&mut c, &change), 0x9000);
    assert_eq!(verify(&mut c, "246802"), 0x9000);
    let weak = two_pins("00 24 00 90", "246802", "1234");
    assert_eq!(sw(&mut c, &weak), 0x6A80);
}

#[test]
fn puk_blocks_after_ten() {
    let mut c = card("stincard");
    let bad = two_pins("00 2C 00 90", "99999", "55555");
    for left in (1..10).rev() {
        assert_eq!(sw(&mut c, &bad), 0x63C0 | left);
    }
    assert_eq!(sw(&mut c, &bad), 0x6983);
    let good = two_pins("00 2C 00 90", "87654321", "55555");
    assert_eq!(sw(&mut c, &good), 0x6983);
}

fn check_raw_rsa(name: &str) {
    let mut c = card(name);
    let k = c.key.size();
    let block = padded_block(k);
    let apdu = decipher_apdu(&block);
    assert_eq!(run(&mut c, &apdu).1, 0x6982, "before VERIFY");
    assert_eq!(verify(&mut c, "12345678"), 0x9000);
    assert_eq!(run(&mut c, &apdu).1, 0x6985, "before MSE SET");
    assert_eq!(sw(&mut c, "00 22 F3 03 00"), 0x9000);
    assert_eq!(sw(&mut c, "00 22 F3 03"), 0x9000);
    assert_eq!(sw(&mut c, "00 22 F1 B8 03 83 01 02"), 0x6A88);
    assert_eq!(sw(&mut c, "00 22 F1 B8 03 83 01 01"), 0x9000);
    let (sig, s) = run(&mut c, &apdu);
    assert_eq!((sig.len(), s), (k, 0x9000));
    assert_eq!(c.key.raw_public(&sig), block);
    // Block not below the modulus.
    assert_eq!(run(&mut c, &decipher_apdu(&vec![0xFF; k])).1, 0x6A80);
    // Wrong padding indicator, wrong length.
    let mut bad = apdu.clone();
    bad[if k < 255 { 5 } else { 7 }] = 0x81;
    assert_eq!(run(&mut c, &bad).1, 0x6A80);
    assert_eq!(run(&mut c, &decipher_apdu(&block[1..])).1, 0x6700);
    // Reset forgets the PIN and the environment.
    c.reset();
    assert_eq!(run(&mut c, &apdu).1, 0x6982);
    assert_eq!(verify(&mut c, "12345678"), 0x9000);
    assert_eq!(run(&mut c, &apdu).1, 0x6985);
}

#[test]
fn raw_rsa_2048_extended() {
    check_raw_rsa("stincard");
}

#[test]
fn raw_rsa_1024_short() {
    check_raw_rsa("stincard-1024");
}

#[test]
fn short_only_variant_refuses_extended() {
    let mut c = card("stincard-1024");
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 11 00 11 01"), 0x9000);
    assert_eq!(sw(&mut c, "00 B0 00 00 00 00 FF"), 0x6700);
    assert_eq!(sw(&mut c, "00 B0 00 00 FF"), 0x9000);
}

#[test]
fn chaining_refused() {
    let mut c = card("stincard");
    assert_eq!(verify(&mut c, "12345678"), 0x9000);
    assert_eq!(sw(&mut c, "00 22 F1 B8 03 83 01 01"), 0x9000);
    let mut first = vec![0x10, 0x2A, 0x80, 0x86, 0xFF, 0x00];
    first.extend(std::iter::repeat_n(0x11, 254));
    assert_eq!(run(&mut c, &first).1, 0x6E00);
}

#[test]
fn class_and_instruction_errors() {
    let mut c = card("stincard");
    assert_eq!(sw(&mut c, "80 CA 9F 7F 00"), 0x6E00);
    assert_eq!(sw(&mut c, "0C A4 00 00 02 3F 00"), 0x6E00);
    assert_eq!(sw(&mut c, "00 C0 00 00 00"), 0x6D00);
    assert_eq!(sw(&mut c, "00 2A 9E 9A 02 01 02 00"), 0x6A81);
    let (chal, s) = run(&mut c, &hex("00 84 00 00 08"));
    assert_eq!((chal.len(), s), (8, 0x9000));
}

/// Every byte string up to a few bytes, and random-ish longer ones, gets a 2-byte-SW answer.
#[test]
fn malformed_apdus_never_panic() {
    for v in VARIANTS {
        let mut c = card(v.name);
        open_cns(&mut c);
        assert_eq!(login(&mut c, "12345678"), 0x9000);
        let mut seed = 0x1234_5678u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let ins = [0x20, 0x22, 0x24, 0x2A, 0x2C, 0x84, 0xA4, 0xB0, 0xCA, 0x00];
        for _ in 0..20_000 {
            let len = (next() % 300) as usize;
            let mut apdu: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if len > 1 && next() % 4 != 0 {
                apdu[0] = 0;
                apdu[1] = ins[(next() as usize) % ins.len()];
            }
            if len > 4 && next() % 3 == 0 {
                apdu[4] = 0;
            }
            let r = c.process(&apdu);
            assert!(r.len() >= 2);
        }
        for len in 0..8 {
            let r = c.process(&vec![0; len]);
            assert!(r.len() >= 2);
        }
    }
}
