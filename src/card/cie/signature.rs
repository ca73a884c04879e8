//! Signing with the holder's authentication key (cie.md §7, C10): MSE SET then INTERNAL
//! AUTHENTICATE on a DigestInfo, both under secure messaging. The chip applies PKCS#1 v1.5
//! type-1 padding itself; it cannot do raw RSA, hence no RSA_X_509 and no PSS.

use super::secure_channel::UserChannel;
use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::ins::{INS_INTERNAL_AUTHENTICATE, INS_MSE};
use crate::iso7816::Command;

/// `00 22 41 A4 06 80 01 02 84 01 81`: algorithm 02 (PKCS#1 by the chip), private key 81.
pub fn mse_set_signature() -> Command {
    Command::new(0x00, INS_MSE, 0x41, 0xA4).with_data(vec![0x80, 0x01, 0x02, 0x84, 0x01, 0x81])
}

/// `00 88 00 00 Lc DigestInfo`, no Le (§7).
pub fn internal_authenticate(digest_info: &[u8]) -> Command {
    Command::new(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00).with_data(digest_info.to_vec())
}

/// The signature over `digest_info` (≤ k − 11 bytes, checked by the token).
pub fn sign(
    sc: &mut UserChannel,
    channel: &mut CardChannel<'_>,
    digest_info: &[u8],
) -> Result<Vec<u8>, CardError> {
    let response = sc.transmit(channel, &mse_set_signature())?;
    if !response.sw.is_success() {
        return Err(super::status_error(INS_MSE, response.sw));
    }
    let response = sc.transmit(channel, &internal_authenticate(digest_info))?;
    if !response.sw.is_success() {
        return Err(super::status_error(INS_INTERNAL_AUTHENTICATE, response.sw));
    }
    if response.data.is_empty() {
        return Err(CardError::Malformed("empty signature"));
    }
    Ok(response.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_byte_exact() {
        let enc = |c: Command| crate::iso7816::apdu::hex(&c.encode(false).unwrap());
        assert_eq!(enc(mse_set_signature()), "002241A406800102840181");
        assert_eq!(enc(internal_authenticate(&[1, 2])), "00880000020102");
    }
}
