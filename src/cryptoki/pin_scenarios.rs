//! The PIN lifecycle as the state machine sees it (`pin`, C_Login with CKU_SO and
//! CKU_CONTEXT_SPECIFIC), on the fake token of `testing`.

use super::instance::Instance;
use super::testing::{instance_with_card, state, states, Shared, PIN, PUK};
use super::Rv;
use cryptoki_sys::*;

const NEW: &[u8] = b"24681357";

fn setup() -> (Shared, Instance, CK_SESSION_HANDLE) {
    let (world, instance) = instance_with_card();
    let rw = instance
        .open_session(0, CKF_SERIAL_SESSION | CKF_RW_SESSION)
        .unwrap();
    (world, instance, rw)
}

fn ops(world: &Shared) -> Vec<&'static str> {
    std::mem::take(&mut world.lock().pin_ops)
}

#[test]
fn read_only_sessions_change_nothing() {
    let (world, instance, _rw) = setup();
    let ro = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert_eq!(
        instance.set_pin(ro, PIN, NEW),
        Err(Rv(CKR_SESSION_READ_ONLY))
    );
    assert_eq!(instance.init_pin(ro, NEW), Err(Rv(CKR_SESSION_READ_ONLY)));
    assert!(ops(&world).is_empty());
}

#[test]
fn set_pin_changes_the_users_pin_logged_in_or_not() {
    let (world, instance, rw) = setup();
    instance.set_pin(rw, PIN, NEW).unwrap();
    assert_eq!(ops(&world), ["change"]);
    // Public session with the PIN blocked: the token's rule unblocks with the PUK.
    instance.set_pin(rw, PUK, NEW).unwrap();
    assert_eq!(ops(&world), ["unblock"]);

    instance.login(rw, CKU_USER, PIN).unwrap();
    instance.set_pin(rw, PIN, NEW).unwrap();
    assert_eq!(ops(&world), ["change"]);
    assert_eq!(state(&instance, rw), CKS_RW_USER_FUNCTIONS);
    assert_eq!(
        instance.set_pin(rw, b"11111", NEW),
        Err(Rv(CKR_PIN_INCORRECT))
    );
    assert_eq!(instance.init_pin(rw, NEW), Err(Rv::USER_NOT_LOGGED_IN));
}

#[test]
fn so_login_verifies_the_puk_and_init_pin_unblocks_with_it() {
    let (world, instance, rw) = setup();
    assert_eq!(instance.init_pin(rw, NEW), Err(Rv::USER_NOT_LOGGED_IN));
    let ro = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    assert_eq!(
        instance.login(rw, CKU_SO, PUK),
        Err(Rv(CKR_SESSION_READ_ONLY_EXISTS))
    );
    instance.close_session(ro).unwrap();
    assert_eq!(
        instance.login(rw, CKU_SO, b"11111111"),
        Err(Rv(CKR_PIN_INCORRECT))
    );
    instance.login(rw, CKU_SO, PUK).unwrap();
    assert_eq!(state(&instance, rw), CKS_RW_SO_FUNCTIONS);
    assert_eq!(
        instance.open_session(0, CKF_SERIAL_SESSION).err(),
        Some(Rv(CKR_SESSION_READ_WRITE_SO_EXISTS))
    );
    assert_eq!(
        instance.login(rw, CKU_USER, PIN),
        Err(Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN))
    );
    // The SO's PIN is the PUK: not changeable.
    assert_eq!(
        instance.set_pin(rw, PUK, NEW),
        Err(Rv::FUNCTION_NOT_SUPPORTED)
    );
    instance.init_pin(rw, NEW).unwrap();
    assert_eq!(ops(&world), ["unblock with login PUK"]);
    assert_eq!(state(&instance, rw), CKS_RW_SO_FUNCTIONS);
    let logouts = world.lock().logouts;
    instance.logout(rw).unwrap();
    assert_eq!(
        world.lock().logouts,
        logouts + 1,
        "the token forgets the PUK"
    );
    assert_eq!(instance.init_pin(rw, NEW), Err(Rv::USER_NOT_LOGGED_IN));
}

#[test]
fn context_specific_puk_login_is_for_the_next_set_pin_only() {
    let (world, instance, rw) = setup();
    let ro = instance.open_session(0, CKF_SERIAL_SESSION).unwrap();
    // Only in a R/W session, where a C_SetPIN can follow.
    assert_eq!(
        instance.login(ro, CKU_CONTEXT_SPECIFIC, PUK),
        Err(Rv::OPERATION_NOT_INITIALIZED)
    );
    instance.login(rw, CKU_CONTEXT_SPECIFIC, PUK).unwrap();
    assert_eq!(
        states(&instance, [rw, ro]),
        [CKS_RW_PUBLIC_SESSION, CKS_RO_PUBLIC_SESSION]
    );
    assert_eq!(
        instance.login(rw, CKU_USER, PIN),
        Err(Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN))
    );
    let logouts = world.lock().logouts;
    instance.set_pin(rw, PUK, NEW).unwrap();
    assert_eq!(ops(&world), ["unblock with login PUK"]);
    assert_eq!(world.lock().logouts, logouts + 1, "the context ended");
    assert_eq!(instance.logout(rw), Err(Rv::USER_NOT_LOGGED_IN));

    // A PUK that differs from the login's is refused (the token spends nothing).
    instance.login(rw, CKU_CONTEXT_SPECIFIC, PUK).unwrap();
    assert_eq!(
        instance.set_pin(rw, b"11112222", NEW),
        Err(Rv(CKR_PIN_INCORRECT))
    );
    assert_eq!(state(&instance, rw), CKS_RW_PUBLIC_SESSION);
    // The user's re-authentication for a signature is unchanged: without one, nothing.
    instance.login(rw, CKU_USER, PIN).unwrap();
    assert_eq!(
        instance.login(rw, CKU_CONTEXT_SPECIFIC, PIN),
        Err(Rv::OPERATION_NOT_INITIALIZED)
    );
}
