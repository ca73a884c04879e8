//! Unit tests of the state machine as an application drives it, on fake readers and a
//! fake token (`testing`): sessions and login, search and attributes, sign and digest
//! with the length convention, card removal and slot events.

use super::instance::Instance;
use super::mechanism::{MechanismParams, MechanismRequest, PssParams};
use super::output::TestOutput;
use super::testing::{
    backend_for, instance_with_card, state, states, world_with_card, Shared, MODULUS_BITS, PIN,
};
use super::{AttributeLookup, Rv};
use crate::token::{HashAlg, SignRequest};
use cryptoki_sys::*;
use std::sync::Arc;

const K: usize = (MODULUS_BITS / 8) as usize;

fn logged_in_session(instance: &Instance) -> CK_SESSION_HANDLE {
    let h = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    instance.login(h, CKU_USER, PIN).unwrap();
    h
}

fn mech(mechanism: CK_MECHANISM_TYPE) -> MechanismRequest {
    MechanismRequest {
        mechanism,
        params: MechanismParams::None,
    }
}

fn pss(
    mechanism: CK_MECHANISM_TYPE,
    hash_alg: CK_MECHANISM_TYPE,
    mgf: CK_ULONG,
    salt_len: CK_ULONG,
) -> MechanismRequest {
    MechanismRequest {
        mechanism,
        params: MechanismParams::Pss(PssParams {
            hash_alg,
            mgf,
            salt_len,
        }),
    }
}

/// A logged-in session and the handle of its private key.
fn logged_in_with_key(instance: &Instance) -> (CK_SESSION_HANDLE, CK_OBJECT_HANDLE) {
    let h = logged_in_session(instance);
    (h, find_one(instance, h, CKO_PRIVATE_KEY))
}

/// A logged-in session with a CKM_SHA256_RSA_PKCS signature started, and the key.
fn signing_sha256(instance: &Instance) -> (CK_SESSION_HANDLE, CK_OBJECT_HANDLE) {
    let (h, key) = logged_in_with_key(instance);
    instance
        .sign_init(h, &mech(CKM_SHA256_RSA_PKCS), key)
        .unwrap();
    (h, key)
}

/// What the card is asked to sign for CKM_SHA256_RSA_PKCS over `message`.
fn sha256_pkcs1_request(message: &[u8]) -> SignRequest {
    let digest = ring::digest::digest(&ring::digest::SHA256, message);
    SignRequest::Pkcs1v15 {
        data: HashAlg::Sha256.digest_info(digest.as_ref()),
    }
}

/// The handle of the first visible object of `class`.
fn find_one(instance: &Instance, h: CK_SESSION_HANDLE, class: CK_OBJECT_CLASS) -> CK_OBJECT_HANDLE {
    instance
        .find_init(h, &[(CKA_CLASS, class.to_ne_bytes().to_vec())])
        .unwrap();
    let found = instance.find_next(h, 10).unwrap();
    instance.find_final(h).unwrap();
    found[0]
}

#[test]
fn no_pc_sc_service_means_no_slots() {
    let mut backend = backend_for(Shared::default());
    backend.establish = Arc::new(|| Err(crate::cryptoki::readers::ReadersError::NoService));
    let instance = Instance::new(backend);
    assert!(instance.slot_list(false, true).is_empty());
    assert_eq!(instance.slot_info(0).err(), Some(Rv::SLOT_ID_INVALID));
}

#[test]
fn readers_present_at_initialize_are_slots_without_a_slot_list() {
    let world = world_with_card();
    let instance = Instance::new(backend_for(world));
    // No C_GetSlotList: a configured slot ID works at once (issue #10).
    assert!(instance.slot_info(0).unwrap().flags & CKF_TOKEN_PRESENT != 0);
    assert!(instance.token_info(0).is_ok());
    let h = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    instance.close_session(h).unwrap();
    // … and the IDs are those C_GetSlotList then reports, with no event for them.
    assert_eq!(instance.slot_list(false, true), vec![0]);
    assert_eq!(
        instance.wait_for_slot_event(CKF_DONT_BLOCK),
        Err(Rv(CKR_NO_EVENT))
    );
}

#[test]
fn slot_and_token_info() {
    let (_, instance) = instance_with_card();
    let slot = instance.slot_info(0).unwrap();
    assert_eq!(
        slot.flags,
        CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT
    );
    assert!(slot.slotDescription.starts_with(b"R0 "));
    let token = instance.token_info(0).unwrap();
    assert!(token.label.starts_with(b"TS-CNS ROSSI MARIO "));
    assert_eq!(&token.serialNumber, b"0001234567890123");
    assert_eq!(token.ulMaxSessionCount, CK_EFFECTIVELY_INFINITE);
    assert_eq!((token.ulMinPinLen, token.ulMaxPinLen), (5, 8));
    assert_eq!(token.ulTotalPublicMemory, CK_UNAVAILABLE_INFORMATION);
    assert_ne!(token.flags & CKF_LOGIN_REQUIRED, 0);
    let h = instance
        .open_session(0, CKF_SERIAL_SESSION | CKF_RW_SESSION)
        .unwrap();
    let token = instance.token_info(0).unwrap();
    assert_eq!((token.ulSessionCount, token.ulRwSessionCount), (1, 1));
    instance.close_session(h).unwrap();
}

#[test]
fn sessions_and_login_states() {
    let (world, instance) = instance_with_card();
    assert_eq!(
        instance.open_session(0, 0).err(),
        Some(Rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED))
    );
    assert_eq!(
        instance.open_session(9, CKF_SERIAL_SESSION).err(),
        Some(Rv::SLOT_ID_INVALID)
    );
    let ro = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    let rw = instance
        .open_session(0, CKF_SERIAL_SESSION | CKF_RW_SESSION)
        .unwrap();
    assert_ne!(ro, 0);
    assert_eq!(
        states(&instance, [ro, rw]),
        [CKS_RO_PUBLIC_SESSION, CKS_RW_PUBLIC_SESSION]
    );

    assert_eq!(
        instance.login(ro, CKU_USER, b"1111"),
        Err(Rv(CKR_PIN_INCORRECT)),
        "a PIN of the wrong format is an incorrect PIN for C_Login (§5.6.8)"
    );
    assert_eq!(
        instance.login(ro, CKU_USER, b"11111"),
        Err(Rv(CKR_PIN_INCORRECT))
    );
    assert_eq!(
        instance.login(ro, CKU_SO, b"11111"),
        Err(Rv(CKR_SESSION_READ_ONLY_EXISTS))
    );
    assert_eq!(
        instance.login(ro, CKU_CONTEXT_SPECIFIC, PIN),
        Err(Rv::OPERATION_NOT_INITIALIZED)
    );
    assert_eq!(instance.login(ro, 77, PIN), Err(Rv(CKR_USER_TYPE_INVALID)));
    instance.login(ro, CKU_USER, PIN).unwrap();
    // Login state is the token's: the other session is logged in too.
    assert_eq!(
        states(&instance, [ro, rw]),
        [CKS_RO_USER_FUNCTIONS, CKS_RW_USER_FUNCTIONS]
    );
    assert_eq!(
        instance.login(rw, CKU_USER, PIN),
        Err(Rv(CKR_USER_ALREADY_LOGGED_IN))
    );

    instance.logout(rw).unwrap();
    assert_eq!(state(&instance, ro), CKS_RO_PUBLIC_SESSION);
    assert_eq!(instance.logout(rw), Err(Rv::USER_NOT_LOGGED_IN));

    // Closing the last session logs out.
    instance.login(ro, CKU_USER, PIN).unwrap();
    instance.close_session(ro).unwrap();
    assert_eq!(world.lock().logouts, 1);
    instance.close_session(rw).unwrap();
    assert_eq!(world.lock().logouts, 2);
    assert_eq!(instance.close_session(rw), Err(Rv::SESSION_HANDLE_INVALID));
    let again = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert_eq!(state(&instance, again), CKS_RO_PUBLIC_SESSION);
    instance.close_all_sessions(0).unwrap();
    assert_eq!(
        instance.session_info(again).err(),
        Some(Rv::SESSION_HANDLE_INVALID)
    );
}

#[test]
fn shutdown_logs_tokens_out() {
    let (world, instance) = instance_with_card();
    let _h = logged_in_session(&instance);
    instance.shut_down();
    assert_eq!(world.lock().logouts, 1);
}

#[test]
fn private_objects_hidden_until_login() {
    let (_, instance) = instance_with_card();
    let h = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    instance.find_init(h, &[]).unwrap();
    assert_eq!(instance.find_init(h, &[]), Err(Rv::OPERATION_ACTIVE));
    assert_eq!(instance.find_next(h, 10).unwrap().len(), 2);
    assert!(instance.find_next(h, 10).unwrap().is_empty());
    instance.find_final(h).unwrap();
    assert_eq!(instance.find_final(h), Err(Rv::OPERATION_NOT_INITIALIZED));

    instance.login(h, CKU_USER, PIN).unwrap();
    instance.find_init(h, &[]).unwrap();
    let first = instance.find_next(h, 1).unwrap();
    let rest = instance.find_next(h, 10).unwrap();
    assert_eq!((first.len(), rest.len()), (1, 2));
    instance.find_final(h).unwrap();

    let key = find_one(&instance, h, CKO_PRIVATE_KEY);
    let values = instance
        .attribute_values(h, key, &[CKA_CLASS, CKA_PRIVATE_EXPONENT, 0xdead, CKA_SIGN])
        .unwrap();
    assert_eq!(
        values,
        vec![
            AttributeLookup::Value(CKO_PRIVATE_KEY.to_ne_bytes().to_vec()),
            AttributeLookup::Sensitive,
            AttributeLookup::Invalid,
            AttributeLookup::Value(vec![1]),
        ]
    );
    assert!(instance.object_size(h, key).unwrap() > 0);
    instance.logout(h).unwrap();
    assert_eq!(
        instance.attribute_values(h, key, &[CKA_CLASS]).err(),
        Some(Rv(CKR_OBJECT_HANDLE_INVALID))
    );
    assert_eq!(
        instance.attribute_values(h, 0, &[CKA_CLASS]).err(),
        Some(Rv(CKR_OBJECT_HANDLE_INVALID))
    );
}

#[test]
fn sign_needs_login_a_signing_key_and_an_offered_mechanism() {
    let (_, instance) = instance_with_card();
    let h = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    let cert = find_one(&instance, h, CKO_CERTIFICATE);
    let public = find_one(&instance, h, CKO_PUBLIC_KEY);
    instance.login(h, CKU_USER, PIN).unwrap();
    let key = find_one(&instance, h, CKO_PRIVATE_KEY);
    instance.logout(h).unwrap();
    assert_eq!(
        instance.sign_init(h, &mech(CKM_RSA_PKCS), key),
        Err(Rv::USER_NOT_LOGGED_IN)
    );
    instance.login(h, CKU_USER, PIN).unwrap();
    assert_eq!(
        instance.sign_init(h, &mech(CKM_SHA1_RSA_PKCS), key),
        Err(Rv::MECHANISM_INVALID)
    );
    assert_eq!(
        instance.sign_init(h, &mech(CKM_RSA_PKCS), cert),
        Err(Rv(CKR_KEY_HANDLE_INVALID))
    );
    assert_eq!(
        instance.sign_init(h, &mech(CKM_RSA_PKCS), public),
        Err(Rv(CKR_KEY_FUNCTION_NOT_PERMITTED))
    );
    assert_eq!(
        instance.sign_init(h, &mech(CKM_RSA_PKCS), 999),
        Err(Rv(CKR_KEY_HANDLE_INVALID))
    );
    let with_param = MechanismRequest {
        mechanism: CKM_RSA_PKCS,
        params: MechanismParams::Other,
    };
    assert_eq!(
        instance.sign_init(h, &with_param, key),
        Err(Rv::MECHANISM_PARAM_INVALID)
    );
    instance.sign_init(h, &mech(CKM_RSA_PKCS), key).unwrap();
    assert_eq!(
        instance.sign_init(h, &mech(CKM_RSA_PKCS), key),
        Err(Rv::OPERATION_ACTIVE)
    );
}

#[test]
fn sign_length_convention_signs_once() {
    let (world, instance) = instance_with_card();
    let (h, _) = signing_sha256(&instance);

    let mut query = TestOutput::query();
    instance.sign(h, b"hello", &mut query).unwrap();
    assert_eq!(query.len, K);
    assert!(
        world.lock().signed.is_empty(),
        "a length query never reaches the card"
    );

    let mut small = TestOutput::with_capacity(K - 1);
    assert_eq!(
        instance.sign(h, b"hello", &mut small),
        Err(Rv::BUFFER_TOO_SMALL)
    );
    assert_eq!(small.len, K);

    let mut out = TestOutput::with_capacity(K);
    instance.sign(h, b"hello", &mut out).unwrap();
    assert_eq!(out.bytes.len(), K);
    assert_eq!(world.lock().signed, vec![sha256_pkcs1_request(b"hello")]);
    let mut again = TestOutput::with_capacity(K);
    assert_eq!(
        instance.sign(h, b"hello", &mut again),
        Err(Rv::OPERATION_NOT_INITIALIZED)
    );
}

#[test]
fn multi_part_sign_hashes_incrementally() {
    let (world, instance) = instance_with_card();
    let (h, key) = signing_sha256(&instance);
    instance.sign_update(h, b"hel").unwrap();
    instance.sign_update(h, b"lo").unwrap();
    let mut query = TestOutput::query();
    instance.sign_final(h, &mut query).unwrap();
    assert_eq!(query.len, K);
    // C_Sign cannot end a multi-part operation: refused, and the operation goes on.
    let mut out = TestOutput::with_capacity(K);
    assert_eq!(instance.sign(h, b"x", &mut out), Err(Rv::OPERATION_ACTIVE));
    assert!(world.lock().signed.is_empty(), "nothing went to the card");
    instance.sign_final(h, &mut out).unwrap();
    assert_eq!(
        instance.sign_final(h, &mut out),
        Err(Rv::OPERATION_NOT_INITIALIZED)
    );
    assert_eq!(world.lock().signed, vec![sha256_pkcs1_request(b"hello")]);

    // Unhashed mechanisms buffer the parts.
    instance.sign_init(h, &mech(CKM_RSA_X_509), key).unwrap();
    instance.sign_update(h, &[1, 2]).unwrap();
    instance.sign_update(h, &[3]).unwrap();
    instance
        .sign_final(h, &mut TestOutput::with_capacity(K))
        .unwrap();
    assert_eq!(
        world.lock().signed[1],
        SignRequest::Raw {
            block: vec![1, 2, 3]
        }
    );
}

#[test]
fn pss_parameters_are_validated() {
    let (world, instance) = instance_with_card();
    let (h, key) = logged_in_with_key(&instance);
    let bad = [
        mech(CKM_SHA256_RSA_PKCS_PSS),
        pss(CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA256, 32),
        pss(CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, 0x99, 32),
        pss(
            CKM_SHA256_RSA_PKCS_PSS,
            CKM_SHA256,
            CKG_MGF1_SHA256,
            K as CK_ULONG,
        ),
        pss(CKM_RSA_PKCS_PSS, CKM_MD5, CKG_MGF1_SHA256, 32),
    ];
    for request in bad {
        assert_eq!(
            instance.sign_init(h, &request, key),
            Err(Rv::MECHANISM_PARAM_INVALID),
            "{request:?}"
        );
    }
    instance
        .sign_init(
            h,
            &pss(CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32),
            key,
        )
        .unwrap();
    instance
        .sign(h, b"data", &mut TestOutput::with_capacity(K))
        .unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, b"data")
        .as_ref()
        .to_vec();
    assert_eq!(
        world.lock().signed[0],
        SignRequest::Pss {
            hash: HashAlg::Sha256,
            mgf_hash: HashAlg::Sha256,
            salt_len: 32,
            digest: digest.clone(),
        }
    );

    // CKM_RSA_PKCS_PSS signs a hash of exactly the hash's length; a wrong length ends it.
    let raw_pss = pss(CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32);
    instance.sign_init(h, &raw_pss, key).unwrap();
    let mut out = TestOutput::with_capacity(K);
    assert_eq!(
        instance.sign(h, &digest[..31], &mut out),
        Err(Rv::DATA_LEN_RANGE)
    );
    assert_eq!(
        instance.sign(h, &digest, &mut out),
        Err(Rv::OPERATION_NOT_INITIALIZED)
    );
    instance.sign_init(h, &raw_pss, key).unwrap();
    instance.sign(h, &digest, &mut out).unwrap();
    assert_eq!(world.lock().signed.len(), 2);
}

#[test]
fn digests_match_ring_and_follow_the_length_convention() {
    let (_, instance) = instance_with_card();
    let h = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    for (mechanism, algorithm) in [
        (CKM_SHA_1, &ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
        (CKM_SHA256, &ring::digest::SHA256),
        (CKM_SHA384, &ring::digest::SHA384),
        (CKM_SHA512, &ring::digest::SHA512),
    ] {
        let expected = ring::digest::digest(algorithm, b"abcdef");
        instance.digest_init(h, &mech(mechanism)).unwrap();
        let mut query = TestOutput::query();
        instance.digest(h, b"abcdef", &mut query).unwrap();
        assert_eq!(query.len, algorithm.output_len());
        let mut small = TestOutput::with_capacity(1);
        assert_eq!(
            instance.digest(h, b"abcdef", &mut small),
            Err(Rv::BUFFER_TOO_SMALL)
        );
        let mut out = TestOutput::with_capacity(64);
        instance.digest(h, b"abcdef", &mut out).unwrap();
        assert_eq!(out.bytes, expected.as_ref());

        instance.digest_init(h, &mech(mechanism)).unwrap();
        instance.digest_update(h, b"abc").unwrap();
        instance.digest_update(h, b"def").unwrap();
        let mut out = TestOutput::with_capacity(64);
        instance.digest_final(h, &mut out).unwrap();
        assert_eq!(out.bytes, expected.as_ref());
        assert_eq!(
            instance.digest_final(h, &mut out),
            Err(Rv::OPERATION_NOT_INITIALIZED)
        );

        // C_Digest cannot end a multi-part digest: refused, and the digest goes on.
        instance.digest_init(h, &mech(mechanism)).unwrap();
        instance.digest_update(h, b"abc").unwrap();
        assert_eq!(
            instance.digest(h, b"zzz", &mut out),
            Err(Rv::OPERATION_ACTIVE)
        );
        instance.digest_update(h, b"def").unwrap();
        let mut out = TestOutput::with_capacity(64);
        instance.digest_final(h, &mut out).unwrap();
        assert_eq!(out.bytes, expected.as_ref());
    }
    assert_eq!(
        instance.digest_init(h, &mech(CKM_MD5)),
        Err(Rv::MECHANISM_INVALID)
    );
}

#[test]
fn mechanisms_are_the_tokens_plus_digests() {
    let (_, instance) = instance_with_card();
    let list = instance.mechanism_list(0).unwrap();
    assert!(list.contains(&CKM_SHA256_RSA_PKCS_PSS));
    assert!(list.contains(&CKM_SHA512));
    let info = instance.mechanism_info(0, CKM_SHA256).unwrap();
    assert_eq!(info.flags, CKF_DIGEST);
    let info = instance.mechanism_info(0, CKM_RSA_PKCS).unwrap();
    assert_eq!(info.flags, CKF_HW | CKF_SIGN);
    assert_eq!(
        instance.mechanism_info(0, CKM_MD5).err(),
        Some(Rv::MECHANISM_INVALID)
    );
}

#[test]
fn card_removal_closes_sessions_and_is_an_event() {
    let (world, instance) = instance_with_card();
    let h = logged_in_session(&instance);
    assert_eq!(
        instance.wait_for_slot_event(CKF_DONT_BLOCK),
        Err(Rv(CKR_NO_EVENT))
    );
    world.lock().cards.insert("R0".into(), false);
    assert_eq!(instance.session_info(h).err(), Some(Rv::DEVICE_REMOVED));
    assert_eq!(
        instance.session_info(h).err(),
        Some(Rv::SESSION_HANDLE_INVALID)
    );
    assert_eq!(instance.token_info(0).err(), Some(Rv::TOKEN_NOT_PRESENT));
    assert_eq!(instance.slot_info(0).unwrap().flags & CKF_TOKEN_PRESENT, 0);
    assert_eq!(instance.wait_for_slot_event(CKF_DONT_BLOCK), Ok(0));
    assert_eq!(
        instance.wait_for_slot_event(CKF_DONT_BLOCK),
        Err(Rv(CKR_NO_EVENT))
    );

    // Re-inserted: a new binding, found by the event check itself.
    world.lock().cards.insert("R0".into(), true);
    assert_eq!(instance.wait_for_slot_event(CKF_DONT_BLOCK), Ok(0));
    let again = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert_eq!(state(&instance, again), CKS_RO_PUBLIC_SESSION);
}

#[test]
fn new_reader_is_an_event_and_shutdown_unblocks_a_wait() {
    let (world, instance) = instance_with_card();
    world.lock().readers.push("R1".into());
    assert_eq!(instance.wait_for_slot_event(CKF_DONT_BLOCK), Ok(1));
    assert_eq!(instance.slot_list(false, true), vec![0, 1]);
    assert_eq!(instance.slot_list(true, false), vec![0]);

    let instance = Arc::new(instance);
    let waiter = {
        let instance = instance.clone();
        std::thread::spawn(move || instance.wait_for_slot_event(0))
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    instance.shut_down();
    assert_eq!(waiter.join().unwrap(), Err(Rv::NOT_INITIALIZED));
}

#[test]
fn unreadable_cards_are_not_bound_again_on_every_query() {
    let world = world_with_card();
    {
        let mut w = world.lock();
        w.readers.push("R1".into());
        w.cards.insert("R1".into(), true);
        w.unsupported.push("R0".into());
        w.failing.push("R1".into());
    }
    let instance = Instance::new(backend_for(world.clone()));
    assert_eq!(instance.slot_list(true, true), Vec::<CK_SLOT_ID>::new());
    assert_eq!(world.lock().binds, 2);
    for _ in 0..3 {
        assert_eq!(instance.token_info(0).err(), Some(Rv::TOKEN_NOT_PRESENT));
        assert_eq!(instance.token_info(1).err(), Some(Rv::TOKEN_NOT_PRESENT));
    }
    assert_eq!(
        world.lock().binds,
        2,
        "neither card is read again while it stays in"
    );

    // Another card in R0 (here: the reader emptied, then a supported card).
    world.lock().cards.insert("R0".into(), false);
    assert_eq!(instance.token_info(0).err(), Some(Rv::TOKEN_NOT_PRESENT));
    world.lock().cards.insert("R0".into(), true);
    world.lock().unsupported.clear();
    assert!(instance.token_info(0).is_ok());
}

#[test]
fn a_reset_seen_by_the_token_makes_every_session_public() {
    let (world, instance) = instance_with_card();
    let h = logged_in_session(&instance);
    let other = instance
        .open_session(0, CKF_SERIAL_SESSION | CKF_RW_SESSION)
        .unwrap();
    let key = find_one(&instance, h, CKO_PRIVATE_KEY);
    world.lock().login_lost = true;
    assert_eq!(
        states(&instance, [h, other]),
        [CKS_RO_PUBLIC_SESSION, CKS_RW_PUBLIC_SESSION]
    );
    assert_eq!(
        instance.sign_init(h, &mech(CKM_SHA256_RSA_PKCS), key),
        Err(Rv::USER_NOT_LOGGED_IN)
    );
    let new = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert_eq!(state(&instance, new), CKS_RO_PUBLIC_SESSION);
    // The application asks for the PIN again, and it works.
    instance.login(new, CKU_USER, PIN).unwrap();
    instance
        .sign_init(h, &mech(CKM_SHA256_RSA_PKCS), key)
        .unwrap();
}
