//! Reductions over any set of dims, with torch's defaults: negative dims, no dims meaning all of them,
//! `keepdim`, values and indices, `var`/`std` with a correction, `logsumexp`, and torch's rules for
//! empty tensors (the sum of nothing is 0; the max of nothing is an error naming the op).

use super::elementwise::cast;
use super::launch::{Slots, empty, record};
use crate::Result;
use crate::tensor::dtype::{ComputeType, DType};
use crate::tensor::engine::Spec;
use crate::tensor::engine::codegen::WORKGROUP;
use crate::tensor::engine::codegen::reduce::{
    ReduceArgs, ReduceInput, ReduceOp, ReduceOutput, ReduceSpec, Strategy, finish_type,
};
use crate::tensor::engine::plan::{coalesce, pad, rank_bucket};
use crate::tensor::error;
use crate::tensor::shape::{Dims, MAX_DIMS, reduce_mask};
use crate::tensor::tensor::Tensor;

/// The dims a reduction covers: `()` for all of them, one dim (`1`, `-1`), or several (`[0, 2]`,
/// `&[0, 2][..]`, a `Vec`). Negative dims count from the end.
pub trait ReduceDims {
    /// The listed dims, or `None` for all.
    fn dims(&self) -> Option<Vec<isize>>;
}

impl ReduceDims for () {
    fn dims(&self) -> Option<Vec<isize>> {
        None
    }
}

macro_rules! reduce_dims_int {
    ($($t:ty),*) => {
        $(impl ReduceDims for $t {
            fn dims(&self) -> Option<Vec<isize>> {
                Some(vec![*self as isize])
            }
        }

        impl<const N: usize> ReduceDims for [$t; N] {
            fn dims(&self) -> Option<Vec<isize>> {
                Some(self.iter().map(|&d| d as isize).collect())
            }
        }

        impl ReduceDims for &[$t] {
            fn dims(&self) -> Option<Vec<isize>> {
                Some(self.iter().map(|&d| d as isize).collect())
            }
        }

        impl ReduceDims for Vec<$t> {
            fn dims(&self) -> Option<Vec<isize>> {
                Some(self.iter().map(|&d| d as isize).collect())
            }
        })*
    };
}

reduce_dims_int!(i32, i64, isize, usize);

/// Invocations (lane strategy) or workgroups (workgroup strategy) a reduction aims to keep busy.
const TARGET_LANES: usize = 1 << 16;
const TARGET_WORKGROUPS: usize = 2048;
/// The fewest elements a chunk gets (below that, splitting costs more than it gains).
const MIN_CHUNK_WORKGROUP: usize = 4096;
const MIN_CHUNK_LANE: usize = 256;

fn op_name(op: ReduceOp) -> &'static str {
    match op {
        ReduceOp::Sum => "sum",
        ReduceOp::Prod => "prod",
        ReduceOp::Mean => "mean",
        ReduceOp::Max => "amax",
        ReduceOp::Min => "amin",
        ReduceOp::ArgMax => "argmax",
        ReduceOp::ArgMin => "argmin",
        ReduceOp::MaxWithIndex => "max",
        ReduceOp::MinWithIndex => "min",
        ReduceOp::Var => "var",
        ReduceOp::Std => "std",
        ReduceOp::LogSumExp => "logsumexp",
    }
}

/// The accumulator type and the result dtype of `op` on `dtype` (after the dtype checks).
fn types(op: ReduceOp, dtype: DType) -> Result<(ComputeType, DType)> {
    use ReduceOp::*;
    let float_only = |e: crate::Error| {
        if dtype.is_floating_point() {
            Ok((ComputeType::F32, dtype))
        } else {
            Err(e)
        }
    };
    match op {
        Sum | Prod => Ok(match dtype {
            DType::F16 | DType::F32 => (ComputeType::F32, dtype),
            DType::U32 => (ComputeType::U32, DType::U32),
            _ => (ComputeType::I32, DType::I32),
        }),
        Mean => float_only(error::mean_dtype("mean", dtype)),
        Var | Std => float_only(error::var_dtype()),
        LogSumExp => Ok((
            ComputeType::F32,
            if dtype.is_floating_point() {
                dtype
            } else {
                DType::F32
            },
        )),
        Max | Min | ArgMax | ArgMin | MaxWithIndex | MinWithIndex => {
            let acc = match ComputeType::of(dtype) {
                ComputeType::Bool => ComputeType::U32,
                other => other,
            };
            Ok((acc, dtype))
        }
    }
}

/// The 4-byte dtype a kernel writes values of compute type `ty` as.
fn word_dtype(ty: ComputeType) -> DType {
    match ty {
        ComputeType::F32 => DType::F32,
        ComputeType::I32 => DType::I32,
        _ => DType::U32,
    }
}

/// A reduction's results: values and/or indices (as the op makes them).
pub(crate) struct Reduced {
    pub values: Option<Tensor>,
    pub indices: Option<Tensor>,
}

/// Reduces `x` over `dims` (`None`: all) with `op`.
pub(crate) fn reduce(
    x: &Tensor,
    op: ReduceOp,
    dims: Option<&[isize]>,
    keepdim: bool,
    correction: f64,
) -> Result<Reduced> {
    let rank = x.rank();
    let mask = reduce_mask(dims, rank)?;
    let shape = x.shape();
    if !op_has_identity(op)
        && let Some(d) = (0..rank).find(|&d| mask[d] && shape[d] == 0)
    {
        return Err(match dims {
            Some(list) if !list.is_empty() => error::reduce_empty_dim(op_name(op), d),
            _ => error::reduce_empty(op_name(op)),
        });
    }
    let (acc, out_dtype) = types(op, x.dtype())?;

    // Kept dims in order, then the reduced ones: the input as [outputs, R].
    let (mut kept_shape, mut kept_strides, mut red_shape, mut red_strides) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut keep_shape = Vec::new();
    for d in 0..rank {
        if mask[d] {
            red_shape.push(shape[d]);
            red_strides.push(x.stride()[d]);
            keep_shape.push(1);
        } else {
            kept_shape.push(shape[d]);
            kept_strides.push(x.stride()[d]);
            keep_shape.push(shape[d]);
        }
    }
    let out_shape: &[usize] = if keepdim { &keep_shape } else { &kept_shape };
    let outputs: usize = kept_shape.iter().product();
    let extent: usize = red_shape.iter().product();

    let word = word_dtype(finish_type(op, acc));
    let values = op
        .writes_values()
        .then(|| empty(&kept_shape, word, x.device()))
        .transpose()?;
    let indices = op
        .writes_indices()
        .then(|| empty(&kept_shape, DType::I32, x.device()))
        .transpose()?;
    if outputs > 0 {
        run(
            x,
            op,
            acc,
            correction,
            outputs,
            extent,
            (&kept_shape, &kept_strides),
            (&red_shape, &red_strides),
            values.as_ref(),
            indices.as_ref(),
        )?;
    }
    let finish = |t: Tensor, dtype: DType| -> Result<Tensor> {
        let t = cast(&t, dtype)?;
        let sizes: Vec<isize> = out_shape.iter().map(|&d| d as isize).collect();
        t.view(&sizes)
    };
    Ok(Reduced {
        values: values.map(|v| finish(v, out_dtype)).transpose()?,
        indices: indices.map(|i| finish(i, DType::I32)).transpose()?,
    })
}

/// Whether the op has an identity (a value for an empty reduction).
fn op_has_identity(op: ReduceOp) -> bool {
    matches!(
        op,
        ReduceOp::Sum
            | ReduceOp::Prod
            | ReduceOp::Mean
            | ReduceOp::Var
            | ReduceOp::Std
            | ReduceOp::LogSumExp
    )
}

/// Coalesces one group of dims and pads it to its rank bucket.
fn plan_dims(shape: &[usize], strides: &[usize]) -> (Dims, Dims) {
    let strides = Dims::new(strides).expect("at most MAX_DIMS");
    let (mut s, mut st) = coalesce(shape, &[strides]);
    let rank = rank_bucket(s.len());
    pad(&mut s, &mut st, rank);
    (s, st[0])
}

#[allow(clippy::too_many_arguments)]
fn run(
    x: &Tensor,
    op: ReduceOp,
    acc: ComputeType,
    correction: f64,
    outputs: usize,
    extent: usize,
    kept: (&[usize], &[usize]),
    reduced: (&[usize], &[usize]),
    values: Option<&Tensor>,
    indices: Option<&Tensor>,
) -> Result<()> {
    let device = x.device();
    let (kept_shape, kept_strides) = {
        let strides = Dims::new(kept.1).expect("at most MAX_DIMS");
        let (shape, strides) = coalesce(kept.0, &[strides]);
        (shape, strides[0])
    };
    let (red_shape, red_strides) = plan_dims(reduced.0, reduced.1);
    debug_assert!(kept_shape.len() <= MAX_DIMS && red_shape.len() <= MAX_DIMS);
    let offset = x.buffer_offset();
    let inner_stride = *red_strides.last().expect("at least one dim");
    let strategy = if inner_stride == 1 || outputs < 1024 {
        Strategy::Workgroup
    } else {
        Strategy::Lane
    };
    let real_red_dims = red_shape.iter().filter(|&&d| d != 1).count();
    let vec = strategy == Strategy::Workgroup
        && real_red_dims <= 1
        && inner_stride == 1
        && extent % 4 == 0
        && offset % 4 == 0
        && kept_strides.iter().all(|s| s % 4 == 0);
    let (target, min_chunk) = match strategy {
        Strategy::Workgroup => (TARGET_WORKGROUPS, MIN_CHUNK_WORKGROUP),
        Strategy::Lane => (TARGET_LANES, MIN_CHUNK_LANE),
    };
    let chunks_wanted = target
        .div_ceil(outputs)
        .clamp(1, extent.div_ceil(min_chunk).max(1));
    let mut chunk_len = extent.div_ceil(chunks_wanted).max(1);
    if vec {
        chunk_len = chunk_len.next_multiple_of(4);
    }
    let chunks = extent.div_ceil(chunk_len).max(1);
    let state_words = op.state_words();
    let partial = (chunks > 1)
        .then(|| empty(&[outputs * chunks * state_words], DType::U32, device))
        .transpose()?;

    let mut args = ReduceArgs {
        outputs,
        chunks,
        chunk_len,
        extent,
        count: extent,
        correction: correction as f32,
        in_offset: offset,
        value_offset: values.map_or(0, |v| v.buffer_offset()),
        index_offset: indices.map_or(0, |i| i.buffer_offset()),
        partial_offset: partial.as_ref().map_or(0, |p| p.buffer_offset()),
        kept_shape: kept_shape.to_vec(),
        kept_strides: kept_strides.to_vec(),
        reduce_shape: red_shape.to_vec(),
        reduce_strides: red_strides.to_vec(),
    };
    let mut slots = Slots::default();
    let in_slot = slots.slot(x.storage.buffer());
    let value_slot = values.map_or(0, |v| slots.slot(v.storage.buffer()));
    let index_slot = indices.map_or(0, |i| slots.slot(i.storage.buffer()));
    let final_output = ReduceOutput::Final {
        value_slot,
        index_slot,
    };
    let mut uses = vec![&x.storage];
    uses.extend(values.map(|v| &v.storage));
    uses.extend(indices.map(|i| &i.storage));
    let spec = ReduceSpec {
        op,
        acc,
        input: ReduceInput::Values {
            dtype: x.dtype(),
            slot: in_slot,
            vec,
        },
        strategy,
        output: final_output,
        reduce_rank: red_shape.len() as u8,
    };
    let groups = (outputs * chunks) as u64;
    let workgroups = match strategy {
        Strategy::Workgroup => groups,
        Strategy::Lane => groups.div_ceil(WORKGROUP as u64),
    };
    let Some(partial) = partial else {
        return record(
            device,
            Spec::Reduce(spec),
            &slots.buffers,
            &args.words(),
            workgroups,
            &uses,
        );
    };

    // Pass 1: one state per (output, chunk).
    let mut first = Slots::default();
    let in_slot = first.slot(x.storage.buffer());
    let partial_slot = first.slot(partial.storage.buffer());
    let first_spec = ReduceSpec {
        input: ReduceInput::Values {
            dtype: x.dtype(),
            slot: in_slot,
            vec,
        },
        output: ReduceOutput::Partial { slot: partial_slot },
        ..spec
    };
    record(
        device,
        Spec::Reduce(first_spec),
        &first.buffers,
        &args.words(),
        workgroups,
        &[&x.storage, &partial.storage],
    )?;

    // Pass 2: a workgroup per output folds its chunks' states.
    let mut second = Slots::default();
    let states_slot = second.slot(partial.storage.buffer());
    let value_slot = values.map_or(0, |v| second.slot(v.storage.buffer()));
    let index_slot = indices.map_or(0, |i| second.slot(i.storage.buffer()));
    let second_spec = ReduceSpec {
        input: ReduceInput::States { slot: states_slot },
        strategy: Strategy::Workgroup,
        output: ReduceOutput::Final {
            value_slot,
            index_slot,
        },
        reduce_rank: 1,
        ..spec
    };
    args.chunks = 1;
    args.chunk_len = chunks;
    args.extent = chunks;
    args.in_offset = partial.buffer_offset();
    args.kept_shape = vec![outputs];
    args.kept_strides = vec![0];
    args.reduce_shape = vec![chunks];
    args.reduce_strides = vec![1];
    let mut uses = vec![&partial.storage];
    uses.extend(values.map(|v| &v.storage));
    uses.extend(indices.map(|i| &i.storage));
    record(
        device,
        Spec::Reduce(second_spec),
        &second.buffers,
        &args.words(),
        outputs as u64,
        &uses,
    )
}

impl Tensor {
    /// The sum over `dims` (`()`: all). Integers and bools sum as `int32` (torch: `int64`), wrapping.
    pub fn sum(&self, dims: impl ReduceDims, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Sum, dims, keepdim, 0.0)
    }

    /// The mean over `dims` (floating-point tensors only, as in torch; the mean of nothing is NaN).
    pub fn mean(&self, dims: impl ReduceDims, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Mean, dims, keepdim, 0.0)
    }

    /// The product over `dims` (the product of nothing is 1).
    pub fn prod(&self, dims: impl ReduceDims, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Prod, dims, keepdim, 0.0)
    }

    /// The largest value over `dims` (NaN if any is NaN); an error over an empty dim.
    pub fn amax(&self, dims: impl ReduceDims, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Max, dims, keepdim, 0.0)
    }

    /// The smallest value over `dims` (NaN if any is NaN); an error over an empty dim.
    pub fn amin(&self, dims: impl ReduceDims, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Min, dims, keepdim, 0.0)
    }

    /// The largest element, as a 0-dim tensor (torch's `max()`).
    pub fn max(&self) -> Result<Tensor> {
        self.values(ReduceOp::Max, (), false, 0.0)
            .map_err(|e| rename(e, "amax", "max"))
    }

    /// The smallest element, as a 0-dim tensor (torch's `min()`).
    pub fn min(&self) -> Result<Tensor> {
        self.values(ReduceOp::Min, (), false, 0.0)
            .map_err(|e| rename(e, "amin", "min"))
    }

    /// The largest values along `dim` and their indices (`int32`; the first one among equals, a NaN's
    /// if there is one): torch's `max(dim, keepdim)`.
    pub fn max_dim(&self, dim: isize, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.with_indices(ReduceOp::MaxWithIndex, dim, keepdim)
    }

    /// The smallest values along `dim` and their indices: torch's `min(dim, keepdim)`.
    pub fn min_dim(&self, dim: isize, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.with_indices(ReduceOp::MinWithIndex, dim, keepdim)
    }

    /// The index (`int32`) of the largest value along `dim`, or in the flattened tensor for `None`.
    pub fn argmax(&self, dim: Option<isize>, keepdim: bool) -> Result<Tensor> {
        self.arg(ReduceOp::ArgMax, dim, keepdim)
    }

    /// The index (`int32`) of the smallest value along `dim`, or in the flattened tensor for `None`.
    pub fn argmin(&self, dim: Option<isize>, keepdim: bool) -> Result<Tensor> {
        self.arg(ReduceOp::ArgMin, dim, keepdim)
    }

    /// The variance over `dims` with `correction` (1: Bessel's, torch's default; 0: the population
    /// variance). With `count - correction <= 0` the result is NaN or infinity, as in torch.
    pub fn var(&self, dims: impl ReduceDims, correction: f64, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Var, dims, keepdim, correction)
    }

    /// The standard deviation (the square root of [`var`](Tensor::var)).
    pub fn std(&self, dims: impl ReduceDims, correction: f64, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::Std, dims, keepdim, correction)
    }

    /// `log(sum(exp(x)))` over `dims`, computed stably (`-inf` for nothing).
    pub fn logsumexp(&self, dims: impl ReduceDims, keepdim: bool) -> Result<Tensor> {
        self.values(ReduceOp::LogSumExp, dims, keepdim, 0.0)
    }

    fn values(
        &self,
        op: ReduceOp,
        dims: impl ReduceDims,
        keepdim: bool,
        correction: f64,
    ) -> Result<Tensor> {
        let dims = dims.dims();
        let reduced = reduce(self, op, dims.as_deref(), keepdim, correction)?;
        Ok(reduced.values.expect("value reductions write values"))
    }

    fn with_indices(&self, op: ReduceOp, dim: isize, keepdim: bool) -> Result<(Tensor, Tensor)> {
        let reduced = reduce(self, op, Some(&[dim]), keepdim, 0.0)?;
        Ok((
            reduced.values.expect("written"),
            reduced.indices.expect("written"),
        ))
    }

    fn arg(&self, op: ReduceOp, dim: Option<isize>, keepdim: bool) -> Result<Tensor> {
        let reduced = match dim {
            Some(d) => reduce(self, op, Some(&[d]), keepdim, 0.0)?,
            None => {
                let all = reduce(&self.flatten(0, -1)?, op, None, false, 0.0)?;
                let index = all.indices.expect("written");
                if keepdim {
                    let ones = vec![1isize; self.rank()];
                    return index.view(&ones);
                }
                return Ok(index);
            }
        };
        Ok(reduced.indices.expect("written"))
    }
}

/// `e` with its op name `from` replaced by `to` (`max()` shares `amax`'s kernel and checks).
fn rename(e: crate::Error, from: &str, to: &str) -> crate::Error {
    crate::Error::new(e.kind(), e.message().replacen(from, to, 1))
}
