//! CIE 3.0 driver (cie.md): IAS-ECC application, DH key agreement, mutual authentication
//! and 3DES secure messaging, PIN under secure messaging, signatures by the chip.
//!
//! The secure channel is kept for the whole login: a signature after login costs MSE SET +
//! INTERNAL AUTHENTICATE (+ one GET RESPONSE), not a new handshake (the official library
//! redoes 20 APDUs per signature, §12). The PIN is held in zeroized memory while logged
//! in, only so that a channel the chip dropped (another application, a reset) can be
//! rebuilt once without asking the user (DESIGN.md "PINs").
//!
//! APDUs per operation (2048-bit group and keys; measured on the virtual CIE, tests/cie_token.rs):
//! - bind: 3 — SELECT IAS AID or MF (the ATR hints which), SELECT CIE DF, READ BINARY of
//!   the NIS by SFI; one more SELECT when the hint is wrong. The retry counter costs none
//!   (no known way to read it without a try, §6).
//! - first login of a binding: 34 (32 on a Gemalto answering the single DH GET DATA):
//!   2 SELECTs; DH parameters and CA key, 4 GET DATA + 3 GET RESPONSE; EF 1004, SELECT + 2
//!   READ BINARY; key agreement 4 (chained MSE SET, GET DATA + GET RESPONSE); mutual
//!   authentication 11 (chained PSO and EXTERNAL AUTHENTICATE, one GET RESPONSE); VERIFY 1;
//!   EF 1003 under SM, SELECT + ⌈size/231⌉ READ BINARY.
//! - later logins of the same binding: 23 (the card parameters are kept).
//! - signature: 3 — MSE SET, INTERNAL AUTHENTICATE, one GET RESPONSE (2048-bit signature).
//! - signature after the chip dropped the session or a reset: one rebuild, about 20.

pub mod bignum;
pub mod detect;
pub mod dh;
pub mod files;
pub mod iso9796;
pub mod mutual_auth;
pub mod params;
pub mod pin;
mod pin_lifecycle;
pub mod plain;
pub mod secure_channel;
pub mod signature;
pub mod sm;
pub mod terminal_keys;

use ring::rand::SystemRandom;

use super::{Card, CardError, KeySizes, Pin, PinKind, PinPolicy, PublicData, SignatureKind};
use crate::card::CardChannel;
use crate::iso7816::StatusWord;
use detect::{ChipHint, Family};
use files::ChipKey;
use params::{CaKey, DhParams};
use secure_channel::SecureChannel;

/// The error a status word means under secure messaging (§5.3, §6).
pub fn status_error(ins: u8, sw: StatusWord) -> CardError {
    match sw.0 {
        // SM data objects missing / incorrect: the chip no longer shares our session.
        0x6987 | 0x6988 => CardError::ChannelLost,
        0x6982 => CardError::SecurityStatusNotSatisfied,
        0x6983 => CardError::PinLocked,
        _ => CardError::UnexpectedStatus { ins, sw: sw.0 },
    }
}

/// Card data the handshake needs, read in plain once per binding (§4.1, §4.2, EF 1004).
struct CardParameters {
    dh: DhParams,
    ca: CaKey,
    chip_key: ChipKey,
}

/// One CIE in a reader.
pub struct CieCard {
    hint: ChipHint,
    family: Family,
    nis: String,
    params: Option<CardParameters>,
    /// The authenticated session of the current login, if any.
    session: Option<SecureChannel>,
    /// The user PIN while logged in, to rebuild a lost session once; wiped on drop.
    held_pin: Option<Pin>,
    rng: SystemRandom,
}

impl CieCard {
    /// Probes the card (detect.rs); `Ok(None)` when it is not a CIE.
    pub fn probe(atr: &[u8], channel: &mut CardChannel<'_>) -> Result<Option<CieCard>, CardError> {
        let hint = detect::hint(atr);
        let Some(probed) = detect::probe(channel, &hint)? else {
            return Ok(None);
        };
        if probed.family != hint.family {
            log::debug!(
                "CIE {}: reached through {:?}, not as the ATR hinted",
                hint.model,
                probed.family
            );
        }
        Ok(Some(CieCard {
            hint,
            family: probed.family,
            nis: probed.nis,
            params: None,
            session: None,
            held_pin: None,
            rng: SystemRandom::new(),
        }))
    }

    pub fn nis(&self) -> &str {
        &self.nis
    }

    /// Reads the handshake parameters unless already known (§4.1, §4.2, EF 1004).
    fn parameters(&mut self, channel: &mut CardChannel<'_>) -> Result<&CardParameters, CardError> {
        if self.params.is_none() {
            let (dh, form) = params::read_dh_params_any(channel, self.hint.dh_form)?;
            if form != self.hint.dh_form {
                log::debug!(
                    "CIE {}: DH parameters answered in {form:?} form",
                    self.hint.model
                );
                self.hint.dh_form = form;
            }
            let ca = params::read_ca_key(channel)?;
            let chip_key = files::read_chip_key(channel)?;
            self.params = Some(CardParameters { dh, ca, chip_key });
        }
        self.params
            .as_ref()
            .ok_or(CardError::Malformed("card parameters"))
    }

    /// Application selection, key agreement and mutual authentication (§4).
    fn handshake(&mut self, channel: &mut CardChannel<'_>) -> Result<SecureChannel, CardError> {
        if !detect::select_application(channel, self.family)? {
            return Err(CardError::Malformed("CIE application not selectable"));
        }
        let rng = self.rng.clone();
        let params = self.parameters(channel)?;
        let agreement = dh::agree(channel, &params.dh, &rng)?;
        mutual_auth::authenticate(
            channel,
            agreement,
            &params.dh,
            &params.ca,
            &params.chip_key,
            &rng,
        )
    }

    /// A new authenticated session with the PIN verified: the login, or the one rebuild.
    fn open_session(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
        pin: &Pin,
    ) -> Result<(), CardError> {
        self.session = None;
        let mut sc = self.handshake(channel)?;
        pin::verify(&mut sc, channel, kind, pin)?;
        self.session = Some(sc);
        Ok(())
    }

    /// The current session, or a rebuilt one from the held PIN; `true` when rebuilt now.
    fn session(&mut self, channel: &mut CardChannel<'_>) -> Result<bool, CardError> {
        if self.session.is_some() {
            return Ok(false);
        }
        let Some(pin) = self.held_pin.take() else {
            return Err(CardError::SecurityStatusNotSatisfied);
        };
        log::info!("CIE {}: re-establishing secure messaging", self.nis);
        match self.open_session(channel, PinKind::User, &pin) {
            Ok(()) => {
                self.held_pin = Some(pin);
                Ok(true)
            }
            // Never retry a PIN the card called wrong (§6): it stays dropped.
            Err(e @ (CardError::PinIncorrect { .. } | CardError::PinLocked)) => {
                log::warn!(
                    "CIE {}: the held PIN was refused on rebuild: {e:?}",
                    self.nis
                );
                Err(e)
            }
            Err(e) => {
                self.held_pin = Some(pin);
                // A channel that fails while being built is not "lost": no second rebuild.
                Err(match e {
                    CardError::ChannelLost => CardError::Malformed("secure channel setup"),
                    e => e,
                })
            }
        }
    }
}

impl Card for CieCard {
    fn read_public_data(
        &mut self,
        _channel: &mut CardChannel<'_>,
    ) -> Result<PublicData, CardError> {
        // The probe read the NIS; the certificate needs the PIN (§11 Q3), the cache may
        // have it (token::cache).
        Ok(PublicData {
            serial: self.nis.clone(),
            family: "CIE",
            model: self.hint.model.clone(),
            manufacturer: "IPZS".to_string(),
            holder: None,
            certificate: None,
        })
    }

    /// The chip pads and signs (§7) with a key of up to 2048 bits.
    fn key_sizes(&self) -> KeySizes {
        KeySizes {
            min_bits: 1024,
            max_bits: 2048,
        }
    }

    fn signature_kind(&self) -> SignatureKind {
        SignatureKind::Pkcs1OnChip
    }

    fn pin_policy(&self, kind: PinKind) -> PinPolicy {
        pin::policy(kind)
    }

    /// §6, §11 Q4: no known way to read a counter without spending a try.
    fn retries_left(
        &mut self,
        _channel: &mut CardChannel<'_>,
        _kind: PinKind,
    ) -> Result<Option<u8>, CardError> {
        Ok(None)
    }

    fn verify_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
        pin: &Pin,
    ) -> Result<(), CardError> {
        self.held_pin = None;
        let result = self.open_session(channel, kind, pin);
        match &result {
            Ok(()) if kind == PinKind::User => {
                self.held_pin = Some(
                    Pin::new(&pin::policy(kind), pin.as_bytes())
                        .map_err(|_| CardError::DataLength)?,
                );
            }
            Ok(()) => {}
            // C11: after a refused VERIFY the session is not continued.
            Err(_) => self.session = None,
        }
        result
    }

    /// CHANGE REFERENCE DATA under a new secure channel (cie.md §6). A logged-in user stays
    /// logged in: with the new PIN held for rebuilding the session, or, when the card refused
    /// the old PIN given here, with the PIN of the login (the next operation rebuilds with it).
    fn change_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
        old: &Pin,
        new: &Pin,
    ) -> Result<(), CardError> {
        if kind != PinKind::User {
            return Err(CardError::NotSupported);
        }
        let login_pin = self.held_pin.take();
        self.forget_login();
        let mut sc = self.handshake(channel)?;
        match pin_lifecycle::change(&mut sc, channel, old, new) {
            Ok(()) if login_pin.is_some() => {
                self.held_pin = Some(
                    Pin::new(&pin::policy(kind), new.as_bytes())
                        .map_err(|_| CardError::DataLength)?,
                );
                self.session = Some(sc);
                Ok(())
            }
            Ok(()) => Ok(()),
            // A blocked PIN cannot rebuild anything.
            Err(CardError::PinLocked) => Err(CardError::PinLocked),
            Err(e) => {
                self.held_pin = login_pin;
                Err(e)
            }
        }
    }

    /// VERIFY PUK + RESET RETRY COUNTER 03 and 02 under a new secure channel (cie.md §6). The
    /// channel is dropped afterwards: the PUK's security state is not kept.
    fn unblock_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        puk: &Pin,
        new_pin: &Pin,
    ) -> Result<(), CardError> {
        self.forget_login();
        let mut sc = self.handshake(channel)?;
        pin_lifecycle::unblock(&mut sc, channel, puk, new_pin)
    }

    fn read_certificate_after_login(
        &mut self,
        channel: &mut CardChannel<'_>,
    ) -> Result<Option<Vec<u8>>, CardError> {
        let Some(sc) = self.session.as_mut() else {
            return Err(CardError::SecurityStatusNotSatisfied);
        };
        match files::read_certificate(sc, channel) {
            Ok(der) => Ok(Some(der)),
            Err(e) => {
                if e == CardError::ChannelLost {
                    self.session = None;
                }
                Err(e)
            }
        }
    }

    fn serial_for_cache(&self) -> Option<String> {
        Some(self.nis.clone())
    }

    fn card_reset(&mut self) {
        // The chip forgot the session and the verified PIN; the held PIN stays so that the
        // next operation rebuilds once.
        self.session = None;
    }

    fn can_resume_session(&self) -> bool {
        self.held_pin.is_some()
    }

    fn forget_login(&mut self) {
        self.session = None;
        self.held_pin = None;
    }

    fn logout(&mut self, _channel: &mut CardChannel<'_>) -> Result<(), CardError> {
        // Dropping the session keys ends the session for us: nobody else has them, and
        // another host's handshake resets the chip's security state.
        self.forget_login();
        Ok(())
    }

    fn sign(&mut self, channel: &mut CardChannel<'_>, input: &[u8]) -> Result<Vec<u8>, CardError> {
        let rebuilt = self.session(channel)?;
        let Some(sc) = self.session.as_mut() else {
            return Err(CardError::SecurityStatusNotSatisfied);
        };
        match signature::sign(sc, channel, input) {
            Ok(signature) => Ok(signature),
            Err(CardError::ChannelLost | CardError::SecurityStatusNotSatisfied) if !rebuilt => {
                // The token rebuilds once (`can_resume_session`) and tries again.
                self.session = None;
                Err(CardError::ChannelLost)
            }
            Err(CardError::ChannelLost) => {
                self.session = None;
                Err(CardError::Malformed(
                    "secure channel refused right after it was rebuilt",
                ))
            }
            Err(e) => Err(e),
        }
    }
}
