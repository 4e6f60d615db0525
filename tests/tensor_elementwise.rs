//! Binary elementwise ops against CPU references: seeded random shapes (empty and size-1 dims
//! included) with both operands broadcast at once, non-contiguous operands (transposed, stepped,
//! expanded), odd sizes on the vector and scalar paths, NaN and infinity, numbers on either side,
//! torch's type promotion and integer wrapping, `where_`, `masked_fill`, `clamp`, and the errors.
//!
//! Tolerances: `+ - *`, comparisons, `maximum`/`minimum` and integer ops are exact; `/` within 1e-6
//! relative (WGSL allows 2.5 ulp); `pow` within 1e-5 relative.

mod tensor_util;

use dawn::ErrorKind;
use dawn::tensor::{DType, Tensor, where_cond};
use tensor_util::{Rng, assert_close, broadcast_map, device};

type F = fn(f32, f32) -> f32;

fn binary_ops() -> Vec<(&'static str, F, f32)> {
    vec![
        ("add", |a, b| a + b, 0.0),
        ("sub", |a, b| a - b, 0.0),
        ("mul", |a, b| a * b, 0.0),
        ("div", |a, b| a / b, 1e-6),
        (
            "pow",
            |a: f32, b| (a.abs() as f64).powf(b as f64) as f32,
            1e-5,
        ),
        ("maximum", |a: f32, b: f32| a.max(b), 0.0),
        ("minimum", |a: f32, b: f32| a.min(b), 0.0),
    ]
}

fn apply(name: &str, a: &Tensor, b: &Tensor) -> Tensor {
    match name {
        "add" => a.add(b),
        "sub" => a.sub(b),
        "mul" => a.mul(b),
        "div" => a.div(b),
        "pow" => a.abs().unwrap().pow(b),
        "maximum" => a.maximum(b),
        "minimum" => a.minimum(b),
        _ => unreachable!(),
    }
    .unwrap()
}

/// Two shapes that broadcast to `out`, each dim independently kept, set to 1 or (leading) dropped.
fn broadcast_pair(rng: &mut Rng, out: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let side = |rng: &mut Rng| -> Vec<usize> {
        let drop = rng.below(out.len() + 1).min(rng.below(2) * out.len());
        out[drop..]
            .iter()
            .map(|&d| if rng.below(3) == 0 { 1 } else { d })
            .collect()
    };
    (side(rng), side(rng))
}

#[test]
fn random_broadcasts_match_the_cpu() {
    let mut rng = Rng(42);
    let d = device();
    for case in 0..60 {
        let rank = 1 + rng.below(4);
        let out = rng.shape(rank, 5);
        let (sa, sb) = broadcast_pair(&mut rng, &out);
        let na: usize = sa.iter().product();
        let nb: usize = sb.iter().product();
        let (va, vb) = (rng.values(na, -3.0, 3.0), rng.values(nb, -2.0, 2.0));
        let a = Tensor::from_slice(&va, &sa, d).unwrap();
        let b = Tensor::from_slice(&vb, &sb, d).unwrap();
        for (name, f, rtol) in binary_ops() {
            let got = apply(name, &a, &b);
            let (shape, want) = broadcast_map(&va, &sa, &vb, &sb, f);
            assert_eq!(got.shape(), &shape[..], "case {case} {name} {sa:?} {sb:?}");
            assert_close(&got.to_vec::<f32>().unwrap(), &want, rtol, 0.0);
        }
        let lt = a.lt(&b).unwrap();
        let (_, want) = broadcast_map(&va, &sa, &vb, &sb, |x, y| x < y);
        assert_eq!(lt.to_vec::<bool>().unwrap(), want, "case {case} lt");
    }
}

#[test]
fn non_contiguous_operands() {
    let mut rng = Rng(7);
    let d = device();
    let va = rng.values(6 * 8, -5.0, 5.0);
    let a = Tensor::from_slice(&va, &[6, 8], d).unwrap();
    // Transposed + stepped slice of a transposed tensor: [8, 6] and [8, 3].
    let at = a.t().unwrap();
    let stepped = at.slice(1, 0.., 2).unwrap();
    let sum = (&at.narrow(1, 0, 3).unwrap() + &stepped).unwrap();
    let want: Vec<f32> = (0..8 * 3)
        .map(|i| {
            let (r, c) = (i / 3, i % 3);
            va[c * 8 + r] + va[(2 * c) * 8 + r]
        })
        .collect();
    assert_eq!(sum.to_vec::<f32>().unwrap(), want);
    // An expanded row against a transposed matrix, and a view with an odd offset.
    let row = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[6], d).unwrap();
    let prod = (&at * &row.expand(&[8, 6]).unwrap()).unwrap();
    let want: Vec<f32> = (0..48)
        .map(|i| va[(i % 6) * 8 + i / 6] * (1 + i % 6) as f32)
        .collect();
    assert_eq!(prod.to_vec::<f32>().unwrap(), want);
    let flat = a.flatten(0, -1).unwrap();
    let odd = flat.narrow(0, 1, 45).unwrap();
    let got = (&odd - 1.0).unwrap().to_vec::<f32>().unwrap();
    let want: Vec<f32> = va[1..46].iter().map(|v| v - 1.0).collect();
    assert_eq!(got, want);
}

#[test]
fn odd_sizes_on_both_paths() {
    let mut rng = Rng(9);
    let d = device();
    for n in [1usize, 3, 33, 65, 127, 4097, 4100] {
        let (va, vb) = (rng.values(n, -1.0, 1.0), rng.values(n, -1.0, 1.0));
        let a = Tensor::from_slice(&va, &[n], d).unwrap();
        let b = Tensor::from_slice(&vb, &[n], d).unwrap();
        let want: Vec<f32> = va.iter().zip(&vb).map(|(x, y)| x * y + x).collect();
        let got = ((&a * &b) + &a).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(got, want, "n = {n}");
        // A byte-sized result (four per word) and an offset view.
        let mask = a.gt(&b).unwrap().to_vec::<bool>().unwrap();
        assert_eq!(
            mask,
            va.iter().zip(&vb).map(|(x, y)| x > y).collect::<Vec<_>>(),
            "n = {n}"
        );
        if n > 2 {
            let shifted = a.narrow(0, 1, n - 2).unwrap();
            let got = (&shifted + &shifted).unwrap().to_vec::<f32>().unwrap();
            assert_eq!(got, va[1..n - 1].iter().map(|v| v + v).collect::<Vec<_>>());
        }
    }
    // A broadcast of a column: the vector path with a stride-0 inner operand.
    let m = Tensor::from_slice(&rng.values(33 * 8, -1.0, 1.0), &[33, 8], d).unwrap();
    let col = Tensor::from_slice(&rng.values(33, -1.0, 1.0), &[33, 1], d).unwrap();
    let (mv, cv) = (m.to_vec::<f32>().unwrap(), col.to_vec::<f32>().unwrap());
    let got = (&m + &col).unwrap().to_vec::<f32>().unwrap();
    let want: Vec<f32> = (0..33 * 8).map(|i| mv[i] + cv[i / 8]).collect();
    assert_eq!(got, want);
}

#[test]
fn nan_and_infinity_propagate() {
    let d = device();
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let a = Tensor::from_slice(&[nan, 1.0, inf, -inf, 0.0, nan], &[6], d).unwrap();
    let b = Tensor::from_slice(&[1.0f32, nan, 1.0, inf, 0.0, nan], &[6], d).unwrap();
    assert_close(
        &a.add(&b).unwrap().to_vec::<f32>().unwrap(),
        &[nan, nan, inf, nan, 0.0, nan],
        0.0,
        0.0,
    );
    assert_close(
        &a.maximum(&b).unwrap().to_vec::<f32>().unwrap(),
        &[nan, nan, inf, inf, 0.0, nan],
        0.0,
        0.0,
    );
    assert_close(
        &a.minimum(&b).unwrap().to_vec::<f32>().unwrap(),
        &[nan, nan, 1.0, -inf, 0.0, nan],
        0.0,
        0.0,
    );
    assert_close(
        &a.div(&b).unwrap().to_vec::<f32>().unwrap(),
        &[nan, nan, inf, nan, nan, nan],
        0.0,
        0.0,
    );
    assert_eq!(
        a.eq(&a).unwrap().to_vec::<bool>().unwrap(),
        [false, true, true, true, true, false]
    );
    assert_eq!(
        a.ne(&b).unwrap().to_vec::<bool>().unwrap(),
        [true, true, true, true, false, true]
    );
    assert_close(
        &a.relu().unwrap().to_vec::<f32>().unwrap(),
        &[nan, 1.0, inf, 0.0, 0.0, nan],
        0.0,
        0.0,
    );
    assert_close(
        &a.clamp(-1.0, 1.0).unwrap().to_vec::<f32>().unwrap(),
        &[nan, 1.0, 1.0, -1.0, 0.0, nan],
        0.0,
        0.0,
    );
    let p = Tensor::from_slice(&[-2.0f32, -2.0, 0.0, 0.0, nan, 1.0, 4.0], &[7], d).unwrap();
    let e = Tensor::from_slice(&[3.0f32, 0.5, -1.0, 0.0, 0.0, nan, 0.5], &[7], d).unwrap();
    assert_close(
        &p.pow(&e).unwrap().to_vec::<f32>().unwrap(),
        &[-8.0, nan, inf, 1.0, 1.0, 1.0, 2.0],
        1e-6,
        0.0,
    );
}

#[test]
fn numbers_on_either_side() {
    let d = device();
    let t = Tensor::from_slice(&[1.0f32, 2.0, 4.0], &[3], d).unwrap();
    assert_eq!(
        (2.0 - &t).unwrap().to_vec::<f32>().unwrap(),
        [1.0, 0.0, -2.0]
    );
    assert_eq!(
        (&t - 2.0).unwrap().to_vec::<f32>().unwrap(),
        [-1.0, 0.0, 2.0]
    );
    assert_eq!(
        (8.0f32 / &t).unwrap().to_vec::<f32>().unwrap(),
        [8.0, 4.0, 2.0]
    );
    assert_eq!(
        (3 * t.clone()).unwrap().to_vec::<f32>().unwrap(),
        [3.0, 6.0, 12.0]
    );
    assert_eq!(
        t.rpow(2.0).unwrap().to_vec::<f32>().unwrap(),
        [2.0, 4.0, 16.0]
    );
    assert_eq!(
        t.rsub(1).unwrap().to_vec::<f32>().unwrap(),
        [0.0, -1.0, -3.0]
    );
    assert_eq!((-&t).unwrap().to_vec::<f32>().unwrap(), [-1.0, -2.0, -4.0]);
    assert_eq!(
        ((&t + &t) * &t).unwrap().to_vec::<f32>().unwrap(),
        [2.0, 8.0, 32.0]
    );
    assert_eq!(
        t.maximum(2).unwrap().to_vec::<f32>().unwrap(),
        [2.0, 2.0, 4.0]
    );
    assert_eq!(
        t.ge(2.0).unwrap().to_vec::<bool>().unwrap(),
        [false, true, true]
    );
}

#[test]
fn promotion_and_integer_arithmetic() {
    let d = device();
    let i = Tensor::from_slice(&[1i32, -7, 100], &[3], d).unwrap();
    let f = Tensor::from_slice(&[0.5f32, 0.5, 0.5], &[3], d).unwrap();
    let sum = (&i + &f).unwrap();
    assert_eq!(sum.dtype(), DType::F32);
    assert_eq!(sum.to_vec::<f32>().unwrap(), [1.5, -6.5, 100.5]);
    assert_eq!((&i + 2.5).unwrap().dtype(), DType::F32);
    assert_eq!((&i * 3).unwrap().to_vec::<i32>().unwrap(), [3, -21, 300]);
    // Integer division is true division.
    let q = i.div(2).unwrap();
    assert_eq!(
        (q.dtype(), q.to_vec::<f32>().unwrap()),
        (DType::F32, vec![0.5, -3.5, 50.0])
    );
    // Wrapping at each type's width.
    let big = Tensor::from_slice(&[i32::MAX, i32::MIN], &[2], d).unwrap();
    assert_eq!(
        (&big + 1).unwrap().to_vec::<i32>().unwrap(),
        [i32::MIN, i32::MIN + 1]
    );
    let u = Tensor::from_slice(&[200u8, 3, 250], &[3], d).unwrap();
    let wrapped = (&u + 100).unwrap();
    assert_eq!(
        (wrapped.dtype(), wrapped.to_vec::<u8>().unwrap()),
        (DType::U8, vec![44, 103, 94])
    );
    assert_eq!((&u - 5).unwrap().to_vec::<u8>().unwrap(), [195, 254, 245]);
    let s = Tensor::from_slice(&[-128i8, 127, -3], &[3], d).unwrap();
    assert_eq!((&s * 2).unwrap().to_vec::<i8>().unwrap(), [0, -2, -6]);
    assert_eq!(s.abs().unwrap().to_vec::<i8>().unwrap(), [-128, 127, 3]);
    // uint8 with int8 promotes (torch: int16; here int32).
    let mixed = (&u + &s).unwrap();
    assert_eq!(
        (mixed.dtype(), mixed.to_vec::<i32>().unwrap()),
        (DType::I32, vec![72, 130, 247])
    );
    // A 0-dim tensor does not widen a dimensioned one of its category.
    let zero_dim = Tensor::scalar(1000, DType::I32, d).unwrap();
    assert_eq!((&s + &zero_dim).unwrap().dtype(), DType::I8);
    assert_eq!(
        i.pow(3).unwrap().to_vec::<i32>().unwrap(),
        [1, -343, 1_000_000]
    );
    assert_eq!(i.maximum(0).unwrap().to_vec::<i32>().unwrap(), [1, 0, 100]);
    let bools = Tensor::from_slice(&[true, false, true], &[3], d).unwrap();
    assert_eq!(
        (&bools + &bools).unwrap().to_vec::<bool>().unwrap(),
        [true, false, true]
    );
    assert_eq!((&bools + 1).unwrap().to_vec::<i32>().unwrap(), [2, 1, 2]);
    assert_eq!(
        bools
            .lt(&bools.logical_not().unwrap())
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        [false, true, false]
    );
    let h = Tensor::from_slice(&[1.0f32, 2.0], &[2], d)
        .unwrap()
        .to_dtype(DType::F16)
        .unwrap();
    assert_eq!((&h + 0.5).unwrap().dtype(), DType::F16);
    assert_eq!(
        (&h + &Tensor::ones(&[2], DType::F32, d).unwrap())
            .unwrap()
            .dtype(),
        DType::F32
    );
    let u32s = Tensor::from_slice(&[1u32], &[1], d).unwrap();
    let e = (&u32s + &i.narrow(0, 0, 1).unwrap()).unwrap_err();
    assert_eq!(
        e.message(),
        "promoting torch.uint32 with torch.int32 needs torch.int64, which dawn::tensor does not have; convert \
         one operand with to_dtype first"
    );
}

#[test]
fn where_masked_fill_clamp_and_logic() {
    let d = device();
    let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0, -4.0], &[2, 2], d).unwrap();
    let positive = x.gt(0).unwrap();
    assert_eq!(
        x.where_(&positive, 0.0).unwrap().to_vec::<f32>().unwrap(),
        [1.0, 0.0, 3.0, 0.0]
    );
    // Condition, input and other broadcast together: [2, 1] with [2] with [2, 2].
    let cond = Tensor::from_slice(&[true, false], &[2, 1], d).unwrap();
    let a = Tensor::from_slice(&[10i32, 20], &[2], d).unwrap();
    let w = where_cond(&cond, &a, &x).unwrap();
    assert_eq!(w.dtype(), DType::F32);
    assert_eq!(w.to_vec::<f32>().unwrap(), [10.0, 20.0, 3.0, -4.0]);
    assert_eq!(
        where_cond(&cond, 1, 0.5).unwrap().to_vec::<f32>().unwrap(),
        [1.0, 0.5]
    );
    let filled = x.masked_fill(&positive, 9).unwrap();
    assert_eq!(filled.to_vec::<f32>().unwrap(), [9.0, -2.0, 9.0, -4.0]);
    let ints = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2], d).unwrap();
    let value = Tensor::scalar(7.9, DType::F32, d).unwrap();
    assert_eq!(
        ints.masked_fill(&positive, &value)
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        [7, 2, 7, 4]
    );
    assert_eq!(
        x.clamp(-1, 2).unwrap().to_vec::<f32>().unwrap(),
        [1.0, -1.0, 2.0, -1.0]
    );
    assert_eq!(
        x.clamp_min(0).unwrap().to_vec::<f32>().unwrap(),
        [1.0, 0.0, 3.0, 0.0]
    );
    assert_eq!(
        ints.clamp_max(2).unwrap().to_vec::<i32>().unwrap(),
        [1, 2, 2, 2]
    );
    let c = ints.clamp(1.5, 3).unwrap();
    assert_eq!(
        (c.dtype(), c.to_vec::<f32>().unwrap()),
        (DType::F32, vec![1.5, 2.0, 3.0, 3.0])
    );
    let lo = Tensor::from_slice(&[0.0f32, -3.0], &[2], d).unwrap();
    assert_eq!(
        x.clamp(&lo, 2.5).unwrap().to_vec::<f32>().unwrap(),
        [1.0, -2.0, 2.5, -3.0]
    );
    let p = Tensor::from_slice(&[true, true, false, false], &[4], d).unwrap();
    let q = Tensor::from_slice(&[1.0f32, 0.0, 2.0, 0.0], &[4], d).unwrap();
    assert_eq!(
        p.logical_and(&q).unwrap().to_vec::<bool>().unwrap(),
        [true, false, false, false]
    );
    assert_eq!(
        p.logical_or(&q).unwrap().to_vec::<bool>().unwrap(),
        [true, true, true, false]
    );
    assert_eq!(
        p.logical_xor(&q).unwrap().to_vec::<bool>().unwrap(),
        [false, true, true, false]
    );
    assert_eq!(
        q.logical_not().unwrap().to_vec::<bool>().unwrap(),
        [false, true, false, true]
    );
}

#[test]
fn errors_in_torch_words() {
    let d = device();
    let a = Tensor::zeros(&[2, 3], DType::F32, d).unwrap();
    let b = Tensor::zeros(&[2, 4], DType::F32, d).unwrap();
    let bools = Tensor::zeros(&[3], DType::Bool, d).unwrap();
    let ints = Tensor::zeros(&[3], DType::I32, d).unwrap();
    let cases: Vec<(dawn::Error, &str)> = vec![
        (
            (&a + &b).unwrap_err(),
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
        ),
        (
            (-&bools).unwrap_err(),
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
        ),
        (
            (&bools - &bools).unwrap_err(),
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
        ),
        (
            (&bools - true).unwrap_err(),
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
        ),
        (
            ints.pow(-1).unwrap_err(),
            "Integers to negative integer powers are not allowed.",
        ),
        (
            a.where_(&a, 0).unwrap_err(),
            "where expected condition to be a boolean tensor, but got a tensor with dtype Float",
        ),
        (
            a.masked_fill(&ints, 0).unwrap_err(),
            "masked_fill_ only supports boolean masks, but got mask with dtype int",
        ),
        (
            ints.masked_fill(&bools, &ints).unwrap_err(),
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).",
        ),
        (
            bools.abs().unwrap_err(),
            "\"abs\" not implemented for 'Bool'",
        ),
        (
            a.to_vec::<i32>().unwrap_err(),
            "to_vec::<i32>() needs a tensor of dtype torch.int32, but the tensor has dtype torch.float32",
        ),
        (
            a.item::<f32>().unwrap_err(),
            "a Tensor with 6 elements cannot be converted to Scalar",
        ),
    ];
    for (err, message) in cases {
        assert_eq!(err.kind(), ErrorKind::InvalidUse, "{err}");
        assert_eq!(err.message(), message);
    }
    assert_eq!(
        a.add(&Tensor::zeros(&[5, 1, 1], DType::F32, d).unwrap())
            .unwrap()
            .shape(),
        &[5, 2, 3]
    );
}
