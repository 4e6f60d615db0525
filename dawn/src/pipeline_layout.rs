//! [`PipelineLayout`]: the bind group layouts a pipeline uses.

use crate::handle::{device_child, with_raw_array};
use crate::{BindGroupLayout, Device, Result, string};
use dawn_sys as sys;

device_child! {
    /// A pipeline layout (`WGPUPipelineLayout`, WebGPU's `GPUPipelineLayout`).
    pub struct PipelineLayout(RawPipelineLayout: WGPUPipelineLayoutImpl, wgpuPipelineLayoutAddRef, wgpuPipelineLayoutRelease, wgpuPipelineLayoutSetLabel = "wgpuPipelineLayoutSetLabel");
}

/// Options of [`Device::create_pipeline_layout`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PipelineLayoutDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The layouts of bind groups 0, 1, ...
    pub bind_group_layouts: &'a [BindGroupLayout],
    /// Bytes of immediate data (0 for none).
    pub immediate_size: u32,
}

impl Device {
    /// Creates a pipeline layout (an invalid one is an error object, its error reported as for
    /// [`create_bind_group`](Device::create_bind_group)).
    #[doc(alias = "wgpuDeviceCreatePipelineLayout")]
    pub fn create_pipeline_layout(&self, desc: &PipelineLayoutDescriptor<'_>) -> PipelineLayout {
        with_raw_array(
            desc.bind_group_layouts,
            BindGroupLayout::as_raw,
            |layouts| {
                let c_desc = sys::WGPUPipelineLayoutDescriptor {
                    nextInChain: std::ptr::null_mut(),
                    label: string::label(desc.label),
                    bindGroupLayoutCount: layouts.len(),
                    bindGroupLayouts: layouts.as_ptr(),
                    immediateSize: desc.immediate_size,
                };
                // SAFETY: live device; the descriptor and the layouts' array live across the call; a new
                // reference.
                unsafe {
                    self.create("wgpuDeviceCreatePipelineLayout", |raw| {
                        sys::wgpuDeviceCreatePipelineLayout(raw, &c_desc)
                    })
                }
            },
        )
    }

    /// Creates a pipeline layout, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_pipeline_layout_checked(
        &self,
        desc: &PipelineLayoutDescriptor<'_>,
    ) -> Result<PipelineLayout> {
        self.scoped(|d| d.create_pipeline_layout(desc))
    }
}
