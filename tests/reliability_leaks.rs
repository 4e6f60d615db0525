//! Leaks: proves that every Dawn object reference the safe crate takes is released.
//!
//! This test binary interposes the `webgpu.h` functions that hand out references (`wgpuCreateInstance`,
//! `wgpuDeviceCreate*`, `wgpuDeviceGetQueue`, `wgpuCommandEncoderFinish`, the adapter/device/pipeline
//! callbacks...) and every `wgpu*AddRef` / `wgpu*Release`: it defines them itself and installs them in the
//! table dawn-sys's free functions call through (`dawn_sys::load_with`; with dawn-sys's `linked` feature
//! the linker binds the calls to these same `no_mangle` definitions), so the `dawn` crate's calls land
//! here, counts per object pointer, and forwards to Dawn's own (found with `dlsym` in Dawn's library). Then it runs fuzzer sequences, device loss and destruction, early-dropped
//! futures and a mapping workload, drops everything, and checks that no object has a reference left: zero
//! leaks (and no object is released more often than it was acquired). A second check creates and drops
//! objects in a loop and checks that the process's resident memory and open files stay flat.

mod fuzz;

use dawn::dawn_sys as sys;
use dawn::*;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, c_void};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

unsafe extern "C" {
    fn dlopen(file: *const c_char, mode: i32) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}
/// glibc's `RTLD_NOW`.
const RTLD_NOW: i32 = 2;

#[derive(Default)]
struct Ledger {
    /// Net references per live object: (type, count).
    live: HashMap<usize, (&'static str, i64)>,
    /// References acquired, by type.
    acquired: BTreeMap<&'static str, u64>,
    /// References released, by type.
    released: BTreeMap<&'static str, u64>,
    /// Releases of objects with no reference recorded (a double release, or a hook missing here).
    over_released: Vec<(&'static str, usize)>,
}

static LEDGER: Mutex<Option<Ledger>> = Mutex::new(None);

fn ledger() -> MutexGuard<'static, Option<Ledger>> {
    LEDGER.lock().unwrap_or_else(|e| e.into_inner())
}

fn acquire(kind: &'static str, ptr: usize) {
    if ptr == 0 {
        return;
    }
    let mut guard = ledger();
    let l = guard.get_or_insert_with(Ledger::default);
    *l.acquired.entry(kind).or_default() += 1;
    l.live.entry(ptr).or_insert((kind, 0)).1 += 1;
}

fn release(kind: &'static str, ptr: usize) {
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

/// Dawn's own definition of `$name`, as a `$fty`.
fn real_ptr(cache: &std::sync::OnceLock<usize>, name: &'static str) -> usize {
    *cache.get_or_init(|| {
        let path = std::ffi::CString::new(sys::DAWN_LIBRARY_PATH).unwrap();
        // SAFETY: Dawn's library, already loaded (dlopen hands out its handle), and a NUL-terminated name.
        let p = unsafe {
            let dawn = dlopen(path.as_ptr(), RTLD_NOW);
            assert!(!dawn.is_null(), "dlopen {}", sys::DAWN_LIBRARY_PATH);
            dlsym(dawn, name.as_ptr().cast())
        };
        assert!(!p.is_null(), "dlsym found no {name}");
        p as usize
    })
}

/// Dawn's own definition of `$name`, as a `$fty` (use inside `unsafe`: the caller vouches for the type).
macro_rules! real {
    ($name:ident: $fty:ty) => {{
        static PTR: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let p = real_ptr(&PTR, concat!(stringify!($name), "\0"));
        std::mem::transmute::<usize, $fty>(p)
    }};
}

/// `wgpu*AddRef` / `wgpu*Release` pairs.
macro_rules! refcounted {
    ($($kind:literal: $add:ident, $rel:ident, $t:ty;)*) => {
        fn install_refcounted(table: &mut sys::dynamic::DawnLibrary) {
            $(table.$add = $add; table.$rel = $rel;)*
        }
        $(
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $add(object: $t) {
            acquire($kind, object as usize);
            // SAFETY: forwarding the caller's arguments.
            unsafe { real!($add: unsafe extern "C" fn($t))(object) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn $rel(object: $t) {
            // Counted before the object can be freed (and its address reused by another thread).
            release($kind, object as usize);
            // SAFETY: forwarding the caller's arguments.
            unsafe { real!($rel: unsafe extern "C" fn($t))(object) }
        }
    )*};
}

refcounted! {
    "Instance": wgpuInstanceAddRef, wgpuInstanceRelease, sys::WGPUInstance;
    "Adapter": wgpuAdapterAddRef, wgpuAdapterRelease, sys::WGPUAdapter;
    "Device": wgpuDeviceAddRef, wgpuDeviceRelease, sys::WGPUDevice;
    "Queue": wgpuQueueAddRef, wgpuQueueRelease, sys::WGPUQueue;
    "Buffer": wgpuBufferAddRef, wgpuBufferRelease, sys::WGPUBuffer;
    "ShaderModule": wgpuShaderModuleAddRef, wgpuShaderModuleRelease, sys::WGPUShaderModule;
    "BindGroupLayout": wgpuBindGroupLayoutAddRef, wgpuBindGroupLayoutRelease, sys::WGPUBindGroupLayout;
    "BindGroup": wgpuBindGroupAddRef, wgpuBindGroupRelease, sys::WGPUBindGroup;
    "PipelineLayout": wgpuPipelineLayoutAddRef, wgpuPipelineLayoutRelease, sys::WGPUPipelineLayout;
    "ComputePipeline": wgpuComputePipelineAddRef, wgpuComputePipelineRelease, sys::WGPUComputePipeline;
    "CommandEncoder": wgpuCommandEncoderAddRef, wgpuCommandEncoderRelease, sys::WGPUCommandEncoder;
    "ComputePassEncoder": wgpuComputePassEncoderAddRef, wgpuComputePassEncoderRelease, sys::WGPUComputePassEncoder;
    "CommandBuffer": wgpuCommandBufferAddRef, wgpuCommandBufferRelease, sys::WGPUCommandBuffer;
    "QuerySet": wgpuQuerySetAddRef, wgpuQuerySetRelease, sys::WGPUQuerySet;
}

/// Functions returning a new reference.
macro_rules! creator {
    ($($kind:literal: $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        fn install_creators(table: &mut sys::dynamic::DawnLibrary) {
            $(table.$name = $name;)*
        }
        $(
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: forwarding the caller's arguments.
            let object = unsafe { real!($name: unsafe extern "C" fn($($ty),*) -> $ret)($($arg),*) };
            acquire($kind, object as usize);
            object
        }
    )*};
}

creator! {
    "Instance": wgpuCreateInstance(d: *const sys::WGPUInstanceDescriptor) -> sys::WGPUInstance;
    "Queue": wgpuDeviceGetQueue(d: sys::WGPUDevice) -> sys::WGPUQueue;
    "Buffer": wgpuDeviceCreateBuffer(d: sys::WGPUDevice, x: *const sys::WGPUBufferDescriptor) -> sys::WGPUBuffer;
    "ShaderModule": wgpuDeviceCreateShaderModule(d: sys::WGPUDevice, x: *const sys::WGPUShaderModuleDescriptor) -> sys::WGPUShaderModule;
    "BindGroupLayout": wgpuDeviceCreateBindGroupLayout(d: sys::WGPUDevice, x: *const sys::WGPUBindGroupLayoutDescriptor) -> sys::WGPUBindGroupLayout;
    "BindGroupLayout": wgpuComputePipelineGetBindGroupLayout(p: sys::WGPUComputePipeline, i: u32) -> sys::WGPUBindGroupLayout;
    "BindGroup": wgpuDeviceCreateBindGroup(d: sys::WGPUDevice, x: *const sys::WGPUBindGroupDescriptor) -> sys::WGPUBindGroup;
    "PipelineLayout": wgpuDeviceCreatePipelineLayout(d: sys::WGPUDevice, x: *const sys::WGPUPipelineLayoutDescriptor) -> sys::WGPUPipelineLayout;
    "ComputePipeline": wgpuDeviceCreateComputePipeline(d: sys::WGPUDevice, x: *const sys::WGPUComputePipelineDescriptor) -> sys::WGPUComputePipeline;
    "CommandEncoder": wgpuDeviceCreateCommandEncoder(d: sys::WGPUDevice, x: *const sys::WGPUCommandEncoderDescriptor) -> sys::WGPUCommandEncoder;
    "ComputePassEncoder": wgpuCommandEncoderBeginComputePass(e: sys::WGPUCommandEncoder, x: *const sys::WGPUComputePassDescriptor) -> sys::WGPUComputePassEncoder;
    "CommandBuffer": wgpuCommandEncoderFinish(e: sys::WGPUCommandEncoder, x: *const sys::WGPUCommandBufferDescriptor) -> sys::WGPUCommandBuffer;
    "QuerySet": wgpuDeviceCreateQuerySet(d: sys::WGPUDevice, x: *const sys::WGPUQuerySetDescriptor) -> sys::WGPUQuerySet;
}

/// Callback-delivered objects: the request's callback is wrapped to count the object it hands over.
macro_rules! delivered {
    ($($kind:literal: $name:ident($owner:ty, $desc:ty, $info:ty, $obj:ty), $tramp:ident;)*) => {
        fn install_delivered(table: &mut sys::dynamic::DawnLibrary) {
            $(table.$name = $name;)*
        }
        $(
        unsafe extern "C" fn $tramp(
            status: u32,
            object: $obj,
            message: sys::WGPUStringView,
            userdata1: *mut c_void,
            userdata2: *mut c_void,
        ) {
            // SAFETY: userdata1 is the box made below, used once.
            let original = unsafe { Box::from_raw(userdata1 as *mut $info) };
            acquire($kind, object as usize);
            let callback = original.callback.expect("a callback");
            // SAFETY: forwarding to the caller's callback with its own userdata.
            unsafe { callback(status as _, object, message, original.userdata1, userdata2) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn $name(owner: $owner, desc: *const $desc, info: $info) -> sys::WGPUFuture {
            let mut wrapped = info;
            wrapped.callback = Some($tramp);
            wrapped.userdata1 = Box::into_raw(Box::new(info)) as *mut c_void;
            // SAFETY: forwarding with the wrapped callback.
            unsafe { real!($name: unsafe extern "C" fn($owner, *const $desc, $info) -> sys::WGPUFuture)(owner, desc, wrapped) }
        }
    )*};
}

delivered! {
    "Adapter": wgpuInstanceRequestAdapter(sys::WGPUInstance, sys::WGPURequestAdapterOptions,
        sys::WGPURequestAdapterCallbackInfo, sys::WGPUAdapter), adapter_trampoline;
    "Device": wgpuAdapterRequestDevice(sys::WGPUAdapter, sys::WGPUDeviceDescriptor,
        sys::WGPURequestDeviceCallbackInfo, sys::WGPUDevice), device_trampoline;
    "ComputePipeline": wgpuDeviceCreateComputePipelineAsync(sys::WGPUDevice, sys::WGPUComputePipelineDescriptor,
        sys::WGPUCreateComputePipelineAsyncCallbackInfo, sys::WGPUComputePipeline), pipeline_trampoline;
}

/// Makes dawn-sys's free functions call the hooks above: before anything loads Dawn.
fn install_hooks() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // SAFETY: the Dawn the build found; the hooks have the signatures of the functions they replace.
        unsafe {
            let mut functions =
                sys::Functions::open(sys::DAWN_LIBRARY_PATH).expect("opening Dawn for the hooks");
            install_refcounted(&mut functions.webgpu);
            install_creators(&mut functions.webgpu);
            install_delivered(&mut functions.webgpu);
            assert!(
                sys::load_with(functions).is_ok(),
                "Dawn was loaded before the hooks"
            );
        }
    });
}

/// Asserts that no object has a reference left, printing the per-type totals. Operations whose `Pending`
/// was dropped early finish on the instance's event pump thread: give it a few seconds to drain.
fn assert_no_live_references(phase: &str) {
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

/// Object-by-object: fuzzer sequences, loss, destruction, dropped futures, then nothing is left.
fn counted_workloads() {
    {
        let env = fuzz::Env::new().expect("an adapter");
        for seed in [11, 12] {
            let stats = fuzz::run(&env, seed, Duration::from_secs(6), 150, false, None)
                .unwrap_or_else(|failure| panic!("{failure}"));
            println!("fuzz seed {seed} under the ledger: {stats}");
        }
    }
    {
        // Futures dropped before they resolve, a device lost with work and a map in flight, and the instance
        // released while callbacks are still due.
        let gpu = dawn_suite::Gpu::new();
        let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
            label: "leak",
            code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
                   @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
                       if (id.x < arrayLength(&v)) { v[id.x] += 1u; } }",
        });
        let desc = ComputePipelineDescriptor {
            label: "leak",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        };
        drop(gpu.device.create_compute_pipeline_async(&desc));
        let pipeline = gpu
            .device
            .create_compute_pipeline_async(&desc)
            .wait_timeout(dawn_suite::WAIT)
            .expect("pipeline");
        let storage = gpu
            .device
            .create_buffer(&BufferDescriptor {
                label: "leak",
                size: 1 << 16,
                usage: BufferUsage::Storage | BufferUsage::CopySrc,
                mapped_at_creation: false,
            })
            .expect("buffer");
        let readback = gpu
            .device
            .create_buffer(&BufferDescriptor {
                label: "leak",
                size: 1 << 16,
                usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .expect("buffer");
        let group = gpu.device.create_bind_group(&BindGroupDescriptor {
            label: "leak",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &storage)],
        });
        for _ in 0..4 {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                pass.dispatch_workgroups(256, 1, 1);
            }
            encoder.copy_buffer_to_buffer(&storage, 0, &readback, 0, 1 << 16);
            gpu.queue.submit(&[encoder.finish()]);
        }
        let mut map = readback.map_async(MapMode::Read, ..);
        let done = gpu.queue.on_submitted_work_done();
        drop(gpu.device.create_compute_pipeline_async(&desc));
        gpu.device
            .force_loss("leak test")
            .expect("no view is alive");
        let _ = map.wait_timeout(dawn_suite::WAIT);
        drop(done);
        drop(gpu);
    }
    assert_no_live_references("counted workloads");
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .expect("resident")
        .parse()
        .expect("a number");
    pages * 4096
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// One round: a device, 64 buffers of 1 MiB written, mapped and read, a pipeline and dispatches, dropped.
fn churn_round(instance: &Instance) {
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(dawn_suite::WAIT)
        .expect("adapter");
    let device = adapter
        .request_device(&Default::default())
        .wait_timeout(dawn_suite::WAIT)
        .expect("device");
    let queue = device.queue();
    let module = device.create_shader_module(&ShaderModuleDescriptor {
        label: "churn",
        code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
               @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
                   if (id.x < arrayLength(&v)) { v[id.x] = id.x; } }",
    });
    let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "churn",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    });
    for i in 0..64u32 {
        let buffer = device
            .create_buffer(&BufferDescriptor {
                label: "churn",
                size: 1 << 20,
                usage: BufferUsage::Storage | BufferUsage::CopyDst | BufferUsage::CopySrc,
                mapped_at_creation: false,
            })
            .expect("buffer");
        queue.write_buffer(&buffer, 0, &[i; 1024]).expect("write");
        if i.is_multiple_of(8) {
            let group = device.create_bind_group(&BindGroupDescriptor {
                label: "churn",
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[BindGroupEntry::buffer(0, &buffer)],
            });
            let mut encoder = device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                pass.dispatch_workgroups(4096, 1, 1);
            }
            queue.submit(&[encoder.finish()]);
            let values: Vec<u32> = buffer.read_back().expect("read back");
            assert_eq!(values[1000], 1000);
        }
    }
}

/// Memory and file descriptors stay flat while objects are created and dropped in a loop.
fn rss_and_fds_stay_flat() {
    let instance = Instance::new().expect("instance");
    for _ in 0..3 {
        churn_round(&instance); // warm-up: caches, allocator pools, compiled shaders
    }
    let (rss0, fds0) = (rss_bytes(), open_fds());
    let rounds = 12;
    for _ in 0..rounds {
        churn_round(&instance);
    }
    let (rss1, fds1) = (rss_bytes(), open_fds());
    let growth = rss1 as i64 - rss0 as i64;
    println!(
        "{rounds} rounds of 64 x 1 MiB buffers + pipeline + dispatches ({} MiB allocated): RSS {} -> {} MiB \
         ({:+} MiB), open fds {fds0} -> {fds1}",
        rounds * 64,
        rss0 >> 20,
        rss1 >> 20,
        growth >> 20
    );
    // A leak of one 1 MiB buffer per round would add 12 MiB; of all of them, 768 MiB.
    assert!(
        growth < 24 << 20,
        "resident memory grew by {} MiB",
        growth >> 20
    );
    assert!(fds1 <= fds0 + 2, "open files grew from {fds0} to {fds1}");
}

#[test]
fn no_dawn_object_leaks() {
    install_hooks();
    counted_workloads();
    rss_and_fds_stay_flat();
    assert_no_live_references("after the memory loop");
}
