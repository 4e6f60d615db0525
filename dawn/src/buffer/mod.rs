//! [`Buffer`]: GPU memory, and its mapping for CPU access (`mapping.rs`, the state word in
//! `map_state.rs`, views and the guard in `view.rs`).

mod map_state;
mod mapping;
mod view;

pub use view::{BufferView, BufferViewMut, Mapping};

use crate::handle::{DeviceChild, handle};
use crate::{BufferMapState, BufferUsage, Device, Error, MapMode, Result, string};
use dawn_sys as sys;
use mapping::MapState;
use std::mem::ManuallyDrop;
use std::ops::{Bound, Range, RangeBounds};
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// [`Buffer::get_mapped_range_mut`] or [`Buffer::take_mapping`], then [`Buffer::unmap`].
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
/// `Clone` adds a reference; clones share the mapping state. Equality and hashing compare the buffer.
///
/// # Mapping
/// [`map_async`](Buffer::map_async) maps a range for reading or writing; once it resolved,
/// [`get_mapped_range`](Buffer::get_mapped_range) and [`get_mapped_range_mut`](Buffer::get_mapped_range_mut)
/// give views that borrow the buffer and deref to bytes. Views may not overlap a mutable view, and
/// [`unmap`](Buffer::unmap) and [`destroy`](Buffer::destroy) return [`ErrorKind::InvalidUse`] while any view
/// is alive, so no view can outlive the memory it reads. [`take_mapping`](Buffer::take_mapping) instead
/// hands the whole mapping to one [`Mapping`] guard, which unmaps when dropped.
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
///
/// [`ErrorKind::InvalidUse`]: crate::ErrorKind::InvalidUse
#[derive(Clone)]
pub struct Buffer(Arc<BufferShared>);

/// What a buffer's clones share.
pub(crate) struct BufferShared {
    /// Released first in `Drop`: the release aborts a pending map, whose callback then runs (maps use
    /// spontaneous callbacks) while `map` is still alive.
    raw: ManuallyDrop<DeviceChild<RawBuffer>>,
    size: u64,
    usage: BufferUsage,
    /// Only this crate changes it (map, unmap, destroy, the map callback), so it needs no query of Dawn's
    /// map state; where Dawn disagrees anyway (the device was destroyed), Dawn refuses the mapped range and
    /// the view is an error, never a dangling slice. Its own allocation: see `MapState`.
    map: NonNull<MapState>,
}

// SAFETY: the device is internally synchronized, and the mapping state is atomic or locked.
unsafe impl Send for BufferShared {}
// SAFETY: as above.
unsafe impl Sync for BufferShared {}

impl BufferShared {
    #[inline]
    fn map(&self) -> &MapState {
        // SAFETY: freed only in `Drop`, once nothing else refers to it.
        unsafe { self.map.as_ref() }
    }
}

impl Drop for BufferShared {
    fn drop(&mut self) {
        // SAFETY: dropped once, here.
        unsafe { ManuallyDrop::drop(&mut self.raw) };
        // A map callback may still be finishing on another thread (a map that completed there just as
        // this release ran): the state is freed only once the latest map's callback has left it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.map().callback_done() {
            if Instant::now() > deadline {
                // Never free what a callback may still write: keep it, and say so.
                log::error!("a buffer's map callback never ran; its mapping state is leaked");
                return;
            }
            std::thread::yield_now();
        }
        // SAFETY: allocated by `Box::into_raw` in `create_buffer`; no callback is due, and no view, guard
        // or future refers to it (they hold the buffer).
        drop(unsafe { Box::from_raw(self.map.as_ptr()) });
    }
}

impl Buffer {
    #[inline]
    fn raw(&self) -> &DeviceChild<RawBuffer> {
        &self.0.raw
    }

    /// The raw `WGPUBuffer`, still owned by `self` (for calls into `dawn_sys`).
    #[inline]
    pub fn as_raw(&self) -> sys::WGPUBuffer {
        self.raw().raw().as_raw()
    }

    /// Size in bytes.
    #[doc(alias = "wgpuBufferGetSize")]
    pub fn size(&self) -> u64 {
        self.0.size
    }

    /// The usage it was created with.
    #[doc(alias = "wgpuBufferGetUsage")]
    pub fn usage(&self) -> BufferUsage {
        self.0.usage
    }

    /// The device that created it.
    pub fn device(&self) -> &Device {
        self.raw().device()
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

    /// Resolves a range argument against the buffer's size ([`ErrorKind::Validation`] out of bounds).
    ///
    /// [`ErrorKind::Validation`]: crate::ErrorKind::Validation
    #[inline]
    fn resolve(&self, range: impl RangeBounds<u64>) -> Result<Range<u64>> {
        resolve_range(range, self.0.size)
    }

    /// Reads the whole buffer back as `T`s: maps it directly if it has `MapRead`, else copies it through a
    /// staging buffer (it then needs `CopySrc`), waits, and returns the values.
    pub fn read_back<T: bytemuck::Pod>(&self) -> Result<Vec<T>> {
        self.device().lifecycle().check_alive()?;
        if self.0.size % 4 != 0 {
            return Err(Error::validation(format!(
                "read_back copies and maps 4-byte words, so the size must be a multiple of 4; the buffer has {} bytes",
                self.0.size
            )));
        }
        if self.0.usage.contains(BufferUsage::MapRead) {
            self.map_async(MapMode::Read, ..).wait()?;
            return Ok(self.take_mapping()?.typed::<T>()?.to_vec());
        }
        if !self.0.usage.contains(BufferUsage::CopySrc) {
            return Err(Error::validation(format!(
                "read_back needs usage MapRead or CopySrc; the buffer has {:?}",
                self.0.usage
            )));
        }
        let device = self.device();
        let staging = device.create_buffer(&BufferDescriptor {
            label: "read_back staging",
            size: self.0.size,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(self, 0, &staging, 0, self.0.size);
        device.queue().submit(&[encoder.finish()]);
        staging.read_back()
    }
}

/// `range` resolved against `size`: [`ErrorKind::Validation`](crate::ErrorKind::Validation) when it is
/// reversed or out of bounds.
fn resolve_range(range: impl RangeBounds<u64>, size: u64) -> Result<Range<u64>> {
    let start = match range.start_bound() {
        Bound::Included(&s) => Some(s),
        Bound::Excluded(&s) => s.checked_add(1),
        Bound::Unbounded => Some(0),
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => e.checked_add(1),
        Bound::Excluded(&e) => Some(e),
        Bound::Unbounded => Some(size),
    };
    match (start, end) {
        (Some(start), Some(end)) if start <= end && end <= size => Ok(start..end),
        _ => Err(out_of_bounds(range, size)),
    }
}

#[cold]
fn out_of_bounds(range: impl RangeBounds<u64>, size: u64) -> Error {
    Error::validation(format!(
        "range {:?}..{:?} is outside the buffer of {size} bytes",
        range.start_bound(),
        range.end_bound()
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
    Error::validation(format!(
        "{what} range {range:?}: the offset must be a multiple of 8 and the size of 4"
    ))
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("raw", &self.as_raw())
            .field("size", &self.0.size)
            .field("usage", &self.0.usage)
            .finish()
    }
}

impl PartialEq for Buffer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Buffer {}

impl std::hash::Hash for Buffer {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.0).hash(state)
    }
}

impl Device {
    /// Creates a buffer. Sizes over the device's `max_buffer_size`, and `mapped_at_creation` with a size that
    /// is not a multiple of 4, are refused with [`ErrorKind::Validation`]; a buffer Dawn cannot allocate
    /// with [`ErrorKind::OutOfMemory`]. Other validation errors (a bad usage combination) go to the error
    /// scopes or the uncaptured-error handler, as in WebGPU.
    ///
    /// [`ErrorKind::Validation`]: crate::ErrorKind::Validation
    /// [`ErrorKind::OutOfMemory`]: crate::ErrorKind::OutOfMemory
    #[doc(alias = "wgpuDeviceCreateBuffer")]
    pub fn create_buffer(&self, desc: &BufferDescriptor<'_>) -> Result<Buffer> {
        self.lifecycle().check_alive()?;
        let max = self.limits().max_buffer_size;
        if desc.size > max {
            return Err(Error::validation(format!(
                "buffer size {} exceeds the device's maxBufferSize {max}",
                desc.size
            )));
        }
        if desc.mapped_at_creation && desc.size % 4 != 0 {
            return Err(Error::validation(format!(
                "a buffer mapped at creation needs a size multiple of 4, not {}",
                desc.size
            )));
        }
        let c_desc = sys::WGPUBufferDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            usage: desc.usage.0,
            size: desc.size,
            mappedAtCreation: desc.mapped_at_creation as sys::WGPUBool,
        };
        let raw = {
            let gate = self.gate();
            // A destroy may have finished while this thread waited for the gate.
            self.lifecycle().check_alive()?;
            // SAFETY: live device, descriptor valid across the call; a new reference, ours to own.
            unsafe { RawBuffer::from_raw(sys::wgpuDeviceCreateBuffer(gate.raw(), &c_desc)) }
        }
        .ok_or_else(|| {
            Error::new(
                crate::ErrorKind::OutOfMemory,
                format!("could not allocate a buffer of {} bytes", desc.size),
            )
        })?;
        let map = MapState::new(desc.mapped_at_creation.then_some(desc.size));
        let shared = Arc::new(BufferShared {
            raw: ManuallyDrop::new(DeviceChild::new(raw, self.clone())),
            size: desc.size,
            usage: desc.usage,
            map: NonNull::from(Box::leak(Box::new(map))),
        });
        if desc.mapped_at_creation
            || desc
                .usage
                .intersects(BufferUsage::MapRead | BufferUsage::MapWrite)
        {
            let weak: std::sync::Weak<dyn crate::device::Mappable> = Arc::downgrade(&shared) as _;
            self.lifecycle().register(weak);
        }
        Ok(Buffer(shared))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(resolve_range(.., 64).unwrap(), 0..64);
        assert_eq!(resolve_range(8..16, 64).unwrap(), 8..16);
        assert_eq!(resolve_range(8..=15, 64).unwrap(), 8..16);
        assert_eq!(resolve_range(..=63, 64).unwrap(), 0..64);
        assert_eq!(resolve_range(64.., 64).unwrap(), 64..64);
        for bad in [
            resolve_range(0..65, 64),
            resolve_range(65.., 64),
            resolve_range(..=u64::MAX, 64),
        ] {
            assert_eq!(bad.unwrap_err().kind(), crate::ErrorKind::Validation);
        }
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = resolve_range(9..8, 64);
        assert!(reversed.is_err());
        let excluded = (Bound::Excluded(u64::MAX), Bound::Unbounded);
        assert!(resolve_range(excluded, u64::MAX).is_err());
    }

    #[test]
    fn mapped_ranges_must_be_aligned() {
        assert!(check_alignment("map", &(0..4)).is_ok());
        assert!(check_alignment("map", &(8..8)).is_ok());
        assert!(
            check_alignment("map", &(4..8)).is_err(),
            "offset not a multiple of 8"
        );
        assert!(
            check_alignment("map", &(8..10)).is_err(),
            "size not a multiple of 4"
        );
    }
}
