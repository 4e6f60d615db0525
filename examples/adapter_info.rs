//! The main demo: prints the adapter Dawn finds (name, vendor, backend, type, driver), its limits and its
//! features by name, then runs one compute shader and checks its result against the CPU.
//!
//! Run: `./dev.sh demo` (or `cargo run --example adapter_info` once set up).

use anyhow::{Context, ensure};
use dawn::*;

const N: usize = 1 << 20;

fn main() -> anyhow::Result<()> {
    let instance = Instance::new()?;
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait()
        .context(
            "no WebGPU adapter (is a Vulkan driver installed? ./dev.sh setup installs lavapipe)",
        )?;

    let info = adapter.info()?;
    println!("Adapter");
    println!("  name         {}", info.device);
    println!("  description  {}", info.description);
    println!(
        "  vendor       {} (id {:#06x})",
        info.vendor, info.vendor_id
    );
    println!("  architecture {}", info.architecture);
    println!("  backend      {}", info.backend_type);
    println!("  adapter type {}", info.adapter_type);
    println!(
        "  subgroups    {}..={}",
        info.subgroup_min_size, info.subgroup_max_size
    );

    println!("Limits");
    for (name, value) in adapter.limits().fields() {
        println!("  {name:<42} {value}");
    }

    let features = adapter.features();
    println!("Features ({})", features.len());
    for feature in features.iter() {
        println!("  {feature}");
    }

    // One compute shader: y = 3x + 1 over a million floats, checked element by element.
    let device = adapter
        .request_device(&DeviceDescriptor::default())
        .wait()?;
    let input: Vec<f32> = (0..N).map(|i| (i % 1000) as f32 * 0.5).collect();
    let buffer = device.create_buffer_init(&BufferInitDescriptor {
        label: "data",
        contents: bytemuck::cast_slice(&input),
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
    })?;
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "affine",
        code: "@group(0) @binding(0) var<storage, read_write> v: array<f32>;
               @compute @workgroup_size(256)
               fn main(@builtin(global_invocation_id) id: vec3u) {
                   v[id.x] = 3.0 * v[id.x] + 1.0;
               }",
    })?;
    let output: Vec<f32> = device.scoped(|device| -> Result<Vec<f32>> {
        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "affine",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        });
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "data",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &buffer)],
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups((N / 256) as u32, 1, 1);
        pass.end();
        device.queue().submit(&[encoder.finish()]);
        buffer.read_back()
    })??;

    let wrong = input
        .iter()
        .zip(&output)
        .filter(|(x, y)| 3.0 * **x + 1.0 != **y)
        .count();
    ensure!(wrong == 0, "{wrong} of {N} results differ from the CPU");
    println!(
        "Compute: y = 3x + 1 over {N} floats on the GPU matches the CPU ({} .. {})",
        output[0],
        output[N - 1]
    );
    Ok(())
}
