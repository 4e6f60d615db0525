//! A frame loop on `dawn::memory`: persistent state lives in a `Heap`, each frame's temporaries in a
//! `FrameArena` that is reset after the frame's work is submitted. Each frame runs a kernel over both
//! (a heap slice and a frame slice of different pages, two frame slices of one page), checks its output
//! against the same steps on the CPU, and prints the allocators' stats.
//!
//! Run: `cargo run --example arena`

use anyhow::ensure;
use dawn::memory::{FrameArena, Heap, Slice, bind_group, storage_layout};
use dawn::*;

const N: usize = 4096;
const FRAMES: u32 = 8;
const DT: f32 = 0.125;

/// One step of a particle system: kick the velocities with this frame's impulses, move, report energies.
const STEP: &str = "
@group(0) @binding(0) var<storage, read_write> position: array<f32>;
@group(0) @binding(1) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(2) var<storage, read_write> impulse: array<f32>;
@group(0) @binding(3) var<storage, read_write> energy: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    let i = id.x;
    if (i >= arrayLength(&position)) { return; }
    let v = velocity[i] + impulse[i];
    velocity[i] = v;
    position[i] = position[i] + v * 0.125;
    energy[i] = 0.5 * v * v;
}
";

/// This frame's impulse for particle `i` (small exact binary fractions, so CPU and GPU agree exactly).
fn impulse(frame: u32, i: usize) -> f32 {
    ((i as u32 * 7 + frame * 13) % 17) as f32 / 16.0 - 0.5
}

fn main() -> anyhow::Result<()> {
    let instance = Instance::new()?;
    let adapter = instance.request_adapter(&Default::default()).wait()?;
    let device = adapter.request_device(&Default::default()).wait()?;
    let queue = device.queue();

    let heap = Heap::new(&device, &Default::default())?;
    let frame = FrameArena::new(&device, 0)?;
    let layout = storage_layout(&device, "step", 4);
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "step",
        code: STEP,
    })?;
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "step",
        layout: Some(&device.create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "step",
            bind_group_layouts: std::slice::from_ref(&layout),
            immediate_size: 0,
        })),
        module: &module,
        entry_point: None,
        constants: &[],
    });

    // Persistent state, on the heap.
    let mut position: Vec<f32> = (0..N).map(|i| i as f32 / 8.0).collect();
    let mut velocity = vec![0.25f32; N];
    let gpu_position: Slice<f32> = heap.alloc(N)?;
    let gpu_velocity: Slice<f32> = heap.alloc(N)?;
    gpu_position.write(&position, 0, false)?;
    gpu_velocity.write(&velocity, 0, false)?;

    for f in 0..FRAMES {
        // This frame's temporaries: dead after the reset below.
        let impulses: Vec<f32> = (0..N).map(|i| impulse(f, i)).collect();
        let gpu_impulse: Slice<f32> = frame.alloc(N)?;
        let gpu_energy: Slice<f32> = frame.alloc(N)?;
        gpu_impulse.write(&impulses, 0, false)?;
        let group = bind_group(
            &device,
            "step",
            &layout,
            &[&gpu_position, &gpu_velocity, &gpu_impulse, &gpu_energy],
        )?;
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(N.div_ceil(64) as u32, 1, 1);
        }
        queue.submit(&[encoder.finish()]);
        let energy = gpu_energy.read().wait()?;

        // The same step on the CPU.
        let mut expected = vec![0f32; N];
        for i in 0..N {
            velocity[i] += impulses[i];
            position[i] += velocity[i] * DT;
            expected[i] = 0.5 * velocity[i] * velocity[i];
        }
        ensure!(
            energy == expected,
            "frame {f}: the kernel's energies differ"
        );
        let total: f32 = energy.iter().sum();
        println!(
            "frame {f} (epoch {}): total energy {total:.3}\n  heap:  {}\n  frame: {}",
            frame.epoch(),
            heap.stats(),
            frame.stats()
        );
        frame.reset();
        ensure!(!gpu_energy.is_alive(), "frame slices die at reset");
    }
    ensure!(gpu_position.read().wait()? == position, "positions differ");
    println!("{FRAMES} frames checked against the CPU");
    Ok(())
}
