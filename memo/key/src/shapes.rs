//! The framing of user-defined types (structs and enum variants), shared by the serde
//! serializer and the code `#[derive(CacheKey)]` generates, so both write one encoding:
//!
//! * structs: a tag for the shape (unit, newtype, tuple, named fields), the type name, the
//!   field count (tuple and named shapes), then each field, a named field preceded by its name;
//! * enum variants: a tag for the variant's shape, the enum name, the variant's index *and*
//!   name (the index alone would let a reordering of the variants keep old keys for the wrong
//!   variants), the field count (tuple and struct variants), then the fields as for structs.
//!
//! The methods are public for the derive's generated code only, hence hidden.

use crate::KeyHasher;
use crate::std_impls::tag;

impl KeyHasher {
    /// A unit struct `Name`.
    #[doc(hidden)]
    #[inline]
    pub fn __unit_struct(&mut self, name: &str) {
        self.write_tag(tag::UNIT_STRUCT);
        self.write_str(name);
    }

    /// A newtype struct `Name(field)`; the field follows.
    #[doc(hidden)]
    #[inline]
    pub fn __newtype_struct(&mut self, name: &str) {
        self.write_tag(tag::NEWTYPE_STRUCT);
        self.write_str(name);
    }

    /// A tuple struct `Name(a, b, ..)` of `len` fields; the fields follow.
    #[doc(hidden)]
    #[inline]
    pub fn __tuple_struct(&mut self, name: &str, len: usize) {
        self.write_tag(tag::TUPLE_STRUCT);
        self.write_str(name);
        self.write_len(len);
    }

    /// A struct `Name { .. }` of `len` named fields; each follows as [`Self::__field`] and its
    /// value.
    #[doc(hidden)]
    #[inline]
    pub fn __struct(&mut self, name: &str, len: usize) {
        self.write_tag(tag::STRUCT);
        self.write_str(name);
        self.write_len(len);
    }

    /// The name of the named field whose value follows.
    #[doc(hidden)]
    #[inline]
    pub fn __field(&mut self, name: &str) {
        self.write_str(name);
    }

    fn variant(&mut self, t: u8, name: &str, index: u32, variant: &str) {
        self.write_tag(t);
        self.write_str(name);
        self.write(&index.to_le_bytes());
        self.write_str(variant);
    }

    /// The unit variant `Enum::Variant`, the `index`-th of its enum.
    #[doc(hidden)]
    #[inline]
    pub fn __unit_variant(&mut self, name: &str, index: u32, variant: &str) {
        self.variant(tag::UNIT_VARIANT, name, index, variant);
    }

    /// The newtype variant `Enum::Variant(field)`; the field follows.
    #[doc(hidden)]
    #[inline]
    pub fn __newtype_variant(&mut self, name: &str, index: u32, variant: &str) {
        self.variant(tag::NEWTYPE_VARIANT, name, index, variant);
    }

    /// The tuple variant `Enum::Variant(a, b, ..)` of `len` fields; the fields follow.
    #[doc(hidden)]
    #[inline]
    pub fn __tuple_variant(&mut self, name: &str, index: u32, variant: &str, len: usize) {
        self.variant(tag::TUPLE_VARIANT, name, index, variant);
        self.write_len(len);
    }

    /// The struct variant `Enum::Variant { .. }` of `len` named fields; they follow as for
    /// [`Self::__struct`].
    #[doc(hidden)]
    #[inline]
    pub fn __struct_variant(&mut self, name: &str, index: u32, variant: &str, len: usize) {
        self.variant(tag::STRUCT_VARIANT, name, index, variant);
        self.write_len(len);
    }
}
