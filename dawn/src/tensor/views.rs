//! View ops: new layouts over the same storage, no copy (and the two that may copy: `reshape`,
//! `contiguous`).

use super::dtype::ComputeType;
use super::engine::codegen::map::MapOp;
use super::error;
use super::ops::launch::{MapCall, MapInput, map};
use super::shape::wrap_dim;
use super::tensor::Tensor;
use crate::Result;
use std::ops::{Bound, RangeBounds};

impl Tensor {
    /// The elements with shape `shape` (one size may be `-1`), as a view when the strides allow one and
    /// as a contiguous copy otherwise (torch's `reshape`).
    pub fn reshape(&self, shape: &[isize]) -> Result<Tensor> {
        match self.layout.view(shape)? {
            Some(layout) => Ok(self.with_layout(layout)),
            None => self.copy_contiguous()?.view(shape),
        }
    }

    /// The elements with shape `shape` (one size may be `-1`) as a view; refused (with torch's message)
    /// when the strides do not allow one.
    pub fn view(&self, shape: &[isize]) -> Result<Tensor> {
        match self.layout.view(shape)? {
            Some(layout) => Ok(self.with_layout(layout)),
            None => Err(error::view_incompatible()),
        }
    }

    /// The dims reordered: dim `i` of the result is dim `dims[i]` of `self`.
    pub fn permute(&self, dims: &[isize]) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.permute(dims)?))
    }

    /// Dims `dim0` and `dim1` swapped.
    pub fn transpose(&self, dim0: isize, dim1: isize) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.transpose(dim0, dim1)?))
    }

    /// The transpose of a matrix (0-D and 1-D tensors are returned as they are).
    pub fn t(&self) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.t()?))
    }

    /// `length` elements of `dim` from `start` (negative counts from the end).
    pub fn narrow(&self, dim: isize, start: isize, length: usize) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.narrow(dim, start, length)?))
    }

    /// Python's `x[start:end:step]` along `dim`: `range` in elements (negative bounds count from the
    /// end; out-of-range bounds are clamped), every `step`-th element (`step >= 1`).
    ///
    /// ```
    /// # let device = dawn::tensor::Device::default_gpu()?;
    /// let x = dawn::tensor::Tensor::arange(0.0, 10.0, 1.0, dawn::tensor::DType::I32, &device)?;
    /// assert_eq!(x.slice(0, 1..-1, 3)?.to_vec::<i32>()?, [1, 4, 7]);
    /// assert_eq!(x.slice(0, -2.., 1)?.to_vec::<i32>()?, [8, 9]);
    /// # Ok::<(), dawn::Error>(())
    /// ```
    pub fn slice(&self, dim: isize, range: impl RangeBounds<isize>, step: usize) -> Result<Tensor> {
        let start = match range.start_bound() {
            Bound::Included(&s) => Some(s),
            Bound::Excluded(&s) => Some(s + 1),
            Bound::Unbounded => None,
        };
        let end = match range.end_bound() {
            Bound::Included(&-1) => None,
            Bound::Included(&e) => Some(e + 1),
            Bound::Excluded(&e) => Some(e),
            Bound::Unbounded => None,
        };
        Ok(self.with_layout(self.layout.slice(dim, start, end, step)?))
    }

    /// Element `index` of `dim`, with that dim removed.
    pub fn select(&self, dim: isize, index: isize) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.select(dim, index)?))
    }

    /// Size-1 dims repeated to `sizes` (aligned at the end; `-1` keeps a size; new leading dims allowed),
    /// with stride 0: no copy.
    pub fn expand(&self, sizes: &[isize]) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.expand(sizes)?))
    }

    /// [`expand`](Tensor::expand) to `shape`.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        let sizes: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
        self.expand(&sizes)
    }

    /// [`expand`](Tensor::expand) to `other`'s shape.
    pub fn expand_as(&self, other: &Tensor) -> Result<Tensor> {
        self.broadcast_to(other.shape())
    }

    /// Every size-1 dim removed.
    pub fn squeeze(&self) -> Tensor {
        self.with_layout(self.layout.squeeze())
    }

    /// `dim` removed if its size is 1 (unchanged otherwise, as in torch).
    pub fn squeeze_dim(&self, dim: isize) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.squeeze_dim(dim)?))
    }

    /// A size-1 dim inserted at `dim` (in `-rank-1..=rank`).
    pub fn unsqueeze(&self, dim: isize) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.unsqueeze(dim)?))
    }

    /// Dims `start_dim..=end_dim` merged into one (a view when the strides allow, else a copy).
    pub fn flatten(&self, start_dim: isize, end_dim: isize) -> Result<Tensor> {
        let rank = self.rank();
        let (start, end) = (wrap_dim(start_dim, rank)?, wrap_dim(end_dim, rank)?);
        if start > end {
            return Err(error::flatten_order());
        }
        if rank == 0 {
            return self.reshape(&[1]);
        }
        if start == end {
            return Ok(self.clone());
        }
        let shape = self.shape();
        let mut sizes: Vec<isize> = shape[..start].iter().map(|&d| d as isize).collect();
        sizes.push(shape[start..=end].iter().product::<usize>() as isize);
        sizes.extend(shape[end + 1..].iter().map(|&d| d as isize));
        self.reshape(&sizes)
    }

    /// `dim` split into `sizes` (one may be `-1`): always a view.
    pub fn unflatten(&self, dim: isize, sizes: &[isize]) -> Result<Tensor> {
        Ok(self.with_layout(self.layout.unflatten(dim, sizes)?))
    }

    /// The tensor itself if it is contiguous, else a contiguous copy.
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            Ok(self.clone())
        } else {
            self.copy_contiguous()
        }
    }

    /// A contiguous copy in new storage (one kernel that reads the view through its strides).
    pub(crate) fn copy_contiguous(&self) -> Result<Tensor> {
        let ty = ComputeType::of(self.dtype);
        let call = MapCall {
            op: MapOp::Identity,
            params: [ty; 3],
            result: ty,
            out: self.dtype,
        };
        map(
            self.device(),
            &call,
            &[MapInput::Tensor(self)],
            self.shape(),
        )
    }
}
