//! The certificate, public key and private key objects of a card's key pair (PKCS#11 3.0
//! §4.6, §4.8–4.9, §2.1 of the mechanisms document), built from the certificate DER.
//!
//! The certificate is untrusted input: parsing errors are errors, never panics.

use der::{Decode, Encode};
use x509_cert::Certificate;

use super::object::{AttributeValue, ObjectClass, TokenObject};
use super::MechanismInfo;
use crate::card::HolderDatum;
use crate::iso7816::tlv;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_SURNAME: &str = "2.5.4.4";
const OID_GIVEN_NAME: &str = "2.5.4.42";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectError {
    /// Not a DER X.509 certificate.
    Certificate,
    /// The subject key is not RSA, or its RSAPublicKey does not parse.
    PublicKey,
}

/// What the objects need from the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub der: Vec<u8>,
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    /// DER INTEGER, tag included (PKCS#11 3.0 §4.6.3 CKA_SERIAL_NUMBER).
    pub serial_number: Vec<u8>,
    /// CK_DATE "YYYYMMDD".
    pub not_before: Option<[u8; 8]>,
    pub not_after: Option<[u8; 8]>,
    pub public_key_info: Vec<u8>,
    /// Big-endian, no leading zeros.
    pub modulus: Vec<u8>,
    pub public_exponent: Vec<u8>,
    pub surname: Option<String>,
    pub given_name: Option<String>,
}

impl CertificateInfo {
    pub fn parse(der: &[u8]) -> Result<CertificateInfo, ObjectError> {
        let cert = Certificate::from_der(der).map_err(|_| ObjectError::Certificate)?;
        let tbs = cert.tbs_certificate();
        let encode =
            |e: &dyn Fn() -> der::Result<Vec<u8>>| e().map_err(|_| ObjectError::Certificate);
        let spki = tbs.subject_public_key_info();
        if spki.algorithm.oid.to_string() != RSA_ENCRYPTION {
            return Err(ObjectError::PublicKey);
        }
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or(ObjectError::PublicKey)?;
        let (modulus, public_exponent) = rsa_public_key(key)?;
        let attribute = |oid: &str| {
            tbs.subject()
                .iter()
                .find(|atv| atv.oid.to_string() == oid)
                .map(|atv| {
                    String::from_utf8_lossy(atv.value.value())
                        .trim()
                        .to_string()
                })
                .filter(|s| !s.is_empty())
        };
        let validity = tbs.validity();
        Ok(CertificateInfo {
            der: der.to_vec(),
            subject: encode(&|| tbs.subject().to_der())?,
            issuer: encode(&|| tbs.issuer().to_der())?,
            serial_number: encode(&|| tbs.serial_number().to_der())?,
            not_before: Some(ck_date(validity.not_before)),
            not_after: Some(ck_date(validity.not_after)),
            public_key_info: encode(&|| spki.to_der())?,
            modulus,
            public_exponent,
            surname: attribute(OID_SURNAME),
            given_name: attribute(OID_GIVEN_NAME),
        })
    }

    pub fn modulus_bits(&self) -> usize {
        match self.modulus.first() {
            Some(first) => self.modulus.len() * 8 - first.leading_zeros() as usize,
            None => 0,
        }
    }

    /// CKA_ID shared by the three objects: SHA-1 of the modulus, the value NSS derives
    /// for RSA keys itself (so NSS pairs certificate and key the way it expects).
    pub fn key_id(&self) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.modulus)
            .as_ref()
            .to_vec()
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1).
fn rsa_public_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), ObjectError> {
    tlv::rsa_public_key(der).ok_or(ObjectError::PublicKey)
}

fn ck_date(time: x509_cert::time::Time) -> [u8; 8] {
    let dt = time.to_date_time();
    let text = format!("{:04}{:02}{:02}", dt.year(), dt.month(), dt.day());
    let mut out = [b'0'; 8];
    out.copy_from_slice(&text.as_bytes()[..8]);
    out
}

/// Certificate, public key and private key objects for one key pair, in that order.
pub fn key_pair_objects(
    cert: &CertificateInfo,
    label: &str,
    mechanisms: &[MechanismInfo],
) -> Vec<TokenObject> {
    use cryptoki_sys::*;
    let id = cert.key_id();
    let bytes = |v: &[u8]| AttributeValue::Bytes(v.to_vec());
    let common = |class: CK_ULONG, private: bool| -> Vec<(CK_ATTRIBUTE_TYPE, AttributeValue)> {
        let mut attributes = read_only_token_object(class, private);
        attributes.extend([(CKA_LABEL, bytes(label.as_bytes())), (CKA_ID, bytes(&id))]);
        attributes
    };

    let mut certificate = common(CKO_CERTIFICATE, false);
    certificate.extend([
        (CKA_CERTIFICATE_TYPE, AttributeValue::Ulong(CKC_X_509)),
        (
            CKA_CERTIFICATE_CATEGORY,
            AttributeValue::Ulong(CK_CERTIFICATE_CATEGORY_TOKEN_USER),
        ),
        (CKA_TRUSTED, AttributeValue::Bool(false)),
        (CKA_SUBJECT, bytes(&cert.subject)),
        (CKA_ISSUER, bytes(&cert.issuer)),
        (CKA_SERIAL_NUMBER, bytes(&cert.serial_number)),
        (CKA_VALUE, bytes(&cert.der)),
        (CKA_CHECK_VALUE, bytes(&check_value(&cert.der))),
        (CKA_PUBLIC_KEY_INFO, bytes(&cert.public_key_info)),
    ]);
    if let (Some(start), Some(end)) = (cert.not_before, cert.not_after) {
        certificate.push((CKA_START_DATE, bytes(&start)));
        certificate.push((CKA_END_DATE, bytes(&end)));
    }

    let key_common = |class: CK_ULONG, private: bool| {
        let mut attributes = common(class, private);
        attributes.extend([
            (CKA_KEY_TYPE, AttributeValue::Ulong(CKK_RSA)),
            (CKA_SUBJECT, bytes(&cert.subject)),
            (CKA_MODULUS, bytes(&cert.modulus)),
            (
                CKA_MODULUS_BITS,
                AttributeValue::Ulong(cert.modulus_bits() as CK_ULONG),
            ),
            (CKA_PUBLIC_EXPONENT, bytes(&cert.public_exponent)),
            (CKA_PUBLIC_KEY_INFO, bytes(&cert.public_key_info)),
            (CKA_LOCAL, AttributeValue::Bool(false)),
            (CKA_DERIVE, AttributeValue::Bool(false)),
            (
                CKA_KEY_GEN_MECHANISM,
                AttributeValue::Ulong(CK_UNAVAILABLE_INFORMATION),
            ),
        ]);
        attributes
    };

    let mut public = key_common(CKO_PUBLIC_KEY, false);
    public.extend(flags(
        &[CKA_VERIFY],
        &[CKA_VERIFY_RECOVER, CKA_ENCRYPT, CKA_WRAP, CKA_TRUSTED],
    ));

    let allowed: Vec<u8> = mechanisms
        .iter()
        .flat_map(|m| m.mechanism.to_ne_bytes())
        .collect();
    let mut private = key_common(CKO_PRIVATE_KEY, true);
    private.extend(flags(
        &[
            CKA_SIGN,
            CKA_SENSITIVE,
            CKA_ALWAYS_SENSITIVE,
            CKA_NEVER_EXTRACTABLE,
        ],
        &[
            CKA_SIGN_RECOVER,
            CKA_DECRYPT,
            CKA_UNWRAP,
            CKA_EXTRACTABLE,
            CKA_ALWAYS_AUTHENTICATE,
            CKA_WRAP_WITH_TRUSTED,
        ],
    ));
    // The private key's parts stay on the chip: present, never readable (§4.9).
    private.extend(
        [
            CKA_PRIVATE_EXPONENT,
            CKA_PRIME_1,
            CKA_PRIME_2,
            CKA_EXPONENT_1,
            CKA_EXPONENT_2,
            CKA_COEFFICIENT,
        ]
        .map(|attribute| (attribute, AttributeValue::Sensitive)),
    );
    private.push((CKA_ALLOWED_MECHANISMS, AttributeValue::Bytes(allowed)));

    vec![
        TokenObject::new(ObjectClass::Certificate, false, certificate),
        TokenObject::new(ObjectClass::PublicKey, false, public),
        TokenObject::new(ObjectClass::PrivateKey, true, private),
    ]
}

/// A private, read-only CKO_DATA object for one holder datum (PKCS#11 3.0 §4.5): visible
/// only after login, like the private key. CKA_OBJECT_ID is absent (no DER OID names
/// these values).
pub fn holder_data_object(datum: &HolderDatum) -> TokenObject {
    use cryptoki_sys::*;
    let bytes = |v: &[u8]| AttributeValue::Bytes(v.to_vec());
    let mut attributes = read_only_token_object(CKO_DATA, true);
    attributes.extend([
        (CKA_LABEL, bytes(datum.label.as_bytes())),
        (CKA_APPLICATION, bytes(datum.application.as_bytes())),
        (CKA_VALUE, bytes(&datum.value)),
    ]);
    TokenObject::new(ObjectClass::Data, true, attributes)
}

/// The attributes every object of this read-only token has (PKCS#11 3.0 §4.4): its class,
/// on the token, private or not, neither modifiable, copyable nor destroyable.
fn read_only_token_object(
    class: cryptoki_sys::CK_ULONG,
    private: bool,
) -> Vec<(cryptoki_sys::CK_ATTRIBUTE_TYPE, AttributeValue)> {
    use cryptoki_sys::*;
    let mut attributes = vec![(CKA_CLASS, AttributeValue::Ulong(class))];
    attributes.extend(flags(&[CKA_TOKEN], &[]));
    attributes.push((CKA_PRIVATE, AttributeValue::Bool(private)));
    attributes.extend(flags(&[], &[CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE]));
    attributes
}

/// Boolean attributes: `yes` true, `no` false, in that order.
fn flags(
    yes: &[cryptoki_sys::CK_ATTRIBUTE_TYPE],
    no: &[cryptoki_sys::CK_ATTRIBUTE_TYPE],
) -> Vec<(cryptoki_sys::CK_ATTRIBUTE_TYPE, AttributeValue)> {
    let yes = yes.iter().map(|&a| (a, AttributeValue::Bool(true)));
    yes.chain(no.iter().map(|&a| (a, AttributeValue::Bool(false))))
        .collect()
}

/// CKA_CHECK_VALUE of a certificate: the first 3 bytes of SHA-1 of CKA_VALUE (PKCS#11 3.0 §4.6.3).
fn check_value(der: &[u8]) -> [u8; 3] {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    let d = digest.as_ref();
    [d[0], d[1], d[2]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki_sys::*;

    fn fixture() -> Vec<u8> {
        crate::card::cns::tests::certificate()
    }

    #[test]
    fn parses_the_fixture_certificate() {
        let info = CertificateInfo::parse(&fixture()).unwrap();
        assert_eq!(info.modulus_bits(), 2048);
        assert_eq!(info.modulus.len(), 256);
        assert_eq!(info.public_exponent, [1, 0, 1]);
        assert_eq!(info.serial_number, [0x02, 0x02, 0x12, 0x34]);
        assert_eq!(info.surname.as_deref(), Some("ROSSI"));
        assert_eq!(info.given_name.as_deref(), Some("MARIO"));
        assert_eq!(info.subject[0], 0x30);
        assert!(info.not_before.unwrap().starts_with(b"20"));
        assert_eq!(info.key_id().len(), 20);
    }

    #[test]
    fn objects_carry_the_required_attributes() {
        let info = CertificateInfo::parse(&fixture()).unwrap();
        let objects = key_pair_objects(&info, "CNS0 authentication", &[]);
        assert_eq!(objects.len(), 3);
        let id = AttributeValue::Bytes(info.key_id());
        for o in &objects {
            assert_eq!(o.attribute(CKA_ID), Some(&id));
            assert_eq!(
                o.attribute(CKA_CLASS),
                Some(&AttributeValue::Ulong(o.class.ck_value()))
            );
            assert_eq!(
                o.attribute(CKA_PRIVATE),
                Some(&AttributeValue::Bool(o.private))
            );
        }
        let cert = &objects[0];
        assert_eq!(
            cert.attribute(CKA_VALUE),
            Some(&AttributeValue::Bytes(fixture()))
        );
        let private = &objects[2];
        assert!(private.private);
        assert_eq!(
            private.attribute(CKA_PRIVATE_EXPONENT),
            Some(&AttributeValue::Sensitive)
        );
        assert_eq!(
            private.attribute(CKA_MODULUS_BITS),
            Some(&AttributeValue::Ulong(2048))
        );
        assert_eq!(
            private.attribute(CKA_SIGN),
            Some(&AttributeValue::Bool(true))
        );
        assert_eq!(
            private.attribute(CKA_EXTRACTABLE),
            Some(&AttributeValue::Bool(false))
        );
        assert!(objects[1].matches(&[(CKA_KEY_TYPE, CKK_RSA.to_ne_bytes().to_vec())]));
    }

    #[test]
    fn holder_data_objects_are_private_read_only_data() {
        let o = holder_data_object(&HolderDatum {
            application: "EF_DatiPersonali",
            label: "codice_fiscale",
            value: b"RSSMRA70C02H501X".to_vec(),
        });
        assert_eq!(o.class, ObjectClass::Data);
        assert!(o.private);
        for (kind, value) in [
            (CKA_CLASS, AttributeValue::Ulong(CKO_DATA)),
            (CKA_TOKEN, AttributeValue::Bool(true)),
            (CKA_PRIVATE, AttributeValue::Bool(true)),
            (CKA_MODIFIABLE, AttributeValue::Bool(false)),
            (CKA_LABEL, AttributeValue::Bytes(b"codice_fiscale".to_vec())),
            (
                CKA_APPLICATION,
                AttributeValue::Bytes(b"EF_DatiPersonali".to_vec()),
            ),
            (
                CKA_VALUE,
                AttributeValue::Bytes(b"RSSMRA70C02H501X".to_vec()),
            ),
        ] {
            assert_eq!(o.attribute(kind), Some(&value), "{kind:#x}");
        }
        assert_eq!(o.attribute(CKA_OBJECT_ID), None);
    }

    #[test]
    fn malformed_certificates_are_errors() {
        let der = fixture();
        assert_eq!(CertificateInfo::parse(&[]), Err(ObjectError::Certificate));
        assert_eq!(
            CertificateInfo::parse(&der[..der.len() - 1]),
            Err(ObjectError::Certificate)
        );
        let mut flipped = der.clone();
        flipped[4] ^= 0xFF;
        assert!(CertificateInfo::parse(&flipped).is_err());
        // Every truncation and a byte flip at every position: errors, no panics.
        for i in 0..der.len() {
            let _ = CertificateInfo::parse(&der[..i]);
            let mut d = der.clone();
            d[i] = d[i].wrapping_add(1);
            let _ = CertificateInfo::parse(&d);
        }
    }

    #[test]
    fn rsa_public_key_rejects_garbage() {
        assert_eq!(rsa_public_key(&[]), Err(ObjectError::PublicKey));
        assert_eq!(rsa_public_key(&[0x31, 0x00]), Err(ObjectError::PublicKey));
        assert_eq!(
            rsa_public_key(&[0x30, 0x03, 0x02, 0x01, 0x05]),
            Err(ObjectError::PublicKey)
        );
        assert_eq!(
            rsa_public_key(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x03]),
            Err(ObjectError::PublicKey)
        );
        assert_eq!(
            rsa_public_key(&[0x30, 0x07, 0x02, 0x02, 0x00, 0xC5, 0x02, 0x01, 0x03]),
            Ok((vec![0xC5], vec![3]))
        );
    }
}
