//! Element types, host element conversions, scalars and torch's type promotion.

use super::error;
use crate::Result;
use std::fmt;

/// The element type of a [`Tensor`](super::Tensor), named as torch names it.
///
/// In WGSL every tensor is an array of `u32` words: 1-byte types are packed four to a word and `F16`
/// two to a word (`F16` is computed in `f32`, so it works without the adapter's `ShaderF16` feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `torch.bool`, one byte per element (0 or 1).
    Bool,
    /// `torch.uint8`.
    U8,
    /// `torch.int8`.
    I8,
    /// `torch.int32`.
    I32,
    /// `torch.uint32`.
    U32,
    /// `torch.float16` (IEEE half), stored only: arithmetic runs in `f32`.
    F16,
    /// `torch.float32`, the default dtype.
    F32,
}

/// Every dtype, in declaration order.
pub const ALL_DTYPES: [DType; 7] = [
    DType::Bool,
    DType::U8,
    DType::I8,
    DType::I32,
    DType::U32,
    DType::F16,
    DType::F32,
];

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::F16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
        }
    }

    /// Whether it is a floating-point type.
    pub fn is_floating_point(self) -> bool {
        matches!(self, DType::F16 | DType::F32)
    }

    /// torch's name, as printed in a tensor's `dtype=` suffix (`torch.int32`).
    pub fn torch_name(self) -> &'static str {
        match self {
            DType::Bool => "torch.bool",
            DType::U8 => "torch.uint8",
            DType::I8 => "torch.int8",
            DType::I32 => "torch.int32",
            DType::U32 => "torch.uint32",
            DType::F16 => "torch.float16",
            DType::F32 => "torch.float32",
        }
    }

    /// The C++ scalar type name torch's messages use (`Float`, `Int`, ...).
    pub(crate) fn scalar_name(self) -> &'static str {
        match self {
            DType::Bool => "Bool",
            DType::U8 => "Byte",
            DType::I8 => "Char",
            DType::I32 => "Int",
            DType::U32 => "UInt32",
            DType::F16 => "Half",
            DType::F32 => "Float",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.torch_name())
    }
}

/// torch's `promote_types` for two tensor dtypes. Where torch would widen to a type this crate lacks
/// (`int16`, `int64`), the next type that holds both is used (`uint8` with `int8` gives `int32`), and
/// `uint32` with a signed type, which needs `int64`, is an error.
pub fn promote_types(a: DType, b: DType) -> Result<DType> {
    use DType::*;
    if a == b {
        return Ok(a);
    }
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    Ok(match (lo, hi) {
        (_, F32) => F32,
        (_, F16) => F16,
        (Bool, other) => other,
        (U8, I8) | (U8, I32) | (I8, I32) => I32,
        (U8, U32) => U32,
        (I8, U32) | (I32, U32) => return Err(error::promotion_needs_int64(a, b)),
        _ => unreachable!("every pair of distinct dtypes is listed"),
    })
}

/// torch's `result_type` over the operands of one op: tensors with dimensions first, then 0-dim
/// tensors, then Rust scalars; a lower tier only changes the result when it is of a higher category
/// (an `int8` tensor plus `300` stays `int8`; plus `2.5` it becomes `float32`).
pub(crate) fn result_type(
    dimensioned: &[DType],
    zero_dim: &[DType],
    scalars: &[Scalar],
) -> Result<DType> {
    let fold = |types: &mut dyn Iterator<Item = DType>| -> Result<Option<DType>> {
        let mut acc: Option<DType> = None;
        for t in types {
            acc = Some(match acc {
                None => t,
                Some(a) => promote_types(a, t)?,
            });
        }
        Ok(acc)
    };
    let dims = fold(&mut dimensioned.iter().copied())?;
    let zeros = fold(&mut zero_dim.iter().copied())?;
    let wrapped = fold(&mut scalars.iter().map(|s| s.default_dtype()))?;
    let lower = combine_categories(zeros, wrapped)?;
    combine_categories(dims, lower)?.ok_or_else(error::no_tensor_operand)
}

/// torch's `combine_categories`: the higher tier wins unless the lower one is of a higher category.
fn combine_categories(higher: Option<DType>, lower: Option<DType>) -> Result<Option<DType>> {
    let (Some(h), Some(l)) = (higher, lower) else {
        return Ok(higher.or(lower));
    };
    if h.is_floating_point() {
        return Ok(Some(h));
    }
    if h == DType::Bool || l.is_floating_point() {
        return promote_types(h, l).map(Some);
    }
    Ok(Some(h))
}

/// A Rust number used as an operand (`&t + 2.0`, `t.maximum(0)`): a bool, an integer or a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
}

impl Scalar {
    /// The dtype torch gives a number of this kind alone (`int64` is `int32` here).
    pub(crate) fn default_dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::I32,
            Scalar::Float(_) => DType::F32,
        }
    }

    /// The value as `f64`.
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(x) => x,
        }
    }

    /// The value as `i64` (floats truncated toward zero, as a cast to an integer dtype does).
    pub fn to_i64(self) -> i64 {
        match self {
            Scalar::Bool(b) => b as i64,
            Scalar::Int(i) => i,
            Scalar::Float(x) => x as i64,
        }
    }

    /// The value's bits as the WGSL compute type of `dtype` (see [`ComputeType`]).
    pub(crate) fn bits_for(self, dtype: DType) -> u32 {
        self.bits_for_compute(ComputeType::of(dtype))
    }

    /// The value's bits as a value of compute type `ty` (floats truncate toward zero for integers).
    pub(crate) fn bits_for_compute(self, ty: ComputeType) -> u32 {
        match ty {
            ComputeType::F32 => (self.to_f64() as f32).to_bits(),
            ComputeType::I32 | ComputeType::U32 => self.to_i64() as u32,
            ComputeType::Bool => (self.to_f64() != 0.0) as u32,
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $variant:ident as $as:ty),* $(,)?) => {
        $(impl From<$t> for Scalar {
            fn from(v: $t) -> Self {
                Scalar::$variant(v as $as)
            }
        })*
    };
}

scalar_from! {
    f32 => Float as f64, f64 => Float as f64,
    i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64, isize => Int as i64,
    u8 => Int as i64, u16 => Int as i64, u32 => Int as i64, usize => Int as i64,
}

impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

/// The WGSL type a dtype's values are computed in once loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ComputeType {
    F32,
    I32,
    U32,
    Bool,
}

impl ComputeType {
    pub(crate) fn of(dtype: DType) -> ComputeType {
        match dtype {
            DType::F16 | DType::F32 => ComputeType::F32,
            DType::I8 | DType::I32 => ComputeType::I32,
            DType::U8 | DType::U32 => ComputeType::U32,
            DType::Bool => ComputeType::Bool,
        }
    }

    pub(crate) fn wgsl(self) -> &'static str {
        match self {
            ComputeType::F32 => "f32",
            ComputeType::I32 => "i32",
            ComputeType::U32 => "u32",
            ComputeType::Bool => "bool",
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that tensors can be built from and read back as: `f32`, `i32`, `u32`, `u8`, `i8`, `bool`.
/// (`F16` tensors go through [`Tensor::from_bytes`](super::Tensor::from_bytes) or
/// [`to_dtype`](super::Tensor::to_dtype).)
pub trait Element: Copy + Send + Sync + fmt::Debug + 'static + sealed::Sealed {
    /// The dtype of a tensor of this type.
    const DTYPE: DType;
    /// Appends the little-endian bytes of `values` to `out`.
    fn extend_bytes(values: &[Self], out: &mut Vec<u8>);
    /// Reads values from little-endian bytes (a whole number of elements).
    fn from_bytes(bytes: &[u8]) -> Vec<Self>;
}

macro_rules! element {
    ($($t:ty => $dtype:ident),* $(,)?) => {
        $(impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$dtype;
            fn extend_bytes(values: &[Self], out: &mut Vec<u8>) {
                for v in values {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            fn from_bytes(bytes: &[u8]) -> Vec<Self> {
                bytes
                    .chunks_exact(std::mem::size_of::<$t>())
                    .map(|c| <$t>::from_le_bytes(c.try_into().expect("chunk of one element")))
                    .collect()
            }
        })*
    };
}

element! { f32 => F32, i32 => I32, u32 => U32, u8 => U8, i8 => I8 }

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn extend_bytes(values: &[Self], out: &mut Vec<u8>) {
        out.extend(values.iter().map(|&b| b as u8));
    }
    fn from_bytes(bytes: &[u8]) -> Vec<Self> {
        bytes.iter().map(|&b| b != 0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn promotion_follows_torch() {
        assert_eq!(promote_types(Bool, U8).unwrap(), U8);
        assert_eq!(promote_types(U8, I8).unwrap(), I32);
        assert_eq!(promote_types(I32, F16).unwrap(), F16);
        assert_eq!(promote_types(F16, F32).unwrap(), F32);
        assert_eq!(promote_types(U8, U32).unwrap(), U32);
        assert_eq!(promote_types(Bool, Bool).unwrap(), Bool);
        let e = promote_types(U32, I32).unwrap_err();
        assert!(e.message().contains("torch.int64"), "{e}");
        for a in ALL_DTYPES {
            for b in ALL_DTYPES {
                assert_eq!(promote_types(a, b).ok(), promote_types(b, a).ok());
            }
        }
    }

    #[test]
    fn scalars_promote_only_across_categories() {
        let int = Scalar::Int(300);
        let float = Scalar::Float(2.5);
        assert_eq!(result_type(&[I8], &[], &[int]).unwrap(), I8);
        assert_eq!(result_type(&[I8], &[], &[float]).unwrap(), F32);
        assert_eq!(result_type(&[F16], &[], &[float]).unwrap(), F16);
        assert_eq!(result_type(&[Bool], &[], &[int]).unwrap(), I32);
        assert_eq!(
            result_type(&[Bool], &[], &[Scalar::Bool(true)]).unwrap(),
            Bool
        );
        // A 0-dim tensor acts like a scalar against a dimensioned one...
        assert_eq!(result_type(&[I8], &[I32], &[]).unwrap(), I8);
        assert_eq!(result_type(&[I32], &[F16], &[]).unwrap(), F16);
        // ...and like a tensor against a scalar.
        assert_eq!(result_type(&[], &[U8], &[int]).unwrap(), U8);
        assert_eq!(result_type(&[], &[U8], &[float]).unwrap(), F32);
    }

    #[test]
    fn elements_round_trip_bytes() {
        let mut bytes = Vec::new();
        i8::extend_bytes(&[-1, 5], &mut bytes);
        assert_eq!(bytes, [255, 5]);
        assert_eq!(i8::from_bytes(&bytes), [-1, 5]);
        let mut bytes = Vec::new();
        bool::extend_bytes(&[true, false], &mut bytes);
        assert_eq!(bool::from_bytes(&bytes), [true, false]);
        let mut bytes = Vec::new();
        f32::extend_bytes(&[1.5], &mut bytes);
        assert_eq!(f32::from_bytes(&bytes), [1.5]);
    }
}
