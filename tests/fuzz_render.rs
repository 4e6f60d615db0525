//! A small bounded fuzzer of the render path: from fixed seeds, random sequences of texture creations
//! (valid and not: zero and huge sizes, odd mip and sample counts, depth and compressed formats), views,
//! writes, copies with random layouts, read-backs, render pipelines, render passes with random
//! attachments and commands (viewports and scissors out of range, draws without pipelines, occlusion
//! queries, bundles), bundle encoders, destroys, drops in any order, and device loss. Every call must
//! return `Ok` or a typed error of an expected kind; a texture created with known contents and left
//! alone must read back as written; a panic fails the test, a call that hangs aborts it (watchdog).

mod fuzz;

use dawn::*;
use dawn_suite::Gpu;
use dawn_suite::render::FULL_SCREEN_VS;
use fuzz::{Rng, sequence_seed};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const FORMATS: [TextureFormat; 9] = [
    TextureFormat::RGBA8Unorm,
    TextureFormat::BGRA8Unorm,
    TextureFormat::R8Uint,
    TextureFormat::RG16Float,
    TextureFormat::RGBA32Float,
    TextureFormat::Depth32Float,
    TextureFormat::Depth24PlusStencil8,
    TextureFormat::Stencil8,
    TextureFormat::BC1RGBAUnorm,
];

const SIZES: [u32; 8] = [1, 1, 3, 4, 63, 65, 0, u32::MAX];

#[derive(Default, Debug)]
struct Stats {
    ops: u64,
    ok: u64,
    errors: std::collections::BTreeMap<String, u64>,
    uncaptured: u64,
    checked_reads: u64,
}

struct World {
    gpu: Gpu,
    rng: Rng,
    textures: Vec<Texture>,
    views: Vec<TextureView>,
    pipelines: Vec<RenderPipeline>,
    bundles: Vec<RenderBundle>,
    buffers: Vec<Buffer>,
    queries: QuerySet,
    /// Textures with known contents that nothing has written since.
    known: Vec<(Texture, Vec<u8>)>,
    stats: Stats,
}

impl World {
    fn new(seed: u64) -> World {
        let gpu = Gpu::new();
        let queries = gpu.device.create_query_set(&QuerySetDescriptor {
            label: "fuzz",
            ty: QueryType::Occlusion,
            count: 4,
        });
        World {
            gpu,
            rng: Rng::new(seed),
            textures: Vec::new(),
            views: Vec::new(),
            pipelines: Vec::new(),
            bundles: Vec::new(),
            buffers: Vec::new(),
            queries,
            known: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Records a call's outcome; errors must be of an expected kind.
    fn outcome<T>(&mut self, what: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(v) => {
                self.stats.ok += 1;
                Some(v)
            }
            Err(e) => {
                let lost = self.gpu.device.is_lost();
                assert!(
                    matches!(e.kind(), ErrorKind::Validation | ErrorKind::OutOfMemory)
                        || (lost && e.kind() == ErrorKind::DeviceLost),
                    "{what}: unexpected {e}"
                );
                *self
                    .stats
                    .errors
                    .entry(format!("{:?}", e.kind()))
                    .or_default() += 1;
                None
            }
        }
    }

    /// Something may have written `texture`: its contents are no longer known.
    fn forget(&mut self, texture: &Texture) {
        self.known.retain(|(t, _)| t != texture);
    }

    fn size(&mut self) -> Extent3D {
        let (w, h) = (self.rng.pick(&SIZES), self.rng.pick(&SIZES));
        Extent3D::new(w, h, self.rng.pick(&[1, 1, 2, 0]))
    }

    fn usage(&mut self) -> TextureUsage {
        let mut usage = TextureUsage::None;
        for flag in [
            TextureUsage::CopySrc,
            TextureUsage::CopyDst,
            TextureUsage::TextureBinding,
            TextureUsage::StorageBinding,
            TextureUsage::RenderAttachment,
        ] {
            if self.rng.chance(2, 3) {
                usage |= flag;
            }
        }
        usage
    }

    fn texture(&mut self) -> Option<Texture> {
        (!self.textures.is_empty())
            .then(|| self.textures[self.rng.index(self.textures.len())].clone())
    }

    fn step(&mut self) {
        self.stats.ops += 1;
        match self.rng.below(13) {
            0 | 1 => {
                let desc = TextureDescriptor {
                    label: "fuzz",
                    usage: self.usage(),
                    size: self.size(),
                    format: self.rng.pick(&FORMATS),
                    mip_level_count: self.rng.pick(&[1, 1, 2, 0, 40]),
                    sample_count: self.rng.pick(&[1, 1, 4, 3]),
                    ..Default::default()
                };
                let texture = if self.rng.chance(1, 2) {
                    Some(self.gpu.device.create_texture(&desc))
                } else {
                    let r = self.gpu.device.create_texture_checked(&desc);
                    self.outcome("create_texture_checked", r)
                };
                self.textures.extend(texture);
            }
            2 => {
                // Known contents, small and valid most of the time.
                let format = self.rng.pick(&FORMATS[..5]);
                let size = Extent3D::new(self.rng.pick(&[1, 3, 65]), self.rng.pick(&[1, 2, 5]), 1);
                let bytes = (size.width * size.height * format.block_copy_size().unwrap()) as usize;
                let data: Vec<u8> = (0..bytes).map(|_| self.rng.below(256) as u8).collect();
                let short = self.rng.chance(1, 8);
                let desc = TextureDescriptor {
                    label: "known",
                    usage: TextureUsage::CopySrc | self.usage(),
                    size,
                    format,
                    ..Default::default()
                };
                let given = &data[..data.len() - short as usize];
                let r = self
                    .gpu
                    .device
                    .try_scoped(|d| d.create_texture_init(&desc, given));
                if let Some(texture) = self.outcome("create_texture_init", r) {
                    assert!(
                        !short,
                        "create_texture_init took {} of {bytes} bytes",
                        given.len()
                    );
                    self.known.push((texture.clone(), data));
                    self.textures.push(texture);
                }
            }
            3 => {
                let Some(texture) = self.texture() else {
                    return;
                };
                let other = self.rng.pick(&FORMATS);
                let desc = TextureViewDescriptor {
                    format: self.rng.pick(&[
                        TextureFormat::Undefined,
                        TextureFormat::Undefined,
                        other,
                    ]),
                    base_mip_level: self.rng.pick(&[0, 0, 1]),
                    mip_level_count: self.rng.pick(&[None, None, Some(1), Some(0)]),
                    array_layer_count: self.rng.pick(&[None, Some(1), Some(3)]),
                    aspect: self.rng.pick(&[
                        TextureAspect::All,
                        TextureAspect::All,
                        TextureAspect::DepthOnly,
                    ]),
                    ..Default::default()
                };
                self.views.push(texture.create_view(&desc));
            }
            4 => {
                let Some(texture) = self.texture() else {
                    return;
                };
                let len = self.rng.pick(&[0usize, 4, 100, 4096]);
                let data = vec![0x5Au8; len];
                let layout = TexelCopyBufferLayout {
                    offset: self.rng.pick(&[0, 0, 4, 5000]),
                    bytes_per_row: self.rng.pick(&[None, Some(4), Some(256), Some(u32::MAX)]),
                    rows_per_image: self.rng.pick(&[None, Some(1), Some(0)]),
                };
                let size = Extent3D::new(self.rng.pick(&[0, 1, 4, 65]), self.rng.pick(&[1, 2]), 1);
                let r =
                    self.gpu
                        .queue
                        .write_texture(&texture.as_image_copy(), &data, &layout, size);
                if self.outcome("write_texture", r).is_some() {
                    self.forget(&texture);
                }
            }
            5 => self.copy(),
            6 => {
                let Some(texture) = self.texture() else {
                    return;
                };
                let r = texture.read_back();
                let known = self
                    .known
                    .iter()
                    .find(|(t, _)| *t == texture)
                    .map(|(_, d)| d.clone());
                if let (Some(data), false) = (&known, self.gpu.device.is_lost()) {
                    assert_eq!(
                        r.as_ref().ok(),
                        Some(data),
                        "a texture with known contents reads back as written"
                    );
                    self.stats.checked_reads += 1;
                }
                self.outcome("read_back", r);
            }
            7 => {
                let format = self.rng.pick(&FORMATS[..5]);
                let depth = self.rng.chance(1, 3).then(|| DepthStencilState {
                    format: self.rng.pick(&FORMATS[5..8]),
                    depth_write_enabled: self.rng.chance(1, 2),
                    depth_compare: self
                        .rng
                        .pick(&[CompareFunction::Less, CompareFunction::Undefined]),
                    ..Default::default()
                });
                let code = format!(
                    "{FULL_SCREEN_VS}\n@fragment fn fs() -> @location(0) vec4f {{ return vec4f(0.5); }}"
                );
                let samples = self.rng.pick(&[1, 1, 4]);
                let module = self
                    .gpu
                    .device
                    .create_shader_module(&ShaderModuleDescriptor {
                        label: "fuzz",
                        code: &code,
                    });
                let targets = [Some(ColorTargetState::from(format))];
                let r = self
                    .gpu
                    .device
                    .create_render_pipeline_checked(&RenderPipelineDescriptor {
                        label: "fuzz",
                        layout: None,
                        vertex: VertexState {
                            module: &module,
                            entry_point: None,
                            constants: &[],
                            buffers: &[],
                        },
                        primitive: PrimitiveState::default(),
                        depth_stencil: depth,
                        multisample: MultisampleState {
                            count: samples,
                            ..Default::default()
                        },
                        fragment: Some(FragmentState {
                            module: &module,
                            entry_point: None,
                            constants: &[],
                            targets: &targets,
                        }),
                    });
                let pipeline = self.outcome("create_render_pipeline_checked", r);
                self.pipelines.extend(pipeline);
            }
            8 | 9 => self.pass(),
            10 => {
                let formats = [self.rng.pick(&FORMATS[..5])];
                let mut encoder =
                    self.gpu
                        .device
                        .create_render_bundle_encoder(&RenderBundleEncoderDescriptor {
                            color_formats: &formats,
                            sample_count: self.rng.pick(&[1, 4]),
                            ..Default::default()
                        });
                if let Some(p) = (!self.pipelines.is_empty())
                    .then(|| self.pipelines[self.rng.index(self.pipelines.len())].clone())
                {
                    encoder.set_pipeline(&p);
                }
                encoder.draw(self.rng.pick(&[0, 3, 6]), 1, 0, 0);
                self.bundles.push(encoder.finish(&Default::default()));
            }
            11 => {
                let Some(texture) = self.texture() else {
                    return;
                };
                self.forget(&texture);
                let r = texture.destroy();
                self.outcome("Texture::destroy", r);
            }
            _ => {
                // Drops in any order, now and then the device's loss.
                match self.rng.below(6) {
                    0 if !self.textures.is_empty() => drop(
                        self.textures
                            .swap_remove(self.rng.index(self.textures.len())),
                    ),
                    1 if !self.views.is_empty() => {
                        drop(self.views.swap_remove(self.rng.index(self.views.len())))
                    }
                    2 if !self.pipelines.is_empty() => drop(
                        self.pipelines
                            .swap_remove(self.rng.index(self.pipelines.len())),
                    ),
                    3 if !self.bundles.is_empty() => {
                        drop(self.bundles.swap_remove(self.rng.index(self.bundles.len())))
                    }
                    4 if self.rng.chance(1, 6) => {
                        let r = self.gpu.device.destroy();
                        self.outcome("Device::destroy", r);
                    }
                    _ => {}
                }
            }
        }
        self.stats.uncaptured += self.gpu.take_uncaptured().len() as u64;
    }

    fn copy(&mut self) {
        let (Some(a), Some(b)) = (self.texture(), self.texture()) else {
            return;
        };
        let buffer = match self.buffers.len() {
            0..4 => {
                let size = self.rng.pick(&[4u64, 256, 4096, 65536]);
                let r = self.gpu.device.create_buffer(&BufferDescriptor {
                    label: "fuzz",
                    size,
                    usage: BufferUsage::CopySrc | BufferUsage::CopyDst,
                    mapped_at_creation: false,
                });
                let Some(buffer) = self.outcome("create_buffer", r) else {
                    return;
                };
                self.buffers.push(buffer.clone());
                buffer
            }
            n => self.buffers[self.rng.index(n)].clone(),
        };
        let info = TexelCopyBufferInfo {
            layout: TexelCopyBufferLayout {
                offset: self.rng.pick(&[0, 0, 256, 3]),
                bytes_per_row: self.rng.pick(&[None, Some(256), Some(512), Some(100)]),
                rows_per_image: self.rng.pick(&[None, Some(2)]),
            },
            buffer: &buffer,
        };
        let size = Extent3D::new(self.rng.pick(&[1, 4, 63]), self.rng.pick(&[1, 2]), 1);
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        let r = match self.rng.below(3) {
            0 => encoder.copy_buffer_to_texture(&info, &b.as_image_copy(), size),
            1 => encoder.copy_texture_to_buffer(&a.as_image_copy(), &info, size),
            _ => encoder.copy_texture_to_texture(&a.as_image_copy(), &b.as_image_copy(), size),
        };
        self.outcome("copy", r);
        self.forget(&b);
        self.gpu.queue.submit(&[encoder.finish()]);
    }

    fn pass(&mut self) {
        let color = (!self.views.is_empty() && self.rng.chance(4, 5))
            .then(|| self.views[self.rng.index(self.views.len())].clone());
        let depth = (!self.views.is_empty() && self.rng.chance(1, 3))
            .then(|| self.views[self.rng.index(self.views.len())].clone());
        for view in color.iter().chain(&depth) {
            self.forget(view.texture());
        }
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        let attachments = [color.as_ref().map(|view| RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: Operations::clear(Color::new(0.1, 0.2, 0.3, 1.0)),
        })];
        let desc = RenderPassDescriptor {
            label: "fuzz",
            color_attachments: &attachments,
            depth_stencil_attachment: depth.as_ref().map(|view| RenderPassDepthStencilAttachment {
                view,
                depth_ops: view
                    .format()
                    .has_depth_aspect()
                    .then_some(Operations::clear(1.0)),
                stencil_ops: view
                    .format()
                    .has_stencil_aspect()
                    .then_some(Operations::clear(0)),
            }),
            occlusion_query_set: self.rng.chance(1, 3).then_some(&self.queries),
            ..Default::default()
        };
        let result = encoder.begin_render_pass(&desc);
        let mut rng = self.rng.clone();
        let outcome = result.map(|mut pass| {
            for _ in 0..rng.below(8) {
                match rng.below(8) {
                    0 if !self.pipelines.is_empty() => {
                        pass.set_pipeline(&self.pipelines[rng.index(self.pipelines.len())])
                    }
                    1 => pass.draw(rng.pick(&[0, 3, 6, 1 << 20]), rng.pick(&[0, 1, 2]), 0, 0),
                    2 => pass.set_viewport(
                        rng.pick(&[0.0, -5.0, 1e9, f32::NAN]),
                        0.0,
                        rng.pick(&[1.0, 0.0, 64.0]),
                        1.0,
                        rng.pick(&[0.0, 0.5]),
                        rng.pick(&[1.0, 0.2]),
                    ),
                    3 => pass.set_scissor_rect(
                        rng.pick(&[0, 2, u32::MAX]),
                        0,
                        rng.pick(&[1, 100]),
                        1,
                    ),
                    4 => pass.set_stencil_reference(rng.below(300) as u32),
                    5 => pass.set_blend_constant(&Color::new(f64::NAN, 2.0, -1.0, 0.5)),
                    6 => {
                        pass.begin_occlusion_query(rng.pick(&[0, 3, 9]));
                        pass.end_occlusion_query();
                    }
                    _ if !self.bundles.is_empty() => {
                        pass.execute_bundles(&[&self.bundles[rng.index(self.bundles.len())]])
                    }
                    _ => pass.insert_debug_marker("fuzz"),
                }
            }
            if rng.chance(1, 2) {
                pass.end();
            }
        });
        self.rng = rng;
        self.outcome("begin_render_pass", outcome);
        self.gpu.queue.submit(&[encoder.finish()]);
    }
}

#[test]
fn render_fuzz_fixed_seeds_bounded() {
    let last_op = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    {
        let last_op = last_op.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let since = start.elapsed().as_millis() as u64 - last_op.load(Ordering::Relaxed);
                if since > 30_000 {
                    eprintln!("RENDER FUZZ HANG: no operation finished for {since} ms");
                    std::process::exit(3);
                }
            }
        });
    }
    let mut total = Stats::default();
    let deadline = Instant::now() + Duration::from_secs(12);
    let mut sequences = 0;
    'seeds: for seed in [1u64, 2, 3] {
        for index in 0..8 {
            if Instant::now() > deadline {
                break 'seeds;
            }
            let mut world = World::new(sequence_seed(seed, index));
            for _ in 0..250 {
                world.step();
                last_op.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
            }
            sequences += 1;
            let s = world.stats;
            total.ops += s.ops;
            total.ok += s.ok;
            total.uncaptured += s.uncaptured;
            total.checked_reads += s.checked_reads;
            for (k, n) in s.errors {
                *total.errors.entry(k).or_default() += n;
            }
        }
    }
    println!("render fuzz: {sequences} sequences, {total:?}");
    assert!(sequences >= 3, "too few sequences ran");
    assert!(
        total.ok > 100
            && total.uncaptured > 0
            && total.errors.get("Validation").is_some_and(|&n| n > 0),
        "the fuzzer exercised too little: {total:?}"
    );
    assert!(
        total.checked_reads > 0,
        "no texture with known contents was read back"
    );
}
