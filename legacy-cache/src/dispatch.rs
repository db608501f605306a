//! Compile-time choice of the hashing strategy, for the macro and [`hash_value!`](crate::hash_value).
//!
//! `(&&&Arg(&x)).__legacy_kind().hash(&x, h)` resolves, by autoref specialization, to
//! 1. [`LegacyTag`] when the type implements [`LegacyHash`];
//! 2. else [`SerdeTag`] when it implements `serde::Serialize`;
//! 3. else [`NothingTag`], whose `hash` returns an [`UnhashableTypeError`] **at run time**, as the
//!    original only found out when it tried (the macro must not reject such a type).
//!
//! Method resolution tries the receiver `&&&Arg` first, where only [`ViaLegacy`] applies, then
//! auto-derefs to `&&Arg` ([`ViaSerde`]) and `&Arg` ([`ViaNothing`]).
//!
//! [`UnhashableTypeError`]: crate::UnhashableTypeError

use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

use md5::{Digest as _, Md5};
use serde::Serialize;

use crate::error::{Context, HashError, UserHashError, panic_message};
use crate::hash::{Digest, LegacyHash, LegacyHasher};

/// Wraps a reference to a value for strategy selection.
pub struct Arg<'a, T: ?Sized>(pub &'a T);

/// Strategy 1: [`LegacyHash`].
pub struct LegacyTag;
/// Strategy 2: `serde::Serialize`.
pub struct SerdeTag;
/// Strategy 3: a run-time `UnhashableTypeError`.
pub struct NothingTag;

/// Selects `LegacyTag`.
pub trait ViaLegacy {
    /// The strategy tag.
    fn __legacy_kind(&self) -> LegacyTag {
        LegacyTag
    }
}
impl<T: LegacyHash + ?Sized> ViaLegacy for &&Arg<'_, T> {}

/// Selects `SerdeTag`.
pub trait ViaSerde {
    /// The strategy tag.
    fn __legacy_kind(&self) -> SerdeTag {
        SerdeTag
    }
}
impl<T: Serialize + ?Sized> ViaSerde for &Arg<'_, T> {}

/// Selects `NothingTag`.
pub trait ViaNothing {
    /// The strategy tag.
    fn __legacy_kind(&self) -> NothingTag {
        NothingTag
    }
}
impl<T: ?Sized> ViaNothing for Arg<'_, T> {}

impl LegacyTag {
    /// Hashes through [`LegacyHash`].
    #[inline]
    pub fn hash<T: LegacyHash + ?Sized>(
        self,
        v: &T,
        h: &mut LegacyHasher,
    ) -> Result<(), HashError> {
        v.legacy_hash(h)
    }
}

impl SerdeTag {
    /// Hashes through serde.
    #[inline]
    pub fn hash<T: Serialize + ?Sized>(self, v: &T, h: &mut LegacyHasher) -> Result<(), HashError> {
        crate::serde_hash::hash_serialize(v, h)
    }
}

impl NothingTag {
    /// Always an `UnhashableTypeError` naming `T`.
    #[inline]
    pub fn hash<T: ?Sized>(self, _v: &T, _h: &mut LegacyHasher) -> Result<(), HashError> {
        Err(HashError::unhashable(std::any::type_name::<T>(), None))
    }
}

/// `md5(to_bytes(v))` through `write`; panics become an `InternalHashError`. Used by
/// [`hash_value!`](crate::hash_value).
pub fn digest_with(
    sampling: bool,
    type_name: &'static str,
    write: impl FnOnce(&mut LegacyHasher) -> Result<(), HashError>,
) -> Result<Digest, HashError> {
    let mut h = LegacyHasher::new(sampling);
    match catch_unwind(AssertUnwindSafe(|| write(&mut h))) {
        Ok(Ok(())) => Ok(h.finish()),
        Ok(Err(e)) => Err(e),
        Err(p) => Err(HashError::internal(
            type_name,
            format!("hashing panicked: {}", panic_message(&*p)),
        )),
    }
}

/// Builds the value key: `md5(to_bytes(args))` when there are arguments, `md5("")` otherwise,
/// as Streamlit's `value_hasher` (there are no keyword arguments in Rust).
pub struct ArgsHasher {
    inner: LegacyHasher,
    any: bool,
    error: Option<HashError>,
}

impl ArgsHasher {
    /// An empty argument tuple.
    pub fn new(sampling: bool) -> Self {
        Self {
            inner: LegacyHasher::new(sampling),
            any: false,
            error: None,
        }
    }

    /// Appends one argument; after the first error the rest are skipped.
    pub fn arg(
        &mut self,
        type_name: &'static str,
        write: impl FnOnce(&mut LegacyHasher) -> Result<(), HashError>,
    ) {
        if self.error.is_some() {
            return;
        }
        self.any = true;
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| write(inner))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.error = Some(e),
            Err(p) => {
                self.error = Some(HashError::internal(
                    type_name,
                    format!("hashing panicked: {}", panic_message(&*p)),
                ))
            }
        }
    }

    /// The value key, or the first error.
    pub fn finish(self) -> Result<Digest, HashError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut outer = Md5::new();
        if self.any {
            outer.update(b"tuple:");
            outer.update(self.inner.finish().0);
        }
        Ok(Digest(outer.finalize().into()))
    }
}

/// Runs a user hash function (`hash_funcs(Type = path)`), turning a panic into a
/// [`UserHashError`].
pub fn user_hash<R>(
    hash_func: &'static str,
    type_name: &'static str,
    f: impl FnOnce() -> R,
) -> Result<R, HashError> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|p| user_error(hash_func, type_name, panic_message(&*p)))
}

/// A [`UserHashError`] without context yet.
pub fn user_error(hash_func: &'static str, type_name: &'static str, message: String) -> HashError {
    HashError::User(UserHashError {
        hash_func: hash_func.to_string(),
        type_name: type_name.to_string(),
        context: Context::UNKNOWN,
        message,
    })
}

/// Wraps a user hash function's result for the `Result`-or-value choice below.
pub struct HfOut<'a, R: ?Sized>(pub &'a R);

/// A hash function returning `Result<U, E>`: `Err` is a user error, `Ok(u)` hashes `u`.
pub struct ResultTag;
/// Any other result is hashed as it is.
pub struct ValueTag;

/// Selects `ResultTag`.
pub trait ViaResult {
    /// The tag.
    fn __hf_kind(&self) -> ResultTag {
        ResultTag
    }
}
impl<U, E: Display> ViaResult for &HfOut<'_, Result<U, E>> {}

/// Selects `ValueTag`.
pub trait ViaValue {
    /// The tag.
    fn __hf_kind(&self) -> ValueTag {
        ValueTag
    }
}
impl<R: ?Sized> ViaValue for HfOut<'_, R> {}

impl ResultTag {
    /// The `Ok` value, or the error's text.
    pub fn unpack<U, E: Display>(self, r: &Result<U, E>) -> Result<&U, String> {
        r.as_ref().map_err(|e| e.to_string())
    }
}

impl ValueTag {
    /// The value itself.
    pub fn unpack<R: ?Sized>(self, r: &R) -> Result<&R, String> {
        Ok(r)
    }
}
