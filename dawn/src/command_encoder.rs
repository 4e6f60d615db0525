//! [`CommandEncoder`]: records passes and copies into a [`CommandBuffer`].

use crate::compute_pass_encoder::{ComputePassDescriptor, ComputePassEncoder};
use crate::handle::handle;
use crate::{Buffer, CommandBuffer, Device, QuerySet, string};
use dawn_sys as sys;
use std::mem::ManuallyDrop;

handle! {
    @unique
    /// The bare `WGPUCommandEncoder` reference (never cloned: encoding is not thread-safe).
    pub(crate) struct RawCommandEncoder(WGPUCommandEncoderImpl, wgpuCommandEncoderRelease);
}

/// Records commands (`WGPUCommandEncoder`, WebGPU's `GPUCommandEncoder`).
///
/// Methods take `&mut self`, and an open pass borrows the encoder mutably, so the encoder cannot be used
/// until the pass ends. [`finish`](CommandEncoder::finish) consumes it. Errors in the recorded commands
/// surface at `finish` (to the error scopes or the uncaptured-error handler).
///
/// `Send` but not `Sync`, and not `Clone`: Dawn does not lock encoders. While an encoder is open,
/// [`Device::destroy`] and [`Device::force_loss`] are refused (Dawn does not synchronize recording with a
/// destroy on another thread).
pub struct CommandEncoder {
    /// Released (in `release`) before the device stops counting this encoder.
    raw: ManuallyDrop<RawCommandEncoder>,
    /// Kept alive while recording (see `DeviceChild`); handed to the command buffer by `finish`.
    device: ManuallyDrop<Device>,
}

impl Drop for CommandEncoder {
    fn drop(&mut self) {
        // SAFETY: dropped once, here; `finish` forgets the encoder after taking its device.
        unsafe {
            self.release();
            ManuallyDrop::drop(&mut self.device);
        }
    }
}

impl std::fmt::Debug for CommandEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommandEncoder({:p})", self.as_raw())
    }
}

// SAFETY: an encoder may move between threads; it is never shared (no Clone, no Sync).
unsafe impl Send for CommandEncoder {}

/// Options of [`Device::create_command_encoder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CommandEncoderDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
}

impl CommandEncoder {
    /// The raw `WGPUCommandEncoder`, still owned by `self`.
    pub fn as_raw(&self) -> sys::WGPUCommandEncoder {
        self.raw.as_raw()
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuCommandEncoderSetLabel")]
    pub fn set_label(&mut self, label: &str) {
        // SAFETY: live encoder; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuCommandEncoderSetLabel(self.as_raw(), string::view(label)) }
    }

    /// Writes the GPU time into query `index` of the timestamp `query_set` once the commands before it
    /// have run. Dawn only allows it with the `allow_unsafe_apis` toggle (a validation error otherwise);
    /// [`ComputePassDescriptor::timestamp_writes`] is the portable way to time passes.
    #[doc(alias = "wgpuCommandEncoderWriteTimestamp")]
    pub fn write_timestamp(&mut self, query_set: &QuerySet, index: u32) {
        // SAFETY: live encoder and query set.
        unsafe { sys::wgpuCommandEncoderWriteTimestamp(self.as_raw(), query_set.as_raw(), index) }
    }

    /// Begins a compute pass; the encoder is borrowed until the pass ends.
    #[doc(alias = "wgpuCommandEncoderBeginComputePass")]
    pub fn begin_compute_pass(
        &mut self,
        desc: &ComputePassDescriptor<'_>,
    ) -> ComputePassEncoder<'_> {
        ComputePassEncoder::begin(self, desc)
    }

    /// Copies `size` bytes from `source` at `source_offset` to `destination` at `destination_offset`
    /// (offsets and size multiples of 4; `CopySrc` and `CopyDst` usages).
    #[doc(alias = "wgpuCommandEncoderCopyBufferToBuffer")]
    #[inline]
    pub fn copy_buffer_to_buffer(
        &mut self,
        source: &Buffer,
        source_offset: u64,
        destination: &Buffer,
        destination_offset: u64,
        size: u64,
    ) {
        // SAFETY: live encoder and buffers.
        unsafe {
            sys::wgpuCommandEncoderCopyBufferToBuffer(
                self.as_raw(),
                source.as_raw(),
                source_offset,
                destination.as_raw(),
                destination_offset,
                size,
            )
        }
    }

    /// Fills `size` bytes (`None`: to the end) of `buffer` at `offset` with zeros.
    #[doc(alias = "wgpuCommandEncoderClearBuffer")]
    pub fn clear_buffer(&mut self, buffer: &Buffer, offset: u64, size: Option<u64>) {
        // SAFETY: live encoder and buffer.
        unsafe {
            sys::wgpuCommandEncoderClearBuffer(
                self.as_raw(),
                buffer.as_raw(),
                offset,
                size.unwrap_or(sys::WGPU_WHOLE_SIZE),
            )
        }
    }

    /// Writes queries `first..first + count` of `query_set` into `destination` at `destination_offset`
    /// (8 bytes each; offset a multiple of 256; `QueryResolve` usage).
    #[doc(alias = "wgpuCommandEncoderResolveQuerySet")]
    pub fn resolve_query_set(
        &mut self,
        query_set: &QuerySet,
        first: u32,
        count: u32,
        destination: &Buffer,
        destination_offset: u64,
    ) {
        // SAFETY: live encoder, query set and buffer.
        unsafe {
            sys::wgpuCommandEncoderResolveQuerySet(
                self.as_raw(),
                query_set.as_raw(),
                first,
                count,
                destination.as_raw(),
                destination_offset,
            )
        }
    }

    /// Marks a point in the commands for debuggers.
    #[doc(alias = "wgpuCommandEncoderInsertDebugMarker")]
    pub fn insert_debug_marker(&mut self, label: &str) {
        // SAFETY: live encoder; the label lives across the call.
        unsafe { sys::wgpuCommandEncoderInsertDebugMarker(self.as_raw(), string::view(label)) }
    }

    /// Opens a named group of commands for debuggers.
    #[doc(alias = "wgpuCommandEncoderPushDebugGroup")]
    pub fn push_debug_group(&mut self, label: &str) {
        // SAFETY: live encoder; the label lives across the call.
        unsafe { sys::wgpuCommandEncoderPushDebugGroup(self.as_raw(), string::view(label)) }
    }

    /// Closes the group [`push_debug_group`](CommandEncoder::push_debug_group) opened.
    #[doc(alias = "wgpuCommandEncoderPopDebugGroup")]
    pub fn pop_debug_group(&mut self) {
        // SAFETY: live encoder.
        unsafe { sys::wgpuCommandEncoderPopDebugGroup(self.as_raw()) }
    }

    /// Finishes recording. Invalid commands give an invalid command buffer and a validation error (its
    /// submission is then a no-op reported as another error).
    #[doc(alias = "wgpuCommandEncoderFinish")]
    pub fn finish(self) -> CommandBuffer {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: live encoder; a null descriptor is allowed. `this` is never dropped: its encoder is
        // released once and its device moves into the command buffer.
        unsafe {
            let raw = sys::wgpuCommandEncoderFinish(this.as_raw(), std::ptr::null());
            this.release();
            CommandBuffer::from_raw(raw, ManuallyDrop::take(&mut this.device))
        }
        .expect("wgpuCommandEncoderFinish returned null")
    }

    /// Releases the encoder, then stops counting it on the device.
    ///
    /// # Safety
    /// Once: the encoder is dead afterwards.
    unsafe fn release(&mut self) {
        // SAFETY: as the caller promised.
        unsafe { ManuallyDrop::drop(&mut self.raw) };
        self.device.shared.close_encoder();
    }
}

impl Device {
    /// Creates a command encoder.
    #[doc(alias = "wgpuDeviceCreateCommandEncoder")]
    pub fn create_command_encoder(&self, desc: &CommandEncoderDescriptor<'_>) -> CommandEncoder {
        let c_desc = sys::WGPUCommandEncoderDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
        };
        let gate = self.shared.gate(); // see DeviceShared::destroy_gate
        // SAFETY: live device; the descriptor lives across the call.
        let raw = unsafe {
            RawCommandEncoder::from_raw(sys::wgpuDeviceCreateCommandEncoder(self.as_raw(), &c_desc))
        }
        .expect("wgpuDeviceCreateCommandEncoder returned null");
        self.shared.open_encoder();
        drop(gate);
        CommandEncoder {
            raw: ManuallyDrop::new(raw),
            device: ManuallyDrop::new(self.clone()),
        }
    }
}
