//! Render pipelines: vertex formats, primitive assembly, blending, stencil operations, write masks.

use dawn_sys as sys;

header_enum! {
    /// The format of one vertex attribute (`WGPUVertexFormat`): every value of `webgpu.h`, named as there.
    VertexFormat(WGPUVertexFormat)
}

impl VertexFormat {
    /// Bytes one attribute of this format occupies in a vertex buffer (`None` for a value this crate does
    /// not know).
    pub fn size(self) -> Option<u64> {
        use VertexFormat as V;
        Some(match self {
            V::Uint8 | V::Sint8 | V::Unorm8 | V::Snorm8 => 1,
            V::Uint8x2 | V::Sint8x2 | V::Unorm8x2 | V::Snorm8x2 => 2,
            V::Uint16 | V::Sint16 | V::Unorm16 | V::Snorm16 | V::Float16 => 2,
            V::Uint8x4 | V::Sint8x4 | V::Unorm8x4 | V::Snorm8x4 | V::Unorm8x4BGRA => 4,
            V::Uint16x2 | V::Sint16x2 | V::Unorm16x2 | V::Snorm16x2 | V::Float16x2 => 4,
            V::Float32 | V::Uint32 | V::Sint32 | V::Unorm10_10_10_2 => 4,
            V::Uint16x4 | V::Sint16x4 | V::Unorm16x4 | V::Snorm16x4 | V::Float16x4 => 8,
            V::Float32x2 | V::Uint32x2 | V::Sint32x2 => 8,
            V::Float32x3 | V::Uint32x3 | V::Sint32x3 => 12,
            V::Float32x4 | V::Uint32x4 | V::Sint32x4 => 16,
            _ => return None,
        })
    }
}

c_enum! {
    /// Whether a vertex buffer advances per vertex or per instance (`WGPUVertexStepMode`).
    VertexStepMode(WGPUVertexStepMode) {
        /// The default (per vertex).
        Undefined = sys::WGPUVertexStepMode_Undefined,
        /// One element per vertex.
        Vertex = sys::WGPUVertexStepMode_Vertex,
        /// One element per instance.
        Instance = sys::WGPUVertexStepMode_Instance,
    }
}

c_enum! {
    /// How vertices form primitives (`WGPUPrimitiveTopology`).
    PrimitiveTopology(WGPUPrimitiveTopology) {
        /// The default (triangle list).
        Undefined = sys::WGPUPrimitiveTopology_Undefined,
        /// Each vertex a point.
        PointList = sys::WGPUPrimitiveTopology_PointList,
        /// Each pair of vertices a line.
        LineList = sys::WGPUPrimitiveTopology_LineList,
        /// Each vertex after the first ends a line from the one before.
        LineStrip = sys::WGPUPrimitiveTopology_LineStrip,
        /// Each three vertices a triangle.
        TriangleList = sys::WGPUPrimitiveTopology_TriangleList,
        /// Each vertex after the second ends a triangle with the two before.
        TriangleStrip = sys::WGPUPrimitiveTopology_TriangleStrip,
    }
}

c_enum! {
    /// The type of an index buffer's elements (`WGPUIndexFormat`).
    IndexFormat(WGPUIndexFormat) {
        /// Not given (allowed for pipelines that are not strips).
        Undefined = sys::WGPUIndexFormat_Undefined,
        /// `u16` indices.
        Uint16 = sys::WGPUIndexFormat_Uint16,
        /// `u32` indices.
        Uint32 = sys::WGPUIndexFormat_Uint32,
    }
}

c_enum! {
    /// Which winding faces the front (`WGPUFrontFace`).
    FrontFace(WGPUFrontFace) {
        /// The default (counter-clockwise).
        Undefined = sys::WGPUFrontFace_Undefined,
        /// Counter-clockwise triangles face the front.
        CCW = sys::WGPUFrontFace_CCW,
        /// Clockwise triangles face the front.
        CW = sys::WGPUFrontFace_CW,
    }
}

c_enum! {
    /// Which faces are culled (`WGPUCullMode`).
    CullMode(WGPUCullMode) {
        /// The default (none).
        Undefined = sys::WGPUCullMode_Undefined,
        /// Nothing is culled.
        None = sys::WGPUCullMode_None,
        /// Front faces are culled.
        Front = sys::WGPUCullMode_Front,
        /// Back faces are culled.
        Back = sys::WGPUCullMode_Back,
    }
}

c_enum! {
    /// A factor of a blend equation (`WGPUBlendFactor`).
    BlendFactor(WGPUBlendFactor) {
        /// The default (one for the source, zero for the destination).
        Undefined = sys::WGPUBlendFactor_Undefined,
        /// 0.
        Zero = sys::WGPUBlendFactor_Zero,
        /// 1.
        One = sys::WGPUBlendFactor_One,
        /// The source color.
        Src = sys::WGPUBlendFactor_Src,
        /// 1 - the source color.
        OneMinusSrc = sys::WGPUBlendFactor_OneMinusSrc,
        /// The source alpha.
        SrcAlpha = sys::WGPUBlendFactor_SrcAlpha,
        /// 1 - the source alpha.
        OneMinusSrcAlpha = sys::WGPUBlendFactor_OneMinusSrcAlpha,
        /// The destination color.
        Dst = sys::WGPUBlendFactor_Dst,
        /// 1 - the destination color.
        OneMinusDst = sys::WGPUBlendFactor_OneMinusDst,
        /// The destination alpha.
        DstAlpha = sys::WGPUBlendFactor_DstAlpha,
        /// 1 - the destination alpha.
        OneMinusDstAlpha = sys::WGPUBlendFactor_OneMinusDstAlpha,
        /// min(source alpha, 1 - destination alpha).
        SrcAlphaSaturated = sys::WGPUBlendFactor_SrcAlphaSaturated,
        /// The pass's blend constant.
        Constant = sys::WGPUBlendFactor_Constant,
        /// 1 - the pass's blend constant.
        OneMinusConstant = sys::WGPUBlendFactor_OneMinusConstant,
        /// The second source color (dual-source blending).
        Src1 = sys::WGPUBlendFactor_Src1,
        /// 1 - the second source color.
        OneMinusSrc1 = sys::WGPUBlendFactor_OneMinusSrc1,
        /// The second source alpha.
        Src1Alpha = sys::WGPUBlendFactor_Src1Alpha,
        /// 1 - the second source alpha.
        OneMinusSrc1Alpha = sys::WGPUBlendFactor_OneMinusSrc1Alpha,
    }
}

c_enum! {
    /// How the two terms of a blend equation combine (`WGPUBlendOperation`).
    BlendOperation(WGPUBlendOperation) {
        /// The default (add).
        Undefined = sys::WGPUBlendOperation_Undefined,
        /// source + destination.
        Add = sys::WGPUBlendOperation_Add,
        /// source - destination.
        Subtract = sys::WGPUBlendOperation_Subtract,
        /// destination - source.
        ReverseSubtract = sys::WGPUBlendOperation_ReverseSubtract,
        /// min(source, destination) (factors must be one).
        Min = sys::WGPUBlendOperation_Min,
        /// max(source, destination) (factors must be one).
        Max = sys::WGPUBlendOperation_Max,
    }
}

c_enum! {
    /// What a stencil test does to the stored value (`WGPUStencilOperation`).
    StencilOperation(WGPUStencilOperation) {
        /// The default (keep).
        Undefined = sys::WGPUStencilOperation_Undefined,
        /// Keep the value.
        Keep = sys::WGPUStencilOperation_Keep,
        /// Set it to 0.
        Zero = sys::WGPUStencilOperation_Zero,
        /// Set it to the pass's stencil reference.
        Replace = sys::WGPUStencilOperation_Replace,
        /// Invert its bits.
        Invert = sys::WGPUStencilOperation_Invert,
        /// Add 1, clamped to the maximum.
        IncrementClamp = sys::WGPUStencilOperation_IncrementClamp,
        /// Subtract 1, clamped to 0.
        DecrementClamp = sys::WGPUStencilOperation_DecrementClamp,
        /// Add 1, wrapping to 0.
        IncrementWrap = sys::WGPUStencilOperation_IncrementWrap,
        /// Subtract 1, wrapping to the maximum.
        DecrementWrap = sys::WGPUStencilOperation_DecrementWrap,
    }
}

c_flags! {
    /// The channels a color target writes (`WGPUColorWriteMask`).
    ColorWriteMask(WGPUColorWriteMask) {
        /// Red.
        Red = sys::WGPUColorWriteMask_Red,
        /// Green.
        Green = sys::WGPUColorWriteMask_Green,
        /// Blue.
        Blue = sys::WGPUColorWriteMask_Blue,
        /// Alpha.
        Alpha = sys::WGPUColorWriteMask_Alpha,
        /// All four channels.
        All = sys::WGPUColorWriteMask_All,
    }
}
