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

/// `WGPUFeatureName_SubgroupSizeControl` (`@subgroup_size` on compute entry points): a standard value of
/// webgpu-headers and Dawn's `dawn.json`, newer than the pinned `webgpu.h`; this Dawn reports it (lavapipe
/// and the H200 do).
pub const WGPUFeatureName_SubgroupSizeControl: WGPUFeatureName = 0x0000_0017;

// The Dawn-only `WGPUFeatureName` values of this Dawn (about August 2026), as Dawn's own header names them.
// `ImplicitDeviceSynchronization` makes Dawn lock the device around every call, so one device may be used
// from several threads; `ChromiumExperimentalSubgroupMatrix` gives cooperative matrices (needs the
// `allow_unsafe_apis` toggle).
/// `WGPUFeatureName_DawnInternalUsages` (Dawn-only).
pub const WGPUFeatureName_DawnInternalUsages: WGPUFeatureName = 0x0005_0000;
/// `WGPUFeatureName_DawnMultiPlanarFormats` (Dawn-only).
pub const WGPUFeatureName_DawnMultiPlanarFormats: WGPUFeatureName = 0x0005_0001;
/// `WGPUFeatureName_DawnNative` (Dawn-only).
pub const WGPUFeatureName_DawnNative: WGPUFeatureName = 0x0005_0002;
/// `WGPUFeatureName_ChromiumExperimentalTimestampQueryInsidePasses` (Dawn-only).
pub const WGPUFeatureName_ChromiumExperimentalTimestampQueryInsidePasses: WGPUFeatureName =
    0x0005_0003;
/// `WGPUFeatureName_ImplicitDeviceSynchronization` (Dawn-only).
pub const WGPUFeatureName_ImplicitDeviceSynchronization: WGPUFeatureName = 0x0005_0004;
/// `WGPUFeatureName_TransientAttachments` (Dawn-only).
pub const WGPUFeatureName_TransientAttachments: WGPUFeatureName = 0x0005_0006;
/// `WGPUFeatureName_MSAARenderToSingleSampled` (Dawn-only).
pub const WGPUFeatureName_MSAARenderToSingleSampled: WGPUFeatureName = 0x0005_0007;
/// `WGPUFeatureName_D3D11MultithreadProtected` (Dawn-only).
pub const WGPUFeatureName_D3D11MultithreadProtected: WGPUFeatureName = 0x0005_0008;
/// `WGPUFeatureName_ANGLETextureSharing` (Dawn-only).
pub const WGPUFeatureName_ANGLETextureSharing: WGPUFeatureName = 0x0005_0009;
/// `WGPUFeatureName_PixelLocalStorageCoherent` (Dawn-only).
pub const WGPUFeatureName_PixelLocalStorageCoherent: WGPUFeatureName = 0x0005_000A;
/// `WGPUFeatureName_PixelLocalStorageNonCoherent` (Dawn-only).
pub const WGPUFeatureName_PixelLocalStorageNonCoherent: WGPUFeatureName = 0x0005_000B;
/// `WGPUFeatureName_Unorm16TextureFormats` (Dawn-only).
pub const WGPUFeatureName_Unorm16TextureFormats: WGPUFeatureName = 0x0005_000C;
/// `WGPUFeatureName_MultiPlanarFormatExtendedUsages` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatExtendedUsages: WGPUFeatureName = 0x0005_000D;
/// `WGPUFeatureName_MultiPlanarFormatP010` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatP010: WGPUFeatureName = 0x0005_000E;
/// `WGPUFeatureName_HostMappedPointer` (Dawn-only).
pub const WGPUFeatureName_HostMappedPointer: WGPUFeatureName = 0x0005_000F;
/// `WGPUFeatureName_MultiPlanarRenderTargets` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarRenderTargets: WGPUFeatureName = 0x0005_0010;
/// `WGPUFeatureName_MultiPlanarFormatNv12a` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatNv12a: WGPUFeatureName = 0x0005_0011;
/// `WGPUFeatureName_FramebufferFetch` (Dawn-only).
pub const WGPUFeatureName_FramebufferFetch: WGPUFeatureName = 0x0005_0012;
/// `WGPUFeatureName_BufferMapExtendedUsages` (Dawn-only).
pub const WGPUFeatureName_BufferMapExtendedUsages: WGPUFeatureName = 0x0005_0013;
/// `WGPUFeatureName_AdapterPropertiesMemoryHeaps` (Dawn-only).
pub const WGPUFeatureName_AdapterPropertiesMemoryHeaps: WGPUFeatureName = 0x0005_0014;
/// `WGPUFeatureName_AdapterPropertiesD3D` (Dawn-only).
pub const WGPUFeatureName_AdapterPropertiesD3D: WGPUFeatureName = 0x0005_0015;
/// `WGPUFeatureName_AdapterPropertiesVk` (Dawn-only).
pub const WGPUFeatureName_AdapterPropertiesVk: WGPUFeatureName = 0x0005_0016;
/// `WGPUFeatureName_DawnFormatCapabilities` (Dawn-only).
pub const WGPUFeatureName_DawnFormatCapabilities: WGPUFeatureName = 0x0005_0017;
/// `WGPUFeatureName_DawnDrmFormatCapabilities` (Dawn-only).
pub const WGPUFeatureName_DawnDrmFormatCapabilities: WGPUFeatureName = 0x0005_0018;
/// `WGPUFeatureName_MultiPlanarFormatNv16` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatNv16: WGPUFeatureName = 0x0005_0019;
/// `WGPUFeatureName_MultiPlanarFormatNv24` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatNv24: WGPUFeatureName = 0x0005_001A;
/// `WGPUFeatureName_MultiPlanarFormatP210` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatP210: WGPUFeatureName = 0x0005_001B;
/// `WGPUFeatureName_MultiPlanarFormatP410` (Dawn-only).
pub const WGPUFeatureName_MultiPlanarFormatP410: WGPUFeatureName = 0x0005_001C;
/// `WGPUFeatureName_SharedTextureMemoryVkDedicatedAllocation` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryVkDedicatedAllocation: WGPUFeatureName = 0x0005_001D;
/// `WGPUFeatureName_SharedTextureMemoryAHardwareBuffer` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryAHardwareBuffer: WGPUFeatureName = 0x0005_001E;
/// `WGPUFeatureName_SharedTextureMemoryDmaBuf` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryDmaBuf: WGPUFeatureName = 0x0005_001F;
/// `WGPUFeatureName_SharedTextureMemoryOpaqueFD` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryOpaqueFD: WGPUFeatureName = 0x0005_0020;
/// `WGPUFeatureName_SharedTextureMemoryZirconHandle` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryZirconHandle: WGPUFeatureName = 0x0005_0021;
/// `WGPUFeatureName_SharedTextureMemoryDXGISharedHandle` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryDXGISharedHandle: WGPUFeatureName = 0x0005_0022;
/// `WGPUFeatureName_SharedTextureMemoryD3D11Texture2D` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryD3D11Texture2D: WGPUFeatureName = 0x0005_0023;
/// `WGPUFeatureName_SharedTextureMemoryIOSurface` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryIOSurface: WGPUFeatureName = 0x0005_0024;
/// `WGPUFeatureName_SharedTextureMemoryEGLImage` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryEGLImage: WGPUFeatureName = 0x0005_0025;
/// `WGPUFeatureName_SharedFenceVkSemaphoreOpaqueFD` (Dawn-only).
pub const WGPUFeatureName_SharedFenceVkSemaphoreOpaqueFD: WGPUFeatureName = 0x0005_0026;
/// `WGPUFeatureName_SharedFenceSyncFD` (Dawn-only).
pub const WGPUFeatureName_SharedFenceSyncFD: WGPUFeatureName = 0x0005_0027;
/// `WGPUFeatureName_SharedFenceVkSemaphoreZirconHandle` (Dawn-only).
pub const WGPUFeatureName_SharedFenceVkSemaphoreZirconHandle: WGPUFeatureName = 0x0005_0028;
/// `WGPUFeatureName_SharedFenceDXGISharedHandle` (Dawn-only).
pub const WGPUFeatureName_SharedFenceDXGISharedHandle: WGPUFeatureName = 0x0005_0029;
/// `WGPUFeatureName_SharedFenceMTLSharedEvent` (Dawn-only).
pub const WGPUFeatureName_SharedFenceMTLSharedEvent: WGPUFeatureName = 0x0005_002A;
/// `WGPUFeatureName_SharedBufferMemoryD3D12Resource` (Dawn-only).
pub const WGPUFeatureName_SharedBufferMemoryD3D12Resource: WGPUFeatureName = 0x0005_002B;
/// `WGPUFeatureName_StaticSamplers` (Dawn-only).
pub const WGPUFeatureName_StaticSamplers: WGPUFeatureName = 0x0005_002C;
/// `WGPUFeatureName_YCbCrVulkanSamplers` (Dawn-only).
pub const WGPUFeatureName_YCbCrVulkanSamplers: WGPUFeatureName = 0x0005_002D;
/// `WGPUFeatureName_ShaderModuleCompilationOptions` (Dawn-only).
pub const WGPUFeatureName_ShaderModuleCompilationOptions: WGPUFeatureName = 0x0005_002E;
/// `WGPUFeatureName_DawnLoadResolveTexture` (Dawn-only).
pub const WGPUFeatureName_DawnLoadResolveTexture: WGPUFeatureName = 0x0005_002F;
/// `WGPUFeatureName_DawnPartialLoadResolveTexture` (Dawn-only).
pub const WGPUFeatureName_DawnPartialLoadResolveTexture: WGPUFeatureName = 0x0005_0030;
/// `WGPUFeatureName_MultiDrawIndirect` (Dawn-only).
pub const WGPUFeatureName_MultiDrawIndirect: WGPUFeatureName = 0x0005_0031;
/// `WGPUFeatureName_DawnTexelCopyBufferRowAlignment` (Dawn-only).
pub const WGPUFeatureName_DawnTexelCopyBufferRowAlignment: WGPUFeatureName = 0x0005_0032;
/// `WGPUFeatureName_FlexibleTextureViews` (Dawn-only).
pub const WGPUFeatureName_FlexibleTextureViews: WGPUFeatureName = 0x0005_0033;
/// `WGPUFeatureName_ChromiumExperimentalSubgroupMatrix` (Dawn-only).
pub const WGPUFeatureName_ChromiumExperimentalSubgroupMatrix: WGPUFeatureName = 0x0005_0034;
/// `WGPUFeatureName_SharedFenceEGLSync` (Dawn-only).
pub const WGPUFeatureName_SharedFenceEGLSync: WGPUFeatureName = 0x0005_0035;
/// `WGPUFeatureName_DawnDeviceAllocatorControl` (Dawn-only).
pub const WGPUFeatureName_DawnDeviceAllocatorControl: WGPUFeatureName = 0x0005_0036;
/// `WGPUFeatureName_AdapterPropertiesWGPU` (Dawn-only).
pub const WGPUFeatureName_AdapterPropertiesWGPU: WGPUFeatureName = 0x0005_0037;
/// `WGPUFeatureName_SharedBufferMemoryD3D12SharedMemoryFileMappingHandle` (Dawn-only).
pub const WGPUFeatureName_SharedBufferMemoryD3D12SharedMemoryFileMappingHandle: WGPUFeatureName =
    0x0005_0038;
/// `WGPUFeatureName_SharedTextureMemoryD3D12Resource` (Dawn-only).
pub const WGPUFeatureName_SharedTextureMemoryD3D12Resource: WGPUFeatureName = 0x0005_0039;
/// `WGPUFeatureName_ChromiumExperimentalSamplingResourceTable` (Dawn-only).
pub const WGPUFeatureName_ChromiumExperimentalSamplingResourceTable: WGPUFeatureName = 0x0005_003A;
/// `WGPUFeatureName_ChromiumExperimentalSubgroupSizeControl` (Dawn-only).
pub const WGPUFeatureName_ChromiumExperimentalSubgroupSizeControl: WGPUFeatureName = 0x0005_003B;
/// `WGPUFeatureName_AtomicVec2uMinMax` (Dawn-only).
pub const WGPUFeatureName_AtomicVec2uMinMax: WGPUFeatureName = 0x0005_003C;
/// `WGPUFeatureName_Unorm16FormatsForExternalTexture` (Dawn-only).
pub const WGPUFeatureName_Unorm16FormatsForExternalTexture: WGPUFeatureName = 0x0005_003D;
/// `WGPUFeatureName_OpaqueYCbCrAndroidForExternalTexture` (Dawn-only).
pub const WGPUFeatureName_OpaqueYCbCrAndroidForExternalTexture: WGPUFeatureName = 0x0005_003E;
/// `WGPUFeatureName_Unorm16Filterable` (Dawn-only).
pub const WGPUFeatureName_Unorm16Filterable: WGPUFeatureName = 0x0005_003F;
/// `WGPUFeatureName_RenderPassRenderArea` (Dawn-only).
pub const WGPUFeatureName_RenderPassRenderArea: WGPUFeatureName = 0x0005_0040;
/// `WGPUFeatureName_DawnNativeSpontaneousQueueEvents` (Dawn-only).
pub const WGPUFeatureName_DawnNativeSpontaneousQueueEvents: WGPUFeatureName = 0x0005_0041;
/// `WGPUFeatureName_AdapterPropertiesDrm` (Dawn-only).
pub const WGPUFeatureName_AdapterPropertiesDrm: WGPUFeatureName = 0x0005_0042;

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

crate::functions::c_functions! {
    /// The Dawn-only functions of [`dawn_ext`], resolved from one library (feature
    /// `loaded`), as [`DawnLibrary`](crate::dynamic::DawnLibrary) resolves the standard ones.
    table: dynamic::DawnOnlyLibrary,
    loaded: crate::loader::loaded().dawn_only,
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
}
