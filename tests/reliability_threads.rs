//! Threads: several threads share one device (and its queue) for a bounded time, each submitting
//! dispatches, writing, mapping and reading back its own buffers, plus one thread on a buffer shared by
//! all; every result is checked against the CPU.

use dawn::*;
use dawn_suite::{Gpu, WAIT};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const KERNEL: &str = "struct P { add: u32, mul: u32 }
@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&v)) { v[id.x] = v[id.x] * p.mul + p.add; }
}";

const THREADS: u32 = 4;
const RUN: Duration = Duration::from_secs(8);

#[test]
fn threads_share_one_device() {
    let gpu = Gpu::new();
    let device = gpu.device.clone();
    let module = device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "threads",
            code: KERNEL,
        })
        .expect("module");
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "threads",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    });
    // A buffer all threads read concurrently (mapped views may overlap when read-only).
    let shared_values: Vec<u32> = (0..1024).map(|i| i * 7 + 1).collect();
    let shared = device
        .create_buffer_init(&BufferInitDescriptor {
            label: "shared",
            contents: bytemuck::cast_slice(&shared_values),
            usage: BufferUsage::CopySrc,
        })
        .expect("shared buffer");
    let rounds = Arc::new(AtomicU64::new(0));
    let checked = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (device, pipeline, shared, shared_values) =
                (&device, &pipeline, &shared, &shared_values);
            let (rounds, checked) = (rounds.clone(), checked.clone());
            s.spawn(move || {
                let queue = device.queue();
                let mut round = 0u32;
                while start.elapsed() < RUN {
                    let n = 256 + 64 * ((t + round) % 16);
                    let input: Vec<u32> = (0..n).map(|i| i ^ (t << 16) ^ round).collect();
                    let data = device
                        .create_buffer_init(&BufferInitDescriptor {
                            label: "data",
                            contents: bytemuck::cast_slice(&input),
                            usage: BufferUsage::Storage
                                | BufferUsage::CopySrc
                                | BufferUsage::CopyDst,
                        })
                        .expect("data buffer");
                    let params = device
                        .create_buffer(&BufferDescriptor {
                            label: "params",
                            size: 16,
                            usage: BufferUsage::Uniform | BufferUsage::CopyDst,
                            mapped_at_creation: false,
                        })
                        .expect("params");
                    let (add, mul) = (t * 1000 + round, 3 + t);
                    queue
                        .write_buffer(&params, 0, &[add, mul, 0, 0])
                        .expect("write params");
                    let readback = device
                        .create_buffer(&BufferDescriptor {
                            label: "readback",
                            size: n as u64 * 4,
                            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                            mapped_at_creation: false,
                        })
                        .expect("readback");
                    let group = device.create_bind_group(&BindGroupDescriptor {
                        label: "threads",
                        layout: &pipeline.get_bind_group_layout(0),
                        entries: &[
                            BindGroupEntry::buffer(0, &data),
                            BindGroupEntry::buffer(1, &params),
                        ],
                    });
                    let mut encoder = device.create_command_encoder(&Default::default());
                    {
                        let mut pass = encoder.begin_compute_pass(&Default::default());
                        pass.set_pipeline(pipeline);
                        pass.set_bind_group(0, &group, &[]);
                        pass.dispatch_workgroups(n.div_ceil(64), 1, 1);
                    }
                    encoder.copy_buffer_to_buffer(&data, 0, &readback, 0, n as u64 * 4);
                    queue.submit(&[encoder.finish()]);
                    if round.is_multiple_of(3) {
                        queue
                            .on_submitted_work_done()
                            .wait_timeout(WAIT)
                            .expect("work done");
                    }
                    readback
                        .map_async(MapMode::Read, ..)
                        .wait_timeout(WAIT)
                        .expect("map");
                    {
                        let view = readback.get_mapped_range(..).expect("view");
                        let out = view.typed::<u32>().expect("u32s");
                        for (i, (&o, &x)) in out.iter().zip(&input).enumerate() {
                            assert_eq!(
                                o,
                                x.wrapping_mul(mul).wrapping_add(add),
                                "thread {t} round {round} [{i}]"
                            );
                        }
                    }
                    readback.unmap().expect("unmap");
                    checked.fetch_add(n as u64, Ordering::Relaxed);
                    // The shared buffer, read back by every thread at once.
                    if round % 4 == t % 4 {
                        let values: Vec<u32> = shared.read_back().expect("shared read back");
                        assert_eq!(&values, shared_values, "thread {t}: shared buffer");
                    }
                    round += 1;
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let rounds = rounds.load(Ordering::Relaxed);
    println!(
        "{THREADS} threads, {:.1} s: {rounds} rounds (create, write, dispatch, copy, map, verify), {} values checked",
        start.elapsed().as_secs_f64(),
        checked.load(Ordering::Relaxed)
    );
    assert!(rounds >= THREADS as u64, "too few rounds: {rounds}");
    assert!(gpu.take_uncaptured().is_empty(), "no validation errors");
    assert!(!device.is_lost());
}
