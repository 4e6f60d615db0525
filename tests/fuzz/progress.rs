//! The watchdog: a call that blocks forever is a hang, and a hang must fail the run, not stall it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Shared progress marker for a watchdog: the time (ms since `start`) of the last operation.
#[derive(Clone)]
pub struct Progress {
    start: Instant,
    last_ms: Arc<AtomicU64>,
    /// The seed of the sequence running now.
    pub seed: Arc<AtomicU64>,
    /// The index of the operation running now.
    pub op: Arc<AtomicUsize>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            start: Instant::now(),
            last_ms: Arc::default(),
            seed: Arc::default(),
            op: Arc::default(),
        }
    }
}

impl Progress {
    /// Marks operation `op` as starting now.
    pub fn tick(&self, op: usize) {
        self.op.store(op, Ordering::Relaxed);
        self.last_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Marks sequence `seed` as starting now.
    pub fn start_sequence(&self, seed: u64) {
        self.seed.store(seed, Ordering::Relaxed);
        self.tick(0);
    }

    /// How long since the last operation began.
    pub fn stalled_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Starts a thread that aborts the process (after printing the sequence) when no operation starts for
    /// `limit`.
    pub fn watchdog(&self, limit: Duration) {
        let me = self.clone();
        me.tick(0);
        std::thread::Builder::new()
            .name("fuzz-watchdog".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    if me.stalled_for() > limit {
                        // Debugging aid: FUZZ_GDB_ON_HANG=1 prints every thread's stack first.
                        if std::env::var_os("FUZZ_GDB_ON_HANG").is_some() {
                            let pid = std::process::id().to_string();
                            let _ = std::process::Command::new("gdb")
                                .args(["-batch", "-ex", "thread apply all bt 30", "-p", &pid])
                                .status();
                        }
                        eprintln!(
                            "FUZZ HANG: sequence seed {:#x} stuck at op {} for more than {limit:?}; \
                             replay with: cargo run --release --example fuzz -- --replay {:#x} --verbose",
                            me.seed.load(Ordering::Relaxed),
                            me.op.load(Ordering::Relaxed),
                            me.seed.load(Ordering::Relaxed),
                        );
                        std::process::exit(3);
                    }
                }
            })
            .expect("spawning the watchdog");
    }
}
