//! The bounded run of the API-sequence fuzzer (`tests/fuzz/`): fixed seeds and a fixed number of sequences
//! (three seeds of single-threaded sequences, then sequences of three threads sharing one device and
//! racing for one buffer), one line printed per sequence. Any panic, broken oracle, wrong prediction or
//! data, unprovoked uncaptured error or hang fails the test; a crash kills it.
//! The long run is `cargo run --release --example fuzz -- --sequences N --seed N [--threads 3]`.

mod fuzz;

use fuzz::{Budget, Config};
use std::time::Duration;

#[test]
fn fuzz_fixed_seeds_bounded() {
    let env = fuzz::Env::new().expect("an adapter (is lavapipe installed? ./dev.sh setup)");
    let progress = fuzz::Progress::default();
    progress.watchdog(Duration::from_secs(90));
    let config = Config::default();
    let mut total = fuzz::Stats::default();
    for seed in [1, 2, 3] {
        let stats = fuzz::run(
            &env,
            seed,
            Budget::sequences(SEQUENCES),
            config,
            true,
            Some(&progress),
        )
        .unwrap_or_else(|failure| panic!("{failure}"));
        println!("seed {seed}: {stats}");
        total.merge(&stats);
    }
    let threaded = fuzz::run_threaded(
        &env,
        4,
        3,
        Budget::sequences(THREADED_SEQUENCES),
        config,
        true,
        Some(&progress),
    )
    .unwrap_or_else(|failure| panic!("{failure}"));
    println!("threaded (3 threads per device): {threaded}");
    total.merge(&threaded);
    println!("fuzz bounded total: {total}");
    // The run exercised what it exists for: typed errors and successes, deliberate losses, predictions
    // confirmed, non-zero data compared with the model, threads that lived whole Dawn lives.
    assert_eq!(
        total.sequences,
        3 * SEQUENCES + THREADED_SEQUENCES,
        "{total}"
    );
    assert!(total.ok > 0 && total.error_count() > 0, "{total}");
    assert!(total.losses > 0, "no sequence lost its device: {total}");
    assert!(
        total.predicted > 1000,
        "too few outcomes predicted: {total}"
    );
    assert!(
        total.nonzero_bytes_checked > 10_000,
        "too little data checked: {total}"
    );
    assert!(
        total.thread_lifecycles > 0,
        "no thread lived a whole Dawn life: {total}"
    );
}

/// Sequences per seed, and threaded sequences.
const SEQUENCES: u64 = 50;
const THREADED_SEQUENCES: u64 = 12;
