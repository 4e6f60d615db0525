//! A reference ledger for leak tests (tests/reliability_leaks.rs, tests/reliability_render.rs).
//!
//! A test binary interposes the `webgpu.h` functions that hand out references (`wgpuDeviceCreate*`,
//! `wgpuCommandEncoderFinish`, the request and async-pipeline callbacks...) and every `wgpu*AddRef` /
//! `wgpu*Release`: the macros here define them in the binary itself (`#[no_mangle]`), so the `dawn` crate's
//! calls land there, are counted per object pointer, and go on to Dawn's own definition (found with
//! `dlsym(RTLD_NEXT, ..)`). [`assert_no_live_references`] then checks that no object has a reference left.
//!
//! Only a binary that invokes the macros interposes anything; invoke them once per binary ([`core_hooks!`]
//! for the objects every workload makes, [`refcounted!`], [`creator!`] and [`delivered!`] for more), and
//! run its workloads from one test function: the ledger is process-wide.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, c_void};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

unsafe extern "C" {
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}
/// glibc's `RTLD_NEXT`.
const RTLD_NEXT: *mut c_void = -1isize as *mut c_void;

#[derive(Default)]
struct Ledger {
    /// Net references per live object: (type, count).
    live: HashMap<usize, (&'static str, i64)>,
    /// References acquired, by type.
    acquired: BTreeMap<&'static str, u64>,
    /// References released, by type.
    released: BTreeMap<&'static str, u64>,
    /// Releases of objects with no reference recorded (a double release, or a hook missing).
    over_released: Vec<(&'static str, usize)>,
}

static LEDGER: Mutex<Option<Ledger>> = Mutex::new(None);

fn ledger() -> MutexGuard<'static, Option<Ledger>> {
    LEDGER.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts a reference to the `kind` object at `ptr` (null is ignored).
pub fn acquire(kind: &'static str, ptr: usize) {
    if ptr == 0 {
        return;
    }
    let mut guard = ledger();
    let l = guard.get_or_insert_with(Ledger::default);
    *l.acquired.entry(kind).or_default() += 1;
    l.live.entry(ptr).or_insert((kind, 0)).1 += 1;
}

/// Counts the release of a reference to the `kind` object at `ptr`.
pub fn release(kind: &'static str, ptr: usize) {
    let mut guard = ledger();
    let l = guard.get_or_insert_with(Ledger::default);
    *l.released.entry(kind).or_default() += 1;
    match l.live.get_mut(&ptr) {
        Some(entry) => {
            entry.1 -= 1;
            if entry.1 == 0 {
                l.live.remove(&ptr);
            }
        }
        None => l.over_released.push((kind, ptr)),
    }
}

/// The address of Dawn's own definition of `name` (NUL-terminated), looked up once into `cache`.
pub fn real_ptr(cache: &OnceLock<usize>, name: &'static str) -> usize {
    *cache.get_or_init(|| {
        // SAFETY: a NUL-terminated name; RTLD_NEXT finds the definition after this executable's.
        let p = unsafe { dlsym(RTLD_NEXT, name.as_ptr().cast()) };
        assert!(!p.is_null(), "dlsym found no {name}");
        p as usize
    })
}

/// Dawn's own definition of `$name`, as a `$fty` (use inside `unsafe`: the caller vouches for the type).
#[macro_export]
macro_rules! real {
    ($name:ident: $fty:ty) => {{
        static PTR: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let p = $crate::ledger::real_ptr(&PTR, concat!(stringify!($name), "\0"));
        std::mem::transmute::<usize, $fty>(p)
    }};
}

/// Interposes `wgpu*AddRef` / `wgpu*Release` pairs: `"Kind": wgpuXAddRef, wgpuXRelease, WGPUX;`.
#[macro_export]
macro_rules! refcounted {
    ($($kind:literal: $add:ident, $rel:ident, $t:ty;)*) => {$(
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $add(object: $t) {
            $crate::ledger::acquire($kind, object as usize);
            // SAFETY: forwarding the caller's arguments.
            unsafe { $crate::real!($add: unsafe extern "C" fn($t))(object) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn $rel(object: $t) {
            // Counted before the object can be freed (and its address reused by another thread).
            $crate::ledger::release($kind, object as usize);
            // SAFETY: forwarding the caller's arguments.
            unsafe { $crate::real!($rel: unsafe extern "C" fn($t))(object) }
        }
    )*};
}

/// Interposes functions returning a new reference: `"Kind": wgpuXCreateY(arg: T, ...) -> WGPUY;`.
#[macro_export]
macro_rules! creator {
    ($($kind:literal: $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: forwarding the caller's arguments.
            let object = unsafe { $crate::real!($name: unsafe extern "C" fn($($ty),*) -> $ret)($($arg),*) };
            $crate::ledger::acquire($kind, object as usize);
            object
        }
    )*};
}

/// Interposes requests whose callback delivers an object (wrapping the callback to count it):
/// `"Kind": wgpuXRequestY(Owner, Descriptor, CallbackInfo, Object), trampoline_name;`.
#[macro_export]
macro_rules! delivered {
    ($($kind:literal: $name:ident($owner:ty, $desc:ty, $info:ty, $obj:ty), $tramp:ident;)*) => {$(
        unsafe extern "C" fn $tramp(
            status: u32,
            object: $obj,
            message: ::dawn::dawn_sys::WGPUStringView,
            userdata1: *mut std::ffi::c_void,
            userdata2: *mut std::ffi::c_void,
        ) {
            // SAFETY: userdata1 is the box made below, used once.
            let original = unsafe { Box::from_raw(userdata1 as *mut $info) };
            $crate::ledger::acquire($kind, object as usize);
            let callback = original.callback.expect("a callback");
            // SAFETY: forwarding to the caller's callback with its own userdata.
            unsafe { callback(status as _, object, message, original.userdata1, userdata2) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn $name(owner: $owner, desc: *const $desc, info: $info) -> ::dawn::dawn_sys::WGPUFuture {
            let mut wrapped = info;
            wrapped.callback = Some($tramp);
            wrapped.userdata1 = Box::into_raw(Box::new(info)) as *mut std::ffi::c_void;
            // SAFETY: forwarding with the wrapped callback.
            unsafe {
                $crate::real!($name: unsafe extern "C" fn($owner, *const $desc, $info) -> ::dawn::dawn_sys::WGPUFuture)(owner, desc, wrapped)
            }
        }
    )*};
}

/// Interposes every function of the compute path that hands out or drops a reference: instances,
/// adapters, devices, queues, buffers, shader modules, layouts, bind groups, compute pipelines (also
/// asynchronous), command encoders and buffers, compute passes, query sets.
#[macro_export]
macro_rules! core_hooks {
    () => {
        $crate::refcounted! {
            "Instance": wgpuInstanceAddRef, wgpuInstanceRelease, ::dawn::dawn_sys::WGPUInstance;
            "Adapter": wgpuAdapterAddRef, wgpuAdapterRelease, ::dawn::dawn_sys::WGPUAdapter;
            "Device": wgpuDeviceAddRef, wgpuDeviceRelease, ::dawn::dawn_sys::WGPUDevice;
            "Queue": wgpuQueueAddRef, wgpuQueueRelease, ::dawn::dawn_sys::WGPUQueue;
            "Buffer": wgpuBufferAddRef, wgpuBufferRelease, ::dawn::dawn_sys::WGPUBuffer;
            "ShaderModule": wgpuShaderModuleAddRef, wgpuShaderModuleRelease, ::dawn::dawn_sys::WGPUShaderModule;
            "BindGroupLayout": wgpuBindGroupLayoutAddRef, wgpuBindGroupLayoutRelease, ::dawn::dawn_sys::WGPUBindGroupLayout;
            "BindGroup": wgpuBindGroupAddRef, wgpuBindGroupRelease, ::dawn::dawn_sys::WGPUBindGroup;
            "PipelineLayout": wgpuPipelineLayoutAddRef, wgpuPipelineLayoutRelease, ::dawn::dawn_sys::WGPUPipelineLayout;
            "ComputePipeline": wgpuComputePipelineAddRef, wgpuComputePipelineRelease, ::dawn::dawn_sys::WGPUComputePipeline;
            "CommandEncoder": wgpuCommandEncoderAddRef, wgpuCommandEncoderRelease, ::dawn::dawn_sys::WGPUCommandEncoder;
            "ComputePassEncoder": wgpuComputePassEncoderAddRef, wgpuComputePassEncoderRelease, ::dawn::dawn_sys::WGPUComputePassEncoder;
            "CommandBuffer": wgpuCommandBufferAddRef, wgpuCommandBufferRelease, ::dawn::dawn_sys::WGPUCommandBuffer;
            "QuerySet": wgpuQuerySetAddRef, wgpuQuerySetRelease, ::dawn::dawn_sys::WGPUQuerySet;
        }

        $crate::creator! {
            "Instance": wgpuCreateInstance(d: *const ::dawn::dawn_sys::WGPUInstanceDescriptor) -> ::dawn::dawn_sys::WGPUInstance;
            "Queue": wgpuDeviceGetQueue(d: ::dawn::dawn_sys::WGPUDevice) -> ::dawn::dawn_sys::WGPUQueue;
            "Buffer": wgpuDeviceCreateBuffer(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUBufferDescriptor) -> ::dawn::dawn_sys::WGPUBuffer;
            "ShaderModule": wgpuDeviceCreateShaderModule(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUShaderModuleDescriptor) -> ::dawn::dawn_sys::WGPUShaderModule;
            "BindGroupLayout": wgpuDeviceCreateBindGroupLayout(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUBindGroupLayoutDescriptor) -> ::dawn::dawn_sys::WGPUBindGroupLayout;
            "BindGroupLayout": wgpuComputePipelineGetBindGroupLayout(p: ::dawn::dawn_sys::WGPUComputePipeline, i: u32) -> ::dawn::dawn_sys::WGPUBindGroupLayout;
            "BindGroup": wgpuDeviceCreateBindGroup(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUBindGroupDescriptor) -> ::dawn::dawn_sys::WGPUBindGroup;
            "PipelineLayout": wgpuDeviceCreatePipelineLayout(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUPipelineLayoutDescriptor) -> ::dawn::dawn_sys::WGPUPipelineLayout;
            "ComputePipeline": wgpuDeviceCreateComputePipeline(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUComputePipelineDescriptor) -> ::dawn::dawn_sys::WGPUComputePipeline;
            "CommandEncoder": wgpuDeviceCreateCommandEncoder(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUCommandEncoderDescriptor) -> ::dawn::dawn_sys::WGPUCommandEncoder;
            "ComputePassEncoder": wgpuCommandEncoderBeginComputePass(e: ::dawn::dawn_sys::WGPUCommandEncoder, x: *const ::dawn::dawn_sys::WGPUComputePassDescriptor) -> ::dawn::dawn_sys::WGPUComputePassEncoder;
            "CommandBuffer": wgpuCommandEncoderFinish(e: ::dawn::dawn_sys::WGPUCommandEncoder, x: *const ::dawn::dawn_sys::WGPUCommandBufferDescriptor) -> ::dawn::dawn_sys::WGPUCommandBuffer;
            "QuerySet": wgpuDeviceCreateQuerySet(d: ::dawn::dawn_sys::WGPUDevice, x: *const ::dawn::dawn_sys::WGPUQuerySetDescriptor) -> ::dawn::dawn_sys::WGPUQuerySet;
        }

        $crate::delivered! {
            "Adapter": wgpuInstanceRequestAdapter(::dawn::dawn_sys::WGPUInstance, ::dawn::dawn_sys::WGPURequestAdapterOptions,
                ::dawn::dawn_sys::WGPURequestAdapterCallbackInfo, ::dawn::dawn_sys::WGPUAdapter), adapter_trampoline;
            "Device": wgpuAdapterRequestDevice(::dawn::dawn_sys::WGPUAdapter, ::dawn::dawn_sys::WGPUDeviceDescriptor,
                ::dawn::dawn_sys::WGPURequestDeviceCallbackInfo, ::dawn::dawn_sys::WGPUDevice), device_trampoline;
            "ComputePipeline": wgpuDeviceCreateComputePipelineAsync(::dawn::dawn_sys::WGPUDevice, ::dawn::dawn_sys::WGPUComputePipelineDescriptor,
                ::dawn::dawn_sys::WGPUCreateComputePipelineAsyncCallbackInfo, ::dawn::dawn_sys::WGPUComputePipeline), compute_pipeline_trampoline;
        }
    };
}

/// Asserts that no object has a reference left, printing the per-type totals. Operations whose `Pending`
/// was dropped early finish on the instance's event pump thread: this gives it a few seconds to drain.
pub fn assert_no_live_references(phase: &str) {
    for _ in 0..100 {
        if ledger().as_ref().is_some_and(|l| l.live.is_empty()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let guard = ledger();
    let l = guard.as_ref().expect("something was counted");
    println!("{phase}: references acquired / released by type:");
    for (kind, n) in &l.acquired {
        println!(
            "  {kind:20} {n:>8} / {:>8}",
            l.released.get(kind).copied().unwrap_or(0)
        );
    }
    let mut leaked: BTreeMap<&str, i64> = BTreeMap::new();
    for (kind, n) in l.live.values() {
        *leaked.entry(kind).or_default() += n;
    }
    assert!(
        l.over_released.is_empty(),
        "{phase}: released without a recorded reference: {:?}",
        l.over_released
    );
    assert!(
        leaked.is_empty(),
        "{phase}: references leaked, by type: {leaked:?}"
    );
    println!(
        "{phase}: 0 leaked references ({} objects tracked)",
        l.acquired.values().sum::<u64>()
    );
}

/// References acquired so far of `kind` (to check that a workload exercised what it should).
pub fn acquired(kind: &str) -> u64 {
    ledger()
        .as_ref()
        .and_then(|l| l.acquired.get(kind).copied())
        .unwrap_or(0)
}
