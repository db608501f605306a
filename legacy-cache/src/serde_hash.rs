//! Priority 2 of the dispatch: any `serde::Serialize` value, through a serializer that writes the
//! legacy framing into md5.
//!
//! Scalars, strings, sequences, tuples, options and maps are framed exactly like the
//! [`LegacyHash`] impls (`int`, `float`, `str`, `list`, `tuple`, `NoneType`, `Some(None)`,
//! `dict`), so a `Vec<u32>` field hashes as a `Vec<u32>` argument does. Maps are
//! order-insensitive (entries sorted by their bytes, like a `HashMap` argument): serde does not
//! say whether a map's order means anything, so a `BTreeMap` field hashes like the equal
//! `HashMap` (Streamlit's digest for zero or one entry). The rest maps Python's fallback
//! (`__reduce__`, an object's class name and `__dict__`):
//!
//! | serde | `to_bytes` |
//! |---|---|
//! | struct `S { a, b }` | `S:` md5(`str:a` `to_bytes(a)` `str:b` `to_bytes(b)`) |
//! | tuple struct / newtype / unit struct `S` | `S:` md5(fields) |
//! | enum variant `E::V(..)` | `E:` md5(`str:V` fields) |
//! | bytes (`serialize_bytes`) | `bytes:` raw bytes |
//! | unit `()` | `tuple:` md5() |
//!
//! Types are named by their bare name, as Python named classes by `__qualname__`: two structs
//! called `Row` in different modules with the same fields hash alike.
//!
//! **Sets through serde are order-dependent**: serde serializes a `HashSet` as a sequence, so
//! its (random) iteration order leaks in. Within one process an unchanged set iterates the same
//! way, so the mutation check is unaffected; two equal sets built differently may get different
//! keys (a spurious miss, never a wrong hit). polars frames reached through serde are hashed via
//! their serde form (an Arrow IPC stream), in full, never sampled.

use std::fmt;

use serde::ser::{
    self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

use crate::error::HashError;
use crate::hash::{
    Digest, LegacyHash, LegacyHasher, SOME_OF_NONE, int_to_bytes, write_float, write_none,
    write_unordered_dict,
};

/// Why a `Serialize` impl could not be hashed.
#[derive(Debug)]
pub struct SerdeError(Inner);

#[derive(Debug)]
enum Inner {
    /// The impl called `serde::ser::Error::custom`.
    Custom(String),
    /// A nested `LegacyHash` failed (a polars frame inside a serde value cannot, but keep the
    /// structure honest).
    Hash(HashError),
}

impl fmt::Display for SerdeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Custom(m) => f.write_str(m),
            Inner::Hash(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SerdeError {}

impl ser::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerdeError(Inner::Custom(msg.to_string()))
    }
}

impl From<HashError> for SerdeError {
    fn from(e: HashError) -> Self {
        SerdeError(Inner::Hash(e))
    }
}

/// Writes `to_bytes(value)` through serde. A failing `Serialize` impl is an
/// [`UnhashableTypeError`](crate::UnhashableTypeError) naming `T`, as a failing `__reduce__` was.
///
/// ```
/// use legacy_cache::{LegacyHasher, serde_hash::hash_serialize};
///
/// #[derive(serde::Serialize)]
/// struct Query { table: String, limit: u32 }
///
/// let mut h = LegacyHasher::new(true);
/// hash_serialize(&Query { table: "t".into(), limit: 3 }, &mut h).unwrap();
/// let _digest = h.finish();
/// ```
pub fn hash_serialize<T: Serialize + ?Sized>(
    value: &T,
    h: &mut LegacyHasher,
) -> Result<(), HashError> {
    value.serialize(Ser::new(h)).map_err(|e| match e.0 {
        Inner::Hash(e) => e,
        Inner::Custom(reason) => HashError::unhashable(std::any::type_name::<T>(), Some(reason)),
    })
}

struct Ser<'a> {
    h: &'a mut LegacyHasher,
    /// How many `Some`s directly enclose the value being serialized: a `None` under `n` of them
    /// is framed `n` times as `Some:` md5(..), as [`LegacyHash`] frames `Some(None)`.
    somes: u32,
}

impl<'a> Ser<'a> {
    fn new(h: &'a mut LegacyHasher) -> Self {
        Ser { h, somes: 0 }
    }
}

/// `None` wrapped in `somes` layers of the `Some(None)` framing.
fn write_none_under(h: &mut LegacyHasher, somes: u32) -> Result<(), HashError> {
    match somes.checked_sub(1) {
        None => {
            write_none(h);
            Ok(())
        }
        Some(inner) => h.write_nested(SOME_OF_NONE, |h| write_none_under(h, inner)),
    }
}

type R = Result<(), SerdeError>;

/// A compound value: children go into `sub`, whose digest becomes the parent's payload.
struct Nested<'a> {
    parent: &'a mut LegacyHasher,
    sub: LegacyHasher,
    name: &'static str,
}

impl<'a> Nested<'a> {
    fn new(parent: &'a mut LegacyHasher, name: &'static str) -> Self {
        let sub = LegacyHasher::new(parent.sampling());
        Nested { parent, sub, name }
    }

    fn variant(parent: &'a mut LegacyHasher, name: &'static str, variant: &'static str) -> Self {
        let mut n = Nested::new(parent, name);
        n.sub.write_framed("str", variant.as_bytes());
        n
    }

    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        v.serialize(Ser::new(&mut self.sub))
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.sub.write_framed("str", key.as_bytes());
        self.element(v)
    }

    fn end(self) -> R {
        let digest = self.sub.finish();
        self.parent.write_framed(self.name, &digest.0);
        Ok(())
    }
}

/// A map: each entry's `to_bytes(k) ‖ to_bytes(v)` digest is collected; the dict is written
/// with the entries sorted (order-insensitive, as `HashMap`s iterate randomly).
struct Map<'a> {
    parent: &'a mut LegacyHasher,
    items: Vec<Digest>,
    key: Option<LegacyHasher>,
}

impl<'a> Serializer for Ser<'a> {
    type Ok = ();
    type Error = SerdeError;
    type SerializeSeq = Nested<'a>;
    type SerializeTuple = Nested<'a>;
    type SerializeTupleStruct = Nested<'a>;
    type SerializeTupleVariant = Nested<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Nested<'a>;
    type SerializeStructVariant = Nested<'a>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> R {
        Ok(v.legacy_hash(self.h)?)
    }
    fn serialize_i8(self, v: i8) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_i16(self, v: i16) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_i32(self, v: i32) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_i64(self, v: i64) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_i128(self, v: i128) -> R {
        let (b, n) = int_to_bytes(v);
        self.h.write_framed("int", &b[..n]);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_u16(self, v: u16) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_u32(self, v: u32) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_u64(self, v: u64) -> R {
        self.serialize_i128(v.into())
    }
    fn serialize_u128(self, v: u128) -> R {
        Ok(v.legacy_hash(self.h)?)
    }
    fn serialize_f32(self, v: f32) -> R {
        write_float(self.h, v.into());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> R {
        write_float(self.h, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> R {
        Ok(v.legacy_hash(self.h)?)
    }
    fn serialize_str(self, v: &str) -> R {
        self.h.write_framed("str", v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        self.h.write_framed("bytes", v);
        Ok(())
    }
    fn serialize_none(self) -> R {
        Ok(write_none_under(self.h, self.somes)?)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        // `Some(x)` is `x` unless `x` turns out to be `None` (counted for `serialize_none`).
        v.serialize(Ser {
            h: self.h,
            somes: self.somes + 1,
        })
    }
    fn serialize_unit(self) -> R {
        Nested::new(self.h, "tuple").end()
    }
    fn serialize_unit_struct(self, name: &'static str) -> R {
        Nested::new(self.h, name).end()
    }
    fn serialize_unit_variant(self, name: &'static str, _i: u32, variant: &'static str) -> R {
        Nested::variant(self.h, name, variant).end()
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> R {
        let mut n = Nested::new(self.h, name);
        n.element(v)?;
        n.end()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _i: u32,
        variant: &'static str,
        v: &T,
    ) -> R {
        let mut n = Nested::variant(self.h, name, variant);
        n.element(v)?;
        n.end()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Nested<'a>, SerdeError> {
        Ok(Nested::new(self.h, "list"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Nested<'a>, SerdeError> {
        Ok(Nested::new(self.h, "tuple"))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Nested<'a>, SerdeError> {
        Ok(Nested::new(self.h, name))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Nested<'a>, SerdeError> {
        Ok(Nested::variant(self.h, name, variant))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map<'a>, SerdeError> {
        Ok(Map {
            parent: self.h,
            items: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Nested<'a>, SerdeError> {
        Ok(Nested::new(self.h, name))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Nested<'a>, SerdeError> {
        Ok(Nested::variant(self.h, name, variant))
    }
}

impl SerializeSeq for Nested<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Nested::end(self)
    }
}

impl SerializeTuple for Nested<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Nested::end(self)
    }
}

impl SerializeTupleStruct for Nested<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Nested::end(self)
    }
}

impl SerializeTupleVariant for Nested<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.element(v)
    }
    fn end(self) -> R {
        Nested::end(self)
    }
}

impl SerializeStruct for Nested<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.field(key, v)
    }
    fn end(self) -> R {
        Nested::end(self)
    }
}

impl SerializeStructVariant for Nested<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.field(key, v)
    }
    fn end(self) -> R {
        Nested::end(self)
    }
}

impl SerializeMap for Map<'_> {
    type Ok = ();
    type Error = SerdeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        // The entry is `to_bytes((k, v))`: a tuple whose children are the key and the value.
        let mut entry = LegacyHasher::new(self.parent.sampling());
        key.serialize(Ser::new(&mut entry))?;
        self.key = Some(entry);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        let Some(mut entry) = self.key.take() else {
            return Err(ser::Error::custom(
                "serialize_value called before serialize_key",
            ));
        };
        v.serialize(Ser::new(&mut entry))?;
        self.items.push(entry.finish());
        Ok(())
    }
    fn end(self) -> R {
        if self.key.is_some() {
            return Err(ser::Error::custom("map key without a value"));
        }
        Ok(write_unordered_dict(self.parent, self.items)?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;

    fn via_serde<T: Serialize>(v: &T) -> Digest {
        let mut h = LegacyHasher::new(true);
        hash_serialize(v, &mut h).unwrap();
        h.finish()
    }

    fn via_legacy<T: LegacyHash>(v: &T) -> Digest {
        let mut h = LegacyHasher::new(true);
        v.legacy_hash(&mut h).unwrap();
        h.finish()
    }

    #[test]
    fn serde_agrees_with_legacy_hash_on_shared_data_model() {
        let v = (
            vec![1u32, 2, 3],
            Some("x".to_string()),
            None::<i64>,
            -2.5f64,
            true,
            'c',
        );
        assert_eq!(via_serde(&v), via_legacy(&v));
        let m: HashMap<String, Vec<i8>> = [("a".into(), vec![1]), ("b".into(), vec![-1, 2])].into();
        assert_eq!(via_serde(&m), via_legacy(&m));
        let b: BTreeMap<String, Vec<i8>> = m.clone().into_iter().collect();
        assert_eq!(via_serde(&b), via_legacy(&m));
        assert_eq!(via_serde(&()), via_legacy(&()));
        for v in [None, Some(None), Some(Some(None)), Some(Some(Some(3u8)))] {
            assert_eq!(via_serde(&v), via_legacy(&v), "{v:?}");
        }
        let one: BTreeMap<&str, u8> = [("k", 1)].into();
        assert_eq!(via_serde(&one), via_legacy(&one));
        assert_eq!(via_serde(&u128::MAX), via_legacy(&u128::MAX));
    }

    #[test]
    fn struct_names_and_fields_count() {
        #[derive(serde::Serialize)]
        struct A {
            x: u8,
        }
        #[derive(serde::Serialize)]
        struct B {
            x: u8,
        }
        #[derive(serde::Serialize)]
        struct A2 {
            y: u8,
        }
        assert_ne!(via_serde(&A { x: 1 }), via_serde(&B { x: 1 }));
        assert_ne!(via_serde(&A { x: 1 }), via_serde(&A { x: 2 }));
        assert_ne!(via_serde(&A { x: 1 }), via_serde(&A2 { y: 1 }));
    }

    #[test]
    fn enum_variants_differ() {
        #[derive(serde::Serialize)]
        enum E {
            A,
            B,
            C(u8),
            D { v: u8 },
        }
        let all = [
            via_serde(&E::A),
            via_serde(&E::B),
            via_serde(&E::C(0)),
            via_serde(&E::D { v: 0 }),
            via_serde(&E::C(1)),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn failing_serialize_is_unhashable() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("cannot pickle 'RLock'"))
            }
        }
        let mut h = LegacyHasher::new(true);
        match hash_serialize(&vec![Bad], &mut h) {
            Err(HashError::Unhashable(e)) => {
                assert!(e.type_name.contains("Vec"));
                assert_eq!(e.reason.as_deref(), Some("cannot pickle 'RLock'"));
            }
            other => panic!("expected an UnhashableTypeError, got {other:?}"),
        }
    }
}
