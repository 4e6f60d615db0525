//! Textures and samplers: formats, usages, dimensions, aspects, binding types, sampling modes.

use dawn_sys as sys;

header_enum! {
    /// The format of a texture's texels (`WGPUTextureFormat`): every value of `webgpu.h`, named as there.
    /// [`block_copy_size`](TextureFormat::block_copy_size) gives the bytes one texel block takes in a copy.
    TextureFormat(WGPUTextureFormat)
}

impl TextureFormat {
    /// Bytes one texel block occupies in a buffer copy of the whole format (all aspects), or `None` for
    /// formats that cannot be copied whole: `Undefined`, the combined depth-stencil formats and
    /// `Depth24Plus` (copy their aspects with [`aspect_block_copy_size`](Self::aspect_block_copy_size)),
    /// and values this crate does not know. Compressed formats give the size of one block (see
    /// [`block_dimensions`](Self::block_dimensions)).
    pub fn block_copy_size(self) -> Option<u32> {
        use TextureFormat as F;
        Some(match self {
            F::R8Unorm | F::R8Snorm | F::R8Uint | F::R8Sint | F::Stencil8 => 1,
            F::R16Unorm | F::R16Snorm | F::R16Uint | F::R16Sint | F::R16Float => 2,
            F::RG8Unorm | F::RG8Snorm | F::RG8Uint | F::RG8Sint | F::Depth16Unorm => 2,
            F::R32Float | F::R32Uint | F::R32Sint | F::Depth32Float => 4,
            F::RG16Unorm | F::RG16Snorm | F::RG16Uint | F::RG16Sint | F::RG16Float => 4,
            F::RGBA8Unorm | F::RGBA8UnormSrgb | F::RGBA8Snorm | F::RGBA8Uint | F::RGBA8Sint => 4,
            F::BGRA8Unorm | F::BGRA8UnormSrgb => 4,
            F::RGB10A2Uint | F::RGB10A2Unorm | F::RG11B10Ufloat | F::RGB9E5Ufloat => 4,
            F::RG32Float | F::RG32Uint | F::RG32Sint => 8,
            F::RGBA16Unorm | F::RGBA16Snorm | F::RGBA16Uint | F::RGBA16Sint | F::RGBA16Float => 8,
            F::RGBA32Float | F::RGBA32Uint | F::RGBA32Sint => 16,
            F::BC1RGBAUnorm | F::BC1RGBAUnormSrgb | F::BC4RUnorm | F::BC4RSnorm => 8,
            F::ETC2RGB8Unorm | F::ETC2RGB8UnormSrgb | F::ETC2RGB8A1Unorm => 8,
            F::ETC2RGB8A1UnormSrgb | F::EACR11Unorm | F::EACR11Snorm => 8,
            F::BC2RGBAUnorm | F::BC2RGBAUnormSrgb | F::BC3RGBAUnorm | F::BC3RGBAUnormSrgb => 16,
            F::BC5RGUnorm | F::BC5RGSnorm | F::BC6HRGBUfloat | F::BC6HRGBFloat => 16,
            F::BC7RGBAUnorm | F::BC7RGBAUnormSrgb => 16,
            F::ETC2RGBA8Unorm | F::ETC2RGBA8UnormSrgb | F::EACRG11Unorm | F::EACRG11Snorm => 16,
            // Every ASTC block is 16 bytes, whatever its footprint.
            _ if self.astc_footprint().is_some() => 16,
            _ => return None,
        })
    }

    /// Bytes one texel block of `aspect` occupies in a buffer copy, or `None` when that aspect cannot be
    /// copied (the depth of `Depth24Plus` and `Depth24PlusStencil8`, an aspect the format lacks).
    pub fn aspect_block_copy_size(self, aspect: TextureAspect) -> Option<u32> {
        use TextureFormat as F;
        match aspect {
            TextureAspect::All | TextureAspect::Undefined => self.block_copy_size(),
            TextureAspect::DepthOnly => match self {
                F::Depth16Unorm => Some(2),
                F::Depth32Float | F::Depth32FloatStencil8 => Some(4),
                _ => None,
            },
            TextureAspect::StencilOnly => match self {
                F::Stencil8 | F::Depth24PlusStencil8 | F::Depth32FloatStencil8 => Some(1),
                _ => None,
            },
            _ => None,
        }
    }

    /// Width and height in texels of one block: 1x1 for uncompressed formats, 4x4 for BC, ETC2 and EAC,
    /// the footprint for ASTC.
    pub fn block_dimensions(self) -> (u32, u32) {
        use TextureFormat as F;
        if let Some(footprint) = self.astc_footprint() {
            return footprint;
        }
        match self {
            F::BC1RGBAUnorm | F::BC1RGBAUnormSrgb | F::BC2RGBAUnorm | F::BC2RGBAUnormSrgb => (4, 4),
            F::BC3RGBAUnorm | F::BC3RGBAUnormSrgb | F::BC4RUnorm | F::BC4RSnorm => (4, 4),
            F::BC5RGUnorm | F::BC5RGSnorm | F::BC6HRGBUfloat | F::BC6HRGBFloat => (4, 4),
            F::BC7RGBAUnorm | F::BC7RGBAUnormSrgb => (4, 4),
            F::ETC2RGB8Unorm | F::ETC2RGB8UnormSrgb | F::ETC2RGB8A1Unorm => (4, 4),
            F::ETC2RGB8A1UnormSrgb | F::ETC2RGBA8Unorm | F::ETC2RGBA8UnormSrgb => (4, 4),
            F::EACR11Unorm | F::EACR11Snorm | F::EACRG11Unorm | F::EACRG11Snorm => (4, 4),
            _ => (1, 1),
        }
    }

    fn astc_footprint(self) -> Option<(u32, u32)> {
        use TextureFormat as F;
        Some(match self {
            F::ASTC4x4Unorm | F::ASTC4x4UnormSrgb => (4, 4),
            F::ASTC5x4Unorm | F::ASTC5x4UnormSrgb => (5, 4),
            F::ASTC5x5Unorm | F::ASTC5x5UnormSrgb => (5, 5),
            F::ASTC6x5Unorm | F::ASTC6x5UnormSrgb => (6, 5),
            F::ASTC6x6Unorm | F::ASTC6x6UnormSrgb => (6, 6),
            F::ASTC8x5Unorm | F::ASTC8x5UnormSrgb => (8, 5),
            F::ASTC8x6Unorm | F::ASTC8x6UnormSrgb => (8, 6),
            F::ASTC8x8Unorm | F::ASTC8x8UnormSrgb => (8, 8),
            F::ASTC10x5Unorm | F::ASTC10x5UnormSrgb => (10, 5),
            F::ASTC10x6Unorm | F::ASTC10x6UnormSrgb => (10, 6),
            F::ASTC10x8Unorm | F::ASTC10x8UnormSrgb => (10, 8),
            F::ASTC10x10Unorm | F::ASTC10x10UnormSrgb => (10, 10),
            F::ASTC12x10Unorm | F::ASTC12x10UnormSrgb => (12, 10),
            F::ASTC12x12Unorm | F::ASTC12x12UnormSrgb => (12, 12),
            _ => return None,
        })
    }

    /// Whether the format has a depth aspect.
    pub fn has_depth_aspect(self) -> bool {
        use TextureFormat as F;
        matches!(
            self,
            F::Depth16Unorm
                | F::Depth24Plus
                | F::Depth24PlusStencil8
                | F::Depth32Float
                | F::Depth32FloatStencil8
        )
    }

    /// Whether the format has a stencil aspect.
    pub fn has_stencil_aspect(self) -> bool {
        use TextureFormat as F;
        matches!(
            self,
            F::Stencil8 | F::Depth24PlusStencil8 | F::Depth32FloatStencil8
        )
    }
}

c_flags! {
    /// How a texture may be used (`WGPUTextureUsage`).
    TextureUsage(WGPUTextureUsage) {
        /// Source of copies (and of [`Texture::read_back`](crate::Texture::read_back)).
        CopySrc = sys::WGPUTextureUsage_CopySrc,
        /// Destination of copies and [`Queue::write_texture`](crate::Queue::write_texture).
        CopyDst = sys::WGPUTextureUsage_CopyDst,
        /// Sampled or loaded by shaders (a texture binding).
        TextureBinding = sys::WGPUTextureUsage_TextureBinding,
        /// A storage texture binding.
        StorageBinding = sys::WGPUTextureUsage_StorageBinding,
        /// A color or depth/stencil attachment of render passes.
        RenderAttachment = sys::WGPUTextureUsage_RenderAttachment,
        /// An attachment whose contents never leave the render pass (tile memory).
        TransientAttachment = sys::WGPUTextureUsage_TransientAttachment,
    }
}

c_enum! {
    /// A texture's dimensionality (`WGPUTextureDimension`); the `e` prefix is webgpu_cpp.h's.
    TextureDimension(WGPUTextureDimension) {
        /// The default (2D).
        Undefined = sys::WGPUTextureDimension_Undefined,
        /// One-dimensional.
        e1D = sys::WGPUTextureDimension_1D,
        /// Two-dimensional, with array layers.
        e2D = sys::WGPUTextureDimension_2D,
        /// Three-dimensional.
        e3D = sys::WGPUTextureDimension_3D,
    }
}

c_enum! {
    /// How a view sees its texture (`WGPUTextureViewDimension`).
    TextureViewDimension(WGPUTextureViewDimension) {
        /// Inherited from the texture (a view), or 2D (a binding).
        Undefined = sys::WGPUTextureViewDimension_Undefined,
        /// One-dimensional.
        e1D = sys::WGPUTextureViewDimension_1D,
        /// One 2D layer.
        e2D = sys::WGPUTextureViewDimension_2D,
        /// Several 2D layers.
        e2DArray = sys::WGPUTextureViewDimension_2DArray,
        /// Six layers as a cube map.
        Cube = sys::WGPUTextureViewDimension_Cube,
        /// Multiples of six layers as cube maps.
        CubeArray = sys::WGPUTextureViewDimension_CubeArray,
        /// Three-dimensional.
        e3D = sys::WGPUTextureViewDimension_3D,
    }
}

c_enum! {
    /// Which aspects of a texture a view or copy covers (`WGPUTextureAspect`).
    TextureAspect(WGPUTextureAspect) {
        /// The default (all).
        Undefined = sys::WGPUTextureAspect_Undefined,
        /// Every aspect of the format.
        All = sys::WGPUTextureAspect_All,
        /// The stencil aspect of a depth-stencil format.
        StencilOnly = sys::WGPUTextureAspect_StencilOnly,
        /// The depth aspect of a depth-stencil format.
        DepthOnly = sys::WGPUTextureAspect_DepthOnly,
    }
}

c_enum! {
    /// What a texture binding reads (`WGPUTextureSampleType`).
    TextureSampleType(WGPUTextureSampleType) {
        /// The entry binds no texture.
        BindingNotUsed = sys::WGPUTextureSampleType_BindingNotUsed,
        /// The default (float).
        Undefined = sys::WGPUTextureSampleType_Undefined,
        /// Filterable floats (`texture_2d<f32>` with a filtering sampler).
        Float = sys::WGPUTextureSampleType_Float,
        /// Floats that may not be filtered.
        UnfilterableFloat = sys::WGPUTextureSampleType_UnfilterableFloat,
        /// Depth values (`texture_depth_2d`).
        Depth = sys::WGPUTextureSampleType_Depth,
        /// Signed integers.
        Sint = sys::WGPUTextureSampleType_Sint,
        /// Unsigned integers.
        Uint = sys::WGPUTextureSampleType_Uint,
    }
}

c_enum! {
    /// How shaders access a storage texture binding (`WGPUStorageTextureAccess`).
    StorageTextureAccess(WGPUStorageTextureAccess) {
        /// The entry binds no storage texture.
        BindingNotUsed = sys::WGPUStorageTextureAccess_BindingNotUsed,
        /// The default (write-only).
        Undefined = sys::WGPUStorageTextureAccess_Undefined,
        /// `texture_storage_2d<F, write>`.
        WriteOnly = sys::WGPUStorageTextureAccess_WriteOnly,
        /// `texture_storage_2d<F, read>`.
        ReadOnly = sys::WGPUStorageTextureAccess_ReadOnly,
        /// `texture_storage_2d<F, read_write>`.
        ReadWrite = sys::WGPUStorageTextureAccess_ReadWrite,
    }
}

c_enum! {
    /// What a sampler binding holds (`WGPUSamplerBindingType`).
    SamplerBindingType(WGPUSamplerBindingType) {
        /// The entry binds no sampler.
        BindingNotUsed = sys::WGPUSamplerBindingType_BindingNotUsed,
        /// The default (filtering).
        Undefined = sys::WGPUSamplerBindingType_Undefined,
        /// A sampler that may filter.
        Filtering = sys::WGPUSamplerBindingType_Filtering,
        /// A sampler that only uses nearest filtering.
        NonFiltering = sys::WGPUSamplerBindingType_NonFiltering,
        /// A comparison sampler (`sampler_comparison`).
        Comparison = sys::WGPUSamplerBindingType_Comparison,
    }
}

c_enum! {
    /// What a sampler does with coordinates outside 0..1 (`WGPUAddressMode`).
    AddressMode(WGPUAddressMode) {
        /// The default (clamp to edge).
        Undefined = sys::WGPUAddressMode_Undefined,
        /// Clamp to the edge texels.
        ClampToEdge = sys::WGPUAddressMode_ClampToEdge,
        /// Wrap around.
        Repeat = sys::WGPUAddressMode_Repeat,
        /// Wrap around, mirrored every other time.
        MirrorRepeat = sys::WGPUAddressMode_MirrorRepeat,
    }
}

c_enum! {
    /// How a sampler filters between texels (`WGPUFilterMode`).
    FilterMode(WGPUFilterMode) {
        /// The default (nearest).
        Undefined = sys::WGPUFilterMode_Undefined,
        /// The nearest texel.
        Nearest = sys::WGPUFilterMode_Nearest,
        /// Linear interpolation.
        Linear = sys::WGPUFilterMode_Linear,
    }
}

c_enum! {
    /// How a sampler filters between mip levels (`WGPUMipmapFilterMode`).
    MipmapFilterMode(WGPUMipmapFilterMode) {
        /// The default (nearest).
        Undefined = sys::WGPUMipmapFilterMode_Undefined,
        /// The nearest level.
        Nearest = sys::WGPUMipmapFilterMode_Nearest,
        /// Linear interpolation between levels.
        Linear = sys::WGPUMipmapFilterMode_Linear,
    }
}

c_enum! {
    /// A comparison of a new value against a stored one (`WGPUCompareFunction`): depth and stencil tests,
    /// comparison samplers.
    CompareFunction(WGPUCompareFunction) {
        /// Not given (no comparison for a sampler; an error where one is required).
        Undefined = sys::WGPUCompareFunction_Undefined,
        /// Never passes.
        Never = sys::WGPUCompareFunction_Never,
        /// Passes when new < stored.
        Less = sys::WGPUCompareFunction_Less,
        /// Passes when new == stored.
        Equal = sys::WGPUCompareFunction_Equal,
        /// Passes when new <= stored.
        LessEqual = sys::WGPUCompareFunction_LessEqual,
        /// Passes when new > stored.
        Greater = sys::WGPUCompareFunction_Greater,
        /// Passes when new != stored.
        NotEqual = sys::WGPUCompareFunction_NotEqual,
        /// Passes when new >= stored.
        GreaterEqual = sys::WGPUCompareFunction_GreaterEqual,
        /// Always passes.
        Always = sys::WGPUCompareFunction_Always,
    }
}
