//! Creation: tensors from host data, constants, ranges, identity matrices and seeded random numbers
//! (generated on the GPU by Philox 4x32-10, a counter-based generator).

use super::device::Device;
use super::dtype::{ComputeType, DType, Element, Scalar};
use super::engine::codegen::fill::FillOp;
use super::error;
use super::layout::Layout;
use super::ops::launch::fill;
use super::pool::Lifetime;
use super::shape::checked_numel;
use super::tensor::Tensor;
use crate::Result;

impl Tensor {
    /// A tensor of `shape` holding `data` (row-major), uploaded to `device`. The length must be the
    /// shape's element count.
    pub fn from_slice<T: Element>(data: &[T], shape: &[usize], device: &Device) -> Result<Tensor> {
        let numel = checked_numel(shape)?;
        if data.len() != numel {
            return Err(error::data_length(shape, data.len()));
        }
        let mut bytes = Vec::with_capacity(numel * T::DTYPE.size());
        T::extend_bytes(data, &mut bytes);
        Tensor::from_bytes(&bytes, shape, T::DTYPE, device)
    }

    /// [`from_slice`](Tensor::from_slice) taking the vector.
    pub fn from_vec<T: Element>(data: Vec<T>, shape: &[usize], device: &Device) -> Result<Tensor> {
        Tensor::from_slice(&data, shape, device)
    }

    /// A tensor of `shape` and `dtype` from the little-endian bytes of its elements (row-major): the
    /// way to upload `F16` data (IEEE half bits).
    pub fn from_bytes(
        bytes: &[u8],
        shape: &[usize],
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor> {
        if bytes.len() % dtype.size() != 0 {
            return Err(error::bytes_length(dtype, bytes.len()));
        }
        let numel = checked_numel(shape)?;
        if bytes.len() / dtype.size() != numel {
            return Err(error::data_length(shape, bytes.len() / dtype.size()));
        }
        let layout = Layout::contiguous(shape)?;
        let storage = device.allocate(bytes.len() as u64, Lifetime::LongLived)?;
        if !bytes.is_empty() {
            let queue = &device.inner.gpu.queue;
            let whole = bytes.len() & !3;
            queue.write_buffer(storage.buffer(), storage.byte_offset(), &bytes[..whole])?;
            if whole < bytes.len() {
                // WebGPU writes whole words: pad the tail (the block is at least that long).
                let mut tail = [0u8; 4];
                tail[..bytes.len() - whole].copy_from_slice(&bytes[whole..]);
                queue.write_buffer(
                    storage.buffer(),
                    storage.byte_offset() + whole as u64,
                    &tail,
                )?;
            }
        }
        Ok(Tensor::from_parts(storage, layout, dtype))
    }

    /// A tensor of `shape` with every element `value` (cast to `dtype`).
    pub fn full(
        shape: &[usize],
        value: impl Into<Scalar>,
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor> {
        let bits = value.into().bits_for(dtype);
        fill(
            device,
            FillOp::Constant,
            shape,
            dtype,
            [bits, 0, 0, 0],
            Lifetime::Transient,
        )
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize], dtype: DType, device: &Device) -> Result<Tensor> {
        Tensor::full(shape, 0, dtype, device)
    }

    /// A tensor of ones.
    pub fn ones(shape: &[usize], dtype: DType, device: &Device) -> Result<Tensor> {
        Tensor::full(shape, 1, dtype, device)
    }

    /// A 0-dim tensor holding `value`.
    pub fn scalar(value: impl Into<Scalar>, dtype: DType, device: &Device) -> Result<Tensor> {
        Tensor::full(&[], value, dtype, device)
    }

    /// `start, start + step, ...` below `end` (above it for a negative step), torch's `arange`: the
    /// count is `ceil((end - start) / step)`. Float dtypes compute `start + i * step` in `f32`; integer
    /// dtypes in `i32` from the truncated `start` and `step`.
    pub fn arange(
        start: f64,
        end: f64,
        step: f64,
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor> {
        if !(start.is_finite() && end.is_finite() && step.is_finite()) {
            return Err(error::arange_non_finite());
        }
        if step == 0.0 {
            return Err(error::arange_step_zero());
        }
        if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
            return Err(error::arange_bounds());
        }
        let count = ((end - start) / step).ceil().max(0.0);
        if count > u32::MAX as f64 {
            return Err(error::too_many_elements(count as u128));
        }
        let params = match ComputeType::of(dtype) {
            ComputeType::F32 => [(start as f32).to_bits(), (step as f32).to_bits(), 0, 0],
            _ => {
                let step = step as i64;
                if step == 0 {
                    return Err(error::arange_step_zero());
                }
                [start as i64 as u32, step as u32, 0, 0]
            }
        };
        if dtype == DType::Bool {
            return Err(error::unsupported_dtype("arange", dtype));
        }
        fill(
            device,
            FillOp::Arange,
            &[count as usize],
            dtype,
            params,
            Lifetime::Transient,
        )
    }

    /// `steps` values evenly spaced from `start` to `end` inclusive (torch's `linspace`, computed in
    /// `f32` from both ends so that the last value is exactly `end`).
    pub fn linspace(
        start: f64,
        end: f64,
        steps: usize,
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor> {
        if dtype == DType::Bool {
            return Err(error::unsupported_dtype("linspace", dtype));
        }
        let step = if steps > 1 {
            (end - start) / (steps - 1) as f64
        } else {
            0.0
        };
        let params = [
            (start as f32).to_bits(),
            (end as f32).to_bits(),
            (step as f32).to_bits(),
            // From the start below the middle, from the end after it (one step: just the start).
            (steps / 2).max(1) as u32,
        ];
        fill(
            device,
            FillOp::Linspace,
            &[steps],
            dtype,
            params,
            Lifetime::Transient,
        )
    }

    /// An `n x m` matrix with ones on the diagonal (torch's `eye(n, m)`).
    pub fn eye(n: usize, m: usize, dtype: DType, device: &Device) -> Result<Tensor> {
        fill(
            device,
            FillOp::Eye,
            &[n, m],
            dtype,
            [m.max(1) as u32, 0, 0, 0],
            Lifetime::Transient,
        )
    }

    /// Uniform random values in `[0, 1)` from the device's generator (see [`Device::manual_seed`]).
    pub fn rand(shape: &[usize], dtype: DType, device: &Device) -> Result<Tensor> {
        Tensor::random(FillOp::Uniform, "rand", shape, dtype, device)
    }

    /// Standard normal random values from the device's generator (see [`Device::manual_seed`]).
    pub fn randn(shape: &[usize], dtype: DType, device: &Device) -> Result<Tensor> {
        Tensor::random(FillOp::Normal, "randn", shape, dtype, device)
    }

    fn random(
        op: FillOp,
        name: &str,
        shape: &[usize],
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor> {
        if !dtype.is_floating_point() {
            return Err(error::unsupported_dtype(name, dtype));
        }
        let groups = checked_numel(shape)?.div_ceil(4) as u64;
        let (seed, offset) = device.take_random(groups);
        let params = [
            seed as u32,
            (seed >> 32) as u32,
            offset as u32,
            (offset >> 32) as u32,
        ];
        fill(device, op, shape, dtype, params, Lifetime::Transient)
    }

    /// Zeros of this tensor's shape, dtype and device.
    pub fn zeros_like(&self) -> Result<Tensor> {
        Tensor::zeros(self.shape(), self.dtype, self.device())
    }

    /// Ones of this tensor's shape, dtype and device.
    pub fn ones_like(&self) -> Result<Tensor> {
        Tensor::ones(self.shape(), self.dtype, self.device())
    }

    /// `value` everywhere, in this tensor's shape, dtype and device.
    pub fn full_like(&self, value: impl Into<Scalar>) -> Result<Tensor> {
        Tensor::full(self.shape(), value, self.dtype, self.device())
    }

    /// Uniform random values of this tensor's shape, dtype and device.
    pub fn rand_like(&self) -> Result<Tensor> {
        Tensor::rand(self.shape(), self.dtype, self.device())
    }

    /// Normal random values of this tensor's shape, dtype and device.
    pub fn randn_like(&self) -> Result<Tensor> {
        Tensor::randn(self.shape(), self.dtype, self.device())
    }
}
