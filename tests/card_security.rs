//! What a login leaves on the card, through the real stack (issue #11):
//!
//! - a TS-CNS unlocked by this module is locked again when the login ends (C_Logout, the
//!   last session closed, C_Finalize, `pkcs11-tool --login --sign` exiting): another PC/SC
//!   client's raw MSE RESTORE / MSE SET / PSO DECIPHER then answers 6982, not 9000;
//! - another application resetting the card ends the login of every session on both
//!   families: sessions opened before answer CKR_USER_NOT_LOGGED_IN and are public, new
//!   sessions open public, and a new C_Login works.

mod common;

use common::harness::{module_path, scratch_dir, PcscDaemon, VirtualCard};
use common::module::{pkcs11, serial, slot_of_reader};
use common::token::{certificate, expect_rv, find, pin, tries, with_card_in};
use common::tools::{c_program, pkcs11_tool, sign_args, succeed};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectClass;
use cryptoki::session::{Session, SessionState, UserType};
use std::ffi::CString;

const PIN: &str = "12345678";
const CIE_PUK: &str = "87654321";
const READER: u16 = 0;
const MESSAGE: &[u8] = b"firmato solo con il PIN";

/// Another application on the same reader, talking raw APDUs through PC/SC.
struct RawClient {
    card: Option<pcsc::Card>,
}

impl RawClient {
    fn connect(reader: u16) -> RawClient {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
        let name = CString::new(PcscDaemon::shared().reader_name(reader)).expect("reader");
        let card = ctx
            .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .expect("SCardConnect");
        RawClient { card: Some(card) }
    }

    fn transmit(&mut self, apdu: &[u8]) -> u16 {
        let card = self.card.as_mut().expect("connected");
        let mut buffer = vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let response = match card.transmit(apdu, &mut buffer) {
            Ok(r) => r.to_vec(),
            // Our own handle after someone's reset: reconnect and send again.
            Err(pcsc::Error::ResetCard) => {
                card.reconnect(
                    pcsc::ShareMode::Shared,
                    pcsc::Protocols::ANY,
                    pcsc::Disposition::LeaveCard,
                )
                .expect("SCardReconnect");
                card.transmit(apdu, &mut buffer).expect("transmit").to_vec()
            }
            Err(e) => panic!("SCardTransmit: {e}"),
        };
        let n = response.len();
        assert!(n >= 2, "a status word");
        u16::from_be_bytes([response[n - 2], response[n - 1]])
    }

    /// The raw signature of the issue: MSE RESTORE, MSE SET key 01, PSO DECIPHER of a
    /// 2048-bit block (cns.md §5.1). The status word of the PSO: 9000 means the card signed
    /// for an application that never gave the PIN.
    fn raw_signature(&mut self) -> u16 {
        assert_eq!(self.transmit(&[0x00, 0x22, 0xF3, 0x03, 0x00]), 0x9000);
        assert_eq!(
            self.transmit(&[0x00, 0x22, 0xF1, 0xB8, 0x03, 0x83, 0x01, 0x01]),
            0x9000
        );
        let mut pso = vec![0x00, 0x2A, 0x80, 0x86, 0x00, 0x01, 0x01, 0x00];
        let mut block = vec![0xFF; 256];
        block[..2].copy_from_slice(&[0x00, 0x01]);
        pso.extend_from_slice(&block);
        pso.extend_from_slice(&[0x00, 0x00]);
        self.transmit(&pso)
    }

    /// Resets the card as another application would (SCardDisconnect(SCARD_RESET_CARD)).
    fn reset(mut self) {
        let card = self.card.take().expect("connected");
        card.disconnect(pcsc::Disposition::ResetCard)
            .map_err(|(_, e)| e)
            .expect("SCardDisconnect(reset)");
    }
}

impl Drop for RawClient {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            let _ = card.disconnect(pcsc::Disposition::LeaveCard);
        }
    }
}

fn login(session: &Session) {
    session
        .login(UserType::User, Some(&pin(PIN)))
        .expect("C_Login");
}

fn sign(session: &Session) -> cryptoki::error::Result<Vec<u8>> {
    let key = find(session, ObjectClass::PRIVATE_KEY)
        .first()
        .copied()
        .ok_or(cryptoki::error::Error::Pkcs11(
            RvError::UserNotLoggedIn,
            cryptoki::context::Function::Sign,
        ))?;
    session.sign(&Mechanism::Sha256RsaPkcs, key, MESSAGE)
}

#[test]
fn c_logout_and_closing_the_last_session_lock_the_ts_cns_again() {
    let _guard = serial();
    let card = VirtualCard::insert(READER, "cns", &[]);
    let slot = slot_of_reader(READER);
    let session = pkcs11().open_ro_session(slot).expect("C_OpenSession");
    let mut other = RawClient::connect(READER);
    assert_eq!(other.raw_signature(), 0x6982, "locked before any login");
    login(&session);
    // The test can fail: while we are logged in the card signs for anyone.
    assert_eq!(other.raw_signature(), 0x9000, "unlocked while logged in");
    session.logout().expect("C_Logout");
    assert_eq!(other.raw_signature(), 0x6982, "locked again after C_Logout");

    // The last logged-in session closed.
    let second = pkcs11().open_ro_session(slot).expect("C_OpenSession");
    login(&second);
    assert_eq!(other.raw_signature(), 0x9000);
    drop(second);
    // `session` is still open, so the token stays logged in until it closes too.
    assert_eq!(other.raw_signature(), 0x9000);
    drop(session);
    assert_eq!(other.raw_signature(), 0x6982, "locked after the last close");
    drop(other);
    card.remove();
}

#[test]
fn pkcs11_tool_leaves_the_ts_cns_locked() {
    let _guard = serial();
    let card = VirtualCard::insert(READER, "cns", &[]);
    let dir = scratch_dir("pkcs11-tool-lock");
    let data = dir.join("data");
    std::fs::write(&data, MESSAGE).expect("write data");
    let sig = dir.join("sig");
    let mut other = RawClient::connect(READER);
    assert_eq!(other.raw_signature(), 0x6982);
    succeed(
        pkcs11_tool(
            &module_path(),
            &sign_args(PIN, "SHA256-RSA-PKCS", &data, &sig),
            &[],
        ),
        "pkcs11-tool --login --sign",
    );
    assert!(std::fs::metadata(&sig).expect("signature").len() == 256);
    assert_eq!(
        other.raw_signature(),
        0x6982,
        "nobody signs without the PIN"
    );
    drop(other);
    card.remove();
}

/// Another application resets the card: the login of every session ends.
fn a_reset_by_another_application_logs_everyone_out(kind: &str) {
    let _guard = serial();
    with_card_in(pkcs11, READER, kind, &[], |_, session| {
        let slot = slot_of_reader(READER);
        let second = pkcs11().open_ro_session(slot).expect("C_OpenSession");
        login(session);
        let before = sign(session).expect("C_Sign before the reset");
        assert!(certificate(session, kind).verify_pkcs1("sha256", MESSAGE, &before));

        RawClient::connect(READER).reset();

        let key = find(session, ObjectClass::PRIVATE_KEY);
        // The private key is not visible any more, or signing with it is refused.
        if let Some(key) = key.first() {
            expect_rv(
                session.sign(&Mechanism::Sha256RsaPkcs, *key, MESSAGE),
                RvError::UserNotLoggedIn,
            );
        }
        assert_eq!(find(session, ObjectClass::PRIVATE_KEY).len(), 0);
        for s in [session, &second] {
            let state = s
                .get_session_info()
                .expect("C_GetSessionInfo")
                .session_state();
            assert!(
                matches!(state, SessionState::RoPublic | SessionState::RwPublic),
                "{kind}: {state:?}"
            );
        }
        let fresh = pkcs11().open_ro_session(slot).expect("C_OpenSession");
        assert_eq!(
            fresh
                .get_session_info()
                .expect("C_GetSessionInfo")
                .session_state(),
            SessionState::RoPublic
        );
        assert_eq!(find(&fresh, ObjectClass::PRIVATE_KEY).len(), 0);
        // The application asks for the PIN again, and signing works.
        login(&fresh);
        let after = sign(session).expect("C_Sign after a new login");
        assert!(certificate(session, kind).verify_pkcs1("sha256", MESSAGE, &after));
    });
}

#[test]
fn a_reset_logs_every_ts_cns_session_out() {
    a_reset_by_another_application_logs_everyone_out("cns");
}

#[test]
fn a_reset_logs_every_cie_session_out() {
    a_reset_by_another_application_logs_everyone_out("cie");
}

#[test]
fn a_stray_context_specific_login_sends_no_puk() {
    let _guard = serial();
    for kind in ["cns", "cie"] {
        with_card_in(pkcs11, READER, kind, &[], |card, session| {
            let before = card.stats();
            // An application re-authenticating with the PIN where no signature is active:
            // that value must not reach the card as the PUK.
            session
                .login(UserType::ContextSpecific, Some(&pin(PIN)))
                .expect("kept for an unblock that never comes");
            assert_eq!(card.stats().apdus, before.apdus, "{kind}: no APDU");
            assert_eq!(tries(card, "puk_tries"), 10, "{kind}");
            session.logout().expect("C_Logout ends the context");
            assert_eq!(tries(card, "puk_tries"), 10, "{kind}");
        });
    }
}

#[test]
fn after_a_reset_the_old_value_of_c_set_pin_is_the_pin() {
    let _guard = serial();
    with_card_in(pkcs11, READER, "cie", &[], |card, session| {
        for _ in 0..3 {
            let _ = session.login(UserType::User, Some(&pin("11111111")));
        }
        assert_eq!(tries(card, "pin_tries"), 0, "blocked");
        expect_rv(
            session.login(UserType::User, Some(&pin(PIN))),
            RvError::PinLocked,
        );
        // Someone else resets the card (and might have unblocked the PIN meanwhile): this
        // process has not seen it blocked since, so the old value is taken as the PIN.
        RawClient::connect(READER).reset();
        expect_rv(
            session.set_pin(&pin(CIE_PUK), &pin("24681357")),
            RvError::PinLocked,
        );
        assert_eq!(tries(card, "puk_tries"), 10, "no PUK sent on a guess");
        // Now seen blocked again: the same call unblocks with the PUK.
        session
            .set_pin(&pin(CIE_PUK), &pin("24681357"))
            .expect("C_SetPIN(PUK, new) unblocks");
        assert_eq!(tries(card, "pin_tries"), 3);
    });
}

/// A C application that logs in and exits without C_Finalize.
const EXIT_LOGGED_IN: &str = r#"
#include <stdlib.h>
#include "load_module.h"
int main(int argc, char **argv) {
  if (argc != 2) return 2;
  CK_FUNCTION_LIST *p11 = load_module(argv[1]);
  if (!p11 || p11->C_Initialize(NULL) != CKR_OK) return 3;
  CK_SLOT_ID slot;
  CK_ULONG n = 1;
  CK_SESSION_HANDLE s;
  if (p11->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK || n != 1) return 4;
  if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) return 5;
  if (p11->C_Login(s, CKU_USER, (CK_UTF8CHAR *)"12345678", 8) != CKR_OK) return 6;
  exit(0); /* no C_Logout, no C_CloseSession, no C_Finalize */
}
"#;

#[test]
fn exiting_without_c_finalize_locks_the_ts_cns_again() {
    let _guard = serial();
    let card = VirtualCard::insert(READER, "cns", &[]);
    let dir = scratch_dir("exit-logged-in");
    let binary = c_program(&dir, "exit_logged_in", EXIT_LOGGED_IN);
    let status = std::process::Command::new(&binary)
        .arg(module_path())
        .env("PCSCLITE_CSOCK_NAME", &PcscDaemon::shared().socket)
        .status()
        .expect("run the C application");
    assert!(status.success(), "{status:?}");
    let mut other = RawClient::connect(READER);
    assert_eq!(other.raw_signature(), 0x6982, "locked after the exit");
    drop(other);
    card.remove();
}
