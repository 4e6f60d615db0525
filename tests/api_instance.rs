//! Instance, Adapter and device requests: `Instance::new`, `request_adapter` (Vulkan backend, CPU adapter on
//! lavapipe, adapter info, limits, features and their `Display`), `request_device` with required features,
//! limits and a label, a device request for a missing feature (a typed error, not a hang), adapter requests
//! that match nothing (fallback, another backend) resolving without hanging.

use dawn::dawn_sys as sys;
use dawn::{
    AdapterInfo, AdapterType, BackendType, BufferDescriptor, BufferUsage, DeviceDescriptor,
    ErrorFilter, ErrorKind, FeatureName, Features, Instance, InstanceDescriptor, Limits,
    RequestAdapterOptions, Toggles,
};
use dawn_suite::{Gpu, WAIT};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// `VK_VENDOR_ID_MESA` from `vulkan_core.h`: the PCI-style vendor id lavapipe reports.
const VK_VENDOR_ID_MESA: u32 = 0x10005;

fn vulkan_adapter(instance: &Instance) -> dawn::Adapter {
    instance
        .request_adapter(&RequestAdapterOptions {
            backend_type: BackendType::Vulkan,
            ..Default::default()
        })
        .wait_timeout(WAIT)
        .expect("a Vulkan adapter (lavapipe)")
}

#[test]
fn c_enum_values_match_webgpu_h() {
    // Values copied from webgpu.h (third_party/dawn/include/webgpu/webgpu.h), not from the bindings.
    assert_eq!(BackendType::Vulkan.0, 0x6);
    assert_eq!(AdapterType::CPU.0, 0x3);
    assert_eq!(FeatureName::CoreFeaturesAndLimits.0, 0x1);
    assert_eq!(FeatureName::TimestampQuery.0, 0x9);
    assert_eq!(FeatureName::ShaderF16.0, 0xB);
    // Dawn-only values, from DESIGN.md (Dawn's own header).
    assert_eq!(FeatureName::ImplicitDeviceSynchronization.0, 0x0005_0004);
    assert_eq!(
        FeatureName::ChromiumExperimentalSubgroupMatrix.0,
        0x0005_0034
    );
    assert_eq!(dawn::BufferMapState::Unmapped.0, 1);
    assert_eq!(dawn::BufferMapState::Pending.0, 2);
    assert_eq!(dawn::BufferMapState::Mapped.0, 3);
    assert_eq!(dawn::DeviceLostReason::Destroyed.0, 2);
    assert_eq!(dawn::QueryType::Timestamp.0, 2);
    // WGPU_LIMIT_U32_UNDEFINED / WGPU_LIMIT_U64_UNDEFINED: a default `Limits` asks for nothing.
    let undefined = Limits::default();
    assert_eq!(undefined.max_bind_groups, u32::MAX);
    assert_eq!(undefined.max_buffer_size, u64::MAX);
    assert!(
        undefined
            .fields()
            .iter()
            .all(|&(_, v)| v == u32::MAX as u64 || v == u64::MAX)
    );
}

#[test]
fn adapter_info_on_vulkan() {
    let instance = Instance::new().unwrap();
    let adapter = vulkan_adapter(&instance);
    assert_eq!(adapter.instance().as_raw(), instance.as_raw());
    let info = adapter.info().unwrap();
    println!("{info:#?}");
    assert_eq!(info.backend_type, BackendType::Vulkan);
    if info.vendor_id == VK_VENDOR_ID_MESA {
        // CI: lavapipe, which DESIGN.md says Dawn reports as "llvmpipe (LLVM 15.0.6, 256 bits)", a CPU.
        assert_eq!(info.adapter_type, AdapterType::CPU);
        assert!(
            info.device.contains("llvmpipe") || info.description.contains("llvmpipe"),
            "neither device nor description names llvmpipe: {info:?}"
        );
    } else {
        // A real GPU (the H100 runs): a PCI vendor, and a GPU adapter type.
        assert!(
            matches!(
                info.adapter_type,
                AdapterType::DiscreteGPU | AdapterType::IntegratedGPU
            ),
            "{info:?}"
        );
        assert!(info.vendor_id != 0 && info.vendor_id <= 0xffff, "{info:?}");
    }
    assert!(!info.vendor.is_empty(), "empty vendor: {info:?}");
    assert!(!info.device.is_empty(), "empty device: {info:?}");
    assert!(!info.description.is_empty(), "empty description: {info:?}");
    assert!(
        info.subgroup_min_size >= 1 && info.subgroup_min_size <= info.subgroup_max_size,
        "{info:?}"
    );
    assert!(info.subgroup_max_size.is_power_of_two(), "{info:?}");
    // Field by field what Dawn's C API reports for the same adapter.
    assert_eq!(info, c_adapter_info(&adapter));
}

/// `wgpuAdapterGetInfo` read directly, without the crate's conversion.
fn c_adapter_info(adapter: &dawn::Adapter) -> AdapterInfo {
    /// A string view's text (`WGPU_STRLEN` marks a NUL-terminated one).
    ///
    /// # Safety
    /// `view` is one Dawn filled, not yet freed.
    unsafe fn text(view: sys::WGPUStringView) -> String {
        if view.data.is_null() {
            return String::new();
        }
        // SAFETY: Dawn's view: `length` bytes at `data`, or a NUL-terminated string.
        let bytes = unsafe {
            if view.length == sys::WGPU_STRLEN {
                std::ffi::CStr::from_ptr(view.data).to_bytes()
            } else {
                std::slice::from_raw_parts(view.data.cast::<u8>(), view.length)
            }
        };
        String::from_utf8_lossy(bytes).into_owned()
    }
    let mut raw = sys::WGPUAdapterInfo::default();
    // SAFETY: a live adapter and a struct for Dawn to fill; its strings are copied, then freed once.
    unsafe {
        let status = sys::wgpuAdapterGetInfo(adapter.as_raw(), &mut raw);
        assert_eq!(status, sys::WGPUStatus_Success);
        let info = AdapterInfo {
            vendor: text(raw.vendor),
            architecture: text(raw.architecture),
            device: text(raw.device),
            description: text(raw.description),
            backend_type: BackendType(raw.backendType),
            adapter_type: AdapterType(raw.adapterType),
            vendor_id: raw.vendorID,
            device_id: raw.deviceID,
            subgroup_min_size: raw.subgroupMinSize,
            subgroup_max_size: raw.subgroupMaxSize,
        };
        sys::wgpuAdapterInfoFreeMembers(raw);
        info
    }
}

/// `wgpuAdapterGetFeatures` read directly: the raw feature values.
fn c_adapter_features(adapter: &dawn::Adapter) -> BTreeSet<u32> {
    let mut raw = sys::WGPUSupportedFeatures::default();
    // SAFETY: a live adapter and a struct for Dawn to fill, freed once.
    unsafe {
        sys::wgpuAdapterGetFeatures(adapter.as_raw(), &mut raw);
        let list = std::slice::from_raw_parts(raw.features, raw.featureCount)
            .iter()
            .copied()
            .collect();
        sys::wgpuSupportedFeaturesFreeMembers(raw);
        list
    }
}

#[test]
fn adapter_limits_are_at_least_webgpu_defaults() {
    let instance = Instance::new().unwrap();
    let adapter = vulkan_adapter(&instance);
    let l = adapter.limits();
    println!("{l:#?}");
    // WebGPU spec, "Limits" table: the default of each limit, which every adapter must meet.
    assert!(l.max_bind_groups >= 4, "{l:?}");
    assert!(l.max_buffer_size >= 268_435_456, "{l:?}");
    assert!(l.max_storage_buffer_binding_size >= 134_217_728, "{l:?}");
    assert!(l.max_uniform_buffer_binding_size >= 65_536, "{l:?}");
    assert!(l.max_storage_buffers_per_shader_stage >= 8, "{l:?}");
    assert!(l.max_compute_workgroup_storage_size >= 16_384, "{l:?}");
    assert!(l.max_compute_invocations_per_workgroup >= 256, "{l:?}");
    assert!(
        l.max_compute_workgroup_size_x >= 256 && l.max_compute_workgroup_size_y >= 256,
        "{l:?}"
    );
    assert!(l.max_compute_workgroup_size_z >= 64, "{l:?}");
    assert!(l.max_compute_workgroups_per_dimension >= 65_535, "{l:?}");
    // Alignments are "better" when smaller: at most 256 and powers of two.
    for align in [
        l.min_storage_buffer_offset_alignment,
        l.min_uniform_buffer_offset_alignment,
    ] {
        assert!(align.is_power_of_two() && align <= 256, "{l:?}");
    }
    // Nothing left undefined by Dawn.
    // (u32::MAX is a real value for the three u64 limits; their "undefined" is u64::MAX.)
    let u64_limits = [
        "maxUniformBufferBindingSize",
        "maxStorageBufferBindingSize",
        "maxBufferSize",
    ];
    for (name, value) in l.fields() {
        let undefined = if u64_limits.contains(&name) {
            u64::MAX
        } else {
            u32::MAX as u64
        };
        assert_ne!(value, undefined, "{name} left undefined");
    }
    assert!(
        l.max_storage_buffer_binding_size <= l.max_buffer_size,
        "{l:?}"
    );
}

#[test]
fn adapter_features_and_display() {
    let instance = Instance::new().unwrap();
    let adapter = vulkan_adapter(&instance);
    let features = adapter.features();
    println!("adapter features: {features}");
    assert!(!features.is_empty());
    assert!(
        features.contains(FeatureName::CoreFeaturesAndLimits),
        "{features}"
    );
    assert!(
        features.contains(FeatureName::TimestampQuery),
        "lavapipe offers timestamps: {features}"
    );
    // The set and has_feature agree with Dawn's C API for every known feature.
    let c_features = c_adapter_features(&adapter);
    assert_eq!(
        features.iter().map(|f| f.0).collect::<BTreeSet<u32>>(),
        c_features
    );
    for &(feature, name) in FeatureName::ALL {
        assert_eq!(
            adapter.has_feature(feature),
            c_features.contains(&feature.0),
            "{name}"
        );
    }
    // Display: the names, comma-separated, one per feature.
    let shown = features.to_string();
    assert!(
        shown.contains("TimestampQuery") && shown.contains("CoreFeaturesAndLimits"),
        "{shown}"
    );
    assert_eq!(shown.split(", ").count(), features.len(), "{shown}");
    assert_eq!(FeatureName::TimestampQuery.to_string(), "TimestampQuery");
    assert_eq!(FeatureName(0x7fff_0001).name(), None);
    assert_eq!(
        format!("{:?}", FeatureName(0x7fff_0001)),
        "FeatureName(0x7fff0001)"
    );
    let two: Features = [FeatureName::ShaderF16, FeatureName::TimestampQuery]
        .into_iter()
        .collect();
    // Value order: TimestampQuery (0x9) before ShaderF16 (0xB).
    assert_eq!(two.to_string(), "TimestampQuery, ShaderF16");
    // Experimental features stay hidden without `allow_unsafe_apis`.
    assert!(!features.contains(FeatureName::ChromiumExperimentalSubgroupMatrix));
    assert!(adapter.subgroup_matrix_configs().unwrap().is_empty());
}

#[test]
fn request_device_with_features_limits_and_label() {
    let instance = Instance::new().unwrap();
    let adapter = vulkan_adapter(&instance);
    let limits = adapter.limits();
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "api-instance-device",
            required_features: &[FeatureName::TimestampQuery],
            required_limits: Some(&limits),
            ..Default::default()
        })
        .wait_timeout(WAIT)
        .unwrap();
    let features = device.features();
    assert!(features.contains(FeatureName::TimestampQuery), "{features}");
    assert!(device.has_feature(FeatureName::TimestampQuery));
    // The crate always adds ImplicitDeviceSynchronization.
    assert!(
        features.contains(FeatureName::ImplicitDeviceSynchronization),
        "{features}"
    );
    // Nothing else the adapter offers is enabled unless asked for (lavapipe offers ShaderF16, say), but for
    // CoreFeaturesAndLimits, which Dawn enables on every core device.
    let requested = [
        FeatureName::TimestampQuery,
        FeatureName::ImplicitDeviceSynchronization,
        FeatureName::CoreFeaturesAndLimits,
    ];
    let unrequested: Vec<FeatureName> =
        features.iter().filter(|f| !requested.contains(f)).collect();
    assert!(
        unrequested.is_empty(),
        "enabled without a request: {unrequested:?}"
    );
    assert!(
        adapter.features().len() > features.len(),
        "the adapter offers more"
    );
    let got = device.limits();
    assert_eq!(got.max_buffer_size, limits.max_buffer_size);
    assert_eq!(
        got.max_storage_buffer_binding_size,
        limits.max_storage_buffer_binding_size
    );
    assert_eq!(
        got.max_compute_invocations_per_workgroup,
        limits.max_compute_invocations_per_workgroup
    );
    assert_eq!(
        got.max_compute_workgroup_storage_size,
        limits.max_compute_workgroup_storage_size
    );
    assert_eq!(device.adapter_info().unwrap(), adapter.info().unwrap());
    // A buffer above WebGPU's default maxBufferSize (256 MiB) is fine once the adapter's limit is asked for
    // (lavapipe offers more); it is never touched, so nothing is allocated for real.
    if limits.max_buffer_size > 268_435_456 {
        let scope = device.push_error_scope(ErrorFilter::Validation);
        let big = device.create_buffer(&BufferDescriptor {
            label: "bigger than the default limit",
            size: 268_435_456 + 4,
            usage: BufferUsage::CopyDst,
            mapped_at_creation: false,
        });
        assert!(big.is_ok(), "{big:?}");
        assert_eq!(scope.pop().wait_timeout(WAIT), Ok(()));
    }
    // The label shows up in Dawn's messages about the device's objects.
    let scope = device.push_error_scope(ErrorFilter::Validation);
    let _bad = device.create_buffer(&BufferDescriptor {
        label: "labelled-bad-buffer",
        size: 16,
        usage: BufferUsage::MapRead | BufferUsage::MapWrite,
        mapped_at_creation: false,
    });
    let error = scope
        .pop()
        .wait_timeout(WAIT)
        .expect_err("MapRead|MapWrite is invalid");
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.message().contains("labelled-bad-buffer"), "{error}");
}

#[test]
fn default_device_has_webgpu_default_limits() {
    let gpu = Gpu::new();
    let l = gpu.device.limits();
    // WebGPU spec defaults (requiredLimits absent).
    assert_eq!(l.max_buffer_size, 268_435_456);
    assert_eq!(l.max_storage_buffer_binding_size, 134_217_728);
    assert_eq!(l.min_storage_buffer_offset_alignment, 256);
    assert_eq!(l.min_uniform_buffer_offset_alignment, 256);
    assert_eq!(l.max_compute_workgroups_per_dimension, 65_535);
    assert_eq!(l.max_compute_invocations_per_workgroup, 256);
    assert_eq!(l.max_bind_groups, 4);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn missing_feature_is_a_typed_error() {
    let instance = Instance::new().unwrap();
    let adapter = vulkan_adapter(&instance);
    // Experimental subgroup matrices are never offered without the `allow_unsafe_apis` toggle.
    let missing = FeatureName::ChromiumExperimentalSubgroupMatrix;
    assert!(!adapter.has_feature(missing));
    let start = Instant::now();
    let result = adapter
        .request_device(&DeviceDescriptor {
            required_features: &[missing],
            ..Default::default()
        })
        .wait_timeout(WAIT);
    let error = result.expect_err("a device with a feature the adapter lacks");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    assert!(start.elapsed() < WAIT);
    // Any other standard feature the adapter lacks fails the same way.
    if let Some(&(feature, name)) = FeatureName::ALL
        .iter()
        .find(|(f, _)| !adapter.has_feature(*f))
    {
        let error = adapter
            .request_device(&DeviceDescriptor {
                required_features: &[feature],
                ..Default::default()
            })
            .wait_timeout(WAIT)
            .expect_err(name);
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{name}: {error}");
    }
    // The adapter still gives devices afterwards.
    assert!(
        adapter
            .request_device(&DeviceDescriptor::default())
            .wait_timeout(WAIT)
            .is_ok()
    );
}

#[test]
fn limits_above_the_adapter_are_a_typed_error() {
    let instance = Instance::new().unwrap();
    let adapter = vulkan_adapter(&instance);
    let mut limits = adapter.limits();
    limits.max_compute_invocations_per_workgroup += 1;
    let error = adapter
        .request_device(&DeviceDescriptor {
            required_limits: Some(&limits),
            ..Default::default()
        })
        .wait_timeout(WAIT)
        .expect_err("a limit above the adapter's");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
}

#[test]
fn fallback_adapter_request_resolves() {
    let instance = Instance::new().unwrap();
    let start = Instant::now();
    let result = instance
        .request_adapter(&RequestAdapterOptions {
            force_fallback_adapter: true,
            ..Default::default()
        })
        .wait_timeout(WAIT);
    match &result {
        Ok(adapter) => println!("fallback adapter: {:?}", adapter.info().unwrap()),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}"),
    }
    assert!(start.elapsed() < WAIT);
}

#[test]
fn other_backend_is_unavailable() {
    // No Direct3D 12 on Linux.
    let instance = Instance::new().unwrap();
    let error = instance
        .request_adapter(&RequestAdapterOptions {
            backend_type: BackendType::D3D12,
            ..Default::default()
        })
        .wait_timeout(WAIT)
        .expect_err("a D3D12 adapter on Linux");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
}

#[test]
fn instance_toggles() {
    // A bad toggle name (interior NUL) is refused up front; real toggles create an instance.
    let bad = Instance::with_descriptor(&InstanceDescriptor {
        toggles: Toggles {
            enabled: &["allow\0unsafe"],
            disabled: &[],
        },
    });
    assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidUse);
    let unsafe_apis = Toggles {
        enabled: &["allow_unsafe_apis"],
        disabled: &[],
    };
    let instance = Instance::with_descriptor(&InstanceDescriptor {
        toggles: unsafe_apis,
    })
    .unwrap();
    let adapter = vulkan_adapter(&instance);
    assert_eq!(adapter.info().unwrap().backend_type, BackendType::Vulkan);
    // The toggle does something: it exposes experimental features that a plain instance hides (on lavapipe
    // ChromiumExperimentalTimestampQueryInsidePasses, HostMappedPointer and more).
    let plain = Instance::new().unwrap();
    let hidden = vulkan_adapter(&plain).features();
    let exposed = adapter.features();
    let extra: Vec<FeatureName> = exposed.iter().filter(|f| !hidden.contains(*f)).collect();
    println!("allow_unsafe_apis exposes {extra:?}");
    assert!(!extra.is_empty(), "allow_unsafe_apis exposed nothing");
    assert!(hidden.iter().all(|f| exposed.contains(f)));
    // The same toggle on the adapter request alone has the same effect.
    let adapter_toggled = plain
        .request_adapter(&RequestAdapterOptions {
            toggles: unsafe_apis,
            ..Default::default()
        })
        .wait_timeout(WAIT)
        .unwrap()
        .features();
    assert_eq!(adapter_toggled, exposed);
    // Many instances may live together, and drop in any order.
    let second = Instance::new().unwrap();
    drop(instance);
    let _ = vulkan_adapter(&second);
    // Pending requests from a dropped instance are safe to wait on.
    let mut pending = second.request_adapter(&RequestAdapterOptions::default());
    drop(second);
    assert!(pending.wait_timeout(Duration::from_secs(60)).is_ok());
}
