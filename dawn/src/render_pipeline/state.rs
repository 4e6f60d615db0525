//! The fixed-function state of a render pipeline: vertex buffers, primitive assembly, depth and stencil,
//! multisampling, color targets and blending. Defaults are webgpu.h's.

use crate::{
    BlendFactor, BlendOperation, ColorWriteMask, CompareFunction, CullMode, FrontFace, IndexFormat,
    PrimitiveTopology, ShaderModule, StencilOperation, TextureFormat, VertexFormat, VertexStepMode,
};
use dawn_sys as sys;

/// One attribute of a vertex buffer (`WGPUVertexAttribute`): `@location(shader_location)` in the shader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VertexAttribute {
    /// Its format.
    pub format: VertexFormat,
    /// Its byte offset inside an element.
    pub offset: u64,
    /// The `@location` it feeds.
    pub shader_location: u32,
}

/// How one vertex buffer slot is read (`WGPUVertexBufferLayout`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VertexBufferLayout<'a> {
    /// Per vertex (the default) or per instance.
    pub step_mode: VertexStepMode,
    /// Bytes from one element to the next.
    pub array_stride: u64,
    /// The attributes of an element (none: the slot is unused).
    pub attributes: &'a [VertexAttribute],
}

/// The vertex stage (`WGPUVertexState`).
#[derive(Clone, Copy, Debug)]
pub struct VertexState<'a> {
    /// The shader module.
    pub module: &'a ShaderModule,
    /// The entry point; `None` when the module has exactly one vertex entry point.
    pub entry_point: Option<&'a str>,
    /// Values of pipeline-overridable constants, by name or id.
    pub constants: &'a [(&'a str, f64)],
    /// The vertex buffer slots 0, 1, ...
    pub buffers: &'a [VertexBufferLayout<'a>],
}

/// How vertices become primitives (`WGPUPrimitiveState`); the default is a counter-clockwise triangle
/// list without culling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PrimitiveState {
    /// Points, lines or triangles.
    pub topology: PrimitiveTopology,
    /// For strips drawn indexed: the index format, whose maximum value restarts the strip.
    pub strip_index_format: IndexFormat,
    /// Which winding faces the front.
    pub front_face: FrontFace,
    /// Which faces are culled.
    pub cull_mode: CullMode,
    /// Keep depths outside 0..1 instead of clipping (needs the `DepthClipControl` feature).
    pub unclipped_depth: bool,
}

/// A stencil test and what it does, for one facing (`WGPUStencilFaceState`); the default always passes
/// and keeps the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StencilFaceState {
    /// The comparison of the reference against the stored value.
    pub compare: CompareFunction,
    /// What happens when the stencil test fails.
    pub fail_op: StencilOperation,
    /// What happens when the stencil test passes and the depth test fails.
    pub depth_fail_op: StencilOperation,
    /// What happens when both pass.
    pub pass_op: StencilOperation,
}

impl StencilFaceState {
    fn to_sys(self) -> sys::WGPUStencilFaceState {
        sys::WGPUStencilFaceState {
            compare: self.compare.0,
            failOp: self.fail_op.0,
            depthFailOp: self.depth_fail_op.0,
            passOp: self.pass_op.0,
        }
    }
}

/// The depth and stencil tests (`WGPUDepthStencilState`). The default masks are all ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DepthStencilState {
    /// The depth-stencil attachment's format.
    pub format: TextureFormat,
    /// Whether passing fragments write their depth.
    pub depth_write_enabled: bool,
    /// The depth test (`Undefined` for formats without depth).
    pub depth_compare: CompareFunction,
    /// The stencil test of front faces.
    pub stencil_front: StencilFaceState,
    /// The stencil test of back faces.
    pub stencil_back: StencilFaceState,
    /// Bits of the stored value the test reads.
    pub stencil_read_mask: u32,
    /// Bits of the stored value the operations write.
    pub stencil_write_mask: u32,
    /// A constant depth bias.
    pub depth_bias: i32,
    /// A depth bias scaled by the slope.
    pub depth_bias_slope_scale: f32,
    /// The bias's largest magnitude (0: none).
    pub depth_bias_clamp: f32,
}

impl Default for DepthStencilState {
    fn default() -> Self {
        DepthStencilState {
            format: TextureFormat::Undefined,
            depth_write_enabled: false,
            depth_compare: CompareFunction::Undefined,
            stencil_front: StencilFaceState::default(),
            stencil_back: StencilFaceState::default(),
            stencil_read_mask: !0,
            stencil_write_mask: !0,
            depth_bias: 0,
            depth_bias_slope_scale: 0.0,
            depth_bias_clamp: 0.0,
        }
    }
}

impl DepthStencilState {
    pub(super) fn to_sys(self) -> sys::WGPUDepthStencilState {
        sys::WGPUDepthStencilState {
            nextInChain: std::ptr::null_mut(),
            format: self.format.0,
            // Only formats with depth take a value (Dawn refuses one for stencil-only formats).
            depthWriteEnabled: match (self.format.has_depth_aspect(), self.depth_write_enabled) {
                (_, true) => sys::WGPUOptionalBool_True,
                (true, false) => sys::WGPUOptionalBool_False,
                (false, false) => sys::WGPUOptionalBool_Undefined,
            },
            depthCompare: self.depth_compare.0,
            stencilFront: self.stencil_front.to_sys(),
            stencilBack: self.stencil_back.to_sys(),
            stencilReadMask: self.stencil_read_mask,
            stencilWriteMask: self.stencil_write_mask,
            depthBias: self.depth_bias,
            depthBiasSlopeScale: self.depth_bias_slope_scale,
            depthBiasClamp: self.depth_bias_clamp,
        }
    }
}

/// Multisampling (`WGPUMultisampleState`); the default is one sample, every sample enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MultisampleState {
    /// Samples per pixel (1 or 4); the attachments' sample count.
    pub count: u32,
    /// Which samples are written.
    pub mask: u32,
    /// Whether the fragment's alpha decides coverage.
    pub alpha_to_coverage_enabled: bool,
}

impl Default for MultisampleState {
    fn default() -> Self {
        MultisampleState {
            count: 1,
            mask: !0,
            alpha_to_coverage_enabled: false,
        }
    }
}

impl MultisampleState {
    pub(super) fn to_sys(self) -> sys::WGPUMultisampleState {
        sys::WGPUMultisampleState {
            nextInChain: std::ptr::null_mut(),
            count: self.count,
            mask: self.mask,
            alphaToCoverageEnabled: self.alpha_to_coverage_enabled as sys::WGPUBool,
        }
    }
}

/// One term of blending (`WGPUBlendComponent`): `operation(src * src_factor, dst * dst_factor)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BlendComponent {
    /// How the two products combine.
    pub operation: BlendOperation,
    /// The factor of the fragment's value.
    pub src_factor: BlendFactor,
    /// The factor of the stored value.
    pub dst_factor: BlendFactor,
}

impl BlendComponent {
    /// The fragment's value replaces the stored one.
    pub const REPLACE: Self = BlendComponent {
        operation: BlendOperation::Add,
        src_factor: BlendFactor::One,
        dst_factor: BlendFactor::Zero,
    };
    /// Premultiplied "over": `src + dst * (1 - src_alpha)`.
    pub const OVER: Self = BlendComponent {
        operation: BlendOperation::Add,
        src_factor: BlendFactor::One,
        dst_factor: BlendFactor::OneMinusSrcAlpha,
    };

    fn to_sys(self) -> sys::WGPUBlendComponent {
        sys::WGPUBlendComponent {
            operation: self.operation.0,
            srcFactor: self.src_factor.0,
            dstFactor: self.dst_factor.0,
        }
    }
}

/// Blending of a color target (`WGPUBlendState`): color and alpha apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BlendState {
    /// Blending of red, green and blue.
    pub color: BlendComponent,
    /// Blending of alpha.
    pub alpha: BlendComponent,
}

impl BlendState {
    /// Classic alpha blending: `src * src_alpha + dst * (1 - src_alpha)` for color, "over" for alpha.
    pub const ALPHA_BLENDING: Self = BlendState {
        color: BlendComponent {
            operation: BlendOperation::Add,
            src_factor: BlendFactor::SrcAlpha,
            dst_factor: BlendFactor::OneMinusSrcAlpha,
        },
        alpha: BlendComponent::OVER,
    };

    pub(super) fn to_sys(self) -> sys::WGPUBlendState {
        sys::WGPUBlendState {
            color: self.color.to_sys(),
            alpha: self.alpha.to_sys(),
        }
    }
}

/// One color target of the fragment stage (`WGPUColorTargetState`); the default writes every channel
/// without blending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ColorTargetState {
    /// The attachment's format.
    pub format: TextureFormat,
    /// Blending (`None`: the fragment's value replaces the stored one).
    pub blend: Option<BlendState>,
    /// The channels written.
    pub write_mask: ColorWriteMask,
}

impl Default for ColorTargetState {
    fn default() -> Self {
        ColorTargetState {
            format: TextureFormat::Undefined,
            blend: None,
            write_mask: ColorWriteMask::All,
        }
    }
}

impl From<TextureFormat> for ColorTargetState {
    /// A target of `format` without blending, writing every channel.
    fn from(format: TextureFormat) -> Self {
        ColorTargetState {
            format,
            ..Default::default()
        }
    }
}

/// The fragment stage (`WGPUFragmentState`).
#[derive(Clone, Copy, Debug)]
pub struct FragmentState<'a> {
    /// The shader module.
    pub module: &'a ShaderModule,
    /// The entry point; `None` when the module has exactly one fragment entry point.
    pub entry_point: Option<&'a str>,
    /// Values of pipeline-overridable constants, by name or id.
    pub constants: &'a [(&'a str, f64)],
    /// The color targets `@location(0)`, `@location(1)`, ... (`None`: a hole, nothing written there).
    pub targets: &'a [Option<ColorTargetState>],
}
