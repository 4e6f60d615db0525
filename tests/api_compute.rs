//! Compute: auto layouts (`ComputePipeline::get_bind_group_layout`), bind groups over buffer sub-ranges,
//! explicit layouts with dynamic offsets (one bind group, two offsets, two results), `dispatch_workgroups`
//! over 2D and 3D grids (direct and indirect: every dimension must count), `dispatch_workgroups_indirect` with arguments written by a kernel, passes ended by `end`
//! and by `Drop`, pass debug markers and groups, all checked against CPU results.

use dawn::{
    BindGroupDescriptor, BindGroupEntry, BindGroupLayoutDescriptor, BindGroupLayoutEntry,
    BindingResource, BindingType, Buffer, BufferBinding, BufferBindingType, BufferUsage,
    ComputePassDescriptor, ComputePipeline, ComputePipelineDescriptor, PipelineLayoutDescriptor,
    ShaderModuleDescriptor, ShaderStage,
};
use dawn_suite::Gpu;

fn pipeline(gpu: &Gpu, code: &str, layout: Option<&dawn::PipelineLayout>) -> ComputePipeline {
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "kernel",
            code,
        })
        .unwrap();
    gpu.device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "kernel",
            layout,
            module: &module,
            entry_point: None,
            constants: &[],
        })
}

fn storage_u32(gpu: &Gpu, data: &[u32], extra: BufferUsage) -> Buffer {
    gpu.device
        .create_buffer_init(&dawn::BufferInitDescriptor {
            label: "storage",
            contents: bytemuck::cast_slice(data),
            usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst | extra,
        })
        .unwrap()
}

const AFFINE: &str = "
@group(0) @binding(0) var<storage, read> src: array<u32, 16>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32, 16>;
@compute @workgroup_size(16)
fn main(@builtin(local_invocation_index) i: u32) {
    dst[i] = src[i] * 3u + 1u;
}
";

#[test]
fn dynamic_offsets_one_bind_group_two_results() {
    let gpu = Gpu::new();
    let align = gpu.device.limits().min_storage_buffer_offset_alignment as usize;
    let words = align / 4;
    let window = 64u64; // 16 u32
    let bgl = gpu
        .device
        .create_bind_group_layout(&BindGroupLayoutDescriptor {
            label: "dynamic",
            entries: &[
                BindGroupLayoutEntry {
                    binding: 0,
                    visibility: ShaderStage::Compute,
                    ty: BindingType::Buffer {
                        ty: BufferBindingType::ReadOnlyStorage,
                        has_dynamic_offset: true,
                        min_binding_size: window,
                    },
                },
                BindGroupLayoutEntry {
                    binding: 1,
                    visibility: ShaderStage::Compute,
                    ty: BindingType::Buffer {
                        ty: BufferBindingType::Storage,
                        has_dynamic_offset: true,
                        min_binding_size: window,
                    },
                },
            ],
        });
    let layout = gpu
        .device
        .create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "dynamic",
            bind_group_layouts: std::slice::from_ref(&bgl),
            immediate_size: 0,
        });
    let p = pipeline(&gpu, AFFINE, Some(&layout));
    // Two windows of 16 values each, one alignment apart.
    let input: Vec<u32> = (0..2 * words as u32).map(|i| i * 7 + 2).collect();
    let src = storage_u32(&gpu, &input, BufferUsage::None);
    let dst = storage_u32(&gpu, &vec![0xffff_ffff; 2 * words], BufferUsage::None);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "dynamic",
        layout: &bgl,
        entries: &[
            BindGroupEntry {
                binding: 0,
                resource: BindingResource::Buffer(BufferBinding {
                    buffer: &src,
                    offset: 0,
                    size: Some(window),
                }),
            },
            BindGroupEntry {
                binding: 1,
                resource: BindingResource::Buffer(BufferBinding {
                    buffer: &dst,
                    offset: 0,
                    size: Some(window),
                }),
            },
        ],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&p);
        // Window 1 of src into window 0 of dst, then window 0 of src into window 1 of dst.
        pass.set_bind_group(0, &group, &[align as u32, 0]);
        pass.dispatch_workgroups(1, 1, 1);
        pass.set_bind_group(0, &group, &[0, align as u32]);
        pass.dispatch_workgroups(1, 1, 1);
        pass.end();
    }
    gpu.queue.submit(&[encoder.finish()]);
    let out: Vec<u32> = dst.read_back().unwrap();
    let mut expected = vec![0xffff_ffffu32; 2 * words];
    for i in 0..16 {
        expected[i] = input[words + i] * 3 + 1;
        expected[words + i] = input[i] * 3 + 1;
    }
    assert_eq!(out, expected);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn bind_group_at_a_static_offset() {
    let gpu = Gpu::new();
    let align = gpu.device.limits().min_storage_buffer_offset_alignment as u64;
    let p = pipeline(&gpu, AFFINE, None);
    let input: Vec<u32> = (0..16).map(|i| 100 + i).collect();
    let src = storage_u32(&gpu, &input, BufferUsage::None);
    let total = (align / 4) as usize + 32;
    let dst = storage_u32(&gpu, &vec![5; total], BufferUsage::None);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "at offset",
        layout: &p.get_bind_group_layout(0),
        entries: &[
            BindGroupEntry::buffer(0, &src),
            BindGroupEntry {
                binding: 1,
                resource: BindingResource::Buffer(BufferBinding {
                    buffer: &dst,
                    offset: align,
                    size: Some(64),
                }),
            },
        ],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&ComputePassDescriptor {
            label: "offset",
            timestamp_writes: None,
        });
        pass.set_pipeline(&p);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }
    gpu.queue.submit(&[encoder.finish()]);
    let out: Vec<u32> = dst.read_back().unwrap();
    let base = (align / 4) as usize;
    let mut expected = vec![5u32; total];
    for i in 0..16 {
        expected[base + i] = input[i] * 3 + 1;
    }
    assert_eq!(out, expected);
    assert!(gpu.take_uncaptured().is_empty());
}

const GRID: &str = "
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(8, 4)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
    let width = n.x * 8u;
    out[g.y * width + g.x] = g.x * 1000u + g.y;
}
";

#[test]
fn dispatch_a_2d_grid() {
    let gpu = Gpu::new();
    let p = pipeline(&gpu, GRID, None);
    let (wx, wy) = (5u32, 3u32);
    let (w, h) = (wx * 8, wy * 4);
    let out = storage_u32(&gpu, &vec![0; (w * h) as usize], BufferUsage::None);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "grid",
        layout: &p.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &out)],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.push_debug_group("grid");
        pass.insert_debug_marker("dispatch");
        pass.set_pipeline(&p);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(wx, wy, 1);
        pass.pop_debug_group();
    }
    gpu.queue.submit(&[encoder.finish()]);
    let got: Vec<u32> = out.read_back().unwrap();
    let expected: Vec<u32> = (0..h)
        .flat_map(|y| (0..w).map(move |x| x * 1000 + y))
        .collect();
    assert_eq!(got, expected);
    assert!(gpu.take_uncaptured().is_empty());
}

/// Each invocation of a 3D grid writes its own coordinates (never 0) where the grid's linear order puts it.
const GRID_3D: &str = "
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(2, 3, 4)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
    let size = n * vec3u(2u, 3u, 4u);
    out[(g.z * size.y + g.y) * size.x + g.x] = 1u + g.x + 100u * g.y + 10000u * g.z;
}
";

/// What `GRID_3D` writes over `workgroups` (x, y, z) into a buffer of `len` words that held `UNTOUCHED`.
fn grid_3d_model(workgroups: [u32; 3], len: usize) -> Vec<u32> {
    let [w, h, d] = [workgroups[0] * 2, workgroups[1] * 3, workgroups[2] * 4];
    let mut model = vec![UNTOUCHED; len];
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                model[((z * h + y) * w + x) as usize] = 1 + x + 100 * y + 10000 * z;
            }
        }
    }
    model
}

const UNTOUCHED: u32 = 0xDEAD_BEEF;

#[test]
fn dispatch_a_3d_grid_directly_and_indirectly() {
    let gpu = Gpu::new();
    let p = pipeline(&gpu, GRID_3D, None);
    // 3 x 2 x 5 workgroups of 2 x 3 x 4: a 6 x 6 x 20 grid, with room to spare past its end.
    let workgroups = [3u32, 2, 5];
    let len = 6 * 6 * 20 + 64;
    let args = storage_u32(&gpu, &[7, 7, 7, 7, 3, 2, 5, 7], BufferUsage::Indirect);
    for (how, indirect) in [("direct", false), ("indirect", true)] {
        let out = storage_u32(&gpu, &vec![UNTOUCHED; len], BufferUsage::None);
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "grid 3d",
            layout: &p.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &out)],
        });
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&p);
            pass.set_bind_group(0, &group, &[]);
            if indirect {
                pass.dispatch_workgroups_indirect(&args, 16);
            } else {
                pass.dispatch_workgroups(workgroups[0], workgroups[1], workgroups[2]);
            }
        }
        gpu.queue.submit(&[encoder.finish()]);
        let got: Vec<u32> = out.read_back().unwrap();
        let model = grid_3d_model(workgroups, len);
        let wrong = got.iter().zip(&model).filter(|(g, m)| g != m).count();
        assert_eq!(
            wrong, 0,
            "{how}: {wrong} of {len} words differ from the CPU model"
        );
    }
    // A zero in any dimension dispatches nothing.
    let out = storage_u32(&gpu, &vec![UNTOUCHED; 64], BufferUsage::None);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "grid 3d",
        layout: &p.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &out)],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&p);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(2, 1, 0);
        pass.dispatch_workgroups(0, 1, 1);
    }
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(out.read_back::<u32>().unwrap(), vec![UNTOUCHED; 64]);
    assert!(gpu.take_uncaptured().is_empty());
}

const WRITE_ARGS: &str = "
@group(0) @binding(0) var<storage, read_write> args: array<u32, 3>;
@compute @workgroup_size(1)
fn main() {
    args[0] = 3u; args[1] = 2u; args[2] = 1u;
}
";

const MARK: &str = "
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) l: u32) {
    out[(wg.y * 3u + wg.x) * 4u + l] = 1000u + wg.y * 10u + wg.x;
}
";

#[test]
fn dispatch_indirect_with_arguments_written_by_a_kernel() {
    let gpu = Gpu::new();
    let writer = pipeline(&gpu, WRITE_ARGS, None);
    let marker = pipeline(&gpu, MARK, None);
    // Offset 16 in the args buffer, to check the indirect offset too.
    let args = storage_u32(&gpu, &[0; 8], BufferUsage::Indirect);
    let out = storage_u32(&gpu, &[UNTOUCHED; 64], BufferUsage::None);
    let args_group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "args",
        layout: &writer.get_bind_group_layout(0),
        entries: &[BindGroupEntry {
            binding: 0,
            resource: BindingResource::Buffer(BufferBinding {
                buffer: &args,
                offset: 0,
                size: None,
            }),
        }],
    });
    let out_group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "out",
        layout: &marker.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &out)],
    });
    // The kernel writes args[0..3]; copy them to bytes 16..28 so the indirect dispatch reads at offset 16.
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&writer);
        pass.set_bind_group(0, &args_group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }
    let staging = storage_u32(&gpu, &[0; 4], BufferUsage::None);
    encoder.copy_buffer_to_buffer(&args, 0, &staging, 0, 12);
    encoder.copy_buffer_to_buffer(&staging, 0, &args, 16, 12);
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&marker);
        pass.set_bind_group(0, &out_group, &[]);
        pass.dispatch_workgroups_indirect(&args, 16);
    }
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(args.read_back::<u32>().unwrap(), [3, 2, 1, 0, 3, 2, 1, 0]);
    let got: Vec<u32> = out.read_back().unwrap();
    // 3 x 2 workgroups of 4 invocations: 24 values, the rest untouched.
    let mut expected = vec![UNTOUCHED; 64];
    for y in 0..2 {
        for x in 0..3 {
            for l in 0..4 {
                expected[((y * 3 + x) * 4 + l) as usize] = 1000 + y * 10 + x;
            }
        }
    }
    assert_eq!(got, expected);
    assert!(gpu.take_uncaptured().is_empty());
}

const ADD_ONE: &str = "
@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&v)) { v[id.x] = v[id.x] + 1u; }
}
";

#[test]
fn passes_end_explicitly_or_on_drop() {
    let gpu = Gpu::new();
    let p = pipeline(&gpu, ADD_ONE, None);
    let data: Vec<u32> = (0..100).collect();
    let v = storage_u32(&gpu, &data, BufferUsage::None);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "v",
        layout: &p.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &v)],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    // Pass 1: ended by end().
    let mut pass = encoder.begin_compute_pass(&Default::default());
    pass.set_pipeline(&p);
    pass.set_bind_group(0, &group, &[]);
    pass.dispatch_workgroups(2, 1, 1);
    pass.end();
    // Between passes the encoder is usable again.
    encoder.insert_debug_marker("between passes");
    // Pass 2: ended by Drop.
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&p);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(2, 1, 1);
    }
    // Pass 3: dropped with nothing recorded.
    drop(encoder.begin_compute_pass(&Default::default()));
    let commands = gpu
        .device
        .scoped(|_| encoder.finish())
        .expect("every pass was ended");
    gpu.queue.submit(&[commands]);
    assert_eq!(
        v.read_back::<u32>().unwrap(),
        data.iter().map(|x| x + 2).collect::<Vec<_>>()
    );
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn auto_layout_matches_an_explicit_one() {
    // A bind group made from the auto layout of one pipeline cannot be used with another pipeline's auto
    // layout (WebGPU rule), but works with its own.
    let gpu = Gpu::new();
    let a = pipeline(&gpu, ADD_ONE, None);
    let b = pipeline(&gpu, ADD_ONE, None);
    let v = storage_u32(&gpu, &[1, 2, 3, 4], BufferUsage::None);
    let group_a = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "a",
        layout: &a.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &v)],
    });
    let result = gpu.device.scoped(|d| {
        let mut e = d.create_command_encoder(&Default::default());
        {
            let mut pass = e.begin_compute_pass(&Default::default());
            pass.set_pipeline(&b);
            pass.set_bind_group(0, &group_a, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        e.finish()
    });
    assert_eq!(result.unwrap_err().kind(), dawn::ErrorKind::Validation);
    // An index at maxBindGroups (4 by default) is a validation error; below it, an unused group is empty.
    assert!(gpu.device.scoped(|_| a.get_bind_group_layout(3)).is_ok());
    let result = gpu.device.scoped(|_| a.get_bind_group_layout(4));
    assert_eq!(result.unwrap_err().kind(), dawn::ErrorKind::Validation);
    assert_eq!(v.read_back::<u32>().unwrap(), [1, 2, 3, 4]);
    assert!(gpu.take_uncaptured().is_empty());
}
