//! `CachedObjectMutationWarning`: emitted on a hit whose value no longer hashes as it did
//! when it was stored.
//!
//! Each warning is
//! 1. a `tracing` event at WARN level, target `legacy_cache::mutation`;
//! 2. counted in a process-wide counter ([`mutation_warning_count`]);
//! 3. passed to the hook installed with [`set_mutation_hook`], if any;
//! 4. recorded by any [`capture_mutation_warnings`] running on the same thread (the check runs on
//!    the calling thread, as Streamlit's did, so captures of parallel tests do not mix).

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A cached return value was mutated between calls. The call still returned the (mutated)
/// cached object; the stored hash is left as it was, so every later hit warns again.
///
/// ```
/// use legacy_cache::CachedObjectMutationWarning;
///
/// let w = CachedObjectMutationWarning { module: "app", function: "load" };
/// assert!(w.to_string().starts_with("Return value of `load()` was mutated between runs."));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedObjectMutationWarning {
    /// Module path of the cached function.
    pub module: &'static str,
    /// Its name.
    pub function: &'static str,
}

impl fmt::Display for CachedObjectMutationWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.function;
        write!(
            f,
            "Return value of `{name}()` was mutated between runs.\n\n\
             By default, legacy_cache's cache should be treated as immutable, or it may behave \
             in unexpected ways. You received this warning because legacy_cache detected that \
             an object returned by `{name}()` was mutated outside of `{name}()`.\n\n\
             How to fix this:\n\
             * If you did not mean to mutate that return value:\n\
             \x20 - If possible, inspect your code to find and remove that mutation.\n\
             \x20 - Otherwise, you could also clone the returned value so you can freely mutate \
             it.\n\
             * If you actually meant to mutate the return value and know the consequences of \
             doing so, annotate the function with `#[cache(allow_output_mutation = true)]`.\n\n\
             For more information and detailed solutions check out the `legacy_cache` crate \
             documentation."
        )
    }
}

/// A function called with every mutation warning (from whichever thread detected it).
pub type MutationHook = Arc<dyn Fn(&CachedObjectMutationWarning) + Send + Sync>;

static COUNT: AtomicU64 = AtomicU64::new(0);
static HOOK: RwLock<Option<MutationHook>> = RwLock::new(None);

thread_local! {
    static CAPTURE: RefCell<Option<Vec<CachedObjectMutationWarning>>> = const { RefCell::new(None) };
}

/// How many mutation warnings this process has emitted.
///
/// ```
/// let before = legacy_cache::mutation_warning_count();
/// assert!(legacy_cache::mutation_warning_count() >= before);
/// ```
pub fn mutation_warning_count() -> u64 {
    COUNT.load(Ordering::Relaxed)
}

/// Installs (or, with `None`, removes) the process-wide hook; returns the previous one.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// static SEEN: AtomicU64 = AtomicU64::new(0);
/// let previous = legacy_cache::set_mutation_hook(Some(Arc::new(|_w| {
///     SEEN.fetch_add(1, Ordering::Relaxed);
/// })));
/// legacy_cache::set_mutation_hook(previous);
/// ```
pub fn set_mutation_hook(hook: Option<MutationHook>) -> Option<MutationHook> {
    let mut slot = HOOK.write().unwrap_or_else(|e| e.into_inner());
    std::mem::replace(&mut *slot, hook)
}

/// Runs `f` and returns what it returned plus the mutation warnings emitted on this thread
/// meanwhile. Captures nest; an inner capture takes its warnings away from the outer one.
///
/// ```
/// use legacy_cache::cache;
///
/// #[cache]
/// fn numbers() -> Vec<u32> { vec![1, 2] }
///
/// let mut first = numbers();
/// first.mutate(|v| v.push(3));
/// let (again, warnings) = legacy_cache::capture_mutation_warnings(|| numbers());
/// assert_eq!(*again, vec![1, 2, 3]); // the mutated object comes back
/// assert_eq!(warnings.len(), 1);
/// assert_eq!(warnings[0].function, "numbers");
/// ```
pub fn capture_mutation_warnings<R>(
    f: impl FnOnce() -> R,
) -> (R, Vec<CachedObjectMutationWarning>) {
    struct Restore(Option<Vec<CachedObjectMutationWarning>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            CAPTURE.with(|c| *c.borrow_mut() = outer);
        }
    }
    let outer = CAPTURE.with(|c| c.borrow_mut().replace(Vec::new()));
    // Restores the outer capture even if `f` panics.
    let restore = Restore(outer);
    let result = f();
    let captured = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (result, captured)
}

/// Emits one warning through all four channels.
pub(crate) fn emit(w: CachedObjectMutationWarning) {
    tracing::warn!(
        target: "legacy_cache::mutation",
        module = w.module,
        function = w.function,
        "{w}"
    );
    COUNT.fetch_add(1, Ordering::Relaxed);
    CAPTURE.with(|c| {
        if let Some(list) = c.borrow_mut().as_mut() {
            list.push(w.clone());
        }
    });
    // Clone the hook out so it runs without our lock held (it may install another hook).
    let hook = HOOK.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(hook) = hook {
        hook(&w);
    }
}
