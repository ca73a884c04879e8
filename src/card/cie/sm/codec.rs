//! Protected command and response APDUs (cie.md §5.2–5.3): pure functions, no card.
//!
//! Command: CLA' = CLA | `0C`; data encrypted into DO `87` (even INS, with the padding
//! indicator `01`) or DO `85` (odd INS); Le into DO `97`; MAC over
//! pad(pad(SSC ‖ CLA' INS P1 P2) ‖ DOs) into DO `8E`; Le `00` on the wire.
//! Response: DOs `87`/`85`, `99` (the real status word, C7) and `8E`, the MAC over
//! pad(SSC ‖ DO87/85 ‖ DO99).

use zeroize::Zeroizing;

use super::cipher::{self, pad};
use super::mac::{self, MAC_LEN};
use super::{SessionKeys, SmError, Ssc};
use crate::iso7816::{tlv, Command, Response, StatusWord};

/// Most plain data bytes one protected short command carries (§5.4: keeps the protected
/// body within 255 bytes).
pub const MAX_PLAIN_CHUNK: usize = 0xE7;
/// Largest body of a short command.
const MAX_SHORT_BODY: usize = 255;

const DO_CRYPTOGRAM_PI: u8 = 0x87;
const DO_CRYPTOGRAM: u8 = 0x85;
const DO_LE: u8 = 0x97;
const DO_STATUS: u8 = 0x99;
const DO_MAC: u8 = 0x8E;
/// Padding-content indicator of DO 87: ISO padding (method 2) applied.
const PADDING_INDICATOR: u8 = 0x01;
/// CLA bits b4 b3: secure messaging with authenticated header.
const CLA_SM: u8 = 0x0C;

/// How the card answered a protected command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A protected answer (outer 9000, or 6282 / 6B00 with a body): unwrap it.
    Protected,
    /// A status word without data, sent in plain: the card refused the command before or
    /// outside secure messaging (63Cx, 6983, 6982, 6987, 6988 …). No SSC step (§5.3).
    Plain(StatusWord),
}

/// Classifies a response to a protected command (§5.3, C7).
pub fn classify(response: &Response) -> Result<Answer, SmError> {
    let protected_sw = matches!(
        response.sw,
        StatusWord::SUCCESS | StatusWord::END_OF_FILE | StatusWord::WRONG_OFFSET
    );
    match (response.data.is_empty(), protected_sw) {
        (false, true) => Ok(Answer::Protected),
        (true, false) => Ok(Answer::Plain(response.sw)),
        // 9000 without a MAC, or data with an error status: neither form.
        (true, true) => Err(SmError::MissingObject(DO_MAC)),
        (false, false) => Err(SmError::OuterStatus(response.sw.0)),
    }
}

/// Protects `command` under `keys` with `ssc` (already stepped for this command).
/// The result is marked secret: traces never show an SM payload.
pub fn wrap(keys: &SessionKeys, ssc: &Ssc, command: &Command) -> Result<Command, SmError> {
    let cla = command.cla | CLA_SM;
    let mut body = Zeroizing::new(Vec::with_capacity(command.data.len() + 32));
    if !command.data.is_empty() {
        let cryptogram = cipher::encrypt(&keys.enc, &pad(&command.data))?;
        if command.ins & 1 == 0 {
            body.push(DO_CRYPTOGRAM_PI);
            tlv::push_length(&mut body, cryptogram.len() + 1);
            body.push(PADDING_INDICATOR);
        } else {
            body.push(DO_CRYPTOGRAM);
            tlv::push_length(&mut body, cryptogram.len());
        }
        body.extend_from_slice(&cryptogram);
    }
    if let Some(le) = command.le {
        if le == 0 || le > 256 {
            return Err(SmError::TooLong);
        }
        // Ne 256 is the short Le `00`.
        body.extend_from_slice(&[DO_LE, 0x01, (le % 256) as u8]);
    }
    let mut mac_input = Zeroizing::new(Vec::with_capacity(16 + body.len()));
    mac_input.extend_from_slice(&ssc.0);
    mac_input.extend_from_slice(&[cla, command.ins, command.p1, command.p2]);
    let header = pad(&mac_input);
    mac_input.clear();
    mac_input.extend_from_slice(&header);
    mac_input.extend_from_slice(&body);
    let mac = mac::retail_mac(&keys.mac, &mac_input);
    body.extend_from_slice(&[DO_MAC, MAC_LEN as u8]);
    body.extend_from_slice(&mac);
    if body.len() > MAX_SHORT_BODY {
        return Err(SmError::TooLong);
    }
    let mut wrapped = Command::new(cla, command.ins, command.p1, command.p2)
        .with_secret_data(body)
        .with_le(256);
    wrapped.secret = true;
    Ok(wrapped)
}

/// Checks and decrypts a protected response (`classify` said `Protected`) with `ssc`
/// (already stepped for this response). Returns the plain data and the status of DO 99.
pub fn unwrap(keys: &SessionKeys, ssc: &Ssc, body: &[u8]) -> Result<Response, SmError> {
    let mut rest = body;
    let mut cryptogram: Option<(u8, &[u8])> = None;
    let mut status: Option<StatusWord> = None;
    let mut mac: Option<&[u8]> = None;
    // Bytes covered by the MAC: every object before DO 8E, as sent.
    let mut covered_end = 0;
    while !rest.is_empty() {
        let start = body.len() - rest.len();
        let (object, after) = tlv::parse_one(rest).map_err(|_| SmError::Tlv)?;
        rest = after;
        if mac.is_some() {
            // Nothing may follow the MAC.
            return Err(SmError::UnexpectedObject(object.tag));
        }
        match object.tag {
            t if (t == u32::from(DO_CRYPTOGRAM_PI) || t == u32::from(DO_CRYPTOGRAM))
                && cryptogram.is_none()
                && status.is_none() =>
            {
                cryptogram = Some((t as u8, object.value));
            }
            t if t == u32::from(DO_STATUS) && status.is_none() => {
                let [sw1, sw2] = object.value else {
                    return Err(SmError::UnexpectedObject(t));
                };
                status = Some(StatusWord::from_bytes(*sw1, *sw2));
            }
            t if t == u32::from(DO_MAC) => {
                if object.value.len() != MAC_LEN {
                    return Err(SmError::UnexpectedObject(t));
                }
                covered_end = start;
                mac = Some(object.value);
            }
            t => return Err(SmError::UnexpectedObject(t)),
        }
    }
    let mac = mac.ok_or(SmError::MissingObject(DO_MAC))?;
    let mut mac_input = Vec::with_capacity(8 + covered_end);
    mac_input.extend_from_slice(&ssc.0);
    mac_input.extend_from_slice(&body[..covered_end]);
    if !mac::verify(&keys.mac, &mac_input, mac) {
        return Err(SmError::Mac);
    }
    let sw = status.ok_or(SmError::MissingObject(DO_STATUS))?;
    let data = match cryptogram {
        None => Vec::new(),
        Some((tag, value)) => {
            let ciphertext = if tag == DO_CRYPTOGRAM_PI {
                match value.split_first() {
                    Some((&PADDING_INDICATOR, c)) => c,
                    _ => return Err(SmError::Padding),
                }
            } else {
                value
            };
            let plain = cipher::decrypt(&keys.enc, ciphertext)?;
            cipher::unpad(&plain)?.to_vec()
        }
    };
    Ok(Response { data, sw })
}

/// The plain commands that carry `command` under secure messaging: data cut into pieces
/// of at most 231 bytes, every piece but the last with the chaining bit (CLA b5) set, so
/// the wire CLA becomes `1C` (§5.4). Le stays with the last piece.
pub fn chain(command: &Command) -> Vec<Command> {
    if command.data.len() <= MAX_PLAIN_CHUNK {
        return vec![command.clone()];
    }
    let pieces: Vec<&[u8]> = command.data.chunks(MAX_PLAIN_CHUNK).collect();
    let last = pieces.len() - 1;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let cla = if i < last {
                command.cla | 0x10
            } else {
                command.cla
            };
            let mut c = Command::new(cla, command.ins, command.p1, command.p2)
                .with_secret_data(Zeroizing::new(piece.to_vec()));
            c.secret = command.secret;
            if i == last {
                c.le = command.le;
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests;
