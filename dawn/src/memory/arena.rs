//! Bump arenas whose slices all die at once: [`FrameArena`] (grows, reset every step) and [`HeapArena`]
//! (fixed capacity, caller-managed). Each `reset()` starts a new epoch; a slice remembers the epoch it
//! was allocated in and is alive only while its arena is still in it.

use super::Stats;
use super::allocator::Bump;
use super::block::{
    Block, Owner, Rules, SliceKind, UseGuard, effective_alignment, invalid_use, next_owner_id,
};
use super::slice::{Slice, SliceHandle, check_handle};
use crate::{Buffer, BufferDescriptor, BufferUsage, Device, Error, ErrorKind, Queue, Result};
use parking_lot::RwLock;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The chunk size a [`FrameArena`] gets when created with 0 (capped by the device's `maxBufferSize`).
pub const DEFAULT_CHUNK_SIZE: u64 = 16 << 20;

/// A bump allocator for per-step temporaries: allocation is a pointer bump, and [`reset`](FrameArena::reset)
/// frees everything at once and starts a new epoch.
///
/// Memory comes in chunks (device buffers) of a fixed size; a request that does not fit in the current
/// chunk moves on to the next one, adding a chunk (sized to the request if larger) when none is left, so a
/// frame arena never refuses for lack of room (only if the device is out of memory). A reset keeps the
/// chunks for the next step; [`trim`](FrameArena::trim) releases those the current step does not use.
/// Slices are aligned as a [`Heap`](super::Heap)'s are (so they bind at their offset) unless asked for more.
///
/// Reset after submitting the step's work: the queue runs work in order, so the next step's writes land
/// after it. (But `Queue::write_buffer` runs at the next submit, before the commands of encoders not yet
/// submitted.) `Clone` shares the arena; it is `Send + Sync`.
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// use dawn::{ErrorKind, memory::FrameArena};
/// let frame = FrameArena::new(&device, 0)?;
/// let scratch = frame.alloc::<u32>(256)?;
/// scratch.write(&[7; 256], 0, false)?;
/// frame.reset(); // a new epoch: `scratch` is dead
/// assert!(!scratch.is_alive());
/// let error = scratch.read().wait().unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::InvalidUse); // "... from epoch 0, ... now at epoch 1 ..."
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct FrameArena {
    shared: Arc<ArenaShared>,
}

/// An arena of one device buffer with a fixed capacity and alignment, reset by its owner
/// (the seed's `createHeapArena(capBytes, align)`).
///
/// Allocation bumps through the buffer; a request that does not fit is refused with
/// [`ErrorKind::OutOfMemory`] (the message gives the request and what is left), changing nothing:
/// running out of a fixed budget is the same condition as the device running out of memory, and the
/// caller recovers the same way (reset, or a bigger arena). [`reset`](HeapArena::reset) frees everything
/// and starts a new epoch. `Clone` shares the arena; it is `Send + Sync`.
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// use dawn::{ErrorKind, memory::HeapArena};
/// let arena = HeapArena::new(&device, 4096, 256)?;
/// let a = arena.alloc::<f32>(512)?; // 2048 bytes
/// assert_eq!(arena.alloc::<f32>(600).unwrap_err().kind(), ErrorKind::OutOfMemory);
/// assert!(a.is_alive()); // the refusal changed nothing
/// arena.reset();
/// assert!(!a.is_alive());
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct HeapArena {
    shared: Arc<ArenaShared>,
}

pub(crate) struct ArenaShared {
    pub(crate) id: u64,
    pub(crate) kind: SliceKind,
    pub(crate) rules: Rules,
    pub(crate) queue: Queue,
    device: Device,
    /// The least alignment of a slice.
    align: u64,
    /// A frame arena's chunk size; a heap arena's capacity.
    chunk_size: u64,
    /// The current epoch, also kept here so that `is_alive` takes no lock.
    epoch: AtomicU64,
    state: RwLock<ArenaState>,
}

pub(crate) struct ArenaState {
    epoch: u64,
    chunks: Vec<Chunk>,
    /// The chunk allocations bump in; the chunks before it are full for this epoch, those after it unused.
    current: usize,
    /// This epoch's allocations, in order (so sorted by chunk id, then offset), to check handles.
    allocations: Vec<Allocation>,
    next_chunk_id: u64,
    stats: Stats,
}

struct Chunk {
    id: u64,
    buffer: Buffer,
    bump: Bump,
}

struct Allocation {
    chunk: u64,
    offset: u64,
    size: u64,
    reserved: u64,
}

impl FrameArena {
    /// A frame arena on `device` with chunks of `chunk_bytes` (0: [`DEFAULT_CHUNK_SIZE`]), none made yet.
    pub fn new(device: &Device, chunk_bytes: u64) -> Result<FrameArena> {
        let rules = Rules::of(device);
        let chunk = match chunk_bytes {
            0 => DEFAULT_CHUNK_SIZE.min(rules.max_buffer_size),
            size => size,
        };
        rules.check_page_size(chunk, "a frame arena chunk")?;
        let align = rules.binding_alignment;
        let shared = ArenaShared::new(device, SliceKind::Frame, rules, align, chunk);
        Ok(FrameArena { shared })
    }

    /// Allocates `size` bytes aligned to `align` (a power of two; at least the arena's alignment).
    /// Refused only when the device cannot allocate a new chunk ([`ErrorKind::OutOfMemory`]) or the size
    /// exceeds its `maxBufferSize` ([`ErrorKind::Validation`]).
    pub fn allocate(&self, size: u64, align: u64) -> Result<Block> {
        self.shared.allocate(size, align)
    }

    /// Allocates `len` elements of `T` (the seed's `frame.allocF32(n)` is `alloc::<f32>(n)`).
    pub fn alloc<T: bytemuck::Pod>(&self, len: usize) -> Result<Slice<T>> {
        Slice::over(self.allocate(Slice::<T>::bytes_for(len)?, 1)?)
    }

    /// Frees every slice and starts a new epoch (returned); the chunks stay for the next step.
    pub fn reset(&self) -> u64 {
        self.shared.reset()
    }

    /// The current epoch (0 at creation, one more each reset).
    pub fn epoch(&self) -> u64 {
        self.shared.epoch()
    }

    /// Releases the chunks the current epoch has not touched; returns how many.
    pub fn trim(&self) -> usize {
        self.shared.trim()
    }

    /// The arena's figures (see [`Stats`]; the peak spans all epochs).
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Rebuilds a slice from its [`handle`](Slice::handle); refused with [`ErrorKind::InvalidUse`] for a
    /// handle of another arena or element type, or of an earlier epoch (the message names both epochs).
    pub fn slice_from_handle<T: bytemuck::Pod>(&self, handle: &SliceHandle) -> Result<Slice<T>> {
        self.shared.slice_from_handle(handle)
    }
}

impl HeapArena {
    /// An arena of `cap_bytes` on `device` whose slices start at multiples of `align` (a power of two,
    /// raised to 4 if smaller; to bind slices, a multiple of the device's `minStorageBufferOffsetAlignment`;
    /// not a power of two: [`ErrorKind::InvalidUse`]). The buffer is
    /// allocated now: [`ErrorKind::OutOfMemory`] if the device cannot, [`ErrorKind::Validation`] over its
    /// `maxBufferSize`.
    pub fn new(device: &Device, cap_bytes: u64, align: u64) -> Result<HeapArena> {
        let rules = Rules::of(device);
        let align = effective_alignment(align, 4)?;
        rules.check_page_size(cap_bytes, "a heap arena")?;
        let shared = ArenaShared::new(device, SliceKind::Arena, rules, align, cap_bytes);
        {
            let mut state = shared.state.write();
            let chunk = shared.new_chunk(&mut state, cap_bytes)?;
            state.chunks.push(chunk);
        }
        Ok(HeapArena { shared })
    }

    /// Allocates `size` bytes aligned to `align` (a power of two; at least the arena's). Refused with
    /// [`ErrorKind::OutOfMemory`] when they do not fit in what is left; nothing changes then.
    pub fn allocate(&self, size: u64, align: u64) -> Result<Block> {
        self.shared.allocate(size, align)
    }

    /// Allocates `len` elements of `T` (as [`allocate`](HeapArena::allocate)).
    pub fn alloc<T: bytemuck::Pod>(&self, len: usize) -> Result<Slice<T>> {
        Slice::over(self.allocate(Slice::<T>::bytes_for(len)?, 1)?)
    }

    /// Frees every slice and starts a new epoch (returned).
    pub fn reset(&self) -> u64 {
        self.shared.reset()
    }

    /// The current epoch (0 at creation, one more each reset).
    pub fn epoch(&self) -> u64 {
        self.shared.epoch()
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> u64 {
        self.shared.chunk_size
    }

    /// Bytes left past the last slice of this epoch.
    pub fn remaining(&self) -> u64 {
        let state = self.shared.state.read();
        state.chunks.iter().map(|c| c.bump.remaining()).sum()
    }

    /// The alignment slices start at (at least).
    pub fn alignment(&self) -> u64 {
        self.shared.align
    }

    /// The arena's figures (see [`Stats`]; the peak spans all epochs).
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Rebuilds a slice from its [`handle`](Slice::handle) (as [`FrameArena::slice_from_handle`]).
    pub fn slice_from_handle<T: bytemuck::Pod>(&self, handle: &SliceHandle) -> Result<Slice<T>> {
        self.shared.slice_from_handle(handle)
    }
}

impl ArenaShared {
    fn new(
        device: &Device,
        kind: SliceKind,
        rules: Rules,
        align: u64,
        chunk_size: u64,
    ) -> Arc<Self> {
        Arc::new(ArenaShared {
            id: next_owner_id(),
            kind,
            rules,
            queue: device.queue(),
            device: device.clone(),
            align,
            chunk_size,
            epoch: AtomicU64::new(0),
            state: RwLock::new(ArenaState {
                epoch: 0,
                chunks: Vec::new(),
                current: 0,
                allocations: Vec::new(),
                next_chunk_id: 0,
                stats: Stats::default(),
            }),
        })
    }

    fn fixed(&self) -> bool {
        self.kind == SliceKind::Arena
    }

    fn new_chunk(&self, state: &mut ArenaState, size: u64) -> Result<Chunk> {
        let id = state.next_chunk_id;
        let label = format!("{} chunk {id}", self.kind.describe());
        // Through an error scope: Dawn reports an allocation it cannot make there, not as a null buffer.
        let buffer = self.device.try_scoped(|device| {
            device.create_buffer(&BufferDescriptor {
                label: &label,
                size,
                usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
        })?;
        state.next_chunk_id += 1;
        Ok(Chunk {
            id,
            buffer,
            bump: Bump::new(size),
        })
    }

    fn allocate(self: &Arc<Self>, size: u64, align: u64) -> Result<Block> {
        let align = effective_alignment(align, self.align)?;
        self.rules.check_page_size(size, "an arena slice")?;
        // Whole 4-byte words, so that a copy of an odd size stays inside the slice.
        let reserved = size.max(1).next_multiple_of(4);
        let mut state = self.state.write();
        let mut found = None;
        for index in state.current..state.chunks.len() {
            if let Some((offset, gap)) = state.chunks[index].bump.allocate(reserved, align) {
                found = Some((index, offset, gap));
                break;
            }
        }
        let (index, offset, gap) = match found {
            Some(found) => found,
            None if self.fixed() => return Err(self.full(&state, size, align)),
            None => {
                let chunk = self.new_chunk(&mut state, self.chunk_size.max(reserved))?;
                // Chunks stay in id order: the new one goes after every chunk in use.
                state.chunks.push(chunk);
                let index = state.chunks.len() - 1;
                let (offset, gap) = state.chunks[index]
                    .bump
                    .allocate(reserved, align)
                    .expect("a new chunk holds the request it was sized for");
                (index, offset, gap)
            }
        };
        state.current = index;
        let chunk = &state.chunks[index];
        let (chunk_id, buffer) = (chunk.id, chunk.buffer.clone());
        state.allocations.push(Allocation {
            chunk: chunk_id,
            offset,
            size,
            reserved,
        });
        state.stats.allocated(size, gap + reserved - size);
        Ok(Block {
            owner: Owner::Arena(self.clone()),
            page: buffer,
            page_id: chunk_id,
            offset,
            size,
            reserved,
            epoch: state.epoch,
        })
    }

    #[cold]
    fn full(&self, state: &ArenaState, size: u64, align: u64) -> Error {
        let left: u64 = state.chunks.iter().map(|c| c.bump.remaining()).sum();
        Error::new(
            ErrorKind::OutOfMemory,
            format!(
                "the heap arena is full: {size} bytes (aligned to {align}) requested, {left} of its {} bytes \
                 left in epoch {}; reset() it or create a larger one",
                self.chunk_size, state.epoch
            ),
        )
    }

    fn reset(&self) -> u64 {
        let mut state = self.state.write();
        state.epoch += 1;
        self.epoch.store(state.epoch, Ordering::Release);
        for chunk in &mut state.chunks {
            chunk.bump.reset();
        }
        state.current = 0;
        let dropped = state.allocations.len() as u64;
        state.allocations.clear();
        let stats = &mut state.stats;
        stats.frees += dropped;
        stats.in_use_bytes = 0;
        stats.padding_bytes = 0;
        state.epoch
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    fn trim(&self) -> usize {
        let mut state = self.state.write();
        let keep = if state.allocations.is_empty() {
            0
        } else {
            state.current + 1
        };
        let keep = keep.min(state.chunks.len());
        let released = state.chunks.split_off(keep);
        for chunk in &released {
            // Nothing can refuse this: chunks are never mapped.
            let _ = chunk.buffer.destroy();
        }
        released.len()
    }

    fn stats(&self) -> Stats {
        let state = self.state.read();
        Stats {
            reserved_bytes: state.chunks.iter().map(|c| c.bump.capacity()).sum(),
            pages: state.chunks.len(),
            live_slices: state.allocations.len(),
            ..state.stats
        }
    }

    pub(crate) fn guard(&self, block: &Block) -> Result<UseGuard<'_>> {
        let state = self.state.read_recursive();
        if state.epoch != block.epoch {
            return Err(self.stale(block.epoch, state.epoch));
        }
        Ok(UseGuard::Arena { _held: state })
    }

    #[cold]
    fn stale(&self, epoch: u64, now: u64) -> Error {
        invalid_use(format!(
            "this {} slice is from epoch {epoch}, but the arena was reset and is now at epoch {now}: its \
             memory may hold newer data",
            self.kind.describe()
        ))
    }

    fn slice_from_handle<T: bytemuck::Pod>(
        self: &Arc<Self>,
        handle: &SliceHandle,
    ) -> Result<Slice<T>> {
        check_handle::<T>(handle, self.kind, self.id)?;
        let state = self.state.read();
        if state.epoch != handle.epoch {
            return Err(self.stale(handle.epoch, state.epoch));
        }
        let found = state
            .allocations
            .binary_search_by_key(&(handle.page, handle.offset), |a| (a.chunk, a.offset))
            .map(|i| &state.allocations[i]);
        let Ok(allocation) = found else {
            return Err(invalid_use(format!(
                "no slice of epoch {} starts at offset {} of chunk {} of this {}",
                handle.epoch,
                handle.offset,
                handle.page,
                self.kind.describe()
            )));
        };
        let chunk = state
            .chunks
            .iter()
            .find(|c| c.id == allocation.chunk)
            .expect("a chunk in use this epoch is held");
        let block = Block {
            owner: Owner::Arena(self.clone()),
            page: chunk.buffer.clone(),
            page_id: chunk.id,
            offset: allocation.offset,
            size: allocation.size,
            reserved: allocation.reserved,
            epoch: state.epoch,
        };
        drop(state);
        Slice::from_handle(block, handle)
    }
}

impl std::fmt::Debug for FrameArena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.shared.debug("FrameArena", f)
    }
}

impl std::fmt::Debug for HeapArena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.shared.debug("HeapArena", f)
    }
}

impl ArenaShared {
    fn debug(&self, name: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(name)
            .field("id", &self.id)
            .field("epoch", &self.epoch())
            .field("stats", &self.stats())
            .finish()
    }
}
