//! The compute scenario shared by `compute.rs` and `compute_dynamic.rs`, written once over a trait [`Api`]
//! that both the crate's free functions ([`FreeFunctions`]: loaded at run time by default, linked with
//! feature `linked`) and the explicit loader (`dawn_sys::dynamic::DawnLibrary`, feature `loaded`)
//! implement.
//!
//! Everything is checked against an independent reference: the CPU result of the same kernel, the WebGPU
//! spec's minimum limits, the adapter's own feature list, and the spec's rule that a device-lost callback
//! fires exactly once.

#![allow(dead_code, non_snake_case, non_upper_case_globals)]

use dawn_sys::*;
use std::ffi::{CStr, c_void};
use std::ptr;
use std::sync::Mutex;

/// Runs `test` on one thread kept for the whole process, one test at a time (a panic comes back to the
/// caller). The test harness ends each test's thread when the test ends, and on NVIDIA's driver a thread
/// that used the driver runs a destructor of the driver's as it ends, which can hang for good against
/// `vkDestroyDevice` or `vkDestroyInstance` on another thread (seen on an H200 as this binary hanging once
/// in a few runs under load; RELIABILITY.md). The safe crate guards its own teardown against that; the raw
/// API has no such guard, so these tests keep every driver call on a thread that never ends.
pub fn on_the_dawn_thread(test: impl FnOnce() + Send + 'static) {
    type Job = (
        Box<dyn FnOnce() + Send>,
        std::sync::mpsc::Sender<std::thread::Result<()>>,
    );
    static JOBS: std::sync::OnceLock<Mutex<std::sync::mpsc::Sender<Job>>> =
        std::sync::OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("dawn".into())
            .spawn(move || {
                for (job, reply) in receiver {
                    let _ = reply.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
                }
            })
            .expect("spawning the Dawn thread");
        Mutex::new(sender)
    });
    let (reply, outcome) = std::sync::mpsc::channel();
    jobs.lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((Box::new(test), reply))
        .expect("the Dawn thread is gone");
    if let Err(panic) = outcome.recv().expect("the Dawn thread is gone") {
        std::panic::resume_unwind(panic);
    }
}

/// Declares [`Api`] with the given `webgpu.h` functions (signatures as bindgen generates them) and
/// implements it for [`FreeFunctions`] and (feature `loaded`) `DawnLibrary`.
macro_rules! api {
    ($(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;)*) => {
        /// The `webgpu.h` functions the scenario calls; each method is the C function of the same name.
        pub trait Api {
            $(
                /// # Safety
                /// As the C function of the same name.
                unsafe fn $name(&self, $($arg: $ty),*) $(-> $ret)?;
            )*
        }

        impl Api for FreeFunctions {
            $(
                unsafe fn $name(&self, $($arg: $ty),*) $(-> $ret)? {
                    unsafe { dawn_sys::$name($($arg),*) }
                }
            )*
        }

        #[cfg(feature = "loaded")]
        impl Api for dawn_sys::dynamic::DawnLibrary {
            $(
                unsafe fn $name(&self, $($arg: $ty),*) $(-> $ret)? {
                    unsafe { dawn_sys::dynamic::DawnLibrary::$name(self, $($arg),*) }
                }
            )*
        }
    };
}

/// The crate's free functions (`dawn_sys::wgpu*`), in whichever mode the crate was built.
pub struct FreeFunctions;

api! {
    fn wgpuCreateInstance(descriptor: *const WGPUInstanceDescriptor) -> WGPUInstance;
    fn wgpuInstanceRequestAdapter(
        instance: WGPUInstance,
        options: *const WGPURequestAdapterOptions,
        callbackInfo: WGPURequestAdapterCallbackInfo,
    ) -> WGPUFuture;
    fn wgpuInstanceWaitAny(
        instance: WGPUInstance,
        futureCount: usize,
        futures: *mut WGPUFutureWaitInfo,
        timeoutNS: u64,
    ) -> WGPUWaitStatus;
    fn wgpuInstanceProcessEvents(instance: WGPUInstance);
    fn wgpuInstanceRelease(instance: WGPUInstance);
    fn wgpuAdapterGetInfo(adapter: WGPUAdapter, info: *mut WGPUAdapterInfo) -> WGPUStatus;
    fn wgpuAdapterInfoFreeMembers(adapterInfo: WGPUAdapterInfo);
    fn wgpuAdapterGetLimits(adapter: WGPUAdapter, limits: *mut WGPULimits) -> WGPUStatus;
    fn wgpuAdapterGetFeatures(adapter: WGPUAdapter, features: *mut WGPUSupportedFeatures);
    fn wgpuSupportedFeaturesFreeMembers(supportedFeatures: WGPUSupportedFeatures);
    fn wgpuAdapterHasFeature(adapter: WGPUAdapter, feature: WGPUFeatureName) -> WGPUBool;
    fn wgpuAdapterRequestDevice(
        adapter: WGPUAdapter,
        descriptor: *const WGPUDeviceDescriptor,
        callbackInfo: WGPURequestDeviceCallbackInfo,
    ) -> WGPUFuture;
    fn wgpuAdapterRelease(adapter: WGPUAdapter);
    fn wgpuDeviceGetQueue(device: WGPUDevice) -> WGPUQueue;
    fn wgpuDeviceCreateBuffer(device: WGPUDevice, descriptor: *const WGPUBufferDescriptor) -> WGPUBuffer;
    fn wgpuDeviceCreateShaderModule(
        device: WGPUDevice,
        descriptor: *const WGPUShaderModuleDescriptor,
    ) -> WGPUShaderModule;
    fn wgpuDeviceCreateComputePipeline(
        device: WGPUDevice,
        descriptor: *const WGPUComputePipelineDescriptor,
    ) -> WGPUComputePipeline;
    fn wgpuDeviceCreateBindGroup(
        device: WGPUDevice,
        descriptor: *const WGPUBindGroupDescriptor,
    ) -> WGPUBindGroup;
    fn wgpuDeviceCreateCommandEncoder(
        device: WGPUDevice,
        descriptor: *const WGPUCommandEncoderDescriptor,
    ) -> WGPUCommandEncoder;
    fn wgpuDeviceRelease(device: WGPUDevice);
    fn wgpuComputePipelineGetBindGroupLayout(
        computePipeline: WGPUComputePipeline,
        groupIndex: u32,
    ) -> WGPUBindGroupLayout;
    fn wgpuQueueWriteBuffer(
        queue: WGPUQueue,
        buffer: WGPUBuffer,
        bufferOffset: u64,
        data: *const c_void,
        size: usize,
    );
    fn wgpuQueueSubmit(queue: WGPUQueue, commandCount: usize, commands: *const WGPUCommandBuffer);
    fn wgpuCommandEncoderBeginComputePass(
        commandEncoder: WGPUCommandEncoder,
        descriptor: *const WGPUComputePassDescriptor,
    ) -> WGPUComputePassEncoder;
    fn wgpuComputePassEncoderSetPipeline(
        computePassEncoder: WGPUComputePassEncoder,
        pipeline: WGPUComputePipeline,
    );
    fn wgpuComputePassEncoderSetBindGroup(
        computePassEncoder: WGPUComputePassEncoder,
        groupIndex: u32,
        group: WGPUBindGroup,
        dynamicOffsetCount: usize,
        dynamicOffsets: *const u32,
    );
    fn wgpuComputePassEncoderDispatchWorkgroups(
        computePassEncoder: WGPUComputePassEncoder,
        workgroupCountX: u32,
        workgroupCountY: u32,
        workgroupCountZ: u32,
    );
    fn wgpuComputePassEncoderEnd(computePassEncoder: WGPUComputePassEncoder);
    fn wgpuCommandEncoderCopyBufferToBuffer(
        commandEncoder: WGPUCommandEncoder,
        source: WGPUBuffer,
        sourceOffset: u64,
        destination: WGPUBuffer,
        destinationOffset: u64,
        size: u64,
    );
    fn wgpuCommandEncoderFinish(
        commandEncoder: WGPUCommandEncoder,
        descriptor: *const WGPUCommandBufferDescriptor,
    ) -> WGPUCommandBuffer;
    fn wgpuBufferMapAsync(
        buffer: WGPUBuffer,
        mode: WGPUMapMode,
        offset: usize,
        size: usize,
        callbackInfo: WGPUBufferMapCallbackInfo,
    ) -> WGPUFuture;
    fn wgpuBufferGetMapState(buffer: WGPUBuffer) -> WGPUBufferMapState;
    fn wgpuBufferGetConstMappedRange(buffer: WGPUBuffer, offset: usize, size: usize) -> *const c_void;
    fn wgpuBufferUnmap(buffer: WGPUBuffer);
    fn wgpuBufferRelease(buffer: WGPUBuffer);
    fn wgpuQueueRelease(queue: WGPUQueue);
    fn wgpuShaderModuleRelease(shaderModule: WGPUShaderModule);
    fn wgpuComputePipelineRelease(computePipeline: WGPUComputePipeline);
    fn wgpuBindGroupLayoutRelease(bindGroupLayout: WGPUBindGroupLayout);
    fn wgpuBindGroupRelease(bindGroup: WGPUBindGroup);
    fn wgpuCommandEncoderRelease(commandEncoder: WGPUCommandEncoder);
    fn wgpuComputePassEncoderRelease(computePassEncoder: WGPUComputePassEncoder);
    fn wgpuCommandBufferRelease(commandBuffer: WGPUCommandBuffer);
}

/// How long any single wait may take before the test fails (lavapipe on two busy cores is slow, never
/// this slow).
pub const TIMEOUT_NS: u64 = 10_000_000_000;

/// Elements of the compute scenario: 4096 workgroups of 256 invocations, one element each.
pub const ELEMENTS: usize = 1 << 20;
pub const WORKGROUP_SIZE: usize = 256;
pub const WORKGROUPS: u32 = (ELEMENTS / WORKGROUP_SIZE) as u32;
pub const BYTES: u64 = (ELEMENTS * size_of::<f32>()) as u64;

pub const SHADER: &str = "
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i < arrayLength(&dst)) {
        dst[i] = src[i] * 2.0 + 1.0;
    }
}
";

/// The input pattern: a permutation of 2^20 distinct values of both signs (so an element read from the wrong
/// index shows), every value and every result exact in f32, so the GPU and the CPU must agree bit for bit
/// (fused multiply-add or not).
pub fn input(i: usize) -> f32 {
    (((i * 7919) % ELEMENTS) as f32 - (ELEMENTS / 2) as f32) * 0.125
}

/// What the kernel computes, on the CPU.
pub fn expected(x: f32) -> f32 {
    x * 2.0 + 1.0
}

/// A sentinel passed as every callback's second userdata, checked on the way back.
const USERDATA2: usize = 0x5EED_D00D;

/// A borrowed `WGPUStringView` of a Rust string (explicit length, no NUL needed).
pub fn sv(s: &str) -> WGPUStringView {
    WGPUStringView {
        data: s.as_ptr().cast(),
        length: s.len(),
    }
}

/// Copies a `WGPUStringView` out (null data is the empty string; `WGPU_STRLEN` means NUL-terminated).
///
/// # Safety
/// `view` must be valid as `webgpu.h` defines it.
pub unsafe fn string_of(view: WGPUStringView) -> String {
    if view.data.is_null() {
        return String::new();
    }
    let bytes = if view.length == WGPU_STRLEN {
        unsafe { CStr::from_ptr(view.data) }.to_bytes()
    } else {
        unsafe { std::slice::from_raw_parts(view.data.cast::<u8>(), view.length) }
    };
    String::from_utf8_lossy(bytes).into_owned()
}

/// What one asynchronous call reported through its callback.
struct Reply<T> {
    calls: u32,
    status: u32,
    value: T,
    message: String,
    userdata2: usize,
}

impl<T: Default> Reply<T> {
    fn new() -> Self {
        Reply {
            calls: 0,
            status: 0,
            value: T::default(),
            message: String::new(),
            userdata2: 0,
        }
    }
}

/// A handle type for [`Reply`]: a raw pointer with a null default.
#[derive(Clone, Copy)]
struct Handle<P>(*mut P);

impl<P> Default for Handle<P> {
    fn default() -> Self {
        Handle(ptr::null_mut())
    }
}

unsafe extern "C" fn on_adapter(
    status: WGPURequestAdapterStatus,
    adapter: WGPUAdapter,
    message: WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    let reply = unsafe { &mut *userdata1.cast::<Reply<Handle<WGPUAdapterImpl>>>() };
    reply.calls += 1;
    reply.status = status;
    reply.value = Handle(adapter);
    reply.message = unsafe { string_of(message) };
    reply.userdata2 = userdata2 as usize;
}

unsafe extern "C" fn on_device(
    status: WGPURequestDeviceStatus,
    device: WGPUDevice,
    message: WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    let reply = unsafe { &mut *userdata1.cast::<Reply<Handle<WGPUDeviceImpl>>>() };
    reply.calls += 1;
    reply.status = status;
    reply.value = Handle(device);
    reply.message = unsafe { string_of(message) };
    reply.userdata2 = userdata2 as usize;
}

unsafe extern "C" fn on_map(
    status: WGPUMapAsyncStatus,
    message: WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    let reply = unsafe { &mut *userdata1.cast::<Reply<()>>() };
    reply.calls += 1;
    reply.status = status;
    reply.message = unsafe { string_of(message) };
    reply.userdata2 = userdata2 as usize;
}

/// Every uncaptured error of a device: (error type, message).
#[derive(Default)]
pub struct ErrorLog(Mutex<Vec<(WGPUErrorType, String)>>);

impl ErrorLog {
    pub fn take(&self) -> Vec<(WGPUErrorType, String)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

unsafe extern "C" fn on_uncaptured_error(
    _device: *const WGPUDevice,
    kind: WGPUErrorType,
    message: WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    let log = unsafe { &*userdata1.cast::<ErrorLog>() };
    let message = unsafe { string_of(message) };
    if let Ok(mut list) = log.0.lock() {
        list.push((kind, message));
    }
}

/// Every device-lost callback of a device: (reason, message).
#[derive(Default)]
pub struct LostLog(Mutex<Vec<(WGPUDeviceLostReason, String)>>);

unsafe extern "C" fn on_device_lost(
    _device: *const WGPUDevice,
    reason: WGPUDeviceLostReason,
    message: WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    let log = unsafe { &*userdata1.cast::<LostLog>() };
    let message = unsafe { string_of(message) };
    if let Ok(mut list) = log.0.lock() {
        list.push((reason, message));
    }
}

/// An instance (with timed waits), a Vulkan adapter and a device whose errors are recorded.
pub struct Gpu<'a, A: Api> {
    pub api: &'a A,
    pub instance: WGPUInstance,
    pub adapter: WGPUAdapter,
    pub device: WGPUDevice,
    pub queue: WGPUQueue,
    /// Boxed: Dawn holds pointers to these until the device is gone.
    pub errors: Box<ErrorLog>,
    pub lost: Box<LostLog>,
}

impl<'a, A: Api> Gpu<'a, A> {
    /// Creates the instance, requests a Vulkan adapter and a device, each wait bounded by [`TIMEOUT_NS`].
    pub fn open(api: &'a A) -> Self {
        unsafe {
            let features = [WGPUInstanceFeatureName_TimedWaitAny];
            let instance_descriptor = WGPUInstanceDescriptor {
                requiredFeatureCount: features.len(),
                requiredFeatures: features.as_ptr(),
                ..Default::default()
            };
            let instance = api.wgpuCreateInstance(&instance_descriptor);
            assert!(!instance.is_null(), "wgpuCreateInstance returned null");

            let options = WGPURequestAdapterOptions {
                featureLevel: WGPUFeatureLevel_Core,
                backendType: WGPUBackendType_Vulkan,
                ..Default::default()
            };
            let mut reply = Reply::<Handle<WGPUAdapterImpl>>::new();
            let future = api.wgpuInstanceRequestAdapter(
                instance,
                &options,
                WGPURequestAdapterCallbackInfo {
                    nextInChain: ptr::null_mut(),
                    mode: WGPUCallbackMode_WaitAnyOnly,
                    callback: Some(on_adapter),
                    userdata1: (&raw mut reply).cast(),
                    userdata2: USERDATA2 as *mut c_void,
                },
            );
            wait(api, instance, future, "the adapter request");
            assert_eq!(
                reply.calls, 1,
                "the adapter callback ran {} times",
                reply.calls
            );
            assert_eq!(reply.userdata2, USERDATA2, "userdata2 came back changed");
            assert_eq!(
                reply.status, WGPURequestAdapterStatus_Success,
                "no Vulkan adapter: {}",
                reply.message
            );
            let adapter = reply.value.0;
            assert!(
                !adapter.is_null(),
                "adapter request succeeded with a null adapter"
            );

            let errors = Box::new(ErrorLog::default());
            let lost = Box::new(LostLog::default());
            let device_descriptor = WGPUDeviceDescriptor {
                label: sv("dawn-sys test device"),
                deviceLostCallbackInfo: WGPUDeviceLostCallbackInfo {
                    nextInChain: ptr::null_mut(),
                    mode: WGPUCallbackMode_AllowSpontaneous,
                    callback: Some(on_device_lost),
                    userdata1: ptr::from_ref::<LostLog>(&lost).cast_mut().cast(),
                    userdata2: ptr::null_mut(),
                },
                uncapturedErrorCallbackInfo: WGPUUncapturedErrorCallbackInfo {
                    nextInChain: ptr::null_mut(),
                    callback: Some(on_uncaptured_error),
                    userdata1: ptr::from_ref::<ErrorLog>(&errors).cast_mut().cast(),
                    userdata2: ptr::null_mut(),
                },
                ..Default::default()
            };
            let mut reply = Reply::<Handle<WGPUDeviceImpl>>::new();
            let future = api.wgpuAdapterRequestDevice(
                adapter,
                &device_descriptor,
                WGPURequestDeviceCallbackInfo {
                    nextInChain: ptr::null_mut(),
                    mode: WGPUCallbackMode_WaitAnyOnly,
                    callback: Some(on_device),
                    userdata1: (&raw mut reply).cast(),
                    userdata2: USERDATA2 as *mut c_void,
                },
            );
            wait(api, instance, future, "the device request");
            assert_eq!(
                reply.calls, 1,
                "the device callback ran {} times",
                reply.calls
            );
            assert_eq!(reply.userdata2, USERDATA2, "userdata2 came back changed");
            assert_eq!(
                reply.status, WGPURequestDeviceStatus_Success,
                "no device: {}",
                reply.message
            );
            let device = reply.value.0;
            assert!(
                !device.is_null(),
                "device request succeeded with a null device"
            );
            let queue = api.wgpuDeviceGetQueue(device);
            assert!(!queue.is_null(), "wgpuDeviceGetQueue returned null");

            Gpu {
                api,
                instance,
                adapter,
                device,
                queue,
                errors,
                lost,
            }
        }
    }

    /// Fails the test on any uncaptured error so far.
    pub fn assert_no_errors(&self, when: &str) {
        unsafe { self.api.wgpuInstanceProcessEvents(self.instance) };
        let errors = self.errors.take();
        assert!(errors.is_empty(), "uncaptured errors {when}: {errors:?}");
        let lost = self.lost.0.lock().unwrap();
        assert!(lost.is_empty(), "device lost {when}: {lost:?}");
    }

    /// Releases the queue, device, adapter and instance; the device-lost callback must have run exactly
    /// once by then (the spec's guarantee), and no error may have been left unreported.
    pub fn close(self) {
        self.assert_no_errors("before close");
        unsafe {
            self.api.wgpuQueueRelease(self.queue);
            self.api.wgpuDeviceRelease(self.device);
            self.api.wgpuAdapterRelease(self.adapter);
            self.api.wgpuInstanceProcessEvents(self.instance);
            self.api.wgpuInstanceRelease(self.instance);
        }
        let lost = self.lost.0.lock().unwrap();
        assert_eq!(
            lost.len(),
            1,
            "the device-lost callback must run exactly once by the time the device and instance are \
             released: {lost:?}"
        );
        assert!(
            [
                WGPUDeviceLostReason_Destroyed,
                WGPUDeviceLostReason_CallbackCancelled
            ]
            .contains(&lost[0].0),
            "device lost for an unexpected reason: {lost:?}"
        );
        let errors = self.errors.take();
        assert!(
            errors.is_empty(),
            "uncaptured errors while releasing: {errors:?}"
        );
    }
}

/// Waits for one future with [`TIMEOUT_NS`]; a timeout or an error fails the test (never hangs).
pub fn wait<A: Api>(api: &A, instance: WGPUInstance, future: WGPUFuture, what: &str) {
    assert_ne!(future.id, 0, "{what}: got the null future");
    let mut info = [WGPUFutureWaitInfo {
        future,
        completed: WGPU_FALSE,
    }];
    let status =
        unsafe { api.wgpuInstanceWaitAny(instance, info.len(), info.as_mut_ptr(), TIMEOUT_NS) };
    match status {
        WGPUWaitStatus_Success => {}
        WGPUWaitStatus_TimedOut => {
            panic!("{what}: timed out after {} s", TIMEOUT_NS / 1_000_000_000)
        }
        other => panic!("{what}: wgpuInstanceWaitAny returned status {other:#x}"),
    }
    assert_eq!(
        info[0].completed, WGPU_TRUE,
        "{what}: WaitAny succeeded but the future is not completed"
    );
}

/// Adapter queries: the info says Vulkan (and CPU on lavapipe), the limits meet the WebGPU spec's
/// minimums, and the feature list agrees with `wgpuAdapterHasFeature`.
pub fn check_adapter<A: Api>(gpu: &Gpu<'_, A>) {
    let api = gpu.api;
    unsafe {
        let mut info = WGPUAdapterInfo::default();
        assert_eq!(
            api.wgpuAdapterGetInfo(gpu.adapter, &mut info),
            WGPUStatus_Success
        );
        let (backend, kind) = (info.backendType, info.adapterType);
        let device = string_of(info.device);
        let description = string_of(info.description);
        let vendor = string_of(info.vendor);
        api.wgpuAdapterInfoFreeMembers(info);
        eprintln!(
            "adapter: {device:?} ({description:?}, vendor {vendor:?}), backend {backend}, type {kind}"
        );
        assert_eq!(
            backend, WGPUBackendType_Vulkan,
            "asked for Vulkan, got backend {backend}"
        );
        assert!(!device.is_empty(), "the adapter has no device name");
        if device.contains("llvmpipe") {
            assert_eq!(
                kind, WGPUAdapterType_CPU,
                "lavapipe ({device}) must report adapter type CPU"
            );
        } else {
            assert!(
                [
                    WGPUAdapterType_DiscreteGPU,
                    WGPUAdapterType_IntegratedGPU,
                    WGPUAdapterType_CPU
                ]
                .contains(&kind),
                "unexpected adapter type {kind}"
            );
        }

        let mut limits = WGPULimits::default();
        assert_eq!(
            api.wgpuAdapterGetLimits(gpu.adapter, &mut limits),
            WGPUStatus_Success
        );
        // The WebGPU spec's minimums for the limits the scenario depends on.
        assert!(
            limits.maxBufferSize >= 256 << 20,
            "maxBufferSize {}",
            limits.maxBufferSize
        );
        assert!(
            limits.maxStorageBufferBindingSize >= 128 << 20,
            "maxStorageBufferBindingSize {}",
            limits.maxStorageBufferBindingSize
        );
        assert!(limits.maxComputeWorkgroupsPerDimension >= 65_535);
        assert!(limits.maxComputeInvocationsPerWorkgroup >= 256);
        assert!(limits.maxComputeWorkgroupSizeX >= 256);
        assert!(limits.maxStorageBuffersPerShaderStage >= 8);
        assert!(limits.maxBindGroups >= 4);
        assert_ne!(limits.maxBufferSize, WGPU_LIMIT_U64_UNDEFINED);

        let mut features = WGPUSupportedFeatures::default();
        api.wgpuAdapterGetFeatures(gpu.adapter, &mut features);
        let list = if features.featureCount == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(features.features, features.featureCount).to_vec()
        };
        api.wgpuSupportedFeaturesFreeMembers(features);
        eprintln!("adapter features: {list:x?}");
        for &f in &list {
            assert_eq!(
                api.wgpuAdapterHasFeature(gpu.adapter, f),
                WGPU_TRUE,
                "feature {f:#x} is listed but wgpuAdapterHasFeature denies it"
            );
        }
        let bogus: WGPUFeatureName = 0x7FFF_0001;
        assert!(!list.contains(&bogus));
        assert_eq!(api.wgpuAdapterHasFeature(gpu.adapter, bogus), WGPU_FALSE);
    }
}

/// The error callback really reports: an invalid buffer (MapRead with Storage) gives exactly one
/// validation error.
pub fn check_error_callback<A: Api>(gpu: &Gpu<'_, A>) {
    gpu.assert_no_errors("before the deliberate error");
    unsafe {
        let bad = gpu.api.wgpuDeviceCreateBuffer(
            gpu.device,
            &WGPUBufferDescriptor {
                label: sv("deliberately invalid"),
                usage: WGPUBufferUsage_MapRead | WGPUBufferUsage_Storage,
                size: 256,
                ..Default::default()
            },
        );
        gpu.api.wgpuInstanceProcessEvents(gpu.instance);
        let errors = gpu.errors.take();
        assert_eq!(errors.len(), 1, "one invalid buffer, errors: {errors:?}");
        assert_eq!(errors[0].0, WGPUErrorType_Validation, "{errors:?}");
        assert!(
            errors[0].1.contains("deliberately invalid"),
            "the message names the label: {errors:?}"
        );
        if !bad.is_null() {
            gpu.api.wgpuBufferRelease(bad);
        }
    }
}

/// The compute scenario: upload 1,048,576 f32 with `wgpuQueueWriteBuffer`, run `dst = src * 2 + 1` over
/// 4096 workgroups of 256, copy to a mappable buffer, map it (bounded wait) and compare every element with
/// the CPU.
pub fn run_compute<A: Api>(gpu: &Gpu<'_, A>) {
    let api = gpu.api;
    let data: Vec<f32> = (0..ELEMENTS).map(input).collect();
    unsafe {
        let buffer = |label: &str, usage: WGPUBufferUsage| {
            let b = api.wgpuDeviceCreateBuffer(
                gpu.device,
                &WGPUBufferDescriptor {
                    label: sv(label),
                    usage,
                    size: BYTES,
                    mappedAtCreation: WGPU_FALSE,
                    nextInChain: ptr::null_mut(),
                },
            );
            assert!(
                !b.is_null(),
                "wgpuDeviceCreateBuffer({label}) returned null"
            );
            b
        };
        let src = buffer("src", WGPUBufferUsage_Storage | WGPUBufferUsage_CopyDst);
        let dst = buffer("dst", WGPUBufferUsage_Storage | WGPUBufferUsage_CopySrc);
        let readback = buffer(
            "readback",
            WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst,
        );
        api.wgpuQueueWriteBuffer(gpu.queue, src, 0, data.as_ptr().cast(), BYTES as usize);

        let mut wgsl = WGPUShaderSourceWGSL {
            chain: WGPUChainedStruct {
                next: ptr::null_mut(),
                sType: WGPUSType_ShaderSourceWGSL,
            },
            code: sv(SHADER),
        };
        let module = api.wgpuDeviceCreateShaderModule(
            gpu.device,
            &WGPUShaderModuleDescriptor {
                nextInChain: (&raw mut wgsl).cast(),
                label: sv("double plus one"),
            },
        );
        assert!(!module.is_null());
        let pipeline = api.wgpuDeviceCreateComputePipeline(
            gpu.device,
            &WGPUComputePipelineDescriptor {
                label: sv("double plus one"),
                layout: ptr::null_mut(), // auto layout
                compute: WGPUComputeState {
                    module,
                    entryPoint: sv("main"),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        assert!(!pipeline.is_null());
        let layout = api.wgpuComputePipelineGetBindGroupLayout(pipeline, 0);
        assert!(!layout.is_null());
        let entries = [(0, src), (1, dst)].map(|(binding, buffer)| WGPUBindGroupEntry {
            binding,
            buffer,
            offset: 0,
            size: WGPU_WHOLE_SIZE,
            ..Default::default()
        });
        let bind_group = api.wgpuDeviceCreateBindGroup(
            gpu.device,
            &WGPUBindGroupDescriptor {
                layout,
                entryCount: entries.len(),
                entries: entries.as_ptr(),
                ..Default::default()
            },
        );
        assert!(!bind_group.is_null());
        gpu.assert_no_errors("creating the buffers, the pipeline and the bind group");

        let encoder = api.wgpuDeviceCreateCommandEncoder(gpu.device, ptr::null());
        assert!(!encoder.is_null());
        let pass = api.wgpuCommandEncoderBeginComputePass(encoder, ptr::null());
        assert!(!pass.is_null());
        api.wgpuComputePassEncoderSetPipeline(pass, pipeline);
        api.wgpuComputePassEncoderSetBindGroup(pass, 0, bind_group, 0, ptr::null());
        api.wgpuComputePassEncoderDispatchWorkgroups(pass, WORKGROUPS, 1, 1);
        api.wgpuComputePassEncoderEnd(pass);
        api.wgpuCommandEncoderCopyBufferToBuffer(encoder, dst, 0, readback, 0, BYTES);
        let commands = api.wgpuCommandEncoderFinish(encoder, ptr::null());
        assert!(!commands.is_null());
        api.wgpuQueueSubmit(gpu.queue, 1, &commands);
        gpu.assert_no_errors("encoding and submitting");

        assert_eq!(
            api.wgpuBufferGetMapState(readback),
            WGPUBufferMapState_Unmapped
        );
        let mut reply = Reply::<()>::new();
        let future = api.wgpuBufferMapAsync(
            readback,
            WGPUMapMode_Read,
            0,
            BYTES as usize,
            WGPUBufferMapCallbackInfo {
                nextInChain: ptr::null_mut(),
                mode: WGPUCallbackMode_WaitAnyOnly,
                callback: Some(on_map),
                userdata1: (&raw mut reply).cast(),
                userdata2: USERDATA2 as *mut c_void,
            },
        );
        wait(api, gpu.instance, future, "mapping the result");
        assert_eq!(reply.calls, 1, "the map callback ran {} times", reply.calls);
        assert_eq!(reply.userdata2, USERDATA2);
        assert_eq!(
            reply.status, WGPUMapAsyncStatus_Success,
            "map failed: {}",
            reply.message
        );
        assert_eq!(
            api.wgpuBufferGetMapState(readback),
            WGPUBufferMapState_Mapped
        );

        let mapped = api.wgpuBufferGetConstMappedRange(readback, 0, BYTES as usize);
        assert!(
            !mapped.is_null(),
            "wgpuBufferGetConstMappedRange returned null"
        );
        assert_eq!(mapped as usize % align_of::<f32>(), 0);
        let result = std::slice::from_raw_parts(mapped.cast::<f32>(), ELEMENTS);
        let wrong: Vec<(usize, f32, f32)> = result
            .iter()
            .enumerate()
            .filter(|&(i, &got)| got.to_bits() != expected(data[i]).to_bits())
            .map(|(i, &got)| (i, got, expected(data[i])))
            .collect();
        assert!(
            wrong.is_empty(),
            "{} of {ELEMENTS} elements differ from the CPU; first (index, got, expected): {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(8)]
        );
        api.wgpuBufferUnmap(readback);
        assert_eq!(
            api.wgpuBufferGetMapState(readback),
            WGPUBufferMapState_Unmapped
        );
        gpu.assert_no_errors("mapping and reading back");

        api.wgpuCommandBufferRelease(commands);
        api.wgpuComputePassEncoderRelease(pass);
        api.wgpuCommandEncoderRelease(encoder);
        api.wgpuBindGroupRelease(bind_group);
        api.wgpuBindGroupLayoutRelease(layout);
        api.wgpuComputePipelineRelease(pipeline);
        api.wgpuShaderModuleRelease(module);
        api.wgpuBufferRelease(readback);
        api.wgpuBufferRelease(dst);
        api.wgpuBufferRelease(src);
    }
    gpu.assert_no_errors("releasing the scenario's objects");
}
