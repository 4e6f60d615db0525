//! Adapters and instances: backends, adapter types, power preference, feature levels, instance and WGSL language features.

use dawn_sys as sys;

c_enum! {
    /// The graphics API an adapter runs on (`WGPUBackendType`).
    BackendType(WGPUBackendType) {
        /// No preference (in requests) or not known.
        Undefined = sys::WGPUBackendType_Undefined,
        /// Dawn's null backend.
        Null = sys::WGPUBackendType_Null,
        /// WebGPU in a browser.
        WebGPU = sys::WGPUBackendType_WebGPU,
        /// Direct3D 11.
        D3D11 = sys::WGPUBackendType_D3D11,
        /// Direct3D 12.
        D3D12 = sys::WGPUBackendType_D3D12,
        /// Metal.
        Metal = sys::WGPUBackendType_Metal,
        /// Vulkan.
        Vulkan = sys::WGPUBackendType_Vulkan,
        /// OpenGL.
        OpenGL = sys::WGPUBackendType_OpenGL,
        /// OpenGL ES.
        OpenGLES = sys::WGPUBackendType_OpenGLES,
    }
}

c_enum! {
    /// What kind of processor an adapter is (`WGPUAdapterType`).
    AdapterType(WGPUAdapterType) {
        /// A discrete GPU.
        DiscreteGPU = sys::WGPUAdapterType_DiscreteGPU,
        /// An integrated GPU.
        IntegratedGPU = sys::WGPUAdapterType_IntegratedGPU,
        /// A CPU implementation (lavapipe, SwiftShader).
        CPU = sys::WGPUAdapterType_CPU,
        /// Not known.
        Unknown = sys::WGPUAdapterType_Unknown,
    }
}

c_enum! {
    /// Which adapter to prefer when several exist (`WGPUPowerPreference`).
    PowerPreference(WGPUPowerPreference) {
        /// No preference.
        Undefined = sys::WGPUPowerPreference_Undefined,
        /// Prefer the adapter that draws less power.
        LowPower = sys::WGPUPowerPreference_LowPower,
        /// Prefer the fastest adapter.
        HighPerformance = sys::WGPUPowerPreference_HighPerformance,
    }
}

c_enum! {
    /// The WebGPU feature level of an adapter request (`WGPUFeatureLevel`).
    FeatureLevel(WGPUFeatureLevel) {
        /// The default (core).
        Undefined = sys::WGPUFeatureLevel_Undefined,
        /// The compatibility subset.
        Compatibility = sys::WGPUFeatureLevel_Compatibility,
        /// Core WebGPU.
        Core = sys::WGPUFeatureLevel_Core,
    }
}

c_enum! {
    /// An optional feature of the instance (`WGPUInstanceFeatureName`); see
    /// [`Instance::supported_features`](crate::Instance::supported_features).
    InstanceFeatureName(WGPUInstanceFeatureName) {
        /// `wgpuInstanceWaitAny` with a timeout (every [`Instance`](crate::Instance) of this crate has it).
        TimedWaitAny = sys::WGPUInstanceFeatureName_TimedWaitAny,
        /// SPIR-V shader sources.
        ShaderSourceSPIRV = sys::WGPUInstanceFeatureName_ShaderSourceSPIRV,
        /// Adapters that may create more than one device.
        MultipleDevicesPerAdapter = sys::WGPUInstanceFeatureName_MultipleDevicesPerAdapter,
    }
}

c_enum! {
    /// A WGSL language extension (`WGPUWGSLLanguageFeatureName`), usable without `enable`; see
    /// [`Instance::wgsl_language_features`](crate::Instance::wgsl_language_features).
    WGSLLanguageFeatureName(WGPUWGSLLanguageFeatureName) {
        /// `readonly_and_readwrite_storage_textures`.
        ReadonlyAndReadwriteStorageTextures = sys::WGPUWGSLLanguageFeatureName_ReadonlyAndReadwriteStorageTextures,
        /// `packed_4x8_integer_dot_product`.
        Packed4x8IntegerDotProduct = sys::WGPUWGSLLanguageFeatureName_Packed4x8IntegerDotProduct,
        /// `unrestricted_pointer_parameters`.
        UnrestrictedPointerParameters = sys::WGPUWGSLLanguageFeatureName_UnrestrictedPointerParameters,
        /// `pointer_composite_access`.
        PointerCompositeAccess = sys::WGPUWGSLLanguageFeatureName_PointerCompositeAccess,
        /// `uniform_buffer_standard_layout`.
        UniformBufferStandardLayout = sys::WGPUWGSLLanguageFeatureName_UniformBufferStandardLayout,
        /// `subgroup_id`.
        SubgroupId = sys::WGPUWGSLLanguageFeatureName_SubgroupId,
        /// `texture_and_sampler_let`.
        TextureAndSamplerLet = sys::WGPUWGSLLanguageFeatureName_TextureAndSamplerLet,
        /// `subgroup_uniformity`.
        SubgroupUniformity = sys::WGPUWGSLLanguageFeatureName_SubgroupUniformity,
        /// `texture_formats_tier1`.
        TextureFormatsTier1 = sys::WGPUWGSLLanguageFeatureName_TextureFormatsTier1,
        /// `linear_indexing`.
        LinearIndexing = sys::WGPUWGSLLanguageFeatureName_LinearIndexing,
    }
}
