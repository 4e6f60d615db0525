//! The example scenes, checked pixel by pixel against values computed here (tolerance: 1 per 8-bit
//! channel, as Dawn's and the CTS's pixel checks allow for rounding):
//! - the triangle of `examples/triangle.rs`: the clear color outside, the barycentric mix of the vertex
//!   colors at every pixel centre inside, on rgba8unorm, on rgba8unorm-srgb (sRGB-encoded) and with 4x
//!   MSAA (edge pixels are the mean of their covered and uncovered samples, the covered ones colored
//!   from a point of the pixel);
//! - the Mandelbrot set of `examples/mandelbrot.rs`: c = 0 and c = -1 inside, |c| > 2 escaping at once,
//!   and nearly every pixel's escape count equal to the CPU's.

use dawn::TextureFormat;
use dawn_suite::Gpu;
use dawn_suite::scenes::{
    self, MANDELBROT_MAX_ITERATIONS, TRIANGLE_CLEAR, TRIANGLE_SIZE, TRIANGLE_VERTICES,
};

const N: usize = TRIANGLE_SIZE as usize;

/// The triangle's vertices in pixel coordinates (y down).
fn vertices_px() -> [[f64; 2]; 3] {
    TRIANGLE_VERTICES.map(|v| {
        [
            (v[0] as f64 + 1.0) / 2.0 * N as f64,
            (1.0 - v[1] as f64) / 2.0 * N as f64,
        ]
    })
}

/// Barycentric coordinates of `p` in the triangle (negative outside).
fn barycentric(p: [f64; 2]) -> [f64; 3] {
    let [a, b, c] = vertices_px();
    let area = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let total = area(a, b, c);
    [
        area(p, b, c) / total,
        area(a, p, c) / total,
        area(a, b, p) / total,
    ]
}

/// The interpolated vertex color at `p` (linear, clamped as an unorm target stores it).
fn color_at(p: [f64; 2]) -> [f64; 3] {
    let w = barycentric(p);
    let mut rgb = [0.0; 3];
    for (i, v) in TRIANGLE_VERTICES.iter().enumerate() {
        for (ch, out) in rgb.iter_mut().enumerate() {
            *out += w[i] * v[2 + ch] as f64;
        }
    }
    rgb.map(|c| c.clamp(0.0, 1.0))
}

fn srgb_encode(linear: f64) -> f64 {
    if linear <= 0.0031308 {
        12.92 * linear
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    }
}

/// A pixel centre (or sample) closer to an edge than this, in barycentric terms (about 0.004 pixels
/// here), is not checked: which side of the edge it rasterizes to is left to the GPU's rounding.
const EDGE_MARGIN: f64 = 1e-5;

#[track_caller]
fn assert_near(got: &[u8], expected: [f64; 4], tolerance: f64, what: &str) {
    for ch in 0..4 {
        let diff = (got[ch] as f64 - expected[ch]).abs();
        assert!(
            diff <= tolerance,
            "{what}: got {got:?}, expected {expected:?} (channel {ch} off by {diff})"
        );
    }
}

/// Checks every pixel of a single-sampled triangle, with `encode` applied to linear values; returns how
/// many were inside.
fn check_triangle(pixels: &[u8], encode: fn(f64) -> f64, label: &str) -> usize {
    assert_eq!(pixels.len(), N * N * 4);
    let clear = [TRIANGLE_CLEAR.r, TRIANGLE_CLEAR.g, TRIANGLE_CLEAR.b].map(|c| encode(c) * 255.0);
    let clear = [clear[0], clear[1], clear[2], 255.0];
    for (x, y) in [(0, 0), (N - 1, 0), (0, N - 1), (N - 1, N - 1)] {
        let at = (y * N + x) * 4;
        assert_near(
            &pixels[at..at + 4],
            clear,
            1.0,
            &format!("{label}: corner ({x}, {y})"),
        );
    }
    let mut inside = 0;
    for y in 0..N {
        for x in 0..N {
            let p = [x as f64 + 0.5, y as f64 + 0.5];
            let min = barycentric(p).into_iter().fold(f64::MAX, f64::min);
            let at = (y * N + x) * 4;
            let what = format!("{label}: pixel ({x}, {y})");
            if min > EDGE_MARGIN {
                inside += 1;
                let rgb = color_at(p).map(|c| encode(c) * 255.0);
                assert_near(
                    &pixels[at..at + 4],
                    [rgb[0], rgb[1], rgb[2], 255.0],
                    1.0,
                    &what,
                );
            } else if min < -EDGE_MARGIN {
                assert_near(&pixels[at..at + 4], clear, 1.0, &what);
            }
        }
    }
    inside
}

/// Half the triangle's area in pixels, within 1%.
fn assert_area(inside: usize) {
    let [a, b, c] = vertices_px();
    let area = ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])).abs() / 2.0;
    assert!(
        (inside as f64 - area).abs() < area * 0.01,
        "{inside} pixels inside, the triangle covers {area}"
    );
}

#[test]
fn triangle_has_the_clear_color_outside_and_barycentric_colors_inside() {
    let gpu = Gpu::new();
    let pixels = scenes::triangle(&gpu.device, TextureFormat::RGBA8Unorm, 1).unwrap();
    // The clear color as bytes: 0.5 * 255 = 127.5, so 127 or 128.
    assert_near(&pixels[..4], [0.0, 128.0, 255.0, 255.0], 1.0, "corner");
    // The centroid is (1/3, 1/3, 1/3): 85.
    let [a, b, c] = vertices_px();
    let centroid = [(a[0] + b[0] + c[0]) / 3.0, (a[1] + b[1] + c[1]) / 3.0];
    let at = ((centroid[1] as usize) * N + centroid[0] as usize) * 4;
    assert_near(
        &pixels[at..at + 4],
        [85.0, 85.0, 85.0, 255.0],
        1.5,
        "centroid",
    );
    assert_area(check_triangle(&pixels, |c| c, "rgba8unorm"));
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn triangle_on_an_srgb_target_is_encoded() {
    let gpu = Gpu::new();
    let pixels = scenes::triangle(&gpu.device, TextureFormat::RGBA8UnormSrgb, 1).unwrap();
    // The clear's 0.5 green encodes as 188 (0.7354 * 255 = 187.5).
    assert_near(&pixels[..4], [0.0, 188.0, 255.0, 255.0], 1.0, "corner");
    assert_area(check_triangle(&pixels, srgb_encode, "rgba8unorm-srgb"));
}

/// The standard 4x sample positions within a pixel (WebGPU and Vulkan).
const SAMPLES_4X: [[f64; 2]; 4] = [
    [0.375, 0.125],
    [0.875, 0.375],
    [0.125, 0.625],
    [0.625, 0.875],
];

#[test]
fn triangle_with_4x_msaa_resolves_to_the_mean_of_its_samples() {
    let gpu = Gpu::new();
    let single = scenes::triangle(&gpu.device, TextureFormat::RGBA8Unorm, 1).unwrap();
    let resolved = scenes::triangle(&gpu.device, TextureFormat::RGBA8Unorm, 4).unwrap();
    let clear = [0.0, 127.5, 255.0];
    let mut by_coverage = [0usize; 5];
    for y in 0..N {
        for x in 0..N {
            let mut covered = 0;
            let mut ambiguous = false;
            for s in SAMPLES_4X {
                let min = barycentric([x as f64 + s[0], y as f64 + s[1]])
                    .into_iter()
                    .fold(f64::MAX, f64::min);
                ambiguous |= min.abs() <= EDGE_MARGIN;
                covered += (min > 0.0) as usize;
            }
            if ambiguous {
                continue;
            }
            by_coverage[covered] += 1;
            let at = (y * N + x) * 4;
            let what = format!("pixel ({x}, {y}) with {covered} of 4 samples covered");
            // The fragment's color in the covered samples, the clear elsewhere. The color is interpolated
            // once per pixel at a point the GPU picks (lavapipe takes the centre; on an H200 edge pixels
            // are off the centre's color by more than rounding). So each channel lies between the mix
            // with the lowest and the highest color at the centre or a sample, within 1.
            let k = covered as f64 / 4.0;
            let points = [[0.5, 0.5]].into_iter().chain(SAMPLES_4X);
            let colors: Vec<[f64; 3]> = points
                .map(|s| color_at([x as f64 + s[0], y as f64 + s[1]]).map(|c| (c * 255.0).round()))
                .collect();
            for (ch, &background) in clear.iter().enumerate() {
                let lowest = colors.iter().map(|c| c[ch]).fold(f64::MAX, f64::min);
                let highest = colors.iter().map(|c| c[ch]).fold(f64::MIN, f64::max);
                let mix = |c: f64| k * c + (1.0 - k) * background;
                let got = resolved[at + ch] as f64;
                assert!(
                    got >= mix(lowest) - 1.0 && got <= mix(highest) + 1.0,
                    "{what}: channel {ch} is {got}, expected {:.2}..={:.2}",
                    mix(lowest),
                    mix(highest)
                );
            }
            assert_eq!(resolved[at + 3], 255, "{what}: alpha");
            if covered == 4 {
                let plain: [f64; 4] = std::array::from_fn(|ch| single[at + ch] as f64);
                assert_near(&resolved[at..at + 4], plain, 1.0, &what);
            }
        }
    }
    println!("pixels by covered samples (0..=4): {by_coverage:?}");
    assert!(
        by_coverage[1..4].iter().all(|&n| n > 50),
        "too few edge pixels of each coverage: {by_coverage:?}"
    );
    assert!(gpu.take_uncaptured().is_empty());
}

/// The 1-based iteration at which `c` escapes (|z| > 2), computed as the shader does, in f32.
fn escape(c: (f32, f32)) -> Option<u32> {
    let (mut x, mut y) = (0.0f32, 0.0f32);
    for n in 1..=MANDELBROT_MAX_ITERATIONS {
        (x, y) = (x * x - y * y + c.0, 2.0 * x * y + c.1);
        if x * x + y * y > 4.0 {
            return Some(n);
        }
    }
    None
}

#[test]
fn mandelbrot_known_points_and_escape_counts() {
    let gpu = Gpu::new();
    let (w, h) = (350u32, 200u32);
    let image = scenes::mandelbrot(&gpu.device, w, h).unwrap();
    assert_eq!(image.len(), (w * h * 4) as usize);
    let step = 3.5 / w as f32;
    let pixel_of = |re: f32, im: f32| {
        let x = ((re + 2.5) / step) as u32;
        let y = ((h as f32 / 2.0 * step - im) / step) as u32;
        ((y * w + x) * 4) as usize
    };
    let bytes = |n: Option<u32>| scenes::mandelbrot_color(n).map(|c| (c as f64 * 255.0).round());
    let black = [0.0, 0.0, 0.0, 255.0];
    for (c, expected, what) in [
        ((0.0, 0.0), black, "c = 0 (inside)"),
        ((-1.0, 0.0), black, "c = -1 (inside)"),
        (
            (-2.45, 0.9),
            bytes(Some(1)),
            "c = -2.45 + 0.9i (|c| > 2: escapes at once)",
        ),
        ((-2.1, -0.95), bytes(Some(1)), "c = -2.1 - 0.95i (|c| > 2)"),
    ] {
        let at = pixel_of(c.0, c.1);
        assert_near(&image[at..at + 4], expected, 1.0, what);
    }
    // Every pixel against the CPU's count; the boundary is chaotic, so a few may differ by rounding.
    let mut differ = 0;
    for y in 0..h {
        for x in 0..w {
            let at = ((y * w + x) * 4) as usize;
            let expected = bytes(escape(scenes::mandelbrot_point(w, h, x, y)));
            if (0..4).any(|ch| (image[at + ch] as f64 - expected[ch]).abs() > 1.0) {
                differ += 1;
            }
        }
    }
    let total = (w * h) as usize;
    println!("{differ} of {total} pixels differ from the CPU's escape count");
    assert!(differ * 100 < total, "{differ} of {total} pixels differ");
    assert!(gpu.take_uncaptured().is_empty());
}
