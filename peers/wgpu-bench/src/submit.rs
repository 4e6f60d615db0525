//! Section `submit` through `wgpu` (see `examples/bench/submit.rs`): the same tiny dispatch, submitted
//! and waited for with `Device::poll`.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::spec::{self, COUNTERS, Config, SYNC_EVERY};
use anyhow::{Result, ensure};
use std::cell::Cell;
use std::time::{Duration, Instant};

const COUNT_WGSL: &str = include_str!("../../../examples/bench/wgsl/count.wgsl");

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let counters = gpu.storage("counters", 4 * COUNTERS as u64);
    gpu.clear(&counters)?;
    let pipeline = gpu.pipeline("count", COUNT_WGSL);
    let group = gpu.group(&pipeline, &[&counters]);
    let dispatches = Cell::new(0u64);
    let submit = || {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        dispatches.set(dispatches.get() + 1);
        gpu.queue.submit([encoder.finish()])
    };
    let check = "every counter equals the dispatches made";
    let mut rows = Vec::new();

    let workload = spec::submit_wait();
    if config.wants(&workload.id) {
        let side: Side<'_> = Box::new(|n| {
            let start = Instant::now();
            for _ in 0..n {
                let index = submit();
                gpu.device.poll(wgpu::PollType::Wait {
                    submission_index: Some(index),
                    timeout: None,
                })?;
            }
            Ok(start.elapsed())
        });
        rows.extend(alternate(
            &workload,
            config.plan,
            20,
            5_000,
            check,
            vec![("wgpu", side)],
        )?);
    }

    let workload = spec::submit_pipelined();
    if config.wants(&workload.id) {
        let side: Side<'_> = Box::new(|n| {
            let start = Instant::now();
            for _ in 0..n {
                submit();
            }
            gpu.wait()?;
            Ok(start.elapsed())
        });
        rows.extend(alternate(
            &workload,
            config.plan,
            100,
            20_000,
            check,
            vec![("wgpu", side)],
        )?);
    }

    let workload = spec::submit_cpu();
    if config.wants(&workload.id) {
        let side: Side<'_> = Box::new(|n| {
            let mut timed = Duration::ZERO;
            let mut left = n;
            while left > 0 {
                let batch = left.min(SYNC_EVERY);
                left -= batch;
                let start = Instant::now();
                for _ in 0..batch {
                    submit();
                }
                timed += start.elapsed();
                gpu.wait()?;
            }
            Ok(timed)
        });
        rows.extend(alternate(
            &workload,
            config.plan,
            2 * SYNC_EVERY,
            20_000,
            check,
            vec![("wgpu", side)],
        )?);
    }

    let counted: Vec<u32> = gpu.words_at(&counters, &(0..COUNTERS as u64).collect::<Vec<_>>())?;
    let made = dispatches.get();
    ensure!(
        counted.iter().all(|&c| c as u64 == made),
        "the kernel counted {:?}.. dispatches, {made} were submitted",
        &counted[..4]
    );
    Ok(rows)
}
