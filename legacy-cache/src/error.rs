//! The hasher's errors, with the class names and (paraphrased) messages of Streamlit's legacy
//! hasher.
//!
//! All three are **run-time** errors, as in the original: a type the hasher cannot hash is only
//! discovered when a call tries to hash it. A plain call of a cached function logs them and
//! carries on without the cache; the generated `try_<name>` function returns them (see the crate
//! docs).

use std::fmt;

/// Which part of a cached function a failing value came from (Streamlit's `object_part`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundIn {
    /// An argument (the receiver included).
    Arguments,
    /// The return value (hashed for the mutation check).
    ReturnValue,
    /// No context is known (a direct call of the hasher).
    Unknown,
}

/// Where a value was found, and in which function: "the arguments of `f()`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The part of the function.
    pub found_in: FoundIn,
    /// The function's name, when known.
    pub function: Option<String>,
}

impl Context {
    /// No context known.
    pub const UNKNOWN: Context = Context {
        found_in: FoundIn::Unknown,
        function: None,
    };
}

impl fmt::Display for Context {
    /// `the arguments of `f()``, `the return value of `f()`` or `something`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = match self.found_in {
            FoundIn::Arguments => "the arguments of",
            FoundIn::ReturnValue => "the return value of",
            FoundIn::Unknown => return f.write_str("something"),
        };
        match &self.function {
            Some(name) => write!(f, "{part} `{name}()`"),
            None => write!(f, "{part} a cached function"),
        }
    }
}

/// The hasher met a value of a type it cannot hash: the type implements neither
/// [`LegacyHash`](crate::LegacyHash) nor `serde::Serialize`, or its `Serialize` impl failed
/// (the counterpart of `__reduce__` raising in Python).
///
/// ```
/// use legacy_cache::HashError;
///
/// struct Generator; // neither LegacyHash nor Serialize
/// let err = legacy_cache::hash_value!(Generator).unwrap_err();
/// let HashError::Unhashable(e) = &err else { panic!("{err}") };
/// assert!(e.type_name.ends_with("Generator"));
/// assert!(err.to_string().starts_with("Cannot hash object of type `"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnhashableTypeError {
    /// Full path of the type (`std::any::type_name`, references removed).
    pub type_name: String,
    /// Where it was found.
    pub context: Context,
    /// Why, when the type's `Serialize` impl reported an error.
    pub reason: Option<String>,
}

/// A user hash function (`hash_funcs(Type = path)`) failed: it panicked, or returned `Err`.
///
/// ```
/// use legacy_cache::{Context, FoundIn, UserHashError};
///
/// let e = UserHashError {
///     hash_func: "hash_conn".into(),
///     type_name: "Conn".into(),
///     context: Context { found_in: FoundIn::Arguments, function: Some("load".into()) },
///     message: "connection closed".into(),
/// };
/// assert!(e.to_string().contains("a bug in `hash_conn()`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserHashError {
    /// The hash function's path, as written in the attribute.
    pub hash_func: String,
    /// The type it was applied to, as written in the attribute.
    pub type_name: String,
    /// Where the value was found.
    pub context: Context,
    /// The panic message or the `Err`'s text.
    pub message: String,
}

/// Something unexpected failed inside the hasher (a `LegacyHash` or `Serialize` impl panicked,
/// polars could not hash a frame by rows nor through serde).
///
/// ```
/// use legacy_cache::{Context, InternalHashError};
///
/// let e = InternalHashError {
///     type_name: "Frame".into(),
///     context: Context::UNKNOWN,
///     message: "boom".into(),
/// };
/// assert!(e.to_string().contains("very likely you found a bug"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalHashError {
    /// The type being hashed when it failed.
    pub type_name: String,
    /// Where the value was found.
    pub context: Context,
    /// What failed.
    pub message: String,
}

/// Any hashing failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// See [`UnhashableTypeError`].
    Unhashable(UnhashableTypeError),
    /// See [`UserHashError`].
    User(UserHashError),
    /// See [`InternalHashError`].
    Internal(InternalHashError),
}

impl HashError {
    /// An [`UnhashableTypeError`] for `type_name`, without context yet.
    pub fn unhashable(type_name: &str, reason: Option<String>) -> Self {
        HashError::Unhashable(UnhashableTypeError {
            type_name: strip_refs(type_name).to_string(),
            context: Context::UNKNOWN,
            reason,
        })
    }

    /// An [`InternalHashError`] for `type_name`, without context yet.
    pub fn internal(type_name: &str, message: impl Into<String>) -> Self {
        HashError::Internal(InternalHashError {
            type_name: strip_refs(type_name).to_string(),
            context: Context::UNKNOWN,
            message: message.into(),
        })
    }

    /// Where the failing value was found.
    pub fn context(&self) -> &Context {
        match self {
            HashError::Unhashable(e) => &e.context,
            HashError::User(e) => &e.context,
            HashError::Internal(e) => &e.context,
        }
    }

    /// Sets the context (the runtime knows it, the hasher does not).
    pub fn with_context(mut self, context: Context) -> Self {
        match &mut self {
            HashError::Unhashable(e) => e.context = context,
            HashError::User(e) => e.context = context,
            HashError::Internal(e) => e.context = context,
        }
        self
    }
}

/// `&&mut T` → `T`: messages name the type the user declared, without the borrow.
fn strip_refs(mut name: &str) -> &str {
    loop {
        let before = name;
        name = name.trim_start_matches('&').trim_start();
        name = name.strip_prefix("mut ").unwrap_or(name);
        if name == before {
            return name;
        }
    }
}

/// The last path segment, for a short `hash_funcs(...)` example.
fn short_name(type_name: &str) -> &str {
    let base = type_name.split('<').next().unwrap_or(type_name);
    let start = base.rfind("::").map_or(0, |i| i + 2);
    &type_name[start..]
}

impl fmt::Display for UnhashableTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ty = &self.type_name;
        let ctx = &self.context;
        write!(
            f,
            "Cannot hash object of type `{ty}`, found in {ctx}.\n\n\
             While caching {ctx}, legacy_cache encountered an object of type `{ty}`, which it \
             does not know how to hash.\n\n\
             To address this, please try helping legacy_cache understand how to hash that type \
             by passing the `hash_funcs` argument into `#[cache]`. For example:\n\n\
             ```\n#[cache(hash_funcs({short} = my_hash_func))]\n```\n\n\
             (`hash_funcs` applies to parameter and return types exactly as declared; you can \
             also implement `serde::Serialize` or `legacy_cache::LegacyHash` for the type.)\n\n\
             If you don't know where the object of type `{ty}` is coming from, try looking at \
             the hash chain below for an object that you do recognize, then pass that to \
             `hash_funcs` instead:\n\n```\nObject of type {ty}\n```",
            short = short_name(ty),
        )?;
        if let Some(reason) = &self.reason {
            write!(f, "\n\nThe type's `Serialize` impl reported: {reason}")?;
        }
        Ok(())
    }
}

impl fmt::Display for UserHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let function = match &self.context.function {
            Some(name) => format!("`{name}()`"),
            None => "a cached function".to_string(),
        };
        write!(
            f,
            "{msg}\n\n\
             This error is likely due to a bug in `{hf}()`, which is a user-defined hash \
             function that was passed into the `#[cache]` attribute of {function}.\n\n\
             `{hf}()` failed when hashing an object of type `{ty}` found in {ctx}. If you think \
             this is actually a legacy_cache bug, please file a bug report.\n\n\
             ```\nObject of type {ty}\n```",
            msg = self.message,
            hf = self.hash_func,
            ty = self.type_name,
            ctx = self.context,
        )
    }
}

impl fmt::Display for InternalHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{msg}\n\n\
             While caching {ctx}, legacy_cache encountered an object of type `{ty}`, which it \
             does not know how to hash.\n\n\
             **In this specific case, it's very likely you found a bug in legacy_cache. Please \
             file a bug report.**\n\n\
             In the meantime, you can try bypassing this error by registering a custom hash \
             function via the `hash_funcs` option of `#[cache]`.\n\n\
             ```\nObject of type {ty}\n```",
            msg = self.message,
            ctx = self.context,
            ty = self.type_name,
        )
    }
}

impl fmt::Display for HashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashError::Unhashable(e) => e.fmt(f),
            HashError::User(e) => e.fmt(f),
            HashError::Internal(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for UnhashableTypeError {}
impl std::error::Error for UserHashError {}
impl std::error::Error for InternalHashError {}
impl std::error::Error for HashError {}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_borrows() {
        assert_eq!(strip_refs("&&mut a::B"), "a::B");
        assert_eq!(short_name("a::b::Conn<x::Y>"), "Conn<x::Y>");
    }
}
