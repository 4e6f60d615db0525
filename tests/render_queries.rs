//! Depth and queries: occlusion query counts (an occluded draw counts 0, as in wgpu's occlusion_query
//! test), a depth attachment read-only in a pass, timestamps written by a render pass, debug markers, and
//! asynchronous render pipelines.

use dawn::*;
use dawn_suite::render::{FULL_SCREEN_VS, PipelineSpec, rgba8};
use dawn_suite::{Gpu, WAIT, assert_err};

#[test]
fn occlusion_queries_count_what_passes_the_depth_test() {
    let gpu = Gpu::new();
    let code = format!(
        "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(1.0); }}"
    );
    let at = |depth: f64| {
        gpu.render_pipeline(&PipelineSpec {
            code: &code,
            depth_stencil: Some(DepthStencilState {
                format: TextureFormat::Depth32Float,
                depth_write_enabled: true,
                depth_compare: CompareFunction::Less,
                ..Default::default()
            }),
            vertex_constants: &[("depth", depth)],
            ..Default::default()
        })
    };
    let (middle, front, back) = (at(0.5), at(0.2), at(0.9));
    let color = gpu.target(8, 8, TextureFormat::RGBA8Unorm);
    let depth = gpu.target(8, 8, TextureFormat::Depth32Float);
    let queries = gpu.device.create_query_set(&QuerySetDescriptor {
        label: "occlusion",
        ty: QueryType::Occlusion,
        count: 4,
    });
    let resolved = gpu.buffer(32, BufferUsage::QueryResolve | BufferUsage::CopySrc);
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
                depth_ops: Some(Operations::clear(1.0)),
                stencil_ops: None,
            }),
            occlusion_query_set: Some(&queries),
            ..Default::default()
        })
        .unwrap();
    for (index, pipeline) in [&middle, &front, &back].into_iter().enumerate() {
        pass.begin_occlusion_query(index as u32);
        pass.set_pipeline(pipeline);
        pass.draw(3, 1, 0, 0);
        pass.end_occlusion_query();
    }
    // Query 3 covers no draw at all.
    pass.begin_occlusion_query(3);
    pass.end_occlusion_query();
    pass.end();
    encoder.resolve_query_set(&queries, 0, 4, &resolved, 0);
    gpu.queue.submit(&[encoder.finish()]);
    let counts: Vec<u64> = resolved.read_back().unwrap();
    println!("occlusion counts: {counts:?}");
    assert!(
        counts[0] > 0 && counts[1] > 0,
        "visible draws count samples: {counts:?}"
    );
    assert_eq!(
        counts[2..],
        [0, 0],
        "the occluded draw and the empty query count 0"
    );
    let stored: Vec<f32> = bytemuck::cast_slice(&depth.read_back().unwrap()).to_vec();
    assert_eq!(stored, vec![0.2f32; 64]);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_depth_attachment_without_depth_operations_is_read_only() {
    let gpu = Gpu::new();
    let code = format!(
        "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(1.0); }}"
    );
    let at = |depth: f64| {
        gpu.render_pipeline(&PipelineSpec {
            code: &code,
            depth_stencil: Some(DepthStencilState {
                format: TextureFormat::Depth32Float,
                depth_write_enabled: false,
                depth_compare: CompareFunction::Less,
                ..Default::default()
            }),
            vertex_constants: &[("depth", depth)],
            ..Default::default()
        })
    };
    let depth = gpu.target(2, 1, TextureFormat::Depth32Float);
    let depth_view = depth.create_view(&Default::default());
    for (pipeline_depth, drawn) in [(0.2, true), (0.9, false)] {
        let pipeline = at(pipeline_depth);
        let color = gpu.target(2, 1, TextureFormat::RGBA8Unorm);
        let color_view = color.create_view(&Default::default());
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        // The first pass stores a depth of 0.5; the second only reads it.
        for depth_ops in [Some(Operations::clear(0.5)), None] {
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
                        depth_ops,
                        stencil_ops: None,
                    }),
                    ..Default::default()
                })
                .unwrap();
            if depth_ops.is_none() {
                pass.set_pipeline(&pipeline);
                pass.draw(3, 1, 0, 0);
            }
        }
        gpu.queue.submit(&[encoder.finish()]);
        let expected = if drawn { [255; 4] } else { [0, 0, 0, 255] };
        assert_eq!(
            rgba8(&color),
            [expected; 2],
            "a draw at depth {pipeline_depth}"
        );
        let stored: Vec<f32> = bytemuck::cast_slice(&depth.read_back().unwrap()).to_vec();
        assert_eq!(stored, [0.5; 2]);
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn timestamps_debug_markers_and_asynchronous_pipelines() {
    let gpu = Gpu::new();
    let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "async",
        code: &format!("{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(0.0, 0.0, 1.0, 1.0); }}"),
    });
    let targets = [Some(ColorTargetState::from(TextureFormat::RGBA8Unorm))];
    let desc = |entry_point| RenderPipelineDescriptor {
        label: "async",
        layout: None,
        vertex: VertexState {
            module: &module,
            entry_point: Some(entry_point),
            constants: &[],
            buffers: &[],
        },
        primitive: PrimitiveState::default(),
        depth_stencil: None,
        multisample: MultisampleState::default(),
        fragment: Some(FragmentState {
            module: &module,
            entry_point: None,
            constants: &[],
            targets: &targets,
        }),
    };
    let pipeline = gpu
        .device
        .create_render_pipeline_async(&desc("vs"))
        .wait_timeout(WAIT)
        .unwrap();
    pipeline.set_label("async");
    let e = assert_err(
        gpu.device
            .create_render_pipeline_async(&desc("missing"))
            .wait_timeout(WAIT),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("missing"), "{e}");
    assert_err(
        gpu.device.create_render_pipeline_checked(&desc("missing")),
        ErrorKind::Validation,
    );

    let timestamps = gpu.device.has_feature(FeatureName::TimestampQuery);
    let queries = timestamps.then(|| {
        gpu.device.create_query_set(&QuerySetDescriptor {
            label: "timestamps",
            ty: QueryType::Timestamp,
            count: 2,
        })
    });
    let resolved = gpu.buffer(16, BufferUsage::QueryResolve | BufferUsage::CopySrc);
    let target = gpu.target(4, 4, TextureFormat::RGBA8Unorm);
    let view = target.create_view(&Default::default());
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let mut pass = encoder
        .begin_render_pass(&RenderPassDescriptor {
            label: "timed",
            color_attachments: &[Some(RenderPassColorAttachment {
                view: &view,
                depth_slice: None,
                resolve_target: None,
                ops: Operations::clear(Color::BLACK),
            })],
            timestamp_writes: queries.as_ref().map(|q| PassTimestampWrites {
                query_set: q,
                beginning_of_pass_write_index: Some(0),
                end_of_pass_write_index: Some(1),
            }),
            ..Default::default()
        })
        .unwrap();
    pass.set_label("timed pass");
    pass.push_debug_group("frame");
    pass.insert_debug_marker("draw");
    pass.set_pipeline(&pipeline);
    pass.draw(3, 1, 0, 0);
    pass.pop_debug_group();
    drop(pass);
    if let Some(q) = &queries {
        encoder.resolve_query_set(q, 0, 2, &resolved, 0);
    }
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(rgba8(&target), vec![[0, 0, 255, 255]; 16]);
    if timestamps {
        let times: Vec<u64> = resolved.read_back().unwrap();
        assert!(times[1] >= times[0] && times[0] > 0, "timestamps {times:?}");
    } else {
        println!("note: the adapter lacks TimestampQuery; timestamps not checked");
    }
    assert!(gpu.take_uncaptured().is_empty());
}
