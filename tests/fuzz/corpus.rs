//! What sequences are made of: WGSL sources (valid, broken, mutated), buffer usages, and the one kernel
//! whose effect the shadow model computes.

use super::rng::Rng;
use dawn::BufferUsage;

/// Valid WGSL: each has one compute entry point `main` unless noted.
pub const VALID: &[&str] = &[
    "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&v)) { v[id.x] = v[id.x] * 2u + 1u; }
}",
    "@compute @workgroup_size(1) fn main() {}",
    "@group(0) @binding(0) var<uniform> u: vec4f;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(8) fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&o)) { o[id.x] = u.x + f32(id.x); }
}",
    "override k: u32 = 3u;
@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(4, 2, 1) fn main(@builtin(local_invocation_index) i: u32) {
    if (i < arrayLength(&v)) { v[i] = k; }
}",
    // Two entry points: `entry_point: None` is a validation error.
    "@compute @workgroup_size(1) fn main() {}
@compute @workgroup_size(2) fn other() {}",
    "var<workgroup> tile: array<f32, 256>;
@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) i: u32) {
    tile[i] = f32(i);
    workgroupBarrier();
    if (i < arrayLength(&v)) { v[i] = tile[255u - i]; }
}",
];

/// Broken WGSL (syntax, types, limits, empty, garbage).
pub const BROKEN: &[&str] = &[
    "",
    "fn main( {",
    "@compute fn main() {}",
    "@compute @workgroup_size(1024, 1024) fn main() {}",
    "@compute @workgroup_size(0) fn main() {}",
    "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(1) fn main() { v[0] = 1.5; }",
    "@compute @workgroup_size(1) fn main() { let x: u32 = -1; }",
    "enable f16; @compute @workgroup_size(1) fn main() { let h: f16 = 1.0h; }",
    "@vertex fn main() -> @builtin(position) vec4f { return vec4f(); }",
    "\0\0\0",
    "@compute @workgroup_size(1) fn main() { loop { } }",
    "struct S { a: array<u32> } @group(0) @binding(0) var<uniform> s: S;
@compute @workgroup_size(1) fn main() {}",
    "@compute @workgroup_size(1) fn main() { main(); }",
    "\u{1F600} @compute",
];

const NOISE: &[u8] = b"{}();:@<>,.0123456789abcuvxyz _\n\t\"/*";

/// A shader source: a valid or broken snippet, or a valid one truncated or with bytes replaced.
pub fn wgsl(rng: &mut Rng) -> String {
    match rng.below(6) {
        0..=1 => rng.pick(VALID).to_string(),
        2 => rng.pick(BROKEN).to_string(),
        3 => {
            let src = rng.pick(VALID);
            let mut cut = rng.index(src.len() + 1);
            while !src.is_char_boundary(cut) {
                cut -= 1;
            }
            src[..cut].to_string()
        }
        _ => {
            let mut bytes = rng.pick(VALID).as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let i = rng.index(bytes.len());
                bytes[i] = rng.pick(NOISE);
            }
            String::from_utf8(bytes).expect("ASCII replaced by ASCII")
        }
    }
}

pub const USAGES: &[BufferUsage] = &[
    BufferUsage(BufferUsage::MapRead.0 | BufferUsage::CopyDst.0),
    BufferUsage(BufferUsage::MapWrite.0 | BufferUsage::CopySrc.0),
    BufferUsage(BufferUsage::Storage.0 | BufferUsage::CopySrc.0 | BufferUsage::CopyDst.0),
    BufferUsage(BufferUsage::Uniform.0 | BufferUsage::CopyDst.0),
    BufferUsage::Storage,
    BufferUsage(BufferUsage::Indirect.0 | BufferUsage::Storage.0 | BufferUsage::CopyDst.0),
    BufferUsage(BufferUsage::QueryResolve.0 | BufferUsage::CopySrc.0),
    // Invalid combinations.
    BufferUsage(BufferUsage::MapRead.0 | BufferUsage::MapWrite.0),
    BufferUsage(BufferUsage::MapRead.0 | BufferUsage::Storage.0),
    BufferUsage::None,
];

/// Dawn's `TexelBuffer` usage bit, refused unless the texel-buffers language feature is enabled.
const TEXEL_BUFFER: u64 = 0x400;

/// Whether Dawn accepts a buffer of `usage` (else it makes an error buffer and reports a validation error):
/// not empty, no `TexelBuffer`, and map usages combined only with the matching copy usage. Bits above
/// Dawn's own it ignores (seen with the pinned kit: a usage with bit 40 set is accepted).
pub fn valid_usage(usage: BufferUsage) -> bool {
    let bits = usage.0;
    let map_read_only = BufferUsage::MapRead.0 | BufferUsage::CopyDst.0;
    let map_write_only = BufferUsage::MapWrite.0 | BufferUsage::CopySrc.0;
    bits != 0
        && bits & TEXEL_BUFFER == 0
        && (!usage.contains(BufferUsage::MapRead) || usage.0 & !map_read_only == 0)
        && (!usage.contains(BufferUsage::MapWrite) || usage.0 & !map_write_only == 0)
}

/// A random operation count in a sequence.
pub fn ops_per_sequence(rng: &mut Rng) -> usize {
    40 + rng.index(160)
}

/// The kernel of the fuzzer's checked dispatches: every invocation of a 3D grid updates the word at its
/// linear index (so a grid missing its y or z leaves words the model expects changed), modelled by
/// [`checked_kernel`].
pub const CHECKED: &str = "
@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(4, 2, 2)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
    let size = n * vec3u(4u, 2u, 2u);
    let i = (g.z * size.y + g.y) * size.x + g.x;
    if (i < arrayLength(&v)) { v[i] = v[i] * 2654435761u + i + 1u; }
}";

/// The invocations a dispatch of `CHECKED` over `workgroups` runs (one per word it may update).
pub fn checked_invocations(workgroups: [u32; 3]) -> u64 {
    workgroups[0] as u64 * 4 * workgroups[1] as u64 * 2 * workgroups[2] as u64 * 2
}

/// What `CHECKED` makes of word `i` holding `x`.
pub fn checked_kernel(i: u32, x: u32) -> u32 {
    x.wrapping_mul(2_654_435_761)
        .wrapping_add(i)
        .wrapping_add(1)
}
