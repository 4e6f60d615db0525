//! Optional WebGPU and Dawn features (`WGPUFeatureName`) and sets of them.

use crate::types::c_enum;
use dawn_sys as sys;
use std::collections::BTreeSet;
use std::fmt;

/// Reads a `WGPUSupported*` list that `$fill` fills (`features`, `featureCount`) into a `Vec`, then frees
/// it with `$free`. Unsafe: `$fill` must fill the struct it is given.
macro_rules! supported_list {
    ($ty:ident, $free:ident, $fill:expr) => {{
        // SAFETY (caller's): plain data for Dawn to fill; zero is its empty value.
        let mut supported: dawn_sys::$ty = std::mem::zeroed();
        ($fill)(&mut supported);
        let list = if supported.features.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts(supported.features, supported.featureCount).to_vec()
        };
        dawn_sys::$free(supported);
        list
    }};
}

pub(crate) use supported_list;

c_enum! {
    /// An optional feature of an adapter or device (`WGPUFeatureName`), standard or Dawn-only.
    FeatureName(WGPUFeatureName) {
        /// Core features and limits (not compatibility mode).
        CoreFeaturesAndLimits = sys::WGPUFeatureName_CoreFeaturesAndLimits,
        /// `unclippedDepth` in primitive state.
        DepthClipControl = sys::WGPUFeatureName_DepthClipControl,
        /// The `depth32float-stencil8` format.
        Depth32FloatStencil8 = sys::WGPUFeatureName_Depth32FloatStencil8,
        /// BC compressed textures.
        TextureCompressionBC = sys::WGPUFeatureName_TextureCompressionBC,
        /// BC compressed 3D textures.
        TextureCompressionBCSliced3D = sys::WGPUFeatureName_TextureCompressionBCSliced3D,
        /// ETC2 compressed textures.
        TextureCompressionETC2 = sys::WGPUFeatureName_TextureCompressionETC2,
        /// ASTC compressed textures.
        TextureCompressionASTC = sys::WGPUFeatureName_TextureCompressionASTC,
        /// ASTC compressed 3D textures.
        TextureCompressionASTCSliced3D = sys::WGPUFeatureName_TextureCompressionASTCSliced3D,
        /// Timestamp queries in passes.
        TimestampQuery = sys::WGPUFeatureName_TimestampQuery,
        /// `firstInstance` in indirect draws.
        IndirectFirstInstance = sys::WGPUFeatureName_IndirectFirstInstance,
        /// `f16` in WGSL.
        ShaderF16 = sys::WGPUFeatureName_ShaderF16,
        /// Renderable `rg11b10ufloat`.
        RG11B10UfloatRenderable = sys::WGPUFeatureName_RG11B10UfloatRenderable,
        /// `bgra8unorm` storage textures.
        BGRA8UnormStorage = sys::WGPUFeatureName_BGRA8UnormStorage,
        /// Filterable 32-bit float textures.
        Float32Filterable = sys::WGPUFeatureName_Float32Filterable,
        /// Blendable 32-bit float textures.
        Float32Blendable = sys::WGPUFeatureName_Float32Blendable,
        /// `clip_distances` in WGSL.
        ClipDistances = sys::WGPUFeatureName_ClipDistances,
        /// Dual-source blending.
        DualSourceBlending = sys::WGPUFeatureName_DualSourceBlending,
        /// Subgroup operations in WGSL (`enable subgroups;`).
        Subgroups = sys::WGPUFeatureName_Subgroups,
        /// Texture formats tier 1.
        TextureFormatsTier1 = sys::WGPUFeatureName_TextureFormatsTier1,
        /// Texture formats tier 2.
        TextureFormatsTier2 = sys::WGPUFeatureName_TextureFormatsTier2,
        /// `primitive_index` in WGSL.
        PrimitiveIndex = sys::WGPUFeatureName_PrimitiveIndex,
        /// Texture component swizzles.
        TextureComponentSwizzle = sys::WGPUFeatureName_TextureComponentSwizzle,
        /// `@subgroup_size` on compute entry points (standard; newer than the pinned `webgpu.h`).
        SubgroupSizeControl = sys::dawn_ext::WGPUFeatureName_SubgroupSizeControl,
        /// Dawn-only (`WGPUFeatureName_DawnInternalUsages`).
        DawnInternalUsages = sys::dawn_ext::WGPUFeatureName_DawnInternalUsages,
        /// Dawn-only (`WGPUFeatureName_DawnMultiPlanarFormats`).
        DawnMultiPlanarFormats = sys::dawn_ext::WGPUFeatureName_DawnMultiPlanarFormats,
        /// Dawn-only (`WGPUFeatureName_DawnNative`).
        DawnNative = sys::dawn_ext::WGPUFeatureName_DawnNative,
        /// Dawn-only (`WGPUFeatureName_ChromiumExperimentalTimestampQueryInsidePasses`).
        ChromiumExperimentalTimestampQueryInsidePasses = sys::dawn_ext::WGPUFeatureName_ChromiumExperimentalTimestampQueryInsidePasses,
        /// Dawn-only: the device locks itself around every call, so it may be shared between threads.
        /// [`Adapter::request_device`](crate::Adapter::request_device) always asks for it.
        ImplicitDeviceSynchronization = sys::dawn_ext::WGPUFeatureName_ImplicitDeviceSynchronization,
        /// Dawn-only (`WGPUFeatureName_TransientAttachments`).
        TransientAttachments = sys::dawn_ext::WGPUFeatureName_TransientAttachments,
        /// Dawn-only (`WGPUFeatureName_MSAARenderToSingleSampled`).
        MSAARenderToSingleSampled = sys::dawn_ext::WGPUFeatureName_MSAARenderToSingleSampled,
        /// Dawn-only (`WGPUFeatureName_D3D11MultithreadProtected`).
        D3D11MultithreadProtected = sys::dawn_ext::WGPUFeatureName_D3D11MultithreadProtected,
        /// Dawn-only (`WGPUFeatureName_ANGLETextureSharing`).
        ANGLETextureSharing = sys::dawn_ext::WGPUFeatureName_ANGLETextureSharing,
        /// Dawn-only (`WGPUFeatureName_PixelLocalStorageCoherent`).
        PixelLocalStorageCoherent = sys::dawn_ext::WGPUFeatureName_PixelLocalStorageCoherent,
        /// Dawn-only (`WGPUFeatureName_PixelLocalStorageNonCoherent`).
        PixelLocalStorageNonCoherent = sys::dawn_ext::WGPUFeatureName_PixelLocalStorageNonCoherent,
        /// Dawn-only (`WGPUFeatureName_Unorm16TextureFormats`).
        Unorm16TextureFormats = sys::dawn_ext::WGPUFeatureName_Unorm16TextureFormats,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatExtendedUsages`).
        MultiPlanarFormatExtendedUsages = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatExtendedUsages,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatP010`).
        MultiPlanarFormatP010 = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatP010,
        /// Dawn-only (`WGPUFeatureName_HostMappedPointer`).
        HostMappedPointer = sys::dawn_ext::WGPUFeatureName_HostMappedPointer,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarRenderTargets`).
        MultiPlanarRenderTargets = sys::dawn_ext::WGPUFeatureName_MultiPlanarRenderTargets,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatNv12a`).
        MultiPlanarFormatNv12a = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatNv12a,
        /// Dawn-only (`WGPUFeatureName_FramebufferFetch`).
        FramebufferFetch = sys::dawn_ext::WGPUFeatureName_FramebufferFetch,
        /// Dawn-only (`WGPUFeatureName_BufferMapExtendedUsages`).
        BufferMapExtendedUsages = sys::dawn_ext::WGPUFeatureName_BufferMapExtendedUsages,
        /// Dawn-only (`WGPUFeatureName_AdapterPropertiesMemoryHeaps`).
        AdapterPropertiesMemoryHeaps = sys::dawn_ext::WGPUFeatureName_AdapterPropertiesMemoryHeaps,
        /// Dawn-only (`WGPUFeatureName_AdapterPropertiesD3D`).
        AdapterPropertiesD3D = sys::dawn_ext::WGPUFeatureName_AdapterPropertiesD3D,
        /// Dawn-only (`WGPUFeatureName_AdapterPropertiesVk`).
        AdapterPropertiesVk = sys::dawn_ext::WGPUFeatureName_AdapterPropertiesVk,
        /// Dawn-only (`WGPUFeatureName_DawnFormatCapabilities`).
        DawnFormatCapabilities = sys::dawn_ext::WGPUFeatureName_DawnFormatCapabilities,
        /// Dawn-only (`WGPUFeatureName_DawnDrmFormatCapabilities`).
        DawnDrmFormatCapabilities = sys::dawn_ext::WGPUFeatureName_DawnDrmFormatCapabilities,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatNv16`).
        MultiPlanarFormatNv16 = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatNv16,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatNv24`).
        MultiPlanarFormatNv24 = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatNv24,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatP210`).
        MultiPlanarFormatP210 = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatP210,
        /// Dawn-only (`WGPUFeatureName_MultiPlanarFormatP410`).
        MultiPlanarFormatP410 = sys::dawn_ext::WGPUFeatureName_MultiPlanarFormatP410,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryVkDedicatedAllocation`).
        SharedTextureMemoryVkDedicatedAllocation = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryVkDedicatedAllocation,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryAHardwareBuffer`).
        SharedTextureMemoryAHardwareBuffer = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryAHardwareBuffer,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryDmaBuf`).
        SharedTextureMemoryDmaBuf = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryDmaBuf,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryOpaqueFD`).
        SharedTextureMemoryOpaqueFD = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryOpaqueFD,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryZirconHandle`).
        SharedTextureMemoryZirconHandle = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryZirconHandle,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryDXGISharedHandle`).
        SharedTextureMemoryDXGISharedHandle = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryDXGISharedHandle,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryD3D11Texture2D`).
        SharedTextureMemoryD3D11Texture2D = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryD3D11Texture2D,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryIOSurface`).
        SharedTextureMemoryIOSurface = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryIOSurface,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryEGLImage`).
        SharedTextureMemoryEGLImage = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryEGLImage,
        /// Dawn-only (`WGPUFeatureName_SharedFenceVkSemaphoreOpaqueFD`).
        SharedFenceVkSemaphoreOpaqueFD = sys::dawn_ext::WGPUFeatureName_SharedFenceVkSemaphoreOpaqueFD,
        /// Dawn-only (`WGPUFeatureName_SharedFenceSyncFD`).
        SharedFenceSyncFD = sys::dawn_ext::WGPUFeatureName_SharedFenceSyncFD,
        /// Dawn-only (`WGPUFeatureName_SharedFenceVkSemaphoreZirconHandle`).
        SharedFenceVkSemaphoreZirconHandle = sys::dawn_ext::WGPUFeatureName_SharedFenceVkSemaphoreZirconHandle,
        /// Dawn-only (`WGPUFeatureName_SharedFenceDXGISharedHandle`).
        SharedFenceDXGISharedHandle = sys::dawn_ext::WGPUFeatureName_SharedFenceDXGISharedHandle,
        /// Dawn-only (`WGPUFeatureName_SharedFenceMTLSharedEvent`).
        SharedFenceMTLSharedEvent = sys::dawn_ext::WGPUFeatureName_SharedFenceMTLSharedEvent,
        /// Dawn-only (`WGPUFeatureName_SharedBufferMemoryD3D12Resource`).
        SharedBufferMemoryD3D12Resource = sys::dawn_ext::WGPUFeatureName_SharedBufferMemoryD3D12Resource,
        /// Dawn-only (`WGPUFeatureName_StaticSamplers`).
        StaticSamplers = sys::dawn_ext::WGPUFeatureName_StaticSamplers,
        /// Dawn-only (`WGPUFeatureName_YCbCrVulkanSamplers`).
        YCbCrVulkanSamplers = sys::dawn_ext::WGPUFeatureName_YCbCrVulkanSamplers,
        /// Dawn-only (`WGPUFeatureName_ShaderModuleCompilationOptions`).
        ShaderModuleCompilationOptions = sys::dawn_ext::WGPUFeatureName_ShaderModuleCompilationOptions,
        /// Dawn-only (`WGPUFeatureName_DawnLoadResolveTexture`).
        DawnLoadResolveTexture = sys::dawn_ext::WGPUFeatureName_DawnLoadResolveTexture,
        /// Dawn-only (`WGPUFeatureName_DawnPartialLoadResolveTexture`).
        DawnPartialLoadResolveTexture = sys::dawn_ext::WGPUFeatureName_DawnPartialLoadResolveTexture,
        /// Dawn-only (`WGPUFeatureName_MultiDrawIndirect`).
        MultiDrawIndirect = sys::dawn_ext::WGPUFeatureName_MultiDrawIndirect,
        /// Dawn-only (`WGPUFeatureName_DawnTexelCopyBufferRowAlignment`).
        DawnTexelCopyBufferRowAlignment = sys::dawn_ext::WGPUFeatureName_DawnTexelCopyBufferRowAlignment,
        /// Dawn-only (`WGPUFeatureName_FlexibleTextureViews`).
        FlexibleTextureViews = sys::dawn_ext::WGPUFeatureName_FlexibleTextureViews,
        /// Dawn-only: cooperative subgroup matrices in WGSL (needs the `allow_unsafe_apis` toggle).
        ChromiumExperimentalSubgroupMatrix = sys::dawn_ext::WGPUFeatureName_ChromiumExperimentalSubgroupMatrix,
        /// Dawn-only (`WGPUFeatureName_SharedFenceEGLSync`).
        SharedFenceEGLSync = sys::dawn_ext::WGPUFeatureName_SharedFenceEGLSync,
        /// Dawn-only (`WGPUFeatureName_DawnDeviceAllocatorControl`).
        DawnDeviceAllocatorControl = sys::dawn_ext::WGPUFeatureName_DawnDeviceAllocatorControl,
        /// Dawn-only (`WGPUFeatureName_AdapterPropertiesWGPU`).
        AdapterPropertiesWGPU = sys::dawn_ext::WGPUFeatureName_AdapterPropertiesWGPU,
        /// Dawn-only (`WGPUFeatureName_SharedBufferMemoryD3D12SharedMemoryFileMappingHandle`).
        SharedBufferMemoryD3D12SharedMemoryFileMappingHandle = sys::dawn_ext::WGPUFeatureName_SharedBufferMemoryD3D12SharedMemoryFileMappingHandle,
        /// Dawn-only (`WGPUFeatureName_SharedTextureMemoryD3D12Resource`).
        SharedTextureMemoryD3D12Resource = sys::dawn_ext::WGPUFeatureName_SharedTextureMemoryD3D12Resource,
        /// Dawn-only (`WGPUFeatureName_ChromiumExperimentalSamplingResourceTable`).
        ChromiumExperimentalSamplingResourceTable = sys::dawn_ext::WGPUFeatureName_ChromiumExperimentalSamplingResourceTable,
        /// Dawn-only (`WGPUFeatureName_ChromiumExperimentalSubgroupSizeControl`).
        ChromiumExperimentalSubgroupSizeControl = sys::dawn_ext::WGPUFeatureName_ChromiumExperimentalSubgroupSizeControl,
        /// Dawn-only (`WGPUFeatureName_AtomicVec2uMinMax`).
        AtomicVec2uMinMax = sys::dawn_ext::WGPUFeatureName_AtomicVec2uMinMax,
        /// Dawn-only (`WGPUFeatureName_Unorm16FormatsForExternalTexture`).
        Unorm16FormatsForExternalTexture = sys::dawn_ext::WGPUFeatureName_Unorm16FormatsForExternalTexture,
        /// Dawn-only (`WGPUFeatureName_OpaqueYCbCrAndroidForExternalTexture`).
        OpaqueYCbCrAndroidForExternalTexture = sys::dawn_ext::WGPUFeatureName_OpaqueYCbCrAndroidForExternalTexture,
        /// Dawn-only (`WGPUFeatureName_Unorm16Filterable`).
        Unorm16Filterable = sys::dawn_ext::WGPUFeatureName_Unorm16Filterable,
        /// Dawn-only (`WGPUFeatureName_RenderPassRenderArea`).
        RenderPassRenderArea = sys::dawn_ext::WGPUFeatureName_RenderPassRenderArea,
        /// Dawn-only (`WGPUFeatureName_DawnNativeSpontaneousQueueEvents`).
        DawnNativeSpontaneousQueueEvents = sys::dawn_ext::WGPUFeatureName_DawnNativeSpontaneousQueueEvents,
        /// Dawn-only (`WGPUFeatureName_AdapterPropertiesDrm`).
        AdapterPropertiesDrm = sys::dawn_ext::WGPUFeatureName_AdapterPropertiesDrm,
    }
}

/// A set of features, as an adapter or device reports them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Features(BTreeSet<FeatureName>);

impl Features {
    /// Whether `feature` is in the set.
    pub fn contains(&self, feature: FeatureName) -> bool {
        self.0.contains(&feature)
    }

    /// The features, in value order.
    pub fn iter(&self) -> impl Iterator<Item = FeatureName> + '_ {
        self.0.iter().copied()
    }

    /// How many features the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The features Dawn lists through `fill` (an adapter's or device's `GetFeatures`).
    ///
    /// # Safety
    /// `fill` must be a `GetFeatures` call that fills the struct it is given.
    pub(crate) unsafe fn read(fill: impl FnOnce(*mut sys::WGPUSupportedFeatures)) -> Self {
        // SAFETY: as the caller promised.
        let list = unsafe {
            supported_list!(
                WGPUSupportedFeatures,
                wgpuSupportedFeaturesFreeMembers,
                fill
            )
        };
        Features(list.into_iter().map(FeatureName).collect())
    }
}

impl FromIterator<FeatureName> for Features {
    fn from_iter<I: IntoIterator<Item = FeatureName>>(iter: I) -> Self {
        Features(iter.into_iter().collect())
    }
}

/// Lists the features by name (unknown ones by number), comma-separated.
impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, feature) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{feature}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}
