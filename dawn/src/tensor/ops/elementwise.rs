//! Elementwise ops with numpy broadcasting on every operand and torch's type promotion: binary
//! arithmetic and comparisons, `where_`, `masked_fill`, `clamp`, casts, and the unary math functions.

use super::launch::{MapCall, MapInput, map};
use crate::Result;
use crate::tensor::device::same_device;
use crate::tensor::dtype::{ComputeType, DType, Scalar, result_type};
use crate::tensor::engine::codegen::map::MapOp;
use crate::tensor::error;
use crate::tensor::shape::{Dims, broadcast_shapes};
use crate::tensor::tensor::Tensor;

/// An operand of an elementwise op: a tensor or a Rust number (`&t`, `2.0`, `3`, `true`).
#[derive(Clone, Copy, Debug)]
pub enum Operand<'a> {
    /// A tensor (broadcast against the others).
    Tensor(&'a Tensor),
    /// A number (a "wrapped number" in torch's promotion).
    Scalar(Scalar),
}

impl<'a> From<&'a Tensor> for Operand<'a> {
    fn from(t: &'a Tensor) -> Self {
        Operand::Tensor(t)
    }
}

impl From<Scalar> for Operand<'_> {
    fn from(s: Scalar) -> Self {
        Operand::Scalar(s)
    }
}

macro_rules! operand_from_number {
    ($($t:ty),*) => {
        $(impl From<$t> for Operand<'_> {
            fn from(v: $t) -> Self {
                Operand::Scalar(Scalar::from(v))
            }
        })*
    };
}

operand_from_number!(
    f32, f64, i8, i16, i32, i64, isize, u8, u16, u32, usize, bool
);

/// The binary elementwise ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
}

impl Binary {
    fn map_op(self) -> MapOp {
        use Binary::*;
        match self {
            Add => MapOp::Add,
            Sub => MapOp::Sub,
            Mul => MapOp::Mul,
            Div => MapOp::Div,
            Pow => MapOp::Pow,
            Maximum => MapOp::Maximum,
            Minimum => MapOp::Minimum,
            Eq => MapOp::Eq,
            Ne => MapOp::Ne,
            Lt => MapOp::Lt,
            Le => MapOp::Le,
            Gt => MapOp::Gt,
            Ge => MapOp::Ge,
            LogicalAnd => MapOp::LogicalAnd,
            LogicalOr => MapOp::LogicalOr,
            LogicalXor => MapOp::LogicalXor,
        }
    }

    fn name(self) -> &'static str {
        use Binary::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Pow => "pow",
            Maximum => "maximum",
            Minimum => "minimum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            LogicalAnd => "logical_and",
            LogicalOr => "logical_or",
            LogicalXor => "logical_xor",
        }
    }
}

/// The dtypes of the tensor operands by torch's promotion tiers, and the scalars.
fn promote(operands: &[Operand<'_>]) -> Result<DType> {
    let (mut dims, mut zero, mut scalars) = (Vec::new(), Vec::new(), Vec::new());
    for op in operands {
        match op {
            Operand::Tensor(t) if t.rank() == 0 => zero.push(t.dtype()),
            Operand::Tensor(t) => dims.push(t.dtype()),
            Operand::Scalar(s) => scalars.push(*s),
        }
    }
    result_type(&dims, &zero, &scalars)
}

/// The first tensor operand, after checking that all tensors share its device.
fn first_tensor<'a>(operands: &[Operand<'a>]) -> Result<&'a Tensor> {
    let mut first: Option<&Tensor> = None;
    for op in operands {
        if let Operand::Tensor(t) = op {
            match first {
                None => first = Some(t),
                Some(f) => same_device(f.device(), t.device())?,
            }
        }
    }
    first.ok_or_else(error::no_tensor_operand)
}

/// The broadcast shape of the tensor operands.
fn broadcast(operands: &[Operand<'_>]) -> Result<Dims> {
    let mut shape = Dims::default();
    for op in operands {
        if let Operand::Tensor(t) = op {
            shape = broadcast_shapes(&shape, t.shape())?;
        }
    }
    Ok(shape)
}

/// Runs `op` over `operands` broadcast together, each converted to `params[k]`.
fn run(
    operands: &[Operand<'_>],
    op: MapOp,
    params: [ComputeType; 3],
    result: ComputeType,
    out: DType,
) -> Result<Tensor> {
    let device = first_tensor(operands)?.device().clone();
    let shape = broadcast(operands)?;
    let expanded: Vec<Option<Tensor>> = operands
        .iter()
        .map(|op| match op {
            Operand::Tensor(t) => t.broadcast_to(&shape).map(Some),
            Operand::Scalar(_) => Ok(None),
        })
        .collect::<Result<_>>()?;
    let inputs: Vec<MapInput<'_>> = operands
        .iter()
        .zip(&expanded)
        .enumerate()
        .map(|(k, (op, t))| match (op, t) {
            (_, Some(t)) => MapInput::Tensor(t),
            (Operand::Scalar(s), None) => MapInput::Scalar(s.bits_for_compute(params[k])),
            (Operand::Tensor(_), None) => unreachable!("tensors are expanded"),
        })
        .collect();
    let call = MapCall {
        op,
        params,
        result,
        out,
    };
    map(&device, &call, &inputs, &shape)
}

/// A binary op on two operands (at least one a tensor).
pub(crate) fn binary(a: Operand<'_>, b: Operand<'_>, op: Binary) -> Result<Tensor> {
    use Binary::*;
    let operands = [a, b];
    first_tensor(&operands)?;
    let promoted = promote(&operands)?;
    let ty = ComputeType::of(promoted);
    let bools = [ComputeType::Bool; 3];
    let (params, result, out) = match op {
        Sub if promoted == DType::Bool => {
            let both = matches!((a, b), (Operand::Tensor(_), Operand::Tensor(_)));
            return Err(if both {
                error::bool_sub()
            } else {
                error::bool_sub_scalar()
            });
        }
        Pow if promoted == DType::Bool => return Err(error::unsupported_dtype("pow", promoted)),
        Div => {
            let out = if promoted.is_floating_point() {
                promoted
            } else {
                DType::F32
            };
            ([ComputeType::F32; 3], ComputeType::F32, out)
        }
        Eq | Ne | Lt | Le | Gt | Ge => ([ty; 3], ComputeType::Bool, DType::Bool),
        LogicalAnd | LogicalOr | LogicalXor => (bools, ComputeType::Bool, DType::Bool),
        _ => ([ty; 3], ty, promoted),
    };
    if op == Pow
        && !promoted.is_floating_point()
        && matches!(b, Operand::Scalar(s) if s.to_i64() < 0)
    {
        return Err(error::negative_int_power());
    }
    let map_op = op.map_op();
    debug_assert!(map_op.supports(params[0]), "{} on {params:?}", op.name());
    run(&operands, map_op, params, result, out)
}

/// The unary elementwise ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unary {
    Neg,
    Abs,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    GeluTanh,
    GeluErf,
    Silu,
    Floor,
    Ceil,
    Round,
    LogicalNot,
}

impl Unary {
    fn map_op(self) -> MapOp {
        use Unary::*;
        match self {
            Neg => MapOp::Neg,
            Abs => MapOp::Abs,
            Exp => MapOp::Exp,
            Log => MapOp::Log,
            Sqrt => MapOp::Sqrt,
            Rsqrt => MapOp::Rsqrt,
            Sin => MapOp::Sin,
            Cos => MapOp::Cos,
            Tanh => MapOp::Tanh,
            Sigmoid => MapOp::Sigmoid,
            Relu => MapOp::Relu,
            GeluTanh => MapOp::GeluTanh,
            GeluErf => MapOp::GeluErf,
            Silu => MapOp::Silu,
            Floor => MapOp::Floor,
            Ceil => MapOp::Ceil,
            Round => MapOp::Round,
            LogicalNot => MapOp::LogicalNot,
        }
    }

    fn name(self) -> &'static str {
        use Unary::*;
        match self {
            Neg => "neg",
            Abs => "abs",
            Exp => "exp",
            Log => "log",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Sin => "sin",
            Cos => "cos",
            Tanh => "tanh",
            Sigmoid => "sigmoid",
            Relu => "relu",
            GeluTanh => "gelu",
            GeluErf => "gelu",
            Silu => "silu",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            LogicalNot => "logical_not",
        }
    }
}

pub(crate) fn unary(x: &Tensor, op: Unary) -> Result<Tensor> {
    use Unary::*;
    let dtype = x.dtype();
    let ty = ComputeType::of(dtype);
    let (param, out) = match op {
        LogicalNot => (ComputeType::Bool, DType::Bool),
        Neg if dtype == DType::Bool => return Err(error::bool_neg()),
        Neg | Abs | Relu | Floor | Ceil | Round if dtype == DType::Bool => {
            return Err(error::unsupported_dtype(op.name(), dtype));
        }
        Neg | Abs | Relu | Floor | Ceil | Round => (ty, dtype),
        _ if dtype.is_floating_point() => (ComputeType::F32, dtype),
        _ => (ComputeType::F32, DType::F32),
    };
    run(&[Operand::Tensor(x)], op.map_op(), [param; 3], param, out)
}

/// `dtype`'s elements from `x` (torch's `to(dtype)`): floats to integers truncate toward zero (and wrap
/// to the width of 1-byte types), anything to bool is `!= 0`.
pub(crate) fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if dtype == x.dtype() {
        return Ok(x.clone());
    }
    let ty = ComputeType::of(x.dtype());
    run(&[Operand::Tensor(x)], MapOp::Identity, [ty; 3], ty, dtype)
}

/// `input` where `condition` holds, else `other` (torch's `where`).
pub(crate) fn where_(condition: &Tensor, input: Operand<'_>, other: Operand<'_>) -> Result<Tensor> {
    if condition.dtype() != DType::Bool {
        return Err(error::where_condition(condition.dtype()));
    }
    let operands = [Operand::Tensor(condition), input, other];
    first_tensor(&operands)?;
    let promoted = promote(&[input, other])?;
    let ty = ComputeType::of(promoted);
    run(
        &operands,
        MapOp::Where,
        [ComputeType::Bool, ty, ty],
        ty,
        promoted,
    )
}

/// `value` where `mask` holds, else `x`, in `x`'s dtype (torch's `masked_fill`).
pub(crate) fn masked_fill(x: &Tensor, mask: &Tensor, value: Operand<'_>) -> Result<Tensor> {
    if mask.dtype() != DType::Bool {
        return Err(error::masked_fill_mask(mask.dtype()));
    }
    if let Operand::Tensor(v) = value
        && v.rank() != 0
    {
        return Err(error::masked_fill_value(v.rank()));
    }
    // The value converts to `x`'s type inside the kernel, like every input.
    let ty = ComputeType::of(x.dtype());
    run(
        &[Operand::Tensor(mask), value, Operand::Tensor(x)],
        MapOp::Where,
        [ComputeType::Bool, ty, ty],
        ty,
        x.dtype(),
    )
}

/// `x` limited to `[min, max]` (torch's `clamp` with both bounds; a NaN stays NaN).
pub(crate) fn clamp(x: &Tensor, min: Operand<'_>, max: Operand<'_>) -> Result<Tensor> {
    let operands = [Operand::Tensor(x), min, max];
    let promoted = promote(&operands)?;
    if promoted == DType::Bool {
        return Err(error::unsupported_dtype("clamp", promoted));
    }
    let ty = ComputeType::of(promoted);
    run(&operands, MapOp::Clamp, [ty; 3], ty, promoted)
}
