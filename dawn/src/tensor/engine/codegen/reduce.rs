//! Reduction kernels. A reduction folds, for each output element `o`, the `R` input elements of its
//! reduced dims into a state (a sum, a running max and its index, Welford's count/mean/M2, a
//! log-sum-exp pair), combines states, and finishes them into values.
//!
//! The input's reduced dims (coalesced) are walked by a flat index `r`, which is also the index
//! `argmax` reports. Each output's range of `r` may be cut into chunks; a chunked pass writes one state
//! per (output, chunk) into a scratch buffer, and a second pass, reading states, finishes them.
//!
//! - **Workgroup** strategy: a workgroup per (output, chunk); its 256 invocations stride through the
//!   chunk (four elements per load when the reduced dim is contiguous) and combine their states in
//!   workgroup memory. For reductions over contiguous runs (rows) and for few outputs.
//! - **Lane** strategy: an invocation per (output, chunk), walking the chunk alone; neighbouring
//!   invocations read neighbouring elements when a kept dim is contiguous (column sums).
//!
//! Final values are written as 4-byte words (the accumulator's type); the caller casts to narrower
//! dtypes with a map kernel.

use super::{
    ENTRY, LINEAR_INDEX, SlotType, convert, decompose, header, info, load_fn, load_name, load4_fn,
    load4_name, word,
};
use crate::tensor::dtype::{ComputeType, DType};
use std::fmt::Write;

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ReduceOp {
    Sum,
    Prod,
    Mean,
    Max,
    Min,
    ArgMax,
    ArgMin,
    /// The max and its index (`max(dim)`).
    MaxWithIndex,
    MinWithIndex,
    Var,
    Std,
    LogSumExp,
}

impl ReduceOp {
    /// Whether the state carries an index.
    pub(super) fn indexed(self) -> bool {
        matches!(
            self,
            ReduceOp::ArgMax | ReduceOp::ArgMin | ReduceOp::MaxWithIndex | ReduceOp::MinWithIndex
        )
    }

    /// Whether a final pass writes values (`ArgMax`/`ArgMin` write only indices).
    pub(crate) fn writes_values(self) -> bool {
        !matches!(self, ReduceOp::ArgMax | ReduceOp::ArgMin)
    }

    /// Whether a final pass writes indices.
    pub(crate) fn writes_indices(self) -> bool {
        self.indexed()
    }

    pub(super) fn is_max(self) -> bool {
        matches!(
            self,
            ReduceOp::Max | ReduceOp::ArgMax | ReduceOp::MaxWithIndex
        )
    }

    /// `u32` words of one state.
    pub(crate) fn state_words(self) -> usize {
        match self {
            ReduceOp::Var | ReduceOp::Std => 3,
            ReduceOp::LogSumExp => 2,
            op if op.indexed() => 2,
            _ => 1,
        }
    }
}

/// Where the values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ReduceInput {
    /// Elements of a tensor; `vec`: four at a time (one contiguous reduced dim, sizes and offsets in fours).
    Values { dtype: DType, slot: u8, vec: bool },
    /// States written by a chunked pass (`R` per output, contiguous).
    States { slot: u8 },
}

/// How invocations share the work (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Strategy {
    Workgroup,
    Lane,
}

/// What a pass writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ReduceOutput {
    /// Finished values and/or indices (as the op writes them).
    Final { value_slot: u8, index_slot: u8 },
    /// One state per (output, chunk).
    Partial { slot: u8 },
}

/// Everything that makes one reduction pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ReduceSpec {
    pub op: ReduceOp,
    /// The accumulator's type.
    pub acc: ComputeType,
    pub input: ReduceInput,
    pub strategy: Strategy,
    pub output: ReduceOutput,
    /// Dims of the (coalesced, padded) reduced walk; the kept dims are walked by a loop over their
    /// count in the info block (once per output, so it costs nothing and saves pipelines).
    pub reduce_rank: u8,
}

/// Info words: `[outputs, chunks, chunk_len, R, count, correction, in_offset, value_offset,
/// index_offset, partial_offset, kept rank, reduced shape, reduced strides, kept shape, kept strides]`.
pub(crate) const OUTPUTS: usize = 0;
const CHUNKS: usize = 1;
const CHUNK_LEN: usize = 2;
const EXTENT: usize = 3;
pub(super) const COUNT: usize = 4;
pub(super) const CORRECTION: usize = 5;
const IN_OFFSET: usize = 6;
const VALUE_OFFSET: usize = 7;
const INDEX_OFFSET: usize = 8;
const PARTIAL_OFFSET: usize = 9;
const KEPT_RANK: usize = 10;
const SHAPES: usize = 11;

/// The data of one reduction dispatch, in the order of the info words.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReduceArgs {
    pub outputs: usize,
    pub chunks: usize,
    pub chunk_len: usize,
    pub extent: usize,
    pub count: usize,
    pub correction: f32,
    pub in_offset: usize,
    pub value_offset: usize,
    pub index_offset: usize,
    pub partial_offset: usize,
    pub kept_shape: Vec<usize>,
    pub kept_strides: Vec<usize>,
    pub reduce_shape: Vec<usize>,
    pub reduce_strides: Vec<usize>,
}

impl ReduceArgs {
    pub(crate) fn words(&self) -> Vec<u32> {
        let mut words: Vec<u32> = [
            self.outputs,
            self.chunks,
            self.chunk_len,
            self.extent,
            self.count,
        ]
        .iter()
        .map(|&v| v as u32)
        .collect();
        words.push(self.correction.to_bits());
        words.extend(
            [
                self.in_offset,
                self.value_offset,
                self.index_offset,
                self.partial_offset,
            ]
            .iter()
            .map(|&v| v as u32),
        );
        words.push(self.kept_shape.len() as u32);
        for list in [
            &self.reduce_shape,
            &self.reduce_strides,
            &self.kept_shape,
            &self.kept_strides,
        ] {
            words.extend(list.iter().map(|&v| v as u32));
        }
        words
    }
}

impl ReduceSpec {
    fn reduce_at(&self) -> (usize, usize) {
        (SHAPES, SHAPES + self.reduce_rank as usize)
    }

    /// Where the kept shape starts (its strides follow it).
    fn kept_at(&self) -> usize {
        SHAPES + 2 * self.reduce_rank as usize
    }

    pub(crate) fn slot_types(&self) -> Vec<SlotType> {
        let mut slots: Vec<Option<SlotType>> = Vec::new();
        let mut mark = |slot: u8, ty: SlotType| {
            let slot = slot as usize;
            if slots.len() <= slot {
                slots.resize(slot + 1, None);
            }
            slots[slot] = Some(match (slots[slot], ty) {
                (Some(SlotType::Words), _) | (_, SlotType::Words) => SlotType::Words,
                _ => SlotType::Vec4,
            });
        };
        match self.input {
            ReduceInput::Values { dtype, slot, vec } => mark(
                slot,
                if vec && dtype.size() == 4 {
                    SlotType::Vec4
                } else {
                    SlotType::Words
                },
            ),
            ReduceInput::States { slot } => mark(slot, SlotType::Words),
        }
        match self.output {
            ReduceOutput::Final {
                value_slot,
                index_slot,
            } => {
                if self.op.writes_values() {
                    mark(value_slot, SlotType::Words);
                }
                if self.op.writes_indices() {
                    mark(index_slot, SlotType::Words);
                }
            }
            ReduceOutput::Partial { slot } => mark(slot, SlotType::Words),
        }
        slots
            .into_iter()
            .map(|s| s.unwrap_or(SlotType::Words))
            .collect()
    }

    /// Statements folding the elements `r` (from `r_start`, stepping `step`, below `r1`) into `s`.
    fn fold_loop(&self, out: &mut String, r_start: &str, step: &str) {
        match self.input {
            ReduceInput::States { .. } => {
                writeln!(
                    out,
                    "        for (var r = {r_start}; r < r1; r += {step}) {{\n            \
                     s = combine(s, restore({} + (o * {} + r) * {}u));\n        }}",
                    info(IN_OFFSET),
                    info(EXTENT),
                    self.op.state_words()
                )
                .unwrap();
            }
            ReduceInput::Values { dtype, slot, vec } => {
                let from = ComputeType::of(dtype);
                if vec {
                    writeln!(
                        out,
                        "        for (var r = {r_start}; r < r1; r += {step}) {{\n            \
                         let v = {}(base + r);",
                        load4_name(slot as usize, dtype)
                    )
                    .unwrap();
                    for j in 0..4 {
                        let x = convert(&format!("v[{j}]"), from, self.acc);
                        writeln!(out, "            s = acc(s, {x}, r + {j}u);").unwrap();
                    }
                    out.push_str("        }\n");
                } else {
                    let (shape_at, strides_at) = self.reduce_at();
                    let rank = self.reduce_rank as usize;
                    writeln!(
                        out,
                        "        for (var r = {r_start}; r < r1; r += {step}) {{"
                    )
                    .unwrap();
                    out.push_str(&indent(&decompose("r", rank, shape_at), 2));
                    let mut index = "base".to_string();
                    for d in 0..rank {
                        write!(index, " + c{d} * {}", info(strides_at + d)).unwrap();
                    }
                    let x = convert(
                        &format!("{}({index})", load_name(slot as usize, dtype)),
                        from,
                        self.acc,
                    );
                    writeln!(out, "            s = acc(s, {x}, r);\n        }}").unwrap();
                }
            }
        }
    }

    /// Statements computing `base`, the element index where output `o`'s reduced elements start.
    fn base(&self, out: &mut String) {
        if let ReduceInput::Values { .. } = self.input {
            writeln!(
                out,
                "        {{\n            let rank = {rank};\n            var rem = o;\n            base = {offset};\n            \
                 for (var d = rank; d > 0u; d--) {{\n                let size = w({kept}u + d - 1u);\n                \
                 base += (rem % size) * w({kept}u + rank + d - 1u);\n                rem = rem / size;\n            \
                 }}\n        }}",
                rank = info(KEPT_RANK),
                offset = info(IN_OFFSET),
                kept = self.kept_at(),
            )
            .unwrap();
        }
    }

    /// Statements writing state `s` of output `o` (pair index `g`).
    fn store(&self, out: &mut String, slots: &[SlotType], s: &str) {
        match self.output {
            ReduceOutput::Partial { .. } => {
                writeln!(
                    out,
                    "        save({s}, {} + g * {}u);",
                    info(PARTIAL_OFFSET),
                    self.op.state_words()
                )
                .unwrap();
            }
            ReduceOutput::Final {
                value_slot,
                index_slot,
            } => {
                if self.op.writes_values() {
                    let v = value_slot as usize;
                    let bits = match self.finish_type() {
                        ComputeType::U32 => format!("finish({s})"),
                        _ => format!("bitcast<u32>(finish({s}))"),
                    };
                    let w = word(v, slots[v], &format!("{} + o", info(VALUE_OFFSET)));
                    writeln!(out, "        {w} = {bits};").unwrap();
                }
                if self.op.writes_indices() {
                    let i = index_slot as usize;
                    let w = word(i, slots[i], &format!("{} + o", info(INDEX_OFFSET)));
                    writeln!(out, "        {w} = {s}.i;").unwrap();
                }
            }
        }
    }

    fn finish_type(&self) -> ComputeType {
        finish_type(self.op, self.acc)
    }

    pub(crate) fn wgsl(&self) -> String {
        let slots = self.slot_types();
        let mut out = header(&slots);
        if let ReduceInput::Values { dtype, slot, vec } = self.input {
            let s = slot as usize;
            out.push_str(&if vec {
                load4_fn(s, slots[s], dtype)
            } else {
                load_fn(s, slots[s], dtype)
            });
        }
        out.push_str(&self.state_code(&slots));
        let (outputs, chunks, len, extent) =
            (info(OUTPUTS), info(CHUNKS), info(CHUNK_LEN), info(EXTENT));
        match self.strategy {
            Strategy::Workgroup => {
                out.push_str(
                    "var<workgroup> shared_states: array<S, 256>;\n\
                     @compute @workgroup_size(256)\n\
                     fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, \
                     @builtin(num_workgroups) nwg: vec3u) {\n    let g = wid.x + wid.y * nwg.x;\n    \
                     var s = init();\n",
                );
                writeln!(
                    out,
                    "    let o = g / {chunks};\n    if (g < {outputs} * {chunks}) {{"
                )
                .unwrap();
                writeln!(
                    out,
                    "        let r0 = (g % {chunks}) * {len};\n        let r1 = min(r0 + {len}, {extent});\n        \
                     var base = 0u;"
                )
                .unwrap();
                self.base(&mut out);
                let vec = matches!(self.input, ReduceInput::Values { vec: true, .. });
                if vec {
                    self.fold_loop(&mut out, "r0 + lid * 4u", "1024u");
                } else {
                    self.fold_loop(&mut out, "r0 + lid", "256u");
                }
                out.push_str(
                    "    }\n    shared_states[lid] = s;\n    workgroupBarrier();\n    \
                     for (var k = 128u; k > 0u; k = k >> 1u) {\n        if (lid < k) {\n            \
                     shared_states[lid] = combine(shared_states[lid], shared_states[lid + k]);\n        }\n        \
                     workgroupBarrier();\n    }\n",
                );
                writeln!(out, "    if (lid == 0u && g < {outputs} * {chunks}) {{").unwrap();
                self.store(&mut out, &slots, "shared_states[0]");
                out.push_str("    }\n}\n");
            }
            Strategy::Lane => {
                out.push_str(ENTRY);
                out.push_str(LINEAR_INDEX);
                writeln!(
                    out,
                    "    if (t >= {outputs} * {chunks}) {{\n        return;\n    }}\n    \
                     let o = t % {outputs};\n    let c = t / {outputs};\n    let g = o * {chunks} + c;\n    \
                     var s = init();\n    {{\n        let r0 = c * {len};\n        \
                     let r1 = min(r0 + {len}, {extent});\n        var base = 0u;"
                )
                .unwrap();
                self.base(&mut out);
                self.fold_loop(&mut out, "r0", "1u");
                out.push_str("    }\n    {\n");
                self.store(&mut out, &slots, "s");
                out.push_str("    }\n}\n");
            }
        }
        out
    }
}

/// The type a final pass writes for `op` accumulating in `acc`: `f32` for the float-only ops, else `acc`.
pub(crate) fn finish_type(op: ReduceOp, acc: ComputeType) -> ComputeType {
    match op {
        ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std | ReduceOp::LogSumExp => ComputeType::F32,
        _ => acc,
    }
}

fn indent(code: &str, levels: usize) -> String {
    let pad = "    ".repeat(levels);
    code.lines().map(|l| format!("{pad}{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(op: ReduceOp, strategy: Strategy, vec: bool) -> ReduceSpec {
        ReduceSpec {
            op,
            acc: ComputeType::F32,
            input: ReduceInput::Values {
                dtype: DType::F32,
                slot: 0,
                vec,
            },
            strategy,
            output: ReduceOutput::Final {
                value_slot: 1,
                index_slot: 2,
            },
            reduce_rank: 1,
        }
    }

    #[test]
    fn states_and_slots() {
        assert_eq!(ReduceOp::Var.state_words(), 3);
        assert_eq!(ReduceOp::ArgMax.state_words(), 2);
        let s = spec(ReduceOp::MaxWithIndex, Strategy::Workgroup, true);
        assert_eq!(
            s.slot_types(),
            [SlotType::Vec4, SlotType::Words, SlotType::Words]
        );
        let code = s.wgsl();
        assert!(code.contains("fn better(a: S, b: S) -> bool"), "{code}");
        assert!(code.contains("s = acc(s, v[3], r + 3u);"), "{code}");
        assert!(
            code.contains("s2[w(8u) + o] = shared_states[0].i;"),
            "{code}"
        );
    }

    #[test]
    fn lane_and_partial_passes() {
        let mut s = spec(ReduceOp::Sum, Strategy::Lane, false);
        s.output = ReduceOutput::Partial { slot: 1 };
        let code = s.wgsl();
        assert!(code.contains("save(s, w(9u) + g * 1u);"), "{code}");
        s.input = ReduceInput::States { slot: 1 };
        let code = s.wgsl();
        assert!(code.contains("fn restore(at: u32) -> S"), "{code}");
        let args = ReduceArgs {
            outputs: 2,
            chunks: 1,
            kept_shape: vec![2],
            kept_strides: vec![3],
            reduce_shape: vec![3],
            reduce_strides: vec![1],
            ..Default::default()
        };
        assert_eq!(args.words().len(), 15);
        let code = spec(ReduceOp::Sum, Strategy::Lane, false).wgsl();
        assert!(code.contains("for (var d = rank; d > 0u; d--)"), "{code}");
    }
}
