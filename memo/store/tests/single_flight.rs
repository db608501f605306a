//! `Persisted::claim` (single flight across processes) and the repeated-failure rule, on an
//! in-memory backend with leases that expire, so every path is exercised without a server:
//! waiting for a holder's value, taking over an expired lease, giving up after `max_wait`,
//! backends without leases, and quiet repeats of a reported failure.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cache_store::persist::codec::Codec;
use cache_store::persist::{
    Backend, Claim, Entry, EntryHeader, EntryKey, ErrorKind, PersistError, Persisted,
    PersistedConfig, SingleFlight,
};

/// Entries and leases in memory; leases expire like `SET NX PX`.
#[derive(Debug, Default)]
struct Shared {
    entries: Mutex<HashMap<EntryKey, Entry>>,
    leases: Mutex<HashMap<EntryKey, (u64, Instant)>>,
    next_token: AtomicUsize,
    flight: Option<SingleFlight>,
    /// When set, `get` fails with this error.
    failing: Mutex<Option<PersistError>>,
}

impl Backend for Shared {
    fn get(&self, key: EntryKey) -> Result<Option<Entry>, PersistError> {
        if let Some(e) = self.failing.lock().unwrap().clone() {
            return Err(e);
        }
        Ok(self.entries.lock().unwrap().get(&key).cloned())
    }
    fn put(&self, header: &EntryHeader, payload: &[u8]) -> Result<(), PersistError> {
        self.entries.lock().unwrap().insert(
            header.key,
            Entry {
                header: *header,
                payload: payload.to_vec(),
            },
        );
        Ok(())
    }
    fn remove(&self, key: EntryKey) -> Result<bool, PersistError> {
        Ok(self.entries.lock().unwrap().remove(&key).is_some())
    }
    fn clear_function(&self, function: u128) -> Result<usize, PersistError> {
        let mut e = self.entries.lock().unwrap();
        let before = e.len();
        e.retain(|k, _| k.function != function);
        Ok(before - e.len())
    }
    fn clear_all(&self) -> Result<usize, PersistError> {
        let mut e = self.entries.lock().unwrap();
        let n = e.len();
        e.clear();
        Ok(n)
    }
    fn single_flight(&self) -> Option<SingleFlight> {
        self.flight
    }
    fn try_lease(&self, key: EntryKey, hold: Duration) -> Result<Option<u64>, PersistError> {
        let mut leases = self.leases.lock().unwrap();
        let now = Instant::now();
        if leases.get(&key).is_some_and(|(_, until)| *until > now) {
            return Ok(None);
        }
        let token = self.next_token.fetch_add(1, Ordering::SeqCst) as u64 + 1;
        leases.insert(key, (token, now + hold));
        Ok(Some(token))
    }
    fn release_lease(&self, key: EntryKey, token: u64) -> Result<(), PersistError> {
        let mut leases = self.leases.lock().unwrap();
        if leases.get(&key).is_some_and(|(t, _)| *t == token) {
            leases.remove(&key);
        }
        Ok(())
    }
}

static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn persisted(backend: &'static Shared, name: &'static str) -> Persisted<String> {
    Persisted::new(
        backend,
        Codec::bincode(),
        PersistedConfig {
            function: 1,
            name,
            ttl: None,
            warn: |name, m| WARNINGS.lock().unwrap().push(format!("{name}: {m}")),
            error: |name, m| panic!("{name}: unexpected error {m}"),
            round_trip_fix: "",
        },
    )
}

fn warnings_of(name: &str) -> Vec<String> {
    WARNINGS
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.starts_with(&format!("{name}:")))
        .cloned()
        .collect()
}

fn leak(flight: Option<SingleFlight>) -> &'static Shared {
    Box::leak(Box::new(Shared {
        flight,
        ..Shared::default()
    }))
}

const FLIGHT: SingleFlight = SingleFlight {
    lease: Duration::from_secs(5),
    poll: Duration::from_millis(5),
    max_wait: Duration::from_secs(10),
};

#[test]
fn a_waiter_gets_the_holders_value() {
    let backend = leak(Some(FLIGHT));
    let holder = persisted(backend, "waiter_gets_value");
    let Claim::Compute(Some(lease)) = holder.claim(7) else {
        panic!("the first claim takes the lease");
    };
    let waiting = Arc::new(AtomicBool::new(true));
    let w = Arc::clone(&waiting);
    let waiter = std::thread::spawn(move || {
        let p = persisted(backend, "waiter_gets_value");
        let got = match p.claim(7) {
            Claim::Found(l) => Some(l.value),
            Claim::Compute(_) => None,
        };
        w.store(false, Ordering::SeqCst);
        got
    });
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        waiting.load(Ordering::SeqCst),
        "the waiter waits while the lease is held"
    );
    holder.save(7, &"computed once".to_string(), None);
    drop(lease);
    assert_eq!(waiter.join().unwrap().as_deref(), Some("computed once"));
    assert!(backend.leases.lock().unwrap().is_empty(), "released");
    assert!(warnings_of("waiter_gets_value").is_empty());
}

#[test]
fn an_expired_lease_is_taken_over() {
    let backend = leak(Some(SingleFlight {
        lease: Duration::from_millis(80),
        ..FLIGHT
    }));
    let p = persisted(backend, "expired_lease");
    // A holder that crashed: its lease is never released.
    let Claim::Compute(Some(crashed)) = p.claim(3) else {
        panic!("first claim leases");
    };
    std::mem::forget(crashed);
    let start = Instant::now();
    match p.claim(3) {
        Claim::Compute(Some(_lease)) => {}
        other => panic!("expected to take the lease over, got {other:?}"),
    }
    assert!(
        start.elapsed() >= Duration::from_millis(60),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_waiter_gives_up_after_max_wait() {
    let backend = leak(Some(SingleFlight {
        lease: Duration::from_secs(60),
        poll: Duration::from_millis(5),
        max_wait: Duration::from_millis(60),
    }));
    let p = persisted(backend, "max_wait");
    let Claim::Compute(Some(_held)) = p.claim(4) else {
        panic!("first claim leases");
    };
    match p.claim(4) {
        Claim::Compute(None) => {}
        other => panic!("expected to compute without a lease, got {other:?}"),
    }
    let w = warnings_of("max_wait");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("waited"), "{w:?}");
}

#[test]
fn a_lease_taken_after_the_value_landed_returns_the_value() {
    let backend = leak(Some(FLIGHT));
    let p = persisted(backend, "value_landed");
    p.save(5, &"already there".to_string(), None);
    match p.claim(5) {
        Claim::Found(l) => assert_eq!(l.value, "already there"),
        other => panic!("the value written before the lease must be found, got {other:?}"),
    }
    assert!(
        backend.leases.lock().unwrap().is_empty(),
        "the lease was released"
    );
}

#[test]
fn backends_without_single_flight_compute_at_once() {
    let backend = leak(None);
    let p = persisted(backend, "no_flight");
    assert!(matches!(p.claim(1), Claim::Compute(None)));
    assert!(backend.leases.lock().unwrap().is_empty());
}

#[test]
fn repeated_failures_are_not_warned_again() {
    let backend = leak(None);
    let p = persisted(backend, "repeats");
    let down = PersistError::new(ErrorKind::Unavailable, "down");
    *backend.failing.lock().unwrap() = Some(down.clone());
    assert!(p.load(1).is_none());
    *backend.failing.lock().unwrap() = Some(down.repeated(true));
    for v in 2..10 {
        assert!(p.load(v).is_none());
    }
    let w = warnings_of("repeats");
    assert_eq!(w.len(), 1, "one warning, then quiet repeats: {w:?}");
}
