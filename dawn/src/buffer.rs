//! [`Buffer`]: GPU memory, and its mapping for CPU access through guarded views.

use crate::buffer_mapping::{MapCellRef, PendingMap, Phase, Refusal};
use crate::handle::handle;
use crate::{
    BufferMapState, BufferUsage, Device, Error, ErrorKind, MapMode, Mapping, Result, string,
};
use dawn_sys as sys;
use std::mem::ManuallyDrop;
use std::ops::{Bound, Deref, DerefMut, Range, RangeBounds};
use std::sync::Arc;

handle! {
    /// The bare `WGPUBuffer` reference.
    pub(crate) struct RawBuffer(WGPUBufferImpl, wgpuBufferAddRef, wgpuBufferRelease);
}

/// Options of [`Device::create_buffer`] (`WGPUBufferDescriptor`).
#[derive(Clone, Copy, Debug, Default)]
pub struct BufferDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// What the buffer may be used for.
    pub usage: BufferUsage,
    /// Create it mapped for writing (the size must then be a multiple of 4); fill it through
    /// [`Buffer::get_mapped_range_mut`], then [`Buffer::unmap`].
    pub mapped_at_creation: bool,
}

/// Options of [`Device::create_buffer_init`]: a buffer created holding `contents`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BufferInitDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The initial bytes; the size is rounded up to a multiple of 4 (padding zeroed).
    pub contents: &'a [u8],
    /// What the buffer may be used for.
    pub usage: BufferUsage,
}

/// A GPU buffer (`WGPUBuffer`, WebGPU's `GPUBuffer`).
///
/// `Clone` adds a reference; clones share the mapping state.
///
/// # Mapping
/// [`map_async`](Buffer::map_async) maps a range for reading or writing; once it resolved,
/// [`get_mapped_range`](Buffer::get_mapped_range) and [`get_mapped_range_mut`](Buffer::get_mapped_range_mut)
/// give views that borrow the buffer and deref to bytes. Views may not overlap a mutable view, and
/// [`unmap`](Buffer::unmap) and [`destroy`](Buffer::destroy) return [`ErrorKind::InvalidUse`] while any view
/// is alive, so no view can outlive the memory it reads. [`take_mapping`](Buffer::take_mapping) instead
/// hands the whole mapping to one [`Mapping`] guard, which unmaps when dropped (the cheapest way).
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// let buffer = device.create_buffer_init(&dawn::BufferInitDescriptor {
///     label: "values",
///     contents: dawn::bytemuck::cast_slice(&[1.0f32, 2.0, 3.5]),
///     usage: dawn::BufferUsage::MapRead,
/// })?;
/// buffer.map_async(dawn::MapMode::Read, ..).wait()?;
/// let sum: f32 = buffer.get_mapped_range(..)?.typed::<f32>()?.iter().sum();
/// assert_eq!(sum, 6.5);
/// buffer.unmap()?;
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct Buffer {
    raw: ManuallyDrop<RawBuffer>,
    state: Arc<BufferState>,
}

impl Drop for Buffer {
    /// Releases the reference under the device's destroy gate: the last release frees the buffer's memory
    /// through Dawn's deleter, which a concurrent `wgpuDeviceDestroy` tears down (a crash the threaded
    /// fuzzer found, see RELIABILITY.md).
    fn drop(&mut self) {
        let _gate = self.state.device.shared.gate();
        // SAFETY: dropped once, here.
        unsafe { ManuallyDrop::drop(&mut self.raw) };
    }
}

// SAFETY: the device is internally synchronized, and the mapping state is atomic (see `buffer_mapping`).
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

struct BufferState {
    device: Device,
    size: u64,
    usage: BufferUsage,
    /// The mapping state. Only this crate changes it (map, unmap, destroy, and the map callback), so it
    /// needs no query of Dawn's map state; where Dawn disagrees anyway (the device was destroyed), Dawn
    /// refuses the mapped range and the view is an error, never a dangling slice.
    map: MapCellRef,
}

impl Buffer {
    /// The raw `WGPUBuffer`, still owned by `self`.
    pub fn as_raw(&self) -> sys::WGPUBuffer {
        self.raw.as_raw()
    }

    /// Size in bytes.
    #[doc(alias = "wgpuBufferGetSize")]
    pub fn size(&self) -> u64 {
        self.state.size
    }

    /// The usage it was created with.
    #[doc(alias = "wgpuBufferGetUsage")]
    pub fn usage(&self) -> BufferUsage {
        self.state.usage
    }

    /// The device that created it.
    pub fn device(&self) -> &Device {
        &self.state.device
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuBufferSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live buffer; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuBufferSetLabel(self.as_raw(), string::view(label)) }
    }

    /// Whether the buffer is unmapped, has a map pending, or is mapped (as Dawn reports it).
    #[doc(alias = "wgpuBufferGetMapState")]
    pub fn map_state(&self) -> BufferMapState {
        // SAFETY: live buffer.
        BufferMapState(unsafe { sys::wgpuBufferGetMapState(self.as_raw()) })
    }

    /// Resolves a range argument against the buffer's size.
    #[inline]
    fn resolve(&self, range: impl RangeBounds<u64>) -> Result<Range<u64>> {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => self.state.size,
        };
        if start > end || end > self.state.size {
            return Err(self.out_of_bounds(start, end));
        }
        Ok(start..end)
    }

    #[cold]
    fn out_of_bounds(&self, start: u64, end: u64) -> Error {
        Error::invalid_use(format!(
            "range {start}..{end} is outside the buffer of {} bytes",
            self.state.size
        ))
    }

    /// Maps `range` of the buffer for reading or writing (`mode` is exactly one of
    /// [`MapMode::Read`] or [`MapMode::Write`], matching the buffer's `MapRead`/`MapWrite` usage).
    ///
    /// The offset must be a multiple of 8 and the size of 4. Mapping a buffer that is mapped or has a map
    /// pending, a mode the usage does not allow, or a range out of bounds, resolve at once with
    /// [`ErrorKind::InvalidUse`]; a map that Dawn fails (device lost, unmapped before it finished...) with
    /// [`ErrorKind::MapFailed`] or [`ErrorKind::DeviceLost`].
    #[doc(alias = "wgpuBufferMapAsync")]
    #[inline]
    pub fn map_async(&self, mode: MapMode, range: impl RangeBounds<u64>) -> PendingMap {
        match self.start_map(mode, range) {
            Ok(pending) => pending,
            Err(e) => PendingMap::ready(Err(e)),
        }
    }

    // Always inlined: the call itself would cost about as much as the checks it makes.
    #[inline(always)]
    fn start_map(&self, mode: MapMode, range: impl RangeBounds<u64>) -> Result<PendingMap> {
        self.state.device.shared.check_alive()?;
        let range = self.resolve(range)?;
        let needed = if mode == MapMode::Read {
            BufferUsage::MapRead
        } else if mode == MapMode::Write {
            BufferUsage::MapWrite
        } else {
            return Err(Error::invalid_use(format!(
                "map mode must be Read or Write, not {mode:?}"
            )));
        };
        if !self.state.usage.contains(needed) {
            return Err(Error::invalid_use(format!(
                "mapping with {mode:?} needs usage {needed:?}; the buffer has {:?}",
                self.state.usage
            )));
        }
        check_alignment("map", &range)?;
        self.state
            .map
            .map(self.as_raw(), mode, range)
            .map_err(|r| self.refusal("map", r))
    }

    /// The message for a refused mapping call.
    #[cold]
    #[inline(never)]
    fn refusal(&self, what: &str, refusal: Refusal) -> Error {
        match refusal {
            Refusal::Phase(Phase::Pending | Phase::Mapped) if what == "map" => {
                Error::invalid_use(format!(
                    "the buffer cannot be mapped again: its map state is {}",
                    self.map_state()
                ))
            }
            Refusal::Phase(_) => Error::invalid_use(format!(
                "the buffer is not mapped (map state {}); map it with map_async and wait first",
                self.map_state()
            )),
            Refusal::Views(views) => Error::invalid_use(format!(
                "cannot {what} while {views} mapped view(s) are alive; drop them first"
            )),
            Refusal::Guarded => Error::invalid_use(format!(
                "cannot {what}: a Mapping guard holds the buffer's mapping; drop it first"
            )),
            Refusal::FuturesAlive => Error::invalid_use(
                "the futures of this buffer's last 4 maps are all still alive; wait for or drop one first",
            ),
            Refusal::View(message) => Error::invalid_use(message),
            Refusal::Other(error) => error,
        }
    }

    /// Checks that `range` may be viewed (`writable`: written) and counts the view.
    #[inline]
    fn open_view(&self, range: impl RangeBounds<u64>, writable: bool) -> Result<(u64, Range<u64>)> {
        let range = self.resolve(range)?;
        check_alignment("view", &range)?;
        let id = self
            .state
            .map
            .open_view(&range, writable)
            .map_err(|r| self.refusal("view", r))?;
        Ok((id, range))
    }

    #[inline]
    fn close_view(&self, id: u64) {
        self.state.map.close_view(id);
    }

    /// Takes the buffer's whole current mapping (once [`map_async`](Buffer::map_async) resolved, or
    /// mapped at creation) as a [`Mapping`] guard: the cheapest way to read or write mapped memory, and
    /// dropping the guard unmaps the buffer. Refused with [`ErrorKind::InvalidUse`] unless the buffer is
    /// mapped, with no view or other guard alive.
    #[doc(alias = "wgpuBufferGetConstMappedRange")]
    #[doc(alias = "wgpuBufferGetMappedRange")]
    #[inline]
    pub fn take_mapping(&self) -> Result<Mapping<'_>> {
        let (mode, range) = self
            .state
            .map
            .take_guard()
            .map_err(|r| self.refusal("take the mapping", r))?;
        let (offset, len) = (range.start as usize, (range.end - range.start) as usize);
        // SAFETY: the buffer is mapped over `range` with `mode`, and the guard holds the mapping.
        let ptr = unsafe {
            if mode == MapMode::Write {
                sys::wgpuBufferGetMappedRange(self.as_raw(), offset, len).cast::<u8>()
            } else {
                sys::wgpuBufferGetConstMappedRange(self.as_raw(), offset, len)
                    .cast_mut()
                    .cast::<u8>()
            }
        };
        if ptr.is_null() && len > 0 {
            // Dawn disagrees (its device was destroyed): give the mapping state back as it was.
            self.state.map.abandon_guard();
            return Err(Error::invalid_use(format!(
                "Dawn refused to map range {range:?}"
            )));
        }
        // SAFETY: as above; `ptr` is Dawn's pointer to the range (writable for a write mapping).
        Ok(unsafe { Mapping::new(self, ptr, mode, range) })
    }

    /// Ends the mapping a [`Mapping`] guard held (its drop).
    #[inline]
    pub(crate) fn release_mapping(&self) {
        // SAFETY: live buffer.
        self.state
            .map
            .release_guard(|| unsafe { sys::wgpuBufferUnmap(self.as_raw()) });
    }

    /// A read-only view of `range` of the mapped buffer (offset a multiple of 8, size of 4).
    #[doc(alias = "wgpuBufferGetConstMappedRange")]
    #[inline]
    pub fn get_mapped_range(&self, range: impl RangeBounds<u64>) -> Result<BufferView<'_>> {
        let (id, range) = self.open_view(range, false)?;
        let len = (range.end - range.start) as usize;
        // SAFETY: the range lies inside the mapped range, checked above.
        let ptr =
            unsafe { sys::wgpuBufferGetConstMappedRange(self.as_raw(), range.start as usize, len) };
        if ptr.is_null() && len > 0 {
            self.close_view(id);
            return Err(Error::invalid_use(format!(
                "Dawn refused to map range {range:?}"
            )));
        }
        Ok(BufferView {
            buffer: self,
            id,
            ptr: ptr.cast(),
            len,
        })
    }

    /// A writable view of `range` of a buffer mapped for writing (or mapped at creation).
    #[doc(alias = "wgpuBufferGetMappedRange")]
    pub fn get_mapped_range_mut(&self, range: impl RangeBounds<u64>) -> Result<BufferViewMut<'_>> {
        let (id, range) = self.open_view(range, true)?;
        let len = (range.end - range.start) as usize;
        // SAFETY: the range lies inside a range mapped for writing, checked above.
        let ptr =
            unsafe { sys::wgpuBufferGetMappedRange(self.as_raw(), range.start as usize, len) };
        if ptr.is_null() && len > 0 {
            self.close_view(id);
            return Err(Error::invalid_use(format!(
                "Dawn refused to map range {range:?} for writing"
            )));
        }
        Ok(BufferViewMut {
            buffer: self,
            id,
            ptr: ptr.cast(),
            len,
        })
    }

    /// Copies mapped bytes at `offset` into `dst`, without a view (`wgpuBufferReadMappedRange`).
    #[doc(alias = "wgpuBufferReadMappedRange")]
    pub fn read_mapped_range(&self, offset: u64, dst: &mut [u8]) -> Result<()> {
        let end = offset
            .checked_add(dst.len() as u64)
            .ok_or_else(|| Error::invalid_use("offset overflows"))?;
        let (id, _) = self.open_view(offset..end, false)?;
        // SAFETY: the range is mapped (checked); `dst` is writable for its length.
        let status = unsafe {
            sys::wgpuBufferReadMappedRange(
                self.as_raw(),
                offset as usize,
                dst.as_mut_ptr().cast(),
                dst.len(),
            )
        };
        self.close_view(id);
        if status != sys::WGPUStatus_Success {
            return Err(Error::invalid_use(format!(
                "Dawn refused to read {} mapped bytes at {offset}",
                dst.len()
            )));
        }
        Ok(())
    }

    /// Copies `src` into the mapped buffer at `offset`, without a view (`wgpuBufferWriteMappedRange`).
    #[doc(alias = "wgpuBufferWriteMappedRange")]
    pub fn write_mapped_range(&self, offset: u64, src: &[u8]) -> Result<()> {
        let end = offset
            .checked_add(src.len() as u64)
            .ok_or_else(|| Error::invalid_use("offset overflows"))?;
        let (id, _) = self.open_view(offset..end, true)?;
        // SAFETY: the range is mapped for writing (checked); `src` is readable for its length.
        let status = unsafe {
            sys::wgpuBufferWriteMappedRange(
                self.as_raw(),
                offset as usize,
                src.as_ptr().cast(),
                src.len(),
            )
        };
        self.close_view(id);
        if status != sys::WGPUStatus_Success {
            return Err(Error::invalid_use(format!(
                "Dawn refused to write {} mapped bytes at {offset}",
                src.len()
            )));
        }
        Ok(())
    }

    /// Unmaps the buffer (a map still pending is aborted). Refused with [`ErrorKind::InvalidUse`] while a
    /// view is alive. Unmapping an unmapped buffer does nothing.
    #[doc(alias = "wgpuBufferUnmap")]
    #[inline]
    pub fn unmap(&self) -> Result<()> {
        // SAFETY: live buffer.
        self.end_mapping("unmap", || unsafe { sys::wgpuBufferUnmap(self.as_raw()) })
    }

    /// Frees the buffer's memory now; later uses are validation errors. Refused while a view is alive.
    #[doc(alias = "wgpuBufferDestroy")]
    pub fn destroy(&self) -> Result<()> {
        // SAFETY: live buffer; `end_mapping` keeps the call apart from a device destroy.
        self.end_mapping("destroy", || unsafe {
            sys::wgpuBufferDestroy(self.as_raw())
        })
    }

    /// Runs `call` (unmap or destroy), which ends any mapping, unless a view is alive.
    #[inline]
    fn end_mapping(&self, what: &str, call: impl FnOnce()) -> Result<()> {
        self.state
            .map
            .end_mapping(call)
            .map_err(|r| self.refusal(what, r))
    }

    /// Reads the whole buffer back as `T`s: maps it directly if it has `MapRead`, else copies it through a
    /// staging buffer (it then needs `CopySrc`), waits, and returns the values.
    pub fn read_back<T: bytemuck::Pod>(&self) -> Result<Vec<T>> {
        if self.state.size % 4 != 0 {
            return Err(Error::invalid_use(format!(
                "read_back needs a size multiple of 4 (WebGPU copies and maps 4-byte words); the buffer has {} bytes",
                self.state.size
            )));
        }
        if self.state.usage.contains(BufferUsage::MapRead) {
            self.map_async(MapMode::Read, ..).wait()?;
            return Ok(self.take_mapping()?.typed::<T>()?.to_vec());
        }
        if !self.state.usage.contains(BufferUsage::CopySrc) {
            return Err(Error::invalid_use(format!(
                "read_back needs usage MapRead or CopySrc; the buffer has {:?}",
                self.state.usage
            )));
        }
        let device = &self.state.device;
        let staging = device.create_buffer(&BufferDescriptor {
            label: "read_back staging",
            size: self.state.size,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(self, 0, &staging, 0, self.state.size);
        device.queue().submit(&[encoder.finish()]);
        staging.read_back()
    }
}

/// `bytes` as `T`s (the length must be a multiple of `size_of::<T>()`, the start aligned for `T`).
pub(crate) fn typed_slice<T: bytemuck::Pod>(bytes: &[u8]) -> Result<&[T]> {
    bytemuck::try_cast_slice(bytes).map_err(|e| cast_error::<T>(e))
}

/// `bytes` as mutable `T`s (as [`typed_slice`]).
pub(crate) fn typed_slice_mut<T: bytemuck::Pod>(bytes: &mut [u8]) -> Result<&mut [T]> {
    bytemuck::try_cast_slice_mut(bytes).map_err(|e| cast_error::<T>(e))
}

#[cold]
fn cast_error<T>(e: bytemuck::PodCastError) -> Error {
    Error::invalid_use(format!(
        "cannot view the bytes as {}: {e}",
        std::any::type_name::<T>()
    ))
}

/// WebGPU's rule for mapped ranges: the offset a multiple of 8, the size a multiple of 4.
#[inline]
fn check_alignment(what: &str, range: &Range<u64>) -> Result<()> {
    if range.start % 8 != 0 || (range.end - range.start) % 4 != 0 {
        return Err(misaligned(what, range));
    }
    Ok(())
}

#[cold]
fn misaligned(what: &str, range: &Range<u64>) -> Error {
    Error::invalid_use(format!(
        "{what} range {range:?}: the offset must be a multiple of 8 and the size of 4"
    ))
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("raw", &self.as_raw())
            .field("size", &self.state.size)
            .field("usage", &self.state.usage)
            .finish()
    }
}

impl PartialEq for Buffer {
    fn eq(&self, other: &Self) -> bool {
        *self.raw == *other.raw
    }
}

impl Eq for Buffer {}

/// A read-only view of a mapped buffer range; derefs to `[u8]`. Alive views block `unmap` and `destroy`.
pub struct BufferView<'b> {
    buffer: &'b Buffer,
    id: u64,
    ptr: *const u8,
    len: usize,
}

// SAFETY: a view is a shared byte slice into mapped memory that stays mapped while the view lives.
unsafe impl Send for BufferView<'_> {}
unsafe impl Sync for BufferView<'_> {}

impl BufferView<'_> {
    /// The bytes as `T`s (the length must be a multiple of `size_of::<T>()`).
    pub fn typed<T: bytemuck::Pod>(&self) -> Result<&[T]> {
        typed_slice(self)
    }
}

impl Deref for BufferView<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: Dawn mapped `len` bytes at `ptr`; they stay mapped while the view lives (unmap and
        // destroy are refused, and no writable view overlaps).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for BufferView<'_> {
    #[inline]
    fn drop(&mut self) {
        self.buffer.close_view(self.id);
    }
}

impl std::fmt::Debug for BufferView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferView")
            .field("len", &self.len)
            .finish()
    }
}

/// A writable view of a mapped buffer range; derefs to `[u8]` and `mut [u8]`.
pub struct BufferViewMut<'b> {
    buffer: &'b Buffer,
    id: u64,
    ptr: *mut u8,
    len: usize,
}

// SAFETY: a view is an exclusive byte slice into mapped memory that stays mapped while the view lives.
unsafe impl Send for BufferViewMut<'_> {}
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
    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: as for `BufferView`; no other view overlaps a writable one.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl DerefMut for BufferViewMut<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: as above, and the view is the only one over its range.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for BufferViewMut<'_> {
    fn drop(&mut self) {
        self.buffer.close_view(self.id);
    }
}

impl std::fmt::Debug for BufferViewMut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferViewMut")
            .field("len", &self.len)
            .finish()
    }
}

impl Device {
    /// Creates a buffer. Sizes over the device's `max_buffer_size`, and `mapped_at_creation` with a size that
    /// is not a multiple of 4, are refused with [`ErrorKind::Validation`]; a buffer Dawn cannot allocate
    /// with [`ErrorKind::OutOfMemory`]. Other validation errors (a bad usage combination) go to the error
    /// scopes or the uncaptured-error handler, as in WebGPU.
    #[doc(alias = "wgpuDeviceCreateBuffer")]
    pub fn create_buffer(&self, desc: &BufferDescriptor<'_>) -> Result<Buffer> {
        self.shared.check_alive()?;
        let max = self.limits().max_buffer_size;
        if desc.size > max {
            return Err(Error::new(
                ErrorKind::Validation,
                format!(
                    "buffer size {} exceeds the device's maxBufferSize {max}",
                    desc.size
                ),
            ));
        }
        if desc.mapped_at_creation && desc.size % 4 != 0 {
            return Err(Error::new(
                ErrorKind::Validation,
                format!(
                    "a buffer mapped at creation needs a size multiple of 4, not {}",
                    desc.size
                ),
            ));
        }
        let c_desc = sys::WGPUBufferDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            usage: desc.usage.0,
            size: desc.size,
            mappedAtCreation: desc.mapped_at_creation as sys::WGPUBool,
        };
        // Not while another thread destroys the device (Dawn crashes in vulkan::Buffer::Initialize).
        let gate = self.shared.gate();
        self.shared.check_alive()?;
        // SAFETY: live device, descriptor valid across the call.
        let raw =
            unsafe { RawBuffer::from_raw(sys::wgpuDeviceCreateBuffer(self.as_raw(), &c_desc)) }
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::OutOfMemory,
                        format!("could not allocate a buffer of {} bytes", desc.size),
                    )
                })?;
        drop(gate);
        let map = MapCellRef::new(
            self.shared.clone(),
            desc.mapped_at_creation.then_some(desc.size),
        );
        Ok(Buffer {
            raw: ManuallyDrop::new(raw),
            state: Arc::new(BufferState {
                device: self.clone(),
                size: desc.size,
                usage: desc.usage,
                map,
            }),
        })
    }

    /// Creates a buffer holding `contents` (mapped at creation, filled, unmapped).
    pub fn create_buffer_init(&self, desc: &BufferInitDescriptor<'_>) -> Result<Buffer> {
        let size = (desc.contents.len() as u64).next_multiple_of(4);
        let buffer = self.create_buffer(&BufferDescriptor {
            label: desc.label,
            size,
            usage: desc.usage,
            mapped_at_creation: true,
        })?;
        buffer.take_mapping()?.bytes_mut()?[..desc.contents.len()].copy_from_slice(desc.contents);
        Ok(buffer)
    }
}
