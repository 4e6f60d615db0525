//! Shape arithmetic: a small fixed-capacity dimension list, dim wrapping, `-1` inference, numpy
//! broadcasting and dim sets for reductions. Pure; unit-tested below.

use super::error;
use crate::Result;
use std::ops::{Deref, DerefMut};

/// The most dimensions a tensor may have.
pub const MAX_DIMS: usize = 8;

/// Up to [`MAX_DIMS`] sizes or strides, stored inline (a tensor's layout is `Copy`, no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Dims {
    len: u8,
    values: [usize; MAX_DIMS],
}

impl Dims {
    /// `values` as dims, or an error naming the rank when there are more than [`MAX_DIMS`].
    pub(crate) fn new(values: &[usize]) -> Result<Dims> {
        if values.len() > MAX_DIMS {
            return Err(error::too_many_dims(values.len(), MAX_DIMS));
        }
        let mut dims = Dims::default();
        dims.values[..values.len()].copy_from_slice(values);
        dims.len = values.len() as u8;
        Ok(dims)
    }

    /// `n` copies of `value` (`n <= MAX_DIMS`).
    pub(crate) fn filled(n: usize, value: usize) -> Dims {
        assert!(n <= MAX_DIMS, "at most {MAX_DIMS} dims");
        let mut dims = Dims {
            len: n as u8,
            ..Dims::default()
        };
        dims.values[..n].fill(value);
        dims
    }

    /// Inserts `value` at `index`; an error if the list is full.
    pub(crate) fn insert(&mut self, index: usize, value: usize) -> Result<()> {
        let len = self.len as usize;
        if len == MAX_DIMS {
            return Err(error::too_many_dims(len + 1, MAX_DIMS));
        }
        self.values.copy_within(index..len, index + 1);
        self.values[index] = value;
        self.len += 1;
        Ok(())
    }

    /// Removes and returns the value at `index`.
    pub(crate) fn remove(&mut self, index: usize) -> usize {
        let len = self.len as usize;
        let value = self.values[index];
        self.values.copy_within(index + 1..len, index);
        self.len -= 1;
        value
    }
}

impl Deref for Dims {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.values[..self.len as usize]
    }
}

impl DerefMut for Dims {
    fn deref_mut(&mut self) -> &mut [usize] {
        &mut self.values[..self.len as usize]
    }
}

impl std::fmt::Debug for Dims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The product of the sizes, or an error when it does not fit 32-bit element indices.
pub(crate) fn checked_numel(shape: &[usize]) -> Result<usize> {
    let numel: u128 = shape.iter().map(|&d| d as u128).product();
    if numel > u32::MAX as u128 {
        return Err(error::too_many_elements(numel));
    }
    Ok(numel as usize)
}

/// `dim` wrapped into `0..rank` (negative dims count from the end). A 0-dim tensor accepts 0 and -1,
/// as in torch.
pub(crate) fn wrap_dim(dim: isize, rank: usize) -> Result<usize> {
    let r = rank.max(1) as isize;
    let wrapped = if dim < 0 { dim + r } else { dim };
    if wrapped < 0 || wrapped >= r {
        return Err(error::dim_out_of_range(dim, rank));
    }
    Ok(wrapped as usize)
}

/// `sizes` with at most one `-1` inferred so that they hold `numel` elements.
pub(crate) fn infer_shape(sizes: &[isize], numel: usize) -> Result<Dims> {
    infer_shape_or(sizes, numel, || error::invalid_shape(sizes, numel))
}

/// [`infer_shape`] with the error for sizes that cannot hold `numel` elements supplied by the caller.
pub(crate) fn infer_shape_or(
    sizes: &[isize],
    numel: usize,
    mismatch: impl FnOnce() -> crate::Error,
) -> Result<Dims> {
    let mut inferred = None;
    let mut known: usize = 1;
    for (i, &s) in sizes.iter().enumerate() {
        match s {
            -1 if inferred.is_some() => return Err(error::infer_more_than_one()),
            -1 => inferred = Some(i),
            s if s < 0 => return Err(error::invalid_shape_dim(s)),
            s => known = known.saturating_mul(s as usize),
        }
    }
    let mut shape: Vec<usize> = sizes.iter().map(|&s| s.max(0) as usize).collect();
    match inferred {
        Some(i) => {
            if known == 0 || numel % known != 0 {
                return Err(mismatch());
            }
            shape[i] = numel / known;
        }
        None if known != numel => return Err(mismatch()),
        None => {}
    }
    Dims::new(&shape)
}

/// numpy broadcasting of two shapes (aligned at the end; each pair equal or one of them 1).
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Dims> {
    let n = a.len().max(b.len());
    let mut out = Dims::filled(n.min(MAX_DIMS), 1);
    if n > MAX_DIMS {
        return Err(error::too_many_dims(n, MAX_DIMS));
    }
    for i in 0..n {
        let from_end = n - 1 - i;
        let da = if from_end < a.len() {
            a[a.len() - 1 - from_end]
        } else {
            1
        };
        let db = if from_end < b.len() {
            b[b.len() - 1 - from_end]
        } else {
            1
        };
        out[i] = match (da, db) {
            _ if da == db => da,
            (1, _) => db,
            (_, 1) => da,
            _ => return Err(error::broadcast_mismatch(da, db, i)),
        };
    }
    Ok(out)
}

/// Which dims of a `rank`-dim tensor a reduction over `dims` covers (`None` or an empty list: all of
/// them, as in torch); dims may be negative, and a dim named twice is an error.
pub(crate) fn reduce_mask(dims: Option<&[isize]>, rank: usize) -> Result<[bool; MAX_DIMS]> {
    let mut mask = [false; MAX_DIMS];
    match dims {
        None | Some([]) => mask[..rank].fill(true),
        Some(list) => {
            for &d in list {
                let w = wrap_dim(d, rank)?;
                if rank == 0 {
                    continue;
                }
                if mask[w] {
                    return Err(error::dim_repeated(w));
                }
                mask[w] = true;
            }
        }
    }
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_insert_and_remove() {
        let mut d = Dims::new(&[2, 3]).unwrap();
        d.insert(1, 7).unwrap();
        assert_eq!(&*d, &[2, 7, 3]);
        assert_eq!(d.remove(0), 2);
        assert_eq!(&*d, &[7, 3]);
        assert!(Dims::new(&[1; 9]).is_err());
        let mut full = Dims::new(&[1; 8]).unwrap();
        assert!(
            full.insert(0, 1)
                .unwrap_err()
                .message()
                .contains("at most 8")
        );
    }

    #[test]
    fn wraps_dims_like_torch() {
        assert_eq!(wrap_dim(-1, 3).unwrap(), 2);
        assert_eq!(wrap_dim(0, 0).unwrap(), 0);
        assert_eq!(wrap_dim(-1, 0).unwrap(), 0);
        assert!(wrap_dim(3, 3).is_err());
        assert!(wrap_dim(-4, 3).is_err());
    }

    #[test]
    fn infers_one_size() {
        assert_eq!(&*infer_shape(&[2, -1], 6).unwrap(), &[2, 3]);
        assert_eq!(&*infer_shape(&[-1], 0).unwrap(), &[0]);
        assert_eq!(
            infer_shape(&[2, 5], 6).unwrap_err().message(),
            "shape '[2, 5]' is invalid for input of size 6"
        );
        assert_eq!(
            infer_shape(&[-1, -1], 6).unwrap_err().message(),
            "only one dimension can be inferred"
        );
        assert!(infer_shape(&[0, -1], 0).is_err());
        assert!(infer_shape(&[-2, 3], 6).is_err());
    }

    #[test]
    fn broadcasts_both_sides() {
        assert_eq!(&*broadcast_shapes(&[3, 1], &[1, 4]).unwrap(), &[3, 4]);
        assert_eq!(&*broadcast_shapes(&[5, 1, 4], &[3, 1]).unwrap(), &[5, 3, 4]);
        assert_eq!(&*broadcast_shapes(&[0], &[1]).unwrap(), &[0]);
        assert_eq!(&*broadcast_shapes(&[], &[2]).unwrap(), &[2]);
        assert_eq!(
            broadcast_shapes(&[2, 3], &[2, 4]).unwrap_err().message(),
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
        );
    }

    #[test]
    fn reduce_masks() {
        let m = reduce_mask(Some(&[-1, 0]), 3).unwrap();
        assert_eq!(&m[..3], &[true, false, true]);
        assert!(reduce_mask(Some(&[1, -2]), 3).is_err());
        assert_eq!(&reduce_mask(None, 2).unwrap()[..3], &[true, true, false]);
        assert!(reduce_mask(Some(&[0]), 0).is_ok());
        assert_eq!(&reduce_mask(Some(&[]), 2).unwrap()[..2], &[true, true]);
    }

    #[test]
    fn numel_fits_u32() {
        assert_eq!(checked_numel(&[]).unwrap(), 1);
        assert_eq!(checked_numel(&[3, 0]).unwrap(), 0);
        assert!(checked_numel(&[1 << 20, 1 << 20]).is_err());
    }
}
