//! The synchronization primitives of the store's concurrent protocol, in one place so that the
//! protocol can be model-checked: built with `RUSTFLAGS="--cfg loom"`, they are loom's
//! instrumented versions (every interleaving of a small model is explored by
//! `tests/loom_protocol.rs`); otherwise they are exactly the standard library's, so a normal
//! build pays nothing for the model check.

#[cfg(loom)]
pub(crate) use loom::{
    cell::{ConstPtr, MutPtr, UnsafeCell},
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicU64, Ordering, fence},
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard},
    thread, thread_local,
};

#[cfg(not(loom))]
pub(crate) use std::{
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicU64, Ordering, fence},
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard},
    thread, thread_local,
};

#[cfg(not(loom))]
pub(crate) use cell::{ConstPtr, MutPtr, UnsafeCell};

/// `std::cell::UnsafeCell` with the access API of loom's, whose pointers record every access so
/// that the model check reports a read racing a write; here they are plain pointers.
#[cfg(not(loom))]
mod cell {
    /// A cell whose contents are shared through raw pointers.
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    /// A shared pointer into an [`UnsafeCell`].
    pub(crate) struct ConstPtr<T>(*const T);

    /// An exclusive pointer into an [`UnsafeCell`].
    pub(crate) struct MutPtr<T>(*mut T);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        #[inline]
        pub(crate) fn get(&self) -> ConstPtr<T> {
            ConstPtr(self.0.get())
        }

        #[inline]
        pub(crate) fn get_mut(&self) -> MutPtr<T> {
            MutPtr(self.0.get())
        }
    }

    impl<T> ConstPtr<T> {
        /// # Safety
        ///
        /// No exclusive reference to the contents may exist while the result lives.
        #[inline]
        pub(crate) unsafe fn deref(&self) -> &T {
            // SAFETY: the caller's contract.
            unsafe { &*self.0 }
        }
    }

    impl<T> MutPtr<T> {
        /// # Safety
        ///
        /// No other reference to the contents may exist while the result lives.
        #[allow(clippy::mut_from_ref)]
        #[inline]
        pub(crate) unsafe fn deref(&self) -> &mut T {
            // SAFETY: the caller's contract.
            unsafe { &mut *self.0 }
        }
    }
}
