//! [`CommandEncoder`]: records passes and copies into a [`CommandBuffer`].

use crate::compute_pass_encoder::{ComputePassDescriptor, ComputePassEncoder};
use crate::encoder::{Recording, debug_markers};
use crate::handle::{Child, handle};
use crate::{Buffer, CommandBuffer, Device, QuerySet, string};
use dawn_sys as sys;

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
pub struct CommandEncoder(Recording<RawCommandEncoder>);

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
    /// The raw `WGPUCommandEncoder`, still owned by `self` (for calls into `dawn_sys`).
    pub fn as_raw(&self) -> sys::WGPUCommandEncoder {
        self.0.raw().as_raw()
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

    /// Finishes recording. Invalid commands give an invalid command buffer and a validation error (its
    /// submission is then a no-op reported as another error).
    ///
    /// # Panics
    /// If Dawn returns a null command buffer, which it does not do (invalid commands give an error
    /// object).
    #[doc(alias = "wgpuCommandEncoderFinish")]
    pub fn finish(self) -> CommandBuffer {
        let (raw, device) = self.0.finish(|encoder| {
            // SAFETY: live encoder; a null descriptor is allowed.
            unsafe { sys::wgpuCommandEncoderFinish(encoder.as_raw(), std::ptr::null()) }
        });
        // SAFETY: a new reference to a command buffer of this device.
        unsafe { CommandBuffer::adopt(raw, device) }
            .expect("wgpuCommandEncoderFinish returned null")
    }
}

debug_markers!(
    CommandEncoder,
    wgpuCommandEncoderInsertDebugMarker = "wgpuCommandEncoderInsertDebugMarker",
    wgpuCommandEncoderPushDebugGroup = "wgpuCommandEncoderPushDebugGroup",
    wgpuCommandEncoderPopDebugGroup = "wgpuCommandEncoderPopDebugGroup"
);

impl Device {
    /// Creates a command encoder.
    ///
    /// # Panics
    /// If Dawn returns null (see [`Device`]'s `# Panics`).
    #[doc(alias = "wgpuDeviceCreateCommandEncoder")]
    pub fn create_command_encoder(&self, desc: &CommandEncoderDescriptor<'_>) -> CommandEncoder {
        let c_desc = sys::WGPUCommandEncoderDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
        };
        CommandEncoder(Recording::new(
            self,
            "wgpuDeviceCreateCommandEncoder",
            |raw| {
                // SAFETY: live device; the descriptor lives across the call; a new reference, ours to own.
                unsafe {
                    RawCommandEncoder::from_raw(sys::wgpuDeviceCreateCommandEncoder(raw, &c_desc))
                }
            },
        ))
    }
}
