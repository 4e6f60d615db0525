//! Reading tensors back to the host (one copy and one map per read), and copying them across devices.

use super::device::Device;
use super::dtype::{DType, Element};
use super::error;
use super::tensor::Tensor;
use crate::{Buffer, BufferDescriptor, BufferUsage, MapMode, Result};

impl Tensor {
    /// The elements in row-major order. `T` must be the tensor's dtype (convert with
    /// [`to_dtype`](Tensor::to_dtype) first otherwise). Submits the recorded work this needs and waits
    /// for it.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if T::DTYPE != self.dtype {
            let wanted = format!("to_vec::<{}>()", std::any::type_name::<T>());
            return Err(error::element_type(&wanted, T::DTYPE, self.dtype));
        }
        Ok(T::from_bytes(&self.to_bytes()?))
    }

    /// The one element of a one-element tensor (any shape), as `T` (the tensor's dtype).
    pub fn item<T: Element>(&self) -> Result<T> {
        if self.numel() != 1 {
            return Err(error::item_numel(self.numel()));
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// The little-endian bytes of the elements in row-major order (`F16` as IEEE half bits).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let len = self.numel() * self.dtype.size();
        if len == 0 {
            return Ok(Vec::new());
        }
        // A copy reads whole words from a word-aligned offset: other views go through a kernel first.
        let aligned = self.is_contiguous() && (self.buffer_offset() * self.dtype.size()) % 4 == 0;
        let source = if aligned {
            self.clone()
        } else {
            self.copy_contiguous()?
        };
        let device = source.device();
        let inner = &device.inner;
        let copy_len = (len as u64).next_multiple_of(4);
        let staging = inner.gpu.device.create_buffer(&BufferDescriptor {
            label: "dawn::tensor read-back",
            size: copy_len,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        {
            let mut batch = inner.batch.lock();
            source.storage.mark_used(batch.id());
            batch.copy(
                source.storage.buffer(),
                (source.buffer_offset() * source.dtype.size()) as u64,
                &staging,
                0,
                copy_len,
            );
            batch.flush(&inner.gpu, &inner.pool)?;
        }
        let mut bytes = map_read(&staging)?;
        device.check_gpu_error()?;
        bytes.truncate(len);
        Ok(bytes)
    }

    /// This tensor on `device` (itself if it is already there; otherwise read back and uploaded).
    pub fn to(&self, device: &Device) -> Result<Tensor> {
        if self.device().same(device) {
            return Ok(self.clone());
        }
        Tensor::from_bytes(&self.to_bytes()?, self.shape(), self.dtype, device)
    }

    /// The elements as `f64`, whatever the dtype (for printing and tests).
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        let t = if self.dtype == DType::F16 {
            self.to_dtype(DType::F32)?
        } else {
            self.clone()
        };
        Ok(match t.dtype {
            DType::F32 => t.to_vec::<f32>()?.into_iter().map(f64::from).collect(),
            DType::I32 => t.to_vec::<i32>()?.into_iter().map(f64::from).collect(),
            DType::U32 => t.to_vec::<u32>()?.into_iter().map(f64::from).collect(),
            DType::U8 => t.to_vec::<u8>()?.into_iter().map(f64::from).collect(),
            DType::I8 => t.to_vec::<i8>()?.into_iter().map(f64::from).collect(),
            DType::Bool => t
                .to_vec::<bool>()?
                .into_iter()
                .map(|b| b as u8 as f64)
                .collect(),
            DType::F16 => unreachable!("converted above"),
        })
    }
}

/// Maps a read-back buffer (its copy submitted) and returns its bytes.
fn map_read(buffer: &Buffer) -> Result<Vec<u8>> {
    buffer.map_async(MapMode::Read, ..).wait()?;
    Ok(buffer.take_mapping()?.to_vec())
}
