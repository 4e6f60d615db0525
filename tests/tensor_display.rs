//! `Display` against the strings torch prints for the same tensors, written by hand from
//! `torch/_tensor_str.py`'s rules (`scripts/torch_display.py` prints torch's own output for every case,
//! in the same order, to check them against a real torch).

mod tensor_util;

use dawn::tensor::{DType, Tensor};
use tensor_util::device;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(values, shape, device()).unwrap()
}

fn range(n: usize, dtype: DType) -> Tensor {
    Tensor::arange(0.0, n as f64, 1.0, dtype, device()).unwrap()
}

#[test]
fn prints_as_torch_prints() {
    let d = device();
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let cases: Vec<(Tensor, &str)> = vec![
        (t(&[1.0, 2.0, 3.0], &[3]), "tensor([1., 2., 3.])"),
        (
            t(&[1.5, 2.25, -3.125], &[3]),
            "tensor([ 1.5000,  2.2500, -3.1250])",
        ),
        (t(&[1e-5, 1.0], &[2]), "tensor([1.0000e-05, 1.0000e+00])"),
        (t(&[1.0, 1e9], &[2]), "tensor([1.0000e+00, 1.0000e+09])"),
        (
            t(&[1.0, nan, inf, -inf], &[4]),
            "tensor([1., nan, inf, -inf])",
        ),
        (t(&[100.5, 0.25], &[2]), "tensor([100.5000,   0.2500])"),
        (t(&[-1.0, 2.0], &[2]), "tensor([-1.,  2.])"),
        (
            Tensor::zeros(&[2, 3], DType::F32, d).unwrap(),
            "tensor([[0., 0., 0.],\n        [0., 0., 0.]])",
        ),
        (
            range(8, DType::F32).reshape(&[2, 2, 2]).unwrap(),
            "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])",
        ),
        (
            (range(12, DType::F32) / 4.0).unwrap(),
            "tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000, 1.2500, 1.5000, 1.7500, 2.0000,\n        2.2500, 2.5000, 2.7500])",
        ),
        (
            Tensor::from_slice(&[1i32, -20, 300], &[3], d).unwrap(),
            "tensor([  1, -20, 300], dtype=torch.int32)",
        ),
        (
            (range(20, DType::I32) * 1000).unwrap(),
            "tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,\n        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000],\n       dtype=torch.int32)",
        ),
        (
            Tensor::from_slice(&[true, false], &[2], d).unwrap(),
            "tensor([ True, False])",
        ),
        (
            Tensor::from_slice(&[1u8, 255], &[2], d).unwrap(),
            "tensor([  1, 255], dtype=torch.uint8)",
        ),
        (
            Tensor::from_slice(&[-5i8, 7], &[2], d).unwrap(),
            "tensor([-5,  7], dtype=torch.int8)",
        ),
        (
            Tensor::from_slice(&[7u32], &[1], d).unwrap(),
            "tensor([7], dtype=torch.uint32)",
        ),
        (
            t(&[1.5, 2.0], &[2]).to_dtype(DType::F16).unwrap(),
            "tensor([1.5000, 2.0000], dtype=torch.float16)",
        ),
        (
            Tensor::scalar(3.5, DType::F32, d).unwrap(),
            "tensor(3.5000)",
        ),
        (Tensor::scalar(2.0, DType::F32, d).unwrap(), "tensor(2.)"),
        (
            Tensor::scalar(7, DType::I32, d).unwrap(),
            "tensor(7, dtype=torch.int32)",
        ),
        (Tensor::zeros(&[0], DType::F32, d).unwrap(), "tensor([])"),
        (
            Tensor::zeros(&[2, 0], DType::F32, d).unwrap(),
            "tensor([], size=(2, 0))",
        ),
        (
            Tensor::zeros(&[0], DType::I32, d).unwrap(),
            "tensor([], dtype=torch.int32)",
        ),
        (
            Tensor::zeros(&[0], DType::Bool, d).unwrap(),
            "tensor([], dtype=torch.bool)",
        ),
        (
            range(2000, DType::F32),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])",
        ),
        (
            range(2000, DType::I32),
            "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], dtype=torch.int32)",
        ),
        (
            Tensor::ones(&[40, 40], DType::F32, d).unwrap(),
            "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.]])",
        ),
        (
            // 3 x 500: only the long dim is summarised; each row shows its edges (and the ratio of the
            // largest to the smallest stays under 1000: fixed notation).
            ((range(1500, DType::F32).reshape(&[3, 500]).unwrap() + 1000.0).unwrap() / 1000.0)
                .unwrap(),
            "tensor([[1.0000, 1.0010, 1.0020,  ..., 1.4970, 1.4980, 1.4990],\n        [1.5000, 1.5010, 1.5020,  ..., 1.9970, 1.9980, 1.9990],\n        [2.0000, 2.0010, 2.0020,  ..., 2.4970, 2.4980, 2.4990]])",
        ),
        (
            // A transposed (non-contiguous) view prints its logical order.
            range(6, DType::F32).reshape(&[2, 3]).unwrap().t().unwrap(),
            "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])",
        ),
    ];
    for (i, (tensor, want)) in cases.iter().enumerate() {
        assert_eq!(tensor.to_string(), *want, "case {i}");
    }
}

#[test]
fn a_print_reads_back_only_the_edges() {
    // 8 dims of 7: the edge view needs 16 dims, so the whole tensor is read (once) and the edges picked
    // on the host; the text is the same as for the edge view of a smaller tensor of the same values.
    let big = Tensor::ones(&[7; 8], DType::I32, device()).unwrap();
    let text = big.to_string();
    assert!(
        text.starts_with("tensor([[[[[[[[1, 1, 1,  ..., 1, 1, 1],"),
        "{text}"
    );
    assert!(
        text.ends_with("1, 1, 1]]]]]]]], dtype=torch.int32)"),
        "{text}"
    );
    let lines = text.lines().filter(|l| l.contains("1, 1, 1,  ...")).count();
    assert_eq!(lines, 6usize.pow(7));
}
