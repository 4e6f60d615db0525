//! [`CommandBuffer`]: recorded commands, ready to submit.

use crate::handle::handle;

handle! {
    /// Finished commands (`WGPUCommandBuffer`, WebGPU's `GPUCommandBuffer`), made by
    /// [`CommandEncoder::finish`](crate::CommandEncoder::finish) and consumed by
    /// [`Queue::submit`](crate::Queue::submit).
    pub struct CommandBuffer(WGPUCommandBufferImpl, wgpuCommandBufferAddRef, wgpuCommandBufferRelease);
}

// SAFETY: a finished command buffer is only read by submit, under the device's lock.
unsafe impl Send for CommandBuffer {}
unsafe impl Sync for CommandBuffer {}
