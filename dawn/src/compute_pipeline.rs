//! [`ComputePipeline`]: a compute shader entry point with its layout.

use crate::future::{self, Pending, Slot, callback_info};
use crate::handle::{Child, device_child};
use crate::{BindGroupLayout, Device, PipelineLayout, Result, ShaderModule, string};
use dawn_sys as sys;
use std::ffi::c_void;

device_child! {
    /// A compute pipeline (`WGPUComputePipeline`, WebGPU's `GPUComputePipeline`).
    pub struct ComputePipeline(RawComputePipeline: WGPUComputePipelineImpl, wgpuComputePipelineAddRef, wgpuComputePipelineRelease, wgpuComputePipelineSetLabel = "wgpuComputePipelineSetLabel");
}

/// Options of [`Device::create_compute_pipeline`].
#[derive(Clone, Copy, Debug)]
pub struct ComputePipelineDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The layout; `None` derives it from the shader ("auto" layout, read back with
    /// [`ComputePipeline::get_bind_group_layout`]).
    pub layout: Option<&'a PipelineLayout>,
    /// The shader module.
    pub module: &'a ShaderModule,
    /// The entry point; `None` when the module has exactly one compute entry point.
    pub entry_point: Option<&'a str>,
    /// Values of pipeline-overridable constants (`override` in WGSL), by name or id.
    pub constants: &'a [(&'a str, f64)],
}

impl ComputePipeline {
    /// The layout of bind group `index` (with an auto layout, as derived from the shader). An index out of
    /// range is a validation error.
    #[doc(alias = "wgpuComputePipelineGetBindGroupLayout")]
    pub fn get_bind_group_layout(&self, index: u32) -> BindGroupLayout {
        // SAFETY: live pipeline; Dawn returns a new reference (an error object when out of range).
        unsafe {
            self.device()
                .create("wgpuComputePipelineGetBindGroupLayout", |_| {
                    sys::wgpuComputePipelineGetBindGroupLayout(self.as_raw(), index)
                })
        }
    }
}

/// Calls `f` with the C descriptor of `desc` (and its constants) alive.
fn with_sys_desc<R>(
    desc: &ComputePipelineDescriptor<'_>,
    f: impl FnOnce(&sys::WGPUComputePipelineDescriptor) -> R,
) -> R {
    let constants = constant_entries(desc.constants);
    let c_desc = sys::WGPUComputePipelineDescriptor {
        nextInChain: std::ptr::null_mut(),
        label: string::label(desc.label),
        layout: desc.layout.map_or(std::ptr::null_mut(), |l| l.as_raw()),
        compute: sys::WGPUComputeState {
            nextInChain: std::ptr::null_mut(),
            module: desc.module.as_raw(),
            entryPoint: desc.entry_point.map_or(string::NULL_VIEW, string::view),
            constantCount: constants.len(),
            constants: constants.as_ptr(),
        },
    };
    f(&c_desc)
}

/// The C entries of pipeline-overridable constants (borrowing the names).
pub(crate) fn constant_entries(constants: &[(&str, f64)]) -> Vec<sys::WGPUConstantEntry> {
    constants
        .iter()
        .map(|(key, value)| sys::WGPUConstantEntry {
            nextInChain: std::ptr::null_mut(),
            key: string::view(key),
            value: *value,
        })
        .collect()
}

impl Device {
    /// Creates a compute pipeline (compiling it now, which may take a while for big shaders).
    #[doc(alias = "wgpuDeviceCreateComputePipeline")]
    pub fn create_compute_pipeline(&self, desc: &ComputePipelineDescriptor<'_>) -> ComputePipeline {
        with_sys_desc(desc, |c_desc| {
            // SAFETY: live device; the descriptor lives across the call; a new reference.
            unsafe {
                self.create("wgpuDeviceCreateComputePipeline", |raw| {
                    sys::wgpuDeviceCreateComputePipeline(raw, c_desc)
                })
            }
        })
    }

    /// Creates a compute pipeline, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_compute_pipeline_checked(
        &self,
        desc: &ComputePipelineDescriptor<'_>,
    ) -> Result<ComputePipeline> {
        self.scoped(|d| d.create_compute_pipeline(desc))
    }

    /// Creates a compute pipeline in the background. Resolves to the pipeline, or to
    /// [`ErrorKind::Validation`] / [`ErrorKind::Internal`] with Dawn's message ([`ErrorKind::DeviceLost`]
    /// once the device is lost).
    #[doc(alias = "wgpuDeviceCreateComputePipelineAsync")]
    pub fn create_compute_pipeline_async(
        &self,
        desc: &ComputePipelineDescriptor<'_>,
    ) -> Pending<ComputePipeline> {
        if let Err(e) = self.lifecycle().check_alive() {
            return Pending::ready(Err(e));
        }
        let slot = Slot::<ComputePipeline>::new();
        // The pipeline's device, for the callback to wrap it.
        let info = callback_info!(
            WGPUCreateComputePipelineAsyncCallbackInfo,
            on_pipeline,
            slot,
            Box::into_raw(Box::new(self.clone())).cast()
        );
        let future = with_sys_desc(desc, |c_desc| {
            let gate = self.gate();
            // SAFETY: live device; the descriptor lives across the call; the callback takes its userdata.
            unsafe { sys::wgpuDeviceCreateComputePipelineAsync(gate.raw(), c_desc, info) }
        });
        Pending::new(self.instance(), future, slot)
    }
}

unsafe extern "C" fn on_pipeline(
    status: sys::WGPUCreatePipelineAsyncStatus,
    pipeline: sys::WGPUComputePipeline,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata2 is the device `create_compute_pipeline_async` boxed for this one call.
    let device = *unsafe { Box::from_raw(userdata2.cast::<Device>()) };
    // SAFETY: userdata1 is the registered slot; the message lives during the call; the pipeline's reference
    // is ours.
    unsafe {
        future::complete::<ComputePipeline>(userdata1, || {
            future::pipeline_result(status, string::to_string(message), || {
                ComputePipeline::adopt(pipeline, device)
            })
        })
    }
}
