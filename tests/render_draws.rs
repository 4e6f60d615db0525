//! Draw calls and vertex input, modelled on wgpu's vertex_indices / vertex_formats tests and Dawn's
//! DrawIndexed, FirstIndexOffset, VertexState and DrawIndirect tests: direct, instanced, indexed (u16 and
//! u32, positive and negative base vertex) and indirect draws against a CPU model of which
//! (vertex, instance) pairs a draw visits; every vertex format against the values it must decode to;
//! and a sampled texture with a sampler through a bind group.

use dawn::*;
use dawn_suite::Gpu;
use dawn_suite::render::{FULL_SCREEN_VS, PipelineSpec, rgba8};

const VERTICES: u32 = 16;
const INSTANCES: u32 = 4;
const WIDTH: u32 = VERTICES * INSTANCES;

/// Points: vertex `v` of instance `k` lands in column `v + 16 k`, colored (vertex tag, instance tag, 1, 1).
const POINTS: &str = "
struct Varyings {
    @builtin(position) position: vec4f,
    @location(0) @interpolate(flat) color: vec4f,
}

@vertex
fn vs(@location(0) column: f32, @location(1) vertex_tag: vec4f,
      @location(2) offset: f32, @location(3) instance_tag: vec4f) -> Varyings {
    let x = (column + offset + 0.5) / 64.0 * 2.0 - 1.0;
    return Varyings(vec4f(x, 0.0, 0.0, 1.0), vec4f(vertex_tag.r, instance_tag.r, 1.0, 1.0));
}

@fragment
fn fs(in: Varyings) -> @location(0) vec4f {
    return in.color;
}
";

fn vertex_tag(v: u32) -> u8 {
    10 + 7 * v as u8
}

fn instance_tag(k: u32) -> u8 {
    50 + 60 * k as u8
}

/// One element per vertex (column, tag) or per instance (offset, tag): an `f32` then four unorm bytes.
fn elements(count: u32, place: impl Fn(u32) -> f32, tag: impl Fn(u32) -> u8) -> Vec<u8> {
    (0..count)
        .flat_map(|i| {
            let mut e = place(i).to_le_bytes().to_vec();
            e.extend([tag(i), 0, 0, 0]);
            e
        })
        .collect()
}

/// What one draw visits, as (vertex, instance) pairs, per WebGPU's definition of each call.
enum Call {
    Draw {
        vertex_count: u32,
        instance_count: u32,
        first_vertex: u32,
        first_instance: u32,
    },
    Indexed {
        index_count: u32,
        instance_count: u32,
        first_index: u32,
        base_vertex: i32,
        first_instance: u32,
    },
}

impl Call {
    /// Every pair; each vertex must be one of the `VERTICES` (a vertex past the buffer reads zeros).
    fn visits(&self, indices: &[u32]) -> Vec<(u32, u32)> {
        match *self {
            Call::Draw {
                vertex_count,
                instance_count,
                first_vertex,
                first_instance,
            } => (first_instance..first_instance + instance_count)
                .flat_map(|k| (first_vertex..first_vertex + vertex_count).map(move |v| (v, k)))
                .collect(),
            Call::Indexed {
                index_count,
                instance_count,
                first_index,
                base_vertex,
                first_instance,
            } => (first_instance..first_instance + instance_count)
                .flat_map(|k| {
                    indices[first_index as usize..(first_index + index_count) as usize]
                        .iter()
                        .map(move |&i| ((i as i32 + base_vertex) as u32, k))
                })
                .collect(),
        }
    }

    /// The row the draw leaves on a black target.
    fn expected(&self, indices: &[u32]) -> Vec<[u8; 4]> {
        let mut row = vec![[0, 0, 0, 255]; WIDTH as usize];
        for (v, k) in self.visits(indices) {
            assert!(
                v < VERTICES && k < INSTANCES,
                "the test draws past its buffers"
            );
            row[(v + VERTICES * k) as usize] = [vertex_tag(v), instance_tag(k), 255, 255];
        }
        row
    }
}

#[test]
fn direct_instanced_indexed_and_indirect_draws_visit_what_webgpu_says() {
    let gpu = Gpu::new();
    let attribute = |format, offset, shader_location| VertexAttribute {
        format,
        offset,
        shader_location,
    };
    let per_vertex = [
        attribute(VertexFormat::Float32, 0, 0),
        attribute(VertexFormat::Unorm8x4, 4, 1),
    ];
    let per_instance = [
        attribute(VertexFormat::Float32, 0, 2),
        attribute(VertexFormat::Unorm8x4, 4, 3),
    ];
    let pipeline = gpu.render_pipeline(&PipelineSpec {
        code: POINTS,
        topology: PrimitiveTopology::PointList,
        buffers: &[
            VertexBufferLayout {
                step_mode: VertexStepMode::Vertex,
                array_stride: 8,
                attributes: &per_vertex,
            },
            VertexBufferLayout {
                step_mode: VertexStepMode::Instance,
                array_stride: 8,
                attributes: &per_instance,
            },
        ],
        ..Default::default()
    });
    let buffer = |contents: &[u8], usage| {
        gpu.device
            .create_buffer_init(&BufferInitDescriptor {
                label: "draw input",
                contents,
                usage,
            })
            .unwrap()
    };
    let vertices = buffer(
        &elements(VERTICES, |v| v as f32, vertex_tag),
        BufferUsage::Vertex,
    );
    let instances = buffer(
        &elements(INSTANCES, |k| (VERTICES * k) as f32, instance_tag),
        BufferUsage::Vertex,
    );
    let indices = [9u32, 2, 14, 0, 7, 3];
    let u16_indices: Vec<u16> = indices.iter().map(|&i| i as u16).collect();
    let index16 = buffer(bytemuck::cast_slice(&u16_indices), BufferUsage::Index);
    let index32 = buffer(bytemuck::cast_slice(&indices), BufferUsage::Index);
    // Indirect arguments: (vertex_count, instance_count, first_vertex, first_instance) at 0, then
    // (index_count, instance_count, first_index, base_vertex, first_instance) at 16. A first instance
    // other than 0 needs the IndirectFirstInstance feature, so it is 0 here.
    let mut args: Vec<u32> = vec![3, 3, 4, 0];
    args.extend([3, 2, 1, 1, 0]);
    let indirect = buffer(bytemuck::cast_slice(&args), BufferUsage::Indirect);

    type Record<'a> = Box<dyn Fn(&mut RenderPassEncoder<'_>) + 'a>;
    let direct = |c: &Call| -> Record<'static> {
        match *c {
            Call::Draw {
                vertex_count,
                instance_count,
                first_vertex,
                first_instance,
            } => Box::new(move |p| {
                p.draw(vertex_count, instance_count, first_vertex, first_instance)
            }),
            Call::Indexed {
                index_count,
                instance_count,
                first_index,
                base_vertex,
                first_instance,
            } => Box::new(move |p| {
                p.draw_indexed(
                    index_count,
                    instance_count,
                    first_index,
                    base_vertex,
                    first_instance,
                )
            }),
        }
    };
    let draw = |vertex_count, instance_count, first_vertex, first_instance| Call::Draw {
        vertex_count,
        instance_count,
        first_vertex,
        first_instance,
    };
    let indexed =
        |index_count, instance_count, first_index, base_vertex, first_instance| Call::Indexed {
            index_count,
            instance_count,
            first_index,
            base_vertex,
            first_instance,
        };
    let cases: Vec<(&str, IndexFormat, Call, Option<Record<'_>>)> = vec![
        ("draw", IndexFormat::Uint16, draw(4, 1, 0, 0), None),
        ("first vertex", IndexFormat::Uint16, draw(3, 1, 5, 0), None),
        (
            "instanced, first instance",
            IndexFormat::Uint16,
            draw(2, 3, 1, 1),
            None,
        ),
        (
            "indexed u16",
            IndexFormat::Uint16,
            indexed(4, 1, 0, 0, 0),
            None,
        ),
        (
            "indexed u32",
            IndexFormat::Uint32,
            indexed(4, 1, 0, 0, 0),
            None,
        ),
        (
            "first index, base vertex, instances",
            IndexFormat::Uint16,
            indexed(3, 2, 2, 1, 2),
            None,
        ),
        (
            "negative base vertex",
            IndexFormat::Uint32,
            indexed(2, 1, 4, -3, 0),
            None,
        ),
        (
            "draw_indirect",
            IndexFormat::Uint16,
            draw(3, 3, 4, 0),
            Some(Box::new(|p: &mut RenderPassEncoder<'_>| {
                p.draw_indirect(&indirect, 0)
            })),
        ),
        (
            "draw_indexed_indirect",
            IndexFormat::Uint32,
            indexed(3, 2, 1, 1, 0),
            Some(Box::new(|p: &mut RenderPassEncoder<'_>| {
                p.draw_indexed_indirect(&indirect, 16)
            })),
        ),
    ];
    for (name, index_format, call, record) in cases {
        let target = gpu.target(WIDTH, 1, TextureFormat::RGBA8Unorm);
        let record = record.unwrap_or_else(|| direct(&call));
        gpu.render(&target, Color::BLACK, |pass| {
            pass.set_pipeline(&pipeline);
            pass.set_vertex_buffer(0, &vertices, 0, None);
            pass.set_vertex_buffer(1, &instances, 0, None);
            let index = if index_format == IndexFormat::Uint16 {
                &index16
            } else {
                &index32
            };
            pass.set_index_buffer(index, index_format, 0, None);
            record(pass);
        });
        let expected = call.expected(&indices);
        assert!(
            expected.iter().any(|t| t[2] == 255),
            "{name} draws something"
        );
        assert_eq!(rgba8(&target), expected, "{name}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}

/// How a vertex format decodes: its bytes in the buffer and the 32-bit words the shader must see.
struct Decode {
    format: VertexFormat,
    bytes: Vec<u8>,
    expected: Vec<Expected>,
}

#[derive(Clone, Copy, Debug)]
enum Expected {
    F(f32),
    U(u32),
    I(i32),
}

fn le<T: bytemuck::Pod>(values: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(values).to_vec()
}

fn decodes() -> Vec<Decode> {
    use Expected::{F, I, U};
    use VertexFormat as V;
    let d = |format, bytes, expected| Decode {
        format,
        bytes,
        expected,
    };
    let unorm10 = 1023u32 | (512 << 10) | (2 << 30);
    vec![
        d(V::Uint8, vec![200], vec![U(200)]),
        d(V::Sint8, vec![(-5i8) as u8], vec![I(-5)]),
        d(V::Unorm8, vec![51], vec![F(0.2)]),
        d(
            V::Uint8x4,
            vec![1, 200, 37, 255],
            vec![U(1), U(200), U(37), U(255)],
        ),
        d(V::Sint8x2, le(&[-123i8, 127]), vec![I(-123), I(127)]),
        d(
            V::Unorm8x4,
            vec![0, 51, 204, 255],
            vec![F(0.0), F(0.2), F(0.8), F(1.0)],
        ),
        d(
            V::Snorm8x4,
            le(&[-127i8, -128, 64, 127]),
            vec![F(-1.0), F(-1.0), F(64.0 / 127.0), F(1.0)],
        ),
        d(V::Uint16, le(&[60000u16]), vec![U(60000)]),
        d(V::Snorm16, le(&[-16384i16]), vec![F(-16384.0 / 32767.0)]),
        d(V::Uint16x2, le(&[65535u16, 300]), vec![U(65535), U(300)]),
        d(
            V::Sint16x4,
            le(&[-32768i16, -1, 12345, 32767]),
            vec![I(-32768), I(-1), I(12345), I(32767)],
        ),
        d(V::Unorm16x2, le(&[65535u16, 13107]), vec![F(1.0), F(0.2)]),
        d(
            V::Snorm16x4,
            le(&[-32767i16, 16384, 0, 32767]),
            vec![F(-1.0), F(16384.0 / 32767.0), F(0.0), F(1.0)],
        ),
        // Half floats: 1.5, -2.25; 1, 0, 65504 (the largest), -0.5.
        d(
            V::Float16x2,
            le(&[0x3E00u16, 0xC080]),
            vec![F(1.5), F(-2.25)],
        ),
        d(
            V::Float16x4,
            le(&[0x3C00u16, 0x0000, 0x7BFF, 0xB800]),
            vec![F(1.0), F(0.0), F(65504.0), F(-0.5)],
        ),
        d(V::Float32, le(&[3.25f32]), vec![F(3.25)]),
        d(
            V::Float32x3,
            le(&[1.5f32, -2.0, 1e10]),
            vec![F(1.5), F(-2.0), F(1e10)],
        ),
        d(
            V::Uint32x4,
            le(&[0u32, 1, u32::MAX, 123_456_789]),
            vec![U(0), U(1), U(u32::MAX), U(123_456_789)],
        ),
        d(
            V::Sint32x2,
            le(&[i32::MIN, i32::MAX]),
            vec![I(i32::MIN), I(i32::MAX)],
        ),
        d(
            V::Unorm10_10_10_2,
            le(&[unorm10]),
            vec![F(1.0), F(512.0 / 1023.0), F(0.0), F(2.0 / 3.0)],
        ),
        // Stored blue, green, red, alpha: the shader sees red first.
        d(
            V::Unorm8x4BGRA,
            vec![10, 20, 30, 40],
            vec![
                F(30.0 / 255.0),
                F(20.0 / 255.0),
                F(10.0 / 255.0),
                F(40.0 / 255.0),
            ],
        ),
    ]
}

#[test]
fn every_vertex_format_decodes_to_its_values() {
    let gpu = Gpu::new();
    let out = gpu.buffer(
        16,
        BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
    );
    for case in decodes() {
        let n = case.expected.len();
        let scalar = match case.expected[0] {
            Expected::F(_) => "f32",
            Expected::U(_) => "u32",
            Expected::I(_) => "i32",
        };
        let ty = if n == 1 {
            scalar.to_string()
        } else {
            format!("vec{n}<{scalar}>")
        };
        let widen = match n {
            1 => format!("vec4<{scalar}>(a, {scalar}(0), {scalar}(0), {scalar}(0))"),
            2 => format!("vec4<{scalar}>(a, {scalar}(0), {scalar}(0))"),
            3 => format!("vec4<{scalar}>(a, {scalar}(0))"),
            _ => "a".to_string(),
        };
        let code = format!(
            "@group(0) @binding(0) var<storage, read_write> out: array<u32, 4>;
             struct Varyings {{
                 @builtin(position) position: vec4f,
                 @location(0) @interpolate(flat) value: vec4<{scalar}>,
             }}
             @vertex fn vs(@location(0) a: {ty}) -> Varyings {{
                 return Varyings(vec4f(0.0, 0.0, 0.0, 1.0), {widen});
             }}
             @fragment fn fs(in: Varyings) -> @location(0) vec4f {{
                 for (var i = 0u; i < 4u; i++) {{ out[i] = bitcast<u32>(in.value[i]); }}
                 return vec4f(1.0);
             }}"
        );
        let attributes = [VertexAttribute {
            format: case.format,
            offset: 0,
            shader_location: 0,
        }];
        let pipeline = gpu.render_pipeline(&PipelineSpec {
            code: &code,
            topology: PrimitiveTopology::PointList,
            buffers: &[VertexBufferLayout {
                step_mode: VertexStepMode::Vertex,
                array_stride: 16,
                attributes: &attributes,
            }],
            ..Default::default()
        });
        assert_eq!(
            case.format.size(),
            Some(case.bytes.len() as u64),
            "{:?}",
            case.format
        );
        let mut bytes = case.bytes.clone();
        bytes.resize(16, 0);
        let vertices = gpu
            .device
            .create_buffer_init(&BufferInitDescriptor {
                label: "vertex",
                contents: &bytes,
                usage: BufferUsage::Vertex,
            })
            .unwrap();
        gpu.queue
            .write_buffer(&out, 0, &[0xDEAD_BEEFu32; 4])
            .unwrap();
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "out",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &out)],
        });
        let target = gpu.target(1, 1, TextureFormat::RGBA8Unorm);
        gpu.render(&target, Color::BLACK, |pass| {
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.set_vertex_buffer(0, &vertices, 0, None);
            pass.draw(1, 1, 0, 0);
        });
        let words: Vec<u32> = out.read_back().unwrap();
        for (i, expected) in case.expected.iter().enumerate() {
            let ok = match *expected {
                Expected::F(f) => {
                    let got = f32::from_bits(words[i]);
                    (got - f).abs() <= 1e-6 * f.abs().max(1.0)
                }
                Expected::U(u) => words[i] == u,
                Expected::I(v) => words[i] as i32 == v,
            };
            assert!(
                ok,
                "{:?} component {i}: got {:#x}, expected {expected:?}",
                case.format, words[i]
            );
        }
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_sampled_texture_and_a_sampler_through_a_bind_group() {
    let gpu = Gpu::new();
    let texels: Vec<u8> = (0..64u32).map(|i| (i * 37 % 251) as u8 + 3).collect();
    let texture = gpu
        .device
        .create_texture_init(
            &TextureDescriptor {
                label: "sampled",
                usage: TextureUsage::TextureBinding,
                size: Extent3D::new(4, 4, 1),
                format: TextureFormat::RGBA8Unorm,
                ..Default::default()
            },
            &texels,
        )
        .unwrap();
    let code = format!(
        "{FULL_SCREEN_VS}
         @group(0) @binding(0) var image: texture_2d<f32>;
         @group(0) @binding(1) var nearest: sampler;
         @fragment fn fs(@builtin(position) p: vec4f) -> @location(0) vec4f {{
             return textureSample(image, nearest, p.xy / 4.0);
         }}"
    );
    let sampler = gpu.device.create_sampler(&SamplerDescriptor {
        label: "nearest",
        ..Default::default()
    });
    // The layout derived from the shader, and the same written out by hand.
    let explicit = gpu
        .device
        .create_bind_group_layout_checked(&BindGroupLayoutDescriptor {
            label: "explicit",
            entries: &[
                BindGroupLayoutEntry {
                    binding: 0,
                    visibility: ShaderStage::Fragment,
                    ty: BindingType::Texture {
                        sample_type: TextureSampleType::Float,
                        view_dimension: TextureViewDimension::e2D,
                        multisampled: false,
                    },
                },
                BindGroupLayoutEntry {
                    binding: 1,
                    visibility: ShaderStage::Fragment,
                    ty: BindingType::Sampler(SamplerBindingType::Filtering),
                },
            ],
        })
        .unwrap();
    let explicit_pipeline_layout = gpu
        .device
        .create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "explicit",
            bind_group_layouts: std::slice::from_ref(&explicit),
            immediate_size: 0,
        });
    let auto = gpu.render_pipeline(&PipelineSpec {
        code: &code,
        ..Default::default()
    });
    let by_hand = gpu.render_pipeline(&PipelineSpec {
        code: &code,
        layout: Some(&explicit_pipeline_layout),
        ..Default::default()
    });
    let view = texture.create_view(&Default::default());
    let entries = [
        BindGroupEntry::texture_view(0, &view),
        BindGroupEntry::sampler(1, &sampler),
    ];
    for (pipeline, layout) in [(&auto, auto.get_bind_group_layout(0)), (&by_hand, explicit)] {
        let group = gpu
            .device
            .create_bind_group_checked(&BindGroupDescriptor {
                label: "sampled",
                layout: &layout,
                entries: &entries,
            })
            .unwrap();
        let target = gpu.target(4, 4, TextureFormat::RGBA8Unorm);
        gpu.render(&target, Color::BLACK, |pass| {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.draw(3, 1, 0, 0);
        });
        assert_eq!(target.read_back().unwrap(), texels);
    }
    assert!(gpu.take_uncaptured().is_empty());
}
