//! [`RenderPipeline`]: vertex and fragment shaders with the fixed-function state between them
//! (`state.rs`).

mod state;

pub use state::{
    BlendComponent, BlendState, ColorTargetState, DepthStencilState, FragmentState,
    MultisampleState, PrimitiveState, StencilFaceState, VertexAttribute, VertexBufferLayout,
    VertexState,
};

use crate::compute_pipeline::constant_entries;
use crate::future::{self, Pending, Slot, callback_info};
use crate::handle::{Child, device_child};
use crate::{BindGroupLayout, Device, PipelineLayout, Result, TextureFormat, string};
use dawn_sys as sys;
use std::ffi::c_void;

device_child! {
    /// A render pipeline (`WGPURenderPipeline`, WebGPU's `GPURenderPipeline`).
    pub struct RenderPipeline(RawRenderPipeline: WGPURenderPipelineImpl, wgpuRenderPipelineAddRef, wgpuRenderPipelineRelease, wgpuRenderPipelineSetLabel = "wgpuRenderPipelineSetLabel");
}

/// Options of [`Device::create_render_pipeline`] (`WGPURenderPipelineDescriptor`).
#[derive(Clone, Copy, Debug)]
pub struct RenderPipelineDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The layout; `None` derives it from the shaders ("auto" layout, read back with
    /// [`RenderPipeline::get_bind_group_layout`]).
    pub layout: Option<&'a PipelineLayout>,
    /// The vertex stage and its buffers.
    pub vertex: VertexState<'a>,
    /// Primitive assembly and culling.
    pub primitive: PrimitiveState,
    /// The depth and stencil tests (`None`: the passes have no depth-stencil attachment).
    pub depth_stencil: Option<DepthStencilState>,
    /// Multisampling.
    pub multisample: MultisampleState,
    /// The fragment stage and its color targets (`None`: a depth-only pipeline).
    pub fragment: Option<FragmentState<'a>>,
}

impl RenderPipeline {
    /// The layout of bind group `index` (with an auto layout, as derived from the shaders). An index out
    /// of range is a validation error.
    #[doc(alias = "wgpuRenderPipelineGetBindGroupLayout")]
    pub fn get_bind_group_layout(&self, index: u32) -> BindGroupLayout {
        // SAFETY: live pipeline; Dawn returns a new reference (an error object when out of range).
        unsafe {
            self.device()
                .create("wgpuRenderPipelineGetBindGroupLayout", |_| {
                    sys::wgpuRenderPipelineGetBindGroupLayout(self.as_raw(), index)
                })
        }
    }
}

/// Calls `f` with the C descriptor of `desc` (and every array it points at) alive.
fn with_sys_desc<R>(
    desc: &RenderPipelineDescriptor<'_>,
    f: impl FnOnce(&sys::WGPURenderPipelineDescriptor) -> R,
) -> R {
    let vertex_constants = constant_entries(desc.vertex.constants);
    let attributes: Vec<Vec<sys::WGPUVertexAttribute>> = desc
        .vertex
        .buffers
        .iter()
        .map(|b| {
            b.attributes
                .iter()
                .map(|a| sys::WGPUVertexAttribute {
                    nextInChain: std::ptr::null_mut(),
                    format: a.format.0,
                    offset: a.offset,
                    shaderLocation: a.shader_location,
                })
                .collect()
        })
        .collect();
    let buffers: Vec<sys::WGPUVertexBufferLayout> = desc
        .vertex
        .buffers
        .iter()
        .zip(&attributes)
        .map(|(b, attributes)| sys::WGPUVertexBufferLayout {
            nextInChain: std::ptr::null_mut(),
            stepMode: b.step_mode.0,
            arrayStride: b.array_stride,
            attributeCount: attributes.len(),
            attributes: attributes.as_ptr(),
        })
        .collect();
    let depth_stencil = desc.depth_stencil.map(DepthStencilState::to_sys);
    let fragment_constants = desc
        .fragment
        .map(|f| constant_entries(f.constants))
        .unwrap_or_default();
    let targets_in = desc.fragment.map_or(&[][..], |f| f.targets);
    let blends: Vec<Option<sys::WGPUBlendState>> = targets_in
        .iter()
        .map(|t| t.and_then(|t| t.blend).map(BlendState::to_sys))
        .collect();
    let targets: Vec<sys::WGPUColorTargetState> = targets_in
        .iter()
        .zip(&blends)
        .map(|(t, blend)| sys::WGPUColorTargetState {
            nextInChain: std::ptr::null_mut(),
            // A hole is a target without a format.
            format: t.map_or(TextureFormat::Undefined, |t| t.format).0,
            blend: blend.as_ref().map_or(std::ptr::null(), |b| b as *const _),
            writeMask: t.map_or(0, |t| t.write_mask.0),
        })
        .collect();
    let fragment = desc.fragment.map(|f| sys::WGPUFragmentState {
        nextInChain: std::ptr::null_mut(),
        module: f.module.as_raw(),
        entryPoint: f.entry_point.map_or(string::NULL_VIEW, string::view),
        constantCount: fragment_constants.len(),
        constants: fragment_constants.as_ptr(),
        targetCount: targets.len(),
        targets: targets.as_ptr(),
    });
    let p = desc.primitive;
    let c_desc = sys::WGPURenderPipelineDescriptor {
        nextInChain: std::ptr::null_mut(),
        label: string::label(desc.label),
        layout: desc.layout.map_or(std::ptr::null_mut(), |l| l.as_raw()),
        vertex: sys::WGPUVertexState {
            nextInChain: std::ptr::null_mut(),
            module: desc.vertex.module.as_raw(),
            entryPoint: desc
                .vertex
                .entry_point
                .map_or(string::NULL_VIEW, string::view),
            constantCount: vertex_constants.len(),
            constants: vertex_constants.as_ptr(),
            bufferCount: buffers.len(),
            buffers: buffers.as_ptr(),
        },
        primitive: sys::WGPUPrimitiveState {
            nextInChain: std::ptr::null_mut(),
            topology: p.topology.0,
            stripIndexFormat: p.strip_index_format.0,
            frontFace: p.front_face.0,
            cullMode: p.cull_mode.0,
            unclippedDepth: p.unclipped_depth as sys::WGPUBool,
        },
        depthStencil: depth_stencil
            .as_ref()
            .map_or(std::ptr::null(), |d| d as *const _),
        multisample: desc.multisample.to_sys(),
        fragment: fragment
            .as_ref()
            .map_or(std::ptr::null(), |f| f as *const _),
    };
    f(&c_desc)
}

impl Device {
    /// Creates a render pipeline (compiling it now). An invalid one is an error object, its validation
    /// error reported to the error scopes or the uncaptured-error handler;
    /// [`create_render_pipeline_checked`](Device::create_render_pipeline_checked) returns it instead.
    #[doc(alias = "wgpuDeviceCreateRenderPipeline")]
    pub fn create_render_pipeline(&self, desc: &RenderPipelineDescriptor<'_>) -> RenderPipeline {
        with_sys_desc(desc, |c_desc| {
            // SAFETY: live device; the descriptor and its arrays live across the call; a new reference.
            unsafe {
                self.create("wgpuDeviceCreateRenderPipeline", |raw| {
                    sys::wgpuDeviceCreateRenderPipeline(raw, c_desc)
                })
            }
        })
    }

    /// Creates a render pipeline, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_render_pipeline_checked(
        &self,
        desc: &RenderPipelineDescriptor<'_>,
    ) -> Result<RenderPipeline> {
        self.scoped(|d| d.create_render_pipeline(desc))
    }

    /// Creates a render pipeline in the background. Resolves to the pipeline, or to
    /// [`ErrorKind::Validation`] / [`ErrorKind::Internal`] with Dawn's message ([`ErrorKind::DeviceLost`]
    /// once the device is lost).
    #[doc(alias = "wgpuDeviceCreateRenderPipelineAsync")]
    pub fn create_render_pipeline_async(
        &self,
        desc: &RenderPipelineDescriptor<'_>,
    ) -> Pending<RenderPipeline> {
        if let Err(e) = self.lifecycle().check_alive() {
            return Pending::ready(Err(e));
        }
        let slot = Slot::<RenderPipeline>::new();
        // The pipeline's device, for the callback to wrap it.
        let info = callback_info!(
            WGPUCreateRenderPipelineAsyncCallbackInfo,
            on_pipeline,
            slot,
            Box::into_raw(Box::new(self.clone())).cast()
        );
        let future = with_sys_desc(desc, |c_desc| {
            let gate = self.gate();
            // SAFETY: live device; the descriptor lives across the call; the callback takes its userdata.
            unsafe { sys::wgpuDeviceCreateRenderPipelineAsync(gate.raw(), c_desc, info) }
        });
        Pending::new(self.instance(), future, slot)
    }
}

unsafe extern "C" fn on_pipeline(
    status: sys::WGPUCreatePipelineAsyncStatus,
    pipeline: sys::WGPURenderPipeline,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata2 is the device `create_render_pipeline_async` boxed for this one call.
    let device = *unsafe { Box::from_raw(userdata2.cast::<Device>()) };
    // SAFETY: userdata1 is the registered slot; the message lives during the call; the pipeline's reference
    // is ours.
    unsafe {
        future::complete::<RenderPipeline>(userdata1, || {
            future::pipeline_result(status, string::to_string(message), || {
                RenderPipeline::adopt(pipeline, device)
            })
        })
    }
}
