//! A tensor's storage: one pool block, shared (immutably) by every view of it.

use super::device::Device;
use super::pool::Allocation;
use crate::Buffer;
use std::sync::atomic::{AtomicU64, Ordering};

/// A block of device memory owned by the tensors that view it; back to the pool when the last one goes.
pub(crate) struct Storage {
    device: Device,
    /// `Some` until dropped.
    allocation: Option<Allocation>,
    /// The id of the last batch that recorded a use of it (`u64::MAX`: none).
    last_batch: AtomicU64,
}

impl Storage {
    pub(crate) fn new(device: Device, allocation: Allocation) -> Storage {
        Storage {
            device,
            allocation: Some(allocation),
            last_batch: AtomicU64::new(u64::MAX),
        }
    }

    pub(crate) fn device(&self) -> &Device {
        &self.device
    }

    fn allocation(&self) -> &Allocation {
        self.allocation.as_ref().expect("alive until dropped")
    }

    /// The buffer the block lives in (kernels bind it whole).
    pub(crate) fn buffer(&self) -> &Buffer {
        &self.allocation().block.buffer
    }

    /// Where the block starts in its buffer, in bytes (a multiple of 256).
    pub(crate) fn byte_offset(&self) -> u64 {
        self.allocation().block.offset
    }

    /// Records that batch `batch` uses the block (call with the batch locked).
    pub(crate) fn mark_used(&self, batch: u64) {
        self.last_batch.store(batch, Ordering::Relaxed);
    }
}

impl Drop for Storage {
    /// Gives the block back, after the batch that still uses it is submitted (see `engine::batch`).
    fn drop(&mut self) {
        let Some(allocation) = self.allocation.take() else {
            return;
        };
        let inner = &self.device.inner;
        let mut batch = inner.batch.lock();
        if self.last_batch.load(Ordering::Relaxed) == batch.id() {
            batch.defer_free(allocation);
        } else {
            drop(batch);
            inner.pool.lock().free(allocation);
        }
    }
}
