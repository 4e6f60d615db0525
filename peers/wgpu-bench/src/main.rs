//! The `wgpu` crate's side of the benchmark suite, and the report that merges every side's rows.
//!
//! - `wgpu-bench run [options]`: the suite's workloads through `wgpu` (Vulkan backend), with the
//!   options, workloads, WGSL, checks and JSON rows of `examples/bench` (whose shared files this
//!   package includes), implementation `wgpu`.
//! - `wgpu-bench report --md FILE --png FILE ROWS.json..`: merges the rows of several processes (this
//!   crate and raw `dawn-sys`, `wgpu`, torch; samples of the same workload and implementation pooled)
//!   into one markdown table and one PNG plot.
//!
//! `scripts/bench.sh` builds and runs it; it is outside the root workspace so that the project's tests
//! and lints never build `wgpu`.

#[path = "../../../examples/bench/harness.rs"]
mod harness;
#[path = "../../../examples/bench/output.rs"]
mod output;
#[path = "../../../examples/bench/reference.rs"]
mod reference;
#[path = "../../../examples/bench/spec.rs"]
mod spec;

mod create;
mod gpu;
mod kernels;
mod map;
mod plot;
mod report;
mod submit;
mod transfer;

use anyhow::{Context, Result, bail};
use harness::Row;
use spec::Config;

type Section = fn(&gpu::Gpu, &Config) -> Result<Vec<Row>>;

/// The sections, named and ordered as in `examples/bench/main.rs`.
const SECTIONS: &[(&str, Section)] = &[
    ("submit", submit::run),
    ("map", map::run),
    ("transfer", transfer::run),
    ("kernels", kernels::run),
    ("create", create::run),
];

const USAGE: &str = "usage: wgpu-bench run [options]   (see --help of examples/bench)
       wgpu-bench report --md FILE --png FILE ROWS.json..";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("run") => run(Config::parse(args)?),
        Some("report") => report::run(args.collect()),
        _ => bail!("{USAGE}\n{}", spec::USAGE),
    }
}

fn run(config: Config) -> Result<()> {
    let gpu = gpu::Gpu::new()?;
    println!(
        "machine: {} | {} | host {}",
        gpu.machine.adapter, gpu.machine.driver, gpu.machine.host
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
    if let Some(path) = &config.json {
        std::fs::write(path, output::json(&gpu.machine, &rows))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("rows written to {}", path.display());
    }
    Ok(())
}
