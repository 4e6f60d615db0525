//! Section `create`: object creation rates.
//!
//! - pipeline_cold: a shader module and a compute pipeline (automatic layout) from the 200-line
//!   `wgsl/pipeline200.wgsl`, each with a seed of its own so that no cache serves it; the last pipeline
//!   of every repeat runs and its output is compared with the CPU.
//! - buffer_create: 4 KiB storage buffers, created [`BUFFERS_ALIVE`] at a time and then released; the
//!   last buffer of every repeat is written and read back.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::raw::{self, Raw};
use crate::reference::{PIPELINE200_OUTPUTS, check_pipeline200, pipeline200_source};
use crate::spec::{self, BUFFER_SIZE, BUFFERS_ALIVE, Config, fresh_seed};
use anyhow::{Context, Result, ensure};
use dawn::dawn_sys as sys;
use dawn::*;
use std::cell::Cell;
use std::time::{Duration, Instant};

const PIPELINE200_WGSL: &str = include_str!("wgsl/pipeline200.wgsl");

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let workload = spec::pipeline_cold();
    if config.wants(&workload.id) {
        rows.extend(pipelines(gpu, config, &workload)?);
    }
    let workload = spec::buffer_create();
    if config.wants(&workload.id) {
        rows.extend(buffers(gpu, config, &workload)?);
    }
    Ok(rows)
}

/// `n` fresh seeds and their sources, made before the timing starts.
fn sources(counter: &Cell<u32>, n: usize) -> Vec<(u32, String)> {
    (0..n)
        .map(|_| {
            let mut c = counter.get();
            let seed = fresh_seed(&mut c);
            counter.set(c);
            (seed, pipeline200_source(PIPELINE200_WGSL, seed))
        })
        .collect()
}

fn pipelines(gpu: &Gpu, config: &Config, workload: &crate::harness::Workload) -> Result<Vec<Row>> {
    let seeds = Cell::new(0u32);
    let out = gpu.storage("pipeline200 out", 4 * PIPELINE200_OUTPUTS as u64)?;
    let r = gpu.raw();
    let sides: Vec<(&str, Side<'_>)> = vec![
        (
            "dawn",
            Box::new(|n| {
                let work = sources(&seeds, n);
                let (elapsed, last) = gpu.device.scoped(|device| {
                    let start = Instant::now();
                    let mut last = None;
                    for (seed, code) in &work {
                        let module = device.create_shader_module(&ShaderModuleDescriptor {
                            label: "pipeline200",
                            code,
                        });
                        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
                            label: "pipeline200",
                            layout: None,
                            module: &module,
                            entry_point: None,
                            constants: &[],
                        });
                        last = Some((*seed, pipeline));
                    }
                    (start.elapsed(), last)
                })?;
                let (seed, pipeline) = last.context("no pipeline made")?;
                gpu.clear(&out)?;
                let group = gpu.group(&pipeline, &[&out])?;
                gpu.dispatch(&pipeline, &group, ((PIPELINE200_OUTPUTS / 64) as u32, 1), 1);
                check_pipeline200(seed, &out.read_back::<u32>()?)?;
                Ok(elapsed)
            }),
        ),
        (
            "raw",
            Box::new(|n| {
                let work = sources(&seeds, n);
                let start = Instant::now();
                let mut last: Option<(u32, sys::WGPUComputePipeline)> = None;
                for (seed, code) in &work {
                    // SAFETY: live device; the descriptors live across the calls; each object is released once.
                    unsafe {
                        let pipeline = raw_pipeline(r, code);
                        if let Some((_, previous)) = last.replace((*seed, pipeline)) {
                            sys::wgpuComputePipelineRelease(previous);
                        }
                    }
                }
                let elapsed = start.elapsed();
                let (seed, pipeline) = last.context("no pipeline made")?;
                gpu.clear(&out)?;
                // SAFETY: live handles; the pipeline is ours to release.
                unsafe {
                    raw_run(r, pipeline, out.as_raw())?;
                    sys::wgpuComputePipelineRelease(pipeline);
                }
                check_pipeline200(seed, &out.read_back::<u32>()?)?;
                gpu.check_errors()?;
                Ok(elapsed)
            }),
        ),
    ];
    let check = "no error; the last pipeline of each repeat runs and matches the CPU";
    alternate(workload, config.plan, 1, 500, check, sides)
}

/// Creates the module and pipeline from `code` (the module released after).
///
/// # Safety
/// Live device.
unsafe fn raw_pipeline(r: Raw, code: &str) -> sys::WGPUComputePipeline {
    let mut wgsl = sys::WGPUShaderSourceWGSL {
        chain: sys::WGPUChainedStruct {
            next: std::ptr::null_mut(),
            sType: sys::WGPUSType_ShaderSourceWGSL,
        },
        code: raw::view(code),
    };
    let module_desc = sys::WGPUShaderModuleDescriptor {
        nextInChain: &mut wgsl.chain,
        label: raw::view("pipeline200"),
    };
    // SAFETY: live device; the descriptors live across the calls.
    unsafe {
        let module = sys::wgpuDeviceCreateShaderModule(r.device, &module_desc);
        let desc = sys::WGPUComputePipelineDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: raw::view("pipeline200"),
            layout: std::ptr::null_mut(),
            compute: sys::WGPUComputeState {
                nextInChain: std::ptr::null_mut(),
                module,
                entryPoint: sys::WGPUStringView {
                    data: std::ptr::null(),
                    length: sys::WGPU_STRLEN,
                },
                constantCount: 0,
                constants: std::ptr::null(),
            },
        };
        let pipeline = sys::wgpuDeviceCreateComputePipeline(r.device, &desc);
        sys::wgpuShaderModuleRelease(module);
        pipeline
    }
}

/// Runs `pipeline` once over `out` (4 workgroups) and waits.
///
/// # Safety
/// Live handles; `out` is a storage buffer of [`PIPELINE200_OUTPUTS`] words.
unsafe fn raw_run(r: Raw, pipeline: sys::WGPUComputePipeline, out: sys::WGPUBuffer) -> Result<()> {
    // SAFETY: as the caller promised; every object made here is released once.
    unsafe {
        let layout = sys::wgpuComputePipelineGetBindGroupLayout(pipeline, 0);
        let entry = sys::WGPUBindGroupEntry {
            nextInChain: std::ptr::null_mut(),
            binding: 0,
            buffer: out,
            offset: 0,
            size: sys::WGPU_WHOLE_SIZE,
            sampler: std::ptr::null_mut(),
            textureView: std::ptr::null_mut(),
        };
        let desc = sys::WGPUBindGroupDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: raw::view("pipeline200"),
            layout,
            entryCount: 1,
            entries: &entry,
        };
        let group = sys::wgpuDeviceCreateBindGroup(r.device, &desc);
        raw::dispatch(
            r,
            pipeline,
            group,
            ((PIPELINE200_OUTPUTS / 64) as u32, 1),
            1,
        );
        sys::wgpuBindGroupRelease(group);
        sys::wgpuBindGroupLayoutRelease(layout);
        raw::wait_idle(r)
    }
}

fn buffers(gpu: &Gpu, config: &Config, workload: &crate::harness::Workload) -> Result<Vec<Row>> {
    let usage = BufferUsage::Storage | BufferUsage::CopyDst | BufferUsage::CopySrc;
    let r = gpu.raw();
    let marker = [0x5eed_0001u32, 0x5eed_0002];
    // Writes the marker into the buffer and reads it back.
    let verify = |buffer: &Buffer| -> Result<()> {
        gpu.queue.write_buffer(buffer, 0, &marker)?;
        let got = gpu.words_at(buffer, &[0, 1])?;
        ensure!(
            got == marker,
            "a created buffer read back {got:x?}, not {marker:x?}"
        );
        Ok(())
    };
    let sides: Vec<(&str, Side<'_>)> = vec![
        (
            "dawn",
            Box::new(|n| {
                let mut alive = Vec::with_capacity(BUFFERS_ALIVE);
                let mut timed = Duration::ZERO;
                let mut left = n;
                while left > 0 {
                    let batch = left.min(BUFFERS_ALIVE);
                    left -= batch;
                    let start = Instant::now();
                    for _ in 0..batch {
                        alive.push(gpu.device.create_buffer(&BufferDescriptor {
                            label: "",
                            size: BUFFER_SIZE,
                            usage,
                            mapped_at_creation: false,
                        })?);
                    }
                    let last = if left == 0 { alive.pop() } else { None };
                    alive.clear();
                    timed += start.elapsed();
                    if let Some(buffer) = last {
                        verify(&buffer)?;
                    }
                }
                Ok(timed)
            }),
        ),
        (
            "raw",
            Box::new(|n| {
                let desc = sys::WGPUBufferDescriptor {
                    nextInChain: std::ptr::null_mut(),
                    label: sys::WGPUStringView {
                        data: std::ptr::null(),
                        length: sys::WGPU_STRLEN,
                    },
                    usage: usage.0,
                    size: BUFFER_SIZE,
                    mappedAtCreation: 0,
                };
                let mut alive: Vec<sys::WGPUBuffer> = Vec::with_capacity(BUFFERS_ALIVE);
                let mut timed = Duration::ZERO;
                let mut left = n;
                while left > 0 {
                    let batch = left.min(BUFFERS_ALIVE);
                    left -= batch;
                    let start = Instant::now();
                    // SAFETY: live device; every buffer made here is released once.
                    unsafe {
                        for _ in 0..batch {
                            alive.push(sys::wgpuDeviceCreateBuffer(r.device, &desc));
                        }
                        for buffer in alive.drain(..) {
                            ensure!(!buffer.is_null(), "raw side: no buffer");
                            sys::wgpuBufferRelease(buffer);
                        }
                    }
                    timed += start.elapsed();
                }
                gpu.check_errors()?;
                Ok(timed)
            }),
        ),
    ];
    let check = "the last buffer of each repeat holds what was written to it; no error";
    alternate(workload, config.plan, BUFFERS_ALIVE, 100_000, check, sides)
}
