//! Every TS-CNS batch through the real stack: built cdylib → PC/SC → private pcscd → vpcd →
//! `cardsim --card cns --variant NAME`. Per variant: the token listing (label named after
//! the holder, 16-digit serial), login, one signature per advertised mechanism checked
//! against the token's certificate with independent code (ring, or openssl where ring has
//! no verifier), and the holder data objects (hidden before login, equal to the label's
//! names after).
//!
//! The simulator's variants are written from the facts sheet (docs/cards/cns.md)
//! independently of the module: where both agree, module and card meet at the facts.

mod common;

use common::harness::{scratch_dir, simulator_variants, VirtualCard};
use common::module::{pkcs11, serial, slot_of_reader};
use common::token::{cert_key, find, pkcs1_block, pss_for, sha256_digest_info, sign_mechanisms};
use common::verify::CertKey;
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeInfo, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use ring::digest;
use std::path::Path;

const PIN: &str = "12345678";
const READER: u16 = 0;
/// What OpenSC needs to list a TS-CNS (cns-opensc.md); the module must stay well below.
const OPENSC_LIST_APDUS: u64 = 63;

/// Every variant the simulator offers (`cardsim --list-variants`, from its one table): a new
/// batch is tested here without an edit.
#[test]
fn every_virtual_tscns_batch() {
    let variants = simulator_variants("cns");
    assert!(variants.len() >= 8, "cardsim offers {variants:?}");
    for variant in &variants {
        check_variant(variant);
    }
}

fn check_variant(variant: &str) {
    let _guard = serial();
    let card = VirtualCard::insert(READER, "cns", &["--variant", variant, "--pin", PIN]);
    let slot = slot_of_reader(READER);
    let dir = scratch_dir(&format!("cns-{variant}"));

    let listing = check_listing(variant, &card, slot);
    let session = pkcs11().open_ro_session(slot).expect("C_OpenSession");
    check_public_objects(variant, &session);
    session
        .login(UserType::User, Some(&AuthPin::from(PIN)))
        .unwrap_or_else(|e| panic!("{variant}: C_Login: {e}"));
    check_holder_data(variant, &session, &listing.label);
    check_signatures(variant, &session, slot, &dir);
    session.logout().expect("C_Logout");
    drop(session);
    card.remove();
}

struct Listing {
    label: String,
}

/// C_GetTokenInfo: label "TS-CNS SURNAME GIVEN", serial of 16 digits, cheap to obtain.
fn check_listing(variant: &str, card: &VirtualCard, slot: Slot) -> Listing {
    let module = pkcs11();
    let slot_info = module.get_slot_info(slot).expect("C_GetSlotInfo");
    assert!(slot_info.token_present(), "{variant}: token present");
    let token = module.get_token_info(slot).expect("C_GetTokenInfo");
    let label = token.label().trim_end().to_string();
    assert!(
        label.starts_with("TS-CNS ") && label.len() > "TS-CNS ".len(),
        "{variant}: label {label:?}"
    );
    let serial_number = token.serial_number().trim_end();
    assert_eq!(
        serial_number.len(),
        16,
        "{variant}: EF 1003 holds 16 digits"
    );
    assert!(serial_number.bytes().all(|b| b.is_ascii_digit()));
    assert!(token.login_required() && token.user_pin_initialized());
    assert!(!token.user_pin_locked());
    assert_eq!((token.min_pin_length(), token.max_pin_length()), (5, 8));
    let apdus = card.stats().apdus;
    eprintln!(
        "{variant}: bound as {label:?}, model {:?}, in {apdus} APDUs",
        token.model().trim_end()
    );
    assert!(
        apdus > 0 && apdus < OPENSC_LIST_APDUS / 4,
        "{variant}: {apdus} APDUs to list"
    );
    Listing { label }
}

fn check_public_objects(variant: &str, session: &Session) {
    assert_eq!(
        find(session, ObjectClass::CERTIFICATE).len(),
        1,
        "{variant}"
    );
    assert_eq!(find(session, ObjectClass::PUBLIC_KEY).len(), 1, "{variant}");
    assert!(
        find(session, ObjectClass::PRIVATE_KEY).is_empty(),
        "{variant}"
    );
    assert!(
        find(session, ObjectClass::DATA).is_empty(),
        "{variant}: holder data must be hidden before login"
    );
}

/// The three CKO_DATA objects of EF_DatiPersonali, their attributes, and their values
/// against the names in the token label.
fn check_holder_data(variant: &str, session: &Session, label: &str) {
    let objects = find(session, ObjectClass::DATA);
    assert_eq!(objects.len(), 3, "{variant}: codice fiscale, nome, cognome");
    let mut values = std::collections::HashMap::new();
    for object in objects {
        let attributes = session
            .get_attributes(
                object,
                &[
                    AttributeType::Label,
                    AttributeType::Application,
                    AttributeType::Value,
                    AttributeType::Private,
                    AttributeType::Token,
                    AttributeType::Modifiable,
                ],
            )
            .expect("C_GetAttributeValue");
        let mut name = String::new();
        let mut value = Vec::new();
        for attribute in attributes {
            match attribute {
                Attribute::Label(l) => name = String::from_utf8(l).expect("ASCII label"),
                Attribute::Application(a) => assert_eq!(a, b"EF_DatiPersonali", "{variant}"),
                Attribute::Value(v) => value = v,
                Attribute::Private(p) => assert!(p, "{variant}: CKA_PRIVATE"),
                Attribute::Token(t) => assert!(t, "{variant}: CKA_TOKEN"),
                Attribute::Modifiable(m) => assert!(!m, "{variant}: CKA_MODIFIABLE"),
                other => panic!("{variant}: unexpected {other:?}"),
            }
        }
        let object_id = session.get_attribute_info(object, &[AttributeType::ObjectId]);
        assert!(
            matches!(object_id.as_deref(), Ok([AttributeInfo::TypeInvalid])),
            "{variant}: CKA_OBJECT_ID must be absent, got {object_id:?}"
        );
        values.insert(name, String::from_utf8(value).expect("ASCII value"));
    }
    let cf = &values["codice_fiscale"];
    assert_eq!(cf.len(), 16, "{variant}: codice fiscale {cf:?}");
    assert!(cf.bytes().all(|b| b.is_ascii_alphanumeric()));
    let expected: String = format!("TS-CNS {} {}", values["cognome"], values["nome"])
        .chars()
        .take(32)
        .collect();
    assert_eq!(
        label,
        expected.trim_end(),
        "{variant}: label = surname + given name"
    );
}

fn modulus_bits(session: &Session, key: ObjectHandle) -> u64 {
    match session
        .get_attributes(key, &[AttributeType::ModulusBits])
        .expect("C_GetAttributeValue")
        .into_iter()
        .next()
    {
        Some(Attribute::ModulusBits(bits)) => bits.into(),
        other => panic!("CKA_MODULUS_BITS: {other:?}"),
    }
}

/// Independent checks of the signatures of one key: ring where it has a verifier for the
/// key's size, openssl otherwise.
struct Checker<'a> {
    cert: &'a CertKey,
    bits: u64,
    dir: &'a Path,
}

impl Checker<'_> {
    fn verifies(&self, hash: &str, pss: bool, message: &[u8], sig: &[u8]) -> bool {
        let (cert, dir) = (self.cert, self.dir);
        let ring_pkcs1 = self.bits >= 2048 || hash != "sha384";
        let ring_pss = self.bits >= 2048 && hash != "sha1";
        match (pss, ring_pkcs1, ring_pss) {
            (false, true, _) => cert.verify_pkcs1(hash, message, sig),
            (false, false, _) => cert.verify_with_openssl(hash, false, message, sig, dir),
            (true, _, true) => cert.verify_pss(hash, message, sig, dir),
            (true, _, false) => cert.verify_pss_any_salt(hash, message, sig, dir),
        }
    }
}

/// A salt too long for the key: refused with a spec code — CKR_MECHANISM_PARAM_INVALID at
/// C_SignInit (what the cryptoki layer chose: the parameter does not fit the key), or
/// CKR_KEY_SIZE_RANGE / CKR_DATA_LEN_RANGE — never a signature or a crash.
fn expect_size_error(result: cryptoki::error::Result<Vec<u8>>, what: &str) {
    match result {
        Err(Error::Pkcs11(
            RvError::MechanismParamInvalid | RvError::DataLenRange | RvError::KeySizeRange,
            _,
        )) => {}
        other => panic!("{what}: expected a key-size refusal, got {other:?}"),
    }
}

fn check_signatures(variant: &str, session: &Session, slot: Slot, dir: &Path) {
    let module = pkcs11();
    let advertised = sign_mechanisms(module, slot);
    let key = find(session, ObjectClass::PRIVATE_KEY);
    assert_eq!(key.len(), 1, "{variant}: private key after login");
    let key = key[0];
    let bits = modulus_bits(session, key);
    assert!(bits == 1024 || bits == 2048, "{variant}: {bits}-bit key");
    let cert = cert_key(session, find(session, ObjectClass::CERTIFICATE)[0]);
    let check = Checker {
        cert: &cert,
        bits,
        dir,
    };
    let message = b"Accedi con CNS: firma di prova";
    let sha256 = digest::digest(&digest::SHA256, message);
    let sign = |mechanism: &Mechanism, data: &[u8]| {
        session
            .sign(mechanism, key, data)
            .unwrap_or_else(|e| panic!("{variant} {mechanism:?}: {e}"))
    };
    // emLen for PSS (RFC 8017 §9.1.1): the room for hash + salt + 2.
    let em_len = (bits as usize - 1).div_ceil(8);

    for mechanism in &advertised {
        let (hash, is_pss) = match *mechanism {
            MechanismType::SHA1_RSA_PKCS => ("sha1", false),
            MechanismType::SHA256_RSA_PKCS => ("sha256", false),
            MechanismType::SHA384_RSA_PKCS => ("sha384", false),
            MechanismType::SHA512_RSA_PKCS => ("sha512", false),
            MechanismType::SHA1_RSA_PKCS_PSS => ("sha1", true),
            MechanismType::SHA256_RSA_PKCS_PSS => ("sha256", true),
            MechanismType::SHA384_RSA_PKCS_PSS => ("sha384", true),
            MechanismType::SHA512_RSA_PKCS_PSS => ("sha512", true),
            MechanismType::RSA_PKCS | MechanismType::RSA_X_509 | MechanismType::RSA_PKCS_PSS => {
                continue
            }
            other => panic!("{variant}: advertised {other} has no check here"),
        };
        let signed = |salt: u64| -> Mechanism {
            match hash {
                "sha1" if is_pss => Mechanism::Sha1RsaPkcsPss(pss_for("sha1", salt)),
                "sha256" if is_pss => Mechanism::Sha256RsaPkcsPss(pss_for("sha256", salt)),
                "sha384" if is_pss => Mechanism::Sha384RsaPkcsPss(pss_for("sha384", salt)),
                "sha512" if is_pss => Mechanism::Sha512RsaPkcsPss(pss_for("sha512", salt)),
                "sha1" => Mechanism::Sha1RsaPkcs,
                "sha256" => Mechanism::Sha256RsaPkcs,
                "sha384" => Mechanism::Sha384RsaPkcs,
                _ => Mechanism::Sha512RsaPkcs,
            }
        };
        let h_len = match hash {
            "sha1" => 20,
            "sha256" => 32,
            "sha384" => 48,
            _ => 64,
        };
        let salt = if is_pss && em_len < 2 * h_len + 2 {
            // A 1024-bit key cannot hold SHA-512 PSS with a 64-byte salt: the module must
            // say so with a spec code, then sign with the largest salt that fits.
            expect_size_error(
                session.sign(&signed(h_len as u64), key, message),
                &format!("{variant} {mechanism} salt {h_len}"),
            );
            (em_len - h_len - 2) as u64
        } else {
            h_len as u64
        };
        let sig = sign(&signed(salt), message);
        let ok = if is_pss && salt != h_len as u64 {
            cert.verify_pss_any_salt(hash, message, &sig, dir)
        } else {
            check.verifies(hash, is_pss, message, &sig)
        };
        assert!(ok, "{variant} {mechanism}: signature does not verify");
    }

    let digest_info = sha256_digest_info(message);
    if advertised.contains(&MechanismType::RSA_PKCS) {
        let sig = sign(&Mechanism::RsaPkcs, &digest_info);
        assert!(
            check.verifies("sha256", false, message, &sig),
            "{variant} CKM_RSA_PKCS"
        );
    }
    if advertised.contains(&MechanismType::RSA_X_509) {
        let block = pkcs1_block((bits as usize).div_ceil(8), &digest_info);
        let sig = sign(&Mechanism::RsaX509, &block);
        assert!(
            check.verifies("sha256", false, message, &sig),
            "{variant} CKM_RSA_X_509"
        );
    }
    if advertised.contains(&MechanismType::RSA_PKCS_PSS) {
        let sig = sign(
            &Mechanism::RsaPkcsPss(pss_for("sha256", 32)),
            sha256.as_ref(),
        );
        assert!(
            check.verifies("sha256", true, message, &sig),
            "{variant} CKM_RSA_PKCS_PSS"
        );
    }
    // The check can fail: another message does not verify.
    let sig = sign(&Mechanism::Sha256RsaPkcs, message);
    assert!(!check.verifies("sha256", false, b"another message", &sig));
}
