//! Section `map` through `wgpu` (see `examples/bench/map.rs`): `map_async`, `Device::poll`,
//! `get_mapped_range`, a copy into host memory, `unmap`.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, Workload, alternate};
use crate::reference::{sample_indices, word, words};
use crate::spec::{self, Config, MAP_SMALL};
use anyhow::{Result, ensure};
use std::sync::Arc;
use std::sync::atomic::AtomicU8;
use std::time::{Duration, Instant};

fn mapped_buffer(gpu: &Gpu, size: u64) -> Result<wgpu::Buffer> {
    use wgpu::BufferUsages as U;
    let buffer = gpu.buffer("mapped", size, U::MAP_READ | U::COPY_DST);
    gpu.queue.write_buffer(
        &buffer,
        0,
        bytemuck::cast_slice(&words(0, (size / 4) as usize)),
    );
    gpu.queue.submit([]);
    gpu.wait()?;
    Ok(buffer)
}

fn wrong_words(host: &[u32], indices: &[u64]) -> usize {
    indices
        .iter()
        .filter(|&&i| host[i as usize] != word(i))
        .count()
}

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let small = spec::map_small();
    if config.wants(&small.id) {
        let buffer = mapped_buffer(gpu, MAP_SMALL)?;
        let len = (MAP_SMALL / 4) as usize;
        let ends = [0, len as u64 - 1];
        let status = Arc::new(AtomicU8::new(0));
        let side: Side<'_> = Box::new(|n| {
            let mut host = vec![0u32; len];
            let mut wrong = 0;
            let start = Instant::now();
            for _ in 0..n {
                gpu.map(&buffer, wgpu::MapMode::Read, &status)?;
                {
                    let view = buffer.get_mapped_range(..)?;
                    host.copy_from_slice(bytemuck::cast_slice(&view));
                }
                buffer.unmap();
                wrong += wrong_words(&host, &ends);
            }
            let elapsed = start.elapsed();
            ensure!(
                wrong == 0 && host == words(0, len),
                "wgpu: {wrong} wrong words read"
            );
            Ok(elapsed)
        });
        let check = "every copy's first and last word, and the whole last copy";
        rows.extend(alternate(
            &small,
            config.plan,
            200,
            200_000,
            check,
            vec![("wgpu", side)],
        )?);
    }
    let large = spec::map_large(config.sizes.map_large);
    if config.wants(&large.id) {
        rows.extend(large_reads(gpu, config, &large)?);
    }
    Ok(rows)
}

fn large_reads(gpu: &Gpu, config: &Config, workload: &Workload) -> Result<Vec<Row>> {
    let size = config.sizes.map_large;
    let buffer = mapped_buffer(gpu, size)?;
    let len = (size / 4) as usize;
    let samples = sample_indices(len as u64, 64);
    let mut host = vec![1u32; len];
    let status = Arc::new(AtomicU8::new(0));
    let side: Side<'_> = Box::new(|n| {
        let mut timed = Duration::ZERO;
        for _ in 0..n {
            samples.iter().for_each(|&i| host[i as usize] = 0);
            let start = Instant::now();
            gpu.map(&buffer, wgpu::MapMode::Read, &status)?;
            host.copy_from_slice(bytemuck::cast_slice(&buffer.get_mapped_range(..)?));
            buffer.unmap();
            timed += start.elapsed();
            let wrong = wrong_words(&host, &samples);
            ensure!(wrong == 0, "wgpu: {wrong} of the sampled words are wrong");
        }
        Ok(timed)
    });
    let check = "64 sampled words of every copy (poisoned before it)";
    alternate(workload, config.plan, 1, 100, check, vec![("wgpu", side)])
}
