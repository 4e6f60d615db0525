//! [`Device`]: the logical device that creates every other object, and how it reports errors and loss.

mod error_scope;
mod lifecycle;

pub use error_scope::ErrorScope;
pub(crate) use error_scope::PushedScope;
pub(crate) use lifecycle::{Gate, Lifecycle, Mappable};

use crate::adapter::{Adapter, AdapterInfo};
use crate::future::{self, Pending, Slot, callback_info};
use crate::handle::{Child, handle};
use crate::instance::driver_teardown;
use crate::toggles::{Toggles, TogglesChain};
use crate::{
    DeviceLostReason, Error, ErrorKind, FeatureName, Features, Instance, Limits, Queue, Result,
    string,
};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::ffi::c_void;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};

handle! {
    /// The bare `WGPUDevice` reference.
    pub(crate) struct RawDevice(WGPUDeviceImpl, wgpuDeviceAddRef, wgpuDeviceRelease);
}

/// A handler for errors no error scope caught.
pub type ErrorHandler = Arc<dyn Fn(&Error) + Send + Sync>;
/// A handler called once when the device is lost (or destroyed).
pub type DeviceLostHandler = Arc<dyn Fn(&DeviceLostInfo) + Send + Sync>;

/// Why and how a device was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceLostInfo {
    /// The reason.
    pub reason: DeviceLostReason,
    /// Dawn's message.
    pub message: String,
}

/// Options of [`Adapter::request_device`] (`WGPUDeviceDescriptor`).
#[derive(Clone, Default)]
pub struct DeviceDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// Optional features the device must have (the request fails if the adapter lacks one).
    pub required_features: &'a [FeatureName],
    /// Limits the device must have (`None`: WebGPU's defaults). Pass the adapter's
    /// [`limits`](Adapter::limits) for everything it offers.
    pub required_limits: Option<&'a Limits>,
    /// Dawn toggles for the device. `timestamp_quantization` is turned off unless you enable it here.
    pub toggles: Toggles<'a>,
    /// Called for each error that no error scope caught, on the thread that caused it. By default the error
    /// is logged through `log` at error level, or printed on stderr when no logger is set; it is never
    /// silent and never panics. To make such errors fatal, pass a handler that aborts the process.
    pub on_uncaptured_error: Option<ErrorHandler>,
    /// Called once when the device is lost or destroyed.
    ///
    /// Both handlers live as long as the device: one that owns an object of its own device (a buffer, a
    /// queue...) keeps the device alive for good.
    pub on_device_lost: Option<DeviceLostHandler>,
}

impl std::fmt::Debug for DeviceDescriptor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceDescriptor")
            .field("label", &self.label)
            .field("required_features", &self.required_features)
            .field("required_limits", &self.required_limits)
            .field("toggles", &self.toggles)
            .finish_non_exhaustive()
    }
}

/// Rust-side state of a device, shared by its clones and by the callbacks Dawn calls for it (which must
/// not keep the device itself alive).
pub(crate) struct DeviceState {
    pub(crate) instance: Instance,
    pub(crate) lifecycle: Lifecycle,
    limits: OnceLock<Limits>,
    on_error: Option<ErrorHandler>,
    on_lost: Option<DeviceLostHandler>,
    lost_info: OnceLock<DeviceLostInfo>,
    pub(crate) scopes: Mutex<Vec<PushedScope>>,
    pub(crate) next_scope: AtomicU64,
}

/// A device (`WGPUDevice`, WebGPU's `GPUDevice`): creates buffers, shaders, pipelines and encoders, and
/// reports errors.
///
/// `Clone` adds a reference. Every object the device makes (buffers, pipelines, the queue, command
/// buffers...) holds one too, so the device lives until the last of them goes, then Dawn destroys it
/// (the device-lost handler runs with [`DeviceLostReason::Destroyed`]). The device is `Send + Sync`: it
/// is always created with Dawn's ImplicitDeviceSynchronization, which locks it around every call.
///
/// # Errors
/// Most creation calls are thin and never block: a validation error goes to the uncaptured-error handler
/// (see [`DeviceDescriptor::on_uncaptured_error`]) and Dawn returns an "error object" that fails later uses.
/// To get errors as `Result`s, use the `_checked` creators, or wrap calls in [`Device::scoped`] or an
/// [`ErrorScope`]. Once the device is lost or destroyed, calls that produce something fail with
/// [`ErrorKind::DeviceLost`] and calls that end something succeed (see the crate docs).
///
/// # Panics
/// A creator without a `Result` panics only if Dawn returns a null object, which it does not do for a
/// valid device (invalid descriptors give error objects).
#[derive(Clone)]
pub struct Device(Arc<DeviceInner>);

struct DeviceInner {
    /// Released in `Drop`: the last reference destroys the device, under the driver teardown lock.
    raw: std::mem::ManuallyDrop<RawDevice>,
    state: Arc<DeviceState>,
}

impl Drop for DeviceInner {
    fn drop(&mut self) {
        // SAFETY: dropped once, here.
        driver_teardown::exclusive(|| unsafe { std::mem::ManuallyDrop::drop(&mut self.raw) });
    }
}

// SAFETY: the device is created with ImplicitDeviceSynchronization (Dawn locks it around every call), and
// the Rust-side state is behind locks and atomics.
unsafe impl Send for DeviceInner {}
// SAFETY: as above.
unsafe impl Sync for DeviceInner {}

/// The raw device, reachable only with the destroy gate held (see `device::lifecycle`).
pub(crate) struct DeviceGate<'d> {
    raw: sys::WGPUDevice,
    _gate: Gate<'d>,
}

impl DeviceGate<'_> {
    #[inline]
    pub(crate) fn raw(&self) -> sys::WGPUDevice {
        self.raw
    }
}

impl Device {
    pub(crate) fn request(adapter: &Adapter, desc: &DeviceDescriptor<'_>) -> Pending<Device> {
        let mut features: Vec<sys::WGPUFeatureName> =
            desc.required_features.iter().map(|f| f.0).collect();
        if !features.contains(&FeatureName::ImplicitDeviceSynchronization.0) {
            features.push(FeatureName::ImplicitDeviceSynchronization.0);
        }
        let quantization = "timestamp_quantization";
        let mut disabled: Vec<&str> = desc.toggles.disabled.to_vec();
        if !desc.toggles.enabled.contains(&quantization) && !disabled.contains(&quantization) {
            disabled.push(quantization);
        }
        let toggles = Toggles {
            enabled: desc.toggles.enabled,
            disabled: &disabled,
        };
        let mut toggles = match TogglesChain::new(&toggles) {
            Ok(t) => t,
            Err(e) => return Pending::ready(Err(e)),
        };
        let limits = desc.required_limits.map(|l| l.to_sys());

        let state = Arc::new(DeviceState {
            instance: adapter.instance().clone(),
            lifecycle: Lifecycle::default(),
            limits: OnceLock::new(),
            on_error: desc.on_uncaptured_error.clone(),
            on_lost: desc.on_device_lost.clone(),
            lost_info: OnceLock::new(),
            scopes: Mutex::new(Vec::new()),
            next_scope: AtomicU64::new(0),
        });
        let slot = Slot::<Device>::new();
        let c_desc = sys::WGPUDeviceDescriptor {
            nextInChain: TogglesChain::chain_ptr(&mut toggles),
            label: string::label(desc.label),
            requiredFeatureCount: features.len(),
            requiredFeatures: features.as_ptr(),
            requiredLimits: limits.as_ref().map_or(std::ptr::null(), |l| l as *const _),
            defaultQueue: sys::WGPUQueueDescriptor {
                nextInChain: std::ptr::null_mut(),
                label: string::NULL_VIEW,
            },
            // Spontaneous, so that a loss is seen at once and the state it owns is freed when the device
            // dies, whoever drops it last. Dawn calls it exactly once, also when creation fails.
            deviceLostCallbackInfo: sys::WGPUDeviceLostCallbackInfo {
                nextInChain: std::ptr::null_mut(),
                mode: sys::WGPUCallbackMode_AllowSpontaneous,
                callback: Some(on_device_lost),
                userdata1: Arc::into_raw(state.clone()) as *mut c_void,
                userdata2: std::ptr::null_mut(),
            },
            // Borrows the state that the lost callback keeps alive: no uncaptured error comes after the
            // loss.
            uncapturedErrorCallbackInfo: sys::WGPUUncapturedErrorCallbackInfo {
                nextInChain: std::ptr::null_mut(),
                callback: Some(on_uncaptured_error),
                userdata1: Arc::as_ptr(&state) as *mut c_void,
                userdata2: std::ptr::null_mut(),
            },
        };
        let info = callback_info!(
            WGPURequestDeviceCallbackInfo,
            on_device,
            slot,
            Box::into_raw(Box::new(state)) as *mut c_void
        );
        // SAFETY: the descriptor and what it points at live across the call; callbacks take their userdata.
        let future = unsafe { sys::wgpuAdapterRequestDevice(adapter.as_raw(), &c_desc, info) };
        Pending::new(adapter.instance(), future, slot)
    }

    /// The raw `WGPUDevice`, still owned by `self` (for calls into `dawn_sys`).
    ///
    /// # Safety
    /// Calls that create, submit, write or release must not race [`destroy`](Device::destroy) or
    /// [`force_loss`](Device::force_loss) on another thread (Dawn does not synchronize them): the crate
    /// itself reaches the raw device only with its destroy gate held.
    pub unsafe fn as_raw(&self) -> sys::WGPUDevice {
        self.0.raw.as_raw()
    }

    /// The raw device with the destroy gate held for one call.
    #[inline]
    pub(crate) fn gate(&self) -> DeviceGate<'_> {
        DeviceGate {
            raw: self.0.raw.as_raw(),
            _gate: self.0.state.lifecycle.gate(),
        }
    }

    #[inline]
    pub(crate) fn state(&self) -> &DeviceState {
        &self.0.state
    }

    /// A reference to the device's state, for a callback's userdata.
    pub(crate) fn state_arc(&self) -> Arc<DeviceState> {
        self.0.state.clone()
    }

    #[inline]
    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        &self.0.state.lifecycle
    }

    /// Adopts the object `create` makes with the raw device, the gate held for the call.
    ///
    /// # Safety
    /// `create` returns null or a new reference to a `T` of this device.
    ///
    /// # Panics
    /// On null (see [`Device`]'s `# Panics`).
    #[inline]
    pub(crate) unsafe fn create<T: Child>(
        &self,
        what: &str,
        create: impl FnOnce(sys::WGPUDevice) -> *mut T::Target,
    ) -> T {
        let raw = create(self.gate().raw());
        // SAFETY: as the caller promised.
        unsafe { T::adopt(raw, self.clone()) }.unwrap_or_else(|| null_object(what))
    }

    /// The instance the device belongs to.
    pub fn instance(&self) -> &Instance {
        &self.0.state.instance
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuDeviceSetLabel")]
    pub fn set_label(&self, label: &str) {
        let gate = self.gate();
        // SAFETY: live device; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuDeviceSetLabel(gate.raw(), string::view(label)) }
    }

    /// The device's limits.
    ///
    /// # Panics
    /// If Dawn reports an error for the query, which it does only for extension structs this crate never
    /// passes.
    #[doc(alias = "wgpuDeviceGetLimits")]
    pub fn limits(&self) -> Limits {
        *self.0.state.limits.get_or_init(|| {
            let mut limits = Limits::sys_undefined();
            let gate = self.gate();
            // SAFETY: live device, valid out pointer.
            let status = unsafe { sys::wgpuDeviceGetLimits(gate.raw(), &mut limits) };
            assert_eq!(
                status,
                sys::WGPUStatus_Success,
                "wgpuDeviceGetLimits failed"
            );
            Limits::from_sys(&limits)
        })
    }

    /// The features the device was created with.
    #[doc(alias = "wgpuDeviceGetFeatures")]
    pub fn features(&self) -> Features {
        let gate = self.gate();
        // SAFETY: live device; Dawn fills the list, which `read` frees.
        unsafe { Features::read(|out| sys::wgpuDeviceGetFeatures(gate.raw(), out)) }
    }

    /// Whether the device has `feature`.
    #[doc(alias = "wgpuDeviceHasFeature")]
    pub fn has_feature(&self, feature: FeatureName) -> bool {
        let gate = self.gate();
        // SAFETY: live device.
        unsafe { sys::wgpuDeviceHasFeature(gate.raw(), feature.0) != 0 }
    }

    /// What the device's adapter is.
    #[doc(alias = "wgpuDeviceGetAdapterInfo")]
    pub fn adapter_info(&self) -> Result<AdapterInfo> {
        let gate = self.gate();
        // SAFETY: live device; Dawn fills the info, which `read` frees.
        unsafe { AdapterInfo::read(|out| sys::wgpuDeviceGetAdapterInfo(gate.raw(), out)) }
    }

    /// The device's queue.
    #[doc(alias = "wgpuDeviceGetQueue")]
    pub fn queue(&self) -> Queue {
        // SAFETY: live device; Dawn returns a new reference to the device's one queue.
        unsafe { self.create("wgpuDeviceGetQueue", |raw| sys::wgpuDeviceGetQueue(raw)) }
    }

    /// Whether the device has been lost or destroyed.
    pub fn is_lost(&self) -> bool {
        self.lifecycle().is_lost()
    }

    /// Resolves when the device is lost or destroyed, with the reason and Dawn's message.
    #[doc(alias = "wgpuDeviceGetLostFuture")]
    pub fn lost(&self) -> Pending<DeviceLostInfo> {
        let state = self.0.state.clone();
        let gate = self.gate();
        // SAFETY: live device.
        let future = unsafe { sys::wgpuDeviceGetLostFuture(gate.raw()) };
        Pending::probing(self.instance(), future, move || {
            state.lost_info.get().cloned().map(Ok)
        })
    }

    /// Destroys the device now: its resources are freed, pending operations fail with
    /// [`ErrorKind::DeviceLost`] (or are aborted), and the device-lost handler runs with
    /// [`DeviceLostReason::Destroyed`]. A device already lost or destroyed is left as it is (`Ok`). A
    /// buffer map pending at this call fails, as WebGPU says, also where Dawn, which waits for the GPU
    /// before it destroys anything, would report it complete.
    ///
    /// Refused with [`ErrorKind::InvalidUse`] while a mapped view of one of its buffers is alive (destroying
    /// would unmap memory the view reads) and while a command or render bundle encoder records (Dawn does not
    /// synchronize recording with a destroy): drop them first.
    #[doc(alias = "wgpuDeviceDestroy")]
    pub fn destroy(&self) -> Result<()> {
        let raw = self.0.raw.as_raw();
        // SAFETY: live device; `close` holds the gate exclusively across the call.
        self.lifecycle()
            .close("destroy", || unsafe { sys::wgpuDeviceDestroy(raw) })
    }

    /// Loses the device as a driver reset would (Dawn's `wgpuDeviceForceLoss`), to test loss handling.
    /// Refused, like [`destroy`](Device::destroy), while a mapped view is alive or an encoder records.
    #[doc(alias = "wgpuDeviceForceLoss")]
    pub fn force_loss(&self, message: &str) -> Result<()> {
        let raw = self.0.raw.as_raw();
        // SAFETY: live device; the message lives across the call; `close` holds the gate exclusively.
        self.lifecycle().close("lose", || unsafe {
            sys::dawn_ext::wgpuDeviceForceLoss(
                raw,
                sys::WGPUDeviceLostReason_Unknown,
                string::view(message),
            )
        })
    }
}

#[cold]
#[inline(never)]
fn null_object(what: &str) -> ! {
    panic!("{what} returned null")
}

impl PartialEq for Device {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Device {}

impl std::hash::Hash for Device {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.0).hash(state)
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Device({:p})", self.0.raw.as_raw())
    }
}

unsafe extern "C" fn on_device(
    status: sys::WGPURequestDeviceStatus,
    device: sys::WGPUDevice,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata2 is the boxed state `request` leaked for this call.
    let state = unsafe { Box::from_raw(userdata2 as *mut Arc<DeviceState>) };
    // SAFETY: userdata1 is the slot registered by `request`; the message lives during the call.
    unsafe {
        future::complete::<Device>(userdata1, move || {
            let message = string::to_string(message);
            match status {
                sys::WGPURequestDeviceStatus_Success => RawDevice::from_raw(device)
                    .map(|raw| {
                        Device(Arc::new(DeviceInner {
                            raw: std::mem::ManuallyDrop::new(raw),
                            state: *state,
                        }))
                    })
                    .ok_or_else(|| Error::new(ErrorKind::Internal, "Dawn returned a null device")),
                sys::WGPURequestDeviceStatus_CallbackCancelled => Err(future::cancelled(message)),
                _ => Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("RequestDeviceStatus::Error: {message}"),
                )),
            }
        })
    }
}

unsafe extern "C" fn on_device_lost(
    _device: *const sys::WGPUDevice,
    reason: sys::WGPUDeviceLostReason,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the reference `request` leaked for this one call.
    let state = unsafe { Arc::from_raw(userdata1 as *const DeviceState) };
    state.lifecycle.set_lost();
    let info = DeviceLostInfo {
        reason: DeviceLostReason(reason),
        // SAFETY: the message lives during the call.
        message: unsafe { string::to_string(message) },
    };
    // Resolve `lost()` first, so that a panicking handler cannot leave it unresolved.
    let _ = state.lost_info.set(info.clone());
    if let Some(handler) = &state.on_lost {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&info)));
    }
}

unsafe extern "C" fn on_uncaptured_error(
    _device: *const sys::WGPUDevice,
    ty: sys::WGPUErrorType,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: the lost callback, which has not run yet, keeps this state alive.
    let state = unsafe { &*(userdata1 as *const DeviceState) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the message lives during the call.
        let error = Error::from_error_type(ty, unsafe { string::to_string(message) });
        match &state.on_error {
            Some(handler) => handler(&error),
            None if log::max_level() >= log::LevelFilter::Error => {
                log::error!("uncaptured Dawn error: {error}")
            }
            None => eprintln!("uncaptured Dawn error: {error}"),
        }
    }));
}
