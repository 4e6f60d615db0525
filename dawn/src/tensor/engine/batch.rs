//! The lazy batch: ops record dispatches (and copies) here instead of submitting them one by one; the
//! batch is encoded into one command buffer and submitted at a read-back, at `sync()`, or when it grows
//! (in commands, or in memory whose reuse waits for it).
//!
//! Ordering rules it keeps:
//! - A `queue.write_buffer` runs at the next submit, *before* the commands recorded but not yet
//!   submitted. Uploads only ever go to fresh blocks, and a block that recorded commands use is not
//!   given back to the pool until the batch is submitted (the pool's frees wait in `deferred`), so no
//!   upload can overtake a recorded read of its block. The info words are written just before the
//!   submit that reads them; queue order keeps a later batch's write behind an earlier batch's reads.
//! - At most [`MAX_IN_FLIGHT`] submits are in flight; the next one waits for the oldest.

use super::codegen::INFO_WORDS;
use super::pipelines::{INFO_BYTES, Kernel, Kernels};
use super::plan::grid;
use crate::tensor::pool::{Allocation, Pool};
use crate::{
    BindGroup, BindGroupDescriptor, BindGroupEntry, BindingResource, Buffer, BufferBinding,
    BufferDescriptor, BufferUsage, Device, Pending, Queue, Result,
};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Commands after which a batch is submitted.
const MAX_COMMANDS: usize = 256;
/// Bytes of deferred frees after which a batch is submitted (so a long chain of big temporaries reuses
/// memory instead of growing the pool).
const MAX_DEFERRED_BYTES: u64 = 256 << 20;
/// Submits that may run at once.
pub(crate) const MAX_IN_FLIGHT: usize = 4;
/// Bind groups cached before the cache is cleared.
const MAX_BIND_GROUPS: usize = 4096;
/// Storage bindings a kernel may have.
pub(crate) const MAX_SLOTS: usize = 4;

/// The device objects the engine works with.
pub(crate) struct Gpu {
    pub device: Device,
    pub queue: Queue,
    pub kernels: Kernels,
    pub max_workgroups: u32,
}

enum Command {
    Dispatch {
        kernel: Arc<Kernel>,
        group: BindGroup,
        info_offset: u32,
        grid: (u32, u32),
    },
    Copy {
        src: Buffer,
        src_offset: u64,
        dst: Buffer,
        dst_offset: u64,
        size: u64,
    },
}

/// The info uniform and its bind group.
struct InfoBuffer {
    buffer: Buffer,
    group: BindGroup,
}

/// A bind group's buffers, by their handles (the cached group holds a reference to each).
type BindKey = (usize, [usize; MAX_SLOTS]);

/// The commands recorded since the last submit, and what they hold.
#[derive(Default)]
pub(crate) struct Batch {
    /// Counts submits: storages record the id of the last batch that used them.
    id: u64,
    commands: Vec<Command>,
    info: Vec<u32>,
    deferred: Vec<Allocation>,
    deferred_bytes: u64,
    in_flight: VecDeque<Pending<()>>,
    info_buffer: Option<InfoBuffer>,
    bind_groups: HashMap<BindKey, BindGroup>,
}

impl Batch {
    /// The id of the batch now recording.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Records a dispatch of `kernel` over `workgroups` workgroups, binding `buffers` (one per slot,
    /// whole) and `info` (at most `INFO_WORDS` words).
    pub(crate) fn dispatch(
        &mut self,
        gpu: &Gpu,
        pool: &Mutex<Pool>,
        kernel: &Arc<Kernel>,
        buffers: &[&Buffer],
        info: &[u32],
        workgroups: u64,
    ) -> Result<()> {
        debug_assert!(info.len() <= INFO_WORDS && buffers.len() == kernel.slots);
        let group = self.bind_group(gpu, buffers);
        let info_offset = (self.info.len() * 4) as u32;
        self.info.extend_from_slice(info);
        self.info
            .resize(self.info.len() + INFO_WORDS - info.len(), 0);
        self.commands.push(Command::Dispatch {
            kernel: kernel.clone(),
            group,
            info_offset,
            grid: grid(workgroups, gpu.max_workgroups),
        });
        self.flush_if_full(gpu, pool)
    }

    /// Records a copy of `size` bytes (a multiple of 4) between buffers.
    pub(crate) fn copy(
        &mut self,
        src: &Buffer,
        src_offset: u64,
        dst: &Buffer,
        dst_offset: u64,
        size: u64,
    ) {
        self.commands.push(Command::Copy {
            src: src.clone(),
            src_offset,
            dst: dst.clone(),
            dst_offset,
            size,
        });
    }

    /// Keeps `allocation` out of the pool until this batch is submitted.
    pub(crate) fn defer_free(&mut self, allocation: Allocation) {
        self.deferred_bytes += allocation.block.size;
        self.deferred.push(allocation);
    }

    fn flush_if_full(&mut self, gpu: &Gpu, pool: &Mutex<Pool>) -> Result<()> {
        if self.commands.len() >= MAX_COMMANDS || self.deferred_bytes >= MAX_DEFERRED_BYTES {
            self.flush(gpu, pool)?;
        }
        Ok(())
    }

    fn bind_group(&mut self, gpu: &Gpu, buffers: &[&Buffer]) -> BindGroup {
        let mut key = (buffers.len(), [0usize; MAX_SLOTS]);
        for (k, b) in buffers.iter().enumerate() {
            key.1[k] = b.as_raw() as usize;
        }
        if let Some(group) = self.bind_groups.get(&key) {
            return group.clone();
        }
        if self.bind_groups.len() >= MAX_BIND_GROUPS {
            self.bind_groups.clear();
        }
        let entries: Vec<BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(k, b)| BindGroupEntry::buffer(k as u32, b))
            .collect();
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "dawn::tensor slots",
            layout: &gpu.kernels.group_layout(buffers.len()),
            entries: &entries,
        });
        self.bind_groups.insert(key, group.clone());
        group
    }

    /// Drops the cached bind groups (they hold their buffers alive).
    pub(crate) fn clear_bind_groups(&mut self) {
        self.bind_groups.clear();
    }

    fn ensure_info_buffer(&mut self, gpu: &Gpu, bytes: u64) -> Result<()> {
        if self
            .info_buffer
            .as_ref()
            .is_some_and(|b| b.buffer.size() >= bytes)
        {
            return Ok(());
        }
        let size = bytes.next_power_of_two().max(64 * INFO_BYTES);
        let buffer = gpu.device.create_buffer(&BufferDescriptor {
            label: "dawn::tensor info",
            size,
            usage: BufferUsage::Uniform | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "dawn::tensor info",
            layout: &gpu.kernels.info_layout,
            entries: &[BindGroupEntry {
                binding: 0,
                resource: BindingResource::Buffer(BufferBinding {
                    buffer: &buffer,
                    offset: 0,
                    size: Some(INFO_BYTES),
                }),
            }],
        });
        self.info_buffer = Some(InfoBuffer { buffer, group });
        Ok(())
    }

    /// Encodes and submits everything recorded, then gives the deferred frees to the pool. Waits for
    /// the oldest submit when too many are in flight.
    pub(crate) fn flush(&mut self, gpu: &Gpu, pool: &Mutex<Pool>) -> Result<()> {
        if !self.commands.is_empty() {
            self.submit(gpu)?;
        }
        self.id += 1;
        self.deferred_bytes = 0;
        if !self.deferred.is_empty() {
            let mut pool = pool.lock();
            for allocation in self.deferred.drain(..) {
                pool.free(allocation);
            }
        }
        while self.in_flight.len() > MAX_IN_FLIGHT {
            let oldest = self.in_flight.pop_front().expect("in flight");
            oldest.wait()?;
        }
        Ok(())
    }

    fn submit(&mut self, gpu: &Gpu) -> Result<()> {
        if !self.info.is_empty() {
            self.ensure_info_buffer(gpu, (self.info.len() * 4) as u64)?;
        }
        let info = self.info_buffer.as_ref();
        if let Some(info) = info {
            gpu.queue.write_buffer(&info.buffer, 0, &self.info)?;
        }
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let mut commands = self.commands.drain(..).peekable();
        while let Some(command) = commands.next() {
            match command {
                Command::Copy {
                    src,
                    src_offset,
                    dst,
                    dst_offset,
                    size,
                } => encoder.copy_buffer_to_buffer(&src, src_offset, &dst, dst_offset, size),
                Command::Dispatch {
                    kernel,
                    group,
                    info_offset,
                    grid,
                } => {
                    let info = info.expect("dispatches have info");
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    // The pipeline and slot group are set only when they change (Dawn validates each call).
                    let (mut last_pipeline, mut last_group) = (None, None);
                    let mut record =
                        |kernel: &Kernel, group: &BindGroup, offset: u32, grid: (u32, u32)| {
                            let pipeline = kernel.pipeline.as_raw();
                            if last_pipeline != Some(pipeline) {
                                pass.set_pipeline(&kernel.pipeline);
                                last_pipeline = Some(pipeline);
                            }
                            if last_group != Some(group.as_raw()) {
                                pass.set_bind_group(0, group, &[]);
                                last_group = Some(group.as_raw());
                            }
                            pass.set_bind_group(1, &info.group, &[offset]);
                            pass.dispatch_workgroups(grid.0, grid.1, 1);
                        };
                    record(&kernel, &group, info_offset, grid);
                    while let Some(Command::Dispatch { .. }) = commands.peek() {
                        let Some(Command::Dispatch {
                            kernel,
                            group,
                            info_offset,
                            grid,
                        }) = commands.next()
                        else {
                            unreachable!("peeked a dispatch");
                        };
                        record(&kernel, &group, info_offset, grid);
                    }
                    pass.end();
                }
            }
        }
        drop(commands);
        self.info.clear();
        gpu.queue.submit(&[encoder.finish()]);
        self.in_flight.push_back(gpu.queue.on_submitted_work_done());
        Ok(())
    }

    /// Submits everything recorded and waits until the GPU has finished all submitted work.
    pub(crate) fn sync(&mut self, gpu: &Gpu, pool: &Mutex<Pool>) -> Result<()> {
        self.flush(gpu, pool)?;
        while let Some(pending) = self.in_flight.pop_front() {
            pending.wait()?;
        }
        Ok(())
    }
}
