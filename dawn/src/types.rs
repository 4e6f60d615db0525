//! WebGPU enums and bitmasks as newtypes over the C values.
//!
//! Each enum is a `#[repr(transparent)]` newtype with one associated constant per value (named as in Dawn's
//! `webgpu_cpp.h`), so any value Dawn hands back, even one this crate does not know, stays sound and prints as
//! its number. Bitmasks are newtypes with `|`, `&` and [`contains`](BufferUsage::contains).

use dawn_sys as sys;

/// Declares an enum newtype over a C enum.
macro_rules! c_enum {
    ($(#[$meta:meta])* $name:ident($c:ident) { $($(#[$vmeta:meta])* $variant:ident = $value:path,)* }) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub sys::$c);

        #[allow(non_upper_case_globals)]
        impl $name {
            $($(#[$vmeta])* pub const $variant: Self = Self($value);)*

            /// Every value this crate knows, with its name.
            pub const ALL: &'static [(Self, &'static str)] = &[$((Self::$variant, stringify!($variant)),)*];

            /// The value's name as in `webgpu.h`, or `None` for a value this crate does not know.
            pub fn name(self) -> Option<&'static str> {
                Self::ALL.iter().find(|(v, _)| *v == self).map(|(_, n)| *n)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }
    };
}

/// Declares a bitmask newtype over a C flags type.
macro_rules! c_flags {
    ($(#[$meta:meta])* $name:ident($c:ident) { $($(#[$vmeta:meta])* $flag:ident = $value:path,)* }) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub sys::$c);

        #[allow(non_upper_case_globals)]
        impl $name {
            /// No flag set.
            pub const None: Self = Self(0);
            $($(#[$vmeta])* pub const $flag: Self = Self($value);)*

            /// Every flag this crate knows, with its name.
            pub const ALL: &'static [(Self, &'static str)] = &[$((Self::$flag, stringify!($flag)),)*];

            /// The raw bits.
            pub const fn bits(self) -> sys::$c {
                self.0
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any flag of `other` is set in `self`.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// Whether no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                Self(self.0 | rhs.0)
            }
        }

        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: Self) {
                self.0 |= rhs.0;
            }
        }

        impl core::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                Self(self.0 & rhs.0)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                if self.0 == 0 {
                    return f.write_str("None");
                }
                let mut rest = self.0;
                let mut first = true;
                for (flag, name) in Self::ALL {
                    if self.contains(*flag) {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        f.write_str(name)?;
                        first = false;
                        rest &= !flag.0;
                    }
                }
                if rest != 0 {
                    if !first {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{:#x}", rest)?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use c_enum;

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
    /// Whether a buffer is mapped (`WGPUBufferMapState`).
    BufferMapState(WGPUBufferMapState) {
        /// Not mapped and no map pending.
        Unmapped = sys::WGPUBufferMapState_Unmapped,
        /// A `map_async` is in flight.
        Pending = sys::WGPUBufferMapState_Pending,
        /// Mapped: ranges may be read or written.
        Mapped = sys::WGPUBufferMapState_Mapped,
    }
}

c_enum! {
    /// How a buffer binding is used by shaders (`WGPUBufferBindingType`).
    BufferBindingType(WGPUBufferBindingType) {
        /// The entry binds no buffer.
        BindingNotUsed = sys::WGPUBufferBindingType_BindingNotUsed,
        /// Use the default (uniform).
        Undefined = sys::WGPUBufferBindingType_Undefined,
        /// `var<uniform>`.
        Uniform = sys::WGPUBufferBindingType_Uniform,
        /// `var<storage, read_write>`.
        Storage = sys::WGPUBufferBindingType_Storage,
        /// `var<storage, read>`.
        ReadOnlyStorage = sys::WGPUBufferBindingType_ReadOnlyStorage,
    }
}

c_enum! {
    /// Which errors an error scope catches (`WGPUErrorFilter`).
    ErrorFilter(WGPUErrorFilter) {
        /// Validation errors.
        Validation = sys::WGPUErrorFilter_Validation,
        /// Out-of-memory errors.
        OutOfMemory = sys::WGPUErrorFilter_OutOfMemory,
        /// Internal errors.
        Internal = sys::WGPUErrorFilter_Internal,
    }
}

c_enum! {
    /// The kind of a reported error (`WGPUErrorType`).
    ErrorType(WGPUErrorType) {
        /// No error.
        NoError = sys::WGPUErrorType_NoError,
        /// A validation error.
        Validation = sys::WGPUErrorType_Validation,
        /// Out of memory.
        OutOfMemory = sys::WGPUErrorType_OutOfMemory,
        /// An internal error.
        Internal = sys::WGPUErrorType_Internal,
        /// Unknown.
        Unknown = sys::WGPUErrorType_Unknown,
    }
}

c_enum! {
    /// The kind of queries a query set holds (`WGPUQueryType`).
    QueryType(WGPUQueryType) {
        /// Occlusion queries (render passes).
        Occlusion = sys::WGPUQueryType_Occlusion,
        /// GPU timestamps in nanoseconds (needs [`FeatureName::TimestampQuery`](crate::FeatureName::TimestampQuery)).
        Timestamp = sys::WGPUQueryType_Timestamp,
    }
}

c_enum! {
    /// Why a device was lost (`WGPUDeviceLostReason`).
    DeviceLostReason(WGPUDeviceLostReason) {
        /// Lost for a reason Dawn did not say (a driver reset, [`Device::force_loss`](crate::Device::force_loss)...).
        Unknown = sys::WGPUDeviceLostReason_Unknown,
        /// [`Device::destroy`](crate::Device::destroy) was called, or the last reference dropped.
        Destroyed = sys::WGPUDeviceLostReason_Destroyed,
        /// The instance went away before the device was lost.
        CallbackCancelled = sys::WGPUDeviceLostReason_CallbackCancelled,
        /// The device request failed.
        FailedCreation = sys::WGPUDeviceLostReason_FailedCreation,
    }
}

c_enum! {
    /// The severity of a shader compilation message (`WGPUCompilationMessageType`).
    CompilationMessageType(WGPUCompilationMessageType) {
        /// An error: the module is invalid.
        Error = sys::WGPUCompilationMessageType_Error,
        /// A warning.
        Warning = sys::WGPUCompilationMessageType_Warning,
        /// Information.
        Info = sys::WGPUCompilationMessageType_Info,
    }
}

c_flags! {
    /// How a buffer may be used (`WGPUBufferUsage`).
    BufferUsage(WGPUBufferUsage) {
        /// Mappable for reading; may be combined only with `CopyDst`.
        MapRead = sys::WGPUBufferUsage_MapRead,
        /// Mappable for writing; may be combined only with `CopySrc`.
        MapWrite = sys::WGPUBufferUsage_MapWrite,
        /// Source of copies.
        CopySrc = sys::WGPUBufferUsage_CopySrc,
        /// Destination of copies and `Queue::write_buffer`.
        CopyDst = sys::WGPUBufferUsage_CopyDst,
        /// Index buffer.
        Index = sys::WGPUBufferUsage_Index,
        /// Vertex buffer.
        Vertex = sys::WGPUBufferUsage_Vertex,
        /// Uniform buffer binding.
        Uniform = sys::WGPUBufferUsage_Uniform,
        /// Storage buffer binding.
        Storage = sys::WGPUBufferUsage_Storage,
        /// Indirect dispatch or draw arguments.
        Indirect = sys::WGPUBufferUsage_Indirect,
        /// Destination of `resolve_query_set`.
        QueryResolve = sys::WGPUBufferUsage_QueryResolve,
    }
}

c_flags! {
    /// The access a `map_async` asks for (`WGPUMapMode`).
    MapMode(WGPUMapMode) {
        /// Map for reading (the buffer needs `BufferUsage::MapRead`).
        Read = sys::WGPUMapMode_Read,
        /// Map for writing (the buffer needs `BufferUsage::MapWrite`).
        Write = sys::WGPUMapMode_Write,
    }
}

c_flags! {
    /// Shader stages that see a binding (`WGPUShaderStage`).
    ShaderStage(WGPUShaderStage) {
        /// Vertex shaders.
        Vertex = sys::WGPUShaderStage_Vertex,
        /// Fragment shaders.
        Fragment = sys::WGPUShaderStage_Fragment,
        /// Compute shaders.
        Compute = sys::WGPUShaderStage_Compute,
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
