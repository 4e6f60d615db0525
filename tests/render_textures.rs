//! Textures, views, samplers and copies: getters against Dawn's own, round trips through buffers at widths
//! whose rows are not multiples of 256 bytes (1, 63, 65, 257, 500), mip levels and array layers, partial
//! writes and texture-to-texture copies against a CPU model, and the cheap misuse refused before Dawn.

use dawn::dawn_sys as sys;
use dawn::*;
use dawn_suite::{Gpu, assert_err};

/// Distinct bytes that no plain pattern reproduces by accident (never all zero).
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (dawn_suite::lcg_rounds(i ^ seed.wrapping_mul(0x9E37_79B9), 3) >> 24) as u8)
        .collect()
}

fn texture(gpu: &Gpu, format: TextureFormat, size: Extent3D, mips: u32) -> Texture {
    gpu.device.create_texture(&TextureDescriptor {
        label: "texture",
        usage: TextureUsage::CopySrc | TextureUsage::CopyDst | TextureUsage::TextureBinding,
        size,
        format,
        mip_level_count: mips,
        ..Default::default()
    })
}

#[test]
fn getters_answer_from_the_descriptor_as_dawn_does() {
    let gpu = Gpu::new();
    let t = gpu
        .device
        .create_texture_checked(&TextureDescriptor {
            label: "array",
            usage: TextureUsage::CopyDst | TextureUsage::RenderAttachment,
            size: Extent3D::new(65, 33, 3),
            format: TextureFormat::RG16Float,
            mip_level_count: 4,
            ..Default::default()
        })
        .unwrap();
    // SAFETY: a live texture.
    let raw = unsafe {
        (
            sys::wgpuTextureGetWidth(t.as_raw()),
            sys::wgpuTextureGetHeight(t.as_raw()),
            sys::wgpuTextureGetDepthOrArrayLayers(t.as_raw()),
            sys::wgpuTextureGetMipLevelCount(t.as_raw()),
            sys::wgpuTextureGetSampleCount(t.as_raw()),
            sys::wgpuTextureGetDimension(t.as_raw()),
            sys::wgpuTextureGetFormat(t.as_raw()),
            sys::wgpuTextureGetUsage(t.as_raw()),
        )
    };
    let ours = (
        t.width(),
        t.height(),
        t.depth_or_array_layers(),
        t.mip_level_count(),
        t.sample_count(),
        t.dimension().0,
        t.format().0,
        t.usage().0,
    );
    assert_eq!(ours, raw);
    assert_eq!((ours.0, ours.1, ours.2), (65, 33, 3));
    assert_eq!(t.mip_level_size(0), Some(Extent3D::new(65, 33, 3)));
    assert_eq!(t.mip_level_size(3), Some(Extent3D::new(8, 4, 3)));
    assert_eq!(t.mip_level_size(4), None);
    assert_eq!(TextureFormat::RGBA8Unorm.block_copy_size(), Some(4));
    assert_eq!(TextureFormat::RGBA32Float.block_copy_size(), Some(16));
    assert_eq!(TextureFormat::Depth24Plus.block_copy_size(), None);
    assert_eq!(
        TextureFormat::Depth24PlusStencil8.aspect_block_copy_size(TextureAspect::StencilOnly),
        Some(1)
    );
    assert_eq!(TextureFormat::BC1RGBAUnorm.block_copy_size(), Some(8));
    assert_eq!(TextureFormat::ASTC10x6Unorm.block_dimensions(), (10, 6));
    assert_eq!(
        format!("{:?}", TextureFormat::RGBA8UnormSrgb),
        "RGBA8UnormSrgb"
    );
    t.set_label("renamed");
    let view = t.create_view(&Default::default());
    assert_eq!((view.format(), view.usage()), (t.format(), t.usage()));
    assert_eq!(view.texture(), &t);
    view.set_label("view");
    t.destroy().unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn round_trips_at_widths_whose_rows_are_not_multiples_of_256() {
    let gpu = Gpu::new();
    for format in [
        TextureFormat::RGBA8Unorm,
        TextureFormat::R8Uint,
        TextureFormat::RG32Float,
    ] {
        let bpp = format.block_copy_size().unwrap() as usize;
        for width in [1u32, 63, 65, 257, 500] {
            let size = Extent3D::new(width, 5, 1);
            let data = pattern(width as usize * 5 * bpp, width);
            // write_texture (no padding) in, read_back (padded staging, unpadded result) out.
            let t = gpu
                .device
                .create_texture_init(
                    &TextureDescriptor {
                        label: "round trip",
                        usage: TextureUsage::CopySrc,
                        size,
                        format,
                        ..Default::default()
                    },
                    &data,
                )
                .unwrap();
            assert_eq!(t.read_back().unwrap(), data, "{format:?} width {width}");

            // The same through a padded buffer both ways, by hand: B2T, T2B into a buffer filled with a
            // sentinel, which the row padding must keep.
            let padded = (width as usize * bpp).next_multiple_of(256);
            let minimal = 4 * padded + width as usize * bpp;
            let mut upload = vec![0u8; minimal.next_multiple_of(4)];
            for (row, chunk) in data.chunks(width as usize * bpp).enumerate() {
                upload[row * padded..row * padded + chunk.len()].copy_from_slice(chunk);
            }
            let src = gpu
                .device
                .create_buffer_init(&BufferInitDescriptor {
                    label: "upload",
                    contents: &upload,
                    usage: BufferUsage::CopySrc,
                })
                .unwrap();
            let dst = gpu
                .device
                .create_buffer_init(&BufferInitDescriptor {
                    label: "download",
                    contents: &vec![0xAB; upload.len()],
                    usage: BufferUsage::CopyDst | BufferUsage::MapRead,
                })
                .unwrap();
            let t2 = texture(&gpu, format, size, 1);
            let layout = TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded as u32),
                rows_per_image: None,
            };
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            encoder
                .copy_buffer_to_texture(
                    &TexelCopyBufferInfo {
                        layout,
                        buffer: &src,
                    },
                    &t2.as_image_copy(),
                    size,
                )
                .unwrap();
            encoder
                .copy_texture_to_buffer(
                    &t2.as_image_copy(),
                    &TexelCopyBufferInfo {
                        layout,
                        buffer: &dst,
                    },
                    size,
                )
                .unwrap();
            gpu.queue.submit(&[encoder.finish()]);
            let got: Vec<u8> = dst.read_back().unwrap();
            for (i, (g, u)) in got.iter().zip(&upload).enumerate() {
                let in_row = i % padded < width as usize * bpp && i < minimal;
                let expected = if in_row { *u } else { 0xAB };
                assert_eq!(*g, expected, "{format:?} width {width}: byte {i}");
            }
        }
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn mip_levels_and_array_layers_round_trip_and_copy() {
    let gpu = Gpu::new();
    let format = TextureFormat::RGBA8Unorm;
    let size = Extent3D::new(65, 33, 3);
    // Mip-major: each level's three layers, levels 65x33, 32x16, 16x8, 8x4.
    let levels: Vec<Extent3D> = (0..4)
        .map(|l| Extent3D::new((65 >> l).max(1), (33 >> l).max(1), 3))
        .collect();
    let lens: Vec<usize> = levels
        .iter()
        .map(|s| (s.width * s.height * 3 * 4) as usize)
        .collect();
    let data = pattern(lens.iter().sum(), 7);
    let t = gpu
        .device
        .create_texture_init(
            &TextureDescriptor {
                label: "mips",
                usage: TextureUsage::CopySrc,
                size,
                format,
                mip_level_count: 4,
                ..Default::default()
            },
            &data,
        )
        .unwrap();
    let mut at = 0;
    for (level, len) in lens.iter().enumerate() {
        assert_eq!(
            t.read_back_mip(level as u32).unwrap(),
            &data[at..at + len],
            "mip {level}"
        );
        at += len;
    }

    // Copy a 7x5 region of level 1, layer 2 at (3, 4) into layer 0 of a fresh texture at (10, 1).
    let dst = texture(&gpu, format, Extent3D::new(20, 8, 1), 1);
    let fill = pattern(20 * 8 * 4, 99);
    gpu.queue
        .write_texture(
            &dst.as_image_copy(),
            &fill,
            &TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(20 * 4),
                rows_per_image: None,
            },
            Extent3D::new(20, 8, 1),
        )
        .unwrap();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder
        .copy_texture_to_texture(
            &TexelCopyTextureInfo {
                texture: &t,
                mip_level: 1,
                origin: Origin3D { x: 3, y: 4, z: 2 },
                aspect: TextureAspect::All,
            },
            &TexelCopyTextureInfo {
                origin: Origin3D { x: 10, y: 1, z: 0 },
                ..dst.as_image_copy()
            },
            Extent3D::new(7, 5, 1),
        )
        .unwrap();
    gpu.queue.submit(&[encoder.finish()]);
    let level1 = &data[lens[0]..lens[0] + lens[1]];
    let (w1, h1) = (32usize, 16usize);
    let mut expected = fill.clone();
    for y in 0..5 {
        for x in 0..7 {
            let from = ((2 * h1 + 4 + y) * w1 + 3 + x) * 4;
            let to = ((1 + y) * 20 + 10 + x) * 4;
            expected[to..to + 4].copy_from_slice(&level1[from..from + 4]);
        }
    }
    assert_eq!(dst.read_back().unwrap(), expected);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn partial_writes_land_where_the_layout_says() {
    let gpu = Gpu::new();
    let (w, h) = (63u32, 10u32);
    let base = pattern((w * h * 4) as usize, 1);
    let t = gpu
        .device
        .create_texture_init(
            &TextureDescriptor {
                label: "base",
                usage: TextureUsage::CopySrc,
                size: Extent3D::new(w, h, 1),
                format: TextureFormat::RGBA8Unorm,
                ..Default::default()
            },
            &base,
        )
        .unwrap();
    // A 9x4 block at (5, 2), read from a source with 16 bytes before it and rows of 50 bytes.
    let src = pattern(16 + 50 * 4, 2);
    gpu.queue
        .write_texture(
            &TexelCopyTextureInfo {
                origin: Origin3D { x: 5, y: 2, z: 0 },
                ..t.as_image_copy()
            },
            &src,
            &TexelCopyBufferLayout {
                offset: 16,
                bytes_per_row: Some(50),
                rows_per_image: Some(4),
            },
            Extent3D::new(9, 4, 1),
        )
        .unwrap();
    let mut expected = base;
    for y in 0..4 {
        let to = (((2 + y) * w + 5) * 4) as usize;
        let from = 16 + (y * 50) as usize;
        expected[to..to + 36].copy_from_slice(&src[from..from + 36]);
    }
    assert_eq!(t.read_back().unwrap(), expected);
}

#[test]
fn depth_and_stencil_formats_copy_by_aspect() {
    let gpu = Gpu::new();
    let size = Extent3D::new(33, 3, 1);
    let depth16: Vec<u16> = (0..99).map(|i| 1000 + i * 321).collect();
    let t = gpu
        .device
        .create_texture_init(
            &TextureDescriptor {
                label: "depth16",
                usage: TextureUsage::CopySrc,
                size,
                format: TextureFormat::Depth16Unorm,
                ..Default::default()
            },
            &depth16,
        )
        .unwrap();
    assert_eq!(
        t.read_back().unwrap(),
        bytemuck::cast_slice::<u16, u8>(&depth16)
    );
    let stencil = pattern(99, 5);
    let s = gpu
        .device
        .create_texture_init(
            &TextureDescriptor {
                label: "stencil8",
                usage: TextureUsage::CopySrc,
                size,
                format: TextureFormat::Stencil8,
                ..Default::default()
            },
            &stencil,
        )
        .unwrap();
    assert_eq!(s.read_back().unwrap(), stencil);
    let combined = texture(&gpu, TextureFormat::Depth24Plus, size, 1);
    let e = assert_err(combined.read_back(), ErrorKind::Validation);
    assert!(e.message().contains("Depth24Plus"), "{e}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn cheap_misuse_is_refused_before_dawn() {
    let gpu = Gpu::new();
    let size = Extent3D::new(100, 4, 1);
    let t = texture(&gpu, TextureFormat::RGBA8Unorm, size, 1);
    let buffer = gpu.buffer(4096, BufferUsage::CopySrc | BufferUsage::CopyDst);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let info = |bytes_per_row| TexelCopyBufferInfo {
        layout: TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(bytes_per_row),
            rows_per_image: None,
        },
        buffer: &buffer,
    };
    // 100 texels of 4 bytes: 400 bytes, not a multiple of 256.
    let e = assert_err(
        encoder.copy_texture_to_buffer(&t.as_image_copy(), &info(400), size),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("400") && e.message().contains("256"),
        "{e}"
    );
    // Rows of 512 bytes: 3 * 512 + 400 = 1936 bytes fit in 4096; at offset 2304, 4240 do not.
    encoder
        .copy_texture_to_buffer(&t.as_image_copy(), &info(512), size)
        .unwrap();
    let over = TexelCopyBufferInfo {
        layout: TexelCopyBufferLayout {
            offset: 2304,
            ..info(512).layout
        },
        buffer: &buffer,
    };
    let e = assert_err(
        encoder.copy_buffer_to_texture(&over, &t.as_image_copy(), size),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("4240") && e.message().contains("4096"),
        "{e}"
    );
    let e = assert_err(
        encoder.copy_texture_to_buffer(&t.as_image_copy(), &info(256), size),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("less than a row"), "{e}");
    let e = assert_err(
        encoder.copy_texture_to_buffer(
            &t.as_image_copy(),
            &TexelCopyBufferInfo {
                layout: Default::default(),
                buffer: &buffer,
            },
            size,
        ),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("needs bytes_per_row"), "{e}");
    let map_only = gpu.buffer(4096, BufferUsage::MapRead | BufferUsage::CopyDst);
    let e = assert_err(
        encoder.copy_buffer_to_texture(
            &TexelCopyBufferInfo {
                layout: info(512).layout,
                buffer: &map_only,
            },
            &t.as_image_copy(),
            size,
        ),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("CopySrc"), "{e}");
    let sampled_only = gpu.device.create_texture(&TextureDescriptor {
        usage: TextureUsage::TextureBinding,
        size,
        format: TextureFormat::RGBA8Unorm,
        ..Default::default()
    });
    assert_err(sampled_only.read_back(), ErrorKind::Validation);
    assert_err(
        gpu.queue.write_texture(
            &sampled_only.as_image_copy(),
            &[0u8; 1600],
            &TexelCopyBufferLayout {
                bytes_per_row: Some(400),
                ..Default::default()
            },
            size,
        ),
        ErrorKind::Validation,
    );
    // write_texture has no 256 rule, but a layout past the data is refused.
    let e = assert_err(
        gpu.queue.write_texture(
            &t.as_image_copy(),
            &[1u8; 1599],
            &TexelCopyBufferLayout {
                bytes_per_row: Some(400),
                ..Default::default()
            },
            size,
        ),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("1600") && e.message().contains("1599"),
        "{e}"
    );
    let msaa = gpu.device.create_texture(&TextureDescriptor {
        usage: TextureUsage::RenderAttachment | TextureUsage::CopySrc,
        size,
        format: TextureFormat::RGBA8Unorm,
        sample_count: 4,
        ..Default::default()
    });
    let e = assert_err(
        encoder.copy_texture_to_texture(&msaa.as_image_copy(), &t.as_image_copy(), size),
        ErrorKind::Validation,
    );
    assert!(e.message().contains("source 4, destination 1"), "{e}");
    assert_err(msaa.read_back(), ErrorKind::Validation);
    let e = assert_err(
        gpu.device.create_texture_init(
            &TextureDescriptor {
                size,
                format: TextureFormat::RGBA8Unorm,
                ..Default::default()
            },
            &[0u8; 10],
        ),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("10 bytes") && e.message().contains("1600"),
        "{e}"
    );
    // Nothing refused was recorded: the one valid copy makes a valid command buffer.
    gpu.queue.submit(&[encoder.finish()]);
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(dawn_suite::WAIT)
        .unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn dawn_reports_what_it_checks_itself() {
    let gpu = Gpu::new();
    let t = texture(&gpu, TextureFormat::RGBA8Unorm, Extent3D::new(4, 4, 1), 1);
    // A view format not in the texture's view_formats.
    let e = assert_err(
        t.create_view_checked(&TextureViewDescriptor {
            format: TextureFormat::RGBA8UnormSrgb,
            ..Default::default()
        }),
        ErrorKind::Validation,
    );
    assert!(
        e.message().contains("RGBA8UnormSrgb") || e.message().contains("rgba8unorm-srgb"),
        "{e}"
    );
    // With the format listed, the view is valid.
    let listed = gpu.device.create_texture(&TextureDescriptor {
        usage: TextureUsage::TextureBinding,
        size: Extent3D::new(4, 4, 1),
        format: TextureFormat::RGBA8Unorm,
        view_formats: &[TextureFormat::RGBA8UnormSrgb],
        ..Default::default()
    });
    let view = listed
        .create_view_checked(&TextureViewDescriptor {
            format: TextureFormat::RGBA8UnormSrgb,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(view.format(), TextureFormat::RGBA8UnormSrgb);
    // A zero-sized texture; a read-back of a destroyed texture (Dawn's error, through the scope).
    assert_err(
        gpu.device.create_texture_checked(&TextureDescriptor {
            usage: TextureUsage::CopySrc,
            size: Extent3D::new(0, 4, 1),
            format: TextureFormat::RGBA8Unorm,
            ..Default::default()
        }),
        ErrorKind::Validation,
    );
    t.destroy().unwrap();
    let e = assert_err(t.read_back(), ErrorKind::Validation);
    assert!(e.message().to_lowercase().contains("destroyed"), "{e}");
    assert_err(
        gpu.device.create_sampler_checked(&SamplerDescriptor {
            lod_min_clamp: 4.0,
            lod_max_clamp: 1.0,
            ..Default::default()
        }),
        ErrorKind::Validation,
    );
    gpu.device
        .create_sampler_checked(&SamplerDescriptor {
            mag_filter: FilterMode::Linear,
            compare: CompareFunction::Less,
            ..Default::default()
        })
        .unwrap()
        .set_label("sampler");
    assert!(gpu.take_uncaptured().is_empty());
}
