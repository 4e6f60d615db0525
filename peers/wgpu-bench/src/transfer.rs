//! Section `transfer` through `wgpu` (see `examples/bench/transfer.rs`), plus the staged upload through
//! `wgpu::util::StagingBelt`: chunks of [`STAGING_CHUNK`], one submit per [`CHUNKS_PER_SUBMIT`], the
//! belt recalled after each.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::reference::{sample_indices, word, words};
use crate::spec::{self, Config};
use anyhow::{Context, Result, ensure};
use std::sync::Arc;
use std::sync::atomic::AtomicU8;
use std::time::{Duration, Instant};

/// The belt's chunk: the size of each staged write.
const STAGING_CHUNK: u64 = 64 << 20;
/// Chunks written per encoder and submit (the belt's guidance: 1-4 chunks per submission).
const CHUNKS_PER_SUBMIT: u64 = 4;

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let size = config.sizes.transfer;
    let (upload, staged, readback) = (
        spec::upload(size),
        spec::upload_staged(size),
        spec::readback(size),
    );
    if ![&upload, &staged, &readback]
        .iter()
        .any(|w| config.wants(&w.id))
    {
        return Ok(Vec::new());
    }
    let len = (size / 4) as usize;
    let samples = sample_indices(len as u64, 64);
    let host = words(0, len);
    let bytes: &[u8] = bytemuck::cast_slice(&host);
    let device_buffer = gpu.storage("transfer", size);
    let verify = || -> Result<()> {
        let got = gpu.words_at(&device_buffer, &samples)?;
        let wrong = samples
            .iter()
            .zip(&got)
            .filter(|&(&i, &g)| g != word(i))
            .count();
        ensure!(
            wrong == 0,
            "wgpu: {wrong} of the sampled words were not uploaded"
        );
        Ok(())
    };
    let check = "64 sampled words of the destination after every upload (cleared before it)";
    let mut rows = Vec::new();

    if config.wants(&upload.id) {
        let side: Side<'_> = Box::new(|n| {
            let mut timed = Duration::ZERO;
            for _ in 0..n {
                gpu.clear(&device_buffer)?;
                let start = Instant::now();
                gpu.queue.write_buffer(&device_buffer, 0, bytes);
                gpu.queue.submit([]);
                gpu.wait()?;
                timed += start.elapsed();
                verify()?;
            }
            Ok(timed)
        });
        rows.extend(alternate(
            &upload,
            config.plan,
            1,
            20,
            check,
            vec![("wgpu", side)],
        )?);
    }

    if config.wants(&staged.id) {
        let mut belt = wgpu::util::StagingBelt::new(gpu.device.clone(), STAGING_CHUNK.min(size));
        let side: Side<'_> = Box::new(|n| {
            let mut timed = Duration::ZERO;
            for _ in 0..n {
                gpu.clear(&device_buffer)?;
                let start = Instant::now();
                let chunk = STAGING_CHUNK.min(size);
                for group in (0..size).step_by((chunk * CHUNKS_PER_SUBMIT) as usize) {
                    let mut encoder = gpu.device.create_command_encoder(&Default::default());
                    let end = (group + chunk * CHUNKS_PER_SUBMIT).min(size);
                    for offset in (group..end).step_by(chunk as usize) {
                        let len = chunk.min(size - offset);
                        let size = wgpu::BufferSize::new(len).context("empty chunk")?;
                        belt.write_buffer(&mut encoder, &device_buffer, offset, size)
                            .copy_from_slice(&bytes[offset as usize..(offset + len) as usize]);
                    }
                    belt.finish();
                    gpu.queue.submit([encoder.finish()]);
                    belt.recall();
                }
                gpu.wait()?;
                timed += start.elapsed();
                verify()?;
            }
            Ok(timed)
        });
        rows.extend(alternate(
            &staged,
            config.plan,
            1,
            20,
            check,
            vec![("wgpu", side)],
        )?);
    }

    if config.wants(&readback.id) {
        use wgpu::BufferUsages as U;
        gpu.queue.write_buffer(&device_buffer, 0, bytes);
        gpu.queue.submit([]);
        gpu.wait()?;
        let staging = gpu.buffer("read-back", size, U::MAP_READ | U::COPY_DST);
        let mut out = vec![1u32; len];
        let status = Arc::new(AtomicU8::new(0));
        let side: Side<'_> = Box::new(|n| {
            let mut timed = Duration::ZERO;
            for _ in 0..n {
                samples.iter().for_each(|&i| out[i as usize] = 0);
                let start = Instant::now();
                let mut encoder = gpu.device.create_command_encoder(&Default::default());
                encoder.copy_buffer_to_buffer(&device_buffer, 0, &staging, 0, size);
                gpu.queue.submit([encoder.finish()]);
                gpu.map(&staging, wgpu::MapMode::Read, &status)?;
                out.copy_from_slice(bytemuck::cast_slice(&staging.get_mapped_range(..)?));
                staging.unmap();
                timed += start.elapsed();
                let bad = samples
                    .iter()
                    .filter(|&&i| out[i as usize] != word(i))
                    .count();
                ensure!(bad == 0, "wgpu: {bad} of the sampled words are wrong");
            }
            Ok(timed)
        });
        let check = "64 sampled words of every read-back (poisoned before it)";
        rows.extend(alternate(
            &readback,
            config.plan,
            1,
            20,
            check,
            vec![("wgpu", side)],
        )?);
    }
    Ok(rows)
}
