//! The scenes of `examples/triangle.rs` and `examples/mandelbrot.rs`, shared with their tests
//! (tests/render_scenes.rs), which check the pixels against values computed on the CPU.

use dawn::*;

/// Width and height of the triangle's target.
pub const TRIANGLE_SIZE: u32 = 512;

/// The triangle's clear color (rgba8unorm bytes: 0, 128, 255, 255).
pub const TRIANGLE_CLEAR: Color = Color::new(0.0, 0.5, 1.0, 1.0);

/// The triangle's vertices: position in normalized device coordinates, then red, green, blue.
pub const TRIANGLE_VERTICES: [[f32; 5]; 3] = [
    [0.0, 0.8, 1.0, 0.0, 0.0],
    [-0.8, -0.8, 0.0, 1.0, 0.0],
    [0.8, -0.8, 0.0, 0.0, 1.0],
];

const TRIANGLE_SHADER: &str = "
struct Varyings {
    @builtin(position) position: vec4f,
    @location(0) color: vec3f,
}

@vertex
fn vs(@location(0) position: vec2f, @location(1) color: vec3f) -> Varyings {
    return Varyings(vec4f(position, 0.0, 1.0), color);
}

@fragment
fn fs(in: Varyings) -> @location(0) vec4f {
    return vec4f(in.color, 1.0);
}
";

/// Draws the triangle into a `TRIANGLE_SIZE` square target of `format` (an 8-bit RGBA format) over
/// [`TRIANGLE_CLEAR`], with `sample_count` samples (resolved into a single-sampled target when more than
/// one), and reads the target back: `TRIANGLE_SIZE * TRIANGLE_SIZE` texels of 4 bytes, rows top down.
pub fn triangle(device: &Device, format: TextureFormat, sample_count: u32) -> Result<Vec<u8>> {
    let size = Extent3D::new(TRIANGLE_SIZE, TRIANGLE_SIZE, 1);
    let target = device.create_texture(&TextureDescriptor {
        label: "triangle target",
        usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
        size,
        format,
        ..Default::default()
    });
    let target_view = target.create_view(&Default::default());
    let multisampled = (sample_count > 1).then(|| {
        device
            .create_texture(&TextureDescriptor {
                label: "triangle samples",
                usage: TextureUsage::RenderAttachment,
                size,
                format,
                sample_count,
                ..Default::default()
            })
            .create_view(&Default::default())
    });
    let vertices = device.create_buffer_init(&BufferInitDescriptor {
        label: "triangle vertices",
        contents: bytemuck::cast_slice(&TRIANGLE_VERTICES),
        usage: BufferUsage::Vertex,
    })?;
    device.try_scoped(|d| {
        let module = d.create_shader_module(&ShaderModuleDescriptor {
            label: "triangle",
            code: TRIANGLE_SHADER,
        });
        let pipeline = d.create_render_pipeline(&RenderPipelineDescriptor {
            label: "triangle",
            layout: None,
            vertex: VertexState {
                module: &module,
                entry_point: None,
                constants: &[],
                buffers: &[VertexBufferLayout {
                    step_mode: VertexStepMode::Vertex,
                    array_stride: 20,
                    attributes: &[
                        VertexAttribute {
                            format: VertexFormat::Float32x2,
                            offset: 0,
                            shader_location: 0,
                        },
                        VertexAttribute {
                            format: VertexFormat::Float32x3,
                            offset: 8,
                            shader_location: 1,
                        },
                    ],
                }],
            },
            primitive: PrimitiveState::default(),
            depth_stencil: None,
            multisample: MultisampleState {
                count: sample_count,
                ..Default::default()
            },
            fragment: Some(FragmentState {
                module: &module,
                entry_point: None,
                constants: &[],
                targets: &[Some(format.into())],
            }),
        });
        let mut encoder = d.create_command_encoder(&Default::default());
        let mut pass = encoder.begin_render_pass(&RenderPassDescriptor {
            label: "triangle",
            color_attachments: &[Some(RenderPassColorAttachment {
                view: multisampled.as_ref().unwrap_or(&target_view),
                depth_slice: None,
                resolve_target: multisampled.as_ref().map(|_| &target_view),
                ops: Operations::clear(TRIANGLE_CLEAR),
            })],
            ..Default::default()
        })?;
        pass.set_pipeline(&pipeline);
        pass.set_vertex_buffer(0, &vertices, 0, None);
        pass.draw(3, 1, 0, 0);
        pass.end();
        d.queue().submit(&[encoder.finish()]);
        Ok(())
    })?;
    target.read_back()
}

/// Iterations after which a point counts as inside the Mandelbrot set.
pub const MANDELBROT_MAX_ITERATIONS: u32 = 256;

const MANDELBROT_SHADER: &str = "
struct Params {
    origin: vec2f,
    step: f32,
    max_iterations: u32,
}

@group(0) @binding(0) var image: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
    let size = textureDimensions(image);
    if (id.x >= size.x || id.y >= size.y) {
        return;
    }
    let c = params.origin + vec2f(f32(id.x), -f32(id.y)) * params.step;
    var z = vec2f(0.0);
    var color = vec4f(0.0, 0.0, 0.0, 1.0);
    for (var n = 1u; n <= params.max_iterations; n++) {
        z = vec2f(z.x * z.x - z.y * z.y, 2.0 * z.x * z.y) + c;
        if (dot(z, z) > 4.0) {
            let t = f32(n) / f32(params.max_iterations);
            color = vec4f(pow(t, 0.25), sqrt(t), 1.0 - t, 1.0);
            break;
        }
    }
    textureStore(image, id.xy, color);
}
";

/// The point `c` at the centre of pixel `(x, y)` of a `width x height` Mandelbrot image: the real axis
/// from -2.5 to 1.0 across the width, square pixels, the real axis through the middle row, imaginary
/// parts growing upwards.
pub fn mandelbrot_point(width: u32, height: u32, x: u32, y: u32) -> (f32, f32) {
    let step = 3.5 / width as f32;
    let top = height as f32 / 2.0 * step;
    (
        -2.5 + (x as f32 + 0.5) * step,
        top - (y as f32 + 0.5) * step,
    )
}

/// The color of a point that escapes (|z| > 2) at iteration `n` (1-based): `t = n / max`, then
/// `(t^0.25, t^0.5, 1 - t)`; points that never escape are black. Opaque.
pub fn mandelbrot_color(n: Option<u32>) -> [f32; 4] {
    match n {
        None => [0.0, 0.0, 0.0, 1.0],
        Some(n) => {
            let t = n as f32 / MANDELBROT_MAX_ITERATIONS as f32;
            [t.powf(0.25), t.sqrt(), 1.0 - t, 1.0]
        }
    }
}

/// Renders the Mandelbrot set with a compute shader writing an rgba8unorm storage texture
/// ([`mandelbrot_point`] places the pixels, [`mandelbrot_color`] colors them), and reads it back:
/// `width * height` texels of 4 bytes, rows top down.
pub fn mandelbrot(device: &Device, width: u32, height: u32) -> Result<Vec<u8>> {
    let image = device.create_texture(&TextureDescriptor {
        label: "mandelbrot",
        usage: TextureUsage::StorageBinding | TextureUsage::CopySrc,
        size: Extent3D::new(width, height, 1),
        format: TextureFormat::RGBA8Unorm,
        ..Default::default()
    });
    let (x0, y0) = mandelbrot_point(width, height, 0, 0);
    let params: [u32; 4] = [
        x0.to_bits(),
        y0.to_bits(),
        (3.5 / width as f32).to_bits(),
        MANDELBROT_MAX_ITERATIONS,
    ];
    let uniforms = device.create_buffer_init(&BufferInitDescriptor {
        label: "mandelbrot params",
        contents: bytemuck::cast_slice(&params),
        usage: BufferUsage::Uniform,
    })?;
    device.try_scoped(|d| {
        let layout = d.create_bind_group_layout(&BindGroupLayoutDescriptor {
            label: "mandelbrot",
            entries: &[
                BindGroupLayoutEntry {
                    binding: 0,
                    visibility: ShaderStage::Compute,
                    ty: BindingType::StorageTexture {
                        access: StorageTextureAccess::WriteOnly,
                        format: TextureFormat::RGBA8Unorm,
                        view_dimension: TextureViewDimension::e2D,
                    },
                },
                BindGroupLayoutEntry::uniform(1),
            ],
        });
        let module = d.create_shader_module(&ShaderModuleDescriptor {
            label: "mandelbrot",
            code: MANDELBROT_SHADER,
        });
        let pipeline = d.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "mandelbrot",
            layout: Some(&d.create_pipeline_layout(&PipelineLayoutDescriptor {
                label: "mandelbrot",
                bind_group_layouts: std::slice::from_ref(&layout),
                immediate_size: 0,
            })),
            module: &module,
            entry_point: None,
            constants: &[],
        });
        let group = d.create_bind_group(&BindGroupDescriptor {
            label: "mandelbrot",
            layout: &layout,
            entries: &[
                BindGroupEntry::texture_view(0, &image.create_view(&Default::default())),
                BindGroupEntry::buffer(1, &uniforms),
            ],
        });
        let mut encoder = d.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(width.div_ceil(8), height.div_ceil(8), 1);
        }
        d.queue().submit(&[encoder.finish()]);
        Ok(())
    })?;
    image.read_back()
}
