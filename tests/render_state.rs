//! Render state, modelled on the WebGPU CTS (rendering/basic, depth, stencil, blending) and Dawn's
//! end-to-end tests: clears (whole texture and one mip through a view, store and discard), every depth
//! compare function against clear depths 1.0, 0.5001 and 0.0 on depth32float and depth24plus-stencil8,
//! every stencil operation plus a masked stencil test, blending modes against a CPU blend, and scissor
//! rectangles and viewports with exact expected bytes.

use dawn::*;
use dawn_suite::Gpu;
use dawn_suite::render::{FULL_SCREEN_VS, PipelineSpec, rgba8};

/// A full-screen vertex stage and a fragment stage writing `color`.
fn solid(color: [f32; 4]) -> String {
    format!(
        "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f({:?}, {:?}, {:?}, {:?}); }}",
        color[0], color[1], color[2], color[3]
    )
}

#[test]
fn clear_only_writes_the_clear_color() {
    let gpu = Gpu::new();
    // The CTS's first test: 1x1 cleared to green, copied with bytes_per_row 256.
    let target = gpu.target(1, 1, TextureFormat::RGBA8Unorm);
    gpu.render(&target, Color::new(0.0, 1.0, 0.0, 1.0), |_| {});
    let buffer = gpu.buffer(256, BufferUsage::CopyDst | BufferUsage::MapRead);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder
        .copy_texture_to_buffer(
            &target.as_image_copy(),
            &TexelCopyBufferInfo {
                layout: TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(256),
                    rows_per_image: None,
                },
                buffer: &buffer,
            },
            Extent3D::new(1, 1, 1),
        )
        .unwrap();
    gpu.queue.submit(&[encoder.finish()]);
    let bytes: Vec<u8> = buffer.read_back().unwrap();
    assert_eq!(bytes[..4], [0x00, 0xff, 0x00, 0xff]);

    // Through explicit views: mip 0 red, mip 1 blue, and a discarded pass leaves zeros.
    let mips = gpu.device.create_texture(&TextureDescriptor {
        label: "mips",
        usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
        size: Extent3D::new(6, 4, 1),
        format: TextureFormat::RGBA8Unorm,
        mip_level_count: 2,
        ..Default::default()
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    for (level, color, store) in [
        (0, Color::new(1.0, 0.0, 0.0, 1.0), StoreOp::Store),
        (1, Color::new(0.0, 0.0, 1.0, 1.0), StoreOp::Store),
    ] {
        let view = mips.create_view(&TextureViewDescriptor {
            base_mip_level: level,
            mip_level_count: Some(1),
            ..Default::default()
        });
        encoder
            .begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: Operations {
                        load: LoadOp::Clear(color),
                        store,
                    },
                })],
                ..Default::default()
            })
            .unwrap()
            .end();
    }
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(mips.read_back_mip(0).unwrap(), [255, 0, 0, 255].repeat(24));
    assert_eq!(mips.read_back_mip(1).unwrap(), [0, 0, 255, 255].repeat(6));
    let discarded = gpu.target(3, 3, TextureFormat::RGBA8Unorm);
    let view = discarded.create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder
        .begin_render_pass(&RenderPassDescriptor {
            color_attachments: &[Some(RenderPassColorAttachment {
                view: &view,
                depth_slice: None,
                resolve_target: None,
                ops: Operations {
                    load: LoadOp::Clear(Color::WHITE),
                    store: StoreOp::Discard,
                },
            })],
            ..Default::default()
        })
        .unwrap()
        .end();
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(discarded.read_back().unwrap(), vec![0; 36]);
    assert!(gpu.take_uncaptured().is_empty());
}

/// Whether `new compare stored` passes.
fn compare(f: CompareFunction, new: f32, stored: f32) -> bool {
    match f {
        CompareFunction::Never => false,
        CompareFunction::Less => new < stored,
        CompareFunction::Equal => new == stored,
        CompareFunction::LessEqual => new <= stored,
        CompareFunction::Greater => new > stored,
        CompareFunction::NotEqual => new != stored,
        CompareFunction::GreaterEqual => new >= stored,
        CompareFunction::Always => true,
        other => panic!("no compare function {other:?}"),
    }
}

const COMPARE_FUNCTIONS: [CompareFunction; 8] = [
    CompareFunction::Never,
    CompareFunction::Less,
    CompareFunction::Equal,
    CompareFunction::LessEqual,
    CompareFunction::Greater,
    CompareFunction::NotEqual,
    CompareFunction::GreaterEqual,
    CompareFunction::Always,
];

#[test]
fn depth_compare_functions_against_three_clear_depths() {
    let gpu = Gpu::new();
    // 0.5001, not 0.5, which lies between two depth16unorm values (as in the CTS).
    let fragment_depth = 0.5001f32;
    let code = solid([1.0, 1.0, 1.0, 1.0]);
    let mut cases = 0;
    for format in [
        TextureFormat::Depth32Float,
        TextureFormat::Depth24PlusStencil8,
    ] {
        for function in COMPARE_FUNCTIONS {
            let pipeline = gpu.render_pipeline(&PipelineSpec {
                code: &code,
                depth_stencil: Some(DepthStencilState {
                    format,
                    depth_write_enabled: true,
                    depth_compare: function,
                    ..Default::default()
                }),
                vertex_constants: &[("depth", fragment_depth as f64)],
                ..Default::default()
            });
            for clear in [1.0f32, 0.5001, 0.0] {
                let color = gpu.target(1, 1, TextureFormat::RGBA8Unorm);
                let depth = gpu.device.create_texture(&TextureDescriptor {
                    label: "depth",
                    usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
                    size: Extent3D::new(1, 1, 1),
                    format,
                    ..Default::default()
                });
                let (color_view, depth_view) = (
                    color.create_view(&Default::default()),
                    depth.create_view(&Default::default()),
                );
                let mut encoder = gpu.device.create_command_encoder(&Default::default());
                let mut pass = encoder
                    .begin_render_pass(&RenderPassDescriptor {
                        color_attachments: &[Some(RenderPassColorAttachment {
                            view: &color_view,
                            depth_slice: None,
                            resolve_target: None,
                            ops: Operations::clear(Color::BLACK),
                        })],
                        depth_stencil_attachment: Some(RenderPassDepthStencilAttachment {
                            view: &depth_view,
                            depth_ops: Some(Operations::clear(clear)),
                            stencil_ops: format
                                .has_stencil_aspect()
                                .then_some(Operations::clear(0)),
                        }),
                        ..Default::default()
                    })
                    .unwrap();
                pass.set_pipeline(&pipeline);
                pass.draw(3, 1, 0, 0);
                pass.end();
                gpu.queue.submit(&[encoder.finish()]);
                let drawn = compare(function, fragment_depth, clear);
                let what = format!("{format:?} {function:?} clear {clear}");
                let expected = if drawn { [255; 4] } else { [0, 0, 0, 255] };
                assert_eq!(rgba8(&color), [expected], "{what}");
                if format == TextureFormat::Depth32Float {
                    let stored: Vec<f32> =
                        bytemuck::cast_slice(&depth.read_back().unwrap()).to_vec();
                    let written = if drawn { fragment_depth } else { clear };
                    assert_eq!(stored, [written], "{what}: stored depth");
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 48);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn stencil_operations_and_a_masked_stencil_test() {
    let gpu = Gpu::new();
    let ops = [
        StencilOperation::Keep,
        StencilOperation::Zero,
        StencilOperation::Replace,
        StencilOperation::Invert,
        StencilOperation::IncrementClamp,
        StencilOperation::DecrementClamp,
        StencilOperation::IncrementWrap,
        StencilOperation::DecrementWrap,
    ];
    let reference = 7u8;
    let apply = |op: StencilOperation, s: u8| match op {
        StencilOperation::Keep => s,
        StencilOperation::Zero => 0,
        StencilOperation::Replace => reference,
        StencilOperation::Invert => !s,
        StencilOperation::IncrementClamp => s.saturating_add(1),
        StencilOperation::DecrementClamp => s.saturating_sub(1),
        StencilOperation::IncrementWrap => s.wrapping_add(1),
        StencilOperation::DecrementWrap => s.wrapping_sub(1),
        other => panic!("no operation {other:?}"),
    };
    let format = TextureFormat::Stencil8;
    let stencil_state = |compare, pass_op, read_mask| {
        let face = StencilFaceState {
            compare,
            fail_op: StencilOperation::Keep,
            depth_fail_op: StencilOperation::Keep,
            pass_op,
        };
        DepthStencilState {
            format,
            stencil_front: face,
            stencil_back: face,
            stencil_read_mask: read_mask,
            ..Default::default()
        }
    };
    let writers: Vec<RenderPipeline> = ops
        .iter()
        .map(|&op| {
            gpu.render_pipeline(&PipelineSpec {
                code: &solid([0.0, 0.0, 1.0, 1.0]),
                depth_stencil: Some(stencil_state(CompareFunction::Always, op, 0xFF)),
                ..Default::default()
            })
        })
        .collect();
    // Passes where the low four bits of the stored value equal those of 0x17, i.e. 7.
    let masked = gpu.render_pipeline(&PipelineSpec {
        code: &solid([1.0, 0.0, 0.0, 1.0]),
        depth_stencil: Some(stencil_state(
            CompareFunction::Equal,
            StencilOperation::Keep,
            0x0F,
        )),
        ..Default::default()
    });
    for clear in [255u8, 0, 0x80] {
        let color = gpu.target(8, 1, TextureFormat::RGBA8Unorm);
        let stencil = gpu.device.create_texture(&TextureDescriptor {
            label: "stencil",
            usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
            size: Extent3D::new(8, 1, 1),
            format,
            ..Default::default()
        });
        let (color_view, stencil_view) = (
            color.create_view(&Default::default()),
            stencil.create_view(&Default::default()),
        );
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let mut pass = encoder
            .begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &color_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: Operations::clear(Color::BLACK),
                })],
                depth_stencil_attachment: Some(RenderPassDepthStencilAttachment {
                    view: &stencil_view,
                    depth_ops: None,
                    stencil_ops: Some(Operations::clear(clear as u32)),
                }),
                ..Default::default()
            })
            .unwrap();
        pass.set_stencil_reference(reference as u32);
        for (column, writer) in writers.iter().enumerate() {
            pass.set_pipeline(writer);
            pass.set_scissor_rect(column as u32, 0, 1, 1);
            pass.draw(3, 1, 0, 0);
        }
        pass.set_scissor_rect(0, 0, 8, 1);
        pass.set_stencil_reference(0x17);
        pass.set_pipeline(&masked);
        pass.draw(3, 1, 0, 0);
        pass.end();
        gpu.queue.submit(&[encoder.finish()]);
        let expected: Vec<u8> = ops.iter().map(|&op| apply(op, clear)).collect();
        assert_eq!(
            stencil.read_back().unwrap(),
            expected,
            "stencil after each operation on {clear}"
        );
        let colors: Vec<[u8; 4]> = expected
            .iter()
            .map(|&s| {
                if s & 0x0F == 7 {
                    [255, 0, 0, 255]
                } else {
                    [0, 0, 255, 255]
                }
            })
            .collect();
        assert_eq!(rgba8(&color), colors, "the masked test on {clear}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn blending_modes_match_a_cpu_blend() {
    let gpu = Gpu::new();
    // Values that 8-bit unorm stores exactly.
    let dst = [64.0, 128.0, 192.0, 128.0].map(|v: f64| v / 255.0);
    let src = [128.0, 32.0, 255.0, 192.0].map(|v: f64| v / 255.0);
    let constant = [0.2, 0.4, 0.6, 0.8];
    let component = |operation, src_factor, dst_factor| BlendComponent {
        operation,
        src_factor,
        dst_factor,
    };
    use BlendFactor as F;
    use BlendOperation as O;
    let one_one = |op| {
        let c = component(op, F::One, F::One);
        BlendState { color: c, alpha: c }
    };
    type Expect = Box<dyn Fn(usize) -> f64>;
    let cases: Vec<(&str, Option<BlendState>, Expect)> = vec![
        ("replace", None, Box::new(move |i| src[i])),
        (
            "alpha blending",
            Some(BlendState::ALPHA_BLENDING),
            Box::new(move |i| {
                let k = if i < 3 { src[3] } else { 1.0 };
                src[i] * k + dst[i] * (1.0 - src[3])
            }),
        ),
        (
            "add",
            Some(one_one(O::Add)),
            Box::new(move |i| (src[i] + dst[i]).min(1.0)),
        ),
        (
            "subtract",
            Some(one_one(O::Subtract)),
            Box::new(move |i| (src[i] - dst[i]).max(0.0)),
        ),
        (
            "reverse subtract",
            Some(one_one(O::ReverseSubtract)),
            Box::new(move |i| (dst[i] - src[i]).max(0.0)),
        ),
        (
            "min",
            Some(one_one(O::Min)),
            Box::new(move |i| src[i].min(dst[i])),
        ),
        (
            "max",
            Some(one_one(O::Max)),
            Box::new(move |i| src[i].max(dst[i])),
        ),
        (
            "constant",
            Some(BlendState {
                color: component(O::Add, F::Constant, F::OneMinusConstant),
                alpha: component(O::Add, F::Constant, F::OneMinusConstant),
            }),
            Box::new(move |i| src[i] * constant[i] + dst[i] * (1.0 - constant[i])),
        ),
        (
            "src times dst",
            Some(BlendState {
                color: component(O::Add, F::Dst, F::Zero),
                alpha: component(O::Add, F::DstAlpha, F::Zero),
            }),
            Box::new(move |i| src[i] * dst[i]),
        ),
        (
            "src alpha saturated",
            Some(BlendState {
                color: component(O::Add, F::SrcAlphaSaturated, F::One),
                alpha: component(O::Add, F::One, F::Zero),
            }),
            Box::new(move |i| {
                if i < 3 {
                    (src[i] * src[3].min(1.0 - dst[3]) + dst[i]).min(1.0)
                } else {
                    src[3]
                }
            }),
        ),
    ];
    let code = solid(src.map(|v| v as f32));
    for (name, blend, expect) in cases {
        let pipeline = gpu.render_pipeline(&PipelineSpec {
            code: &code,
            blend,
            ..Default::default()
        });
        let target = gpu.target(2, 2, TextureFormat::RGBA8Unorm);
        gpu.render(
            &target,
            Color::new(dst[0], dst[1], dst[2], dst[3]),
            |pass| {
                pass.set_pipeline(&pipeline);
                pass.set_blend_constant(&Color::new(
                    constant[0],
                    constant[1],
                    constant[2],
                    constant[3],
                ));
                pass.draw(3, 1, 0, 0);
            },
        );
        for texel in rgba8(&target) {
            for (i, &got) in texel.iter().enumerate() {
                let want = expect(i) * 255.0;
                assert!(
                    (got as f64 - want).abs() <= 1.0,
                    "{name}: channel {i} is {got}, expected {want:.2} (texel {texel:?})"
                );
            }
        }
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn scissor_and_viewport_give_exact_bytes() {
    let gpu = Gpu::new();
    let pipeline = gpu.render_pipeline(&PipelineSpec {
        code: &solid([1.0, 1.0, 1.0, 1.0]),
        ..Default::default()
    });
    let (o, x) = ([0, 0, 0, 255], [255, 255, 255, 255]);
    // (name, scissor rectangle, viewport, the 4x4 image expected, rows top down)
    let cases = [
        ("no scissor", None, None, [[x; 4]; 4]),
        (
            "scissor (1, 1, 2, 2)",
            Some([1, 1, 2, 2]),
            None,
            [[o; 4], [o, x, x, o], [o, x, x, o], [o; 4]],
        ),
        (
            "scissor (3, 0, 1, 4)",
            Some([3, 0, 1, 4]),
            None,
            [[o, o, o, x]; 4],
        ),
        (
            "viewport (2, 0, 2, 2)",
            None,
            Some([2.0, 0.0, 2.0, 2.0]),
            [[o, o, x, x], [o, o, x, x], [o; 4], [o; 4]],
        ),
        (
            "viewport (0, 1, 4, 3) and scissor (0, 0, 1, 4)",
            Some([0, 0, 1, 4]),
            Some([0.0, 1.0, 4.0, 3.0]),
            [[o; 4], [x, o, o, o], [x, o, o, o], [x, o, o, o]],
        ),
    ];
    for (name, scissor, viewport, expected) in cases {
        let target = gpu.target(4, 4, TextureFormat::RGBA8Unorm);
        gpu.render(&target, Color::BLACK, |pass| {
            pass.set_pipeline(&pipeline);
            if let Some([x, y, w, h]) = scissor {
                pass.set_scissor_rect(x, y, w, h);
            }
            if let Some([x, y, w, h]) = viewport {
                pass.set_viewport(x, y, w, h, 0.0, 1.0);
            }
            pass.draw(3, 1, 0, 0);
        });
        let expected: Vec<u8> = expected.iter().flatten().flatten().copied().collect();
        assert_eq!(target.read_back().unwrap(), expected, "{name}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}
