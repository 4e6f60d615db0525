//! View ops against a CPU model that materialises every view by index arithmetic: each op alone, a
//! property test over random chains of views (read back through the strided copy kernel, and fed to a
//! binary op), `reshape` copying only when it must, and the view errors in torch's words.

mod tensor_util;

use dawn::tensor::{DType, Tensor};
use tensor_util::{Rng, device, strides, unravel};

/// A row-major CPU array: the reference every view is checked against.
#[derive(Clone, Debug)]
struct Dense {
    shape: Vec<usize>,
    data: Vec<f32>,
}

impl Dense {
    fn get(&self, index: &[usize]) -> f32 {
        let st = strides(&self.shape);
        self.data[index.iter().zip(&st).map(|(i, s)| i * s).sum::<usize>()]
    }

    /// A new array of `shape` whose element at `index` is `self[source(index)]`.
    fn remap(&self, shape: Vec<usize>, source: impl Fn(&[usize]) -> Vec<usize>) -> Dense {
        let n: usize = shape.iter().product();
        let data = (0..n)
            .map(|i| self.get(&source(&unravel(i, &shape))))
            .collect();
        Dense { shape, data }
    }

    fn permute(&self, dims: &[usize]) -> Dense {
        let shape = dims.iter().map(|&d| self.shape[d]).collect();
        self.remap(shape, |idx| {
            let mut src = vec![0; idx.len()];
            for (i, &d) in dims.iter().enumerate() {
                src[d] = idx[i];
            }
            src
        })
    }

    fn slice(&self, dim: usize, start: usize, len: usize, step: usize) -> Dense {
        let mut shape = self.shape.clone();
        shape[dim] = len;
        self.remap(shape, |idx| {
            let mut src = idx.to_vec();
            src[dim] = start + idx[dim] * step;
            src
        })
    }

    fn select(&self, dim: usize, index: usize) -> Dense {
        let mut shape = self.shape.clone();
        shape.remove(dim);
        self.remap(shape, |idx| {
            let mut src = idx.to_vec();
            src.insert(dim, index);
            src
        })
    }

    fn expand(&self, shape: Vec<usize>) -> Dense {
        let lead = shape.len() - self.shape.len();
        self.remap(shape, |idx| {
            (0..self.shape.len())
                .map(|d| if self.shape[d] == 1 { 0 } else { idx[lead + d] })
                .collect()
        })
    }

    fn reshaped(&self, shape: Vec<usize>) -> Dense {
        Dense {
            shape,
            data: self.data.clone(),
        }
    }
}

fn upload(rng: &mut Rng, shape: &[usize]) -> (Tensor, Dense) {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|i| i as f32 + rng.uniform(0.0, 0.5)).collect();
    let t = Tensor::from_slice(&data, shape, device()).unwrap();
    (
        t,
        Dense {
            shape: shape.to_vec(),
            data,
        },
    )
}

/// One random view op valid for `d`'s shape, applied to both sides; `None` if none applies.
fn random_view(rng: &mut Rng, t: &Tensor, d: &Dense) -> Option<(Tensor, Dense, String)> {
    let rank = d.shape.len();
    let pick = rng.below(9);
    Some(match pick {
        0 if rank >= 2 => {
            let mut dims: Vec<usize> = (0..rank).collect();
            for i in (1..rank).rev() {
                dims.swap(i, rng.below(i + 1));
            }
            let signed: Vec<isize> = dims.iter().map(|&x| x as isize).collect();
            (
                t.permute(&signed).unwrap(),
                d.permute(&dims),
                format!("permute {dims:?}"),
            )
        }
        1 if rank >= 2 => {
            let (a, b) = (rng.below(rank), rng.below(rank));
            let mut dims: Vec<usize> = (0..rank).collect();
            dims.swap(a, b);
            let neg = a as isize - rank as isize;
            (
                t.transpose(neg, b as isize).unwrap(),
                d.permute(&dims),
                format!("transpose {a} {b}"),
            )
        }
        2 if rank >= 1 => {
            let dim = rng.below(rank);
            let size = d.shape[dim];
            let start = rng.below(size + 1);
            let len = rng.below(size - start + 1);
            (
                t.narrow(dim as isize, start as isize, len).unwrap(),
                d.slice(dim, start, len, 1),
                format!("narrow {dim} {start} {len}"),
            )
        }
        3 if rank >= 1 => {
            let dim = rng.below(rank);
            let size = d.shape[dim];
            let start = rng.below(size + 1);
            let step = 1 + rng.below(3);
            let len = (size - start).div_ceil(step);
            let view = t.slice(dim as isize, start as isize.., step).unwrap();
            (
                view,
                d.slice(dim, start, len, step),
                format!("slice {dim} {start}.. step {step}"),
            )
        }
        4 if rank >= 1 && d.shape.iter().all(|&s| s > 0) => {
            let dim = rng.below(rank);
            let index = rng.below(d.shape[dim]);
            (
                t.select(dim as isize, index as isize).unwrap(),
                d.select(dim, index),
                format!("select {dim} {index}"),
            )
        }
        5 if rank < 6 => {
            let dim = rng.below(rank + 1);
            let mut shape = d.shape.clone();
            shape.insert(dim, 1);
            (
                t.unsqueeze(dim as isize).unwrap(),
                d.reshaped(shape),
                format!("unsqueeze {dim}"),
            )
        }
        6 if rank < 6 => {
            // Expand the size-1 dims (adding one first if there is none) and maybe a new leading dim.
            let mut shape = d.shape.clone();
            let (t1, d1) = if shape.contains(&1) {
                (t.clone(), d.clone())
            } else {
                shape.insert(0, 1);
                (t.unsqueeze(0).unwrap(), d.reshaped(shape.clone()))
            };
            let mut target: Vec<usize> = shape
                .iter()
                .map(|&s| if s == 1 { 1 + rng.below(3) } else { s })
                .collect();
            if rng.below(2) == 0 && target.len() < 6 {
                target.insert(0, 2);
            }
            let sizes: Vec<isize> = target.iter().map(|&s| s as isize).collect();
            (
                t1.expand(&sizes).unwrap(),
                d1.expand(target.clone()),
                format!("expand {target:?}"),
            )
        }
        7 => {
            let view = t.squeeze();
            let shape: Vec<usize> = d.shape.iter().copied().filter(|&s| s != 1).collect();
            (view, d.reshaped(shape), "squeeze".into())
        }
        8 => {
            // reshape: a view when the strides allow, else a copy; the elements keep their order.
            let n: usize = d.shape.iter().product();
            let (view, shape) = if n > 0 && n.is_multiple_of(2) {
                (t.reshape(&[2, -1]).unwrap(), vec![2, n / 2])
            } else {
                (t.reshape(&[-1]).unwrap(), vec![n])
            };
            (view, d.reshaped(shape), "reshape".into())
        }
        _ => return None,
    })
}

#[test]
fn random_view_chains_read_what_index_arithmetic_reads() {
    let mut rng = Rng(17);
    for case in 0..150 {
        let rank = 1 + rng.below(4);
        let shape: Vec<usize> = (0..rank).map(|_| 1 + rng.below(5)).collect();
        let (mut t, mut d) = upload(&mut rng, &shape);
        let mut steps = Vec::new();
        for _ in 0..1 + rng.below(6) {
            if let Some((t2, d2, step)) = random_view(&mut rng, &t, &d) {
                t = t2;
                d = d2;
                steps.push(step);
            }
        }
        assert_eq!(t.shape(), &d.shape[..], "case {case}: {steps:?}");
        let got = t.to_vec::<f32>().unwrap();
        assert_eq!(got, d.data, "case {case}: {steps:?}");
        // The same view as a kernel operand: x + 2x read through its strides.
        if case % 5 == 0 && !d.data.is_empty() {
            let doubled = (&t + &(&t * 2.0).unwrap()).unwrap();
            let want: Vec<f32> = d.data.iter().map(|&v| v + 2.0 * v).collect();
            assert_eq!(
                doubled.to_vec::<f32>().unwrap(),
                want,
                "case {case}: {steps:?}"
            );
        }
    }
}

#[test]
fn each_view_op_alone() {
    let mut rng = Rng(3);
    let (t, d) = upload(&mut rng, &[3, 4, 5]);
    let p = t.permute(&[2, 0, 1]).unwrap();
    assert_eq!(p.stride(), &[1, 20, 5]);
    assert!(!p.is_contiguous());
    assert_eq!(p.to_vec::<f32>().unwrap(), d.permute(&[2, 0, 1]).data);
    assert_eq!(
        p.contiguous().unwrap().to_vec::<f32>().unwrap(),
        d.permute(&[2, 0, 1]).data
    );
    let s = t.slice(2, 1..5, 2).unwrap();
    assert_eq!(s.shape(), &[3, 4, 2]);
    assert_eq!(s.to_vec::<f32>().unwrap(), d.slice(2, 1, 2, 2).data);
    let sel = t.select(1, -1).unwrap();
    assert_eq!(sel.to_vec::<f32>().unwrap(), d.select(1, 3).data);
    let m = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3], device()).unwrap();
    assert_eq!(
        m.t().unwrap().to_vec::<f32>().unwrap(),
        [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    );
    let col = Tensor::from_slice(&[1.0f32, 2.0], &[2, 1], device()).unwrap();
    let e = col.expand(&[2, 3]).unwrap();
    assert_eq!(e.stride(), &[1, 0]);
    assert_eq!(e.to_vec::<f32>().unwrap(), [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    assert_eq!(col.broadcast_to(&[2, 2, 1]).unwrap().shape(), &[2, 2, 1]);
    let f = t.flatten(1, 2).unwrap();
    assert_eq!(f.shape(), &[3, 20]);
    assert!(f.shares_storage(&t));
    let u = f.unflatten(1, &[4, -1]).unwrap();
    assert_eq!(u.shape(), &[3, 4, 5]);
    assert_eq!(u.to_vec::<f32>().unwrap(), d.data);
    assert_eq!(t.squeeze_dim(0).unwrap().shape(), &[3, 4, 5]);
    assert_eq!(
        t.unsqueeze(-1).unwrap().squeeze_dim(-1).unwrap().shape(),
        &[3, 4, 5]
    );
    assert_eq!(t.size(-1).unwrap(), 5);
    let scalar = Tensor::scalar(2.5f32, DType::F32, device()).unwrap();
    assert_eq!(scalar.flatten(0, -1).unwrap().shape(), &[1]);
    assert_eq!(scalar.t().unwrap().rank(), 0);
}

#[test]
fn reshape_copies_only_when_strides_demand_it() {
    let mut rng = Rng(5);
    let (t, d) = upload(&mut rng, &[4, 6]);
    let v = t.reshape(&[2, 2, -1]).unwrap();
    assert!(v.shares_storage(&t));
    assert_eq!(v.view(&[24]).unwrap().to_vec::<f32>().unwrap(), d.data);
    let tt = t.t().unwrap();
    let copied = tt.reshape(&[24]).unwrap();
    assert!(!copied.shares_storage(&t));
    assert_eq!(copied.to_vec::<f32>().unwrap(), d.permute(&[1, 0]).data);
    // Splitting a transposed dim is still a view.
    assert!(tt.reshape(&[3, 2, 4]).unwrap().shares_storage(&t));
    let err = tt.view(&[24]).unwrap_err();
    assert_eq!(
        err.message(),
        "view size is not compatible with input tensor's size and stride (at least one dimension spans across \
         two contiguous subspaces). Use .reshape(...) instead."
    );
    // A contiguous tensor's `contiguous()` is itself.
    assert!(t.contiguous().unwrap().shares_storage(&t));
}

#[test]
fn view_errors_in_torch_words() {
    let t = Tensor::zeros(&[2, 3], DType::F32, device()).unwrap();
    let cases: Vec<(dawn::Error, &str)> = vec![
        (
            t.permute(&[0]).unwrap_err(),
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1",
        ),
        (
            t.permute(&[1, 1]).unwrap_err(),
            "permute(): duplicate dims are not allowed.",
        ),
        (
            t.transpose(0, 2).unwrap_err(),
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
        ),
        (
            t.narrow(1, 2, 2).unwrap_err(),
            "start (2) + length (2) exceeds dimension size (3).",
        ),
        (
            t.narrow(1, 4, 0).unwrap_err(),
            "start out of range (expected to be in range of [-3, 3], but got 4)",
        ),
        (
            t.select(0, 2).unwrap_err(),
            "select(): index 2 out of range for tensor of size [2, 3] at dimension 0",
        ),
        (
            t.slice(0, .., 0).unwrap_err(),
            "slice step must be positive",
        ),
        (
            t.expand(&[2, 4]).unwrap_err(),
            "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]",
        ),
        (
            t.expand(&[-1, 2, 3]).unwrap_err(),
            "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0",
        ),
        (
            t.reshape(&[4, -1]).unwrap_err(),
            "shape '[4, -1]' is invalid for input of size 6",
        ),
        (
            t.reshape(&[-1, -1]).unwrap_err(),
            "only one dimension can be inferred",
        ),
        (
            t.view(&[5]).unwrap_err(),
            "shape '[5]' is invalid for input of size 6",
        ),
        (
            t.unsqueeze(3).unwrap_err(),
            "Dimension out of range (expected to be in range of [-3, 2], but got 3)",
        ),
        (
            t.flatten(1, 0).unwrap_err(),
            "flatten() has invalid args: start_dim cannot come after end_dim",
        ),
        (
            t.unflatten(1, &[2, 2]).unwrap_err(),
            "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input tensor",
        ),
        (
            t.unsqueeze(0)
                .unwrap()
                .unsqueeze(0)
                .unwrap()
                .t()
                .unwrap_err(),
            "t() expects a tensor with <= 2 dimensions, but self is 4D",
        ),
        (
            Tensor::zeros(&[1; 9], DType::F32, device()).unwrap_err(),
            "dawn::tensor supports tensors of at most 8 dimensions, but got 9",
        ),
        (
            Tensor::scalar(1, DType::I32, device())
                .unwrap()
                .select(0, 0)
                .unwrap_err(),
            "select() cannot be applied to a 0-dim tensor.",
        ),
    ];
    for (err, message) in cases {
        assert_eq!(err.kind(), dawn::ErrorKind::InvalidUse, "{err}");
        assert_eq!(err.message(), message);
    }
}
