//! Hello, compute: doubles an array of a million floats on the GPU and checks every element against the
//! CPU.
//!
//! Shows the whole path of a compute job through the safe `dawn` API: instance -> adapter -> device,
//! a storage buffer created with its contents, a WGSL shader checked at creation, a pipeline with an
//! automatic layout, a bind group, one compute pass, submit, and a read-back through a staging buffer.
//! Exits non-zero if any element differs.
//!
//! Run: `cargo run --example hello_compute` (on a machine without a GPU, lavapipe: `./dev.sh setup` first).

use anyhow::{Context, ensure};
use dawn::*;

/// Elements: 4096 workgroups of 256 invocations, one element each.
const N: usize = 1 << 20;
const WORKGROUP_SIZE: usize = 256;

const SHADER: &str = "
@group(0) @binding(0) var<storage, read_write> data: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&data)) {
        data[id.x] = data[id.x] * 2.0;
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
        "adapter: {} ({}, {})",
        info.device, info.description, info.backend_type
    );
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "hello_compute",
            ..Default::default()
        })
        .wait()?;
    let queue = device.queue();

    // Values of both signs, distinct across the array, so that an element read from the wrong index shows.
    // Doubling is exact in f32, so the GPU and the CPU must agree bit for bit.
    let input: Vec<f32> = (0..N)
        .map(|i| ((i * 7919) % N) as f32 - (N / 2) as f32)
        .collect();
    let buffer = device.create_buffer_init(&BufferInitDescriptor {
        label: "data",
        contents: bytemuck::cast_slice(&input),
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
    })?;
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "double",
        code: SHADER,
    })?;

    // Any validation error in the block comes back as the `Err` of `scoped`.
    let output: Vec<f32> = device.scoped(|device| -> Result<Vec<f32>> {
        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "double",
            layout: None,
            module: &module,
            entry_point: Some("main"),
            constants: &[],
        });
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "data",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &buffer)],
        });
        let mut encoder =
            device.create_command_encoder(&CommandEncoderDescriptor { label: "double" });
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups((N / WORKGROUP_SIZE) as u32, 1, 1);
        } // dropping the pass ends it
        queue.submit(&[encoder.finish()]);
        // No MapRead on `buffer`: read_back copies it through a staging buffer and waits.
        buffer.read_back()
    })??;

    ensure!(
        output.len() == N,
        "read back {} of {N} values",
        output.len()
    );
    let wrong: Vec<(usize, f32, f32)> = input
        .iter()
        .zip(&output)
        .enumerate()
        .filter(|(_, (x, y))| (**x * 2.0).to_bits() != y.to_bits())
        .map(|(i, (x, y))| (i, *y, *x * 2.0))
        .collect();
    ensure!(
        wrong.is_empty(),
        "{} of {N} elements differ from the CPU; first (index, gpu, cpu): {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(8)]
    );
    println!(
        "doubled {N} floats on the GPU; all match the CPU: [{}, {}, {}, ..., {}] -> [{}, {}, {}, ..., {}]",
        input[0],
        input[1],
        input[2],
        input[N - 1],
        output[0],
        output[1],
        output[2],
        output[N - 1]
    );
    Ok(())
}
