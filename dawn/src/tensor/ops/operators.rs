//! `+ - * /` and unary `-` on tensors, with numbers on either side. Each returns `Result<Tensor>`;
//! a `Result<Tensor>` on the left chains (`(&a + &b) * &c`), a number on the right or left works
//! (`&t * 2.0`, `1.0 - &t`).

use super::elementwise::{Binary, Operand, binary};
use crate::Result;
use crate::tensor::tensor::Tensor;
use std::ops::{Add, Div, Mul, Neg, Sub};

macro_rules! tensor_operators {
    ($($trait:ident $method:ident $op:ident),* $(,)?) => {
        $(
            impl<'b, R: Into<Operand<'b>>> $trait<R> for &Tensor {
                type Output = Result<Tensor>;
                fn $method(self, rhs: R) -> Result<Tensor> {
                    binary(Operand::Tensor(self), rhs.into(), Binary::$op)
                }
            }

            impl<'b, R: Into<Operand<'b>>> $trait<R> for Tensor {
                type Output = Result<Tensor>;
                fn $method(self, rhs: R) -> Result<Tensor> {
                    binary(Operand::Tensor(&self), rhs.into(), Binary::$op)
                }
            }

            impl $trait<&Tensor> for Result<Tensor> {
                type Output = Result<Tensor>;
                fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                    binary(Operand::Tensor(&self?), Operand::Tensor(rhs), Binary::$op)
                }
            }

            impl $trait<Tensor> for Result<Tensor> {
                type Output = Result<Tensor>;
                fn $method(self, rhs: Tensor) -> Result<Tensor> {
                    binary(Operand::Tensor(&self?), Operand::Tensor(&rhs), Binary::$op)
                }
            }
        )*
    };
}

tensor_operators! {
    Add add Add,
    Sub sub Sub,
    Mul mul Mul,
    Div div Div,
}

/// Numbers on the left: `2.0 * &t`, `1 - t`. Only `f32` and `i32`, so that a literal on the left has one
/// type to be (with more, `2.0 - &t` would need a suffix).
macro_rules! number_left {
    ($($number:ty),*) => {
        $(
            number_left!(@one $number, Add add Add);
            number_left!(@one $number, Sub sub Sub);
            number_left!(@one $number, Mul mul Mul);
            number_left!(@one $number, Div div Div);
        )*
    };
    (@one $number:ty, $trait:ident $method:ident $op:ident) => {
        impl $trait<&Tensor> for $number {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                binary(Operand::from(self), Operand::Tensor(rhs), Binary::$op)
            }
        }

        impl $trait<Tensor> for $number {
            type Output = Result<Tensor>;
            fn $method(self, rhs: Tensor) -> Result<Tensor> {
                binary(Operand::from(self), Operand::Tensor(&rhs), Binary::$op)
            }
        }
    };
}

number_left!(f32, i32);

impl Neg for &Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        Tensor::neg(self)
    }
}

impl Neg for Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        Tensor::neg(&self)
    }
}
