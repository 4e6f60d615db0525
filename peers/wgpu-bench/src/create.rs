//! Section `create` through `wgpu` (see `examples/bench/create.rs`): cold pipelines from the 200-line
//! WGSL with fresh seeds, and 4 KiB storage buffers created 100 at a time and released.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::reference::{PIPELINE200_OUTPUTS, check_pipeline200, pipeline200_source};
use crate::spec::{self, BUFFER_SIZE, BUFFERS_ALIVE, Config, fresh_seed};
use anyhow::{Context, Result, ensure};
use std::time::{Duration, Instant};

const PIPELINE200_WGSL: &str = include_str!("../../../examples/bench/wgsl/pipeline200.wgsl");

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let workload = spec::pipeline_cold();
    if config.wants(&workload.id) {
        let out = gpu.storage("pipeline200 out", 4 * PIPELINE200_OUTPUTS as u64);
        let mut seeds = 0u32;
        let side: Side<'_> = Box::new(|n| {
            let work: Vec<(u32, String)> = (0..n)
                .map(|_| {
                    let seed = fresh_seed(&mut seeds);
                    (seed, pipeline200_source(PIPELINE200_WGSL, seed))
                })
                .collect();
            let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
            let start = Instant::now();
            let mut last = None;
            for (seed, code) in &work {
                last = Some((*seed, gpu.pipeline("pipeline200", code)));
            }
            let elapsed = start.elapsed();
            if let Some(error) = pollster::block_on(scope.pop()) {
                anyhow::bail!("wgpu: {error}");
            }
            let (seed, pipeline) = last.context("no pipeline made")?;
            gpu.clear(&out)?;
            let group = gpu.group(&pipeline, &[&out]);
            gpu.dispatch(&pipeline, &group, ((PIPELINE200_OUTPUTS / 64) as u32, 1), 1);
            let indices: Vec<u64> = (0..PIPELINE200_OUTPUTS as u64).collect();
            check_pipeline200(seed, &gpu.words_at(&out, &indices)?)?;
            Ok(elapsed)
        });
        let check = "no error; the last pipeline of each repeat runs and matches the CPU";
        rows.extend(alternate(
            &workload,
            config.plan,
            1,
            500,
            check,
            vec![("wgpu", side)],
        )?);
    }

    let workload = spec::buffer_create();
    if config.wants(&workload.id) {
        use wgpu::BufferUsages as U;
        let marker = [0x5eed_0001u32, 0x5eed_0002];
        let side: Side<'_> = Box::new(|n| {
            let mut alive = Vec::with_capacity(BUFFERS_ALIVE);
            let mut timed = Duration::ZERO;
            let mut left = n;
            while left > 0 {
                let batch = left.min(BUFFERS_ALIVE);
                left -= batch;
                let start = Instant::now();
                for _ in 0..batch {
                    alive.push(gpu.device.create_buffer(&wgpu::BufferDescriptor {
                        label: None,
                        size: BUFFER_SIZE,
                        usage: U::STORAGE | U::COPY_DST | U::COPY_SRC,
                        mapped_at_creation: false,
                    }));
                }
                let last = if left == 0 { alive.pop() } else { None };
                alive.clear();
                timed += start.elapsed();
                if let Some(buffer) = last {
                    gpu.queue
                        .write_buffer(&buffer, 0, bytemuck::cast_slice(&marker));
                    let got = gpu.words_at(&buffer, &[0, 1])?;
                    ensure!(
                        got == marker,
                        "a created buffer read back {got:x?}, not {marker:x?}"
                    );
                }
            }
            Ok(timed)
        });
        let check = "the last buffer of each repeat holds what was written to it; no error";
        rows.extend(alternate(
            &workload,
            config.plan,
            BUFFERS_ALIVE,
            100_000,
            check,
            vec![("wgpu", side)],
        )?);
    }
    Ok(rows)
}
