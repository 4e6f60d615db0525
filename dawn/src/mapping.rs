//! [`Mapping`]: a buffer's whole mapping, held by one guard that unmaps the buffer when dropped.

use crate::buffer::{typed_slice, typed_slice_mut};
use crate::{Buffer, Error, MapMode, Result};
use std::ops::{Deref, Range};

/// A buffer's whole current mapping, held by this guard alone (from [`Buffer::take_mapping`]): it derefs
/// to the mapped bytes, and dropping it unmaps the buffer.
///
/// The cheapest way to use mapped memory: taking the guard and dropping it are one atomic step each, and
/// the slices it hands out are plain borrows of it, so the compiler, not a view count, keeps them from
/// outliving the mapping. While it lives, the buffer refuses views, [`unmap`](Buffer::unmap),
/// [`destroy`](Buffer::destroy) and new maps with [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse),
/// and the device refuses [`destroy`](crate::Device::destroy) (it counts as a mapped view).
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// let buffer = device.create_buffer_init(&dawn::BufferInitDescriptor {
///     label: "values",
///     contents: dawn::bytemuck::cast_slice(&[1u32, 2, 3]),
///     usage: dawn::BufferUsage::MapRead,
/// })?;
/// buffer.map_async(dawn::MapMode::Read, ..).wait()?;
/// let mapping = buffer.take_mapping()?;
/// assert_eq!(mapping.typed::<u32>()?, &[1, 2, 3]);
/// assert!(buffer.get_mapped_range(..).is_err()); // the guard holds the mapping
/// drop(mapping); // unmaps
/// assert_eq!(buffer.map_state(), dawn::BufferMapState::Unmapped);
/// # Ok::<(), dawn::Error>(())
/// ```
pub struct Mapping<'b> {
    buffer: &'b Buffer,
    /// Dawn's pointer to the mapped range (from `wgpuBufferGetMappedRange` for a write mapping, so that
    /// it may be written).
    ptr: *mut u8,
    mode: MapMode,
    range: Range<u64>,
}

// SAFETY: the guard owns the mapping alone; `&Mapping` hands out shared bytes, `&mut Mapping` exclusive
// ones, and the memory stays mapped until the guard is dropped.
unsafe impl Send for Mapping<'_> {}
unsafe impl Sync for Mapping<'_> {}

impl<'b> Mapping<'b> {
    /// # Safety
    /// The buffer's mapping state is held for this guard, and `ptr` is Dawn's pointer to the mapped
    /// `range` (writable if `mode` is [`MapMode::Write`]; null only for an empty range).
    pub(crate) unsafe fn new(
        buffer: &'b Buffer,
        ptr: *mut u8,
        mode: MapMode,
        range: Range<u64>,
    ) -> Self {
        Mapping {
            buffer,
            ptr,
            mode,
            range,
        }
    }

    /// The mapped range of the buffer, in bytes.
    pub fn range(&self) -> Range<u64> {
        self.range.clone()
    }

    /// What the buffer was mapped for: [`MapMode::Read`] or [`MapMode::Write`].
    pub fn mode(&self) -> MapMode {
        self.mode
    }

    /// The bytes as `T`s (the length must be a multiple of `size_of::<T>()`).
    pub fn typed<T: bytemuck::Pod>(&self) -> Result<&[T]> {
        typed_slice(self)
    }

    /// The bytes, writable: a write mapping only ([`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse)
    /// for a read mapping, whose memory Dawn does not let the CPU write).
    pub fn bytes_mut(&mut self) -> Result<&mut [u8]> {
        if self.mode != MapMode::Write {
            return Err(Error::invalid_use(
                "the buffer is mapped for reading; writing needs MapMode::Write",
            ));
        }
        if self.range.is_empty() {
            return Ok(&mut []);
        }
        // SAFETY: a write mapping of `range`, held by this guard; `&mut self` makes the slice exclusive.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len()) })
    }

    /// The bytes as mutable `T`s: a write mapping only, as [`bytes_mut`](Mapping::bytes_mut).
    pub fn typed_mut<T: bytemuck::Pod>(&mut self) -> Result<&mut [T]> {
        typed_slice_mut(self.bytes_mut()?)
    }

    /// Unmaps the buffer, as dropping the guard does.
    #[doc(alias = "wgpuBufferUnmap")]
    pub fn unmap(self) {}
}

impl Deref for Mapping<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        if self.range.is_empty() {
            return &[];
        }
        // SAFETY: Dawn mapped `range` at `ptr`; it stays mapped while the guard lives, and writes need
        // `&mut self`.
        unsafe {
            std::slice::from_raw_parts(self.ptr, (self.range.end - self.range.start) as usize)
        }
    }
}

impl Drop for Mapping<'_> {
    #[inline]
    fn drop(&mut self) {
        self.buffer.release_mapping();
    }
}

impl std::fmt::Debug for Mapping<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping")
            .field("mode", &self.mode)
            .field("range", &self.range)
            .finish()
    }
}
