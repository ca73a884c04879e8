//! Human-readable APDU trace lines for `--trace`: hex, long data abbreviated, PIN data masked.

/// INS codes whose data field carries PINs/PUKs: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER.
const SECRET_INS: [u8; 3] = [0x20, 0x24, 0x2C];
/// Bytes shown at each end of a long APDU.
const HEAD: usize = 24;
const TAIL: usize = 8;

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn abbreviated(bytes: &[u8]) -> String {
    if bytes.len() <= HEAD + TAIL {
        hex(bytes)
    } else {
        format!(
            "{} .. {} ({} bytes)",
            hex(&bytes[..HEAD]),
            hex(&bytes[bytes.len() - TAIL..]),
            bytes.len()
        )
    }
}

/// A command APDU; for PIN commands only the header and Lc are shown.
pub fn command(apdu: &[u8]) -> String {
    match apdu {
        [_, ins, ..] if SECRET_INS.contains(ins) && apdu.len() > 5 => {
            format!("> {} [{} bytes masked]", hex(&apdu[..5]), apdu.len() - 5)
        }
        _ => format!("> {}", abbreviated(apdu)),
    }
}

pub fn response(resp: &[u8]) -> String {
    format!("< {}", abbreviated(resp))
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_pin() {
        let line = super::command(&[
            0, 0x20, 0, 0x90, 8, b'1', b'2', b'3', b'4', b'5', 0xFF, 0xFF, 0xFF,
        ]);
        assert_eq!(line, "> 00 20 00 90 08 [8 bytes masked]");
        assert!(super::command(&[0u8; 300]).ends_with("(300 bytes)"));
    }
}
