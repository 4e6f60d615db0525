//! Unary ops and casts against CPU references (computed in `f64`).
//!
//! Tolerances (|got - want| <= atol + rtol * |want|), from WGSL's accuracy rules with margin: exp 4e-6
//! relative; log, sqrt, rsqrt 2e-6 relative + 1e-6; sin, cos, tanh 2e-6 absolute; sigmoid, silu, gelu
//! (both) 1e-5 relative + 2e-6; floor, ceil, round, neg, abs, relu and every cast exactly. `F16` results
//! within one half ulp of rounding the `f32` reference.

mod tensor_util;

use dawn::tensor::{DType, GeluApproximate, Tensor};
use tensor_util::{Rng, assert_close, device};

/// erf by Simpson's rule on `2/sqrt(pi) * exp(-t^2)` (error far below f32's; independent of the
/// kernel's formula).
fn erf(x: f64) -> f64 {
    let a = x.abs().min(8.0);
    let n = 4000;
    let h = a / n as f64;
    let f = |t: f64| (-t * t).exp();
    let mut sum = f(0.0) + f(a);
    for i in 1..n {
        sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    x.signum() * sum * h / 3.0 * 2.0 / std::f64::consts::PI.sqrt()
}

type Op = fn(&Tensor) -> dawn::Result<Tensor>;
/// (name, op, f64 reference, input, rtol, atol)
type Case<'a> = (&'static str, Op, fn(f64) -> f64, &'a Vec<f32>, f32, f32);

#[test]
fn float_functions_match_the_cpu() {
    let mut rng = Rng(11);
    let d = device();
    let wide = rng.values(1000, -10.0, 10.0);
    let positive = rng.values(1000, 1e-3, 100.0);
    let cases: Vec<Case<'_>> = vec![
        ("exp", Tensor::exp, f64::exp, &wide, 4e-6, 0.0),
        ("log", Tensor::log, f64::ln, &positive, 2e-6, 1e-6),
        ("sqrt", Tensor::sqrt, f64::sqrt, &positive, 2e-6, 1e-6),
        (
            "rsqrt",
            Tensor::rsqrt,
            |x| 1.0 / x.sqrt(),
            &positive,
            2e-6,
            1e-6,
        ),
        ("sin", Tensor::sin, f64::sin, &wide, 0.0, 2e-6),
        ("cos", Tensor::cos, f64::cos, &wide, 0.0, 2e-6),
        ("tanh", Tensor::tanh, f64::tanh, &wide, 0.0, 2e-6),
        (
            "sigmoid",
            Tensor::sigmoid,
            |x| 1.0 / (1.0 + (-x).exp()),
            &wide,
            1e-5,
            2e-6,
        ),
        (
            "silu",
            Tensor::silu,
            |x| x / (1.0 + (-x).exp()),
            &wide,
            1e-5,
            2e-6,
        ),
        ("relu", Tensor::relu, |x| x.max(0.0), &wide, 0.0, 0.0),
        ("neg", Tensor::neg, |x| -x, &wide, 0.0, 0.0),
        ("abs", Tensor::abs, f64::abs, &wide, 0.0, 0.0),
        ("floor", Tensor::floor, f64::floor, &wide, 0.0, 0.0),
        ("ceil", Tensor::ceil, f64::ceil, &wide, 0.0, 0.0),
    ];
    for (name, op, f, input, rtol, atol) in cases {
        let t = Tensor::from_slice(input, &[input.len()], d).unwrap();
        let got = op(&t).unwrap().to_vec::<f32>().unwrap();
        let want: Vec<f32> = input.iter().map(|&x| f(x as f64) as f32).collect();
        println!("{name}");
        assert_close(&got, &want, rtol, atol);
    }
    let t = Tensor::from_slice(&wide, &[1000], d).unwrap();
    let exact = t
        .gelu(GeluApproximate::None)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = wide
        .iter()
        .map(|&x| (0.5 * x as f64 * (1.0 + erf(x as f64 / 2f64.sqrt()))) as f32)
        .collect();
    assert_close(&exact, &want, 1e-5, 2e-6);
    let approx = t
        .gelu(GeluApproximate::Tanh)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = wide
        .iter()
        .map(|&x| {
            let x = x as f64;
            (0.5 * x
                * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh()))
                as f32
        })
        .collect();
    assert_close(&approx, &want, 1e-5, 2e-6);
}

#[test]
fn special_values_and_rounding() {
    let d = device();
    let (nan, inf) = (f32::NAN, f32::INFINITY);
    let x = Tensor::from_slice(&[-1.0f32, 0.0, inf, nan, -0.0], &[5], d).unwrap();
    assert_close(
        &x.log().unwrap().to_vec::<f32>().unwrap(),
        &[nan, -inf, inf, nan, -inf],
        0.0,
        0.0,
    );
    assert_close(
        &x.sqrt().unwrap().to_vec::<f32>().unwrap(),
        &[nan, 0.0, inf, nan, 0.0],
        0.0,
        0.0,
    );
    assert_close(
        &x.rsqrt().unwrap().to_vec::<f32>().unwrap(),
        &[nan, inf, 0.0, nan, -inf],
        0.0,
        0.0,
    );
    assert_close(
        &x.exp().unwrap().to_vec::<f32>().unwrap(),
        &[(-1f32).exp(), 1.0, inf, nan, 1.0],
        1e-6,
        0.0,
    );
    let big = Tensor::from_slice(&[100.0f32, -100.0, nan, 20.0], &[4], d).unwrap();
    assert_close(
        &big.tanh().unwrap().to_vec::<f32>().unwrap(),
        &[1.0, -1.0, nan, 1.0],
        0.0,
        0.0,
    );
    assert_close(
        &big.sigmoid().unwrap().to_vec::<f32>().unwrap(),
        &[1.0, 0.0, nan, 1.0],
        1e-7,
        0.0,
    );
    // Halves round to even, as torch rounds.
    let halves =
        Tensor::from_slice(&[0.5f32, 1.5, 2.5, -0.5, -1.5, 2.4999, -2.6], &[7], d).unwrap();
    let rounded = halves.round().unwrap().to_vec::<f32>().unwrap();
    assert_eq!(rounded, [0.0, 2.0, 2.0, -0.0, -2.0, 2.0, -3.0]);
    // Integer inputs: float functions give float32, the others keep the dtype.
    let ints = Tensor::from_slice(&[-3i32, 0, 4], &[3], d).unwrap();
    let e = ints.exp().unwrap();
    assert_eq!(e.dtype(), DType::F32);
    assert_close(
        &e.to_vec::<f32>().unwrap(),
        &[(-3f32).exp(), 1.0, 4f32.exp()],
        1e-6,
        0.0,
    );
    assert_eq!(ints.abs().unwrap().to_vec::<i32>().unwrap(), [3, 0, 4]);
    assert_eq!(ints.relu().unwrap().to_vec::<i32>().unwrap(), [0, 0, 4]);
    assert_eq!(ints.neg().unwrap().to_vec::<i32>().unwrap(), [3, 0, -4]);
    assert_eq!(ints.floor().unwrap().to_vec::<i32>().unwrap(), [-3, 0, 4]);
    let bytes = Tensor::from_slice(&[1u8, 0, 255], &[3], d).unwrap();
    assert_eq!(bytes.neg().unwrap().to_vec::<u8>().unwrap(), [255, 0, 1]);
}

#[test]
fn casts_truncate_and_wrap_like_torch() {
    let d = device();
    let f = Tensor::from_slice(&[1.7f32, -1.7, 0.0, 1e9, -2.5], &[5], d).unwrap();
    assert_eq!(
        f.to_dtype(DType::I32).unwrap().to_vec::<i32>().unwrap(),
        [1, -1, 0, 1_000_000_000, -2]
    );
    let g = Tensor::from_slice(&[300.7f32, -5.0, 255.0, 0.5, 200.0, -129.0], &[6], d).unwrap();
    assert_eq!(
        g.to_dtype(DType::U8).unwrap().to_vec::<u8>().unwrap(),
        [44, 251, 255, 0, 200, 127]
    );
    assert_eq!(
        g.to_dtype(DType::I8).unwrap().to_vec::<i8>().unwrap(),
        [44, -5, -1, 0, -56, 127]
    );
    let z = Tensor::from_slice(&[0.0f32, -0.0, 2.0, f32::NAN], &[4], d).unwrap();
    assert_eq!(
        z.to_dtype(DType::Bool).unwrap().to_vec::<bool>().unwrap(),
        [false, false, true, true]
    );
    let b = Tensor::from_slice(&[true, false, true], &[3], d).unwrap();
    assert_eq!(
        b.to_dtype(DType::F32).unwrap().to_vec::<f32>().unwrap(),
        [1.0, 0.0, 1.0]
    );
    assert_eq!(
        b.to_dtype(DType::I8).unwrap().to_vec::<i8>().unwrap(),
        [1, 0, 1]
    );
    let i = Tensor::from_slice(&[257i32, -1, 128], &[3], d).unwrap();
    assert_eq!(
        i.to_dtype(DType::U8).unwrap().to_vec::<u8>().unwrap(),
        [1, 255, 128]
    );
    assert_eq!(
        i.to_dtype(DType::I8).unwrap().to_vec::<i8>().unwrap(),
        [1, -1, -128]
    );
    assert_eq!(
        i.to_dtype(DType::U32).unwrap().to_vec::<u32>().unwrap(),
        [257, u32::MAX, 128]
    );
    let u = Tensor::from_slice(&[200u8, 7], &[2], d).unwrap();
    assert_eq!(
        u.to_dtype(DType::I8).unwrap().to_vec::<i8>().unwrap(),
        [-56, 7]
    );
    assert_eq!(
        u.to_dtype(DType::F32).unwrap().to_vec::<f32>().unwrap(),
        [200.0, 7.0]
    );
    // Casting to its own dtype is the tensor itself.
    assert!(f.to_dtype(DType::F32).unwrap().shares_storage(&f));
}

/// IEEE half to f32, written from the format's definition.
fn half_to_f32(h: u16) -> f32 {
    let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
    let exponent = ((h >> 10) & 0x1f) as i32;
    let mantissa = (h & 0x3ff) as f64;
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + mantissa / 1024.0) * 2f64.powi(e - 15),
    };
    (sign * magnitude) as f32
}

/// The half nearest to `x` (ties to the even mantissa), found by search over every finite half.
fn nearest_half(x: f32, finite: &[(f64, u16)]) -> u16 {
    if x.is_nan() {
        return 0x7e00;
    }
    let v = x as f64;
    let sign = if x.is_sign_negative() { 0x8000 } else { 0 };
    let a = v.abs();
    // 65520 is halfway between the largest half (65504) and the next power, which rounds to infinity.
    if a >= 65520.0 {
        return sign | 0x7c00;
    }
    let i = finite.partition_point(|&(h, _)| h < a);
    let mut best = finite[i.min(finite.len() - 1)];
    if i > 0 {
        let below = finite[i - 1];
        let (db, da) = (a - below.0, best.0 - a);
        if db < da || (db == da && below.1.is_multiple_of(2)) {
            best = below;
        }
    }
    sign | best.1
}

#[test]
fn half_precision_storage_round_trips() {
    let d = device();
    // Every half value, read through f32.
    let all: Vec<u16> = (0..=u16::MAX).collect();
    let bytes: Vec<u8> = all.iter().flat_map(|h| h.to_le_bytes()).collect();
    let halves = Tensor::from_bytes(&bytes, &[all.len()], DType::F16, d).unwrap();
    let widened = halves
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = all.iter().map(|&h| half_to_f32(h)).collect();
    for (h, (g, w)) in all.iter().zip(widened.iter().zip(&want)) {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "half {h:#06x}: {g} vs {w}"
        );
    }
    // f32 to half rounds to nearest even, subnormals and overflow included.
    let mut finite: Vec<(f64, u16)> = (0u16..0x7c00).map(|h| (half_to_f32(h) as f64, h)).collect();
    finite.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rng = Rng(21);
    let mut values: Vec<f32> = (0..20_000)
        .map(|i| {
            let magnitude = 10f32.powf(rng.uniform(-9.0, 5.2));
            if i % 2 == 0 { magnitude } else { -magnitude }
        })
        .collect();
    values.extend([
        0.0,
        -0.0,
        65504.0,
        65519.99,
        65520.0,
        1e6,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ]);
    values.extend([
        2f32.powi(-24),
        2f32.powi(-25),
        1.5 * 2f32.powi(-25),
        2049.0,
        2051.0,
        1.0 + 2f32.powi(-11),
    ]);
    let t = Tensor::from_slice(&values, &[values.len()], d).unwrap();
    let narrowed = t.to_dtype(DType::F16).unwrap().to_bytes().unwrap();
    for (i, &x) in values.iter().enumerate() {
        let got = u16::from_le_bytes([narrowed[2 * i], narrowed[2 * i + 1]]);
        let want = nearest_half(x, &finite);
        let both_nan = half_to_f32(got).is_nan() && half_to_f32(want).is_nan();
        assert!(
            got == want || both_nan,
            "{x:e}: got {got:#06x}, want {want:#06x}"
        );
    }
    // Arithmetic on halves runs in f32 and rounds once.
    let h = t.narrow(0, 0, 100).unwrap().to_dtype(DType::F16).unwrap();
    let doubled = (&h * 2.0).unwrap();
    assert_eq!(doubled.dtype(), DType::F16);
    let got = doubled
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = values[..100]
        .iter()
        .map(|&x| {
            half_to_f32(nearest_half(
                2.0 * half_to_f32(nearest_half(x, &finite)),
                &finite,
            ))
        })
        .collect();
    assert_eq!(got, want);
}
