//! MANAGE SECURITY ENVIRONMENT, PERFORM SECURITY OPERATION and GET CHALLENGE
//! (docs/cards/cns.md §5.1: OpenSC signs with `00 22 F3 03 00`, `00 22 F1 B8 03 83 01 <key>`,
//! `00 2A 80 86 00 ‖ block` — a raw RSA private-key operation). The key reference, the key object
//! that must be current before MSE and the GET CHALLENGE limit come from the variant table.

use super::CnsCard;
use crate::apdu::Command;
use crate::sw::{respond, status, Sw};
use rsa::rand_core::{OsRng, RngCore};

/// The security environment OpenSC restores (§5.1).
const SE_NUMBER: u8 = 0x03;

/// A key named by MSE SET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyBinding {
    pub reference: u8,
    /// The variant's key object was the current file at MSE time (§2.1 "key path selected before
    /// MSE"); if not, the card resolves nothing and PSO answers 6984 (§6.4).
    pub usable: bool,
}

/// Key references set by MSE SET; cleared by MSE RESTORE and by reset.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct SecurityEnv {
    /// Confidentiality template (P2=B8): key for PSO DECIPHER.
    pub decipher_key: Option<KeyBinding>,
    /// Digital signature template (P2=B6): key for PSO COMPUTE DIGITAL SIGNATURE.
    pub signature_key: Option<KeyBinding>,
}

/// Key reference from the MSE SET data: exactly one `83 01 kk` (or `84 01 kk`).
fn key_reference(data: &[u8]) -> Result<u8, Sw> {
    match data {
        [0x83 | 0x84, 0x01, k] => Ok(*k),
        _ => Err(Sw::WRONG_DATA),
    }
}

/// `00 22 P1 P2`.
pub fn manage_security_env(card: &mut CnsCard, cmd: &Command) -> Vec<u8> {
    match cmd.p1 {
        // RESTORE SE 03. OpenSC sends it as a case-2 APDU with Le=00 (the card "wants a trailing
        // zero", §5.1); the plain case-1 form is accepted too.
        0xF3 => {
            if !cmd.data.is_empty() {
                return status(Sw::WRONG_LENGTH);
            }
            if cmd.p2 != SE_NUMBER {
                return status(Sw::REF_NOT_FOUND);
            }
            card.state.env = SecurityEnv::default();
            status(Sw::OK)
        }
        // SET.
        0xF1 | 0x41 => {
            let reference = match key_reference(cmd.data) {
                Ok(k) => k,
                Err(sw) => return status(sw),
            };
            if reference != card.variant.key_ref {
                return status(Sw::REF_NOT_FOUND);
            }
            let usable = card
                .variant
                .key_path
                .is_none_or(|path| card.state.cursor.path == path);
            let binding = Some(KeyBinding { reference, usable });
            match cmd.p2 {
                0xB8 => card.state.env.decipher_key = binding,
                0xB6 => card.state.env.signature_key = binding,
                _ => return status(Sw::WRONG_P1P2),
            }
            status(Sw::OK)
        }
        _ => status(Sw::WRONG_P1P2),
    }
}

/// `00 2A P1 P2`: only DECIPHER (80 86) is offered; it is the raw RSA OpenSC signs with.
pub fn perform_security_operation(card: &mut CnsCard, cmd: &Command) -> Vec<u8> {
    match cmd.p1p2() {
        0x8086 => decipher(card, cmd),
        // COMPUTE DIGITAL SIGNATURE: never used with CNS (§5.2), not simulated.
        0x9E9A => status(Sw::FUNC_NOT_SUPPORTED),
        _ => status(Sw::WRONG_P1P2),
    }
}

fn decipher(card: &mut CnsCard, cmd: &Command) -> Vec<u8> {
    if !card.state.pin_verified {
        return status(Sw::SECURITY_NOT_SATISFIED);
    }
    let Some(binding) = card.state.env.decipher_key else {
        return status(Sw::CONDITIONS_NOT_SATISFIED);
    };
    if !binding.usable {
        return status(Sw::REF_DATA_NOT_USABLE);
    }
    let k = card.key.size();
    // Padding indicator 00 then exactly one modulus-sized block.
    let Some((indicator, block)) = cmd.data.split_first() else {
        return status(Sw::WRONG_LENGTH);
    };
    if block.len() != k {
        return status(Sw::WRONG_LENGTH);
    }
    if *indicator != 0x00 {
        return status(Sw::WRONG_DATA);
    }
    if cmd.le.is_some_and(|le| le < k) {
        return status(Sw::WRONG_LENGTH);
    }
    match card.key.raw_private(block) {
        Some(out) => respond(&crate::fault::signature(card.fault, out), Sw::OK),
        None => status(Sw::WRONG_DATA),
    }
}

/// `00 84 00 00 Le`: Le random bytes, at most `max` (IDEMIA 2021: 32, §3; more → 6700).
pub fn get_challenge(cmd: &Command, max: usize) -> Vec<u8> {
    if cmd.p1p2() != 0 {
        return status(Sw::WRONG_P1P2);
    }
    if !cmd.data.is_empty() {
        return status(Sw::WRONG_LENGTH);
    }
    let Some(le) = cmd.le.filter(|le| *le <= max) else {
        return status(Sw::WRONG_LENGTH);
    };
    let mut out = vec![0u8; le];
    OsRng.fill_bytes(&mut out);
    respond(&out, Sw::OK)
}
