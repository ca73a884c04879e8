//! Objects: search and attributes (PKCS#11 3.0 §5.7 object management).
//!
//! The token's objects are read-only; private ones (CKA_PRIVATE) exist for a session only
//! while the user is logged in (§4.4.1), so they are neither found nor readable before.

use super::bound::BoundToken;
use super::instance::Instance;
use super::Rv;
use crate::token::{AttributeValue, TokenObject};
use cryptoki_sys::*;
use std::collections::VecDeque;

/// A C_FindObjects search: the handles matched at C_FindObjectsInit, not yet returned.
pub struct FindOperation {
    remaining: VecDeque<CK_OBJECT_HANDLE>,
}

/// One attribute as C_GetAttributeValue reports it (§5.7.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeLookup {
    Value(Vec<u8>),
    /// CKR_ATTRIBUTE_SENSITIVE
    Sensitive,
    /// CKR_ATTRIBUTE_TYPE_INVALID
    Invalid,
}

pub type Template = [(CK_ATTRIBUTE_TYPE, Vec<u8>)];

/// The visible objects matching `template`, in token order.
pub fn find_matches(token: &BoundToken, template: &Template) -> VecDeque<CK_OBJECT_HANDLE> {
    token
        .visible_handles()
        .filter(|(_, o)| o.matches(template))
        .map(|(h, _)| h)
        .collect()
}

impl Instance {
    /// C_FindObjectsInit (§5.7.7).
    pub fn find_init(&self, handle: CK_SESSION_HANDLE, template: &Template) -> Result<(), Rv> {
        self.with_token(handle, |_, ops, token| {
            if ops.find.is_some() {
                return Err(Rv::OPERATION_ACTIVE);
            }
            ops.find = Some(FindOperation {
                remaining: find_matches(token, template),
            });
            Ok(())
        })
    }

    /// C_FindObjects (§5.7.8): up to `max` more handles.
    pub fn find_next(
        &self,
        handle: CK_SESSION_HANDLE,
        max: usize,
    ) -> Result<Vec<CK_OBJECT_HANDLE>, Rv> {
        self.with_session(handle, |ops| {
            let find = ops.find.as_mut().ok_or(Rv::OPERATION_NOT_INITIALIZED)?;
            let n = max.min(find.remaining.len());
            Ok(find.remaining.drain(..n).collect())
        })
    }

    /// C_FindObjectsFinal (§5.7.9).
    pub fn find_final(&self, handle: CK_SESSION_HANDLE) -> Result<(), Rv> {
        self.with_session(handle, |ops| {
            ops.find
                .take()
                .map(|_| ())
                .ok_or(Rv::OPERATION_NOT_INITIALIZED)
        })
    }

    /// C_GetAttributeValue (§5.7.5): every requested attribute looked up, none skipped.
    pub fn attribute_values(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
        types: &[CK_ATTRIBUTE_TYPE],
    ) -> Result<Vec<AttributeLookup>, Rv> {
        self.with_visible_object(handle, object, |object| {
            types
                .iter()
                .map(|t| match object.attribute(*t) {
                    None => AttributeLookup::Invalid,
                    Some(AttributeValue::Sensitive) => AttributeLookup::Sensitive,
                    Some(value) => value
                        .to_bytes()
                        .map_or(AttributeLookup::Sensitive, AttributeLookup::Value),
                })
                .collect()
        })
    }

    /// C_GetObjectSize (§5.7.4): the bytes of its readable attribute values, an
    /// approximation the specification allows.
    pub fn object_size(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
    ) -> Result<usize, Rv> {
        self.with_visible_object(handle, object, |object| {
            object
                .attributes()
                .iter()
                .filter_map(|(_, v)| v.to_bytes())
                .map(|b| b.len())
                .sum()
        })
    }

    /// Runs `f` on the object behind `object` if the session may see it (§5.7.4–5.7.5:
    /// CKR_OBJECT_HANDLE_INVALID otherwise).
    fn with_visible_object<R>(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
        f: impl FnOnce(&TokenObject) -> R,
    ) -> Result<R, Rv> {
        self.with_token(handle, |_, _, token| {
            let (_, object) = token
                .visible_object(object)
                .ok_or(Rv(CKR_OBJECT_HANDLE_INVALID))?;
            Ok(f(object))
        })
    }
}
