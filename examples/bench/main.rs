//! The benchmark suite: this crate (`dawn`) against raw `dawn-sys` calls on the same device, workload by
//! workload, with the `wgpu` crate and PyTorch measured by their own programs on the same rows
//! (`peers/wgpu-bench`, `scripts/torch_bench.py`; `scripts/bench.sh` runs them all and merges the rows).
//!
//! Every workload runs through both implementations in this process, alternating ABBA over repeats
//! after a warm-up; each repeat's value is the mean over its operations, and a row reports the minimum,
//! median and maximum over repeats. The raw side borrows the safe objects' handles, so Dawn does the
//! same work and only the Rust layer differs. Every repeat checks its results (sampled CPU references,
//! counters, poisoned host memory), and any uncaptured Dawn error fails the run.
//!
//! Run: `cargo run --release --example bench` (the full suite), `-- --quick` (a short smoke run),
//! `-- --only map_4KiB,submit` (some workloads), `-- --json FILE` (the rows as JSON); `--help` lists
//! the options. The WGSL under `wgsl/` is what every implementation compiles, byte for byte.
//!
//! Two standalone modes, each named first: `-- --transfers` moves 1 GiB host to device and back through
//! `dawn::memory`'s rings, their raw `dawn-sys` twin, `Queue::write_buffer` and one staging copy
//! (`transfers/mod.rs` lists its options, `--sweep` among them); `-- --tensor` times `dawn::tensor`'s
//! operations (`tensor.rs`: `--quick` for smaller sizes, `--rounds N`, `--torch FILE` to set the figures
//! of `scripts/torch_reference.py` beside ours).

mod create;
mod gpu;
mod harness;
mod kernels;
mod map;
mod output;
mod raw;
mod reference;
mod spec;
mod submit;
mod tensor;
mod transfer;
mod transfers;

use anyhow::{Context, Result};
use harness::Row;
use spec::Config;

/// A section measures its workloads (those `config.wants`) and returns their rows.
type Section = fn(&gpu::Gpu, &Config) -> Result<Vec<Row>>;

/// The sections, in the order they run. A new section is a module with
/// `pub fn run(gpu: &gpu::Gpu, config: &Config) -> Result<Vec<Row>>` (workloads named in `spec.rs`, so
/// that the `wgpu` peer can measure the same ones) and one line here.
const SECTIONS: &[(&str, Section)] = &[
    ("submit", submit::run),
    ("map", map::run),
    ("transfer", transfer::run),
    ("kernels", kernels::run),
    ("create", create::run),
];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--transfers") => return transfers::run(args.into_iter().skip(1)),
        Some("--tensor") => return tensor::main(args.into_iter().skip(1)),
        _ => {}
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", spec::USAGE);
        return Ok(());
    }
    let config = Config::parse(args)?;
    let gpu = gpu::Gpu::new()?;
    println!(
        "machine: {} | {} | host {}",
        gpu.machine.adapter, gpu.machine.driver, gpu.machine.host
    );
    println!(
        "{} repeats per workload and side, about {} ms each; dawn and raw alternate ABBA",
        config.plan.repeats,
        config.plan.repeat_time.as_millis()
    );
    let mut rows = Vec::new();
    for (name, section) in SECTIONS {
        let found = section(&gpu, &config).with_context(|| format!("section {name}"))?;
        gpu.check_errors()
            .with_context(|| format!("section {name}"))?;
        rows.extend(found);
    }
    println!();
    print!("{}", output::markdown(&rows));
    println!();
    println!(
        "median (min-max) over repeats; `dawn vs X`: how many times faster this crate is (medians)"
    );
    if let Some(path) = &config.json {
        std::fs::write(path, output::json(&gpu.machine, &rows))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("rows written to {}", path.display());
    }
    Ok(())
}
