//! The device every section shares, made through this crate, and the helpers sections use to set up
//! and check their work (untimed). The raw side borrows its handles (`raw.rs`).

use crate::harness::Machine;
use crate::raw::Raw;
use crate::reference::{WORKGROUP, grid};
use anyhow::{Context, Result, ensure};
use dawn::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FILL_WGSL: &str = include_str!("wgsl/fill.wgsl");

/// The instance, device and queue, with the adapter's limits, and a count of uncaptured errors.
pub struct Gpu {
    pub instance: Instance,
    pub device: Device,
    pub queue: Queue,
    pub machine: Machine,
    errors: Arc<AtomicUsize>,
    fill: ComputePipeline,
}

impl Gpu {
    pub fn new() -> Result<Gpu> {
        let instance = Instance::new()?;
        let adapter = instance
            .request_adapter(&RequestAdapterOptions::default())
            .wait()
            .context("no WebGPU adapter (is a Vulkan driver installed? ./dev.sh setup installs lavapipe)")?;
        let info = adapter.info()?;
        let limits = adapter.limits();
        let errors = Arc::new(AtomicUsize::new(0));
        let sink = errors.clone();
        let device = adapter
            .request_device(&DeviceDescriptor {
                label: "bench",
                required_limits: Some(&limits),
                on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                    eprintln!("uncaptured error: {e}");
                    sink.fetch_add(1, Ordering::Relaxed);
                })),
                ..Default::default()
            })
            .wait()?;
        let queue = device.queue();
        let fill = pipeline(&device, "fill", FILL_WGSL)?;
        let machine = Machine {
            adapter: info.device.clone(),
            driver: format!(
                "{} ({}), {} {}",
                info.description, info.architecture, info.backend_type, info.adapter_type
            ),
            host: Machine::host_cpu(),
        };
        Ok(Gpu {
            instance,
            device,
            queue,
            machine,
            errors,
            fill,
        })
    }

    /// The same objects as raw handles, for the raw side.
    pub fn raw(&self) -> Raw {
        Raw {
            instance: self.instance.as_raw(),
            // SAFETY: the bench never destroys or loses the device.
            device: unsafe { self.device.as_raw() },
            queue: self.queue.as_raw(),
        }
    }

    /// Fails if Dawn reported an error no scope caught.
    pub fn check_errors(&self) -> Result<()> {
        let errors = self.errors.load(Ordering::Relaxed);
        ensure!(errors == 0, "{errors} uncaptured Dawn errors");
        Ok(())
    }

    pub fn pipeline(&self, label: &str, code: &str) -> Result<ComputePipeline> {
        pipeline(&self.device, label, code)
    }

    pub fn buffer(&self, label: &str, size: u64, usage: BufferUsage) -> Result<Buffer> {
        Ok(self.device.create_buffer(&BufferDescriptor {
            label,
            size,
            usage,
            mapped_at_creation: false,
        })?)
    }

    /// A storage buffer of `size` bytes that kernels read and write and copies reach.
    pub fn storage(&self, label: &str, size: u64) -> Result<Buffer> {
        self.buffer(
            label,
            size,
            BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
        )
    }

    pub fn uniform(&self, words: &[u32]) -> Result<Buffer> {
        Ok(self.device.create_buffer_init(&BufferInitDescriptor {
            label: "params",
            contents: bytemuck::cast_slice(words),
            usage: BufferUsage::Uniform,
        })?)
    }

    /// A bind group of `buffers` at bindings 0, 1, ... of the pipeline's group 0.
    pub fn group(&self, pipeline: &ComputePipeline, buffers: &[&Buffer]) -> Result<BindGroup> {
        let entries: Vec<BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| BindGroupEntry::buffer(i as u32, b))
            .collect();
        Ok(self
            .device
            .create_bind_group_checked(&BindGroupDescriptor {
                label: "bench",
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            })?)
    }

    /// Records `count` dispatches of `groups` workgroups (a 2D grid when needed) in one pass and submits.
    pub fn dispatch(
        &self,
        pipeline: &ComputePipeline,
        group: &BindGroup,
        groups: (u32, u32),
        count: usize,
    ) {
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            for _ in 0..count {
                pass.dispatch_workgroups(groups.0, groups.1, 1);
            }
        }
        self.queue.submit(&[encoder.finish()]);
    }

    /// Waits for everything submitted so far.
    pub fn wait(&self) -> Result<()> {
        Ok(self.queue.on_submitted_work_done().wait()?)
    }

    /// Fills the f32 buffer with `reference::value(i, salt)` (`wgsl/fill.wgsl`) and waits.
    pub fn fill(&self, buffer: &Buffer, salt: u32) -> Result<()> {
        let count = u32::try_from(buffer.size() / 4).context("fill: over 2^32 elements")?;
        let params = self.uniform(&[salt, count])?;
        let group = self.group(&self.fill, &[buffer, &params])?;
        let groups = grid((count as u64).div_ceil(WORKGROUP as u64));
        self.dispatch(&self.fill, &group, groups, 1);
        self.wait()
    }

    /// Zeroes the buffer and waits (so that a check cannot read what an earlier run left).
    pub fn clear(&self, buffer: &Buffer) -> Result<()> {
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(buffer, 0, None);
        self.queue.submit(&[encoder.finish()]);
        self.wait()
    }

    /// The 32-bit words of `buffer` (which has `CopySrc`) at word `indices`.
    pub fn words_at(&self, buffer: &Buffer, indices: &[u64]) -> Result<Vec<u32>> {
        let staging = self.buffer(
            "samples",
            4 * indices.len() as u64,
            BufferUsage::MapRead | BufferUsage::CopyDst,
        )?;
        let mut encoder = self.device.create_command_encoder(&Default::default());
        for (slot, &i) in indices.iter().enumerate() {
            encoder.copy_buffer_to_buffer(buffer, 4 * i, &staging, 4 * slot as u64, 4);
        }
        self.queue.submit(&[encoder.finish()]);
        Ok(staging.read_back()?)
    }

    /// The f32 elements of `buffer` at `indices`.
    pub fn floats_at(&self, buffer: &Buffer, indices: &[u64]) -> Result<Vec<f32>> {
        Ok(self
            .words_at(buffer, indices)?
            .into_iter()
            .map(f32::from_bits)
            .collect())
    }
}

fn pipeline(device: &Device, label: &str, code: &str) -> Result<ComputePipeline> {
    let module = device.create_shader_module_checked(&ShaderModuleDescriptor { label, code })?;
    Ok(
        device.create_compute_pipeline_checked(&ComputePipelineDescriptor {
            label,
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        })?,
    )
}
