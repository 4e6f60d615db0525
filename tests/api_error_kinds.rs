//! Out-of-memory and internal errors, through `Device::scoped`, error scopes of each filter, and the
//! uncaptured-error handler, each with its own `ErrorKind`.
//!
//! Lavapipe over-commits memory and no Dawn call reports an internal error on it, so the errors are forced:
//! - out of memory by Dawn itself, through its testing hooks: a buffer descriptor chained with
//!   `DawnFakeBufferOOMForTesting` (Dawn fails the allocation as a driver would) and `wgpuDeviceInjectError`;
//! - internal errors at the C boundary: Dawn only lets an internal error reach the scopes from pipeline and
//!   shader creation failing in the driver, so this binary interposes `wgpuDevicePushErrorScope` /
//!   `wgpuDevicePopErrorScope` (as `reliability_leaks.rs` does the reference counts) and, when a test asks,
//!   makes Dawn's answer for an Internal-filter scope the one Dawn gives after such a failure; and it calls
//!   the device's uncaptured-error callback, recorded from `wgpuAdapterRequestDevice`, as Dawn would.

use dawn::dawn_sys as sys;
use dawn::{DeviceDescriptor, Error, ErrorFilter, ErrorKind};
use dawn_suite::{Gpu, WAIT, assert_err};
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::sync::{Arc, Mutex};

/// Puts this binary's versions of the three functions it interposes into the table dawn-sys calls through.
fn install_hooks(table: &mut sys::dynamic::DawnLibrary) {
    table.wgpuDevicePushErrorScope = wgpuDevicePushErrorScope;
    table.wgpuDevicePopErrorScope = wgpuDevicePopErrorScope;
    table.wgpuAdapterRequestDevice = wgpuAdapterRequestDevice;
}

/// Installs the hooks (once, before anything loads Dawn): every test starts here.
fn hooked_gpu() -> Gpu {
    dawn_suite::ledger::install(&[install_hooks]);
    Gpu::new()
}

/// Dawn's own definition of `name` (NUL-terminated), as an address.
fn real(cache: &'static std::sync::OnceLock<usize>, name: &'static str) -> usize {
    dawn_suite::ledger::real_ptr(cache, name)
}

fn view(text: &str) -> sys::WGPUStringView {
    sys::WGPUStringView {
        data: text.as_ptr().cast(),
        length: text.len(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Out of memory, from Dawn

/// `WGPUDawnFakeBufferOOMForTesting` (Dawn's `dawn.json`: "dawn fake buffer OOM for testing", sType 64 of
/// the Dawn range), chained into a buffer descriptor.
#[repr(C)]
struct FakeBufferOom {
    chain: sys::WGPUChainedStruct,
    fake_oom_at_wire_client_map: sys::WGPUBool,
    fake_oom_at_native_map: sys::WGPUBool,
    fake_oom_at_device: sys::WGPUBool,
}

const STYPE_DAWN_FAKE_BUFFER_OOM_FOR_TESTING: sys::WGPUSType = 0x0005_0040;

/// Creates a buffer that Dawn fails to allocate (an out-of-memory error, as from the driver), through the
/// C API on `device`, and releases the error buffer it returns.
fn buffer_dawn_cannot_allocate(device: &dawn::Device, label: &str) {
    let mut fake = FakeBufferOom {
        chain: sys::WGPUChainedStruct {
            next: std::ptr::null_mut(),
            sType: STYPE_DAWN_FAKE_BUFFER_OOM_FOR_TESTING,
        },
        fake_oom_at_wire_client_map: 0,
        fake_oom_at_native_map: 0,
        fake_oom_at_device: 1,
    };
    let desc = sys::WGPUBufferDescriptor {
        nextInChain: &mut fake.chain,
        label: view(label),
        usage: sys::WGPUBufferUsage_Storage,
        size: 1 << 20,
        mappedAtCreation: 0,
    };
    // SAFETY: a live device; the descriptor and its chain live across the call; the returned (error) buffer
    // is ours to release.
    unsafe {
        let buffer = sys::wgpuDeviceCreateBuffer(device.as_raw(), &desc);
        assert!(!buffer.is_null(), "Dawn returns an error buffer");
        sys::wgpuBufferRelease(buffer);
    }
}

/// Dawn-only `wgpuDeviceInjectError`: reports an error of `ty` (Validation or OutOfMemory) as if a call had
/// made it.
fn inject(device: &dawn::Device, ty: sys::WGPUErrorType, message: &str) {
    static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    type Inject = unsafe extern "C" fn(sys::WGPUDevice, sys::WGPUErrorType, sys::WGPUStringView);
    let real = real(&REAL, "wgpuDeviceInjectError\0");
    // SAFETY: Dawn's function of that signature; a live device; the message lives across the call.
    unsafe { std::mem::transmute::<usize, Inject>(real)(device.as_raw(), ty, view(message)) }
}

#[test]
fn out_of_memory_reaches_scoped_its_scopes_and_the_handler() {
    let gpu = hooked_gpu();
    // `scoped` returns it.
    let error = assert_err(
        gpu.device
            .scoped(|d| buffer_dawn_cannot_allocate(d, "scoped-oom")),
        ErrorKind::OutOfMemory,
    );
    assert!(error.message().contains("fakeOOMAtDevice"), "{error}");
    let error = assert_err(
        gpu.device
            .scoped(|d| inject(d, sys::WGPUErrorType_OutOfMemory, "injected-oom")),
        ErrorKind::OutOfMemory,
    );
    assert!(error.message().contains("injected-oom"), "{error}");
    // An out-of-memory scope catches it; a validation or internal scope inside it lets it through.
    let out_of_memory = gpu.device.push_error_scope(ErrorFilter::OutOfMemory);
    let internal = gpu.device.push_error_scope(ErrorFilter::Internal);
    let validation = gpu.device.push_error_scope(ErrorFilter::Validation);
    buffer_dawn_cannot_allocate(&gpu.device, "filtered-oom");
    assert_eq!(validation.pop().wait_timeout(WAIT), Ok(()));
    assert_eq!(internal.pop().wait_timeout(WAIT), Ok(()));
    let error = out_of_memory
        .pop()
        .wait_timeout(WAIT)
        .expect_err("the out-of-memory scope");
    assert_eq!(error.kind(), ErrorKind::OutOfMemory, "{error}");
    // Outside any scope, the handler gets it, as OutOfMemory.
    assert!(gpu.take_uncaptured().is_empty());
    buffer_dawn_cannot_allocate(&gpu.device, "unscoped-oom");
    inject(
        &gpu.device,
        sys::WGPUErrorType_OutOfMemory,
        "unscoped-injected-oom",
    );
    let uncaptured = gpu.take_uncaptured();
    let kinds: Vec<ErrorKind> = uncaptured.iter().map(Error::kind).collect();
    assert_eq!(kinds, [ErrorKind::OutOfMemory; 2], "{uncaptured:?}");
    assert!(uncaptured[1].message().contains("unscoped-injected-oom"));
    // The device is still usable.
    let b = gpu.readable_with(&[1, 2, 3]);
    assert_eq!(b.read_back::<u32>().unwrap(), [1, 2, 3]);
}

// ---------------------------------------------------------------------------------------------------------
// Internal errors, injected at the C boundary

thread_local! {
    /// The filters of the scopes this thread pushed, innermost last, with their device.
    static PUSHED: RefCell<Vec<(usize, sys::WGPUErrorFilter)>> = const { RefCell::new(Vec::new()) };
    /// The message of an internal error for the next Internal-filter scope this thread pops to report.
    static INTERNAL_ERROR: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// This binary's `wgpuDevicePushErrorScope`: Dawn's, recording the filter.
#[unsafe(no_mangle)]
unsafe extern "C" fn wgpuDevicePushErrorScope(
    device: sys::WGPUDevice,
    filter: sys::WGPUErrorFilter,
) {
    static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    PUSHED.with(|p| p.borrow_mut().push((device as usize, filter)));
    type Push = unsafe extern "C" fn(sys::WGPUDevice, sys::WGPUErrorFilter);
    let real = real(&REAL, "wgpuDevicePushErrorScope\0");
    // SAFETY: Dawn's function, with the caller's arguments.
    unsafe { std::mem::transmute::<usize, Push>(real)(device, filter) }
}

/// The callback info a popped scope reported through, and the internal error to report instead of none.
struct Injected {
    original: sys::WGPUPopErrorScopeCallbackInfo,
    message: &'static str,
}

/// This binary's `wgpuDevicePopErrorScope`: Dawn's; for an Internal-filter scope while a test asked for an
/// internal error, Dawn's "no error" answer becomes that error.
#[unsafe(no_mangle)]
unsafe extern "C" fn wgpuDevicePopErrorScope(
    device: sys::WGPUDevice,
    info: sys::WGPUPopErrorScopeCallbackInfo,
) -> sys::WGPUFuture {
    static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    type Pop = unsafe extern "C" fn(
        sys::WGPUDevice,
        sys::WGPUPopErrorScopeCallbackInfo,
    ) -> sys::WGPUFuture;
    let real = real(&REAL, "wgpuDevicePopErrorScope\0");
    // SAFETY: Dawn's function.
    let real = unsafe { std::mem::transmute::<usize, Pop>(real) };
    let filter = PUSHED.with(|p| {
        let mut pushed = p.borrow_mut();
        let innermost = pushed.iter().rposition(|&(d, _)| d == device as usize)?;
        Some(pushed.remove(innermost).1)
    });
    if filter == Some(sys::WGPUErrorFilter_Internal)
        && let Some(message) = INTERNAL_ERROR.take()
    {
        let mut wrapped = info;
        wrapped.callback = Some(report_internal_error);
        wrapped.userdata1 = Box::into_raw(Box::new(Injected {
            original: info,
            message,
        }))
        .cast();
        // SAFETY: the caller's device, and a callback that hands the caller's userdata back.
        return unsafe { real(device, wrapped) };
    }
    // SAFETY: the caller's arguments.
    unsafe { real(device, info) }
}

unsafe extern "C" fn report_internal_error(
    status: sys::WGPUPopErrorScopeStatus,
    ty: sys::WGPUErrorType,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the box `wgpuDevicePopErrorScope` made for this one call.
    let injected = unsafe { Box::from_raw(userdata1.cast::<Injected>()) };
    let callback = injected.original.callback.expect("a callback");
    let userdata1 = injected.original.userdata1;
    // SAFETY: the caller's callback, with its own userdata and a message that lives across the call.
    unsafe {
        if status == sys::WGPUPopErrorScopeStatus_Success && ty == sys::WGPUErrorType_NoError {
            callback(
                status,
                sys::WGPUErrorType_Internal,
                view(injected.message),
                userdata1,
                userdata2,
            )
        } else {
            callback(status, ty, message, userdata1, userdata2)
        }
    }
}

/// A device's uncaptured-error callback, as its descriptor gave it to Dawn.
#[derive(Clone, Copy)]
struct UncapturedCallback(sys::WGPUUncapturedErrorCallbackInfo);

// SAFETY: plain function and userdata pointers, called only while their device is alive.
unsafe impl Send for UncapturedCallback {}

/// The uncaptured-error callbacks of the devices requested so far, by device label.
static UNCAPTURED_CALLBACKS: Mutex<Vec<(String, UncapturedCallback)>> = Mutex::new(Vec::new());

/// This binary's `wgpuAdapterRequestDevice`: Dawn's, recording the uncaptured-error callback.
#[unsafe(no_mangle)]
unsafe extern "C" fn wgpuAdapterRequestDevice(
    adapter: sys::WGPUAdapter,
    desc: *const sys::WGPUDeviceDescriptor,
    info: sys::WGPURequestDeviceCallbackInfo,
) -> sys::WGPUFuture {
    static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    type Request = unsafe extern "C" fn(
        sys::WGPUAdapter,
        *const sys::WGPUDeviceDescriptor,
        sys::WGPURequestDeviceCallbackInfo,
    ) -> sys::WGPUFuture;
    // SAFETY: the caller's descriptor, valid across the call; its label is `length` bytes of UTF-8.
    unsafe {
        if let Some(desc) = desc.as_ref() {
            let label = match desc.label.data.is_null() {
                true => String::new(),
                false => String::from_utf8_lossy(std::slice::from_raw_parts(
                    desc.label.data.cast(),
                    desc.label.length,
                ))
                .into_owned(),
            };
            UNCAPTURED_CALLBACKS
                .lock()
                .unwrap()
                .push((label, UncapturedCallback(desc.uncapturedErrorCallbackInfo)));
        }
    }
    let real = real(&REAL, "wgpuAdapterRequestDevice\0");
    // SAFETY: Dawn's function, with the caller's arguments.
    unsafe { std::mem::transmute::<usize, Request>(real)(adapter, desc, info) }
}

#[test]
fn internal_errors_reach_scoped_their_scope_and_the_handler() {
    let gpu = hooked_gpu();
    // `scoped` returns it.
    let error = assert_err(
        gpu.device
            .scoped(|_| INTERNAL_ERROR.set(Some("scoped-internal"))),
        ErrorKind::Internal,
    );
    assert_eq!(error.message(), "scoped-internal");
    // An Internal-filter guard reports it.
    let internal = gpu.device.push_error_scope(ErrorFilter::Internal);
    INTERNAL_ERROR.set(Some("guard-internal"));
    let error = internal.pop().wait_timeout(WAIT).expect_err("reported");
    assert_eq!(
        (error.kind(), error.message()),
        (ErrorKind::Internal, "guard-internal")
    );
    // Without one, nothing is made up.
    assert_eq!(gpu.device.scoped(|_| 7).unwrap(), 7);
    // The uncaptured-error handler gets one as Internal.
    let (_instance, device, seen) = {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let (instance, device) = dawn_suite::device_with(&DeviceDescriptor {
            label: "internal-handler",
            on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                sink.lock().unwrap().push(e.clone())
            })),
            ..Default::default()
        });
        (instance, device, seen)
    };
    let info = UNCAPTURED_CALLBACKS
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(label, _)| label == "internal-handler")
        .map(|(_, callback)| callback.0)
        .expect("the device's uncaptured-error callback");
    // SAFETY: the handle stays with `device`, alive across the call.
    let raw = unsafe { device.as_raw() };
    // SAFETY: the callback Dawn would call for this live device, with its own userdata.
    unsafe {
        info.callback.expect("a callback")(
            &raw,
            sys::WGPUErrorType_Internal,
            view("handler-internal"),
            info.userdata1,
            info.userdata2,
        )
    };
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, [Error::new(ErrorKind::Internal, "handler-internal")]);
}
