//! The synchronization primitives of the store's concurrent protocol, in one place so that the
//! protocol can be model-checked: built with `RUSTFLAGS="--cfg loom"`, they are loom's
//! instrumented versions (every interleaving of a small model is explored by
//! `tests/loom_protocol.rs`); otherwise they are exactly the standard library's, so a normal
//! build pays nothing for the model check.
//!
//! The one exception is the lock of a store's map (`MapLock`): a read-mostly lock whose
//! readers do not share a counter. A standard `RwLock` counts its readers in one atomic, so
//! every read lock and unlock writes one cache line that every reading thread then has to take
//! from the core that wrote it last: hits of one function on two cores run slower together than
//! alone. crossbeam's `ShardedLock` gives each thread its own reader lock on its own cache line
//! (8 shards, picked by a per-thread index); a writer locks every shard in turn, so misses and
//! inserts pay 8 uncontended lock operations where they paid one. Under loom the map lock is
//! loom's plain `RwLock`: loom cannot instrument crossbeam's internals, and what the model
//! checks (the store's protocol) needs only shared-versus-exclusive access, which both give.

#[cfg(loom)]
pub(crate) use loom::sync::{
    RwLock as MapLock, RwLockReadGuard as MapReadGuard, RwLockWriteGuard as MapWriteGuard,
};
#[cfg(loom)]
pub(crate) use loom::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread, thread_local,
};

#[cfg(not(loom))]
pub(crate) use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread, thread_local,
};

#[cfg(not(loom))]
pub(crate) use crossbeam_utils::sync::{
    ShardedLock as MapLock, ShardedLockReadGuard as MapReadGuard,
    ShardedLockWriteGuard as MapWriteGuard,
};
