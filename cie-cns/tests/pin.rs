//! `cie-cns pin` as a person uses it: at a pseudo-terminal, typing at the prompts (rexpect),
//! on the virtual TS-CNS and CIE. The card's own state (`cardsim --state`: its PIN and
//! counters) and its APDU count (`--stats`) are the observed results.

mod common;

use common::harness::{scratch_dir, PcscDaemon, VirtualCard};
use common::tool::command_in;
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard};

const READER: u16 = 0;
const PIN: &str = "38162957";
const PUK: &str = "61947283";
const NEW_PIN: &str = "24680135";

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A virtual card whose PIN state the simulator keeps in a file the test reads.
struct Card {
    card: Option<VirtualCard>,
    state: PathBuf,
    home: PathBuf,
    _serial: MutexGuard<'static, ()>,
}

impl Card {
    /// `kind` ("cns" or "cie") with PIN and PUK as above and `pin_tries` left.
    fn insert(kind: &str, pin_tries: u8) -> Card {
        let serial = serial();
        PcscDaemon::shared();
        let home = scratch_dir("pin-home");
        let state = home.join("card-state");
        let variant = match kind {
            "cns" => "stincard",
            _ => "bit4id-2023",
        };
        std::fs::write(
            &state,
            format!("card={kind}\nvariant={variant}\npin={PIN}\npin_tries={pin_tries}\npuk={PUK}\npuk_tries=10\n"),
        )
        .unwrap();
        let card = VirtualCard::insert(READER, kind, &["--state", state.to_str().unwrap()]);
        Card {
            card: Some(card),
            state,
            home,
            _serial: serial,
        }
    }

    /// A value of the card's state (`pin`, `pin_tries`, `puk_tries`).
    fn state(&self, key: &str) -> String {
        let text = std::fs::read_to_string(&self.state).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            .to_string()
    }

    fn apdus(&self) -> u64 {
        self.card.as_ref().unwrap().stats().apdus
    }

    /// `cie-cns pin ACTION` at a pseudo-terminal.
    fn spawn(&self, action: &str, lang: &str) -> PtySession {
        let cmd = command_in(&self.home, lang, &["pin", action]);
        spawn_command(cmd, Some(20_000)).expect("spawn cie-cns in a pty")
    }

    /// `cie-cns pin ACTION` with the codes on standard input (a script): (output, exit code).
    fn piped(&self, action: &str, codes: &[&str]) -> (String, Option<i32>) {
        let mut child = command_in(&self.home, "C", &["pin", action])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        for code in codes {
            writeln!(stdin, "{code}").unwrap();
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (text, out.status.code())
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            card.remove();
        }
    }
}

/// Types `code` at `prompt` (which must be the whole prompt, as `passwd` shows it).
fn answer(session: &mut PtySession, prompt: &str, code: &str) {
    session
        .exp_string(&format!("{prompt} "))
        .unwrap_or_else(|e| panic!("prompt {prompt:?}: {e}"));
    session.send_line(code).unwrap();
}

const CHANGE: [&str; 3] = ["Current PIN:", "New PIN:", "Retype new PIN:"];
const UNBLOCK: [&str; 3] = ["PUK:", "New PIN:", "Retype new PIN:"];

/// `cie-cns pin ACTION` at a pseudo-terminal, `codes` typed at `prompts`: what it printed
/// after the last prompt, and the exit code.
fn typed(card: &Card, action: &str, prompts: &[&str], codes: &[&str]) -> (String, i32) {
    typed_in("C", card, action, prompts, codes)
}

fn typed_in(
    lang: &str,
    card: &Card,
    action: &str,
    prompts: &[&str],
    codes: &[&str],
) -> (String, i32) {
    let mut session = card.spawn(action, lang);
    for (prompt, code) in prompts.iter().zip(codes) {
        answer(&mut session, prompt, code);
    }
    finish(session)
}

/// The rest of the transcript and the exit code.
fn finish(mut session: PtySession) -> (String, i32) {
    let rest = session.exp_eof().expect("cie-cns ends");
    let code = match session.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    };
    (rest, code)
}

/// The command said `message`, echoed no code, succeeded, and the card now has NEW_PIN with
/// a full counter.
fn assert_new_pin(card: &Card, (rest, code): (String, i32), message: &str) {
    assert!(rest.contains(message), "{rest}");
    for secret in [PIN, PUK, NEW_PIN] {
        assert!(!rest.contains(secret), "code echoed: {rest}");
    }
    assert_eq!(code, 0);
    assert_eq!(card.state("pin"), NEW_PIN);
    assert_eq!(card.state("pin_tries"), "3");
}

fn change_as_typed(kind: &str) {
    let card = Card::insert(kind, 3);
    let typed = typed(&card, "change", &CHANGE, &[PIN, NEW_PIN, NEW_PIN]);
    assert_new_pin(&card, typed, "PIN changed.");
    assert_eq!(card.state("puk_tries"), "10");
}

#[test]
fn change_the_ts_cns_pin() {
    change_as_typed("cns");
}

#[test]
fn change_the_cie_pin() {
    change_as_typed("cie");
}

fn wrong_current_pin(kind: &str) {
    let card = Card::insert(kind, 3);
    let (rest, code) = typed(&card, "change", &CHANGE, &["11223344", NEW_PIN, NEW_PIN]);
    assert!(rest.contains("wrong PIN: 2 tries left"), "{rest}");
    assert_eq!(code, 1);
    assert_eq!(card.state("pin_tries"), "2", "exactly one try fewer");
    assert_eq!(card.state("pin"), PIN);
    assert_eq!(card.state("puk_tries"), "10");
}

#[test]
fn a_wrong_ts_cns_pin_costs_exactly_one_try() {
    wrong_current_pin("cns");
}

#[test]
fn a_wrong_cie_pin_costs_exactly_one_try() {
    wrong_current_pin("cie");
}

#[test]
fn block_the_ts_cns_pin_then_unblock_it_with_the_puk() {
    let card = Card::insert("cns", 3);
    // Three wrong PINs from a script (standard input is no terminal).
    for (left, message) in [
        ("2", "wrong PIN: 2 tries left"),
        ("1", "wrong PIN: one try left"),
        (
            "0",
            "wrong PIN: the PIN is now blocked; unblock it with the PUK: cie-cns pin unblock",
        ),
    ] {
        let (text, code) = card.piped("change", &["99999", NEW_PIN, NEW_PIN]);
        assert!(text.contains(message), "{text}");
        assert_eq!((code, card.state("pin_tries").as_str()), (Some(1), left));
    }
    // Blocked: the PIN prompt is not even shown, so the PUK cannot be typed there.
    let before = card.apdus();
    let (text, code) = card.piped("change", &[PUK, NEW_PIN, NEW_PIN]);
    assert!(
        text.contains("the PIN is blocked: nothing was sent to the card"),
        "{text}"
    );
    assert_eq!(code, Some(1));
    assert_eq!(card.state("puk_tries"), "10");
    assert!(card.apdus() > before, "the module read the card");

    let typed = typed(&card, "unblock", &UNBLOCK, &[PUK, NEW_PIN, NEW_PIN]);
    assert_new_pin(&card, typed, "PIN unblocked: the new PIN is set.");
    assert_eq!(card.state("puk_tries"), "10");
}

#[test]
fn unblock_the_cie_and_a_wrong_puk_warns() {
    let card = Card::insert("cie", 0);
    // The CIE tells a blocked PIN only when asked: the PIN (never the PUK) goes to a user
    // login, which the chip refuses without a try.
    let (text, code) = card.piped("change", &[PIN, NEW_PIN, NEW_PIN]);
    assert!(
        text.contains("the PIN is blocked: unblock it with the PUK: cie-cns pin unblock"),
        "{text}"
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        (card.state("pin_tries"), card.state("puk_tries")),
        ("0".into(), "10".into())
    );
    let (rest, code) = typed(&card, "unblock", &UNBLOCK, &["11112222", NEW_PIN, NEW_PIN]);
    assert!(
        rest.contains("wrong PUK: fewer than 10 tries left"),
        "{rest}"
    );
    assert!(
        rest.contains("careful: 10 wrong PUKs end the CIE's digital identity for good"),
        "{rest}"
    );
    assert_eq!(code, 1);
    assert_eq!(card.state("puk_tries"), "9", "exactly one PUK try fewer");
    assert_eq!(card.state("pin_tries"), "0");

    let typed = typed(&card, "unblock", &UNBLOCK, &[PUK, NEW_PIN, NEW_PIN]);
    assert_new_pin(&card, typed, "PIN unblocked: the new PIN is set.");
}

/// Types `codes` at `prompts`; at the first prompt the card has been read, and from then on
/// not one APDU may reach it.
fn nothing_sent(kind: &str, prompts: &[&str], codes: &[&str], message: &str) {
    let card = Card::insert(kind, 3);
    let mut session = card.spawn("change", "C");
    session.exp_string(&format!("{} ", prompts[0])).unwrap();
    let before = card.apdus();
    session.send_line(codes[0]).unwrap();
    for (prompt, code) in prompts.iter().zip(codes).skip(1) {
        answer(&mut session, prompt, code);
    }
    let (rest, code) = finish(session);
    assert!(rest.contains(message), "{rest}");
    assert_eq!(code, 1);
    assert_eq!(card.apdus(), before, "cardsim --stats unchanged");
    assert_eq!(card.state("pin_tries"), "3");
    assert_eq!(card.state("pin"), PIN);
}

#[test]
fn a_mistyped_confirmation_sends_nothing() {
    nothing_sent(
        "cns",
        &CHANGE,
        &[PIN, NEW_PIN, "24680136"],
        "the two new PINs differ: nothing was sent to the card",
    );
}

#[test]
fn a_wrong_format_pin_sends_nothing() {
    nothing_sent(
        "cns",
        &CHANGE[..1],
        &["1234"],
        "the TS-CNS's PIN has 5 to 8 digits: nothing was sent to the card",
    );
    nothing_sent(
        "cie",
        &CHANGE[..1],
        &["12345"],
        "the CIE's PIN has exactly 8 digits: nothing was sent to the card",
    );
    // The new PIN in the card's format too.
    nothing_sent(
        "cie",
        &CHANGE[..2],
        &[PIN, "1234567a"],
        "the CIE's PIN has exactly 8 digits: nothing was sent to the card",
    );
}

#[test]
fn status_tells_the_tries_without_spending_one() {
    let card = Card::insert("cns", 2);
    let (text, code) = card.piped("status", &[]);
    assert!(text.contains("PIN: 2 tries left"), "{text}");
    assert_eq!(code, Some(0));
    assert_eq!(card.state("pin_tries"), "2");
}

#[test]
fn in_italian() {
    let card = Card::insert("cns", 3);
    let prompts = ["PIN attuale:", "Nuovo PIN:", "Ripeti il nuovo PIN:"];
    let typed = typed_in(
        "it_IT.UTF-8",
        &card,
        "change",
        &prompts,
        &[PIN, NEW_PIN, NEW_PIN],
    );
    assert_new_pin(&card, typed, "PIN cambiato.");
    let (rest, code) = typed_in(
        "it_IT.UTF-8",
        &card,
        "change",
        &prompts,
        &["11111", PIN, PIN],
    );
    assert!(rest.contains("PIN errato: restano 2 tentativi"), "{rest}");
    assert_eq!((code, card.state("pin_tries")), (1, "2".into()));
}
