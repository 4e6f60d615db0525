//! WGSL generation: the pieces every kernel shares (bindings, the per-dispatch info words, typed loads and
//! stores over `u32` word arrays, conversions), and one module per kernel family.
//!
//! Every tensor buffer is bound whole, as `read_write` storage (a buffer bound read-only and writable in
//! one dispatch is a WebGPU error, and several tensors may live in one buffer), and is read and written as
//! `u32` words; element offsets, shapes and strides come from the dispatch's info block (a uniform at a
//! dynamic offset), so one pipeline serves every shape. Operands that live in the same buffer share one
//! binding ("slot"): a pipeline is made per slot pattern, never two bindings of one buffer.

pub(crate) mod fill;
pub(crate) mod map;
pub(crate) mod reduce;
mod reduce_state;

use super::super::dtype::{ComputeType, DType};
use std::fmt::Write;

/// Invocations per workgroup of every kernel.
pub(crate) const WORKGROUP: u32 = 256;
/// `u32` words of one dispatch's info block (256 bytes, the usual uniform offset alignment).
pub(crate) const INFO_WORDS: usize = 64;

const COMMON: &str = include_str!("common.wgsl");

/// How a slot's buffer is declared: plain words, or `vec4<u32>` groups for 16-byte loads and stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SlotType {
    Words,
    Vec4,
}

/// The bindings, the info uniform and the shared helpers.
pub(crate) fn header(slots: &[SlotType]) -> String {
    let mut out = String::new();
    for (k, ty) in slots.iter().enumerate() {
        let element = match ty {
            SlotType::Words => "u32",
            SlotType::Vec4 => "vec4<u32>",
        };
        writeln!(
            out,
            "@group(0) @binding({k}) var<storage, read_write> s{k}: array<{element}>;"
        )
        .unwrap();
    }
    writeln!(
        out,
        "@group(1) @binding(0) var<uniform> info: array<vec4<u32>, {}>;",
        INFO_WORDS / 4
    )
    .unwrap();
    out.push_str(COMMON);
    out
}

/// An expression for word `index` (a `u32` expression) of slot `slot`.
pub(crate) fn word(slot: usize, ty: SlotType, index: &str) -> String {
    match ty {
        SlotType::Words => format!("s{slot}[{index}]"),
        SlotType::Vec4 => format!("s{slot}[({index}) >> 2u][({index}) & 3u]"),
    }
}

/// The name of the helper that loads one element of `dtype` from `slot` (see [`load_fn`]).
pub(crate) fn load_name(slot: usize, dtype: DType) -> String {
    format!("ld_{slot}_{}", dtype_tag(dtype))
}

/// The name of the helper that loads four consecutive elements (see [`load4_fn`]).
pub(crate) fn load4_name(slot: usize, dtype: DType) -> String {
    format!("ld4_{slot}_{}", dtype_tag(dtype))
}

fn dtype_tag(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "b8",
        DType::U8 => "u8",
        DType::I8 => "i8",
        DType::I32 => "i32",
        DType::U32 => "u32",
        DType::F16 => "f16",
        DType::F32 => "f32",
    }
}

/// `fn ld_S_T(i: u32) -> C`: element `i` (counted in elements of `dtype` from the buffer's start), in its
/// compute type.
pub(crate) fn load_fn(slot: usize, ty: SlotType, dtype: DType) -> String {
    let c = ComputeType::of(dtype).wgsl();
    let body = match dtype {
        DType::F32 => format!("bitcast<f32>({})", word(slot, ty, "i")),
        DType::I32 => format!("bitcast<i32>({})", word(slot, ty, "i")),
        DType::U32 => word(slot, ty, "i"),
        DType::U8 => format!("({} >> ((i & 3u) * 8u)) & 0xffu", word(slot, ty, "i >> 2u")),
        DType::Bool => format!(
            "(({} >> ((i & 3u) * 8u)) & 0xffu) != 0u",
            word(slot, ty, "i >> 2u")
        ),
        DType::I8 => format!(
            "bitcast<i32>({} << (24u - (i & 3u) * 8u)) >> 24u",
            word(slot, ty, "i >> 2u")
        ),
        DType::F16 => format!(
            "f16_to_f32(({} >> ((i & 1u) * 16u)) & 0xffffu)",
            word(slot, ty, "i >> 1u")
        ),
    };
    format!(
        "fn {}(i: u32) -> {c} {{\n    return {body};\n}}\n",
        load_name(slot, dtype)
    )
}

/// `fn ld4_S_T(i: u32) -> vec4<C>`: elements `i..i + 4` (`i` a multiple of 4), with one 16-byte load
/// where the slot allows it.
pub(crate) fn load4_fn(slot: usize, ty: SlotType, dtype: DType) -> String {
    let c = ComputeType::of(dtype).wgsl();
    let body = match dtype {
        DType::F32 | DType::I32 | DType::U32 => {
            let words = match ty {
                SlotType::Vec4 => format!("s{slot}[i >> 2u]"),
                SlotType::Words => format!(
                    "vec4<u32>(s{slot}[i], s{slot}[i + 1u], s{slot}[i + 2u], s{slot}[i + 3u])"
                ),
            };
            if dtype == DType::U32 {
                words
            } else {
                format!("bitcast<vec4<{c}>>({words})")
            }
        }
        DType::F16 => {
            let lo = word(slot, ty, "i >> 1u");
            let hi = word(slot, ty, "(i >> 1u) + 1u");
            format!(
                "vec4<f32>(f16_to_f32({lo} & 0xffffu), f16_to_f32({lo} >> 16u), f16_to_f32({hi} & 0xffffu), \
                 f16_to_f32({hi} >> 16u))"
            )
        }
        DType::U8 | DType::Bool | DType::I8 => {
            let bytes = format!(
                "(vec4<u32>({}) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu)",
                word(slot, ty, "i >> 2u")
            );
            match dtype {
                DType::U8 => bytes,
                DType::Bool => format!("({bytes}) != vec4<u32>(0u)"),
                _ => format!("(bitcast<vec4<i32>>(({bytes}) << vec4<u32>(24u)) >> vec4<u32>(24u))"),
            }
        }
    };
    format!(
        "fn {}(i: u32) -> vec4<{c}> {{\n    return {body};\n}}\n",
        load4_name(slot, dtype)
    )
}

/// `expr` (of compute type `from`) as compute type `to`.
pub(crate) fn convert(expr: &str, from: ComputeType, to: ComputeType) -> String {
    use ComputeType::*;
    match (from, to) {
        _ if from == to => expr.to_string(),
        (Bool, F32) => format!("select(0.0, 1.0, {expr})"),
        (Bool, I32) => format!("select(0i, 1i, {expr})"),
        (Bool, U32) => format!("select(0u, 1u, {expr})"),
        // Negated equality: NaN is true whichever `!=` the driver picks.
        (F32, Bool) => format!("!(({expr}) == 0.0)"),
        (I32, Bool) => format!("(({expr}) != 0i)"),
        (U32, Bool) => format!("(({expr}) != 0u)"),
        (_, t) => format!("{}({expr})", t.wgsl()),
    }
}

/// `expr` (of compute type `from`) as the compute type of storage dtype `to`. Floats become small
/// integers through `i32`, so that negative values wrap as a cast does in torch.
pub(crate) fn convert_for_store(expr: &str, from: ComputeType, to: DType) -> String {
    match (from, to) {
        (ComputeType::F32, DType::U8) => format!("u32(i32({expr}))"),
        _ => convert(expr, from, ComputeType::of(to)),
    }
}

/// The bits of value `expr` (in the compute type of `dtype`) as stored, in the low bits of a `u32`.
pub(crate) fn store_bits(expr: &str, dtype: DType) -> String {
    match dtype {
        DType::F32 | DType::I32 => format!("bitcast<u32>({expr})"),
        DType::U32 => expr.to_string(),
        DType::F16 => format!("f32_to_f16({expr})"),
        DType::U8 => format!("(({expr}) & 0xffu)"),
        DType::I8 => format!("(bitcast<u32>({expr}) & 0xffu)"),
        DType::Bool => format!("select(0u, 1u, {expr})"),
    }
}

/// A `u32` expression for info word `index`.
pub(crate) fn info(index: usize) -> String {
    format!("w({index}u)")
}

/// Info word `index` read as a value of compute type `ty` (the word holds its bits).
pub(crate) fn info_value(ty: ComputeType, index: usize) -> String {
    let w = info(index);
    match ty {
        ComputeType::F32 => format!("bitcast<f32>({w})"),
        ComputeType::I32 => format!("bitcast<i32>({w})"),
        ComputeType::U32 => w,
        ComputeType::Bool => format!("({w} != 0u)"),
    }
}

/// The statement that reads the linear invocation index `t` of a (possibly 2-D) grid of workgroups.
pub(crate) const LINEAR_INDEX: &str = "    let t = gid.x + gid.y * (nwg.x * 256u);\n";

/// The entry point's signature, for kernels with one invocation per item.
pub(crate) const ENTRY: &str = "@compute @workgroup_size(256)\nfn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {\n";

/// Statements computing coordinates `c0..c{rank-1}` of linear index `index` over the shape held in info
/// words `shape_at..shape_at + rank` (row-major; the first coordinate takes what remains).
pub(crate) fn decompose(index: &str, rank: usize, shape_at: usize) -> String {
    let mut out = format!("    var rem = {index};\n");
    for d in (1..rank).rev() {
        let size = info(shape_at + d);
        writeln!(out, "    let c{d} = rem % {size};\n    rem = rem / {size};").unwrap();
    }
    out.push_str("    let c0 = rem;\n");
    out
}

/// The element index `offset + sum(c_d * stride_d)`, with the coordinate of the last dim scaled by
/// `inner_scale` (4 when coordinates count groups of four along it).
pub(crate) fn index_expr(
    rank: usize,
    offset_at: usize,
    strides_at: usize,
    inner_scale: u32,
) -> String {
    let mut out = info(offset_at);
    for d in 0..rank {
        let c = if d + 1 == rank && inner_scale != 1 {
            format!("(c{d} * {inner_scale}u)")
        } else {
            format!("c{d}")
        };
        write!(out, " + {c} * {}", info(strides_at + d)).unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_loads_read_words() {
        let f = load_fn(1, SlotType::Vec4, DType::F32);
        assert!(f.contains("fn ld_1_f32(i: u32) -> f32"), "{f}");
        assert!(f.contains("s1[(i) >> 2u][(i) & 3u]"), "{f}");
        let b = load_fn(0, SlotType::Words, DType::Bool);
        assert!(b.contains("-> bool") && b.contains("s0[i >> 2u]"), "{b}");
        let v = load4_fn(0, SlotType::Vec4, DType::I32);
        assert!(v.contains("bitcast<vec4<i32>>(s0[i >> 2u])"), "{v}");
    }

    #[test]
    fn conversions() {
        use ComputeType::*;
        assert_eq!(convert("x", F32, F32), "x");
        assert_eq!(convert("x", I32, F32), "f32(x)");
        assert_eq!(convert("x", Bool, F32), "select(0.0, 1.0, x)");
        assert_eq!(convert_for_store("x", F32, DType::U8), "u32(i32(x))");
        assert_eq!(store_bits("v", DType::I8), "(bitcast<u32>(v) & 0xffu)");
    }

    #[test]
    fn coordinates_and_indices() {
        let d = decompose("t", 3, 4);
        assert!(
            d.contains("let c2 = rem % w(6u);") && d.contains("let c0 = rem;"),
            "{d}"
        );
        assert_eq!(
            index_expr(2, 1, 8, 4),
            "w(1u) + c0 * w(8u) + (c1 * 4u) * w(9u)"
        );
        assert_eq!(index_expr(0, 1, 8, 1), "w(1u)");
    }
}
