//! Iteration planning: coalescing dims, rank buckets, the vector mode's conditions, and workgroup grids.
//! Pure; unit-tested below.

use crate::tensor::shape::Dims;

/// Removes size-1 dims and merges neighbouring dims that every operand steps through as one
/// (`stride[d] == size[d + 1] * stride[d + 1]`), so most views iterate as one or two dims.
/// A shape with no dim left becomes `[1]`.
pub(crate) fn coalesce(shape: &[usize], strides: &[Dims]) -> (Dims, Vec<Dims>) {
    let mut out_shape = Dims::default();
    let mut out_strides = vec![Dims::default(); strides.len()];
    for d in 0..shape.len() {
        let size = shape[d];
        if size == 1 {
            continue;
        }
        let last = out_shape.len();
        let merges = last > 0
            && strides
                .iter()
                .zip(&out_strides)
                .all(|(s, o)| o[last - 1] == size * s[d]);
        if merges {
            out_shape[last - 1] *= size;
            for (s, o) in strides.iter().zip(out_strides.iter_mut()) {
                o[last - 1] = s[d];
            }
        } else {
            out_shape
                .insert(last, size)
                .expect("never more dims than the input");
            for (s, o) in strides.iter().zip(out_strides.iter_mut()) {
                o.insert(last, s[d])
                    .expect("never more dims than the input");
            }
        }
    }
    if out_shape.is_empty() {
        out_shape = Dims::filled(1, 1);
        out_strides = vec![Dims::filled(1, 0); strides.len()];
    }
    (out_shape, out_strides)
}

/// The rank a kernel is generated for: 1, 2, 4 or 8 (fewer pipelines than one per rank).
pub(crate) fn rank_bucket(rank: usize) -> usize {
    match rank {
        0 | 1 => 1,
        2 => 2,
        3 | 4 => 4,
        _ => 8,
    }
}

/// Prepends size-1 dims (stride 0) up to `rank`.
pub(crate) fn pad(shape: &mut Dims, strides: &mut [Dims], rank: usize) {
    while shape.len() < rank {
        shape.insert(0, 1).expect("rank buckets fit MAX_DIMS");
        for s in strides.iter_mut() {
            s.insert(0, 0).expect("rank buckets fit MAX_DIMS");
        }
    }
}

/// Whether operands with these strides and element offsets can be read four elements at a time along
/// the last dim: it has a size in fours, and each operand's stride along it is 0 (one element for four
/// lanes) or 1 with the offset and every other stride in fours (aligned 16-byte groups).
pub(crate) fn vector_ok(shape: &[usize], strides: &[Dims], offsets: &[usize]) -> bool {
    let Some(&inner) = shape.last() else {
        return false;
    };
    if inner % 4 != 0 {
        return false;
    }
    strides.iter().zip(offsets).all(|(s, &offset)| {
        let (outer, last) = s.split_at(s.len() - 1);
        match last[0] {
            0 => true,
            1 => offset % 4 == 0 && outer.iter().all(|&x| x % 4 == 0),
            _ => false,
        }
    })
}

/// A grid of `workgroups` split over x and y so that neither exceeds `max_per_dim` (kernels compute
/// their linear index as `x + y * count_x` and skip the tail).
pub(crate) fn grid(workgroups: u64, max_per_dim: u32) -> (u32, u32) {
    let x = workgroups.clamp(1, max_per_dim as u64);
    let y = workgroups.div_ceil(x).max(1);
    (x as u32, y as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(v: &[usize]) -> Dims {
        Dims::new(v).unwrap()
    }

    #[test]
    fn contiguous_views_become_one_dim() {
        let (shape, strides) = coalesce(&[2, 3, 4], &[dims(&[12, 4, 1]), dims(&[12, 4, 1])]);
        assert_eq!(&*shape, &[24]);
        assert_eq!(&*strides[0], &[1]);
    }

    #[test]
    fn broadcast_and_transposed_views_keep_their_dims() {
        // [8, 8] + [8, 1] broadcast: two dims.
        let (shape, strides) = coalesce(&[8, 8], &[dims(&[8, 1]), dims(&[1, 0])]);
        assert_eq!(&*shape, &[8, 8]);
        assert_eq!(&*strides[1], &[1, 0]);
        // Size-1 dims vanish; a transposed pair stays apart.
        let (shape, strides) = coalesce(&[1, 3, 2], &[dims(&[6, 1, 3])]);
        assert_eq!(&*shape, &[3, 2]);
        assert_eq!(&*strides[0], &[1, 3]);
        let (shape, strides) = coalesce(&[1, 1], &[dims(&[1, 1])]);
        assert_eq!((&*shape, &*strides[0]), (&[1][..], &[0][..]));
    }

    #[test]
    fn buckets_and_padding() {
        assert_eq!(rank_bucket(3), 4);
        let mut shape = dims(&[5, 6, 7]);
        let mut strides = [dims(&[42, 7, 1])];
        pad(&mut shape, &mut strides, 4);
        assert_eq!(&*shape, &[1, 5, 6, 7]);
        assert_eq!(&*strides[0], &[0, 42, 7, 1]);
    }

    #[test]
    fn vector_mode_conditions() {
        assert!(vector_ok(&[8, 8], &[dims(&[8, 1]), dims(&[1, 0])], &[0, 3]));
        assert!(!vector_ok(&[8, 8], &[dims(&[8, 1])], &[2]));
        assert!(!vector_ok(&[8, 6], &[dims(&[6, 1])], &[0]));
        assert!(!vector_ok(&[8, 8], &[dims(&[1, 8])], &[0]));
        assert!(!vector_ok(&[8, 8], &[dims(&[10, 1])], &[0]));
    }

    #[test]
    fn grids_split_past_the_limit() {
        assert_eq!(grid(10, 65535), (10, 1));
        assert_eq!(grid(0, 65535), (1, 1));
        assert_eq!(grid(65536, 65535), (65535, 2));
        assert_eq!(grid(1 << 20, 65535), (65535, 17));
    }
}
