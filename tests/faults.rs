//! Faults through the real stack (issue #10), the test process being the long-lived
//! application: a card pulled in the middle of C_Sign. Every PKCS#11 call runs under the
//! watchdog (a call over 30 s fails the run); every signature is verified with ring against
//! the certificate's public key.

mod common;

use common::harness::{PcscDaemon, VirtualCard};
use common::module::{pkcs11, serial, slot_of_reader};
use common::token::{certificate, expect_rv, find, pin};
use common::watchdog::{guarded, timed};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectClass;
use cryptoki::session::{Session, UserType};
use std::time::Duration;

const PIN: &str = "12345678";
const READER: u16 = 0;

/// Opens a session on the card in `READER`, logs in, signs and verifies one message.
fn login_and_sign(card: &str) -> Session {
    let module = pkcs11();
    let slot = slot_of_reader(READER);
    let session = guarded("C_OpenSession", || module.open_rw_session(slot)).expect("C_OpenSession");
    guarded("C_Login", || session.login(UserType::User, Some(&pin(PIN)))).expect("C_Login");
    let key = find(&session, ObjectClass::PRIVATE_KEY)[0];
    let message = format!("signed with the {card}");
    let signature = guarded("C_Sign", || {
        session.sign(&Mechanism::Sha256RsaPkcs, key, message.as_bytes())
    })
    .expect("C_Sign");
    assert!(certificate(&session, card).verify_pkcs1("sha256", message.as_bytes(), &signature));
    session
}

/// A card pulled while C_Sign talks to it (`--slow`: every APDU answered 150 ms late): the
/// signature fails with CKR_DEVICE_REMOVED, and from that moment — before pcscd has even
/// noticed — the slot shows no token and no C_Login can answer CKR_USER_ALREADY_LOGGED_IN.
/// The card put back is a token again, without restarting anything.
fn pull_during_sign(kind: &str) {
    let module = pkcs11();
    let card = VirtualCard::insert(READER, kind, &["--pin", PIN, "--slow", "150"]);
    let session = login_and_sign(kind);
    let key = find(&session, ObjectClass::PRIVATE_KEY)[0];
    let signing = std::thread::spawn(move || {
        let outcome = timed("C_Sign", || {
            session.sign(&Mechanism::Sha256RsaPkcs, key, b"never signed")
        });
        (session, outcome)
    });
    std::thread::sleep(Duration::from_millis(220));
    drop(card); // the simulator is killed: the card is gone mid-APDU
    let (session, (outcome, took)) = signing.join().expect("signing thread");
    println!("{kind}: C_Sign after the pull answered {outcome:?} in {took:?}");
    expect_rv(outcome, RvError::DeviceRemoved);

    let slot = slot_of_reader(READER);
    let info = guarded("C_GetSlotInfo", || module.get_slot_info(slot)).expect("C_GetSlotInfo");
    assert!(!info.token_present(), "no token once C_Sign said removed");
    match guarded("C_Login", || session.login(UserType::User, Some(&pin(PIN)))) {
        Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) | Ok(()) => {
            panic!("C_Login on a pulled card still logged in")
        }
        Err(_) => {}
    }
    expect_rv(
        guarded("C_OpenSession", || module.open_rw_session(slot)),
        RvError::TokenNotPresent,
    );
    drop(session);

    PcscDaemon::shared().wait_card(READER, false);
    let card = VirtualCard::insert(READER, kind, &["--pin", PIN]);
    drop(login_and_sign(kind));
    card.remove();
}

#[test]
fn a_ts_cns_pulled_during_c_sign_is_removed_at_once() {
    let _guard = serial();
    pull_during_sign("cns");
}

#[test]
fn a_cie_pulled_during_c_sign_is_removed_at_once() {
    let _guard = serial();
    pull_during_sign("cie");
}

/// Another application holds the card in a PC/SC transaction for `hold`.
fn hold_the_card(index: u16, hold: Duration) -> std::thread::JoinHandle<()> {
    let (held, wait) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("context");
        let name = std::ffi::CString::new(PcscDaemon::shared().reader_name(index)).expect("name");
        let mut card = ctx
            .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .expect("connect");
        let tx = card.transaction().expect("transaction");
        held.send(()).expect("held");
        std::thread::sleep(hold);
        drop(tx);
        let _ = card.disconnect(pcsc::Disposition::LeaveCard);
    });
    wait.recv().expect("the other application holds the card");
    holder
}

/// Another application holds the card in reader 0 for 8 s (a PC/SC transaction), longer
/// than the module waits for it (5 s, README "Waiting for the card"): slot and token queries
/// answer at once from what is known, a query on the other reader's slot never waits for
/// reader 0, C_Sign gives up after the wait with CKR_FUNCTION_FAILED, and once the other
/// application is done the same session signs again.
#[test]
fn another_application_holding_the_card_never_blocks_queries_and_bounds_operations() {
    let _guard = serial();
    let module = pkcs11();
    let card = VirtualCard::insert(READER, "cns", &["--pin", PIN]);
    let other = VirtualCard::insert(1, "cns", &["--pin", PIN, "--variant", "cardos"]);
    let session = login_and_sign("cns");
    let key = find(&session, ObjectClass::PRIVATE_KEY)[0];
    let (slot, slot1) = (slot_of_reader(READER), slot_of_reader(1));
    let holder = hold_the_card(READER, Duration::from_secs(8));

    let signing = std::thread::spawn(move || {
        let outcome = timed("C_Sign", || {
            session.sign(&Mechanism::Sha256RsaPkcs, key, b"while held")
        });
        (session, outcome)
    });
    std::thread::sleep(Duration::from_millis(200));
    let quick = Duration::from_secs(1);
    let (slots, took) = timed("C_GetSlotList", || module.get_slots_with_token());
    assert_eq!(slots.expect("C_GetSlotList").len(), 2);
    assert!(took < quick, "C_GetSlotList(TRUE) took {took:?}");
    let (info, took) = timed("C_GetSlotInfo", || module.get_slot_info(slot));
    assert!(info.expect("C_GetSlotInfo").token_present());
    assert!(took < quick, "C_GetSlotInfo took {took:?}");
    let (token, took) = timed("C_GetTokenInfo", || module.get_token_info(slot1));
    assert!(token.expect("C_GetTokenInfo").label().starts_with("TS-CNS"));
    assert!(
        took < quick,
        "C_GetTokenInfo on the other slot took {took:?}"
    );

    let (session, (outcome, took)) = signing.join().expect("signing thread");
    println!("C_Sign while another application holds the card: {outcome:?} after {took:?}");
    expect_rv(outcome, RvError::FunctionFailed);
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(9),
        "{took:?}"
    );

    holder.join().expect("holder");
    let signature = guarded("C_Sign", || {
        session.sign(&Mechanism::Sha256RsaPkcs, key, b"after the hold")
    })
    .expect("C_Sign after the hold");
    assert!(certificate(&session, "cns").verify_pkcs1("sha256", b"after the hold", &signature));
    drop(session);
    card.remove();
    other.remove();
}
