//! The commands of the CIE's IAS application, after secure-messaging unwrapping and chaining
//! (cie.md §1.2, §2, §3, §4, §6, §7). Each returns the plain answer and status; `mod.rs` protects it.

use super::files::Access;
use super::get_data::{self, Query};
use super::mutual_auth::{self, Transcript};
use super::{dh::KeyAgreement, pin, tlv, CieCard, Command, Session, CA_CHA, CA_CHR};
use crate::sw::Sw;
use rsa::rand_core::{OsRng, RngCore};

type Answer = (Vec<u8>, Sw);

const NONE: Vec<u8> = Vec::new();

/// Algorithm `02`: PKCS#1 v1.5 type 1 added by the chip (§7); `9B`: DH / DAPP with SHA-256 (§4.3).
const ALGO_PKCS1: u8 = 0x02;
const ALGO_DAPP: u8 = 0x9B;
const KEY_HOLDER: u8 = 0x81;
const KEY_DAPP: u8 = 0x82;
const KEY_SERVIZI: u8 = 0x83;
const KEY_CA: u8 = 0x84;
const PIN_REF: u8 = 0x81;
const PUK_REF: u8 = 0x82;

fn err(sw: Sw) -> Answer {
    (NONE, sw)
}

fn ok(data: Vec<u8>) -> Answer {
    (data, Sw::OK)
}

/// The DOs of an MSE SET data field, each expected at most once: (tag, value) pairs.
fn dos(data: &[u8]) -> Option<Vec<(u16, &[u8])>> {
    Some(
        tlv::read_all(data)?
            .into_iter()
            .map(|t| (t.tag, t.value))
            .collect(),
    )
}

impl CieCard {
    pub(super) fn execute(&mut self, cmd: &Command) -> Answer {
        match cmd.ins {
            0xA4 => self.select(cmd),
            0xB0 => self.read_binary(cmd),
            0xCB => self.get_data(cmd),
            0x22 => self.manage_security_environment(cmd),
            0x2A => self.verify_certificate(cmd),
            0x84 => self.get_challenge(cmd),
            0x82 => self.external_authenticate(cmd),
            0x88 => self.internal_authenticate(cmd),
            0x20 => self.verify(cmd),
            0x24 => self.change_reference_data(cmd),
            0x2C => self.reset_retry_counter(cmd),
            _ => err(Sw::INS_NOT_SUPPORTED),
        }
    }

    /// The session when the command came through SM and the mutual authentication is complete.
    fn authenticated(&mut self, cmd: &Command) -> Option<&mut Session> {
        authenticated(&mut self.state.session, cmd)
    }

    fn select(&mut self, cmd: &Command) -> Answer {
        let selectable = self.variant.ias_aid_selectable;
        match self.fs.select(
            &mut self.state.cursor,
            cmd.p1,
            cmd.p2,
            &cmd.data,
            selectable,
        ) {
            Ok(fcp) => ok(fcp),
            Err(sw) => err(sw),
        }
    }

    /// 1002 / 1003 only under SM after mutual authentication and VERIFY PIN (§2; plain → 6982).
    fn read_binary(&mut self, cmd: &Command) -> Answer {
        let secure_after_pin = self.authenticated(cmd).is_some_and(|s| s.pin_verified);
        let access = Access { secure_after_pin };
        match self
            .fs
            .read_binary(&mut self.state.cursor, cmd.p1, cmd.p2, cmd.le, access)
        {
            Ok((data, sw)) => (data, sw),
            Err(sw) => err(sw),
        }
    }

    fn get_data(&mut self, cmd: &Command) -> Answer {
        if (cmd.p1, cmd.p2) != (0x3F, 0xFF) {
            return err(Sw::WRONG_P1P2);
        }
        let group = &self.chip.group;
        match get_data::parse(&cmd.data) {
            Some(Query::CaPublicKey) => ok(get_data::ca_public_key(
                &self.chip.ca.n_bytes,
                &self.chip.ca.e_bytes,
                &CA_CHR,
                &CA_CHA,
            )),
            Some(Query::DhParam(tag)) => ok(get_data::dh_param(tag, group)),
            Some(Query::DhAll) if self.variant.single_get_data_dh => ok(get_data::dh_all(group)),
            Some(Query::IccPublicKey) => self.finish_key_agreement(cmd),
            Some(Query::DhAll) | None => err(Sw::REF_NOT_FOUND),
        }
    }

    /// GET DATA `A6 02 91 00` after MSE SET 41 A6 (§4.3 steps 3–6, C4): answer Y_icc in plain and
    /// switch secure messaging on with SSC = 1.
    fn finish_key_agreement(&mut self, cmd: &Command) -> Answer {
        if cmd.via_sm {
            return err(Sw::CONDITIONS_NOT_SATISFIED);
        }
        let Some(agreement) = self.state.agreement.take() else {
            return err(Sw::CONDITIONS_NOT_SATISFIED);
        };
        let Some((k_enc, k_mac)) = agreement.session_keys(&self.chip.group) else {
            return err(Sw(0x6F00));
        };
        let answer = get_data::icc_public_key(&agreement.y_icc);
        self.state.session = Some(Session {
            sm: super::SmSession::new(k_enc, k_mac),
            y_ifd: agreement.y_ifd,
            y_icc: agreement.y_icc,
            dst_ca: false,
            terminal: None,
            external_auth_key: false,
            rnd_icc: None,
            terminal_authenticated: false,
            chip_authenticated: false,
            next_ssc: None,
            pin_verified: false,
            puk_verified: false,
        });
        ok(answer)
    }

    fn manage_security_environment(&mut self, cmd: &Command) -> Answer {
        let Some(dos) = dos(&cmd.data) else {
            return err(Sw::WRONG_DATA);
        };
        let one = |tag: u16| -> Option<u8> {
            match dos.iter().find(|(t, _)| *t == tag) {
                Some((_, [v])) => Some(*v),
                _ => None,
            }
        };
        match (cmd.p1, cmd.p2) {
            // Key agreement template, plain (C4): 80 01 9B | 83 01 81 | 91 Y_ifd.
            (0x41, 0xA6) => {
                if cmd.via_sm {
                    return err(Sw::CONDITIONS_NOT_SATISFIED);
                }
                let y_ifd = dos.iter().find(|(t, _)| *t == 0x91).map(|(_, v)| *v);
                let (Some(ALGO_DAPP), Some(KEY_HOLDER), Some(y_ifd)) =
                    (one(0x80), one(0x83), y_ifd)
                else {
                    return err(Sw::WRONG_DATA);
                };
                // Y_ifd is normally |p| bytes (C4: `91 82 01 00`); a host that drops leading
                // zero bytes is not refused — the hashes of §4.4 use Y_ifd exactly as sent.
                if y_ifd.is_empty() || y_ifd.len() > self.chip.group.p_len() {
                    return err(Sw::WRONG_DATA);
                }
                match KeyAgreement::start(&self.chip.group, y_ifd) {
                    Some(a) => {
                        self.state.agreement = Some(a);
                        ok(NONE)
                    }
                    None => err(Sw::WRONG_DATA),
                }
            }
            // Internal authentication / signing template: 80 algo | 84 key (§3, §4.4 step 7, §7).
            (0x41, 0xA4) => match (one(0x80), one(0x84)) {
                (Some(algo @ ALGO_PKCS1), Some(key @ (KEY_HOLDER | KEY_SERVIZI)))
                | (Some(algo @ ALGO_DAPP), Some(key @ KEY_DAPP)) => {
                    self.state.se.auth = Some((algo, key));
                    ok(NONE)
                }
                _ => err(Sw::WRONG_DATA),
            },
            // Verification template for PSO VERIFY CERTIFICATE: 80 41 | 83 84 (§4.4 step 2).
            (0x81, 0xB6) => {
                let Some(s) = self.state.session.as_mut().filter(|_| cmd.via_sm) else {
                    return err(Sw::SECURITY_NOT_SATISFIED);
                };
                if (one(0x80), one(0x83)) != (Some(0x41), Some(KEY_CA)) {
                    return err(Sw::WRONG_DATA);
                }
                s.dst_ca = true;
                ok(NONE)
            }
            // Authentication template for EXTERNAL AUTHENTICATE: 83 CHR of the verified
            // terminal certificate (§4.4 step 4).
            (0x81, 0xA4) => {
                let Some(s) = self.state.session.as_mut().filter(|_| cmd.via_sm) else {
                    return err(Sw::SECURITY_NOT_SATISFIED);
                };
                let chr = dos.iter().find(|(t, _)| *t == 0x83).map(|(_, v)| *v);
                match (&s.terminal, chr) {
                    (Some(t), Some(chr)) if t.chr == chr => {
                        s.external_auth_key = true;
                        ok(NONE)
                    }
                    _ => err(Sw::REF_NOT_FOUND),
                }
            }
            _ => err(Sw::WRONG_P1P2),
        }
    }

    /// PSO VERIFY CERTIFICATE `2A 00 AE` (§4.4 step 3, C2).
    fn verify_certificate(&mut self, cmd: &Command) -> Answer {
        if (cmd.p1, cmd.p2) != (0x00, 0xAE) {
            return err(Sw::WRONG_P1P2);
        }
        let ca = &self.chip.ca;
        let Some(s) = self.state.session.as_mut().filter(|_| cmd.via_sm) else {
            return err(Sw::SECURITY_NOT_SATISFIED);
        };
        if !s.dst_ca {
            return err(Sw::CONDITIONS_NOT_SATISFIED);
        }
        s.terminal = None;
        s.external_auth_key = false;
        s.terminal_authenticated = false;
        match mutual_auth::verify_certificate(ca, &CA_CHR[4..], &CA_CHA[..6], &cmd.data) {
            Some(key) => {
                s.terminal = Some(key);
                ok(NONE)
            }
            None => err(Sw::WRONG_DATA),
        }
    }

    /// GET CHALLENGE: 8 random bytes, kept for the next EXTERNAL AUTHENTICATE (§4.4 step 5).
    fn get_challenge(&mut self, cmd: &Command) -> Answer {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return err(Sw::WRONG_P1P2);
        }
        if cmd.le != Some(8) || !cmd.data.is_empty() {
            return err(Sw::WRONG_LENGTH);
        }
        let mut rnd = [0u8; 8];
        OsRng.fill_bytes(&mut rnd);
        self.state.rnd_icc = Some(rnd);
        ok(rnd.to_vec())
    }

    /// EXTERNAL AUTHENTICATE: SN.IFD ‖ S checked with the certified terminal key (§4.4 step 6).
    /// The challenge is single-use.
    fn external_authenticate(&mut self, cmd: &Command) -> Answer {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return err(Sw::WRONG_P1P2);
        }
        let rnd = self.state.rnd_icc.take();
        let group = &self.chip.group;
        let Some(s) = self.state.session.as_mut().filter(|_| cmd.via_sm) else {
            return err(Sw::SECURITY_NOT_SATISFIED);
        };
        let (Some(term), true, Some(rnd)) = (&s.terminal, s.external_auth_key, rnd) else {
            return err(Sw::CONDITIONS_NOT_SATISFIED);
        };
        let t = Transcript {
            y_ifd: &s.y_ifd,
            y_icc: &s.y_icc,
            g: &group.g,
            p: &group.p,
            q: &group.q,
        };
        if mutual_auth::check_external_authenticate(term, &rnd, &t, &cmd.data) {
            s.terminal_authenticated = true;
            s.rnd_icc = Some(rnd);
            ok(NONE)
        } else {
            err(Sw(0x6300))
        }
    }

    fn internal_authenticate(&mut self, cmd: &Command) -> Answer {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return err(Sw::WRONG_P1P2);
        }
        match self.state.se.auth {
            // §3, C5: deterministic, plain, no PIN.
            Some((ALGO_PKCS1, KEY_SERVIZI)) => {
                match self.chip.servizi.sign_pkcs1_type1(&cmd.data) {
                    Some(sig) => ok(sig),
                    None => err(Sw::WRONG_LENGTH),
                }
            }
            Some((ALGO_DAPP, KEY_DAPP)) => self.give_random(cmd),
            // §7: under SM, after mutual authentication and VERIFY PIN.
            Some((ALGO_PKCS1, KEY_HOLDER)) => {
                if !self.authenticated(cmd).is_some_and(|s| s.pin_verified) {
                    return err(Sw::SECURITY_NOT_SATISFIED);
                }
                match self.chip.holder.sign_pkcs1_type1(&cmd.data) {
                    Some(sig) => ok(crate::fault::signature(self.fault, sig)),
                    None => err(Sw::WRONG_LENGTH),
                }
            }
            _ => err(Sw::CONDITIONS_NOT_SATISFIED),
        }
    }

    /// The chip authentication (§4.4 step 8, C8): answer SN.ICC ‖ R under the old SSC, then
    /// SSC := RND.ICC[4..8] ‖ RND.IFD[4..8].
    fn give_random(&mut self, cmd: &Command) -> Answer {
        let chip = &self.chip;
        let Some(s) = self.state.session.as_mut().filter(|_| cmd.via_sm) else {
            return err(Sw::SECURITY_NOT_SATISFIED);
        };
        let (true, Some(rnd_icc)) = (s.terminal_authenticated, s.rnd_icc) else {
            return err(Sw::SECURITY_NOT_SATISFIED);
        };
        if cmd.data.len() != 8 {
            return err(Sw::WRONG_LENGTH);
        }
        let t = Transcript {
            y_ifd: &s.y_ifd,
            y_icc: &s.y_icc,
            g: &chip.group.g,
            p: &chip.group.p,
            q: &chip.group.q,
        };
        let Some(answer) = mutual_auth::give_random(&chip.dapp, &chip.sn_icc, &cmd.data, &t) else {
            return err(Sw(0x6F00));
        };
        let mut ssc = [0u8; 8];
        ssc[..4].copy_from_slice(&rnd_icc[4..]);
        ssc[4..].copy_from_slice(&cmd.data[4..]);
        s.next_ssc = Some(ssc);
        s.chip_authenticated = true;
        ok(answer)
    }

    /// VERIFY PIN (81) / PUK (82), only under SM after mutual authentication (§6). A plain VERIFY
    /// gets 6982: the PIN's access rule (SM) is not satisfied — 6987 is for an SM command that lacks
    /// a DO, and a plain command carries none (ISO 7816-4 table of SW 69xx).
    fn verify(&mut self, cmd: &Command) -> Answer {
        if cmd.p1 != 0 {
            return err(Sw::WRONG_P1P2);
        }
        if !matches!(cmd.p2, PIN_REF | PUK_REF) {
            return err(Sw::REF_NOT_FOUND);
        }
        let (pin, puk) = (&mut self.pin, &mut self.puk);
        let Some(s) = authenticated(&mut self.state.session, cmd) else {
            return err(Sw::SECURITY_NOT_SATISFIED);
        };
        let (object, verified) = if cmd.p2 == PIN_REF {
            (pin, &mut s.pin_verified)
        } else {
            (puk, &mut s.puk_verified)
        };
        if cmd.data.is_empty() {
            // ISO "status" form: retries without spending one (§6 candidate (a), OSC iasecc).
            return err(if *verified { Sw::OK } else { object.status() });
        }
        let sw = object.verify(&cmd.data);
        *verified = sw == Sw::OK;
        err(sw)
    }

    /// CHANGE REFERENCE DATA `24 00 81`: old PIN ‖ new PIN (§6).
    fn change_reference_data(&mut self, cmd: &Command) -> Answer {
        if cmd.p1 != 0 {
            return err(Sw::WRONG_P1P2);
        }
        if cmd.p2 != PIN_REF {
            return err(Sw::REF_NOT_FOUND);
        }
        let pin = &mut self.pin;
        let Some(s) = authenticated(&mut self.state.session, cmd) else {
            return err(Sw::SECURITY_NOT_SATISFIED);
        };
        if cmd.data.len() != 2 * pin::PIN_LEN {
            return err(Sw::WRONG_LENGTH);
        }
        let (old, new) = cmd.data.split_at(pin::PIN_LEN);
        let Some(new) = pin::parse(new) else {
            return err(Sw::WRONG_DATA);
        };
        let sw = pin.verify(old);
        if sw == Sw::OK {
            pin.set(new);
            s.pin_verified = true;
        } else {
            s.pin_verified = false;
        }
        err(sw)
    }

    /// RESET RETRY COUNTER after VERIFY PUK: `2C 03 81` unblock, `2C 02 81 <new PIN>` (§6).
    fn reset_retry_counter(&mut self, cmd: &Command) -> Answer {
        if cmd.p2 != PIN_REF {
            return err(Sw::REF_NOT_FOUND);
        }
        let puk_verified = self.authenticated(cmd).is_some_and(|s| s.puk_verified);
        let pin = &mut self.pin;
        match cmd.p1 {
            0x03 if !cmd.data.is_empty() => err(Sw::WRONG_LENGTH),
            0x02 if cmd.data.len() != pin::PIN_LEN => err(Sw::WRONG_LENGTH),
            0x02 | 0x03 if !puk_verified => err(Sw::SECURITY_NOT_SATISFIED),
            0x03 => {
                pin.reset_counter();
                ok(NONE)
            }
            0x02 => match pin::parse(&cmd.data) {
                Some(new) => {
                    pin.set(new);
                    ok(NONE)
                }
                None => err(Sw::WRONG_DATA),
            },
            _ => err(Sw::WRONG_P1P2),
        }
    }
}

/// `session` when `cmd` came through SM and the mutual authentication is complete (a free
/// function, so that a command can hold the PIN objects at the same time).
fn authenticated<'a>(session: &'a mut Option<Session>, cmd: &Command) -> Option<&'a mut Session> {
    session
        .as_mut()
        .filter(|s| cmd.via_sm && s.chip_authenticated)
}
