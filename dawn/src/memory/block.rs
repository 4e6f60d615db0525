//! [`Block`]: one untyped allocation (a byte range of a page), and what every allocator shares: who owns a
//! block, whether it is still alive, how it binds.

use super::arena::{ArenaShared, ArenaState};
use super::heap::{HeapShared, HeapState};
use super::slice::Slice;
use crate::{BindGroupEntry, BindingResource, Buffer, BufferBinding, Device, Error, ErrorKind};
use crate::{Queue, Result};
use parking_lot::RwLockReadGuard;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which allocator a slice came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SliceKind {
    /// A [`Heap`](super::Heap): alive until freed.
    Heap,
    /// A [`FrameArena`](super::FrameArena): alive until the arena's next `reset()`.
    Frame,
    /// A caller-managed [`HeapArena`](super::HeapArena): alive until the arena's next `reset()`.
    Arena,
}

impl SliceKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            SliceKind::Heap => "heap",
            SliceKind::Frame => "frame arena",
            SliceKind::Arena => "heap arena",
        }
    }
}

/// An [`ErrorKind::InvalidUse`] error: a rule of this module's API.
pub(crate) fn invalid_use(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidUse, message)
}

/// An [`ErrorKind::Validation`] error: a WebGPU rule, checked before calling Dawn.
pub(crate) fn validation(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Validation, message)
}

/// A fresh id for a heap or an arena (handles name their owner by it).
pub(crate) fn next_owner_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The device's rules for pages and bindings, read once when an allocator is made.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    /// A binding's offset must be a multiple of this (`minStorageBufferOffsetAlignment`).
    pub(crate) storage_offset_alignment: u64,
    /// The larger of the storage and uniform offset alignments: the heap's granule.
    pub(crate) binding_alignment: u64,
    pub(crate) max_binding_size: u64,
    pub(crate) max_buffer_size: u64,
}

impl Rules {
    pub(crate) fn of(device: &Device) -> Rules {
        let limits = device.limits();
        let storage = u64::from(limits.min_storage_buffer_offset_alignment).max(4);
        let uniform = u64::from(limits.min_uniform_buffer_offset_alignment).max(4);
        Rules {
            storage_offset_alignment: storage,
            binding_alignment: storage.max(uniform),
            max_binding_size: limits.max_storage_buffer_binding_size,
            max_buffer_size: limits.max_buffer_size,
        }
    }

    /// Refuses a page larger than the device allows (a WebGPU rule).
    pub(crate) fn check_page_size(&self, size: u64, what: &str) -> Result<()> {
        if size > self.max_buffer_size {
            return Err(Error::new(
                ErrorKind::Validation,
                format!(
                    "{what} of {size} bytes exceeds the device's maxBufferSize {} (request the adapter's \
                     limits when creating the device to get more)",
                    self.max_buffer_size
                ),
            ));
        }
        Ok(())
    }
}

/// Checks that `align` is a power of two and returns the alignment an allocator uses: at least `minimum`.
pub(crate) fn effective_alignment(align: u64, minimum: u64) -> Result<u64> {
    if !align.is_power_of_two() {
        return Err(invalid_use(format!(
            "alignment {align} is not a power of two"
        )));
    }
    Ok(align.max(minimum))
}

/// The allocator a block came from.
#[derive(Clone)]
pub(crate) enum Owner {
    Heap(Arc<HeapShared>),
    Arena(Arc<ArenaShared>),
}

/// Held while a block is used (written, read, bound): the block cannot be freed or its arena reset
/// meanwhile, so a use that found it alive finishes on memory that is still its own.
pub(crate) enum UseGuard<'a> {
    Heap {
        _held: RwLockReadGuard<'a, HeapState>,
    },
    Arena {
        _held: RwLockReadGuard<'a, ArenaState>,
    },
}

impl Owner {
    fn kind(&self) -> SliceKind {
        match self {
            Owner::Heap(_) => SliceKind::Heap,
            Owner::Arena(arena) => arena.kind,
        }
    }

    fn id(&self) -> u64 {
        match self {
            Owner::Heap(heap) => heap.id,
            Owner::Arena(arena) => arena.id,
        }
    }

    fn rules(&self) -> &Rules {
        match self {
            Owner::Heap(heap) => &heap.rules,
            Owner::Arena(arena) => &arena.rules,
        }
    }

    fn queue(&self) -> &Queue {
        match self {
            Owner::Heap(heap) => &heap.queue,
            Owner::Arena(arena) => &arena.queue,
        }
    }
}

/// One allocation: `size` bytes at `offset` of a page (a device buffer), from a [`Heap`](super::Heap), a
/// [`FrameArena`](super::FrameArena) or a [`HeapArena`](super::HeapArena). The untyped face of a
/// [`Slice`]; what a layer with its own element types (a tensor pool) allocates.
///
/// `Clone` copies the reference, not the memory: every clone names the same allocation, and all of them
/// die together (a heap block when freed, an arena block when its arena resets). A dead block refuses every
/// use with [`ErrorKind::InvalidUse`]. Its contents start unspecified (a heap reuses freed memory): write
/// before reading.
#[derive(Clone)]
pub struct Block {
    pub(super) owner: Owner,
    pub(super) page: Buffer,
    pub(super) page_id: u64,
    pub(super) offset: u64,
    pub(super) size: u64,
    pub(super) reserved: u64,
    pub(super) epoch: u64,
}

impl Block {
    /// Which allocator it came from.
    pub fn kind(&self) -> SliceKind {
        self.owner.kind()
    }

    /// The page (device buffer) it lies in; bind or copy it at [`offset`](Block::offset).
    pub fn buffer(&self) -> &Buffer {
        &self.page
    }

    /// Where it starts in the page, in bytes (a multiple of the allocator's alignment).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Its size in bytes, as requested.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The bytes it holds in the page: the size rounded up to the allocator's granule (at least 4, so
    /// that WebGPU's 4-byte copies of an odd size stay inside the block).
    pub fn reserved(&self) -> u64 {
        self.reserved
    }

    /// For a heap block, the allocation's serial number; for an arena block, the arena's epoch when it was
    /// allocated. Together with the owner they tell a live block from a stale one.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The device it was allocated on.
    pub fn device(&self) -> &Device {
        self.page.device()
    }

    /// Whether it may still be used: not freed (heap), or allocated in its arena's current epoch.
    pub fn is_alive(&self) -> bool {
        match &self.owner {
            Owner::Heap(heap) => heap.is_live(self),
            Owner::Arena(arena) => arena.epoch() == self.epoch,
        }
    }

    /// `Ok` while alive; otherwise the [`ErrorKind::InvalidUse`] error every use returns, which names the
    /// block's epoch and its owner's. Never panics.
    pub fn assert_alive(&self) -> Result<()> {
        self.guard().map(drop)
    }

    /// Returns a heap block's memory to its heap. Every clone (and every slice over it) is dead from then
    /// on. Arena blocks are not freed one by one ([`ErrorKind::InvalidUse`]: they die at the arena's
    /// `reset()`); freeing twice is [`ErrorKind::InvalidUse`] too.
    pub fn free(&self) -> Result<()> {
        match &self.owner {
            Owner::Heap(heap) => heap.free(self),
            Owner::Arena(arena) => Err(invalid_use(format!(
                "{} slices are not freed one by one; they die when the arena resets (epoch {})",
                arena.kind.describe(),
                self.epoch
            ))),
        }
    }

    /// A bind group entry binding the block at `binding`: its page at its offset, its size rounded up to 4.
    /// Checked now: the block must be alive ([`ErrorKind::InvalidUse`]), not empty, within the device's
    /// `maxStorageBufferBindingSize`, and its offset a multiple of `minStorageBufferOffsetAlignment`
    /// ([`ErrorKind::Validation`], WebGPU's rules).
    ///
    /// Two blocks of one page bound in one dispatch must both be `read_write` storage (see the module's
    /// binding rule); [`bind_group`](super::bind_group) builds a group that way.
    pub fn entry(&self, binding: u32) -> Result<BindGroupEntry<'_>> {
        let _guard = self.guard()?;
        let rules = self.owner.rules();
        let size = self.binding_size();
        let rule = if self.size == 0 {
            Some("a buffer binding may not be empty".to_string())
        } else if size > rules.max_binding_size {
            Some(format!(
                "binding size {size} exceeds the device's maxStorageBufferBindingSize {}",
                rules.max_binding_size
            ))
        } else if self.offset % rules.storage_offset_alignment != 0 {
            Some(format!(
                "binding offset {} is not a multiple of minStorageBufferOffsetAlignment {} (allocate with \
                 an alignment of at least that)",
                self.offset, rules.storage_offset_alignment
            ))
        } else {
            None
        };
        if let Some(rule) = rule {
            return Err(Error::new(ErrorKind::Validation, rule));
        }
        Ok(BindGroupEntry {
            binding,
            resource: BindingResource::Buffer(BufferBinding {
                buffer: &self.page,
                offset: self.offset,
                size: Some(size),
            }),
        })
    }

    /// A typed view of the block: its size must be a whole number of `T`s ([`ErrorKind::InvalidUse`]).
    pub fn typed<T: bytemuck::Pod>(&self) -> Result<Slice<T>> {
        Slice::over(self.clone())
    }

    /// The size a binding or a copy of the whole block covers: the size rounded up to 4 (inside the block).
    pub(crate) fn binding_size(&self) -> u64 {
        self.size.next_multiple_of(4)
    }

    /// Checks the block alive and holds it so until the guard drops.
    pub(crate) fn guard(&self) -> Result<UseGuard<'_>> {
        match &self.owner {
            Owner::Heap(heap) => heap.guard(self),
            Owner::Arena(arena) => arena.guard(self),
        }
    }

    pub(crate) fn owner_id(&self) -> u64 {
        self.owner.id()
    }

    pub(crate) fn queue(&self) -> &Queue {
        self.owner.queue()
    }
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("kind", &self.kind())
            .field("page", &self.page_id)
            .field("offset", &self.offset)
            .field("size", &self.size)
            .field("epoch", &self.epoch)
            .finish()
    }
}
