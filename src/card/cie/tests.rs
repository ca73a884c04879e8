//! The CIE login as states, on the simulator's CIE (`card::testing::SimCard::cie`): what the
//! kept PIN may and may not do (issue #11), and what each step costs (issue #12).

use super::*;
use crate::card::testing::{SimCard, CIE_PIN};
use crate::transport::ReaderCapabilities;

const SHORT: ReaderCapabilities = ReaderCapabilities {
    extended_apdu: false,
};
/// A SHA-256 DigestInfo of zeros: what the chip pads and signs (§7).
const DIGEST_INFO: [u8; 51] = {
    let mut d = [0u8; 51];
    let prefix = [
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let mut i = 0;
    while i < prefix.len() {
        d[i] = prefix[i];
        i += 1;
    }
    d
};

fn user_pin(digits: &[u8]) -> Pin {
    Pin::new(&pin::PIN_POLICY, digits).expect("8 digits")
}

/// The card probed (bind: 3 APDUs) and logged in; the APDUs the login took.
fn logged_in(sim: &mut SimCard) -> (CieCard, usize) {
    let atr = sim.atr();
    let mut ch = CardChannel::new(sim, SHORT);
    let mut card = CieCard::probe(&atr, &mut ch)
        .expect("no transport error")
        .expect("a CIE");
    let bind = ch.apdus_sent();
    card.verify_pin(&mut ch, PinKind::User, &user_pin(CIE_PIN))
        .expect("VERIFY");
    (card, ch.apdus_sent() - bind)
}

fn sign(card: &mut CieCard, sim: &mut SimCard) -> (Result<Vec<u8>, CardError>, usize) {
    let mut ch = CardChannel::new(sim, SHORT);
    let result = card.sign(&mut ch, &DIGEST_INFO);
    (result, ch.apdus_sent())
}

#[test]
fn nothing_signs_before_verify() {
    let mut sim = SimCard::cie("bit4id-2023");
    let atr = sim.atr();
    let mut ch = CardChannel::new(&mut sim, SHORT);
    let mut card = CieCard::probe(&atr, &mut ch).unwrap().unwrap();
    let (result, apdus) = sign(&mut card, &mut sim);
    assert_eq!(result, Err(CardError::SecurityStatusNotSatisfied));
    assert_eq!(apdus, 0);
    assert!(!card.can_resume_session());
}

#[test]
fn a_login_with_known_chip_data_costs_15_and_a_signature_3() {
    let mut sim = SimCard::cie("bit4id-2023");
    let (mut card, cold) = logged_in(&mut sim);
    // DH parameters and CA key 8, EF 1004 3, key agreement 4, mutual authentication 10, VERIFY 1.
    assert_eq!(cold, 26);
    let cached = card
        .chip_data_to_cache()
        .expect("chip data read from the card");
    assert_eq!(card.chip_data_to_cache(), None, "handed over once");
    let (sig, apdus) = sign(&mut card, &mut sim);
    assert_eq!(sig.expect("signature").len(), 256);
    assert_eq!(apdus, 3);

    // Another process: the same card, its chip data from the cache.
    let mut sim = SimCard::cie("bit4id-2023");
    let atr = sim.atr();
    let mut ch = CardChannel::new(&mut sim, SHORT);
    let mut card = CieCard::probe(&atr, &mut ch).unwrap().unwrap();
    card.use_cached_chip_data(&cached);
    let bind = ch.apdus_sent();
    card.verify_pin(&mut ch, PinKind::User, &user_pin(CIE_PIN))
        .expect("VERIFY");
    assert_eq!(ch.apdus_sent() - bind, 15, "no SELECT, no chip data read");
}

#[test]
fn a_session_lost_to_another_application_is_rebuilt_once_with_the_kept_pin() {
    let mut sim = SimCard::cie("bit4id-2023");
    let (mut card, _) = logged_in(&mut sim);
    sim.plain_command_by_another_application();
    let (result, _) = sign(&mut card, &mut sim);
    assert_eq!(result, Err(CardError::ChannelLost));
    assert!(card.can_resume_session());
    let (sig, apdus) = sign(&mut card, &mut sim);
    assert!(sig.is_ok());
    assert_eq!(
        apdus,
        15 + 3,
        "handshake, VERIFY with the kept PIN, signature"
    );
    assert_eq!(sim.pin_tries(), 3);
}

#[test]
fn a_refused_replay_forgets_the_pin_at_once() {
    let mut sim = SimCard::cie("bit4id-2023");
    let (mut card, _) = logged_in(&mut sim);
    sim.pin_changed_elsewhere("87651234");
    sim.plain_command_by_another_application();
    let (result, _) = sign(&mut card, &mut sim);
    assert_eq!(result, Err(CardError::ChannelLost));
    let (result, _) = sign(&mut card, &mut sim);
    assert_eq!(result, Err(CardError::PinIncorrect { tries_left: 2 }));
    assert_eq!(sim.pin_tries(), 2, "one try, the replay");
    assert!(!card.can_resume_session());
    let (result, apdus) = sign(&mut card, &mut sim);
    assert_eq!(result, Err(CardError::SecurityStatusNotSatisfied));
    assert_eq!(apdus, 0, "never sent again");
    assert_eq!(sim.pin_tries(), 2);
}

#[test]
fn a_reset_ends_the_login() {
    let mut sim = SimCard::cie("bit4id-2023");
    let (mut card, _) = logged_in(&mut sim);
    sim.reset();
    card.card_reset();
    assert!(!card.can_resume_session());
    let (result, apdus) = sign(&mut card, &mut sim);
    assert_eq!(result, Err(CardError::SecurityStatusNotSatisfied));
    assert_eq!(apdus, 0, "no handshake, no VERIFY");
    // A new login selects the application again (the reset left the MF selected).
    let mut ch = CardChannel::new(&mut sim, SHORT);
    card.verify_pin(&mut ch, PinKind::User, &user_pin(CIE_PIN))
        .expect("VERIFY");
    assert_eq!(ch.apdus_sent(), 2 + 15);
}
