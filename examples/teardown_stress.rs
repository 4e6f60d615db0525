//! Stress of Dawn teardown from many threads (RELIABILITY.md: the hang on NVIDIA's driver): each worker
//! thread creates an instance, adapter and device, runs a kernel, and drops everything, several times over.
//!
//! Run: `cargo run --release --example teardown_stress -- VARIANT [--threads N] [--rounds N]`, where VARIANT is
//! `exit` (workers end as soon as they are done), `park` (workers stay alive until the process exits),
//! `serial` (drops of devices and instances one at a time, process-wide), `shared` (one instance for all
//! workers, never dropped) or `reaper` (devices and instances dropped by one long-lived thread). It prints
//! `done` and exits 0; a hang is the caller's timeout.

use anyhow::{Context, bail};
use dawn::*;
use std::sync::{Arc, Mutex, mpsc};

const SHADER: &str = "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) { v[id.x] = v[id.x] * 3u + 1u; }";

/// One round on this thread: a device, a dispatch checked against the CPU, and the objects to drop.
fn round(instance: &Instance) -> anyhow::Result<(Device, Adapter)> {
    let adapter = instance
        .request_adapter(&Default::default())
        .wait()
        .context("adapter")?;
    let device = adapter.request_device(&Default::default()).wait()?;
    let data: Vec<u32> = (0..256).collect();
    let buffer = device.create_buffer_init(&BufferInitDescriptor {
        label: "v",
        contents: bytemuck::cast_slice(&data),
        usage: BufferUsage::Storage | BufferUsage::CopySrc,
    })?;
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "k",
        code: SHADER,
    })?;
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "k",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    });
    let group = device.create_bind_group(&BindGroupDescriptor {
        label: "v",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &buffer)],
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(4, 1, 1);
    }
    device.queue().submit(&[encoder.finish()]);
    let out: Vec<u32> = buffer.read_back()?;
    if out.iter().zip(&data).any(|(o, d)| *o != d * 3 + 1) {
        bail!("wrong kernel result");
    }
    Ok((device, adapter))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let variant = args
        .next()
        .context("a variant: exit, park, serial, shared, reaper")?;
    let (mut threads, mut rounds) = (8usize, 6usize);
    while let Some(arg) = args.next() {
        let value: usize = args.next().context("a number")?.parse()?;
        match arg.as_str() {
            "--threads" => threads = value,
            "--rounds" => rounds = value,
            other => bail!("unknown argument {other}"),
        }
    }
    static SERIAL: Mutex<()> = Mutex::new(());
    let shared = Instance::new()?;
    let (reaper_tx, reaper_rx) = mpsc::channel::<(Device, Adapter, Option<Instance>)>();
    std::thread::spawn(move || {
        for objects in reaper_rx {
            drop(objects);
        }
        std::thread::park();
    });
    let (done_tx, done_rx) = mpsc::channel::<anyhow::Result<()>>();
    let variant = Arc::new(variant);
    for _ in 0..threads {
        let (variant, shared, reaper, done) = (
            variant.clone(),
            shared.clone(),
            reaper_tx.clone(),
            done_tx.clone(),
        );
        std::thread::spawn(move || {
            let result = (|| -> anyhow::Result<()> {
                for _ in 0..rounds {
                    let instance = match variant.as_str() {
                        "shared" => shared.clone(),
                        _ => Instance::new()?,
                    };
                    let (device, adapter) = round(&instance)?;
                    match variant.as_str() {
                        "serial" => {
                            let _one = SERIAL.lock().unwrap();
                            drop((device, adapter, instance));
                        }
                        "reaper" => reaper.send((device, adapter, Some(instance)))?,
                        _ => drop((device, adapter, instance)),
                    }
                }
                Ok(())
            })();
            let _ = done.send(result);
            drop(done);
            if variant.as_str() == "park" {
                std::thread::park();
            }
        });
    }
    drop(done_tx);
    for result in done_rx {
        result?;
    }
    println!("done");
    // Leave at once: parked workers stay parked.
    std::process::exit(0)
}
