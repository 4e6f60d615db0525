//! [`Stats`]: the figures every heap and arena reports.

/// What a [`Heap`](super::Heap), [`FrameArena`](super::FrameArena) or [`HeapArena`](super::HeapArena)
/// holds, from its `stats()`.
///
/// The bytes of the pages split into: in use (what live slices asked for), padding (what live slices hold
/// beyond that: alignment gaps and rounding to the granule) and free (the rest,
/// `reserved_bytes - in_use_bytes - padding_bytes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes of device memory held: the sizes of all pages.
    pub reserved_bytes: u64,
    /// Bytes the live slices asked for.
    pub in_use_bytes: u64,
    /// The most `in_use_bytes` has been (since creation, or the heap's last `reset_peak()`).
    pub peak_in_use_bytes: u64,
    /// Bytes the live slices hold beyond what they asked for: lost to alignment and to the size granule.
    pub padding_bytes: u64,
    /// Pages (device buffers) held.
    pub pages: usize,
    /// Live slices (blocks).
    pub live_slices: usize,
    /// Slices allocated so far.
    pub allocations: u64,
    /// Slices that died so far: freed (heap) or dropped by a reset (arenas).
    pub frees: u64,
}

impl Stats {
    /// Counts an allocation of `size` bytes holding `padding` more.
    pub(crate) fn allocated(&mut self, size: u64, padding: u64) {
        self.in_use_bytes += size;
        self.padding_bytes += padding;
        self.peak_in_use_bytes = self.peak_in_use_bytes.max(self.in_use_bytes);
        self.allocations += 1;
    }

    /// Counts the death of an allocation of `size` bytes that held `padding` more.
    pub(crate) fn freed(&mut self, size: u64, padding: u64) {
        self.in_use_bytes -= size;
        self.padding_bytes -= padding;
        self.frees += 1;
    }
}

impl std::fmt::Display for Stats {
    /// One line: `reserved 64.0 MiB in 1 page(s), in use 1.5 KiB (peak 2.0 KiB) in 3 slice(s), padding 256 B`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reserved {} in {} page(s), in use {} (peak {}) in {} slice(s), padding {}",
            Bytes(self.reserved_bytes),
            self.pages,
            Bytes(self.in_use_bytes),
            Bytes(self.peak_in_use_bytes),
            self.live_slices,
            Bytes(self.padding_bytes)
        )
    }
}

/// A byte count with a binary unit.
struct Bytes(u64);

impl std::fmt::Display for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_binary_units() {
        let stats = Stats {
            reserved_bytes: 64 << 20,
            in_use_bytes: 1536,
            peak_in_use_bytes: 2048,
            padding_bytes: 256,
            pages: 1,
            live_slices: 3,
            allocations: 4,
            frees: 1,
        };
        assert_eq!(
            stats.to_string(),
            "reserved 64.0 MiB in 1 page(s), in use 1.5 KiB (peak 2.0 KiB) in 3 slice(s), padding 256 B"
        );
    }
}
