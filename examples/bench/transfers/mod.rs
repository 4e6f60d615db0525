//! The bench's `transfers` section: host to device and device to host through `dawn::memory`'s rings,
//! against the same ring algorithm on raw `dawn-sys` calls and against `Queue::write_buffer` (upload) or
//! one staging copy (read-back, as `Buffer::read_back` does it).
//!
//! Each path moves the whole size (1 GiB by default) from or into pre-faulted host memory; the time is
//! wall clock from the first byte to the last, CPU copies included (an upload ends when
//! `on_submitted_work_done` resolves). Every run is checked: the destination's checksum (position
//! weighted) must equal the source's, read back through `Buffer::read_back` for uploads; uploads alternate
//! two sources, so stale data fails. One warm-up run per path, then `--trials` runs with the order of the
//! paths reversed every other trial (ABBA); reported: median, lowest and highest GB/s (10^9 bytes/s).
//!
//! `--sweep` instead times the safe rings over chunk sizes, depths and thread counts (median of 3 runs
//! each), which is how `TransferConfig`'s defaults are chosen.
//!
//! Run: `cargo run --release --example bench -- --transfers [--mib N] [--trials N] [--sweep]
//! [--chunk-mib C --depth D --threads T]`.

mod raw;

use anyhow::{Context, bail, ensure};
use dawn::memory::{ReadbackRing, TransferConfig, UploadRing};
use dawn::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Options {
    bytes: usize,
    trials: usize,
    sweep: bool,
    config: TransferConfig,
}

fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Options> {
    let mut options = Options {
        bytes: 1 << 30,
        trials: 5,
        sweep: false,
        config: TransferConfig::default(),
    };
    let number = |name: &str, value: Option<String>| -> anyhow::Result<usize> {
        value
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0)
            .with_context(|| format!("{name} needs a positive number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mib" => options.bytes = number("--mib", args.next())? << 20,
            "--trials" => options.trials = number("--trials", args.next())?,
            "--sweep" => options.sweep = true,
            "--chunk-mib" => {
                options.config.chunk_bytes = (number("--chunk-mib", args.next())? << 20) as u64
            }
            "--depth" => options.config.depth = number("--depth", args.next())?,
            "--threads" => options.config.threads = number("--threads", args.next())?,
            other => bail!(
                "unknown argument {other:?} (with --transfers: --mib N, --trials N, --sweep, --chunk-mib C, \
                 --depth D, --threads T)"
            ),
        }
    }
    Ok(options)
}

/// The device and the buffers every path uses.
struct Setup {
    device: Device,
    queue: Queue,
    /// Uploads land here.
    upload_target: Buffer,
    /// Read-backs come from here (filled once by `write_buffer` with `expected`).
    readback_source: Buffer,
    sources: [Vec<u64>; 2],
    expected: Vec<u64>,
    out: Vec<u64>,
    raw: raw::Handles,
}

/// `words` of a sequence that depends on `seed` (splitmix64).
fn pattern(words: usize, seed: u64) -> Vec<u64> {
    (0..words as u64)
        .map(|i| {
            let mut z = (seed << 40 ^ i).wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

/// A position-weighted sum: equal only if every word arrived in its place.
fn checksum(words: &[u64]) -> u64 {
    words.iter().zip(1u64..).fold(0, |acc, (&w, i)| {
        acc.wrapping_add(w.wrapping_mul(2 * i - 1))
    })
}

fn bytes(words: &[u64]) -> &[u8] {
    bytemuck::cast_slice(words)
}

impl Setup {
    fn new(
        instance: &Instance,
        adapter: &Adapter,
        size: usize,
        errors: Arc<AtomicUsize>,
    ) -> anyhow::Result<Setup> {
        let adapter_limits = adapter.limits();
        let device = adapter
            .request_device(&DeviceDescriptor {
                label: "transfers",
                // 1 GiB buffers are over WebGPU's default maxBufferSize (256 MiB).
                required_limits: Some(&Limits {
                    max_buffer_size: adapter_limits.max_buffer_size,
                    ..Default::default()
                }),
                on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                    eprintln!("uncaptured error: {e}");
                    errors.fetch_add(1, Ordering::Relaxed);
                })),
                ..Default::default()
            })
            .wait()?;
        let max = device.limits().max_buffer_size;
        ensure!(
            size as u64 <= max,
            "--mib: {size} bytes exceed the device's maxBufferSize {max}"
        );
        let buffer = |label| {
            device.create_buffer(&BufferDescriptor {
                label,
                size: size as u64,
                usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
        };
        let (upload_target, readback_source) =
            (buffer("upload target")?, buffer("read-back source")?);
        let words = size / 8;
        let expected = pattern(words, 3);
        let queue = device.queue();
        queue.write_buffer(&readback_source, 0, &expected)?;
        queue.on_submitted_work_done().wait()?;
        let raw = raw::Handles {
            instance: instance.as_raw(),
            // SAFETY: the bench never destroys the device.
            device: unsafe { device.as_raw() },
            queue: queue.as_raw(),
        };
        Ok(Setup {
            sources: [pattern(words, 1), pattern(words, 2)],
            out: vec![0; words], // written, so faulted in
            expected,
            device,
            queue,
            upload_target,
            readback_source,
            raw,
        })
    }

    /// Checks that the upload target holds `source`.
    fn check_upload(&self, source: &[u64], path: &str) -> anyhow::Result<()> {
        let arrived: Vec<u64> = self.upload_target.read_back()?;
        ensure!(
            checksum(&arrived) == checksum(source),
            "{path}: the upload's checksum differs"
        );
        Ok(())
    }

    fn check_readback(&self, path: &str) -> anyhow::Result<()> {
        ensure!(
            checksum(&self.out) == checksum(&self.expected),
            "{path}: the read-back's checksum differs"
        );
        Ok(())
    }
}

/// How a path moves the data: the ring objects it keeps between runs.
enum Path {
    RingUp(UploadRing),
    RawUp(raw::RawRing),
    WriteBuffer,
    WriteBufferChunks,
    RingDown(ReadbackRing),
    RawDown(raw::RawRing),
    StagingDown,
}

impl Path {
    fn name(&self) -> &'static str {
        match self {
            Path::RingUp(_) => "UploadRing (dawn::memory)",
            Path::RawUp(_) => "same ring on raw dawn-sys",
            Path::WriteBuffer => "Queue::write_buffer, one call",
            Path::WriteBufferChunks => "Queue::write_buffer, 4 MiB calls",
            Path::RingDown(_) => "ReadbackRing (dawn::memory)",
            Path::RawDown(_) => "same ring on raw dawn-sys",
            Path::StagingDown => "one staging copy + map",
        }
    }

    fn is_upload(&self) -> bool {
        matches!(
            self,
            Path::RingUp(_) | Path::RawUp(_) | Path::WriteBuffer | Path::WriteBufferChunks
        )
    }

    /// One timed run (`trial` picks the upload source), checked if `check`; returns seconds.
    fn run(&mut self, s: &mut Setup, trial: usize, check: bool) -> anyhow::Result<f64> {
        let source = &s.sources[trial % 2];
        s.out.fill(0);
        let start = Instant::now();
        match self {
            Path::RingUp(ring) => ring.write_buffer(&s.upload_target, 0, bytes(source))?,
            Path::RawUp(ring) => ring.write(s.upload_target.as_raw(), bytes(source))?,
            Path::WriteBuffer => s.queue.write_buffer(&s.upload_target, 0, bytes(source))?,
            Path::WriteBufferChunks => {
                for (k, chunk) in bytes(source).chunks(4 << 20).enumerate() {
                    s.queue
                        .write_buffer(&s.upload_target, (k << 22) as u64, chunk)?;
                }
            }
            Path::RingDown(ring) => {
                ring.read_buffer(&s.readback_source, 0, bytemuck::cast_slice_mut(&mut s.out))?
            }
            Path::RawDown(ring) => ring.read(
                s.readback_source.as_raw(),
                bytemuck::cast_slice_mut(&mut s.out),
            )?,
            Path::StagingDown => {
                let staging = s.device.create_buffer(&BufferDescriptor {
                    label: "read-back staging",
                    size: s.readback_source.size(),
                    usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                    mapped_at_creation: false,
                })?;
                let mut encoder = s.device.create_command_encoder(&Default::default());
                encoder.copy_buffer_to_buffer(&s.readback_source, 0, &staging, 0, staging.size());
                s.queue.submit(&[encoder.finish()]);
                staging.map_async(MapMode::Read, ..).wait()?;
                bytemuck::cast_slice_mut(&mut s.out).copy_from_slice(&staging.take_mapping()?);
            }
        }
        if self.is_upload() {
            s.queue.on_submitted_work_done().wait()?;
        }
        let seconds = start.elapsed().as_secs_f64();
        if !check {
        } else if self.is_upload() {
            s.check_upload(source, self.name())?;
        } else {
            s.check_readback(self.name())?;
        }
        Ok(seconds)
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The bench's `--transfers` entry point (the arguments after `--transfers`).
pub fn run(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let options = parse(args)?;
    let instance = Instance::new()?;
    let adapter = instance.request_adapter(&Default::default()).wait()?;
    let info = adapter.info()?;
    println!(
        "machine: {} | {} ({}), backend {}, adapter type {} | host CPU {} ({} threads)",
        info.device,
        info.description,
        info.architecture,
        info.backend_type,
        info.adapter_type,
        crate::harness::Machine::host_cpu(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let errors = Arc::new(AtomicUsize::new(0));
    let mut setup = Setup::new(&instance, &adapter, options.bytes, errors.clone())?;
    let gb = options.bytes as f64 / 1e9;
    if options.sweep {
        sweep(&mut setup, gb)?;
    } else {
        table(&mut setup, &options, gb)?;
    }
    let uncaptured = errors.load(Ordering::Relaxed);
    ensure!(uncaptured == 0, "{uncaptured} uncaptured Dawn errors");
    Ok(())
}

fn table(setup: &mut Setup, options: &Options, gb: f64) -> anyhow::Result<()> {
    let device = setup.device.clone();
    let upload = UploadRing::new(&device, options.config)?;
    // The configuration as the rings use it (the chunk size rounded), for the raw twins.
    let config = upload.config();
    let mut paths = vec![
        Path::RingUp(upload),
        Path::RawUp(raw::RawRing::upload(setup.raw, config)),
        Path::WriteBuffer,
        Path::WriteBufferChunks,
        Path::RingDown(ReadbackRing::new(&device, config)?),
        Path::RawDown(raw::RawRing::readback(setup.raw, config)),
        Path::StagingDown,
    ];
    println!(
        "{} MiB per run; rings: {} MiB chunks, depth {}, {} thread(s); 1 warm-up + {} trials per path, ABBA order",
        options.bytes >> 20,
        config.chunk_bytes >> 20,
        config.depth,
        config.threads,
        options.trials
    );
    for path in &mut paths {
        path.run(setup, 0, true)?;
    }
    let mut seconds: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
    for trial in 0..options.trials {
        let order: Vec<usize> = if trial % 2 == 0 {
            (0..paths.len()).collect()
        } else {
            (0..paths.len()).rev().collect()
        };
        for i in order {
            seconds[i].push(paths[i].run(setup, trial, true)?);
        }
    }
    println!();
    println!("| direction | path | GB/s median | lowest | highest | checked |");
    println!("|---|---|---:|---:|---:|---|");
    let mut medians = Vec::new();
    for (path, times) in paths.iter().zip(&seconds) {
        let mut rates: Vec<f64> = times.iter().map(|t| gb / t).collect();
        let m = median(&mut rates);
        medians.push(m);
        let direction = if path.is_upload() {
            "host -> device"
        } else {
            "device -> host"
        };
        println!(
            "| {direction} | {} | **{m:.2}** | {:.2} | {:.2} | {} checksums equal |",
            path.name(),
            rates[0],
            rates[rates.len() - 1],
            rates.len() + 1
        );
    }
    // Each trial runs the safe ring and its raw twin back to back: their ratio per trial is steadier.
    let paired = |safe: usize, raw: usize| {
        let mut ratios: Vec<f64> = seconds[raw]
            .iter()
            .zip(&seconds[safe])
            .map(|(r, s)| r / s)
            .collect();
        median(&mut ratios)
    };
    println!();
    println!(
        "safe ring / raw ring, GB/s: upload {:.3} (per trial {:.3}), read-back {:.3} (per trial {:.3}). \
         H200 targets: up >= 20 GB/s, down >= 10 GB/s.",
        medians[0] / medians[1],
        paired(0, 1),
        medians[4] / medians[5],
        paired(4, 5)
    );
    Ok(())
}

fn sweep(setup: &mut Setup, gb: f64) -> anyhow::Result<()> {
    let device = setup.device.clone();
    println!("median of 3 runs after a warm-up, the last one checked");
    println!("| chunk MiB | depth | threads | up GB/s | down GB/s |");
    println!("|---:|---:|---:|---:|---:|");
    for chunk_mib in [4u64, 16, 32, 64, 128] {
        for depth in [2, 3] {
            for threads in [1, 2, 4, 8] {
                let config = TransferConfig {
                    chunk_bytes: chunk_mib << 20,
                    depth,
                    threads,
                };
                let mut paths = [
                    Path::RingUp(UploadRing::new(&device, config)?),
                    Path::RingDown(ReadbackRing::new(&device, config)?),
                ];
                let mut rates = [Vec::new(), Vec::new()];
                // A warm-up and three timed runs; the last one checked.
                for trial in 0..4 {
                    for (path, rates) in paths.iter_mut().zip(&mut rates) {
                        let seconds = path.run(setup, trial, trial == 3)?;
                        if trial > 0 {
                            rates.push(gb / seconds);
                        }
                    }
                }
                println!(
                    "| {chunk_mib} | {depth} | {threads} | {:.2} | {:.2} |",
                    median(&mut rates[0]),
                    median(&mut rates[1])
                );
            }
        }
    }
    Ok(())
}
