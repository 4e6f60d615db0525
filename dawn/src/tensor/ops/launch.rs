//! Recording kernels: slot assignment, output allocation, and the elementwise and fill launchers that
//! turn tensors and scalars into a spec, an info block and a dispatch.

use crate::tensor::Tensor;
use crate::tensor::device::Device;
use crate::tensor::dtype::{ComputeType, DType};
use crate::tensor::engine::Spec;
use crate::tensor::engine::codegen::WORKGROUP;
use crate::tensor::engine::codegen::fill::{FillOp, FillSpec};
use crate::tensor::engine::codegen::map::{Access, Input, MapArg, MapOp, MapSpec};
use crate::tensor::engine::plan::{coalesce, pad, rank_bucket, vector_ok};
use crate::tensor::layout::Layout;
use crate::tensor::pool::Lifetime;
use crate::tensor::shape::{Dims, checked_numel};
use crate::tensor::storage::Storage;
use crate::{Buffer, Result};
use std::sync::Arc;

/// The distinct buffers of one dispatch, in slot order: operands in one buffer share a slot.
#[derive(Default)]
pub(crate) struct Slots<'a> {
    pub buffers: Vec<&'a Buffer>,
}

impl<'a> Slots<'a> {
    pub(crate) fn slot(&mut self, buffer: &'a Buffer) -> u8 {
        let position = self
            .buffers
            .iter()
            .position(|b| b.as_raw() == buffer.as_raw());
        position.unwrap_or_else(|| {
            self.buffers.push(buffer);
            self.buffers.len() - 1
        }) as u8
    }
}

/// A new contiguous tensor whose contents the caller's kernel writes.
pub(crate) fn empty(shape: &[usize], dtype: DType, device: &Device) -> Result<Tensor> {
    let layout = Layout::contiguous(shape)?;
    let bytes = (checked_numel(shape)? * dtype.size()) as u64;
    let storage = device.allocate(bytes, Lifetime::Transient)?;
    Ok(Tensor::from_parts(storage, layout, dtype))
}

/// Records one dispatch of `spec` on `device`, marking `uses` as used by the batch.
pub(crate) fn record(
    device: &Device,
    spec: Spec,
    buffers: &[&Buffer],
    info: &[u32],
    workgroups: u64,
    uses: &[&Arc<Storage>],
) -> Result<()> {
    let inner = &device.inner;
    let kernel = inner.gpu.kernels.get(&spec)?;
    let mut batch = inner.batch.lock();
    for storage in uses {
        storage.mark_used(batch.id());
    }
    batch.dispatch(&inner.gpu, &inner.pool, &kernel, buffers, info, workgroups)
}

/// One input of an elementwise op: a tensor already expanded to the op's shape, or a scalar's bits in
/// the op's parameter type.
#[derive(Clone, Copy)]
pub(crate) enum MapInput<'a> {
    Tensor(&'a Tensor),
    Scalar(u32),
}

/// An elementwise op: what it computes and the types around it.
pub(crate) struct MapCall {
    pub op: MapOp,
    /// The type each input converts to before the op.
    pub params: [ComputeType; 3],
    /// The type of the op's value.
    pub result: ComputeType,
    pub out: DType,
}

/// Runs `call` over `inputs` (tensors expanded to `shape`) into a new contiguous tensor of `shape`.
pub(crate) fn map(
    device: &Device,
    call: &MapCall,
    inputs: &[MapInput<'_>],
    shape: &[usize],
) -> Result<Tensor> {
    let out = empty(shape, call.out, device)?;
    let n = out.numel();
    if n == 0 {
        return Ok(out);
    }
    let tensors: Vec<&Tensor> = inputs
        .iter()
        .filter_map(|i| match i {
            MapInput::Tensor(t) => Some(*t),
            MapInput::Scalar(_) => None,
        })
        .collect();
    let strides: Vec<Dims> = tensors.iter().map(|t| t.layout.stride_dims()).collect();
    let (mut it_shape, mut it_strides) = coalesce(shape, &strides);
    let offsets: Vec<usize> = tensors.iter().map(|t| t.buffer_offset()).collect();
    let vec = vector_ok(&it_shape, &it_strides, &offsets);
    let rank = rank_bucket(it_shape.len());
    pad(&mut it_shape, &mut it_strides, rank);

    let mut slots = Slots::default();
    let mut spec_inputs = [Input::Scalar; 3];
    let mut args = Vec::with_capacity(inputs.len());
    let mut k_tensor = 0;
    for (k, input) in inputs.iter().enumerate() {
        match input {
            MapInput::Tensor(t) => {
                let s = &it_strides[k_tensor];
                let access = match (vec, s.last()) {
                    (false, _) => Access::Strided,
                    (true, Some(0)) => Access::Broadcast,
                    (true, _) => Access::Contiguous,
                };
                spec_inputs[k] = Input::Tensor {
                    dtype: t.dtype,
                    slot: slots.slot(t.storage.buffer()),
                    access,
                };
                args.push(MapArg::Tensor {
                    offset: offsets[k_tensor],
                    strides: s,
                });
                k_tensor += 1;
            }
            MapInput::Scalar(bits) => args.push(MapArg::Scalar(*bits)),
        }
    }
    let out_slot = slots.slot(out.storage.buffer());
    let spec = MapSpec {
        op: call.op,
        inputs: spec_inputs,
        params: call.params,
        result: call.result,
        out: call.out,
        out_slot,
        rank: rank as u8,
        vec,
    };
    let per_item = spec.per_item();
    let items = n.div_ceil(per_item);
    let mut counted_shape = it_shape;
    if vec {
        let last = counted_shape.len() - 1;
        counted_shape[last] /= 4;
    }
    let info = spec.info(n, items, out.buffer_offset(), &counted_shape, &args);
    let mut uses: Vec<&Arc<Storage>> = tensors.iter().map(|t| &t.storage).collect();
    uses.push(&out.storage);
    record(
        device,
        Spec::Map(spec),
        &slots.buffers,
        &info,
        (items as u64).div_ceil(WORKGROUP as u64),
        &uses,
    )?;
    Ok(out)
}

/// A new contiguous tensor filled by `op` with parameters `params` (see [`FillOp`]).
pub(crate) fn fill(
    device: &Device,
    op: FillOp,
    shape: &[usize],
    dtype: DType,
    params: [u32; 4],
    lifetime: Lifetime,
) -> Result<Tensor> {
    let layout = Layout::contiguous(shape)?;
    let n = layout.numel();
    let storage = device.allocate((n * dtype.size()) as u64, lifetime)?;
    let out = Tensor::from_parts(storage, layout, dtype);
    if n == 0 {
        return Ok(out);
    }
    let spec = FillSpec { op, out: dtype };
    let info = spec.info(n, out.buffer_offset(), params);
    record(
        device,
        Spec::Fill(spec),
        &[out.storage.buffer()],
        &info,
        (n.div_ceil(4) as u64).div_ceil(WORKGROUP as u64),
        &[&out.storage],
    )?;
    Ok(out)
}
