//! Elementwise ("map") kernels: one output element from up to three inputs (tensors read through their
//! strides, or scalars from the info block), for every unary, binary and ternary op and for copies and
//! casts.
//!
//! Two modes. In the vector mode (every tensor input's innermost stride 1 or 0, sizes and offsets in
//! fours) an invocation makes four consecutive outputs from 16-byte loads. Otherwise an invocation makes
//! the elements of one output word (one element of a 4-byte dtype, two of `F16`, four of a 1-byte
//! dtype), so that no two invocations write the same word.

use super::{
    ENTRY, LINEAR_INDEX, SlotType, convert, convert_for_store, decompose, header, index_expr, info,
    info_value, load_fn, load_name, load4_fn, load4_name, store_bits, word,
};
use crate::tensor::dtype::{ComputeType, DType};
use std::fmt::Write;

/// What an elementwise kernel computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum MapOp {
    /// Copies (and casts) its input.
    Identity,
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
    /// `select(x2, x1, x0)`: the condition first.
    Where,
    /// `min(max(x0, x1), x2)`.
    Clamp,
}

impl MapOp {
    pub(crate) fn arity(self) -> usize {
        use MapOp::*;
        match self {
            Where | Clamp => 3,
            Add | Sub | Mul | Div | Pow | Maximum | Minimum | Eq | Ne | Lt | Le | Gt | Ge
            | LogicalAnd | LogicalOr | LogicalXor => 2,
            _ => 1,
        }
    }

    /// The WGSL expression over `x0..x2` (already of the op's parameter types; `ty` the type of the
    /// compared or computed values), or `None` when the op is not defined for `ty`.
    fn expr(self, ty: ComputeType) -> Option<&'static str> {
        use ComputeType::{Bool, F32, I32, U32};
        use MapOp::*;
        Some(match (self, ty) {
            (Identity, _) => "x0",
            (Neg, F32 | I32) => "-x0",
            (Neg, U32) => "0u - x0",
            (Abs, F32 | I32) => "abs(x0)",
            (Abs, U32) => "x0",
            (Exp, F32) => "exp(x0)",
            (Log, F32) => "log_(x0)",
            (Sqrt, F32) => "sqrt_(x0)",
            (Rsqrt, F32) => "rsqrt_(x0)",
            (Sin, F32) => "sin(x0)",
            (Cos, F32) => "cos(x0)",
            (Tanh, F32) => "tanh_(x0)",
            (Sigmoid, F32) => "sigmoid_(x0)",
            // NVIDIA's compiler turns a compare-and-select into fmax, which drops NaN: test the bits.
            (Relu, F32) => "select(max(x0, 0.0), x0, is_nan(x0))",
            (Relu, I32) => "max(x0, 0i)",
            (Relu, U32) => "x0",
            (GeluTanh, F32) => {
                "0.5 * x0 * (1.0 + tanh_(0.7978845608028654 * (x0 + 0.044715 * x0 * x0 * x0)))"
            }
            (GeluErf, F32) => "0.5 * x0 * (1.0 + erf_(x0 * 0.7071067811865476))",
            (Silu, F32) => "x0 / (1.0 + exp(-x0))",
            (Floor, F32) => "floor(x0)",
            (Ceil, F32) => "ceil(x0)",
            (Round, F32) => "round(x0)",
            (Floor | Ceil | Round, I32 | U32) => "x0",
            (LogicalNot, Bool) => "!x0",
            (Add, F32 | I32 | U32) => "x0 + x1",
            (Add | Maximum, Bool) => "x0 || x1",
            (Sub, F32 | I32 | U32) => "x0 - x1",
            (Mul, F32 | I32 | U32) => "x0 * x1",
            (Mul | Minimum, Bool) => "x0 && x1",
            (Div, F32) => "x0 / x1",
            (Pow, F32) => "pow_f32(x0, x1)",
            (Pow, I32) => "pow_i32(x0, x1)",
            (Pow, U32) => "pow_u32(x0, x1)",
            (Maximum, F32) => "max_nan(x0, x1)",
            (Minimum, F32) => "min_nan(x0, x1)",
            (Maximum, I32 | U32) => "max(x0, x1)",
            (Minimum, I32 | U32) => "min(x0, x1)",
            (Eq, _) => "x0 == x1",
            // Negated equality, so that NaN != x holds whatever ordered/unordered `!=` the driver picks.
            (Ne, F32) => "!(x0 == x1)",
            (Ne, _) => "x0 != x1",
            (Lt, Bool) => "u32(x0) < u32(x1)",
            (Le, Bool) => "u32(x0) <= u32(x1)",
            (Gt, Bool) => "u32(x0) > u32(x1)",
            (Ge, Bool) => "u32(x0) >= u32(x1)",
            (Lt, _) => "x0 < x1",
            (Le, _) => "x0 <= x1",
            (Gt, _) => "x0 > x1",
            (Ge, _) => "x0 >= x1",
            (LogicalAnd, Bool) => "x0 && x1",
            (LogicalOr, Bool) => "x0 || x1",
            (LogicalXor, Bool) => "x0 != x1",
            (Where, _) => "select(x2, x1, x0)",
            (Clamp, F32) => "min_nan(max_nan(x0, x1), x2)",
            (Clamp, I32 | U32) => "min(max(x0, x1), x2)",
            (Clamp, Bool) => "(x0 || x1) && x2",
            _ => return None,
        })
    }

    /// Whether the op is defined on values of compute type `ty`.
    pub(crate) fn supports(self, ty: ComputeType) -> bool {
        self.expr(ty).is_some()
    }
}

/// How a tensor input is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Access {
    /// Scalar mode: one element at a time through all strides.
    Strided,
    /// Vector mode, innermost stride 1: four consecutive elements at once.
    Contiguous,
    /// Vector mode, innermost stride 0: one element for all four lanes.
    Broadcast,
}

/// One input of an elementwise kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Input {
    Tensor {
        dtype: DType,
        slot: u8,
        access: Access,
    },
    /// A value in the info block, already of the op's parameter type.
    Scalar,
}

/// Everything that makes one elementwise pipeline (shapes, strides and offsets are data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct MapSpec {
    pub op: MapOp,
    /// The first `op.arity()` are used.
    pub inputs: [Input; 3],
    /// The type each input is converted to before the op.
    pub params: [ComputeType; 3],
    /// The type the op's expression has.
    pub result: ComputeType,
    pub out: DType,
    pub out_slot: u8,
    /// Dims of the (coalesced, padded) iteration shape.
    pub rank: u8,
    /// The vector mode (see the module docs).
    pub vec: bool,
}

/// Info words: `[n, items, out_offset, shape[rank], then per input: offset, strides[rank] | value]`.
const N: usize = 0;
const ITEMS: usize = 1;
const OUT_OFFSET: usize = 2;
const SHAPE: usize = 3;

impl MapSpec {
    fn arity(&self) -> usize {
        self.op.arity()
    }

    /// The type the op's expression is chosen by: its values' type (for `Where`, not the condition's).
    fn op_type(&self) -> ComputeType {
        match self.op {
            MapOp::Where => self.params[1],
            _ => self.params[0],
        }
    }

    /// Where input `k`'s words start in the info block.
    fn input_at(&self, k: usize) -> usize {
        let rank = self.rank as usize;
        SHAPE
            + rank
            + self.inputs[..k]
                .iter()
                .map(|i| match i {
                    Input::Tensor { .. } => 1 + rank,
                    Input::Scalar => 1,
                })
                .sum::<usize>()
    }

    /// Output elements per invocation.
    pub(crate) fn per_item(&self) -> usize {
        if self.vec { 4 } else { 4 / self.out.size() }
    }

    pub(crate) fn slot_types(&self) -> Vec<SlotType> {
        let mut slots = Vec::new();
        let mut mark = |slot: u8, vec4: bool| {
            let slot = slot as usize;
            if slots.len() <= slot {
                slots.resize(slot + 1, Some(SlotType::Vec4));
            }
            if !vec4 {
                slots[slot] = Some(SlotType::Words);
            }
        };
        for input in &self.inputs[..self.arity()] {
            if let Input::Tensor {
                dtype,
                slot,
                access,
            } = *input
            {
                mark(slot, access == Access::Contiguous && dtype.size() == 4);
            }
        }
        mark(self.out_slot, self.vec && self.out.size() == 4);
        slots
            .into_iter()
            .map(|s| s.unwrap_or(SlotType::Words))
            .collect()
    }

    /// The info block for one dispatch. `inputs[k]` is `(offset, strides)` of a tensor input or the
    /// value bits of a scalar one; `shape` is the iteration shape as the kernel counts it (its last
    /// entry in fours in the vector mode).
    pub(crate) fn info(
        &self,
        n: usize,
        items: usize,
        out_offset: usize,
        shape: &[usize],
        inputs: &[MapArg],
    ) -> Vec<u32> {
        let mut words = vec![n as u32, items as u32, out_offset as u32];
        words.extend(shape.iter().map(|&d| d as u32));
        for arg in inputs {
            match arg {
                MapArg::Tensor { offset, strides } => {
                    words.push(*offset as u32);
                    words.extend(strides.iter().map(|&s| s as u32));
                }
                MapArg::Scalar(bits) => words.push(*bits),
            }
        }
        words
    }

    pub(crate) fn wgsl(&self) -> String {
        let slots = self.slot_types();
        let mut out = header(&slots);
        let arity = self.arity();
        // Loaders for each (slot, dtype) read.
        let mut loaders = Vec::new();
        for input in &self.inputs[..arity] {
            if let Input::Tensor {
                dtype,
                slot,
                access,
            } = *input
            {
                let s = slot as usize;
                let f = match access {
                    Access::Contiguous => load4_fn(s, slots[s], dtype),
                    _ => load_fn(s, slots[s], dtype),
                };
                if !loaders.contains(&f) {
                    loaders.push(f);
                }
            }
        }
        for f in loaders {
            out.push_str(&f);
        }
        // The op.
        let params: Vec<String> = (0..arity)
            .map(|k| format!("x{k}: {}", self.params[k].wgsl()))
            .collect();
        let expr = self
            .op
            .expr(self.op_type())
            .expect("ops are checked against their types before codegen");
        writeln!(
            out,
            "fn op({}) -> {} {{\n    return {expr};\n}}",
            params.join(", "),
            self.result.wgsl()
        )
        .unwrap();
        out.push_str(ENTRY);
        out.push_str(LINEAR_INDEX);
        writeln!(
            out,
            "    if (t >= {}) {{\n        return;\n    }}",
            info(ITEMS)
        )
        .unwrap();
        if self.vec {
            self.vector_body(&mut out, &slots);
        } else {
            self.scalar_body(&mut out, &slots);
        }
        out.push_str("}\n");
        out
    }

    /// The value of input `k` (or lane `lane` of it in the vector mode) converted to its parameter type.
    fn input_value(&self, k: usize, lane: Option<usize>) -> String {
        let param = self.params[k];
        match self.inputs[k] {
            Input::Scalar => info_value(param, self.input_at(k)),
            Input::Tensor { dtype, access, .. } => {
                let from = ComputeType::of(dtype);
                let raw = match (access, lane) {
                    (Access::Contiguous, Some(j)) => format!("x{k}[{j}]"),
                    _ => format!("x{k}"),
                };
                convert(&raw, from, param)
            }
        }
    }

    fn load_inputs(&self, out: &mut String, inner_scale: u32) {
        let rank = self.rank as usize;
        for k in 0..self.arity() {
            if let Input::Tensor {
                dtype,
                slot,
                access,
            } = self.inputs[k]
            {
                let at = self.input_at(k);
                let index = index_expr(rank, at, at + 1, inner_scale);
                let loader = match access {
                    Access::Contiguous => load4_name(slot as usize, dtype),
                    _ => load_name(slot as usize, dtype),
                };
                writeln!(out, "    let x{k} = {loader}({index});").unwrap();
            }
        }
    }

    fn call(&self, lane: Option<usize>) -> String {
        let args: Vec<String> = (0..self.arity())
            .map(|k| self.input_value(k, lane))
            .collect();
        let value = format!("op({})", args.join(", "));
        store_bits(&convert_for_store(&value, self.result, self.out), self.out)
    }

    fn scalar_body(&self, out: &mut String, slots: &[SlotType]) {
        let per = self.per_item();
        let bits = 32 / per;
        writeln!(out, "    let n = {};\n    var bits = 0u;", info(N)).unwrap();
        writeln!(out, "    for (var g = 0u; g < {per}u; g++) {{").unwrap();
        writeln!(
            out,
            "    let e = t * {per}u + g;\n    if (e >= n) {{\n        break;\n    }}"
        )
        .unwrap();
        out.push_str(&decompose("e", self.rank as usize, SHAPE));
        self.load_inputs(out, 1);
        if per == 1 {
            writeln!(out, "    bits = {};", self.call(None)).unwrap();
        } else {
            writeln!(
                out,
                "    bits = bits | ({} << (g * {bits}u));",
                self.call(None)
            )
            .unwrap();
        }
        out.push_str("    }\n");
        let base = out_word_base(self.out);
        let slot = self.out_slot as usize;
        writeln!(
            out,
            "    {} = bits;",
            word(slot, slots[slot], &format!("{base} + t"))
        )
        .unwrap();
    }

    fn vector_body(&self, out: &mut String, slots: &[SlotType]) {
        out.push_str(&decompose("t", self.rank as usize, SHAPE));
        self.load_inputs(out, 4);
        for j in 0..4 {
            writeln!(out, "    let r{j} = {};", self.call(Some(j))).unwrap();
        }
        let slot = self.out_slot as usize;
        let base = out_word_base(self.out);
        match self.out.size() {
            4 if slots[slot] == SlotType::Vec4 => {
                writeln!(
                    out,
                    "    s{slot}[({base} >> 2u) + t] = vec4<u32>(r0, r1, r2, r3);"
                )
                .unwrap();
            }
            4 => {
                for j in 0..4 {
                    let w = word(slot, slots[slot], &format!("{base} + t * 4u + {j}u"));
                    writeln!(out, "    {w} = r{j};").unwrap();
                }
            }
            2 => {
                for j in 0..2 {
                    let w = word(slot, slots[slot], &format!("{base} + t * 2u + {j}u"));
                    writeln!(out, "    {w} = r{} | (r{} << 16u);", 2 * j, 2 * j + 1).unwrap();
                }
            }
            _ => {
                let w = word(slot, slots[slot], &format!("{base} + t"));
                writeln!(
                    out,
                    "    {w} = r0 | (r1 << 8u) | (r2 << 16u) | (r3 << 24u);"
                )
                .unwrap();
            }
        }
    }
}

/// The word index of the output's first element (its element offset is a multiple of 4).
fn out_word_base(dtype: DType) -> String {
    match dtype.size() {
        1 => format!("({} >> 2u)", info(OUT_OFFSET)),
        2 => format!("({} >> 1u)", info(OUT_OFFSET)),
        _ => info(OUT_OFFSET),
    }
}

/// One input's data in the info block.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MapArg<'a> {
    Tensor { offset: usize, strides: &'a [usize] },
    Scalar(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(vec: bool) -> MapSpec {
        let access = if vec {
            Access::Contiguous
        } else {
            Access::Strided
        };
        MapSpec {
            op: MapOp::Add,
            inputs: [
                Input::Tensor {
                    dtype: DType::F32,
                    slot: 0,
                    access,
                },
                Input::Scalar,
                Input::Scalar,
            ],
            params: [ComputeType::F32; 3],
            result: ComputeType::F32,
            out: DType::F32,
            out_slot: 1,
            rank: 2,
            vec,
        }
    }

    #[test]
    fn info_layout() {
        let spec = add(false);
        assert_eq!(spec.input_at(0), 5);
        assert_eq!(spec.input_at(1), 8);
        let words = spec.info(
            6,
            6,
            64,
            &[2, 3],
            &[
                MapArg::Tensor {
                    offset: 7,
                    strides: &[1, 2],
                },
                MapArg::Scalar(9),
            ],
        );
        assert_eq!(words, [6, 6, 64, 2, 3, 7, 1, 2, 9]);
    }

    #[test]
    fn slots_pick_vec4_only_for_wide_vector_access() {
        assert_eq!(add(true).slot_types(), [SlotType::Vec4, SlotType::Vec4]);
        assert_eq!(add(false).slot_types(), [SlotType::Words, SlotType::Words]);
        let mut shared = add(true);
        shared.out_slot = 0;
        shared.out = DType::Bool;
        assert_eq!(shared.slot_types(), [SlotType::Words]);
    }

    #[test]
    fn generated_code_reads_and_writes() {
        let code = add(true).wgsl();
        assert!(code.contains("fn op(x0: f32, x1: f32) -> f32"), "{code}");
        assert!(code.contains("let x0 = ld4_0_f32("), "{code}");
        assert!(code.contains("vec4<u32>(r0, r1, r2, r3)"), "{code}");
        let code = add(false).wgsl();
        assert!(code.contains("let x0 = ld_0_f32("), "{code}");
    }
}
