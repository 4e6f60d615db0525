//! Access to mapped memory: views of ranges ([`BufferView`], [`BufferViewMut`]) and the guard of the whole
//! mapping ([`Mapping`]). All three hold the same counted [`MappedBytes`]; the mapping state keeps the
//! memory mapped while any of them lives.

use super::Buffer;
use crate::{Error, MapMode, Result};
use dawn_sys as sys;
use std::ops::{Deref, DerefMut, Range, RangeBounds};

/// Bytes of a mapped buffer, counted as a view in its mapping state while this lives.
struct MappedBytes<'b> {
    buffer: &'b Buffer,
    /// Dawn's pointer to the range (from `wgpuBufferGetMappedRange` when writable).
    ptr: *mut u8,
    len: usize,
}

impl MappedBytes<'_> {
    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: Dawn mapped `len` bytes at `ptr`; they stay mapped while this lives (unmap and destroy
        // are refused), and no writable view overlaps them.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// # Safety
    /// The range was mapped for writing, and nothing else views it.
    unsafe fn bytes_mut(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: as the caller promised; `&mut self` makes the slice exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

/// `bytes` as `T`s (the length must be a multiple of `size_of::<T>()`, the start aligned for `T`). No bytes
/// are no `T`s, whatever their address (an empty range's slice is `&[]`, aligned for `u8` only).
pub(crate) fn typed_slice<T: bytemuck::Pod>(bytes: &[u8]) -> Result<&[T]> {
    if bytes.is_empty() {
        return Ok(&[]);
    }
    bytemuck::try_cast_slice(bytes).map_err(|e| cast_error::<T>(e))
}

/// `bytes` as mutable `T`s (as [`typed_slice`]).
pub(crate) fn typed_slice_mut<T: bytemuck::Pod>(bytes: &mut [u8]) -> Result<&mut [T]> {
    if bytes.is_empty() {
        return Ok(&mut []);
    }
    bytemuck::try_cast_slice_mut(bytes).map_err(|e| cast_error::<T>(e))
}

#[cold]
fn cast_error<T>(e: bytemuck::PodCastError) -> Error {
    Error::invalid_use(format!(
        "cannot view the bytes as {}: {e}",
        std::any::type_name::<T>()
    ))
}

/// A read-only view of a mapped buffer range; derefs to `[u8]`. Alive views block `unmap` and `destroy`.
pub struct BufferView<'b> {
    bytes: MappedBytes<'b>,
    id: u64,
}

// SAFETY: a view is a shared byte slice into memory that stays mapped while the view lives.
unsafe impl Send for BufferView<'_> {}
// SAFETY: as above.
unsafe impl Sync for BufferView<'_> {}

impl BufferView<'_> {
    /// The bytes as `T`s (the length must be a multiple of `size_of::<T>()`).
    pub fn typed<T: bytemuck::Pod>(&self) -> Result<&[T]> {
        typed_slice(self)
    }
}

impl Deref for BufferView<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.bytes.bytes()
    }
}

impl Drop for BufferView<'_> {
    #[inline]
    fn drop(&mut self) {
        self.bytes.buffer.0.map().close_view(self.id);
    }
}

/// A writable view of a mapped buffer range; derefs to `[u8]` and `mut [u8]`.
pub struct BufferViewMut<'b> {
    bytes: MappedBytes<'b>,
    id: u64,
}

// SAFETY: a view is an exclusive byte slice into memory that stays mapped while the view lives.
unsafe impl Send for BufferViewMut<'_> {}
// SAFETY: as above.
unsafe impl Sync for BufferViewMut<'_> {}

impl BufferViewMut<'_> {
    /// The bytes as `T`s.
    pub fn typed<T: bytemuck::Pod>(&self) -> Result<&[T]> {
        typed_slice(self)
    }

    /// The bytes as mutable `T`s.
    pub fn typed_mut<T: bytemuck::Pod>(&mut self) -> Result<&mut [T]> {
        typed_slice_mut(self)
    }
}

impl Deref for BufferViewMut<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.bytes.bytes()
    }
}

impl DerefMut for BufferViewMut<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: a writable view of a write mapping; no other view overlaps it.
        unsafe { self.bytes.bytes_mut() }
    }
}

impl Drop for BufferViewMut<'_> {
    #[inline]
    fn drop(&mut self) {
        self.bytes.buffer.0.map().close_view(self.id);
    }
}

/// A buffer's whole current mapping, held by this guard alone (from [`Buffer::take_mapping`]): it derefs
/// to the mapped bytes, and dropping it unmaps the buffer.
///
/// The cheapest way to use mapped memory: taking the guard and dropping it are one atomic step each, and
/// the slices it hands out are plain borrows of it. While it lives, the buffer refuses views,
/// [`unmap`](Buffer::unmap), [`destroy`](Buffer::destroy) and new maps, and the device refuses
/// [`destroy`](crate::Device::destroy) (it counts as a mapped view).
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
    bytes: MappedBytes<'b>,
    mode: MapMode,
    range: Range<u64>,
}

// SAFETY: the guard owns the mapping alone; `&Mapping` hands out shared bytes, `&mut Mapping` exclusive
// ones, and the memory stays mapped until the guard is dropped.
unsafe impl Send for Mapping<'_> {}
// SAFETY: as above.
unsafe impl Sync for Mapping<'_> {}

impl Mapping<'_> {
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
        // SAFETY: a write mapping, held by this guard alone.
        Ok(unsafe { self.bytes.bytes_mut() })
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
        self.bytes.bytes()
    }
}

impl Drop for Mapping<'_> {
    #[inline]
    fn drop(&mut self) {
        let buffer = self.bytes.buffer;
        // SAFETY: live buffer, mapped and held by this guard.
        buffer
            .0
            .map()
            .release_guard(|| unsafe { sys::wgpuBufferUnmap(buffer.as_raw()) });
    }
}

macro_rules! debug_len {
    ($($ty:ident),*) => {$(
        impl std::fmt::Debug for $ty<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).field("len", &self.bytes.len).finish()
            }
        }
    )*};
}

debug_len!(BufferView, BufferViewMut);

impl std::fmt::Debug for Mapping<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping")
            .field("mode", &self.mode)
            .field("range", &self.range)
            .finish()
    }
}

impl Buffer {
    /// Dawn's pointer to `range` of the mapping (`writable`: from the writable entry point); `None` when
    /// Dawn refuses it (its device was destroyed).
    #[inline]
    fn mapped_ptr(&self, range: &Range<u64>, writable: bool) -> Option<*mut u8> {
        let (offset, len) = (range.start as usize, (range.end - range.start) as usize);
        // SAFETY: the range lies inside the current mapping (checked by the caller's view or guard).
        let ptr = unsafe {
            if writable {
                sys::wgpuBufferGetMappedRange(self.as_raw(), offset, len).cast::<u8>()
            } else {
                sys::wgpuBufferGetConstMappedRange(self.as_raw(), offset, len)
                    .cast_mut()
                    .cast::<u8>()
            }
        };
        (!ptr.is_null() || len == 0).then_some(ptr)
    }

    /// Counts a view of `range` and gets Dawn's pointer to it; returns the view's id and bytes.
    #[inline]
    fn open_view(
        &self,
        range: impl RangeBounds<u64>,
        writable: bool,
    ) -> Result<(u64, MappedBytes<'_>)> {
        let range = self.resolve(range)?;
        super::check_alignment("view", &range)?;
        let map = self.0.map();
        let id = map.open_view(self.device().lifecycle(), &range, writable)?;
        let Some(ptr) = self.mapped_ptr(&range, writable) else {
            map.close_view(id);
            return Err(refused(&range));
        };
        let len = (range.end - range.start) as usize;
        Ok((
            id,
            MappedBytes {
                buffer: self,
                ptr,
                len,
            },
        ))
    }

    /// A read-only view of `range` of the mapped buffer (offset a multiple of 8, size of 4).
    ///
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) when the buffer is not mapped or the range
    /// is outside the mapping or misaligned; [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) when
    /// it overlaps a writable view or a [`Mapping`] guard holds the buffer.
    #[doc(alias = "wgpuBufferGetConstMappedRange")]
    #[inline]
    pub fn get_mapped_range(&self, range: impl RangeBounds<u64>) -> Result<BufferView<'_>> {
        let (id, bytes) = self.open_view(range, false)?;
        Ok(BufferView { bytes, id })
    }

    /// A writable view of `range` of a buffer mapped for writing (or mapped at creation); refused as for
    /// [`get_mapped_range`](Buffer::get_mapped_range), and when it overlaps any other view.
    #[doc(alias = "wgpuBufferGetMappedRange")]
    pub fn get_mapped_range_mut(&self, range: impl RangeBounds<u64>) -> Result<BufferViewMut<'_>> {
        let (id, bytes) = self.open_view(range, true)?;
        Ok(BufferViewMut { bytes, id })
    }

    /// Copies mapped bytes at `offset` into `dst`, without a view (`wgpuBufferReadMappedRange`).
    #[doc(alias = "wgpuBufferReadMappedRange")]
    pub fn read_mapped_range(&self, offset: u64, dst: &mut [u8]) -> Result<()> {
        let view = self.get_mapped_range(offset..end_of(offset, dst.len())?)?;
        // SAFETY: the range is mapped (the view holds it); `dst` is writable for its length.
        let status = unsafe {
            sys::wgpuBufferReadMappedRange(
                self.as_raw(),
                offset as usize,
                dst.as_mut_ptr().cast(),
                dst.len(),
            )
        };
        drop(view);
        copy_status(status, "read", dst.len(), offset)
    }

    /// Copies `src` into the mapped buffer at `offset`, without a view (`wgpuBufferWriteMappedRange`).
    #[doc(alias = "wgpuBufferWriteMappedRange")]
    pub fn write_mapped_range(&self, offset: u64, src: &[u8]) -> Result<()> {
        let view = self.get_mapped_range_mut(offset..end_of(offset, src.len())?)?;
        // SAFETY: the range is mapped for writing (the view holds it); `src` is readable for its length.
        let status = unsafe {
            sys::wgpuBufferWriteMappedRange(
                self.as_raw(),
                offset as usize,
                src.as_ptr().cast(),
                src.len(),
            )
        };
        drop(view);
        copy_status(status, "write", src.len(), offset)
    }

    /// Takes the buffer's whole current mapping (once [`map_async`](Buffer::map_async) resolved, or
    /// mapped at creation) as a [`Mapping`] guard: the cheapest way to read or write mapped memory, and
    /// dropping the guard unmaps the buffer. Refused with
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) unless the buffer is mapped, and
    /// [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) while a view or another guard is alive.
    #[doc(alias = "wgpuBufferGetConstMappedRange")]
    #[doc(alias = "wgpuBufferGetMappedRange")]
    #[inline]
    pub fn take_mapping(&self) -> Result<Mapping<'_>> {
        let map = self.0.map();
        let (mode, range) = map.take_guard(self.device().lifecycle())?;
        let Some(ptr) = self.mapped_ptr(&range, mode == MapMode::Write) else {
            map.abandon_guard();
            return Err(refused(&range));
        };
        let len = (range.end - range.start) as usize;
        Ok(Mapping {
            bytes: MappedBytes {
                buffer: self,
                ptr,
                len,
            },
            mode,
            range,
        })
    }
}

fn end_of(offset: u64, len: usize) -> Result<u64> {
    offset
        .checked_add(len as u64)
        .ok_or_else(|| Error::validation("offset + length overflows"))
}

#[cold]
fn refused(range: &Range<u64>) -> Error {
    Error::new(
        crate::ErrorKind::DeviceLost,
        format!("Dawn refused the mapped range {range:?} (its device is destroyed)"),
    )
}

fn copy_status(status: sys::WGPUStatus, what: &str, len: usize, offset: u64) -> Result<()> {
    if status != sys::WGPUStatus_Success {
        return Err(Error::validation(format!(
            "Dawn refused to {what} {len} mapped bytes at {offset}"
        )));
    }
    Ok(())
}
