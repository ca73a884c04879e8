//! Signing (PKCS#11 3.0 §5.13 C_SignInit / C_Sign / C_SignUpdate / C_SignFinal).
//!
//! The host hashes (hash-and-sign mechanisms, incrementally with ring for multi-part) and
//! builds a `SignRequest`; the chip computes the signature. The result of one private-key
//! operation is kept until the caller has it: a length query (NULL output) or a too-small
//! buffer does not end the operation (§5.2), and never costs a second card signature.

use super::bound::{BoundToken, Login};
use super::instance::Instance;
use super::mechanism::{mechanism_name, MechanismParams, MechanismRequest};
use super::output::{keep_or_end, Delivery, Output, Room};
use super::Rv;
use crate::token::AttributeValue;
use crate::token::{HashAlg, ObjectClass, ObjectIndex, SignRequest, TokenError, TokenObject};
use cryptoki_sys::*;

/// Longest input kept for the unhashed mechanisms (well above any RSA modulus).
const MAX_BUFFERED: usize = 2048;

/// What the host does with the data before the card signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// CKM_RSA_PKCS: the data (normally a DigestInfo) is padded as it is.
    Pkcs1,
    /// CKM_RSA_X_509: raw RSA on the data.
    Raw,
    /// CKM_SHA*_RSA_PKCS: hash, wrap in a DigestInfo, PKCS#1 v1.5.
    HashPkcs1(HashAlg),
    /// CKM_RSA_PKCS_PSS (data = the hash) and CKM_SHA*_RSA_PKCS_PSS (`hashed`: the host hashes).
    Pss {
        hash: HashAlg,
        mgf_hash: HashAlg,
        salt_len: usize,
        hashed: bool,
    },
}

fn hash_of(mechanism: CK_MECHANISM_TYPE) -> Option<HashAlg> {
    match mechanism {
        CKM_SHA1_RSA_PKCS | CKM_SHA1_RSA_PKCS_PSS => Some(HashAlg::Sha1),
        CKM_SHA256_RSA_PKCS | CKM_SHA256_RSA_PKCS_PSS => Some(HashAlg::Sha256),
        CKM_SHA384_RSA_PKCS | CKM_SHA384_RSA_PKCS_PSS => Some(HashAlg::Sha384),
        CKM_SHA512_RSA_PKCS | CKM_SHA512_RSA_PKCS_PSS => Some(HashAlg::Sha512),
        _ => None,
    }
}

impl Scheme {
    /// Decodes and validates a signature mechanism and its parameter for a key whose
    /// modulus is `modulus_len` bytes (when known).
    pub fn new(request: &MechanismRequest, modulus_len: Option<usize>) -> Result<Scheme, Rv> {
        let no_params = |scheme| match request.params {
            MechanismParams::None => Ok(scheme),
            _ => Err(Rv::MECHANISM_PARAM_INVALID),
        };
        match request.mechanism {
            CKM_RSA_PKCS => no_params(Scheme::Pkcs1),
            CKM_RSA_X_509 => no_params(Scheme::Raw),
            CKM_SHA1_RSA_PKCS | CKM_SHA256_RSA_PKCS | CKM_SHA384_RSA_PKCS | CKM_SHA512_RSA_PKCS => {
                let hash = hash_of(request.mechanism).ok_or(Rv::MECHANISM_INVALID)?;
                no_params(Scheme::HashPkcs1(hash))
            }
            CKM_RSA_PKCS_PSS => pss(request.params, None, modulus_len),
            CKM_SHA1_RSA_PKCS_PSS
            | CKM_SHA256_RSA_PKCS_PSS
            | CKM_SHA384_RSA_PKCS_PSS
            | CKM_SHA512_RSA_PKCS_PSS => {
                pss(request.params, hash_of(request.mechanism), modulus_len)
            }
            _ => Err(Rv::MECHANISM_INVALID),
        }
    }

    fn hashing(&self) -> Option<HashAlg> {
        match *self {
            Scheme::HashPkcs1(hash) => Some(hash),
            Scheme::Pss {
                hash, hashed: true, ..
            } => Some(hash),
            _ => None,
        }
    }

    /// The card request for the prepared input: the digest for hashing schemes, the
    /// caller's data otherwise.
    fn request(&self, input: Vec<u8>, modulus_len: Option<usize>) -> Result<SignRequest, Rv> {
        match *self {
            Scheme::Pkcs1 => {
                // RFC 8017 §9.2: at most k − 11 bytes fit type-1 padding.
                if modulus_len.is_some_and(|k| input.len() + 11 > k) {
                    return Err(Rv::DATA_LEN_RANGE);
                }
                Ok(SignRequest::Pkcs1v15 { data: input })
            }
            Scheme::Raw => {
                if modulus_len.is_some_and(|k| input.len() > k) {
                    return Err(Rv::DATA_LEN_RANGE);
                }
                Ok(SignRequest::Raw { block: input })
            }
            Scheme::HashPkcs1(hash) => Ok(SignRequest::Pkcs1v15 {
                data: hash.digest_info(&input),
            }),
            Scheme::Pss {
                hash,
                mgf_hash,
                salt_len,
                ..
            } => {
                // CKM_RSA_PKCS_PSS signs a hash: it must have the hash's length.
                if input.len() != hash.output_len() {
                    return Err(Rv::DATA_LEN_RANGE);
                }
                Ok(SignRequest::Pss {
                    hash,
                    mgf_hash,
                    salt_len,
                    digest: input,
                })
            }
        }
    }
}

/// CK_RSA_PKCS_PSS_PARAMS checks (current mechanisms spec §2.1.14–15): a known hash, the
/// mechanism's own hash for CKM_SHA*_RSA_PKCS_PSS, a known MGF1, and a salt that fits
/// the key (RFC 8017 §9.1.1: emLen ≥ hLen + sLen + 2).
fn pss(
    params: MechanismParams,
    bound: Option<HashAlg>,
    modulus_len: Option<usize>,
) -> Result<Scheme, Rv> {
    let MechanismParams::Pss(p) = params else {
        return Err(Rv::MECHANISM_PARAM_INVALID);
    };
    let hash = HashAlg::from_ck_mechanism(p.hash_alg).ok_or(Rv::MECHANISM_PARAM_INVALID)?;
    if bound.is_some_and(|b| b != hash) {
        return Err(Rv::MECHANISM_PARAM_INVALID);
    }
    let mgf_hash = HashAlg::from_ck_mgf(p.mgf).ok_or(Rv::MECHANISM_PARAM_INVALID)?;
    let salt_len = usize::try_from(p.salt_len).map_err(|_| Rv::MECHANISM_PARAM_INVALID)?;
    let room = modulus_len.unwrap_or(MAX_BUFFERED);
    if salt_len.saturating_add(hash.output_len() + 2) > room {
        return Err(Rv::MECHANISM_PARAM_INVALID);
    }
    Ok(Scheme::Pss {
        hash,
        mgf_hash,
        salt_len,
        hashed: bound.is_some(),
    })
}

enum Input {
    Buffer(Vec<u8>),
    Hashing(ring::digest::Context),
}

/// An active signature operation of a session.
pub struct SignOperation {
    scheme: Scheme,
    key: ObjectIndex,
    modulus_len: Option<usize>,
    input: Input,
    /// C_SignUpdate was called: only C_SignFinal may end it (§5.13).
    multipart: bool,
    /// The card's signature, kept until delivered.
    signature: Option<Vec<u8>>,
}

/// The modulus length in bytes of an RSA key object, from CKA_MODULUS_BITS or CKA_MODULUS.
pub fn modulus_len(key: &TokenObject) -> Option<usize> {
    match key.attribute(CKA_MODULUS_BITS) {
        Some(AttributeValue::Ulong(bits)) => usize::try_from(*bits).ok().map(|b| b.div_ceil(8)),
        _ => match key.attribute(CKA_MODULUS) {
            Some(AttributeValue::Bytes(n)) => {
                Some(n.iter().skip_while(|b| **b == 0).count()).filter(|l| *l > 0)
            }
            _ => None,
        },
    }
}

impl SignOperation {
    pub fn new(
        request: &MechanismRequest,
        key: ObjectIndex,
        modulus_len: Option<usize>,
    ) -> Result<Self, Rv> {
        let scheme = Scheme::new(request, modulus_len)?;
        let input = match scheme.hashing() {
            Some(hash) => Input::Hashing(ring::digest::Context::new(hash.ring_algorithm())),
            None => Input::Buffer(Vec::new()),
        };
        Ok(SignOperation {
            scheme,
            key,
            modulus_len,
            input,
            multipart: false,
            signature: None,
        })
    }

    fn update(&mut self, data: &[u8]) -> Result<(), Rv> {
        if self.signature.is_some() {
            return Err(Rv::OPERATION_NOT_INITIALIZED);
        }
        self.multipart = true;
        match &mut self.input {
            Input::Hashing(context) => context.update(data),
            Input::Buffer(buffer) => {
                if buffer.len() + data.len() > MAX_BUFFERED {
                    return Err(Rv::DATA_LEN_RANGE);
                }
                buffer.extend_from_slice(data);
            }
        }
        Ok(())
    }

    /// The prepared input: `single` (C_Sign's data) or what C_SignUpdate accumulated.
    fn prepared(&self, single: Option<&[u8]>) -> Vec<u8> {
        match (single, &self.input) {
            (Some(data), _) => match self.scheme.hashing() {
                Some(hash) => ring::digest::digest(hash.ring_algorithm(), data)
                    .as_ref()
                    .to_vec(),
                None => data.to_vec(),
            },
            (None, Input::Hashing(context)) => context.clone().finish().as_ref().to_vec(),
            (None, Input::Buffer(buffer)) => buffer.clone(),
        }
    }

    /// Produces (once) and delivers the signature.
    fn produce(
        &mut self,
        token: &mut BoundToken,
        out: &mut dyn Output,
        single: Option<&[u8]>,
    ) -> Result<Delivery, Rv> {
        if self.signature.is_none() {
            if let Some(k) = self.modulus_len {
                if out.room_for(k)? == Room::LengthOnly {
                    return Ok(Delivery::LengthOnly);
                }
            }
            let request = self
                .scheme
                .request(self.prepared(single), self.modulus_len)?;
            let signature = token.device.sign(self.key, &request).map_err(|e| {
                if e == TokenError::UserNotLoggedIn {
                    // The card lost its PIN state (reset by another application): the
                    // user must log in again, which C_Login must then allow.
                    token.login = Login::Public;
                }
                sign_rv(e)
            })?;
            self.signature = Some(signature);
        }
        out.deliver(self.signature.as_deref().unwrap_or_default())
    }
}

/// C_Sign / C_SignFinal's view of a token error (§5.13.2 lists their codes): PIN
/// trouble while signing means the session no longer acts for the user.
fn sign_rv(e: TokenError) -> Rv {
    match e {
        TokenError::DataLenRange => Rv::DATA_LEN_RANGE,
        TokenError::DeviceRemoved => Rv::DEVICE_REMOVED,
        TokenError::DeviceError => Rv(CKR_DEVICE_ERROR),
        TokenError::Busy => Rv::FUNCTION_FAILED,
        TokenError::UserNotLoggedIn
        | TokenError::PinIncorrect
        | TokenError::PinLocked
        | TokenError::PinLenRange
        | TokenError::PinInvalid => Rv::USER_NOT_LOGGED_IN,
        TokenError::FunctionNotSupported | TokenError::KeyHandleInvalid => Rv::FUNCTION_FAILED,
    }
}

/// Runs the final step of an operation: a length answer or a too-small buffer keep it,
/// everything else (success or error) ends it (§5.2, §5.13).
fn finish(
    slot: &mut Option<SignOperation>,
    token: &mut BoundToken,
    out: &mut dyn Output,
    single: Option<&[u8]>,
) -> Result<(), Rv> {
    let op = slot.as_mut().ok_or(Rv::OPERATION_NOT_INITIALIZED)?;
    if single.is_some() && op.multipart {
        // C_Sign cannot finish a multi-part operation (§5.13 C_Sign); the refusal leaves it
        // usable for C_SignUpdate / C_SignFinal.
        return Err(Rv::OPERATION_ACTIVE);
    }
    let outcome = op.produce(token, out, single);
    keep_or_end(slot, outcome)
}

impl Instance {
    /// C_SignInit (§5.13): a mechanism the token offers for signing, a private key with
    /// CKA_SIGN, and the user logged in.
    pub fn sign_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &MechanismRequest,
        key: CK_OBJECT_HANDLE,
    ) -> Result<(), Rv> {
        // Which mechanism a client (a browser's TLS stack) picked is the first question of
        // any login problem report.
        log::debug!(
            "C_SignInit mechanism {}",
            mechanism_name(mechanism.mechanism)
        );
        self.with_token(handle, |_, ops, token| {
            if ops.sign.is_some() {
                return Err(Rv::OPERATION_ACTIVE);
            }
            let offered = token
                .device
                .mechanisms()
                .iter()
                .any(|m| m.mechanism == mechanism.mechanism && m.flags & CKF_SIGN != 0);
            if !offered {
                return Err(Rv::MECHANISM_INVALID);
            }
            let (index, object) = token.object(key).ok_or(Rv(CKR_KEY_HANDLE_INVALID))?;
            if token.login != Login::User {
                return Err(Rv::USER_NOT_LOGGED_IN);
            }
            match object.class {
                ObjectClass::PrivateKey => {}
                ObjectClass::PublicKey => return Err(Rv(CKR_KEY_FUNCTION_NOT_PERMITTED)),
                ObjectClass::Certificate | ObjectClass::Data => {
                    return Err(Rv(CKR_KEY_HANDLE_INVALID))
                }
            }
            if object.attribute(CKA_SIGN) != Some(&AttributeValue::Bool(true)) {
                return Err(Rv(CKR_KEY_FUNCTION_NOT_PERMITTED));
            }
            ops.sign = Some(SignOperation::new(mechanism, index, modulus_len(object))?);
            Ok(())
        })
    }

    /// C_Sign (§5.13): single-part.
    pub fn sign(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), Rv> {
        self.with_token(handle, |_, ops, token| {
            finish(&mut ops.sign, token, out, Some(data))
        })
    }

    /// C_SignUpdate (§5.13): any error ends the operation.
    pub fn sign_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<(), Rv> {
        self.with_token(handle, |_, ops, _| {
            let op = ops.sign.as_mut().ok_or(Rv::OPERATION_NOT_INITIALIZED)?;
            let result = op.update(data);
            if result.is_err() {
                ops.sign = None;
            }
            result
        })
    }

    /// Ends the signature operation after an argument error found by the C layer: §5.13
    /// C_Sign "always terminates the active signing operation unless it returns
    /// CKR_BUFFER_TOO_SMALL or is a successful length query".
    pub fn end_sign(&self, handle: CK_SESSION_HANDLE) {
        let _ = self.with_session(handle, |ops| {
            ops.sign = None;
            Ok(())
        });
    }

    /// C_SignFinal (§5.13).
    pub fn sign_final(&self, handle: CK_SESSION_HANDLE, out: &mut dyn Output) -> Result<(), Rv> {
        self.with_token(handle, |_, ops, token| {
            finish(&mut ops.sign, token, out, None)
        })
    }
}
