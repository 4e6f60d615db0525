//! What the transfer rings share: their configuration, a staging buffer that knows its mapping state,
//! the split of a transfer into chunks and lanes, and the lanes' threads.
//!
//! A transfer is cut into chunks of `chunk_bytes`; chunk `k` goes to lane `k % lanes`, and each lane (one
//! CPU thread; the calling thread is lane 0) runs its chunks in order through its own `depth` staging
//! buffers. So a lane's CPU copy of one chunk overlaps the GPU's copies of its previous ones, and the lanes'
//! CPU copies run side by side: one core cannot stream host memory as fast as PCIe moves it.

use super::block::{invalid_use, validation};
use crate::{
    Buffer, BufferDescriptor, BufferUsage, Device, Error, ErrorKind, MapMode, Pending, Result,
};

/// How a transfer ring splits its work: chunk size, staging buffers per lane, lanes (CPU threads).
///
/// A ring holds up to `threads * depth` staging buffers of `chunk_bytes`, made when first needed and kept.
/// The defaults (4 MiB chunks, depth 2, as many threads as cores up to 8: 64 MiB of staging at most) follow
/// the bench's sweep on an NVIDIA H200 (`bench --transfers --sweep`, BENCHMARKS.md, "Transfers"): 1 GiB
/// moved at 29.7 GB/s up and 33.3 GB/s down there, where 4 threads gave 25.9 / 22.0 and one 7.3 / 6.1 (one
/// core cannot stream host memory as fast as PCIe moves it); deeper rings gained nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferConfig {
    /// Bytes per chunk (one staging buffer); rounded up to a multiple of 256.
    pub chunk_bytes: u64,
    /// Staging buffers per lane, at least 1: with 2, the CPU fills one while the GPU copies the other.
    pub depth: usize,
    /// Lanes: CPU threads copying at once (the calling thread and `threads - 1` more), at least 1.
    pub threads: usize,
}

impl Default for TransferConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        TransferConfig {
            chunk_bytes: 4 << 20,
            depth: 2,
            threads: cores.min(8),
        }
    }
}

impl TransferConfig {
    /// Checks the configuration against `device` and rounds the chunk size.
    pub(crate) fn checked(self, device: &Device) -> Result<TransferConfig> {
        if self.depth == 0 || self.threads == 0 || self.chunk_bytes == 0 {
            return Err(invalid_use(format!(
                "a transfer ring needs chunk_bytes, depth and threads of at least 1, not {self:?}"
            )));
        }
        let chunk_bytes = self.chunk_bytes.next_multiple_of(256);
        let max = device.limits().max_buffer_size;
        if chunk_bytes > max {
            return Err(validation(format!(
                "a staging chunk of {chunk_bytes} bytes exceeds the device's maxBufferSize {max}"
            )));
        }
        Ok(TransferConfig {
            chunk_bytes,
            ..self
        })
    }
}

/// Where a staging buffer's mapping is.
enum MapState {
    Unmapped,
    Pending(Pending<()>),
    Mapped,
}

/// A persistent staging buffer of a ring.
pub(crate) struct Staging {
    pub(crate) buffer: Buffer,
    state: MapState,
}

impl Staging {
    fn new(device: &Device, size: u64, usage: BufferUsage) -> Result<Staging> {
        let buffer = device.create_buffer(&BufferDescriptor {
            label: "transfer staging",
            size,
            usage,
            mapped_at_creation: false,
        })?;
        Ok(Staging {
            buffer,
            state: MapState::Unmapped,
        })
    }

    /// Waits until the buffer is mapped for `mode`, starting the map if none is under way.
    pub(crate) fn mapped(&mut self, mode: MapMode) -> Result<()> {
        let map = match std::mem::replace(&mut self.state, MapState::Unmapped) {
            MapState::Mapped => {
                self.state = MapState::Mapped;
                return Ok(());
            }
            MapState::Pending(map) => map,
            MapState::Unmapped => self.buffer.map_async(mode, ..),
        };
        map.wait()?;
        self.state = MapState::Mapped;
        Ok(())
    }

    /// Marks the mapping ended (its guard dropped).
    pub(crate) fn unmapped(&mut self) {
        self.state = MapState::Unmapped;
    }

    /// Starts mapping again for `mode`: the map completes once the copies submitted so far retire.
    pub(crate) fn remap(&mut self, mode: MapMode) {
        self.state = MapState::Pending(self.buffer.map_async(mode, ..));
    }

    /// Unmapped, with no map under way (what a copy into or out of it needs).
    pub(crate) fn idle(&mut self) {
        if !matches!(self.state, MapState::Unmapped) {
            self.state = MapState::Unmapped;
            // Aborts a pending map; refused only while a view is alive, and none is.
            let _ = self.buffer.unmap();
        }
    }
}

/// The staging buffers of a ring: lanes of up to `depth` buffers, made on first need.
pub(crate) struct Lanes {
    usage: BufferUsage,
    pub(crate) config: TransferConfig,
    lanes: Vec<Vec<Staging>>,
}

impl Lanes {
    pub(crate) fn new(config: TransferConfig, usage: BufferUsage) -> Lanes {
        Lanes {
            usage,
            config,
            lanes: Vec::new(),
        }
    }

    /// Runs `lane(device, staging, work)` for each item of `work` (one per lane) on as many threads,
    /// lane 0 on this one; returns the first error.
    pub(crate) fn run<W: Send>(
        &mut self,
        device: &Device,
        work: Vec<W>,
        lane: impl Fn(&mut LaneStaging<'_>, W) -> Result<()> + Sync,
    ) -> Result<()> {
        while self.lanes.len() < work.len() {
            self.lanes.push(Vec::new());
        }
        let (usage, config) = (self.usage, self.config);
        let mut lanes = self.lanes.iter_mut().zip(work).map(|(buffers, w)| {
            let staging = LaneStaging {
                device,
                usage,
                size: config.chunk_bytes,
                depth: config.depth,
                buffers,
            };
            (staging, w)
        });
        let Some((mut first, first_work)) = lanes.next() else {
            return Ok(());
        };
        let lane = &lane;
        std::thread::scope(|scope| {
            let others: Vec<_> = lanes
                .map(|(mut staging, w)| scope.spawn(move || lane(&mut staging, w)))
                .collect();
            let mut result = lane(&mut first, first_work);
            for other in others {
                let outcome = other.join().unwrap_or_else(|_| {
                    Err(Error::new(
                        ErrorKind::Internal,
                        "a transfer thread panicked",
                    ))
                });
                result = result.and(outcome);
            }
            result
        })
    }
}

/// One lane's staging buffers, as a lane's work sees them.
pub(crate) struct LaneStaging<'a> {
    pub(crate) device: &'a Device,
    usage: BufferUsage,
    size: u64,
    pub(crate) depth: usize,
    buffers: &'a mut Vec<Staging>,
}

impl LaneStaging<'_> {
    /// The lane's staging buffer for its `k`-th chunk (made if new).
    pub(crate) fn slot(&mut self, k: usize) -> Result<&mut Staging> {
        let index = k % self.depth;
        while self.buffers.len() <= index {
            let staging = Staging::new(self.device, self.size, self.usage)?;
            self.buffers.push(staging);
        }
        Ok(&mut self.buffers[index])
    }
}

/// Deals `items` (a transfer's chunks, in order) to at most `lanes` lanes in turn: chunk `k` to lane
/// `k % lanes`. Never more lanes than chunks, and at least one lane.
pub(crate) fn deal<T>(items: impl ExactSizeIterator<Item = T>, lanes: usize) -> Vec<Vec<T>> {
    let lanes = lanes.min(items.len()).max(1);
    let mut dealt: Vec<Vec<T>> = (0..lanes).map(|_| Vec::new()).collect();
    for (k, item) in items.enumerate() {
        dealt[k % lanes].push(item);
    }
    dealt
}

/// Refuses a transfer range of a plain buffer that WebGPU's copy rules forbid: `usage` missing, an offset
/// or (unless `odd_end_ok`) a size not a multiple of 4, or an end (rounded up to 4) past the buffer.
pub(crate) fn check_buffer_range(
    what: &str,
    buffer: &Buffer,
    usage: BufferUsage,
    offset: u64,
    len: u64,
    odd_end_ok: bool,
) -> Result<()> {
    if !buffer.usage().contains(usage) {
        return Err(validation(format!(
            "{what} needs usage {usage:?}; the buffer has {:?}",
            buffer.usage()
        )));
    }
    let end = offset.checked_add(len.next_multiple_of(4));
    if offset % 4 != 0 || (len % 4 != 0 && !odd_end_ok) || end.is_none_or(|e| e > buffer.size()) {
        return Err(validation(format!(
            "{what} of {len} bytes at {offset}: the offset{} must be a multiple of 4, and the range within \
             the buffer's {} bytes",
            if odd_end_ok { "" } else { " and the size" },
            buffer.size()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::deal;

    #[test]
    fn chunks_are_dealt_in_turn() {
        assert_eq!(deal(0..5, 2), vec![vec![0, 2, 4], vec![1, 3]]);
        assert_eq!(deal(0..1, 8), vec![vec![0]]);
        assert_eq!(deal(0..0, 3), vec![Vec::<i32>::new()]);
        assert_eq!(deal(0..3, 3), vec![vec![0], vec![1], vec![2]]);
    }
}
