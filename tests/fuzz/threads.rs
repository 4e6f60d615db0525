//! Threads: several random sequences sharing one device and a pool of buffers, threads racing for one
//! buffer's maps, guards and views, and threads that create an instance, use it, drop everything and end
//! (the last two are what the H200 runs of issue 15 found and the earlier fuzzer never did).

use super::ops_mapping::REFUSED;
use super::progress::Progress;
use super::rng::Rng;
use super::seq::{Failure, Seq, Tracked, recording_device};
use super::shadow::Model;
use super::stats::Stats;
use super::{Config, Env, HANG, corpus};
use dawn::*;
use std::sync::Mutex;

/// The message of a thread's panic.
fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// On a new thread: an instance, an adapter and a device of its own, a buffer written and read back (the
/// bytes checked), a work-done future maybe left to the event pump, then everything dropped in a random
/// order and the thread ended. Fails if the data differs, a call fails or the thread panics; a crash at
/// the thread's exit kills the process.
pub fn dawn_on_a_thread(seed: u64) -> Failure {
    let life = move || -> Failure {
        let mut rng = Rng::new(seed);
        let instance = Instance::new().map_err(|e| format!("Instance::new on a thread: {e}"))?;
        let adapter = instance
            .request_adapter(&RequestAdapterOptions::default())
            .wait_timeout(HANG)
            .map_err(|e| format!("request_adapter on a thread: {e}"))?;
        let device = adapter
            .request_device(&DeviceDescriptor::default())
            .wait_timeout(HANG)
            .map_err(|e| format!("request_device on a thread: {e}"))?;
        let queue = device.queue();
        let len = 4 * (1 + rng.index(256));
        let data = rng.bytes(len);
        let usage = rng.pick(&[
            BufferUsage::MapRead | BufferUsage::CopyDst,
            BufferUsage::Storage | BufferUsage::CopySrc,
        ]);
        let buffer = device
            .create_buffer_init(&BufferInitDescriptor {
                label: "a thread's",
                contents: &data,
                usage,
            })
            .map_err(|e| format!("create_buffer_init on a thread: {e}"))?;
        let back: Vec<u8> = buffer
            .read_back()
            .map_err(|e| format!("read_back on a thread: {e}"))?;
        if back != data {
            return Err(
                "a thread's own buffer read back other bytes than it was created with".into(),
            );
        }
        let work = rng.chance(1, 2).then(|| queue.on_submitted_work_done());
        let mut all: Vec<Box<dyn std::any::Any>> = vec![
            Box::new(instance),
            Box::new(adapter),
            Box::new(device),
            Box::new(queue),
            Box::new(buffer),
            Box::new(work),
        ];
        while !all.is_empty() {
            let i = rng.index(all.len());
            drop(all.swap_remove(i));
        }
        Ok(())
    };
    std::thread::Builder::new()
        .name("fuzz-dawn-life".into())
        .spawn(life)
        .map_err(|e| format!("spawning a thread: {e}"))?
        .join()
        .map_err(|panic| format!("a thread using Dawn panicked: {}", panic_message(panic)))?
}

/// `threads` threads racing on one buffer's maps, `Mapping` guards, views and unmaps: a guard or a
/// writable view is its holder's alone (what it writes is what the next holder reads), every read sees
/// the buffer's known contents, every refusal is `InvalidUse` or `Validation` (or `MapFailed` for a map
/// another thread unmapped first), and nothing hangs.
pub fn race_one_buffer(
    device: &Device,
    seed: u64,
    threads: u64,
) -> std::result::Result<Stats, String> {
    let mut rng = Rng::new(seed);
    let size = 8 * (1 + rng.below(512));
    let mode = rng.pick(&[MapMode::Read, MapMode::Write]);
    let usage = match mode {
        MapMode::Read => BufferUsage::MapRead | BufferUsage::CopyDst,
        _ => BufferUsage::MapWrite | BufferUsage::CopySrc,
    };
    let initial = rng.bytes(size as usize);
    let buffer = device
        .create_buffer_init(&BufferInitDescriptor {
            label: "raced",
            contents: &initial,
            usage,
        })
        .map_err(|e| format!("creating the raced buffer: {e}"))?;
    // What the buffer holds whenever no guard or writable view is open (updated by their holders).
    let contents = Mutex::new(initial);
    let seeds: Vec<u64> = (0..threads).map(|_| rng.next_u64()).collect();
    let results: Vec<std::result::Result<Stats, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .iter()
            .map(|&seed| {
                let (buffer, contents) = (&buffer, &contents);
                s.spawn(move || race_thread(buffer, mode, contents, seed))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|p| {
                    Err(format!("a racing thread panicked: {}", panic_message(p)))
                })
            })
            .collect()
    });
    let mut total = Stats::default();
    for r in results {
        total.merge(&r?);
    }
    Ok(total)
}

fn race_thread(
    buffer: &Buffer,
    mode: MapMode,
    contents: &Mutex<Vec<u8>>,
    seed: u64,
) -> std::result::Result<Stats, String> {
    let mut rng = Rng::new(seed);
    let mut stats = Stats::default();
    let refused = |r: &Result<()>, kinds: &[ErrorKind], what: &str| match r {
        Ok(()) => Ok(()),
        Err(e) if kinds.contains(&e.kind()) => Ok(()),
        Err(e) => Err(format!("{what} in a race returned {e}")),
    };
    let check = |stats: &mut Stats, bytes: &[u8], what: &str| {
        if bytes != contents.lock().unwrap().as_slice() {
            return Err(format!(
                "{what} in a race read other bytes than the buffer holds"
            ));
        }
        stats.data_checks += 1;
        stats.bytes_checked += bytes.len() as u64;
        stats.nonzero_bytes_checked += bytes.iter().filter(|&&b| b != 0).count() as u64;
        Ok(())
    };
    for _ in 0..40 + rng.below(40) {
        match rng.below(6) {
            0 | 1 => {
                let r = buffer.map_async(mode, ..).wait_timeout(HANG);
                if matches!(&r, Err(e) if e.kind() == ErrorKind::Timeout) {
                    return Err(format!("HANG: a raced map did not resolve in {HANG:?}"));
                }
                stats.record(&r);
                refused(
                    &r,
                    // Refused (another thread's map: Validation), aborted by an unmap, or forgotten
                    // after 16 later maps (InvalidUse).
                    &[
                        ErrorKind::Validation,
                        ErrorKind::InvalidUse,
                        ErrorKind::MapFailed,
                    ],
                    "map_async",
                )?;
            }
            2 => {
                let r = buffer.take_mapping();
                stats.record(&r);
                match r {
                    Ok(mut guard) => {
                        check(&mut stats, &guard, "a guard")?;
                        if let Ok(bytes) = guard.bytes_mut() {
                            let mine = rng.bytes(bytes.len());
                            bytes.copy_from_slice(&mine);
                            *contents.lock().unwrap() = mine;
                            std::thread::yield_now();
                            // Still ours: no other thread can reach the mapping meanwhile.
                            check(&mut stats, &guard, "a guard after writing")?;
                        }
                    }
                    Err(e) => refused(&Err(e), REFUSED, "take_mapping")?,
                }
            }
            3 => {
                let writable = mode == MapMode::Write && rng.chance(1, 2);
                if writable {
                    let r = buffer.get_mapped_range_mut(..);
                    stats.record(&r);
                    match r {
                        Ok(mut view) => {
                            check(&mut stats, &view, "a writable view")?;
                            let mine = rng.bytes(view.len());
                            view.copy_from_slice(&mine);
                            *contents.lock().unwrap() = mine;
                        }
                        Err(e) => refused(&Err(e), REFUSED, "get_mapped_range_mut")?,
                    }
                } else {
                    let r = buffer.get_mapped_range(..);
                    stats.record(&r);
                    match r {
                        Ok(view) => check(&mut stats, &view, "a view")?,
                        Err(e) => refused(&Err(e), REFUSED, "get_mapped_range")?,
                    }
                }
            }
            4 => {
                let r = buffer.unmap();
                stats.record(&r);
                refused(&r, REFUSED, "unmap")?;
            }
            _ => drop(buffer.map_async(mode, ..)),
        }
    }
    Ok(stats)
}

/// Like [`super::run_sequence`], with `threads` threads sharing one device and a pool of buffers, each
/// running its own random sequence on them at the same time (map, view, unmap, destroy, submit, lose the
/// device races) while one more thread lives whole Dawn lives; then `threads` threads race for one
/// buffer of a new device. Not reproducible op by op (thread interleaving), but the seed fixes each
/// thread's choices.
pub fn run_threaded_sequence(
    env: &Env,
    seed: u64,
    threads: u64,
    config: Config,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    if let Some(p) = progress {
        p.start_sequence(seed);
    }
    let mut rng = Rng::new(seed);
    let (device, uncaptured) = recording_device(env, "fuzz threads")?;
    let mut pool = Vec::new();
    for i in 0..8 {
        let usage = corpus::USAGES[i % 4];
        if let Ok(b) = device.create_buffer(&BufferDescriptor {
            label: "shared",
            size: 4 * (1 + rng.below(1024)),
            usage,
            mapped_at_creation: rng.chance(1, 3),
        }) {
            pool.push(b);
        }
    }
    let seeds: Vec<u64> = (0..threads).map(|_| rng.next_u64()).collect();
    let lives = rng.next_u64();
    let results: Vec<std::result::Result<(Stats, bool), String>> = std::thread::scope(|s| {
        let life = s.spawn(move || {
            let mut stats = Stats::default();
            for i in 0..1 + lives % 3 {
                dawn_on_a_thread(super::rng::mix(lives ^ i))?;
                stats.thread_lifecycles += 1;
            }
            Ok((stats, false))
        });
        let mut handles: Vec<_> = seeds
            .iter()
            .map(|&thread_seed| {
                let (device, pool) = (device.clone(), pool.clone());
                s.spawn(move || {
                    // Each thread models the pool for itself; with other threads at work it predicts
                    // nothing, only checks the kinds of what it gets.
                    let tracked = pool
                        .into_iter()
                        .map(|buffer| Tracked {
                            model: Model::new(buffer.size(), buffer.usage(), false, true),
                            buffer,
                        })
                        .collect();
                    let mut rng = Rng::new(thread_seed);
                    let ops = corpus::ops_per_sequence(&mut rng);
                    let mut seq = Seq::new(rng, device, tracked, true, config, false, progress);
                    seq.run(ops)?;
                    let stats = std::mem::take(&mut seq.stats);
                    let may_oom = seq.may_oom;
                    seq.drop_all();
                    Ok((stats, may_oom))
                })
            })
            .collect();
        handles.push(life);
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|p| {
                    Err(format!("a fuzz thread panicked: {}", panic_message(p)))
                })
            })
            .collect()
    });
    drop(pool);
    drop(device);
    let mut total = Stats::default();
    let mut may_oom = false;
    for r in results {
        let (stats, oom) = r?;
        total.merge(&stats);
        may_oom |= oom;
    }
    for kind in std::mem::take(&mut *uncaptured.lock().unwrap()) {
        total.record_uncaptured(kind);
        if kind != ErrorKind::Validation && !(kind == ErrorKind::OutOfMemory && may_oom) {
            return Err(format!(
                "the uncaptured-error handler got a {kind:?} error, which nothing provoked"
            ));
        }
    }
    let (device, _) = recording_device(env, "fuzz race")?;
    total.merge(&race_one_buffer(&device, rng.next_u64(), threads)?);
    total.sequences = 1;
    Ok(total)
}
