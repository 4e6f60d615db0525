//! Render helpers for the render tests: targets, pipelines from one WGSL module, passes over one target.

use crate::Gpu;
use dawn::*;

/// A vertex stage drawing one triangle that covers the whole target at depth `depth` (an override), for
/// tests that only care about the fragment stage.
pub const FULL_SCREEN_VS: &str = "
override depth: f32 = 0.5;
@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    let xy = array(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
    return vec4f(xy[i], depth, 1.0);
}
";

/// What [`Gpu::render_pipeline`] builds: a module with entry points `vs` and `fs`, one color target, and
/// the rest as given.
#[derive(Clone, Copy, Debug)]
pub struct PipelineSpec<'a> {
    /// WGSL with a `vs` and an `fs` entry point.
    pub code: &'a str,
    /// The color target's format (`Undefined`: no color target).
    pub format: TextureFormat,
    /// Its blending.
    pub blend: Option<BlendState>,
    /// The depth and stencil state.
    pub depth_stencil: Option<DepthStencilState>,
    /// Vertex buffer slots.
    pub buffers: &'a [VertexBufferLayout<'a>],
    /// Points, lines or triangles.
    pub topology: PrimitiveTopology,
    /// Samples per pixel.
    pub samples: u32,
    /// Overridable constants of the vertex stage (`depth` of [`FULL_SCREEN_VS`]).
    pub vertex_constants: &'a [(&'a str, f64)],
    /// The pipeline layout (`None`: automatic).
    pub layout: Option<&'a PipelineLayout>,
}

impl Default for PipelineSpec<'_> {
    fn default() -> Self {
        PipelineSpec {
            code: "",
            format: TextureFormat::RGBA8Unorm,
            blend: None,
            depth_stencil: None,
            buffers: &[],
            topology: PrimitiveTopology::TriangleList,
            samples: 1,
            vertex_constants: &[],
            layout: None,
        }
    }
}

impl Gpu {
    /// A `width x height` texture of `format` to render into and read back (`RenderAttachment | CopySrc`).
    pub fn target(&self, width: u32, height: u32, format: TextureFormat) -> Texture {
        self.device.create_texture(&TextureDescriptor {
            label: "target",
            usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
            size: Extent3D::new(width, height, 1),
            format,
            ..Default::default()
        })
    }

    /// The render pipeline `spec` describes; panics with Dawn's message if it is
    /// invalid.
    pub fn render_pipeline(&self, spec: &PipelineSpec<'_>) -> RenderPipeline {
        let module = self
            .device
            .create_shader_module_checked(&ShaderModuleDescriptor {
                label: "test shader",
                code: spec.code,
            })
            .expect("a valid shader");
        let target = ColorTargetState {
            format: spec.format,
            blend: spec.blend,
            write_mask: ColorWriteMask::All,
        };
        let targets = [Some(target)];
        self.device
            .create_render_pipeline_checked(&RenderPipelineDescriptor {
                label: "test pipeline",
                layout: spec.layout,
                vertex: VertexState {
                    module: &module,
                    entry_point: Some("vs"),
                    constants: spec.vertex_constants,
                    buffers: spec.buffers,
                },
                primitive: PrimitiveState {
                    topology: spec.topology,
                    ..Default::default()
                },
                depth_stencil: spec.depth_stencil,
                multisample: MultisampleState {
                    count: spec.samples,
                    ..Default::default()
                },
                fragment: Some(FragmentState {
                    module: &module,
                    entry_point: Some("fs"),
                    constants: &[],
                    targets: if spec.format == TextureFormat::Undefined {
                        &[]
                    } else {
                        &targets
                    },
                }),
            })
            .expect("a valid render pipeline")
    }

    /// Records one pass into `target` (its whole view, cleared to `clear`, stored) with `record`, submits
    /// it, and checks that Dawn reported no error.
    pub fn render(
        &self,
        target: &Texture,
        clear: Color,
        record: impl FnOnce(&mut RenderPassEncoder<'_>),
    ) {
        let view = target.create_view(&Default::default());
        self.device
            .try_scoped(|d| {
                let mut encoder = d.create_command_encoder(&Default::default());
                let mut pass = encoder.begin_render_pass(&RenderPassDescriptor {
                    label: "test pass",
                    color_attachments: &[Some(RenderPassColorAttachment {
                        view: &view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: Operations::clear(clear),
                    })],
                    ..Default::default()
                })?;
                record(&mut pass);
                pass.end();
                self.queue.submit(&[encoder.finish()]);
                Ok(())
            })
            .expect("a valid pass");
    }
}

/// The texels of an 8-bit RGBA texture, read back.
pub fn rgba8(texture: &Texture) -> Vec<[u8; 4]> {
    texture
        .read_back()
        .expect("read back")
        .chunks_exact(4)
        .map(|t| [t[0], t[1], t[2], t[3]])
        .collect()
}
