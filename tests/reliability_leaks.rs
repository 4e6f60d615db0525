//! Leaks: proves that every Dawn object reference the safe crate takes is released.
//!
//! This test binary interposes the `webgpu.h` functions that hand out references (`wgpuCreateInstance`,
//! `wgpuDeviceCreate*`, `wgpuDeviceGetQueue`, `wgpuCommandEncoderFinish`, the adapter/device/pipeline
//! callbacks...) and every `wgpu*AddRef` / `wgpu*Release` with the ledger of `dawn_suite::ledger`: it
//! defines counting versions and installs them in the table dawn-sys's free functions call through, so the
//! `dawn` crate's calls land there, are counted per object pointer, and go on to Dawn's own. Then it runs fuzzer sequences, device loss and destruction, early-dropped
//! futures and a mapping workload, drops everything, and checks that no object has a reference left: zero
//! leaks (and no object is released more often than it was acquired). A second check creates and drops
//! objects in a loop and checks that the process's resident memory and open files stay flat.

mod fuzz;

use dawn::*;
use dawn_suite::ledger::{CORE_KINDS, assert_every_kind_counted, assert_no_live_references};

// The counting definitions of every function that hands out or drops a reference (src/ledger.rs).
dawn_suite::core_hooks!();

/// Object-by-object: fuzzer sequences, loss, destruction, dropped futures, then nothing is left.
fn counted_workloads() {
    {
        let env = fuzz::Env::new().expect("an adapter");
        for seed in [11, 12] {
            let budget = fuzz::Budget::sequences(12);
            let stats = fuzz::run(&env, seed, budget, fuzz::Config::default(), false, None)
                .unwrap_or_else(|failure| panic!("{failure}"));
            println!("fuzz seed {seed} under the ledger: {stats}");
        }
    }
    every_object_kind();
    {
        // Futures dropped before they resolve, a device lost with work and a map in flight, and the instance
        // released while callbacks are still due.
        let gpu = dawn_suite::Gpu::new();
        let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
            label: "leak",
            code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
                   @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
                       if (id.x < arrayLength(&v)) { v[id.x] += 1u; } }",
        });
        let desc = ComputePipelineDescriptor {
            label: "leak",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        };
        drop(gpu.device.create_compute_pipeline_async(&desc));
        let pipeline = gpu
            .device
            .create_compute_pipeline_async(&desc)
            .wait_timeout(dawn_suite::WAIT)
            .expect("pipeline");
        let storage = gpu
            .device
            .create_buffer(&BufferDescriptor {
                label: "leak",
                size: 1 << 16,
                usage: BufferUsage::Storage | BufferUsage::CopySrc,
                mapped_at_creation: false,
            })
            .expect("buffer");
        let readback = gpu
            .device
            .create_buffer(&BufferDescriptor {
                label: "leak",
                size: 1 << 16,
                usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .expect("buffer");
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "leak",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &storage)],
        });
        for _ in 0..4 {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                pass.dispatch_workgroups(256, 1, 1);
            }
            encoder.copy_buffer_to_buffer(&storage, 0, &readback, 0, 1 << 16);
            gpu.queue.submit(&[encoder.finish()]);
        }
        let mut map = readback.map_async(MapMode::Read, ..);
        let done = gpu.queue.on_submitted_work_done();
        drop(gpu.device.create_compute_pipeline_async(&desc));
        gpu.device
            .force_loss("leak test")
            .expect("no view is alive");
        let _ = map.wait_timeout(dawn_suite::WAIT);
        drop(done);
        drop(gpu);
    }
    assert_no_live_references("counted workloads");
    assert_every_kind_counted("counted workloads", CORE_KINDS);
}

/// One object of every kind the ledger counts, each also cloned, used and dropped in an unusual order:
/// explicit bind group and pipeline layouts, a layout from a pipeline, query sets of both types (a timestamp
/// pass resolved into a buffer, a destroyed set), passes ended by `end` and by drop.
fn every_object_kind() {
    let gpu = dawn_suite::Gpu::new();
    let device = &gpu.device;
    let layout = device.create_bind_group_layout(&BindGroupLayoutDescriptor {
        label: "kinds",
        entries: &[BindGroupLayoutEntry::storage(0, false)],
    });
    let layout_clone = layout.clone();
    let pipeline_layout = device.create_pipeline_layout(&PipelineLayoutDescriptor {
        label: "kinds",
        bind_group_layouts: std::slice::from_ref(&layout_clone),
        immediate_size: 0,
    });
    let module = device.create_shader_module(&ShaderModuleDescriptor {
        label: "kinds",
        code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
               @compute @workgroup_size(1) fn main() { v[0] += 1u; }",
    });
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "kinds",
        layout: Some(&pipeline_layout),
        module: &module,
        entry_point: None,
        constants: &[],
    });
    let buffer = device
        .create_buffer_init(&BufferInitDescriptor {
            label: "kinds",
            contents: bytemuck::cast_slice(&[41u32]),
            usage: BufferUsage::Storage | BufferUsage::CopySrc,
        })
        .expect("buffer");
    let group = device.create_bind_group(&BindGroupDescriptor {
        label: "kinds",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &buffer)],
    });
    let occlusion = device.create_query_set(&QuerySetDescriptor {
        label: "occlusion",
        ty: QueryType::Occlusion,
        count: 2,
    });
    occlusion.clone().destroy().expect("destroying a query set");
    let timestamps = device.create_query_set(&QuerySetDescriptor {
        label: "timestamps",
        ty: QueryType::Timestamp,
        count: 2,
    });
    let resolved = device
        .create_buffer(&BufferDescriptor {
            label: "kinds",
            size: 16,
            usage: BufferUsage::QueryResolve | BufferUsage::CopySrc,
            mapped_at_creation: false,
        })
        .expect("buffer");
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&ComputePassDescriptor {
            label: "kinds",
            timestamp_writes: Some(PassTimestampWrites {
                query_set: &timestamps.clone(),
                beginning_of_pass_write_index: Some(0),
                end_of_pass_write_index: Some(1),
            }),
        });
        pass.set_pipeline(&pipeline.clone());
        pass.set_bind_group(0, &group.clone(), &[]);
        pass.dispatch_workgroups(1, 1, 1);
        pass.end();
    }
    drop(encoder.begin_compute_pass(&Default::default()));
    encoder.resolve_query_set(&timestamps, 0, 2, &resolved, 0);
    let commands = encoder.finish();
    drop((
        timestamps,
        group,
        pipeline,
        pipeline_layout,
        layout,
        layout_clone,
        module,
    ));
    let commands_clone = commands.clone();
    drop(commands);
    gpu.queue.submit(std::slice::from_ref(&commands_clone));
    assert_eq!(buffer.read_back::<u32>().expect("read back"), [42]);
    let ts: Vec<u64> = resolved.read_back().expect("timestamps");
    assert!(ts[1] >= ts[0] && ts[0] > 0, "{ts:?}");
    drop((
        device.clone(),
        gpu.queue.clone(),
        gpu.adapter.clone(),
        gpu.instance.clone(),
    ));
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .expect("resident")
        .parse()
        .expect("a number");
    pages * 4096
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// One round: a device, 64 buffers of 1 MiB written, mapped and read, a pipeline and dispatches, dropped.
fn churn_round(instance: &Instance) {
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(dawn_suite::WAIT)
        .expect("adapter");
    let device = adapter
        .request_device(&Default::default())
        .wait_timeout(dawn_suite::WAIT)
        .expect("device");
    let queue = device.queue();
    let module = device.create_shader_module(&ShaderModuleDescriptor {
        label: "churn",
        code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
               @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
                   if (id.x < arrayLength(&v)) { v[id.x] = id.x; } }",
    });
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "churn",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    });
    for i in 0..64u32 {
        let buffer = device
            .create_buffer(&BufferDescriptor {
                label: "churn",
                size: 1 << 20,
                usage: BufferUsage::Storage | BufferUsage::CopyDst | BufferUsage::CopySrc,
                mapped_at_creation: false,
            })
            .expect("buffer");
        queue.write_buffer(&buffer, 0, &[i; 1024]).expect("write");
        if i.is_multiple_of(8) {
            let group = device.create_bind_group(&BindGroupDescriptor {
                label: "churn",
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[BindGroupEntry::buffer(0, &buffer)],
            });
            let mut encoder = device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                pass.dispatch_workgroups(4096, 1, 1);
            }
            queue.submit(&[encoder.finish()]);
            let values: Vec<u32> = buffer.read_back().expect("read back");
            assert_eq!(values[1000], 1000);
        }
    }
}

/// Memory and file descriptors stay flat while objects are created and dropped in a loop.
fn rss_and_fds_stay_flat() {
    let instance = Instance::new().expect("instance");
    for _ in 0..3 {
        churn_round(&instance); // warm-up: caches, allocator pools, compiled shaders
    }
    let (rss0, fds0) = (rss_bytes(), open_fds());
    let rounds: i64 = 12;
    for _ in 0..rounds {
        churn_round(&instance);
    }
    let (rss1, fds1) = (rss_bytes(), open_fds());
    let growth = rss1 as i64 - rss0 as i64;
    println!(
        "{rounds} rounds of 64 x 1 MiB buffers + pipeline + dispatches ({} MiB allocated): RSS {} -> {} MiB \
         ({:+} MiB), open fds {fds0} -> {fds1}",
        rounds * 64,
        rss0 >> 20,
        rss1 >> 20,
        growth >> 20
    );
    // A leak of one 1 MiB buffer per round adds `rounds` MiB: fail at half of that (the growth measured on
    // lavapipe without a leak is within a few MiB of zero, either way).
    assert!(
        growth < (rounds << 20) / 2,
        "resident memory grew by {} MiB in {rounds} rounds",
        growth >> 20
    );
    assert!(fds1 <= fds0 + 2, "open files grew from {fds0} to {fds1}");
}

#[test]
fn no_dawn_object_leaks() {
    dawn_suite::ledger::install(&[install_core_hooks]);
    counted_workloads();
    rss_and_fds_stay_flat();
    assert_no_live_references("after the memory loop");
}
