//! GPU memory managed the way native code manages host memory: heap slices freed one by one, frame arenas
//! whose slices die at `reset()`, caller-managed fixed arenas, typed slices with handles, and fast
//! transfer rings. Built only on this crate's public API.
//!
//! The model is WasmGPU's driver memory (its `heap.allocF32`, `frame.allocF32`, `createHeapArena(capBytes,
//! align)`, `WasmSlice` with `isAlive`/`assertAlive`/`write(src, offset, zeroFill)`/`handle()`/`free()` and
//! `viewFromHandle`), for GPU memory:
//!
//! | allocator | memory | a slice dies | when full |
//! |---|---|---|---|
//! | [`Heap`] | pages of [`DEFAULT_PAGE_SIZE`], big requests on their own page; best fit, freed space merged | at [`free`](Slice::free) | adds a page |
//! | [`FrameArena`] | chunks of [`DEFAULT_CHUNK_SIZE`], bump allocation | at the arena's [`reset`](FrameArena::reset) (a new epoch) | adds a chunk |
//! | [`HeapArena`] | one buffer of a fixed capacity, bump allocation | at the arena's [`reset`](HeapArena::reset) | refuses: [`ErrorKind::OutOfMemory`](crate::ErrorKind::OutOfMemory) |
//!
//! Each gives [`Slice<T>`]s for `f32`, `u32`, `i32`, `u8` or any [`bytemuck::Pod`] (`alloc::<T>(len)`), and
//! untyped [`Block`]s (`allocate(bytes, align)`: what a layer with its own types, such as a tensor pool,
//! builds on). A slice knows its [`kind`](Slice::kind), [`dtype`](Slice::dtype), [`offset`](Slice::offset)
//! in its page, [`len`](Slice::len) and [`byte_len`](Slice::byte_len); it [`write`](Slice::write)s,
//! [`read`](Slice::read)s and binds ([`entry`](Slice::entry)) at its offset, and turns into a plain
//! [`SliceHandle`] and back (`slice_from_handle`). Each allocator reports [`Stats`].
//!
//! # Liveness and epochs
//! A slice is a reference, not an owner: clones and slices rebuilt from its handle name the same memory.
//! Each carries an epoch: for an arena slice, the arena's epoch when it was allocated (every `reset()`
//! starts a new one); for a heap slice, its allocation's serial number. Once the slice is dead (its arena
//! reset, or it was freed), every use of it (write, read, binding, free, rebuilding from a handle, a
//! transfer) is an [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) error naming its epoch and its
//! owner's, and touches no memory: a stale slice never reads or writes data that now belongs to another.
//! A use holds the slice alive until it is done (a reset or free from another thread waits for it).
//!
//! # The binding rule
//! Slices of one page are one buffer to WebGPU, and WebGPU refuses a buffer bound both read-only and
//! writable in one dispatch (a usage scope is per buffer, not per range), while two writable bindings of
//! disjoint ranges are fine. So when two slices of one page are the input and the output of a dispatch,
//! bind both as `read_write` storage: declare them `var<storage, read_write>` in WGSL, and use a layout whose
//! entries are all `Storage` (not `ReadOnlyStorage`). [`storage_layout`] and [`bind_group`] do exactly that;
//! CubeCL binds every buffer `read_write` for the same reason.
//!
//! # Transfers
//! [`UploadRing`] and [`ReadbackRing`] move large data through persistent staging buffers, chunk by chunk on
//! several CPU threads, with the CPU copy of one chunk overlapping the GPU copy of another (see
//! [`TransferConfig`]). [`Slice::write`] (one `Queue::write_buffer`) and [`Slice::read`] (a staging copy per
//! call) are the simple paths, fine for small data.
//!
//! ```
//! # let instance = dawn::Instance::new()?;
//! # let adapter = instance.request_adapter(&Default::default()).wait()?;
//! # let device = adapter.request_device(&Default::default()).wait()?;
//! use dawn::memory::{FrameArena, Heap, SliceKind};
//! let heap = Heap::new(&device, &Default::default())?;
//! let frame = FrameArena::new(&device, 0)?;
//! let weights = heap.alloc::<f32>(4)?;
//! weights.write(&[0.25, 0.5, 0.75, 1.0], 0, false)?;
//! let scratch = frame.alloc::<u32>(3)?;
//! let handle = scratch.handle();
//! assert_eq!((handle.kind, handle.epoch), (SliceKind::Frame, 0));
//! assert!(frame.slice_from_handle::<u32>(&handle)?.is_alive());
//! frame.reset();
//! assert!(frame.slice_from_handle::<u32>(&handle).is_err()); // from epoch 0; the arena is at 1
//! assert!(weights.is_alive());
//! println!("{}", heap.stats()); // reserved 64.0 MiB in 1 page(s), in use 16 B ...
//! # Ok::<(), dawn::Error>(())
//! ```

mod allocator;
mod arena;
mod bind;
mod block;
mod heap;
mod readback;
mod slice;
mod stats;
mod transfer;
mod upload;

pub use arena::{DEFAULT_CHUNK_SIZE, FrameArena, HeapArena};
pub use bind::{bind_group, storage_layout};
pub use block::{Block, SliceKind};
pub use heap::{DEFAULT_PAGE_SIZE, Heap, HeapDescriptor};
pub use readback::ReadbackRing;
pub use slice::{DType, Slice, SliceHandle};
pub use stats::Stats;
pub use transfer::TransferConfig;
pub use upload::UploadRing;

/// Compile-time checks of the thread-safety the types' docs promise.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Heap>();
    send_sync::<FrameArena>();
    send_sync::<HeapArena>();
    send_sync::<Block>();
    send_sync::<Slice<f32>>();
    send_sync::<UploadRing>();
    send_sync::<ReadbackRing>();
};
