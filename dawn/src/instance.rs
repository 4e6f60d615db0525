//! [`Instance`]: the entry point, which finds adapters and drives every asynchronous operation.

use crate::adapter::{Adapter, RequestAdapterOptions};
use crate::buffer_mapping::Orphan;
use crate::future::{self, Pending, Slot};
use crate::handle::handle;
use crate::{Error, ErrorKind, InstanceFeatureName, Result, WGSLLanguageFeatureName, string};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::ffi::{CString, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

handle! {
    /// The bare `WGPUInstance` reference.
    pub(crate) struct RawInstance(WGPUInstanceImpl, wgpuInstanceAddRef, wgpuInstanceRelease);
}

/// A Dawn instance (`WGPUInstance`): finds adapters and waits on asynchronous operations.
///
/// Corresponds to WebGPU's `GPU` object. It is always created with the `TimedWaitAny` instance feature, so
/// that every wait can have a timeout. `Clone` adds a reference; the instance lives while any clone, adapter,
/// device or pending operation does.
///
/// ```no_run
/// let instance = dawn::Instance::new()?;
/// let adapter = instance.request_adapter(&Default::default()).wait()?;
/// println!("{}", adapter.info()?.description);
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct Instance(Arc<InstanceInner>);

/// The instance handle and its event pump, behind one `Arc` so that a clone (one per pending operation) is
/// a single atomic increment.
struct InstanceInner {
    raw: RawInstance,
    pump: Mutex<PumpState>,
}

// SAFETY: Dawn's instance is internally synchronized (event manager, adapter discovery).
unsafe impl Send for InstanceInner {}
unsafe impl Sync for InstanceInner {}

/// Dawn toggles by name, for instances, adapters and devices (Dawn's `DawnTogglesDescriptor`).
///
/// For instance `Toggles { enabled: &["allow_unsafe_apis"], ..Default::default() }`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Toggles<'a> {
    /// Toggles to turn on.
    pub enabled: &'a [&'a str],
    /// Toggles to turn off.
    pub disabled: &'a [&'a str],
}

/// Limits of instances (`WGPUInstanceLimits`), from [`Instance::supported_limits`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct InstanceLimits {
    /// The most futures one timed `wgpuInstanceWaitAny` may wait on.
    pub timed_wait_any_max_count: usize,
}

/// Options of [`Instance::with_descriptor`].
#[derive(Clone, Copy, Debug, Default)]
pub struct InstanceDescriptor<'a> {
    /// Dawn toggles for the instance (`allow_unsafe_apis` to reach experimental features, say).
    pub toggles: Toggles<'a>,
}

/// A `WGPUDawnTogglesDescriptor` and the C strings it points at; keep it in place while Dawn reads it.
pub(crate) struct TogglesChain {
    _strings: Vec<CString>,
    _enabled: Vec<*const c_char>,
    _disabled: Vec<*const c_char>,
    desc: sys::dawn_ext::WGPUDawnTogglesDescriptor,
}

impl TogglesChain {
    /// `None` when there are no toggles.
    pub(crate) fn new(toggles: &Toggles<'_>) -> Result<Option<Box<Self>>> {
        if toggles.enabled.is_empty() && toggles.disabled.is_empty() {
            return Ok(None);
        }
        let to_c = |names: &[&str]| -> Result<Vec<CString>> {
            names
                .iter()
                .map(|n| {
                    CString::new(*n).map_err(|_| {
                        Error::invalid_use(format!("toggle name {n:?} contains a NUL byte"))
                    })
                })
                .collect()
        };
        let enabled = to_c(toggles.enabled)?;
        let disabled = to_c(toggles.disabled)?;
        let enabled_ptrs: Vec<_> = enabled.iter().map(|s| s.as_ptr()).collect();
        let disabled_ptrs: Vec<_> = disabled.iter().map(|s| s.as_ptr()).collect();
        let desc = sys::dawn_ext::WGPUDawnTogglesDescriptor {
            chain: sys::WGPUChainedStruct {
                next: std::ptr::null_mut(),
                sType: sys::dawn_ext::WGPUSType_DawnTogglesDescriptor,
            },
            enabledToggleCount: enabled_ptrs.len(),
            enabledToggles: enabled_ptrs.as_ptr(),
            disabledToggleCount: disabled_ptrs.len(),
            disabledToggles: disabled_ptrs.as_ptr(),
        };
        let mut strings = enabled;
        strings.extend(disabled);
        Ok(Some(Box::new(TogglesChain {
            _strings: strings,
            _enabled: enabled_ptrs,
            _disabled: disabled_ptrs,
            desc,
        })))
    }

    /// The chain link to put in a descriptor's `nextInChain` (null for no toggles).
    pub(crate) fn chain_ptr(chain: &mut Option<Box<Self>>) -> *mut sys::WGPUChainedStruct {
        match chain {
            Some(c) => (&mut c.desc.chain) as *mut sys::WGPUChainedStruct,
            None => std::ptr::null_mut(),
        }
    }
}

impl Instance {
    /// Creates an instance with default options; [`ErrorKind::Unavailable`] when Dawn's library cannot be
    /// loaded (the message names the path and the variable to set).
    #[doc(alias = "wgpuCreateInstance")]
    pub fn new() -> Result<Self> {
        Self::with_descriptor(&InstanceDescriptor::default())
    }

    /// Creates an instance with `desc`'s toggles; [`ErrorKind::Unavailable`] when Dawn's library cannot be
    /// loaded.
    #[doc(alias = "wgpuCreateInstance")]
    pub fn with_descriptor(desc: &InstanceDescriptor<'_>) -> Result<Self> {
        sys::load().map_err(|e| Error::new(ErrorKind::Unavailable, e.to_string()))?;
        let features = [sys::WGPUInstanceFeatureName_TimedWaitAny];
        let mut toggles = TogglesChain::new(&desc.toggles)?;
        let c_desc = sys::WGPUInstanceDescriptor {
            nextInChain: TogglesChain::chain_ptr(&mut toggles),
            requiredFeatureCount: features.len(),
            requiredFeatures: features.as_ptr(),
            requiredLimits: std::ptr::null(),
        };
        // SAFETY: the descriptor and everything it points at live across the call.
        let raw = unsafe { RawInstance::from_raw(sys::wgpuCreateInstance(&c_desc)) }.ok_or_else(
            || {
                Error::new(
                    ErrorKind::Unavailable,
                    "wgpuCreateInstance failed (see Dawn's log above)",
                )
            },
        )?;
        Ok(Instance(Arc::new(InstanceInner {
            raw,
            pump: Mutex::default(),
        })))
    }

    /// The raw `WGPUInstance`, still owned by `self`.
    pub fn as_raw(&self) -> sys::WGPUInstance {
        self.0.raw.as_raw()
    }

    /// The instance features this Dawn can create instances with, in value order.
    #[doc(alias = "wgpuGetInstanceFeatures")]
    pub fn supported_features() -> Vec<InstanceFeatureName> {
        // SAFETY: plain data for Dawn to fill.
        let mut supported: sys::WGPUSupportedInstanceFeatures = unsafe { std::mem::zeroed() };
        // SAFETY: valid out pointer.
        unsafe { sys::wgpuGetInstanceFeatures(&mut supported) };
        let mut list: Vec<InstanceFeatureName> = if supported.features.is_null() {
            Vec::new()
        } else {
            // SAFETY: Dawn filled `featureCount` entries.
            unsafe { std::slice::from_raw_parts(supported.features, supported.featureCount) }
                .iter()
                .map(|&f| InstanceFeatureName(f))
                .collect()
        };
        // SAFETY: filled by Dawn above, freed once.
        unsafe { sys::wgpuSupportedInstanceFeaturesFreeMembers(supported) };
        list.sort();
        list
    }

    /// Whether this Dawn can create instances with `feature`.
    #[doc(alias = "wgpuHasInstanceFeature")]
    pub fn has_supported_feature(feature: InstanceFeatureName) -> bool {
        // SAFETY: a plain value in, a bool out.
        unsafe { sys::wgpuHasInstanceFeature(feature.0) != 0 }
    }

    /// The best limits this Dawn can create instances with.
    #[doc(alias = "wgpuGetInstanceLimits")]
    pub fn supported_limits() -> Result<InstanceLimits> {
        sys::load().map_err(|e| Error::new(ErrorKind::Unavailable, e.to_string()))?;
        let mut limits = sys::WGPUInstanceLimits {
            nextInChain: std::ptr::null_mut(),
            timedWaitAnyMaxCount: 0,
        };
        // SAFETY: valid out pointer.
        let status = unsafe { sys::wgpuGetInstanceLimits(&mut limits) };
        if status != sys::WGPUStatus_Success {
            return Err(Error::new(
                ErrorKind::Internal,
                "wgpuGetInstanceLimits failed",
            ));
        }
        Ok(InstanceLimits {
            timed_wait_any_max_count: limits.timedWaitAnyMaxCount,
        })
    }

    /// The WGSL language extensions shaders of this instance may use, in value order.
    #[doc(alias = "wgpuInstanceGetWGSLLanguageFeatures")]
    pub fn wgsl_language_features(&self) -> Vec<WGSLLanguageFeatureName> {
        // SAFETY: plain data for Dawn to fill.
        let mut supported: sys::WGPUSupportedWGSLLanguageFeatures = unsafe { std::mem::zeroed() };
        // SAFETY: live instance, valid out pointer.
        unsafe { sys::wgpuInstanceGetWGSLLanguageFeatures(self.as_raw(), &mut supported) };
        let mut list: Vec<WGSLLanguageFeatureName> = if supported.features.is_null() {
            Vec::new()
        } else {
            // SAFETY: Dawn filled `featureCount` entries.
            unsafe { std::slice::from_raw_parts(supported.features, supported.featureCount) }
                .iter()
                .map(|&f| WGSLLanguageFeatureName(f))
                .collect()
        };
        // SAFETY: filled by Dawn above, freed once.
        unsafe { sys::wgpuSupportedWGSLLanguageFeaturesFreeMembers(supported) };
        list.sort();
        list
    }

    /// Whether shaders of this instance may use the WGSL language extension `feature`.
    #[doc(alias = "wgpuInstanceHasWGSLLanguageFeature")]
    pub fn has_wgsl_language_feature(&self, feature: WGSLLanguageFeatureName) -> bool {
        // SAFETY: live instance.
        unsafe { sys::wgpuInstanceHasWGSLLanguageFeature(self.as_raw(), feature.0) != 0 }
    }

    /// Asks for an adapter matching `options`. The result is [`ErrorKind::Unavailable`] when none matches.
    #[doc(alias = "wgpuInstanceRequestAdapter")]
    pub fn request_adapter(&self, options: &RequestAdapterOptions<'_>) -> Pending<Adapter> {
        let mut toggles = match TogglesChain::new(&options.toggles) {
            Ok(t) => t,
            Err(e) => return Pending::ready(Err(e)),
        };
        let c_options = sys::WGPURequestAdapterOptions {
            nextInChain: TogglesChain::chain_ptr(&mut toggles),
            featureLevel: options.feature_level.0,
            powerPreference: options.power_preference.0,
            forceFallbackAdapter: options.force_fallback_adapter as sys::WGPUBool,
            backendType: options.backend_type.0,
            compatibleSurface: std::ptr::null_mut(),
        };
        let slot = Slot::<Adapter>::new();
        let info = sys::WGPURequestAdapterCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode: future::mode(),
            callback: Some(on_adapter),
            userdata1: slot.userdata(),
            userdata2: Box::into_raw(Box::new(self.clone())) as *mut c_void,
        };
        // SAFETY: options live across the call; the callback takes back both userdata.
        let future = unsafe { sys::wgpuInstanceRequestAdapter(self.as_raw(), &c_options, info) };
        Pending::new(self, future, slot)
    }

    /// Fires the callbacks of operations that have completed (`wgpuInstanceProcessEvents`). Waiting on a
    /// [`Pending`] does this for its own operation; call this only to drive callbacks you registered elsewhere.
    #[doc(alias = "wgpuInstanceProcessEvents")]
    pub fn process_events(&self) {
        // SAFETY: live instance.
        unsafe { sys::wgpuInstanceProcessEvents(self.as_raw()) }
    }

    /// Waits up to `timeout` for `future`; `Ok(true)` once it has completed (its callback has run).
    #[inline]
    pub(crate) fn wait_any(&self, future: sys::WGPUFuture, timeout: Duration) -> Result<bool> {
        let mut info = sys::WGPUFutureWaitInfo {
            future,
            completed: 0,
        };
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        // SAFETY: one valid wait info.
        let status = unsafe { sys::wgpuInstanceWaitAny(self.as_raw(), 1, &mut info, nanos) };
        match status {
            sys::WGPUWaitStatus_Success => Ok(info.completed != 0),
            sys::WGPUWaitStatus_TimedOut => Ok(false),
            other => Err(Error::new(
                ErrorKind::Internal,
                format!("wgpuInstanceWaitAny failed with status {other}"),
            )),
        }
    }

    /// Has the event pump wait on `future`, so that its callback runs (and, for a [`Pending`], wakes the
    /// task polling it) even if nothing else processes events.
    pub(crate) fn pump(&self, future: sys::WGPUFuture) {
        let mut pump = self.0.pump.lock();
        pump.watch(future, None);
        self.start_pump(&mut pump);
    }

    /// Has the event pump wait on `future` and wake `waker` once Dawn reports it complete (for futures
    /// whose callbacks wake nothing themselves: [`PendingMap`](crate::PendingMap)).
    pub(crate) fn pump_waking(&self, future: sys::WGPUFuture, waker: Waker) {
        let mut pump = self.0.pump.lock();
        pump.watch(future, Some(waker));
        self.start_pump(&mut pump);
    }

    /// Hands the pump a buffer's mapping state that outlives its buffer, and the futures of its callbacks
    /// still due: the pump drives them and frees the state once it is quiet.
    pub(crate) fn adopt_orphan(&self, orphan: Orphan, due: Vec<sys::WGPUFuture>) {
        let mut pump = self.0.pump.lock();
        pump.orphans.push(orphan);
        for future in due {
            pump.watch(future, None);
        }
        self.start_pump(&mut pump);
    }

    /// Frees the orphaned mapping states that have become quiet.
    pub(crate) fn reap_orphans(&self) {
        let orphans = std::mem::take(&mut self.0.pump.lock().orphans);
        if orphans.is_empty() {
            return;
        }
        // Outside the lock: freeing a state may drop the last reference to its device.
        let left: Vec<Orphan> = orphans.into_iter().filter_map(Orphan::reap).collect();
        if !left.is_empty() {
            let mut pump = self.0.pump.lock();
            pump.orphans.extend(left);
            // A pump that found the list empty while this thread held the orphans has exited.
            self.start_pump(&mut pump);
        }
    }

    fn start_pump(&self, pump: &mut PumpState) {
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
    /// frees orphaned mapping states once quiet (looking again after naps that grow from 1 ms to 100 ms
    /// while only they are left), and exits (dropping its instance reference) as soon as nothing is left.
    /// Each turn runs inside the exit fence: once the process exits, the pump never enters Dawn again (see
    /// [`exit_fence`]).
    fn run_pump(self) {
        const SLICE: Duration = Duration::from_millis(5);
        const FIRST_NAP: Duration = Duration::from_millis(1);
        const LONGEST_NAP: Duration = Duration::from_millis(100);
        let mut nap = FIRST_NAP;
        loop {
            let waited = {
                let Some(_turn) = exit_fence::enter() else {
                    // The process is exiting: keep every reference (releasing one could destroy a device
                    // while the driver is torn down) and never return.
                    std::mem::forget(self);
                    loop {
                        std::thread::park();
                    }
                };
                self.reap_orphans();
                let next = {
                    let mut pump = self.0.pump.lock();
                    match pump.queue.pop_front() {
                        Some(watched) => Some(watched),
                        None if pump.orphans.is_empty() => {
                            pump.running = false;
                            drop(pump);
                            // Released inside the turn: this may be the instance's last reference.
                            drop(self);
                            return;
                        }
                        None => None,
                    }
                };
                next.map(|watched| self.pump_turn(watched, SLICE))
            };
            if waited.is_some() {
                nap = FIRST_NAP;
            } else {
                // Only orphans whose futures are still alive (or whose callbacks are finishing on another
                // thread) are left: look again after a nap, outside the turn.
                std::thread::sleep(nap);
                nap = (nap * 2).min(LONGEST_NAP);
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

/// A future the pump waits on, and the task to wake when it completes.
struct Watched {
    future: sys::WGPUFuture,
    waker: Option<Waker>,
}

/// The event pump's state: the futures that tasks wait on, the mapping states that outlive their
/// buffers, and whether its thread runs.
#[derive(Default)]
struct PumpState {
    queue: VecDeque<Watched>,
    orphans: Vec<Orphan>,
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

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Instance({:p})", self.as_raw())
    }
}

unsafe extern "C" fn on_adapter(
    status: sys::WGPURequestAdapterStatus,
    adapter: sys::WGPUAdapter,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata2 is the boxed instance `request_adapter` leaked for this call.
    let instance = unsafe { Box::from_raw(userdata2 as *mut Instance) };
    // SAFETY: userdata1 is the slot `request_adapter` registered; the message lives during the call.
    unsafe {
        future::complete::<Adapter>(userdata1, move || {
            let message = string::to_string(message);
            match status {
                sys::WGPURequestAdapterStatus_Success => Adapter::from_raw(adapter, *instance)
                    .ok_or_else(|| Error::new(ErrorKind::Internal, "Dawn returned a null adapter")),
                sys::WGPURequestAdapterStatus_CallbackCancelled => {
                    Err(Error::new(ErrorKind::Cancelled, message))
                }
                sys::WGPURequestAdapterStatus_Unavailable => Err(Error::new(
                    ErrorKind::Unavailable,
                    format!(
                        "no adapter matches the request (RequestAdapterStatus::Unavailable): {message}"
                    ),
                )),
                _ => Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("RequestAdapterStatus::Error: {message}"),
                )),
            }
        })
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
