//! The synchronization primitives of the store's concurrent protocol, in one place so that the
//! protocol can be model-checked: built with `RUSTFLAGS="--cfg loom"`, they are loom's
//! instrumented versions (every interleaving of a small model is explored by
//! `tests/loom_protocol.rs`); otherwise they are exactly the standard library's, so a normal
//! build pays nothing for the model check. (The map lock, `store::lock`, also uses crossbeam's
//! `ShardedLock` outside loom.)

#[cfg(loom)]
pub(crate) use loom::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard},
    thread, thread_local,
};

#[cfg(not(loom))]
pub(crate) use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard},
    thread, thread_local,
};
