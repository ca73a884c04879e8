//! The file system of each variant layout (docs/cards/cns.md §2.1, §2.4), filled with the
//! variant's content. Paths and FIDs here are the facts sheet's; contents it does not give are
//! marked as chosen.

use super::fs::{df, ef, FileSystem, Node};
use super::variant::{Layout, Variant};
use sha2::{Digest, Sha256};

/// The certificate EF is longer than the certificate (zero padding) on classic cards; OpenSC parses
/// the DER length (§2.1). ACe 2025: FCP size = certificate size (§2.4), no slack.
const CERT_FILE_SLACK: usize = 200;
/// Bytes before the DER certificate in the InfoCamere 1204 container (§2.1: "offset 5").
const CONTAINER_HEADER: usize = 5;
/// Size of the non-certificate data in the IDEMIA classic EF 1101 (chosen).
const IDEMIA_1101_SIZE: usize = 1024;
/// EF D003 of the ACe 2025: 10 bytes, content unknown (§2.4, §9 q7); zeros chosen.
const ACE_D003: [u8; 10] = [0; 10];
/// IDEMIA 2021 EF_CardName (`1400/1000`, PR3362 example text).
const IDEMIA_CARD_NAME: &[u8] = b"Carta Nazionale dei Servizi";
/// Security attributes of the IDEMIA key DF 9002 (#2483 trace, §2.1).
const IDEMIA_KEY_DF_ACS: [u8; 9] = [0xFF, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x10, 0xFF];

fn padded_cert(cert: &[u8]) -> Vec<u8> {
    let mut file = cert.to_vec();
    file.resize(cert.len() + CERT_FILE_SLACK, 0);
    file
}

/// EF_IDCarta under `1000` (§2.1), common to every layout.
fn id_carta_df(v: &Variant) -> Node {
    df(0x1000, vec![ef(0x1003, v.id_carta.to_vec())])
}

/// §2.1 InfoCamere 1204 container: byte 0 and bytes 3..4 are not described (chosen: `01`, `00 00`),
/// bytes 1..2 the big-endian certificate length, the certificate from offset 5, zero padding.
fn infocamere_container(cert: &[u8]) -> Vec<u8> {
    let len = u16::try_from(cert.len()).unwrap_or(u16::MAX).to_be_bytes();
    let mut file = vec![0x01, len[0], len[1], 0x00, 0x00];
    debug_assert_eq!(file.len(), CONTAINER_HEADER);
    file.extend_from_slice(&padded_cert(cert));
    file
}

/// What the IDEMIA classic EF 1101 holds instead of a certificate (§2.1 note on 5115785ac): bytes
/// that look encrypted (#2782), deterministic so runs repeat. The first byte is forced to `04` so the
/// data opens like a DER OCTET STRING whose length runs past the file — unparsable as a certificate.
fn idemia_non_certificate() -> Vec<u8> {
    let mut out = Vec::with_capacity(IDEMIA_1101_SIZE);
    let mut block = Sha256::digest(b"cardsim idemia-2021 EF 1100/1101: not a certificate");
    while out.len() < IDEMIA_1101_SIZE {
        out.extend_from_slice(&block);
        block = Sha256::digest(block);
    }
    out.truncate(IDEMIA_1101_SIZE);
    out[..4].copy_from_slice(&[0x04, 0x82, 0xFF, 0xF0]);
    out
}

/// Build the variant's file system. `pubkey` is the PKCS#1 RSAPublicKey of the card key (EF 3F01 on
/// classic cards, which OpenSC's itacns reads, §2.1).
pub fn build(v: &Variant, pubkey: Vec<u8>) -> FileSystem {
    let dati_personali = ef(0x1102, v.dati_personali.to_vec());
    match v.layout {
        Layout::Classic => FileSystem::new(vec![
            id_carta_df(v),
            df(
                0x1100,
                vec![ef(0x1101, padded_cert(v.cert_der)), dati_personali],
            ),
            ef(0x3F01, pubkey),
        ]),
        Layout::Idemia2021 => FileSystem::new(vec![
            id_carta_df(v),
            df(
                0x1100,
                vec![ef(0x1101, idemia_non_certificate()), dati_personali],
            ),
            df(
                0x1400,
                vec![
                    ef(0x1000, IDEMIA_CARD_NAME.to_vec()),
                    df(0x9001, vec![ef(0x2002, padded_cert(v.cert_der))]),
                    Node::Df {
                        fid: 0x9002,
                        children: Vec::new(),
                        acs: Some(IDEMIA_KEY_DF_ACS),
                    },
                ],
            ),
        ]),
        Layout::InfoCamere1204 => FileSystem::new(vec![
            id_carta_df(v),
            df(0x1100, vec![dati_personali]),
            df(
                0x2FFF,
                vec![
                    ef(0x8228, infocamere_container(v.cert_der)),
                    // The key object: a DF here (its kind is not documented); OpenSC selects the
                    // whole path 3F00/2FFF/0000 before MSE, which works for either kind.
                    df(0x0000, Vec::new()),
                ],
            ),
        ]),
        Layout::Ace2025 => FileSystem::new(vec![
            id_carta_df(v),
            df(0x1100, vec![dati_personali]),
            df(0xDA01, vec![ef(0xC001, v.cert_der.to_vec())]),
            ef(0xD003, ACE_D003.to_vec()),
        ]),
    }
}
