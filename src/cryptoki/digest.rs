//! Message digests on the host (PKCS#11 3.0 §5.12 C_DigestInit / C_Digest /
//! C_DigestUpdate / C_DigestFinal) for CKM_SHA_1, CKM_SHA256, CKM_SHA384, CKM_SHA512.
//! Same length convention as signing (§5.2): a length query or a too-small buffer keeps
//! the operation, anything else ends it.

use super::instance::Instance;
use super::mechanism::{digest_alg, MechanismParams, MechanismRequest};
use super::output::{keep_or_end, Delivery, Output, Room};
use super::Rv;
use cryptoki_sys::CK_SESSION_HANDLE;

pub struct DigestOperation {
    context: ring::digest::Context,
    /// C_DigestUpdate was called: only C_DigestFinal may end it (§5.12 C_Digest).
    multipart: bool,
}

impl DigestOperation {
    pub fn new(request: &MechanismRequest) -> Result<Self, Rv> {
        let hash = digest_alg(request.mechanism).ok_or(Rv::MECHANISM_INVALID)?;
        if request.params != MechanismParams::None {
            return Err(Rv::MECHANISM_PARAM_INVALID);
        }
        Ok(DigestOperation {
            context: ring::digest::Context::new(hash.ring_algorithm()),
            multipart: false,
        })
    }

    fn output_len(&self) -> usize {
        self.context.algorithm().output_len()
    }

    /// Delivers the digest of everything so far plus `last`.
    fn produce(&self, last: &[u8], out: &mut dyn Output) -> Result<Delivery, Rv> {
        if out.room_for(self.output_len())? == Room::LengthOnly {
            return Ok(Delivery::LengthOnly);
        }
        let mut context = self.context.clone();
        context.update(last);
        out.deliver(context.finish().as_ref())
    }
}

fn finish(
    slot: &mut Option<DigestOperation>,
    last: &[u8],
    out: &mut dyn Output,
    single: bool,
) -> Result<(), Rv> {
    let op = slot.as_ref().ok_or(Rv::OPERATION_NOT_INITIALIZED)?;
    if single && op.multipart {
        // C_Digest cannot finish a multi-part digest; the refusal leaves it as it was, so
        // the caller can still C_DigestUpdate / C_DigestFinal (issue #10).
        return Err(Rv::OPERATION_ACTIVE);
    }
    let outcome = op.produce(last, out);
    keep_or_end(slot, outcome)
}

impl Instance {
    /// C_DigestInit (§5.12).
    pub fn digest_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &MechanismRequest,
    ) -> Result<(), Rv> {
        self.with_session(handle, |ops| {
            if ops.digest.is_some() {
                return Err(Rv::OPERATION_ACTIVE);
            }
            ops.digest = Some(DigestOperation::new(mechanism)?);
            Ok(())
        })
    }

    /// C_Digest (§5.12): single-part.
    pub fn digest(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), Rv> {
        self.with_session(handle, |ops| finish(&mut ops.digest, data, out, true))
    }

    /// C_DigestUpdate (§5.12).
    pub fn digest_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<(), Rv> {
        self.with_session(handle, |ops| {
            let op = ops.digest.as_mut().ok_or(Rv::OPERATION_NOT_INITIALIZED)?;
            op.context.update(data);
            op.multipart = true;
            Ok(())
        })
    }

    /// Ends the digest operation after an argument error found by the C layer (§5.12:
    /// every call but a length query or CKR_BUFFER_TOO_SMALL ends it).
    pub fn end_digest(&self, handle: CK_SESSION_HANDLE) {
        let _ = self.with_session(handle, |ops| {
            ops.digest = None;
            Ok(())
        });
    }

    /// C_DigestFinal (§5.12).
    pub fn digest_final(&self, handle: CK_SESSION_HANDLE, out: &mut dyn Output) -> Result<(), Rv> {
        self.with_session(handle, |ops| finish(&mut ops.digest, &[], out, false))
    }
}
