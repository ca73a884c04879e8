//! PIN and PUK of the CIE (cie.md §6, C11): 8 ASCII digits each, verified under secure
//! messaging; the PIN has 3 tries, the PUK 10. The format is checked by `Pin::new` with
//! these policies before any APDU, so a typo never spends a try.

use zeroize::Zeroizing;

use super::secure_channel::{SecureChannel, UserChannel};
use crate::card::pin::pin_outcome;
use crate::card::CardChannel;
use crate::card::{CardError, Pin, PinKind, PinPolicy};
use crate::iso7816::ins::INS_VERIFY;
use crate::iso7816::{Command, StatusWord};

pub const PIN_POLICY: PinPolicy = PinPolicy {
    min_len: 8,
    max_len: 8,
    max_tries: 3,
};

pub const PUK_POLICY: PinPolicy = PinPolicy {
    min_len: 8,
    max_len: 8,
    max_tries: 10,
};

pub fn policy(kind: PinKind) -> PinPolicy {
    match kind {
        PinKind::User => PIN_POLICY,
        PinKind::Puk => PUK_POLICY,
    }
}

/// P2 of VERIFY: `81` PIN, `82` PUK (§2 key references, §6).
pub fn reference(kind: PinKind) -> u8 {
    match kind {
        PinKind::User => 0x81,
        PinKind::Puk => 0x82,
    }
}

/// `00 20 00 81|82` with the digits, no padding (§6); a secret command, never traced.
pub fn verify_command(kind: PinKind, pin: &Pin) -> Command {
    Command::new(0x00, INS_VERIFY, 0x00, reference(kind))
        .with_secret_data(Zeroizing::new(pin.as_bytes().to_vec()))
}

/// What a VERIFY answer means (§6): 63Cx wrong with x tries left, 6983 blocked.
pub fn verify_result(sw: StatusWord) -> Result<(), CardError> {
    pin_outcome(sw, |sw| super::status_error(INS_VERIFY, sw))
}

/// VERIFY under the authenticated secure channel. The decrypted answer is never traced.
pub fn verify(
    sc: &mut SecureChannel,
    channel: &mut CardChannel<'_>,
    kind: PinKind,
    pin: &Pin,
) -> Result<(), CardError> {
    let response = sc.transmit(channel, &verify_command(kind, pin))?;
    verify_result(response.sw)
}

/// VERIFY PIN: the channel becomes the one signing takes, or is gone (C11: after a refused
/// VERIFY the session is not continued).
pub fn verify_user(
    mut sc: SecureChannel,
    channel: &mut CardChannel<'_>,
    pin: &Pin,
) -> Result<UserChannel, CardError> {
    verify(&mut sc, channel, PinKind::User, pin)?;
    Ok(sc.user_verified())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::PinFormatError;

    #[test]
    fn policy_is_eight_digits() {
        assert!(Pin::new(&PIN_POLICY, b"12345678").is_ok());
        assert_eq!(
            Pin::new(&PIN_POLICY, b"1234").err(),
            Some(PinFormatError::Length)
        );
        assert_eq!(
            Pin::new(&PIN_POLICY, b"123456789").err(),
            Some(PinFormatError::Length)
        );
        assert_eq!(
            Pin::new(&PIN_POLICY, b"1234567a").err(),
            Some(PinFormatError::Characters)
        );
        assert_eq!(PUK_POLICY.max_tries, 10);
    }

    #[test]
    fn verify_command_is_secret_and_unpadded() {
        let pin = Pin::new(&PIN_POLICY, b"12345678").unwrap();
        let c = verify_command(PinKind::User, &pin);
        assert_eq!((c.ins, c.p2, c.data.len()), (0x20, 0x81, 8));
        assert!(c.secret);
        assert!(!c.trace().contains("3132"));
        assert_eq!(verify_command(PinKind::Puk, &pin).p2, 0x82);
    }

    #[test]
    fn statuses() {
        assert_eq!(verify_result(StatusWord(0x9000)), Ok(()));
        assert_eq!(
            verify_result(StatusWord(0x63C2)),
            Err(CardError::PinIncorrect { tries_left: 2 })
        );
        assert_eq!(verify_result(StatusWord(0x63C0)), Err(CardError::PinLocked));
        assert_eq!(verify_result(StatusWord(0x6983)), Err(CardError::PinLocked));
        assert_eq!(
            verify_result(StatusWord(0x6988)),
            Err(CardError::ChannelLost)
        );
    }
}
