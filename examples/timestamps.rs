//! GPU time per compute pass with a timestamp query set.
//!
//! Runs a vec4 copy kernel (`dst = src + 1`) over several sizes, three passes each (after one untimed
//! warm-up pass), all in one command buffer; each pass writes its start and end timestamps into a query set, which is resolved into a
//! buffer and read back. Prints the GPU time of every pass in nanoseconds and the bandwidth it reached
//! (bytes read plus bytes written, over the pass's time). Small sizes fit in the GPU's cache on a real
//! GPU, so their repeated passes read faster than memory.
//!
//! Needs the `TimestampQuery` feature (Dawn exposes it on Vulkan, lavapipe included); the device turns off
//! Dawn's `timestamp_quantization` toggle by default, so short passes do not read as 0. Checks the
//! copied data against the CPU and that every pass has a positive duration; exits non-zero otherwise.
//!
//! Run: `cargo run --release --example timestamps`.

use anyhow::{Context, bail, ensure};
use dawn::*;

/// Buffer sizes (bytes) of the passes, largest last; sizes over the device's limits are skipped.
const SIZES: [u64; 4] = [1 << 20, 16 << 20, 64 << 20, 256 << 20];
/// Passes per size.
const REPEATS: usize = 3;
const WORKGROUP_SIZE: u64 = 256;
/// Workgroups per row of the 2D grid (a dimension holds at most 65,535).
const GRID_X: u64 = 32_768;

const SHADER: &str = "
@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
    let i = id.y * groups.x * 256u + id.x;
    if (i < arrayLength(&dst)) {
        dst[i] = src[i] + vec4f(1.0);
    }
}
";

fn main() -> anyhow::Result<()> {
    let instance = Instance::new()?;
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait()
        .context(
            "no WebGPU adapter (is a Vulkan driver installed? ./dev.sh setup installs lavapipe)",
        )?;
    let info = adapter.info()?;
    println!(
        "adapter: {} ({}, {}, {})",
        info.device, info.description, info.backend_type, info.adapter_type
    );
    if !adapter.has_feature(FeatureName::TimestampQuery) {
        bail!("the adapter does not offer TimestampQuery");
    }
    // The adapter's limits, for buffers and bindings larger than WebGPU's defaults.
    let limits = adapter.limits();
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "timestamps",
            required_features: &[FeatureName::TimestampQuery],
            required_limits: Some(&limits),
            ..Default::default()
        })
        .wait()?;
    let queue = device.queue();

    let max = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    let sizes: Vec<u64> = SIZES.iter().copied().filter(|&s| s <= max).collect();
    ensure!(!sizes.is_empty(), "the device binds at most {max} bytes");
    let largest = *sizes.last().expect("not empty");
    let floats = (largest / 4) as usize;

    let input: Vec<f32> = (0..floats)
        .map(|i| (i % 65_521) as f32 - 32_000.0)
        .collect();
    let src = device.create_buffer_init(&BufferInitDescriptor {
        label: "src",
        contents: bytemuck::cast_slice(&input),
        usage: BufferUsage::Storage,
    })?;
    drop(input);
    let dst = device.create_buffer(&BufferDescriptor {
        label: "dst",
        size: largest,
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
        mapped_at_creation: false,
    })?;
    let passes = sizes.len() * REPEATS;
    let queries = device.create_query_set(&QuerySetDescriptor {
        label: "pass times",
        ty: QueryType::Timestamp,
        count: 2 * passes as u32,
    });
    let resolved = device.create_buffer(&BufferDescriptor {
        label: "resolved timestamps",
        size: 16 * passes as u64,
        usage: BufferUsage::QueryResolve | BufferUsage::CopySrc,
        mapped_at_creation: false,
    })?;

    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "copy",
        code: SHADER,
    })?;
    let stamps: Vec<u64> = device.scoped(|device| -> Result<Vec<u64>> {
        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "copy",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        });
        let layout = pipeline.get_bind_group_layout(0);
        let mut encoder = device.create_command_encoder(&Default::default());
        let mut first_pass = true;
        for (s, &bytes) in sizes.iter().enumerate() {
            // Bind the first `bytes` of each buffer: the shader's arrayLength sees that size.
            let binding = |buffer| {
                BindingResource::Buffer(BufferBinding {
                    buffer,
                    offset: 0,
                    size: Some(bytes),
                })
            };
            let group = device.create_bind_group(&BindGroupDescriptor {
                label: "copy",
                layout: &layout,
                entries: &[
                    BindGroupEntry {
                        binding: 0,
                        resource: binding(&src),
                    },
                    BindGroupEntry {
                        binding: 1,
                        resource: binding(&dst),
                    },
                ],
            });
            let workgroups = (bytes / 16).div_ceil(WORKGROUP_SIZE);
            let (x, y) = if workgroups <= GRID_X {
                (workgroups, 1)
            } else {
                (GRID_X, workgroups.div_ceil(GRID_X))
            };
            if first_pass {
                // One untimed pass first: the first dispatch of a pipeline pays one-time costs (lavapipe
                // compiles the shader then).
                first_pass = false;
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                pass.dispatch_workgroups(x as u32, y as u32, 1);
                pass.end();
            }
            for r in 0..REPEATS {
                let pass_index = (s * REPEATS + r) as u32;
                let mut pass = encoder.begin_compute_pass(&ComputePassDescriptor {
                    label: "copy",
                    timestamp_writes: Some(PassTimestampWrites {
                        query_set: &queries,
                        beginning_of_pass_write_index: Some(2 * pass_index),
                        end_of_pass_write_index: Some(2 * pass_index + 1),
                    }),
                });
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                pass.dispatch_workgroups(x as u32, y as u32, 1);
                pass.end();
            }
        }
        encoder.resolve_query_set(&queries, 0, 2 * passes as u32, &resolved, 0);
        queue.submit(&[encoder.finish()]);
        resolved.read_back()
    })??;

    println!(
        "{:>10} {:>5} {:>14} {:>10}",
        "size", "pass", "GPU time (ns)", "GB/s"
    );
    let mut zero = Vec::new();
    for (s, &bytes) in sizes.iter().enumerate() {
        for r in 0..REPEATS {
            let i = s * REPEATS + r;
            let (begin, end) = (stamps[2 * i], stamps[2 * i + 1]);
            let ns = end.saturating_sub(begin);
            if ns == 0 {
                zero.push((bytes, r, begin, end));
            }
            // Read `bytes` and write `bytes`: bytes per nanosecond is GB/s.
            let gbps = if ns > 0 {
                2.0 * bytes as f64 / ns as f64
            } else {
                f64::NAN
            };
            println!(
                "{:>7} MiB {:>5} {:>14} {:>10.1}",
                bytes >> 20,
                r + 1,
                ns,
                gbps
            );
        }
    }

    // The data: every element of the largest range is src + 1.
    let output: Vec<f32> = dst.read_back()?;
    let wrong = output
        .iter()
        .enumerate()
        .filter(|&(i, y)| *y != (i % 65_521) as f32 - 32_000.0 + 1.0)
        .count();
    ensure!(
        wrong == 0,
        "{wrong} of {floats} copied elements differ from the CPU"
    );
    ensure!(
        zero.is_empty(),
        "passes with no positive duration (size, repeat, begin, end): {zero:?}"
    );
    println!("{passes} passes timed; the {floats} copied floats match the CPU",);
    Ok(())
}
