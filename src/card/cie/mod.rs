//! CIE 3.0 driver (cie.md): IAS-ECC application, DH key agreement, mutual authentication
//! and 3DES secure messaging, PIN under secure messaging, signatures by the chip.
//!
//! The secure channel is kept for the whole login: a signature after login costs MSE SET +
//! INTERNAL AUTHENTICATE (+ one GET RESPONSE), not a new handshake (the official library
//! redoes 20 APDUs per signature, §12). The login is a type (`login::Login`): only VERIFY PIN
//! yields the `UserChannel` signing takes. The PIN is kept on a locked page only to rebuild,
//! once, a session another application made the chip drop; a reset ends the login.
//!
//! APDUs per operation (2048-bit group and keys; measured on the virtual CIE, tests/cie_token.rs):
//! - bind: 3 — SELECT IAS AID or MF (the ATR hints which), SELECT CIE DF, READ BINARY of
//!   the NIS by SFI; one more SELECT when the hint is wrong. The retry counter costs none
//!   (no known way to read it without a try, §6).
//! - login, chip data cached (token::cache): 15 — key agreement 4 (chained MSE SET, GET DATA +
//!   GET RESPONSE); mutual authentication 10 (chained PSO and EXTERNAL AUTHENTICATE, one GET
//!   RESPONSE); VERIFY 1. No SELECT: the application bind selected is trusted, and proven by
//!   the chip authentication (a refusal re-selects once).
//! - first login of a card: 11 more for the chip data — DH parameters and CA key, 4 GET DATA
//!   and 4 GET RESPONSE (2 fewer on a Gemalto answering the single DH GET DATA); EF 1004,
//!   SELECT and 2 READ BINARY — and EF 1003 under SM, SELECT and ⌈size/231⌉ READ BINARY.
//! - signature: 3 — MSE SET, INTERNAL AUTHENTICATE, one GET RESPONSE (2048-bit signature).
//! - signature after another application made the chip drop the session: one rebuild, 15.

pub mod bignum;
pub mod chip_data;
pub mod detect;
pub mod dh;
pub mod files;
pub mod iso9796;
pub mod login;
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

use super::{
    Card, CardError, KeySizes, Pin, PinChange, PinKind, PinPolicy, PublicData, SignatureKind,
};
use crate::card::CardChannel;
use crate::iso7816::StatusWord;
use chip_data::ChipData;
use detect::{ChipHint, Family};
use login::{KeptPin, Login};
use secure_channel::{SecureChannel, UserChannel};

/// Names the token and the cache files.
const FAMILY: &str = "CIE";

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

/// One CIE in a reader.
pub struct CieCard {
    hint: ChipHint,
    family: Family,
    nis: String,
    /// The handshake's public chip data, from the cache or read from the card.
    chip: Option<ChipData>,
    /// `chip` was read from the card since the token last took it for the cache.
    chip_to_cache: bool,
    /// Our last transaction left the CIE application selected (every SELECT this driver
    /// sends is the application or one of its EFs); false after a reset or a failure.
    application_selected: bool,
    login: Login,
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
            chip: None,
            chip_to_cache: false,
            application_selected: true,
            login: Login::Out,
            rng: SystemRandom::new(),
        }))
    }

    pub fn nis(&self) -> &str {
        &self.nis
    }

    /// Reads the handshake's public chip data from the card (§4.1, §4.2, EF 1004).
    fn read_chip_data(&mut self, channel: &mut CardChannel<'_>) -> Result<ChipData, CardError> {
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
        Ok(ChipData { dh, ca, chip_key })
    }

    /// Key agreement and mutual authentication (§4.3, §4.4) with the chip data known, or
    /// read now.
    fn agree_and_authenticate(
        &mut self,
        channel: &mut CardChannel<'_>,
    ) -> Result<SecureChannel, CardError> {
        let data = match self.chip.take() {
            Some(data) => data,
            None => {
                let data = self.read_chip_data(channel)?;
                self.chip_to_cache = true;
                data
            }
        };
        let chip = self.chip.insert(data);
        let agreement = dh::agree(channel, &chip.dh, &self.rng)?;
        mutual_auth::authenticate(
            channel,
            agreement,
            &chip.dh,
            &chip.ca,
            &chip.chip_key,
            &self.rng,
        )
    }

    /// A new authenticated session (§4). The application our last transaction selected is
    /// trusted to be still selected and the chip data (perhaps cached) to be right: the chip
    /// authentication of §4.4 step 8 proves both, and none of the commands until then is
    /// secret. Anything the card contradicts costs one more try, selecting the application
    /// and reading the chip data afresh (issue #12: a login then needs none of the 13
    /// APDUs of selection and chip data).
    fn handshake(&mut self, channel: &mut CardChannel<'_>) -> Result<SecureChannel, CardError> {
        if self.application_selected {
            match self.agree_and_authenticate(channel) {
                Ok(sc) => return Ok(sc),
                Err(e) if e.is_link() => {
                    self.application_selected = false;
                    return Err(e);
                }
                Err(e) => {
                    log::info!(
                        "CIE {}: handshake refused ({e:?}): selecting the application and \
                         reading the chip data afresh",
                        self.nis
                    );
                    self.chip = None;
                }
            }
        }
        self.application_selected = false;
        if !detect::select_application(channel, self.family)? {
            return Err(CardError::Malformed("CIE application not selectable"));
        }
        self.application_selected = true;
        self.agree_and_authenticate(channel).inspect_err(|_| {
            self.application_selected = false;
        })
    }

    /// A new session with the holder's PIN verified: the login, or the one rebuild.
    fn verified_session(
        &mut self,
        channel: &mut CardChannel<'_>,
        pin: &Pin,
    ) -> Result<UserChannel, CardError> {
        let sc = self.handshake(channel)?;
        pin::verify_user(sc, channel, pin)
    }

    /// The logged-in channel, rebuilt now with the kept PIN when the chip had dropped it:
    /// `(channel, kept PIN, rebuilt now)`. The login is `Out` while the caller holds them.
    fn user_channel(
        &mut self,
        channel: &mut CardChannel<'_>,
    ) -> Result<(UserChannel, Option<KeptPin>, bool), CardError> {
        match std::mem::take(&mut self.login) {
            Login::Out => Err(CardError::SecurityStatusNotSatisfied),
            Login::In { channel: uc, pin } => Ok((uc, pin, false)),
            // The one rebuild of this loss. Whatever fails, the login stays out and the PIN
            // is wiped with `kept`: a refused PIN (63Cx) is never sent again (§6).
            Login::Lost { pin: kept } => {
                log::info!("CIE {}: re-establishing secure messaging", self.nis);
                let pin = kept.pin()?;
                match self.verified_session(channel, &pin) {
                    Ok(uc) => Ok((uc, Some(kept), true)),
                    Err(e) => {
                        log::warn!("CIE {}: rebuild failed, login ended: {e:?}", self.nis);
                        // A channel that fails while being built is not "lost": no second rebuild.
                        Err(match e {
                            CardError::ChannelLost => CardError::Malformed("secure channel setup"),
                            e => e,
                        })
                    }
                }
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
            family: FAMILY,
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
        self.login = Login::Out;
        match kind {
            PinKind::User => {
                let uc = self.verified_session(channel, pin)?;
                self.login = Login::In {
                    channel: uc,
                    pin: KeptPin::keep(pin),
                };
            }
            // The PUK's security state is not kept: `PinChange::Unblock` verifies it again in the
            // session that needs it.
            PinKind::Puk => {
                let mut sc = self.handshake(channel)?;
                pin::verify(&mut sc, channel, kind, pin)?;
            }
        }
        Ok(())
    }

    /// Under a new secure channel (cie.md §6). CHANGE REFERENCE DATA: a logged-in user stays
    /// logged in, with the new PIN kept for rebuilding the session, or, when the card refused
    /// the old PIN given here, with the PIN of the login (the next operation rebuilds with it).
    /// VERIFY PUK + RESET RETRY COUNTER 03 and 02: the channel is dropped afterwards, the PUK's
    /// security state is not kept.
    fn change_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        change: PinChange<'_>,
    ) -> Result<(), CardError> {
        match change {
            PinChange::Change { old, new } => {
                // Our new session ends whatever session the login had.
                let login = std::mem::take(&mut self.login).lose();
                let logged_in = login.is_lost();
                let sc = self.handshake(channel)?;
                match pin_lifecycle::change(sc, channel, old, new) {
                    Ok(uc) if logged_in => {
                        self.login = Login::In {
                            channel: uc,
                            pin: KeptPin::keep(new),
                        };
                        Ok(())
                    }
                    Ok(_) => Ok(()),
                    // A blocked PIN cannot rebuild anything.
                    Err(CardError::PinLocked) => Err(CardError::PinLocked),
                    Err(e) => {
                        self.login = login;
                        Err(e)
                    }
                }
            }
            PinChange::Unblock { puk, new_pin } => {
                self.forget_login();
                let mut sc = self.handshake(channel)?;
                pin_lifecycle::unblock(&mut sc, channel, puk, new_pin)
            }
        }
    }

    fn read_certificate_after_login(
        &mut self,
        channel: &mut CardChannel<'_>,
    ) -> Result<Option<Vec<u8>>, CardError> {
        let Login::In { channel: uc, .. } = &mut self.login else {
            return Err(CardError::SecurityStatusNotSatisfied);
        };
        match files::read_certificate(uc, channel) {
            Ok(der) => Ok(Some(der)),
            Err(e) => {
                if e == CardError::ChannelLost {
                    self.login = std::mem::take(&mut self.login).lose();
                }
                Err(e)
            }
        }
    }

    fn serial_for_cache(&self) -> Option<String> {
        Some(self.nis.clone())
    }

    fn family(&self) -> &'static str {
        FAMILY
    }

    fn use_cached_chip_data(&mut self, bytes: &[u8]) {
        match ChipData::decode(bytes) {
            Ok(data) => self.chip = Some(data),
            Err(e) => log::info!("CIE {}: cached chip data ignored: {e:?}", self.nis),
        }
    }

    fn chip_data_to_cache(&mut self) -> Option<Vec<u8>> {
        if !std::mem::take(&mut self.chip_to_cache) {
            return None;
        }
        self.chip.as_ref().map(ChipData::encode)
    }

    /// A reset ends the login: the chip forgot the session and the verified PIN, and the
    /// kept PIN is wiped, never replayed (issue #11). The current DF is the MF again.
    fn card_reset(&mut self) {
        self.login = Login::Out;
        self.application_selected = false;
    }

    fn can_resume_session(&self) -> bool {
        self.login.is_lost()
    }

    fn forget_login(&mut self) {
        self.login = Login::Out;
    }

    fn logout(&mut self, _channel: &mut CardChannel<'_>) -> Result<(), CardError> {
        // Dropping the session keys ends the session for us: nobody else has them, and
        // another host's handshake resets the chip's security state.
        self.forget_login();
        Ok(())
    }

    fn sign(&mut self, channel: &mut CardChannel<'_>, input: &[u8]) -> Result<Vec<u8>, CardError> {
        let (mut uc, pin, rebuilt) = self.user_channel(channel)?;
        match signature::sign(&mut uc, channel, input) {
            Ok(signature) => {
                self.login = Login::In { channel: uc, pin };
                Ok(signature)
            }
            Err(CardError::ChannelLost | CardError::SecurityStatusNotSatisfied) if !rebuilt => {
                // The token rebuilds once (`can_resume_session`) and tries again.
                self.login = Login::In { channel: uc, pin }.lose();
                Err(CardError::ChannelLost)
            }
            // Refused right after the rebuild: the login ends (one rebuild per loss).
            Err(CardError::ChannelLost) => Err(CardError::Malformed(
                "secure channel refused right after it was rebuilt",
            )),
            Err(e) => {
                self.login = Login::In { channel: uc, pin };
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests;
