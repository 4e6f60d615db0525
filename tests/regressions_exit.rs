//! The exit fence (regression; see RELIABILITY.md, "On a GPU"), in a binary of its own: it interposes
//! `wgpuInstanceWaitAny` to see the event pump's calls into Dawn.

use dawn::*;
use dawn_suite::busy::repeats_lasting;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

/// Found on an H100: a test that failed left a `Pending` map to the event pump; at process exit the pump's
/// callback dropped the last `Device` (Dawn then ran `vkDestroyDevice`) while `exit()` tore the NVIDIA
/// driver down: `free(): invalid pointer`, SIGABRT. Fix (dawn/src/instance/event_pump.rs `exit_fence`): once the
/// process exits, the pump never enters Dawn again. This runs the scenario in a child process (this test
/// binary, re-entered through an environment variable). Lavapipe does not crash there, so the child checks
/// the fix itself: the pump still has work when the process exits, and an `atexit` handler registered before
/// the fence's (so it runs after it) counts the pump's calls into Dawn from then on (this binary interposes
/// `wgpuInstanceWaitAny`, the pump's one way into Dawn).
#[test]
fn exit_while_the_pump_completes_work() {
    if std::env::var_os("DAWN_RS_EXIT_CHILD").is_some() {
        exit_child::run();
    }
    let mut fenced = 0;
    for _ in 0..3 {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "exit_while_the_pump_completes_work",
                "--nocapture",
            ])
            .env("DAWN_RS_EXIT_CHILD", "1")
            .output()
            .expect("running the child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the child did not exit cleanly ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        fenced += stdout.contains(exit_child::FENCED) as usize;
    }
    assert!(
        fenced > 0,
        "in three runs the pump was never still busy at exit: the scenario was never tested"
    );
}

/// This binary's `wgpuInstanceWaitAny` (installed in the table dawn-sys calls through): Dawn's, and a count of the event pump's calls once the child of
/// `exit_while_the_pump_completes_work` has seen the exit fence close.
#[unsafe(no_mangle)]
unsafe extern "C" fn wgpuInstanceWaitAny(
    instance: dawn_sys::WGPUInstance,
    count: usize,
    futures: *mut dawn_sys::WGPUFutureWaitInfo,
    timeout_ns: u64,
) -> dawn_sys::WGPUWaitStatus {
    exit_child::saw_a_wait();
    type WaitAny = unsafe extern "C" fn(
        dawn_sys::WGPUInstance,
        usize,
        *mut dawn_sys::WGPUFutureWaitInfo,
        u64,
    ) -> dawn_sys::WGPUWaitStatus;
    static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let real = dawn_suite::ledger::real_ptr(&REAL, "wgpuInstanceWaitAny\0");
    // SAFETY: Dawn's function, with the caller's arguments.
    unsafe { std::mem::transmute::<usize, WaitAny>(real)(instance, count, futures, timeout_ns) }
}

/// The child of `exit_while_the_pump_completes_work`.
mod exit_child {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// What the child prints when the pump stayed out of Dawn while the process exited.
    pub const FENCED: &str = "fenced: the pump stayed out of Dawn during exit";
    /// Set once this child's `atexit` handler runs, after the fence's.
    static FENCE_CLOSED: AtomicBool = AtomicBool::new(false);
    /// The pump's calls into Dawn since then.
    static LATE_WAITS: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
        fn _exit(status: std::ffi::c_int) -> !;
    }

    pub fn saw_a_wait() {
        if FENCE_CLOSED.load(Ordering::SeqCst)
            && std::thread::current().name() == Some("dawn-event-pump")
        {
            LATE_WAITS.fetch_add(1, Ordering::SeqCst);
        }
    }

    extern "C" fn after_the_fence() {
        FENCE_CLOSED.store(true, Ordering::SeqCst);
        // A pump left running waits in 5 ms slices: give it time to show.
        std::thread::sleep(Duration::from_millis(300));
        if LATE_WAITS.load(Ordering::SeqCst) > 0 {
            println!("the event pump entered Dawn after the process began to exit");
            // SAFETY: ends the process at once, as a crash in the driver would.
            unsafe { _exit(2) };
        }
        match dawn_suite::event_pump_threads() {
            0 => println!("inconclusive: the pump had no work left at exit"),
            _ => println!("{FENCED}"),
        }
    }

    const BUSY: &str = "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
            var x = v[id.x];
            for (var i = 0u; i < 100000u; i++) { x = x * 1664525u + 1013904223u; }
            v[id.x] = x;
        }";

    fn install_hooks(table: &mut dawn_sys::dynamic::DawnLibrary) {
        table.wgpuInstanceWaitAny = super::wgpuInstanceWaitAny;
    }

    pub fn run() -> ! {
        dawn_suite::ledger::install(&[install_hooks]);
        // SAFETY: registers a plain function, before the pump (and with it the fence's handler) starts.
        unsafe { atexit(after_the_fence) };
        let (instance, device) = dawn_suite::device_with(&DeviceDescriptor::default());
        let data = device
            .create_buffer(&BufferDescriptor {
                label: "busy",
                size: 4096 * 4,
                usage: BufferUsage::Storage | BufferUsage::CopySrc,
                mapped_at_creation: false,
            })
            .expect("buffer");
        let readback = device
            .create_buffer(&BufferDescriptor {
                label: "read at exit",
                size: 4096 * 4,
                usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .expect("buffer");
        let module = device.create_shader_module(&ShaderModuleDescriptor {
            label: "busy",
            code: BUSY,
        });
        let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
            label: "busy",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        });
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "busy",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &data)],
        });
        let submit = |dispatches: u32| {
            let mut encoder = device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &group, &[]);
                for _ in 0..dispatches {
                    pass.dispatch_workgroups(4096 / 64, 1, 1);
                }
            }
            encoder.copy_buffer_to_buffer(&data, 0, &readback, 0, 4096 * 4);
            device.queue().submit(&[encoder.finish()]);
        };
        // As many dispatches as keep this device busy for a second past the exit.
        let dispatches = repeats_lasting(Duration::from_secs(1), 1 << 16, |dispatches| {
            let t = Instant::now();
            submit(dispatches);
            let mut done = device.queue().on_submitted_work_done();
            done.wait_timeout(T).expect("calibration");
            t.elapsed()
        });
        submit(dispatches);
        // Left to the pump: the map's callback holds the last reference to the buffer's mapping state, and
        // the work-done callback one to the device's. The device itself stays alive (a handle is leaked),
        // so the work goes on after the exit begins.
        drop(readback.map_async(MapMode::Read, ..));
        drop(device.queue().on_submitted_work_done());
        std::mem::forget(device.clone());
        drop((group, pipeline, module, data, readback, device, instance));
        std::process::exit(0);
    }
}
