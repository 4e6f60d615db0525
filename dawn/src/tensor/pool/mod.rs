//! The tensor memory pool: blocks from the [`backing`] store, reused by size class.
//!
//! - **Transient** allocations (every op's output) are rounded up to a size class (multiples of 512 bytes
//!   up to 1 MiB, then four classes per power of two, so at most 25% is lost to rounding) and, when
//!   their tensor dies, kept in a free list of their class for the next allocation of that class: a
//!   loop that makes tensors of the same shapes allocates from the device only in its first turn.
//! - **Long-lived** allocations (data uploaded from the host: `from_slice`, `from_vec`, `to(&device)`,
//!   the usual way weights arrive) take exactly their size (rounded to 256 bytes) and go straight back to
//!   the backing store when freed, so they neither waste a class's rounding nor sit in a free list.
//!
//! [`empty_cache`](Pool::empty_cache) gives every cached block back. Statistics follow torch's
//! `memory_stats` (see [`stats`]).

pub(crate) mod backing;
pub(crate) mod stats;
pub(crate) mod summary;

use crate::Result;
use backing::{Backing, Block};
use stats::Stats;
use std::collections::HashMap;

/// Alignment of every block's offset (WebGPU's usual `minStorageBufferOffsetAlignment`), and the unit
/// long-lived sizes are rounded to.
const ALIGN: u64 = 256;
/// The smallest size class (torch's `kMinBlockSize`).
const MIN_BLOCK: u64 = 512;

/// How long an allocation is expected to live (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lifetime {
    Transient,
    LongLived,
}

/// A block in use by one storage.
#[derive(Debug)]
pub(crate) struct Allocation {
    pub block: Block,
    requested: u64,
    lifetime: Lifetime,
}

/// The pool of one tensor device.
pub(crate) struct Pool {
    backing: Backing,
    /// Cached transient blocks by size.
    cached: HashMap<u64, Vec<Block>>,
    /// The largest block the device can bind.
    max_block: u64,
    stats: Stats,
}

/// The size class of a transient request of `bytes`.
pub(crate) fn size_class(bytes: u64) -> u64 {
    if bytes <= stats::SMALL_SIZE {
        return bytes.max(1).next_multiple_of(MIN_BLOCK);
    }
    let step = (bytes.next_power_of_two() / 2) / 4;
    bytes.next_multiple_of(step)
}

impl Pool {
    pub(crate) fn new(backing: Backing, max_block: u64) -> Pool {
        Pool {
            backing,
            cached: HashMap::new(),
            max_block,
            stats: Stats::default(),
        }
    }

    /// A block of at least `bytes` bytes (the caller checked `bytes` against the device's limits).
    pub(crate) fn allocate(&mut self, bytes: u64, lifetime: Lifetime) -> Result<Allocation> {
        let size = match lifetime {
            Lifetime::Transient => {
                let class = size_class(bytes);
                // A class above the device's largest block falls back to the exact size.
                if class > self.max_block {
                    bytes.max(1).next_multiple_of(ALIGN)
                } else {
                    class
                }
            }
            Lifetime::LongLived => bytes.max(1).next_multiple_of(ALIGN),
        };
        let reused = match lifetime {
            Lifetime::Transient => self.cached.get_mut(&size).and_then(|list| list.pop()),
            Lifetime::LongLived => None,
        };
        let block = match reused {
            Some(block) => block,
            None => {
                let block = self.backing.allocate(size, ALIGN)?;
                self.stats.num_device_alloc += 1;
                self.stats.reserved_bytes.increase(size, size);
                self.stats.segment.increase(size, 1);
                block
            }
        };
        let s = &mut self.stats;
        s.allocated_bytes.increase(size, size);
        s.active_bytes.increase(size, size);
        s.requested_bytes.increase(size, bytes);
        s.allocation.increase(size, 1);
        s.active.increase(size, 1);
        Ok(Allocation {
            block,
            requested: bytes,
            lifetime,
        })
    }

    /// Takes back an allocation's block: cached for reuse, or (long-lived) given back to the device.
    pub(crate) fn free(&mut self, allocation: Allocation) {
        let size = allocation.block.size;
        let s = &mut self.stats;
        s.allocated_bytes.decrease(size, size);
        s.active_bytes.decrease(size, size);
        s.requested_bytes.decrease(size, allocation.requested);
        s.allocation.decrease(size, 1);
        s.active.decrease(size, 1);
        match allocation.lifetime {
            Lifetime::Transient => self.cached.entry(size).or_default().push(allocation.block),
            Lifetime::LongLived => self.release(allocation.block),
        }
    }

    /// Gives every cached block back to the device.
    pub(crate) fn empty_cache(&mut self) {
        let blocks: Vec<Block> = self.cached.drain().flat_map(|(_, list)| list).collect();
        for block in blocks {
            self.release(block);
        }
    }

    fn release(&mut self, block: Block) {
        let size = block.size;
        self.stats.reserved_bytes.decrease(size, size);
        self.stats.segment.decrease(size, 1);
        self.stats.num_device_free += 1;
        self.backing.free(block);
    }

    pub(crate) fn note_retry(&mut self) {
        self.stats.num_alloc_retries += 1;
    }

    pub(crate) fn note_oom(&mut self) {
        self.stats.num_ooms += 1;
    }

    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    pub(crate) fn reset_peak_stats(&mut self) {
        self.stats.reset_peaks();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_bound_the_rounding() {
        assert_eq!(size_class(0), 512);
        assert_eq!(size_class(1), 512);
        assert_eq!(size_class(513), 1024);
        assert_eq!(size_class(1 << 20), 1 << 20);
        assert_eq!(size_class((1 << 20) + 1), (1 << 20) + (1 << 18));
        assert_eq!(size_class(1 << 30), 1 << 30);
        assert_eq!(size_class(3 << 29), 3 << 29);
        for bytes in [1u64 << 21, 3_000_000, 100_000_001, (1 << 30) + 7] {
            let class = size_class(bytes);
            assert!(
                class >= bytes && (class - bytes) * 4 <= bytes,
                "{bytes} -> {class}"
            );
        }
    }
}
