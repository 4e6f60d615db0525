//! [`RenderBundle`]: draws recorded once, replayed by render passes.

use crate::handle::device_child;

device_child! {
    /// A finished render bundle (`WGPURenderBundle`, WebGPU's `GPURenderBundle`), made by
    /// [`RenderBundleEncoder::finish`](crate::RenderBundleEncoder::finish) and run by
    /// [`RenderPassEncoder::execute_bundles`](crate::RenderPassEncoder::execute_bundles) as often as
    /// wanted. `Clone` adds a reference.
    pub struct RenderBundle(RawRenderBundle: WGPURenderBundleImpl, wgpuRenderBundleAddRef, wgpuRenderBundleRelease, wgpuRenderBundleSetLabel = "wgpuRenderBundleSetLabel");
}
