//! [`Heap`]: slices of large device buffers (pages), each freed on its own.

use super::Stats;
use super::allocator::RangeAllocator;
use super::block::{
    Block, Owner, Rules, SliceKind, UseGuard, effective_alignment, invalid_use, next_owner_id,
};
use super::slice::{Slice, SliceHandle, check_handle};
use crate::{Buffer, BufferDescriptor, BufferUsage, Device, Error, Queue, Result};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

/// The page size a [`HeapDescriptor`] gets when it leaves `page_size` at 0 (capped by the device's
/// `maxBufferSize`).
pub const DEFAULT_PAGE_SIZE: u64 = 64 << 20;

/// Options of [`Heap::new`].
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapDescriptor<'a> {
    /// A label for the pages in Dawn's messages.
    pub label: &'a str,
    /// Bytes per page; 0: [`DEFAULT_PAGE_SIZE`] (capped by the device's `maxBufferSize`). A request over
    /// half a page gets a page of its own, sized to it.
    pub page_size: u64,
    /// Usages the pages need besides `Storage | CopySrc | CopyDst`, which they always have (e.g. `Uniform`).
    pub usage: BufferUsage,
}

/// A general-purpose allocator of GPU memory: it carves large device buffers (pages) into slices that are
/// freed one by one, like `malloc`/`free` for GPU memory.
///
/// - Every slice starts at a multiple of the device's binding alignment (the larger of
///   `minStorageBufferOffsetAlignment` and `minUniformBufferOffsetAlignment`, 256 on most devices) and
///   holds a whole number of those granules, so it binds straight at its offset; the rounding is counted
///   as padding in [`stats`](Heap::stats).
/// - Within a page, exact best fit with freed neighbours merged (see `allocator.rs` for why), pages tried
///   in the order they were made. A page is added when none has room; a request over half a page gets a
///   dedicated page sized to it. Empty pages stay for reuse until [`trim`](Heap::trim) releases them.
/// - A slice is alive until [`free`](Block::free)d; every later use of it, or of a clone or of a slice
///   rebuilt from its handle, is an [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) error. Memory
///   that is never freed returns to the device when the heap and every slice of it are dropped.
/// - `Clone` shares the heap; it is `Send + Sync`. Allocating, freeing and trimming take a lock that uses
///   of its slices (writes, reads, bindings) share.
///
/// Freeing is immediate: the queue runs work in order, so memory freed after submitting the work that uses
/// it can be reused by later work at once. (But `Queue::write_buffer` runs at the next submit, *before* the
/// commands of encoders not yet submitted: do not free and rewrite memory that an unsubmitted encoder reads.)
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// use dawn::memory::Heap;
/// let heap = Heap::new(&device, &Default::default())?;
/// let weights = heap.alloc::<f32>(4)?;
/// weights.write(&[0.25, 0.5, 0.75, 1.0], 0, false)?;
/// assert_eq!(weights.read().wait()?, [0.25, 0.5, 0.75, 1.0]);
/// weights.free()?;
/// assert!(!weights.is_alive());
/// assert_eq!(heap.trim(), 1); // the now empty page goes back to the device
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct Heap {
    shared: Arc<HeapShared>,
}

pub(crate) struct HeapShared {
    pub(crate) id: u64,
    pub(crate) rules: Rules,
    pub(crate) queue: Queue,
    device: Device,
    label: String,
    page_size: u64,
    usage: BufferUsage,
    state: RwLock<HeapState>,
}

pub(crate) struct HeapState {
    pages: Vec<Page>,
    /// The live allocations by (page id, offset).
    live: HashMap<(u64, u64), Live>,
    next_page_id: u64,
    next_epoch: u64,
    stats: Stats,
}

struct Page {
    id: u64,
    buffer: Buffer,
    ranges: RangeAllocator,
}

#[derive(Clone, Copy)]
struct Live {
    size: u64,
    reserved: u64,
    epoch: u64,
}

impl Heap {
    /// A heap on `device`, with no page yet.
    pub fn new(device: &Device, desc: &HeapDescriptor<'_>) -> Result<Heap> {
        let rules = Rules::of(device);
        let page_size = match desc.page_size {
            0 => DEFAULT_PAGE_SIZE.min(rules.max_buffer_size),
            size => size,
        };
        rules.check_page_size(page_size, "a heap page")?;
        let page_size = page_size.next_multiple_of(rules.binding_alignment);
        Ok(Heap {
            shared: Arc::new(HeapShared {
                id: next_owner_id(),
                rules,
                queue: device.queue(),
                device: device.clone(),
                label: desc.label.to_string(),
                page_size,
                usage: desc.usage
                    | BufferUsage::Storage
                    | BufferUsage::CopySrc
                    | BufferUsage::CopyDst,
                state: RwLock::new(HeapState {
                    pages: Vec::new(),
                    live: HashMap::new(),
                    next_page_id: 0,
                    next_epoch: 1,
                    stats: Stats::default(),
                }),
            }),
        })
    }

    /// Allocates `size` bytes aligned to `align` (a power of two; the heap's own alignment, see
    /// [`alignment`](Heap::alignment), is the minimum, so pass 1 for it).
    ///
    /// Refused with [`ErrorKind::Validation`](crate::ErrorKind::Validation) when the size exceeds the
    /// device's `maxBufferSize`; with [`ErrorKind::OutOfMemory`](crate::ErrorKind::OutOfMemory) when a
    /// new page cannot be allocated. A refusal changes nothing.
    pub fn allocate(&self, size: u64, align: u64) -> Result<Block> {
        let shared = &self.shared;
        let granule = shared.rules.binding_alignment;
        let align = effective_alignment(align, granule)?;
        shared.rules.check_page_size(size, "a heap slice")?;
        let reserved = size.max(1).next_multiple_of(granule);
        let mut state = shared.state.write();
        let found = state
            .pages
            .iter_mut()
            .enumerate()
            .find_map(|(i, page)| Some((i, page.ranges.allocate(reserved, align)?)));
        let (index, offset) = match found {
            Some(found) => found,
            None => {
                let page = shared.new_page(&mut state, reserved)?;
                state.pages.push(page);
                let index = state.pages.len() - 1;
                let offset = state.pages[index].ranges.allocate(reserved, align);
                (
                    index,
                    offset.expect("a new page holds the request it was sized for"),
                )
            }
        };
        let epoch = state.next_epoch;
        state.next_epoch += 1;
        let page = &state.pages[index];
        let (page_id, buffer) = (page.id, page.buffer.clone());
        state.live.insert(
            (page_id, offset),
            Live {
                size,
                reserved,
                epoch,
            },
        );
        state.stats.allocated(size, reserved - size);
        Ok(Block {
            owner: Owner::Heap(shared.clone()),
            page: buffer,
            page_id,
            offset,
            size,
            reserved,
            epoch,
        })
    }

    /// Allocates `len` elements of `T` (`alloc::<f32>(n)` is the seed's `allocF32(n)`).
    pub fn alloc<T: bytemuck::Pod>(&self, len: usize) -> Result<Slice<T>> {
        Slice::over(self.allocate(Slice::<T>::bytes_for(len)?, 1)?)
    }

    /// Releases every page that holds no live slice; returns how many. Their memory goes back to the
    /// device (`Buffer::destroy`) once the work already submitted is done with it.
    pub fn trim(&self) -> usize {
        let mut state = self.shared.state.write();
        let before = state.pages.len();
        state.pages.retain(|page| {
            let unused = page.ranges.is_unused();
            if unused {
                // Nothing can refuse this: pages are never mapped.
                let _ = page.buffer.destroy();
            }
            !unused
        });
        before - state.pages.len()
    }

    /// The heap's figures now (see [`Stats`]).
    pub fn stats(&self) -> Stats {
        let state = self.shared.state.read();
        Stats {
            reserved_bytes: state.pages.iter().map(|p| p.ranges.capacity()).sum(),
            pages: state.pages.len(),
            live_slices: state.live.len(),
            ..state.stats
        }
    }

    /// Starts the peak over: `peak_in_use_bytes` becomes the bytes in use now.
    pub fn reset_peak(&self) {
        let mut state = self.shared.state.write();
        state.stats.peak_in_use_bytes = state.stats.in_use_bytes;
    }

    /// The alignment (and size granule) of every slice: the larger of the device's storage and uniform
    /// buffer offset alignments.
    pub fn alignment(&self) -> u64 {
        self.shared.rules.binding_alignment
    }

    /// The size of the heap's ordinary pages.
    pub fn page_size(&self) -> u64 {
        self.shared.page_size
    }

    /// The device the heap allocates on.
    pub fn device(&self) -> &Device {
        &self.shared.device
    }

    /// Rebuilds a slice from its [`handle`](Slice::handle). Refused with
    /// [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) when the handle is of another heap or
    /// another element type, or its allocation was freed (the message names its epoch and the one that
    /// holds the memory now, if any).
    pub fn slice_from_handle<T: bytemuck::Pod>(&self, handle: &SliceHandle) -> Result<Slice<T>> {
        check_handle::<T>(handle, SliceKind::Heap, self.shared.id)?;
        let shared = &self.shared;
        let state = shared.state.read();
        let live = state
            .live
            .get(&(handle.page, handle.offset))
            .filter(|live| live.epoch == handle.epoch)
            .ok_or_else(|| {
                shared.stale(
                    &state,
                    handle.page,
                    handle.offset,
                    handle.epoch,
                    handle.byte_len(),
                )
            })?;
        let page = state
            .pages
            .iter()
            .find(|p| p.id == handle.page)
            .expect("a live allocation's page is held");
        let block = Block {
            owner: Owner::Heap(shared.clone()),
            page: page.buffer.clone(),
            page_id: handle.page,
            offset: handle.offset,
            size: live.size,
            reserved: live.reserved,
            epoch: live.epoch,
        };
        drop(state);
        Slice::from_handle(block, handle)
    }
}

impl HeapShared {
    /// A new page for a request of `reserved` bytes: an ordinary one, or a dedicated one for a big request.
    fn new_page(&self, state: &mut HeapState, reserved: u64) -> Result<Page> {
        let size = if reserved > self.page_size / 2 {
            reserved
        } else {
            self.page_size
        };
        let id = state.next_page_id;
        let label = format!("{} page {id}", self.label);
        // Through an error scope: Dawn reports an allocation it cannot make there, not as a null buffer.
        let buffer = self.device.try_scoped(|device| {
            device.create_buffer(&BufferDescriptor {
                label: &label,
                size,
                usage: self.usage,
                mapped_at_creation: false,
            })
        })?;
        state.next_page_id += 1;
        Ok(Page {
            id,
            buffer,
            ranges: RangeAllocator::new(size),
        })
    }

    pub(crate) fn is_live(&self, block: &Block) -> bool {
        let state = self.state.read_recursive();
        state
            .live
            .get(&(block.page_id, block.offset))
            .is_some_and(|live| live.epoch == block.epoch)
    }

    pub(crate) fn guard(&self, block: &Block) -> Result<UseGuard<'_>> {
        // Recursive: one use may hold several blocks of the heap (a bind group) while a writer waits.
        let state = self.state.read_recursive();
        match state.live.get(&(block.page_id, block.offset)) {
            Some(live) if live.epoch == block.epoch => Ok(UseGuard::Heap { _held: state }),
            _ => Err(self.stale(&state, block.page_id, block.offset, block.epoch, block.size)),
        }
    }

    pub(crate) fn free(&self, block: &Block) -> Result<()> {
        let mut state = self.state.write();
        let key = (block.page_id, block.offset);
        match state.live.get(&key) {
            Some(live) if live.epoch == block.epoch => {}
            _ => {
                return Err(self.stale(
                    &state,
                    block.page_id,
                    block.offset,
                    block.epoch,
                    block.size,
                ));
            }
        }
        let live = state.live.remove(&key).expect("checked above");
        let page = state
            .pages
            .iter_mut()
            .find(|p| p.id == block.page_id)
            .expect("a live allocation's page is held");
        page.ranges.free(block.offset, live.reserved);
        state.stats.freed(live.size, live.reserved - live.size);
        Ok(())
    }

    /// The error for a use of allocation `epoch` at (`page`, `offset`) that is no longer live.
    #[cold]
    fn stale(&self, state: &HeapState, page: u64, offset: u64, epoch: u64, size: u64) -> Error {
        let now = match state.live.get(&(page, offset)) {
            Some(live) => format!("; that memory now holds allocation {}", live.epoch),
            None => String::new(),
        };
        invalid_use(format!(
            "this heap slice (allocation {epoch}: {size} bytes at offset {offset} of page {page}) was freed{now}"
        ))
    }
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap")
            .field("id", &self.shared.id)
            .field("page_size", &self.shared.page_size)
            .field("stats", &self.stats())
            .finish()
    }
}
