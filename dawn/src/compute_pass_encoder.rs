//! [`ComputePassEncoder`]: records dispatches inside a compute pass.

use crate::encoder::debug_markers;
use crate::handle::handle;
use crate::{BindGroup, Buffer, CommandEncoder, ComputePipeline, QuerySet, string};
use dawn_sys as sys;
use std::marker::PhantomData;

handle! {
    @unique
    /// The bare `WGPUComputePassEncoder` reference (never cloned).
    pub(crate) struct RawComputePass(WGPUComputePassEncoderImpl, wgpuComputePassEncoderRelease);
}

/// Where a pass writes its start and end timestamps (`WGPUPassTimestampWrites`).
#[derive(Clone, Copy, Debug)]
pub struct PassTimestampWrites<'a> {
    /// A timestamp query set.
    pub query_set: &'a QuerySet,
    /// The query that receives the pass's start time, if any.
    pub beginning_of_pass_write_index: Option<u32>,
    /// The query that receives the pass's end time, if any.
    pub end_of_pass_write_index: Option<u32>,
}

impl PassTimestampWrites<'_> {
    pub(crate) fn to_sys(self) -> sys::WGPUPassTimestampWrites {
        sys::WGPUPassTimestampWrites {
            nextInChain: std::ptr::null_mut(),
            querySet: self.query_set.as_raw(),
            beginningOfPassWriteIndex: self
                .beginning_of_pass_write_index
                .unwrap_or(sys::WGPU_QUERY_SET_INDEX_UNDEFINED),
            endOfPassWriteIndex: self
                .end_of_pass_write_index
                .unwrap_or(sys::WGPU_QUERY_SET_INDEX_UNDEFINED),
        }
    }
}

/// Options of [`CommandEncoder::begin_compute_pass`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ComputePassDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// Timestamps to write at the pass's start and end.
    pub timestamp_writes: Option<PassTimestampWrites<'a>>,
}

/// An open compute pass (`WGPUComputePassEncoder`, WebGPU's `GPUComputePassEncoder`).
///
/// It mutably borrows its [`CommandEncoder`], so it cannot outlive it or overlap another pass.
/// [`end`](ComputePassEncoder::end) ends it; dropping it ends it too.
pub struct ComputePassEncoder<'e> {
    raw: RawComputePass,
    ended: bool,
    _encoder: PhantomData<&'e mut CommandEncoder>,
}

impl std::fmt::Debug for ComputePassEncoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ComputePassEncoder({:p})", self.as_raw())
    }
}

// SAFETY: like its encoder, a pass may move between threads but is never shared.
unsafe impl Send for ComputePassEncoder<'_> {}

impl<'e> ComputePassEncoder<'e> {
    /// # Panics
    /// If Dawn returns a null pass, which it does not do (invalid descriptors give an error object).
    pub(crate) fn begin(encoder: &'e mut CommandEncoder, desc: &ComputePassDescriptor<'_>) -> Self {
        let timestamps = desc.timestamp_writes.map(PassTimestampWrites::to_sys);
        let c_desc = sys::WGPUComputePassDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            timestampWrites: timestamps
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const _),
        };
        // SAFETY: live encoder; the descriptor lives across the call.
        let raw = unsafe {
            RawComputePass::from_raw(sys::wgpuCommandEncoderBeginComputePass(
                encoder.as_raw(),
                &c_desc,
            ))
        }
        .expect("wgpuCommandEncoderBeginComputePass returned null");
        ComputePassEncoder {
            raw,
            ended: false,
            _encoder: PhantomData,
        }
    }

    /// The raw `WGPUComputePassEncoder`, still owned by `self` (for calls into `dawn_sys`).
    pub fn as_raw(&self) -> sys::WGPUComputePassEncoder {
        self.raw.as_raw()
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuComputePassEncoderSetLabel")]
    pub fn set_label(&mut self, label: &str) {
        // SAFETY: live pass; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuComputePassEncoderSetLabel(self.as_raw(), string::view(label)) }
    }

    /// Sets immediate data (`var<immediate>` in WGSL) at byte `offset` for the next dispatches. The
    /// offset and the size of `data` must be multiples of 4 and fit the pipeline layout's `immediate_size`
    /// (a validation error otherwise).
    #[doc(alias = "wgpuComputePassEncoderSetImmediates")]
    #[inline]
    pub fn set_immediates<T: bytemuck::NoUninit>(&mut self, offset: u32, data: &[T]) {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        // SAFETY: live pass; `bytes` is readable for its length during the call (Dawn copies it).
        unsafe {
            sys::wgpuComputePassEncoderSetImmediates(
                self.as_raw(),
                offset,
                bytes.as_ptr().cast(),
                bytes.len(),
            )
        }
    }

    /// Sets the pipeline of the next dispatches.
    #[doc(alias = "wgpuComputePassEncoderSetPipeline")]
    #[inline]
    pub fn set_pipeline(&mut self, pipeline: &ComputePipeline) {
        // SAFETY: live pass and pipeline.
        unsafe { sys::wgpuComputePassEncoderSetPipeline(self.as_raw(), pipeline.as_raw()) }
    }

    /// Binds `group` at `index`, with one offset per dynamic-offset binding, in binding order.
    #[doc(alias = "wgpuComputePassEncoderSetBindGroup")]
    #[inline]
    pub fn set_bind_group(&mut self, index: u32, group: &BindGroup, dynamic_offsets: &[u32]) {
        // SAFETY: live pass and group; the offsets live across the call.
        unsafe {
            sys::wgpuComputePassEncoderSetBindGroup(
                self.as_raw(),
                index,
                group.as_raw(),
                dynamic_offsets.len(),
                dynamic_offsets.as_ptr(),
            )
        }
    }

    /// Dispatches `x * y * z` workgroups (each at most the device's `max_compute_workgroups_per_dimension`).
    #[doc(alias = "wgpuComputePassEncoderDispatchWorkgroups")]
    #[inline]
    pub fn dispatch_workgroups(&mut self, x: u32, y: u32, z: u32) {
        // SAFETY: live pass.
        unsafe { sys::wgpuComputePassEncoderDispatchWorkgroups(self.as_raw(), x, y, z) }
    }

    /// Dispatches the workgroup counts stored as three `u32` in `buffer` at `offset` (`Indirect` usage).
    #[doc(alias = "wgpuComputePassEncoderDispatchWorkgroupsIndirect")]
    #[inline]
    pub fn dispatch_workgroups_indirect(&mut self, buffer: &Buffer, offset: u64) {
        // SAFETY: live pass and buffer.
        unsafe {
            sys::wgpuComputePassEncoderDispatchWorkgroupsIndirect(
                self.as_raw(),
                buffer.as_raw(),
                offset,
            )
        }
    }

    /// Ends the pass, giving the encoder back.
    #[doc(alias = "wgpuComputePassEncoderEnd")]
    pub fn end(mut self) {
        self.end_once();
    }

    fn end_once(&mut self) {
        if !self.ended {
            self.ended = true;
            // SAFETY: live pass, ended once.
            unsafe { sys::wgpuComputePassEncoderEnd(self.as_raw()) }
        }
    }
}

debug_markers!(
    ComputePassEncoder<'_>,
    wgpuComputePassEncoderInsertDebugMarker = "wgpuComputePassEncoderInsertDebugMarker",
    wgpuComputePassEncoderPushDebugGroup = "wgpuComputePassEncoderPushDebugGroup",
    wgpuComputePassEncoderPopDebugGroup = "wgpuComputePassEncoderPopDebugGroup"
);

impl Drop for ComputePassEncoder<'_> {
    fn drop(&mut self) {
        self.end_once();
    }
}
