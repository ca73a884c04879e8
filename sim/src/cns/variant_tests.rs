//! Each variant at APDU level against docs/cards/cns.md, with the paths, references and status
//! words written out here from the facts sheet (not taken from layout.rs), so a wrong table row or
//! layout shows up as a failure.

use super::test_support::*;
use super::variant::{Layout, VARIANTS};
use super::CnsCard;
use crate::card::VirtualCard;

const MF: u16 = 0x3F00;

/// §1.4 ATRs (ace-2025: chosen, see variant.rs) and the holder of each fixture.
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    (
        "stincard",
        "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D",
        "ROSSI",
        "MARIO",
    ),
    (
        "stincard-1024",
        "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 02 00 01 01 01 43 4E 53 10 31 80 9F",
        "ROSSI",
        "MARIO",
    ),
    (
        "cardos",
        "3B FF 18 00 FF C1 0A 31 FE 55 00 6B 05 08 C8 0A 01 11 01 43 4E 53 10 31 80 03",
        "BIANCHI",
        "ANNA",
    ),
    (
        "athena",
        "3B DF 18 00 81 31 FE 7D 00 6B 02 0C 01 82 01 11 01 43 4E 53 10 31 80 FC",
        "VERDI",
        "LUCA",
    ),
    (
        "oberthur",
        "3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 21 01 43 4E 53 10 31 80 4A",
        "ESPOSITO",
        "GIULIA",
    ),
    (
        "idemia-2021",
        "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 21 01 43 4E 53 10 31 80 79",
        "RUSSO",
        "MARCO",
    ),
    (
        "infocamere-1204",
        "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 03 03 01 01 01 43 4E 53 10 31 80 9D",
        "COLOMBO",
        "SARA",
    ),
    (
        "ace-2025",
        "3B DF 18 00 81 31 FE 7D 00 6B 15 0C 02 25 01 11 01 43 4E 53 11 31 80 4E",
        "FERRARI",
        "PAOLO",
    ),
];

/// Certificate file and the offset of the DER certificate in it (§2.1, §2.4).
fn cert_location(layout: Layout) -> (&'static [u16], usize) {
    match layout {
        Layout::Classic => (&[MF, 0x1100, 0x1101], 0),
        Layout::Idemia2021 => (&[MF, 0x1400, 0x9001, 0x2002], 0),
        Layout::InfoCamere1204 => (&[MF, 0x2FFF, 0x8228], 5),
        Layout::Ace2025 => (&[MF, 0xDA01, 0xC001], 0),
    }
}

/// (key reference, key object selected before MSE, RSA bytes) per §2.1 key table and §5.3.
fn key_facts(name: &str) -> (u8, Option<&'static [u16]>, usize) {
    match name {
        "stincard" | "ace-2025" => (0x01, None, 256),
        "idemia-2021" => (0x02, Some(&[MF, 0x1400, 0x9002]), 256),
        "infocamere-1204" => (0x21, Some(&[MF, 0x2FFF, 0x0000]), 128),
        _ => (0x01, None, 128),
    }
}

fn fields_of(file: &[u8]) -> Vec<String> {
    let mut pos = 6;
    let mut fields = Vec::new();
    for _ in 0..16 {
        let len =
            usize::from_str_radix(std::str::from_utf8(&file[pos..pos + 2]).unwrap(), 16).unwrap();
        fields.push(String::from_utf8(file[pos + 2..pos + 2 + len].to_vec()).unwrap());
        pos += 2 + len;
    }
    fields
}

/// MSE RESTORE, MSE SET with `key`, PSO DECIPHER of a padded block; returns the PSO SW and checks
/// the result with the public key when it is 9000.
fn sign(c: &mut CnsCard, key: u8) -> u16 {
    let k = c.key.size();
    let block = padded_block(k);
    assert_eq!(sw(c, "00 22 F3 03 00"), 0x9000);
    let s = sw(c, &format!("00 22 F1 B8 03 83 01 {key:02X}"));
    if s != 0x9000 {
        return s;
    }
    let (sig, s) = run(c, &decipher_apdu(&block));
    if s == 0x9000 {
        assert_eq!(c.key.raw_public(&sig), block);
    }
    s
}

#[test]
fn every_variant_follows_the_facts_sheet() {
    assert_eq!(EXPECTED.len(), VARIANTS.len());
    for (name, atr, surname, given) in EXPECTED {
        let mut c = card(name);
        let v = c.variant;
        assert_eq!(c.atr(), hex(atr), "{name}");

        // EF_IDCarta, 16 digits (§2.1).
        let (_, s) = select_path(&mut c, &[MF, 0x1000, 0x1003]);
        assert_eq!(s, 0x9000, "{name}");
        assert_eq!(run(&mut c, &hex("00 B0 00 00 10")).0, v.id_carta, "{name}");

        // EF_DatiPersonali, 400 bytes, holder in fields 3 and 4 (§2.2).
        let (fci, s) = select_path(&mut c, &[MF, 0x1100, 0x1102]);
        assert_eq!((fci_size(&fci), s), (400, 0x9000), "{name}");
        let fields = fields_of(&read_all(&mut c, 400));
        assert_eq!(
            (&fields[3], &fields[4]),
            (&surname.to_string(), &given.to_string())
        );

        // The certificate at the variant's path, DER length from its header.
        let (path, offset) = cert_location(v.layout);
        let (fci, s) = select_path(&mut c, path);
        assert_eq!(s, 0x9000, "{name}");
        let file = read_all(&mut c, fci_size(&fci));
        let der = &file[offset..];
        assert_eq!(der[..2], [0x30, 0x82], "{name}");
        let len = 4 + usize::from(u16::from_be_bytes([der[2], der[3]]));
        assert_eq!(&der[..len], v.cert_der, "{name}");

        // PIN with the variant's P2; the other convention is 6A88 where the 0x80 bit is not known.
        if !v.pin_backtracking_bit {
            let s = sw(&mut c, &format!("00 20 00 90 08 {}", pin_block("12345678")));
            assert_eq!(s, 0x6A88, "{name}");
        }
        assert_eq!(login(&mut c, "12345678"), 0x9000, "{name}");

        // Sign with the key reference of §2.1, after selecting the key object where there is one.
        let (key, key_path, size) = key_facts(name);
        assert_eq!(c.key.size(), size, "{name}");
        assert_eq!(v.key_ref, key);
        assert_eq!(v.key_path, key_path);
        assert_eq!(
            sign(&mut c, key ^ 0x40),
            0x6A88,
            "{name}: another key reference"
        );
        if let Some(p) = key_path {
            assert_eq!(select_path(&mut c, p).1, 0x9000, "{name}");
        }
        assert_eq!(sign(&mut c, key), 0x9000, "{name}");
    }
}

/// 2048-bit variants take the 257-byte PSO as one extended APDU; 1024-bit ones refuse extended
/// APDUs (6700); only IDEMIA 2021 accepts chaining (§5.1), the others answer 6E00.
#[test]
fn apdu_length_capability() {
    for v in VARIANTS {
        let mut c = card(v.name);
        open_cns(&mut c);
        let (_, s) = select_path(&mut c, &[MF, 0x1000, 0x1003]);
        assert_eq!(s, 0x9000);
        let extended = sw(&mut c, "00 B0 00 00 00 00 10");
        assert_eq!(extended == 0x9000, v.extended_apdus, "{}", v.name);
        assert_eq!(v.extended_apdus, c.key.size() == 256, "{}", v.name);
        let chained = sw(&mut c, "10 2A 80 86 02 00 00");
        let expected = if v.name == "idemia-2021" {
            0x9000
        } else {
            0x6E00
        };
        assert_eq!(chained, expected, "{}", v.name);
    }
}

#[test]
fn cardos_athena_oberthur_refuse_the_stincard_pin_bit() {
    for name in ["cardos", "athena", "oberthur"] {
        let mut c = card(name);
        for p2 in ["90", "91"] {
            let apdu = format!("00 20 00 {p2} 08 {}", pin_block("12345678"));
            assert_eq!(sw(&mut c, &apdu), 0x6A88, "{name}");
        }
        assert_eq!(sw(&mut c, "00 20 00 10"), 0x63C3, "{name}");
        assert_eq!(sw(&mut c, "00 20 00 11"), 0x63CA, "{name}");
        let unblock = two_pins("00 2C 00 10", "87654321", "55555");
        assert_eq!(sw(&mut c, &unblock), 0x9000, "{name}");
        assert_eq!(login(&mut c, "55555"), 0x9000, "{name}");
        let change = two_pins("00 24 00 10", "55555", "24680");
        assert_eq!(sw(&mut c, &change), 0x9000, "{name}");
    }
}

#[test]
fn idemia_2021_layout_and_refusals() {
    let mut c = card("idemia-2021");
    // The classic path holds something that is not a certificate (§2.1, 5115785ac).
    let (fci, s) = select_path(&mut c, &[MF, 0x1100, 0x1101]);
    assert_eq!(s, 0x9000);
    let junk = read_all(&mut c, fci_size(&fci));
    assert_ne!(junk[0], 0x30);
    // 9001 and 9002 are DFs; 9002 carries the #2483 attributes.
    let (fci, s) = select_path(&mut c, &[MF, 0x1400, 0x9001]);
    assert_eq!(s, 0x9000);
    assert!(fci.windows(5).any(|w| w == [0x82, 0x03, 0x38, 0x00, 0x00]));
    assert_eq!(sw(&mut c, "00 B0 00 00 10"), 0x6986);
    let (fci, _) = select_path(&mut c, &[MF, 0x1400, 0x9002]);
    assert!(fci
        .windows(11)
        .any(|w| w == hex("86 09 FF 10 10 FF FF FF FF 10 FF")));
    // The OpenSC select of the key DF (§5.1 step 2), with P2=0C.
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 14 00 90 02"), 0x9000);
    // EF_CardName (PR3362).
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 14 00 10 00"), 0x9000);
    assert_eq!(
        run(&mut c, &hex("00 B0 00 00 FF")).0,
        b"Carta Nazionale dei Servizi"
    );

    // MSE without the key DF selected: PSO fails with 6984 (§6.4).
    assert_eq!(login(&mut c, "12345678"), 0x9000);
    assert_eq!(sw(&mut c, "00 A4 00 0C 02 3F 00"), 0x9000);
    assert_eq!(sign(&mut c, 0x02), 0x6984);
    // Selecting it after MSE does not help: the key is resolved at MSE time.
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 14 00 90 02"), 0x9000);
    let (_, s) = run(&mut c, &decipher_apdu(&padded_block(256)));
    assert_eq!(s, 0x6984);
    // Key reference 01 (the classic one) does not exist here.
    assert_eq!(sw(&mut c, "00 22 F1 B8 03 83 01 01"), 0x6A88);
    assert_eq!(sign(&mut c, 0x02), 0x9000);

    // The same PSO as the official middleware sends it: chained (§5.1), 255 + 2 bytes.
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 14 00 90 02"), 0x9000);
    assert_eq!(sw(&mut c, "00 22 F3 03 00"), 0x9000);
    assert_eq!(sw(&mut c, "00 22 F1 B8 03 83 01 02"), 0x9000);
    let block = padded_block(256);
    let mut body = vec![0x00];
    body.extend_from_slice(&block);
    let mut first = vec![0x10, 0x2A, 0x80, 0x86, 0xFF];
    first.extend_from_slice(&body[..255]);
    assert_eq!(run(&mut c, &first).1, 0x9000);
    let mut last = vec![0x00, 0x2A, 0x80, 0x86, 0x02];
    last.extend_from_slice(&body[255..]);
    last.push(0x00);
    let (sig, s) = run(&mut c, &last);
    assert_eq!((sig.len(), s), (256, 0x9000));
    assert_eq!(c.key.raw_public(&sig), block);
    // A different command in between drops the chain: the tail alone is a wrong length.
    assert_eq!(run(&mut c, &first).1, 0x9000);
    assert_eq!(sw(&mut c, "00 84 00 00 08"), 0x9000);
    assert_eq!(run(&mut c, &last).1, 0x6700);

    // GET CHALLENGE: at most 32 bytes (3365f3a09).
    let (chal, s) = run(&mut c, &hex("00 84 00 00 20"));
    assert_eq!((chal.len(), s), (32, 0x9000));
    assert_eq!(sw(&mut c, "00 84 00 00 21"), 0x6700);
    assert_eq!(sw(&mut c, "00 84 00 00 00"), 0x6700);
    // No STIncard bit on the PIN (§4, §6.4: PIN 10).
    let s = sw(&mut c, &format!("00 20 00 90 08 {}", pin_block("12345678")));
    assert_eq!(s, 0x6A88);
}

#[test]
fn infocamere_1204_container_and_key() {
    let mut c = card("infocamere-1204");
    // No classic certificate.
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 11 00 11 01"), 0x6A82);
    // The container: bytes 1..2 = certificate length, certificate at offset 5 (§2.1).
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 2F FF 82 28"), 0x9000);
    let (head, s) = run(&mut c, &hex("00 B0 00 00 05"));
    assert_eq!(s, 0x9000);
    let cert = c.variant.cert_der;
    assert_eq!(
        usize::from(u16::from_be_bytes([head[1], head[2]])),
        cert.len()
    );
    let (first, _) = run(&mut c, &hex("00 B0 00 05 04"));
    assert_eq!(first, cert[..4]);
    // STIncard: both 10 and 90 name the PIN (§4).
    let s = sw(&mut c, &format!("00 20 00 10 08 {}", pin_block("12345678")));
    assert_eq!(s, 0x9000);
    assert_eq!(login(&mut c, "12345678"), 0x9000);
    // Key 21 needs its key object 2FFF/0000 selected first (OpenSC's select_key_file, §2.1).
    assert_eq!(sign(&mut c, 0x21), 0x6984);
    assert_eq!(sw(&mut c, "00 A4 08 0C 04 2F FF 00 00"), 0x9000);
    assert_eq!(sign(&mut c, 0x01), 0x6A88);
    assert_eq!(sign(&mut c, 0x21), 0x9000);
}

#[test]
fn ace_2025_application_and_relative_paths() {
    let mut c = card("ace-2025");
    // Before the AID select nothing of the CNS is there (chosen, §9 q7).
    assert_eq!(sw(&mut c, "00 A4 09 00 04 11 00 11 02 00"), 0x6A82);
    assert_eq!(sw(&mut c, "00 A4 00 00 02 3F 00 00"), 0x6A82);
    assert_eq!(sw(&mut c, "00 B0 00 00 10"), 0x6986);
    assert_eq!(login(&mut c, "12345678"), 0x6A88);
    assert_eq!(sw(&mut c, "00 22 F1 B8 03 83 01 01"), 0x6A88);
    assert_eq!(sw(&mut c, "00 84 00 00 08"), 0x9000);
    // SELECT AID: the FCI maps the application to the MF (§2.4).
    let (fci, s) = run(
        &mut c,
        &hex("00 A4 04 00 0C A0 00 00 05 30 00 0B 10 40 01 02 1A 00"),
    );
    assert_eq!((fci[0], s), (0x6F, 0x9000));
    assert!(fci.windows(4).any(|w| w == [0x83, 0x02, 0x3F, 0x00]));
    // EF_DatiPersonali with P1=09 answers the #3804 FCP byte for byte (§2.3).
    let (fcp, s) = run(&mut c, &hex("00 A4 09 00 04 11 00 11 02 00"));
    assert_eq!(s, 0x9000);
    let mut expected = hex(
        "6F 38 80 02 01 90 82 03 01 00 00 83 02 11 02 85 01 01 86 09 00 FF FF FF FF FF FF FF FF \
         8A 01 05 CB 18",
    );
    expected.extend([0xFF; 24]);
    assert_eq!(fcp, expected);
    // P1=09 is relative to the current DF: from 1100 the certificate is not found.
    assert_eq!(sw(&mut c, "00 A4 09 00 04 DA 01 C0 01 00"), 0x6A82);
    // P1=08 is not offered (only P1=09 is in the trace; chosen strict).
    assert_eq!(sw(&mut c, "00 A4 08 00 04 DA 01 C0 01 00"), 0x6A86);
    // Back to the root (3F00 = the application), then the certificate: FCP size = cert size.
    assert_eq!(sw(&mut c, "00 A4 00 0C 02 3F 00"), 0x9000);
    let (fcp, s) = run(&mut c, &hex("00 A4 09 00 04 DA 01 C0 01 00"));
    assert_eq!(s, 0x9000);
    let cert = c.variant.cert_der;
    assert_eq!(fci_size(&fcp), cert.len());
    // READ BINARY Le=00 returns 256 bytes (#3804); past the end 6B00.
    let (chunk, s) = run(&mut c, &hex("00 B0 00 00 00"));
    assert_eq!((chunk.as_slice(), s), (&cert[..256], 0x9000));
    let [hi, lo] = (cert.len() as u16).to_be_bytes();
    assert_eq!(run(&mut c, &[0, 0xB0, hi, lo, 0]).1, 0x6B00);
    // EF D003: 10 bytes.
    assert_eq!(sw(&mut c, "00 A4 00 0C 02 3F 00"), 0x9000);
    let (fcp, _) = run(&mut c, &hex("00 A4 09 00 02 D0 03 00"));
    assert_eq!(fci_size(&fcp), 10);
    // ESIGN: 9000 with an FCI, and no CNS behind it.
    let (fci, s) = run(
        &mut c,
        &hex("00 A4 04 00 0A A0 00 00 05 30 45 53 49 47 4E 00"),
    );
    assert_eq!((fci[0], s), (0x6F, 0x9000));
    assert_eq!(sw(&mut c, "00 A4 09 00 04 11 00 11 02 00"), 0x6A82);
    assert_eq!(login(&mut c, "12345678"), 0x6A88);
    // Back in the CNS application: PIN 10 (not 90), key 01, RSA-2048 by one extended APDU.
    open_cns(&mut c);
    let s = sw(&mut c, &format!("00 20 00 90 08 {}", pin_block("12345678")));
    assert_eq!(s, 0x6A88);
    assert_eq!(login(&mut c, "12345678"), 0x9000);
    assert_eq!(sign(&mut c, 0x01), 0x9000);
    // Unknown AIDs stay 6A82 and do not deselect the application.
    assert_eq!(sw(&mut c, "00 A4 04 0C 07 A0 00 00 00 63 50 4B"), 0x6A82);
    assert_eq!(sw(&mut c, "00 A4 09 0C 04 10 00 10 03"), 0x9000);
    // A reset deselects it again.
    c.reset();
    assert_eq!(sw(&mut c, "00 A4 09 0C 04 10 00 10 03"), 0x6A82);
}

/// `--state` hook: counters and a changed PIN come back in a new card object (a restart).
#[test]
fn pin_state_round_trip() {
    let mut c = card("cardos");
    assert_eq!(login(&mut c, "11111"), 0x63C2);
    let change = two_pins("00 24 00 10", "12345678", "246813");
    assert_eq!(sw(&mut c, &change), 0x9000);
    assert_eq!(login(&mut c, "11111"), 0x63C2);
    let saved = c.pin_state().unwrap();
    assert_eq!((saved.pin.as_str(), saved.pin_tries), ("246813", 2));
    let mut again = card("cardos");
    again.restore_pin_state(&saved).unwrap();
    assert_eq!(sw(&mut again, "00 20 00 10"), 0x63C2);
    assert_eq!(login(&mut again, "246813"), 0x9000);
    let mut bad = saved.clone();
    bad.pin_tries = 4;
    assert!(card("cardos").restore_pin_state(&bad).is_err());
    bad = saved;
    bad.puk = "12".into();
    assert!(card("cardos").restore_pin_state(&bad).is_err());
}
