//! The long run of the API-sequence fuzzer (`tests/fuzz/`).
//!
//! ```text
//! cargo run --release --example fuzz -- --sequences 5000 --seed 7    # 5,000 sequences of seed 7
//! cargo run --release --example fuzz -- --seconds 600 --seed 7       # as many as 10 minutes allow
//! cargo run --release --example fuzz -- --replay 0x1234 --verbose    # one sequence again, op by op
//! cargo run --release --example fuzz -- --sequences 500 --threads 3  # 3 threads sharing each device
//! cargo run --release --example fuzz -- --loss destroy ...           # every device loss a destroy
//! ```
//!
//! `--sequences` fixes how much runs (default 1,000, or unbounded with `--seconds`); `--seconds` stops
//! earlier. `--loss mixed|destroy|force|off` picks the device losses (`FUZZ_LOSS` does the same; either is
//! printed). Exits 0 when every sequence ran to the end with every oracle holding; 1 on a failure (panic,
//! broken oracle, wrong prediction or data, hang), with the command that replays it; 3 from the watchdog
//! when a call blocks.

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

use fuzz::{Budget, Config, Losses};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: fuzz [--sequences N] [--seconds N] [--seed N] [--threads N] [--loss mixed|destroy|force|off] \
                     [--watchdog SECONDS] [--quiet] | --replay SEQUENCE_SEED [--verbose]";

fn main() {
    let mut sequences = None;
    let mut seconds = None;
    let mut seed = 1u64;
    let mut replay = None;
    let mut verbose = false;
    let mut quiet = false;
    let mut threads = 0u64;
    let mut watchdog = 120u64;
    let mut config = Config::from_env();
    let fail = |message: String| -> ! {
        eprintln!("{message}\n{USAGE}");
        std::process::exit(2)
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(format!("a value after {flag}")))
        };
        let mut number = || {
            let s = value();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| fail(format!("{flag} {s}: not a number")))
        };
        match flag.as_str() {
            "--sequences" => sequences = Some(number()),
            "--seconds" => seconds = Some(number()),
            "--seed" => seed = number(),
            "--replay" => replay = Some(number()),
            "--threads" => threads = number(),
            "--watchdog" => watchdog = number(),
            "--verbose" => verbose = true,
            "--quiet" => quiet = true,
            "--loss" => {
                config.losses = match value().as_str() {
                    "mixed" => Losses::Mixed,
                    "destroy" => Losses::Destroy,
                    "force" => Losses::Force,
                    "off" => Losses::Off,
                    other => fail(format!(
                        "--loss {other}: expected mixed, destroy, force or off"
                    )),
                };
                eprintln!("fuzz: --loss: device losses are {:?}", config.losses);
            }
            other => fail(format!("unknown argument {other}")),
        }
    }
    let env = fuzz::Env::new().unwrap_or_else(|e| {
        eprintln!("no adapter: {e}");
        std::process::exit(2)
    });
    let progress = fuzz::Progress::default();
    progress.watchdog(Duration::from_secs(watchdog));
    if let Some(s) = replay {
        eprintln!("replaying sequence seed {s:#x}");
        match fuzz::run_sequence(&env, s, config, verbose, Some(&progress)) {
            Ok(stats) => println!("ok: {stats}"),
            Err(failure) => {
                eprintln!("FAILED: {failure}");
                std::process::exit(1);
            }
        }
        return;
    }
    let start = Instant::now();
    let budget = Budget {
        sequences: sequences.unwrap_or(if seconds.is_some() { u64::MAX } else { 1000 }),
        until: seconds.map(|s| start + Duration::from_secs(s)),
    };
    let result = match threads {
        0 => fuzz::run(&env, seed, budget, config, !quiet, Some(&progress)),
        n => fuzz::run_threaded(&env, seed, n, budget, config, !quiet, Some(&progress)),
    };
    match result {
        Ok(stats) => println!(
            "fuzz seed {seed}, {} thread(s) per device, losses {:?}, {:.0} s: {stats}; 0 crashes, 0 hangs, 0 failures",
            threads.max(1),
            config.losses,
            start.elapsed().as_secs_f64()
        ),
        Err(failure) => {
            eprintln!("FAILED: {failure}");
            std::process::exit(1);
        }
    }
}
