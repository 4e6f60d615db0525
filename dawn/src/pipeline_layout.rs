//! [`PipelineLayout`]: the bind group layouts a pipeline uses.

use crate::handle::{device_child, with_raw_array};
use crate::{BindGroupLayout, Device, string};
use dawn_sys as sys;

device_child! {
    /// A pipeline layout (`WGPUPipelineLayout`, WebGPU's `GPUPipelineLayout`).
    pub struct PipelineLayout(RawPipelineLayout: WGPUPipelineLayoutImpl, wgpuPipelineLayoutAddRef, wgpuPipelineLayoutRelease);
}

// SAFETY: immutable once created; the device is internally synchronized.
unsafe impl Send for PipelineLayout {}
unsafe impl Sync for PipelineLayout {}

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

impl PipelineLayout {
    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuPipelineLayoutSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live layout; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuPipelineLayoutSetLabel(self.as_raw(), string::view(label)) }
    }
}

impl Device {
    /// Creates a pipeline layout.
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
                let _gate = self.shared.gate(); // see DeviceShared::destroy_gate
                // SAFETY: live device; the descriptor and the layouts' array live across the call.
                unsafe {
                    let raw = sys::wgpuDeviceCreatePipelineLayout(self.as_raw(), &c_desc);
                    PipelineLayout::from_raw(raw, self.clone())
                }
                .expect("wgpuDeviceCreatePipelineLayout returned null")
            },
        )
    }
}
