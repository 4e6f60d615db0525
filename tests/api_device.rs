//! Device: buffer creation (plain, mapped at creation, `create_buffer_init`), shader modules and their
//! compilation info, explicit bind group layouts and pipeline layouts, compute pipelines (sync, async,
//! overridable constants), query sets, error scopes (guard pop, drop pop, filters, `scoped`), `limits`,
//! `features`, `queue`, `destroy` and the `lost` future and handler.

use dawn::dawn_sys as sys;
use dawn::{
    BindGroupDescriptor, BindGroupEntry, BindGroupLayoutDescriptor, BindGroupLayoutEntry, Buffer,
    BufferDescriptor, BufferInitDescriptor, BufferMapState, BufferUsage, CompilationMessageType,
    ComputePipelineDescriptor, DeviceDescriptor, DeviceLostInfo, DeviceLostReason, ErrorFilter,
    ErrorKind, FeatureName, PipelineLayoutDescriptor, QuerySetDescriptor, QueryType,
    ShaderModuleDescriptor,
};
use dawn_suite::{Gpu, WAIT, device_with};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const SCALE: &str = "
override k: f32;
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&dst)) {
        dst[id.x] = src[id.x] * k;
    }
}
";

fn storage(gpu: &Gpu, data: &[f32]) -> Buffer {
    gpu.device
        .create_buffer_init(&BufferInitDescriptor {
            label: "storage",
            contents: bytemuck::cast_slice(data),
            usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
        })
        .unwrap()
}

/// Runs `pipeline` over `input` with a fresh bind group on `layout`, returning the output.
fn run_scale(
    gpu: &Gpu,
    pipeline: &dawn::ComputePipeline,
    layout: &dawn::BindGroupLayout,
    input: &[f32],
) -> Vec<f32> {
    let src = storage(gpu, input);
    let dst = storage(gpu, &vec![0.0; input.len()]);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "scale",
        layout,
        entries: &[
            BindGroupEntry::buffer(0, &src),
            BindGroupEntry::buffer(1, &dst),
        ],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups((input.len() as u32).div_ceil(64), 1, 1);
    }
    gpu.queue.submit(&[encoder.finish()]);
    dst.read_back().unwrap()
}

#[test]
fn create_buffer_plain_and_mapped_at_creation() {
    let gpu = Gpu::new();
    let plain = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "plain",
            size: 1000,
            usage: BufferUsage::Storage | BufferUsage::CopySrc,
            mapped_at_creation: false,
        })
        .unwrap();
    assert_eq!(plain.size(), 1000);
    assert_eq!(plain.usage(), BufferUsage::Storage | BufferUsage::CopySrc);
    assert_eq!(plain.map_state(), BufferMapState::Unmapped);
    assert_eq!(plain.device(), &gpu.device);
    // New buffers are zeroed (WebGPU guarantees it).
    let zeros: Vec<u8> = plain.read_back().unwrap();
    assert_eq!(zeros, vec![0u8; 1000]);

    let mapped = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "mapped at creation",
            size: 64,
            usage: BufferUsage::CopySrc,
            mapped_at_creation: true,
        })
        .unwrap();
    assert_eq!(mapped.map_state(), BufferMapState::Mapped);
    {
        let mut view = mapped.get_mapped_range_mut(..).unwrap();
        assert_eq!(view.len(), 64);
        assert!(
            view.iter().all(|&b| b == 0),
            "mapped-at-creation memory starts zeroed"
        );
        for (i, v) in view.typed_mut::<u32>().unwrap().iter_mut().enumerate() {
            *v = (i as u32) * 3 + 1;
        }
    }
    mapped.unmap().unwrap();
    assert_eq!(mapped.map_state(), BufferMapState::Unmapped);
    let back: Vec<u32> = mapped.read_back().unwrap();
    assert_eq!(back, (0..16u32).map(|i| i * 3 + 1).collect::<Vec<_>>());
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn create_buffer_init_pads_to_four_bytes() {
    let gpu = Gpu::new();
    let contents = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    let buffer = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "init",
            contents: &contents,
            usage: BufferUsage::CopySrc,
        })
        .unwrap();
    assert_eq!(buffer.size(), 12);
    assert_eq!(buffer.map_state(), BufferMapState::Unmapped);
    let back: Vec<u8> = buffer.read_back().unwrap();
    assert_eq!(back, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0]);
    // A mappable buffer created with contents reads back directly, more than once.
    let readable = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "readable init",
            contents: bytemuck::cast_slice(&[7u32, 8, 9]),
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
        })
        .unwrap();
    assert_eq!(readable.read_back::<u32>().unwrap(), [7, 8, 9]);
    assert_eq!(readable.read_back::<u32>().unwrap(), [7, 8, 9]);
    // Empty contents: an empty buffer.
    let empty = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "empty",
            contents: &[],
            usage: BufferUsage::CopySrc,
        })
        .unwrap();
    assert_eq!(empty.size(), 0);
    assert_eq!(empty.map_state(), BufferMapState::Unmapped);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn compilation_info_of_valid_and_invalid_modules() {
    let gpu = Gpu::new();
    let good = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "good",
        code: SCALE,
    });
    let info = good.get_compilation_info().wait_timeout(WAIT).unwrap();
    assert!(!info.has_errors(), "{info}");
    assert!(
        info.messages
            .iter()
            .all(|m| m.kind != CompilationMessageType::Error),
        "{info}"
    );

    // The error is on line 4; the unknown name starts at column 18 (1-based).
    let line4 = "    let x: f32 = undefined_name;";
    let code =
        format!("@compute @workgroup_size(1)\nfn main() {{\n    var y = 1.0;\n{line4}\n}}\n");
    let scope = gpu.device.push_error_scope(ErrorFilter::Validation);
    let bad = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "bad",
        code: &code,
    });
    let error = scope
        .pop()
        .wait_timeout(WAIT)
        .expect_err("invalid WGSL is a validation error");
    assert_eq!(error.kind(), ErrorKind::Validation);
    let info = bad.get_compilation_info().wait_timeout(WAIT).unwrap();
    assert!(info.has_errors(), "{info}");
    let first = info
        .messages
        .iter()
        .find(|m| m.kind == CompilationMessageType::Error)
        .unwrap();
    assert!(first.message.contains("undefined_name"), "{first:?}");
    assert_eq!(first.line_num, 4, "{first:?}");
    assert_eq!(first.line_pos, 18, "{first:?}");
    let offset = code.find("undefined_name").unwrap() as u64;
    assert_eq!(first.offset, offset, "{first:?}");
    assert_eq!(first.length, "undefined_name".len() as u64, "{first:?}");
    // Display: line:column: kind: text.
    assert!(info.to_string().starts_with("4:18: Error: "), "{info}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn explicit_layouts_and_overridable_constants() {
    let gpu = Gpu::new();
    let bgl = gpu
        .device
        .create_bind_group_layout(&BindGroupLayoutDescriptor {
            label: "scale bgl",
            entries: &[
                BindGroupLayoutEntry::storage(0, true),
                BindGroupLayoutEntry::storage(1, false),
            ],
        });
    let layout = gpu
        .device
        .create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "scale layout",
            bind_group_layouts: std::slice::from_ref(&bgl),
            immediate_size: 0,
        });
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "scale",
            code: SCALE,
        })
        .unwrap();
    let input: Vec<f32> = (0..100).map(|i| i as f32 - 50.0).collect();
    for k in [2.0f64, -0.5, 7.0] {
        let pipeline = gpu
            .device
            .create_compute_pipeline(&ComputePipelineDescriptor {
                label: "scale",
                layout: Some(&layout),
                module: &module,
                entry_point: Some("main"),
                constants: &[("k", k)],
            });
        let out = run_scale(&gpu, &pipeline, &bgl, &input);
        let expected: Vec<f32> = input.iter().map(|x| x * k as f32).collect();
        assert_eq!(out, expected, "k = {k}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn async_pipeline_creation() {
    let gpu = Gpu::new();
    let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "scale",
        code: SCALE,
    });
    let pipeline = gpu
        .device
        .create_compute_pipeline_async(&ComputePipelineDescriptor {
            label: "scale async",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[("k", 3.0)],
        })
        .wait_timeout(WAIT)
        .unwrap();
    let input: Vec<f32> = (0..130).map(|i| i as f32).collect();
    let out = run_scale(&gpu, &pipeline, &pipeline.get_bind_group_layout(0), &input);
    assert_eq!(out, input.iter().map(|x| x * 3.0).collect::<Vec<_>>());

    // `k` has no default: leaving it out is a validation error, reported through the future.
    let error = gpu
        .device
        .create_compute_pipeline_async(&ComputePipelineDescriptor {
            label: "missing constant",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        })
        .wait_timeout(WAIT)
        .expect_err("a pipeline without its override value");
    assert_eq!(error.kind(), ErrorKind::Validation, "{error}");
    assert!(error.message().contains('k'), "{error}");
    // An entry point that does not exist, likewise.
    let error = gpu
        .device
        .create_compute_pipeline_async(&ComputePipelineDescriptor {
            label: "no such entry point",
            layout: None,
            module: &module,
            entry_point: Some("nope"),
            constants: &[("k", 1.0)],
        })
        .wait_timeout(WAIT)
        .expect_err("a missing entry point");
    assert_eq!(error.kind(), ErrorKind::Validation, "{error}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn query_sets() {
    let gpu = Gpu::new();
    let occlusion = gpu.device.create_query_set(&QuerySetDescriptor {
        label: "occlusion",
        ty: QueryType::Occlusion,
        count: 3,
    });
    assert_eq!(occlusion.count(), 3);
    assert_eq!(occlusion.ty(), QueryType::Occlusion);
    occlusion.destroy().expect("destroying a query set");
    if gpu.require_feature(FeatureName::TimestampQuery) {
        let timestamps = gpu.device.create_query_set(&QuerySetDescriptor {
            label: "timestamps",
            ty: QueryType::Timestamp,
            count: 7,
        });
        assert_eq!(timestamps.count(), 7);
        assert_eq!(timestamps.ty(), QueryType::Timestamp);
        let clone = timestamps.clone();
        drop(timestamps);
        assert_eq!(clone.count(), 7);
    }
    // More than 4096 queries is a validation error.
    let result = gpu.device.scoped(|d| {
        d.create_query_set(&QuerySetDescriptor {
            label: "too many",
            ty: QueryType::Occlusion,
            count: 4097,
        })
    });
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

fn invalid_buffer(device: &dawn::Device, label: &str) {
    // MapRead may only be combined with CopyDst: a validation error (to the scopes).
    let _ = device
        .create_buffer(&BufferDescriptor {
            label,
            size: 16,
            usage: BufferUsage::MapRead | BufferUsage::Storage,
            mapped_at_creation: false,
        })
        .unwrap();
}

#[test]
fn error_scopes_guard_pop_drop_pop_and_filters() {
    let gpu = Gpu::new();
    // Guard pop: catches the error.
    let scope = gpu.device.push_error_scope(ErrorFilter::Validation);
    invalid_buffer(&gpu.device, "scoped-bad");
    let error = scope.pop().wait_timeout(WAIT).expect_err("caught");
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.message().contains("scoped-bad"), "{error}");
    // An empty scope pops None.
    let scope = gpu.device.push_error_scope(ErrorFilter::Validation);
    assert_eq!(scope.pop().wait_timeout(WAIT), Ok(()));
    // Drop pop: the error is swallowed by the scope, and the scope is gone afterwards.
    {
        let _scope = gpu.device.push_error_scope(ErrorFilter::Validation);
        invalid_buffer(&gpu.device, "dropped-scope-bad");
    }
    assert!(
        gpu.take_uncaptured().is_empty(),
        "the dropped scope caught the error"
    );
    invalid_buffer(&gpu.device, "unscoped-bad");
    let uncaptured = gpu.take_uncaptured();
    assert_eq!(uncaptured.len(), 1, "{uncaptured:?}");
    assert_eq!(uncaptured[0].kind(), ErrorKind::Validation);
    assert!(
        uncaptured[0].message().contains("unscoped-bad"),
        "{:?}",
        uncaptured[0]
    );
    // Filters: an out-of-memory scope lets a validation error through to the one below it.
    let outer = gpu.device.push_error_scope(ErrorFilter::Validation);
    let inner = gpu.device.push_error_scope(ErrorFilter::OutOfMemory);
    invalid_buffer(&gpu.device, "filtered-bad");
    assert_eq!(inner.pop().wait_timeout(WAIT), Ok(()));
    let error = outer
        .pop()
        .wait_timeout(WAIT)
        .expect_err("the validation scope");
    assert!(error.message().contains("filtered-bad"), "{error}");
    // Only the first error of a scope is kept.
    let scope = gpu.device.push_error_scope(ErrorFilter::Validation);
    invalid_buffer(&gpu.device, "first-bad");
    invalid_buffer(&gpu.device, "second-bad");
    let error = scope.pop().wait_timeout(WAIT).unwrap_err();
    assert!(error.message().contains("first-bad"), "{error}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn error_scope_guards_popped_out_of_order() {
    let gpu = Gpu::new();
    let validation = gpu.device.push_error_scope(ErrorFilter::Validation);
    let out_of_memory = gpu.device.push_error_scope(ErrorFilter::OutOfMemory);
    invalid_buffer(&gpu.device, "out-of-order-bad");
    // The validation error is in `validation`'s scope, under `out_of_memory`'s: popping the outer guard
    // first is refused (Dawn would pop the inner scope and report nothing); the refused guard's scope is
    // popped, its error ignored, once the inner one is.
    let first = validation.pop().wait_timeout(WAIT);
    assert_eq!(first.unwrap_err().kind(), ErrorKind::InvalidUse);
    assert_eq!(out_of_memory.pop().wait_timeout(WAIT), Ok(()));
    assert!(
        gpu.take_uncaptured().is_empty(),
        "the error was caught by the validation scope"
    );
    // Both scopes are gone: the next error reaches the handler, and a new scope catches the one after.
    invalid_buffer(&gpu.device, "after-both-popped");
    let uncaptured = gpu.take_uncaptured();
    assert_eq!(uncaptured.len(), 1, "{uncaptured:?}");
    assert!(uncaptured[0].message().contains("after-both-popped"));
    let scope = gpu.device.push_error_scope(ErrorFilter::Validation);
    invalid_buffer(&gpu.device, "in-a-new-scope");
    let error = scope.pop().wait_timeout(WAIT).expect_err("caught");
    assert!(error.message().contains("in-a-new-scope"), "{error}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn scoped_returns_value_or_first_error() {
    let gpu = Gpu::new();
    let value = gpu.device.scoped(|d| d.limits().max_bind_groups).unwrap();
    assert_eq!(value, 4);
    let error = gpu
        .device
        .scoped(|d| invalid_buffer(d, "in-scoped-bad"))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.message().contains("in-scoped-bad"), "{error}");
    // Nested: the inner scoped call takes the error, the outer one sees none.
    let outer = gpu
        .device
        .scoped(|d| d.scoped(|d| invalid_buffer(d, "nested-bad")).is_err())
        .unwrap();
    assert!(outer);
    assert!(gpu.take_uncaptured().is_empty());
}

/// WebGPU's default limits (the spec's "Limits" table), which a device requested without limits has.
const WEBGPU_DEFAULT_LIMITS: &[(&str, u64)] = &[
    ("maxTextureDimension1D", 8192),
    ("maxTextureDimension2D", 8192),
    ("maxTextureDimension3D", 2048),
    ("maxTextureArrayLayers", 256),
    ("maxBindGroups", 4),
    ("maxBindGroupsPlusVertexBuffers", 24),
    ("maxBindingsPerBindGroup", 1000),
    ("maxDynamicUniformBuffersPerPipelineLayout", 8),
    ("maxDynamicStorageBuffersPerPipelineLayout", 4),
    ("maxSampledTexturesPerShaderStage", 16),
    ("maxSamplersPerShaderStage", 16),
    ("maxStorageBuffersPerShaderStage", 8),
    ("maxStorageTexturesPerShaderStage", 4),
    ("maxUniformBuffersPerShaderStage", 12),
    ("maxUniformBufferBindingSize", 65536),
    ("maxStorageBufferBindingSize", 134_217_728),
    ("minUniformBufferOffsetAlignment", 256),
    ("minStorageBufferOffsetAlignment", 256),
    ("maxVertexBuffers", 8),
    ("maxBufferSize", 268_435_456),
    ("maxVertexAttributes", 16),
    ("maxVertexBufferArrayStride", 2048),
    ("maxInterStageShaderVariables", 16),
    ("maxColorAttachments", 8),
    ("maxColorAttachmentBytesPerSample", 32),
    ("maxComputeWorkgroupStorageSize", 16384),
    ("maxComputeInvocationsPerWorkgroup", 256),
    ("maxComputeWorkgroupSizeX", 256),
    ("maxComputeWorkgroupSizeY", 256),
    ("maxComputeWorkgroupSizeZ", 64),
    ("maxComputeWorkgroupsPerDimension", 65535),
    // Not in the spec yet: the immediate-data proposal's default.
    ("maxImmediateSize", 64),
];

#[test]
fn limits_are_webgpu_defaults_and_features_match_the_c_api() {
    let gpu = Gpu::new();
    // Limits against the spec's table, field by field (the crate's names are the C names).
    let got: Vec<(&str, u64)> = gpu.device.limits().fields().to_vec();
    assert_eq!(
        got, WEBGPU_DEFAULT_LIMITS,
        "a device requested without limits"
    );
    // Features against Dawn's own list for the same device, read through the C API.
    let mut raw = sys::WGPUSupportedFeatures::default();
    // SAFETY: a live device and a struct for Dawn to fill, freed once below.
    let c_features: BTreeSet<u32> = unsafe {
        sys::wgpuDeviceGetFeatures(gpu.device.as_raw(), &mut raw);
        let list = std::slice::from_raw_parts(raw.features, raw.featureCount)
            .iter()
            .copied()
            .collect();
        sys::wgpuSupportedFeaturesFreeMembers(raw);
        list
    };
    let features = gpu.device.features();
    assert_eq!(
        features.iter().map(|f| f.0).collect::<BTreeSet<u32>>(),
        c_features,
        "{features}"
    );
    for feature in FeatureName::ALL.iter().map(|&(f, _)| f) {
        assert_eq!(
            gpu.device.has_feature(feature),
            c_features.contains(&feature.0),
            "{feature:?}"
        );
    }
    // What `Gpu::new` asked for, and what the crate always adds.
    gpu.require_feature(FeatureName::TimestampQuery);
    assert!(
        features.contains(FeatureName::ImplicitDeviceSynchronization),
        "{features}"
    );
    // One queue per device: every call returns the same queue.
    assert_eq!(gpu.device.queue().as_raw(), gpu.queue.as_raw());
    assert_eq!(gpu.device.clone().queue().as_raw(), gpu.queue.as_raw());
    assert_eq!(gpu.device.instance().as_raw(), gpu.instance.as_raw());
}

#[test]
fn destroy_resolves_lost_and_calls_the_handler_once() {
    let calls = Arc::new(Mutex::new(Vec::<DeviceLostInfo>::new()));
    let sink = calls.clone();
    let (_instance, device) = device_with(&DeviceDescriptor {
        label: "to destroy",
        on_device_lost: Some(Arc::new(move |info: &DeviceLostInfo| {
            sink.lock().unwrap().push(info.clone())
        })),
        ..Default::default()
    });
    let mut lost = device.lost();
    assert!(!device.is_lost());
    assert_eq!(
        lost.wait_timeout(std::time::Duration::ZERO)
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
    assert!(calls.lock().unwrap().is_empty());
    device.destroy().unwrap();
    assert!(device.is_lost());
    let info = lost.wait_timeout(WAIT).unwrap();
    assert_eq!(info.reason, DeviceLostReason::Destroyed);
    // A lost() asked for after the loss resolves the same.
    assert_eq!(device.lost().wait_timeout(WAIT).unwrap(), info);
    // Destroying twice is harmless; the handler ran exactly once.
    device.destroy().unwrap();
    let seen = calls.lock().unwrap().clone();
    assert_eq!(seen, vec![info]);
    drop(device);
    assert_eq!(calls.lock().unwrap().len(), 1);
}

#[test]
fn dropping_the_last_device_reference_runs_the_lost_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let (instance, device) = device_with(&DeviceDescriptor {
        on_device_lost: Some(Arc::new(move |_: &DeviceLostInfo| {
            count.fetch_add(1, Ordering::SeqCst);
        })),
        ..Default::default()
    });
    let clone = device.clone();
    drop(device);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a clone keeps the device alive"
    );
    assert!(!clone.is_lost());
    drop(clone);
    instance.process_events();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
