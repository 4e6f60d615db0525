//! Section `transfer`: moving a large buffer between host and device memory, timed until done.
//!
//! - upload: `Queue::write_buffer` of the whole host buffer (resident memory), an empty submit, and the
//!   wait for the queue; the destination is cleared before each (untimed) and sampled after.
//! - read-back: a copy into a `MapRead` buffer, the map, and the memcpy into resident host memory.
//!
//! The staged upload (`spec::upload_staged`) and the pipelined read-back through `dawn::memory`'s
//! transfer rings belong to that module's own section (`transfers`), next to this one in `main.rs`.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::raw;
use crate::reference::{sample_indices, word, words};
use crate::spec::{self, Config};
use anyhow::{Result, ensure};
use dawn::dawn_sys as sys;
use dawn::*;
use std::time::{Duration, Instant};

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let size = config.sizes.transfer;
    let (upload, readback) = (spec::upload(size), spec::readback(size));
    if !config.wants(&upload.id) && !config.wants(&readback.id) {
        return Ok(Vec::new());
    }
    let len = (size / 4) as usize;
    let samples = sample_indices(len as u64, 64);
    let host = words(0, len);
    let device_buffer = gpu.storage("transfer", size)?;
    let r = gpu.raw();
    let mut rows = Vec::new();

    if config.wants(&upload.id) {
        let check = "64 sampled words of the destination after every upload (cleared before it)";
        let verify = |side: &str| -> Result<()> {
            let got = gpu.words_at(&device_buffer, &samples)?;
            let wrong = samples
                .iter()
                .zip(&got)
                .filter(|&(&i, &g)| g != word(i))
                .count();
            ensure!(
                wrong == 0,
                "{side} side: {wrong} of the sampled words were not uploaded"
            );
            Ok(())
        };
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..n {
                        gpu.clear(&device_buffer)?;
                        let start = Instant::now();
                        gpu.queue.write_buffer(&device_buffer, 0, &host)?;
                        gpu.queue.submit(&[]);
                        gpu.wait()?;
                        timed += start.elapsed();
                        verify("dawn")?;
                    }
                    Ok(timed)
                }),
            ),
            (
                "raw",
                Box::new(|n| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..n {
                        gpu.clear(&device_buffer)?;
                        let start = Instant::now();
                        // SAFETY: live handles; the host data lives across the call (Dawn copies it).
                        unsafe {
                            sys::wgpuQueueWriteBuffer(
                                r.queue,
                                device_buffer.as_raw(),
                                0,
                                host.as_ptr().cast(),
                                size as usize,
                            );
                            sys::wgpuQueueSubmit(r.queue, 0, std::ptr::null());
                            raw::wait_idle(r)?;
                        }
                        timed += start.elapsed();
                        verify("raw")?;
                    }
                    Ok(timed)
                }),
            ),
        ];
        rows.extend(alternate(&upload, config.plan, 1, 20, check, sides)?);
    }

    if config.wants(&readback.id) {
        gpu.queue.write_buffer(&device_buffer, 0, &host)?;
        gpu.wait()?;
        drop(host);
        let staging = gpu.buffer(
            "read-back",
            size,
            BufferUsage::MapRead | BufferUsage::CopyDst,
        )?;
        let mut dawn_host = vec![1u32; len];
        let mut raw_host = vec![1u32; len];
        let poison = |out: &mut [u32]| samples.iter().for_each(|&i| out[i as usize] = 0);
        let wrong = |out: &[u32]| {
            samples
                .iter()
                .filter(|&&i| out[i as usize] != word(i))
                .count()
        };
        let check = "64 sampled words of every read-back (poisoned before it)";
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..n {
                        poison(&mut dawn_host);
                        let start = Instant::now();
                        let mut encoder = gpu.device.create_command_encoder(&Default::default());
                        encoder.copy_buffer_to_buffer(&device_buffer, 0, &staging, 0, size);
                        gpu.queue.submit(&[encoder.finish()]);
                        staging.map_async(MapMode::Read, ..).wait()?;
                        dawn_host.copy_from_slice(staging.take_mapping()?.typed::<u32>()?);
                        timed += start.elapsed();
                        let bad = wrong(&dawn_host);
                        ensure!(bad == 0, "dawn side: {bad} of the sampled words are wrong");
                    }
                    Ok(timed)
                }),
            ),
            (
                "raw",
                Box::new(|n| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..n {
                        poison(&mut raw_host);
                        let start = Instant::now();
                        // SAFETY: live handles; the staging buffer is unmapped between read-backs; the range is
                        // read before the unmap.
                        unsafe {
                            raw::copy(r, device_buffer.as_raw(), staging.as_raw(), size);
                            raw::map(r, staging.as_raw(), sys::WGPUMapMode_Read, size as usize)?;
                            let ptr = sys::wgpuBufferGetConstMappedRange(
                                staging.as_raw(),
                                0,
                                size as usize,
                            );
                            ensure!(!ptr.is_null(), "raw side: no mapped range");
                            std::ptr::copy_nonoverlapping(
                                ptr.cast::<u32>(),
                                raw_host.as_mut_ptr(),
                                len,
                            );
                            sys::wgpuBufferUnmap(staging.as_raw());
                        }
                        timed += start.elapsed();
                        let bad = wrong(&raw_host);
                        ensure!(bad == 0, "raw side: {bad} of the sampled words are wrong");
                    }
                    Ok(timed)
                }),
            ),
        ];
        rows.extend(alternate(&readback, config.plan, 1, 20, check, sides)?);
    }
    Ok(rows)
}
