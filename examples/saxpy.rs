//! SAXPY, `y = a * x + y`, over four million floats, with `a` (and the length) in a uniform buffer.
//!
//! Shows an explicit bind group layout (uniform + read-only storage + read-write storage) and pipeline
//! layout instead of the automatic one, `Queue::write_buffer` to update the uniform between two
//! submissions, and a check of every element against the CPU (computed in f64; the GPU may fuse the
//! multiply-add, so each element must be within a few f32 rounding steps). Exits non-zero on a mismatch.
//!
//! Run: `cargo run --example saxpy` (or `--release`).

use anyhow::{Context, ensure};
use dawn::*;

const N: usize = 4 << 20;
const WORKGROUP_SIZE: usize = 256;

const SHADER: &str = "
struct Params {
    a: f32,
    n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn saxpy(@builtin(global_invocation_id) id: vec3u) {
    let i = id.x;
    if (i < params.n) {
        y[i] = params.a * x[i] + y[i];
    }
}
";

/// The uniform block, laid out as WGSL's `Params` (padded to 16 bytes).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    a: f32,
    n: u32,
    _pad: [u32; 2],
}

/// A small deterministic generator (xorshift32) of floats in [-1, 1).
struct Rng(u32);

impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

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
            label: "saxpy",
            ..Default::default()
        })
        .wait()?;
    let queue = device.queue();

    let mut rng = Rng(0x2545_F491);
    let x: Vec<f32> = (0..N).map(|_| rng.next_f32()).collect();
    let y0: Vec<f32> = (0..N).map(|_| rng.next_f32()).collect();
    let (a1, a2) = (2.5f32, -0.75f32);

    let params = device.create_buffer(&BufferDescriptor {
        label: "params",
        size: size_of::<Params>() as u64,
        usage: BufferUsage::Uniform | BufferUsage::CopyDst,
        mapped_at_creation: false,
    })?;
    let x_buffer = device.create_buffer_init(&BufferInitDescriptor {
        label: "x",
        contents: bytemuck::cast_slice(&x),
        usage: BufferUsage::Storage,
    })?;
    let y_buffer = device.create_buffer_init(&BufferInitDescriptor {
        label: "y",
        contents: bytemuck::cast_slice(&y0),
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
    })?;

    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "saxpy",
        code: SHADER,
    })?;
    let (y1, y2) = device.scoped(|device| -> Result<(Vec<f32>, Vec<f32>)> {
        let layout = device.create_bind_group_layout(&BindGroupLayoutDescriptor {
            label: "saxpy",
            entries: &[
                BindGroupLayoutEntry::uniform(0),
                BindGroupLayoutEntry::storage(1, true),
                BindGroupLayoutEntry::storage(2, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&PipelineLayoutDescriptor {
            label: "saxpy",
            bind_group_layouts: std::slice::from_ref(&layout),
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "saxpy",
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("saxpy"),
            constants: &[],
        });
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "saxpy",
            layout: &layout,
            entries: &[
                BindGroupEntry::buffer(0, &params),
                BindGroupEntry::buffer(1, &x_buffer),
                BindGroupEntry::buffer(2, &y_buffer),
            ],
        });
        let run = |a: f32| -> Result<Vec<f32>> {
            // The write lands before the submission that follows it on the same queue.
            queue.write_buffer(
                &params,
                0,
                &[Params {
                    a,
                    n: N as u32,
                    _pad: [0; 2],
                }],
            )?;
            let mut encoder = device.create_command_encoder(&Default::default());
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(N.div_ceil(WORKGROUP_SIZE) as u32, 1, 1);
            pass.end();
            queue.submit(&[encoder.finish()]);
            y_buffer.read_back()
        };
        Ok((run(a1)?, run(a2)?))
    })??;

    // Each step against the CPU in f64, from the GPU's own previous step: one f32 multiply and add, fused
    // or not, is within two roundings of the exact value.
    let check = |step: &str, a: f32, y_in: &[f32], y_out: &[f32]| -> anyhow::Result<()> {
        ensure!(
            y_out.len() == N,
            "{step}: read back {} of {N} values",
            y_out.len()
        );
        let mut wrong = Vec::new();
        for i in 0..N {
            let exact = a as f64 * x[i] as f64 + y_in[i] as f64;
            let bound =
                4.0 * f32::EPSILON as f64 * ((a * x[i]).abs() as f64 + y_in[i].abs() as f64);
            let got = y_out[i] as f64;
            if got.is_nan() || (got - exact).abs() > bound {
                wrong.push((i, y_out[i], exact));
            }
        }
        ensure!(
            wrong.is_empty(),
            "{step}: {} of {N} elements differ from the CPU; first (index, gpu, cpu): {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(8)]
        );
        println!(
            "{step}: y = {a} * x + y over {N} floats matches the CPU (y[0]: {} -> {}, y[{}]: {} -> {})",
            y_in[0],
            y_out[0],
            N - 1,
            y_in[N - 1],
            y_out[N - 1]
        );
        Ok(())
    };
    check("pass 1", a1, &y0, &y1)?;
    check("pass 2", a2, &y1, &y2)?;
    Ok(())
}
