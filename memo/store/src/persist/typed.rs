//! The persistence policy shared by memo and legacy-cache: typed entries over any [`Backend`],
//! where every failure is a warned miss.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::codec::{Codec, RoundTripError};
use super::{Backend, Entry, EntryHeader, EntryKey, ErrorKind, PersistError, SingleFlight};

/// How one cached function persists, as parameters rather than code: memo passes its TTL,
/// legacy-cache passes `ttl: None` (persisted values never expire).
#[derive(Debug, Clone, Copy)]
pub struct PersistedConfig {
    /// The function key.
    pub function: u128,
    /// The function's name, for messages.
    pub name: &'static str,
    /// Entries older than this are a miss (and removed); `None`: they never expire.
    pub ttl: Option<Duration>,
    /// Emits a warning for the function (the caller's tracing target).
    pub warn: fn(&'static str, fmt::Arguments<'_>),
    /// Emits an error for the function (the caller's tracing target).
    pub error: fn(&'static str, fmt::Arguments<'_>),
    /// Appended to the error about a type that cannot round-trip: the caller's way out.
    pub round_trip_fix: &'static str,
}

/// A value read back, with its encoding and age.
#[derive(Debug)]
pub struct Loaded<T> {
    /// The decoded value.
    pub value: T,
    /// Its encoding, as stored.
    pub bytes: Vec<u8>,
    /// How long ago it was computed.
    pub age: Duration,
}

/// What a miss on a shared store should do ([`Persisted::claim`]).
#[derive(Debug)]
pub enum Claim<T> {
    /// Another process computed the value while this one waited.
    Found(Loaded<T>),
    /// Compute the value (and save it) while holding this lease, if any; dropping the lease
    /// releases it, so a computation that fails or panics does not keep the others waiting.
    Compute(Option<Lease>),
}

/// The lease on computing one entry of a shared store, released on drop.
///
/// A lease taken for an async caller ([`Persisted::claim_async`]) is released on a persistence
/// worker when dropped, so a cancelled call (its future dropped mid-computation, or while the
/// lease was being taken) neither blocks its executor on the backend nor keeps other processes
/// waiting until the lease expires. A lease of a blocking caller is released on its own thread
/// (also while a panic unwinds), before the call returns.
#[derive(Debug)]
pub struct Lease {
    backend: &'static dyn Backend,
    key: EntryKey,
    token: u64,
    /// Released on a worker when dropped (the lease of an async caller).
    background: bool,
    /// Already released, or handed to a worker to release.
    released: bool,
}

impl Lease {
    /// A lease just taken; `background`: released on a worker when dropped.
    fn taken(backend: &'static dyn Backend, key: EntryKey, token: u64, background: bool) -> Self {
        Self {
            backend,
            key,
            token,
            background,
            released: false,
        }
    }

    /// Releases the lease on a persistence worker instead of the calling thread (for async
    /// callers, which must not block on the backend).
    pub fn release_in_background(mut self) {
        self.released = true;
        let (backend, key, token) = (self.backend, self.key, self.token);
        super::offload::detach(move || Self::release(backend, key, token));
    }

    /// Releases the lease on this thread (a persistence worker that has just written the value).
    fn release_here(mut self) {
        self.released = true;
        Self::release(self.backend, self.key, self.token);
    }

    fn release(backend: &'static dyn Backend, key: EntryKey, token: u64) {
        if let Err(e) = backend.release_lease(key, token) {
            // It expires on its own; a failure here only delays other waiters until then.
            tracing::debug!(target: "cache_store::persist", "cannot release a lease: {e}");
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        self.released = true;
        let (backend, key, token) = (self.backend, self.key, self.token);
        if self.background {
            super::offload::detach(move || Self::release(backend, key, token));
        } else {
            Self::release(backend, key, token);
        }
    }
}

/// Warns about a failed write, unless the backend already reported its episode.
fn report_put(config: &PersistedConfig, put: Result<(), PersistError>) {
    if let Err(e) = put
        && !e.repeated
    {
        (config.warn)(
            config.name,
            format_args!(
                "cannot write the persisted entry; the value is returned and kept in memory only ({e})"
            ),
        );
    }
}

/// The persisted entries of one function.
///
/// - [`Persisted::load`]: the stored value, or `None` on a miss. Unusable entries (corrupt,
///   another key, another type, expired, undecodable) are a miss, are removed, and all but
///   expiry log a warning. A backend that is unavailable, slow or failing is a warned miss.
/// - [`Persisted::save`]: stores a value; a failure is a warning (the caller keeps the value).
///   The first save checks that the type round-trips through the codec; if it does not, one
///   error names the type and the fix, and the function is not persisted for the rest of the
///   process.
///
/// ```
/// use std::sync::LazyLock;
/// use cache_store::persist::{codec::Codec, DiskBackend, Naming, Persisted, PersistedConfig};
///
/// let dir = tempfile::tempdir().unwrap();
/// let backend: &'static DiskBackend =
///     Box::leak(Box::new(DiskBackend::at(dir.path(), Naming::FUNCTION_FIRST)));
/// let p = Persisted::new(backend, Codec::<String>::bincode(), PersistedConfig {
///     function: 1,
///     name: "f",
///     ttl: None,
///     warn: |_, m| eprintln!("{m}"),
///     error: |_, m| eprintln!("{m}"),
///     round_trip_fix: "",
/// });
/// assert!(p.load(7).is_none());
/// p.save(7, &"hello".to_string(), None);
/// assert_eq!(p.load(7).unwrap().value, "hello");
/// ```
pub struct Persisted<T> {
    backend: &'static dyn Backend,
    codec: Codec<T>,
    config: PersistedConfig,
    fingerprint: OnceLock<u64>,
    /// Set once the first save has checked the round trip.
    verified: OnceLock<Result<(), RoundTripError>>,
    disabled: AtomicBool,
}

impl<T> fmt::Debug for Persisted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Persisted")
            .field("backend", &self.backend)
            .field("function", &self.config.name)
            .field("ttl", &self.config.ttl)
            .finish()
    }
}

impl<T> Persisted<T> {
    /// Persistence of one function in `backend`.
    pub fn new(backend: &'static dyn Backend, codec: Codec<T>, config: PersistedConfig) -> Self {
        Self {
            backend,
            codec,
            config,
            fingerprint: OnceLock::new(),
            verified: OnceLock::new(),
            disabled: AtomicBool::new(false),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &'static dyn Backend {
        self.backend
    }

    /// The codec.
    pub fn codec(&self) -> &Codec<T> {
        &self.codec
    }

    /// The type fingerprint entries of this function carry (traced once, on first use).
    pub fn fingerprint(&self) -> u64 {
        *self.fingerprint.get_or_init(|| self.codec.fingerprint())
    }

    /// Whether persistence was turned off because the type cannot round-trip.
    pub fn disabled(&self) -> bool {
        self.disabled.load(Ordering::Relaxed)
    }

    fn key(&self, value: u128) -> EntryKey {
        EntryKey {
            function: self.config.function,
            value,
        }
    }

    fn warn(&self, args: fmt::Arguments<'_>) {
        (self.config.warn)(self.config.name, args);
    }

    /// Warns about a backend failure, unless the backend already reported its episode.
    fn failed(&self, e: &PersistError, what: fmt::Arguments<'_>) {
        if !e.repeated {
            self.warn(format_args!("{what} ({e})"));
        }
    }

    fn drop_entry(&self, key: EntryKey, why: fmt::Arguments<'_>, background: bool) {
        self.warn(format_args!(
            "ignoring persisted entry ({why}); recomputing and replacing it"
        ));
        self.remove_quietly(key, background);
    }

    fn remove_quietly(&self, key: EntryKey, background: bool) {
        if background {
            let backend = self.backend;
            super::offload::detach(move || drop(backend.remove(key)));
        } else {
            let _ = self.backend.remove(key);
        }
    }

    /// The persisted value of `value_key`, if a usable one exists (see the type docs).
    pub fn load(&self, value_key: u128) -> Option<Loaded<T>> {
        if self.disabled() {
            return None;
        }
        let key = self.key(value_key);
        self.check(key, self.backend.get(key), false)
    }

    /// [`Persisted::load`] for async callers: the backend's read runs on a persistence worker
    /// ([`offload`](super::offload::offload)), the checks and the decode on the calling task.
    pub async fn load_async(&self, value_key: u128) -> Option<Loaded<T>> {
        if self.disabled() {
            return None;
        }
        let key = self.key(value_key);
        let backend = self.backend;
        let got = super::offload::offload(move || backend.get(key)).await;
        self.check(key, got, true)
    }

    /// The policy half of a load: what the backend's answer for `key` is worth. Removals of
    /// unusable entries run in the `background` for async callers.
    fn check(
        &self,
        key: EntryKey,
        got: Result<Option<Entry>, PersistError>,
        background: bool,
    ) -> Option<Loaded<T>> {
        let entry = match got {
            Ok(Some(entry)) => entry,
            Ok(None) => return None,
            Err(e) if e.kind == ErrorKind::Corrupt => {
                self.drop_entry(key, format_args!("{e}"), background);
                return None;
            }
            Err(e) => {
                self.failed(
                    &e,
                    format_args!("cannot read the persisted entry; computing the value instead"),
                );
                return None;
            }
        };
        let header = entry.header;
        if header.key != key {
            self.drop_entry(
                key,
                format_args!("it holds the entry of another function or arguments"),
                background,
            );
            return None;
        }
        if header.fingerprint != self.fingerprint() {
            self.drop_entry(
                key,
                format_args!(
                    "it was written for a different return type than `{}`",
                    std::any::type_name::<T>()
                ),
                background,
            );
            return None;
        }
        let age = header.age();
        if self.config.ttl.is_some_and(|ttl| age >= ttl) {
            self.remove_quietly(key, background);
            return None;
        }
        match self.codec.decode(&entry.payload) {
            Ok(value) => Some(Loaded {
                value,
                bytes: entry.payload,
                age,
            }),
            Err(e) => {
                self.drop_entry(
                    key,
                    format_args!("it does not decode as the function's return type: {e}"),
                    background,
                );
                None
            }
        }
    }

    /// Checks once that values of `T` survive the codec; on failure reports one error and turns
    /// persistence off. `bytes`: the value's encoding, when the caller already has it.
    fn round_trip_ok(&self, value: &T, bytes: Option<&[u8]>) -> bool {
        let verdict = self.verified.get_or_init(|| match bytes {
            Some(b) => self.codec.decode(b).map(drop).map_err(|e| RoundTripError {
                type_name: std::any::type_name::<T>(),
                encoding: false,
                detail: e.0,
            }),
            None => self.codec.round_trip(value).map(drop),
        });
        match verdict {
            Ok(()) => true,
            Err(e) => {
                if !self.disabled.swap(true, Ordering::Relaxed) {
                    (self.config.error)(
                        self.config.name,
                        format_args!(
                            "`{}()` cannot be persisted: {e}. {}",
                            self.config.name, self.config.round_trip_fix
                        ),
                    );
                }
                false
            }
        }
    }

    /// Persists `value` under `value_key`; `bytes` is its encoding when the caller has it.
    pub fn save(&self, value_key: u128, value: &T, bytes: Option<&[u8]>) {
        if self.disabled() || !self.round_trip_ok(value, bytes) {
            return;
        }
        let encoded;
        let payload = match bytes {
            Some(b) => b,
            None => match self.encode(value) {
                Some(b) => {
                    encoded = b;
                    &encoded
                }
                None => return,
            },
        };
        let header = EntryHeader::now(self.key(value_key), self.fingerprint(), self.config.ttl);
        report_put(&self.config, self.backend.put(&header, payload));
    }

    /// [`Persisted::save`] for async callers, which must neither block on a shared store nor
    /// hold the value across an `.await` (that would make their future `Send` only for `Send`
    /// values). The checks and the encode run here. On a store shared by processes
    /// ([`Backend::single_flight`]) the write runs on a persistence worker, which then drops
    /// `lease`, releasing it once the value is in place so that waiting callers find it; until
    /// the write lands, a reader that takes no lease can still miss the value. On a local store
    /// (disk) the write is one small file and happens here, so the entry exists on return.
    pub fn save_from_async(
        &self,
        value_key: u128,
        value: &T,
        bytes: Option<&[u8]>,
        lease: Option<Lease>,
    ) {
        let payload = if self.disabled() || !self.round_trip_ok(value, bytes) {
            None
        } else {
            match bytes {
                Some(b) => Some(b.to_vec()),
                None => self.encode(value),
            }
        };
        let Some(payload) = payload else {
            if let Some(lease) = lease {
                lease.release_in_background();
            }
            return;
        };
        let header = EntryHeader::now(self.key(value_key), self.fingerprint(), self.config.ttl);
        if self.backend.single_flight().is_none() {
            report_put(&self.config, self.backend.put(&header, &payload));
            drop(lease);
            return;
        }
        let (backend, config) = (self.backend, self.config);
        super::offload::detach(move || {
            report_put(&config, backend.put(&header, &payload));
            if let Some(lease) = lease {
                lease.release_here();
            }
        });
    }

    fn encode(&self, value: &T) -> Option<Vec<u8>> {
        self.codec
            .encode(value)
            .map_err(|e| self.warn(format_args!("cannot encode the value to persist it ({e})")))
            .ok()
    }

    /// The backend's single flight, unless it has none or persistence is disabled.
    fn flight(&self) -> Option<SingleFlight> {
        self.backend.single_flight().filter(|_| !self.disabled())
    }

    /// A lease that could not be asked for: said once per failure episode; compute without one.
    fn cannot_coordinate(&self, e: &PersistError) -> Claim<T> {
        self.failed(
            e,
            format_args!("cannot coordinate with other processes; computing the value"),
        );
        Claim::Compute(None)
    }

    /// Whether a waiter has waited its longest for another process's value (then said, and
    /// the waiter computes the value itself).
    fn waited_enough(&self, start: Instant, flight: &SingleFlight) -> bool {
        let done = start.elapsed() >= flight.max_wait;
        if done {
            self.warn(format_args!(
                "waited {:?} for another process to compute the value; computing it here",
                flight.max_wait
            ));
        }
        done
    }

    /// After a miss in [`Persisted::load`], on a backend shared by several processes
    /// ([`Backend::single_flight`]): takes the lease on computing the value, or waits for the
    /// process holding it to save the value. A waiter computes the value itself once the lease
    /// is gone without a value (its holder failed or crashed), once it waited
    /// [`SingleFlight::max_wait`](super::SingleFlight::max_wait), or when the backend fails.
    /// On other backends: [`Claim::Compute`] at once, without a lease.
    pub fn claim(&self, value_key: u128) -> Claim<T> {
        let Some(flight) = self.flight() else {
            return Claim::Compute(None);
        };
        let key = self.key(value_key);
        let start = Instant::now();
        loop {
            match self.backend.try_lease(key, flight.lease) {
                Ok(Some(token)) => {
                    let lease = Lease::taken(self.backend, key, token, false);
                    // The previous holder may have saved the value between our last look and
                    // its release.
                    return match self.load(value_key) {
                        Some(found) => Claim::Found(found),
                        None => Claim::Compute(Some(lease)),
                    };
                }
                Ok(None) => {}
                Err(e) => return self.cannot_coordinate(&e),
            }
            if self.waited_enough(start, &flight) {
                return Claim::Compute(None);
            }
            std::thread::sleep(flight.poll);
            if let Some(found) = self.load(value_key) {
                return Claim::Found(found);
            }
        }
    }

    /// [`Persisted::claim`] for async callers: taking the lease, looking for the value and the
    /// wait between looks run on a persistence worker, so the calling task only awaits.
    pub async fn claim_async(&self, value_key: u128) -> Claim<T> {
        let Some(flight) = self.flight() else {
            return Claim::Compute(None);
        };
        let key = self.key(value_key);
        let backend = self.backend;
        let start = Instant::now();
        loop {
            // The lease is made on the worker: if this future is dropped before it takes the
            // result, the worker drops the lease with it, which releases it.
            let taken = super::offload::offload(move || {
                backend
                    .try_lease(key, flight.lease)
                    .map(|token| token.map(|token| Lease::taken(backend, key, token, true)))
            });
            match taken.await {
                Ok(Some(lease)) => {
                    return match self.load_async(value_key).await {
                        Some(found) => Claim::Found(found),
                        None => Claim::Compute(Some(lease)),
                    };
                }
                Ok(None) => {}
                Err(e) => return self.cannot_coordinate(&e),
            }
            if self.waited_enough(start, &flight) {
                return Claim::Compute(None);
            }
            // The wait between looks holds a worker, not the executor's thread.
            let got = super::offload::offload(move || {
                std::thread::sleep(flight.poll);
                backend.get(key)
            })
            .await;
            if let Some(found) = self.check(key, got, true) {
                return Claim::Found(found);
            }
        }
    }

    /// Removes the entry of `value_key`; whether there was one.
    pub fn remove(&self, value_key: u128) -> bool {
        match self.backend.remove(self.key(value_key)) {
            Ok(removed) => removed,
            Err(e) => {
                // Always said: a removal that did not happen leaves a value the caller meant
                // to be gone.
                self.warn(format_args!("cannot remove the persisted entry ({e})"));
                false
            }
        }
    }

    /// Removes every entry of the function.
    pub fn clear(&self) {
        if let Err(e) = self.backend.clear_function(self.config.function) {
            self.warn(format_args!("cannot remove persisted entries ({e})"));
        }
    }
}
