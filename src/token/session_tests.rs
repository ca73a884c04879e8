//! Token logic for cards that keep a session across operations (the CIE's secure channel),
//! over a fake `Card` that speaks no APDU: the one rebuild, logout hygiene, the objects a
//! login reveals.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::*;
use crate::card::cns::tests::TestKey;
use crate::card::testing::FakeTransport;
use crate::card::PublicData;

/// What the fake card was asked, and what it answers.
#[derive(Default)]
struct Script {
    sign_results: VecDeque<Result<Vec<u8>, CardError>>,
    sign_calls: usize,
    forget_calls: usize,
    resumable: bool,
    certificate_after_login: Option<Vec<u8>>,
}

struct FakeCard(Arc<Mutex<Script>>);

impl Card for FakeCard {
    fn family(&self) -> &'static str {
        "CIE"
    }

    fn read_public_data(&mut self, _: &mut CardChannel<'_>) -> Result<PublicData, CardError> {
        unreachable!("the tests build the token directly")
    }
    fn key_sizes(&self) -> crate::card::KeySizes {
        crate::card::KeySizes {
            min_bits: 1024,
            max_bits: 2048,
        }
    }
    fn signature_kind(&self) -> SignatureKind {
        SignatureKind::Pkcs1OnChip
    }
    fn pin_policy(&self, _: PinKind) -> PinPolicy {
        crate::card::cie::pin::PIN_POLICY
    }
    fn retries_left(
        &mut self,
        _: &mut CardChannel<'_>,
        _: PinKind,
    ) -> Result<Option<u8>, CardError> {
        Ok(None)
    }
    fn verify_pin(
        &mut self,
        _: &mut CardChannel<'_>,
        _: PinKind,
        _: &Pin,
    ) -> Result<(), CardError> {
        Ok(())
    }
    fn logout(&mut self, _: &mut CardChannel<'_>) -> Result<(), CardError> {
        Ok(())
    }
    fn sign(&mut self, _: &mut CardChannel<'_>, input: &[u8]) -> Result<Vec<u8>, CardError> {
        let mut s = self.0.lock().unwrap();
        s.sign_calls += 1;
        // A chip that pads PKCS#1 v1.5 itself and signs with the certificate's key.
        s.sign_results.pop_front().unwrap_or_else(|| {
            let block = crate::token::padding::pkcs1_v15_type1(input, 256).unwrap();
            Ok(TestKey::stincard().raw_sign(&block))
        })
    }
    fn read_certificate_after_login(
        &mut self,
        _: &mut CardChannel<'_>,
    ) -> Result<Option<Vec<u8>>, CardError> {
        Ok(self.0.lock().unwrap().certificate_after_login.clone())
    }
    fn forget_login(&mut self) {
        self.0.lock().unwrap().forget_calls += 1;
    }
    fn can_resume_session(&self) -> bool {
        self.0.lock().unwrap().resumable
    }
}

fn token(certificate: Option<Vec<u8>>) -> (Token, Arc<Mutex<Script>>, Arc<Mutex<bool>>) {
    let script = Arc::new(Mutex::new(Script::default()));
    let unreachable = Arc::new(Mutex::new(false));
    let bound = Bound {
        certificate_from: super::Source::Driver,
        public: PublicData {
            serial: "123456789012".into(),
            family: "CIE",
            model: "test".into(),
            manufacturer: "IPZS".into(),
            holder: None,
            certificate,
        },
        user_retries: RetryState::Unknown,
        so_retries: RetryState::Unknown,
    };
    let transport = FakeTransport {
        unreachable: unreachable.clone(),
    };
    let label = super::stable_label(&bound.public);
    (
        Token::build(
            Connection::with_driver(Box::new(transport), Box::new(FakeCard(script.clone()))),
            bound,
            label,
        ),
        script,
        unreachable,
    )
}

fn certificate() -> Vec<u8> {
    TestKey::stincard().certificate
}

fn digest_info() -> SignRequest {
    SignRequest::Pkcs1v15 {
        data: HashAlg::Sha256.digest_info(&[7; 32]),
    }
}

fn private_key(token: &Token) -> ObjectIndex {
    token
        .objects()
        .iter()
        .position(|o| o.class == ObjectClass::PrivateKey)
        .expect("private key")
}

#[test]
fn a_lost_session_is_rebuilt_once_when_the_driver_can() {
    let (mut token, script, _) = token(Some(certificate()));
    let key = private_key(&token);
    {
        let mut s = script.lock().unwrap();
        s.resumable = true;
        s.sign_results.push_back(Err(CardError::ChannelLost));
    }
    assert_eq!(token.sign(key, &digest_info()).map(|s| s.len()), Ok(256));
    assert_eq!(script.lock().unwrap().sign_calls, 2);

    // A second loss right after the rebuild is an error, not a loop.
    {
        let mut s = script.lock().unwrap();
        s.sign_calls = 0;
        s.sign_results.push_back(Err(CardError::ChannelLost));
        s.sign_results.push_back(Err(CardError::ChannelLost));
    }
    assert_eq!(
        token.sign(key, &digest_info()),
        Err(TokenError::DeviceError)
    );
    assert_eq!(script.lock().unwrap().sign_calls, 2);
}

#[test]
fn no_rebuild_without_a_held_pin_and_a_refused_pin_means_logged_out() {
    let (mut token, script, _) = token(Some(certificate()));
    let key = private_key(&token);
    script
        .lock()
        .unwrap()
        .sign_results
        .push_back(Err(CardError::ChannelLost));
    assert_eq!(
        token.sign(key, &digest_info()),
        Err(TokenError::DeviceError)
    );
    assert_eq!(script.lock().unwrap().sign_calls, 1);

    script
        .lock()
        .unwrap()
        .sign_results
        .push_back(Err(CardError::PinIncorrect { tries_left: 2 }));
    assert_eq!(
        token.sign(key, &digest_info()),
        Err(TokenError::UserNotLoggedIn)
    );
    assert_eq!(
        token.info().user_retries,
        RetryState::Left { left: 2, max: 3 }
    );
}

#[test]
fn logout_forgets_the_login_even_when_the_card_is_gone() {
    let (mut token, script, unreachable) = token(Some(certificate()));
    *unreachable.lock().unwrap() = true;
    let _ = token.logout();
    assert_eq!(script.lock().unwrap().forget_calls, 1);
}

#[test]
fn the_certificate_read_after_login_builds_the_objects_not_the_label() {
    let (mut token, script, _) = token(None);
    assert!(token.objects().is_empty());
    assert_eq!(token.info().label, "CIE 123456789012");
    assert_eq!(token.modulus_bits, 0);
    script.lock().unwrap().certificate_after_login = Some(certificate());
    token.login(PinKind::User, b"12345678").unwrap();
    assert_eq!(token.objects().len(), 3);
    assert_eq!(
        token.info().label,
        "CIE 123456789012",
        "the label never changes for the same card"
    );
    assert_eq!(token.modulus_bits, 2048);
    assert_eq!(
        token.objects()[0].attribute(cryptoki_sys::CKA_LABEL),
        Some(&AttributeValue::Bytes(b"ROSSI MARIO".to_vec())),
        "a CIE names its holder in its objects, which exist only with the certificate"
    );
    // The CIE pads on chip: the DigestInfo goes to the card as it is; no raw or PSS input.
    let key = private_key(&token);
    assert!(token.sign(key, &digest_info()).is_ok());
    assert_eq!(
        token.sign(
            key,
            &SignRequest::Raw {
                block: vec![1; 256]
            }
        ),
        Err(TokenError::FunctionNotSupported)
    );
    assert_eq!(
        token.sign(
            key,
            &SignRequest::Pkcs1v15 {
                data: vec![0; 256 - 10]
            }
        ),
        Err(TokenError::DataLenRange)
    );
}

#[test]
fn a_pin_of_the_wrong_length_never_reaches_the_card() {
    let (mut token, _, unreachable) = token(None);
    // A transaction would fail: the format check comes first.
    *unreachable.lock().unwrap() = true;
    super::tests::refuses_pins(
        &mut token,
        &[
            (b"1234567", TokenError::PinLenRange),
            (b"1234567a", TokenError::PinInvalid),
        ],
    );
}

#[test]
fn a_signature_that_fails_its_check_never_reaches_the_caller() {
    let (mut token, script, _) = token(Some(certificate()));
    let key = private_key(&token);
    let good = token
        .sign(key, &digest_info())
        .expect("a good signature passes");
    let mut corrupt = good.clone();
    corrupt[100] ^= 0x04;
    let wrong_key = {
        let block = padding::pkcs1_v15_type1(&HashAlg::Sha256.digest_info(&[7; 32]), 128).unwrap();
        TestKey::stincard_1024().raw_sign(&block)
    };
    for bad in [
        corrupt,
        good[1..].to_vec(),
        vec![0xFF; 256],
        wrong_key,
        Vec::new(),
    ] {
        script.lock().unwrap().sign_results.push_back(Ok(bad));
        assert_eq!(
            token.sign(key, &digest_info()),
            Err(TokenError::DeviceError)
        );
    }
    // The next good answer goes through.
    assert_eq!(token.sign(key, &digest_info()), Ok(good));
}
