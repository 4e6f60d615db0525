//! Section `submit`: the host-bound cost of getting tiny dispatches to the GPU. One workgroup of 64
//! adds 1 to 64 counters (`wgsl/count.wgsl`); at the end every counter must equal the number of
//! dispatches all sides made.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::raw::{self, Raw};
use crate::spec::{self, COUNTERS, Config, SYNC_EVERY};
use anyhow::{Result, ensure};
use dawn::*;
use std::cell::Cell;
use std::time::{Duration, Instant};

const COUNT_WGSL: &str = include_str!("wgsl/count.wgsl");

/// The tiny dispatch's pipeline and counters, and how many dispatches were made.
struct Tiny<'g> {
    gpu: &'g Gpu,
    pipeline: ComputePipeline,
    group: BindGroup,
    dispatches: Cell<u64>,
}

/// The raw handles of [`Tiny`].
#[derive(Clone, Copy)]
struct RawTiny {
    r: Raw,
    pipeline: dawn::dawn_sys::WGPUComputePipeline,
    group: dawn::dawn_sys::WGPUBindGroup,
}

impl Tiny<'_> {
    #[inline]
    fn submit(&self) {
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
        pass.end();
        self.gpu.queue.submit(&[encoder.finish()]);
        self.dispatches.set(self.dispatches.get() + 1);
    }

    fn raw(&self) -> RawTiny {
        RawTiny {
            r: self.gpu.raw(),
            pipeline: self.pipeline.as_raw(),
            group: self.group.as_raw(),
        }
    }

    /// # Safety
    /// The handles are live (`self` keeps them).
    #[inline]
    unsafe fn raw_submit(&self, raw: RawTiny) {
        // SAFETY: live handles.
        unsafe { raw::dispatch(raw.r, raw.pipeline, raw.group, (1, 1), 1) };
        self.dispatches.set(self.dispatches.get() + 1);
    }
}

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let counters = gpu.storage("counters", 4 * COUNTERS as u64)?;
    gpu.clear(&counters)?;
    let pipeline = gpu.pipeline("count", COUNT_WGSL)?;
    let group = gpu.group(&pipeline, &[&counters])?;
    let tiny = Tiny {
        gpu,
        pipeline,
        group,
        dispatches: Cell::new(0),
    };
    let raw = tiny.raw();
    let check = "every counter equals the dispatches made";
    let mut rows = Vec::new();

    let workload = spec::submit_wait();
    if config.wants(&workload.id) {
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let start = Instant::now();
                    for _ in 0..n {
                        tiny.submit();
                        gpu.queue.on_submitted_work_done().wait()?;
                    }
                    Ok(start.elapsed())
                }),
            ),
            (
                "raw",
                Box::new(|n| {
                    let start = Instant::now();
                    for _ in 0..n {
                        // SAFETY: `tiny` keeps the handles alive.
                        unsafe {
                            tiny.raw_submit(raw);
                            raw::wait_idle(raw.r)?;
                        }
                    }
                    Ok(start.elapsed())
                }),
            ),
        ];
        rows.extend(alternate(&workload, config.plan, 20, 5_000, check, sides)?);
    }

    let workload = spec::submit_pipelined();
    if config.wants(&workload.id) {
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let start = Instant::now();
                    for _ in 0..n {
                        tiny.submit();
                    }
                    gpu.queue.on_submitted_work_done().wait()?;
                    Ok(start.elapsed())
                }),
            ),
            (
                "raw",
                Box::new(|n| {
                    let start = Instant::now();
                    // SAFETY: `tiny` keeps the handles alive.
                    unsafe {
                        for _ in 0..n {
                            tiny.raw_submit(raw);
                        }
                        raw::wait_idle(raw.r)?;
                    }
                    Ok(start.elapsed())
                }),
            ),
        ];
        rows.extend(alternate(
            &workload,
            config.plan,
            100,
            20_000,
            check,
            sides,
        )?);
    }

    let workload = spec::submit_cpu();
    if config.wants(&workload.id) {
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let mut timed = Duration::ZERO;
                    for batch in batches(n) {
                        let start = Instant::now();
                        for _ in 0..batch {
                            tiny.submit();
                        }
                        timed += start.elapsed();
                        gpu.queue.on_submitted_work_done().wait()?;
                    }
                    Ok(timed)
                }),
            ),
            (
                "raw",
                Box::new(|n| {
                    let mut timed = Duration::ZERO;
                    for batch in batches(n) {
                        let start = Instant::now();
                        for _ in 0..batch {
                            // SAFETY: `tiny` keeps the handles alive.
                            unsafe { tiny.raw_submit(raw) };
                        }
                        timed += start.elapsed();
                        // SAFETY: as above.
                        unsafe { raw::wait_idle(raw.r)? };
                    }
                    Ok(timed)
                }),
            ),
        ];
        rows.extend(alternate(
            &workload,
            config.plan,
            2 * SYNC_EVERY,
            20_000,
            check,
            sides,
        )?);
    }

    let counted: Vec<u32> = counters.read_back()?;
    let made = tiny.dispatches.get();
    ensure!(
        counted.iter().all(|&c| c as u64 == made),
        "the kernel counted {:?}.. dispatches, {made} were submitted",
        &counted[..4]
    );
    Ok(rows)
}

/// `n` split into batches of [`SYNC_EVERY`].
fn batches(n: usize) -> impl Iterator<Item = usize> {
    (0..n.div_ceil(SYNC_EVERY)).map(move |b| SYNC_EVERY.min(n - b * SYNC_EVERY))
}
