//! Timestamp queries: a compute pass over 16M floats (several iterations per element in the shader) with
//! `timestamp_writes` at its beginning and end, resolved with `resolve_query_set` and read back: the GPU
//! duration is positive and no longer than the wall-clock time around the submission; two timestamped
//! passes in one encoder are ordered; the device toggles the crate sets or lets through change what they
//! should (`timestamp_quantization` off by default, so timestamps keep their low bits; `allow_unsafe_apis`
//! unlocks `write_timestamp`). An adapter without TimestampQuery fails these tests (every adapter the
//! suite targets has it), unless `DAWN_RS_ALLOW_MISSING=TimestampQuery` skips them visibly.

use dawn::{
    BindGroupDescriptor, BindGroupEntry, Buffer, BufferDescriptor, BufferInitDescriptor,
    BufferUsage, ComputePassDescriptor, ComputePipeline, ComputePipelineDescriptor, Device,
    DeviceDescriptor, ErrorKind, FeatureName, Instance, PassTimestampWrites, QuerySet,
    QuerySetDescriptor, QueryType, ShaderModuleDescriptor, Toggles,
};
use dawn_suite::{Gpu, WAIT};
use std::time::Instant;

const N: usize = 16 * 1024 * 1024;
const ITERATIONS: u32 = 8;

const KERNEL: &str = "
override iterations: u32;
@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
    let i = g.y * (n.x * 256u) + g.x;
    if (i < arrayLength(&v)) {
        var x = v[i];
        for (var k = 0u; k < iterations; k++) {
            x = x + 1.0;
        }
        v[i] = x;
    }
}
";

fn gpu_with_timestamps() -> Option<Gpu> {
    let gpu = Gpu::new();
    gpu.require_feature(FeatureName::TimestampQuery)
        .then_some(gpu)
}

fn setup(gpu: &Gpu) -> (Buffer, ComputePipeline, dawn::BindGroup) {
    let input: Vec<f32> = (0..N).map(|i| (i % 1024) as f32).collect();
    let data = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "16M floats",
            contents: bytemuck::cast_slice(&input),
            usage: BufferUsage::Storage | BufferUsage::CopySrc,
        })
        .unwrap();
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "add",
            code: KERNEL,
        })
        .unwrap();
    let pipeline = gpu
        .device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "add",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[("iterations", ITERATIONS as f64)],
        });
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "data",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &data)],
    });
    (data, pipeline, group)
}

fn timed_pass(
    encoder: &mut dawn::CommandEncoder,
    queries: &QuerySet,
    first: u32,
    pipeline: &ComputePipeline,
    group: &dawn::BindGroup,
) {
    let mut pass = encoder.begin_compute_pass(&ComputePassDescriptor {
        label: "timed",
        timestamp_writes: Some(PassTimestampWrites {
            query_set: queries,
            beginning_of_pass_write_index: Some(first),
            end_of_pass_write_index: Some(first + 1),
        }),
    });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, group, &[]);
    // 65,536 workgroups of 256: a 256 x 256 grid (one dimension is capped at 65,535).
    pass.dispatch_workgroups(256, 256, 1);
    pass.end();
}

fn resolve(gpu: &Gpu, encoder: &mut dawn::CommandEncoder, queries: &QuerySet) -> Buffer {
    let resolved = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "timestamps",
            size: 8 * queries.count() as u64,
            usage: BufferUsage::QueryResolve | BufferUsage::CopySrc,
            mapped_at_creation: false,
        })
        .unwrap();
    encoder.resolve_query_set(queries, 0, queries.count(), &resolved, 0);
    resolved
}

#[test]
fn a_large_pass_has_a_positive_gpu_duration() {
    let Some(gpu) = gpu_with_timestamps() else {
        return;
    };
    let (data, pipeline, group) = setup(&gpu);
    let queries = gpu.device.create_query_set(&QuerySetDescriptor {
        label: "pass",
        ty: QueryType::Timestamp,
        count: 2,
    });
    assert_eq!((queries.count(), queries.ty()), (2, QueryType::Timestamp));
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    timed_pass(&mut encoder, &queries, 0, &pipeline, &group);
    let resolved = resolve(&gpu, &mut encoder, &queries);
    let commands = encoder.finish();
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    let start = Instant::now();
    gpu.queue.submit(&[commands]);
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    let wall_ns = start.elapsed().as_nanos() as u64;
    let ts: Vec<u64> = resolved.read_back().unwrap();
    let gpu_ns = ts[1].wrapping_sub(ts[0]);
    println!(
        "begin {} end {}: GPU {:.3} ms, wall {:.3} ms",
        ts[0],
        ts[1],
        gpu_ns as f64 / 1e6,
        wall_ns as f64 / 1e6
    );
    assert!(ts[0] > 0, "{ts:?}");
    assert!(ts[1] > ts[0], "end must follow begin: {ts:?}");
    // The pass ran inside the submit..done window measured on the CPU.
    assert!(gpu_ns <= wall_ns, "GPU {gpu_ns} ns > wall {wall_ns} ns");
    // The work really happened: every element gained `ITERATIONS`.
    let out: Vec<f32> = data.read_back().unwrap();
    for (i, &x) in out.iter().enumerate() {
        assert_eq!(x, (i % 1024) as f32 + ITERATIONS as f32, "element {i}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn two_timed_passes_are_ordered() {
    let Some(gpu) = gpu_with_timestamps() else {
        return;
    };
    let (data, pipeline, group) = setup(&gpu);
    let queries = gpu.device.create_query_set(&QuerySetDescriptor {
        label: "two passes",
        ty: QueryType::Timestamp,
        count: 4,
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    timed_pass(&mut encoder, &queries, 0, &pipeline, &group);
    timed_pass(&mut encoder, &queries, 2, &pipeline, &group);
    let resolved = resolve(&gpu, &mut encoder, &queries);
    gpu.queue.submit(&[encoder.finish()]);
    let ts: Vec<u64> = resolved.read_back().unwrap();
    println!("{ts:?}");
    assert!(ts[0] < ts[1] && ts[1] <= ts[2] && ts[2] < ts[3], "{ts:?}");
    let out: Vec<f32> = data.read_back().unwrap();
    assert_eq!(
        out[N - 1],
        (N - 1) as f32 % 1024.0 + 2.0 * ITERATIONS as f32
    );
    assert_eq!(out[12345], (12345 % 1024) as f32 + 2.0 * ITERATIONS as f32);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn timestamp_misuse_is_a_validation_error() {
    let Some(gpu) = gpu_with_timestamps() else {
        return;
    };
    let queries = gpu.device.create_query_set(&QuerySetDescriptor {
        label: "two",
        ty: QueryType::Timestamp,
        count: 2,
    });
    let resolved = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "r",
            size: 16,
            usage: BufferUsage::QueryResolve,
            ..Default::default()
        })
        .unwrap();
    // Resolving past the end of the query set.
    let error = gpu
        .device
        .scoped(|d| {
            let mut e = d.create_command_encoder(&Default::default());
            e.resolve_query_set(&queries, 1, 2, &resolved, 0);
            e.finish()
        })
        .unwrap_err();
    assert_eq!(error.kind(), dawn::ErrorKind::Validation);
    // A write index past the end.
    let error = gpu
        .device
        .scoped(|d| {
            let mut e = d.create_command_encoder(&Default::default());
            drop(e.begin_compute_pass(&ComputePassDescriptor {
                label: "bad index",
                timestamp_writes: Some(PassTimestampWrites {
                    query_set: &queries,
                    beginning_of_pass_write_index: Some(5),
                    end_of_pass_write_index: None,
                }),
            }));
            e.finish()
        })
        .unwrap_err();
    assert_eq!(error.kind(), dawn::ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

/// A device of a new instance with TimestampQuery and `toggles`; `None` (skipped) without the feature.
fn timestamp_device(toggles: Toggles<'_>) -> Option<(Instance, Device)> {
    let instance = Instance::new().unwrap();
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(WAIT)
        .unwrap();
    if !dawn_suite::require(
        adapter.has_feature(FeatureName::TimestampQuery),
        "TimestampQuery",
    ) {
        return None;
    }
    let device = adapter
        .request_device(&DeviceDescriptor {
            required_features: &[FeatureName::TimestampQuery],
            toggles,
            ..Default::default()
        })
        .wait_timeout(WAIT)
        .unwrap();
    Some((instance, device))
}

/// The timestamps of `passes` empty timed passes (two each), resolved and read back.
fn empty_pass_timestamps(device: &Device, passes: u32) -> Vec<u64> {
    let queries = device.create_query_set(&QuerySetDescriptor {
        label: "empty passes",
        ty: QueryType::Timestamp,
        count: 2 * passes,
    });
    let resolved = device
        .create_buffer(&BufferDescriptor {
            label: "timestamps",
            size: 16 * passes as u64,
            usage: BufferUsage::QueryResolve | BufferUsage::CopySrc,
            mapped_at_creation: false,
        })
        .unwrap();
    let mut encoder = device.create_command_encoder(&Default::default());
    for pass in 0..passes {
        drop(encoder.begin_compute_pass(&ComputePassDescriptor {
            label: "empty",
            timestamp_writes: Some(PassTimestampWrites {
                query_set: &queries,
                beginning_of_pass_write_index: Some(2 * pass),
                end_of_pass_write_index: Some(2 * pass + 1),
            }),
        }));
    }
    encoder.resolve_query_set(&queries, 0, 2 * passes, &resolved, 0);
    device.queue().submit(&[encoder.finish()]);
    resolved.read_back().unwrap()
}

/// Dawn's quantization keeps timestamps to multiples of 65,536 ns (`kTimestampQuantizationMask`).
const QUANTUM: u64 = 1 << 16;

#[test]
fn timestamp_quantization_is_off_unless_enabled() {
    // The crate's default: off, so the low bits are kept (16 timestamps all on the 65,536 ns grid by
    // chance: about one in 2^256).
    let Some((_instance, device)) = timestamp_device(Toggles::default()) else {
        return;
    };
    let fine = empty_pass_timestamps(&device, 8);
    println!("default: {fine:?}");
    assert!(fine.iter().all(|&t| t > 0), "{fine:?}");
    assert!(fine.iter().any(|t| t % QUANTUM != 0), "quantized: {fine:?}");
    // Enabled on request, every timestamp lands on the grid.
    let (_instance, device) = timestamp_device(Toggles {
        enabled: &["timestamp_quantization"],
        disabled: &[],
    })
    .unwrap();
    let coarse = empty_pass_timestamps(&device, 8);
    println!("quantized: {coarse:?}");
    assert!(coarse.iter().any(|&t| t > 0), "{coarse:?}");
    assert!(coarse.iter().all(|t| t % QUANTUM == 0), "{coarse:?}");
}

#[test]
fn allow_unsafe_apis_unlocks_write_timestamp() {
    let write_two = |device: &Device| {
        let queries = device.create_query_set(&QuerySetDescriptor {
            label: "encoder timestamps",
            ty: QueryType::Timestamp,
            count: 2,
        });
        let resolved = device
            .create_buffer(&BufferDescriptor {
                label: "timestamps",
                size: 16,
                usage: BufferUsage::QueryResolve | BufferUsage::CopySrc,
                mapped_at_creation: false,
            })
            .unwrap();
        let scratch = device
            .create_buffer(&BufferDescriptor {
                label: "between the timestamps",
                size: 1 << 20,
                usage: BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .unwrap();
        let commands = device.scoped(|d| {
            let mut encoder = d.create_command_encoder(&Default::default());
            encoder.write_timestamp(&queries, 0);
            encoder.clear_buffer(&scratch, 0, None);
            encoder.write_timestamp(&queries, 1);
            encoder.resolve_query_set(&queries, 0, 2, &resolved, 0);
            encoder.finish()
        });
        commands.map(|c| {
            device.queue().submit(&[c]);
            resolved.read_back::<u64>().unwrap()
        })
    };
    let Some((_instance, plain)) = timestamp_device(Toggles::default()) else {
        return;
    };
    let error = write_two(&plain).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation, "{error}");
    assert!(error.message().contains("allow_unsafe_apis"), "{error}");
    let (_instance, unsafe_apis) = timestamp_device(Toggles {
        enabled: &["allow_unsafe_apis"],
        disabled: &[],
    })
    .unwrap();
    let ts = write_two(&unsafe_apis).expect("write_timestamp with allow_unsafe_apis");
    assert!(ts[0] > 0 && ts[1] >= ts[0], "{ts:?}");
}
