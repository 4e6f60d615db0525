//! The data every implementation computes on and the CPU references its results are checked against,
//! shared with the `wgpu` peer (which includes this file). Written independently of the WGSL they
//! check: `value` mirrors `wgsl/fill.wgsl`, `pipeline200` mirrors `wgsl/pipeline200.wgsl`.

use anyhow::{Result, ensure};

/// Salts of the fill kernel for the first and second input of a kernel.
pub const SALT_A: u32 = 0x1234_5678;
pub const SALT_B: u32 = 0x9abc_def0;

/// Invocations per workgroup of the fill, copy and add kernels.
pub const WORKGROUP: u32 = 256;

/// Element `i` of a buffer filled with `salt` (`wgsl/fill.wgsl`): a multiple of 1/4096 in [-0.5, 0.5).
pub fn value(i: u32, salt: u32) -> f32 {
    let h = (i ^ salt).wrapping_mul(2_654_435_761);
    (h >> 20) as f32 / 4096.0 - 0.5
}

/// The 32-bit word at word index `i` of the buffers that uploads, maps and read-backs move: no two
/// neighbours equal, none zero.
pub fn word(i: u64) -> u32 {
    let x = (i as u32).wrapping_mul(0x9e37_79b9) ^ (i >> 32) as u32;
    (x ^ 0xc0ff_ee42) | 1
}

/// `count` words of [`word`], starting at word `start`.
pub fn words(start: u64, count: usize) -> Vec<u32> {
    (0..count as u64).map(|i| word(start + i)).collect()
}

/// The 2D grid of workgroups that covers `groups` workgroups (a dimension holds at most 65,535).
pub fn grid(groups: u64) -> (u32, u32) {
    const MAX_X: u64 = 32_768;
    if groups <= MAX_X {
        (groups.max(1) as u32, 1)
    } else {
        (MAX_X as u32, groups.div_ceil(MAX_X) as u32)
    }
}

/// `count` sample indices spread over `0..len`, the first and the last included.
pub fn sample_indices(len: u64, count: usize) -> Vec<u64> {
    let count = count.max(2) as u64;
    (0..count)
        .map(|s| {
            let spread = s * (len - 1) / (count - 1);
            // Off the regular grid, so that a stride-sized mistake cannot land on the samples only.
            let jitter = (word(s) as u64) % 7;
            (spread + jitter).min(len - 1)
        })
        .collect()
}

/// Checks the copy kernel's output (`dst` words at `indices`, as f32 bits): each is the source's value.
pub fn check_fill_copy(indices: &[u64], got: &[f32]) -> Result<()> {
    for (&i, &g) in indices.iter().zip(got) {
        let want = value(i as u32, SALT_A);
        ensure!(
            g == want,
            "copy: element {i} is {g}, the source holds {want}"
        );
    }
    Ok(())
}

/// Checks the add kernel's output at `indices`: exactly `a + b` (both exact multiples of 1/4096).
pub fn check_add(indices: &[u64], got: &[f32]) -> Result<()> {
    for (&i, &g) in indices.iter().zip(got) {
        let want = value(i as u32, SALT_A) + value(i as u32, SALT_B);
        ensure!(g == want, "add: element {i} is {g}, expected {want}");
    }
    Ok(())
}

/// Elements of `c` that a matmul check compares (row-major indices into an n x n result).
pub fn matmul_samples(n: u32) -> Vec<u64> {
    sample_indices(n as u64 * n as u64, 48)
}

/// Checks sampled elements of c = a * b (n x n, a filled with `SALT_A`, b with `SALT_B`) against an f64
/// dot product, within a tolerance far below what a wrong element misses by.
pub fn check_matmul(n: u32, indices: &[u64], got: &[f32]) -> Result<()> {
    let n64 = n as u64;
    for (&index, &g) in indices.iter().zip(got) {
        let (row, col) = (index / n64, index % n64);
        let (mut dot, mut magnitude) = (0f64, 0f64);
        for k in 0..n64 {
            let a = value((row * n64 + k) as u32, SALT_A) as f64;
            let b = value((k * n64 + col) as u32, SALT_B) as f64;
            dot += a * b;
            magnitude += (a * b).abs();
        }
        let tolerance = 2e-4 * magnitude + 1e-6;
        ensure!(
            (g as f64 - dot).abs() <= tolerance,
            "matmul {n}: c[{row}][{col}] is {g}, the CPU gives {dot} (tolerance {tolerance})"
        );
    }
    Ok(())
}

/// `wgsl/pipeline200.wgsl` with its seed line set to `seed`.
pub fn pipeline200_source(template: &str, seed: u32) -> String {
    template.replacen(
        "const SEED: u32 = 0u;",
        &format!("const SEED: u32 = {seed}u;"),
        1,
    )
}

/// Invocations the pipeline check runs (one workgroup of 64, four times).
pub const PIPELINE200_OUTPUTS: usize = 256;

/// Checks the outputs of one `pipeline200` dispatch against the CPU.
pub fn check_pipeline200(seed: u32, got: &[u32]) -> Result<()> {
    ensure!(
        got.len() == PIPELINE200_OUTPUTS,
        "pipeline200: {} outputs",
        got.len()
    );
    for (i, &g) in got.iter().enumerate() {
        let want = pipeline200(i as u32, seed);
        ensure!(
            g == want,
            "pipeline200 (seed {seed}): out[{i}] is {g:#x}, the CPU gives {want:#x}"
        );
    }
    Ok(())
}

/// What invocation `i` of `wgsl/pipeline200.wgsl` writes (u32 arithmetic wraps, as in WGSL).
pub fn pipeline200(i: u32, seed: u32) -> u32 {
    let base = pcg(i ^ seed);
    let mut q = [base, xorshift(base), fmix(base ^ 0x9e37_79b9), wang(base)];
    for round in 0..4 + (i & 3) {
        q = quarter(q);
        q[0] ^= round;
    }
    let mut v = [0u32; 8];
    for (j, slot) in v.iter_mut().enumerate() {
        let j = j as u32;
        *slot = select_mix(j.wrapping_add(i), q[0] ^ j.wrapping_mul(0x0100_0193));
        q = quarter(q);
    }
    v.sort_unstable();
    let mut acc = 0u32;
    for s in v {
        acc = acc.rotate_left(5) ^ s;
    }
    let w = vec_mix(q);
    acc ^= gcd(w[0], w[1]).wrapping_add(collatz(w[2]) << 16);
    acc = acc ^ bits(q[0]) ^ isqrt(w[3]) ^ crc(acc) ^ mat3_mix(q[1]);
    fmix(acc)
}

fn pcg(v: u32) -> u32 {
    let state = v.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

fn xorshift(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^ (x << 5)
}

fn fmix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

fn wang(v: u32) -> u32 {
    let mut x = (v ^ 61) ^ (v >> 16);
    x = x.wrapping_mul(9);
    x ^= x >> 4;
    x = x.wrapping_mul(0x27d4_eb2d);
    x ^ (x >> 15)
}

fn quarter([mut a, mut b, mut c, mut d]: [u32; 4]) -> [u32; 4] {
    a = a.wrapping_add(b);
    d = (d ^ a).rotate_left(16);
    c = c.wrapping_add(d);
    b = (b ^ c).rotate_left(12);
    a = a.wrapping_add(b);
    d = (d ^ a).rotate_left(8);
    c = c.wrapping_add(d);
    b = (b ^ c).rotate_left(7);
    [a, b, c, d]
}

fn bits(v: u32) -> u32 {
    let spread = v.count_ones().wrapping_add(v.reverse_bits()) ^ ((v | 1).leading_zeros() << 8);
    spread ^ ((v | 0x8000_0000).trailing_zeros() << 16)
}

fn morton(v: u32) -> u32 {
    let mut x = v & 0xffff;
    x = (x | (x << 8)) & 0x00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f;
    x = (x | (x << 2)) & 0x3333_3333;
    (x | (x << 1)) & 0x5555_5555
}

fn gcd(x: u32, y: u32) -> u32 {
    let (mut a, mut b) = (x | 1, y | 1);
    let mut i = 0;
    while i < 64 && b != 0 {
        (a, b) = (b, a % b);
        i += 1;
    }
    a
}

fn collatz(v: u32) -> u32 {
    let mut x = (v & 0xffff) | 1;
    let mut steps = 0;
    while x != 1 && steps < 200 {
        x = if x & 1 == 1 {
            x.wrapping_mul(3).wrapping_add(1)
        } else {
            x >> 1
        };
        steps += 1;
    }
    steps
}

fn isqrt(v: u32) -> u32 {
    let mut result = 0u32;
    for bit in (0..16).rev() {
        let candidate = result | (1 << bit);
        if candidate.wrapping_mul(candidate) <= v {
            result = candidate;
        }
    }
    result
}

fn crc(v: u32) -> u32 {
    let mut c = 0xffff_ffffu32;
    for byte in 0..4 {
        c ^= (v >> (byte * 8)) & 0xff;
        for _ in 0..8 {
            let mask = 0u32.wrapping_sub(c & 1);
            c = (c >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !c
}

fn vec_mix(v: [u32; 4]) -> [u32; 4] {
    let factors = [3u32, 5, 7, 11];
    let shifts = [3u32, 5, 7, 9];
    let mut x: [u32; 4] = std::array::from_fn(|k| v[k].wrapping_mul(factors[k]));
    // x.yzwx
    let swizzled = [x[1], x[2], x[3], x[0]];
    for k in 0..4 {
        x[k] ^= swizzled[k] >> shifts[k];
    }
    let add = [pcg(x[3]), xorshift(x[2]), fmix(x[1]), wang(x[0])];
    std::array::from_fn(|k| x[k].wrapping_add(add[k]))
}

fn mat3_mix(v: u32) -> u32 {
    let mut m = [v, v ^ 1, v ^ 2, 3, v >> 3, 5, v << 2, 7, v.wrapping_mul(9)];
    let mut x = [v, !v, v ^ 0x5555_5555];
    for step in 0..3u32 {
        let row = |r: usize| {
            m[r * 3]
                .wrapping_mul(x[0])
                .wrapping_add(m[r * 3 + 1].wrapping_mul(x[1]))
                .wrapping_add(m[r * 3 + 2].wrapping_mul(x[2]))
        };
        let y = [row(0), row(1), row(2)];
        x = [y[0] ^ step, y[1] ^ (step << 8), y[2] ^ (step << 16)];
        m[step as usize * 4] ^= y[0];
    }
    x[0] ^ x[1] ^ x[2]
}

fn select_mix(k: u32, v: u32) -> u32 {
    match k & 7 {
        0 => pcg(v),
        1 => xorshift(v),
        2 => fmix(v),
        3 => wang(v),
        4 | 5 => v.rotate_left((k % 31) + 1),
        6 => morton(v) ^ morton(v >> 16),
        _ => !v,
    }
}
