//! Entry points of the coverage-guided fuzz targets that reach the logic, not only the
//! parsers (fuzz/, issue #11). Compiled only with `--cfg fuzzing` (cargo fuzz sets it) and
//! for the unit tests that replay the kept corpus: the cdylib never contains them.
//!
//! - `play_card`: the fuzzer is the card. Its input picks an ATR and then every answer,
//!   in order, to whatever the module sends: detection, the drivers' stateful readers
//!   (GET RESPONSE and READ BINARY loops, certificate and personal data), the PIN counter,
//!   login (the whole CIE handshake: DH parameters, the chip's public key, the mutual
//!   authentication and the check of the chip's answer), signing and its signature check,
//!   C_SetPIN's choice between PIN and PUK, resets in the middle of any of them.
//! - `sm_unwrap_past_mac`: secure-messaging responses whose MAC is right, so the fuzzer's
//!   bytes reach what comes after the MAC check (status object, decryption, padding).

use crate::card::cie::sm::{cipher, codec, mac, SessionKeys, Ssc};
use crate::card::Inserted;
use crate::token::{HashAlg, ObjectClass, SignRequest, Token};
use crate::transport::{Channel, ReaderCapabilities, Transport, TransportError};

/// ATRs the fuzzer chooses from (first input byte): each family's detection paths.
const ATRS: &[&[u8]] = &[
    // TS-CNS ST 2021 (cns.md §1.4).
    &[
        0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x16, 0x17,
        0x01, 0x11, 0x01, 0x43, 0x4E, 0x53, 0x11, 0x31, 0x80, 0x8D,
    ],
    // CNS 1.0, STIncard (cns.md §1.4).
    &[
        0x3B, 0xFF, 0x18, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x55, 0x00, 0x6B, 0x02, 0x09, 0x02, 0x00,
        0x01, 0x01, 0x01, 0x43, 0x4E, 0x53, 0x10, 0x31, 0x80, 0x9F,
    ],
    // CIE Bit4id (ITJ4, SELECT MF family, cie.md §1.1).
    &[
        0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4A, 0x34, 0x44, 0x12, 0x0F,
        0xFF, 0x82, 0x90, 0x00, 0x8D,
    ],
    // CIE Gemalto (IAS AID, single DH query).
    &[
        0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0xB0, 0x85, 0x04, 0x00, 0x11, 0x12, 0x0F,
        0xFF, 0x82, 0x90, 0x00, 0x8A,
    ],
    // CIE NXP.
    &[
        0x3B, 0x8F, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65, 0x49, 0x54, 0x4E, 0x58, 0x50, 0x12, 0x0F,
        0xFF, 0x82, 0x90, 0x00, 0xF1,
    ],
    // Contactless, no historical bytes: CIE STM or TS-CNS over NFC, decided by probing.
    &[0x3B, 0x80, 0x80, 0x01, 0x01],
];

/// An answer length with this value is a reset by another application instead.
const RESET: u16 = 0xFFFF;

/// The card's answers, in the order the module will ask.
struct Answers<'a> {
    rest: &'a [u8],
}

impl Answers<'_> {
    fn next(&mut self) -> Result<Vec<u8>, TransportError> {
        let [lo, hi, rest @ ..] = self.rest else {
            self.rest = &[];
            return Err(TransportError::Communication("card silent".into()));
        };
        let len = u16::from_le_bytes([*lo, *hi]);
        if len == RESET {
            self.rest = rest;
            return Err(TransportError::CardReset);
        }
        let len = usize::from(len).min(rest.len());
        let (answer, rest) = rest.split_at(len);
        self.rest = rest;
        Ok(answer.to_vec())
    }
}

/// A reader whose card is the fuzzer.
struct PlayedCard {
    atr: Vec<u8>,
    extended_apdu: bool,
    answers: Vec<u8>,
    offset: usize,
}

struct PlayedChannel<'a>(&'a mut PlayedCard);

impl Channel for PlayedChannel<'_> {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let card = &mut *self.0;
        let mut answers = Answers {
            rest: &card.answers[card.offset..],
        };
        let answer = answers.next();
        card.offset = card.answers.len() - answers.rest.len();
        answer
    }
}

impl Transport for PlayedCard {
    fn atr(&self) -> &[u8] {
        &self.atr
    }
    fn capabilities(&self) -> ReaderCapabilities {
        ReaderCapabilities {
            extended_apdu: self.extended_apdu,
        }
    }
    fn transaction(&mut self) -> Result<Box<dyn Channel + '_>, TransportError> {
        if self.offset >= self.answers.len() {
            return Err(TransportError::CardRemoved);
        }
        Ok(Box::new(PlayedChannel(self)))
    }
    fn reconnect(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
    /// A card with nothing more to say has been pulled out.
    fn check_present(&mut self) -> Result<(), TransportError> {
        if self.offset >= self.answers.len() {
            Err(TransportError::CardRemoved)
        } else {
            Ok(())
        }
    }
}

/// Binds a token to a card the fuzzer plays, then logs in, signs, changes the PIN in a
/// public session and logs out, whatever the card answers. Never panics (the fuzzer
/// reports a panic as a crash).
pub fn play_card(data: &[u8]) {
    let [choice, pin_digit, rest @ ..] = data else {
        return;
    };
    keep_the_cache_private();
    let transport = PlayedCard {
        atr: ATRS[usize::from(*choice) % ATRS.len()].to_vec(),
        extended_apdu: choice & 0x80 == 0,
        answers: rest.to_vec(),
        offset: 0,
    };
    let Ok(Some(mut token)) = Token::bind(Inserted::new(Box::new(transport))) else {
        return;
    };
    let _ = token.info();
    token.refresh_warning_counters();
    // An 8-digit PIN fits both families, a 5-digit one the TS-CNS; a wrong-format one
    // must cost no APDU.
    let pin: &[u8] = match pin_digit % 3 {
        0 => b"12345678",
        1 => b"12345",
        _ => b"123",
    };
    if token.login(crate::card::PinKind::User, pin).is_ok() {
        let key = token
            .objects()
            .iter()
            .position(|o| o.class == ObjectClass::PrivateKey);
        if let Some(key) = key {
            let digest = [*pin_digit; 32];
            let data = HashAlg::Sha256.digest_info(&digest);
            let _ = token.sign(key, &SignRequest::Pkcs1v15 { data });
            let _ = token.sign(key, &SignRequest::Raw { block: vec![1; 8] });
        }
        let _ = token.take_login_lost();
        let _ = token.logout();
    }
    let _ = token.set_pin_public(b"87654321", b"11223344");
}

/// The cache directory under the fuzzer's control, never the user's: the played card's
/// certificate and chip data may be cached like a real card's.
fn keep_the_cache_private() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("cie-cns-fuzz-cache-{}", std::process::id()));
        std::env::set_var("XDG_CACHE_HOME", dir);
    });
}

const KEYS: ([u8; 16], [u8; 16]) = ([0x11; 16], [0x22; 16]);

/// A protected response built from the fuzzer's bytes with the right MAC, unwrapped.
/// First byte: 0 — the fuzzer writes every object before DO 8E; otherwise — the fuzzer's
/// bytes are the plaintext, encrypted in DO 87 (padded when the byte is odd, as they come
/// when even: the padding check then sees the fuzzer's bytes), with status DO 99.
pub fn sm_unwrap_past_mac(data: &[u8]) {
    let [mode, ssc_low, rest @ ..] = data else {
        return;
    };
    let keys = SessionKeys::new(KEYS.0, KEYS.1);
    let ssc = Ssc([0, 0, 0, 0, 0, 0, 0, *ssc_low]);
    let objects = if *mode == 0 {
        rest.to_vec()
    } else {
        let padded = if mode & 1 == 1 {
            cipher::pad(rest).to_vec()
        } else {
            rest[..rest.len() / 8 * 8].to_vec()
        };
        let Ok(cryptogram) = cipher::encrypt(&KEYS.0, &padded) else {
            return;
        };
        let mut objects =
            crate::iso7816::tlv::encode(&[0x87], &[&[0x01], &cryptogram[..]].concat());
        objects.extend_from_slice(&[0x99, 0x02, 0x90, 0x00]);
        objects
    };
    let mut mac_input = ssc.0.to_vec();
    mac_input.extend_from_slice(&objects);
    let mut body = objects;
    body.extend_from_slice(&[0x8E, 0x08]);
    body.extend_from_slice(&mac::retail_mac(&KEYS.1, &mac_input));
    let unwrapped = codec::unwrap(&keys, &ssc, &body);
    // The oracle: a well-formed response gives back exactly the plaintext.
    if mode & 1 == 1 {
        let response = unwrapped.expect("a response with a right MAC and padding unwraps");
        assert_eq!(response.data, rest, "the plaintext comes back");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept corpus of each target replays without a crash (fuzz/seeds/, minimised).
    fn replay(target: &str, run: fn(&[u8])) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            run(&std::fs::read(entry.path()).unwrap());
        }
    }

    #[test]
    fn the_kept_corpus_replays() {
        replay("play_card", play_card);
        replay("sm_unwrap", sm_unwrap_past_mac);
    }

    /// A whole TS-CNS session as the virtual ST 2021 answers it, in the
    /// input format of `play_card`: the seed that takes the fuzzer through bind, login, a
    /// signature that passes its check, and logout (fuzz/seeds/play_card/).
    fn recorded_cns_session() -> Vec<u8> {
        use crate::card::testing::SimCard;
        use std::sync::{Arc, Mutex};
        struct Recorder(Arc<Mutex<SimCard>>, Arc<Mutex<Vec<u8>>>);
        impl Channel for Recorder {
            fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
                let answer = self.0.lock().unwrap().transmit(command)?;
                let mut log = self.1.lock().unwrap();
                log.extend_from_slice(&(answer.len() as u16).to_le_bytes());
                log.extend_from_slice(&answer);
                Ok(answer)
            }
        }
        struct Reader(Arc<Mutex<SimCard>>, Arc<Mutex<Vec<u8>>>);
        impl Transport for Reader {
            fn atr(&self) -> &[u8] {
                ATRS[0]
            }
            fn capabilities(&self) -> ReaderCapabilities {
                ReaderCapabilities {
                    extended_apdu: true,
                }
            }
            fn transaction(&mut self) -> Result<Box<dyn Channel + '_>, TransportError> {
                Ok(Box::new(Recorder(self.0.clone(), self.1.clone())))
            }
            fn reconnect(&mut self) -> Result<(), TransportError> {
                Ok(())
            }
            fn reset(&mut self) -> Result<(), TransportError> {
                self.0.lock().unwrap().reset();
                Ok(())
            }
            fn check_present(&mut self) -> Result<(), TransportError> {
                Ok(())
            }
        }
        let card = Arc::new(Mutex::new(SimCard::cns("stincard")));
        let log = Arc::new(Mutex::new(vec![0u8, 1]));
        let reader = Reader(card, log.clone());
        let mut token = Token::bind(Inserted::new(Box::new(reader)))
            .unwrap()
            .unwrap();
        token.refresh_warning_counters();
        token.login(crate::card::PinKind::User, b"12345").unwrap();
        let key = token
            .objects()
            .iter()
            .position(|o| o.class == ObjectClass::PrivateKey)
            .unwrap();
        let data = HashAlg::Sha256.digest_info(&[1; 32]);
        token.sign(key, &SignRequest::Pkcs1v15 { data }).unwrap();
        token.logout().unwrap();
        drop(token);
        let seed = log.lock().unwrap().clone();
        seed
    }

    #[test]
    fn a_recorded_session_plays() {
        play_card(&recorded_cns_session());
    }

    /// Writes the recorded session as the fuzzer's seed (run once with --ignored).
    #[test]
    #[ignore]
    fn write_the_play_card_seed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/play_card");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cns-st2021-session"), recorded_cns_session()).unwrap();
    }

    #[test]
    fn hand_made_inputs() {
        play_card(&[]);
        play_card(&[0, 0, 0x02, 0x00, 0x90, 0x00, 0xFF, 0xFF]);
        for choice in 0..ATRS.len() as u8 {
            play_card(&[choice, 0, 0x02, 0x00, 0x90, 0x00]);
        }
        sm_unwrap_past_mac(&[1, 3, b'h', b'e', b'l', b'l', b'o']);
        sm_unwrap_past_mac(&[2, 3, 1, 2, 3, 4, 5, 6, 7, 8]);
        sm_unwrap_past_mac(&[0, 3, 0x99, 0x02, 0x90, 0x00]);
    }
}
