//! Hashing any `serde::Serialize` value into a [`KeyHasher`].
//!
//! The serializer below writes a framed stream, with the same tag bytes as the [`KeyHash`]
//! impls where the data models coincide (scalars, strings, options, unit, known-length
//! sequences of non-primitive elements):
//!
//! * one tag per serde data-model kind (`bool`, each integer width, `f32`, `f64`, `char`, `str`,
//!   bytes, `None`/`Some`, unit, unit/newtype/tuple struct, struct, the four variant kinds, seq,
//!   tuple, map);
//! * strings and byte strings length-framed; floats by bit pattern as in [`KeyHash`] (`-0.0`
//!   differs from `0.0`; one canonical NaN);
//! * enum variants write the enum name, the variant index *and* the variant name; structs write
//!   their name, field count and every field name;
//! * sequences write their element count first, or, when the `Serialize` impl does not know it
//!   up front, a different tag and the count after the elements;
//! * maps are order-independent: each entry is hashed into its own sub-hasher and the 128-bit
//!   digests are added (wrapping), then the count is written. A `HashMap` inside a
//!   `#[derive(Serialize)]` struct therefore hashes the same in every process.
//!
//! **Sets are not order-independent through serde.** serde serializes a `HashSet` as a
//! *sequence*, indistinguishable from a `Vec`, so its (per-process random) iteration order leaks
//! into the key: the key stays correct within one process only by luck of iteration order, and
//! two equal sets built differently can give different keys. Pass such values through a
//! [`KeyHash`] impl instead (`HashSet` has one), or serialize them as sorted sequences
//! (`BTreeSet`).

use std::fmt;

use serde::ser::{
    self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

use crate::std_impls::{canon_f32, canon_f64, tag};
use crate::{KeyHash, KeyHasher};

/// A `Serialize` impl failed (it called `serde::ser::Error::custom`), so the value has no key.
///
/// ```
/// use cache_key::SerdeHashError;
/// use serde::ser::Error;
///
/// let e = SerdeHashError::custom("no");
/// assert_eq!(e.to_string(), "no");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerdeHashError {
    msg: String,
}

impl fmt::Display for SerdeHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for SerdeHashError {}

impl ser::Error for SerdeHashError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            msg: msg.to_string(),
        }
    }
}

/// Writes `value`'s framed serde encoding (see the module docs) into `h`.
///
/// On error the hasher holds a partial stream; callers should discard the key.
///
/// # Blind spots
///
/// The key can only see what the `Serialize` impl emits, and serde attributes made for data
/// formats hide things a key must not lose. Two values that serialize alike share a key, so a
/// cached function returns one's result for the other:
///
/// * `#[serde(skip)]` / `skip_serializing` fields are not in the key at all;
/// * a `#[serde(untagged)]` enum writes only its variant's content, so `Circle(1.0)` and
///   `Square(1.0)` are the same key (likewise `#[serde(transparent)]` drops the wrapper's name
///   and a hand-written impl may drop anything);
/// * a `HashSet` field is serialized as a sequence in random order (see the module docs).
///
/// None of this is detectable from the serializer's side. For your own types, prefer
/// [`#[derive(CacheKey)]`](crate::CacheKey), which hashes every field and the variant whatever
/// the serde attributes say; a type that has both goes through `KeyHash`.
///
/// ```
/// use std::collections::HashMap;
/// use cache_key::{KeyHasher, hash_serialize};
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Query { table: String, limits: HashMap<String, u32> }
///
/// let key = |q: &Query| {
///     let mut h = KeyHasher::new();
///     hash_serialize(q, &mut h).unwrap();
///     h.finish()
/// };
/// let a = Query { table: "t".into(), limits: [("a".into(), 1), ("b".into(), 2)].into() };
/// let b = Query { table: "t".into(), limits: [("b".into(), 2), ("a".into(), 1)].into() };
/// assert_eq!(key(&a), key(&b)); // maps are order-independent
/// ```
pub fn hash_serialize<T: Serialize + ?Sized>(
    value: &T,
    h: &mut KeyHasher,
) -> Result<(), SerdeHashError> {
    value.serialize(HashSer { h })
}

/// The serializer: a borrowed hasher. It is `Copy`-like (a reborrow per call) so compound
/// states can hand out fresh serializers for their elements.
struct HashSer<'a> {
    h: &'a mut KeyHasher,
}

type R = Result<(), SerdeHashError>;

impl<'a> Serializer for HashSer<'a> {
    type Ok = ();
    type Error = SerdeHashError;
    type SerializeSeq = SeqState<'a>;
    type SerializeTuple = HashSer<'a>;
    type SerializeTupleStruct = HashSer<'a>;
    type SerializeTupleVariant = HashSer<'a>;
    type SerializeMap = MapState<'a>;
    type SerializeStruct = HashSer<'a>;
    type SerializeStructVariant = HashSer<'a>;

    fn is_human_readable(&self) -> bool {
        // Compact forms are cheaper to hash and just as deterministic.
        false
    }

    fn serialize_bool(self, v: bool) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> R {
        self.h.write_tag(tag::F32);
        self.h.write(&canon_f32(v).to_le_bytes());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> R {
        self.h.write_tag(tag::F64);
        self.h.write(&canon_f64(v).to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> R {
        v.key_hash(self.h);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        self.h.write_tag(tag::BYTES);
        self.h.write_bytes(v);
        Ok(())
    }
    fn serialize_none(self) -> R {
        self.h.write_tag(tag::NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        self.h.write_tag(tag::SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.h.write_tag(tag::UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, name: &'static str) -> R {
        self.h.__unit_struct(name);
        Ok(())
    }
    fn serialize_unit_variant(self, name: &'static str, index: u32, variant: &'static str) -> R {
        self.h.__unit_variant(name, index, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> R {
        self.h.__newtype_struct(name);
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        self.h.__newtype_variant(name, index, variant);
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqState<'a>, SerdeHashError> {
        match len {
            Some(n) => {
                self.h.write_tag(tag::SEQ);
                self.h.write_len(n);
            }
            None => self.h.write_tag(tag::SEQ_UNKNOWN_LEN),
        }
        Ok(SeqState {
            h: self.h,
            count: 0,
            len_known: len.is_some(),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<HashSer<'a>, SerdeHashError> {
        self.h.write_tag(tag::TUPLE);
        self.h.write_len(len);
        Ok(self)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<HashSer<'a>, SerdeHashError> {
        self.h.__tuple_struct(name, len);
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<HashSer<'a>, SerdeHashError> {
        self.h.__tuple_variant(name, index, variant, len);
        Ok(self)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapState<'a>, SerdeHashError> {
        Ok(MapState {
            h: self.h,
            sum: 0,
            count: 0,
            entry: None,
        })
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<HashSer<'a>, SerdeHashError> {
        self.h.__struct(name, len);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<HashSer<'a>, SerdeHashError> {
        self.h.__struct_variant(name, index, variant, len);
        Ok(self)
    }
}

/// A sequence in progress; counts elements for the unknown-length form.
struct SeqState<'a> {
    h: &'a mut KeyHasher,
    count: usize,
    len_known: bool,
}

impl SerializeSeq for SeqState<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.count += 1;
        value.serialize(HashSer { h: self.h })
    }
    fn end(self) -> R {
        if !self.len_known {
            self.h.write_len(self.count);
        }
        Ok(())
    }
}

impl SerializeTuple for HashSer<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(HashSer { h: self.h })
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl SerializeTupleStruct for HashSer<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(HashSer { h: self.h })
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl SerializeTupleVariant for HashSer<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(HashSer { h: self.h })
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl SerializeStruct for HashSer<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.h.__field(key);
        value.serialize(HashSer { h: self.h })
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl SerializeStructVariant for HashSer<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.h.__field(key);
        value.serialize(HashSer { h: self.h })
    }
    fn end(self) -> R {
        Ok(())
    }
}

/// A map in progress: the running wrapping sum of entry digests, and the entry being built.
struct MapState<'a> {
    h: &'a mut KeyHasher,
    sum: u128,
    count: usize,
    entry: Option<KeyHasher>,
}

impl SerializeMap for MapState<'_> {
    type Ok = ();
    type Error = SerdeHashError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        let mut sub = KeyHasher::new();
        key.serialize(HashSer { h: &mut sub })?;
        self.entry = Some(sub);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        let Some(mut sub) = self.entry.take() else {
            return Err(ser::Error::custom(
                "serialize_value called before serialize_key",
            ));
        };
        value.serialize(HashSer { h: &mut sub })?;
        self.sum = self.sum.wrapping_add(sub.finish().0);
        self.count += 1;
        Ok(())
    }
    fn end(self) -> R {
        if self.entry.is_some() {
            return Err(ser::Error::custom("map key without a value"));
        }
        self.h.write_tag(tag::MAP_UNORDERED);
        self.h.write_len(self.count);
        self.h.write(&self.sum.to_le_bytes());
        Ok(())
    }
}
