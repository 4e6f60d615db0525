//! Pipeline state beyond depth, stencil and blending (tests/render_state.rs): color write masks, culling
//! by winding and front face, triangle strips, and the multisample mask, each with exact expected bytes.

use dawn::*;
use dawn_suite::Gpu;
use dawn_suite::render::{FULL_SCREEN_VS, rgba8};

const WHITE: &str = "@fragment fn fs() -> @location(0) vec4f { return vec4f(1.0); }";

fn module(gpu: &Gpu, code: &str) -> ShaderModule {
    gpu.device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "state",
            code,
        })
        .unwrap()
}

/// A pipeline of `module`'s `vs` and `fs` with one RGBA8 target, as given.
fn pipeline(
    gpu: &Gpu,
    module: &ShaderModule,
    target: ColorTargetState,
    primitive: PrimitiveState,
    multisample: MultisampleState,
) -> RenderPipeline {
    gpu.device
        .create_render_pipeline_checked(&RenderPipelineDescriptor {
            label: "state",
            layout: None,
            vertex: VertexState {
                module,
                entry_point: Some("vs"),
                constants: &[],
                buffers: &[],
            },
            primitive,
            depth_stencil: None,
            multisample,
            fragment: Some(FragmentState {
                module,
                entry_point: Some("fs"),
                constants: &[],
                targets: &[Some(target)],
            }),
        })
        .unwrap()
}

#[test]
fn write_masks_keep_the_channels_they_leave_out() {
    let gpu = Gpu::new();
    let module = module(&gpu, &format!("{FULL_SCREEN_VS}\n{WHITE}"));
    let clear = Color::new(0.0, 64.0 / 255.0, 128.0 / 255.0, 0.0);
    for (mask, expected) in [
        (ColorWriteMask::All, [255, 255, 255, 255]),
        (ColorWriteMask::None, [0, 64, 128, 0]),
        (
            ColorWriteMask::Red | ColorWriteMask::Alpha,
            [255, 64, 128, 255],
        ),
        (
            ColorWriteMask::Green | ColorWriteMask::Blue,
            [0, 255, 255, 0],
        ),
    ] {
        let p = pipeline(
            &gpu,
            &module,
            ColorTargetState {
                format: TextureFormat::RGBA8Unorm,
                blend: None,
                write_mask: mask,
            },
            PrimitiveState::default(),
            MultisampleState::default(),
        );
        let target = gpu.target(2, 1, TextureFormat::RGBA8Unorm);
        gpu.render(&target, clear, |pass| {
            pass.set_pipeline(&p);
            pass.draw(3, 1, 0, 0);
        });
        assert_eq!(rgba8(&target), [expected; 2], "mask {mask:?}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn culling_follows_the_winding_and_the_front_face() {
    let gpu = Gpu::new();
    // The full-screen triangle winds counter-clockwise on screen.
    let module = module(&gpu, &format!("{FULL_SCREEN_VS}\n{WHITE}"));
    for (front_face, cull_mode, drawn) in [
        (FrontFace::CCW, CullMode::None, true),
        (FrontFace::CCW, CullMode::Back, true),
        (FrontFace::CCW, CullMode::Front, false),
        (FrontFace::CW, CullMode::Back, false),
        (FrontFace::CW, CullMode::Front, true),
    ] {
        let p = pipeline(
            &gpu,
            &module,
            TextureFormat::RGBA8Unorm.into(),
            PrimitiveState {
                front_face,
                cull_mode,
                ..Default::default()
            },
            MultisampleState::default(),
        );
        let target = gpu.target(2, 2, TextureFormat::RGBA8Unorm);
        gpu.render(&target, Color::BLACK, |pass| {
            pass.set_pipeline(&p);
            pass.draw(3, 1, 0, 0);
        });
        let expected = if drawn { [255; 4] } else { [0, 0, 0, 255] };
        assert_eq!(
            rgba8(&target),
            [expected; 4],
            "{front_face:?} faces front, {cull_mode:?} culled"
        );
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_triangle_strip_of_four_vertices_covers_a_quad() {
    let gpu = Gpu::new();
    // Four vertices of a strip over the left half: two triangles, columns 0 and 1 of 4.
    let module = module(
        &gpu,
        &format!(
            "@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {{
                 let xy = array(vec2f(-1.0, -1.0), vec2f(-1.0, 1.0), vec2f(0.0, -1.0), vec2f(0.0, 1.0));
                 return vec4f(xy[i], 0.0, 1.0);
             }}
             {WHITE}"
        ),
    );
    let p = pipeline(
        &gpu,
        &module,
        TextureFormat::RGBA8Unorm.into(),
        PrimitiveState {
            topology: PrimitiveTopology::TriangleStrip,
            ..Default::default()
        },
        MultisampleState::default(),
    );
    let target = gpu.target(4, 2, TextureFormat::RGBA8Unorm);
    gpu.render(&target, Color::BLACK, |pass| {
        pass.set_pipeline(&p);
        pass.draw(4, 1, 0, 0);
    });
    let (x, o) = ([255; 4], [0, 0, 0, 255]);
    assert_eq!(rgba8(&target), [x, x, o, o, x, x, o, o]);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn the_sample_mask_writes_only_its_samples() {
    let gpu = Gpu::new();
    let module = module(&gpu, &format!("{FULL_SCREEN_VS}\n{WHITE}"));
    let size = Extent3D::new(2, 2, 1);
    for (mask, covered) in [(!0u32, 4), (0b0011, 2), (0b1000, 1), (0, 0)] {
        let p = pipeline(
            &gpu,
            &module,
            TextureFormat::RGBA8Unorm.into(),
            PrimitiveState::default(),
            MultisampleState {
                count: 4,
                mask,
                alpha_to_coverage_enabled: false,
            },
        );
        let samples = gpu.device.create_texture(&TextureDescriptor {
            label: "samples",
            usage: TextureUsage::RenderAttachment,
            size,
            format: TextureFormat::RGBA8Unorm,
            sample_count: 4,
            ..Default::default()
        });
        let resolved = gpu.target(2, 2, TextureFormat::RGBA8Unorm);
        let (samples_view, resolved_view) = (
            samples.create_view(&Default::default()),
            resolved.create_view(&Default::default()),
        );
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let mut pass = encoder
            .begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &samples_view,
                    depth_slice: None,
                    resolve_target: Some(&resolved_view),
                    ops: Operations::clear(Color::BLACK),
                })],
                ..Default::default()
            })
            .unwrap();
        pass.set_pipeline(&p);
        pass.draw(3, 1, 0, 0);
        pass.end();
        gpu.queue.submit(&[encoder.finish()]);
        // Covered samples white, the rest black: the mean, within 1 for rounding.
        let mean = 255.0 * covered as f64 / 4.0;
        for texel in rgba8(&resolved) {
            for &c in &texel[..3] {
                assert!(
                    (c as f64 - mean).abs() <= 1.0,
                    "mask {mask:#b}: {texel:?}, expected {mean}"
                );
            }
            assert_eq!(texel[3], 255);
        }
    }
    assert!(gpu.take_uncaptured().is_empty());
}
