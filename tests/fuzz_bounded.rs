//! The bounded run of the API-sequence fuzzer (`tests/fuzz/mod.rs`): fixed seeds, about 50 seconds in all
//! (three seeds of single-threaded sequences, then sequences of three threads sharing one device), one
//! line printed per sequence. Any panic, broken invariant or hang fails the test; a crash kills it.
//! The long run is `cargo run --release --example fuzz -- --seconds 600 --seed N [--threads 3]`.

mod fuzz;

use std::time::Duration;

#[test]
fn fuzz_fixed_seeds_bounded() {
    let env = fuzz::Env::new().expect("an adapter (is lavapipe installed? ./dev.sh setup)");
    let progress = fuzz::Progress::default();
    progress.watchdog(Duration::from_secs(90));
    let mut total = fuzz::Stats::default();
    for seed in [1, 2, 3] {
        let stats = fuzz::run(
            &env,
            seed,
            Duration::from_secs(16),
            400,
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
        Duration::from_secs(8),
        200,
        true,
        Some(&progress),
    )
    .unwrap_or_else(|failure| panic!("{failure}"));
    println!("threaded (3 threads per device): {threaded}");
    total.merge(&threaded);
    println!("fuzz bounded total: {total}");
    assert!(
        total.sequences >= 3,
        "the fuzzer ran too few sequences: {total}"
    );
    assert!(
        total.ok > 0 && total.error_count() > 0,
        "the fuzzer exercised too little: {total}"
    );
}
