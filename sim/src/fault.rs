//! Faults a virtual card can be told to commit (`cardsim --fault NAME`), so that tests can
//! show what the module does when a real chip misbehaves. Off unless asked for: without
//! `--fault` the cards follow the facts sheets exactly.

/// One deliberate misbehaviour of the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Every signature of the holder's key comes back with one bit flipped (a glitched
    /// RSA computation): right length, wrong value.
    CorruptSignature,
    /// Every signature of the holder's key comes back one byte short (its first byte
    /// dropped, as a driver that strips a leading zero would).
    ShortSignature,
}

/// The names `--fault` accepts, for the usage text and errors.
pub const NAMES: &str = "corrupt-signature, short-signature";

impl Fault {
    pub fn parse(name: &str) -> Result<Fault, String> {
        match name {
            "corrupt-signature" => Ok(Fault::CorruptSignature),
            "short-signature" => Ok(Fault::ShortSignature),
            other => Err(format!("unknown fault {other:?} (known: {NAMES})")),
        }
    }

    /// What a card with this fault answers instead of the correct `signature`.
    pub fn signature(self, mut signature: Vec<u8>) -> Vec<u8> {
        match self {
            Fault::CorruptSignature => {
                if let Some(last) = signature.last_mut() {
                    *last ^= 0x01;
                }
            }
            Fault::ShortSignature => {
                if !signature.is_empty() {
                    signature.remove(0);
                }
            }
        }
        signature
    }
}

/// The holder's signature as a card with `fault` (if any) answers it.
pub fn signature(fault: Option<Fault>, signature: Vec<u8>) -> Vec<u8> {
    match fault {
        Some(f) => f.signature(signature),
        None => signature,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_effects() {
        assert_eq!(
            Fault::parse("corrupt-signature"),
            Ok(Fault::CorruptSignature)
        );
        assert_eq!(Fault::parse("short-signature"), Ok(Fault::ShortSignature));
        assert!(Fault::parse("nonsense").is_err());
        let good = vec![0x10, 0x20, 0x30];
        assert_eq!(signature(None, good.clone()), good);
        assert_eq!(
            signature(Some(Fault::CorruptSignature), good.clone()),
            [0x10, 0x20, 0x31]
        );
        assert_eq!(
            signature(Some(Fault::ShortSignature), good.clone()),
            [0x20, 0x30]
        );
        assert!(Fault::ShortSignature.signature(Vec::new()).is_empty());
    }
}
