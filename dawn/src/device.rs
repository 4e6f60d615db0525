//! [`Device`]: the logical device that creates every other object, and its error handling.

use crate::adapter::{Adapter, AdapterInfo};
use crate::buffer_mapping::MapCell;
use crate::future::{self, Pending, Slot};
use crate::handle::handle;
use crate::instance::{Toggles, TogglesChain};
use crate::{
    DeviceLostReason, Error, ErrorFilter, ErrorKind, FeatureName, Features, Instance, Limits,
    Queue, Result, string,
};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::ThreadId;

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
    /// is logged (through `log` if a logger is set, else on stderr); it never panics.
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

/// A registered buffer mapping state (see `DeviceShared::mappings`).
struct MapCellPtr(*const MapCell);

// SAFETY: only dereferenced under the `mappings` lock, while the cell is alive (it is `Sync`).
unsafe impl Send for MapCellPtr {}

/// Rust-side state shared by a device's clones and the objects that need it.
pub(crate) struct DeviceShared {
    pub(crate) instance: Instance,
    limits: OnceLock<Limits>,
    on_error: Option<ErrorHandler>,
    on_lost: Option<DeviceLostHandler>,
    lost: Arc<Slot<DeviceLostInfo>>,
    is_lost: AtomicBool,
    /// The mapping states of this device's live buffers. `destroy` is refused while any has a view alive
    /// (it would unmap the memory the view reads), and waits until none has a Dawn call in flight. Lock-free handshake with `closing`
    /// (both `SeqCst`): a view counts itself in its buffer's state, then checks `closing`; a destroy counts
    /// itself in `closing`, then reads the views. One of the two always sees the other.
    mappings: Mutex<Vec<MapCellPtr>>,
    /// Destroy or force-loss calls in progress. Views are fenced only during them: after a loss Dawn keeps
    /// buffers mapped, and after a destroy it refuses their mapped ranges (an error, not a dangling view).
    closing: AtomicUsize,
    /// Command encoders not yet finished or dropped; `destroy` is refused while any is.
    live_encoders: AtomicUsize,
    /// Held exclusively while Dawn destroys or loses the device, shared (`gate()`) around each call that
    /// creates an object or submits: Dawn's destroy is not synchronized with them (the threaded fuzzer
    /// crashed in vulkan::Buffer::Initialize, DescriptorSetAllocator and submits racing a destroy).
    pub(crate) destroy_gate: parking_lot::RwLock<()>,
    /// The error scopes pushed through guards, in push order: (thread, guard id, dropped while not
    /// innermost). Dawn keeps one scope stack per thread and pops that thread's innermost scope whatever
    /// guard asks, so only the innermost guard of its thread may pop.
    scopes: Mutex<Vec<(ThreadId, u64, bool)>>,
    next_scope: AtomicU64,
}

impl DeviceShared {
    #[inline]
    pub(crate) fn is_lost(&self) -> bool {
        self.is_lost.load(Ordering::Acquire)
    }

    /// Whether a destroy or force-loss is in progress.
    #[inline]
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst) > 0
    }

    /// Refuses a new mapped view (already counted in its buffer) while the device is being destroyed or
    /// lost on purpose.
    pub(crate) fn check_not_closing(&self) -> Result<()> {
        if self.is_closing() {
            return Err(Error::new(
                ErrorKind::DeviceLost,
                "the device is being destroyed",
            ));
        }
        Ok(())
    }

    /// Adds a buffer's mapping state to those `destroy` checks (until it is freed).
    pub(crate) fn register_mapping(&self, cell: *const MapCell) {
        self.mappings.lock().push(MapCellPtr(cell));
    }

    pub(crate) fn unregister_mapping(&self, cell: *const MapCell) {
        let mut mappings = self.mappings.lock();
        if let Some(i) = mappings.iter().position(|c| c.0 == cell) {
            mappings.swap_remove(i);
        }
    }

    /// Waits until no map, unmap or buffer destroy is inside Dawn (none starts once `closing` is set).
    fn wait_for_buffer_calls(&self) {
        let mappings = self.mappings.lock();
        for cell in mappings.iter() {
            // SAFETY: a cell unregisters itself (under this lock) before it is freed.
            while !unsafe { (*cell.0).idle() } {
                std::thread::yield_now();
            }
        }
    }

    /// Mapped views alive on this device's buffers.
    fn live_views(&self) -> u64 {
        let mappings = self.mappings.lock();
        // SAFETY: a cell unregisters itself (under this lock) before it is freed.
        mappings.iter().map(|c| unsafe { (*c.0).views() }).sum()
    }

    /// Runs `end` (destroy or force-loss) unless a mapped view is alive; no view can open meanwhile.
    /// Also refused while a command encoder is open: Dawn does not synchronize recording with destroy.
    fn close(&self, what: &str, end: impl FnOnce()) -> Result<()> {
        self.closing.fetch_add(1, Ordering::SeqCst);
        let result = match self.live_views() {
            0 => {
                // Before the gate: an error handler that Dawn runs inside a buffer call may create objects.
                self.wait_for_buffer_calls();
                let _gate = self.destroy_gate.write();
                // Encoders count themselves under a shared gate, so with the gate held the count can only
                // fall.
                match self.live_encoders.load(Ordering::SeqCst) {
                    0 => {
                        end();
                        self.is_lost.store(true, Ordering::Release);
                        Ok(())
                    }
                    encoders => Err(format!(
                        "{encoders} command encoder(s) are recording; finish or drop them first"
                    )),
                }
            }
            views => Err(format!(
                "{views} mapped buffer view(s) are alive; drop them first"
            )),
        };
        self.closing.fetch_sub(1, Ordering::SeqCst);
        result.map_err(|why| Error::invalid_use(format!("cannot {what} the device while {why}")))
    }

    /// Counts a new command encoder (call with the gate held).
    pub(crate) fn open_encoder(&self) {
        self.live_encoders.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn close_encoder(&self) {
        self.live_encoders.fetch_sub(1, Ordering::SeqCst);
    }

    /// A shared hold of `destroy_gate` for one Dawn call, except once the device is lost: then there is
    /// nothing to wait for, and a device-lost handler running inside `destroy` must not wait for itself.
    pub(crate) fn gate(&self) -> Option<parking_lot::RwLockReadGuard<'_, ()>> {
        // Recursive: an uncaptured-error handler may call back in while a gate is held, and a plain read
        // would then wait behind a queued `destroy`.
        (!self.is_lost()).then(|| self.destroy_gate.read_recursive())
    }

    #[inline]
    pub(crate) fn check_alive(&self) -> Result<()> {
        if self.is_lost() {
            return Err(Self::lost_error());
        }
        Ok(())
    }

    #[cold]
    fn lost_error() -> Error {
        Error::new(ErrorKind::DeviceLost, "the device is lost or destroyed")
    }
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
/// To get errors as `Result`s, wrap calls in [`Device::scoped`] or an [`ErrorScope`].
#[derive(Clone)]
pub struct Device {
    raw: RawDevice,
    pub(crate) shared: Arc<DeviceShared>,
}

// SAFETY: the device is created with ImplicitDeviceSynchronization (Dawn locks it around every call), and
// the Rust-side state is behind locks and atomics.
unsafe impl Send for Device {}
unsafe impl Sync for Device {}

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

        let shared = Arc::new(DeviceShared {
            instance: adapter.instance().clone(),
            limits: OnceLock::new(),
            on_error: desc.on_uncaptured_error.clone(),
            on_lost: desc.on_device_lost.clone(),
            lost: Slot::new(),
            is_lost: AtomicBool::new(false),
            mappings: Mutex::new(Vec::new()),
            closing: AtomicUsize::new(0),
            live_encoders: AtomicUsize::new(0),
            destroy_gate: parking_lot::RwLock::new(()),
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
            // Spontaneous, so that a loss is seen at once and the shared state it owns is freed when the
            // device dies, whoever drops it last. Dawn calls it exactly once, also when creation fails.
            deviceLostCallbackInfo: sys::WGPUDeviceLostCallbackInfo {
                nextInChain: std::ptr::null_mut(),
                mode: sys::WGPUCallbackMode_AllowSpontaneous,
                callback: Some(on_device_lost),
                userdata1: Arc::into_raw(shared.clone()) as *mut c_void,
                userdata2: std::ptr::null_mut(),
            },
            // Borrows the shared state that the lost callback keeps alive: no uncaptured error comes after
            // the loss.
            uncapturedErrorCallbackInfo: sys::WGPUUncapturedErrorCallbackInfo {
                nextInChain: std::ptr::null_mut(),
                callback: Some(on_uncaptured_error),
                userdata1: Arc::as_ptr(&shared) as *mut c_void,
                userdata2: std::ptr::null_mut(),
            },
        };
        let info = sys::WGPURequestDeviceCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode: future::mode(),
            callback: Some(on_device),
            userdata1: slot.userdata(),
            userdata2: Box::into_raw(Box::new(shared)) as *mut c_void,
        };
        // SAFETY: the descriptor and what it points at live across the call; callbacks take their userdata.
        let future = unsafe { sys::wgpuAdapterRequestDevice(adapter.as_raw(), &c_desc, info) };
        Pending::new(adapter.instance(), future, slot)
    }

    /// The raw `WGPUDevice`, still owned by `self`.
    pub fn as_raw(&self) -> sys::WGPUDevice {
        self.raw.as_raw()
    }

    /// The instance the device belongs to.
    pub fn instance(&self) -> &Instance {
        &self.shared.instance
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuDeviceSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live device; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuDeviceSetLabel(self.as_raw(), string::view(label)) }
    }

    /// The device's limits.
    #[doc(alias = "wgpuDeviceGetLimits")]
    pub fn limits(&self) -> Limits {
        *self.shared.limits.get_or_init(|| {
            let mut limits = Limits::sys_undefined();
            // SAFETY: live device, valid out pointer.
            unsafe { sys::wgpuDeviceGetLimits(self.as_raw(), &mut limits) };
            Limits::from_sys(&limits)
        })
    }

    /// The features the device was created with.
    #[doc(alias = "wgpuDeviceGetFeatures")]
    pub fn features(&self) -> Features {
        // SAFETY: plain data for Dawn to fill.
        let mut supported: sys::WGPUSupportedFeatures = unsafe { std::mem::zeroed() };
        // SAFETY: live device, valid out pointer.
        unsafe { sys::wgpuDeviceGetFeatures(self.as_raw(), &mut supported) };
        Features::from_supported(supported)
    }

    /// Whether the device has `feature`.
    #[doc(alias = "wgpuDeviceHasFeature")]
    pub fn has_feature(&self, feature: FeatureName) -> bool {
        // SAFETY: live device.
        unsafe { sys::wgpuDeviceHasFeature(self.as_raw(), feature.0) != 0 }
    }

    /// What the device's adapter is.
    #[doc(alias = "wgpuDeviceGetAdapterInfo")]
    pub fn adapter_info(&self) -> Result<AdapterInfo> {
        // SAFETY: plain data for Dawn to fill.
        let mut info: sys::WGPUAdapterInfo = unsafe { std::mem::zeroed() };
        // SAFETY: live device, valid out pointer.
        let status = unsafe { sys::wgpuDeviceGetAdapterInfo(self.as_raw(), &mut info) };
        if status != sys::WGPUStatus_Success {
            return Err(Error::new(
                ErrorKind::Internal,
                "wgpuDeviceGetAdapterInfo failed",
            ));
        }
        Ok(AdapterInfo::from_sys(info))
    }

    /// The device's queue.
    #[doc(alias = "wgpuDeviceGetQueue")]
    pub fn queue(&self) -> Queue {
        // SAFETY: Dawn returns a new reference to the device's one queue.
        unsafe { Queue::from_raw(sys::wgpuDeviceGetQueue(self.as_raw()), self.clone()) }
            .expect("wgpuDeviceGetQueue returned null")
    }

    /// Whether the device has been lost or destroyed.
    pub fn is_lost(&self) -> bool {
        self.shared.is_lost()
    }

    /// Resolves when the device is lost or destroyed, with the reason and Dawn's message.
    #[doc(alias = "wgpuDeviceGetLostFuture")]
    pub fn lost(&self) -> Pending<DeviceLostInfo> {
        // SAFETY: live device.
        let future = unsafe { sys::wgpuDeviceGetLostFuture(self.as_raw()) };
        Pending::new(&self.shared.instance, future, self.shared.lost.clone()).spontaneous()
    }

    /// Destroys the device now: its resources are freed, pending operations fail with
    /// [`ErrorKind::DeviceLost`] (or are aborted), and the device-lost handler runs with
    /// [`DeviceLostReason::Destroyed`].
    ///
    /// Refused with [`ErrorKind::InvalidUse`] while a mapped view of one of its buffers is alive (destroying
    /// would unmap memory the view reads).
    #[doc(alias = "wgpuDeviceDestroy")]
    pub fn destroy(&self) -> Result<()> {
        // SAFETY: live device; `close` keeps views from opening during the call.
        self.shared.close("destroy", || unsafe {
            sys::wgpuDeviceDestroy(self.as_raw())
        })
    }

    /// Loses the device as a driver reset would (Dawn's `wgpuDeviceForceLoss`), to test loss handling.
    /// Refused, like [`destroy`](Device::destroy), while a mapped view is alive.
    #[doc(alias = "wgpuDeviceForceLoss")]
    pub fn force_loss(&self, message: &str) -> Result<()> {
        // SAFETY: live device; the message lives across the call; `close` keeps views from opening.
        self.shared.close("lose", || unsafe {
            sys::dawn_ext::wgpuDeviceForceLoss(
                self.as_raw(),
                sys::WGPUDeviceLostReason_Unknown,
                string::view(message),
            )
        })
    }

    /// Pushes an error scope; the returned guard pops it ([`ErrorScope::pop`], or on drop).
    #[doc(alias = "wgpuDevicePushErrorScope")]
    pub fn push_error_scope(&self, filter: ErrorFilter) -> ErrorScope<'_> {
        let id = self.shared.next_scope.fetch_add(1, Ordering::Relaxed);
        let mut scopes = self.shared.scopes.lock();
        // SAFETY: live device.
        unsafe { sys::wgpuDevicePushErrorScope(self.as_raw(), filter.0) };
        scopes.push((std::thread::current().id(), id, false));
        ErrorScope {
            device: self,
            id,
            popped: false,
            _not_send: PhantomData,
        }
    }

    /// Pops guard `id`'s scope if it is the innermost (then also the dropped guards' scopes it uncovers);
    /// `None` when it is not the innermost.
    fn pop_scope_of(&self, id: u64) -> Option<Pending<Option<Error>>> {
        let thread = std::thread::current().id();
        let mut scopes = self.shared.scopes.lock();
        let innermost =
            |scopes: &Vec<(ThreadId, u64, bool)>| scopes.iter().rposition(|s| s.0 == thread);
        let top = innermost(&scopes).filter(|&i| scopes[i].1 == id)?;
        scopes.remove(top);
        let pending = self.pop_error_scope();
        while let Some(i) = innermost(&scopes).filter(|&i| scopes[i].2) {
            scopes.remove(i);
            drop(self.pop_error_scope());
        }
        Some(pending)
    }

    fn pop_error_scope(&self) -> Pending<Option<Error>> {
        let slot = Slot::<Option<Error>>::new();
        let info = sys::WGPUPopErrorScopeCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode: future::mode(),
            callback: Some(on_pop_error_scope),
            userdata1: slot.userdata(),
            userdata2: std::ptr::null_mut(),
        };
        // SAFETY: live device; the callback takes its userdata back.
        let future = unsafe { sys::wgpuDevicePopErrorScope(self.as_raw(), info) };
        Pending::new(&self.shared.instance, future, slot)
    }

    /// Runs `f` inside validation, out-of-memory and internal error scopes and returns its value, or the
    /// first error Dawn reported while it ran.
    ///
    /// Dawn keeps one error-scope stack per thread, so `scoped` calls on different threads do not see each
    /// other's errors (an error lands in the scopes of the thread whose call made it).
    ///
    /// ```
    /// # let instance = dawn::Instance::new()?;
    /// # let adapter = instance.request_adapter(&Default::default()).wait()?;
    /// # let device = adapter.request_device(&Default::default()).wait()?;
    /// let result = device.scoped(|d| d.create_shader_module(&dawn::ShaderModuleDescriptor {
    ///     label: "broken",
    ///     code: "fn main( {",
    /// }));
    /// assert_eq!(result.unwrap_err().kind(), dawn::ErrorKind::Validation);
    /// # Ok::<(), dawn::Error>(())
    /// ```
    pub fn scoped<T>(&self, f: impl FnOnce(&Device) -> T) -> Result<T> {
        let internal = self.push_error_scope(ErrorFilter::Internal);
        let out_of_memory = self.push_error_scope(ErrorFilter::OutOfMemory);
        let validation = self.push_error_scope(ErrorFilter::Validation);
        let value = f(self);
        // Pop all three (innermost first) before waiting on any.
        let pops = [validation.pop(), out_of_memory.pop(), internal.pop()];
        let mut first = None;
        for pop in pops {
            let error = match pop.wait() {
                Ok(Some(error)) | Err(error) => error,
                Ok(None) => continue,
            };
            first.get_or_insert(error);
        }
        match first {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}

/// An error scope pushed by [`Device::push_error_scope`]. Pop it with [`pop`](ErrorScope::pop) to learn
/// whether an error of its filter happened; dropping it pops it and ignores the result.
///
/// Not `Send`: Dawn keeps one scope stack per thread, so a scope is popped on the thread that pushed it.
#[must_use = "dropping an ErrorScope pops it at once"]
pub struct ErrorScope<'d> {
    device: &'d Device,
    id: u64,
    popped: bool,
    _not_send: PhantomData<*const ()>,
}

impl ErrorScope<'_> {
    /// Pops the scope: resolves to the first error it caught, or `None`. Scopes pop innermost first: popping
    /// a scope that has an inner scope still pushed resolves to [`ErrorKind::InvalidUse`] (the scope is then
    /// popped when the guard drops and it becomes the innermost).
    #[doc(alias = "wgpuDevicePopErrorScope")]
    pub fn pop(mut self) -> Pending<Option<Error>> {
        match self.device.pop_scope_of(self.id) {
            Some(pending) => {
                self.popped = true;
                pending
            }
            None => Pending::ready(Err(Error::invalid_use(
                "error scopes must be popped innermost first; an inner scope is still pushed",
            ))),
        }
    }
}

impl Drop for ErrorScope<'_> {
    /// Pops the scope (ignoring what it caught) if it is the innermost; otherwise marks it, and it is popped
    /// as soon as the scopes inside it are.
    fn drop(&mut self) {
        if self.popped {
            return;
        }
        match self.device.pop_scope_of(self.id) {
            Some(pending) => drop(pending),
            None => {
                let mut scopes = self.device.shared.scopes.lock();
                if let Some(scope) = scopes.iter_mut().find(|s| s.1 == self.id) {
                    scope.2 = true;
                }
            }
        }
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Device({:p})", self.as_raw())
    }
}

unsafe extern "C" fn on_device(
    status: sys::WGPURequestDeviceStatus,
    device: sys::WGPUDevice,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata2 is the boxed shared state `request` leaked for this call.
    let shared = unsafe { Box::from_raw(userdata2 as *mut Arc<DeviceShared>) };
    // SAFETY: userdata1 is the slot registered by `request`; the message lives during the call.
    unsafe {
        future::complete::<Device>(userdata1, move || {
            let message = string::to_string(message);
            match status {
                sys::WGPURequestDeviceStatus_Success => RawDevice::from_raw(device)
                    .map(|raw| Device {
                        raw,
                        shared: *shared,
                    })
                    .ok_or_else(|| Error::new(ErrorKind::Internal, "Dawn returned a null device")),
                sys::WGPURequestDeviceStatus_CallbackCancelled => {
                    Err(Error::new(ErrorKind::Cancelled, message))
                }
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
    let shared = unsafe { Arc::from_raw(userdata1 as *const DeviceShared) };
    shared.is_lost.store(true, Ordering::Release);
    // SAFETY: the message lives during the call.
    let info = DeviceLostInfo {
        reason: DeviceLostReason(reason),
        message: unsafe { string::to_string(message) },
    };
    // Resolve `lost()` first, so that a panicking handler cannot leave it unresolved.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shared.lost.fill(Ok(info.clone()))
    }));
    if let Some(handler) = &shared.on_lost {
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
    // SAFETY: the lost callback, which has not run yet, keeps this shared state alive.
    let shared = unsafe { &*(userdata1 as *const DeviceShared) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the message lives during the call.
        let error = Error::from_error_type(ty, unsafe { string::to_string(message) });
        match &shared.on_error {
            Some(handler) => handler(&error),
            None if log::max_level() >= log::LevelFilter::Error => {
                log::error!("uncaptured Dawn error: {error}")
            }
            None => eprintln!("uncaptured Dawn error: {error}"),
        }
    }));
}

unsafe extern "C" fn on_pop_error_scope(
    status: sys::WGPUPopErrorScopeStatus,
    ty: sys::WGPUErrorType,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the slot `pop_error_scope` registered; the message lives during the call.
    unsafe {
        future::complete::<Option<Error>>(userdata1, || {
            let message = string::to_string(message);
            match status {
                sys::WGPUPopErrorScopeStatus_Success if ty == sys::WGPUErrorType_NoError => {
                    Ok(None)
                }
                sys::WGPUPopErrorScopeStatus_Success => {
                    Ok(Some(Error::from_error_type(ty, message)))
                }
                sys::WGPUPopErrorScopeStatus_CallbackCancelled => {
                    Err(Error::new(ErrorKind::Cancelled, message))
                }
                _ => Err(Error::invalid_use(format!(
                    "popping the error scope failed: {message}"
                ))),
            }
        })
    }
}
