//! Card drivers, one per family, behind one `Card` trait (DESIGN.md "card").
//!
//! A driver speaks APDUs through a `CardChannel` (channel.rs: GET RESPONSE, 6Cxx, tracing)
//! that the token opens for each operation (one PC/SC transaction), so every method takes
//! the channel.

pub mod channel;
pub mod cie;
pub mod cns;
mod connection;
pub mod detect;
pub mod file;
pub mod pin;
#[cfg(test)]
pub(crate) mod testing;

pub use channel::CardChannel;
pub use connection::{Connection, Inserted};
pub use pin::{Pin, PinChange, PinFormatError, PinKind, PinPolicy};

use crate::transport::TransportError;

/// Why a card operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    /// 63Cx: wrong PIN, `tries_left` remaining.
    PinIncorrect { tries_left: u8 },
    /// 6983: PIN or PUK blocked.
    PinLocked,
    /// 6982: the operation needs a verified PIN the card does not (or no longer) hold.
    SecurityStatusNotSatisfied,
    /// The input does not fit the key.
    DataLength,
    /// The card does not support this operation.
    NotSupported,
    /// The card was reset (by someone else, or under us): it forgot every verified PIN
    /// and session. The connection has reconnected already.
    Reset,
    /// The card or its reader has gone.
    Removed,
    /// Another application held the card longer than we wait for it
    /// (`transport::TRANSACTION_WAIT`).
    Busy,
    /// Any other failure of the link to the card (no service, communication, timeout).
    Transport(crate::transport::TransportError),
    /// A command this reader cannot carry (an extended APDU through a short-only reader):
    /// a driver's choice, not a broken link.
    Unencodable(crate::iso7816::ApduError),
    /// An unexpected status word for this command.
    UnexpectedStatus { ins: u8, sw: u16 },
    /// Card data that does not parse (certificate, TLV, personal data).
    Malformed(&'static str),
    /// The chip no longer accepts our secure-messaging session (SM status 6987 / 6988, a
    /// response that fails its MAC): the session must be rebuilt (CIE, cie.md §5.3).
    ChannelLost,
    /// The chip failed to prove it holds its key, or its terminal-authentication keys do
    /// not pair (CIE INTERNAL AUTHENTICATE against EF 1004, cie.md §4.4 step 8, C2).
    ChipAuthentication,
}

impl CardError {
    /// The link to the card failed (reset, removed, communication): never a card's answer,
    /// so a driver or the token passes it on instead of trying something else.
    pub fn is_link(&self) -> bool {
        matches!(
            self,
            CardError::Reset | CardError::Removed | CardError::Busy | CardError::Transport(_)
        )
    }
}

impl From<TransportError> for CardError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::CardReset => CardError::Reset,
            TransportError::CardRemoved
            | TransportError::NoCard
            | TransportError::ReaderUnavailable => CardError::Removed,
            TransportError::Timeout => CardError::Busy,
            e => CardError::Transport(e),
        }
    }
}

/// How the chip computes an RSA signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// The chip does raw RSA on a full block; the host pads (TS-CNS PSO DECIPHER, cns.md §5.1).
    RawRsa,
    /// The chip pads PKCS#1 v1.5 type 1 around a DigestInfo itself (CIE INTERNAL AUTHENTICATE, cie.md §7).
    Pkcs1OnChip,
}

/// RSA modulus lengths a chip can sign with, in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySizes {
    pub min_bits: usize,
    pub max_bits: usize,
}

/// The public data a token is built from, read before any login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicData {
    /// Token serial (EF 1003 digits for TS-CNS, NIS for CIE).
    pub serial: String,
    /// Human-readable family, e.g. "TS-CNS" or "CIE".
    pub family: &'static str,
    /// Chip/variant name, e.g. "ST 2021" (CK_TOKEN_INFO.model).
    pub model: String,
    /// e.g. "STIncard" (CK_TOKEN_INFO.manufacturerID).
    pub manufacturer: String,
    /// Holder, "SURNAME GIVEN-NAME", when the card tells it before login.
    pub holder: Option<String>,
    /// DER of the authentication certificate, when readable before login.
    pub certificate: Option<Vec<u8>>,
}

/// Something the card says about its holder that the token shows as a CKO_DATA object,
/// private (after login only): personal data is readable without a PIN on the card
/// (cns.md §2.3), but a token should not hand it to every process that lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderDatum {
    /// CKA_APPLICATION, e.g. "EF_DatiPersonali".
    pub application: &'static str,
    /// CKA_LABEL, e.g. "codice_fiscale".
    pub label: &'static str,
    /// CKA_VALUE, as the card stores it.
    pub value: Vec<u8>,
}

pub trait Card: Send {
    /// Reads serial, holder and certificate (public files, no PIN).
    fn read_public_data(&mut self, channel: &mut CardChannel<'_>) -> Result<PublicData, CardError>;

    /// The RSA key sizes the chip signs with (the token derives its mechanisms from this
    /// and `signature_kind`).
    fn key_sizes(&self) -> KeySizes;

    /// Holder data read with the public data, for private data objects (none by default).
    fn holder_data(&self) -> Vec<HolderDatum> {
        Vec::new()
    }

    fn signature_kind(&self) -> SignatureKind;

    fn pin_policy(&self, kind: PinKind) -> PinPolicy;

    /// Reads a retry counter without spending a try; `Ok(None)` when the card cannot tell.
    fn retries_left(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
    ) -> Result<Option<u8>, CardError>;

    /// VERIFY (the PIN is already checked against `pin_policy`).
    fn verify_pin(
        &mut self,
        channel: &mut CardChannel<'_>,
        kind: PinKind,
        pin: &Pin,
    ) -> Result<(), CardError>;

    /// Forgets the security state the driver holds for this card.
    fn logout(&mut self, channel: &mut CardChannel<'_>) -> Result<(), CardError>;

    /// The private-key operation with the authentication key.
    /// `RawRsa`: `input` is a full modulus-length block. `Pkcs1OnChip`: `input` is a DigestInfo.
    fn sign(&mut self, channel: &mut CardChannel<'_>, input: &[u8]) -> Result<Vec<u8>, CardError>;

    /// Changes or unblocks the user PIN (`PinChange`); not supported by default.
    fn change_pin(
        &mut self,
        _channel: &mut CardChannel<'_>,
        _change: PinChange<'_>,
    ) -> Result<(), CardError> {
        Err(CardError::NotSupported)
    }

    /// The authentication certificate as readable only after `verify_pin` succeeded (CIE:
    /// EF 1003 under secure messaging). `Ok(None)`: the card showed everything before login.
    fn read_certificate_after_login(
        &mut self,
        _channel: &mut CardChannel<'_>,
    ) -> Result<Option<Vec<u8>>, CardError> {
        Ok(None)
    }

    /// The serial under which the token may cache this card's public data (CIE: the NIS,
    /// TS-CNS: EF_IDCarta's digits). `None`: no cache.
    fn serial_for_cache(&self) -> Option<String> {
        None
    }

    /// The family the cache files are named after, as `PublicData::family`.
    fn family(&self) -> &'static str;

    /// The certificate is readable without a PIN but `read_public_data` leaves it to the
    /// token, which takes it from the cache or asks `read_certificate_after_login`, which
    /// then needs no login (TS-CNS).
    fn shows_certificate_before_login(&self) -> bool {
        false
    }

    /// Public data the driver read from the card for its own use (CIE: the handshake's chip
    /// data, `cie::chip_data`), to keep in the public-data cache under `serial_for_cache`;
    /// `Some` once after each fresh read.
    fn chip_data_to_cache(&mut self) -> Option<Vec<u8>> {
        None
    }

    /// What `chip_data_to_cache` gave for this card in an earlier process: untrusted, parsed
    /// like card data, ignored on any error.
    fn use_cached_chip_data(&mut self, _bytes: &[u8]) {}

    /// The transport reconnected after someone else reset the card: the chip forgot every
    /// session and verified PIN.
    fn card_reset(&mut self) {}

    /// Forgets, without talking to the card, whatever the driver keeps for a login (CIE:
    /// the secure channel and the held PIN). The token calls it whenever it is not logged in
    /// any more, whatever the card answered.
    fn forget_login(&mut self) {}

    /// Whether a PIN verified by this process serves every application on the card until
    /// it is reset (TS-CNS: plain VERIFY, no command forgets it, cns.md §3–4): ending the
    /// login then takes a reset. `false`: the verified state is reachable only through
    /// this process's own session (CIE secure messaging).
    fn verified_pin_is_shared(&self) -> bool {
        false
    }

    /// Whether the driver can rebuild a lost session by itself (CIE: it holds the PIN while
    /// logged in). The token then retries a failed operation once.
    fn can_resume_session(&self) -> bool {
        false
    }
}
