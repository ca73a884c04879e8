//! What a card looks like as a PKCS#11 token (DESIGN.md "token").
//!
//! The `cryptoki` layer sees only this module: token info, objects with their
//! attributes, mechanisms, PIN verification and signing. It never sees an APDU.

pub mod cache;
pub mod hash;
pub mod info;
pub mod mechanism;
pub mod object;
pub mod objects;
pub mod padding;
mod pin_lifecycle;
mod security_state;
pub mod signature_check;
pub mod text;

/// The PIN kinds and rules the state machine sees, as the card defines them.
pub use crate::card::{PinKind, PinPolicy};
pub use hash::HashAlg;
pub use info::TokenInfo;
pub use mechanism::MechanismInfo;
pub use object::{AttributeValue, ObjectClass, TokenObject};

use crate::card::{
    Card, CardChannel, CardError, Connection, Inserted, Pin, PinFormatError, SignatureKind,
};
use cache::Entry;
use info::RetryState;
use objects::CertificateInfo;
use signature_check::PublicKey;

/// Why a token operation failed, in PKCS#11 terms (mapped to CK_RV by `cryptoki`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    PinIncorrect,
    PinLocked,
    /// Wrong length: never sent to the card.
    PinLenRange,
    /// Wrong characters: never sent to the card.
    PinInvalid,
    /// The card wants a PIN it no longer has (reset by another application, or never logged in).
    UserNotLoggedIn,
    /// The operation's input does not fit the key (PKCS#1 input longer than k − 11, wrong raw block length).
    DataLenRange,
    /// The card cannot do this (mechanism, PIN operation).
    FunctionNotSupported,
    KeyHandleInvalid,
    /// The card was removed.
    DeviceRemoved,
    /// The card answered something unexpected.
    DeviceError,
    /// Another application held the card longer than we wait for it: nothing was sent;
    /// trying again later may work (CKR_FUNCTION_FAILED, README "Waiting for the card").
    Busy,
}

/// What the host asks the card to sign, after hashing (see `cryptoki::sign`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignRequest {
    /// PKCS#1 v1.5 type-1 padding around `data` (a DigestInfo, or any data ≤ k − 11 bytes for CKM_RSA_PKCS).
    Pkcs1v15 { data: Vec<u8> },
    /// EMSA-PSS (RFC 8017 §9.1) over an already computed `digest`.
    Pss {
        hash: HashAlg,
        mgf_hash: HashAlg,
        salt_len: usize,
        digest: Vec<u8>,
    },
    /// Raw RSA on `block` (CKM_RSA_X_509): shorter input is left-padded with zeros to the modulus length.
    Raw { block: Vec<u8> },
}

/// Index of an object in `Token::objects`.
pub type ObjectIndex = usize;

/// A bound token: the detected card, its public data read once, and the objects built from it.
pub struct Token {
    /// The card in its reader, with its driver.
    card: Connection,
    /// "TS-CNS" or "CIE": names the token, its key objects and its cache files.
    family: &'static str,
    info: TokenInfo,
    objects: Vec<TokenObject>,
    /// What the card can sign with (`mechanism::for_card`).
    mechanisms: Vec<MechanismInfo>,
    /// The authentication key pair's modulus length in bits (from the certificate).
    modulus_bits: usize,
    /// The certificate's public key: every signature is checked against it before it is
    /// returned (`signature_check`). `None` without a usable certificate.
    public_key: Option<PublicKey>,
    /// The certificate shown came from the public-data cache and the card has not proven it
    /// yet: a login then does not read it (issue #12), and the first signature is its proof.
    certificate_unproven: bool,
    /// The PUK while the SO (or a context-specific PUK login) is logged in (`pin_lifecycle`).
    login_puk: Option<Pin>,
    /// A login (user or SO) is active: from its success to logout or a reset.
    logged_in: bool,
    /// This process verified a PIN or the PUK on the card and the card has not been reset
    /// since (`security_state`).
    verified_here: bool,
    /// A reset or removal ended the login; cleared by `take_login_lost`.
    login_lost: bool,
}

/// What binding read from the card, before the token is built from it.
struct Bound {
    public: crate::card::PublicData,
    /// Where a certificate the card shows without a PIN came from (TS-CNS).
    certificate_from: Source,
    user_retries: RetryState,
    so_retries: RetryState,
}

/// Where a certificate the card shows without a PIN came from at binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Read by the driver with the public data, or none.
    Driver,
    /// The public-data cache: not proven by the card yet.
    Cache,
    /// Read from the card now, the cache having none.
    Card,
}

/// Label of the authentication key pair objects (cns.md §2.1 names the key CNS0).
const KEY_LABEL_SUFFIX: &str = "authentication";

impl Token {
    /// Detects the card and reads its public data.
    /// `Ok(None)`: a card this module does not support (logged with its ATR, never an error).
    pub fn bind(card: Inserted) -> Result<Option<Token>, TokenError> {
        let bound = match card.detect(Self::read_public) {
            // A card whose files answer no layout this module knows (TS-CNS).
            Err(CardError::NotSupported) => return Ok(None),
            // Reset again and again by others while reading public files.
            Err(CardError::Reset) => return Err(TokenError::DeviceError),
            other => other.map_err(card_error)?,
        };
        let Some((card, mut bound)) = bound else {
            return Ok(None);
        };
        // Card text goes into UTF-8 fields and logs from here on: no control characters.
        let public = &mut bound.public;
        for field in [
            &mut public.serial,
            &mut public.model,
            &mut public.manufacturer,
        ] {
            *field = text::printable(field);
        }
        public.holder = public.holder.as_deref().map(text::printable);
        // Named before the cache is consulted: the label may only use what the card shows
        // without a PIN, so that it is the same in every process (issue #10).
        let label = stable_label(&bound.public);
        let mut from_cache = bound.certificate_from == Source::Cache;
        // A certificate the card showed without a PIN goes to the cache for the next process.
        if bound.certificate_from != Source::Cache && card.shows_certificate_before_login() {
            if let (Some(der), Some(serial), Some(dir)) = (
                &bound.public.certificate,
                card.serial_for_cache(),
                cache::directory(),
            ) {
                if let Err(e) = cache::store_certificate(&dir, card.family(), &serial, der) {
                    log::info!("{} {serial}: certificate not cached: {e}", card.family());
                }
            }
        }
        if bound.public.certificate.is_none() {
            bound.public.certificate = Self::cached_certificate(&*card, &bound.public);
            from_cache = bound.public.certificate.is_some();
        }
        let mut token = Self::build(card, bound, label);
        token.certificate_unproven = from_cache && token.public_key.is_some();
        // The chip data read while binding goes to the cache now.
        token.cache_chip_data();
        Ok(Some(token))
    }

    /// Keeps in the cache the chip data the driver has just read from the card (token::cache).
    fn cache_chip_data(&mut self) {
        let Some(bytes) = self.card.chip_data_to_cache() else {
            return;
        };
        if let (Some(serial), Some(dir)) = (self.card.serial_for_cache(), cache::directory()) {
            if let Err(e) = cache::store(&dir, self.family, &serial, Entry::ChipData, &bytes) {
                log::info!("{} {serial}: chip data not cached: {e}", self.family);
            }
        }
    }

    /// The certificate the cache holds for a card that shows it only after login; parsed
    /// like card data, ignored on any error (token::cache).
    fn cached_certificate(card: &dyn Card, public: &crate::card::PublicData) -> Option<Vec<u8>> {
        let serial = card.serial_for_cache()?;
        let dir = cache::directory()?;
        let der = cache::load_certificate(&dir, public.family, &serial)?;
        match CertificateInfo::parse(&der) {
            Ok(_) => {
                log::debug!("{} {serial}: certificate from the cache", public.family);
                Some(der)
            }
            Err(e) => {
                log::info!(
                    "{} {serial}: cached certificate ignored: {e:?}",
                    public.family
                );
                None
            }
        }
    }

    /// Public data and the PIN retry counter, in the detection's transaction. What the
    /// public-data cache holds for this card is used instead of reading it (issue #12).
    fn read_public(card: &mut dyn Card, channel: &mut CardChannel<'_>) -> Result<Bound, CardError> {
        if let Some(bytes) = cache_load(card, Entry::ChipData) {
            card.use_cached_chip_data(&bytes);
        }
        let mut public = card.read_public_data(channel)?;
        let mut certificate_from = Source::Driver;
        if public.certificate.is_none() && card.shows_certificate_before_login() {
            public.certificate = Self::cached_certificate(card, &public);
            certificate_from = Source::Cache;
            if public.certificate.is_none() {
                certificate_from = Source::Card;
                public.certificate = match card.read_certificate_after_login(channel) {
                    Ok(der) => der,
                    Err(e) if e.is_link() => return Err(e),
                    Err(e) => {
                        log::warn!("{}: certificate not readable: {e:?}", public.family);
                        None
                    }
                };
            }
        }
        // Worth one APDU: the token flags then show a low counter before the user types
        // (OpenSC shows every TS-CNS PIN as locked, cns-opensc.md).
        let retries = pin_lifecycle::read_counter(card, channel, PinKind::User)?;
        // A blocked PIN needs the PUK next: its counter is worth one more APDU (SO flags).
        let so_retries = match retries {
            RetryState::Locked => pin_lifecycle::read_counter(card, channel, PinKind::Puk)?,
            _ => RetryState::Unknown,
        };
        log::debug!(
            "bound {} {} in {} APDUs",
            public.family,
            public.serial,
            channel.apdus_sent()
        );
        Ok(Bound {
            public,
            certificate_from,
            user_retries: retries,
            so_retries,
        })
    }

    fn build(card: Connection, bound: Bound, label: String) -> Token {
        let driver = &*card;
        let mechanisms = mechanism::for_card(driver.signature_kind(), driver.key_sizes());
        let Bound {
            public,
            certificate_from: _,
            user_retries,
            so_retries,
        } = bound;
        let certificate =
            public
                .certificate
                .as_deref()
                .and_then(|der| match CertificateInfo::parse(der) {
                    Ok(info) => Some(info),
                    Err(e) => {
                        log::warn!(
                            "{} {}: certificate not usable: {e:?}",
                            public.family,
                            public.serial
                        );
                        None
                    }
                });
        let (mut objects, modulus_bits) = match &certificate {
            Some(c) => (
                objects::key_pair_objects(c, &key_label(public.family, c), &mechanisms),
                c.modulus_bits(),
            ),
            None => (Vec::new(), 0),
        };
        objects.extend(driver.holder_data().iter().map(objects::holder_data_object));
        let info = TokenInfo {
            label,
            manufacturer: public.manufacturer,
            model: public.model,
            serial: public.serial,
            user_pin: driver.pin_policy(PinKind::User),
            user_retries,
            so_retries,
        };
        Token {
            card,
            family: public.family,
            info,
            objects,
            mechanisms,
            modulus_bits,
            public_key: certificate.as_ref().map(public_key),
            certificate_unproven: false,
            login_puk: None,
            logged_in: false,
            verified_here: false,
            login_lost: false,
        }
    }

    pub fn info(&self) -> &TokenInfo {
        &self.info
    }

    /// Token flags (CKF_*) including the PIN retry-counter flags as last reported by the card.
    pub fn flags(&self) -> cryptoki_sys::CK_FLAGS {
        self.info.flags()
    }

    /// All objects; `TokenObject::private` ones are visible only after login.
    pub fn objects(&self) -> &[TokenObject] {
        &self.objects
    }

    pub fn mechanisms(&self) -> &[MechanismInfo] {
        &self.mechanisms
    }

    pub fn pin_policy(&self, kind: PinKind) -> PinPolicy {
        self.card.pin_policy(kind)
    }

    /// Checks the PIN format, then verifies it on the card (one try spent only if the format is right).
    /// The PUK (SO login) goes to `pin_lifecycle`, which keeps it until logout.
    pub fn login(&mut self, kind: PinKind, pin: &[u8]) -> Result<(), TokenError> {
        if kind == PinKind::Puk {
            return self.login_puk(pin);
        }
        let pin = Pin::new(&self.card.pin_policy(kind), pin).map_err(|e| match e {
            PinFormatError::Length => TokenError::PinLenRange,
            PinFormatError::Characters => TokenError::PinInvalid,
        })?;
        // VERIFY and, for a card that shows its certificate only now (CIE), the certificate,
        // in one transaction; not when the token shows one already (from the cache, the
        // first signature proves it; issue #12).
        let read_certificate = kind == PinKind::User && self.public_key.is_none();
        let result = self.in_transaction(|card, channel| {
            card.verify_pin(channel, kind, &pin)?;
            if !read_certificate {
                return Ok(None);
            }
            match card.read_certificate_after_login(channel) {
                Ok(der) => Ok(der),
                // The login fails as a whole: nothing of it may stay with the driver.
                Err(e) if e.is_link() => {
                    card.forget_login();
                    Err(e)
                }
                // Logged in all the same; only the objects stay as they were.
                Err(e) => {
                    log::warn!("certificate not readable after login: {e:?}");
                    Ok(None)
                }
            }
        });
        self.note_tries(kind, &result);
        if result.is_ok() {
            self.note_verified();
            self.logged_in = true;
        }
        let certificate = result.map_err(|e| match e {
            // A reset mid-VERIFY: whether the try counted is unknown, and nothing is verified.
            CardError::Reset => TokenError::DeviceError,
            e => card_error(e),
        })?;
        if let Some(der) = certificate {
            self.adopt_certificate(der);
        }
        Ok(())
    }

    /// The certificate read after login: when it differs from what the token shows (first
    /// login, or a cache that is out of date), the objects follow it and the cache is
    /// refreshed. The label does not: it never changes for the same card (`stable_label`).
    fn adopt_certificate(&mut self, der: Vec<u8>) {
        let shown = self
            .objects
            .iter()
            .find(|o| o.class == ObjectClass::Certificate)
            .and_then(|o| o.attribute(cryptoki_sys::CKA_VALUE));
        if shown == Some(&AttributeValue::Bytes(der.clone())) {
            return;
        }
        let certificate = match CertificateInfo::parse(&der) {
            Ok(c) => c,
            Err(e) => {
                log::warn!(
                    "{} {}: certificate not usable: {e:?}",
                    self.family,
                    self.info.serial
                );
                return;
            }
        };
        log::debug!(
            "{} {}: certificate read after login",
            self.family,
            self.info.serial
        );
        let mut objects = objects::key_pair_objects(
            &certificate,
            &key_label(self.family, &certificate),
            &self.mechanisms,
        );
        objects.extend(
            self.card
                .holder_data()
                .iter()
                .map(objects::holder_data_object),
        );
        self.objects = objects;
        self.modulus_bits = certificate.modulus_bits();
        self.public_key = Some(public_key(&certificate));
        if let (Some(serial), Some(dir)) = (self.card.serial_for_cache(), cache::directory()) {
            if let Err(e) = cache::store_certificate(&dir, self.family, &serial, &der) {
                log::info!("{} {serial}: certificate not cached: {e}", self.family);
            }
        }
    }

    /// Ends the login: on the card (a TS-CNS this process unlocked is reset,
    /// `security_state`) and in the driver (no PIN kept, DESIGN.md "PINs"), whatever the
    /// card answers.
    pub fn logout(&mut self) -> Result<(), TokenError> {
        self.end_card_security()
    }

    /// Signs with the private key at `key`.
    pub fn sign(&mut self, key: ObjectIndex, request: &SignRequest) -> Result<Vec<u8>, TokenError> {
        match self.objects.get(key) {
            Some(o) if o.class == ObjectClass::PrivateKey => {}
            _ => return Err(TokenError::KeyHandleInvalid),
        }
        let input = self.sign_input(request)?;
        let mut result = self.in_transaction(|card, channel| card.sign(channel, &input));
        // A driver that can rebuild its session (CIE, with the PIN it holds while logged in)
        // gets one more try after the chip dropped the session; never after a reset, which
        // ended the login (issue #11).
        if matches!(result, Err(CardError::ChannelLost)) && self.card.can_resume_session() {
            log::info!(
                "{} {}: session lost, rebuilding it once",
                self.family,
                self.info.serial
            );
            result = self.in_transaction(|card, channel| card.sign(channel, &input));
        }
        // A PIN refused while rebuilding (changed by someone else?): the flags follow the card.
        let max = self.card.pin_policy(PinKind::User).max_tries;
        match &result {
            Err(CardError::PinIncorrect { tries_left }) => {
                self.info.user_retries = RetryState::Left {
                    left: *tries_left,
                    max,
                }
            }
            Err(CardError::PinLocked) => self.info.user_retries = RetryState::Locked,
            _ => {}
        }
        // The card's answer says the login is gone (6982: reset where PC/SC did not tell
        // us, or the refused rebuild above): it ends here too (issue #11).
        if matches!(
            result,
            Err(CardError::SecurityStatusNotSatisfied
                | CardError::PinIncorrect { .. }
                | CardError::PinLocked)
        ) {
            self.note_login_lost_on_card();
        }
        let signature = result.map_err(|e| match e {
            // A PIN refused while rebuilding: the card no longer counts us as logged in.
            CardError::PinIncorrect { .. } | CardError::PinLocked => TokenError::UserNotLoggedIn,
            // The card lost the verified PIN with the reset.
            CardError::Reset => TokenError::UserNotLoggedIn,
            e => card_error(e),
        })?;
        let checked = self.check_signature(&input, signature);
        if std::mem::take(&mut self.certificate_unproven) && checked.is_err() {
            self.certificate_from_card();
        }
        checked
    }

    /// The cached certificate failed its proof (the first signature does not verify under its
    /// key): the card's own replaces it, or, when the card does not give it, nothing is shown
    /// (issue #11, #12: no wrong certificate stays on show).
    fn certificate_from_card(&mut self) {
        log::info!(
            "{} {}: reading the certificate the cache showed",
            self.family,
            self.info.serial
        );
        // What else the cache said of this card may be as wrong (a TS-CNS layout): read
        // afresh by the next binding.
        if let (Some(serial), Some(dir)) = (self.card.serial_for_cache(), cache::directory()) {
            cache::remove(&dir, self.family, &serial, Entry::ChipData);
        }
        match self.in_transaction(|card, channel| card.read_certificate_after_login(channel)) {
            Ok(Some(der)) => self.adopt_certificate(der),
            other => {
                log::warn!(
                    "{} {}: certificate not readable ({other:?}): not shown",
                    self.family,
                    self.info.serial
                );
                self.objects.retain(|o| {
                    !matches!(
                        o.class,
                        ObjectClass::Certificate | ObjectClass::PublicKey | ObjectClass::PrivateKey
                    )
                });
                self.modulus_bits = 0;
                self.public_key = None;
            }
        }
    }

    /// Returns `signature` only if it is the signature of what the chip was asked to sign
    /// under the certificate's key (`signature_check`). A bad one is a device error, and
    /// the cached public data of this card is dropped: it may be what does not match.
    fn check_signature(&self, input: &[u8], signature: Vec<u8>) -> Result<Vec<u8>, TokenError> {
        let public = self
            .public_key
            .as_ref()
            .ok_or(TokenError::KeyHandleInvalid)?;
        let block = match self.card.signature_kind() {
            SignatureKind::RawRsa => zeroize::Zeroizing::new(input.to_vec()),
            // The chip pads a DigestInfo with PKCS#1 v1.5 type 1 (cie.md §7): deterministic.
            SignatureKind::Pkcs1OnChip => zeroize::Zeroizing::new(
                padding::pkcs1_v15_type1(input, public.len())
                    .map_err(|_| TokenError::DataLenRange)?,
            ),
        };
        match public.check(&signature, &block) {
            Ok(()) => Ok(signature),
            Err(fault) => {
                log::warn!(
                    "{} {}: the card's signature fails its check ({fault:?}): not returned",
                    self.family,
                    self.info.serial
                );
                self.drop_cached_certificate();
                Err(TokenError::DeviceError)
            }
        }
    }

    /// Removes this card's entry from the public-data cache (token::cache).
    fn drop_cached_certificate(&self) {
        if let (Some(serial), Some(dir)) = (self.card.serial_for_cache(), cache::directory()) {
            cache::remove_certificate(&dir, self.family, &serial);
        }
    }

    /// The bytes the chip's private-key operation takes for `request` (cns.md §5.1: raw RSA
    /// on a host-padded block; CIE: a DigestInfo the chip pads).
    fn sign_input(&self, request: &SignRequest) -> Result<zeroize::Zeroizing<Vec<u8>>, TokenError> {
        let k = self.modulus_bits.div_ceil(8);
        if k == 0 {
            return Err(TokenError::KeyHandleInvalid);
        }
        let padding_error = |e: padding::PaddingError| match e {
            padding::PaddingError::Random => TokenError::DeviceError,
            _ => TokenError::DataLenRange,
        };
        let input = match (self.card.signature_kind(), request) {
            (SignatureKind::RawRsa, SignRequest::Pkcs1v15 { data }) => {
                padding::pkcs1_v15_type1(data, k).map_err(padding_error)?
            }
            (
                SignatureKind::RawRsa,
                SignRequest::Pss {
                    hash,
                    mgf_hash,
                    salt_len,
                    digest,
                },
            ) => padding::pss(digest, *hash, *mgf_hash, *salt_len, self.modulus_bits)
                .map_err(padding_error)?,
            (SignatureKind::RawRsa, SignRequest::Raw { block }) => {
                raw_block(block, &self.modulus())?
            }
            (SignatureKind::Pkcs1OnChip, SignRequest::Pkcs1v15 { data }) => {
                if k < 11 || data.len() > k - 11 {
                    return Err(TokenError::DataLenRange);
                }
                data.clone()
            }
            (SignatureKind::Pkcs1OnChip, _) => return Err(TokenError::FunctionNotSupported),
        };
        Ok(zeroize::Zeroizing::new(input))
    }

    fn modulus(&self) -> Vec<u8> {
        self.objects
            .iter()
            .find(|o| o.class == ObjectClass::PrivateKey)
            .and_then(|o| o.attribute(cryptoki_sys::CKA_MODULUS))
            .and_then(AttributeValue::to_bytes)
            .unwrap_or_default()
    }

    /// `false` once the card has been removed (the slot then drops the token).
    pub fn is_present(&mut self) -> bool {
        let present = self.card.is_present();
        self.follow_resets();
        present
    }

    /// Runs `op` in one PC/SC transaction (`Connection::transaction`); a reset seen on the
    /// way ends the login (`security_state`).
    fn in_transaction<T>(
        &mut self,
        op: impl FnMut(&mut dyn Card, &mut CardChannel<'_>) -> Result<T, CardError>,
    ) -> Result<T, CardError> {
        let result = self.card.transaction(op);
        self.follow_resets();
        self.cache_chip_data();
        result
    }
}

fn public_key(certificate: &CertificateInfo) -> PublicKey {
    PublicKey {
        modulus: certificate.modulus.clone(),
        exponent: certificate.public_exponent.clone(),
    }
}

/// CKM_RSA_X_509 input: left-padded with zeros to the modulus length, and below the modulus.
fn raw_block(block: &[u8], modulus: &[u8]) -> Result<Vec<u8>, TokenError> {
    let k = modulus.len();
    if block.len() > k {
        return Err(TokenError::DataLenRange);
    }
    let mut padded = vec![0u8; k - block.len()];
    padded.extend_from_slice(block);
    // Big-endian byte strings of equal length compare like the numbers.
    if padded.as_slice() >= modulus {
        return Err(TokenError::DataLenRange);
    }
    Ok(padded)
}

/// Label of the key pair objects (certificate, public and private key; NSS nicknames are
/// "token label:certificate label"). A TS-CNS names its holder in the token label, so its
/// objects keep the card's name of the key, "CNS0 authentication" (cns.md §2.1). A CIE can
/// name its holder in no token label (before the PIN it shows only the NIS, cie.md §2–3), so
/// its objects carry the name, "ROSSI MARIO": they exist only with the certificate the name
/// comes from, so the label is the same wherever they show (issue #10). A certificate
/// without SN/GN: "CIE authentication".
fn key_label(family: &str, certificate: &CertificateInfo) -> String {
    match (family, holder_from_certificate(certificate)) {
        ("TS-CNS", _) => format!("CNS0 {KEY_LABEL_SUFFIX}"),
        ("CIE", Some(holder)) => holder,
        (other, _) => format!("{other} {KEY_LABEL_SUFFIX}"),
    }
}

/// "SURNAME GIVEN-NAME" from the certificate subject (SN, GN).
fn holder_from_certificate(c: &CertificateInfo) -> Option<String> {
    let holder = match (&c.surname, &c.given_name) {
        (Some(s), Some(g)) => format!("{s} {g}"),
        (Some(n), None) | (None, Some(n)) => n.clone(),
        (None, None) => return None,
    };
    Some(text::printable(&holder))
}

/// This card's `entry` in the public-data cache (untrusted bytes: the caller parses).
fn cache_load(card: &dyn Card, entry: Entry) -> Option<Vec<u8>> {
    cache::load(
        &cache::directory()?,
        card.family(),
        &card.serial_for_cache()?,
        entry,
    )
}

/// The token label, the same for a card in every process, before and after login, first
/// use or not (DESIGN.md "Slots"; NSS nicknames and `pkcs11:token=` URIs are made of it):
/// the holder's name where the card tells it without a PIN ("TS-CNS ROSSI MARIO": personal
/// data file or certificate, cns.md §2), else the card number ("CIE 123456789012": the
/// CIE shows its certificate only after login, cie.md, and a cache is per user and machine).
fn stable_label(public: &crate::card::PublicData) -> String {
    let from_certificate = || {
        let der = public.certificate.as_deref()?;
        holder_from_certificate(&CertificateInfo::parse(der).ok()?)
    };
    match public.holder.clone().or_else(from_certificate) {
        Some(holder) => format!("{} {holder}", public.family),
        None => format!("{} {}", public.family, public.serial),
    }
}

fn card_error(e: CardError) -> TokenError {
    match e {
        CardError::PinIncorrect { .. } => TokenError::PinIncorrect,
        CardError::PinLocked => TokenError::PinLocked,
        CardError::SecurityStatusNotSatisfied => TokenError::UserNotLoggedIn,
        CardError::DataLength => TokenError::DataLenRange,
        CardError::NotSupported => TokenError::FunctionNotSupported,
        CardError::Reset => TokenError::UserNotLoggedIn,
        CardError::Removed => TokenError::DeviceRemoved,
        CardError::Busy => TokenError::Busy,
        CardError::Transport(e) => {
            log::debug!("card link: {e}");
            TokenError::DeviceError
        }
        CardError::UnexpectedStatus { ins, sw } => {
            log::warn!("card answered {sw:04X} to INS {ins:02X}");
            TokenError::DeviceError
        }
        CardError::Unencodable(e) => {
            log::warn!("command not sendable through this reader: {e}");
            TokenError::DeviceError
        }
        CardError::Malformed(what) => {
            log::warn!("malformed card data: {what}");
            TokenError::DeviceError
        }
        CardError::ChannelLost => {
            log::warn!("the card dropped the secure channel");
            TokenError::DeviceError
        }
        CardError::ChipAuthentication => {
            log::warn!("the card failed chip authentication: refused");
            TokenError::DeviceError
        }
    }
}

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
