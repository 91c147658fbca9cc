//! `ShapeOf::<T>::SHAPE`: the [`Shape`] of a field's type as a constant the
//! derive's static schema can hold, resolved by the compiler rather than read
//! from the type's spelling (a `type Port = u16;` field is an integer).
//!
//! The same construction as [`IsSecret`](crate::secret::IsSecret): the
//! inherent constant (bounded by `T: HasShape`) is chosen when it applies, else
//! the fallback trait's [`Shape::Other`]. Used by generated code only.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::marker::PhantomData;
use std::num::{
    NonZeroI128, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI8, NonZeroIsize, NonZeroU128,
    NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU8, NonZeroUsize,
};
use std::path::PathBuf;

use secrecy::SecretBox;

use crate::schema::Shape;

/// A type whose [`Shape`] awsconf knows. Used by generated code only.
#[doc(hidden)]
pub trait HasShape {
    /// The type's shape.
    const SHAPE: Shape;
}

macro_rules! shapes {
    ($shape:ident: $($t:ty),* $(,)?) => {
        $(impl HasShape for $t { const SHAPE: Shape = Shape::$shape; })*
    };
}

shapes!(Bool: bool);
shapes!(Integer: u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);
shapes!(Integer: NonZeroU8, NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU128, NonZeroUsize);
shapes!(Integer: NonZeroI8, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI128, NonZeroIsize);
shapes!(Float: f32, f64);
shapes!(Char: char);
shapes!(Text: String, PathBuf, Box<str>, SecretBox<str>);

impl<T> HasShape for Vec<T> {
    const SHAPE: Shape = Shape::List;
}
impl<T> HasShape for VecDeque<T> {
    const SHAPE: Shape = Shape::List;
}
impl<T> HasShape for BTreeSet<T> {
    const SHAPE: Shape = Shape::List;
}
impl<T, S> HasShape for HashSet<T, S> {
    const SHAPE: Shape = Shape::List;
}
/// A `SecretSlice` holds a secret's text as bytes.
impl<T> HasShape for SecretBox<[T]>
where
    [T]: secrecy::zeroize::Zeroize,
{
    const SHAPE: Shape = Shape::Text;
}
impl<K, V> HasShape for BTreeMap<K, V> {
    const SHAPE: Shape = Shape::Map;
}
impl<K, V, S> HasShape for HashMap<K, V, S> {
    const SHAPE: Shape = Shape::Map;
}
impl<T: HasShape> HasShape for Option<T> {
    const SHAPE: Shape = T::SHAPE;
}

/// `ShapeOf::<T>::SHAPE`: `T`'s [`Shape`], or [`Shape::Other`]. Used by
/// generated code only.
#[doc(hidden)]
pub struct ShapeOf<T: ?Sized>(PhantomData<fn() -> *const T>);

/// The fallback of [`ShapeOf`]: [`Shape::Other`]. Used by generated code only.
#[doc(hidden)]
pub trait NoShape {
    /// A type awsconf does not know.
    const SHAPE: Shape = Shape::Other;
}

impl<T: ?Sized> NoShape for ShapeOf<T> {}

impl<T: HasShape> ShapeOf<T> {
    /// The type's shape.
    pub const SHAPE: Shape = T::SHAPE;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SecretSlice, SecretString};

    type Port = u16;

    #[allow(dead_code)]
    struct Mine;

    #[test]
    fn the_compiler_resolves_the_shape() {
        assert_eq!(ShapeOf::<Port>::SHAPE, Shape::Integer);
        assert_eq!(ShapeOf::<std::primitive::bool>::SHAPE, Shape::Bool);
        assert_eq!(ShapeOf::<f64>::SHAPE, Shape::Float);
        assert_eq!(ShapeOf::<char>::SHAPE, Shape::Char);
        assert_eq!(ShapeOf::<NonZeroU32>::SHAPE, Shape::Integer);
        assert_eq!(ShapeOf::<SecretString>::SHAPE, Shape::Text);
        assert_eq!(ShapeOf::<std::path::PathBuf>::SHAPE, Shape::Text);
        assert_eq!(ShapeOf::<SecretSlice<u8>>::SHAPE, Shape::Text);
        assert_eq!(ShapeOf::<Vec<Mine>>::SHAPE, Shape::List);
        assert_eq!(ShapeOf::<HashMap<String, Mine>>::SHAPE, Shape::Map);
        assert_eq!(ShapeOf::<Option<i64>>::SHAPE, Shape::Integer);
        assert_eq!(ShapeOf::<Mine>::SHAPE, Shape::Other);
        assert_eq!(ShapeOf::<std::time::Duration>::SHAPE, Shape::Other);
    }
}
