//! The virtual CIE driven by an independent terminal (tests/cie/terminal.rs): the full handshake,
//! VERIFY PIN, reading the certificate under SM, signing, and the refusals a real chip gives.

#[path = "cie/terminal.rs"]
mod terminal;

use cardsim::card::{build, CardOptions};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use terminal::{children, sha256, Terminal};

const PIN: &[u8] = b"12345678";
const PUK: &[u8] = b"87654321";
const HOLDER_CERT: &[u8] = include_bytes!("../fixtures/cie/holder.cert.der");
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn terminal(variant: &str) -> Terminal {
    let card = build("cie", Some(variant), &CardOptions::default()).expect("card");
    Terminal::new(card)
}

fn stats(t: &Terminal) -> String {
    t.card
        .counters()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// SubjectPublicKeyInfo of an X.509 certificate: the 7th element of tbsCertificate ([0] version
/// present).
fn cert_public_key(der: &[u8]) -> RsaPublicKey {
    let cert = children(der).remove(0).1;
    let tbs = children(&cert).remove(0).1;
    let spki = children(&tbs).remove(6);
    RsaPublicKey::from_public_key_der(&terminal::tlv(&spki.0, &spki.1)).expect("SPKI")
}

fn der_len(b: &[u8]) -> usize {
    match b[1] {
        l @ 0..=0x7F => 2 + l as usize,
        0x81 => 3 + b[2] as usize,
        _ => 4 + ((b[2] as usize) << 8 | b[3] as usize),
    }
}

/// A terminal whose card has its applications selected by SELECT MF (§1.2), no session yet.
fn applications_selected(variant: &str) -> Terminal {
    let mut t = terminal(variant);
    t.select_applications(true);
    t
}

/// Plain SELECT of EF `fid` in the current DF (`00 A4 02 P2`): the status word.
fn select_ef(t: &mut Terminal, p2: u8, fid: [u8; 2]) -> u16 {
    t.transmit(&[0x00, 0xA4, 0x02, p2, 0x02, fid[0], fid[1]]).1
}

/// MSE SET for a signature with the holder's key 81 (§7), under SM: the status word.
fn select_holder_key(t: &mut Terminal) -> u16 {
    t.sm(
        0x22,
        0x41,
        0xA4,
        &[0x80, 0x01, 0x02, 0x84, 0x01, 0x81],
        None,
    )
    .1
}

fn open(variant: &str) -> Terminal {
    let mut t = terminal(variant);
    let by_mf = !matches!(variant, "gemalto" | "gemalto2" | "stm2" | "stm3");
    t.open_session(by_mf);
    t
}

#[test]
fn handshake_verify_read_certificate_and_sign() {
    let mut t = applications_selected("bit4id-2023");
    let start = t.apdus;
    t.read_chip_data();
    let first_reads = t.apdus - start;
    let before_dh = t.apdus;
    t.key_agreement();
    let dh = t.apdus - before_dh;
    t.mutual_auth().expect("mutual authentication");
    let mutual = t.apdus - before_dh - dh;
    // C12: SELECT MF + SELECT CIE, DH 4, mutual auth 10 incl. 1 GET RESPONSE = 16.
    assert_eq!((dh, mutual), (4, 10), "DH and mutual-auth APDUs");
    assert_eq!(2 + dh + mutual, 16);
    eprintln!("first-session reads: {first_reads} APDUs (3 GET DATA DH + SELECT/READ 1004 + CA key, with GET RESPONSEs)");

    // VERIFY PIN under SM, with the switched SSC (C8).
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000);
    // 1002 and 1003 under SM after PIN.
    let (serial, sw) = t.read_file_sm([0x10, 0x02]);
    assert_eq!((serial.as_slice(), sw), (&b"CA00000AA"[..], 0x9000));
    let (cert_file, sw) = t.read_file_sm([0x10, 0x03]);
    assert_eq!(sw, 0x9000);
    let cert = &cert_file[..der_len(&cert_file)];
    assert_eq!(cert, HOLDER_CERT);

    // Sign (§7): MSE then INTERNAL AUTHENTICATE with a SHA-256 DigestInfo.
    assert_eq!(select_holder_key(&mut t), 0x9000);
    let digest = sha256(&[b"to be signed"]);
    let di = [&SHA256_PREFIX[..], &digest].concat();
    let before = t.apdus;
    let (sig, sw) = t.sm(0x88, 0x00, 0x00, &di, None);
    assert_eq!(sw, 0x9000);
    assert!(
        t.apdus - before <= 2,
        "signature: one command plus at most one GET RESPONSE"
    );
    cert_public_key(cert)
        .verify(Pkcs1v15Sign::new_unprefixed(), &di, &sig)
        .expect("signature verifies with the certificate's key");
    assert_eq!(stats(&t), "pin_tries=3 puk_tries=10");
}

#[test]
fn gemalto_single_get_data_and_aid_selection() {
    let mut t = terminal("gemalto");
    t.select_applications(false);
    let (d, sw) = t.transmit(&[
        0x00, 0xCB, 0x3F, 0xFF, 0x0A, 0x4D, 0x08, 0x70, 0x06, 0xBF, 0xA1, 0x01, 0x02, 0xA3, 0x80,
    ]);
    assert_eq!(sw, 0x9000);
    let gpq = children(&terminal::first_child(&d, 3));
    t.read_dh_params();
    assert_eq!((&gpq[0].1, &gpq[1].1, &gpq[2].1), (&t.g, &t.p, &t.q));
    t.read_dapp_key();
    t.read_ca_key();
    t.key_agreement();
    t.mutual_auth().expect("mutual auth on gemalto");

    // The ITJ4 family does not answer the single form, and refuses the IAS AID (host ignores it).
    let mut t = terminal("actalis-2026");
    let (_, sw) = t.transmit(&[
        0x00, 0xCB, 0x3F, 0xFF, 0x0A, 0x4D, 0x08, 0x70, 0x06, 0xBF, 0xA1, 0x01, 0x02, 0xA3, 0x80,
    ]);
    assert_eq!(sw, 0x6A88);
    let mut a = vec![0x00, 0xA4, 0x04, 0x0C, 0x0D];
    a.extend([
        0xA0, 0x00, 0x00, 0x00, 0x30, 0x80, 0x00, 0x00, 0x00, 0x09, 0x81, 0x60, 0x01,
    ]);
    assert_eq!(t.transmit(&a).1, 0x6A82);
}

#[test]
fn every_variant_completes_the_handshake() {
    for v in cardsim::cie::variants::VARIANTS {
        let mut t = open(v.name);
        assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000, "{}", v.name);
    }
}

#[test]
fn nis_plain_and_short_fid_read() {
    let mut t = applications_selected("bit4id-2023");
    assert_eq!(
        t.transmit(&[0x00, 0xB0, 0x81, 0x00, 0x0C]),
        (b"123456789012".to_vec(), 0x9000)
    );
    assert_eq!(select_ef(&mut t, 0x04, [0x10, 0x01]), 0x9000);
    assert_eq!(
        t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x80]),
        (b"123456789012".to_vec(), 0x6282)
    );
    assert_eq!(t.transmit(&[0x00, 0xB0, 0x00, 0x0C, 0x80]).1, 0x6B00);
    // EF.SOD is tag 77 around a SignedData (C6).
    assert_eq!(select_ef(&mut t, 0x0C, [0x10, 0x06]), 0x9000);
    let sod = t.read_file_plain();
    assert_eq!(sod[0], 0x77);
    assert_eq!(der_len(&sod), sod.len());
    // PAN under the root: bytes 5..10 are the NIS.
    assert_eq!(
        t.transmit(&[0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00]).1,
        0x9000
    );
    assert_eq!(select_ef(&mut t, 0x04, [0xD0, 0x03]), 0x9000);
    let pan = t.read_file_plain();
    assert_eq!(pan[5..11], [0x12, 0x34, 0x56, 0x78, 0x90, 0x12]);
}

#[test]
fn servizi_key_signs_plain_and_deterministically() {
    let mut t = applications_selected("bit4id-2023");
    assert_eq!(select_ef(&mut t, 0x0C, [0x10, 0x05]), 0x9000);
    let key = RsaPublicKey::from_pkcs1_der(&t.read_file_plain()).expect("EF 1005");
    assert_eq!(
        t.transmit(&[0x00, 0x22, 0x41, 0xA4, 0x06, 0x80, 0x01, 0x02, 0x84, 0x01, 0x83])
            .1,
        0x9000
    );
    let mut ia = vec![0x00, 0x88, 0x00, 0x00, 0x0C];
    ia.extend(b"123456789012");
    let (s1, sw) = t.transmit(&ia);
    assert_eq!(sw, 0x9000);
    assert_eq!(t.transmit(&ia).0, s1, "C5: deterministic");
    key.verify(Pkcs1v15Sign::new_unprefixed(), b"123456789012", &s1)
        .expect("servizi signature");
}

#[test]
fn certificate_and_serial_refused_without_sm_or_pin() {
    let mut t = applications_selected("bit4id-2023");
    assert_eq!(select_ef(&mut t, 0x04, [0x10, 0x03]), 0x9000);
    assert_eq!(
        t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x80]).1,
        0x6982,
        "1003 plain"
    );
    assert_eq!(
        t.transmit(&[0x00, 0xB0, 0x83, 0x00, 0x80]).1,
        0x6982,
        "1003 plain by SFI"
    );
    let mut t = open("bit4id-2023");
    // Under SM but before VERIFY PIN: 6982, returned unwrapped (§5.3).
    let (d, sw) = t.read_file_sm([0x10, 0x03]);
    assert_eq!((d.len(), sw), (0, 0x6982));
    // The session survives an unwrapped error (no SSC step on either side, C11).
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000);
    assert_eq!(t.read_file_sm([0x10, 0x02]).1, 0x9000);
}

#[test]
fn plain_verify_is_refused() {
    let mut t = applications_selected("bit4id-2023");
    let mut v = vec![0x00, 0x20, 0x00, 0x81, 0x08];
    v.extend(PIN);
    assert_eq!(t.transmit(&v).1, 0x6982, "no session");
    let mut t = open("bit4id-2023");
    assert_eq!(t.transmit(&v).1, 0x6982, "plain inside a session");
    // ... and the plain command ended the session.
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x6988);
    assert_eq!(stats(&t), "pin_tries=3 puk_tries=10", "no try spent");
}

#[test]
fn wrong_mac_tears_the_session_down() {
    let mut t = open("bit4id-2023");
    let mut wire = t.wrap([0x0C, 0x20, 0x00, 0x81], PIN, None);
    let n = wire.len();
    wire[n - 2] ^= 0x01; // last MAC byte (before Le)
    assert_eq!(t.raw(&wire).1, 0x6988);
    // Even a correctly protected next command finds no session.
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x6988);
    // A new DH + mutual authentication works again.
    t.key_agreement();
    t.mutual_auth().expect("fresh session");
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000);
}

#[test]
fn missing_mac_is_6987_and_replay_is_refused() {
    let mut t = open("bit4id-2023");
    assert_eq!(
        t.raw(&[0x0C, 0xB0, 0x00, 0x00, 0x03, 0x97, 0x01, 0x80, 0x00])
            .1,
        0x6987
    );
    let mut t = open("bit4id-2023");
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000);
    let replay = t.last_wire.clone();
    assert_eq!(t.raw(&replay).1, 0x6988, "replayed SSC");
    assert_eq!(
        t.sm(0xA4, 0x02, 0x0C, &[0x10, 0x01], None).1,
        0x6988,
        "session gone"
    );
}

#[test]
fn four_wrong_pins_block() {
    let mut t = open("bit4id-2023");
    let got: Vec<u16> = (0..4)
        .map(|_| t.sm(0x20, 0x00, 0x81, b"00000000", None).1)
        .collect();
    assert_eq!(got, vec![0x63C2, 0x63C1, 0x6983, 0x6983]);
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x6983, "blocked");
    assert_eq!(stats(&t), "pin_tries=0 puk_tries=10");
    // Unblock with the PUK and set a new PIN (§6), still in the same session.
    assert_eq!(
        t.sm(0x2C, 0x03, 0x81, &[], None).1,
        0x6982,
        "RESET RETRY COUNTER before PUK"
    );
    assert_eq!(t.sm(0x20, 0x00, 0x82, PUK, None).1, 0x9000);
    assert_eq!(t.sm(0x2C, 0x03, 0x81, &[], None).1, 0x9000);
    assert_eq!(t.sm(0x2C, 0x02, 0x81, b"11112222", None).1, 0x9000);
    assert_eq!(t.sm(0x20, 0x00, 0x81, b"11112222", None).1, 0x9000);
    assert_eq!(stats(&t), "pin_tries=3 puk_tries=10");
}

#[test]
fn twelve_digit_verify_spends_a_try_and_change_pin() {
    let mut t = open("bit4id-2023");
    assert_eq!(
        t.sm(0x20, 0x00, 0x81, b"123412345678", None).1,
        0x63C2,
        "C11"
    );
    assert_eq!(
        t.sm(0x20, 0x00, 0x81, &[], None).1,
        0x63C2,
        "status, no try spent"
    );
    assert_eq!(t.sm(0x24, 0x00, 0x81, b"1234567887654321", None).1, 0x9000);
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x63C2);
    assert_eq!(t.sm(0x20, 0x00, 0x81, b"87654321", None).1, 0x9000);
}

#[test]
fn signing_needs_pin_and_bounded_input() {
    let mut t = open("bit4id-2023");
    assert_eq!(select_holder_key(&mut t), 0x9000);
    assert_eq!(t.sm(0x88, 0x00, 0x00, &[1; 51], None).1, 0x6982, "no PIN");
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000);
    assert_eq!(t.sm(0x88, 0x00, 0x00, &[1; 246], None).1, 0x6700, "> k-11");
    assert_eq!(
        t.sm(0x88, 0x00, 0x00, &[1; 245], None).1,
        0x9000,
        "k-11, SM-chained (C10)"
    );
}

#[test]
fn reset_ends_session_and_pin_state() {
    let mut t = open("bit4id-2023");
    assert_eq!(t.sm(0x20, 0x00, 0x81, PIN, None).1, 0x9000);
    t.card.reset();
    assert_eq!(t.sm(0xA4, 0x02, 0x0C, &[0x10, 0x03], None).1, 0x6988);
    let mut t2 = open("bit4id-2023");
    assert_eq!(t2.read_file_sm([0x10, 0x03]).1, 0x6982, "PIN state gone");
}

#[test]
fn wrong_terminal_signature_is_refused() {
    let mut t = terminal("bit4id-2023");
    t.open_session(true);
    // A second mutual authentication in the same session with a tampered certificate.
    assert_eq!(
        t.sm(
            0x22,
            0x81,
            0xB6,
            &[0x80, 0x01, 0x41, 0x83, 0x01, 0x84],
            Some(0)
        )
        .1,
        0x9000
    );
    let mut cvc = t.terminal_certificate();
    cvc[10] ^= 1;
    assert_eq!(t.sm(0x2A, 0x00, 0xAE, &cvc, None).1, 0x6A80);
}

#[test]
fn malformed_apdus_never_panic() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for variant in ["bit4id-2023", "gemalto"] {
        let mut t = open(variant);
        for i in 0..3000 {
            let len = (next() % 300) as usize;
            let mut a: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Steer many of them at real instructions and CLAs.
            if a.len() >= 4 && i % 2 == 0 {
                a[0] = [0x00, 0x0C, 0x10, 0x1C][i % 4];
                a[1] = [
                    0xA4, 0xB0, 0xCB, 0x22, 0x2A, 0x84, 0x82, 0x88, 0x20, 0x24, 0x2C, 0xC0,
                ][(next() % 12) as usize];
            }
            let r = t.card.process(&a);
            assert!(r.len() >= 2);
        }
    }
}
