//! Time source for TTLs.
//!
//! TTLs are measured on a monotonic clock ([`Instant`]), as Streamlit's `TTLCache` uses
//! `time.monotonic`. Tests swap in a [`MockClock`] for the current thread only, so parallel
//! tests cannot disturb each other and nothing needs to sleep.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

thread_local! {
    static MOCK: RefCell<Option<Rc<MockClock>>> = const { RefCell::new(None) };
}

/// The current time: the thread's [`MockClock`] if one is installed, else [`Instant::now`].
///
/// ```
/// let a = cache_store::clock::now();
/// let b = cache_store::clock::now();
/// assert!(b >= a);
/// ```
#[inline]
pub fn now() -> Instant {
    MOCK.with(|m| match &*m.borrow() {
        Some(clock) => clock.now(),
        None => Instant::now(),
    })
}

/// A manually advanced clock for tests.
///
/// ```
/// use std::time::Duration;
/// use cache_store::clock::{self, MockClock};
///
/// let clock = MockClock::install();
/// let t0 = clock::now();
/// clock.advance(Duration::from_secs(3600));
/// assert_eq!(clock::now() - t0, Duration::from_secs(3600));
/// MockClock::uninstall();
/// ```
#[derive(Debug)]
pub struct MockClock {
    base: Instant,
    offset: std::cell::Cell<Duration>,
}

impl MockClock {
    /// Installs a fresh mock clock for the current thread and returns a handle to advance it.
    pub fn install() -> Rc<MockClock> {
        let clock = Rc::new(MockClock {
            base: Instant::now(),
            offset: std::cell::Cell::new(Duration::ZERO),
        });
        MOCK.with(|m| *m.borrow_mut() = Some(Rc::clone(&clock)));
        clock
    }

    /// Restores the real clock for the current thread.
    pub fn uninstall() {
        MOCK.with(|m| *m.borrow_mut() = None);
    }

    /// Moves this clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset.set(self.offset.get() + by);
    }

    /// This clock's current time.
    pub fn now(&self) -> Instant {
        self.base + self.offset.get()
    }
}
