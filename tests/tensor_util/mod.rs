//! Helpers shared by the `tensor_*` tests: one tensor device per test binary, a seeded generator, CPU
//! reference arrays with numpy broadcasting, and tolerant comparisons.

#![allow(dead_code)]

use dawn::tensor::Device;
use std::sync::OnceLock;

/// The test binary's device (the default adapter: lavapipe on CI), shared by all its tests.
pub fn device() -> &'static Device {
    static DEVICE: OnceLock<Device> = OnceLock::new();
    DEVICE.get_or_init(|| Device::default_gpu().expect("a tensor device on the default adapter"))
}

/// SplitMix64: a small seeded generator for test data and random shapes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }

    /// `n` values in `[lo, hi)`, none of them zero.
    pub fn values(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                loop {
                    let v = self.uniform(lo, hi);
                    if v != 0.0 {
                        break v;
                    }
                }
            })
            .collect()
    }

    /// `n` integers in `lo..hi`.
    pub fn ints(&mut self, n: usize, lo: i32, hi: i32) -> Vec<i32> {
        (0..n)
            .map(|_| lo + self.below((hi - lo) as usize) as i32)
            .collect()
    }

    /// A random shape of `rank` dims, each in `0..=max` (size 1 and 0 included).
    pub fn shape(&mut self, rank: usize, max: usize) -> Vec<usize> {
        (0..rank).map(|_| self.below(max + 1)).collect()
    }
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1].max(1);
    }
    s
}

/// The multi-index of row-major position `i` in `shape`.
pub fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        index[d] = i % shape[d];
        i /= shape[d];
    }
    index
}

/// numpy's broadcast of two shapes (`None` when they do not broadcast).
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let da = if i + a.len() >= n {
                a[i + a.len() - n]
            } else {
                1
            };
            let db = if i + b.len() >= n {
                b[i + b.len() - n]
            } else {
                1
            };
            match (da, db) {
                _ if da == db => Some(da),
                (1, _) => Some(db),
                (_, 1) => Some(da),
                _ => None,
            }
        })
        .collect()
}

/// The element of `data` (row-major, `shape`) that broadcasting to `out_shape` puts at `index`.
pub fn broadcast_get<T: Copy>(data: &[T], shape: &[usize], index: &[usize]) -> T {
    let offset = index.len() - shape.len();
    let st = strides(shape);
    let mut at = 0;
    for d in 0..shape.len() {
        let i = if shape[d] == 1 { 0 } else { index[offset + d] };
        at += i * st[d];
    }
    data[at]
}

/// `f(a, b)` elementwise over the broadcast of `a` (shape `sa`) and `b` (shape `sb`).
pub fn broadcast_map<A: Copy, B: Copy, R>(
    a: &[A],
    sa: &[usize],
    b: &[B],
    sb: &[usize],
    f: impl Fn(A, B) -> R,
) -> (Vec<usize>, Vec<R>) {
    let shape = broadcast(sa, sb).expect("broadcastable shapes");
    let n: usize = shape.iter().product();
    let out = (0..n)
        .map(|i| {
            let index = unravel(i, &shape);
            f(broadcast_get(a, sa, &index), broadcast_get(b, sb, &index))
        })
        .collect();
    (shape, out)
}

/// Asserts `got` matches `want` within `atol + rtol * |want|` (NaNs must match NaNs, infinities exactly).
#[track_caller]
pub fn assert_close(got: &[f32], want: &[f32], rtol: f32, atol: f32) {
    assert_eq!(got.len(), want.len(), "lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= atol + rtol * w.abs()
        };
        assert!(
            ok,
            "element {i}: got {g}, want {w} (rtol {rtol}, atol {atol})"
        );
    }
}
