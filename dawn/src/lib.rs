//! A thin, safe wrapper over [Dawn](https://dawn.googlesource.com/dawn), Google's WebGPU implementation,
//! through its C API `webgpu.h` (raw bindings in [`dawn_sys`]).
//!
//! # Tour
//!
//! ```
//! use dawn::*;
//!
//! // Instance -> adapter -> device, each request a `Pending` you can `.wait()` or `.await`.
//! let instance = Instance::new()?;
//! let adapter = instance.request_adapter(&RequestAdapterOptions::default()).wait()?;
//! let device = adapter.request_device(&DeviceDescriptor::default()).wait()?;
//! let queue = device.queue();
//!
//! // A buffer holding data, a shader, and a pipeline with an automatic layout.
//! let input: Vec<f32> = (0..1024).map(|i| i as f32).collect();
//! let buffer = device.create_buffer_init(&BufferInitDescriptor {
//!     label: "data",
//!     contents: bytemuck::cast_slice(&input),
//!     usage: BufferUsage::Storage | BufferUsage::CopySrc,
//! })?;
//! let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
//!     label: "double",
//!     code: "@group(0) @binding(0) var<storage, read_write> v: array<f32>;
//!            @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
//!                v[id.x] = v[id.x] * 2.0;
//!            }",
//! })?;
//! let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
//!     label: "double",
//!     layout: None,
//!     module: &module,
//!     entry_point: None,
//!     constants: &[],
//! });
//! let group = device.create_bind_group(&BindGroupDescriptor {
//!     label: "data",
//!     layout: &pipeline.get_bind_group_layout(0),
//!     entries: &[BindGroupEntry::buffer(0, &buffer)],
//! });
//!
//! // Record a pass (it borrows the encoder until it ends), submit, read back.
//! let mut encoder = device.create_command_encoder(&Default::default());
//! {
//!     let mut pass = encoder.begin_compute_pass(&Default::default());
//!     pass.set_pipeline(&pipeline);
//!     pass.set_bind_group(0, &group, &[]);
//!     pass.dispatch_workgroups(1024 / 64, 1, 1);
//! }
//! queue.submit(&[encoder.finish()]);
//! let output: Vec<f32> = buffer.read_back()?;
//! assert_eq!(output[3], 6.0);
//! # Ok::<(), dawn::Error>(())
//! ```
//!
//! # Rendering, offscreen
//!
//! ```
//! use dawn::*;
//! # let instance = Instance::new()?;
//! # let adapter = instance.request_adapter(&Default::default()).wait()?;
//! # let device = adapter.request_device(&Default::default()).wait()?;
//!
//! // A 65x2 target: rows of 260 bytes, which `read_back` unpads (copies need 256-byte multiples).
//! let target = device.create_texture(&TextureDescriptor {
//!     label: "target",
//!     usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
//!     size: Extent3D::new(65, 2, 1),
//!     format: TextureFormat::RGBA8Unorm,
//!     ..Default::default()
//! });
//! let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
//!     label: "fill",
//!     code: "@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
//!                let xy = array(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
//!                return vec4f(xy[i], 0.0, 1.0);
//!            }
//!            @fragment fn fs() -> @location(0) vec4f { return vec4f(1.0, 0.5, 0.0, 1.0); }",
//! })?;
//! let pipeline = device.create_render_pipeline_checked(&RenderPipelineDescriptor {
//!     label: "fill",
//!     layout: None,
//!     vertex: VertexState { module: &module, entry_point: None, constants: &[], buffers: &[] },
//!     primitive: PrimitiveState::default(),
//!     depth_stencil: None,
//!     multisample: MultisampleState::default(),
//!     fragment: Some(FragmentState {
//!         module: &module,
//!         entry_point: None,
//!         constants: &[],
//!         targets: &[Some(TextureFormat::RGBA8Unorm.into())],
//!     }),
//! })?;
//!
//! // A clear always carries its color; the pass borrows the encoder until it ends.
//! let view = target.create_view(&Default::default());
//! let mut encoder = device.create_command_encoder(&Default::default());
//! let mut pass = encoder.begin_render_pass(&RenderPassDescriptor {
//!     color_attachments: &[Some(RenderPassColorAttachment {
//!         view: &view,
//!         depth_slice: None,
//!         resolve_target: None,
//!         ops: Operations::clear(Color::BLACK),
//!     })],
//!     ..Default::default()
//! })?;
//! pass.set_pipeline(&pipeline);
//! pass.draw(3, 1, 0, 0);
//! pass.end();
//! device.queue().submit(&[encoder.finish()]);
//! let texels = target.read_back()?;
//! assert_eq!(texels.len(), 65 * 2 * 4);
//! assert_eq!(texels[..4], [255, 128, 0, 255]);
//! # Ok::<(), dawn::Error>(())
//! ```
//!
//! # Conventions
//! - One type per WebGPU object, named as in Dawn's `webgpu_cpp.h`; `Clone` adds a reference, `Drop`
//!   releases it. Methods are the C names in snake case (`wgpuBufferMapAsync` is
//!   [`Buffer::map_async`]); each carries a `doc(alias)` of its C name. A device's `create_*` methods sit
//!   next to the type they create (`Device::create_buffer` in the buffer module).
//! - Descriptors are plain structs with `Default`, borrowed for the call.
//! - Asynchronous operations return a [`Pending`]: wait on it (optionally with a timeout) or `.await` it.
//! - Thread safety: devices use Dawn's ImplicitDeviceSynchronization, so `Device`, `Queue`, `Buffer` and
//!   the immutable objects are `Send + Sync`; encoders are `Send` only.
//!
//! # Errors
//! Every error is an [`Error`] with an [`ErrorKind`] and Dawn's message (or ours, naming the values).
//! - [`ErrorKind::Validation`] is a WebGPU rule, whoever checks it: Dawn, or this crate before calling
//!   Dawn (a buffer over `maxBufferSize`, a misaligned map range, mapping a mapped buffer...).
//!   [`ErrorKind::InvalidUse`] is a rule of this Rust API: `unmap` while a view is alive, a writable view
//!   of a read mapping, overlapping writable views, error scopes popped out of order, a device destroyed
//!   while a view or an encoder is alive.
//! - Calls that can fail return `Result` (or a [`Pending`] of one). Thin calls that create objects
//!   (`create_bind_group`, `create_compute_pipeline`...) return the object as WebGPU does, an error object
//!   when invalid, and report the validation error to the error scopes or the device's uncaptured-error
//!   handler; their `_checked` twins, [`Device::scoped`] and [`Device::try_scoped`] return it as an `Err`.
//!   An uncaptured error is never silent: by default it is logged through `log` at error level, or printed
//!   on stderr when no logger is set (see [`DeviceDescriptor::on_uncaptured_error`] to handle it, or to
//!   make it fatal).
//! - Once a device is lost or destroyed, calls that produce something (a buffer, data, a mapping, a
//!   checked object, a scope's result, work done) fail with [`ErrorKind::DeviceLost`]; calls that end
//!   something (`unmap`, `destroy`, drops) succeed and do nothing more; thin calls do nothing.
//! - No call panics on anything a user can pass. The few `# Panics` sections name what Dawn itself would
//!   have to break (a null object from a creation call).

mod adapter;
mod bind_group;
mod bind_group_layout;
mod buffer;
mod command_buffer;
mod command_encoder;
mod compute_pass_encoder;
mod compute_pipeline;
mod device;
mod encoder;
mod error;
mod features;
mod future;
mod handle;
mod instance;
mod limits;
pub mod memory;
mod pipeline_layout;
mod query_set;
mod queue;
mod render_bundle;
mod render_bundle_encoder;
mod render_commands;
mod render_pass_encoder;
mod render_pipeline;
mod sampler;
mod shader_module;
mod string;
mod subgroup_matrix;
pub mod tensor;
mod texel_copy;
mod texture;
mod texture_view;
mod toggles;
mod types;

pub use adapter::{Adapter, AdapterInfo, RequestAdapterOptions};
pub use bind_group::{
    BindGroup, BindGroupDescriptor, BindGroupEntry, BindingResource, BufferBinding,
};
pub use bind_group_layout::{
    BindGroupLayout, BindGroupLayoutDescriptor, BindGroupLayoutEntry, BindingType,
};
pub use buffer::{
    Buffer, BufferDescriptor, BufferInitDescriptor, BufferView, BufferViewMut, Mapping,
};
pub use command_buffer::CommandBuffer;
pub use command_encoder::{CommandEncoder, CommandEncoderDescriptor};
pub use compute_pass_encoder::{ComputePassDescriptor, ComputePassEncoder, PassTimestampWrites};
pub use compute_pipeline::{ComputePipeline, ComputePipelineDescriptor};
pub use device::{
    Device, DeviceDescriptor, DeviceLostHandler, DeviceLostInfo, ErrorHandler, ErrorScope,
};
pub use error::{Error, ErrorKind, Result};
pub use features::{FeatureName, Features};
pub use future::Pending;
pub use instance::{Instance, InstanceDescriptor, InstanceLimits};
pub use limits::Limits;
pub use pipeline_layout::{PipelineLayout, PipelineLayoutDescriptor};
pub use query_set::{QuerySet, QuerySetDescriptor};
pub use queue::Queue;
pub use render_bundle::RenderBundle;
pub use render_bundle_encoder::{
    RenderBundleDescriptor, RenderBundleEncoder, RenderBundleEncoderDescriptor,
};
pub use render_pass_encoder::{
    Color, LoadOp, Operations, RenderPassColorAttachment, RenderPassDepthStencilAttachment,
    RenderPassDescriptor, RenderPassEncoder, StoreOp,
};
pub use render_pipeline::{
    BlendComponent, BlendState, ColorTargetState, DepthStencilState, FragmentState,
    MultisampleState, PrimitiveState, RenderPipeline, RenderPipelineDescriptor, StencilFaceState,
    VertexAttribute, VertexBufferLayout, VertexState,
};
pub use sampler::{Sampler, SamplerDescriptor};
pub use shader_module::{
    CompilationInfo, CompilationMessage, ShaderModule, ShaderModuleDescriptor,
};
pub use subgroup_matrix::{SubgroupMatrixComponentType, SubgroupMatrixConfig};
pub use texel_copy::{
    COPY_BYTES_PER_ROW_ALIGNMENT, Origin3D, TexelCopyBufferInfo, TexelCopyBufferLayout,
    TexelCopyTextureInfo,
};
pub use texture::{Extent3D, Texture, TextureDescriptor};
pub use texture_view::{TextureView, TextureViewDescriptor};
pub use toggles::Toggles;
pub use types::{
    AdapterType, AddressMode, BackendType, BlendFactor, BlendOperation, BufferBindingType,
    BufferMapState, BufferUsage, ColorWriteMask, CompareFunction, CompilationMessageType, CullMode,
    DeviceLostReason, ErrorFilter, FeatureLevel, FilterMode, FrontFace, IndexFormat,
    InstanceFeatureName, MapMode, MipmapFilterMode, PowerPreference, PrimitiveTopology, QueryType,
    SamplerBindingType, ShaderStage, StencilOperation, StorageTextureAccess, TextureAspect,
    TextureDimension, TextureFormat, TextureSampleType, TextureUsage, TextureViewDimension,
    VertexFormat, VertexStepMode, WGSLLanguageFeatureName,
};

pub use bytemuck;
pub use dawn_sys;

/// Compile-time checks of the thread-safety promises made in each type's docs.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    const fn send<T: Send>() {}
    send_sync::<Instance>();
    send_sync::<Adapter>();
    send_sync::<Device>();
    send_sync::<Queue>();
    send_sync::<Buffer>();
    send_sync::<ShaderModule>();
    send_sync::<BindGroupLayout>();
    send_sync::<BindGroup>();
    send_sync::<PipelineLayout>();
    send_sync::<ComputePipeline>();
    send_sync::<CommandBuffer>();
    send_sync::<QuerySet>();
    send_sync::<Texture>();
    send_sync::<TextureView>();
    send_sync::<Sampler>();
    send_sync::<RenderPipeline>();
    send_sync::<RenderBundle>();
    send_sync::<Pending<RenderPipeline>>();
    send_sync::<Pending<Buffer>>();
    send_sync::<Pending<()>>();
    send::<CommandEncoder>();
    send::<ComputePassEncoder<'static>>();
    send::<RenderPassEncoder<'static>>();
    send::<RenderBundleEncoder>();
};
