//! Helpers shared by the workspace's integration tests, examples and benchmarks (not published).
//!
//! The crate also compiles and runs the README's code as a doctest (module `readme`), so the tour stays true.

#[doc = include_str!("../README.md")]
mod readme {}

pub mod busy;
pub mod ledger;
pub mod render;
pub mod scenes;

use dawn::{
    Adapter, Buffer, BufferDescriptor, BufferUsage, Device, DeviceDescriptor, Error, ErrorKind,
    FeatureName, Instance, Limits, MapMode, Queue, RequestAdapterOptions,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Asserts that `result` is an error of `kind` (showing the error otherwise) and returns the error.
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(result: dawn::Result<T>, kind: ErrorKind) -> Error {
    let error = result.expect_err("an error");
    assert_eq!(error.kind(), kind, "{error}");
    error
}

/// How long tests wait on any single GPU operation before failing instead of hanging.
pub const WAIT: Duration = Duration::from_secs(60);

/// The environment variable that lets the suite skip what this machine lacks (an adapter feature,
/// wgpu-native): a comma-separated list of the names [`require`] uses, or `all`. Unset, as in CI, anything
/// missing fails the test that needs it.
pub const ALLOW_MISSING: &str = "DAWN_RS_ALLOW_MISSING";

/// Whether `what` is here. Every adapter the suite targets (lavapipe in CI, the H200) has what the tests
/// require, so a missing one fails the test, unless [`ALLOW_MISSING`] names it: then this prints a
/// `SKIPPED` line and returns `false`, and the test skips its checks of `what`.
#[track_caller]
pub fn require(present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    let allowed = std::env::var(ALLOW_MISSING).unwrap_or_default();
    if allowed
        .split(',')
        .any(|name| name.trim() == what || name.trim() == "all")
    {
        eprintln!("SKIPPED: {what} is missing here ({ALLOW_MISSING}={allowed})");
        return false;
    }
    panic!(
        "{what} is missing on this machine, and every machine the suite targets has it; set \
         {ALLOW_MISSING}={what} to skip what needs it"
    );
}

/// An instance, adapter and device, with every uncaptured error recorded.
pub struct Gpu {
    /// The instance.
    pub instance: Instance,
    /// The adapter (the default one: lavapipe on CI).
    pub adapter: Adapter,
    /// The device.
    pub device: Device,
    /// Its queue.
    pub queue: Queue,
    /// Errors no error scope caught, in order.
    pub uncaptured: Arc<Mutex<Vec<Error>>>,
}

impl Gpu {
    /// A buffer of `size` bytes for `usage`, not mapped at creation.
    pub fn buffer(&self, size: u64, usage: BufferUsage) -> Buffer {
        self.device
            .create_buffer(&BufferDescriptor {
                label: "buffer",
                size,
                usage,
                mapped_at_creation: false,
            })
            .expect("creating a buffer")
    }

    /// A `MapRead | CopyDst` buffer holding `data`, copied in from a staging buffer on the queue.
    pub fn readable_with(&self, data: &[u32]) -> Buffer {
        let size = (data.len() * 4) as u64;
        let src = self.buffer(size, BufferUsage::CopySrc | BufferUsage::CopyDst);
        self.queue
            .write_buffer(&src, 0, data)
            .expect("write_buffer");
        let dst = self.buffer(size, BufferUsage::MapRead | BufferUsage::CopyDst);
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&src, 0, &dst, 0, size);
        self.queue.submit(&[encoder.finish()]);
        dst
    }

    /// A `MapWrite | CopySrc` buffer of `size` bytes, mapped for writing (waited on).
    pub fn mapped_for_writing(&self, size: u64) -> Buffer {
        let upload = self.buffer(size, BufferUsage::MapWrite | BufferUsage::CopySrc);
        upload
            .map_async(MapMode::Write, ..)
            .wait_timeout(WAIT)
            .expect("mapping for writing");
        upload
    }

    /// Whether the device has `feature` (see [`require`]: a missing feature fails the test).
    #[track_caller]
    pub fn require_feature(&self, feature: FeatureName) -> bool {
        require(self.device.has_feature(feature), &format!("{feature:?}"))
    }

    /// A device with `TimestampQuery` when the adapter has it, and default limits.
    pub fn new() -> Gpu {
        Gpu::with(&[], None)
    }

    /// A device with `features` (plus `TimestampQuery` when available) and `limits`.
    pub fn with(features: &[FeatureName], limits: Option<&Limits>) -> Gpu {
        let instance = Instance::new().expect("creating a Dawn instance");
        let adapter = instance
            .request_adapter(&RequestAdapterOptions::default())
            .wait_timeout(WAIT)
            .expect("no adapter: is lavapipe (Mesa 25) installed? run ./dev.sh setup");
        let mut features = features.to_vec();
        if adapter.has_feature(FeatureName::TimestampQuery) {
            features.push(FeatureName::TimestampQuery);
        }
        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = uncaptured.clone();
        let device = adapter
            .request_device(&DeviceDescriptor {
                label: "test device",
                required_features: &features,
                required_limits: limits,
                on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                    sink.lock().unwrap().push(e.clone())
                })),
                ..Default::default()
            })
            .wait_timeout(WAIT)
            .expect("requesting a device");
        let queue = device.queue();
        Gpu {
            instance,
            adapter,
            device,
            queue,
            uncaptured,
        }
    }

    /// Takes the uncaptured errors recorded so far.
    pub fn take_uncaptured(&self) -> Vec<Error> {
        std::mem::take(&mut self.uncaptured.lock().unwrap())
    }
}

/// A new instance and a device made with `desc` (for tests that need their own handlers).
pub fn device_with(desc: &DeviceDescriptor<'_>) -> (Instance, Device) {
    let instance = Instance::new().expect("creating a Dawn instance");
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait_timeout(WAIT)
        .expect("no adapter");
    let device = adapter
        .request_device(desc)
        .wait_timeout(WAIT)
        .expect("requesting a device");
    (instance, device)
}

impl Default for Gpu {
    fn default() -> Self {
        Gpu::new()
    }
}

/// The threads of this process named like an instance's event pump (`dawn-event-pump`).
pub fn event_pump_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.trim() == "dawn-event-pump")
                .count()
        })
        .unwrap_or(0)
}

/// `rounds` applications of the LCG `x -> 1664525 x + 1013904223 (mod 2^32)`, which the tests' busy kernels
/// run on the GPU, computed by squaring the affine map (fast for any count).
pub fn lcg_rounds(x: u32, rounds: u64) -> u32 {
    let (mut a, mut c) = (1_664_525u32, 1_013_904_223u32);
    let (mut ra, mut rc) = (1u32, 0u32);
    let mut n = rounds;
    while n > 0 {
        if n & 1 == 1 {
            (ra, rc) = (ra.wrapping_mul(a), rc.wrapping_mul(a).wrapping_add(c));
        }
        (a, c) = (a.wrapping_mul(a), c.wrapping_mul(a).wrapping_add(c));
        n >>= 1;
    }
    ra.wrapping_mul(x).wrapping_add(rc)
}

// ---- Helpers of the `memory_*` tests ----

/// `len` bytes of a pattern that depends on `seed` and on each byte's position and is never zero (so that
/// an unwritten or zeroed byte never passes for a written one).
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len)
        .map(|i| ((lcg_rounds(seed ^ i as u32, 1) >> 24) as u8).max(1))
        .collect()
}

/// A small deterministic random generator (xorshift64*), so that a failing sequence replays from its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value; 0 is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}
