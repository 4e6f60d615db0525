//! The pure allocators behind [`Heap`](super::Heap) and the arenas: byte arithmetic only, no GPU, unit-tested
//! here.
//!
//! - [`RangeAllocator`] (a heap page): exact best fit over the free ranges, kept in two ordered sets (by
//!   address, to merge a freed range with its free neighbours at once; by length, to find the smallest range
//!   that fits). Each operation is `O(log n)` in the number of free ranges. Why not the alternatives: a buddy
//!   allocator rounds every request up to a power of two (up to half of each block lost), and size classes
//!   waste the gap between classes and strand memory in classes nobody asks for any more; TLSF approximates
//!   this best fit in `O(1)` with bitmaps, a gain that matters for millions of tiny CPU allocations, not for
//!   GPU slices counted in thousands. Requests are whole multiples of the page's alignment, so every free
//!   range starts aligned and the first candidate always fits: nothing is lost but the rounding itself.
//! - [`Bump`] (an arena chunk): a cursor that only moves forward until `reset`.

use std::collections::{BTreeMap, BTreeSet};

/// Best-fit allocation of byte ranges in `0..capacity`, merging freed ranges with their free neighbours.
#[derive(Debug)]
pub(crate) struct RangeAllocator {
    capacity: u64,
    /// start -> end of every free range; free ranges never touch (they are merged).
    by_start: BTreeMap<u64, u64>,
    /// (length, start) of every free range.
    by_len: BTreeSet<(u64, u64)>,
    free_bytes: u64,
}

impl RangeAllocator {
    /// All of `0..capacity` free.
    pub(crate) fn new(capacity: u64) -> Self {
        let mut allocator = RangeAllocator {
            capacity,
            by_start: BTreeMap::new(),
            by_len: BTreeSet::new(),
            free_bytes: 0,
        };
        if capacity > 0 {
            allocator.insert(0, capacity);
        }
        allocator
    }

    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Whether nothing is allocated.
    pub(crate) fn is_unused(&self) -> bool {
        self.free_bytes == self.capacity
    }

    /// The start of a free range of `len` bytes (`len > 0`) aligned to `align` (a power of two): the
    /// smallest free range that can hold it. `None` when no free range can.
    pub(crate) fn allocate(&mut self, len: u64, align: u64) -> Option<u64> {
        debug_assert!(len > 0 && align.is_power_of_two());
        let (range_len, start, aligned) = self.by_len.range((len, 0)..).find_map(|&(l, s)| {
            let aligned = s.checked_next_multiple_of(align)?;
            (aligned.checked_add(len)? <= s + l).then_some((l, s, aligned))
        })?;
        self.remove(start, range_len);
        if aligned > start {
            self.insert(start, aligned - start);
        }
        let end = start + range_len;
        if aligned + len < end {
            self.insert(aligned + len, end - (aligned + len));
        }
        Some(aligned)
    }

    /// Returns `start..start + len` (allocated before, not freed since) to the free ranges.
    pub(crate) fn free(&mut self, start: u64, len: u64) {
        debug_assert!(len > 0 && start + len <= self.capacity);
        let (mut start, mut end) = (start, start + len);
        if let Some((&before, &before_end)) = self.by_start.range(..start).next_back() {
            debug_assert!(before_end <= start, "freeing a range that is free");
            if before_end == start {
                self.remove(before, before_end - before);
                start = before;
            }
        }
        if let Some(&after_end) = self.by_start.get(&end) {
            self.remove(end, after_end - end);
            end = after_end;
        }
        self.insert(start, end - start);
    }

    fn insert(&mut self, start: u64, len: u64) {
        self.by_start.insert(start, start + len);
        self.by_len.insert((len, start));
        self.free_bytes += len;
    }

    fn remove(&mut self, start: u64, len: u64) {
        self.by_start.remove(&start);
        self.by_len.remove(&(len, start));
        self.free_bytes -= len;
    }
}

/// Bump allocation in `0..capacity`: each range starts where the last one ended (aligned up).
#[derive(Debug)]
pub(crate) struct Bump {
    capacity: u64,
    cursor: u64,
}

impl Bump {
    pub(crate) fn new(capacity: u64) -> Self {
        Bump {
            capacity,
            cursor: 0,
        }
    }

    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes not yet handed out (past the cursor).
    pub(crate) fn remaining(&self) -> u64 {
        self.capacity - self.cursor
    }

    /// The start of `len` bytes aligned to `align` (a power of two) past the cursor, and the alignment gap
    /// skipped before it; `None` (and nothing changes) when they do not fit.
    pub(crate) fn allocate(&mut self, len: u64, align: u64) -> Option<(u64, u64)> {
        debug_assert!(align.is_power_of_two());
        let start = self.cursor.checked_next_multiple_of(align)?;
        let end = start.checked_add(len)?;
        if end > self.capacity {
            return None;
        }
        let gap = start - self.cursor;
        self.cursor = end;
        Some((start, gap))
    }

    /// Everything free again.
    pub(crate) fn reset(&mut self) {
        self.cursor = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so that failures replay.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The model: a byte map of which bytes are allocated.
    fn check_against_model(seed: u64, capacity: u64, granule: u64) {
        let mut rng = Rng(seed);
        let mut allocator = RangeAllocator::new(capacity);
        let mut used = vec![false; capacity as usize];
        let mut live: Vec<(u64, u64)> = Vec::new();
        for _ in 0..4000 {
            if live.is_empty() || rng.below(3) != 0 {
                let len = (1 + rng.below(capacity / granule / 8)) * granule;
                let align = granule << rng.below(3);
                match allocator.allocate(len, align) {
                    Some(start) => {
                        assert_eq!(start % align, 0, "alignment");
                        assert!(start + len <= capacity);
                        for b in &mut used[start as usize..(start + len) as usize] {
                            assert!(!*b, "overlap at {start} (len {len})");
                            *b = true;
                        }
                        live.push((start, len));
                    }
                    None => {
                        // A refusal is right only if no aligned free run of `len` bytes exists.
                        let fits = (0..capacity).step_by(align as usize).any(|s| {
                            s + len <= capacity
                                && used[s as usize..(s + len) as usize].iter().all(|b| !b)
                        });
                        assert!(!fits, "refused {len} (align {align}) although it fits");
                    }
                }
            } else {
                let (start, len) = live.swap_remove(rng.below(live.len() as u64) as usize);
                allocator.free(start, len);
                used[start as usize..(start + len) as usize].fill(false);
            }
            let model_free = used.iter().filter(|b| !**b).count() as u64;
            assert_eq!(allocator.free_bytes, model_free);
        }
        for (start, len) in live.drain(..) {
            allocator.free(start, len);
        }
        // Everything merged back into one range.
        assert!(allocator.is_unused());
        assert_eq!(allocator.by_start.len(), 1);
        assert_eq!(allocator.allocate(capacity, granule), Some(0));
    }

    #[test]
    fn random_sequences_match_a_byte_model() {
        for seed in 1..=6 {
            check_against_model(seed * 0x9E37_79B9, 64 * 256, 256);
        }
        check_against_model(7, 4096, 4);
    }

    #[test]
    fn best_fit_picks_the_smallest_hole_and_merges_on_free() {
        let mut a = RangeAllocator::new(1000);
        let x = a.allocate(100, 1).unwrap();
        let y = a.allocate(300, 1).unwrap();
        let z = a.allocate(50, 1).unwrap();
        let _w = a.allocate(100, 1).unwrap();
        a.free(y, 300); // a hole of 300 at 100..400, and the tail 550..1000 (450)
        assert_eq!(a.allocate(280, 1), Some(y), "the 300 hole is the best fit");
        a.free(y, 280);
        a.free(x, 100);
        a.free(z, 50); // 0..450 merged
        assert_eq!(a.by_start.get(&0), Some(&450));
        assert_eq!(a.allocate(450, 1), Some(0));
    }

    #[test]
    fn alignment_gaps_stay_free() {
        let mut a = RangeAllocator::new(1024);
        assert_eq!(a.allocate(4, 4), Some(0));
        assert_eq!(a.allocate(8, 256), Some(256));
        // 4..256 is still free and usable.
        assert_eq!(a.allocate(252, 4), Some(4));
        assert_eq!(a.allocate(2000, 4), None);
        assert_eq!(a.allocate(1024 - 264, 4), Some(264));
        assert_eq!(a.allocate(4, 4), None);
    }

    #[test]
    fn bump_refuses_without_moving() {
        let mut b = Bump::new(100);
        assert_eq!(b.allocate(10, 1), Some((0, 0)));
        assert_eq!(b.allocate(10, 16), Some((16, 6)));
        assert_eq!(b.allocate(80, 1), None);
        assert_eq!(b.remaining(), 74);
        assert_eq!(b.allocate(74, 1), Some((26, 0)));
        assert_eq!(b.allocate(u64::MAX, 1), None);
        b.reset();
        assert_eq!(b.allocate(100, 64), Some((0, 0)));
    }
}
