//! Fakes for the state machine's unit tests: readers, cards and a token, no PC/SC.

use super::device::Device;
use super::instance::Instance;
use super::readers::{Backend, Bindable, Readers, ReadersError};
use crate::token::info::RetryState;
use crate::token::{
    AttributeValue, MechanismInfo, ObjectClass, ObjectIndex, PinKind, PinPolicy, SignRequest,
    TokenError, TokenInfo, TokenObject,
};
use cryptoki_sys::*;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Readers and the cards in them, shared by the fake system and the test.
#[derive(Default)]
pub struct World {
    pub readers: Vec<String>,
    /// reader → present; a card is removed by setting it false or deleting it.
    pub cards: HashMap<String, bool>,
    pub signed: Vec<SignRequest>,
    pub logouts: usize,
    /// The next `take_login_lost` reports a reset (then forgets it).
    pub login_lost: bool,
    /// Readers whose card `bind` does not recognise / fails to read.
    pub unsupported: Vec<String>,
    pub failing: Vec<String>,
    pub binds: usize,
    /// The PIN-lifecycle calls the state machine made, in order.
    pub pin_ops: Vec<&'static str>,
}

pub type Shared = Arc<Mutex<World>>;

struct FakeSystem(Shared);

impl Readers for FakeSystem {
    fn names(&self) -> Result<Vec<String>, ReadersError> {
        Ok(self.0.lock().readers.clone())
    }
    fn insert(&self, reader: &str) -> Result<Option<Box<dyn Bindable>>, ReadersError> {
        let world = self.0.lock();
        Ok(match world.cards.get(reader) {
            Some(true) => Some(Box::new(FakeCard {
                world: self.0.clone(),
                reader: reader.to_string(),
            })),
            _ => None,
        })
    }
    fn wait_for_change(&self, timeout: Duration) -> Result<bool, ReadersError> {
        std::thread::sleep(timeout.min(Duration::from_millis(20)));
        Ok(false)
    }
    fn cancel(&self) {}
}

/// Its "ATR" is the reader name.
struct FakeCard {
    world: Shared,
    reader: String,
}

impl Bindable for FakeCard {
    fn atr(&self) -> &[u8] {
        self.reader.as_bytes()
    }
    fn bind(self: Box<Self>) -> Result<Option<Box<dyn Device>>, TokenError> {
        let FakeCard { world, reader } = *self;
        {
            let mut w = world.lock();
            w.binds += 1;
            if w.unsupported.contains(&reader) {
                return Ok(None);
            }
            if w.failing.contains(&reader) {
                return Err(TokenError::DeviceError);
            }
        }
        Ok(Some(Box::new(FakeDevice::new(world, reader))))
    }
}

pub const PIN: &[u8] = b"12345678";
pub const PUK: &[u8] = b"87654321";
pub const MODULUS_BITS: CK_ULONG = 2048;

pub const SIGN_MECHANISMS: &[MechanismInfo] = &[
    mech(CKM_RSA_PKCS),
    mech(CKM_RSA_X_509),
    mech(CKM_SHA256_RSA_PKCS),
    mech(CKM_RSA_PKCS_PSS),
    mech(CKM_SHA256_RSA_PKCS_PSS),
];

const fn mech(mechanism: CK_MECHANISM_TYPE) -> MechanismInfo {
    MechanismInfo {
        mechanism,
        min_key_bits: 1024,
        max_key_bits: 2048,
        flags: CKF_HW | CKF_SIGN,
    }
}

pub struct FakeDevice {
    world: Shared,
    reader: String,
    info: TokenInfo,
    objects: Vec<TokenObject>,
}

fn object(
    class: ObjectClass,
    private: bool,
    id: u8,
    extra: Vec<(CK_ATTRIBUTE_TYPE, AttributeValue)>,
) -> TokenObject {
    let mut attributes = vec![
        (CKA_CLASS, AttributeValue::Ulong(class.ck_value())),
        (CKA_PRIVATE, AttributeValue::Bool(private)),
        (CKA_TOKEN, AttributeValue::Bool(true)),
        (CKA_ID, AttributeValue::Bytes(vec![id])),
    ];
    attributes.extend(extra);
    TokenObject::new(class, private, attributes)
}

impl FakeDevice {
    fn new(world: Shared, reader: String) -> FakeDevice {
        FakeDevice {
            world,
            reader,
            info: TokenInfo {
                label: "TS-CNS ROSSI MARIO".into(),
                manufacturer: "STIncard".into(),
                model: "ST 2021".into(),
                serial: "80380001234567890123".into(),
                user_pin: PinPolicy {
                    min_len: 5,
                    max_len: 8,
                    max_tries: 3,
                },
                user_retries: RetryState::Left { left: 3, max: 3 },
                so_retries: RetryState::Unknown,
            },
            objects: vec![
                object(
                    ObjectClass::Certificate,
                    false,
                    1,
                    vec![(CKA_VALUE, AttributeValue::Bytes(vec![0x30, 0x82]))],
                ),
                object(
                    ObjectClass::PublicKey,
                    false,
                    1,
                    vec![(CKA_MODULUS_BITS, AttributeValue::Ulong(MODULUS_BITS))],
                ),
                object(
                    ObjectClass::PrivateKey,
                    true,
                    1,
                    vec![
                        (CKA_SIGN, AttributeValue::Bool(true)),
                        (CKA_MODULUS_BITS, AttributeValue::Ulong(MODULUS_BITS)),
                        (CKA_PRIVATE_EXPONENT, AttributeValue::Sensitive),
                    ],
                ),
            ],
        }
    }
}

impl Device for FakeDevice {
    fn info(&self) -> &TokenInfo {
        &self.info
    }
    fn flags(&self) -> CK_FLAGS {
        self.info.flags()
    }
    fn objects(&self) -> &[TokenObject] {
        &self.objects
    }
    fn mechanisms(&self) -> &[MechanismInfo] {
        SIGN_MECHANISMS
    }
    fn pin_policy(&self, _kind: PinKind) -> PinPolicy {
        self.info.user_pin
    }
    fn login(&mut self, kind: PinKind, pin: &[u8]) -> Result<(), TokenError> {
        let right = match kind {
            PinKind::User => PIN,
            PinKind::Puk => PUK,
        };
        if pin.len() < 5 || pin.len() > 8 {
            Err(TokenError::PinLenRange)
        } else if pin == right {
            Ok(())
        } else {
            Err(TokenError::PinIncorrect)
        }
    }
    fn keep_puk_for_unblock(&mut self, puk: &[u8]) -> Result<(), TokenError> {
        if puk.len() < 5 || puk.len() > 8 {
            Err(TokenError::PinLenRange)
        } else {
            Ok(())
        }
    }
    fn take_login_lost(&mut self) -> bool {
        std::mem::take(&mut self.world.lock().login_lost)
    }
    fn logout(&mut self) -> Result<(), TokenError> {
        self.world.lock().logouts += 1;
        Ok(())
    }
    fn change_pin(&mut self, old: &[u8], _new: &[u8]) -> Result<(), TokenError> {
        self.world.lock().pin_ops.push("change");
        self.login(PinKind::User, old)
    }
    fn set_pin_public(&mut self, old: &[u8], new: &[u8]) -> Result<(), TokenError> {
        if old == PUK {
            self.world.lock().pin_ops.push("unblock");
            Ok(())
        } else {
            self.change_pin(old, new)
        }
    }
    fn unblock_pin_with_login_puk(
        &mut self,
        confirm: &[u8],
        _new: &[u8],
    ) -> Result<(), TokenError> {
        self.world.lock().pin_ops.push("unblock with login PUK");
        if confirm.is_empty() || confirm == PUK {
            Ok(())
        } else {
            Err(TokenError::PinIncorrect)
        }
    }
    fn sign(&mut self, _key: ObjectIndex, request: &SignRequest) -> Result<Vec<u8>, TokenError> {
        self.world.lock().signed.push(request.clone());
        Ok(vec![0xA5; (MODULUS_BITS / 8) as usize])
    }
    fn is_present(&mut self) -> bool {
        self.world.lock().cards.get(&self.reader) == Some(&true)
    }
}

/// A backend over `world`.
pub fn backend_for(world: Shared) -> Backend {
    Backend {
        establish: Arc::new(move || Ok(Box::new(FakeSystem(world.clone())) as Box<dyn Readers>)),
    }
}

/// A backend with no readers at all.
pub fn fake_backend() -> Backend {
    backend_for(Shared::default())
}

/// A world with one reader "R0" holding a card.
pub fn world_with_card() -> Shared {
    let world = Shared::default();
    {
        let mut w = world.lock();
        w.readers = vec!["R0".into()];
        w.cards.insert("R0".into(), true);
    }
    world
}

/// An instance over `world_with_card`, its one slot listed.
pub fn instance_with_card() -> (Shared, Instance) {
    let world = world_with_card();
    let instance = Instance::new(backend_for(world.clone()));
    assert_eq!(instance.slot_list(false, true), vec![0]);
    (world, instance)
}

/// The state of session `h` (§5.6.1).
pub fn state(instance: &Instance, h: CK_SESSION_HANDLE) -> CK_STATE {
    instance.session_info(h).unwrap().state
}

/// The states of several sessions, which share the token's login (§5.6).
pub fn states<const N: usize>(
    instance: &Instance,
    sessions: [CK_SESSION_HANDLE; N],
) -> [CK_STATE; N] {
    sessions.map(|h| state(instance, h))
}
