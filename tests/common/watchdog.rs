//! The fault tests' watchdog: any PKCS#11 call that takes longer than `LIMIT` is a failure
//! of the module (issue #10: a call must never hang an application), reported and fatal for
//! the whole process, since a call stuck in the module cannot be interrupted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The longest any single call may take.
pub const LIMIT: Duration = Duration::from_secs(30);

/// Exit status of a process the watchdog stopped.
pub const EXIT_STUCK: i32 = 70;

type InFlight = Mutex<HashMap<u64, (String, Instant)>>;

fn in_flight() -> &'static InFlight {
    static CALLS: OnceLock<InFlight> = OnceLock::new();
    CALLS.get_or_init(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(250));
            let calls = in_flight().lock().unwrap_or_else(|e| e.into_inner());
            if let Some((name, started)) = calls.values().find(|(_, t)| t.elapsed() > LIMIT) {
                eprintln!(
                    "WATCHDOG: {name} has been running for {:?} (limit {LIMIT:?})",
                    started.elapsed()
                );
                std::process::exit(EXIT_STUCK);
            }
        });
        Mutex::new(HashMap::new())
    })
}

/// Runs one call under the watchdog and returns its result and how long it took.
pub fn timed<T>(name: &str, call: impl FnOnce() -> T) -> (T, Duration) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    in_flight()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, (name.to_string(), started));
    let result = call();
    in_flight()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    (result, started.elapsed())
}

/// Runs one call under the watchdog.
pub fn guarded<T>(name: &str, call: impl FnOnce() -> T) -> T {
    timed(name, call).0
}
