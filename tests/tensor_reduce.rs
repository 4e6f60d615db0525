//! Reductions against a CPU reference in `f64`: random shapes (empty and size-1 dims) and dim sets
//! (negative, several, all), `keepdim`, non-contiguous inputs, odd extents, extents long enough to be
//! split into chunks, more outputs than one grid dimension holds, NaN, ties, integer dtypes, `var`'s
//! correction, `logsumexp`, torch's empty-tensor rules and the errors.
//!
//! Tolerances: sums, means and `logsumexp` within 1e-5 relative + 1e-5 (the GPU adds in another order);
//! `var`/`std` 1e-4 relative + 1e-5; products 1e-5 relative; max/min, indices and integer sums exactly.

mod tensor_util;

use dawn::ErrorKind;
use dawn::tensor::{DType, Tensor};
use tensor_util::{Rng, assert_close, device, strides, unravel};

/// `fold` over the elements of `data` (row-major `shape`) covered by `mask`, for each kept index; the
/// fold sees values in row-major order of the reduced dims.
fn cpu_reduce(
    data: &[f32],
    shape: &[usize],
    mask: &[bool],
    fold: impl Fn(&[f64]) -> f64,
) -> (Vec<usize>, Vec<f64>) {
    let kept: Vec<usize> = (0..shape.len())
        .filter(|&d| !mask[d])
        .map(|d| shape[d])
        .collect();
    let reduced: Vec<usize> = (0..shape.len())
        .filter(|&d| mask[d])
        .map(|d| shape[d])
        .collect();
    let (nk, nr): (usize, usize) = (kept.iter().product(), reduced.iter().product());
    let st = strides(shape);
    let out = (0..nk)
        .map(|o| {
            let ko = unravel(o, &kept);
            let values: Vec<f64> = (0..nr)
                .map(|r| {
                    let ro = unravel(r, &reduced);
                    let (mut ki, mut ri, mut at) = (0, 0, 0);
                    for d in 0..shape.len() {
                        let i = if mask[d] {
                            ri += 1;
                            ro[ri - 1]
                        } else {
                            ki += 1;
                            ko[ki - 1]
                        };
                        at += i * st[d];
                    }
                    data[at] as f64
                })
                .collect();
            fold(&values)
        })
        .collect();
    (kept, out)
}

fn variance(v: &[f64], correction: f64) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - correction).max(0.0)
}

fn logsumexp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

#[test]
fn random_shapes_and_dims() {
    let mut rng = Rng(99);
    let d = device();
    for case in 0..40 {
        let rank = 1 + rng.below(4);
        let shape = rng.shape(rank, 5);
        let n: usize = shape.iter().product();
        let data = rng.values(n, -2.0, 2.0);
        let t = Tensor::from_slice(&data, &shape, d).unwrap();
        let mut mask = vec![false; rank];
        let mut dims = Vec::new();
        for (dim, m) in mask.iter_mut().enumerate() {
            if rng.below(2) == 0 {
                *m = true;
                dims.push(if rng.below(2) == 0 {
                    dim as isize
                } else {
                    dim as isize - rank as isize
                });
            }
        }
        if dims.is_empty() {
            mask.fill(true);
        }
        let keepdim = rng.below(2) == 0;
        let keep_shape: Vec<usize> = (0..rank)
            .map(|i| if mask[i] { 1 } else { shape[i] })
            .collect();
        let label = format!("case {case}: {shape:?} over {dims:?}, keepdim {keepdim}");
        let check = |got: Tensor, want: &[f64], rtol: f32, atol: f32| {
            let (kept, _) = cpu_reduce(&data, &shape, &mask, |_| 0.0);
            assert_eq!(
                got.shape(),
                if keepdim { &keep_shape[..] } else { &kept[..] },
                "{label}"
            );
            assert_close(&got.to_vec::<f32>().unwrap(), &f32s(want), rtol, atol);
        };
        let sum = cpu_reduce(&data, &shape, &mask, |v| v.iter().sum()).1;
        check(t.sum(dims.as_slice(), keepdim).unwrap(), &sum, 1e-5, 1e-5);
        let mean = cpu_reduce(&data, &shape, &mask, |v| {
            v.iter().sum::<f64>() / v.len() as f64
        })
        .1;
        check(t.mean(dims.as_slice(), keepdim).unwrap(), &mean, 1e-5, 1e-5);
        let prod = cpu_reduce(&data, &shape, &mask, |v| v.iter().product()).1;
        check(t.prod(dims.as_slice(), keepdim).unwrap(), &prod, 1e-5, 1e-6);
        let var = cpu_reduce(&data, &shape, &mask, |v| variance(v, 1.0)).1;
        check(
            t.var(dims.as_slice(), 1.0, keepdim).unwrap(),
            &var,
            1e-4,
            1e-5,
        );
        let std0 = cpu_reduce(&data, &shape, &mask, |v| variance(v, 0.0).sqrt()).1;
        check(
            t.std(dims.as_slice(), 0.0, keepdim).unwrap(),
            &std0,
            1e-4,
            1e-5,
        );
        let lse = cpu_reduce(&data, &shape, &mask, logsumexp).1;
        check(
            t.logsumexp(dims.as_slice(), keepdim).unwrap(),
            &lse,
            1e-5,
            1e-5,
        );
        let empty_reduce = (0..rank).any(|i| mask[i] && shape[i] == 0);
        if empty_reduce {
            assert_eq!(
                t.amax(dims.as_slice(), keepdim).unwrap_err().kind(),
                ErrorKind::InvalidUse
            );
        } else {
            let max = cpu_reduce(&data, &shape, &mask, |v| {
                v.iter().copied().fold(f64::MIN, f64::max)
            })
            .1;
            check(t.amax(dims.as_slice(), keepdim).unwrap(), &max, 0.0, 0.0);
            let min = cpu_reduce(&data, &shape, &mask, |v| {
                v.iter().copied().fold(f64::MAX, f64::min)
            })
            .1;
            check(t.amin(dims.as_slice(), keepdim).unwrap(), &min, 0.0, 0.0);
        }
        // Along one dim: values and indices.
        let dim = rng.below(rank);
        if shape[dim] > 0 {
            let mut one = vec![false; rank];
            one[dim] = true;
            let (values, indices) = t.max_dim(dim as isize, keepdim).unwrap();
            let want = cpu_reduce(&data, &shape, &one, |v| {
                v.iter().copied().fold(f64::MIN, f64::max)
            })
            .1;
            assert_close(&values.to_vec::<f32>().unwrap(), &f32s(&want), 0.0, 0.0);
            let argmax = cpu_reduce(&data, &shape, &one, |v| {
                let m = v.iter().copied().fold(f64::MIN, f64::max);
                v.iter().position(|&x| x == m).unwrap() as f64
            })
            .1;
            let got: Vec<f64> = indices
                .to_vec::<i32>()
                .unwrap()
                .iter()
                .map(|&i| i as f64)
                .collect();
            assert_eq!(got, argmax, "{label}: argmax over {dim}");
            let argmin = t.argmin(Some(dim as isize - rank as isize), false).unwrap();
            let want = cpu_reduce(&data, &shape, &one, |v| {
                let m = v.iter().copied().fold(f64::MAX, f64::min);
                v.iter().position(|&x| x == m).unwrap() as f64
            })
            .1;
            let got: Vec<f64> = argmin
                .to_vec::<i32>()
                .unwrap()
                .iter()
                .map(|&i| i as f64)
                .collect();
            assert_eq!(got, want, "{label}: argmin over {dim}");
        }
    }
}

#[test]
fn strided_inputs_odd_and_long_extents() {
    let mut rng = Rng(5);
    let d = device();
    // Column sums of a contiguous matrix (the lane strategy) and row sums of its transpose.
    for (rows, cols) in [(127usize, 65usize), (33, 4097), (4100, 3), (600, 2048)] {
        let data = rng.values(rows * cols, -1.0, 1.0);
        let t = Tensor::from_slice(&data, &[rows, cols], d).unwrap();
        let cols_sum = cpu_reduce(&data, &[rows, cols], &[true, false], |v| v.iter().sum()).1;
        let rows_sum = cpu_reduce(&data, &[rows, cols], &[false, true], |v| v.iter().sum()).1;
        assert_close(
            &t.sum(0, false).unwrap().to_vec::<f32>().unwrap(),
            &f32s(&cols_sum),
            1e-5,
            1e-4,
        );
        assert_close(
            &t.sum(1, false).unwrap().to_vec::<f32>().unwrap(),
            &f32s(&rows_sum),
            1e-5,
            1e-4,
        );
        let tt = t.t().unwrap();
        assert_close(
            &tt.sum(1, false).unwrap().to_vec::<f32>().unwrap(),
            &f32s(&cols_sum),
            1e-5,
            1e-4,
        );
        let max = cpu_reduce(&data, &[rows, cols], &[true, false], |v| {
            v.iter().copied().fold(f64::MIN, f64::max)
        })
        .1;
        assert_close(
            &tt.amax(-1, false).unwrap().to_vec::<f32>().unwrap(),
            &f32s(&max),
            0.0,
            0.0,
        );
    }
    // A stepped slice and an expanded (stride-0) input.
    let data = rng.values(10 * 12, -1.0, 1.0);
    let t = Tensor::from_slice(&data, &[10, 12], d).unwrap();
    let stepped = t.slice(1, 1.., 3).unwrap();
    let want: Vec<f32> = (0..10)
        .map(|r| (0..4).map(|k| data[r * 12 + 1 + 3 * k] as f64).sum::<f64>() as f32)
        .collect();
    assert_close(
        &stepped.sum(1, false).unwrap().to_vec::<f32>().unwrap(),
        &want,
        1e-6,
        1e-6,
    );
    let row = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3], d).unwrap();
    let expanded = row.expand(&[1000, 3]).unwrap();
    assert_eq!(
        expanded.sum(0, false).unwrap().to_vec::<f32>().unwrap(),
        [1000.0, 2000.0, 3000.0]
    );
    // Everything at once: long enough to be split into chunks and folded in a second pass.
    let n = 300_001;
    let ints: Vec<i32> = rng.ints(n, -1000, 1000);
    let big = Tensor::from_slice(&ints, &[n], d).unwrap();
    let want: i64 = ints.iter().map(|&x| x as i64).sum();
    assert_eq!(
        big.sum((), false).unwrap().item::<i32>().unwrap() as i64,
        want
    );
    let (m, i) = big.max_dim(0, false).unwrap();
    let max = *ints.iter().max().unwrap();
    assert_eq!(m.item::<i32>().unwrap(), max);
    assert_eq!(
        i.item::<i32>().unwrap() as usize,
        ints.iter().position(|&x| x == max).unwrap()
    );
    let floats = big.to_dtype(DType::F32).unwrap();
    let mean = want as f64 / n as f64;
    assert_close(
        &[floats.mean((), false).unwrap().item::<f32>().unwrap()],
        &[mean as f32],
        1e-4,
        1e-4,
    );
    let var = variance(&ints.iter().map(|&x| x as f64).collect::<Vec<_>>(), 1.0);
    assert_close(
        &[floats.var((), 1.0, false).unwrap().item::<f32>().unwrap()],
        &[var as f32],
        1e-4,
        0.0,
    );
    // More outputs than one grid dimension (65,535 workgroups) holds.
    let wide = Tensor::ones(&[70_000, 4], DType::I32, d).unwrap();
    let sums = wide.sum(1, false).unwrap().to_vec::<i32>().unwrap();
    assert_eq!(sums.len(), 70_000);
    assert!(sums.iter().all(|&s| s == 4));
    // Columns of a tall matrix: few outputs, each long (a chunked strided walk).
    let tall = Tensor::ones(&[20_000, 8], DType::F32, d).unwrap();
    assert_eq!(
        tall.sum(0, false).unwrap().to_vec::<f32>().unwrap(),
        [20_000.0; 8]
    );
}

#[test]
fn nan_ties_and_integer_dtypes() {
    let d = device();
    let nan = f32::NAN;
    let t = Tensor::from_slice(&[1.0f32, nan, 3.0, 3.0, 2.0, 3.0], &[2, 3], d).unwrap();
    assert!(t.sum((), false).unwrap().item::<f32>().unwrap().is_nan());
    assert_close(
        &t.amax(1, false).unwrap().to_vec::<f32>().unwrap(),
        &[nan, 3.0],
        0.0,
        0.0,
    );
    assert_close(
        &t.amin(1, false).unwrap().to_vec::<f32>().unwrap(),
        &[nan, 2.0],
        0.0,
        0.0,
    );
    assert_eq!(
        t.argmax(Some(1), false).unwrap().to_vec::<i32>().unwrap(),
        [1, 0]
    );
    assert_eq!(t.argmax(None, false).unwrap().item::<i32>().unwrap(), 1);
    let (v, i) = t.min_dim(0, true).unwrap();
    assert_eq!(v.shape(), &[1, 3]);
    assert_close(&v.to_vec::<f32>().unwrap(), &[1.0, nan, 3.0], 0.0, 0.0);
    assert_eq!(i.to_vec::<i32>().unwrap(), [0, 0, 0]);
    let ties = Tensor::from_slice(&[5i32, 9, 9, 1, 9], &[5], d).unwrap();
    assert_eq!(ties.argmax(None, true).unwrap().shape(), &[1]);
    assert_eq!(
        ties.argmax(Some(0), false).unwrap().item::<i32>().unwrap(),
        1
    );
    assert_eq!(ties.max().unwrap().item::<i32>().unwrap(), 9);
    assert_eq!(ties.min().unwrap().item::<i32>().unwrap(), 1);
    assert_eq!(
        ties.prod((), false).unwrap().item::<i32>().unwrap(),
        5 * 9 * 9 * 9
    );
    let bytes = Tensor::from_slice(&[200u8, 100, 7], &[3], d).unwrap();
    let s = bytes.sum((), false).unwrap();
    assert_eq!((s.dtype(), s.item::<i32>().unwrap()), (DType::I32, 307));
    let m = bytes.amax((), false).unwrap();
    assert_eq!((m.dtype(), m.item::<u8>().unwrap()), (DType::U8, 200));
    let signed = Tensor::from_slice(&[-100i8, 5, -7], &[3], d).unwrap();
    assert_eq!(signed.amin((), false).unwrap().item::<i8>().unwrap(), -100);
    assert_eq!(
        signed.argmax(None, false).unwrap().item::<i32>().unwrap(),
        1
    );
    let bools = Tensor::from_slice(&[true, false, true, true], &[4], d).unwrap();
    assert_eq!(bools.sum((), false).unwrap().item::<i32>().unwrap(), 3);
    assert!(bools.amax((), false).unwrap().item::<bool>().unwrap());
    let wraps = Tensor::from_slice(&[i32::MAX, 1], &[2], d).unwrap();
    assert_eq!(
        wraps.sum((), false).unwrap().item::<i32>().unwrap(),
        i32::MIN
    );
    let half = Tensor::from_slice(&[0.5f32, 1.5, 2.0], &[3], d)
        .unwrap()
        .to_dtype(DType::F16)
        .unwrap();
    let hs = half.sum((), false).unwrap();
    assert_eq!(hs.dtype(), DType::F16);
    assert_eq!(hs.to_dtype(DType::F32).unwrap().item::<f32>().unwrap(), 4.0);
    assert_eq!(half.mean((), false).unwrap().dtype(), DType::F16);
    let li = Tensor::from_slice(&[0i32, 0], &[2], d)
        .unwrap()
        .logsumexp((), false)
        .unwrap();
    assert_eq!(li.dtype(), DType::F32);
    assert_close(&[li.item::<f32>().unwrap()], &[2f32.ln()], 1e-6, 0.0);
    let inf = Tensor::from_slice(
        &[f32::NEG_INFINITY, f32::NEG_INFINITY, f32::INFINITY, 1.0],
        &[2, 2],
        d,
    )
    .unwrap();
    assert_close(
        &inf.logsumexp(1, false).unwrap().to_vec::<f32>().unwrap(),
        &[f32::NEG_INFINITY, f32::INFINITY],
        0.0,
        0.0,
    );
}

#[test]
fn corrections_and_empty_tensors() {
    let d = device();
    let two = Tensor::from_slice(&[1.0f32, 3.0], &[2], d).unwrap();
    assert_eq!(two.var((), 0.0, false).unwrap().item::<f32>().unwrap(), 1.0);
    assert_eq!(two.var((), 1.0, false).unwrap().item::<f32>().unwrap(), 2.0);
    assert_eq!(
        two.var((), 2.0, false).unwrap().item::<f32>().unwrap(),
        f32::INFINITY
    );
    assert_eq!(
        two.std((), 1.0, false).unwrap().item::<f32>().unwrap(),
        2f32.sqrt()
    );
    let one = Tensor::from_slice(&[4.0f32], &[1], d).unwrap();
    assert!(
        one.var((), 1.0, false)
            .unwrap()
            .item::<f32>()
            .unwrap()
            .is_nan()
    );
    let empty = Tensor::zeros(&[0, 3], DType::F32, d).unwrap();
    assert_eq!(empty.sum((), false).unwrap().item::<f32>().unwrap(), 0.0);
    assert_eq!(
        empty.sum(0, false).unwrap().to_vec::<f32>().unwrap(),
        [0.0; 3]
    );
    assert_eq!(
        empty.prod(0, false).unwrap().to_vec::<f32>().unwrap(),
        [1.0; 3]
    );
    assert!(
        empty
            .mean(0, false)
            .unwrap()
            .to_vec::<f32>()
            .unwrap()
            .iter()
            .all(|v| v.is_nan())
    );
    assert_eq!(
        empty.logsumexp(0, false).unwrap().to_vec::<f32>().unwrap(),
        [f32::NEG_INFINITY; 3]
    );
    // Reducing the non-empty dim of an empty tensor is fine: the result is empty.
    assert_eq!(empty.amax(1, false).unwrap().shape(), &[0]);
    assert_eq!(empty.sum(1, true).unwrap().shape(), &[0, 1]);
    let scalar = Tensor::scalar(2.5, DType::F32, d).unwrap();
    assert_eq!(scalar.sum((), false).unwrap().shape(), &[] as &[usize]);
    assert_eq!(scalar.sum(0, true).unwrap().item::<f32>().unwrap(), 2.5);
    assert_eq!(
        scalar.argmax(None, false).unwrap().item::<i32>().unwrap(),
        0
    );
    let ints = Tensor::zeros(&[3], DType::I32, d).unwrap();
    let cases: Vec<(dawn::Error, &str)> = vec![
        (
            empty.amax((), false).unwrap_err(),
            "cannot perform reduction function amax on a tensor with no elements because the operation does not have an identity",
        ),
        (
            empty.max().unwrap_err(),
            "cannot perform reduction function max on a tensor with no elements because the operation does not have an identity",
        ),
        (
            empty.argmax(None, false).unwrap_err(),
            "cannot perform reduction function argmax on a tensor with no elements because the operation does not have an identity",
        ),
        (
            empty.amin(0, false).unwrap_err(),
            "amin(): Expected reduction dim 0 to have non-zero size.",
        ),
        (
            empty.max_dim(-2, false).unwrap_err(),
            "max(): Expected reduction dim 0 to have non-zero size.",
        ),
        (
            ints.mean((), false).unwrap_err(),
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int",
        ),
        (
            ints.var((), 1.0, false).unwrap_err(),
            "std and var only support floating point and complex dtypes",
        ),
        (
            two.sum([0, -1], false).unwrap_err(),
            "dim 0 appears multiple times in the list of dims",
        ),
        (
            two.sum(1, false).unwrap_err(),
            "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
        ),
    ];
    for (err, message) in cases {
        assert_eq!(err.kind(), ErrorKind::InvalidUse, "{err}");
        assert_eq!(err.message(), message);
    }
}
