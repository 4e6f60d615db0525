//! The API-sequence fuzzer, shared (through `#[path]` / `mod fuzz`) by `tests/fuzz_bounded.rs`,
//! `tests/reliability_leaks.rs` and `examples/fuzz.rs`.
//!
//! From one 64-bit seed it drives a random sequence of safe calls on a fresh device: buffers of random sizes
//! and usages (0, odd, huge, invalid combinations), `write_buffer`, `map_async` waited with timeouts,
//! mapped views of random ranges dropped in random order, `unmap`, `destroy`, copies and dispatches,
//! shader modules from valid and broken WGSL, pipelines (also asynchronous), error scopes, device loss and
//! destruction, and drops in any order. Every call must return `Ok` or a typed [`dawn::Error`]; a panic,
//! a crash, a broken invariant (an oracle below) or a pending operation that never resolves is a failure.

#![allow(dead_code)]

use dawn::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A wait on something that must complete (work on a small queue, a map, a pop) longer than this is a hang.
pub const HANG: Duration = Duration::from_secs(20);

/// splitmix64: a tiny, good-enough PRNG with no dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

/// One splitmix64 step of `x` (also used to derive sequence seeds).
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a collection of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }
}

/// The seed of sequence `index` of a run seeded with `seed`.
pub fn sequence_seed(seed: u64, index: u64) -> u64 {
    mix(seed ^ mix(index.wrapping_add(1)))
}

/// What the run measured.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Sequences run to the end.
    pub sequences: u64,
    /// Operations run.
    pub ops: u64,
    /// Operations that returned `Ok`.
    pub ok: u64,
    /// Typed errors returned, by kind.
    pub errors: BTreeMap<String, u64>,
    /// Errors that reached the uncaptured-error handler.
    pub uncaptured: u64,
    /// Sequences where the device was lost or destroyed on purpose.
    pub losses: u64,
}

impl Stats {
    fn record<T>(&mut self, result: &Result<T>) {
        self.ops += 1;
        match result {
            Ok(_) => self.ok += 1,
            Err(e) => *self.errors.entry(format!("{:?}", e.kind())).or_default() += 1,
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.sequences += other.sequences;
        self.ops += other.ops;
        self.ok += other.ok;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        self.uncaptured += other.uncaptured;
        self.losses += other.losses;
    }

    /// Total typed errors.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sequences, {} ops: {} ok, {} typed errors {:?}, {} uncaptured, {} deliberate losses",
            self.sequences,
            self.ops,
            self.ok,
            self.error_count(),
            self.errors,
            self.uncaptured,
            self.losses
        )
    }
}

/// The instance shared by sequences; each sequence gets its own adapter and device.
pub struct Env {
    /// The instance.
    pub instance: Instance,
}

impl Env {
    /// A new instance, checked to have an adapter.
    pub fn new() -> Result<Env> {
        let instance = Instance::new()?;
        drop(
            instance
                .request_adapter(&RequestAdapterOptions::default())
                .wait_timeout(Duration::from_secs(60))?,
        );
        Ok(Env { instance })
    }
}

/// Shared progress marker for a watchdog: the time (ms since `start`) of the last operation.
#[derive(Clone)]
pub struct Progress {
    start: Instant,
    last_ms: Arc<AtomicU64>,
    /// The seed of the sequence running now.
    pub seed: Arc<AtomicU64>,
    /// The index of the operation running now.
    pub op: Arc<AtomicUsize>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            start: Instant::now(),
            last_ms: Arc::default(),
            seed: Arc::default(),
            op: Arc::default(),
        }
    }
}

impl Progress {
    fn tick(&self, op: usize) {
        self.op.store(op, Ordering::Relaxed);
        self.last_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// How long since the last operation began.
    pub fn stalled_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Starts a thread that aborts the process (after printing the sequence) when no operation starts for
    /// `limit`: a call that blocks forever is a hang, and a hang must fail the run, not stall it.
    pub fn watchdog(&self, limit: Duration) {
        let me = self.clone();
        me.tick(0);
        std::thread::Builder::new()
            .name("fuzz-watchdog".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    if me.stalled_for() > limit {
                        // Debugging aid: FUZZ_GDB_ON_HANG=1 prints every thread's stack first.
                        if std::env::var_os("FUZZ_GDB_ON_HANG").is_some() {
                            let pid = std::process::id().to_string();
                            let _ = std::process::Command::new("gdb")
                                .args(["-batch", "-ex", "thread apply all bt 30", "-p", &pid])
                                .status();
                        }
                        eprintln!(
                            "FUZZ HANG: sequence seed {:#x} stuck at op {} for more than {limit:?}; \
                             replay with: cargo run --release --example fuzz -- --replay {:#x} --verbose",
                            me.seed.load(Ordering::Relaxed),
                            me.op.load(Ordering::Relaxed),
                            me.seed.load(Ordering::Relaxed),
                        );
                        std::process::exit(3);
                    }
                }
            })
            .expect("spawning the watchdog");
    }
}

/// Valid WGSL: each has one compute entry point `main` unless noted.
const VALID: &[&str] = &[
    "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&v)) { v[id.x] = v[id.x] * 2u + 1u; }
}",
    "@compute @workgroup_size(1) fn main() {}",
    "@group(0) @binding(0) var<uniform> u: vec4f;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(8) fn main(@builtin(global_invocation_id) id: vec3u) {
    if (id.x < arrayLength(&o)) { o[id.x] = u.x + f32(id.x); }
}",
    "override k: u32 = 3u;
@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(4, 2, 1) fn main(@builtin(local_invocation_index) i: u32) {
    if (i < arrayLength(&v)) { v[i] = k; }
}",
    // Two entry points: `entry_point: None` is a validation error.
    "@compute @workgroup_size(1) fn main() {}
@compute @workgroup_size(2) fn other() {}",
    "var<workgroup> tile: array<f32, 256>;
@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) i: u32) {
    tile[i] = f32(i);
    workgroupBarrier();
    if (i < arrayLength(&v)) { v[i] = tile[255u - i]; }
}",
];

/// Broken WGSL (syntax, types, limits, empty, garbage).
const BROKEN: &[&str] = &[
    "",
    "fn main( {",
    "@compute fn main() {}",
    "@compute @workgroup_size(1024, 1024) fn main() {}",
    "@compute @workgroup_size(0) fn main() {}",
    "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(1) fn main() { v[0] = 1.5; }",
    "@compute @workgroup_size(1) fn main() { let x: u32 = -1; }",
    "enable f16; @compute @workgroup_size(1) fn main() { let h: f16 = 1.0h; }",
    "@vertex fn main() -> @builtin(position) vec4f { return vec4f(); }",
    "\0\0\0",
    "@compute @workgroup_size(1) fn main() { loop { } }",
    "struct S { a: array<u32> } @group(0) @binding(0) var<uniform> s: S;
@compute @workgroup_size(1) fn main() {}",
    "@compute @workgroup_size(1) fn main() { main(); }",
    "\u{1F600} @compute",
];

const NOISE: &[u8] = b"{}();:@<>,.0123456789abcuvxyz _\n\t\"/*";

/// A shader source: a valid or broken snippet, or a valid one truncated or with bytes replaced.
fn wgsl(rng: &mut Rng) -> String {
    match rng.below(6) {
        0..=1 => rng.pick(VALID).to_string(),
        2 => rng.pick(BROKEN).to_string(),
        3 => {
            let src = rng.pick(VALID);
            let mut cut = rng.index(src.len() + 1);
            while !src.is_char_boundary(cut) {
                cut -= 1;
            }
            src[..cut].to_string()
        }
        _ => {
            let mut bytes = rng.pick(VALID).as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let i = rng.index(bytes.len());
                bytes[i] = rng.pick(NOISE);
            }
            String::from_utf8(bytes).expect("ASCII replaced by ASCII")
        }
    }
}

const USAGES: &[BufferUsage] = &[
    BufferUsage(BufferUsage::MapRead.0 | BufferUsage::CopyDst.0),
    BufferUsage(BufferUsage::MapWrite.0 | BufferUsage::CopySrc.0),
    BufferUsage(BufferUsage::Storage.0 | BufferUsage::CopySrc.0 | BufferUsage::CopyDst.0),
    BufferUsage(BufferUsage::Uniform.0 | BufferUsage::CopyDst.0),
    BufferUsage::Storage,
    BufferUsage(BufferUsage::Indirect.0 | BufferUsage::Storage.0 | BufferUsage::CopyDst.0),
    BufferUsage(BufferUsage::QueryResolve.0 | BufferUsage::CopySrc.0),
    // Invalid combinations.
    BufferUsage(BufferUsage::MapRead.0 | BufferUsage::MapWrite.0),
    BufferUsage(BufferUsage::MapRead.0 | BufferUsage::Storage.0),
    BufferUsage::None,
];

/// A random operation count in a sequence.
pub fn ops_per_sequence(rng: &mut Rng) -> usize {
    40 + rng.index(160)
}

enum View<'b> {
    Read(BufferView<'b>),
    Write(BufferViewMut<'b>),
}

/// One sequence's objects.
struct Seq<'p> {
    rng: Rng,
    stats: Stats,
    verbose: bool,
    progress: Option<&'p Progress>,
    /// Other threads use the same device and buffers.
    shared: bool,
    limits: Limits,
    device: Option<Device>,
    queue: Option<Queue>,
    lost: bool,
    buffers: Vec<Buffer>,
    maps: Vec<(Buffer, Pending<()>)>,
    work: Vec<Pending<()>>,
    modules: Vec<ShaderModule>,
    infos: Vec<Pending<CompilationInfo>>,
    pipelines: Vec<ComputePipeline>,
    pipeline_futures: Vec<Pending<ComputePipeline>>,
    groups: Vec<BindGroup>,
    commands: Vec<CommandBuffer>,
    lost_future: Option<Pending<DeviceLostInfo>>,
    op_index: usize,
}

/// Caps the memory a sequence holds (lavapipe allocates host memory).
const MAX_LIVE_BYTES: u64 = 768 << 20;

/// A new device (from a new adapter: Dawn consumes an adapter after one device) that counts its
/// uncaptured errors.
fn counting_device(
    env: &Env,
    label: &str,
) -> std::result::Result<(Device, Arc<AtomicU64>), String> {
    let uncaptured = Arc::new(AtomicU64::new(0));
    let sink = uncaptured.clone();
    let adapter = env
        .instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait_timeout(HANG)
        .map_err(|e| format!("requesting an adapter: {e}"))?;
    let device = adapter
        .request_device(&DeviceDescriptor {
            label,
            on_uncaptured_error: Some(Arc::new(move |_: &Error| {
                sink.fetch_add(1, Ordering::Relaxed);
            })),
            ..Default::default()
        })
        .wait_timeout(HANG)
        .map_err(|e| format!("requesting a device: {e}"))?;
    Ok((device, uncaptured))
}

/// Runs the sequence seeded with `seed` on a new device of `env`. `Err` describes a failure (a broken
/// invariant or a hang); panics propagate.
pub fn run_sequence(
    env: &Env,
    seed: u64,
    verbose: bool,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    if let Some(p) = progress {
        p.seed.store(seed, Ordering::Relaxed);
        p.tick(0);
    }
    let mut rng = Rng::new(seed);
    let (device, uncaptured) = counting_device(env, "fuzz")?;
    let ops = ops_per_sequence(&mut rng);
    let mut seq = Seq::new(rng, device, Vec::new(), false, verbose, progress);
    seq.run(ops)?;
    let mut stats = std::mem::take(&mut seq.stats);
    seq.drop_all();
    stats.uncaptured = uncaptured.load(Ordering::Relaxed);
    stats.sequences = 1;
    Ok(stats)
}

/// Like [`run_sequence`], with `threads` threads sharing one device and a pool of buffers, each running
/// its own random sequence on them at the same time (map, view, unmap, destroy, submit, lose the device
/// races). Not reproducible op by op (thread interleaving), but the seed fixes each thread's choices.
pub fn run_threaded_sequence(
    env: &Env,
    seed: u64,
    threads: u64,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    if let Some(p) = progress {
        p.seed.store(seed, Ordering::Relaxed);
        p.tick(0);
    }
    let mut rng = Rng::new(seed);
    let (device, uncaptured) = counting_device(env, "fuzz threads")?;
    let mut pool = Vec::new();
    for i in 0..8 {
        let usage = USAGES[i % 4];
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
    let results: Vec<std::result::Result<Stats, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .iter()
            .map(|&thread_seed| {
                let (device, pool) = (device.clone(), pool.clone());
                s.spawn(move || {
                    let mut rng = Rng::new(thread_seed);
                    let ops = ops_per_sequence(&mut rng);
                    let mut seq = Seq::new(rng, device, pool, true, false, progress);
                    seq.run(ops)?;
                    let stats = std::mem::take(&mut seq.stats);
                    seq.drop_all();
                    Ok(stats)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|panic| {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    Err(format!("a fuzz thread panicked: {msg}"))
                })
            })
            .collect()
    });
    drop(pool);
    drop(device);
    let mut total = Stats::default();
    for r in results {
        total.merge(&r?);
    }
    total.uncaptured = uncaptured.load(Ordering::Relaxed);
    total.sequences = 1;
    Ok(total)
}

type Failure = std::result::Result<(), String>;

fn map_pending(m: &mut (Buffer, Pending<()>)) -> &mut Pending<()> {
    &mut m.1
}

impl<'p> Seq<'p> {
    fn new(
        mut rng: Rng,
        device: Device,
        buffers: Vec<Buffer>,
        shared: bool,
        verbose: bool,
        progress: Option<&'p Progress>,
    ) -> Self {
        let lost_future = rng.chance(1, 2).then(|| device.lost());
        Seq {
            rng,
            stats: Stats::default(),
            verbose,
            progress,
            shared,
            limits: device.limits(),
            queue: Some(device.queue()),
            device: Some(device),
            lost: false,
            buffers,
            maps: Vec::new(),
            work: Vec::new(),
            modules: Vec::new(),
            infos: Vec::new(),
            pipelines: Vec::new(),
            pipeline_futures: Vec::new(),
            groups: Vec::new(),
            commands: Vec::new(),
            lost_future,
            op_index: 0,
        }
    }

    fn run(&mut self, ops: usize) -> Failure {
        for i in 0..ops {
            self.op_index = i;
            if let Some(p) = self.progress {
                p.tick(i);
            }
            self.step(0)?;
        }
        self.finish()
    }

    /// An exclusive-use oracle: `r` must be `Ok`, unless other threads share the objects (then another
    /// thread's live view may make it `InvalidUse`).
    fn expect_ok_alone(&self, what: &str, r: &Result<()>) -> Failure {
        match r {
            Ok(()) => Ok(()),
            Err(e) if self.shared && e.kind() == ErrorKind::InvalidUse => Ok(()),
            Err(e) => Err(format!("{what} with no live view of ours returned {e}")),
        }
    }

    fn log(&self, what: &str) {
        if self.verbose {
            eprintln!("  op {}: {what}", self.op_index);
        }
    }

    /// A device handle: ours, or (after we dropped ours) the one a buffer keeps alive.
    fn dev(&self) -> Option<Device> {
        self.device
            .clone()
            .or_else(|| self.buffers.first().map(|b| b.device().clone()))
    }

    fn live_bytes(&self) -> u64 {
        self.buffers.iter().map(|b| b.size()).sum::<u64>()
            + self.maps.iter().map(|(b, _)| b.size()).sum::<u64>()
    }

    fn any_buffer(&mut self) -> Option<Buffer> {
        (!self.buffers.is_empty()).then(|| self.buffers[self.rng.index(self.buffers.len())].clone())
    }

    fn step(&mut self, depth: u32) -> Failure {
        let choice = self.rng.below(if depth > 0 { 22 } else { 25 });
        match choice {
            0..=2 => self.create_buffer(),
            3 => self.write_buffer(),
            4..=5 => self.map(),
            6..=7 => self.wait_some(),
            9 if self.rng.chance(1, 2) => self.guard(),
            8..=9 => self.views(),
            10 => self.unmap(),
            11 => self.destroy_buffer(),
            12 => self.drop_something(),
            13 => self.copy(),
            14..=15 => self.dispatch(),
            16 => self.shader(),
            17 => self.pipeline(),
            18 => self.submit_stashed(),
            19 => self.work_done(),
            20 => self.mapped_copy(),
            21 => self.read_back(),
            22..=23 => self.scope(depth),
            _ => self.lose_or_drop_device(),
        }
    }

    fn create_buffer(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let max = self.limits.max_buffer_size;
        let mut size = match self.rng.below(12) {
            0 => 0,
            1 => self.rng.below(16),
            2 => self.rng.below(4096) * 4,
            3 => self.rng.below(1 << 20),
            4 if self.rng.chance(1, 8) => max,
            5 => max + 1 + self.rng.below(100),
            6 => u64::MAX - self.rng.below(8),
            7 => 1 << (30 + self.rng.below(30)),
            8 => self.rng.below(64 << 20) & !3,
            _ => 4 * (1 + self.rng.below(256)),
        };
        if size <= max && size > (1 << 20) && self.live_bytes() + size > MAX_LIVE_BYTES {
            // Keep the process bounded: free the biggest buffer first.
            self.free_biggest();
            size = 1 << 20;
        }
        let usage = if self.rng.chance(1, 6) {
            BufferUsage(self.rng.next_u64() & 0x3ff | (self.rng.below(2) << 40))
        } else {
            self.rng.pick(USAGES)
        };
        let mapped_at_creation = self.rng.chance(1, 4);
        self.log(&format!(
            "create_buffer size {size} usage {usage:?} mapped {mapped_at_creation}"
        ));
        let result = device.create_buffer(&BufferDescriptor {
            label: "fuzz",
            size,
            usage,
            mapped_at_creation,
        });
        if size > max && result.is_ok() {
            return Err(format!(
                "a buffer of {size} bytes over maxBufferSize {max} was created"
            ));
        }
        if self.lost
            && let Err(e) = &result
            && e.kind() != ErrorKind::DeviceLost
            && size <= max
            && (!mapped_at_creation || size.is_multiple_of(4))
        {
            return Err(format!("create_buffer after loss: {e} (want DeviceLost)"));
        }
        if self.lost && result.is_ok() {
            return Err("create_buffer succeeded on a lost device".into());
        }
        self.stats.record(&result);
        if let Ok(buffer) = result {
            self.buffers.push(buffer);
        }
        Ok(())
    }

    fn free_biggest(&mut self) {
        if let Some((i, _)) = self
            .buffers
            .iter()
            .enumerate()
            .max_by_key(|(_, b)| b.size())
        {
            let b = self.buffers.swap_remove(i);
            let r = b.destroy();
            self.stats.record(&r);
        }
        // Pending maps keep buffers too.
        self.maps.retain(|(b, _)| b.size() <= 1 << 20);
    }

    fn offset_in(&mut self, size: u64) -> u64 {
        match self.rng.below(6) {
            0 => 0,
            1 => size,
            2 => size.saturating_sub(4),
            3 => self.rng.below(size + 1) & !7,
            4 => self.rng.below(size + 9),
            _ => self.rng.pick(&[u64::MAX, u64::MAX - 3, 1 << 40, 3]),
        }
    }

    fn write_buffer(&mut self) -> Failure {
        let (Some(buffer), Some(queue)) = (self.any_buffer(), self.queue.clone()) else {
            return Ok(());
        };
        let offset = self.offset_in(buffer.size());
        let len = match self.rng.below(4) {
            0 => 0,
            1 => buffer.size().saturating_sub(offset).min(1 << 20) as usize,
            2 => self.rng.index(64),
            _ => 4 * self.rng.index(1024),
        };
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        self.log(&format!("write_buffer {buffer:?} at {offset} len {len}"));
        let r = queue.write_buffer(&buffer, offset, &data);
        self.stats.record(&r);
        Ok(())
    }

    fn random_range(&mut self, size: u64) -> (u64, u64) {
        match self.rng.below(5) {
            0 => (0, size),
            1 => {
                let start = self.rng.below(size / 8 + 1) * 8;
                let end = start + (self.rng.below((size - start.min(size)) / 4 + 1) * 4);
                (start, end.min(size))
            }
            2 => (self.rng.below(size + 16), self.rng.below(size + 16)),
            3 => (size, size),
            _ => (0, size.saturating_add(self.rng.below(16))),
        }
    }

    fn map(&mut self) -> Failure {
        let Some(buffer) = self.any_buffer() else {
            return Ok(());
        };
        let mode = self.rng.pick(&[
            MapMode::Read,
            MapMode::Write,
            MapMode::Read,
            MapMode::Write,
            MapMode::None,
            MapMode(3),
        ]);
        let (start, end) = self.random_range(buffer.size());
        self.log(&format!("map_async {buffer:?} {mode:?} {start}..{end}"));
        let mut pending = if self.rng.chance(1, 6) {
            buffer.map_async(mode, ..)
        } else {
            buffer.map_async(mode, start..end)
        };
        if self.lost && pending.is_ready() {
            let r = pending.wait_timeout(Duration::ZERO);
            if r.is_ok() {
                return Err("map_async succeeded on a lost device".into());
            }
        }
        if self.rng.chance(1, 10) {
            // Dropped at once: the map goes on (or fails) by itself.
            drop(pending);
        } else {
            self.maps.push((buffer, pending));
        }
        Ok(())
    }

    /// Waits on one pending operation: briefly (it may stay pending), or until it must have completed.
    fn wait_some(&mut self) -> Failure {
        let total =
            self.maps.len() + self.work.len() + self.pipeline_futures.len() + self.infos.len();
        if total == 0 {
            return Ok(());
        }
        let brief = self.rng.chance(1, 2);
        let timeout = if brief {
            Duration::from_millis(self.rng.below(20))
        } else {
            HANG
        };
        let mut i = self.rng.index(total);
        self.log(&format!("wait #{i} of {total} for {timeout:?}"));
        macro_rules! wait_in {
            ($list:expr, $what:literal, $get:expr) => {{
                let r = $get(&mut $list[i]).wait_timeout(timeout);
                if matches!(&r, Err(e) if e.kind() == ErrorKind::Timeout) {
                    if !brief {
                        return Err(format!("HANG: a pending {} did not resolve in {HANG:?}", $what));
                    }
                } else {
                    self.stats.record(&r);
                    drop($list.swap_remove(i));
                }
                return Ok(());
            }};
        }
        if i < self.maps.len() {
            wait_in!(self.maps, "map_async", map_pending);
        }
        i -= self.maps.len();
        if i < self.work.len() {
            wait_in!(self.work, "on_submitted_work_done", |p| p);
        }
        i -= self.work.len();
        if i < self.pipeline_futures.len() {
            let r = self.pipeline_futures[i].wait_timeout(timeout);
            match r {
                Err(e) if e.kind() == ErrorKind::Timeout => {
                    if !brief {
                        return Err(format!(
                            "HANG: a pending pipeline creation did not resolve in {HANG:?}"
                        ));
                    }
                }
                r => {
                    self.stats.record(&r);
                    drop(self.pipeline_futures.swap_remove(i));
                    if let Ok(p) = r {
                        self.pipelines.push(p);
                    }
                }
            }
            return Ok(());
        }
        i -= self.pipeline_futures.len();
        wait_in!(self.infos, "get_compilation_info", |p| p);
    }

    /// Takes a buffer's whole mapping as a `Mapping` guard (mapping the buffer first, mostly), reads or
    /// writes through it, checks that nothing else can view, unmap or free the memory, drops it.
    fn guard(&mut self) -> Failure {
        let Some(buffer) = self.any_buffer() else {
            return Ok(());
        };
        if self.rng.chance(3, 4) && buffer.map_state() == BufferMapState::Unmapped {
            let mode = if buffer.usage().contains(BufferUsage::MapWrite) {
                MapMode::Write
            } else {
                MapMode::Read
            };
            let (start, end) = self.random_range(buffer.size());
            let r = buffer.map_async(mode, start..end).wait_timeout(HANG);
            self.record_wait(&r, "map_async")?;
        }
        self.log(&format!("take_mapping {buffer:?}"));
        let r = buffer.take_mapping();
        self.stats.record(&r);
        let Ok(mut mapping) = r else {
            return Ok(());
        };
        let _sum: u64 = mapping.iter().map(|&x| x as u64).sum();
        if let Ok(bytes) = mapping.bytes_mut() {
            bytes.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        }
        // Oracles: while the guard lives, nothing else may reach or end the mapping.
        // (A whole-buffer view of a buffer whose size is not a multiple of 4 is refused as misaligned.)
        let refused = |r: Result<()>, what: &str| match r {
            Err(e) if matches!(e.kind(), ErrorKind::InvalidUse | ErrorKind::Validation) => Ok(()),
            r => Err(format!("{what} with a live Mapping guard returned {r:?}")),
        };
        refused(buffer.get_mapped_range(..).map(drop), "a view")?;
        refused(buffer.take_mapping().map(drop), "a second guard")?;
        refused(buffer.unmap(), "unmap")?;
        refused(buffer.destroy(), "destroy")?;
        // A device already lost is left as it is (`Ok`); another thread may have lost it meanwhile.
        let was_lost = buffer.device().is_lost();
        let r = buffer.device().destroy();
        if !(r.is_ok() && (was_lost || (self.shared && buffer.device().is_lost()))) {
            refused(r, "device destroy")?;
        }
        if self.rng.chance(1, 2) {
            mapping.unmap();
        } else {
            drop(mapping);
        }
        Ok(())
    }

    /// Opens views of random ranges of one or two buffers, checks that nothing can unmap them, drops them
    /// in random order.
    fn views(&mut self) -> Failure {
        let Some(a) = self.any_buffer() else {
            return Ok(());
        };
        let b = self.any_buffer().expect("not empty");
        let bufs = [a, b];
        // Mostly on a buffer mapped for real: map it first when its usage allows.
        if self.rng.chance(2, 3) && bufs[0].map_state() == BufferMapState::Unmapped {
            let usage = bufs[0].usage();
            let mode = if usage.contains(BufferUsage::MapWrite) {
                MapMode::Write
            } else {
                MapMode::Read
            };
            let (start, end) = if self.rng.chance(1, 2) {
                (0, bufs[0].size())
            } else {
                self.random_range(bufs[0].size())
            };
            let r = bufs[0].map_async(mode, start..end).wait_timeout(HANG);
            self.record_wait(&r, "map_async")?;
        }
        let mut views: Vec<(usize, View<'_>)> = Vec::new();
        for _ in 0..1 + self.rng.below(5) {
            let which = self.rng.index(2);
            let buffer = &bufs[which];
            let (start, end) = self.random_range(buffer.size());
            let write = self.rng.chance(1, 2);
            let full = self.rng.chance(1, 5);
            self.log(&format!(
                "view {buffer:?} {start}..{end} write {write} full {full}"
            ));
            if write {
                let r = if full {
                    buffer.get_mapped_range_mut(..)
                } else {
                    buffer.get_mapped_range_mut(start..end)
                };
                self.stats.record(&r);
                if let Ok(mut v) = r {
                    let n = v.len();
                    for (i, byte) in v.iter_mut().enumerate() {
                        *byte = (i ^ n) as u8;
                    }
                    views.push((which, View::Write(v)));
                }
            } else {
                let r = if full {
                    buffer.get_mapped_range(..)
                } else {
                    buffer.get_mapped_range(start..end)
                };
                self.stats.record(&r);
                if let Ok(v) = r {
                    let _sum: u64 = v.iter().map(|&x| x as u64).sum();
                    views.push((which, View::Read(v)));
                }
            }
        }
        // Oracles: with a view alive, nothing may unmap or free its memory.
        if let Some((which, _)) = views.first() {
            let buffer = &bufs[*which];
            let r = buffer.unmap();
            if !matches!(&r, Err(e) if e.kind() == ErrorKind::InvalidUse) {
                return Err(format!("unmap with a live view returned {r:?}"));
            }
            let r = buffer.destroy();
            if !matches!(&r, Err(e) if e.kind() == ErrorKind::InvalidUse) {
                return Err(format!("destroy with a live view returned {r:?}"));
            }
            let device = buffer.device().clone();
            let was_lost = device.is_lost();
            let r = if self.rng.chance(1, 2) {
                device.destroy()
            } else {
                device.force_loss("fuzz: loss with a live view")
            };
            // Refused while our view lives; a device already lost is left as it is (`Ok`): another
            // thread may have lost it meanwhile.
            let lost_before = was_lost || (self.shared && device.is_lost());
            let refused = matches!(&r, Err(e) if e.kind() == ErrorKind::InvalidUse);
            if !(refused || lost_before && r.is_ok()) {
                return Err(format!(
                    "destroying the device with a live view returned {r:?}"
                ));
            }
            let mut p = buffer.map_async(MapMode::Read, ..);
            match p.wait_timeout(Duration::ZERO) {
                Err(e)
                    if e.kind() == ErrorKind::Validation || e.kind() == ErrorKind::DeviceLost => {}
                r => {
                    return Err(format!(
                        "map_async of a buffer with a live view returned {r:?}"
                    ));
                }
            }
            // Mapped copies beside the views.
            let mut bytes = vec![0u8; 8 * self.rng.index(4)];
            let offset = self.rng.below(buffer.size() + 1) & !7;
            let r = buffer.read_mapped_range(offset, &mut bytes);
            self.stats.record(&r);
            let r = buffer.write_mapped_range(offset, &bytes);
            self.stats.record(&r);
            // A submit using a mapped buffer is a validation error, not a crash.
            if let Some(queue) = &self.queue {
                let r = queue.write_buffer(buffer, 0, &[0u32]);
                self.stats.record(&r);
            }
        }
        while !views.is_empty() {
            let i = self.rng.index(views.len());
            let (_, v) = views.swap_remove(i);
            match v {
                View::Read(v) => drop(v),
                View::Write(mut v) => {
                    if let Some(first) = v.first_mut() {
                        *first = 0xAB;
                    }
                    drop(v)
                }
            }
        }
        if self.rng.chance(1, 2) {
            let r = bufs[0].unmap();
            self.expect_ok_alone("unmap", &r)?;
        }
        Ok(())
    }

    fn unmap(&mut self) -> Failure {
        let Some(buffer) = self.any_buffer() else {
            return Ok(());
        };
        self.log(&format!("unmap {buffer:?}"));
        let r = buffer.unmap();
        self.expect_ok_alone("unmap", &r)?;
        self.stats.record(&r);
        Ok(())
    }

    fn destroy_buffer(&mut self) -> Failure {
        let Some(buffer) = self.any_buffer() else {
            return Ok(());
        };
        self.log(&format!("destroy {buffer:?}"));
        let r = buffer.destroy();
        self.expect_ok_alone("destroy", &r)?;
        self.stats.record(&r);
        Ok(())
    }

    fn drop_something(&mut self) -> Failure {
        let r = &mut self.rng;
        match r.below(9) {
            0 if !self.buffers.is_empty() => {
                drop(self.buffers.swap_remove(r.index(self.buffers.len())))
            }
            1 if !self.maps.is_empty() => drop(self.maps.swap_remove(r.index(self.maps.len()))),
            2 if !self.work.is_empty() => drop(self.work.swap_remove(r.index(self.work.len()))),
            3 if !self.modules.is_empty() => {
                drop(self.modules.swap_remove(r.index(self.modules.len())))
            }
            4 if !self.pipelines.is_empty() => {
                drop(self.pipelines.swap_remove(r.index(self.pipelines.len())))
            }
            5 if !self.pipeline_futures.is_empty() => drop(
                self.pipeline_futures
                    .swap_remove(r.index(self.pipeline_futures.len())),
            ),
            6 if !self.groups.is_empty() => {
                drop(self.groups.swap_remove(r.index(self.groups.len())))
            }
            7 if !self.commands.is_empty() => {
                drop(self.commands.swap_remove(r.index(self.commands.len())))
            }
            8 if !self.infos.is_empty() => drop(self.infos.swap_remove(r.index(self.infos.len()))),
            _ => {}
        }
        self.log("drop something");
        Ok(())
    }

    fn copy(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let mut encoder =
            device.create_command_encoder(&CommandEncoderDescriptor { label: "fuzz copy" });
        for _ in 0..1 + self.rng.below(4) {
            let (Some(src), Some(dst)) = (self.any_buffer(), self.any_buffer()) else {
                break;
            };
            if self.rng.chance(1, 4) {
                let offset = self.offset_in(dst.size());
                let size = self
                    .rng
                    .chance(1, 2)
                    .then(|| self.rng.below(dst.size() + 8));
                self.log(&format!("clear_buffer {dst:?} {offset} {size:?}"));
                encoder.clear_buffer(&dst, offset, size);
            } else {
                let so = self.offset_in(src.size());
                let d = self.offset_in(dst.size());
                let size = match self.rng.below(3) {
                    0 => src.size().min(dst.size()),
                    1 => self.rng.below(64) * 4,
                    _ => self.rng.below(src.size() + 16),
                };
                self.log(&format!("copy {src:?}+{so} -> {dst:?}+{d} size {size}"));
                encoder.copy_buffer_to_buffer(&src, so, &dst, d, size);
            }
        }
        if self.rng.chance(1, 10) {
            return Ok(()); // dropped unfinished
        }
        let command = encoder.finish();
        self.stash_or_submit(command);
        Ok(())
    }

    fn stash_or_submit(&mut self, command: CommandBuffer) {
        if self.rng.chance(1, 4) {
            self.commands.push(command);
        } else if let Some(queue) = &self.queue {
            queue.submit(&[command]);
        }
    }

    fn submit_stashed(&mut self) -> Failure {
        let Some(queue) = self.queue.clone() else {
            return Ok(());
        };
        if self.commands.is_empty() {
            return Ok(());
        }
        let n = 1 + self.rng.index(self.commands.len());
        let mut batch = Vec::new();
        for _ in 0..n {
            let i = self.rng.index(self.commands.len());
            // Sometimes submitted twice: a validation error.
            batch.push(if self.rng.chance(1, 3) {
                self.commands[i].clone()
            } else {
                self.commands.swap_remove(i)
            });
            if self.commands.is_empty() {
                break;
            }
        }
        self.log(&format!("submit {} stashed", batch.len()));
        queue.submit(&batch);
        Ok(())
    }

    fn shader(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let code = wgsl(&mut self.rng);
        self.log(&format!(
            "shader {:?}",
            code.chars().take(40).collect::<String>()
        ));
        let desc = ShaderModuleDescriptor {
            label: "fuzz",
            code: &code,
        };
        if self.rng.chance(1, 2) {
            let r = device.create_shader_module_checked(&desc);
            self.stats.record(&r);
            if let Ok(m) = r {
                self.modules.push(m);
            }
        } else {
            let m = device.create_shader_module(&desc);
            if self.rng.chance(1, 3) {
                self.infos.push(m.get_compilation_info());
            }
            self.modules.push(m);
        }
        Ok(())
    }

    fn pipeline(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        if self.modules.is_empty() || self.rng.chance(1, 4) {
            let code = self.rng.pick(VALID);
            self.modules
                .push(device.create_shader_module(&ShaderModuleDescriptor {
                    label: "fuzz",
                    code,
                }));
        }
        let module = self.modules[self.rng.index(self.modules.len())].clone();
        let entry_point = self
            .rng
            .pick(&[None, None, Some("main"), Some("other"), Some("")]);
        let constants: &[(&str, f64)] = self.rng.pick(&[
            &[][..],
            &[("k", 7.0)][..],
            &[("nope", 1.0)][..],
            &[("k", f64::NAN)][..],
            &[("k", -1.0)][..],
        ]);
        let layout = self.rng.chance(1, 4).then(|| {
            let bgl = device.create_bind_group_layout(&BindGroupLayoutDescriptor {
                label: "fuzz",
                entries: &[BindGroupLayoutEntry::storage(0, false)],
            });
            device.create_pipeline_layout(&PipelineLayoutDescriptor {
                label: "fuzz",
                bind_group_layouts: &[bgl],
                immediate_size: 0,
            })
        });
        let desc = ComputePipelineDescriptor {
            label: "fuzz",
            layout: layout.as_ref(),
            module: &module,
            entry_point,
            constants,
        };
        self.log(&format!(
            "pipeline entry {entry_point:?} constants {constants:?}"
        ));
        if self.rng.chance(1, 2) {
            self.pipeline_futures
                .push(device.create_compute_pipeline_async(&desc));
        } else {
            self.pipelines.push(device.create_compute_pipeline(&desc));
        }
        Ok(())
    }

    fn dispatch(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        if self.pipelines.is_empty() {
            return self.pipeline();
        }
        let pipeline = self.pipelines[self.rng.index(self.pipelines.len())].clone();
        let group = if self.rng.chance(1, 3) && !self.groups.is_empty() {
            Some(self.groups[self.rng.index(self.groups.len())].clone())
        } else if let Some(buffer) = self.any_buffer() {
            let layout = pipeline.get_bind_group_layout(self.rng.below(3) as u32 / 2);
            let binding = self.rng.below(3) as u32 / 2;
            let entry = if self.rng.chance(1, 2) {
                BindGroupEntry::buffer(binding, &buffer)
            } else {
                let offset = self
                    .rng
                    .pick(&[0, 4, 256, buffer.size(), buffer.size() + 256]);
                let size =
                    self.rng
                        .pick(&[None, Some(0), Some(4), Some(buffer.size()), Some(u64::MAX)]);
                BindGroupEntry {
                    binding,
                    resource: BindingResource::Buffer(BufferBinding {
                        buffer: &buffer,
                        offset,
                        size,
                    }),
                }
            };
            let extra = self.any_buffer().expect("not empty");
            let entries = [entry, BindGroupEntry::buffer(1, &extra)];
            let count = 1 + self.rng.index(2);
            let group = device.create_bind_group(&BindGroupDescriptor {
                label: "fuzz",
                layout: &layout,
                entries: &entries[..count],
            });
            if self.rng.chance(1, 3) {
                self.groups.push(group.clone());
            }
            Some(group)
        } else {
            None
        };
        let mut encoder = device.create_command_encoder(&Default::default());
        let indirect = if self.rng.chance(1, 6) {
            // Small counts only: a random indirect buffer could ask for hours of work.
            let counts = [self.rng.below(4) as u32, 1, 1, 0];
            device
                .create_buffer_init(&BufferInitDescriptor {
                    label: "fuzz indirect",
                    contents: bytemuck::cast_slice(&counts),
                    usage: self
                        .rng
                        .pick(&[BufferUsage::Indirect, BufferUsage::Storage]),
                })
                .ok()
        } else {
            None
        };
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            if self.rng.chance(9, 10) {
                pass.set_pipeline(&pipeline);
            }
            if let Some(group) = &group {
                let offsets: &[u32] = self.rng.pick(&[&[][..], &[0][..], &[256, 3][..]]);
                pass.set_bind_group(self.rng.below(5) as u32 / 4, group, offsets);
            }
            let (x, y, z) = if self.rng.chance(1, 8) {
                (
                    self.rng.pick(&[65536, u32::MAX, 1 << 20]),
                    1 + self.rng.below(2) as u32,
                    1,
                )
            } else {
                (
                    self.rng.below(17) as u32,
                    1 + self.rng.below(2) as u32,
                    1 + self.rng.below(2) as u32,
                )
            };
            self.log(&format!(
                "dispatch {x}x{y}x{z} indirect {}",
                indirect.is_some()
            ));
            match &indirect {
                Some(b) => {
                    pass.dispatch_workgroups_indirect(b, self.rng.pick(&[0, 4, 3, 16, 1 << 33]))
                }
                None => pass.dispatch_workgroups(x, y, z),
            }
            if self.rng.chance(1, 2) {
                pass.end();
            } // else: ended on drop
        }
        let command = encoder.finish();
        self.stash_or_submit(command);
        Ok(())
    }

    fn work_done(&mut self) -> Failure {
        let Some(queue) = self.queue.clone() else {
            return Ok(());
        };
        self.log("on_submitted_work_done");
        self.work.push(queue.on_submitted_work_done());
        Ok(())
    }

    fn mapped_copy(&mut self) -> Failure {
        let Some(buffer) = self.any_buffer() else {
            return Ok(());
        };
        let offset = self.offset_in(buffer.size());
        let mut bytes = vec![0u8; self.rng.index(64)];
        self.log(&format!(
            "read/write_mapped_range {buffer:?} {offset} {}",
            bytes.len()
        ));
        let r = buffer.read_mapped_range(offset, &mut bytes);
        self.stats.record(&r);
        let r = buffer.write_mapped_range(offset, &bytes);
        self.stats.record(&r);
        Ok(())
    }

    fn read_back(&mut self) -> Failure {
        let Some(buffer) = self.any_buffer() else {
            return Ok(());
        };
        if buffer.size() > 1 << 20 {
            return Ok(());
        }
        self.log(&format!("read_back {buffer:?}"));
        let r = buffer.read_back::<u32>();
        if let Ok(values) = &r
            && values.len() as u64 * 4 != buffer.size()
        {
            return Err(format!(
                "read_back returned {} values for {} bytes",
                values.len(),
                buffer.size()
            ));
        }
        self.stats.record(&r);
        Ok(())
    }

    fn scope(&mut self, depth: u32) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let n = 1 + self.rng.below(4);
        self.log(&format!("error scope around {n} ops"));
        if self.rng.chance(1, 2) {
            let mut failure = Ok(());
            let r = device.scoped(|_| {
                for _ in 0..n {
                    failure = failure.clone().and_then(|_| self.step(depth + 1));
                }
            });
            failure?;
            self.stats.record(&r);
        } else {
            let filter = self.rng.pick(&[
                ErrorFilter::Validation,
                ErrorFilter::OutOfMemory,
                ErrorFilter::Internal,
            ]);
            let scope = device.push_error_scope(filter);
            for _ in 0..n {
                self.step(depth + 1)?;
            }
            if self.rng.chance(1, 4) {
                drop(scope);
            } else {
                let r = scope.pop().wait_timeout(HANG);
                self.record_wait(&r, "popping an error scope")?;
            }
        }
        Ok(())
    }

    fn lose_or_drop_device(&mut self) -> Failure {
        match self.rng.below(16) {
            0 if !self.lost && std::env::var_os("FUZZ_NO_LOSS").is_none() => {
                let Some(device) = self.dev() else {
                    return Ok(());
                };
                let mut destroy = self.rng.chance(1, 2);
                // Debugging aid: FUZZ_LOSS=destroy or FUZZ_LOSS=force picks one kind of loss.
                match std::env::var("FUZZ_LOSS").as_deref() {
                    Ok("destroy") => destroy = true,
                    Ok("force") => destroy = false,
                    _ => {}
                }
                self.log(&format!(
                    "device {}",
                    if destroy { "destroy" } else { "force_loss" }
                ));
                let r = if destroy {
                    device.destroy()
                } else {
                    device.force_loss("fuzz")
                };
                self.expect_ok_alone("losing the device", &r)?;
                if r.is_err() {
                    return Ok(()); // another thread's view is alive: refused, not lost
                }
                self.lost = true;
                self.stats.losses += 1;
                let r = device.create_buffer(&BufferDescriptor {
                    size: 4,
                    usage: BufferUsage::CopyDst,
                    ..Default::default()
                });
                if !matches!(&r, Err(e) if e.kind() == ErrorKind::DeviceLost) {
                    return Err(format!("create_buffer after loss returned {r:?}"));
                }
                if let Some(f) = &mut self.lost_future {
                    let r = f.wait_timeout(HANG);
                    if r.is_err() {
                        return Err(format!("device.lost() after a loss returned {r:?}"));
                    }
                }
            }
            1 => {
                self.log("drop our device and queue handles");
                self.device = None;
                if self.rng.chance(1, 2) {
                    self.queue = None;
                }
            }
            _ => {
                if let Some(device) = self.dev() {
                    let _ = device.limits();
                    let _ = device.features();
                    let _ = device.adapter_info();
                    let _ = device.is_lost();
                }
            }
        }
        Ok(())
    }

    /// At the end, sometimes wait for everything: all pending operations must resolve.
    fn finish(&mut self) -> Failure {
        if self.rng.chance(1, 2) {
            return Ok(());
        }
        for (_, mut p) in std::mem::take(&mut self.maps) {
            self.record_wait(&p.wait_timeout(HANG), "a map")?;
        }
        for mut p in std::mem::take(&mut self.work) {
            self.record_wait(&p.wait_timeout(HANG), "work done")?;
        }
        for mut p in std::mem::take(&mut self.pipeline_futures) {
            self.record_wait(&p.wait_timeout(HANG), "a pipeline")?;
        }
        Ok(())
    }

    /// Records the result of a wait of `HANG`; a timeout there is a hang of `what`.
    fn record_wait<T>(&mut self, r: &Result<T>, what: &str) -> Failure {
        if matches!(r, Err(e) if e.kind() == ErrorKind::Timeout) {
            return Err(format!("HANG: {what} did not resolve in {HANG:?}"));
        }
        self.stats.record(r);
        Ok(())
    }

    /// Drops every object in a random order (the device too, possibly before its buffers).
    fn drop_all(mut self) {
        fn boxed<T: 'static>(
            items: impl IntoIterator<Item = T>,
        ) -> impl Iterator<Item = Box<dyn std::any::Any>> {
            items
                .into_iter()
                .map(|x| Box::new(x) as Box<dyn std::any::Any>)
        }
        let mut all: Vec<Box<dyn std::any::Any>> = Vec::new();
        all.extend(boxed(self.buffers.drain(..)));
        all.extend(boxed(self.maps.drain(..)));
        all.extend(boxed(self.work.drain(..)));
        all.extend(boxed(self.modules.drain(..)));
        all.extend(boxed(self.infos.drain(..)));
        all.extend(boxed(self.pipelines.drain(..)));
        all.extend(boxed(self.pipeline_futures.drain(..)));
        all.extend(boxed(self.groups.drain(..)));
        all.extend(boxed(self.commands.drain(..)));
        all.extend(boxed(self.device.take()));
        all.extend(boxed(self.queue.take()));
        all.extend(boxed(self.lost_future.take()));
        while !all.is_empty() {
            let i = self.rng.index(all.len());
            drop(all.swap_remove(i));
        }
    }
}

/// Runs sequences `first..` of `seed` until `budget` has passed or `max_sequences` ran; prints one line
/// per sequence when `print` is set. Returns the totals, or the first failure (with its replay command).
pub fn run(
    env: &Env,
    seed: u64,
    budget: Duration,
    max_sequences: u64,
    print: bool,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    let start = Instant::now();
    let mut total = Stats::default();
    let mut index = 0;
    while start.elapsed() < budget && index < max_sequences {
        let s = sequence_seed(seed, index);
        if std::env::var_os("FUZZ_TRACE").is_some() {
            // Names the sequence before it runs: a crash then leaves its seed as the last line.
            eprintln!("fuzz: starting sequence {index} ({s:#x})");
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_sequence(env, s, false, progress)
        }));
        let stats = match outcome {
            Ok(Ok(stats)) => stats,
            Ok(Err(failure)) => {
                return Err(format!(
                    "sequence {index} (seed {s:#x}) failed: {failure}\n  replay: cargo run --release --example fuzz -- --replay {s:#x} --verbose"
                ));
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(format!(
                    "sequence {index} (seed {s:#x}) panicked: {msg}\n  replay: cargo run --release --example fuzz -- --replay {s:#x} --verbose"
                ));
            }
        };
        if print {
            println!(
                "fuzz seed {seed} sequence {index} ({s:#x}): {} ops, {} ok, {} errors, {} uncaptured{}",
                stats.ops,
                stats.ok,
                stats.error_count(),
                stats.uncaptured,
                if stats.losses > 0 {
                    ", device lost"
                } else {
                    ""
                }
            );
        }
        total.merge(&stats);
        index += 1;
    }
    Ok(total)
}

/// Runs threaded sequences ([`run_threaded_sequence`]) of `seed` until `budget` or `max_sequences`.
pub fn run_threaded(
    env: &Env,
    seed: u64,
    threads: u64,
    budget: Duration,
    max_sequences: u64,
    print: bool,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    let start = Instant::now();
    let mut total = Stats::default();
    let mut index = 0;
    while start.elapsed() < budget && index < max_sequences {
        let s = sequence_seed(seed ^ 0x7468_7265_6164_7321, index);
        let stats = run_threaded_sequence(env, s, threads, progress).map_err(|f| {
            format!("threaded sequence {index} (seed {s:#x}, {threads} threads) failed: {f}")
        })?;
        if print {
            println!(
                "fuzz seed {seed} threaded sequence {index} ({s:#x}): {} ops, {} ok, {} errors, {} uncaptured",
                stats.ops,
                stats.ok,
                stats.error_count(),
                stats.uncaptured
            );
        }
        total.merge(&stats);
        index += 1;
    }
    Ok(total)
}
