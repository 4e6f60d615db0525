//! The named elementwise methods of [`Tensor`] (torch's names).

use super::elementwise::{Binary, Operand, Unary, binary, cast, clamp, masked_fill, unary, where_};
use crate::Result;
use crate::tensor::dtype::DType;
use crate::tensor::tensor::Tensor;

/// Which formula [`Tensor::gelu`] uses (torch's `approximate` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GeluApproximate {
    /// The exact `x * Phi(x)` with the error function (`approximate='none'`).
    #[default]
    None,
    /// The tanh approximation (`approximate='tanh'`).
    Tanh,
}

macro_rules! binary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident),* $(,)?) => {
        $($(#[$doc])*
        pub fn $name<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
            binary(Operand::Tensor(self), other.into(), Binary::$op)
        })*
    };
}

macro_rules! unary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident),* $(,)?) => {
        $($(#[$doc])*
        pub fn $name(&self) -> Result<Tensor> {
            unary(self, Unary::$op)
        })*
    };
}

#[allow(clippy::should_implement_trait)]
impl Tensor {
    binary_methods! {
        /// `self + other`, broadcast (torch's `add`).
        add => Add,
        /// `self - other`, broadcast.
        sub => Sub,
        /// `self * other`, broadcast.
        mul => Mul,
        /// `self / other`, broadcast, always true division (integers give `float32`).
        div => Div,
        /// `self` to the power `other`, broadcast.
        pow => Pow,
        /// The larger of each pair (NaN if either is NaN).
        maximum => Maximum,
        /// The smaller of each pair (NaN if either is NaN).
        minimum => Minimum,
        /// `self == other` as a bool mask.
        eq => Eq,
        /// `self != other` as a bool mask.
        ne => Ne,
        /// `self < other` as a bool mask.
        lt => Lt,
        /// `self <= other` as a bool mask.
        le => Le,
        /// `self > other` as a bool mask.
        gt => Gt,
        /// `self >= other` as a bool mask.
        ge => Ge,
        /// Both non-zero, as a bool mask.
        logical_and => LogicalAnd,
        /// Either non-zero, as a bool mask.
        logical_or => LogicalOr,
        /// Exactly one non-zero, as a bool mask.
        logical_xor => LogicalXor,
    }

    /// `other - self` (for a number on the left: `2.0 - t`).
    pub fn rsub<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
        binary(other.into(), Operand::Tensor(self), Binary::Sub)
    }

    /// `other / self`.
    pub fn rdiv<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
        binary(other.into(), Operand::Tensor(self), Binary::Div)
    }

    /// `other` to the power `self` (torch's `pow(scalar, tensor)`).
    pub fn rpow<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
        binary(other.into(), Operand::Tensor(self), Binary::Pow)
    }

    unary_methods! {
        /// `-self`.
        neg => Neg,
        /// `|self|`.
        abs => Abs,
        /// `e^self` (integers give `float32`, as do all the float functions below).
        exp => Exp,
        /// The natural logarithm (NaN below 0, `-inf` at 0).
        log => Log,
        /// The square root (NaN below 0).
        sqrt => Sqrt,
        /// `1 / sqrt(self)`.
        rsqrt => Rsqrt,
        /// The sine.
        sin => Sin,
        /// The cosine.
        cos => Cos,
        /// The hyperbolic tangent.
        tanh => Tanh,
        /// `1 / (1 + e^-self)`.
        sigmoid => Sigmoid,
        /// `max(self, 0)` (NaN stays NaN).
        relu => Relu,
        /// `self * sigmoid(self)`.
        silu => Silu,
        /// Rounded down.
        floor => Floor,
        /// Rounded up.
        ceil => Ceil,
        /// Rounded to the nearest integer, halves to even (as torch).
        round => Round,
        /// Zero, as a bool mask.
        logical_not => LogicalNot,
    }

    /// The Gaussian error linear unit, exact or with the tanh approximation.
    pub fn gelu(&self, approximate: GeluApproximate) -> Result<Tensor> {
        match approximate {
            GeluApproximate::None => unary(self, Unary::GeluErf),
            GeluApproximate::Tanh => unary(self, Unary::GeluTanh),
        }
    }

    /// `self` limited to `[min, max]` (bounds broadcast like any operand).
    pub fn clamp<'a, 'b>(
        &self,
        min: impl Into<Operand<'a>>,
        max: impl Into<Operand<'b>>,
    ) -> Result<Tensor> {
        clamp(self, min.into(), max.into())
    }

    /// `self` limited to at least `min`.
    pub fn clamp_min<'a>(&self, min: impl Into<Operand<'a>>) -> Result<Tensor> {
        binary(Operand::Tensor(self), min.into(), Binary::Maximum)
    }

    /// `self` limited to at most `max`.
    pub fn clamp_max<'a>(&self, max: impl Into<Operand<'a>>) -> Result<Tensor> {
        binary(Operand::Tensor(self), max.into(), Binary::Minimum)
    }

    /// `self` where `condition` (a bool tensor) holds, else `other`, all broadcast (torch's
    /// `self.where(condition, other)`, i.e. `torch.where(condition, self, other)`).
    pub fn where_<'a>(&self, condition: &Tensor, other: impl Into<Operand<'a>>) -> Result<Tensor> {
        where_(condition, Operand::Tensor(self), other.into())
    }

    /// `value` (a number or a 0-dim tensor) where `mask` (a bool tensor) holds, else `self`.
    pub fn masked_fill<'a>(&self, mask: &Tensor, value: impl Into<Operand<'a>>) -> Result<Tensor> {
        masked_fill(self, mask, value.into())
    }

    /// The elements converted to `dtype` (itself when it already has it): floats to integers truncate
    /// toward zero (wrapping to 8 bits for `U8`/`I8`), anything to `Bool` is `!= 0`.
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        cast(self, dtype)
    }
}

/// torch's `where(condition, input, other)`: `input` where `condition` holds, else `other`; either may
/// be a number.
pub fn where_cond<'a, 'b>(
    condition: &Tensor,
    input: impl Into<Operand<'a>>,
    other: impl Into<Operand<'b>>,
) -> Result<Tensor> {
    where_(condition, input.into(), other.into())
}
