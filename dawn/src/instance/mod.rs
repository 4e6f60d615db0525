//! [`Instance`]: the entry point, which finds adapters and drives every asynchronous operation.

mod driver_pin;
pub(crate) mod driver_teardown;
mod event_pump;

use crate::adapter::{Adapter, RequestAdapterOptions};
use crate::features::supported_list;
use crate::future::{self, Pending, Slot, callback_info};
use crate::handle::handle;
use crate::toggles::{Toggles, TogglesChain};
use crate::{Error, ErrorKind, InstanceFeatureName, Result, WGSLLanguageFeatureName, string};
use dawn_sys as sys;
use event_pump::PumpState;
use parking_lot::Mutex;
use std::ffi::c_void;
use std::sync::Arc;
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
/// The first adapter request keeps the libraries Dawn loads (the Vulkan loader and the GPU driver) loaded
/// until the process ends, so that threads that used them may end safely after every instance is gone.
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
    /// Released in `Drop`, under the driver teardown lock.
    raw: std::mem::ManuallyDrop<RawInstance>,
    pump: Mutex<PumpState>,
    /// Held across `wgpuInstanceRequestAdapter`: Dawn discovers its adapters in the first request, and
    /// requests racing it on other threads find none ("No supported adapters").
    discovery: Mutex<()>,
}

// SAFETY: Dawn's instance is internally synchronized (event manager, adapter discovery).
unsafe impl Send for InstanceInner {}
// SAFETY: as above.
unsafe impl Sync for InstanceInner {}

impl Drop for InstanceInner {
    fn drop(&mut self) {
        // SAFETY: dropped once, here.
        driver_teardown::exclusive(|| unsafe { std::mem::ManuallyDrop::drop(&mut self.raw) });
    }
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
        load_dawn()?;
        driver_teardown::driver_loading();
        driver_teardown::enter();
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
            raw: std::mem::ManuallyDrop::new(raw),
            pump: Mutex::default(),
            discovery: Mutex::new(()),
        })))
    }

    /// The raw `WGPUInstance`, still owned by `self` (for calls into `dawn_sys`).
    pub fn as_raw(&self) -> sys::WGPUInstance {
        self.0.raw.as_raw()
    }

    /// The instance features this Dawn can create instances with, in value order
    /// ([`ErrorKind::Unavailable`] when Dawn's library cannot be loaded).
    #[doc(alias = "wgpuGetInstanceFeatures")]
    pub fn supported_features() -> Result<Vec<InstanceFeatureName>> {
        load_dawn()?;
        // SAFETY: Dawn fills the struct it is given.
        let mut list: Vec<_> = unsafe {
            supported_list!(
                WGPUSupportedInstanceFeatures,
                wgpuSupportedInstanceFeaturesFreeMembers,
                |out| sys::wgpuGetInstanceFeatures(out)
            )
        }
        .into_iter()
        .map(InstanceFeatureName)
        .collect();
        list.sort();
        Ok(list)
    }

    /// Whether this Dawn can create instances with `feature` ([`ErrorKind::Unavailable`] when Dawn's library
    /// cannot be loaded).
    #[doc(alias = "wgpuHasInstanceFeature")]
    pub fn has_supported_feature(feature: InstanceFeatureName) -> Result<bool> {
        load_dawn()?;
        // SAFETY: a plain value in, a bool out.
        Ok(unsafe { sys::wgpuHasInstanceFeature(feature.0) != 0 })
    }

    /// The best limits this Dawn can create instances with ([`ErrorKind::Unavailable`] when Dawn's
    /// library cannot be loaded).
    #[doc(alias = "wgpuGetInstanceLimits")]
    pub fn supported_limits() -> Result<InstanceLimits> {
        load_dawn()?;
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
        // SAFETY: live instance; Dawn fills the struct it is given.
        let mut list: Vec<_> = unsafe {
            supported_list!(
                WGPUSupportedWGSLLanguageFeatures,
                wgpuSupportedWGSLLanguageFeaturesFreeMembers,
                |out| sys::wgpuInstanceGetWGSLLanguageFeatures(self.as_raw(), out)
            )
        }
        .into_iter()
        .map(WGSLLanguageFeatureName)
        .collect();
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
        let info = callback_info!(
            WGPURequestAdapterCallbackInfo,
            on_adapter,
            slot,
            Box::into_raw(Box::new(self.clone())) as *mut c_void
        );
        let _discovery = self.0.discovery.lock();
        // SAFETY: options live across the call; the callback takes back both userdata.
        let future = unsafe { sys::wgpuInstanceRequestAdapter(self.as_raw(), &c_options, info) };
        // The request loaded the driver into this thread (its callback may have run already, so that no
        // wait follows to register it).
        driver_teardown::enter();
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
        driver_teardown::enter();
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
}

/// Loads Dawn's library (once per process): every entry point that can run before an instance exists calls
/// this first, so that a missing library is an error rather than a panic in a `dawn_sys` wrapper.
fn load_dawn() -> Result<()> {
    sys::load()
        .map(drop)
        .map_err(|e| Error::new(ErrorKind::Unavailable, e.to_string()))
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
    // The driver is loaded by now (see `driver_pin` and `driver_teardown`).
    driver_pin::pin_loaded_libraries();
    driver_teardown::driver_loaded();
    // SAFETY: userdata1 is the slot `request_adapter` registered; the message lives during the call.
    unsafe {
        future::complete::<Adapter>(userdata1, move || {
            let message = string::to_string(message);
            match status {
                // SAFETY: Dawn hands the callback's adapter to us with its reference.
                sys::WGPURequestAdapterStatus_Success => Adapter::from_raw(adapter, *instance)
                    .ok_or_else(|| Error::new(ErrorKind::Internal, "Dawn returned a null adapter")),
                sys::WGPURequestAdapterStatus_CallbackCancelled => Err(future::cancelled(message)),
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
