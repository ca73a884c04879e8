//! What a card looks like as a PKCS#11 token (DESIGN.md "token").
//!
//! The `cryptoki` layer sees only this module: token info, objects with their
//! attributes, mechanisms, PIN verification and signing. It never sees an APDU.

pub mod hash;
pub mod info;
pub mod mechanism;
pub mod object;
pub mod padding;

pub use hash::HashAlg;
pub use info::TokenInfo;
pub use mechanism::MechanismInfo;
pub use object::{AttributeValue, ObjectClass, TokenObject};

use crate::card::{PinKind, PinPolicy};
use crate::transport::Transport;

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
    transport: Box<dyn Transport>,
    card: Box<dyn crate::card::Card>,
    info: TokenInfo,
    objects: Vec<TokenObject>,
}

impl Token {
    /// Detects the card behind `transport` and reads its public data.
    /// `Ok(None)`: a card this module does not support (logged with its ATR, never an error).
    pub fn bind(transport: Box<dyn Transport>) -> Result<Option<Token>, TokenError> {
        let _ = transport;
        todo!("token binding")
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

    pub fn mechanisms(&self) -> &'static [MechanismInfo] {
        self.card.mechanisms()
    }

    pub fn pin_policy(&self, kind: PinKind) -> PinPolicy {
        self.card.pin_policy(kind)
    }

    /// Checks the PIN format, then verifies it on the card (one try spent only if the format is right).
    pub fn login(&mut self, kind: PinKind, pin: &[u8]) -> Result<(), TokenError> {
        let _ = (kind, pin, &mut self.transport);
        todo!("login")
    }

    /// Forgets the card's security state (and any PIN the driver held).
    pub fn logout(&mut self) -> Result<(), TokenError> {
        todo!("logout")
    }

    /// Signs with the private key at `key`.
    pub fn sign(&mut self, key: ObjectIndex, request: &SignRequest) -> Result<Vec<u8>, TokenError> {
        let _ = (key, request);
        todo!("sign")
    }

    /// `false` once the card has been removed (the slot then drops the token).
    pub fn is_present(&mut self) -> bool {
        todo!("presence")
    }
}
