//! Memory statistics under torch's names (`torch.cuda.memory_stats`): every metric has `all`,
//! `large_pool` (allocations above 1 MiB) and `small_pool` (up to 1 MiB) variants, each with `current`,
//! `peak`, `allocated` (total ever added) and `freed` (total ever removed).

use std::collections::BTreeMap;

/// Allocations up to this size count in the small pool (torch's `kSmallSize`).
pub(crate) const SMALL_SIZE: u64 = 1 << 20;

/// One counter with its peak and totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stat {
    pub current: u64,
    pub peak: u64,
    pub allocated: u64,
    pub freed: u64,
}

impl Stat {
    fn increase(&mut self, amount: u64) {
        self.current += amount;
        self.allocated += amount;
        self.peak = self.peak.max(self.current);
    }

    fn decrease(&mut self, amount: u64) {
        self.current -= amount;
        self.freed += amount;
    }
}

/// A counter for all allocations and for each pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StatArray {
    pub all: Stat,
    pub large_pool: Stat,
    pub small_pool: Stat,
}

impl StatArray {
    pub(crate) fn increase(&mut self, size_class: u64, amount: u64) {
        self.all.increase(amount);
        self.pool(size_class).increase(amount);
    }

    pub(crate) fn decrease(&mut self, size_class: u64, amount: u64) {
        self.all.decrease(amount);
        self.pool(size_class).decrease(amount);
    }

    fn pool(&mut self, size: u64) -> &mut Stat {
        if size <= SMALL_SIZE {
            &mut self.small_pool
        } else {
            &mut self.large_pool
        }
    }

    fn reset_peak(&mut self) {
        for stat in [&mut self.all, &mut self.large_pool, &mut self.small_pool] {
            stat.peak = stat.current;
        }
    }

    fn entries(&self) -> [(&'static str, &Stat); 3] {
        [
            ("all", &self.all),
            ("large_pool", &self.large_pool),
            ("small_pool", &self.small_pool),
        ]
    }
}

/// Everything `memory_stats` reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stats {
    /// Bytes of blocks handed to tensors (sizes as rounded by the pool).
    pub allocated_bytes: StatArray,
    /// Bytes held from the device: blocks in use plus blocks cached for reuse.
    pub reserved_bytes: StatArray,
    /// Bytes of blocks in use (the same as allocated: there are no streams to wait on here).
    pub active_bytes: StatArray,
    /// Bytes tensors asked for, before rounding.
    pub requested_bytes: StatArray,
    /// Blocks handed to tensors.
    pub allocation: StatArray,
    /// Blocks held from the device ("segments").
    pub segment: StatArray,
    /// Blocks in use.
    pub active: StatArray,
    /// The pool never splits blocks, so these stay 0 (kept for torch's key set).
    pub inactive_split: StatArray,
    pub inactive_split_bytes: StatArray,
    /// Times an allocation failed, the cache was emptied and the allocation retried.
    pub num_alloc_retries: u64,
    /// Allocations that failed even after the retry.
    pub num_ooms: u64,
    /// Blocks taken from the device, and given back.
    pub num_device_alloc: u64,
    pub num_device_free: u64,
}

impl Stats {
    pub(crate) fn reset_peaks(&mut self) {
        for array in self.arrays_mut() {
            array.reset_peak();
        }
    }

    fn arrays(&self) -> [(&'static str, &StatArray); 9] {
        [
            ("active", &self.active),
            ("active_bytes", &self.active_bytes),
            ("allocated_bytes", &self.allocated_bytes),
            ("allocation", &self.allocation),
            ("inactive_split", &self.inactive_split),
            ("inactive_split_bytes", &self.inactive_split_bytes),
            ("requested_bytes", &self.requested_bytes),
            ("reserved_bytes", &self.reserved_bytes),
            ("segment", &self.segment),
        ]
    }

    fn arrays_mut(&mut self) -> [&mut StatArray; 9] {
        [
            &mut self.active,
            &mut self.active_bytes,
            &mut self.allocated_bytes,
            &mut self.allocation,
            &mut self.inactive_split,
            &mut self.inactive_split_bytes,
            &mut self.requested_bytes,
            &mut self.reserved_bytes,
            &mut self.segment,
        ]
    }

    /// The flat map torch's `memory_stats()` returns (`"allocated_bytes.all.current"`, ...).
    pub(crate) fn to_map(&self) -> BTreeMap<String, u64> {
        let mut map = BTreeMap::new();
        for (metric, array) in self.arrays() {
            for (pool, stat) in array.entries() {
                for (field, value) in [
                    ("current", stat.current),
                    ("peak", stat.peak),
                    ("allocated", stat.allocated),
                    ("freed", stat.freed),
                ] {
                    map.insert(format!("{metric}.{pool}.{field}"), value);
                }
            }
        }
        for (key, value) in [
            ("num_alloc_retries", self.num_alloc_retries),
            ("num_ooms", self.num_ooms),
            ("num_device_alloc", self.num_device_alloc),
            ("num_device_free", self.num_device_free),
        ] {
            map.insert(key.to_string(), value);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_track_peaks_and_totals() {
        let mut a = StatArray::default();
        a.increase(512, 512);
        a.increase(4 << 20, 4 << 20);
        a.decrease(512, 512);
        assert_eq!(a.all.current, 4 << 20);
        assert_eq!(a.all.peak, (4 << 20) + 512);
        assert_eq!(a.small_pool.freed, 512);
        assert_eq!(a.large_pool.allocated, 4 << 20);
        a.reset_peak();
        assert_eq!(a.all.peak, 4 << 20);
    }

    #[test]
    fn map_has_torch_keys() {
        let map = Stats::default().to_map();
        for key in [
            "allocated_bytes.all.current",
            "allocated_bytes.all.peak",
            "reserved_bytes.all.current",
            "active_bytes.small_pool.freed",
            "segment.large_pool.allocated",
            "num_alloc_retries",
            "num_ooms",
        ] {
            assert!(map.contains_key(key), "{key}");
        }
        assert_eq!(map.len(), 9 * 3 * 4 + 4);
    }
}
