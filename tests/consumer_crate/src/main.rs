//! The program of tests/consumer_crate.rs: a user's crate computing y = 2x + 1 on the GPU with `dawn`,
//! checked against the CPU. Exits 3 (no panic) when Dawn is unavailable.

use dawn::*;

const SHADER: &str = "
@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&v)) { v[id.x] = 2.0 * v[id.x] + 1.0; }
}";

fn main() -> Result<()> {
    let instance = match Instance::new() {
        Err(e) if e.kind() == ErrorKind::Unavailable => {
            eprintln!("unavailable: {}", e.message());
            std::process::exit(3);
        }
        other => other?,
    };
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait()?;
    let device = adapter
        .request_device(&DeviceDescriptor::default())
        .wait()?;
    let x: Vec<f32> = (0..4096).map(|i| i as f32 * 0.25 - 300.0).collect();
    let data = device.create_buffer_init(&BufferInitDescriptor {
        label: "x",
        contents: bytemuck::cast_slice(&x),
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
    })?;
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "2x + 1",
        code: SHADER,
    })?;
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "2x + 1",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    });
    let group = device.create_bind_group(&BindGroupDescriptor {
        label: "x",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &data)],
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    let mut pass = encoder.begin_compute_pass(&Default::default());
    pass.set_pipeline(&pipeline);
    pass.set_bind_group(0, &group, &[]);
    pass.dispatch_workgroups(x.len() as u32 / 64, 1, 1);
    pass.end();
    device.queue().submit(&[encoder.finish()]);

    let y: Vec<f32> = data.read_back()?;
    let wrong = x
        .iter()
        .zip(&y)
        .filter(|(x, y)| (2.0 * **x + 1.0).to_bits() != y.to_bits())
        .count();
    assert_eq!(
        wrong,
        0,
        "{wrong} of {} elements differ from the CPU",
        x.len()
    );
    println!("library: {}", dawn_sys::DAWN_LIBRARY_PATH);
    println!("y = 2x + 1 matches the CPU on {} elements", y.len());
    Ok(())
}
