//! [`Slice`]: a typed view of a [`Block`], its element types ([`DType`]) and its serializable
//! [`SliceHandle`].

use super::block::{Block, SliceKind, invalid_use, validation};
use crate::Result;
use crate::{BindGroupEntry, Buffer, BufferDescriptor, BufferUsage, MapMode, Pending};
use std::any::TypeId;
use std::marker::PhantomData;

/// The element type of a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// `f32`
    F32,
    /// `u32`
    U32,
    /// `i32`
    I32,
    /// `u8`
    U8,
    /// Any other [`bytemuck::Pod`] type: its size in bytes and its Rust name.
    Pod {
        /// `size_of::<T>()`
        size: usize,
        /// `std::any::type_name::<T>()`
        name: &'static str,
    },
}

impl DType {
    /// The dtype of `T`.
    pub fn of<T: bytemuck::Pod>() -> DType {
        let id = TypeId::of::<T>();
        if id == TypeId::of::<f32>() {
            DType::F32
        } else if id == TypeId::of::<u32>() {
            DType::U32
        } else if id == TypeId::of::<i32>() {
            DType::I32
        } else if id == TypeId::of::<u8>() {
            DType::U8
        } else {
            DType::Pod {
                size: size_of::<T>(),
                name: std::any::type_name::<T>(),
            }
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::U32 | DType::I32 => 4,
            DType::U8 => 1,
            DType::Pod { size, .. } => size,
        }
    }

    /// `"f32"`, `"u32"`, `"i32"`, `"u8"`, or the Rust name of another type.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::U32 => "u32",
            DType::I32 => "i32",
            DType::U8 => "u8",
            DType::Pod { name, .. } => name,
        }
    }
}

/// A slice described by plain values, to store or send elsewhere and turn back into a [`Slice`] with its
/// owner's `slice_from_handle`, which refuses it once the slice is dead (freed, or from an epoch before
/// the arena's last reset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SliceHandle {
    /// Which kind of allocator made it.
    pub kind: SliceKind,
    /// Its element type.
    pub dtype: DType,
    /// The id of the heap or arena that made it.
    pub owner: u64,
    /// The id of its page within the owner.
    pub page: u64,
    /// Its byte offset in the page.
    pub offset: u64,
    /// Its length in elements.
    pub len: usize,
    /// Its epoch (see [`Block::epoch`]).
    pub epoch: u64,
}

impl SliceHandle {
    pub(crate) fn byte_len(&self) -> u64 {
        (self.len as u64).saturating_mul(self.dtype.size() as u64)
    }
}

/// Checks that `handle` is of `kind`, made by owner `owner`, with elements of `T`.
pub(crate) fn check_handle<T: bytemuck::Pod>(
    handle: &SliceHandle,
    kind: SliceKind,
    owner: u64,
) -> Result<()> {
    let dtype = DType::of::<T>();
    let problem = if handle.kind != kind {
        format!(
            "a {} cannot rebuild a slice of a {}",
            kind.describe(),
            handle.kind.describe()
        )
    } else if handle.owner != owner {
        format!(
            "the handle belongs to {} #{}, not to this one (#{owner})",
            kind.describe(),
            handle.owner
        )
    } else if handle.dtype != dtype {
        format!(
            "the handle is of {} elements, not {}",
            handle.dtype.name(),
            dtype.name()
        )
    } else {
        return Ok(());
    };
    Err(invalid_use(problem))
}

/// `len` elements of `T` in GPU memory: a typed view of a [`Block`] from a [`Heap`](super::Heap), a
/// [`FrameArena`](super::FrameArena) or a [`HeapArena`](super::HeapArena).
///
/// `Clone` copies the reference: every clone (and every slice rebuilt from its [`handle`](Slice::handle))
/// names the same memory and dies with it. A dead slice refuses every use (write, read, binding, free)
/// with [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse), naming its epoch and its owner's: it
/// never reads or writes memory that now belongs to someone else.
///
/// Sizes that are not a multiple of 4 bytes (a `u8` slice of 3, say) work: WebGPU copies whole 4-byte
/// words, so the last word is padded with zeros, inside the slice's own reserved bytes, never past them.
pub struct Slice<T> {
    block: Block,
    len: usize,
    _element: PhantomData<fn() -> T>,
}

impl<T> Clone for Slice<T> {
    fn clone(&self) -> Self {
        Slice {
            block: self.block.clone(),
            len: self.len,
            _element: PhantomData,
        }
    }
}

impl<T: bytemuck::Pod> Slice<T> {
    /// The bytes `len` elements take.
    pub(crate) fn bytes_for(len: usize) -> Result<u64> {
        let size = Self::element_size()?;
        (len as u64).checked_mul(size).ok_or_else(|| {
            invalid_use(format!(
                "{len} elements of {} bytes overflow u64",
                size_of::<T>()
            ))
        })
    }

    fn element_size() -> Result<u64> {
        match size_of::<T>() {
            0 => Err(invalid_use(format!(
                "{} has no size: slices need elements of at least one byte",
                std::any::type_name::<T>()
            ))),
            size => Ok(size as u64),
        }
    }

    /// A view of all of `block` (its size a whole number of `T`s).
    pub(crate) fn over(block: Block) -> Result<Self> {
        let size = Self::element_size()?;
        if block.size % size != 0 {
            return Err(invalid_use(format!(
                "a block of {} bytes is not a whole number of {} ({size} bytes each)",
                block.size,
                DType::of::<T>().name()
            )));
        }
        Ok(Slice {
            len: (block.size / size) as usize,
            block,
            _element: PhantomData,
        })
    }

    /// The slice `handle` describes, over `block` (found by the owner).
    pub(crate) fn from_handle(block: Block, handle: &SliceHandle) -> Result<Self> {
        if handle.byte_len() != block.size {
            return Err(invalid_use(format!(
                "the handle says {} elements ({} bytes), but its allocation holds {} bytes",
                handle.len,
                handle.byte_len(),
                block.size
            )));
        }
        Self::over(block)
    }

    /// Which allocator it came from.
    pub fn kind(&self) -> SliceKind {
        self.block.kind()
    }

    /// Its element type.
    pub fn dtype(&self) -> DType {
        DType::of::<T>()
    }

    /// Its byte offset in its page ([`buffer`](Slice::buffer)).
    pub fn offset(&self) -> u64 {
        self.block.offset()
    }

    /// Its length in elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Its length in bytes.
    pub fn byte_len(&self) -> u64 {
        self.block.size()
    }

    /// The page (device buffer) it lies in.
    pub fn buffer(&self) -> &Buffer {
        self.block.buffer()
    }

    /// Its untyped allocation.
    pub fn block(&self) -> &Block {
        &self.block
    }

    /// See [`Block::epoch`].
    pub fn epoch(&self) -> u64 {
        self.block.epoch()
    }

    /// Whether it may still be used (see [`Block::is_alive`]).
    pub fn is_alive(&self) -> bool {
        self.block.is_alive()
    }

    /// `Ok` while alive, else the error every use returns (see [`Block::assert_alive`]). Never panics.
    pub fn assert_alive(&self) -> Result<()> {
        self.block.assert_alive()
    }

    /// Frees a heap slice (see [`Block::free`]).
    pub fn free(&self) -> Result<()> {
        self.block.free()
    }

    /// Its description as plain values, to rebuild it later with its owner's `slice_from_handle`.
    pub fn handle(&self) -> SliceHandle {
        SliceHandle {
            kind: self.kind(),
            dtype: self.dtype(),
            owner: self.block.owner_id(),
            page: self.block.page_id,
            offset: self.block.offset,
            len: self.len,
            epoch: self.block.epoch,
        }
    }

    /// A bind group entry for it at `binding` (see [`Block::entry`]).
    pub fn entry(&self, binding: u32) -> Result<BindGroupEntry<'_>> {
        self.block.entry(binding)
    }

    /// Writes `data` into the slice starting at element `offset` (through `Queue::write_buffer`: the data is
    /// copied before this returns, and lands at the next submit). With `zero_fill`, every element after the
    /// written ones is set to zero as well (`write(&[], 0, true)` zeroes the whole slice).
    ///
    /// Refused, writing nothing: with [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) a dead slice, a range past
    /// the end, or an end that is not a multiple of 4 bytes unless it is the slice's end or `zero_fill` is
    /// set (the padding of the last word would overwrite the elements after it); with
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) a start that is not a multiple of 4 bytes (WebGPU copies
    /// 4-byte words).
    ///
    /// (The seed's `srcOffset` is `&data[k..]` here; `offset` instead places the data in the slice.)
    pub fn write(&self, data: &[T], offset: usize, zero_fill: bool) -> Result<()> {
        let _guard = self.block.guard()?;
        let (start, end) = self.write_span(offset, data.len(), zero_fill)?;
        let page = &self.block.page;
        let queue = self.block.queue();
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let at = self.block.offset + start;
        let whole_words = bytes.len() & !3;
        if whole_words > 0 {
            queue.write_buffer(page, at, &bytes[..whole_words])?;
        }
        if whole_words < bytes.len() {
            let mut last = [0u8; 4];
            last[..bytes.len() - whole_words].copy_from_slice(&bytes[whole_words..]);
            queue.write_buffer(page, at + whole_words as u64, &last)?;
        }
        let (tail, slice_end) = (end.next_multiple_of(4), self.block.binding_size());
        if zero_fill && tail < slice_end {
            let device = self.block.device();
            let mut encoder = device.create_command_encoder(&Default::default());
            encoder.clear_buffer(page, self.block.offset + tail, Some(slice_end - tail));
            queue.submit(&[encoder.finish()]);
        }
        Ok(())
    }

    /// Checks a write of `count` elements at element `offset` (see [`write`](Slice::write)) and returns its
    /// byte range in the slice.
    pub(crate) fn write_span(
        &self,
        offset: usize,
        count: usize,
        zero_fill: bool,
    ) -> Result<(u64, u64)> {
        let (start, end) = self.span(offset, count)?;
        if start % 4 != 0 {
            return Err(validation(format!(
                "a write must start at a multiple of 4 bytes (WebGPU copies 4-byte words): element {offset} \
                 of {} is byte {start}",
                self.dtype().name()
            )));
        }
        if end % 4 != 0 && end != self.byte_len() && !zero_fill {
            return Err(invalid_use(format!(
                "a write ending at byte {end}, not a multiple of 4, must reach the slice's end ({} bytes) or \
                 zero-fill: padding its last 4-byte word would overwrite the bytes after it",
                self.byte_len()
            )));
        }
        Ok((start, end))
    }

    /// The byte range of `count` elements at element `offset`, if inside the slice.
    pub(crate) fn span(&self, offset: usize, count: usize) -> Result<(u64, u64)> {
        match offset.checked_add(count) {
            Some(end) if end <= self.len => {
                let size = size_of::<T>() as u64;
                Ok((offset as u64 * size, end as u64 * size))
            }
            _ => Err(invalid_use(format!(
                "{count} elements at offset {offset} do not fit in the slice of {} elements",
                self.len
            ))),
        }
    }

    /// Reads the whole slice back: copies it into a new staging buffer now (so the values are those of the
    /// slice after the work submitted so far), and resolves once the copy is done. A dead slice resolves to
    /// [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse). For large or repeated read-backs use a
    /// [`ReadbackRing`](super::ReadbackRing).
    pub fn read(&self) -> Pending<Vec<T>> {
        match self.start_read() {
            Ok(pending) => pending,
            Err(error) => Pending::ready(Err(error)),
        }
    }

    fn start_read(&self) -> Result<Pending<Vec<T>>> {
        let _guard = self.block.guard()?;
        // The whole 4-byte words of the slice: never past its reserved bytes, never empty.
        let size = self.block.binding_size().max(4);
        let device = self.block.device();
        let staging = device.create_buffer(&BufferDescriptor {
            label: "slice read-back",
            size,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&self.block.page, self.block.offset, &staging, 0, size);
        self.block.queue().submit(&[encoder.finish()]);
        let byte_len = self.block.size as usize;
        Ok(staging.map_async(MapMode::Read, ..).map(move |()| {
            let mapping = staging.take_mapping()?;
            let mut values = vec![T::zeroed(); byte_len / size_of::<T>()];
            bytemuck::cast_slice_mut(&mut values).copy_from_slice(&mapping[..byte_len]);
            Ok(values)
        }))
    }
}

impl<T: bytemuck::Pod> std::fmt::Debug for Slice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slice")
            .field("kind", &self.kind())
            .field("dtype", &self.dtype().name())
            .field("offset", &self.offset())
            .field("len", &self.len)
            .field("epoch", &self.epoch())
            .finish()
    }
}
