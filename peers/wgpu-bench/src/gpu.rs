//! The `wgpu` device every section shares (Vulkan backend, the adapter's limits), and the helpers the
//! sections use to set up and check their work (untimed), as `examples/bench/gpu.rs` does for Dawn.

use crate::harness::Machine;
use crate::reference::{WORKGROUP, grid};
use anyhow::{Context, Result, bail, ensure};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

pub const FILL_WGSL: &str = include_str!("../../../examples/bench/wgsl/fill.wgsl");

/// A wait for the GPU fails instead of hanging after this long.
const WAIT_LIMIT: Duration = Duration::from_secs(120);

pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub machine: Machine,
    errors: Arc<AtomicUsize>,
    fill: wgpu::ComputePipeline,
}

impl Gpu {
    pub fn new() -> Result<Gpu> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::VULKAN,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let adapter = pollster::block_on(instance.request_adapter(&Default::default()))
            .context("no Vulkan adapter for wgpu")?;
        let info = adapter.get_info();
        let (device, queue) =
            pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
                label: Some("bench"),
                required_limits: adapter.limits(),
                ..Default::default()
            }))?;
        let errors = Arc::new(AtomicUsize::new(0));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            eprintln!("uncaptured error: {e}");
            sink.fetch_add(1, Ordering::Relaxed);
        }));
        let fill = pipeline(&device, "fill", FILL_WGSL);
        let machine = Machine {
            adapter: info.name.clone(),
            driver: format!(
                "{} {}, {:?} {:?}",
                info.driver, info.driver_info, info.backend, info.device_type
            ),
            host: Machine::host_cpu(),
        };
        Ok(Gpu {
            device,
            queue,
            machine,
            errors,
            fill,
        })
    }

    pub fn check_errors(&self) -> Result<()> {
        let errors = self.errors.load(Ordering::Relaxed);
        ensure!(errors == 0, "{errors} uncaptured wgpu errors");
        Ok(())
    }

    pub fn pipeline(&self, label: &str, code: &str) -> wgpu::ComputePipeline {
        pipeline(&self.device, label, code)
    }

    pub fn buffer(&self, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage,
            mapped_at_creation: false,
        })
    }

    pub fn storage(&self, label: &str, size: u64) -> wgpu::Buffer {
        use wgpu::BufferUsages as U;
        self.buffer(label, size, U::STORAGE | U::COPY_SRC | U::COPY_DST)
    }

    pub fn uniform(&self, words: &[u32]) -> wgpu::Buffer {
        use wgpu::util::DeviceExt;
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: bytemuck::cast_slice(words),
                usage: wgpu::BufferUsages::UNIFORM,
            })
    }

    pub fn group(
        &self,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[&wgpu::Buffer],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("bench"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }

    /// Records `count` dispatches of `groups` workgroups in one pass and submits.
    pub fn dispatch(
        &self,
        pipeline: &wgpu::ComputePipeline,
        group: &wgpu::BindGroup,
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
        self.queue.submit([encoder.finish()]);
    }

    /// Waits for everything submitted so far (and runs the callbacks that are due).
    pub fn wait(&self) -> Result<()> {
        self.device.poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: Some(WAIT_LIMIT),
        })?;
        Ok(())
    }

    /// Maps the whole buffer and waits for the map.
    pub fn map(
        &self,
        buffer: &wgpu::Buffer,
        mode: wgpu::MapMode,
        status: &Arc<AtomicU8>,
    ) -> Result<()> {
        const PENDING: u8 = 0;
        const MAPPED: u8 = 1;
        const FAILED: u8 = 2;
        status.store(PENDING, Ordering::Relaxed);
        let sink = status.clone();
        buffer.map_async(mode, .., move |result| {
            sink.store(
                if result.is_ok() { MAPPED } else { FAILED },
                Ordering::Release,
            )
        });
        self.wait()?;
        match status.load(Ordering::Acquire) {
            MAPPED => Ok(()),
            FAILED => bail!("wgpu: the map failed"),
            _ => bail!("wgpu: the map did not complete in the wait"),
        }
    }

    pub fn fill(&self, buffer: &wgpu::Buffer, salt: u32) -> Result<()> {
        let count = u32::try_from(buffer.size() / 4).context("fill: over 2^32 elements")?;
        let params = self.uniform(&[salt, count]);
        let group = self.group(&self.fill, &[buffer, &params]);
        self.dispatch(
            &self.fill,
            &group,
            grid((count as u64).div_ceil(WORKGROUP as u64)),
            1,
        );
        self.wait()
    }

    pub fn clear(&self, buffer: &wgpu::Buffer) -> Result<()> {
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(buffer, 0, None);
        self.queue.submit([encoder.finish()]);
        self.wait()
    }

    /// The 32-bit words of `buffer` at word `indices`.
    pub fn words_at(&self, buffer: &wgpu::Buffer, indices: &[u64]) -> Result<Vec<u32>> {
        use wgpu::BufferUsages as U;
        let staging = self.buffer(
            "samples",
            4 * indices.len() as u64,
            U::MAP_READ | U::COPY_DST,
        );
        let mut encoder = self.device.create_command_encoder(&Default::default());
        for (slot, &i) in indices.iter().enumerate() {
            encoder.copy_buffer_to_buffer(buffer, 4 * i, &staging, 4 * slot as u64, 4);
        }
        self.queue.submit([encoder.finish()]);
        self.map(&staging, wgpu::MapMode::Read, &Arc::new(AtomicU8::new(0)))?;
        let words = bytemuck::cast_slice::<u8, u32>(&staging.get_mapped_range(..)?).to_vec();
        staging.unmap();
        Ok(words)
    }

    pub fn floats_at(&self, buffer: &wgpu::Buffer, indices: &[u64]) -> Result<Vec<f32>> {
        Ok(self
            .words_at(buffer, indices)?
            .into_iter()
            .map(f32::from_bits)
            .collect())
    }
}

fn pipeline(device: &wgpu::Device, label: &str, code: &str) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(code.into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: None,
        compilation_options: Default::default(),
        cache: None,
    })
}
