//! Two slices of one page as the input and the output of one dispatch, bound under the binding rule
//! (both `read_write`), checked against the CPU; the read-only binding that WebGPU refuses; and the
//! binding checks of `Block::entry`.

use dawn::memory::{FrameArena, Heap, HeapArena, bind_group, storage_layout};
use dawn::{
    BindGroupDescriptor, BindGroupLayoutDescriptor, BindGroupLayoutEntry,
    ComputePipelineDescriptor, ErrorKind, PipelineLayoutDescriptor, ShaderModuleDescriptor,
};
use dawn_suite::{Gpu, WAIT, assert_err};

const N: usize = 1000;

const AFFINE: &str = "
@group(0) @binding(0) var<storage, read_write> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&output)) {
        output[id.x] = input[id.x] * 3.0 - 1.5;
    }
}
";

/// The pipeline for `AFFINE` under `layout`.
fn pipeline(gpu: &Gpu, layout: &dawn::BindGroupLayout, code: &str) -> dawn::ComputePipeline {
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "affine",
            code,
        })
        .unwrap();
    let pipeline_layout = gpu
        .device
        .create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "affine",
            bind_group_layouts: std::slice::from_ref(layout),
            immediate_size: 0,
        });
    gpu.device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "affine",
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: None,
            constants: &[],
        })
}

fn dispatch(gpu: &Gpu, pipeline: &dawn::ComputePipeline, group: &dawn::BindGroup) {
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.dispatch_workgroups(N.div_ceil(64) as u32, 1, 1);
    }
    gpu.queue.submit(&[encoder.finish()]);
}

#[test]
fn a_kernel_reads_one_slice_and_writes_another_of_the_same_page() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let frame = FrameArena::new(&gpu.device, 0).unwrap();
    let layout = storage_layout(&gpu.device, "in and out", 2);
    let pipeline = pipeline(&gpu, &layout, AFFINE);
    let input: Vec<f32> = (0..N).map(|i| (i as f32).sin() * 10.0 + 0.25).collect();
    let expected: Vec<f32> = input.iter().map(|x| x * 3.0 - 1.5).collect();
    // A GPU may fuse the multiply and add (one rounding instead of two): within 2 ulp of 32 (the outputs'
    // largest magnitude), never more.
    let close = |got: &[f32]| {
        assert_eq!(got.len(), expected.len());
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() <= 2.0 * 32.0 * f32::EPSILON,
                "[{i}]: {g} against {e}"
            );
        }
    };

    let run = |x: &dawn::memory::Slice<f32>, y: &dawn::memory::Slice<f32>| {
        assert_eq!(x.buffer(), y.buffer(), "one page");
        assert!(x.offset() + x.byte_len() <= y.offset());
        x.write(&input, 0, false).unwrap();
        y.write(&[-7.0; N], 0, false).unwrap();
        let group = bind_group(&gpu.device, "in and out", &layout, &[x, y]).unwrap();
        dispatch(&gpu, &pipeline, &group);
        close(&y.read().wait_timeout(WAIT).unwrap());
        assert_eq!(
            x.read().wait_timeout(WAIT).unwrap(),
            input,
            "the input is unchanged"
        );
    };
    run(&heap.alloc(N).unwrap(), &heap.alloc(N).unwrap());
    // Frame slices, in two epochs: the second pair reuses the first's memory.
    for _ in 0..2 {
        frame.reset();
        run(&frame.alloc(N).unwrap(), &frame.alloc(N).unwrap());
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_read_only_binding_of_the_same_page_is_refused_by_webgpu() {
    // The rule `bind_group` follows, shown: the same two slices with the input bound read-only.
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let layout = gpu
        .device
        .create_bind_group_layout(&BindGroupLayoutDescriptor {
            label: "read-only input",
            entries: &[
                BindGroupLayoutEntry::storage(0, true),
                BindGroupLayoutEntry::storage(1, false),
            ],
        });
    let pipeline = pipeline(&gpu, &layout, &AFFINE.replacen("read_write", "read", 1));
    let x = heap.alloc::<f32>(N).unwrap();
    let y = heap.alloc::<f32>(N).unwrap();
    assert_eq!(x.buffer(), y.buffer());
    let result = gpu.device.scoped(|device| {
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "read-only input",
            layout: &layout,
            entries: &[x.entry(0).unwrap(), y.entry(1).unwrap()],
        });
        dispatch(&gpu, &pipeline, &group);
    });
    let error = assert_err(result, ErrorKind::Validation);
    assert!(error.message().contains("usage"), "{error}");
}

#[test]
fn bindings_follow_webgpus_rules() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let empty = heap.alloc::<u32>(0).unwrap();
    let error = assert_err(empty.entry(0), ErrorKind::Validation);
    assert!(error.message().contains("empty"), "{error}");

    let align = u64::from(gpu.device.limits().min_storage_buffer_offset_alignment);
    let arena = HeapArena::new(&gpu.device, 4096, 4).unwrap();
    let first = arena.alloc::<u8>(3).unwrap();
    let second = arena.alloc::<u8>(8).unwrap();
    assert_eq!((first.offset(), second.offset()), (0, 4));
    assert!(first.entry(0).is_ok());
    let error = assert_err(second.entry(0), ErrorKind::Validation);
    assert!(error.message().contains(&format!("{align}")), "{error}");
    // An odd size binds whole words: 3 bytes bind as 4, inside the slice's reserved bytes.
    match first.entry(0).unwrap().resource {
        dawn::BindingResource::Buffer(binding) => assert_eq!(binding.size, Some(4)),
        other => panic!("a slice binds a buffer, not {other:?}"),
    }

    let max = gpu.device.limits().max_storage_buffer_binding_size;
    let huge = heap.allocate(max + 4, 1).unwrap();
    let error = assert_err(huge.entry(0), ErrorKind::Validation);
    assert!(
        error.message().contains("maxStorageBufferBindingSize"),
        "{error}"
    );
}
