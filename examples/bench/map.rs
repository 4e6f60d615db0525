//! Section `map`: map + read + unmap of an idle `MapRead` buffer, small (the round trip's own cost) and
//! large (the speed of reading mapped memory). Each round trip copies the mapped bytes into host memory
//! and checks words of the copy against `reference::word`.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, alternate};
use crate::raw;
use crate::reference::{sample_indices, word, words};
use crate::spec::{self, Config, MAP_SMALL};
use anyhow::{Result, ensure};
use dawn::dawn_sys as sys;
use dawn::*;
use std::time::{Duration, Instant};

/// A `MapRead` buffer holding `reference::words(0, ..)`.
fn mapped_buffer(gpu: &Gpu, size: u64) -> Result<Buffer> {
    let buffer = gpu.buffer("mapped", size, BufferUsage::MapRead | BufferUsage::CopyDst)?;
    gpu.queue
        .write_buffer(&buffer, 0, &words(0, (size / 4) as usize))?;
    gpu.wait()?;
    Ok(buffer)
}

/// Counts the words of `host` at `indices` that are not `reference::word`.
fn wrong_words(host: &[u32], indices: &[u64]) -> usize {
    indices
        .iter()
        .filter(|&&i| host[i as usize] != word(i))
        .count()
}

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let small = spec::map_small();
    let guard = spec::map_small_guard();
    if config.wants(&small.id) || config.wants(&guard.id) {
        rows.extend(small_round_trips(gpu, config)?);
    }
    let large = spec::map_large(config.sizes.map_large);
    if config.wants(&large.id) {
        rows.extend(large_reads(gpu, config, large)?);
    }
    Ok(rows)
}

fn small_round_trips(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let buffer = mapped_buffer(gpu, MAP_SMALL)?;
    let r = gpu.raw();
    let raw_buffer = buffer.as_raw();
    let len = (MAP_SMALL / 4) as usize;
    let ends = [0, len as u64 - 1];
    let check = "every copy's first and last word, and the whole last copy";
    let raw_side = || -> Side<'_> {
        Box::new(move |n| {
            let mut host = vec![0u32; len];
            let mut wrong = 0;
            let start = Instant::now();
            for _ in 0..n {
                // SAFETY: live handles; the buffer is unmapped between round trips; the mapped range is
                // read before the unmap.
                unsafe {
                    raw::map(r, raw_buffer, sys::WGPUMapMode_Read, MAP_SMALL as usize)?;
                    let ptr = sys::wgpuBufferGetConstMappedRange(raw_buffer, 0, MAP_SMALL as usize);
                    ensure!(!ptr.is_null(), "raw side: no mapped range");
                    std::ptr::copy_nonoverlapping(ptr.cast::<u32>(), host.as_mut_ptr(), len);
                    sys::wgpuBufferUnmap(raw_buffer);
                }
                wrong += wrong_words(&host, &ends);
            }
            let elapsed = start.elapsed();
            ensure!(
                wrong == 0 && host == words(0, len),
                "raw side: {wrong} wrong words read"
            );
            Ok(elapsed)
        })
    };
    let mut rows = Vec::new();
    let workload = spec::map_small();
    if config.wants(&workload.id) {
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let mut host = vec![0u32; len];
                    let mut wrong = 0;
                    let start = Instant::now();
                    for _ in 0..n {
                        buffer.map_async(MapMode::Read, ..).wait()?;
                        {
                            let view = buffer.get_mapped_range(..)?;
                            host.copy_from_slice(view.typed::<u32>()?);
                        }
                        buffer.unmap()?;
                        wrong += wrong_words(&host, &ends);
                    }
                    let elapsed = start.elapsed();
                    ensure!(
                        wrong == 0 && host == words(0, len),
                        "dawn side: {wrong} wrong words read"
                    );
                    Ok(elapsed)
                }),
            ),
            ("raw", raw_side()),
        ];
        rows.extend(alternate(
            &workload,
            config.plan,
            200,
            200_000,
            check,
            sides,
        )?);
    }
    let workload = spec::map_small_guard();
    if config.wants(&workload.id) {
        let sides: Vec<(&str, Side<'_>)> = vec![
            (
                "dawn",
                Box::new(|n| {
                    let mut host = vec![0u32; len];
                    let mut wrong = 0;
                    let start = Instant::now();
                    for _ in 0..n {
                        buffer.map_async(MapMode::Read, ..).wait()?;
                        host.copy_from_slice(buffer.take_mapping()?.typed::<u32>()?);
                        wrong += wrong_words(&host, &ends);
                    }
                    let elapsed = start.elapsed();
                    ensure!(
                        wrong == 0 && host == words(0, len),
                        "guard side: {wrong} wrong words read"
                    );
                    Ok(elapsed)
                }),
            ),
            ("raw", raw_side()),
        ];
        rows.extend(alternate(
            &workload,
            config.plan,
            200,
            200_000,
            check,
            sides,
        )?);
    }
    Ok(rows)
}

fn large_reads(gpu: &Gpu, config: &Config, workload: crate::harness::Workload) -> Result<Vec<Row>> {
    let size = config.sizes.map_large;
    let buffer = mapped_buffer(gpu, size)?;
    let r = gpu.raw();
    let raw_buffer = buffer.as_raw();
    let len = (size / 4) as usize;
    let samples = sample_indices(len as u64, 64);
    // Resident host memory (a fresh allocation would measure page faults).
    let mut dawn_host = vec![1u32; len];
    let mut raw_host = vec![1u32; len];
    let poison = |host: &mut [u32]| samples.iter().for_each(|&i| host[i as usize] = 0);
    let check = "64 sampled words of every copy (poisoned before it)";
    let sides: Vec<(&str, Side<'_>)> = vec![
        (
            "dawn",
            Box::new(|n| {
                let mut timed = Duration::ZERO;
                for _ in 0..n {
                    poison(&mut dawn_host);
                    let start = Instant::now();
                    buffer.map_async(MapMode::Read, ..).wait()?;
                    dawn_host.copy_from_slice(buffer.take_mapping()?.typed::<u32>()?);
                    timed += start.elapsed();
                    let wrong = wrong_words(&dawn_host, &samples);
                    ensure!(
                        wrong == 0,
                        "dawn side: {wrong} of the sampled words are wrong"
                    );
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
                    // SAFETY: live handles; the buffer is unmapped between reads; the range is read before the
                    // unmap.
                    unsafe {
                        raw::map(r, raw_buffer, sys::WGPUMapMode_Read, size as usize)?;
                        let ptr = sys::wgpuBufferGetConstMappedRange(raw_buffer, 0, size as usize);
                        ensure!(!ptr.is_null(), "raw side: no mapped range");
                        std::ptr::copy_nonoverlapping(
                            ptr.cast::<u32>(),
                            raw_host.as_mut_ptr(),
                            len,
                        );
                        sys::wgpuBufferUnmap(raw_buffer);
                    }
                    timed += start.elapsed();
                    let wrong = wrong_words(&raw_host, &samples);
                    ensure!(
                        wrong == 0,
                        "raw side: {wrong} of the sampled words are wrong"
                    );
                }
                Ok(timed)
            }),
        ),
    ];
    alternate(&workload, config.plan, 1, 100, check, sides)
}
