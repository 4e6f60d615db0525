//! What the suite measures, shared with the `wgpu` peer (which includes this file) so that both name,
//! size and count every workload alike: the command line and the catalogue of workloads.

use crate::harness::{Metric, Plan, Workload};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::time::Duration;

/// Bytes of the small mapped buffer.
pub const MAP_SMALL: u64 = 4096;
/// Submits between two drains of the queue in the CPU-cost workload.
pub const SYNC_EVERY: usize = 100;
/// Buffers alive at once in the creation workload, and the size of each.
pub const BUFFERS_ALIVE: usize = 100;
pub const BUFFER_SIZE: u64 = 4096;
/// Elements the tiny dispatch increments (one workgroup of 64).
pub const COUNTERS: usize = 64;

pub const USAGE: &str = "options:
  --quick            a short run with small sizes (a smoke test)
  --repeats N        repeats per workload and implementation (default 10)
  --repeat-ms T      target time of one repeat, which sets the operations per repeat (default 100)
  --only A,B         only the workloads whose id starts with one of these (submit, map_4KiB, matmul...)
  --json FILE        also write the rows as JSON
  --matmul N,N       matmul sizes, multiples of 64 (default 1024,2048,4096)
  --add-log2 K       elements of the add, 2^K (default 28)
  --transfer-mib M   size of the upload and read-back (default 1024)
  --map-mib M        size of the large mapped buffer (default 256)
  --copy-mib M       size of each buffer of the copy kernel (default 256)";

/// Sizes of the workloads that have one.
#[derive(Clone, Debug)]
pub struct Sizes {
    pub matmul: Vec<u32>,
    pub add_log2: u32,
    pub transfer: u64,
    pub map_large: u64,
    pub copy: u64,
}

/// The parsed command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub plan: Plan,
    pub only: Vec<String>,
    pub json: Option<PathBuf>,
    pub sizes: Sizes,
}

const MIB: u64 = 1 << 20;

impl Config {
    /// Parses the options after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Config> {
        let mut config = Config {
            plan: Plan {
                repeats: 10,
                repeat_time: Duration::from_millis(100),
            },
            only: Vec::new(),
            json: None,
            sizes: Sizes {
                matmul: vec![1024, 2048, 4096],
                add_log2: 28,
                transfer: 1024 * MIB,
                map_large: 256 * MIB,
                copy: 256 * MIB,
            },
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .with_context(|| format!("{arg} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "--quick" => {
                    config.plan = Plan {
                        repeats: 3,
                        repeat_time: Duration::from_millis(10),
                    };
                    config.sizes = Sizes {
                        matmul: vec![128],
                        add_log2: 16,
                        transfer: 4 * MIB,
                        map_large: MIB,
                        copy: MIB,
                    };
                }
                "--repeats" => config.plan.repeats = positive(&arg, &value()?)? as usize,
                "--repeat-ms" => {
                    config.plan.repeat_time = Duration::from_millis(positive(&arg, &value()?)?)
                }
                "--only" => config.only = value()?.split(',').map(str::to_string).collect(),
                "--json" => config.json = Some(PathBuf::from(value()?)),
                "--matmul" => {
                    config.sizes.matmul = value()?
                        .split(',')
                        .map(|n| match positive(&arg, n)? {
                            n if n % 64 == 0 && n <= 16384 => Ok(n as u32),
                            n => {
                                bail!("--matmul sizes must be multiples of 64 up to 16384, not {n}")
                            }
                        })
                        .collect::<Result<_>>()?
                }
                "--add-log2" => match positive(&arg, &value()?)? {
                    k @ 8..=30 => config.sizes.add_log2 = k as u32,
                    k => bail!("--add-log2 must be within 8..=30, not {k}"),
                },
                "--transfer-mib" => config.sizes.transfer = positive(&arg, &value()?)? * MIB,
                "--map-mib" => config.sizes.map_large = positive(&arg, &value()?)? * MIB,
                "--copy-mib" => config.sizes.copy = positive(&arg, &value()?)? * MIB,
                // What `cargo bench` passes.
                "--bench" => {}
                other => bail!("unknown argument {other:?}\n{USAGE}"),
            }
        }
        Ok(config)
    }

    /// Whether `--only` selects the workload `id`.
    pub fn wants(&self, id: &str) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|prefix| id.starts_with(prefix.as_str()))
    }
}

fn positive(option: &str, text: &str) -> Result<u64> {
    text.parse()
        .ok()
        .filter(|&n| n > 0)
        .with_context(|| format!("{option} needs a positive number, not {text:?}"))
}

/// `bytes` for a title or an id: `4KiB`, `256MiB`, `1GiB`.
pub fn size_name(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{}GiB", b >> 30),
        b if b >= MIB && b % MIB == 0 => format!("{}MiB", b >> 20),
        b if b % 1024 == 0 => format!("{}KiB", b >> 10),
        b => format!("{b}B"),
    }
}

// ---- the catalogue ----

pub fn submit_wait() -> Workload {
    Workload::new(
        "submit_wait",
        "submit + wait round trip (one tiny dispatch)",
        Metric::Micros,
    )
}

pub fn submit_pipelined() -> Workload {
    Workload::new(
        "submit_pipelined",
        "pipelined tiny dispatches (one per submit, one wait per repeat)",
        Metric::thousands_per_s(),
    )
}

pub fn submit_cpu() -> Workload {
    Workload::new(
        "submit_cpu",
        "encode + dispatch + submit, CPU time (drains untimed)",
        Metric::Micros,
    )
}

pub fn map_small() -> Workload {
    Workload::new(
        format!("map_{}", size_name(MAP_SMALL)),
        format!("map + read + unmap, idle {} buffer", size_name(MAP_SMALL)),
        Metric::Micros,
    )
}

/// The same round trip through this crate's `Mapping` guard (no `wgpu` equivalent).
#[allow(
    dead_code,
    reason = "this crate's rows only; the wgpu peer shares this file"
)]
pub fn map_small_guard() -> Workload {
    Workload::new(
        format!("map_{}_guard", size_name(MAP_SMALL)),
        format!(
            "map + read + unmap, idle {} buffer, Mapping guard",
            size_name(MAP_SMALL)
        ),
        Metric::Micros,
    )
}

pub fn map_large(bytes: u64) -> Workload {
    Workload::new(
        format!("map_{}", size_name(bytes)),
        format!(
            "map + read (memcpy) + unmap, idle {} buffer",
            size_name(bytes)
        ),
        Metric::gb_per_s(bytes),
    )
}

pub fn upload(bytes: u64) -> Workload {
    Workload::new(
        format!("upload_{}", size_name(bytes)),
        format!(
            "upload {}: queue write_buffer, until done",
            size_name(bytes)
        ),
        Metric::gb_per_s(bytes),
    )
}

/// Upload through a ring of mapped staging buffers (`wgpu`'s `StagingBelt`; `dawn::memory`'s rings).
#[allow(
    dead_code,
    reason = "measured by the wgpu peer; this crate's side is the memory rings' section"
)]
pub fn upload_staged(bytes: u64) -> Workload {
    Workload::new(
        format!("upload_{}_staged", size_name(bytes)),
        format!("upload {}: staging ring, until done", size_name(bytes)),
        Metric::gb_per_s(bytes),
    )
}

pub fn readback(bytes: u64) -> Workload {
    Workload::new(
        format!("readback_{}", size_name(bytes)),
        format!(
            "read-back {}: copy to a mappable buffer, map, memcpy",
            size_name(bytes)
        ),
        Metric::gb_per_s(bytes),
    )
}

pub fn copy(bytes: u64) -> Workload {
    Workload::new(
        format!("copy_{}", size_name(bytes)),
        format!(
            "copy kernel, vec4, {} (read + write counted)",
            size_name(bytes)
        ),
        Metric::gb_per_s(2 * bytes),
    )
}

pub fn add(log2: u32) -> Workload {
    Workload::new(
        format!("add_2p{log2}"),
        format!("elementwise add of 2^{log2} f32 (12 bytes per element)"),
        Metric::gb_per_s(12 << log2),
    )
}

pub fn matmul(n: u32) -> Workload {
    Workload::new(
        format!("matmul_f32_{n}"),
        format!("f32 matmul {n} (64x64 tile, 4x4 per invocation)"),
        Metric::Rate {
            unit: "TFLOP/s",
            amount: 2.0 * (n as f64).powi(3) / 1e12,
        },
    )
}

pub fn pipeline_cold() -> Workload {
    Workload::new(
        "pipeline_cold",
        "shader module + compute pipeline, 200-line WGSL, cold",
        Metric::Millis,
    )
}

pub fn buffer_create() -> Workload {
    Workload::new(
        "buffer_create",
        format!(
            "buffer create + release ({} storage, {BUFFERS_ALIVE} alive)",
            size_name(BUFFER_SIZE)
        ),
        Metric::thousands_per_s(),
    )
}

/// A seed for `pipeline200` no other pipeline of this run, nor of an earlier process, has had.
pub fn fresh_seed(counter: &mut u32) -> u32 {
    *counter += 1;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u32);
    (std::process::id() << 16) ^ now ^ counter.wrapping_mul(0x9e37_79b9)
}
