//! The event pump: one thread per instance, started on demand, that waits on futures nobody else waits on
//! (awaited [`Pending`](crate::Pending)s, and ones dropped before they resolved) and wakes their tasks;
//! and the exit fence that keeps it out of Dawn while the process exits.

use super::Instance;
use dawn_sys as sys;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::Waker;
use std::time::Duration;

/// A future the pump waits on, and the task to wake when it completes.
struct Watched {
    future: sys::WGPUFuture,
    waker: Option<Waker>,
}

/// The futures the pump waits on, and whether its thread runs.
#[derive(Default)]
pub(super) struct PumpState {
    queue: VecDeque<Watched>,
    running: bool,
}

impl PumpState {
    /// Adds `future` to the queue, or gives the entry already there `waker`.
    fn watch(&mut self, future: sys::WGPUFuture, waker: Option<Waker>) {
        match self.queue.iter_mut().find(|w| w.future.id == future.id) {
            Some(watched) => {
                if waker.is_some() {
                    watched.waker = waker;
                }
            }
            None => self.queue.push_back(Watched { future, waker }),
        }
    }
}

impl Instance {
    /// Has the event pump wait on `future`, so that its callback runs even if nothing else processes
    /// events (a `Pending` dropped before it resolved).
    pub(crate) fn pump(&self, future: sys::WGPUFuture) {
        self.watch(future, None);
    }

    /// Has the event pump wait on `future` and wake `waker` once Dawn reports it complete.
    pub(crate) fn pump_waking(&self, future: sys::WGPUFuture, waker: Waker) {
        self.watch(future, Some(waker));
    }

    fn watch(&self, future: sys::WGPUFuture, waker: Option<Waker>) {
        let mut pump = self.0.pump.lock();
        pump.watch(future, waker);
        if !pump.running && !exit_fence::exiting() {
            pump.running = true;
            exit_fence::install();
            let instance = self.clone();
            std::thread::Builder::new()
                .name("dawn-event-pump".into())
                .spawn(move || instance.run_pump())
                .expect("spawning the Dawn event pump thread");
        }
    }

    /// The pump: waits on the registered futures one at a time in short timed waits, rotating between them,
    /// and exits (dropping its instance reference) as soon as none is left. Each turn runs inside the exit
    /// fence: once the process exits, the pump never enters Dawn again (see [`exit_fence`]).
    fn run_pump(self) {
        const SLICE: Duration = Duration::from_millis(5);
        loop {
            let Some(_turn) = exit_fence::enter() else {
                // The process is exiting: keep every reference (releasing one could destroy a device while
                // the driver is torn down) and never return.
                std::mem::forget(self);
                loop {
                    std::thread::park();
                }
            };
            let next = {
                let mut pump = self.0.pump.lock();
                let next = pump.queue.pop_front();
                if next.is_none() {
                    pump.running = false;
                }
                next
            };
            match next {
                Some(watched) => self.pump_turn(watched, SLICE),
                None => {
                    // Released inside the turn: this may be the instance's last reference.
                    drop(self);
                    return;
                }
            }
        }
    }

    /// One wait of the pump on `watched`: completed (its callback ran) or failed (the task's next poll sees
    /// the same failure): wake its task, if any, and drop it. Still running: back of the queue, so that
    /// every future gets its turn.
    fn pump_turn(&self, mut watched: Watched, slice: Duration) {
        if let Ok(false) = self.wait_any(watched.future, slice) {
            self.0.pump.lock().queue.push_back(watched);
        } else if let Some(waker) = watched.waker.take() {
            // Waking runs the executor's code: keep its panics out of the pump.
            let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
        }
    }
}

/// Keeps the event pump out of Dawn while the process exits.
///
/// A pump thread completing an operation may release the last reference to a device, and Dawn then
/// destroys it (`vkDestroyDevice`). If that happens while `exit()` tears the driver down, the process
/// crashes (seen on NVIDIA's driver: `free(): invalid pointer` from `vkDestroyDevice` on the pump thread).
/// An `atexit` handler, installed with the first pump, marks the process as exiting and waits (bounded) for
/// the pumps' current turns to end; a pump that sees the mark parks for good instead of entering Dawn.
mod exit_fence {
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    static EXITING: AtomicBool = AtomicBool::new(false);
    /// Pump turns in progress (each may be inside Dawn).
    static TURNS: AtomicUsize = AtomicUsize::new(0);
    static INSTALL: Once = Once::new();

    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }

    extern "C" fn on_exit() {
        // `SeqCst` on both sides: either a pump sees the mark, or this sees its turn.
        EXITING.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(2);
        while TURNS.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    pub(super) fn install() {
        // SAFETY: registers a plain function; it runs once, at exit.
        INSTALL.call_once(|| unsafe {
            atexit(on_exit);
        });
    }

    pub(super) fn exiting() -> bool {
        EXITING.load(Ordering::SeqCst)
    }

    /// A pump turn; `None` once the process exits.
    pub(super) fn enter() -> Option<Turn> {
        TURNS.fetch_add(1, Ordering::SeqCst);
        if EXITING.load(Ordering::SeqCst) {
            TURNS.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Turn)
    }

    pub(super) struct Turn;

    impl Drop for Turn {
        fn drop(&mut self) {
            TURNS.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
