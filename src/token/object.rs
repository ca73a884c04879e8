//! Token objects as attribute lists (PKCS#11 3.0 §4): built once from card data,
//! read by `C_GetAttributeValue` and matched by `C_FindObjects`.

use cryptoki_sys::{CK_ATTRIBUTE_TYPE, CK_ULONG};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectClass {
    Certificate,
    PublicKey,
    PrivateKey,
    Data,
}

impl ObjectClass {
    #[cfg(test)]
    pub fn ck_value(self) -> CK_ULONG {
        match self {
            ObjectClass::Certificate => cryptoki_sys::CKO_CERTIFICATE,
            ObjectClass::PublicKey => cryptoki_sys::CKO_PUBLIC_KEY,
            ObjectClass::PrivateKey => cryptoki_sys::CKO_PRIVATE_KEY,
            ObjectClass::Data => cryptoki_sys::CKO_DATA,
        }
    }
}

/// One attribute's value, in the byte layout the C caller receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    Bool(bool),
    Ulong(CK_ULONG),
    Bytes(Vec<u8>),
    /// Exists but may not be revealed (CKR_ATTRIBUTE_SENSITIVE, PKCS#11 3.0 §5.7.5).
    Sensitive,
}

impl AttributeValue {
    /// The value as the caller's buffer receives it; `None` for `Sensitive`.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            AttributeValue::Bool(b) => Some(vec![u8::from(*b)]),
            AttributeValue::Ulong(v) => Some(v.to_ne_bytes().to_vec()),
            AttributeValue::Bytes(b) => Some(b.clone()),
            AttributeValue::Sensitive => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenObject {
    pub class: ObjectClass,
    /// CKA_PRIVATE: hidden from sessions that are not logged in.
    pub private: bool,
    attributes: Vec<(CK_ATTRIBUTE_TYPE, AttributeValue)>,
}

impl TokenObject {
    /// `attributes` must include CKA_CLASS and CKA_PRIVATE consistent with `class` and `private`.
    pub fn new(
        class: ObjectClass,
        private: bool,
        attributes: Vec<(CK_ATTRIBUTE_TYPE, AttributeValue)>,
    ) -> Self {
        TokenObject {
            class,
            private,
            attributes,
        }
    }

    pub fn attribute(&self, kind: CK_ATTRIBUTE_TYPE) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v)
    }

    pub fn attributes(&self) -> &[(CK_ATTRIBUTE_TYPE, AttributeValue)] {
        &self.attributes
    }

    /// C_FindObjects matching: every template attribute present with exactly these bytes.
    pub fn matches(&self, template: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)]) -> bool {
        template.iter().all(|(kind, wanted)| {
            self.attribute(*kind)
                .and_then(AttributeValue::to_bytes)
                .is_some_and(|have| &have == wanted)
        })
    }
}
