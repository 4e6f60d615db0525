//! [`UploadRing`]: host to device through persistent `MapWrite | CopySrc` staging buffers.

use super::slice::Slice;
use super::transfer::{LaneStaging, Lanes, TransferConfig, check_buffer_range, deal};
use crate::{Buffer, BufferUsage, Device, MapMode, Queue, Result};

/// Uploads host memory to device buffers fast: a ring of persistent `MapWrite | CopySrc` staging buffers.
///
/// For each chunk (see [`TransferConfig`]) a lane waits until its next staging buffer is mapped, copies the
/// chunk into it on the CPU, unmaps it, submits a copy into the destination and maps the staging buffer
/// again at once: that map completes when the copy retires, so by the time the lane comes back to the
/// buffer it is usually ready. The CPU copy of one chunk thus overlaps the GPU copy of the one before,
/// and several lanes copy at once. Compared with `Queue::write_buffer`, which makes a new staging buffer
/// per large call in Dawn, nothing is allocated per transfer.
///
/// A write returns once every chunk is copied out of `data` and its GPU copy submitted; later work on the
/// queue sees the data. Use one ring per thread (`&mut self`); it is `Send`.
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// use dawn::memory::{Heap, TransferConfig, UploadRing};
/// let heap = Heap::new(&device, &Default::default())?;
/// let slice = heap.alloc::<u32>(100_000)?;
/// let data: Vec<u32> = (0..100_000).collect();
/// let mut ring = UploadRing::new(&device, TransferConfig { chunk_bytes: 64 << 10, ..Default::default() })?;
/// ring.write(&slice, 0, &data)?;
/// assert_eq!(slice.read().wait()?, data);
/// # Ok::<(), dawn::Error>(())
/// ```
pub struct UploadRing {
    device: Device,
    queue: Queue,
    lanes: Lanes,
}

impl UploadRing {
    /// A ring on `device`; its staging buffers are made when first needed. A `config` with a zero field is
    /// [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse); a chunk over the device's `maxBufferSize`
    /// is [`ErrorKind::Validation`](crate::ErrorKind::Validation).
    pub fn new(device: &Device, config: TransferConfig) -> Result<UploadRing> {
        let config = config.checked(device)?;
        Ok(UploadRing {
            device: device.clone(),
            queue: device.queue(),
            lanes: Lanes::new(config, BufferUsage::MapWrite | BufferUsage::CopySrc),
        })
    }

    /// The configuration in use (the chunk size rounded).
    pub fn config(&self) -> TransferConfig {
        self.lanes.config
    }

    /// Copies `data` into `buffer` at `offset`. The buffer needs `CopyDst`; offset and length must be
    /// multiples of 4 and the range inside the buffer (WebGPU's copy rules): otherwise
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) and nothing is written.
    pub fn write_buffer(&mut self, buffer: &Buffer, offset: u64, data: &[u8]) -> Result<()> {
        let len = data.len() as u64;
        check_buffer_range(
            "an upload",
            buffer,
            BufferUsage::CopyDst,
            offset,
            len,
            false,
        )?;
        self.upload(buffer, offset, data)
    }

    /// Copies `data` into `slice` starting at element `offset`, under [`Slice::write`]'s rules (without
    /// zero fill), refused with the same errors and writing nothing then. An odd length that ends the slice
    /// is padded with zeros inside the slice's reserved bytes.
    pub fn write<T: bytemuck::Pod>(
        &mut self,
        slice: &Slice<T>,
        offset: usize,
        data: &[T],
    ) -> Result<()> {
        let block = slice.block();
        let _alive = block.guard()?;
        let (start, _) = slice.write_span(offset, data.len(), false)?;
        self.upload(
            block.buffer(),
            block.offset() + start,
            bytemuck::cast_slice(data),
        )
    }

    /// Uploads `data` to `buffer` at `at` (checked by the caller: a multiple of 4, and room for `data`
    /// rounded up to 4 bytes).
    fn upload(&mut self, buffer: &Buffer, at: u64, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let config = self.lanes.config;
        let chunk = config.chunk_bytes as usize;
        let pieces = data.chunks(chunk).enumerate();
        let work = deal(
            pieces.map(|(k, piece)| (at + (k * chunk) as u64, piece)),
            config.threads,
        );
        let queue = &self.queue;
        self.lanes.run(&self.device, work, |staging, chunks| {
            upload_lane(staging, queue, buffer, chunks)
        })
    }
}

/// One lane's part of an upload: its chunks (destination offset, bytes), in order, through its staging
/// buffers.
fn upload_lane(
    staging: &mut LaneStaging<'_>,
    queue: &Queue,
    buffer: &Buffer,
    chunks: Vec<(u64, &[u8])>,
) -> Result<()> {
    let device = staging.device;
    for (k, (to, piece)) in chunks.into_iter().enumerate() {
        let slot = staging.slot(k)?;
        slot.mapped(MapMode::Write)?;
        let size = piece.len().next_multiple_of(4);
        {
            let mut mapping = slot.buffer.take_mapping()?;
            let bytes = mapping.bytes_mut()?;
            bytes[..piece.len()].copy_from_slice(piece);
            bytes[piece.len()..size].fill(0);
        }
        slot.unmapped();
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&slot.buffer, 0, buffer, to, size as u64);
        queue.submit(&[encoder.finish()]);
        slot.remap(MapMode::Write);
    }
    Ok(())
}

impl std::fmt::Debug for UploadRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadRing")
            .field("config", &self.lanes.config)
            .finish()
    }
}
