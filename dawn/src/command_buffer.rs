//! [`CommandBuffer`]: recorded commands, ready to submit.

use crate::handle::device_child;

device_child! {
    /// Finished commands (`WGPUCommandBuffer`, WebGPU's `GPUCommandBuffer`), made by
    /// [`CommandEncoder::finish`](crate::CommandEncoder::finish) and consumed by
    /// [`Queue::submit`](crate::Queue::submit).
    pub struct CommandBuffer(RawCommandBuffer: WGPUCommandBufferImpl, wgpuCommandBufferAddRef, wgpuCommandBufferRelease, wgpuCommandBufferSetLabel = "wgpuCommandBufferSetLabel");
}
