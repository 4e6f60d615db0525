//! A reference ledger for leak tests (tests/reliability_leaks.rs, tests/reliability_render.rs).
//!
//! A test binary replaces the `webgpu.h` functions that hand out references (`wgpuDeviceCreate*`,
//! `wgpuCommandEncoderFinish`, the request and async-pipeline callbacks...) and every `wgpu*AddRef` /
//! `wgpu*Release` with counting versions: the macros here define them (`#[no_mangle]`, so that with
//! dawn-sys's `linked` feature the linker binds the `dawn` crate's calls to them too) and a function that
//! puts them in a table, which [`install`] makes the table dawn-sys's free functions call through. Each
//! counts per object pointer and goes on to Dawn's own definition. [`assert_no_live_references`] then
//! checks that no object has a reference left.
//!
//! Invoke the macros once per binary ([`core_hooks!`] for the objects every workload makes, [`refcounted!`],
//! [`creator!`] and [`delivered!`] for more, each naming the function that installs its hooks), call
//! [`install`] with those functions before anything loads Dawn, and run the workloads from one test
//! function: the ledger is process-wide.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, c_void};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

unsafe extern "C" {
    fn dlopen(file: *const c_char, mode: i32) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}
/// glibc's `RTLD_NOW`.
const RTLD_NOW: i32 = 2;

/// A function that puts a macro invocation's hooks into the table.
pub type Installer = fn(&mut ::dawn::dawn_sys::dynamic::DawnLibrary);

/// Makes dawn-sys's free functions call the hooks the `installers` put in (once per process, before
/// anything loads Dawn).
pub fn install(installers: &[Installer]) {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let path = ::dawn::dawn_sys::library_path();
        // SAFETY: the Dawn dawn-sys would load; the hooks have the signatures of the functions they replace.
        unsafe {
            let mut functions =
                ::dawn::dawn_sys::Functions::open(&path).expect("opening Dawn for the hooks");
            for install in installers {
                install(&mut functions.webgpu);
            }
            assert!(
                ::dawn::dawn_sys::load_with(functions).is_ok(),
                "Dawn was loaded before the hooks"
            );
        }
    });
}

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
        let path = ::dawn::dawn_sys::library_path();
        let c_path = std::ffi::CString::new(path.to_string_lossy().as_bytes()).unwrap();
        // SAFETY: Dawn's library (loaded already, or loaded here) and a NUL-terminated name.
        let p = unsafe {
            let dawn = dlopen(c_path.as_ptr(), RTLD_NOW);
            assert!(!dawn.is_null(), "dlopen {}", path.display());
            dlsym(dawn, name.as_ptr().cast())
        };
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

/// Counts `wgpu*AddRef` / `wgpu*Release` pairs: `install_fn; "Kind": wgpuXAddRef, wgpuXRelease, WGPUX;`.
#[macro_export]
macro_rules! refcounted {
    ($install:ident; $($kind:literal: $add:ident, $rel:ident, $t:ty;)*) => {
        fn $install(table: &mut ::dawn::dawn_sys::dynamic::DawnLibrary) {
            $(table.$add = $add; table.$rel = $rel;)*
        }
        $(
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

/// Counts functions returning a new reference: `install_fn; "Kind": wgpuXCreateY(arg: T, ...) -> WGPUY;`.
#[macro_export]
macro_rules! creator {
    ($install:ident; $($kind:literal: $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        fn $install(table: &mut ::dawn::dawn_sys::dynamic::DawnLibrary) {
            $(table.$name = $name;)*
        }
        $(
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: forwarding the caller's arguments.
            let object = unsafe { $crate::real!($name: unsafe extern "C" fn($($ty),*) -> $ret)($($arg),*) };
            $crate::ledger::acquire($kind, object as usize);
            object
        }
    )*};
}

/// Counts requests whose callback delivers an object (wrapping the callback to count it):
/// `install_fn; "Kind": wgpuXRequestY(Owner, Descriptor, CallbackInfo, Object), trampoline_name;`.
#[macro_export]
macro_rules! delivered {
    ($install:ident; $($kind:literal: $name:ident($owner:ty, $desc:ty, $info:ty, $obj:ty), $tramp:ident;)*) => {
        fn $install(table: &mut ::dawn::dawn_sys::dynamic::DawnLibrary) {
            $(table.$name = $name;)*
        }
        $(
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

/// Counts every function of the compute path that hands out or drops a reference: instances, adapters,
/// devices, queues, buffers, shader modules, layouts, bind groups, compute pipelines (also asynchronous),
/// command encoders and buffers, compute passes, query sets. Defines `install_core_hooks`, an
/// [`Installer`].
#[macro_export]
macro_rules! core_hooks {
    () => {
        fn install_core_hooks(table: &mut ::dawn::dawn_sys::dynamic::DawnLibrary) {
            install_core_refcounted(table);
            install_core_creators(table);
            install_core_delivered(table);
        }

        $crate::refcounted! {
            install_core_refcounted;
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
            install_core_creators;
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
            install_core_delivered;
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

/// The object kinds [`core_hooks!`] counts.
pub const CORE_KINDS: &[&str] = &[
    "Instance",
    "Adapter",
    "Device",
    "Queue",
    "Buffer",
    "ShaderModule",
    "BindGroupLayout",
    "BindGroup",
    "PipelineLayout",
    "ComputePipeline",
    "CommandEncoder",
    "ComputePassEncoder",
    "CommandBuffer",
    "QuerySet",
];

/// Asserts that the workloads made at least one object of each of `kinds`: a kind never made would have its
/// leaks go unseen.
pub fn assert_every_kind_counted(phase: &str, kinds: &[&str]) {
    let missing: Vec<&str> = kinds.iter().copied().filter(|k| acquired(k) == 0).collect();
    assert!(
        missing.is_empty(),
        "{phase}: the workloads made no object of kinds {missing:?}, so their leaks would go unseen"
    );
}

/// References acquired so far of `kind` (to check that a workload exercised what it should).
pub fn acquired(kind: &str) -> u64 {
    ledger()
        .as_ref()
        .and_then(|l| l.acquired.get(kind).copied())
        .unwrap_or(0)
}
