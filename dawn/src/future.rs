//! The only bridge from Dawn's callbacks to Rust: [`Pending`].
//!
//! Every asynchronous call registers its callback in `AllowProcessEvents` mode with `userdata1` pointing at
//! an `Arc<Slot<T>>` (one strong reference handed to C). Dawn calls each callback exactly once, also when
//! the operation is cancelled, so the trampoline takes that reference back, stores the result in the slot
//! and wakes any task. The caller's [`Pending`] holds its own reference: dropping it early is safe, and the
//! slot outlives whichever side finishes last.

use crate::{Error, ErrorKind, Instance, Result};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Where a callback leaves its result.
pub(crate) struct Slot<T> {
    /// Set once `result` is; lets the frequent "done yet?" checks skip the lock.
    ready: AtomicBool,
    state: Mutex<SlotState<T>>,
}

struct SlotState<T> {
    result: Option<Result<T>>,
    waker: Option<Waker>,
}

impl<T> Slot<T> {
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

impl<T: Clone> Slot<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Slot {
            ready: AtomicBool::new(false),
            state: Mutex::new(SlotState {
                result: None,
                waker: None,
            }),
        })
    }

    /// Stores the result (the first one wins) and wakes the task waiting for it.
    pub(crate) fn fill(&self, result: Result<T>) {
        let waker = {
            let mut state = self.state.lock();
            if state.result.is_none() {
                state.result = Some(result);
                self.ready.store(true, Ordering::Release);
            }
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn get(&self) -> Option<Result<T>> {
        if !self.is_ready() {
            return None;
        }
        self.state.lock().result.clone()
    }

    /// Registers `waker` unless the result is already there (then returns it).
    fn get_or_register(&self, waker: &Waker) -> Option<Result<T>> {
        let mut state = self.state.lock();
        if state.result.is_none() {
            state.waker = Some(waker.clone());
        }
        state.result.clone()
    }

    /// Hands one strong reference to C, as a callback's `userdata1`.
    pub(crate) fn userdata(self: &Arc<Self>) -> *mut c_void {
        Arc::into_raw(self.clone()) as *mut c_void
    }
}

/// Completes the slot whose reference `userdata` carries with what `convert` makes of the callback's
/// arguments. Runs under `catch_unwind`: a panic never unwinds into C (it becomes an `Internal` error).
///
/// # Safety
/// `userdata` must come from [`Slot::userdata`] for a `Slot<T>`, and be used once.
pub(crate) unsafe fn complete<T: Clone>(
    userdata: *mut c_void,
    convert: impl FnOnce() -> Result<T>,
) {
    // SAFETY: the caller passes the reference `Slot::userdata` leaked.
    let slot = unsafe { Arc::from_raw(userdata as *const Slot<T>) };
    let result = catch_unwind(AssertUnwindSafe(convert)).unwrap_or_else(|_| {
        Err(Error::new(
            ErrorKind::Internal,
            "a panic while handling a Dawn callback",
        ))
    });
    // Waking runs the executor's code: keep its panics out of C too.
    let _ = catch_unwind(AssertUnwindSafe(|| slot.fill(result)));
}

/// The callback info every async call uses: `AllowProcessEvents`, the slot in `userdata1`.
pub(crate) fn mode() -> sys::WGPUCallbackMode {
    sys::WGPUCallbackMode_AllowProcessEvents
}

/// The result of an asynchronous Dawn operation, to wait for or `.await`.
///
/// - [`wait`](Pending::wait) blocks until the operation completes;
///   [`wait_timeout`](Pending::wait_timeout) gives up with [`ErrorKind::Timeout`] (and can be called again).
///   Both block in Dawn's `wgpuInstanceWaitAny` on this operation's own future: no spinning.
/// - As a [`std::future::Future`], it first checks without blocking; if the operation is still running,
///   the instance's event pump (one thread, started on demand, blocked in timed waits) wakes the task.
/// - Dropping it early is safe: the operation completes (or is cancelled) on its own, and its result, an
///   object included, is released.
#[must_use = "a Pending does nothing unless waited on or awaited; drop it to ignore the result"]
pub struct Pending<T> {
    slot: Arc<Slot<T>>,
    source: Option<(Instance, sys::WGPUFuture)>,
    /// Whether a callback with userdata is still due in Dawn's event queue (see `Drop`).
    pump_on_drop: bool,
}

impl<T: Clone> Pending<T> {
    pub(crate) fn new(instance: &Instance, future: sys::WGPUFuture, slot: Arc<Slot<T>>) -> Self {
        Pending {
            slot,
            source: Some((instance.clone(), future)),
            pump_on_drop: true,
        }
    }

    /// An already-completed operation (an error caught before calling Dawn, say).
    pub(crate) fn ready(result: Result<T>) -> Self {
        let slot = Slot::new();
        slot.fill(result);
        Pending {
            slot,
            source: None,
            pump_on_drop: false,
        }
    }

    /// For a future whose callback is spontaneous (the device-lost one): nothing to pump when dropped.
    pub(crate) fn spontaneous(mut self) -> Self {
        self.pump_on_drop = false;
        self
    }

    /// Blocks until the operation completes and returns its result.
    #[doc(alias = "wgpuInstanceWaitAny")]
    pub fn wait(self) -> Result<T> {
        self.wait_until(None)
    }

    /// Blocks at most `timeout`; past it returns [`ErrorKind::Timeout`], and the operation goes on (wait
    /// again to get its result).
    #[doc(alias = "wgpuInstanceWaitAny")]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<T> {
        self.wait_until(Some(Instant::now() + timeout))
    }

    /// Whether the operation has completed (checks without blocking).
    pub fn is_ready(&self) -> bool {
        if self.slot.get().is_some() {
            return true;
        }
        if let Some((instance, future)) = &self.source {
            let _ = instance.wait_any(*future, Duration::ZERO);
        }
        self.slot.get().is_some()
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<T> {
        if let Some(result) = self.slot.get() {
            return result;
        }
        let (instance, future) = self
            .source
            .as_ref()
            .expect("a Pending without a source is created filled");
        wait_for(instance, *future, deadline, || self.slot.get())
    }
}

/// Waits in `wgpuInstanceWaitAny` on `future` until `outcome` has the operation's result, or past
/// `deadline` returns [`ErrorKind::Timeout`].
pub(crate) fn wait_for<T>(
    instance: &Instance,
    future: sys::WGPUFuture,
    deadline: Option<Instant>,
    outcome: impl Fn() -> Option<Result<T>>,
) -> Result<T> {
    // Waits in bounded chunks so that an unbounded wait never sits in one untimed WaitAny.
    const CHUNK: Duration = Duration::from_secs(1);
    let mut empty_completions = 0;
    loop {
        if let Some(result) = outcome() {
            return result;
        }
        let chunk = match deadline {
            None => CHUNK,
            Some(d) => d.saturating_duration_since(Instant::now()).min(CHUNK),
        };
        let completed = instance.wait_any(future, chunk)?;
        if let Some(result) = outcome() {
            return result;
        }
        if completed {
            // Dawn saw the operation finish, but its callback has not stored the result yet (a
            // callback still running on another thread): give it a moment, bounded, so that a
            // completion without a result can never spin forever.
            empty_completions += 1;
            if empty_completions > 1000 {
                return Err(Error::new(
                    ErrorKind::Internal,
                    "the operation completed but its callback left no result",
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::new(
                ErrorKind::Timeout,
                "the operation did not complete in time",
            ));
        }
    }
}

impl<T: Clone> std::future::Future for Pending<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        if let Some(result) = self.slot.get() {
            return Poll::Ready(result);
        }
        let (instance, future) = self
            .source
            .as_ref()
            .expect("a Pending without a source is created filled");
        // A zero-timeout wait fires the callback if the work is already done.
        if let Err(e) = instance.wait_any(*future, Duration::ZERO) {
            return Poll::Ready(Err(e));
        }
        match self.slot.get_or_register(cx.waker()) {
            Some(result) => Poll::Ready(result),
            None => {
                instance.pump(*future);
                Poll::Pending
            }
        }
    }
}

impl<T> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ready = self.slot.is_ready();
        f.debug_struct("Pending").field("ready", &ready).finish()
    }
}

impl<T> Drop for Pending<T> {
    /// Dropped before it resolved: the callback, and the references its userdata holds (an `Instance`,
    /// a device's shared state), would wait in Dawn's event queue until something processes the instance's
    /// events, and those references keep the instance itself alive: a leak. The event pump drives the
    /// operation to completion instead, then lets the instance go.
    fn drop(&mut self) {
        if let Some((instance, future)) = &self.source
            && self.pump_on_drop
            && !self.slot.is_ready()
        {
            instance.pump(*future);
        }
    }
}

// ---- `Pending::map`: a minimal version for `dawn::memory`, self-contained, until this file's rewrite
// brings its own. ----

impl<T: Clone + Send + 'static> Pending<T> {
    /// A `Pending` of what `f` makes of this operation's result once it is ready; an error skips `f` and
    /// passes through. `f` runs once, on the thread that sees the operation complete (inside a wait, or on
    /// the instance's event pump), so it should not block for long.
    pub fn map<U: Clone + Send + 'static>(
        mut self,
        f: impl FnOnce(T) -> Result<U> + Send + 'static,
    ) -> Pending<U> {
        let out = Slot::<U>::new();
        let link = Arc::new(MapLink {
            input: Arc::downgrade(&self.slot),
            f: Mutex::new(Some(f)),
            out: out.clone(),
        });
        // Either the result is there (run `f` now), or the callback's fill wakes the link, which runs it.
        if let Some(result) = self.slot.get_or_register(&Waker::from(link.clone())) {
            link.finish(result);
        }
        // The new `Pending` waits on the same Dawn future; this one must not pump it when dropped.
        let pump_on_drop = std::mem::replace(&mut self.pump_on_drop, false);
        Pending {
            slot: out,
            source: self.source.take(),
            pump_on_drop,
        }
    }
}

/// Runs a [`Pending::map`] function when the input slot is filled (as the slot's waker).
struct MapLink<T, U, F> {
    input: std::sync::Weak<Slot<T>>,
    f: Mutex<Option<F>>,
    out: Arc<Slot<U>>,
}

impl<T: Clone, U: Clone, F: FnOnce(T) -> Result<U>> MapLink<T, U, F> {
    fn finish(&self, result: Result<T>) {
        let Some(f) = self.f.lock().take() else {
            return;
        };
        let mapped = result.and_then(|value| {
            catch_unwind(AssertUnwindSafe(|| f(value))).unwrap_or_else(|_| {
                Err(Error::new(
                    ErrorKind::Internal,
                    "a panic in the function given to Pending::map",
                ))
            })
        });
        self.out.fill(mapped);
    }
}

impl<T, U, F> std::task::Wake for MapLink<T, U, F>
where
    T: Clone + Send + 'static,
    U: Clone + Send + 'static,
    F: FnOnce(T) -> Result<U> + Send + 'static,
{
    fn wake(self: Arc<Self>) {
        if let Some(result) = self.input.upgrade().and_then(|slot| slot.get()) {
            self.finish(result);
        }
    }
}
