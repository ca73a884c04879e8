//! Virtual TS-CNS / CNS card (docs/cards/cns.md): files per §2 (layout per variant), PIN/PUK per
//! §4, raw RSA through PSO DECIPHER per §5.1, and the variant quirks of §6 from the `variant` table.

mod application;
mod certificate;
mod chaining;
mod crypto_cmds;
mod fci;
mod files;
mod fs;
mod key;
mod layout;
mod pin;
mod pin_cmds;
mod pin_state;
pub mod variant;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod variant_tests;

use crate::apdu;
use crate::card::{CardOptions, VirtualCard};
use crate::state::PinState;
use crate::sw::{status, Sw};
use crypto_cmds::SecurityEnv;
use files::Cursor;
use fs::FileSystem;
use key::CardKey;
use pin::PinObject;
use variant::Variant;

const PIN_TRIES: u8 = 3;
/// Not found in the sources (§9 q1); 10 is common for PUKs.
const PUK_TRIES: u8 = 10;

const CLA_ISO: u8 = 0x00;
const CLA_CHAINING: u8 = 0x10;

mod ins {
    pub const VERIFY: u8 = 0x20;
    pub const MSE: u8 = 0x22;
    pub const CHANGE_REFERENCE_DATA: u8 = 0x24;
    pub const PSO: u8 = 0x2A;
    pub const RESET_RETRY_COUNTER: u8 = 0x2C;
    pub const GET_CHALLENGE: u8 = 0x84;
    pub const SELECT: u8 = 0xA4;
    pub const READ_BINARY: u8 = 0xB0;
    pub const GET_DATA: u8 = 0xCA;
}

/// Everything a reset forgets.
#[derive(Default)]
pub(crate) struct VolatileState {
    pub application: application::Current,
    pub chain: chaining::Chain,
    pub cursor: Cursor,
    pub pin_verified: bool,
    pub puk_verified: bool,
    pub env: SecurityEnv,
}

pub struct CnsCard {
    pub(crate) variant: &'static Variant,
    pub(crate) fs: FileSystem,
    pub(crate) key: CardKey,
    pub(crate) pin: PinObject,
    pub(crate) puk: PinObject,
    pub(crate) state: VolatileState,
    pub(crate) fault: Option<crate::fault::Fault>,
}

impl CnsCard {
    pub fn new(variant: &'static Variant, opts: &CardOptions) -> Result<Self, String> {
        let variant = match (&opts.certificate, opts.expired_certificate) {
            (Some(der), _) => certificate::with_certificate(variant, der.clone()),
            (None, true) => certificate::with_expired_certificate(variant)?,
            (None, false) => variant,
        };
        let key = CardKey::from_pkcs8_der(variant.key_pkcs8_der)?;
        let fs = layout::build(variant, key.public_pkcs1_der()?);
        let pin = pin::pad(opts.pin.as_bytes()).ok_or("PIN must be 5 to 8 digits")?;
        let puk = pin::pad(opts.puk.as_bytes()).ok_or("PUK must be 5 to 8 digits")?;
        Ok(CnsCard {
            variant,
            fs,
            key,
            pin: PinObject::new(pin, PIN_TRIES),
            puk: PinObject::new(puk, PUK_TRIES),
            state: VolatileState::default(),
            fault: opts.fault,
        })
    }

    fn dispatch(&mut self, raw: &[u8]) -> Vec<u8> {
        let [cla, ins, ..] = raw else {
            return status(Sw::WRONG_LENGTH);
        };
        // CLA first, as the chips do: chaining only where the variant accepts it (the ST 2021
        // refuses it, OpenSC #2370); no proprietary, secure-messaging or logical-channel class.
        let chained = *cla == CLA_ISO | CLA_CHAINING;
        if chained && self.variant.refuses_chaining {
            return status(Sw::CLA_NOT_SUPPORTED);
        }
        if *cla != CLA_ISO && !chained {
            return status(Sw::CLA_NOT_SUPPORTED);
        }
        let known = matches!(
            *ins,
            ins::VERIFY
                | ins::MSE
                | ins::CHANGE_REFERENCE_DATA
                | ins::PSO
                | ins::RESET_RETRY_COUNTER
                | ins::GET_CHALLENGE
                | ins::SELECT
                | ins::READ_BINARY
                | ins::GET_DATA
        );
        if !known {
            return status(Sw::INS_NOT_SUPPORTED);
        }
        let cmd = match apdu::parse(raw) {
            Ok(c) => c,
            Err(sw) => return status(sw),
        };
        if cmd.extended && !self.variant.extended_apdus {
            return status(Sw::WRONG_LENGTH);
        }
        if self.variant.refuses_chaining {
            return self.execute(&cmd);
        }
        match self.state.chain.feed(&cmd, chained) {
            chaining::Step::Stored => status(Sw::OK),
            chaining::Step::TooLong => status(Sw::WRONG_LENGTH),
            chaining::Step::Execute(data, le) => self.execute(&apdu::Command {
                data: &data,
                le,
                ..cmd
            }),
        }
    }

    /// One whole command (after chaining).
    fn execute(&mut self, cmd: &apdu::Command) -> Vec<u8> {
        if cmd.ins == ins::SELECT && cmd.p1 == 0x04 {
            return application::select(
                self.variant,
                &mut self.state.application,
                &mut self.state.cursor,
                cmd,
            );
        }
        if !application::cns_reachable(self.variant, self.state.application) {
            return outside_cns_application(cmd, self.variant.max_challenge);
        }
        match cmd.ins {
            ins::SELECT => files::select(&self.fs, &mut self.state.cursor, cmd, self.variant),
            ins::READ_BINARY => files::read_binary(&self.fs, &self.state.cursor, cmd),
            ins::VERIFY => pin_cmds::verify(self, cmd),
            ins::CHANGE_REFERENCE_DATA => pin_cmds::change_reference_data(self, cmd),
            ins::RESET_RETRY_COUNTER => pin_cmds::reset_retry_counter(self, cmd),
            ins::MSE => crypto_cmds::manage_security_env(self, cmd),
            ins::PSO => crypto_cmds::perform_security_operation(self, cmd),
            ins::GET_CHALLENGE => crypto_cmds::get_challenge(cmd, self.variant.max_challenge),
            // No data objects: OpenSC's other drivers probe GET DATA (CPLC, serials); they must fail.
            ins::GET_DATA => status(Sw::REF_NOT_FOUND),
            _ => status(Sw::INS_NOT_SUPPORTED),
        }
    }
}

/// Answers while no application holding the CNS is selected (ACe 2025 after reset or with "ESIGN"
/// selected; chosen, §9 q7): no files (6A82 / 6986), no PIN objects or keys (6A88), no security
/// environment (6985). GET CHALLENGE works: the chip's generator does not belong to an application.
fn outside_cns_application(cmd: &apdu::Command, max_challenge: usize) -> Vec<u8> {
    match cmd.ins {
        ins::SELECT => status(Sw::FILE_NOT_FOUND),
        ins::READ_BINARY => status(Sw::NO_CURRENT_EF),
        ins::PSO => status(Sw::CONDITIONS_NOT_SATISFIED),
        ins::GET_CHALLENGE => crypto_cmds::get_challenge(cmd, max_challenge),
        _ => status(Sw::REF_NOT_FOUND),
    }
}

impl VirtualCard for CnsCard {
    fn atr(&self) -> Vec<u8> {
        self.variant.atr.to_vec()
    }

    fn reset(&mut self) {
        self.state = VolatileState::default();
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.dispatch(apdu)
    }

    fn counters(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("pin_tries", self.pin.tries_left().into()),
            ("puk_tries", self.puk.tries_left().into()),
            // Whether the chip holds a verified PIN now (a logout that must end it, §4).
            ("pin_verified", self.state.pin_verified.into()),
        ]
    }

    fn pin_state(&self) -> Option<PinState> {
        Some(pin_state::save(&self.pin, &self.puk))
    }

    fn restore_pin_state(&mut self, state: &PinState) -> Result<(), String> {
        pin_state::restore(&mut self.pin, &mut self.puk, state)
    }
}
