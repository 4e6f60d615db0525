//! The states reductions fold, as WGSL: a struct `S` and `init`, `acc(s, x, r)`, `combine`, `finish`
//! for each op (a sum, a running max with its index, Welford's count/mean/M2, a log-sum-exp pair), and
//! `save`/`restore` for the scratch words of chunked passes.

use super::reduce::{CORRECTION, COUNT, ReduceInput, ReduceOp, ReduceOutput, ReduceSpec};
use super::{SlotType, info, word};
use crate::tensor::dtype::ComputeType;
use std::fmt::Write;

impl ReduceSpec {
    /// The state struct and its functions: `init`, `acc(s, x, r)`, `combine`, `finish`, `save`, `restore`.
    pub(super) fn state_code(&self, slots: &[SlotType]) -> String {
        use ComputeType::*;
        let t = self.acc.wgsl();
        let (lowest, highest) = match self.acc {
            F32 => ("-inf_f32()".to_string(), "inf_f32()".to_string()),
            I32 => (
                "bitcast<i32>(0x80000000u)".to_string(),
                "2147483647i".to_string(),
            ),
            _ => ("0u".to_string(), "0xffffffffu".to_string()),
        };
        let zero = match self.acc {
            F32 => "0.0",
            I32 => "0i",
            _ => "0u",
        };
        let one = match self.acc {
            F32 => "1.0",
            I32 => "1i",
            _ => "1u",
        };
        let bits = |e: &str| match self.acc {
            U32 => e.to_string(),
            _ => format!("bitcast<u32>({e})"),
        };
        let from_bits = |e: &str| match self.acc {
            U32 => e.to_string(),
            _ => format!("bitcast<{t}>({e})"),
        };
        let mut out = String::new();
        let op = self.op;
        match op {
            ReduceOp::Var | ReduceOp::Std => {
                out.push_str(
                    "struct S { n: u32, mean: f32, m2: f32 }\n\
                     fn init() -> S { return S(0u, 0.0, 0.0); }\n\
                     fn acc(s: S, x: f32, r: u32) -> S {\n    let n = s.n + 1u;\n    let d = x - s.mean;\n    \
                     let mean = s.mean + d / f32(n);\n    return S(n, mean, s.m2 + d * (x - mean));\n}\n\
                     fn combine(a: S, b: S) -> S {\n    if (a.n == 0u) { return b; }\n    if (b.n == 0u) { return a; }\n    \
                     let n = a.n + b.n;\n    let d = b.mean - a.mean;\n    let fb = f32(b.n) / f32(n);\n    \
                     return S(n, a.mean + d * fb, a.m2 + b.m2 + d * d * f32(a.n) * fb);\n}\n",
                );
                let var = format!(
                    "s.m2 / max(f32(s.n) - bitcast<f32>({}), 0.0)",
                    info(CORRECTION)
                );
                let value = if op == ReduceOp::Std {
                    format!("sqrt({var})")
                } else {
                    var
                };
                writeln!(out, "fn finish(s: S) -> f32 {{ return {value}; }}").unwrap();
            }
            ReduceOp::LogSumExp => {
                out.push_str(
                    "struct S { m: f32, s: f32 }\n\
                     fn init() -> S { return S(-inf_f32(), 0.0); }\n\
                     fn combine(a: S, b: S) -> S {\n    if (is_nan(a.m) || is_nan(b.m)) { return S(nan_f32(), 1.0); }\n    \
                     if (a.m == -inf_f32()) { return b; }\n    if (b.m == -inf_f32()) { return a; }\n    let m = max(a.m, b.m);\n    \
                     if (m == inf_f32()) { return S(inf_f32(), 1.0); }\n    return S(m, a.s * exp(a.m - m) + b.s * exp(b.m - m));\n}\n\
                     fn acc(s: S, x: f32, r: u32) -> S { return combine(s, S(x, 1.0)); }\n\
                     fn finish(s: S) -> f32 { return s.m + log_(s.s); }\n",
                );
            }
            _ if op.indexed() => {
                let identity = if op.is_max() { &lowest } else { &highest };
                writeln!(
                    out,
                    "struct S {{ v: {t}, i: u32 }}\nfn init() -> S {{ return S({identity}, 0xffffffffu); }}"
                )
                .unwrap();
                let cmp = if op.is_max() { ">" } else { "<" };
                let nan_rule = if self.acc == F32 {
                    "    if (is_nan(a.v)) { return is_nan(b.v) && b.i < a.i; }\n    if (is_nan(b.v)) { return true; }\n"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "fn better(a: S, b: S) -> bool {{\n{nan_rule}    return b.v {cmp} a.v || (b.v == a.v && b.i < a.i);\n}}\n\
                     fn combine(a: S, b: S) -> S {{\n    if (better(a, b)) {{ return b; }}\n    return a;\n}}\n\
                     fn acc(s: S, x: {t}, r: u32) -> S {{ return combine(s, S(x, r)); }}\n\
                     fn finish(s: S) -> {t} {{ return s.v; }}"
                )
                .unwrap();
            }
            _ => {
                let (identity, fold) = match (op, self.acc) {
                    (ReduceOp::Sum | ReduceOp::Mean, _) => (zero.to_string(), "a + b".to_string()),
                    (ReduceOp::Prod, _) => (one.to_string(), "a * b".to_string()),
                    (ReduceOp::Max, F32) => (lowest.clone(), "max_nan(a, b)".to_string()),
                    (ReduceOp::Min, F32) => (highest.clone(), "min_nan(a, b)".to_string()),
                    (ReduceOp::Max, _) => (lowest.clone(), "max(a, b)".to_string()),
                    (_, _) => (highest.clone(), "min(a, b)".to_string()),
                };
                let value = if op == ReduceOp::Mean {
                    format!("s.v / f32({})", info(COUNT))
                } else {
                    "s.v".to_string()
                };
                writeln!(
                    out,
                    "struct S {{ v: {t} }}\nfn init() -> S {{ return S({identity}); }}\n\
                     fn fold(a: {t}, b: {t}) -> {t} {{ return {fold}; }}\n\
                     fn combine(a: S, b: S) -> S {{ return S(fold(a.v, b.v)); }}\n\
                     fn acc(s: S, x: {t}, r: u32) -> S {{ return S(fold(s.v, x)); }}\n\
                     fn finish(s: S) -> {t} {{ return {value}; }}"
                )
                .unwrap();
            }
        }
        // Saving and restoring states as words of the scratch buffer.
        let fields: Vec<(String, String)> = match op {
            ReduceOp::Var | ReduceOp::Std => vec![
                ("s.n".into(), "x0".into()),
                ("bitcast<u32>(s.mean)".into(), "bitcast<f32>(x1)".into()),
                ("bitcast<u32>(s.m2)".into(), "bitcast<f32>(x2)".into()),
            ],
            ReduceOp::LogSumExp => vec![
                ("bitcast<u32>(s.m)".into(), "bitcast<f32>(x0)".into()),
                ("bitcast<u32>(s.s)".into(), "bitcast<f32>(x1)".into()),
            ],
            _ if op.indexed() => vec![(bits("s.v"), from_bits("x0")), ("s.i".into(), "x1".into())],
            _ => vec![(bits("s.v"), from_bits("x0"))],
        };
        let (save_slot, restore_slot) = self.state_slots();
        if let Some(slot) = save_slot {
            let s = slot as usize;
            writeln!(out, "fn save(s: S, at: u32) {{").unwrap();
            for (k, (field, _)) in fields.iter().enumerate() {
                writeln!(
                    out,
                    "    {} = {field};",
                    word(s, slots[s], &format!("at + {k}u"))
                )
                .unwrap();
            }
            out.push_str("}\n");
        }
        if let Some(slot) = restore_slot {
            let s = slot as usize;
            writeln!(out, "fn restore(at: u32) -> S {{").unwrap();
            for k in 0..fields.len() {
                writeln!(
                    out,
                    "    let x{k} = {};",
                    word(s, slots[s], &format!("at + {k}u"))
                )
                .unwrap();
            }
            let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
            writeln!(out, "    return S({});\n}}", values.join(", ")).unwrap();
        }
        out
    }

    /// The slots states are saved to and restored from, if any.
    fn state_slots(&self) -> (Option<u8>, Option<u8>) {
        let save = match self.output {
            ReduceOutput::Partial { slot } => Some(slot),
            ReduceOutput::Final { .. } => None,
        };
        let restore = match self.input {
            ReduceInput::States { slot } => Some(slot),
            ReduceInput::Values { .. } => None,
        };
        (save, restore)
    }
}
