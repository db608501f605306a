//! Type fingerprints: a structural hash of a type's serde shape, so that an entry written for one
//! type is never decoded as another.
//!
//! bincode is not self-describing: `(7u32, 9u32)` decodes as `(i32, i32)` without complaint, and
//! a struct whose fields were swapped decodes with swapped values. The function key does not
//! cover the return type (a `type Span = (u32, u32)` alias can change without touching the
//! function), so every entry carries the fingerprint of the type it was written for, and a
//! reader expecting a different fingerprint treats the entry as a miss.
//!
//! The fingerprint hashes `std::any::type_name::<T>()` and a schema obtained by *tracing* `T`'s
//! `Deserialize` impl with a recording deserializer (the idea of serde-reflection, written small):
//! the deserializer answers each request (`u32`, a struct with these field names, a sequence,
//! an enum with these variants, ...) with a placeholder value and records what was asked. It
//! sees every primitive type, field names and order, container names, variant names and order,
//! and (over repeated passes, one variant at a time) every variant's contents, through type
//! aliases and nested types. It behaves like bincode (`is_human_readable() == false`).
//!
//! What it cannot see, so what a fingerprint does not protect against:
//! - a hand-written `Deserialize` impl that rejects the placeholders (zeros, empty strings and
//!   buffers, one-element collections) stops the trace at that point; the rest of that type's
//!   shape is then covered by its type name only (polars frames, which deserialize from an IPC
//!   buffer, are such a type);
//! - a recursive enum whose every variant recurses has no placeholder and is traced as far as
//!   it goes;
//! - changes that do not alter the serde shape: a field's meaning or units, a custom impl's
//!   logic, `#[serde(with = ..)]` code that keeps the same shape, invariants checked elsewhere;
//! - two different types with the same serde name inside one traced type share a schema entry.
//!
//! Changing anything that *is* seen makes entries of the old type a miss, which is always safe.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use xxhash_rust::xxh3::Xxh3;

const MAX_DEPTH: usize = 64;
const MAX_PASSES: usize = 256;
const MAX_TUPLE: usize = 4096;

/// The fingerprint of `T`: a hash of its type name and its traced schema.
///
/// ```
/// use cache_store::persist::schema::fingerprint;
/// #[derive(serde::Deserialize)]
/// struct A { x: u32, y: u32 }
/// #[derive(serde::Deserialize)]
/// #[serde(rename = "A")]
/// struct B { y: u32, x: u32 }
///
/// assert_eq!(fingerprint::<(u32, u32)>(), fingerprint::<(u32, u32)>());
/// assert_ne!(fingerprint::<(u32, u32)>(), fingerprint::<(i32, i32)>());
/// assert_ne!(fingerprint::<A>(), fingerprint::<B>());
/// ```
pub fn fingerprint<T: DeserializeOwned + 'static>() -> u64 {
    let mut h = Xxh3::new();
    h.update(std::any::type_name::<T>().as_bytes());
    h.update(&[0]);
    h.update(describe::<T>().as_bytes());
    h.digest()
}

/// The traced schema of `T` as text (what [`fingerprint`] hashes besides the type name).
///
/// ```
/// #[derive(serde::Deserialize)]
/// enum Shape { Dot, Circle(f64), Rect { w: u16, h: u16 } }
/// let s = cache_store::persist::schema::describe::<Vec<Shape>>();
/// assert_eq!(s, "seq(Shape)\nShape=enum{0:Dot=unit,1:Circle(f64),2:Rect{w:u16,h:u16}}");
/// ```
pub fn describe<T: DeserializeOwned>() -> String {
    let mut st = State::default();
    let mut top = None;
    for _ in 0..MAX_PASSES {
        st.progress = false;
        let mut out = String::new();
        let ok = T::deserialize(Tracer {
            st: &mut st,
            out: &mut out,
            depth: 0,
        })
        .is_ok();
        if ok && top.is_none() {
            top = Some(out);
        } else if top.is_none() && !st.progress {
            top = Some(format!("{out}!incomplete"));
        }
        let complete = st.enums.values().all(|e| e.done.len() == e.variants.len());
        if (ok && complete) || !st.progress {
            break;
        }
    }
    let mut text = top.unwrap_or_else(|| "!incomplete".into());
    for (name, def) in &st.defs {
        let _ = write!(text, "\n{name}={def}");
    }
    for (name, e) in &st.enums {
        let _ = write!(text, "\n{name}=enum{{");
        for (i, variant) in e.variants.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let _ = write!(text, "{i}:{variant}");
            match e.done.get(&i) {
                Some(def) => text.push_str(def),
                None => text.push('?'),
            }
        }
        text.push('}');
    }
    text
}

#[derive(Default)]
struct State {
    /// Definitions of named structs, tuple structs, newtypes and unit structs.
    defs: BTreeMap<&'static str, String>,
    enums: BTreeMap<&'static str, EnumInfo>,
    /// Named containers being traced, outermost first.
    stack: Vec<&'static str>,
    /// How many named containers on the stack are re-entries (recursion).
    recursing: usize,
    /// Re-entries seen so far: a variant whose trace adds none is a base case.
    reentries: u64,
    progress: bool,
}

struct EnumInfo {
    variants: &'static [&'static str],
    done: BTreeMap<u32, String>,
    /// Variants traced without re-entering any container: safe placeholders under recursion.
    terminal: BTreeSet<u32>,
    failed: BTreeSet<u32>,
}

#[derive(Debug)]
struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        TraceError(msg.to_string())
    }
}

struct Tracer<'a> {
    st: &'a mut State,
    out: &'a mut String,
    depth: usize,
}

impl<'a> Tracer<'a> {
    fn child<'b>(&'b mut self, out: &'b mut String) -> Result<Tracer<'b>, TraceError> {
        if self.depth >= MAX_DEPTH {
            return Err(TraceError("type nests too deeply to trace".into()));
        }
        Ok(Tracer {
            st: &mut *self.st,
            out,
            depth: self.depth + 1,
        })
    }

    /// Traces a named container: writes its name, records its definition (built by `body`)
    /// the first time it completes outside recursion.
    fn named<R>(
        mut self,
        name: &'static str,
        body: impl FnOnce(Tracer<'_>) -> Result<R, TraceError>,
    ) -> Result<R, TraceError> {
        self.out.push_str(name);
        let reentry = self.st.stack.contains(&name);
        self.st.stack.push(name);
        if reentry {
            self.st.recursing += 1;
            self.st.reentries += 1;
        }
        let mut def = String::new();
        let result = self.child(&mut def).and_then(body);
        self.st.stack.pop();
        if reentry {
            self.st.recursing -= 1;
        } else if result.is_ok() && !self.st.defs.contains_key(name) {
            self.st.defs.insert(name, def);
            self.st.progress = true;
        }
        result
    }
}

/// Hands out `len` placeholder elements, labelled with field names when given.
struct Elements<'a> {
    st: &'a mut State,
    out: &'a mut String,
    depth: usize,
    fields: Option<&'static [&'static str]>,
    len: usize,
    next: usize,
}

impl<'de> SeqAccess<'de> for Elements<'_> {
    type Error = TraceError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, TraceError> {
        if self.next >= self.len {
            return Ok(None);
        }
        if self.next > 0 {
            self.out.push(',');
        }
        if let Some(name) = self.fields.and_then(|f| f.get(self.next)) {
            self.out.push_str(name);
            self.out.push(':');
        }
        self.next += 1;
        seed.deserialize(Tracer {
            st: &mut *self.st,
            out: &mut *self.out,
            depth: self.depth,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.next)
    }
}

impl<'de> MapAccess<'de> for Elements<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        if self.next >= self.len {
            return Ok(None);
        }
        self.next += 1;
        seed.deserialize(Tracer {
            st: &mut *self.st,
            out: &mut *self.out,
            depth: self.depth,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        self.out.push_str("=>");
        seed.deserialize(Tracer {
            st: &mut *self.st,
            out: &mut *self.out,
            depth: self.depth,
        })
    }
}

impl<'a> Tracer<'a> {
    fn elements(
        &mut self,
        fields: Option<&'static [&'static str]>,
        len: usize,
    ) -> Result<Elements<'_>, TraceError> {
        if self.depth >= MAX_DEPTH {
            return Err(TraceError("type nests too deeply to trace".into()));
        }
        Ok(Elements {
            st: &mut *self.st,
            out: &mut *self.out,
            depth: self.depth + 1,
            fields,
            len,
            next: 0,
        })
    }

    /// One element for a collection, none under recursion (where it would never end).
    fn sample_len(&self) -> usize {
        usize::from(self.st.recursing == 0)
    }
}

macro_rules! primitive {
    ($($method:ident => $visit:ident($($value:expr)?), $name:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
            self.out.push_str($name);
            visitor.$visit($($value)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        self.out.push_str("any");
        Err(TraceError("the type needs a self-describing format".into()))
    }

    primitive! {
        deserialize_bool => visit_bool(false), "bool";
        deserialize_i8 => visit_i8(0), "i8";
        deserialize_i16 => visit_i16(0), "i16";
        deserialize_i32 => visit_i32(0), "i32";
        deserialize_i64 => visit_i64(0), "i64";
        deserialize_i128 => visit_i128(0), "i128";
        deserialize_u8 => visit_u8(0), "u8";
        deserialize_u16 => visit_u16(0), "u16";
        deserialize_u32 => visit_u32(0), "u32";
        deserialize_u64 => visit_u64(0), "u64";
        deserialize_u128 => visit_u128(0), "u128";
        deserialize_f32 => visit_f32(0.0), "f32";
        deserialize_f64 => visit_f64(0.0), "f64";
        deserialize_char => visit_char('a'), "char";
        deserialize_str => visit_str(""), "str";
        deserialize_string => visit_str(""), "str";
        deserialize_bytes => visit_bytes(&[]), "bytes";
        deserialize_byte_buf => visit_bytes(&[]), "bytes";
        deserialize_unit => visit_unit(), "unit";
        deserialize_ignored_any => visit_unit(), "ignored";
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.out.push_str("ident");
        visitor.visit_u32(0)
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        self.out.push_str("option(");
        if self.st.recursing > 0 {
            self.out.push_str("..)");
            return visitor.visit_none();
        }
        let mut inner = String::new();
        let value = visitor.visit_some(self.child(&mut inner)?);
        self.out.push_str(&inner);
        self.out.push(')');
        value
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        self.out.push_str("seq(");
        let n = self.sample_len();
        let value = visitor.visit_seq(self.elements(None, n)?);
        self.out.push(')');
        value
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        mut self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        if len > MAX_TUPLE {
            return Err(TraceError(format!("tuple of {len} elements")));
        }
        self.out.push_str("tuple(");
        let value = visitor.visit_seq(self.elements(None, len)?);
        self.out.push(')');
        value
    }

    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        self.out.push_str("map(");
        let n = self.sample_len();
        let value = visitor.visit_map(self.elements(None, n)?);
        self.out.push(')');
        value
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.named(name, |t| {
            t.out.push_str("unit");
            visitor.visit_unit()
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.named(name, |t| {
            t.out.push_str("newtype(");
            let mut inner = String::new();
            let value = visitor.visit_newtype_struct(Tracer {
                st: &mut *t.st,
                out: &mut inner,
                depth: t.depth,
            });
            t.out.push_str(&inner);
            t.out.push(')');
            value
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        if len > MAX_TUPLE {
            return Err(TraceError(format!("tuple struct of {len} fields")));
        }
        self.named(name, |mut t| {
            t.out.push_str("tuple(");
            let value = visitor.visit_seq(t.elements(None, len)?);
            t.out.push(')');
            value
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.named(name, |mut t| {
            t.out.push('{');
            let value = visitor.visit_seq(t.elements(Some(fields), fields.len())?);
            t.out.push('}');
            value
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.out.push_str(name);
        if variants.is_empty() {
            return Err(TraceError(format!("enum {name} has no variants")));
        }
        let reentry = self.st.stack.contains(&name);
        let info = self.st.enums.entry(name).or_insert_with(|| EnumInfo {
            variants,
            done: BTreeMap::new(),
            terminal: BTreeSet::new(),
            failed: BTreeSet::new(),
        });
        let all = 0..u32::try_from(variants.len()).unwrap_or(u32::MAX);
        let pick = if reentry || self.st.recursing > 0 {
            // Under recursion only a known base case terminates.
            match info.terminal.first() {
                Some(&i) => i,
                None => {
                    return Err(TraceError(format!(
                        "recursive enum {name} without a known base case yet"
                    )));
                }
            }
        } else {
            all.clone()
                .find(|i| !info.done.contains_key(i) && !info.failed.contains(i))
                .or_else(|| info.terminal.first().copied())
                .unwrap_or(0)
        };
        self.st.stack.push(name);
        if reentry {
            self.st.recursing += 1;
            self.st.reentries += 1;
        }
        let before = self.st.reentries;
        let mut def = String::new();
        let result = if self.depth >= MAX_DEPTH {
            Err(TraceError("type nests too deeply to trace".into()))
        } else {
            visitor.visit_enum(Variant {
                st: &mut *self.st,
                out: &mut def,
                depth: self.depth + 1,
                index: pick,
            })
        };
        self.st.stack.pop();
        if reentry {
            self.st.recursing -= 1;
            return result;
        }
        let base_case = self.st.reentries == before;
        let Some(info) = self.st.enums.get_mut(name) else {
            return result;
        };
        match &result {
            Ok(_) => {
                if let std::collections::btree_map::Entry::Vacant(slot) = info.done.entry(pick) {
                    slot.insert(def);
                    self.st.progress = true;
                }
                if base_case && info.terminal.insert(pick) {
                    self.st.progress = true;
                    // A new base case may let earlier failures through: retry them.
                    for e in self.st.enums.values_mut() {
                        e.failed.clear();
                    }
                }
            }
            Err(_) => {
                if info.failed.insert(pick) {
                    self.st.progress = true;
                }
            }
        }
        result
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

struct Variant<'a> {
    st: &'a mut State,
    out: &'a mut String,
    depth: usize,
    index: u32,
}

impl<'de, 'a> EnumAccess<'de> for Variant<'a> {
    type Error = TraceError;
    type Variant = Variant<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), TraceError> {
        let tag: de::value::U32Deserializer<TraceError> = self.index.into_deserializer();
        let value = seed.deserialize(tag)?;
        Ok((value, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        self.out.push_str("=unit");
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, TraceError> {
        self.out.push('(');
        let value = seed.deserialize(Tracer {
            st: &mut *self.st,
            out: &mut *self.out,
            depth: self.depth,
        });
        self.out.push(')');
        value
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut t = Tracer {
            st: self.st,
            out: self.out,
            depth: self.depth,
        };
        t.out.push('(');
        let value = visitor.visit_seq(t.elements(None, len)?);
        t.out.push(')');
        value
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut t = Tracer {
            st: self.st,
            out: self.out,
            depth: self.depth,
        };
        t.out.push('{');
        let value = visitor.visit_seq(t.elements(Some(fields), fields.len())?);
        t.out.push('}');
        value
    }
}
