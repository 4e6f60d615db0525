//! The API-sequence fuzzer, shared (through `#[path]` / `mod fuzz`) by `tests/fuzz_bounded.rs`,
//! `tests/reliability_leaks.rs` and `examples/fuzz.rs`.
//!
//! From one 64-bit seed it drives a fixed number of random sequences of safe calls, each on a fresh device:
//! buffers of random sizes and usages (0, odd, huge, invalid combinations), `write_buffer`, `map_async`
//! waited with timeouts, mapped views of random ranges dropped in random order, `Mapping` guards, `unmap`,
//! `destroy`, copies, clears and dispatches (a checked kernel over 3D grids, and random ones), shader
//! modules from valid and broken WGSL, pipelines (also asynchronous), error scopes, device loss and
//! destruction, threads that live a whole Dawn life, and drops in any order.
//!
//! Alone on its device, a sequence keeps a shadow model of every buffer (`shadow.rs`): its contents, its
//! map state, what recorded commands will do. So every call's outcome is predicted (`Ok`, or the exact
//! error kind; Dawn's validation checked through error scopes half of the time) and every read of GPU or
//! mapped memory is compared with what was written, copied, cleared and dispatched. Threaded sequences
//! share a device and buffers, race for one buffer's mappings, and check the kinds of what they get. In
//! both, an uncaptured error of a kind nothing provoked fails the run. A panic, a crash, a broken
//! oracle or a pending operation that never resolves is a failure; the watchdog catches calls that block.
//!
//! How much runs is fixed by the seed and the sequence count, not by the machine's speed (only timing
//! outcomes, such as a brief wait that times out, may branch a replay).

#![allow(dead_code)]

mod corpus;
mod ops_buffers;
mod ops_commands;
mod ops_device;
mod ops_mapping;
mod progress;
mod rng;
mod seq;
mod shadow;
mod stats;
mod threads;

pub use progress::Progress;
pub use stats::Stats;
pub use threads::run_threaded_sequence;

use dawn::*;
pub use rng::{Rng, sequence_seed};
use seq::{Seq, recording_device};
use std::time::{Duration, Instant};

/// A wait on something that must complete (work on a small queue, a map, a pop) longer than this is a hang.
pub const HANG: Duration = Duration::from_secs(20);

/// Which device losses sequences cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Losses {
    /// `destroy` and `force_loss`, at random.
    Mixed,
    Destroy,
    Force,
    Off,
}

/// How a run is set up beyond its seed.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub losses: Losses,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            losses: Losses::Mixed,
        }
    }
}

impl Config {
    /// The default, changed by the debugging variables `FUZZ_LOSS=destroy|force|off`, `FUZZ_NO_LOSS` (as
    /// `off`); a change is printed, so that a run never tests less without saying so.
    pub fn from_env() -> Config {
        let mut config = Config::default();
        let (variable, losses) =
            match (std::env::var("FUZZ_LOSS"), std::env::var_os("FUZZ_NO_LOSS")) {
                (_, Some(_)) => ("FUZZ_NO_LOSS", Losses::Off),
                (Ok(kind), None) => match kind.as_str() {
                    "destroy" => ("FUZZ_LOSS", Losses::Destroy),
                    "force" => ("FUZZ_LOSS", Losses::Force),
                    "off" => ("FUZZ_LOSS", Losses::Off),
                    other => panic!("FUZZ_LOSS={other}: expected destroy, force or off"),
                },
                (Err(_), None) => return config,
            };
        eprintln!("fuzz: {variable} is set: device losses are {losses:?}");
        config.losses = losses;
        config
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

/// How many sequences a run has: `sequences`, or fewer if `until` comes first (long soak runs).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub sequences: u64,
    pub until: Option<Instant>,
}

impl Budget {
    /// Exactly `sequences` sequences.
    pub fn sequences(sequences: u64) -> Budget {
        Budget {
            sequences,
            until: None,
        }
    }

    fn allows(&self, index: u64) -> bool {
        index < self.sequences && self.until.is_none_or(|t| Instant::now() < t)
    }
}

/// Runs the sequence seeded with `seed` on a new device of `env`. `Err` describes a failure (a broken
/// oracle or a hang); panics propagate.
pub fn run_sequence(
    env: &Env,
    seed: u64,
    config: Config,
    verbose: bool,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    if let Some(p) = progress {
        p.start_sequence(seed);
    }
    let mut rng = Rng::new(seed);
    let (device, uncaptured) = recording_device(env, "fuzz")?;
    let ops = corpus::ops_per_sequence(&mut rng);
    let mut seq = Seq::new(rng, device, Vec::new(), false, config, verbose, progress);
    seq.run(ops)?;
    // Errors reported late (by finished commands) arrive once the queue is idle.
    if let Some(queue) = &seq.queue {
        let _ = queue.on_submitted_work_done().wait_timeout(HANG);
    }
    seq.check_uncaptured(&uncaptured)?;
    let mut stats = std::mem::take(&mut seq.stats);
    seq.drop_all();
    stats.sequences = 1;
    Ok(stats)
}

/// Runs the sequences of `seed` that `budget` allows; prints one line per sequence when `print` is set.
/// Returns the totals, or the first failure (with its replay command).
pub fn run(
    env: &Env,
    seed: u64,
    budget: Budget,
    config: Config,
    print: bool,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    let mut total = Stats::default();
    let mut index = 0;
    while budget.allows(index) {
        let s = sequence_seed(seed, index);
        if std::env::var_os("FUZZ_TRACE").is_some() {
            // Names the sequence before it runs: a crash then leaves its seed as the last line.
            eprintln!("fuzz: starting sequence {index} ({s:#x})");
        }
        let replay =
            format!("replay: cargo run --release --example fuzz -- --replay {s:#x} --verbose");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_sequence(env, s, config, false, progress)
        }));
        let stats = match outcome {
            Ok(Ok(stats)) => stats,
            Ok(Err(failure)) => {
                return Err(format!(
                    "sequence {index} (seed {s:#x}) failed: {failure}\n  {replay}"
                ));
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(format!(
                    "sequence {index} (seed {s:#x}) panicked: {msg}\n  {replay}"
                ));
            }
        };
        if print {
            println!(
                "fuzz seed {seed} sequence {index} ({s:#x}): {} ops, {} ok, {} errors, {} uncaptured, {} \
                 predicted, {} bytes checked{}",
                stats.ops,
                stats.ok,
                stats.error_count(),
                stats.uncaptured_count(),
                stats.predicted,
                stats.bytes_checked,
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

/// Runs the threaded sequences ([`run_threaded_sequence`]) of `seed` that `budget` allows.
pub fn run_threaded(
    env: &Env,
    seed: u64,
    threads: u64,
    budget: Budget,
    config: Config,
    print: bool,
    progress: Option<&Progress>,
) -> std::result::Result<Stats, String> {
    let mut total = Stats::default();
    let mut index = 0;
    while budget.allows(index) {
        let s = sequence_seed(seed ^ 0x7468_7265_6164_7321, index);
        let stats = run_threaded_sequence(env, s, threads, config, progress).map_err(|f| {
            format!("threaded sequence {index} (seed {s:#x}, {threads} threads) failed: {f}")
        })?;
        if print {
            println!(
                "fuzz seed {seed} threaded sequence {index} ({s:#x}): {} ops, {} ok, {} errors, {} \
                 uncaptured, {} thread lifecycles",
                stats.ops,
                stats.ok,
                stats.error_count(),
                stats.uncaptured_count(),
                stats.thread_lifecycles
            );
        }
        total.merge(&stats);
        index += 1;
    }
    Ok(total)
}
