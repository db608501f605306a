//! The "spinner": an event emitted on every miss of a function that asked for one.
//!
//! Streamlit shows ``Running `f(...)`.`` while a cached function computes. Here the same text is
//! a `tracing` event at INFO level, with target `cache::spinner`, carrying the primitive, the
//! function's module and name, so an application (or the harness) can render it however it
//! likes; a subscriber filter such as `cache::spinner=info` shows exactly these.

/// Emits the spinner event.
///
/// ```
/// cache_store::events::spinner("memo", "my_crate::data", "load", "Running `load(...)`.");
/// ```
pub fn spinner(primitive: &'static str, module: &'static str, function: &'static str, text: &str) {
    tracing::info!(
        target: "cache::spinner",
        primitive,
        module,
        function,
        "{text}"
    );
}
