//! Commands sent without secure messaging, and plain status handling (cie.md §4.1–4.3,
//! §5.4: data over 255 bytes is chained in pieces of 255 with CLA `10`).

use crate::card::CardChannel;
use crate::card::CardError;
use crate::iso7816::{Command, Response, StatusWord};

const MAX_SHORT_DATA: usize = 255;

/// Sends `command`, chaining its data in 255-byte pieces when it does not fit (C4: the
/// 266-byte MSE SET of the key agreement goes 255 + 11). Every piece but the last must
/// answer 9000.
pub fn send(channel: &mut CardChannel<'_>, command: &Command) -> Result<Response, CardError> {
    if command.data.len() <= MAX_SHORT_DATA {
        return channel.execute(command);
    }
    let pieces: Vec<&[u8]> = command.data.chunks(MAX_SHORT_DATA).collect();
    let last = pieces.len() - 1;
    for (i, piece) in pieces.into_iter().enumerate() {
        let cla = if i < last {
            command.cla | 0x10
        } else {
            command.cla
        };
        let mut c =
            Command::new(cla, command.ins, command.p1, command.p2).with_data(piece.to_vec());
        if i == last {
            c.le = command.le;
            return channel.execute(&c);
        }
        let response = channel.execute(&c)?;
        if response.sw != StatusWord::SUCCESS {
            return Ok(response);
        }
    }
    Err(CardError::DataLength)
}

/// `Ok(data)` on 9000, else the status as an error for instruction `ins`.
pub fn expect_success(ins: u8, response: Response) -> Result<Vec<u8>, CardError> {
    if response.sw.is_success() {
        Ok(response.data)
    } else {
        Err(CardError::UnexpectedStatus {
            ins,
            sw: response.sw.0,
        })
    }
}
