//! Virtual CIE 3.0 (docs/cards/cie.md): the IAS-ECC application with the file system of §2, the
//! DH key agreement and mutual authentication of §4, 3DES secure messaging of §5 with the wire
//! details of §12, PIN/PUK of §6 and on-chip PKCS#1 v1.5 signing of §7.
//!
//! This file is the transport layer of the chip: APDU decoding, secure-messaging unwrap/wrap,
//! command chaining and `61xx`/GET RESPONSE. The commands themselves are in `commands.rs`.

mod commands;
mod dh;
mod files;
pub mod get_data;
mod keys;
mod mutual_auth;
mod pin;
mod secure_messaging;
mod sm_crypto;
pub mod terminal_keys;
mod tlv;
pub mod variants;

use crate::apdu;
use crate::card::{CardOptions, VirtualCard};
use crate::state::PinState;
use crate::sw::{respond, status, Sw};
use dh::{DhGroup, KeyAgreement};
use files::{Cursor, Df, Ef, FileSystem, ReadRule};
use keys::{CaPublicKey, ChipKey};
use mutual_auth::TerminalKey;
use pin::PinObject;
use secure_messaging::{SmSession, SM_DO_INCORRECT};
use variants::Variant;

const FIXTURES_NIS: &[u8] = include_bytes!("../../fixtures/cie/ef1001.bin");

/// CHR the chip reports for its CA key (5F20, 12 bytes; CAR := CHR[4..], §4.1). The real value is
/// not in the sources: ours is `00000000` ‖ "ITCIECA1" (test only).
pub const CA_CHR: [u8; 12] = [0, 0, 0, 0, 0x49, 0x54, 0x43, 0x49, 0x45, 0x43, 0x41, 0x31];
/// CHA of the CA key (5F4C, 7 bytes; CA_AID := CHA[0..6]): the CIE AID plus a role byte (assumed).
pub const CA_CHA: [u8; 7] = [0xA0, 0x00, 0x00, 0x00, 0x00, 0x39, 0xFF];

/// A chained command longer than this is refused (the longest real one is 354 bytes, C9).
const MAX_CHAIN: usize = 4096;
/// Short APDUs only (cie.md §8): responses longer than this go through `61xx`.
const MAX_RESPONSE_CHUNK: usize = 256;

const CLA_CHAINING: u8 = 0x10;
const CLA_SM: u8 = 0x0C;
const INS_GET_RESPONSE: u8 = 0xC0;

/// What never changes on the chip.
pub(crate) struct Chip {
    holder: ChipKey,
    dapp: ChipKey,
    servizi: ChipKey,
    ca: CaPublicKey,
    group: DhGroup,
    sn_icc: [u8; 8],
}

/// One secure-messaging session and how far the mutual authentication got in it. Dropping it
/// forgets every security state reached under it (verified PIN/PUK included).
pub(crate) struct Session {
    sm: SmSession,
    y_ifd: Vec<u8>,
    y_icc: Vec<u8>,
    /// MSE SET 81 B6 selected the CA key for PSO VERIFY CERTIFICATE.
    dst_ca: bool,
    terminal: Option<TerminalKey>,
    /// MSE SET 81 A4 named the verified terminal certificate for EXTERNAL AUTHENTICATE.
    external_auth_key: bool,
    /// The RND.ICC the terminal authenticated with (kept for the SSC switch of C8).
    rnd_icc: Option<[u8; 8]>,
    terminal_authenticated: bool,
    chip_authenticated: bool,
    /// SSC to take after the current response has been protected (C8).
    next_ssc: Option<[u8; 8]>,
    pin_verified: bool,
    puk_verified: bool,
}

/// MSE SET 41 A4 (internal authentication / signing template): algorithm and key reference.
#[derive(Default, Clone, Copy)]
pub(crate) struct SecurityEnv {
    auth: Option<(u8, u8)>,
}

/// Outcome of one piece of a chain.
enum Chained {
    /// The whole command data: execute it.
    Complete(Vec<u8>),
    /// Answer this status now (piece acknowledged, or chain error).
    Answer(Sw),
}

struct Chain {
    ins: u8,
    p1: u8,
    p2: u8,
    via_sm: bool,
    data: Vec<u8>,
}

/// Everything a reset forgets.
#[derive(Default)]
pub(crate) struct Volatile {
    cursor: Cursor,
    se: SecurityEnv,
    agreement: Option<KeyAgreement>,
    session: Option<Session>,
    rnd_icc: Option<[u8; 8]>,
    chain: Option<Chain>,
    pending: Vec<u8>,
    pending_sw: Option<Sw>,
}

pub struct CieCard {
    variant: &'static Variant,
    fs: FileSystem,
    chip: Chip,
    pin: PinObject,
    puk: PinObject,
    state: Volatile,
    fault: Option<crate::fault::Fault>,
}

/// A command after SM unwrapping and chaining.
pub(crate) struct Command {
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
    le: Option<usize>,
    via_sm: bool,
}

fn file_system() -> FileSystem {
    let ef = |df, fid, content: &[u8], rule| Ef {
        df,
        fid,
        content: content.to_vec(),
        rule,
    };
    use ReadRule::{Plain, SecureAfterPin};
    FileSystem {
        efs: vec![
            ef(
                Df::Root,
                0xD003,
                include_bytes!("../../fixtures/cie/efd003.bin"),
                Plain,
            ),
            ef(
                Df::Root,
                0xD004,
                include_bytes!("../../fixtures/cie/efd004.bin"),
                Plain,
            ),
            ef(Df::Cie, 0x1001, FIXTURES_NIS, Plain),
            ef(
                Df::Cie,
                0x1002,
                include_bytes!("../../fixtures/cie/ef1002.bin"),
                SecureAfterPin,
            ),
            ef(
                Df::Cie,
                0x1003,
                include_bytes!("../../fixtures/cie/ef1003.bin"),
                SecureAfterPin,
            ),
            ef(
                Df::Cie,
                0x1004,
                include_bytes!("../../fixtures/cie/ef1004.bin"),
                Plain,
            ),
            ef(
                Df::Cie,
                0x1005,
                include_bytes!("../../fixtures/cie/ef1005.bin"),
                Plain,
            ),
            ef(
                Df::Cie,
                0x1006,
                include_bytes!("../../fixtures/cie/ef1006.bin"),
                Plain,
            ),
        ],
    }
}

/// The chip serial used in the give-random answer: `00 00` ‖ the NIS digits as BCD (invented; the
/// sources only say SN.ICC is 8 bytes).
fn sn_icc(nis: &[u8]) -> [u8; 8] {
    let mut sn = [0u8; 8];
    for (i, pair) in nis.chunks(2).take(6).enumerate() {
        let d = |c: u8| c.wrapping_sub(b'0') & 0x0F;
        sn[2 + i] = (d(pair[0]) << 4) | pair.get(1).map_or(0, |&c| d(c));
    }
    sn
}

impl CieCard {
    pub fn new(variant: &'static Variant, opts: &CardOptions) -> Result<Self, String> {
        // The CIE's PIN and PUK are exactly 8 digits (§6).
        let pin = pin::parse(opts.pin.as_bytes()).ok_or("CIE PIN must be exactly 8 digits")?;
        let puk = pin::parse(opts.puk.as_bytes()).ok_or("CIE PUK must be exactly 8 digits")?;
        let chip = Chip {
            holder: ChipKey::from_pkcs8_der(include_bytes!("../../fixtures/cie/holder.key.der"))?,
            dapp: ChipKey::from_pkcs8_der(include_bytes!("../../fixtures/cie/dapp.key.der"))?,
            servizi: ChipKey::from_pkcs8_der(include_bytes!("../../fixtures/cie/servizi.key.der"))?,
            ca: CaPublicKey::new(
                include_bytes!("../../fixtures/cie/ca_modulus.bin"),
                include_bytes!("../../fixtures/cie/ca_public_exponent.bin"),
            ),
            group: DhGroup::from_ef_dh(include_bytes!("../../fixtures/cie/efd004.bin"))?,
            sn_icc: sn_icc(FIXTURES_NIS),
        };
        Ok(CieCard {
            variant,
            fs: file_system(),
            chip,
            pin: PinObject::new(pin, pin::PIN_TRIES),
            puk: PinObject::new(puk, pin::PUK_TRIES),
            state: Volatile::default(),
            fault: opts.fault,
        })
    }

    pub fn variant(&self) -> &'static Variant {
        self.variant
    }

    /// Retry counters, for the `--stats` file (the tests assert them).
    pub fn tries_left(&self) -> (u8, u8) {
        (self.pin.tries_left(), self.puk.tries_left())
    }

    /// End secure messaging: keys, SSC and every state reached under them are gone.
    fn end_session(&mut self) {
        self.state.session = None;
        self.state.agreement = None;
        self.state.rnd_icc = None;
    }

    fn handle(&mut self, raw: &[u8]) -> Vec<u8> {
        let cmd = match apdu::parse(raw) {
            Ok(c) => c,
            Err(sw) => {
                self.state.pending.clear();
                return status(sw);
            }
        };
        // GET RESPONSE travels unprotected even inside SM; LNX sends it with CLA 0C (§5.3).
        if cmd.ins == INS_GET_RESPONSE && cmd.data.is_empty() && cmd.cla & !CLA_SM == 0 {
            return self.get_response(cmd.p1p2(), cmd.le);
        }
        self.state.pending.clear();
        self.state.pending_sw = None;
        if cmd.extended {
            // Short APDUs only for the IAS application (§8, §12 Q9).
            return status(Sw::WRONG_LENGTH);
        }
        if cmd.cla & !(CLA_CHAINING | CLA_SM) != 0 {
            return status(Sw::CLA_NOT_SUPPORTED);
        }
        let chained = cmd.cla & CLA_CHAINING != 0;
        let (data, le, via_sm) = match cmd.cla & CLA_SM {
            CLA_SM => {
                let Some(session) = self.state.session.as_mut() else {
                    return status(SM_DO_INCORRECT);
                };
                let header = [cmd.cla, cmd.ins, cmd.p1, cmd.p2];
                match session.sm.unwrap_command(header, cmd.data) {
                    Ok(u) => (u.data, u.le, true),
                    Err(sw) => {
                        // Any SM error ends the session (ICAO 9303-11 "Secure Messaging
                        // termination"; assumed for the IAS applet): the host restarts with DH,
                        // which the official host does anyway after an error (§12 Q6).
                        self.end_session();
                        self.state.chain = None;
                        return status(sw);
                    }
                }
            }
            0 => {
                // A plain command (GET RESPONSE aside) ends a running SM session, as an
                // unprotected APDU does on ICAO chips (9303-11 "Secure Messaging termination");
                // the official host never mixes them inside a session (it reads via SM when SM
                // is active, LNX IAS::readfile).
                if self.state.session.is_some() {
                    self.end_session();
                }
                (cmd.data.to_vec(), cmd.le, false)
            }
            _ => return status(Sw(0x6882)), // only the 0C SM indication is supported
        };
        let data = match self.collect_chain(chained, (cmd.ins, cmd.p1, cmd.p2, via_sm), data) {
            Chained::Complete(data) => data,
            Chained::Answer(sw) => return self.finish(via_sm, Vec::new(), sw),
        };
        let command = Command {
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            le,
            via_sm,
        };
        let (resp, sw) = self.execute(&command);
        self.finish(via_sm, resp, sw)
    }

    /// Command chaining (CLA bit 10, §5.4): plain (the 266-byte MSE of C4) or under SM (each
    /// piece its own protected command, C9). Pieces are acknowledged with 9000; a different command
    /// in the middle of a chain gets 6883 ("last command of the chain expected") and drops it.
    fn collect_chain(
        &mut self,
        chained: bool,
        header: (u8, u8, u8, bool),
        data: Vec<u8>,
    ) -> Chained {
        let (ins, p1, p2, via_sm) = header;
        match self.state.chain.take() {
            Some(chain) if (chain.ins, chain.p1, chain.p2, chain.via_sm) != header => {
                Chained::Answer(Sw(0x6883))
            }
            Some(mut chain) => {
                chain.data.extend(data);
                if chain.data.len() > MAX_CHAIN {
                    return Chained::Answer(Sw::WRONG_LENGTH);
                }
                if chained {
                    self.state.chain = Some(chain);
                    return Chained::Answer(Sw::OK);
                }
                Chained::Complete(chain.data)
            }
            None if chained => {
                self.state.chain = Some(Chain {
                    ins,
                    p1,
                    p2,
                    via_sm,
                    data,
                });
                Chained::Answer(Sw::OK)
            }
            None => Chained::Complete(data),
        }
    }

    /// Protect the answer of an SM command (only 9000 / 6282 / 6B00, which travel in DO 99 under an
    /// outer 9000: §5.3, C7); any other status goes back unwrapped without an SSC step (C11).
    fn finish(&mut self, via_sm: bool, data: Vec<u8>, sw: Sw) -> Vec<u8> {
        if !via_sm {
            return self.send(data, sw);
        }
        match self.state.session.as_mut() {
            Some(s) if matches!(sw.0, 0x9000 | 0x6282 | 0x6B00) => {
                let body = s.sm.wrap_response(&data, sw);
                if let Some(ssc) = s.next_ssc.take() {
                    s.sm.set_ssc(ssc);
                }
                self.send(body, Sw::OK)
            }
            _ => status(sw),
        }
    }

    /// Up to 256 bytes now; the rest through `61xx` + GET RESPONSE (C1, C3).
    fn send(&mut self, body: Vec<u8>, sw: Sw) -> Vec<u8> {
        if body.len() <= MAX_RESPONSE_CHUNK {
            return respond(&body, sw);
        }
        let rest = body[MAX_RESPONSE_CHUNK..].to_vec();
        let announce = Sw(0x6100 | (rest.len().min(MAX_RESPONSE_CHUNK) & 0xFF) as u16);
        self.state.pending = rest;
        self.state.pending_sw = Some(sw);
        respond(&body[..MAX_RESPONSE_CHUNK], announce)
    }

    fn get_response(&mut self, p1p2: u16, le: Option<usize>) -> Vec<u8> {
        if p1p2 != 0 {
            return status(Sw::WRONG_P1P2);
        }
        let Some(final_sw) = self.state.pending_sw else {
            return status(Sw::CONDITIONS_NOT_SATISFIED);
        };
        let Some(le) = le else {
            return status(Sw::WRONG_LENGTH);
        };
        let n = le.min(self.state.pending.len());
        let chunk: Vec<u8> = self.state.pending.drain(..n).collect();
        if self.state.pending.is_empty() {
            self.state.pending_sw = None;
            respond(&chunk, final_sw)
        } else {
            let left = self.state.pending.len().min(MAX_RESPONSE_CHUNK) & 0xFF;
            respond(&chunk, Sw(0x6100 | left as u16))
        }
    }
}

impl VirtualCard for CieCard {
    fn atr(&self) -> Vec<u8> {
        self.variant.atr.to_vec()
    }

    /// Power off / reset: SM session, verified PIN/PUK, security environment and current file go.
    fn reset(&mut self) {
        self.state = Volatile::default();
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.handle(apdu)
    }

    /// Retry counters for the `--stats` line (`pin_tries=N puk_tries=M`).
    fn counters(&self) -> Vec<(&'static str, u64)> {
        let (pin, puk) = self.tries_left();
        vec![("pin_tries", pin.into()), ("puk_tries", puk.into())]
    }

    /// `--state`: PIN and PUK values and counters (minimal hook, crate::state).
    fn pin_state(&self) -> Option<PinState> {
        let ((pin, pin_tries), (puk, puk_tries)) = (self.pin.snapshot(), self.puk.snapshot());
        Some(PinState {
            pin,
            pin_tries,
            puk,
            puk_tries,
        })
    }

    fn restore_pin_state(&mut self, state: &PinState) -> Result<(), String> {
        self.pin
            .restore(&state.pin, state.pin_tries)
            .ok_or("state file: CIE PIN must be 8 digits with at most 3 tries")?;
        self.puk
            .restore(&state.puk, state.puk_tries)
            .ok_or("state file: CIE PUK must be 8 digits with at most 10 tries")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
