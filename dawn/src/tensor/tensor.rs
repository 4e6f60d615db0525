//! [`Tensor`]: shared immutable storage, a layout and a dtype.

use super::device::Device;
use super::dtype::DType;
use super::error;
use super::layout::Layout;
use super::shape::wrap_dim;
use super::storage::Storage;
use crate::Result;
use std::sync::Arc;

/// An n-dimensional array on a tensor [`Device`]: a view (shape, strides and offset, in elements) of
/// immutable storage shared with the tensors it was viewed from, and a [`DType`].
///
/// Cloning is cheap (the storage is shared). Ops take `&self` and return a new `Result<Tensor>`; view
/// ops ([`permute`](Tensor::permute), [`narrow`](Tensor::narrow), [`expand`](Tensor::expand), ...) copy
/// nothing, and kernels read strided views directly. Work is recorded and runs lazily (see
/// [`Device::sync`]); reading a tensor back waits for what it needs. `Send + Sync`.
///
/// ```
/// use dawn::tensor::{Device, Tensor};
/// let device = Device::default_gpu()?;
/// let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3], &device)?;
/// let b = Tensor::from_slice(&[10.0f32, 20.0, 30.0], &[3], &device)?;
/// let c = ((&a + &b)? * 2.0)?;
/// assert_eq!(c.to_vec::<f32>()?, [22.0, 44.0, 66.0, 28.0, 50.0, 72.0]);
/// assert_eq!(c.t()?.shape(), &[3, 2]);
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct Tensor {
    pub(crate) storage: Arc<Storage>,
    pub(crate) layout: Layout,
    pub(crate) dtype: DType,
}

impl Tensor {
    pub(crate) fn from_parts(storage: Arc<Storage>, layout: Layout, dtype: DType) -> Tensor {
        Tensor {
            storage,
            layout,
            dtype,
        }
    }

    /// The same storage with another layout.
    pub(crate) fn with_layout(&self, layout: Layout) -> Tensor {
        Tensor {
            storage: self.storage.clone(),
            layout,
            dtype: self.dtype,
        }
    }

    /// The sizes of the dims.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }

    /// The size of `dim` (negative counts from the end).
    pub fn size(&self, dim: isize) -> Result<usize> {
        if self.rank() == 0 {
            return Err(error::no_dims(dim));
        }
        Ok(self.shape()[wrap_dim(dim, self.rank())?])
    }

    /// The element strides of the dims.
    pub fn stride(&self) -> &[usize] {
        self.layout.strides()
    }

    /// The view's first element, counted in elements from its storage's start.
    pub fn storage_offset(&self) -> usize {
        self.layout.offset()
    }

    /// The number of dims (torch's `dim()`).
    pub fn rank(&self) -> usize {
        self.layout.rank()
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.layout.numel()
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The device the tensor lives on.
    pub fn device(&self) -> &Device {
        self.storage.device()
    }

    /// Whether the view is row-major without gaps (torch's rule: size-1 dims do not count).
    pub fn is_contiguous(&self) -> bool {
        self.layout.is_contiguous()
    }

    /// Whether `self` and `other` view the same storage.
    pub fn shares_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }

    /// The element index, from the start of the storage's *buffer*, of the view's first element.
    pub(crate) fn buffer_offset(&self) -> usize {
        self.storage.byte_offset() as usize / self.dtype.size() + self.layout.offset()
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tensor")
            .field("shape", &self.shape())
            .field("stride", &self.stride())
            .field("offset", &self.storage_offset())
            .field("dtype", &self.dtype)
            .field("device", &self.device().name())
            .finish()
    }
}
