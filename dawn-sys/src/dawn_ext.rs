//! Dawn-only additions that the standard `webgpu.h` lacks, declared by hand with Dawn's names and values
//! (from Dawn's own `dawn.json` of the pinned version). Layouts are asserted at compile time.
//!
//! Dawn-only enum values live at 0x0005_0000 and above.

use crate::*;
use core::ffi::c_char;

/// `WGPUSType_DawnTogglesDescriptor`: chain a [`WGPUDawnTogglesDescriptor`] into an instance, adapter-options
/// or device descriptor.
pub const WGPUSType_DawnTogglesDescriptor: WGPUSType = 0x0005_000A;
/// `WGPUSType_AdapterPropertiesSubgroupMatrixConfigs`: chain a
/// [`WGPUAdapterPropertiesSubgroupMatrixConfigs`] into `WGPUAdapterInfo` to read the configs.
pub const WGPUSType_AdapterPropertiesSubgroupMatrixConfigs: WGPUSType = 0x0005_003B;

/// `WGPUFeatureName_ImplicitDeviceSynchronization`: Dawn locks the device around every API call, so one
/// device may be used from several threads.
pub const WGPUFeatureName_ImplicitDeviceSynchronization: WGPUFeatureName = 0x0005_0004;
/// `WGPUFeatureName_ChromiumExperimentalSubgroupMatrix`: cooperative matrices (needs `allow_unsafe_apis`).
pub const WGPUFeatureName_ChromiumExperimentalSubgroupMatrix: WGPUFeatureName = 0x0005_0034;

/// `WGPUSubgroupMatrixComponentType`.
pub type WGPUSubgroupMatrixComponentType = u32;
/// 32-bit float components.
pub const WGPUSubgroupMatrixComponentType_F32: WGPUSubgroupMatrixComponentType = 1;
/// 16-bit float components.
pub const WGPUSubgroupMatrixComponentType_F16: WGPUSubgroupMatrixComponentType = 2;
/// 32-bit unsigned integer components.
pub const WGPUSubgroupMatrixComponentType_U32: WGPUSubgroupMatrixComponentType = 3;
/// 32-bit signed integer components.
pub const WGPUSubgroupMatrixComponentType_I32: WGPUSubgroupMatrixComponentType = 4;
/// 8-bit unsigned integer components.
pub const WGPUSubgroupMatrixComponentType_U8: WGPUSubgroupMatrixComponentType = 5;
/// 8-bit signed integer components.
pub const WGPUSubgroupMatrixComponentType_I8: WGPUSubgroupMatrixComponentType = 6;

/// `WGPUDawnTogglesDescriptor`: toggles by name (`"allow_unsafe_apis"`, `"disable_timestamp_query_conversion"`...).
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct WGPUDawnTogglesDescriptor {
    pub chain: WGPUChainedStruct,
    pub enabledToggleCount: usize,
    pub enabledToggles: *const *const c_char,
    pub disabledToggleCount: usize,
    pub disabledToggles: *const *const c_char,
}

/// `WGPUSubgroupMatrixConfig`: one supported `M x N x K` shape and its component types.
#[repr(C)]
#[derive(Debug, Copy, Clone, Default, PartialEq, Eq)]
pub struct WGPUSubgroupMatrixConfig {
    pub componentType: WGPUSubgroupMatrixComponentType,
    pub resultComponentType: WGPUSubgroupMatrixComponentType,
    pub M: u32,
    pub N: u32,
    pub K: u32,
}

/// `WGPUAdapterPropertiesSubgroupMatrixConfigs`: filled by `wgpuAdapterGetInfo`; free its members with
/// [`wgpuAdapterPropertiesSubgroupMatrixConfigsFreeMembers`].
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct WGPUAdapterPropertiesSubgroupMatrixConfigs {
    pub chain: WGPUChainedStruct,
    pub configCount: usize,
    pub configs: *const WGPUSubgroupMatrixConfig,
}

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<WGPUDawnTogglesDescriptor>() == 48);
    assert!(align_of::<WGPUDawnTogglesDescriptor>() == 8);
    assert!(offset_of!(WGPUDawnTogglesDescriptor, enabledToggleCount) == 16);
    assert!(offset_of!(WGPUDawnTogglesDescriptor, disabledToggles) == 40);
    assert!(size_of::<WGPUSubgroupMatrixConfig>() == 20);
    assert!(size_of::<WGPUAdapterPropertiesSubgroupMatrixConfigs>() == 32);
    assert!(offset_of!(WGPUAdapterPropertiesSubgroupMatrixConfigs, configs) == 24);
};

#[cfg(feature = "linked")]
unsafe extern "C" {
    /// `wgpuDeviceForceLoss`: loses the device now, as a real loss would (for testing loss handling).
    pub fn wgpuDeviceForceLoss(
        device: WGPUDevice,
        reason: WGPUDeviceLostReason,
        message: WGPUStringView,
    );
    /// Frees what `wgpuAdapterGetInfo` allocated into a [`WGPUAdapterPropertiesSubgroupMatrixConfigs`].
    pub fn wgpuAdapterPropertiesSubgroupMatrixConfigsFreeMembers(
        value: WGPUAdapterPropertiesSubgroupMatrixConfigs,
    );
}
