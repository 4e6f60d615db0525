//! The measuring harness, shared word for word with the `wgpu` peer (`peers/wgpu-bench` includes this
//! file): what a row is, how its implementations alternate, and the statistics over repeats.
//!
//! A row is one workload measured through one implementation (`dawn`, `raw`, `wgpu`, `torch`): its
//! samples are one value per repeat, each the mean over that repeat's operations. Implementations that
//! share a GPU in one process alternate inside it, ABBA (`alternate`); the others alternate as processes
//! (`scripts/bench.sh`), and their rows meet by `id` in the report.

use anyhow::{Context, Result, ensure};
use std::time::Duration;

/// Whether a lower or a higher value is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// How a row turns the time of one operation into its value.
#[derive(Clone, Copy, Debug)]
pub enum Metric {
    /// Microseconds per operation.
    Micros,
    /// Milliseconds per operation.
    Millis,
    /// `amount` units of work per operation, reported per second (`GB/s`: amount = bytes / 1e9).
    Rate { unit: &'static str, amount: f64 },
}

impl Metric {
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Micros => "us",
            Metric::Millis => "ms",
            Metric::Rate { unit, .. } => unit,
        }
    }

    pub fn better(self) -> Better {
        match self {
            Metric::Micros | Metric::Millis => Better::Lower,
            Metric::Rate { .. } => Better::Higher,
        }
    }

    /// The value of `ops` operations that took `elapsed` together.
    pub fn value(self, elapsed: Duration, ops: usize) -> f64 {
        let per_op = elapsed.as_secs_f64() / ops.max(1) as f64;
        match self {
            Metric::Micros => per_op * 1e6,
            Metric::Millis => per_op * 1e3,
            Metric::Rate { amount, .. } => amount / per_op,
        }
    }

    /// Bytes per operation reported in GB/s.
    pub fn gb_per_s(bytes: u64) -> Metric {
        Metric::Rate {
            unit: "GB/s",
            amount: bytes as f64 / 1e9,
        }
    }

    /// Operations reported in thousands per second.
    pub fn thousands_per_s() -> Metric {
        Metric::Rate {
            unit: "k/s",
            amount: 1e-3,
        }
    }
}

/// A workload, named the same by every implementation.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Stable key (`matmul_f32_4096`): rows of different implementations and processes meet by it.
    pub id: String,
    /// What it measures, for the table.
    pub title: String,
    pub metric: Metric,
}

impl Workload {
    pub fn new(id: impl Into<String>, title: impl Into<String>, metric: Metric) -> Self {
        Workload {
            id: id.into(),
            title: title.into(),
            metric,
        }
    }
}

/// One workload measured through one implementation.
#[derive(Clone, Debug)]
pub struct Row {
    pub workload: Workload,
    /// `dawn` (this crate), `raw` (`dawn-sys`), `wgpu`, `torch`.
    pub implementation: String,
    /// One value per repeat, in the workload's unit.
    pub samples: Vec<f64>,
    /// Operations per repeat.
    pub ops: usize,
    /// What was checked about the results.
    pub check: String,
}

/// Minimum, median and maximum.
pub fn min_median_max(samples: &[f64]) -> Option<[f64; 3]> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = match n {
        0 => return None,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    Some([sorted[0], median, sorted[n - 1]])
}

/// How long a repeat of each workload should take, and how many repeats to make.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub repeats: usize,
    /// Target time of one repeat of one implementation; the operations per repeat follow from the warm-up.
    pub repeat_time: Duration,
}

/// One implementation of a workload: does `ops` operations (checking their results) and returns the
/// time they took.
pub type Side<'a> = Box<dyn FnMut(usize) -> Result<Duration> + 'a>;

/// Measures `workload` through each of `sides` (name, implementation) in one process: a warm-up of
/// `warm_ops` per side, which also sets the operations per repeat (from the first side's time, at most
/// `max_ops`, the same for every side), then `plan.repeats` repeats whose order alternates ABBA (for
/// more sides: forward, backward, backward, forward).
pub fn alternate(
    workload: &Workload,
    plan: Plan,
    warm_ops: usize,
    max_ops: usize,
    check: &str,
    sides: Vec<(&str, Side<'_>)>,
) -> Result<Vec<Row>> {
    ensure!(!sides.is_empty(), "{}: no implementation", workload.id);
    let mut sides = sides;
    let mut first_time = Duration::ZERO;
    for (i, (name, side)) in sides.iter_mut().enumerate() {
        let time = side(warm_ops).with_context(|| format!("{} ({name}), warm-up", workload.id))?;
        if i == 0 {
            first_time = time;
        }
    }
    let per_op = first_time.as_secs_f64() / warm_ops.max(1) as f64;
    let ops = if per_op > 0.0 {
        (plan.repeat_time.as_secs_f64() / per_op).clamp(1.0, max_ops.max(1) as f64) as usize
    } else {
        max_ops.max(1)
    };
    let mut samples = vec![Vec::with_capacity(plan.repeats); sides.len()];
    for repeat in 0..plan.repeats {
        let forward = repeat % 4 == 0 || repeat % 4 == 3;
        let order: Vec<usize> = if forward {
            (0..sides.len()).collect()
        } else {
            (0..sides.len()).rev().collect()
        };
        for i in order {
            let (name, side) = &mut sides[i];
            let time =
                side(ops).with_context(|| format!("{} ({name}), repeat {repeat}", workload.id))?;
            samples[i].push(workload.metric.value(time, ops));
        }
    }
    // Progress on stderr: the table comes at the end.
    for ((name, _), values) in sides.iter().zip(&samples) {
        if let Some([min, median, max]) = min_median_max(values) {
            eprintln!(
                "{} ({name}): {median:.4} {} ({min:.4} - {max:.4}, {ops} ops per repeat)",
                workload.id,
                workload.metric.unit()
            );
        }
    }
    Ok(sides
        .iter()
        .zip(samples)
        .map(|((name, _), samples)| Row {
            workload: workload.clone(),
            implementation: name.to_string(),
            samples,
            ops,
            check: check.to_string(),
        })
        .collect())
}

/// Where the rows were measured, for the report.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    /// The adapter (`NVIDIA H200`, `llvmpipe (LLVM 15.0.6, 256 bits)`).
    pub adapter: String,
    /// Driver and backend as the implementation reports them.
    pub driver: String,
    /// Host CPU model and threads.
    pub host: String,
}

impl Machine {
    /// The host CPU's model and thread count.
    pub fn host_cpu() -> String {
        let model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
        format!("{model} ({threads} threads)")
    }
}
