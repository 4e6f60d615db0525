//! Passes and what runs in them, modelled on Dawn's RenderBundleTests, wgpu's render_pass_ownership test
//! and the CTS's render-pass validation: render bundles (replayed, and the pass state reset after them),
//! immediates, objects dropped right after being handed to a pass, and misuse, refused before Dawn or
//! reported with Dawn's own message. Queries and depth: tests/render_queries.rs.

use dawn::*;
use dawn_suite::render::{FULL_SCREEN_VS, PipelineSpec, rgba8};
use dawn_suite::{Gpu, WAIT, assert_err};

/// Triangles from a vertex buffer of `vec2f` positions, colored by a uniform.
const UNIFORM_COLOR: &str = "
@group(0) @binding(0) var<uniform> color: vec4f;
@vertex fn vs(@location(0) p: vec2f) -> @builtin(position) vec4f { return vec4f(p, 0.0, 1.0); }
@fragment fn fs() -> @location(0) vec4f { return color; }
";

const POSITIONS: [VertexAttribute; 1] = [VertexAttribute {
    format: VertexFormat::Float32x2,
    offset: 0,
    shader_location: 0,
}];

const POSITION_BUFFER: VertexBufferLayout<'static> = VertexBufferLayout {
    step_mode: VertexStepMode::Vertex,
    array_stride: 8,
    attributes: &POSITIONS,
};

/// Two triangles covering `x0..x1` of clip space, all of y.
fn rect(x0: f32, x1: f32) -> [[f32; 2]; 6] {
    [
        [x0, -1.0],
        [x1, -1.0],
        [x0, 1.0],
        [x0, 1.0],
        [x1, -1.0],
        [x1, 1.0],
    ]
}

fn uniform(gpu: &Gpu, color: [f32; 4]) -> Buffer {
    gpu.device
        .create_buffer_init(&BufferInitDescriptor {
            label: "color",
            contents: bytemuck::cast_slice(&color),
            usage: BufferUsage::Uniform,
        })
        .unwrap()
}

fn vertex_buffer(gpu: &Gpu, vertices: &[[f32; 2]]) -> Buffer {
    gpu.device
        .create_buffer_init(&BufferInitDescriptor {
            label: "positions",
            contents: bytemuck::cast_slice(vertices),
            usage: BufferUsage::Vertex,
        })
        .unwrap()
}

const RED: [u8; 4] = [255, 0, 0, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];

/// A 4x1 row: the left half `left`, the right half `right`.
fn halves(left: [u8; 4], right: [u8; 4]) -> Vec<[u8; 4]> {
    vec![left, left, right, right]
}

#[test]
fn bundles_replay_their_draws_and_leave_the_pass_state_reset() {
    let gpu = Gpu::new();
    let pipeline = gpu.render_pipeline(&PipelineSpec {
        code: UNIFORM_COLOR,
        buffers: &[POSITION_BUFFER],
        ..Default::default()
    });
    let layout = pipeline.get_bind_group_layout(0);
    let group = |color| {
        gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "color",
            layout: &layout,
            entries: &[BindGroupEntry::buffer(0, &uniform(&gpu, color))],
        })
    };
    let (red, green) = (group([1.0, 0.0, 0.0, 1.0]), group([0.0, 1.0, 0.0, 1.0]));
    let (left, right) = (
        vertex_buffer(&gpu, &rect(-1.0, 0.0)),
        vertex_buffer(&gpu, &rect(0.0, 1.0)),
    );
    let bundle = |group: &BindGroup, vertices: &Buffer| {
        let mut encoder = gpu
            .device
            .create_render_bundle_encoder(&RenderBundleEncoderDescriptor {
                label: "half",
                color_formats: &[TextureFormat::RGBA8Unorm],
                ..Default::default()
            });
        encoder.set_label("half");
        encoder.push_debug_group("half");
        encoder.insert_debug_marker("draw");
        encoder.set_pipeline(&pipeline);
        encoder.set_bind_group(0, group, &[]);
        encoder.set_vertex_buffer(0, vertices, 0, None);
        encoder.draw(6, 1, 0, 0);
        encoder.pop_debug_group();
        let bundle = encoder.finish(&RenderBundleDescriptor { label: "half" });
        bundle.set_label("finished half");
        bundle
    };
    let (red_left, green_right) = (bundle(&red, &left), bundle(&green, &right));

    let target = gpu.target(4, 1, TextureFormat::RGBA8Unorm);
    gpu.render(&target, Color::BLACK, |pass| {
        pass.execute_bundles(&[&red_left, &green_right])
    });
    assert_eq!(rgba8(&target), halves(RED, GREEN));
    // Replayed again, in another order, with a direct draw after (which must set its own state).
    gpu.render(&target, Color::BLACK, |pass| {
        pass.execute_bundles(&[&green_right]);
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &green, &[]);
        pass.set_vertex_buffer(0, &left, 0, None);
        pass.draw(6, 1, 0, 0);
    });
    assert_eq!(rgba8(&target), halves(GREEN, GREEN));

    // The pipeline set before the bundles is unset after them.
    let view = target.create_view(&Default::default());
    let e = assert_err(
        gpu.device.try_scoped(|d| {
            let mut encoder = d.create_command_encoder(&Default::default());
            let mut pass = encoder.begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: Operations::load(),
                })],
                ..Default::default()
            })?;
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &red, &[]);
            pass.set_vertex_buffer(0, &left, 0, None);
            pass.execute_bundles(&[&green_right]);
            pass.draw(6, 1, 0, 0);
            pass.end();
            Ok(encoder.finish())
        }),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("No pipeline set"), "{e}");

    // A bundle for another attachment format does not fit the pass.
    let mut encoder = gpu
        .device
        .create_render_bundle_encoder(&RenderBundleEncoderDescriptor {
            color_formats: &[TextureFormat::BGRA8Unorm],
            ..Default::default()
        });
    encoder.set_label("for bgra8unorm passes");
    // While it records, the device refuses to be destroyed.
    let refused = assert_err(gpu.device.destroy(), ErrorKind::InvalidUse);
    assert!(refused.message().contains("recording"), "{refused}");
    let wrong = encoder.finish(&Default::default());
    let e = assert_err(
        gpu.device.try_scoped(|d| {
            let mut encoder = d.create_command_encoder(&Default::default());
            let mut pass = encoder.begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: Operations::load(),
                })],
                ..Default::default()
            })?;
            pass.execute_bundles(&[&wrong]);
            pass.end();
            Ok(encoder.finish())
        }),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("not compatible"), "{e}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn immediates_reach_the_fragment_shader_from_passes_and_bundles() {
    let gpu = Gpu::new();
    let code = format!(
        "{FULL_SCREEN_VS}
         var<immediate> color: vec4f;
         @fragment fn fs() -> @location(0) vec4f {{ return color; }}"
    );
    let layout = gpu
        .device
        .create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "immediates",
            bind_group_layouts: &[],
            immediate_size: 16,
        });
    let pipeline = gpu.render_pipeline(&PipelineSpec {
        code: &code,
        layout: Some(&layout),
        ..Default::default()
    });
    let target = gpu.target(2, 2, TextureFormat::RGBA8Unorm);
    gpu.render(&target, Color::BLACK, |pass| {
        pass.set_pipeline(&pipeline);
        pass.set_immediates(0, &[0.0f32, 1.0, 0.0, 1.0]);
        pass.set_immediates(8, &[0.2f32]);
        pass.draw(3, 1, 0, 0);
    });
    assert_eq!(rgba8(&target), vec![[0, 255, 51, 255]; 4]);
    let mut encoder = gpu
        .device
        .create_render_bundle_encoder(&RenderBundleEncoderDescriptor {
            color_formats: &[TextureFormat::RGBA8Unorm],
            ..Default::default()
        });
    encoder.set_pipeline(&pipeline);
    encoder.set_immediates(0, &[1.0f32, 0.0, 0.4, 1.0]);
    encoder.draw(3, 1, 0, 0);
    let bundle = encoder.finish(&Default::default());
    gpu.render(&target, Color::BLACK, |pass| {
        pass.execute_bundles(&[&bundle])
    });
    assert_eq!(rgba8(&target), vec![[255, 0, 102, 255]; 4]);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn objects_dropped_right_after_being_handed_to_the_pass_still_render() {
    let gpu = Gpu::new();
    let target = gpu.target(4, 1, TextureFormat::RGBA8Unorm);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let view = target.create_view(&Default::default());
        let mut pass = encoder
            .begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: Operations::clear(Color::BLACK),
                })],
                ..Default::default()
            })
            .unwrap();
        drop(view);
        let pipeline = gpu.render_pipeline(&PipelineSpec {
            code: UNIFORM_COLOR,
            buffers: &[POSITION_BUFFER],
            ..Default::default()
        });
        let color = uniform(&gpu, [0.0, 1.0, 0.0, 1.0]);
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "color",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &color)],
        });
        drop(color);
        pass.set_pipeline(&pipeline);
        drop(pipeline);
        pass.set_bind_group(0, &group, &[]);
        drop(group);
        let vertices = vertex_buffer(&gpu, &rect(0.0, 1.0));
        pass.set_vertex_buffer(0, &vertices, 0, None);
        drop(vertices);
        let indices = gpu
            .device
            .create_buffer_init(&BufferInitDescriptor {
                label: "indices",
                contents: bytemuck::cast_slice(&[0u16, 1, 2, 3, 4, 5]),
                usage: BufferUsage::Index,
            })
            .unwrap();
        pass.set_index_buffer(&indices, IndexFormat::Uint16, 0, None);
        drop(indices);
        let args = gpu
            .device
            .create_buffer_init(&BufferInitDescriptor {
                label: "args",
                contents: bytemuck::cast_slice(&[6u32, 1, 0, 0, 0]),
                usage: BufferUsage::Indirect,
            })
            .unwrap();
        pass.draw_indexed_indirect(&args, 0);
        drop(args);
        // The left half from a bundle dropped as soon as it is handed over.
        let mut bundle_encoder =
            gpu.device
                .create_render_bundle_encoder(&RenderBundleEncoderDescriptor {
                    color_formats: &[TextureFormat::RGBA8Unorm],
                    ..Default::default()
                });
        let red_pipeline = gpu.render_pipeline(&PipelineSpec {
            code: UNIFORM_COLOR,
            buffers: &[POSITION_BUFFER],
            ..Default::default()
        });
        let red = uniform(&gpu, [1.0, 0.0, 0.0, 1.0]);
        bundle_encoder.set_pipeline(&red_pipeline);
        bundle_encoder.set_bind_group(
            0,
            &gpu.device.create_bind_group(&BindGroupDescriptor {
                label: "red",
                layout: &red_pipeline.get_bind_group_layout(0),
                entries: &[BindGroupEntry::buffer(0, &red)],
            }),
            &[],
        );
        bundle_encoder.set_vertex_buffer(0, &vertex_buffer(&gpu, &rect(-1.0, 0.0)), 0, None);
        bundle_encoder.draw(6, 1, 0, 0);
        drop((red_pipeline, red));
        pass.execute_bundles(&[&bundle_encoder.finish(&Default::default())]);
    }
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(rgba8(&target), halves(RED, GREEN));
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn misuse_is_refused_before_dawn_or_reported_with_dawns_message() {
    let gpu = Gpu::new();
    let size = Extent3D::new(4, 4, 1);
    let texture = |format, usage, sample_count| {
        gpu.device.create_texture(&TextureDescriptor {
            label: "attachment",
            usage,
            size,
            format,
            sample_count,
            ..Default::default()
        })
    };
    let attachment = |view| RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: Operations::clear(Color::BLACK),
    };
    let rgba = TextureFormat::RGBA8Unorm;
    let sampled = texture(rgba, TextureUsage::TextureBinding, 1).create_view(&Default::default());
    let single = texture(
        rgba,
        TextureUsage::RenderAttachment | TextureUsage::CopySrc,
        1,
    )
    .create_view(&Default::default());
    let multi = texture(rgba, TextureUsage::RenderAttachment, 4).create_view(&Default::default());
    let depth = texture(
        TextureFormat::Depth32Float,
        TextureUsage::RenderAttachment,
        1,
    )
    .create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let e = assert_err(
        encoder.begin_render_pass(&RenderPassDescriptor {
            color_attachments: &[Some(attachment(&sampled))],
            ..Default::default()
        }),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("RenderAttachment") && e.message().contains("color attachment 0"),
        "{e}"
    );
    let e = assert_err(
        encoder.begin_render_pass(&RenderPassDescriptor {
            color_attachments: &[None, Some(attachment(&multi))],
            depth_stencil_attachment: Some(RenderPassDepthStencilAttachment {
                view: &depth,
                depth_ops: Some(Operations::clear(1.0)),
                stencil_ops: None,
            }),
            ..Default::default()
        }),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("color attachment 1 has 4") && e.message().contains("has 1"),
        "{e}"
    );
    for (view, target) in [(&single, &single), (&multi, &multi)] {
        let e = assert_err(
            encoder.begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    resolve_target: Some(target),
                    ..attachment(view)
                })],
                ..Default::default()
            }),
            ErrorKind::Validation,
        );
        assert!(e.message().contains("resolve"), "{e}");
    }
    // Nothing refused was recorded: the encoder still finishes into a valid command buffer.
    gpu.queue.submit(&[encoder.finish()]);
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    assert!(gpu.take_uncaptured().is_empty());

    // Dawn's checks: a pipeline for another format, a draw without a pipeline.
    let bgra = gpu.render_pipeline(&PipelineSpec {
        code: &format!(
            "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(1.0); }}"
        ),
        format: TextureFormat::BGRA8Unorm,
        ..Default::default()
    });
    let pass_with = |record: &dyn Fn(&mut RenderPassEncoder<'_>)| {
        gpu.device.try_scoped(|d| {
            let mut encoder = d.create_command_encoder(&Default::default());
            let mut pass = encoder.begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(attachment(&single))],
                ..Default::default()
            })?;
            record(&mut pass);
            pass.end();
            Ok(encoder.finish())
        })
    };
    let e = assert_err(
        pass_with(&|pass| {
            pass.set_pipeline(&bgra);
            pass.draw(3, 1, 0, 0);
        }),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("not compatible"), "{e}");
    let e = assert_err(
        pass_with(&|pass| pass.draw(3, 1, 0, 0)),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("No pipeline set"), "{e}");
    let e = assert_err(
        pass_with(&|pass| pass.set_viewport(0.0, 0.0, 4.0, 4.0, 0.8, 0.2)),
        ErrorKind::Validation,
    );
    assert!(e.message().to_lowercase().contains("viewport"), "{e}");
    assert!(gpu.take_uncaptured().is_empty());
}
