//! Where the pool's memory comes from: aligned byte ranges of device buffers, freed one by one.
//!
//! This is the only place that creates tensor buffers. Today each range is a plain buffer of its own;
//! `dawn::memory::Heap` (pages carved into slices) will stand behind the same three calls, so nothing
//! else changes when it does: every kernel binds a range's whole buffer and addresses the range by its
//! offset.

use crate::{Buffer, BufferDescriptor, BufferUsage, Device, Result};

/// A range of device memory: `size` bytes of `buffer` from `offset`.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub buffer: Buffer,
    pub offset: u64,
    pub size: u64,
}

/// The source of blocks.
pub(crate) struct Backing {
    device: Device,
}

impl Backing {
    pub(crate) fn new(device: Device) -> Backing {
        Backing { device }
    }

    /// A block of `size` bytes at an offset aligned to `align`; `ErrorKind::OutOfMemory` when the
    /// device cannot provide it.
    pub(crate) fn allocate(&self, size: u64, align: u64) -> Result<Block> {
        debug_assert!(align.is_power_of_two());
        let created = self.device.scoped(|d| {
            d.create_buffer(&BufferDescriptor {
                label: "dawn::tensor storage",
                size,
                usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
        });
        match created {
            Ok(Ok(buffer)) => Ok(Block {
                buffer,
                offset: 0,
                size,
            }),
            Ok(Err(e)) | Err(e) => Err(e),
        }
    }

    /// Gives a block back (its memory is released once no recorded work uses it).
    pub(crate) fn free(&self, block: Block) {
        drop(block);
    }
}
