//! Creation kernels: a contiguous output filled from its element index (constants, ranges, identity
//! matrices, counter-based random numbers). Each invocation writes four consecutive elements.

use super::{
    ENTRY, LINEAR_INDEX, SlotType, convert_for_store, header, info, info_value, store_bits, word,
};
use crate::tensor::dtype::{ComputeType, DType};
use std::fmt::Write;

/// What a fill kernel writes at element `e`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FillOp {
    /// `p0` (bits of the output's compute type).
    Constant,
    /// `p0 + e * p1` (`f32` bits for float outputs, `i32` bits otherwise).
    Arange,
    /// torch's `linspace`: `p0 + e * p2` below element `p3`, `p1 - (n - 1 - e) * p2` from it (`f32`).
    Linspace,
    /// 1 where `e / p0 == e % p0` (`p0` columns), else 0.
    Eye,
    /// Uniform in `[0, 1)` from Philox 4x32-10 with key `(p0, p1)` and counter `(e / 4 + (p2, p3))`.
    Uniform,
    /// Standard normal from the same stream (Box-Muller on pairs of uniforms).
    Normal,
}

/// Everything that makes one fill pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FillSpec {
    pub op: FillOp,
    pub out: DType,
}

/// Info words: `[n, items, out_offset, p0, p1, p2, p3]`.
const N: usize = 0;
const ITEMS: usize = 1;
const OUT_OFFSET: usize = 2;
const P: usize = 3;

impl FillSpec {
    /// The type values are computed in before the cast to the output.
    fn value_type(&self) -> ComputeType {
        match self.op {
            FillOp::Constant => ComputeType::of(self.out),
            FillOp::Arange if !self.out.is_floating_point() => ComputeType::I32,
            _ => ComputeType::F32,
        }
    }

    pub(crate) fn slot_types(&self) -> Vec<SlotType> {
        vec![if self.out.size() == 4 {
            SlotType::Vec4
        } else {
            SlotType::Words
        }]
    }

    pub(crate) fn info(&self, n: usize, out_offset: usize, params: [u32; 4]) -> Vec<u32> {
        let mut words = vec![n as u32, n.div_ceil(4) as u32, out_offset as u32];
        words.extend(params);
        words
    }

    /// The value of element `e{j}` (a `u32` expression named `e{j}` in the generated code).
    fn value(&self, j: usize) -> String {
        let e = format!("e{j}");
        let p = |k: usize| info(P + k);
        let f = |k: usize| info_value(ComputeType::F32, P + k);
        match self.op {
            FillOp::Constant => info_value(self.value_type(), P),
            FillOp::Arange if self.value_type() == ComputeType::I32 => {
                format!("bitcast<i32>({}) + i32({e}) * bitcast<i32>({})", p(0), p(1))
            }
            FillOp::Arange => format!("{} + f32({e}) * {}", f(0), f(1)),
            FillOp::Linspace => format!(
                "select({} - {} * f32({} - 1u - {e}), {} + {} * f32({e}), {e} < {})",
                f(1),
                f(2),
                info(N),
                f(0),
                f(2),
                p(3)
            ),
            FillOp::Eye => format!("select(0.0, 1.0, {e} / {} == {e} % {})", p(0), p(0)),
            FillOp::Uniform => format!("f32(random[{j}] >> 8u) * 5.9604644775390625e-8"),
            FillOp::Normal => format!("normal[{j}]"),
        }
    }

    pub(crate) fn wgsl(&self) -> String {
        let slots = self.slot_types();
        let mut out = header(&slots);
        out.push_str(ENTRY);
        out.push_str(LINEAR_INDEX);
        writeln!(
            out,
            "    if (t >= {}) {{\n        return;\n    }}",
            info(ITEMS)
        )
        .unwrap();
        for j in 0..4 {
            writeln!(out, "    let e{j} = t * 4u + {j}u;").unwrap();
        }
        if matches!(self.op, FillOp::Uniform | FillOp::Normal) {
            // The 64-bit counter: this group's index plus the generator's offset, with the carry.
            writeln!(
                out,
                "    let lo = t + {};\n    let hi = {} + select(0u, 1u, lo < t);\n    \
                 let random = philox(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>({}, {}));",
                info(P + 2),
                info(P + 3),
                info(P),
                info(P + 1)
            )
            .unwrap();
        }
        if self.op == FillOp::Normal {
            out.push_str(
                "    let u1 = (f32(random.x >> 8u) + 1.0) * 5.9604644775390625e-8;\n    \
                 let u2 = f32(random.y >> 8u) * 5.9604644775390625e-8;\n    \
                 let u3 = (f32(random.z >> 8u) + 1.0) * 5.9604644775390625e-8;\n    \
                 let u4 = f32(random.w >> 8u) * 5.9604644775390625e-8;\n    \
                 let radius1 = sqrt(-2.0 * log(u1));\n    let radius2 = sqrt(-2.0 * log(u3));\n    \
                 let normal = vec4<f32>(radius1 * cos(6.283185307179586 * u2), radius1 * sin(6.283185307179586 * u2), \
                 radius2 * cos(6.283185307179586 * u4), radius2 * sin(6.283185307179586 * u4));\n",
            );
        }
        let from = self.value_type();
        for j in 0..4 {
            let value = convert_for_store(&self.value(j), from, self.out);
            writeln!(out, "    let r{j} = {};", store_bits(&value, self.out)).unwrap();
        }
        let base = info(OUT_OFFSET);
        match self.out.size() {
            4 => writeln!(
                out,
                "    s0[({base} >> 2u) + t] = vec4<u32>(r0, r1, r2, r3);"
            )
            .unwrap(),
            2 => {
                for j in 0..2 {
                    let w = word(0, slots[0], &format!("({base} >> 1u) + t * 2u + {j}u"));
                    writeln!(out, "    {w} = r{} | (r{} << 16u);", 2 * j, 2 * j + 1).unwrap();
                }
            }
            _ => {
                let w = word(0, slots[0], &format!("({base} >> 2u) + t"));
                writeln!(
                    out,
                    "    {w} = r0 | (r1 << 8u) | (r2 << 16u) | (r3 << 24u);"
                )
                .unwrap();
            }
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_by_dtype() {
        let code = FillSpec {
            op: FillOp::Arange,
            out: DType::I32,
        }
        .wgsl();
        assert!(
            code.contains("bitcast<i32>(w(3u)) + i32(e0) * bitcast<i32>(w(4u))"),
            "{code}"
        );
        let code = FillSpec {
            op: FillOp::Normal,
            out: DType::F16,
        }
        .wgsl();
        assert!(
            code.contains("philox(") && code.contains("f32_to_f16(normal[1])"),
            "{code}"
        );
        let spec = FillSpec {
            op: FillOp::Constant,
            out: DType::U8,
        };
        assert_eq!(spec.info(5, 64, [7, 0, 0, 0]), [5, 2, 64, 7, 0, 0, 0]);
    }
}
