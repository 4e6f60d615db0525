//! [`ReadbackRing`]: device to host through persistent `MapRead | CopyDst` staging buffers.

use super::block::validation;
use super::slice::Slice;
use super::transfer::{LaneStaging, Lanes, Staging, TransferConfig, check_buffer_range, deal};
use crate::{Buffer, BufferUsage, Device, MapMode, Queue, Result};

/// Reads device buffers back to host memory fast: a ring of persistent `MapRead | CopyDst` staging buffers
/// (host-cached memory in Dawn, so the CPU reads them at full speed).
///
/// Each lane (see [`TransferConfig`]) first submits the GPU copies of its first `depth` chunks into its
/// staging buffers and maps each; then, chunk by chunk, it waits for the map, copies the chunk out on the
/// CPU, unmaps, and submits the copy of the chunk `depth` places further into the freed buffer. The CPU
/// copy of one chunk thus overlaps the GPU copies of the next ones, and several lanes copy at once.
///
/// A read returns once `out` holds the data, as of the work submitted before the call. Use one ring per
/// thread (`&mut self`); it is `Send`.
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// use dawn::memory::{Heap, ReadbackRing, TransferConfig};
/// let heap = Heap::new(&device, &Default::default())?;
/// let slice = heap.alloc::<u8>(4097)?;
/// let data: Vec<u8> = (0..4097).map(|i| (i % 251) as u8 + 1).collect();
/// slice.write(&data, 0, false)?;
/// let mut ring = ReadbackRing::new(&device, TransferConfig { chunk_bytes: 1024, ..Default::default() })?;
/// let mut out = vec![0u8; 4097];
/// ring.read(&slice, 0, &mut out)?;
/// assert_eq!(out, data);
/// # Ok::<(), dawn::Error>(())
/// ```
pub struct ReadbackRing {
    device: Device,
    queue: Queue,
    lanes: Lanes,
}

impl ReadbackRing {
    /// A ring on `device` (as [`UploadRing::new`](super::UploadRing::new)).
    pub fn new(device: &Device, config: TransferConfig) -> Result<ReadbackRing> {
        let config = config.checked(device)?;
        Ok(ReadbackRing {
            device: device.clone(),
            queue: device.queue(),
            lanes: Lanes::new(config, BufferUsage::MapRead | BufferUsage::CopyDst),
        })
    }

    /// The configuration in use (the chunk size rounded).
    pub fn config(&self) -> TransferConfig {
        self.lanes.config
    }

    /// Fills `out` from `buffer` at `offset`. The buffer needs `CopySrc`; the offset must be a multiple of 4
    /// and the range, its length rounded up to 4, inside the buffer (WebGPU's copy rules): otherwise
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation).
    pub fn read_buffer(&mut self, buffer: &Buffer, offset: u64, out: &mut [u8]) -> Result<()> {
        let len = out.len() as u64;
        check_buffer_range(
            "a read-back",
            buffer,
            BufferUsage::CopySrc,
            offset,
            len,
            true,
        )?;
        self.download(buffer, offset, out)
    }

    /// Fills `out` with the elements of `slice` starting at element `offset`. A dead slice or a range past
    /// its end is [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse); a start that is not a multiple of 4
    /// bytes is [`ErrorKind::Validation`](crate::ErrorKind::Validation).
    pub fn read<T: bytemuck::Pod>(
        &mut self,
        slice: &Slice<T>,
        offset: usize,
        out: &mut [T],
    ) -> Result<()> {
        let block = slice.block();
        let _alive = block.guard()?;
        let (start, _) = slice.span(offset, out.len())?;
        if start % 4 != 0 {
            return Err(validation(format!(
                "a read-back must start at a multiple of 4 bytes (WebGPU copies 4-byte words): element \
                 {offset} is byte {start}"
            )));
        }
        self.download(
            block.buffer(),
            block.offset() + start,
            bytemuck::cast_slice_mut(out),
        )
    }

    /// Reads `out.len()` bytes of `buffer` at `at` (checked by the caller: a multiple of 4, and the length
    /// rounded up to 4 inside the buffer).
    fn download(&mut self, buffer: &Buffer, at: u64, out: &mut [u8]) -> Result<()> {
        if out.is_empty() {
            return Ok(());
        }
        let config = self.lanes.config;
        let chunk = config.chunk_bytes as usize;
        let pieces = out.chunks_mut(chunk).enumerate();
        let work = deal(
            pieces.map(|(k, piece)| (at + (k * chunk) as u64, piece)),
            config.threads,
        );
        let queue = &self.queue;
        self.lanes.run(&self.device, work, |staging, chunks| {
            read_lane(staging, queue, buffer, chunks)
        })
    }
}

/// One lane's part of a read-back: its chunks (source offset, destination), in order.
fn read_lane(
    staging: &mut LaneStaging<'_>,
    queue: &Queue,
    buffer: &Buffer,
    mut chunks: Vec<(u64, &mut [u8])>,
) -> Result<()> {
    let depth = staging.depth;
    let device = staging.device.clone();
    let issue = |slot: &mut Staging, from: u64, len: usize| {
        slot.idle();
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(
            buffer,
            from,
            &slot.buffer,
            0,
            len.next_multiple_of(4) as u64,
        );
        queue.submit(&[encoder.finish()]);
        slot.remap(MapMode::Read);
    };
    for (k, (from, out)) in chunks.iter().enumerate().take(depth) {
        issue(staging.slot(k)?, *from, out.len());
    }
    let n = chunks.len();
    for k in 0..n {
        let slot = staging.slot(k)?;
        slot.mapped(MapMode::Read)?;
        {
            let mapping = slot.buffer.take_mapping()?;
            let out = &mut chunks[k].1;
            let len = out.len();
            out.copy_from_slice(&mapping[..len]);
        }
        slot.unmapped();
        if let Some((from, out)) = chunks.get(k + depth) {
            issue(slot, *from, out.len());
        }
    }
    Ok(())
}

impl std::fmt::Debug for ReadbackRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadbackRing")
            .field("config", &self.lanes.config)
            .finish()
    }
}
