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
//! # Conventions
//! - One type per WebGPU object, named as in Dawn's `webgpu_cpp.h`; `Clone` adds a reference (`AddRef`),
//!   `Drop` releases it. Methods are the C names in snake case (`wgpuBufferMapAsync` is
//!   [`Buffer::map_async`]); each carries a `doc(alias)` of its C name.
//! - Descriptors are plain structs with `Default`, borrowed for the call.
//! - Asynchronous operations return a [`Pending`]: wait on it (optionally with a timeout) or `.await` it.
//! - Errors are [`Error`]s with an [`ErrorKind`] and Dawn's message. Validation errors of thin calls reach
//!   [`Device::scoped`] / error scopes, or the device's uncaptured-error handler.
//! - Thread safety: devices use Dawn's ImplicitDeviceSynchronization, so `Device`, `Queue`, `Buffer` and
//!   the immutable objects are `Send + Sync`; encoders are `Send` only.

mod adapter;
mod bind_group;
mod bind_group_layout;
mod buffer;
mod buffer_mapping;
mod command_buffer;
mod command_encoder;
mod compute_pass_encoder;
mod compute_pipeline;
mod device;
mod error;
mod features;
mod future;
mod handle;
mod instance;
mod limits;
mod mapping;
mod pipeline_layout;
mod query_set;
mod queue;
mod shader_module;
mod string;
mod subgroup_matrix;
pub mod tensor;
mod types;

pub use adapter::{Adapter, AdapterInfo, RequestAdapterOptions};
pub use bind_group::{
    BindGroup, BindGroupDescriptor, BindGroupEntry, BindingResource, BufferBinding,
};
pub use bind_group_layout::{
    BindGroupLayout, BindGroupLayoutDescriptor, BindGroupLayoutEntry, BindingType,
};
pub use buffer::{Buffer, BufferDescriptor, BufferInitDescriptor, BufferView, BufferViewMut};
pub use buffer_mapping::PendingMap;
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
pub use instance::{Instance, InstanceDescriptor, InstanceLimits, Toggles};
pub use limits::Limits;
pub use mapping::Mapping;
pub use pipeline_layout::{PipelineLayout, PipelineLayoutDescriptor};
pub use query_set::{QuerySet, QuerySetDescriptor};
pub use queue::Queue;
pub use shader_module::{
    CompilationInfo, CompilationMessage, ShaderModule, ShaderModuleDescriptor,
};
pub use subgroup_matrix::{SubgroupMatrixComponentType, SubgroupMatrixConfig};
pub use types::{
    AdapterType, BackendType, BufferBindingType, BufferMapState, BufferUsage,
    CompilationMessageType, DeviceLostReason, ErrorFilter, ErrorType, FeatureLevel,
    InstanceFeatureName, MapMode, PowerPreference, QueryType, ShaderStage, WGSLLanguageFeatureName,
};

pub use bytemuck;
pub use dawn_sys;

/// Compile-time checks of the thread-safety promises made in each type's docs.
#[allow(dead_code)]
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
    send_sync::<Pending<Buffer>>();
    send::<CommandEncoder>();
    send::<ComputePassEncoder<'static>>();
};
