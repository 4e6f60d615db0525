//! Render reliability: every reference to a render object (textures, views, samplers, render pipelines,
//! passes, bundle encoders, bundles) is released, also across error objects, dropped futures, device
//! loss, and `Device::destroy` racing render passes on other threads, which must neither crash nor hang
//! (it is refused while an encoder records, then goes ahead).
//!
//! This binary interposes the reference-counting functions of `webgpu.h` with the ledger of
//! `dawn_suite::ledger` (the compute ones through `core_hooks!`, the render ones below), runs the
//! workloads, then checks that no object has a reference left. One test function: the ledger is
//! process-wide.

use dawn::dawn_sys as sys;
use dawn::*;
use dawn_suite::ledger::{acquired, assert_no_live_references};
use dawn_suite::render::{FULL_SCREEN_VS, PipelineSpec, rgba8};
use dawn_suite::{Gpu, WAIT, scenes};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

dawn_suite::core_hooks!();

dawn_suite::refcounted! {
    install_render_refcounted;
    "Texture": wgpuTextureAddRef, wgpuTextureRelease, sys::WGPUTexture;
    "TextureView": wgpuTextureViewAddRef, wgpuTextureViewRelease, sys::WGPUTextureView;
    "Sampler": wgpuSamplerAddRef, wgpuSamplerRelease, sys::WGPUSampler;
    "RenderPipeline": wgpuRenderPipelineAddRef, wgpuRenderPipelineRelease, sys::WGPURenderPipeline;
    "RenderPassEncoder": wgpuRenderPassEncoderAddRef, wgpuRenderPassEncoderRelease, sys::WGPURenderPassEncoder;
    "RenderBundleEncoder": wgpuRenderBundleEncoderAddRef, wgpuRenderBundleEncoderRelease, sys::WGPURenderBundleEncoder;
    "RenderBundle": wgpuRenderBundleAddRef, wgpuRenderBundleRelease, sys::WGPURenderBundle;
}

dawn_suite::creator! {
    install_render_creators;
    "Texture": wgpuDeviceCreateTexture(d: sys::WGPUDevice, x: *const sys::WGPUTextureDescriptor) -> sys::WGPUTexture;
    "TextureView": wgpuTextureCreateView(t: sys::WGPUTexture, x: *const sys::WGPUTextureViewDescriptor) -> sys::WGPUTextureView;
    "Sampler": wgpuDeviceCreateSampler(d: sys::WGPUDevice, x: *const sys::WGPUSamplerDescriptor) -> sys::WGPUSampler;
    "RenderPipeline": wgpuDeviceCreateRenderPipeline(d: sys::WGPUDevice, x: *const sys::WGPURenderPipelineDescriptor) -> sys::WGPURenderPipeline;
    "BindGroupLayout": wgpuRenderPipelineGetBindGroupLayout(p: sys::WGPURenderPipeline, i: u32) -> sys::WGPUBindGroupLayout;
    "RenderPassEncoder": wgpuCommandEncoderBeginRenderPass(e: sys::WGPUCommandEncoder, x: *const sys::WGPURenderPassDescriptor) -> sys::WGPURenderPassEncoder;
    "RenderBundleEncoder": wgpuDeviceCreateRenderBundleEncoder(d: sys::WGPUDevice, x: *const sys::WGPURenderBundleEncoderDescriptor) -> sys::WGPURenderBundleEncoder;
    "RenderBundle": wgpuRenderBundleEncoderFinish(e: sys::WGPURenderBundleEncoder, x: *const sys::WGPURenderBundleDescriptor) -> sys::WGPURenderBundle;
}

dawn_suite::delivered! {
    install_render_delivered;
    "RenderPipeline": wgpuDeviceCreateRenderPipelineAsync(sys::WGPUDevice, sys::WGPURenderPipelineDescriptor,
        sys::WGPUCreateRenderPipelineAsyncCallbackInfo, sys::WGPURenderPipeline), render_pipeline_trampoline;
}

const SAMPLED: &str = "
@group(0) @binding(0) var image: texture_2d<f32>;
@group(0) @binding(1) var nearest: sampler;
@fragment fn fs(@builtin(position) p: vec4f) -> @location(0) vec4f {
    return textureSample(image, nearest, p.xy / 8.0);
}
";

/// Render objects made, used, failed and dropped in many ways, then a device destroyed with some alive.
fn render_workloads() {
    let gpu = Gpu::new();
    for samples in [1, 4] {
        let pixels = scenes::triangle(&gpu.device, TextureFormat::RGBA8Unorm, samples).unwrap();
        // The clear's green is 0.5: 127.5 rounds either way (NVIDIA 127, lavapipe 128).
        assert!(
            matches!(pixels[..4], [0, 127 | 128, 255, 255]),
            "{samples}x corner: {:?}",
            &pixels[..4]
        );
    }
    scenes::mandelbrot(&gpu.device, 64, 32).unwrap();

    // A texture sampled through a bind group, drawn through a bundle whose objects are dropped early.
    let texels: Vec<u8> = (0..256u32).map(|i| (i * 7 % 253) as u8 + 1).collect();
    let image = gpu
        .device
        .create_texture_init(
            &TextureDescriptor {
                label: "image",
                usage: TextureUsage::TextureBinding | TextureUsage::CopySrc,
                size: Extent3D::new(8, 8, 1),
                format: TextureFormat::RGBA8Unorm,
                ..Default::default()
            },
            &texels,
        )
        .unwrap();
    let code = format!("{FULL_SCREEN_VS}\n{SAMPLED}");
    let pipeline = gpu.render_pipeline(&PipelineSpec {
        code: &code,
        ..Default::default()
    });
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "sampled",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            BindGroupEntry::texture_view(0, &image.create_view(&Default::default())),
            BindGroupEntry::sampler(1, &gpu.device.create_sampler(&Default::default())),
        ],
    });
    let mut bundle = gpu
        .device
        .create_render_bundle_encoder(&RenderBundleEncoderDescriptor {
            color_formats: &[TextureFormat::RGBA8Unorm],
            ..Default::default()
        });
    bundle.set_pipeline(&pipeline);
    bundle.set_bind_group(0, &group, &[]);
    bundle.draw(3, 1, 0, 0);
    let bundle = bundle.finish(&Default::default());
    drop((pipeline, group));
    let target = gpu.target(8, 8, TextureFormat::RGBA8Unorm);
    gpu.render(&target, Color::BLACK, |pass| {
        pass.execute_bundles(&[&bundle])
    });
    assert_eq!(target.read_back().unwrap(), texels);

    // A copy between textures, and a pass dropped without `end`.
    let copy = gpu.device.create_texture(&TextureDescriptor {
        usage: TextureUsage::CopyDst | TextureUsage::CopySrc | TextureUsage::RenderAttachment,
        size: Extent3D::new(8, 8, 1),
        format: TextureFormat::RGBA8Unorm,
        ..Default::default()
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder
        .copy_texture_to_texture(
            &image.as_image_copy(),
            &copy.as_image_copy(),
            Extent3D::new(8, 8, 1),
        )
        .unwrap();
    let copy_view = copy.create_view(&Default::default());
    drop(
        encoder
            .begin_render_pass(&RenderPassDescriptor {
                color_attachments: &[Some(RenderPassColorAttachment {
                    view: &copy_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: Operations::load(),
                })],
                ..Default::default()
            })
            .unwrap(),
    );
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(copy.read_back().unwrap(), texels);

    // Error objects, refused calls, an invalid async pipeline, one dropped before it resolves.
    let _ = gpu.device.create_texture_checked(&TextureDescriptor {
        size: Extent3D::new(0, 0, 1),
        format: TextureFormat::RGBA8Unorm,
        usage: TextureUsage::CopySrc,
        ..Default::default()
    });
    let _ = image.create_view_checked(&TextureViewDescriptor {
        format: TextureFormat::R32Float,
        ..Default::default()
    });
    let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "async",
        code: &format!(
            "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(1.0); }}"
        ),
    });
    let targets = [Some(ColorTargetState::from(TextureFormat::RGBA8Unorm))];
    let desc = |entry| RenderPipelineDescriptor {
        label: "async",
        layout: None,
        vertex: VertexState {
            module: &module,
            entry_point: Some(entry),
            constants: &[],
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        fragment: Some(FragmentState {
            module: &module,
            entry_point: None,
            constants: &[],
            targets: &targets,
        }),
    };
    drop(gpu.device.create_render_pipeline_async(&desc("vs")));
    let _ = gpu
        .device
        .create_render_pipeline_async(&desc("missing"))
        .wait_timeout(WAIT);
    let async_pipeline = gpu
        .device
        .create_render_pipeline_async(&desc("vs"))
        .wait_timeout(WAIT)
        .unwrap();
    gpu.render(&target, Color::BLACK, |pass| {
        pass.set_pipeline(&async_pipeline);
        pass.draw(3, 1, 0, 0);
    });
    assert_eq!(rgba8(&target)[0], [255; 4]);
    image.destroy().unwrap();
    assert!(image.read_back().is_err());

    // Destroyed with textures, views, bundles and pipelines still alive, then all dropped.
    let open = gpu.device.create_render_bundle_encoder(&Default::default());
    assert!(
        gpu.device.destroy().is_err(),
        "refused while a bundle encoder records"
    );
    drop(open);
    gpu.device.destroy().unwrap();
    assert_eq!(image.read_back().unwrap_err().kind(), ErrorKind::DeviceLost);
    drop((copy_view, copy, target, async_pipeline, image, module));
}

/// Rounds for about 3 s (at least two, however slow the machine), each on a new device: two threads record
/// render passes (and bundles) and submit them, while this thread calls `destroy` until it goes ahead
/// (refused while either records).
fn destroy_races_render_passes() {
    let instance = Instance::new().unwrap();
    let (start, mut rounds, mut refusals) = (Instant::now(), 0u64, 0u64);
    let after_loss = Arc::new(AtomicU64::new(0));
    while rounds < 2 || start.elapsed() < Duration::from_secs(3) {
        rounds += 1;
        let adapter = instance
            .request_adapter(&Default::default())
            .wait_timeout(WAIT)
            .unwrap();
        let device = adapter
            .request_device(&DeviceDescriptor {
                label: "race",
                on_uncaptured_error: Some(Arc::new(|_: &Error| {})),
                ..Default::default()
            })
            .wait_timeout(WAIT)
            .unwrap();
        let module = device.create_shader_module(&ShaderModuleDescriptor {
            label: "race",
            code: &format!(
                "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(1.0); }}"
            ),
        });
        let targets = [Some(ColorTargetState::from(TextureFormat::RGBA8Unorm))];
        let pipeline = device.create_render_pipeline(&RenderPipelineDescriptor {
            label: "race",
            layout: None,
            vertex: VertexState {
                module: &module,
                entry_point: None,
                constants: &[],
                buffers: &[],
            },
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            fragment: Some(FragmentState {
                module: &module,
                entry_point: None,
                constants: &[],
                targets: &targets,
            }),
        });
        std::thread::scope(|s| {
            for t in 0..2u64 {
                let (device, pipeline, after_loss) = (&device, &pipeline, after_loss.clone());
                s.spawn(move || {
                    let queue = device.queue();
                    let mut lost_for = 0;
                    for i in 0..4000u64 {
                        if device.is_lost() {
                            lost_for += 1;
                            if lost_for > 20 {
                                break;
                            }
                        }
                        let target = device.create_texture(&TextureDescriptor {
                            label: "race",
                            usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
                            size: Extent3D::new(4, 4, 1),
                            format: TextureFormat::RGBA8Unorm,
                            ..Default::default()
                        });
                        let view = target.create_view(&Default::default());
                        let mut encoder = device.create_command_encoder(&Default::default());
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
                            .expect("valid attachments");
                        pass.set_pipeline(pipeline);
                        if (i + t) % 3 == 0 {
                            let mut bundle = device.create_render_bundle_encoder(
                                &RenderBundleEncoderDescriptor {
                                    color_formats: &[TextureFormat::RGBA8Unorm],
                                    ..Default::default()
                                },
                            );
                            bundle.set_pipeline(pipeline);
                            bundle.draw(3, 1, 0, 0);
                            pass.execute_bundles(&[&bundle.finish(&Default::default())]);
                        } else {
                            pass.draw(3, 1, 0, 0);
                        }
                        pass.end();
                        queue.submit(&[encoder.finish()]);
                        if i % 16 == 0 {
                            let _ = target.read_back();
                        }
                    }
                    after_loss.fetch_add(lost_for, Ordering::Relaxed);
                });
            }
            let mut attempt = 0u64;
            loop {
                std::thread::sleep(Duration::from_micros(
                    200 + (rounds * 131 + attempt * 17) % 1500,
                ));
                attempt += 1;
                match device.destroy() {
                    Ok(()) => break,
                    Err(e) => {
                        assert_eq!(e.kind(), ErrorKind::InvalidUse, "{e}");
                        refusals += 1;
                    }
                }
            }
        });
        assert!(device.is_lost());
    }
    println!(
        "{rounds} devices destroyed while two threads recorded render passes ({refusals} destroys refused \
         while an encoder recorded; {} calls after the loss)",
        after_loss.load(Ordering::Relaxed)
    );
}

#[test]
fn render_objects_never_leak_and_destroy_races_render_passes_safely() {
    dawn_suite::ledger::install(&[
        install_core_hooks,
        install_render_refcounted,
        install_render_creators,
        install_render_delivered,
    ]);
    render_workloads();
    assert_no_live_references("render workloads");
    destroy_races_render_passes();
    assert_no_live_references("after destroy raced render passes");
    for kind in [
        "Texture",
        "TextureView",
        "Sampler",
        "RenderPipeline",
        "RenderPassEncoder",
        "RenderBundleEncoder",
        "RenderBundle",
    ] {
        assert!(acquired(kind) > 0, "the workloads made no {kind}");
    }
}
