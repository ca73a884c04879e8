//! Driver tests against the simulator's TS-CNS (`card::testing::SimCard`: the same model of
//! each batch the end-to-end tests meet, written from cns.md and strict about the APDUs it
//! accepts: PIN P2, key reference, key DF, AID and relative selection, APDU forms), so wrong
//! bytes fail. What a test changes about a card is written in the test (`answering`).

use super::profile::ACE_2025_AID;
use super::*;
use crate::card::detect;
use crate::card::testing::{cns_variant, SimCard, PIN};
use crate::iso7816::tlv;
use crate::transport::{Channel, ReaderCapabilities, TransportError};

/// The ATR of a batch as the simulator's row has it (the one place it is written).
fn atr(variant: &str) -> Vec<u8> {
    cns_variant(variant).atr.to_vec()
}

/// cns.md §1.4, "CNS InfoCamere" (CNS 1.0): the ATR of stincard-1024.
pub(crate) fn stincard_10_atr() -> Vec<u8> {
    atr("stincard-1024")
}
/// cns.md §1.4, G&D: a CNS marker with no profile.
const GIESECKE_ATR: [u8; 25] = [
    0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x4D, 0x00, 0x6B, 0x04, 0x04, 0xB8, 0x5B, 0x01,
    0xF1, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9D,
];
/// cns.md §1.4 contactless table: ST2022 over NFC, no historical bytes.
const NFC_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];
/// What the CIE probe (cie.md §1.2) costs before the TS-CNS last resort on an ATR no CNS
/// hint points to: SELECT of the IAS AID and SELECT MF, both refused by a TS-CNS.
const CIE_PROBE: usize = 2;
/// On a classic TS-CNS, whose MF answers SELECT, the CIE probe goes on to SELECT its DF.
const CIE_PROBE_WITH_MF: usize = 3;
/// cns.md §1.4 contactless table: "TS-CNS (Idemia)", matched by OpenSC's masked entry.
const IDEMIA_NFC_ATR: [u8; 16] = [
    0x3B, 0x8B, 0x80, 0x01, 0x00, 0x31, 0xC1, 0x64, 0x08, 0x92, 0x33, 0x54, 0x00, 0x90, 0x00, 0xF3,
];
/// A contact ATR without the CNS marker (the CIE v1 ATR of cns.md §1.2).
const OTHER_CONTACT_ATR: [u8; 14] = [
    0x3B, 0xF4, 0x18, 0x00, 0xFF, 0x81, 0x31, 0x80, 0x55, 0x00, 0x31, 0x80, 0x00, 0xC7,
];

/// EF_IDCarta of a batch (the token serial).
pub(crate) fn serial(variant: &str) -> String {
    String::from_utf8(cns_variant(variant).id_carta.to_vec()).expect("digits")
}

/// The authentication certificate of a batch.
pub(crate) fn certificate_of(variant: &str) -> Vec<u8> {
    cns_variant(variant).cert_der.to_vec()
}

/// A certificate to parse (the TS-CNS of tests/fixtures).
pub(crate) fn certificate() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cns-auth.der"
    ))
    .expect("fixture certificate")
}

/// A key pair of the virtual cards (sim/fixtures/cns), for mocks whose signatures the token
/// checks: the private half signs like the chip's raw RSA, the certificate shows the public half.
pub(crate) struct TestKey {
    pub certificate: Vec<u8>,
    modulus: Vec<u8>,
    private_exponent: Vec<u8>,
}

impl TestKey {
    /// The ST 2021 of `cardsim --variant stincard` (RSA-2048, holder ROSSI MARIO).
    pub fn stincard() -> TestKey {
        TestKey::fixture("stincard")
    }

    /// The CNS 1.0 of `cardsim --variant stincard-1024`.
    pub fn stincard_1024() -> TestKey {
        TestKey::fixture("stincard-1024")
    }

    fn fixture(name: &str) -> TestKey {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sim/fixtures/cns/");
        let read = |ext: &str| std::fs::read(format!("{dir}{name}.{ext}")).expect("sim fixture");
        // PKCS#8 PrivateKeyInfo { version, algorithm, OCTET STRING { RSAPrivateKey } }
        // (RFC 5208 §5, RFC 8017 A.1.2: version, n, e, d, …).
        let pkcs8 = read("key.der");
        let (info, _) = tlv::parse_one(&pkcs8).expect("PKCS#8");
        let octets = info.children().nth(2).expect("privateKey").expect("TLV");
        let (rsa, _) = tlv::parse_one(octets.value).expect("RSAPrivateKey");
        let integers: Vec<Vec<u8>> = rsa
            .children()
            .map(|t| crate::card::cie::bignum::strip(t.expect("TLV").value).to_vec())
            .collect();
        TestKey {
            certificate: read("cert.der"),
            modulus: integers[1].clone(),
            private_exponent: integers[3].clone(),
        }
    }

    pub fn public(&self) -> crate::token::signature_check::PublicKey {
        crate::token::signature_check::PublicKey {
            modulus: self.modulus.clone(),
            exponent: vec![1, 0, 1],
        }
    }

    /// The chip's raw RSA private-key operation on a full block.
    pub fn raw_sign(&self, block: &[u8]) -> Vec<u8> {
        crate::card::cie::bignum::mod_pow(block, &self.private_exponent, &self.modulus)
            .expect("block below the modulus")
            .to_vec()
    }
}

const CLASSIC_CERT: &[u8] = &[0x11, 0x00, 0x11, 0x01];
const IDEMIA_CERT: &[u8] = &[0x14, 0x00, 0x90, 0x01, 0x20, 0x02];
const INFOCAMERE_CERT: &[u8] = &[0x2F, 0xFF, 0x82, 0x28];
const ACE_CERT: &[u8] = &[0xDA, 0x01, 0xC0, 0x01];

const EXT: ReaderCapabilities = ReaderCapabilities {
    extended_apdu: true,
};
const SHORT: ReaderCapabilities = ReaderCapabilities {
    extended_apdu: false,
};

/// What binding a card costs and yields, the way the token binds (one transaction).
struct Bind {
    card: Box<dyn Card>,
    data: PublicData,
    retries: Option<u8>,
    apdus: usize,
}

fn bind_with(atr: &[u8], sim: &mut SimCard, caps: ReaderCapabilities) -> Option<Bind> {
    let mut ch = CardChannel::new(sim, caps);
    let mut card = detect::detect(atr, &mut ch).expect("no transport error")?;
    let mut data = card.read_public_data(&mut ch).expect("public data");
    // The token reads a certificate the probe left to it (no cache here).
    if data.certificate.is_none() && card.shows_certificate_before_login() {
        data.certificate = card
            .read_certificate_after_login(&mut ch)
            .expect("certificate");
    }
    let retries = card.retries_left(&mut ch, PinKind::User).expect("retries");
    let apdus = ch.apdus_sent();
    Some(Bind {
        card,
        data,
        retries,
        apdus,
    })
}

fn bind(atr: &[u8], sim: &mut SimCard, caps: ReaderCapabilities) -> Bind {
    bind_with(atr, sim, caps).expect("card detected")
}

fn logged_in(card: &mut dyn Card, sim: &mut SimCard, caps: ReaderCapabilities) {
    let pin = Pin::new(&card.pin_policy(PinKind::User), PIN).unwrap();
    let mut ch = CardChannel::new(sim, caps);
    card.verify_pin(&mut ch, PinKind::User, &pin).unwrap();
}

/// Signs a `len`-byte block (below any modulus: it starts with 00) and checks the signature
/// under the batch's public key; returns the APDUs it took.
fn sign(
    card: &mut dyn Card,
    sim: &mut SimCard,
    caps: ReaderCapabilities,
    variant: &str,
    len: usize,
) -> usize {
    sim.sent.clear();
    let block: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let mut ch = CardChannel::new(sim, caps);
    let signature = card.sign(&mut ch, &block).expect("signature");
    let key = TestKey::fixture(variant).public();
    assert_eq!(
        key.check(&signature, &block),
        Ok(()),
        "{variant}: signature"
    );
    ch.apdus_sent()
}

fn select_mf(path: &[u8], p2: u8) -> Vec<u8> {
    let mut v = vec![0x00, 0xA4, 0x08, p2, path.len() as u8];
    v.extend_from_slice(path);
    if p2 == 0x00 {
        v.push(0x00);
    }
    v
}

fn select_aid() -> Vec<u8> {
    let mut v = vec![0x00, 0xA4, 0x04, 0x00, 0x0C];
    v.extend_from_slice(ACE_2025_AID);
    v
}

fn select_relative(path: &[u8]) -> Vec<u8> {
    let mut v = vec![0x00, 0xA4, 0x09, 0x00, path.len() as u8];
    v.extend_from_slice(path);
    v.push(0x00);
    v
}

const READ_SERIAL: [u8; 5] = [0, 0xB0, 0, 0, 0x10];
const MSE_RESTORE: [u8; 5] = [0, 0x22, 0xF3, 0x03, 0x00];

fn mse_set(key: u8) -> Vec<u8> {
    vec![0, 0x22, 0xF1, 0xB8, 3, 0x83, 1, key]
}

/// The holder of each batch's card (scripts/make-fixtures): surname, given name, codice fiscale.
fn holder_of(variant: &str) -> (&'static str, &'static str, &'static str) {
    match variant {
        "stincard" | "stincard-1024" => ("ROSSI", "MARIO", "RSSMRA80A01H501U"),
        "cardos" => ("BIANCHI", "ANNA", "BNCNNA85C55F205R"),
        "athena" => ("VERDI", "LUCA", "VRDLCU78L22D612A"),
        "oberthur" => ("ESPOSITO", "GIULIA", "SPSGLI90S49F839H"),
        "idemia-2021" => ("RUSSO", "MARCO", "RSSMRC82A30B354E"),
        "infocamere-1204" => ("COLOMBO", "SARA", "CLMSRA75H44L219U"),
        "ace-2025" => ("FERRARI", "PAOLO", "FRRPLA69T18A944T"),
        other => panic!("no holder for {other}"),
    }
}

/// Serial, holder, full PIN counter and the holder data objects of `variant`'s card.
fn assert_holder(b: &Bind, variant: &str) {
    let (surname, given, codice_fiscale) = holder_of(variant);
    assert_eq!(b.data.serial, serial(variant));
    assert_eq!(b.data.holder, Some(format!("{surname} {given}")));
    assert_eq!(b.retries, Some(3));
    let data = b.card.holder_data();
    let value = |label: &str| {
        data.iter()
            .find(|d| d.label == label)
            .map(|d| (d.application, d.value.clone()))
    };
    let from_file = |v: &str| Some(("EF_DatiPersonali", v.as_bytes().to_vec()));
    assert_eq!(value("codice_fiscale"), from_file(codice_fiscale));
    assert_eq!(value("nome"), from_file(given));
    assert_eq!(value("cognome"), from_file(surname));
}

// ---- stincard (ST 2021) ----------------------------------------------------------------

#[test]
fn stincard_binds_in_seven_apdus_with_extended_reads() {
    let mut sim = SimCard::cns("stincard");
    let b = bind(&atr("stincard"), &mut sim, EXT);
    assert_holder(&b, "stincard");
    assert_eq!(b.data.certificate, Some(certificate_of("stincard")));
    assert_eq!(b.data.model, "ST 2021");
    assert_eq!(b.data.manufacturer, "STIncard");
    assert_eq!(b.apdus, 7);
    assert_eq!(sim.sent[0], select_mf(files::ID_CARTA, 0x0C));
    assert_eq!(sim.sent[1], READ_SERIAL);
    assert_eq!(sim.sent[2], select_mf(CLASSIC_CERT, 0x00));
    assert_eq!(sim.sent[3][..4], [0, 0xB0, 0, 0]);
    assert_eq!(sim.sent[4], select_mf(files::DATI_PERSONALI, 0x00));
    assert_eq!(sim.sent[6], [0, 0x20, 0, 0x90]);
}

#[test]
fn stincard_with_a_short_only_reader() {
    let mut sim = SimCard::cns("stincard");
    let b = bind(&atr("stincard"), &mut sim, SHORT);
    let certificate = certificate_of("stincard");
    assert_eq!(b.data.certificate.as_ref(), Some(&certificate));
    // 2 (serial) + 1 + ceil(certificate / 256) + 2 (personal data) + 1 (retries).
    assert_eq!(b.apdus, 2 + 1 + certificate.len().div_ceil(256) + 2 + 1);
    assert!(sim.sent.iter().all(|a| a.len() <= 5 + 255 + 1));
}

#[test]
fn stincard_sign_2048_is_three_apdus_with_one_extended_pso() {
    let mut sim = SimCard::cns("stincard");
    let mut b = bind(&atr("stincard"), &mut sim, EXT);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut sim, EXT, "stincard", 256), 3);
    assert_eq!(sim.sent[0], MSE_RESTORE);
    assert_eq!(sim.sent[1], mse_set(0x01));
    assert_eq!(sim.sent[2][..8], [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01, 0x00]);
    assert_eq!(sim.sent[2][sim.sent[2].len() - 2..], [0x01, 0x00]);
}

#[test]
fn stincard_refuses_chaining_so_a_short_reader_cannot_sign_2048() {
    let mut sim = SimCard::cns("stincard");
    let mut b = bind(&atr("stincard"), &mut sim, EXT);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    let mut ch = CardChannel::new(&mut sim, SHORT);
    assert_eq!(
        b.card.sign(&mut ch, &[0x55; 256]),
        Err(CardError::NotSupported)
    );
    assert_eq!(sim.sent.last().unwrap()[0], 0x10);
}

#[test]
fn sign_without_pin_is_security_status() {
    let mut sim = SimCard::cns("stincard");
    let mut b = bind(&atr("stincard"), &mut sim, EXT);
    let mut ch = CardChannel::new(&mut sim, EXT);
    assert_eq!(
        b.card.sign(&mut ch, &[0x55; 256]),
        Err(CardError::SecurityStatusNotSatisfied)
    );
}

#[test]
fn verify_pin_maps_status_words() {
    let mut sim = SimCard::cns("stincard");
    let mut b = bind(&atr("stincard"), &mut sim, EXT);
    let card = b.card.as_mut();
    let policy = card.pin_policy(PinKind::User);
    let wrong = Pin::new(&policy, b"99999").unwrap();
    let right = Pin::new(&policy, PIN).unwrap();
    let mut ch = CardChannel::new(&mut sim, EXT);
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(3)));
    assert_eq!(
        card.verify_pin(&mut ch, PinKind::User, &wrong),
        Err(CardError::PinIncorrect { tries_left: 2 })
    );
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(2)));
    assert_eq!(card.verify_pin(&mut ch, PinKind::User, &right), Ok(()));
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(3)));
    for _ in 0..2 {
        let _ = card.verify_pin(&mut ch, PinKind::User, &wrong);
    }
    assert_eq!(
        card.verify_pin(&mut ch, PinKind::User, &wrong),
        Err(CardError::PinLocked)
    );
    assert_eq!(
        card.verify_pin(&mut ch, PinKind::User, &right),
        Err(CardError::PinLocked)
    );
    assert_eq!(card.retries_left(&mut ch, PinKind::User), Ok(Some(0)));
    // The PIN block: 00 20 00 90 08 '12345' FF FF FF.
    let verify = sim
        .sent
        .iter()
        .find(|a| a.len() == 13 && a[5..10] == *PIN)
        .unwrap();
    assert_eq!(
        verify[..],
        [0, 0x20, 0, 0x90, 8, b'1', b'2', b'3', b'4', b'5', 0xFF, 0xFF, 0xFF]
    );
}

#[test]
fn missing_personal_data_leaves_holder_empty() {
    let mut sim =
        SimCard::cns("stincard").answering(&select_mf(files::DATI_PERSONALI, 0x00), &[0x6A, 0x82]);
    let b = bind(&atr("stincard"), &mut sim, EXT);
    assert_eq!(b.data.holder, None);
    assert!(b.card.holder_data().is_empty());
    assert!(b.data.certificate.is_some());
}

// ---- stincard-1024 (CNS 1.0) -----------------------------------------------------------

#[test]
fn stincard_1024_uses_short_apdus_and_the_same_p2() {
    let mut sim = SimCard::cns("stincard-1024");
    let mut b = bind(&stincard_10_atr(), &mut sim, EXT);
    assert_holder(&b, "stincard-1024");
    assert_eq!(b.data.certificate, Some(certificate_of("stincard-1024")));
    assert_eq!(b.data.model, "STIncard 0200");
    assert!(sim.sent.iter().all(|a| a.len() <= 5 + 255 + 1));
    logged_in(b.card.as_mut(), &mut sim, EXT);
    assert_eq!(
        sign(b.card.as_mut(), &mut sim, EXT, "stincard-1024", 128),
        3
    );
    assert_eq!(sim.sent[2][..6], [0, 0x2A, 0x80, 0x86, 0x81, 0x00]);
    assert_eq!(*sim.sent[2].last().unwrap(), 0x80);
}

#[test]
fn a_2048_bit_key_behind_a_cns_1_0_atr_gets_one_extended_pso_after_chaining_is_refused() {
    // A 2021+ lot that reports CNS 1.0 may hold a 2048-bit key (cns.md §5.3): the ST 2021
    // card behind the CNS 1.0 ATR. Chaining first, as for any CNS 1.0 card; the chip refuses
    // it (6E00, §6.1), so one extended PSO follows.
    let mut sim = SimCard::cns("stincard");
    let mut b = bind(&stincard_10_atr(), &mut sim, EXT);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut sim, EXT, "stincard", 256), 4);
    assert_eq!(sim.sent[2][0], 0x10);
    assert_eq!(sim.sent[3][..7], [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01]);
}

// ---- cardos, athena, oberthur (classic layout, no b8) ------------------------------------

#[test]
fn classic_batches_without_backtracking() {
    for (name, model, manufacturer) in [
        ("cardos", "CardOS CRS C80A", "Siemens"),
        ("athena", "Athena 0182", "Athena"),
        ("oberthur", "Oberthur 0700", "IDEMIA (Oberthur)"),
    ] {
        let mut sim = SimCard::cns(name);
        let mut b = bind(&atr(name), &mut sim, EXT);
        assert_holder(&b, name);
        let certificate = certificate_of(name);
        assert_eq!(b.data.certificate.as_ref(), Some(&certificate), "{name}");
        assert_eq!(
            (b.data.model.as_str(), b.data.manufacturer.as_str()),
            (model, manufacturer)
        );
        // CNS 1.0: short reads of at most 255 bytes (cns.md §3, §9 q10), no failed probe.
        assert_eq!(
            b.apdus,
            2 + 1 + certificate.len().div_ceil(255) + 2 + 1,
            "{name}"
        );
        assert_eq!(sim.sent[3], [0, 0xB0, 0, 0, 0xFF], "{name}");
        assert_eq!(sim.sent.last().unwrap()[..], [0, 0x20, 0, 0x10], "{name}");
        logged_in(b.card.as_mut(), &mut sim, EXT);
        // RSA-1024: one short PSO.
        assert_eq!(sign(b.card.as_mut(), &mut sim, EXT, name, 128), 3, "{name}");
        assert_eq!(sim.sent[1], mse_set(0x01));
        assert_eq!(
            sim.sent[2][..6],
            [0, 0x2A, 0x80, 0x86, 0x81, 0x00],
            "{name}"
        );
    }
}

#[test]
fn a_short_reader_chains_where_the_card_accepts_it() {
    // IDEMIA 2021 accepts command chaining (cns.md §5.1: its own middleware chains): through
    // a reader without extended APDUs, key DF, restore, set, then two chained parts.
    let mut sim = SimCard::cns("idemia-2021");
    let mut b = bind(&atr("idemia-2021"), &mut sim, EXT);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    assert_eq!(
        sign(b.card.as_mut(), &mut sim, SHORT, "idemia-2021", 256),
        5
    );
    assert_eq!(sim.sent[3][..5], [0x10, 0x2A, 0x80, 0x86, 0xFF]);
    assert_eq!(sim.sent[4][..5], [0x00, 0x2A, 0x80, 0x86, 0x02]);
}

#[test]
fn an_extended_card_refusing_extended_gets_chaining() {
    // A reader that says it carries extended APDUs but a card that answers them 6700.
    let mut sim = SimCard::cns("idemia-2021");
    let mut b = bind(&atr("idemia-2021"), &mut sim, EXT);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    let mut sim = sim.answering(&[0x00, 0x2A, 0x80, 0x86, 0x00], &[0x67, 0x00]);
    // Key DF, restore, set, extended (6700), then two chained parts.
    assert_eq!(sign(b.card.as_mut(), &mut sim, EXT, "idemia-2021", 256), 6);
}

// ---- idemia-2021 ------------------------------------------------------------------------

#[test]
fn idemia_2021_reads_its_certificate_and_selects_the_key_df_before_mse() {
    let mut sim = SimCard::cns("idemia-2021");
    let mut b = bind(&atr("idemia-2021"), &mut sim, EXT);
    assert_holder(&b, "idemia-2021");
    assert_eq!(b.data.model, "IDEMIA 2021");
    // No failed probe: the ATR hint puts the IDEMIA layout first.
    assert_eq!(b.apdus, 7);
    assert_eq!(sim.sent[2], select_mf(IDEMIA_CERT, 0x00));
    assert_eq!(sim.sent[6], [0, 0x20, 0, 0x10]);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut sim, EXT, "idemia-2021", 256), 4);
    assert_eq!(
        sim.sent[0],
        [0, 0xA4, 0x08, 0x0C, 4, 0x14, 0x00, 0x90, 0x02]
    );
    assert_eq!(sim.sent[1], MSE_RESTORE);
    assert_eq!(sim.sent[2], mse_set(0x02));
    assert_eq!(sim.sent[3][..7], [0, 0x2A, 0x80, 0x86, 0, 0x01, 0x01]);
}

#[test]
fn idemia_2021_without_the_key_df_is_reference_data_not_usable() {
    // What the card does when MSE comes before the key DF (cns.md §6.4): the card is
    // strict, so the driver's order is what makes the signature work.
    let mut sim = SimCard::cns("idemia-2021");
    let mut ch = CardChannel::new(&mut sim, EXT);
    let mut verify = vec![0x00, 0x20, 0x00, 0x10, 0x08];
    verify.extend_from_slice(PIN);
    verify.resize(13, 0xFF);
    for apdu in [verify, MSE_RESTORE.to_vec(), mse_set(0x02)] {
        assert_eq!(ch.execute(&raw(&apdu)).unwrap().sw, StatusWord::SUCCESS);
    }
    let mut pso = vec![0u8];
    pso.extend_from_slice(&[0x55; 256]);
    let r = ch
        .execute(
            &Command::new(0, 0x2A, 0x80, 0x86)
                .with_data(pso)
                .with_le(256),
        )
        .unwrap();
    assert_eq!(r.sw, StatusWord::REFERENCE_DATA_NOT_USABLE);
}

fn raw(apdu: &[u8]) -> Command {
    let mut c = Command::new(apdu[0], apdu[1], apdu[2], apdu[3]);
    if apdu.len() == 5 {
        c = c.with_le(if apdu[4] == 0 {
            256
        } else {
            usize::from(apdu[4])
        });
    } else if apdu.len() > 5 {
        c = c.with_data(apdu[5..].to_vec());
    }
    c
}

#[test]
fn idemia_2021_over_nfc() {
    let mut sim = SimCard::cns("idemia-2021");
    let b = bind(&IDEMIA_NFC_ATR, &mut sim, EXT);
    assert_holder(&b, "idemia-2021");
    assert_eq!(b.data.model, "IDEMIA 2021");
    assert_eq!(b.data.manufacturer, "IDEMIA");
    // No CNS ATR, yet extended APDUs: the profile says so whatever the ATR (cns.md §6.4).
    assert_eq!(b.apdus, 7);
}

#[test]
fn idemia_atr_on_a_non_italian_card_is_ignored_after_one_apdu() {
    // Same ATR as a Spanish IDEMIA card (cns.md §1.4, OpenSC #2782): no CNS files.
    let mut sim = SimCard::cns("idemia-2021").answering(&[0x00, 0xA4], &[0x6A, 0x82]);
    let mut ch = CardChannel::new(&mut sim, EXT);
    assert!(detect::detect(&atr("idemia-2021"), &mut ch)
        .unwrap()
        .is_none());
    // The identity probe (SELECT 1003) is shared by both candidates; then the last-resort
    // AID probe does not run for a CNS ATR.
    assert_eq!(ch.apdus_sent(), 1);
}

// ---- infocamere-1204 ---------------------------------------------------------------------

#[test]
fn infocamere_1204_reads_the_container_and_signs_with_key_21() {
    let mut sim = SimCard::cns("infocamere-1204");
    let mut b = bind(&stincard_10_atr(), &mut sim, EXT);
    assert_holder(&b, "infocamere-1204");
    let certificate = certificate_of("infocamere-1204");
    assert_eq!(b.data.certificate.as_ref(), Some(&certificate));
    // The classic certificate SELECT fails first: the ATR is the classic STIncard one.
    assert_eq!(sim.sent[2], select_mf(CLASSIC_CERT, 0x00));
    assert_eq!(sim.sent[3], select_mf(INFOCAMERE_CERT, 0x00));
    let container = 5 + certificate.len();
    assert_eq!(b.apdus, 2 + 1 + 1 + container.div_ceil(256) + 2 + 1);
    assert_eq!(sim.sent.last().unwrap()[..], [0, 0x20, 0, 0x90]);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    // 1024-bit block (CNS 1.0 card): key path, restore, set, short PSO.
    assert_eq!(
        sign(b.card.as_mut(), &mut sim, EXT, "infocamere-1204", 128),
        4
    );
    assert_eq!(
        sim.sent[0],
        [0, 0xA4, 0x08, 0x0C, 4, 0x2F, 0xFF, 0x00, 0x00]
    );
    assert_eq!(sim.sent[2], mse_set(0x21));
}

// ---- ace-2025 ----------------------------------------------------------------------------

#[test]
fn ace_2025_behind_a_contactless_atr() {
    let mut sim = SimCard::cns("ace-2025");
    let mut b = bind(&NFC_ATR, &mut sim, EXT);
    assert_holder(&b, "ace-2025");
    assert_eq!(b.data.certificate, Some(certificate_of("ace-2025")));
    assert_eq!(b.data.model, "Actalis ACe 2025");
    assert_eq!(b.data.manufacturer, "Actalis");
    assert_eq!(b.apdus, CIE_PROBE + 11);
    assert_eq!(sim.sent[CIE_PROBE], select_aid());
    assert_eq!(sim.sent[CIE_PROBE + 1], select_relative(files::ID_CARTA));
    assert_eq!(sim.sent[CIE_PROBE + 3], select_aid());
    // EF_DatiPersonali, then the certificate the probe left to the token.
    assert_eq!(sim.sent[CIE_PROBE + 6], select_aid());
    assert_eq!(sim.sent[CIE_PROBE + 7], select_relative(ACE_CERT));
    assert_eq!(sim.sent[CIE_PROBE + 9], select_aid());
    // PIN 10 without b8: our choice on cns.md §9 q7.
    assert_eq!(sim.sent[CIE_PROBE + 10], [0, 0x20, 0, 0x10]);
    logged_in(b.card.as_mut(), &mut sim, EXT);
    assert_eq!(sign(b.card.as_mut(), &mut sim, EXT, "ace-2025", 256), 4);
    assert_eq!(sim.sent[0], select_aid());
    assert_eq!(sim.sent[2], mse_set(0x01));
}

#[test]
fn ace_2025_behind_an_athena_atr_costs_one_failed_probe() {
    let mut sim = SimCard::cns("ace-2025");
    let b = bind(&atr("athena"), &mut sim, EXT);
    assert_holder(&b, "ace-2025");
    assert_eq!(b.data.model, "Actalis ACe 2025");
    assert_eq!(sim.sent[0], select_mf(files::ID_CARTA, 0x0C));
    assert_eq!(b.apdus, 12);
}

#[test]
fn ace_2025_behind_a_contact_atr_without_marker_is_found_last() {
    let mut sim = SimCard::cns("ace-2025");
    let b = bind(&OTHER_CONTACT_ATR, &mut sim, EXT);
    assert_holder(&b, "ace-2025");
    assert_eq!(b.apdus, CIE_PROBE + 11);
}

// ---- refusals ----------------------------------------------------------------------------

#[test]
fn a_cns_without_a_known_layout_is_ignored() {
    // Serial answers, but no certificate at any place the candidates know.
    let mut sim = SimCard::cns("stincard").answering(&select_mf(CLASSIC_CERT, 0x00), &[0x6A, 0x82]);
    // Serial (2), 1101, 2FFF/8228.
    assert_eq!(no_layout_answers(&mut sim), 4);
}

/// The identity answers; the layouts are probed with the public data, and none answers:
/// not supported (the token ignores the card). The APDUs it took.
fn no_layout_answers(sim: &mut SimCard) -> usize {
    let mut ch = CardChannel::new(sim, EXT);
    let mut card = detect::detect(&atr("stincard"), &mut ch)
        .unwrap()
        .expect("identity");
    assert_eq!(
        card.read_public_data(&mut ch).err(),
        Some(CardError::NotSupported)
    );
    ch.apdus_sent()
}

#[test]
fn garbage_in_the_certificate_path_is_not_a_layout() {
    // The certificate file answers its (extended) READ BINARY, but holds no certificate.
    let mut garbage = vec![0x55; 300];
    garbage.extend_from_slice(&[0x90, 0x00]);
    let mut sim = SimCard::cns("stincard").answering(&[0x00, 0xB0, 0x00, 0x00, 0x00], &garbage);
    no_layout_answers(&mut sim);
    assert_eq!(sim.sent[1], READ_SERIAL, "the serial was read");
    assert_eq!(sim.sent[3][..5], [0x00, 0xB0, 0x00, 0x00, 0x00]);
}

#[test]
fn a_cns_marker_without_a_profile_costs_no_apdu() {
    let mut sim = SimCard::cns("stincard");
    let mut ch = CardChannel::new(&mut sim, EXT);
    assert!(detect::detect(&GIESECKE_ATR, &mut ch).unwrap().is_none());
    assert_eq!(ch.apdus_sent(), 0);
}

#[test]
fn a_card_without_ef_idcarta_is_ignored() {
    let mut sim =
        SimCard::cns("stincard").answering(&select_mf(files::ID_CARTA, 0x0C), &[0x6A, 0x82]);
    let mut ch = CardChannel::new(&mut sim, EXT);
    assert!(detect::detect(&atr("stincard"), &mut ch).unwrap().is_none());
    assert_eq!(ch.apdus_sent(), 1);
}

#[test]
fn other_cards_cost_one_aid_probe() {
    let mut sim = SimCard::cns("stincard");
    let mut ch = CardChannel::new(&mut sim, EXT);
    assert!(detect::detect(&OTHER_CONTACT_ATR, &mut ch)
        .unwrap()
        .is_none());
    assert_eq!(ch.apdus_sent(), CIE_PROBE_WITH_MF + 1);
    assert!(detect::detect(&NFC_ATR, &mut ch).unwrap().is_none());
    assert_eq!(ch.apdus_sent(), 2 * (CIE_PROBE_WITH_MF + 1));
}

// ---- card data is untrusted input -------------------------------------------------------

/// A variant whose answers are corrupted at random (truncated, bytes flipped, replaced by
/// noise, 61xx / 6Cxx thrown in): detection, binding, login and signing must end in a
/// value or an error, never a panic (DESIGN.md "card data is untrusted input").
struct Flaky {
    card: SimCard,
    state: u64,
}

impl Flaky {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, so a failure replays.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Channel for Flaky {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut answer = self.card.transmit(command)?;
        let roll = self.next();
        match roll % 8 {
            0 => answer.truncate((roll >> 8) as usize % (answer.len() + 1)),
            1 if !answer.is_empty() => {
                let i = (roll >> 8) as usize % answer.len();
                answer[i] ^= (roll >> 16) as u8 | 1;
            }
            2 => {
                let len = (roll >> 8) as usize % 300;
                answer = (0..len).map(|_| self.next() as u8).collect();
            }
            3 => answer = vec![0x61, (roll >> 8) as u8],
            4 => answer = vec![0x6C, (roll >> 8) as u8],
            _ => {}
        }
        Ok(answer)
    }
}

#[test]
fn corrupted_answers_never_panic() {
    // Every batch of the simulator, behind its own ATR and behind the contactless one.
    let cases: Vec<(&str, Vec<u8>)> = cardsim::cns::variant::VARIANTS
        .iter()
        .flat_map(|v| [(v.name, v.atr.to_vec()), (v.name, NFC_ATR.to_vec())])
        .collect();
    for (name, atr) in &cases {
        let mut flaky = Flaky {
            card: SimCard::cns(name),
            state: 1,
        };
        for seed in 1..=SEEDS {
            flaky.state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for caps in [EXT, SHORT] {
                flaky.card.reset();
                let mut ch = CardChannel::new(&mut flaky, caps);
                let Ok(Some(mut card)) = detect::detect(atr, &mut ch) else {
                    continue;
                };
                let _ = card.read_public_data(&mut ch);
                let _ = card.holder_data();
                let _ = card.retries_left(&mut ch, PinKind::User);
                let pin = Pin::new(&card.pin_policy(PinKind::User), PIN).unwrap();
                let _ = card.verify_pin(&mut ch, PinKind::User, &pin);
                let _ = card.sign(&mut ch, &[0x42; 256]);
                let _ = card.sign(&mut ch, &[0x42; 128]);
            }
        }
    }
}

/// Corrupted runs per batch and ATR (each with a short and an extended reader).
const SEEDS: u64 = 250;
