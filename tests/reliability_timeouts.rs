//! Timeouts: `wait_timeout` returns `ErrorKind::Timeout` instead of blocking while a long dispatch runs,
//! can be repeated, and a later wait completes with the right result.

use dawn::*;
use dawn_suite::{Gpu, WAIT};
use std::time::{Duration, Instant};

/// Each invocation loops `p.n` times.
const LONG: &str = "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@group(0) @binding(1) var<uniform> n: vec4u;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    var x = v[id.x];
    for (var i = 0u; i < n.x; i++) { x = x * 1664525u + 1013904223u; }
    v[id.x] = x;
}";

const INVOCATIONS: u32 = 64 * 64;

fn expected(x: u32, n: u32) -> u32 {
    dawn_suite::lcg_rounds(x, n as u64)
}

struct Long {
    data: Buffer,
    params: Buffer,
    readback: Buffer,
    pipeline: ComputePipeline,
    group: BindGroup,
}

impl Long {
    fn new(gpu: &Gpu) -> Long {
        let input: Vec<u32> = (0..INVOCATIONS).collect();
        let data = gpu
            .device
            .create_buffer_init(&BufferInitDescriptor {
                label: "long",
                contents: bytemuck::cast_slice(&input),
                usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
            })
            .expect("data");
        let params = gpu
            .device
            .create_buffer(&BufferDescriptor {
                label: "n",
                size: 16,
                usage: BufferUsage::Uniform | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .expect("params");
        let readback = gpu
            .device
            .create_buffer(&BufferDescriptor {
                label: "readback",
                size: INVOCATIONS as u64 * 4,
                usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .expect("readback");
        let module = gpu
            .device
            .create_shader_module_checked(&ShaderModuleDescriptor {
                label: "long",
                code: LONG,
            })
            .expect("module");
        let pipeline = gpu
            .device
            .create_compute_pipeline(&ComputePipelineDescriptor {
                label: "long",
                layout: None,
                module: &module,
                entry_point: None,
                constants: &[],
            });
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "long",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                BindGroupEntry::buffer(0, &data),
                BindGroupEntry::buffer(1, &params),
            ],
        });
        Long {
            data,
            params,
            readback,
            pipeline,
            group,
        }
    }

    /// Resets the data, runs the kernel with `n` iterations and copies to the readback buffer.
    fn submit(&self, gpu: &Gpu, n: u32) {
        let input: Vec<u32> = (0..INVOCATIONS).collect();
        gpu.queue
            .write_buffer(&self.data, 0, &input)
            .expect("reset");
        gpu.queue
            .write_buffer(&self.params, 0, &[n, 0, 0, 0])
            .expect("n");
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.group, &[]);
            pass.dispatch_workgroups(INVOCATIONS / 64, 1, 1);
        }
        encoder.copy_buffer_to_buffer(&self.data, 0, &self.readback, 0, INVOCATIONS as u64 * 4);
        gpu.queue.submit(&[encoder.finish()]);
    }
}

#[test]
fn wait_timeout_returns_timeout_then_completes() {
    let gpu = Gpu::new();
    let long = Long::new(&gpu);

    // Calibrate: iterations for a dispatch of about 3 s on this machine. The probe grows until it runs
    // 100 ms, so that a fast GPU's launch overhead does not pass for the kernel's speed.
    let mut probe: u32 = 20_000;
    let mut t;
    loop {
        t = Instant::now();
        long.submit(&gpu, probe);
        gpu.queue
            .on_submitted_work_done()
            .wait_timeout(WAIT)
            .expect("probe");
        if t.elapsed() >= Duration::from_millis(100) || probe >= 1 << 30 {
            break;
        }
        probe *= 4;
    }
    let per_iter = t.elapsed().as_secs_f64() / probe as f64;
    let n = (3.0 / per_iter).clamp(probe as f64, u32::MAX as f64) as u32;
    println!(
        "probe of {probe} iterations: {:?}; long dispatch: {n} iterations",
        t.elapsed()
    );

    let t0 = Instant::now();
    long.submit(&gpu, n);
    let mut work = gpu.queue.on_submitted_work_done();
    let mut map = long.readback.map_async(MapMode::Read, ..);
    for pending_wait in [
        Duration::ZERO,
        Duration::from_millis(1),
        Duration::from_millis(50),
    ] {
        let t = Instant::now();
        let e = work
            .wait_timeout(pending_wait)
            .expect_err("the long dispatch cannot be done yet");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        let spent = t.elapsed();
        assert!(
            spent < pending_wait + Duration::from_millis(500),
            "a {pending_wait:?} wait took {spent:?}"
        );
        let e = map
            .wait_timeout(pending_wait)
            .expect_err("the map cannot be done yet");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    }
    assert!(!work.is_ready() && !map.is_ready());
    let timed_out_at = t0.elapsed();
    // Waiting again completes.
    work.wait_timeout(WAIT).expect("the work completes");
    map.wait_timeout(WAIT).expect("the map completes");
    println!(
        "timed out at {timed_out_at:?}, completed at {:?}",
        t0.elapsed()
    );
    {
        let view = long.readback.get_mapped_range(..).expect("view");
        let out = view.typed::<u32>().expect("u32s");
        for i in [0usize, 1, 777, INVOCATIONS as usize - 1] {
            assert_eq!(out[i], expected(i as u32, n), "[{i}]");
        }
    }
    long.readback.unmap().expect("unmap");
    // A completed operation's result is handed out once; a later wait says so at once.
    assert!(work.is_ready());
    let t = Instant::now();
    let again = work.wait_timeout(Duration::ZERO).unwrap_err();
    assert_eq!(again.kind(), dawn::ErrorKind::InvalidUse, "{again}");
    assert!(t.elapsed() < Duration::from_millis(100));
}

#[test]
fn futures_that_never_resolve_time_out() {
    let gpu = Gpu::new();
    // The device is never lost: its lost future never resolves.
    let mut lost = gpu.device.lost();
    let t = Instant::now();
    for _ in 0..3 {
        let e = lost
            .wait_timeout(Duration::from_millis(30))
            .expect_err("not lost");
        assert_eq!(e.kind(), ErrorKind::Timeout);
    }
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "three 30 ms waits took {:?}",
        t.elapsed()
    );
    // A map of a buffer that is never submitted to still completes: Dawn does not block it.
    let buffer = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "m",
            size: 64,
            usage: BufferUsage::MapRead,
            mapped_at_creation: false,
        })
        .expect("buffer");
    buffer
        .map_async(MapMode::Read, ..)
        .wait_timeout(WAIT)
        .expect("map");
    // Unmapped while a map is pending (behind busy work: an idle buffer's map may complete inside
    // map_async): the pending map resolves with an error, no wait hangs.
    buffer.unmap().expect("unmap");
    let buffer = gpu.busy_readable(&[1, 2, 3, 4]);
    let mut pending = buffer.map_async(MapMode::Read, ..);
    buffer.unmap().expect("unmap aborts the pending map");
    let error = pending
        .wait_timeout(WAIT)
        .expect_err("the unmap aborts the map");
    assert_eq!(error.kind(), ErrorKind::MapFailed, "{error}");
    assert!(error.message().contains("Aborted"), "{error}");
}
