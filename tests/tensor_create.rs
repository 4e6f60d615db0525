//! Creation ops against CPU references: host data of every element type (and its length errors),
//! constants per dtype, `arange` and `linspace` by torch's formulas, `eye`, and the seeded generator:
//! `rand` equal to a CPU Philox 4x32-10 bit for bit, `randn` to its Box-Muller transform within 1e-5, both
//! reproducible from a seed and advancing the counter like one long stream.

mod tensor_util;

use dawn::ErrorKind;
use dawn::tensor::{DType, Device, Tensor};
use tensor_util::{assert_close, device};

#[test]
fn host_data_of_every_element_type() {
    let d = device();
    let f = Tensor::from_vec(vec![1.5f32, -2.0, 3.25], &[3], d).unwrap();
    assert_eq!(f.to_vec::<f32>().unwrap(), [1.5, -2.0, 3.25]);
    let i = Tensor::from_slice(&[i32::MIN, 0, i32::MAX, 5, 6, 7], &[2, 3], d).unwrap();
    assert_eq!(i.to_vec::<i32>().unwrap(), [i32::MIN, 0, i32::MAX, 5, 6, 7]);
    let u = Tensor::from_slice(&[u32::MAX, 1], &[2], d).unwrap();
    assert_eq!(u.to_vec::<u32>().unwrap(), [u32::MAX, 1]);
    // Odd byte lengths (1, 3, 5 elements of one byte) keep every byte.
    for n in [1usize, 3, 5, 4097] {
        let bytes: Vec<u8> = (0..n).map(|k| (k * 37 % 251) as u8 + 1).collect();
        let t = Tensor::from_slice(&bytes, &[n], d).unwrap();
        assert_eq!(t.to_vec::<u8>().unwrap(), bytes);
        let signed: Vec<i8> = bytes.iter().map(|&b| b as i8).collect();
        assert_eq!(
            Tensor::from_slice(&signed, &[n], d)
                .unwrap()
                .to_vec::<i8>()
                .unwrap(),
            signed
        );
    }
    let b = Tensor::from_slice(&[true, false, true], &[3], d).unwrap();
    assert_eq!(b.to_vec::<bool>().unwrap(), [true, false, true]);
    let raw = Tensor::from_bytes(&[0x00, 0x3c, 0x00, 0xc0], &[2], DType::F16, d).unwrap();
    assert_eq!(raw.to_bytes().unwrap(), [0x00, 0x3c, 0x00, 0xc0]);
    assert_eq!(
        raw.to_dtype(DType::F32).unwrap().to_vec::<f32>().unwrap(),
        [1.0, -2.0]
    );
    let s = Tensor::from_slice(&[4.0f32], &[], d).unwrap();
    assert_eq!((s.rank(), s.item::<f32>().unwrap()), (0, 4.0));
    assert_eq!(
        Tensor::from_slice::<f32>(&[], &[0, 4], d).unwrap().shape(),
        &[0, 4]
    );
    let err = Tensor::from_slice(&[1.0f32, 2.0], &[3], d).unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (
            ErrorKind::InvalidUse,
            "shape '[3]' is invalid for input of size 2"
        )
    );
    let err = Tensor::from_bytes(&[0; 3], &[1], DType::F16, d).unwrap_err();
    assert_eq!(
        err.message(),
        "3 bytes are not a whole number of torch.float16 elements of 2 bytes"
    );
}

#[test]
fn constants_ranges_and_eye() {
    let d = device();
    assert_eq!(
        Tensor::full(&[2, 2], 2.5, DType::F32, d)
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        [2.5; 4]
    );
    assert_eq!(
        Tensor::full(&[3], -7, DType::I8, d)
            .unwrap()
            .to_vec::<i8>()
            .unwrap(),
        [-7; 3]
    );
    assert_eq!(
        Tensor::full(&[5], 300, DType::U8, d)
            .unwrap()
            .to_vec::<u8>()
            .unwrap(),
        [44; 5]
    );
    assert_eq!(
        Tensor::ones(&[3], DType::Bool, d)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        [true; 3]
    );
    assert_eq!(
        Tensor::zeros(&[2], DType::U32, d)
            .unwrap()
            .to_vec::<u32>()
            .unwrap(),
        [0; 2]
    );
    let h = Tensor::full(&[3], 0.1, DType::F16, d).unwrap();
    assert_eq!(h.to_bytes().unwrap(), [0x66, 0x2e, 0x66, 0x2e, 0x66, 0x2e]);
    let x = Tensor::arange(0.0, 1.0, 0.1, DType::F32, d).unwrap();
    let want: Vec<f32> = (0..10).map(|i| (i as f64 * 0.1) as f32).collect();
    assert_close(&x.to_vec::<f32>().unwrap(), &want, 1e-6, 1e-7);
    let down = Tensor::arange(5.0, -3.0, -2.0, DType::I32, d).unwrap();
    assert_eq!(down.to_vec::<i32>().unwrap(), [5, 3, 1, -1]);
    assert_eq!(
        Tensor::arange(2.0, 2.0, 1.0, DType::F32, d)
            .unwrap()
            .shape(),
        &[0]
    );
    let lin = Tensor::linspace(-1.0, 2.0, 7, DType::F32, d)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    assert_close(&lin, &[-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0], 1e-7, 1e-7);
    assert_eq!(*lin.last().unwrap(), 2.0);
    assert_eq!(
        Tensor::linspace(3.0, 9.0, 1, DType::F32, d)
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        [3.0]
    );
    assert_eq!(
        Tensor::linspace(0.0, 10.0, 6, DType::I32, d)
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        [0, 2, 4, 6, 8, 10]
    );
    let eye = Tensor::eye(2, 3, DType::F32, d).unwrap();
    assert_eq!(eye.to_vec::<f32>().unwrap(), [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(
        Tensor::eye(3, 3, DType::Bool, d)
            .unwrap()
            .sum((), false)
            .unwrap()
            .item::<i32>()
            .unwrap(),
        3
    );
    let like = Tensor::from_slice(&[1i32, 2], &[2], d).unwrap();
    assert_eq!(like.zeros_like().unwrap().to_vec::<i32>().unwrap(), [0, 0]);
    assert_eq!(like.ones_like().unwrap().to_vec::<i32>().unwrap(), [1, 1]);
    assert_eq!(like.full_like(9).unwrap().to_vec::<i32>().unwrap(), [9, 9]);
    let errors: Vec<(dawn::Error, &str)> = vec![
        (
            Tensor::arange(0.0, 1.0, 0.0, DType::F32, d).unwrap_err(),
            "step must be nonzero",
        ),
        (
            Tensor::arange(0.0, 1.0, -1.0, DType::F32, d).unwrap_err(),
            "upper bound and larger bound inconsistent with step sign",
        ),
        (
            Tensor::arange(0.0, 5.0, 0.5, DType::I32, d).unwrap_err(),
            "step must be nonzero",
        ),
        (
            Tensor::rand(&[2], DType::I32, d).unwrap_err(),
            "\"rand\" not implemented for 'Int'",
        ),
        (
            like.randn_like().unwrap_err(),
            "\"randn\" not implemented for 'Int'",
        ),
    ];
    for (err, message) in errors {
        assert_eq!(err.message(), message);
    }
}

/// Philox 4x32-10 with 64-bit products (an implementation independent of the kernel's).
fn philox(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (counter, key);
    for _ in 0..10 {
        let p0 = 0xD251_1F53u64 * c[0] as u64;
        let p1 = 0xCD9E_8D57u64 * c[2] as u64;
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
        k = [
            k[0].wrapping_add(0x9E37_79B9),
            k[1].wrapping_add(0xBB67_AE85),
        ];
    }
    c
}

/// The generator's words for `n` elements from counter `offset`, for `seed`.
fn stream(seed: u64, offset: u64, n: usize) -> Vec<u32> {
    (0..n.div_ceil(4) as u64)
        .flat_map(|g| {
            let c = offset + g;
            philox(
                [c as u32, (c >> 32) as u32, 0, 0],
                [seed as u32, (seed >> 32) as u32],
            )
        })
        .take(n)
        .collect()
}

fn uniform(x: u32) -> f32 {
    (x >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

#[test]
fn seeded_random_numbers() {
    // A device of its own, so that no other test draws from its generator.
    let d = Device::default_gpu().unwrap();
    d.manual_seed(1234);
    let n = 1001;
    let u = Tensor::rand(&[n], DType::F32, &d)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = stream(1234, 0, n).into_iter().map(uniform).collect();
    assert_eq!(u, want);
    assert!(u.iter().all(|&v| (0.0..1.0).contains(&v)));
    // The next call continues the stream after the groups of four the first one used.
    let next = Tensor::rand(&[3], DType::F32, &d)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let want: Vec<f32> = stream(1234, n.div_ceil(4) as u64, 3)
        .into_iter()
        .map(uniform)
        .collect();
    assert_eq!(next, want);
    // Re-seeding replays it; normals follow Box-Muller on pairs of words.
    d.manual_seed(1234);
    let again = Tensor::rand(&[n], DType::F32, &d)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    assert_eq!(again, u);
    d.manual_seed(7);
    let z = Tensor::randn(&[64, 64], DType::F32, &d).unwrap();
    let words = stream(7, 0, 64 * 64);
    let want: Vec<f32> = words
        .chunks(4)
        .flat_map(|w| {
            let pair = |a: u32, b: u32| {
                let u1 = ((a >> 8) as f64 + 1.0) / (1u64 << 24) as f64;
                let u2 = (b >> 8) as f64 / (1u64 << 24) as f64;
                let r = (-2.0 * u1.ln()).sqrt();
                let angle = 2.0 * std::f64::consts::PI * u2;
                [(r * angle.cos()) as f32, (r * angle.sin()) as f32]
            };
            let (a, b) = (pair(w[0], w[1]), pair(w[2], w[3]));
            [a[0], a[1], b[0], b[1]]
        })
        .collect();
    let got = z.to_vec::<f32>().unwrap();
    assert_close(&got, &want, 1e-5, 1e-5);
    let mean = got.iter().map(|&v| v as f64).sum::<f64>() / got.len() as f64;
    let var = got.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / got.len() as f64;
    assert!(
        mean.abs() < 0.05 && (var - 1.0).abs() < 0.08,
        "mean {mean}, variance {var}"
    );
    // Half-precision random tensors and the `_like` forms.
    let h = Tensor::rand(&[5], DType::F16, &d).unwrap();
    assert_eq!(h.dtype(), DType::F16);
    let hv = h.to_dtype(DType::F32).unwrap().to_vec::<f32>().unwrap();
    assert!(hv.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert_eq!(z.rand_like().unwrap().shape(), &[64, 64]);
}
