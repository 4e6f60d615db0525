//! The long run of the API-sequence fuzzer (`tests/fuzz/mod.rs`).
//!
//! ```text
//! cargo run --release --example fuzz -- --seconds 600 --seed 7      # sequences of seed 7 for 10 minutes
//! cargo run --release --example fuzz -- --replay 0x1234 --verbose   # one sequence again, op by op
//! cargo run --release --example fuzz -- --seconds 600 --threads 3   # 3 threads sharing each device
//! ```
//!
//! Exits 0 when every sequence ran to the end with only `Ok` or typed errors; 1 on a failure (panic, broken
//! invariant, hang), with the command that replays it; 3 from the watchdog when a call blocks.

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

use std::time::{Duration, Instant};

fn main() {
    let mut seconds = 60u64;
    let mut seed = 1u64;
    let mut replay = None;
    let mut verbose = false;
    let mut quiet = false;
    let mut threads = 0u64;
    let mut watchdog = 120u64;
    let mut args = std::env::args().skip(1);
    let parse = |s: Option<String>| -> u64 {
        let s = s.expect("a value after the flag");
        match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).expect("a hex number"),
            None => s.parse().expect("a number"),
        }
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = parse(args.next()),
            "--seed" => seed = parse(args.next()),
            "--replay" => replay = Some(parse(args.next())),
            "--verbose" => verbose = true,
            "--quiet" => quiet = true,
            "--threads" => threads = parse(args.next()),
            "--watchdog" => watchdog = parse(args.next()),
            other => {
                eprintln!(
                    "unknown argument {other}\nusage: fuzz [--seconds N] [--seed N] [--threads N] [--watchdog SECONDS] [--quiet] | --replay SEQUENCE_SEED [--verbose]"
                );
                std::process::exit(2);
            }
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
        match fuzz::run_sequence(&env, s, verbose, Some(&progress)) {
            Ok(stats) => println!("ok: {stats}"),
            Err(failure) => {
                eprintln!("FAILED: {failure}");
                std::process::exit(1);
            }
        }
        return;
    }
    let start = Instant::now();
    if threads > 0 {
        match fuzz::run_threaded(
            &env,
            seed,
            threads,
            Duration::from_secs(seconds),
            u64::MAX,
            !quiet,
            Some(&progress),
        ) {
            Ok(stats) => println!(
                "fuzz seed {seed}, {threads} threads per device, {:.0} s: {stats}; 0 crashes, 0 hangs, 0 failures",
                start.elapsed().as_secs_f64()
            ),
            Err(failure) => {
                eprintln!("FAILED: {failure}");
                std::process::exit(1);
            }
        }
        return;
    }
    match fuzz::run(
        &env,
        seed,
        Duration::from_secs(seconds),
        u64::MAX,
        !quiet,
        Some(&progress),
    ) {
        Ok(stats) => println!(
            "fuzz seed {seed}, {:.0} s: {stats}; 0 crashes, 0 hangs, 0 failures",
            start.elapsed().as_secs_f64()
        ),
        Err(failure) => {
            eprintln!("FAILED: {failure}");
            std::process::exit(1);
        }
    }
}
