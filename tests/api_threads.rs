//! Send/Sync: four threads share one Device and Queue (by reference and by clones moved into threads), each
//! creating buffers and bind groups, dispatching a kernel, submitting and reading back its own results for
//! a bounded number of iterations, all checked against the CPU; objects made on one thread used on another.

use dawn::{
    BindGroupDescriptor, BindGroupEntry, Buffer, BufferInitDescriptor, BufferUsage,
    ComputePipeline, ComputePipelineDescriptor, Device, MapMode, Queue, ShaderModuleDescriptor,
};
use dawn_suite::{Gpu, WAIT};
use std::sync::{Arc, Barrier};

const THREADS: u32 = 4;
const ITERATIONS: u32 = 12;
const LEN: u32 = 300;

const KERNEL: &str = "
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&dst)) {
        dst[id.x] = src[id.x] * 3u + 7u;
    }
}
";

fn kernel(device: &Device) -> ComputePipeline {
    let module = device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "affine",
            code: KERNEL,
        })
        .unwrap();
    device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "affine",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    })
}

fn storage(device: &Device, data: &[u32]) -> Buffer {
    device
        .create_buffer_init(&BufferInitDescriptor {
            label: "storage",
            contents: bytemuck::cast_slice(data),
            usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
        })
        .unwrap()
}

/// One thread's work: `ITERATIONS` rounds of upload, dispatch, submit, read back, check.
fn worker(device: &Device, queue: &Queue, pipeline: &ComputePipeline, thread: u32) -> u32 {
    let mut checked = 0;
    for iteration in 0..ITERATIONS {
        let input: Vec<u32> = (0..LEN)
            .map(|i| thread * 1_000_000 + iteration * 1_000 + i)
            .collect();
        let src = storage(device, &input);
        let dst = storage(device, &vec![0; LEN as usize]);
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "affine",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                BindGroupEntry::buffer(0, &src),
                BindGroupEntry::buffer(1, &dst),
            ],
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(LEN.div_ceil(64), 1, 1);
        }
        queue.submit(&[encoder.finish()]);
        let out: Vec<u32> = if iteration % 2 == 0 {
            dst.read_back().unwrap()
        } else {
            // Half the rounds map a staging buffer by hand.
            let staging = device
                .create_buffer(&dawn::BufferDescriptor {
                    label: "staging",
                    size: dst.size(),
                    usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                    mapped_at_creation: false,
                })
                .unwrap();
            let mut encoder = device.create_command_encoder(&Default::default());
            encoder.copy_buffer_to_buffer(&dst, 0, &staging, 0, dst.size());
            queue.submit(&[encoder.finish()]);
            staging
                .map_async(MapMode::Read, ..)
                .wait_timeout(WAIT)
                .unwrap();
            let values = staging
                .get_mapped_range(..)
                .unwrap()
                .typed::<u32>()
                .unwrap()
                .to_vec();
            staging.unmap().unwrap();
            values
        };
        let expected: Vec<u32> = input.iter().map(|x| x * 3 + 7).collect();
        assert_eq!(out, expected, "thread {thread}, iteration {iteration}");
        checked += 1;
    }
    checked
}

#[test]
fn four_threads_share_one_device_by_reference() {
    let gpu = Gpu::new();
    let pipeline = kernel(&gpu.device);
    let barrier = Barrier::new(THREADS as usize);
    let total: u32 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (gpu, pipeline, barrier) = (&gpu, &pipeline, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    worker(&gpu.device, &gpu.queue, pipeline, t)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(total, THREADS * ITERATIONS);
    assert!(
        gpu.take_uncaptured().is_empty(),
        "{:?}",
        gpu.take_uncaptured()
    );
}

#[test]
fn four_threads_with_cloned_handles_and_their_own_pipelines() {
    let gpu = Gpu::new();
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (device, queue, barrier) = (gpu.device.clone(), gpu.queue.clone(), barrier.clone());
            std::thread::spawn(move || {
                // Shader compilation and pipeline creation on several threads at once.
                let pipeline = kernel(&device);
                barrier.wait();
                worker(&device, &queue, &pipeline, t + 10)
            })
        })
        .collect();
    let total: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, THREADS * ITERATIONS);
    assert!(
        gpu.take_uncaptured().is_empty(),
        "{:?}",
        gpu.take_uncaptured()
    );
}

#[test]
fn objects_move_between_threads() {
    let gpu = Gpu::new();
    let pipeline = kernel(&gpu.device);
    let input: Vec<u32> = (0..LEN).collect();
    let src = storage(&gpu.device, &input);
    let dst = storage(&gpu.device, &vec![0; LEN as usize]);
    // Encode on one thread, submit on another, read back on a third.
    let device = gpu.device.clone();
    let (p, s, d) = (pipeline.clone(), src.clone(), dst.clone());
    let commands = std::thread::spawn(move || {
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "moved",
            layout: &p.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &s), BindGroupEntry::buffer(1, &d)],
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&p);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(LEN.div_ceil(64), 1, 1);
        }
        encoder
    })
    .join()
    .unwrap()
    .finish();
    let queue = gpu.queue.clone();
    std::thread::spawn(move || queue.submit(&[commands]))
        .join()
        .unwrap();
    let out = std::thread::spawn(move || dst.read_back::<u32>().unwrap())
        .join()
        .unwrap();
    assert_eq!(out, input.iter().map(|x| x * 3 + 7).collect::<Vec<_>>());
    // A map started on one thread, waited on on another.
    let readable = gpu.readable_with(&[41, 42, 43, 44]);
    let mut pending = readable.map_async(MapMode::Read, ..);
    std::thread::spawn(move || pending.wait_timeout(WAIT))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(
        readable
            .get_mapped_range(..)
            .unwrap()
            .typed::<u32>()
            .unwrap(),
        [41, 42, 43, 44]
    );
    readable.unmap().unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}
