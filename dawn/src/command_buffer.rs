//! [`CommandBuffer`]: recorded commands, ready to submit.

use crate::handle::device_child;
use crate::string;
use dawn_sys as sys;

device_child! {
    /// Finished commands (`WGPUCommandBuffer`, WebGPU's `GPUCommandBuffer`), made by
    /// [`CommandEncoder::finish`](crate::CommandEncoder::finish) and consumed by
    /// [`Queue::submit`](crate::Queue::submit).
    pub struct CommandBuffer(RawCommandBuffer: WGPUCommandBufferImpl, wgpuCommandBufferAddRef, wgpuCommandBufferRelease);
}

// SAFETY: a finished command buffer is only read by submit, under the device's lock.
unsafe impl Send for CommandBuffer {}
unsafe impl Sync for CommandBuffer {}

impl CommandBuffer {
    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuCommandBufferSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live command buffer; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuCommandBufferSetLabel(self.as_raw(), string::view(label)) }
    }
}
