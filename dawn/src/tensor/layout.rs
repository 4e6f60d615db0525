//! A tensor's view of its storage: shape, element strides and an element offset, and the view
//! arithmetic (torch's rules) that makes new views without copying. Pure; unit-tested below.

use super::error;
use super::shape::{Dims, checked_numel, infer_shape, infer_shape_or, wrap_dim};
use crate::Result;

/// Shape, strides (in elements, never negative) and offset (in elements) of a view.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Layout {
    shape: Dims,
    strides: Dims,
    offset: usize,
}

impl Layout {
    /// The contiguous (row-major) layout of `shape` at offset 0.
    pub(crate) fn contiguous(shape: &[usize]) -> Result<Layout> {
        checked_numel(shape)?;
        let shape = Dims::new(shape)?;
        Ok(Layout {
            shape,
            strides: contiguous_strides(&shape),
            offset: 0,
        })
    }

    /// A layout of `shape` with `strides` from `offset` (the caller keeps it inside its storage).
    pub(crate) fn strided(shape: &[usize], strides: &[usize], offset: usize) -> Result<Layout> {
        Ok(Layout {
            shape: Dims::new(shape)?,
            strides: Dims::new(strides)?,
            offset,
        })
    }

    pub(crate) fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub(crate) fn strides(&self) -> &[usize] {
        &self.strides
    }

    pub(crate) fn stride_dims(&self) -> Dims {
        self.strides
    }

    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    pub(crate) fn rank(&self) -> usize {
        self.shape.len()
    }

    pub(crate) fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// torch's rule: strides are row-major for every dim of size above 1 (an empty view is contiguous).
    pub(crate) fn is_contiguous(&self) -> bool {
        if self.numel() == 0 {
            return true;
        }
        let mut expected = 1;
        for (&size, &stride) in self.shape.iter().zip(self.strides.iter()).rev() {
            if size != 1 {
                if stride != expected {
                    return false;
                }
                expected *= size;
            }
        }
        true
    }

    /// The storage element index of a logical index (row-major position) into the view.
    #[cfg(test)]
    pub(crate) fn element_index(&self, mut linear: usize) -> usize {
        let mut index = self.offset;
        for (&size, &stride) in self.shape.iter().zip(self.strides.iter()).rev() {
            index += (linear % size) * stride;
            linear /= size;
        }
        index
    }

    pub(crate) fn permute(&self, dims: &[isize]) -> Result<Layout> {
        let rank = self.rank();
        if dims.len() != rank {
            return Err(error::permute_len(rank, dims.len()));
        }
        let mut seen = [false; super::shape::MAX_DIMS];
        let mut out = *self;
        for (i, &d) in dims.iter().enumerate() {
            let w = wrap_dim(d, rank)?;
            if seen[w] {
                return Err(error::permute_duplicate());
            }
            seen[w] = true;
            out.shape[i] = self.shape[w];
            out.strides[i] = self.strides[w];
        }
        Ok(out)
    }

    pub(crate) fn transpose(&self, dim0: isize, dim1: isize) -> Result<Layout> {
        let rank = self.rank();
        let (a, b) = (wrap_dim(dim0, rank)?, wrap_dim(dim1, rank)?);
        let mut out = *self;
        if rank > 0 {
            out.shape.swap(a, b);
            out.strides.swap(a, b);
        }
        Ok(out)
    }

    /// torch's `t()`: transposes a 2-D view, returns 0-D and 1-D views as they are.
    pub(crate) fn t(&self) -> Result<Layout> {
        match self.rank() {
            0 | 1 => Ok(*self),
            2 => self.transpose(0, 1),
            r => Err(error::t_needs_2d(r)),
        }
    }

    pub(crate) fn narrow(&self, dim: isize, start: isize, length: usize) -> Result<Layout> {
        let d = self.checked_dim(dim)?;
        let size = self.shape[d];
        if start < -(size as isize) || start > size as isize {
            return Err(error::narrow_start(start, size));
        }
        let start = if start < 0 {
            start + size as isize
        } else {
            start
        } as usize;
        if start + length > size {
            return Err(error::narrow_length(start, length, size));
        }
        let mut out = *self;
        out.offset += start * self.strides[d];
        out.shape[d] = length;
        Ok(out)
    }

    /// Python's `x[start:end:step]` on `dim`: bounds may be negative (from the end) and are clamped.
    pub(crate) fn slice(
        &self,
        dim: isize,
        start: Option<isize>,
        end: Option<isize>,
        step: usize,
    ) -> Result<Layout> {
        let d = self.checked_dim(dim)?;
        if step == 0 {
            return Err(error::slice_step());
        }
        let size = self.shape[d] as isize;
        let clamp = |v: isize| {
            let v = if v < 0 { v + size } else { v };
            v.clamp(0, size)
        };
        let start = clamp(start.unwrap_or(0));
        let end = clamp(end.unwrap_or(size)).max(start);
        let mut out = *self;
        if start < size {
            out.offset += start as usize * self.strides[d];
        }
        out.shape[d] = ((end - start) as usize).div_ceil(step);
        out.strides[d] *= step;
        Ok(out)
    }

    pub(crate) fn select(&self, dim: isize, index: isize) -> Result<Layout> {
        if self.rank() == 0 {
            return Err(error::select_zero_dim());
        }
        let d = wrap_dim(dim, self.rank())?;
        let size = self.shape[d] as isize;
        if index < -size || index >= size {
            return Err(error::select_index(index, self.shape(), d));
        }
        let index = if index < 0 { index + size } else { index } as usize;
        let mut out = *self;
        out.offset += index * self.strides[d];
        out.shape.remove(d);
        out.strides.remove(d);
        Ok(out)
    }

    /// torch's `expand`: sizes aligned at the end, `-1` keeps a size, size-1 dims (and new leading dims)
    /// repeat with stride 0.
    pub(crate) fn expand(&self, sizes: &[isize]) -> Result<Layout> {
        let (n, rank) = (sizes.len(), self.rank());
        if n < rank {
            return Err(error::expand_too_few(sizes, self.shape()));
        }
        let mut shape = Dims::new(&vec![0; n])?;
        let mut strides = shape;
        for i in (0..n).rev() {
            let existing = (i + rank).checked_sub(n);
            let (size, stride) = match existing {
                Some(e) => (self.shape[e], self.strides[e]),
                None => (
                    1,
                    if i + 1 < n {
                        shape[i + 1] * strides[i + 1]
                    } else {
                        1
                    },
                ),
            };
            let target = match sizes[i] {
                -1 if existing.is_none() => return Err(error::expand_leading_minus_one(i)),
                -1 => size,
                t if t < 0 => return Err(error::invalid_shape_dim(t)),
                t => t as usize,
            };
            let stride = if size == target {
                stride
            } else if size == 1 {
                0
            } else {
                return Err(error::expand_mismatch(
                    sizes[i],
                    size,
                    i,
                    sizes,
                    self.shape(),
                ));
            };
            shape[i] = target;
            strides[i] = stride;
        }
        checked_numel(&shape)?;
        Ok(Layout {
            shape,
            strides,
            offset: self.offset,
        })
    }

    /// Removes every size-1 dim.
    pub(crate) fn squeeze(&self) -> Layout {
        let mut out = *self;
        let mut i = 0;
        while i < out.rank() {
            if out.shape[i] == 1 {
                out.shape.remove(i);
                out.strides.remove(i);
            } else {
                i += 1;
            }
        }
        out
    }

    /// Removes `dim` if its size is 1 (else the view is unchanged, as in torch).
    pub(crate) fn squeeze_dim(&self, dim: isize) -> Result<Layout> {
        let d = wrap_dim(dim, self.rank())?;
        let mut out = *self;
        if self.rank() > 0 && self.shape[d] == 1 {
            out.shape.remove(d);
            out.strides.remove(d);
        }
        Ok(out)
    }

    /// Inserts a size-1 dim at `dim` (in `-rank-1..=rank`).
    pub(crate) fn unsqueeze(&self, dim: isize) -> Result<Layout> {
        let rank = self.rank();
        let d = wrap_dim(dim, rank + 1)?;
        let stride = if d < rank {
            self.shape[d] * self.strides[d]
        } else {
            1
        };
        let mut out = *self;
        out.shape.insert(d, 1)?;
        out.strides.insert(d, stride)?;
        Ok(out)
    }

    /// Splits `dim` into `sizes` (one may be `-1`); always a view.
    pub(crate) fn unflatten(&self, dim: isize, sizes: &[isize]) -> Result<Layout> {
        let d = self.checked_dim(dim)?;
        if sizes.is_empty() {
            return Err(error::unflatten_empty());
        }
        let size = self.shape[d];
        let split = infer_shape_or(sizes, size, || error::unflatten_sizes(sizes, d, size))?;
        let mut shape: Vec<usize> = self.shape[..d].to_vec();
        shape.extend_from_slice(&split);
        shape.extend_from_slice(&self.shape[d + 1..]);
        let mut strides: Vec<usize> = self.strides[..d].to_vec();
        let mut inner = self.strides[d];
        let mut split_strides = vec![0; split.len()];
        for (s, &len) in split_strides.iter_mut().zip(split.iter()).rev() {
            *s = inner;
            inner *= len;
        }
        strides.extend_from_slice(&split_strides);
        strides.extend_from_slice(&self.strides[d + 1..]);
        Ok(Layout {
            shape: Dims::new(&shape)?,
            strides: Dims::new(&strides)?,
            offset: self.offset,
        })
    }

    /// The view of `sizes` (one may be `-1`) over the same elements, if the strides allow one.
    pub(crate) fn view(&self, sizes: &[isize]) -> Result<Option<Layout>> {
        let shape = infer_shape(sizes, self.numel())?;
        Ok(view_strides(self, &shape).map(|strides| Layout {
            shape,
            strides,
            offset: self.offset,
        }))
    }

    /// `dim` wrapped for a view with at least one dim (0-dim views have none to narrow or slice).
    fn checked_dim(&self, dim: isize) -> Result<usize> {
        if self.rank() == 0 {
            return Err(error::dim_out_of_range(dim, 0));
        }
        wrap_dim(dim, self.rank())
    }
}

/// Row-major strides of `shape`.
pub(crate) fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut strides = Dims::filled(shape.len(), 1);
    let mut acc = 1;
    for (s, &d) in strides.iter_mut().zip(shape.iter()).rev() {
        *s = acc;
        acc *= d.max(1);
    }
    strides
}

/// Strides that show `old`'s elements (row-major order) with `new_shape`, if they exist: torch's
/// `computeStride`. Runs of old dims that are contiguous with each other ("chunks") may be split or merged
/// freely; a new dim may not span two chunks.
fn view_strides(old: &Layout, new_shape: &[usize]) -> Option<Dims> {
    let (old_shape, old_strides) = (old.shape(), old.strides());
    if old_shape.is_empty() {
        return Some(Dims::filled(new_shape.len(), 1));
    }
    if old.numel() == 0 {
        return Some(contiguous_strides(new_shape));
    }
    let mut new_strides = Dims::filled(new_shape.len(), 0);
    let mut view_d = new_shape.len() as isize - 1;
    let mut chunk_base = *old_strides.last().expect("rank > 0");
    let (mut tensor_numel, mut view_numel) = (1usize, 1usize);
    for tensor_d in (0..old_shape.len()).rev() {
        tensor_numel *= old_shape[tensor_d];
        let chunk_ends = tensor_d == 0
            || (old_shape[tensor_d - 1] != 1
                && old_strides[tensor_d - 1] != tensor_numel * chunk_base);
        if chunk_ends {
            while view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d as usize] == 1) {
                new_strides[view_d as usize] = view_numel * chunk_base;
                view_numel *= new_shape[view_d as usize];
                view_d -= 1;
            }
            if view_numel != tensor_numel {
                return None;
            }
            if tensor_d > 0 {
                chunk_base = old_strides[tensor_d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    (view_d == -1).then_some(new_strides)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(shape: &[usize]) -> Layout {
        Layout::contiguous(shape).unwrap()
    }

    /// Every storage index the view reads, in row-major order.
    fn indices(l: &Layout) -> Vec<usize> {
        (0..l.numel()).map(|i| l.element_index(i)).collect()
    }

    #[test]
    fn contiguous_strides_and_checks() {
        let l = layout(&[2, 3, 4]);
        assert_eq!(l.strides(), &[12, 4, 1]);
        assert!(l.is_contiguous());
        assert!(!l.transpose(0, 2).unwrap().is_contiguous());
        assert!(layout(&[3, 0]).transpose(0, 1).unwrap().is_contiguous());
    }

    #[test]
    fn permute_and_transpose_move_strides() {
        let l = layout(&[2, 3, 4]).permute(&[2, 0, 1]).unwrap();
        assert_eq!(l.shape(), &[4, 2, 3]);
        assert_eq!(l.strides(), &[1, 12, 4]);
        assert!(layout(&[2, 3]).permute(&[0, 0]).is_err());
        assert!(layout(&[2, 3]).permute(&[0]).is_err());
        assert_eq!(indices(&layout(&[2, 3]).t().unwrap()), [0, 3, 1, 4, 2, 5]);
        assert_eq!(
            layout(&[2, 3, 4]).t().unwrap_err().message(),
            "t() expects a tensor with <= 2 dimensions, but self is 3D"
        );
    }

    #[test]
    fn narrow_slice_select() {
        let l = layout(&[4, 5]);
        assert_eq!(
            indices(&l.narrow(1, 1, 2).unwrap()),
            [1, 2, 6, 7, 11, 12, 16, 17]
        );
        assert_eq!(indices(&l.narrow(0, -1, 1).unwrap()), [15, 16, 17, 18, 19]);
        assert!(l.narrow(1, 4, 2).is_err());
        let s = l.slice(1, Some(-4), None, 2).unwrap();
        assert_eq!(s.shape(), &[4, 2]);
        assert_eq!(indices(&s)[..2], [1, 3]);
        let empty = l.slice(0, Some(3), Some(1), 1).unwrap();
        assert_eq!(empty.shape(), &[0, 5]);
        assert_eq!(l.slice(0, Some(10), None, 1).unwrap().shape(), &[0, 5]);
        assert_eq!(
            l.slice(0, None, None, 0).unwrap_err().message(),
            "slice step must be positive"
        );
        let row = l.select(0, -2).unwrap();
        assert_eq!(indices(&row), [10, 11, 12, 13, 14]);
        assert_eq!(
            l.select(1, 5).unwrap_err().message(),
            "select(): index 5 out of range for tensor of size [4, 5] at dimension 1"
        );
    }

    #[test]
    fn expand_repeats_size_one_dims() {
        let l = layout(&[3, 1]).expand(&[2, -1, 4]).unwrap();
        assert_eq!(l.shape(), &[2, 3, 4]);
        assert_eq!(l.strides(), &[0, 1, 0]);
        assert_eq!(
            layout(&[2, 3]).expand(&[2, 4]).unwrap_err().message(),
            "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  \
             Target sizes: [2, 4].  Tensor sizes: [2, 3]"
        );
        assert!(layout(&[2, 3]).expand(&[3]).is_err());
        assert!(layout(&[3]).expand(&[-1, 3]).is_err());
        assert_eq!(layout(&[1]).expand(&[0]).unwrap().shape(), &[0]);
    }

    #[test]
    fn squeeze_unsqueeze_unflatten() {
        let l = layout(&[1, 3, 1]);
        assert_eq!(l.squeeze().shape(), &[3]);
        assert_eq!(l.squeeze_dim(0).unwrap().shape(), &[3, 1]);
        assert_eq!(l.squeeze_dim(1).unwrap().shape(), &[1, 3, 1]);
        let u = layout(&[2, 3]).unsqueeze(-1).unwrap();
        assert_eq!((u.shape(), u.strides()), (&[2, 3, 1][..], &[3, 1, 1][..]));
        assert_eq!(layout(&[2, 3]).unsqueeze(1).unwrap().strides(), &[3, 3, 1]);
        assert!(layout(&[2, 3]).unsqueeze(3).is_err());
        let f = layout(&[2, 6]).unflatten(1, &[3, -1]).unwrap();
        assert_eq!((f.shape(), f.strides()), (&[2, 3, 2][..], &[6, 2, 1][..]));
        assert_eq!(
            layout(&[2, 6]).unflatten(1, &[4, 2]).unwrap_err().message(),
            "unflatten: Provided sizes [4, 2] don't multiply up to the size of dim 1 (6) in the input tensor"
        );
    }

    #[test]
    fn view_follows_compute_stride() {
        let l = layout(&[2, 3, 4]);
        let v = l.view(&[6, 4]).unwrap().unwrap();
        assert_eq!(v.strides(), &[4, 1]);
        // A transposed view can split dims but not merge across the transposition.
        let t = l.transpose(1, 2).unwrap();
        assert!(t.view(&[2, 12]).unwrap().is_none());
        let split = t.view(&[2, 2, 2, 3]).unwrap().unwrap();
        assert_eq!(indices(&split), indices(&t));
        let expanded = layout(&[3, 1]).expand(&[3, 4]).unwrap();
        assert!(expanded.view(&[12]).unwrap().is_none());
        assert_eq!(
            expanded.view(&[3, 2, 2]).unwrap().unwrap().strides(),
            &[1, 0, 0]
        );
        assert_eq!(layout(&[]).view(&[1, 1]).unwrap().unwrap().shape(), &[1, 1]);
        assert_eq!(
            layout(&[0, 3]).view(&[3, 0]).unwrap().unwrap().shape(),
            &[3, 0]
        );
    }
}
