//! A long-lived PKCS#11 application for the fault tests (tests/fault_clients.rs,
//! scripts/soak): loads the module with the `cryptoki` crate as any application does, runs
//! every call under a watchdog (a call over 30 s ends the process with status 70), and
//! verifies every signature with ring against the certificate's public key.
//!
//! ```text
//! fault_client MODULE slots-at-init
//! fault_client MODULE sign READER PIN COUNT [--threads T] [--survive SECONDS] [--allow CKR_A,CKR_B]
//!                                            [--until FILE]
//! fault_client MODULE race READER PIN ROUNDS
//! fault_client MODULE finalize-while-waiting READER PIN GO_FILE
//! fault_client MODULE reset-card READER      (another application resetting the card)
//! ```
//! Prints `key=value` lines; exit status 0 when every signature verified and every error was
//! one the command allows, 1 otherwise.

#[allow(dead_code)]
#[path = "../tests/common/verify.rs"]
mod verify;
#[path = "../tests/common/watchdog.rs"]
mod watchdog;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use verify::CertKey;
use watchdog::{guarded, timed};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(module), Some(command)) = (args.first(), args.get(1)) else {
        eprintln!("usage: fault_client MODULE slots-at-init|sign|race …");
        std::process::exit(2);
    };
    let ok = match command.as_str() {
        "slots-at-init" => slots_at_init(module),
        "sign" => sign(module, &args[2..]),
        "race" => race(module, &args[2..]),
        "finalize-while-waiting" => finalize_while_waiting(module, &args[2..]),
        "reset-card" => reset_card(&args[2..]),
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    };
    std::process::exit(if ok { 0 } else { 1 });
}

fn load(module: &str) -> Pkcs11 {
    let pkcs11 = Pkcs11::new(module).expect("load the module");
    guarded("C_Initialize", || {
        pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
    })
    .expect("C_Initialize");
    pkcs11
}

fn rv_name(e: &Error) -> String {
    match e {
        Error::Pkcs11(rv, _) => format!("{rv:?}"),
        other => format!("{other}"),
    }
}

/// C_GetSlotInfo / C_GetTokenInfo / C_OpenSession on slot IDs 0 and 1 straight after
/// C_Initialize, as an application with a configured slot ID does; then C_GetSlotList.
fn slots_at_init(module: &str) -> bool {
    let pkcs11 = load(module);
    for id in 0u64..2 {
        let slot = Slot::try_from(id).expect("slot id");
        match guarded("C_GetSlotInfo", || pkcs11.get_slot_info(slot)) {
            Ok(info) => println!(
                "slot={id} reader={:?} present={}",
                info.slot_description().trim_end(),
                info.token_present()
            ),
            Err(e) => println!("slot={id} error={}", rv_name(&e)),
        }
        match guarded("C_GetTokenInfo", || pkcs11.get_token_info(slot)) {
            Ok(info) => println!("token={id} label={:?}", info.label().trim_end()),
            Err(e) => println!("token={id} error={}", rv_name(&e)),
        }
        match guarded("C_OpenSession", || pkcs11.open_ro_session(slot)) {
            Ok(_) => println!("session={id} ok"),
            Err(e) => println!("session={id} error={}", rv_name(&e)),
        }
    }
    let slots = guarded("C_GetSlotList", || pkcs11.get_all_slots()).expect("C_GetSlotList");
    let ids: Vec<String> = slots.iter().map(|s| s.id().to_string()).collect();
    println!("list={}", ids.join(","));
    true
}

/// The slot of the reader named `reader`, if it holds a token now.
fn token_slot(pkcs11: &Pkcs11, reader: &str) -> Option<Slot> {
    let slots = guarded("C_GetSlotList", || pkcs11.get_slots_with_token()).ok()?;
    slots.into_iter().find(|slot| {
        guarded("C_GetSlotInfo", || pkcs11.get_slot_info(*slot))
            .map(|info| info.slot_description().trim_end() == reader)
            .unwrap_or(false)
    })
}

/// A logged-in session with its signing key and the certificate's public key.
struct Signer {
    session: Session,
    key: cryptoki::object::ObjectHandle,
    cert: CertKey,
}

impl Signer {
    fn open(pkcs11: &Pkcs11, slot: Slot, pin: &str) -> Result<Signer, Error> {
        let session = guarded("C_OpenSession", || pkcs11.open_rw_session(slot))?;
        match guarded("C_Login", || {
            session.login(UserType::User, Some(&AuthPin::from(pin)))
        }) {
            // Another thread's session logged the token in already (§5.6: shared state).
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(e),
        }
        let first = |class, missing| {
            guarded("C_FindObjects", || {
                session.find_objects(&[Attribute::Class(class)])
            })?
            .first()
            .copied()
            .ok_or(Error::Pkcs11(
                missing,
                cryptoki::context::Function::FindObjects,
            ))
        };
        let key = first(ObjectClass::PRIVATE_KEY, RvError::KeyHandleInvalid)?;
        let cert = first(ObjectClass::CERTIFICATE, RvError::ObjectHandleInvalid)?;
        let value = guarded("C_GetAttributeValue", || {
            session.get_attributes(cert, &[AttributeType::Value])
        })?;
        let Some(Attribute::Value(der)) = value.into_iter().next() else {
            return Err(Error::Pkcs11(
                RvError::AttributeTypeInvalid,
                cryptoki::context::Function::GetAttributeValue,
            ));
        };
        Ok(Signer {
            session,
            key,
            cert: CertKey::from_certificate(&der),
        })
    }

    /// Signs `message`; `Ok(false)` when the signature does not verify.
    fn sign(&self, message: &[u8], slowest: &Slowest) -> Result<bool, Error> {
        let (signature, took) = timed("C_Sign", || {
            self.session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
        });
        slowest.note(took);
        Ok(self.cert.verify_pkcs1("sha256", message, &signature?))
    }
}

/// The longest C_Sign seen, in microseconds.
#[derive(Default)]
struct Slowest(AtomicU64);

impl Slowest {
    fn note(&self, took: Duration) {
        self.0.fetch_max(took.as_micros() as u64, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Tally {
    verified: u64,
    bad_signatures: u64,
    recoveries: u64,
    /// Errors by CKR name.
    errors: BTreeMap<String, u64>,
    /// Errors outside `--allow`.
    unexpected: u64,
    /// The fewest signatures a thread verified after its last recovery: the token came back.
    since_recovery: Option<u64>,
}

struct SignRun {
    reader: String,
    pin: String,
    count: u64,
    deadline: Option<Instant>,
    allowed: Vec<String>,
    /// Keep signing past COUNT until this file exists (the test's faults are over).
    until: Option<std::path::PathBuf>,
}

/// `sign READER PIN COUNT [--threads T] [--survive SECONDS] [--allow CKR_A,CKR_B] [--until
/// FILE]`: each thread makes COUNT verified signatures on its own session, and goes on until
/// FILE exists. With --survive, an allowed
/// error (the card pulled, reset, pcscd restarted …) makes the thread wait for the token,
/// open a new session and log in again, until SECONDS have passed.
fn sign(module: &str, args: &[String]) -> bool {
    let (Some(reader), Some(pin), Some(count)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("sign READER PIN COUNT [--threads T] [--survive SECONDS] [--allow CODES]");
        return false;
    };
    let mut threads = 1;
    let mut deadline = None;
    let mut allowed = Vec::new();
    let mut until = None;
    let mut options = args[3..].iter();
    while let (Some(flag), Some(value)) = (options.next(), options.next()) {
        match flag.as_str() {
            "--threads" => threads = value.parse().expect("--threads N"),
            "--survive" => {
                deadline =
                    Some(Instant::now() + Duration::from_secs(value.parse().expect("--survive S")))
            }
            "--allow" => allowed = value.split(',').map(String::from).collect(),
            "--until" => until = Some(std::path::PathBuf::from(value)),
            other => panic!("unknown option {other}"),
        }
    }
    let run = Arc::new(SignRun {
        reader: reader.clone(),
        pin: pin.clone(),
        count: count.parse().expect("COUNT"),
        deadline,
        allowed,
        until,
    });
    let pkcs11 = load(module);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let slowest = Arc::new(Slowest::default());
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let (pkcs11, run, tally, slowest) =
                (pkcs11.clone(), run.clone(), tally.clone(), slowest.clone());
            std::thread::spawn(move || sign_thread(thread, &pkcs11, &run, &tally, &slowest))
        })
        .collect();
    for worker in workers {
        worker.join().expect("signing thread");
    }
    let tally = tally.lock().unwrap();
    let errors: Vec<String> = tally
        .errors
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    println!(
        "summary threads={threads} verified={} since_recovery={} bad_signatures={} recoveries={} unexpected={} errors={} seconds={:.1} slowest_sign_ms={}",
        tally.verified,
        tally.since_recovery.unwrap_or(0),
        tally.bad_signatures,
        tally.recoveries,
        tally.unexpected,
        errors.join(","),
        started.elapsed().as_secs_f64(),
        slowest.0.load(Ordering::Relaxed) / 1000,
    );
    tally.bad_signatures == 0
        && tally.unexpected == 0
        && tally.verified >= run.count * threads as u64
}

fn sign_thread(
    thread: usize,
    pkcs11: &Pkcs11,
    run: &SignRun,
    tally: &Mutex<Tally>,
    slowest: &Slowest,
) {
    let mut signer: Option<Signer> = None;
    let mut done = 0;
    let mut since_recovery = 0;
    let more = |done: u64| done < run.count || run.until.as_ref().is_some_and(|f| !f.exists());
    while more(done) {
        if run.deadline.is_some_and(|d| Instant::now() > d) {
            eprintln!("thread {thread}: out of time after {done} signatures");
            return;
        }
        // Ok(Some(verified)): a signature; Ok(None): a session opened.
        let outcome = match &signer {
            Some(s) => s
                .sign(
                    format!("thread {thread} message {done}").as_bytes(),
                    slowest,
                )
                .map(Some),
            None => match token_slot(pkcs11, &run.reader) {
                Some(slot) => Signer::open(pkcs11, slot, &run.pin).map(|s| {
                    signer = Some(s);
                    None
                }),
                None => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            },
        };
        let mut tally = tally.lock().unwrap();
        match outcome {
            Ok(None) => {}
            Ok(Some(true)) => {
                done += 1;
                since_recovery += 1;
                tally.verified += 1;
            }
            Ok(Some(false)) => {
                eprintln!("thread {thread}: a signature does not verify");
                tally.bad_signatures += 1;
                return;
            }
            Err(e) => {
                let name = rv_name(&e);
                *tally.errors.entry(name.clone()).or_default() += 1;
                if run.deadline.is_none() || !run.allowed.contains(&name) {
                    eprintln!("thread {thread}: unexpected {name}");
                    tally.unexpected += 1;
                    return;
                }
                tally.recoveries += 1;
                since_recovery = 0;
                signer = None;
            }
        }
    }
    let mut tally = tally.lock().unwrap();
    tally.since_recovery = Some(
        tally
            .since_recovery
            .map_or(since_recovery, |n| n.min(since_recovery)),
    );
}

/// `race READER PIN ROUNDS`: C_CloseSession from another thread while C_Sign runs, then
/// C_Finalize while signing. Every call must return (watchdog), every signature that comes
/// back must verify, and the module must work again after a new C_Initialize.
fn race(module: &str, args: &[String]) -> bool {
    let (Some(reader), Some(pin), Some(rounds)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("race READER PIN ROUNDS");
        return false;
    };
    let rounds: u64 = rounds.parse().expect("ROUNDS");
    let raw = raw::functions(module);
    let pkcs11 = load(module);
    let slowest = Slowest::default();
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut ok = true;
    for round in 0..rounds {
        let slot = token_slot(&pkcs11, reader).expect("a token");
        let signer = Signer::open(&pkcs11, slot, pin).expect("session");
        let handle = signer.session.handle();
        let delay = Duration::from_millis(round * 37 % 200);
        let closer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let (rv, took) = timed("C_CloseSession", || raw.close_session(handle));
            (rv, took)
        });
        let message = format!("race round {round}");
        for _ in 0..3 {
            match signer.sign(message.as_bytes(), &slowest) {
                Ok(true) => *outcomes.entry("signed".into()).or_default() += 1,
                Ok(false) => {
                    eprintln!("round {round}: a signature does not verify");
                    ok = false;
                }
                Err(e) => {
                    let name = rv_name(&e);
                    if ![
                        "SessionHandleInvalid",
                        "SessionClosed",
                        "OperationNotInitialized",
                    ]
                    .contains(&name.as_str())
                    {
                        eprintln!("round {round}: C_Sign racing C_CloseSession: {name}");
                        ok = false;
                    }
                    *outcomes.entry(name).or_default() += 1;
                }
            }
        }
        let (rv, _) = closer.join().expect("closer");
        if rv != cryptoki_sys::CKR_OK && rv != cryptoki_sys::CKR_SESSION_HANDLE_INVALID {
            eprintln!("round {round}: C_CloseSession = {rv:#x}");
            ok = false;
        }
        drop(signer);
    }
    // C_Finalize while another thread signs: both return, C_Finalize within a second.
    let slot = token_slot(&pkcs11, reader).expect("a token");
    let signer = Signer::open(&pkcs11, slot, pin).expect("session");
    let finalizer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        timed("C_Finalize", || raw.finalize())
    });
    let mut after_finalize = Vec::new();
    for i in 0..5 {
        match signer.sign(format!("finalize race {i}").as_bytes(), &slowest) {
            Ok(true) => {}
            Ok(false) => ok = false,
            Err(e) => after_finalize.push(rv_name(&e)),
        }
    }
    let (rv, finalize_took) = finalizer.join().expect("finalizer");
    ok &= rv == cryptoki_sys::CKR_OK;
    ok &= after_finalize
        .iter()
        .all(|e| e == "CryptokiNotInitialized" || e == "SessionHandleInvalid");
    ok &= finalize_took < Duration::from_secs(1);
    std::mem::forget(signer); // its session went with C_Finalize
                              // The application goes on: initialize again and sign.
    let rv = raw.initialize();
    ok &= rv == cryptoki_sys::CKR_OK;
    let slot = token_slot(&pkcs11, reader).expect("a token after C_Initialize again");
    let again = Signer::open(&pkcs11, slot, pin).expect("session after C_Initialize again");
    ok &= matches!(again.sign(b"after the race", &slowest), Ok(true));
    let outcomes: Vec<String> = outcomes.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    println!(
        "race rounds={rounds} outcomes={} finalize_ms={} after_finalize={} ok={ok}",
        outcomes.join(","),
        finalize_took.as_millis(),
        after_finalize.join(",")
    );
    ok
}

/// `finalize-while-waiting READER PIN GO_FILE`: logs in and signs once, waits for GO_FILE
/// (the test's other application then holds the card), starts a C_Sign that must wait for
/// the card, and calls C_Finalize from another thread 300 ms later: C_Finalize returns
/// within a second, and so does the waiting C_Sign.
fn finalize_while_waiting(module: &str, args: &[String]) -> bool {
    let (Some(reader), Some(pin), Some(go)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("finalize-while-waiting READER PIN GO_FILE");
        return false;
    };
    let raw = raw::functions(module);
    let pkcs11 = load(module);
    let slowest = Slowest::default();
    let slot = token_slot(&pkcs11, reader).expect("a token");
    let signer = Signer::open(&pkcs11, slot, pin).expect("session");
    let mut ok = matches!(signer.sign(b"before", &slowest), Ok(true));
    println!("ready");
    while !std::path::Path::new(go).exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let finalizer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        timed("C_Finalize", || raw.finalize())
    });
    let (outcome, sign_took) = timed("C_Sign", || signer.sign(b"while held", &slowest));
    let (rv, finalize_took) = finalizer.join().expect("finalizer");
    std::mem::forget(signer); // its session went with C_Finalize
    println!(
        "finalize rv={rv:#x} finalize_ms={} sign={} sign_ms={}",
        finalize_took.as_millis(),
        match &outcome {
            Ok(v) => format!("ok:{v}"),
            Err(e) => rv_name(e),
        },
        sign_took.as_millis()
    );
    ok &= rv == cryptoki_sys::CKR_OK && finalize_took < Duration::from_secs(1);
    ok &= outcome.is_err() && sign_took < Duration::from_millis(1300);
    ok
}

/// `reset-card READER`: what another application does with SCardReconnect(SCARD_RESET_CARD):
/// every application's security state on the card is gone. Not through the module.
fn reset_card(args: &[String]) -> bool {
    let Some(reader) = args.first() else {
        eprintln!("reset-card READER");
        return false;
    };
    let reset = || -> Result<(), pcsc::Error> {
        let context = pcsc::Context::establish(pcsc::Scope::User)?;
        let name =
            std::ffi::CString::new(reader.as_str()).map_err(|_| pcsc::Error::UnknownReader)?;
        let mut card = context.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)?;
        card.reconnect(
            pcsc::ShareMode::Shared,
            pcsc::Protocols::ANY,
            pcsc::Disposition::ResetCard,
        )?;
        card.disconnect(pcsc::Disposition::LeaveCard)
            .map_err(|(_, e)| e)
    };
    match reset() {
        Ok(()) => true,
        Err(e) => {
            eprintln!("reset-card: {e}");
            false
        }
    }
}

/// The module's raw function list, for what the `cryptoki` crate does not offer (closing a
/// session from another thread, C_Finalize while sessions live). Same library as
/// `Pkcs11::new` loaded: dlopen returns the loaded instance.
mod raw {
    use cryptoki_sys::{CK_FUNCTION_LIST, CK_RV, CK_SESSION_HANDLE};
    use std::ffi::{c_char, c_int, c_void, CString};

    extern "C" {
        fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }
    const RTLD_NOW: c_int = 2;

    #[derive(Clone, Copy)]
    pub struct Functions(&'static CK_FUNCTION_LIST);

    pub fn functions(module: &str) -> Functions {
        let path = CString::new(module).expect("module path");
        // SAFETY: dlopen/dlsym with NUL-terminated strings; C_GetFunctionList has the
        // PKCS#11 signature and returns a list that lives as long as the library.
        unsafe {
            let library = dlopen(path.as_ptr(), RTLD_NOW);
            assert!(!library.is_null(), "dlopen {module}");
            let symbol = dlsym(library, c"C_GetFunctionList".as_ptr());
            assert!(!symbol.is_null(), "C_GetFunctionList");
            let get: unsafe extern "C" fn(*mut *mut CK_FUNCTION_LIST) -> CK_RV =
                std::mem::transmute(symbol);
            let mut list = std::ptr::null_mut();
            assert_eq!(get(&mut list), cryptoki_sys::CKR_OK);
            Functions(&*list)
        }
    }

    impl Functions {
        pub fn close_session(self, handle: CK_SESSION_HANDLE) -> CK_RV {
            // SAFETY: a plain value argument.
            unsafe { (self.0.C_CloseSession.expect("C_CloseSession"))(handle) }
        }

        pub fn finalize(self) -> CK_RV {
            // SAFETY: NULL is the only value C_Finalize takes.
            unsafe { (self.0.C_Finalize.expect("C_Finalize"))(std::ptr::null_mut()) }
        }

        pub fn initialize(self) -> CK_RV {
            // SAFETY: NULL arguments: no locking callbacks.
            unsafe { (self.0.C_Initialize.expect("C_Initialize"))(std::ptr::null_mut()) }
        }
    }
}
