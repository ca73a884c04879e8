//! Mutual device authentication with privacy ("DAPP", cie.md §4.4, C2, C8, C9), run under
//! the pending secure session of the key agreement. The terminal proves itself with the
//! published terminal keys; the chip proves itself with its own key, checked against
//! EF 1004 — a card that fails that check is refused.

use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::bignum::{self, strip};
use super::dh::KeyAgreement;
use super::files::ChipKey;
use super::iso9796;
use super::params::{CaKey, DhParams};
use super::plain::expect_success;
use super::secure_channel::{PendingChannel, SecureChannel};
use super::sm::Ssc;
use super::terminal_keys::{self, SN_IFD};
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::ins::{
    INS_EXTERNAL_AUTHENTICATE, INS_GET_CHALLENGE, INS_INTERNAL_AUTHENTICATE, INS_MSE, INS_PSO,
};
use crate::iso7816::{tlv, Command};

/// CPI of the terminal certificate (§4.4 step 1).
const CPI: u8 = 0x8A;
/// OID ‖ `04` of the terminal certificate (§4.4 step 1).
const CERTIFICATE_OID: [u8; 9] = [0x2A, 0x81, 0x22, 0xF4, 0x2A, 0x02, 0x04, 0x01, 0x04];
const CHALLENGE_LEN: usize = 8;
const SN_ICC_LEN: usize = 8;

/// CHR = `00 00 00 00` ‖ SN.IFD.
fn chr() -> [u8; 12] {
    let mut out = [0u8; 12];
    out[4..].copy_from_slice(&SN_IFD);
    out
}

/// §4.4 step 1: the certificate body CPI ‖ CAR ‖ CHR ‖ CHA ‖ OID ‖ n_ifd ‖ e_ifd.
pub fn certificate_body(ca: &CaKey) -> Vec<u8> {
    let mut body = vec![CPI];
    body.extend_from_slice(&ca.car);
    body.extend_from_slice(&chr());
    body.extend_from_slice(&ca.ca_aid);
    body.push(0x01);
    body.extend_from_slice(&CERTIFICATE_OID);
    body.extend_from_slice(terminal_keys::IFD.modulus);
    body.extend_from_slice(terminal_keys::IFD.public_exponent);
    body
}

/// §4.4 step 1: the card-verifiable terminal certificate
/// `7F21 { 5F37 signature ‖ 5F38 remainder ‖ 42 CAR }`, signed ISO 9796-2 scheme 1 /
/// SHA-256 with the CA private exponent, and checked with the CA modulus and exponent the
/// card returned before it is sent (C2: the official host aborts on a mismatch).
pub fn terminal_certificate(ca: &CaKey) -> Result<Vec<u8>, CardError> {
    let modulus = strip(&ca.modulus);
    let body = certificate_body(ca);
    let (block, remainder) =
        iso9796::encode(&body, modulus.len()).map_err(|_| CardError::Malformed("CA key size"))?;
    let signature = bignum::mod_pow(&block, terminal_keys::CA_PRIVATE_EXPONENT, modulus)
        .map_err(|_| CardError::Malformed("CA modulus"))?;
    let check = bignum::mod_pow(&signature, &ca.exponent, modulus)
        .map_err(|_| CardError::Malformed("CA modulus"))?;
    if check[..] != block[..] {
        log::warn!(
            "CIE: the CA key the card reports does not verify the terminal certificate (C2)"
        );
        return Err(CardError::ChipAuthentication);
    }
    let mut content = tlv::encode(&[0x5F, 0x37], &signature);
    content.extend(tlv::encode(&[0x5F, 0x38], &remainder));
    content.extend(tlv::encode(&[0x42], &ca.car));
    Ok(tlv::encode(&[0x7F, 0x21], &content))
}

/// What the authentication hashes besides the random parts (§4.4 steps 6, 8).
struct Transcript<'a> {
    y_ifd: &'a [u8],
    y_icc: &'a [u8],
    dh: &'a DhParams,
}

/// §4.4 step 6: S = (6A ‖ PRND ‖ H ‖ BC)^d_ifd mod n_ifd with
/// H = SHA-256(PRND ‖ Y_ifd ‖ SN.IFD ‖ RND.ICC ‖ Y_icc ‖ g ‖ p ‖ q).
fn external_authenticate_data(
    t: &Transcript<'_>,
    rnd_icc: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let k = terminal_keys::IFD.modulus.len();
    let mut message = Zeroizing::new(vec![0u8; k - 34]);
    rng.fill(&mut message)
        .map_err(|_| CardError::Malformed("system random generator"))?;
    for part in [
        t.y_ifd,
        &SN_IFD[..],
        rnd_icc,
        t.y_icc,
        &t.dh.g,
        &t.dh.p,
        &t.dh.q,
    ] {
        message.extend_from_slice(part);
    }
    let (block, _) = iso9796::encode(&message, k).map_err(|_| CardError::Malformed("IFD key"))?;
    let signature = bignum::mod_pow(
        &block,
        terminal_keys::IFD.private_exponent,
        terminal_keys::IFD.modulus,
    )
    .map_err(|_| CardError::Malformed("IFD key"))?;
    let mut data = Zeroizing::new(SN_IFD.to_vec());
    data.extend_from_slice(&signature);
    Ok(data)
}

/// §4.4 step 8 (C8): the answer SN.ICC ‖ R must give R^e mod n = 6A ‖ PRND2 ‖ H2 ‖ BC with
/// H2 = SHA-256(PRND2 ‖ Y_icc ‖ SN.ICC ‖ RND.IFD ‖ Y_ifd ‖ g ‖ p ‖ q).
pub fn check_chip_answer(
    chip: &ChipKey,
    t_y_icc: &[u8],
    t_y_ifd: &[u8],
    dh: &DhParams,
    rnd_ifd: &[u8],
    answer: &[u8],
) -> Result<(), CardError> {
    if answer.len() <= SN_ICC_LEN {
        return Err(CardError::ChipAuthentication);
    }
    let (sn_icc, r) = answer.split_at(SN_ICC_LEN);
    let block = bignum::mod_pow(r, &chip.exponent, &chip.modulus)
        .map_err(|_| CardError::ChipAuthentication)?;
    iso9796::verify(
        &block,
        &[t_y_icc, sn_icc, rnd_ifd, t_y_ifd, &dh.g, &dh.p, &dh.q],
    )
    .map_err(|e| {
        log::debug!("CIE: INTERNAL AUTHENTICATE check: {e:?}");
        CardError::ChipAuthentication
    })?;
    Ok(())
}

fn send(
    pending: &mut PendingChannel,
    channel: &mut CardChannel<'_>,
    command: Command,
) -> Result<Vec<u8>, CardError> {
    let ins = command.ins;
    let response = pending.transmit(channel, &command)?;
    expect_success(ins, response)
}

/// Runs §4.4 steps 2–9 after the key agreement and returns the authenticated session.
pub fn authenticate(
    channel: &mut CardChannel<'_>,
    agreement: KeyAgreement,
    dh: &DhParams,
    ca: &CaKey,
    chip: &ChipKey,
    rng: &dyn SecureRandom,
) -> Result<SecureChannel, CardError> {
    let KeyAgreement {
        channel: mut pending,
        y_ifd,
        y_icc,
    } = agreement;
    let transcript = Transcript {
        y_ifd: &y_ifd,
        y_icc: &y_icc,
        dh,
    };
    let certificate = terminal_certificate(ca)?;
    // Step 2 (C9: this MSE carries Le, hence DO 97 `00`).
    send(
        &mut pending,
        channel,
        Command::new(0x00, INS_MSE, 0x81, 0xB6)
            .with_data(vec![0x80, 0x01, 0x41, 0x83, 0x01, 0x84])
            .with_le(256),
    )?;
    // Step 3: 354 bytes, SM-chained 231 + 123 (C9).
    send(
        &mut pending,
        channel,
        Command::new(0x00, INS_PSO, 0x00, 0xAE).with_data(certificate),
    )?;
    // Step 4.
    let mut mse = vec![0x83, 0x0C];
    mse.extend_from_slice(&chr());
    send(
        &mut pending,
        channel,
        Command::new(0x00, INS_MSE, 0x81, 0xA4).with_data(mse),
    )?;
    // Step 5.
    let rnd_icc = send(
        &mut pending,
        channel,
        Command::new(0x00, INS_GET_CHALLENGE, 0x00, 0x00).with_le(CHALLENGE_LEN),
    )?;
    if rnd_icc.len() != CHALLENGE_LEN {
        return Err(CardError::Malformed("GET CHALLENGE length"));
    }
    // Step 6: 264 bytes, SM-chained 231 + 33 (C9).
    let data = external_authenticate_data(&transcript, &rnd_icc, rng)?;
    send(
        &mut pending,
        channel,
        Command::new(0x00, INS_EXTERNAL_AUTHENTICATE, 0x00, 0x00).with_secret_data(data),
    )?;
    // Step 7.
    send(
        &mut pending,
        channel,
        Command::new(0x00, INS_MSE, 0x41, 0xA4).with_data(vec![0x84, 0x01, 0x82, 0x80, 0x01, 0x9B]),
    )?;
    // Step 8: case 3 (C8: no DO 97), answer protected with the old SSC.
    let mut rnd_ifd = [0u8; CHALLENGE_LEN];
    rng.fill(&mut rnd_ifd)
        .map_err(|_| CardError::Malformed("system random generator"))?;
    let answer = send(
        &mut pending,
        channel,
        Command::new(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00).with_data(rnd_ifd.to_vec()),
    )?;
    if let Err(e) = check_chip_answer(chip, &y_icc, &y_ifd, dh, &rnd_ifd, &answer) {
        log::warn!("CIE: the chip failed INTERNAL AUTHENTICATE against EF 1004: card refused");
        return Err(e);
    }
    // Step 9 (C8).
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_icc[4..8]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..8]);
    Ok(pending.authenticated(Ssc(ssc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca() -> CaKey {
        CaKey {
            modulus: vec![0xE1; 256],
            exponent: vec![1],
            car: b"CARNAME!".to_vec(),
            ca_aid: b"AIDAID".to_vec(),
        }
    }

    #[test]
    fn certificate_body_layout() {
        let body = certificate_body(&ca());
        // 1 + 8 + 12 + 7 + 9 + 256 + 4.
        assert_eq!(body.len(), 297);
        assert_eq!(body[0], 0x8A);
        assert_eq!(&body[1..9], b"CARNAME!");
        assert_eq!(&body[9..21], &[0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(&body[21..28], b"AIDAID\x01");
        assert_eq!(&body[28..37], &CERTIFICATE_OID);
        assert_eq!(&body[37..293], terminal_keys::IFD.modulus);
        assert_eq!(&body[293..], &[0, 1, 0, 1]);
    }

    #[test]
    fn a_ca_key_that_does_not_pair_is_refused() {
        // Modulus E1…E1 is odd, the exponent 1 cannot undo the private exponent.
        assert_eq!(
            terminal_certificate(&ca()),
            Err(CardError::ChipAuthentication)
        );
    }

    #[test]
    fn chip_answer_check_accepts_a_good_answer_and_refuses_a_forged_one() {
        // Use the IFD key pair as a stand-in chip key (any consistent RSA pair does).
        let chip = ChipKey {
            modulus: terminal_keys::IFD.modulus.to_vec(),
            exponent: terminal_keys::IFD.public_exponent.to_vec(),
        };
        let dh = DhParams {
            g: vec![2],
            p: vec![0xFF; 256],
            q: vec![0x7F; 32],
        };
        let (y_icc, y_ifd, sn_icc, rnd_ifd) = (vec![3; 256], vec![4; 256], [9u8; 8], [7u8; 8]);
        let mut message = vec![0x55; 256 - 34];
        for part in [&y_icc[..], &sn_icc, &rnd_ifd, &y_ifd, &dh.g, &dh.p, &dh.q] {
            message.extend_from_slice(part);
        }
        let (block, _) = iso9796::encode(&message, 256).unwrap();
        let r =
            bignum::mod_pow(&block, terminal_keys::IFD.private_exponent, &chip.modulus).unwrap();
        let mut answer = sn_icc.to_vec();
        answer.extend_from_slice(&r);
        assert_eq!(
            check_chip_answer(&chip, &y_icc, &y_ifd, &dh, &rnd_ifd, &answer),
            Ok(())
        );
        // Another challenge, a flipped bit, a truncated answer: refused.
        assert!(check_chip_answer(&chip, &y_icc, &y_ifd, &dh, &[8; 8], &answer).is_err());
        let mut bad = answer.clone();
        bad[100] ^= 1;
        assert!(check_chip_answer(&chip, &y_icc, &y_ifd, &dh, &rnd_ifd, &bad).is_err());
        assert!(check_chip_answer(&chip, &y_icc, &y_ifd, &dh, &rnd_ifd, &answer[..8]).is_err());
    }
}
