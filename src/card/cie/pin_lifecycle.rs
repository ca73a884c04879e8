//! CIE PIN change and unblock (cie.md §6), each under a fresh authenticated secure channel:
//! CHANGE REFERENCE DATA `00 24 00 81 old‖new`; VERIFY PUK `00 20 00 82`, then RESET RETRY
//! COUNTER `00 2C 03 81` (unblock) and `00 2C 02 81 <new PIN>` (set), as the official
//! middleware's `CIEtemplateInitPIN` does. PINs are 8 ASCII digits, unpadded.

use zeroize::Zeroizing;

use super::pin::{reference, verify, verify_result};
use super::secure_channel::{SecureChannel, UserChannel};
use super::status_error;
use crate::card::CardChannel;
use crate::card::{CardError, Pin, PinKind};
use crate::iso7816::ins::{INS_CHANGE_REFERENCE_DATA, INS_RESET_RETRY_COUNTER};
use crate::iso7816::{Command, StatusWord};

/// RESET RETRY COUNTER P1 (cie.md §6): `03` unblock only, `02` new PIN in the data.
const P1_UNBLOCK: u8 = 0x03;
const P1_SET_PIN: u8 = 0x02;

/// `00 24 00 81 old‖new`: a wrong `old` spends a PIN try (63Cx / 6983 as for VERIFY).
/// The official middleware sends a VERIFY PIN first; CHANGE REFERENCE DATA checks the old PIN
/// itself, so that would only send the PIN twice. Accepted, it leaves the PIN verified on the
/// session (the virtual CIE's model of §6), hence the channel signing takes.
pub fn change(
    mut sc: SecureChannel,
    channel: &mut CardChannel<'_>,
    old: &Pin,
    new: &Pin,
) -> Result<UserChannel, CardError> {
    let mut data = Zeroizing::new(Vec::with_capacity(
        old.as_bytes().len() + new.as_bytes().len(),
    ));
    data.extend_from_slice(old.as_bytes());
    data.extend_from_slice(new.as_bytes());
    let command = Command::new(
        0x00,
        INS_CHANGE_REFERENCE_DATA,
        0x00,
        reference(PinKind::User),
    )
    .with_secret_data(data);
    verify_result(sc.transmit(channel, &command)?.sw)?;
    Ok(sc.user_verified())
}

/// VERIFY PUK, then unblock and set the new PIN. A wrong PUK stops before any RESET RETRY
/// COUNTER; its tries are what `PinIncorrect` / `PinLocked` report.
pub fn unblock(
    sc: &mut SecureChannel,
    channel: &mut CardChannel<'_>,
    puk: &Pin,
    new_pin: &Pin,
) -> Result<(), CardError> {
    verify(sc, channel, PinKind::Puk, puk)?;
    let unblock = Command::new(
        0x00,
        INS_RESET_RETRY_COUNTER,
        P1_UNBLOCK,
        reference(PinKind::User),
    );
    expect_success(sc.transmit(channel, &unblock)?.sw)?;
    let set = Command::new(
        0x00,
        INS_RESET_RETRY_COUNTER,
        P1_SET_PIN,
        reference(PinKind::User),
    )
    .with_secret_data(Zeroizing::new(new_pin.as_bytes().to_vec()));
    expect_success(sc.transmit(channel, &set)?.sw)
}

fn expect_success(sw: StatusWord) -> Result<(), CardError> {
    match sw {
        StatusWord::SUCCESS => Ok(()),
        sw => Err(status_error(INS_RESET_RETRY_COUNTER, sw)),
    }
}
