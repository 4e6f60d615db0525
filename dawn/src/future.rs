//! [`Pending`]: the one future type of the crate, for every asynchronous Dawn operation.
//!
//! An operation's result arrives in one of three ways, and a `Pending` knows which ([`Op`]):
//! - a callback that owns nothing else fills a [`Slot`] (requests, pops, pipeline creation, work done):
//!   its `userdata1` is one strong `Arc` reference handed to C, taken back by [`complete`];
//! - the result lives in shared state the callback updates (a buffer's map, the device's loss): the
//!   `Pending` reads it through a probe;
//! - it is another `Pending` followed by a function ([`Pending::map`]).
//!
//! Waiting is always `wgpuInstanceWaitAny` on the operation's own `WGPUFuture`, in bounded chunks; an
//! awaited `Pending` hands its future and waker to the instance's event pump, never spinning.

use crate::{Error, ErrorKind, Instance, Result};
use dawn_sys as sys;
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Where a callback leaves its result: written once by the callback, then taken once by its `Pending`.
pub(crate) struct Slot<T> {
    ready: AtomicBool,
    value: UnsafeCell<Option<Result<T>>>,
}

// SAFETY: `value` is written once, before `ready` is set (Release), by the one callback, and read only after
// `ready` is seen (Acquire), by the one `Pending` holding the slot (through `&mut`).
unsafe impl<T: Send> Send for Slot<T> {}
// SAFETY: as above; shared access only reads `ready`.
unsafe impl<T: Send> Sync for Slot<T> {}

impl<T> Slot<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Slot {
            ready: AtomicBool::new(false),
            value: UnsafeCell::new(None),
        })
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
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
/// `userdata` must come from [`Slot::userdata`] for a `Slot<T>`, and be used once (Dawn calls every
/// callback exactly once).
pub(crate) unsafe fn complete<T>(userdata: *mut c_void, convert: impl FnOnce() -> Result<T>) {
    // SAFETY: the caller passes the reference `Slot::userdata` leaked.
    let slot = unsafe { Arc::from_raw(userdata as *const Slot<T>) };
    let result = catch_unwind(AssertUnwindSafe(convert)).unwrap_or_else(|_| {
        Err(Error::new(
            ErrorKind::Internal,
            "a panic while handling a Dawn callback",
        ))
    });
    // SAFETY: the one write, before `ready`; the `Pending` reads only after seeing `ready`.
    unsafe { *slot.value.get() = Some(result) };
    slot.ready.store(true, Ordering::Release);
}

/// The error of a callback Dawn cancelled (its instance went away first).
pub(crate) fn cancelled(message: String) -> Error {
    Error::new(ErrorKind::Cancelled, message)
}

/// What a pipeline-creation callback reports (`wgpuDeviceCreate*PipelineAsync`): the pipeline `adopt`
/// wraps, or Dawn's error with its message.
pub(crate) fn pipeline_result<P>(
    status: sys::WGPUCreatePipelineAsyncStatus,
    message: String,
    adopt: impl FnOnce() -> Option<P>,
) -> Result<P> {
    match status {
        sys::WGPUCreatePipelineAsyncStatus_Success => {
            adopt().ok_or_else(|| Error::new(ErrorKind::Internal, "Dawn returned a null pipeline"))
        }
        sys::WGPUCreatePipelineAsyncStatus_ValidationError => {
            Err(Error::new(ErrorKind::Validation, message))
        }
        sys::WGPUCreatePipelineAsyncStatus_CallbackCancelled => Err(cancelled(message)),
        _ => Err(Error::new(ErrorKind::Internal, message)),
    }
}

/// Fills in the `*CallbackInfo` struct every `webgpu.h` async call takes, for a callback that completes
/// `slot`: mode `AllowProcessEvents` (callbacks run inside waits on their future, or `process_events`).
macro_rules! callback_info {
    ($info:ident, $callback:ident, $slot:expr, $userdata2:expr) => {
        dawn_sys::$info {
            nextInChain: std::ptr::null_mut(),
            mode: dawn_sys::WGPUCallbackMode_AllowProcessEvents,
            callback: Some($callback),
            userdata1: $slot.userdata(),
            userdata2: $userdata2,
        }
    };
}

pub(crate) use callback_info;

/// Reads the result of an operation whose callback updates shared state.
type Probe<T> = Box<dyn Fn() -> Option<Result<T>> + Send + Sync>;

/// How a [`Pending`] gets its result.
enum Op<T> {
    /// Resolved; `None` once the result was taken.
    Done(Option<Result<T>>),
    /// A callback fills `slot`; `pump_on_drop`: dropping this unresolved leaves a callback with userdata
    /// in Dawn's queue, for the event pump to drive.
    Callback {
        slot: Arc<Slot<T>>,
        instance: Instance,
        future: sys::WGPUFuture,
        pump_on_drop: bool,
    },
    /// A callback updates shared state, which `probe` reads.
    Probe {
        probe: Probe<T>,
        instance: Instance,
        future: sys::WGPUFuture,
    },
    /// Another operation followed by a function.
    Then(Box<dyn Chained<T>>),
}

/// A `Pending` of another type followed by a function ([`Pending::map`]).
trait Chained<T>: Send + Sync {
    fn source(&self) -> Option<(&Instance, sys::WGPUFuture)>;
    fn is_ready(&self) -> bool;
    fn take(&mut self) -> Option<Result<T>>;
}

struct Then<S, F> {
    inner: Pending<S>,
    f: Option<F>,
}

impl<S, T, F> Chained<T> for Then<S, F>
where
    S: Send + Sync,
    F: FnOnce(S) -> Result<T> + Send + Sync,
{
    fn source(&self) -> Option<(&Instance, sys::WGPUFuture)> {
        self.inner.source()
    }

    fn is_ready(&self) -> bool {
        self.inner.peek()
    }

    fn take(&mut self) -> Option<Result<T>> {
        let result = self.inner.take()?;
        let f = self.f.take()?;
        Some(result.and_then(f))
    }
}

/// The result of an asynchronous Dawn operation, to wait for or `.await`.
///
/// - [`wait`](Pending::wait) blocks until the operation completes;
///   [`wait_timeout`](Pending::wait_timeout) gives up with [`ErrorKind::Timeout`] (and can be called
///   again). Both block in Dawn's `wgpuInstanceWaitAny` on this operation's own future: no spinning.
/// - As a [`std::future::Future`], it first checks without blocking; if the operation is still running,
///   the instance's event pump (one thread, started on demand, blocked in timed waits) wakes the task.
/// - [`map`](Pending::map) chains a function onto the result.
/// - Dropping it early is safe: the operation completes (or is cancelled) on its own, and its result, an
///   object included, is released.
///
/// The result is handed out once: after `wait_timeout` or `.await` returned it, a later wait returns
/// [`ErrorKind::InvalidUse`].
#[must_use = "the operation runs anyway; wait on or await the Pending to get its result"]
pub struct Pending<T> {
    op: Op<T>,
}

impl<T> Pending<T> {
    /// A pending operation whose callback fills `slot`.
    pub(crate) fn new(instance: &Instance, future: sys::WGPUFuture, slot: Arc<Slot<T>>) -> Self {
        Pending {
            op: Op::Callback {
                slot,
                instance: instance.clone(),
                future,
                pump_on_drop: true,
            },
        }
    }

    /// An already-completed operation: for code that hands out a `Pending` of a result it already knows
    /// (an error caught before calling Dawn, say).
    pub fn ready(result: Result<T>) -> Self {
        Pending {
            op: Op::Done(Some(result)),
        }
    }

    /// A pending operation whose result `probe` reads from state its callback updates.
    pub(crate) fn probing(
        instance: &Instance,
        future: sys::WGPUFuture,
        probe: impl Fn() -> Option<Result<T>> + Send + Sync + 'static,
    ) -> Self {
        Pending {
            op: Op::Probe {
                probe: Box::new(probe),
                instance: instance.clone(),
                future,
            },
        }
    }

    /// What to wait on; `None` once resolved.
    fn source(&self) -> Option<(&Instance, sys::WGPUFuture)> {
        match &self.op {
            Op::Done(_) => None,
            Op::Callback {
                instance, future, ..
            }
            | Op::Probe {
                instance, future, ..
            } => Some((instance, *future)),
            Op::Then(chained) => chained.source(),
        }
    }

    /// Whether the result is there, without waiting.
    fn peek(&self) -> bool {
        match &self.op {
            Op::Done(_) => true,
            Op::Callback { slot, .. } => slot.is_ready(),
            Op::Probe { probe, .. } => probe().is_some(),
            Op::Then(chained) => chained.is_ready(),
        }
    }

    /// Takes the result if it is there.
    fn take(&mut self) -> Option<Result<T>> {
        let result = match &mut self.op {
            Op::Done(result) => {
                return Some(result.take().unwrap_or_else(|| Err(taken())));
            }
            Op::Callback { slot, .. } => {
                if !slot.is_ready() {
                    return None;
                }
                // SAFETY: `ready` was seen, so the callback is done with the value; `&mut self` is the only
                // reader.
                unsafe { (*slot.value.get()).take() }.unwrap_or_else(|| Err(taken()))
            }
            Op::Probe { probe, .. } => probe()?,
            Op::Then(chained) => chained.take()?,
        };
        self.op = Op::Done(None);
        Some(result)
    }

    /// Blocks until the operation completes and returns its result.
    #[doc(alias = "wgpuInstanceWaitAny")]
    #[inline]
    pub fn wait(mut self) -> Result<T> {
        // The common case of a map, lean: resolved before the call returned.
        if let Op::Done(result) = &mut self.op
            && let Some(result) = result.take()
        {
            return result;
        }
        self.wait_until(None)
    }

    /// Blocks at most `timeout`; past it returns [`ErrorKind::Timeout`], and the operation goes on (wait
    /// again to get its result).
    #[doc(alias = "wgpuInstanceWaitAny")]
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<T> {
        self.wait_until(Some(Instant::now() + timeout))
    }

    /// Whether the operation has completed (checks without blocking).
    pub fn is_ready(&self) -> bool {
        if self.peek() {
            return true;
        }
        if let Some((instance, future)) = self.source() {
            let _ = instance.wait_any(future, Duration::ZERO);
        }
        self.peek()
    }

    /// A `Pending` of what `f` makes of this one's result, once it is there (`f` runs on the thread that
    /// takes the result: the one waiting, or the task polling).
    pub fn map<U>(self, f: impl FnOnce(T) -> Result<U> + Send + Sync + 'static) -> Pending<U>
    where
        T: Send + Sync + 'static,
    {
        Pending {
            op: Op::Then(Box::new(Then {
                inner: self,
                f: Some(f),
            })),
        }
    }

    /// Yields this thread until the result is there or `patience` has passed.
    fn yield_for_result(&mut self, patience: Duration) -> Option<Result<T>> {
        let start = Instant::now();
        while start.elapsed() < patience {
            std::thread::yield_now();
            if let Some(result) = self.take() {
                return Some(result);
            }
        }
        None
    }

    fn wait_until(&mut self, deadline: Option<Instant>) -> Result<T> {
        // Waits in bounded chunks so that an unbounded wait never sits in one untimed WaitAny.
        const CHUNK: Duration = Duration::from_secs(1);
        let mut empty_completions = 0;
        loop {
            if let Some(result) = self.take() {
                return result;
            }
            let Some((instance, future)) = self.source() else {
                return Err(taken());
            };
            let chunk = match deadline {
                None => CHUNK,
                Some(d) => d.saturating_duration_since(Instant::now()).min(CHUNK),
            };
            let completed = instance.wait_any(future, chunk)?;
            if let Some(result) = self.take() {
                return result;
            }
            if completed {
                // Dawn saw the operation finish, but its callback has not left the result yet: it runs on
                // the thread that saw the completion first (another waiter's, for a spontaneous callback),
                // and is about to. Yield for a moment first (it usually lands within microseconds, and a
                // millisecond's sleep here costs a transfer ring half its speed on a fast GPU), then sleep,
                // bounded, so that this can never spin forever.
                if let Some(result) = self.yield_for_result(Duration::from_micros(500)) {
                    return result;
                }
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
}

#[cold]
fn taken() -> Error {
    Error::invalid_use("the result of this operation was already taken")
}

// A `Pending` is never pinned in place: it moves its result out, and holds no self-reference.
impl<T> Unpin for Pending<T> {}

impl<T> std::future::Future for Pending<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = self.get_mut();
        if let Some(result) = this.take() {
            return Poll::Ready(result);
        }
        let Some((instance, future)) = this.source() else {
            return Poll::Ready(Err(taken()));
        };
        // A zero-timeout wait fires the callback if the work is already done.
        if let Err(e) = instance.wait_any(future, Duration::ZERO) {
            return Poll::Ready(Err(e));
        }
        if let Some(result) = this.take() {
            return Poll::Ready(result);
        }
        // The pump wakes the task once Dawn reports the operation complete; the callback may have run
        // since the check above, so look again (the pump's wake is then spurious, and harmless).
        let (instance, future) = this.source().expect("unresolved");
        instance.pump_waking(future, cx.waker().clone());
        match this.take() {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }
}

impl<T> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("ready", &self.peek())
            .finish()
    }
}

impl<T> Drop for Pending<T> {
    /// Dropped before it resolved: the callback, and the references its userdata holds (an `Instance`,
    /// a device's state), would wait in Dawn's event queue until something processes the instance's
    /// events, and those references keep the instance itself alive: a leak. The event pump drives the
    /// operation to completion instead, then lets the instance go.
    fn drop(&mut self) {
        if let Op::Callback {
            slot,
            instance,
            future,
            pump_on_drop: true,
        } = &self.op
            && !slot.is_ready()
        {
            instance.pump(*future);
        }
    }
}
