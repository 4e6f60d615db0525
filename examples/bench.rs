//! The safe API against raw `webgpu.h` calls, side by side in one run: what does the wrapper cost?
//!
//! Three host-bound workloads, each done through the safe `dawn` API and through raw `dawn_sys` calls on
//! the very same device, queue, pipeline, bind group and buffer (the raw side borrows their handles with
//! `as_raw()`, so Dawn does identical work and only the Rust layer differs):
//!
//! - **submit**: encode + dispatch + submit cycles: create a command encoder, begin a compute pass, set the
//!   pipeline and the bind group, dispatch one workgroup, end, finish, submit (and release everything).
//!   Every 100 submits, and at the end of each round, both sides wait for the queue to drain
//!   (`on_submitted_work_done`) to keep it bounded.
//! - **map**: map round trips on an idle 256-byte buffer: `map_async(Read)`, wait, get the mapped range,
//!   read a `u32`, unmap. The safe side does it twice: through a view (`get_mapped_range`, `unmap`), and
//!   through a [`Mapping`] guard (`take_mapping`, drop); each is paired with its own raw run.
//!
//! The raw side registers its callbacks in the same `AllowProcessEvents` mode as the safe API and waits
//! with `wgpuInstanceWaitAny` (the instance's `TimedWaitAny`, 1 s slices) exactly as `Pending::wait` does.
//! Each side's work is split into rounds; rounds alternate which side goes first (ABBA), after a warm-up.
//! Reported: the median over rounds of each side's mean time per operation, and their ratio. Every value
//! read back is checked, and at the end the dispatch counter written by the kernel must equal the number
//! of dispatches both sides made; the program exits non-zero otherwise or on any uncaptured error.
//!
//! Run: `cargo run --release --example bench` (10,000 submits and 1,000 map round trips per side), or
//! `cargo run --release --example bench -- --quick` (1,000 and 100) for CI. `--scale K` runs K times as many
//! operations (for steadier ratios), `--rounds N` changes the number of rounds (default 20), and `--only
//! submit|map|guard` runs one workload (for profiling).
//!
//! `--transfers` (first) runs the transfer section instead: 1 GiB host to device and back through
//! `dawn::memory`'s rings, their twin on raw `dawn-sys`, and `Queue::write_buffer` / one staging copy, each
//! checksummed (see `bench_transfers/mod.rs` for its options, `--sweep` among them).
//!
//! `--only tensor` runs the `dawn::tensor` section instead (see `bench/tensor.rs`; `--quick` for smaller
//! sizes, `--torch FILE` to compare with the output of `scripts/torch_reference.py`).

use anyhow::{Context, bail, ensure};
use dawn::*;
use dawn_sys as sys;
use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "bench/tensor.rs"]
mod tensor_section;
#[path = "bench_transfers/mod.rs"]
mod transfers;

/// Submits between two waits for the queue to drain (both sides).
const SYNC_EVERY: usize = 100;
/// Size of the mapped buffer (bytes) and the value at its start.
const MAP_SIZE: u64 = 256;
const MAGIC: u32 = 0xC0FF_EE42;
/// Elements the kernel increments once per dispatch (one workgroup of 64).
const COUNTERS: usize = 64;
/// One wait slice, the same for both sides (what `Pending::wait` uses).
const SLICE_NS: u64 = 1_000_000_000;
/// Slices after which a wait fails instead of hanging.
const MAX_SLICES: usize = 60;

const SHADER: &str = "
@group(0) @binding(0) var<storage, read_write> counters: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    counters[id.x] = counters[id.x] + 1u;
}
";

/// The objects both sides share.
struct Bench {
    instance: Instance,
    device: Device,
    queue: Queue,
    pipeline: ComputePipeline,
    group: BindGroup,
    map_buffer: Buffer,
}

/// The same objects as raw handles, borrowed from [`Bench`] (no reference of their own).
#[derive(Clone, Copy)]
struct Raw {
    instance: sys::WGPUInstance,
    device: sys::WGPUDevice,
    queue: sys::WGPUQueue,
    pipeline: sys::WGPUComputePipeline,
    group: sys::WGPUBindGroup,
    map_buffer: sys::WGPUBuffer,
}

impl Bench {
    fn raw(&self) -> Raw {
        Raw {
            instance: self.instance.as_raw(),
            // SAFETY: the bench never destroys the device.
            device: unsafe { self.device.as_raw() },
            queue: self.queue.as_raw(),
            pipeline: self.pipeline.as_raw(),
            group: self.group.as_raw(),
            map_buffer: self.map_buffer.as_raw(),
        }
    }
}

// ---- the safe side ----

#[inline(never)]
fn safe_submits(b: &Bench, n: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for i in 1..=n {
        let mut encoder = b.device.create_command_encoder(&Default::default());
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&b.pipeline);
        pass.set_bind_group(0, &b.group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
        pass.end();
        b.queue.submit(&[encoder.finish()]);
        if i % SYNC_EVERY == 0 || i == n {
            b.queue.on_submitted_work_done().wait()?;
        }
    }
    Ok(start.elapsed())
}

#[inline(never)]
fn safe_maps(b: &Bench, n: usize) -> anyhow::Result<Duration> {
    let mut wrong = 0usize;
    let start = Instant::now();
    for _ in 0..n {
        b.map_buffer.map_async(MapMode::Read, ..).wait()?;
        let value = {
            let view = b.map_buffer.get_mapped_range(..)?;
            u32::from_le_bytes(view[..4].try_into()?)
        };
        b.map_buffer.unmap()?;
        wrong += (value != MAGIC) as usize;
    }
    let elapsed = start.elapsed();
    ensure!(
        wrong == 0,
        "safe side: {wrong} of {n} mapped reads were wrong"
    );
    Ok(elapsed)
}

/// The same round trip through a [`Mapping`] guard: one atomic step to take it, none to drop it (unmap).
#[inline(never)]
fn safe_guard_maps(b: &Bench, n: usize) -> anyhow::Result<Duration> {
    let mut wrong = 0usize;
    let start = Instant::now();
    for _ in 0..n {
        b.map_buffer.map_async(MapMode::Read, ..).wait()?;
        let value = {
            let mapping = b.map_buffer.take_mapping()?;
            u32::from_le_bytes(mapping[..4].try_into()?)
        };
        wrong += (value != MAGIC) as usize;
    }
    let elapsed = start.elapsed();
    ensure!(
        wrong == 0,
        "guard side: {wrong} of {n} mapped reads were wrong"
    );
    Ok(elapsed)
}

// ---- the raw side: webgpu.h calls only ----

unsafe extern "C" fn raw_on_work_done(
    status: sys::WGPUQueueWorkDoneStatus,
    _message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the caller's status word, alive until its wait returns.
    unsafe { *userdata1.cast::<u32>() = status };
}

unsafe extern "C" fn raw_on_mapped(
    status: sys::WGPUMapAsyncStatus,
    _message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: as above.
    unsafe { *userdata1.cast::<u32>() = status };
}

/// Waits for `future` in timed slices, as `Pending::wait` does.
///
/// # Safety
/// `instance` is live and `future` one of its futures.
unsafe fn raw_wait(instance: sys::WGPUInstance, future: sys::WGPUFuture) -> anyhow::Result<()> {
    let mut info = sys::WGPUFutureWaitInfo {
        future,
        completed: 0,
    };
    for _ in 0..MAX_SLICES {
        // SAFETY: one valid wait info.
        match unsafe { sys::wgpuInstanceWaitAny(instance, 1, &mut info, SLICE_NS) } {
            sys::WGPUWaitStatus_Success if info.completed != 0 => return Ok(()),
            sys::WGPUWaitStatus_Success | sys::WGPUWaitStatus_TimedOut => {}
            other => bail!("wgpuInstanceWaitAny failed with status {other}"),
        }
    }
    bail!("raw side: a wait took over {MAX_SLICES} s")
}

/// # Safety
/// `r` holds live handles.
#[inline(never)]
unsafe fn raw_submits(r: Raw, n: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for i in 1..=n {
        // SAFETY: live handles; every object made here is released once, after its last use.
        unsafe {
            let encoder = sys::wgpuDeviceCreateCommandEncoder(r.device, std::ptr::null());
            let pass = sys::wgpuCommandEncoderBeginComputePass(encoder, std::ptr::null());
            sys::wgpuComputePassEncoderSetPipeline(pass, r.pipeline);
            sys::wgpuComputePassEncoderSetBindGroup(pass, 0, r.group, 0, std::ptr::null());
            sys::wgpuComputePassEncoderDispatchWorkgroups(pass, 1, 1, 1);
            sys::wgpuComputePassEncoderEnd(pass);
            sys::wgpuComputePassEncoderRelease(pass);
            let commands = sys::wgpuCommandEncoderFinish(encoder, std::ptr::null());
            sys::wgpuCommandEncoderRelease(encoder);
            sys::wgpuQueueSubmit(r.queue, 1, &commands);
            sys::wgpuCommandBufferRelease(commands);
        }
        if i % SYNC_EVERY == 0 || i == n {
            let mut status = u32::MAX;
            let info = sys::WGPUQueueWorkDoneCallbackInfo {
                nextInChain: std::ptr::null_mut(),
                mode: sys::WGPUCallbackMode_AllowProcessEvents,
                callback: Some(raw_on_work_done),
                userdata1: (&raw mut status).cast(),
                userdata2: std::ptr::null_mut(),
            };
            // SAFETY: live queue; `status` outlives the wait that fires the callback.
            unsafe {
                let future = sys::wgpuQueueOnSubmittedWorkDone(r.queue, info);
                raw_wait(r.instance, future)?;
            }
            ensure!(
                status == sys::WGPUQueueWorkDoneStatus_Success,
                "raw side: work done status {status}"
            );
        }
    }
    Ok(start.elapsed())
}

/// # Safety
/// `r` holds live handles, and the map buffer is unmapped with no view alive.
#[inline(never)]
unsafe fn raw_maps(r: Raw, n: usize, mode: sys::WGPUCallbackMode) -> anyhow::Result<Duration> {
    let mut wrong = 0usize;
    let start = Instant::now();
    for _ in 0..n {
        let mut status = u32::MAX;
        let info = sys::WGPUBufferMapCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode,
            callback: Some(raw_on_mapped),
            userdata1: (&raw mut status).cast(),
            userdata2: std::ptr::null_mut(),
        };
        // SAFETY: live buffer, unmapped; `status` outlives the wait that fires the callback (or the call,
        // when a spontaneous callback runs inside it).
        unsafe {
            let future = sys::wgpuBufferMapAsync(
                r.map_buffer,
                sys::WGPUMapMode_Read,
                0,
                MAP_SIZE as usize,
                info,
            );
            if std::ptr::read_volatile(&status) == u32::MAX {
                raw_wait(r.instance, future)?;
            }
        }
        ensure!(
            status == sys::WGPUMapAsyncStatus_Success,
            "raw side: map status {status}"
        );
        // SAFETY: the buffer is mapped for reading over 0..MAP_SIZE; the pointer is read before unmap.
        let value = unsafe {
            let ptr = sys::wgpuBufferGetConstMappedRange(r.map_buffer, 0, MAP_SIZE as usize);
            ensure!(!ptr.is_null(), "raw side: no mapped range");
            let value = ptr.cast::<u32>().read();
            sys::wgpuBufferUnmap(r.map_buffer);
            value
        };
        wrong += (value != MAGIC) as usize;
    }
    let elapsed = start.elapsed();
    ensure!(
        wrong == 0,
        "raw side: {wrong} of {n} mapped reads were wrong"
    );
    Ok(elapsed)
}

// ---- the harness ----

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Per-round mean microseconds per operation, for each side.
#[derive(Default)]
struct Samples {
    safe: Vec<f64>,
    raw: Vec<f64>,
}

impl Samples {
    fn push(&mut self, safe: Duration, raw: Duration, ops: usize) {
        self.safe.push(safe.as_secs_f64() * 1e6 / ops as f64);
        self.raw.push(raw.as_secs_f64() * 1e6 / ops as f64);
    }

    /// (median safe, median raw, safe/raw, and the per-round ratios' median, lowest and highest)
    fn summary(&self) -> (f64, f64, f64, [f64; 3]) {
        let safe = median(&mut self.safe.clone());
        let raw = median(&mut self.raw.clone());
        let mut ratios: Vec<f64> = self
            .safe
            .iter()
            .zip(&self.raw)
            .map(|(s, r)| s / r)
            .collect();
        let paired = median(&mut ratios);
        // `median` sorted them.
        let (low, high) = (ratios[0], ratios[ratios.len() - 1]);
        (safe, raw, safe / raw, [paired, low, high])
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--transfers") {
        return transfers::run(std::env::args().skip(2));
    }
    let mut quick = false;
    let mut rounds = 20usize;
    let mut scale = 1usize;
    let mut only: Option<String> = None;
    let mut torch: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--scale" => {
                scale = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&k| k > 0)
                    .context("--scale needs a positive number")?
            }
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&r| r > 0)
                    .context("--rounds needs a positive number")?
            }
            "--only" => {
                only = Some(
                    args.next()
                        .filter(|w| ["submit", "map", "guard", "tensor"].contains(&w.as_str()))
                        .context("--only needs `submit`, `map`, `guard` or `tensor`")?,
                )
            }
            "--torch" => torch = Some(args.next().context("--torch needs a file")?),
            "--bench" => {} // what `cargo bench` passes
            other => {
                bail!(
                    "unknown argument {other:?} (use --quick, --scale K, --rounds N, --only \
                     submit|map|guard|tensor, --torch FILE)"
                )
            }
        }
    }
    if only.as_deref() == Some("tensor") {
        return tensor_section::run(quick, rounds, torch.as_deref());
    }
    let (submits, maps) = if quick { (1_000, 100) } else { (10_000, 1_000) };
    let (submits, maps): (usize, usize) = (submits * scale, maps * scale);
    let wanted = |workload: &str| only.as_deref().is_none_or(|w| w == workload);
    let submits_per_round = if wanted("submit") {
        submits.div_ceil(rounds)
    } else {
        0
    };
    let maps_per_round = if wanted("map") {
        maps.div_ceil(rounds)
    } else {
        0
    };
    let guard_maps_per_round = if wanted("guard") {
        maps.div_ceil(rounds)
    } else {
        0
    };

    let instance = Instance::new()?;
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait()
        .context(
            "no WebGPU adapter (is a Vulkan driver installed? ./dev.sh setup installs lavapipe)",
        )?;
    let info = adapter.info()?;
    let errors = Arc::new(AtomicUsize::new(0));
    let sink = errors.clone();
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "bench",
            on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                eprintln!("uncaptured error: {e}");
                sink.fetch_add(1, Ordering::Relaxed);
            })),
            ..Default::default()
        })
        .wait()?;
    let queue = device.queue();
    println!(
        "machine: {} | {} ({}), vendor {:?}, backend {}, adapter type {} | host CPU {} ({} threads)",
        info.device,
        info.description,
        info.architecture,
        info.vendor,
        info.backend_type,
        info.adapter_type,
        cpu_model(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let counters = device.create_buffer_init(&BufferInitDescriptor {
        label: "counters",
        contents: bytemuck::cast_slice(&[0u32; COUNTERS]),
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
    })?;
    let map_buffer = device.create_buffer(&BufferDescriptor {
        label: "mapped",
        size: MAP_SIZE,
        usage: BufferUsage::MapRead | BufferUsage::CopyDst,
        mapped_at_creation: false,
    })?;
    let mut contents = vec![0u32; (MAP_SIZE / 4) as usize];
    contents[0] = MAGIC;
    queue.write_buffer(&map_buffer, 0, &contents)?;
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "count",
        code: SHADER,
    })?;
    let (pipeline, group) = device.scoped(|device| {
        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "count",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        });
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "counters",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &counters)],
        });
        (pipeline, group)
    })?;
    let bench = Bench {
        instance,
        device,
        queue,
        pipeline,
        group,
        map_buffer,
    };
    let raw = bench.raw();

    println!(
        "{rounds} rounds; per side: {submits_per_round} x {rounds} submits (queue drained every \
         {SYNC_EVERY}), {maps_per_round} x {rounds} map round trips with views, \
         {guard_maps_per_round} x {rounds} with a Mapping guard; sides alternate first (ABBA)"
    );

    // The three workloads: (safe side, raw side, ops per round). The raw side of both map workloads is
    // the same; each safe variant is paired with its own raw run.
    type Side<'a> = Box<dyn Fn(usize) -> anyhow::Result<Duration> + 'a>;
    // SAFETY (every raw side): the handles live in `bench` until the end of main, and the map buffer is
    // unmapped between uses.
    let raw_map_side = |mode| -> Side<'_> {
        // SAFETY: see above.
        Box::new(move |n| unsafe { raw_maps(raw, n, mode) })
    };
    let spontaneous = sys::WGPUCallbackMode_AllowSpontaneous;
    let workloads: [(Side<'_>, Side<'_>, usize); 4] = [
        (
            Box::new(|n| safe_submits(&bench, n)),
            // SAFETY: see above.
            Box::new(move |n| unsafe { raw_submits(raw, n) }),
            submits_per_round,
        ),
        (
            Box::new(|n| safe_maps(&bench, n)),
            raw_map_side(spontaneous),
            maps_per_round,
        ),
        (
            Box::new(|n| safe_guard_maps(&bench, n)),
            raw_map_side(spontaneous),
            guard_maps_per_round,
        ),
        (
            Box::new(|n| safe_maps(&bench, n)),
            raw_map_side(sys::WGPUCallbackMode_AllowProcessEvents),
            maps_per_round,
        ),
    ];

    // Warm-up: pipeline caches, allocator pools, page faults, the CPU's clock.
    for (i, (safe, raw_side, per_round)) in workloads.iter().enumerate() {
        if *per_round > 0 {
            let warm = if i == 0 {
                (per_round / 2).max(SYNC_EVERY)
            } else {
                (per_round / 2).max(10)
            };
            safe(warm)?;
            raw_side(warm)?;
        }
    }
    let mut dispatches = if submits_per_round > 0 {
        2 * (submits_per_round / 2).max(SYNC_EVERY)
    } else {
        0
    };

    let mut samples: [Samples; 4] = Default::default();
    let run_start = Instant::now();
    for round in 0..rounds {
        let safe_first = round % 4 == 0 || round % 4 == 3;
        for ((safe, raw_side, per_round), samples) in workloads.iter().zip(&mut samples) {
            if *per_round == 0 {
                continue;
            }
            let (safe_time, raw_time) = if safe_first {
                let s = safe(*per_round)?;
                (s, raw_side(*per_round)?)
            } else {
                let r = raw_side(*per_round)?;
                (safe(*per_round)?, r)
            };
            samples.push(safe_time, raw_time, *per_round);
        }
        dispatches += 2 * submits_per_round;
    }
    let run_time = run_start.elapsed();
    drop(workloads);

    // Both sides really ran the kernel: every counter saw every dispatch.
    let counted: Vec<u32> = counters.read_back()?;
    ensure!(
        counted.iter().all(|&c| c as usize == dispatches),
        "the kernel counted {:?}.. dispatches, {dispatches} were submitted",
        &counted[..4]
    );
    let uncaptured = errors.load(Ordering::Relaxed);
    ensure!(uncaptured == 0, "{uncaptured} uncaptured Dawn errors");

    println!();
    println!(
        "| operation | ops per side | safe, us/op | raw, us/op | safe/raw | per-round safe/raw: median (range) |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    let names = [
        ("encode + dispatch + submit", submits_per_round),
        (
            "map + wait + read + unmap (view; raw spontaneous)",
            maps_per_round,
        ),
        (
            "map + wait + read + unmap (Mapping guard; raw spontaneous)",
            guard_maps_per_round,
        ),
        (
            "map + wait + read + unmap (view; raw through WaitAny)",
            maps_per_round,
        ),
    ];
    for ((name, per_round), samples) in names.into_iter().zip(&samples) {
        let ops = per_round * rounds;
        if ops == 0 {
            continue;
        }
        let (safe, raw, ratio, [paired, low, high]) = samples.summary();
        println!(
            "| {name} | {ops} | {safe:.2} | {raw:.2} | {ratio:.3} | {paired:.3} ({low:.3} .. {high:.3}) |"
        );
    }
    println!();
    println!(
        "safe/raw: the ratio of the medians over {rounds} rounds of each side's mean time per op; per-round: \
         the ratios of the two sides' times in each round. Target safe/raw <= 1.03. \
         Measured in {:.1} s; {dispatches} dispatches checked, 0 uncaptured errors",
        run_time.as_secs_f64()
    );
    Ok(())
}
