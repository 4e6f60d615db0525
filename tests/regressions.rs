//! Regression tests: each reproduces a crash, hang or leak found by the reliability work (the fuzzer or the
//! leak ledger), fixed in `dawn/src`. See RELIABILITY.md for the list.

use dawn::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

/// The tests below count process-wide threads: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn wait_for_no_pump_thread() -> usize {
    let start = Instant::now();
    while dawn_suite::event_pump_threads() > 0 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    dawn_suite::event_pump_threads()
}

/// Found by `tests/reliability_leaks.rs` under fuzzer sequences: a `Pending` dropped before it resolved
/// (here a map aborted by `destroy`) left its callback in Dawn's event queue until something processed
/// the instance's events; the callback's userdata holds the device's shared state, which holds the
/// instance, so the instance (and the device state, handlers, Dawn's events) was never released.
/// Fix (dawn/src/future.rs): dropping an unresolved `Pending` hands its future to the instance's event
/// pump, which completes it and then lets the instance go.
#[test]
fn dropped_pending_does_not_keep_the_device_and_instance_alive() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for drop_what in [
        "map",
        "map_outliving_its_buffer",
        "map_resolved_after_its_buffer",
        "work_done",
        "pipeline",
    ] {
        let token = Arc::new(());
        {
            let instance = Instance::new().expect("instance");
            let adapter = instance
                .request_adapter(&Default::default())
                .wait_timeout(T)
                .expect("adapter");
            let held = token.clone();
            let device = adapter
                .request_device(&DeviceDescriptor {
                    label: "regression",
                    // The handler lives in the device's shared state: it is dropped with that state.
                    on_uncaptured_error: Some(Arc::new(move |_: &Error| {
                        let _ = &held;
                    })),
                    ..Default::default()
                })
                .wait_timeout(T)
                .expect("device");
            let map_buffer = || {
                device
                    .create_buffer(&BufferDescriptor {
                        label: "m",
                        size: 64,
                        usage: BufferUsage::MapRead,
                        mapped_at_creation: false,
                    })
                    .expect("buffer")
            };
            match drop_what {
                "map" => {
                    let buffer = map_buffer();
                    drop(buffer.map_async(MapMode::Read, ..));
                    buffer.destroy().expect("destroy");
                }
                // A map future alive when its buffer goes: the buffer leaves its mapping state to the
                // event pump, which must free it (and the device it holds) once the future is dropped.
                "map_outliving_its_buffer" | "map_resolved_after_its_buffer" => {
                    let buffer = map_buffer();
                    let mut map = buffer.map_async(MapMode::Read, ..);
                    drop(buffer);
                    if drop_what == "map_resolved_after_its_buffer" {
                        let _ = map.wait_timeout(T);
                    }
                    drop(map);
                }
                "work_done" => drop(device.queue().on_submitted_work_done()),
                "pipeline" => {
                    let module = device.create_shader_module(&ShaderModuleDescriptor {
                        label: "p",
                        code: "@compute @workgroup_size(1) fn main() {}",
                    });
                    drop(
                        device.create_compute_pipeline_async(&ComputePipelineDescriptor {
                            label: "p",
                            layout: None,
                            module: &module,
                            entry_point: None,
                            constants: &[],
                        }),
                    );
                }
                _ => unreachable!(),
            }
        }
        let start = Instant::now();
        while Arc::strong_count(&token) > 1 && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            Arc::strong_count(&token),
            1,
            "dropping a pending {drop_what} kept the device's shared state alive"
        );
        assert_eq!(
            wait_for_no_pump_thread(),
            0,
            "the event pump thread did not exit"
        );
    }
}

/// The fix above must not pump the device-lost future (its callback is spontaneous): a dropped
/// `device.lost()` of a device that lives on would keep a thread waking every few milliseconds.
#[test]
fn dropped_lost_future_starts_no_pump_thread() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let instance = Instance::new().expect("instance");
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(T)
        .expect("adapter");
    let device = adapter
        .request_device(&Default::default())
        .wait_timeout(T)
        .expect("device");
    let mut lost = device.lost();
    assert_eq!(
        lost.wait_timeout(Duration::from_millis(5))
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
    drop(lost);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        dawn_suite::event_pump_threads(),
        0,
        "a pump thread runs for a dropped lost future"
    );
    device.destroy().expect("destroy");
}

fn request_device(instance: &Instance) -> Device {
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(T)
        .expect("adapter");
    adapter
        .request_device(&DeviceDescriptor {
            label: "regression",
            on_uncaptured_error: Some(Arc::new(|_: &Error| {})),
            ..Default::default()
        })
        .wait_timeout(T)
        .expect("device")
}

/// A pipeline (layout derived from the shader) running `body` over `v`, one storage array of `u32`.
fn storage_pipeline(device: &Device, body: &str) -> ComputePipeline {
    let code = format!(
        "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
         @compute @workgroup_size(1) fn main() {{ {body} }}"
    );
    let module = device.create_shader_module(&ShaderModuleDescriptor {
        label: "r",
        code: &code,
    });
    device.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "r",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    })
}

/// A command buffer of one compute pass: one workgroup of `pipeline` with `group` at index 0.
fn one_dispatch(device: &Device, pipeline: &ComputePipeline, group: &BindGroup) -> CommandBuffer {
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }
    encoder.finish()
}

/// Rounds for 3 s, each on a new device: `prepare` makes what each of two threads gets, `work` runs on
/// those threads, and this thread destroys the device meanwhile, after a pause of 300 µs plus a share of
/// `spread_us` that varies with the round. Returns the number of rounds.
fn destroy_under_two_threads<P: Send>(
    prepare: impl Fn(&Device) -> [P; 2],
    work: impl Fn(&Device, usize, P) + Sync,
    spread_us: u64,
) -> u64 {
    let instance = Instance::new().expect("instance");
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_secs(3) {
        rounds += 1;
        let device = request_device(&instance);
        let per_thread = prepare(&device);
        std::thread::scope(|s| {
            for (t, part) in per_thread.into_iter().enumerate() {
                let (device, work) = (&device, &work);
                s.spawn(move || work(device, t, part));
            }
            std::thread::sleep(Duration::from_micros(300 + (rounds * 211) % spread_us));
            device.destroy().expect("no view or encoder is alive");
        });
        assert!(device.is_lost());
    }
    rounds
}

/// Found by the threaded fuzzer: `device.destroy()` on one thread while others create buffers, bind groups
/// or submit crashed the process (SIGSEGV in Dawn's `vulkan::Buffer::Initialize`, abort in
/// `DescriptorSetAllocator`), or spun forever (Dawn's destroy against an `unmap` of a buffer mapped at
/// creation). Fix (dawn/src/device/lifecycle.rs, the destroy gate): destroy and force_loss hold a gate
/// exclusively; object creation, submit and write_buffer hold it shared; map, unmap and buffer destroy
/// call Dawn only while no destroy is in progress, and a destroy waits for those already in Dawn
/// (`DeviceShared::wait_for_buffer_calls`).
/// (Command encoding racing a destroy is fenced separately: see the encoder test below.)
#[test]
fn destroy_racing_other_threads_neither_crashes_nor_hangs() {
    let prepare = |device: &Device| {
        let queue = device.queue();
        let pipeline = storage_pipeline(device, "v[0] = 1u;");
        let layout = pipeline.get_bind_group_layout(0);
        let target = device
            .create_buffer(&BufferDescriptor {
                label: "r",
                size: 256,
                usage: BufferUsage::Storage | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
            .expect("buffer");
        // Encoded before the race: encoding itself is not gated (see RELIABILITY.md, known limits).
        let encoded = || -> Vec<CommandBuffer> {
            (0..100)
                .map(|_| {
                    let group = device.create_bind_group(&BindGroupDescriptor {
                        label: "r",
                        layout: &layout,
                        entries: &[BindGroupEntry::buffer(0, &target)],
                    });
                    one_dispatch(device, &pipeline, &group)
                })
                .collect()
        };
        [
            (encoded(), queue.clone(), layout.clone()),
            (encoded(), queue, layout),
        ]
    };
    let work = |device: &Device, t: usize, part: (Vec<CommandBuffer>, Queue, BindGroupLayout)| {
        let (commands, queue, layout) = part;
        for (i, command) in commands.into_iter().enumerate() {
            let Ok(buffer) = device.create_buffer(&BufferDescriptor {
                label: "r",
                size: 256,
                usage: BufferUsage::Storage | BufferUsage::CopyDst,
                mapped_at_creation: (i + t).is_multiple_of(2),
            }) else {
                break; // DeviceLost: the destroy happened
            };
            let _ = buffer.unmap();
            drop(device.create_bind_group(&BindGroupDescriptor {
                label: "r",
                layout: &layout,
                entries: &[BindGroupEntry::buffer(0, &buffer)],
            }));
            queue.submit(&[command]);
            let _ = queue.write_buffer(&buffer, 0, &[i as u32]);
            if i.is_multiple_of(3) {
                // Freed by its last release (see RELIABILITY.md, fix 6).
                drop(buffer);
            } else {
                let _ = buffer.destroy();
            }
        }
    };
    let rounds = destroy_under_two_threads(prepare, work, 2000);
    println!("{rounds} devices destroyed while two threads created, submitted and unmapped");
}

/// Releases of a device's objects race its `destroy()` on another thread. Buffers and bind groups crashed
/// that way (RELIABILITY.md, fixes 4 and 6: Dawn's last release frees Vulkan objects through a deleter the
/// destroy tears down); pipelines, layouts, shader modules, query sets and command buffers free theirs the
/// same way. Fix (dawn/src/handle.rs `DeviceChild`): every object releases under the destroy gate.
#[test]
fn releases_racing_destroy_neither_crash_nor_hang() {
    let prepare = |device: &Device| {
        // Finished but never submitted: their release drops Dawn's references to what they use.
        let unsubmitted = || -> Vec<CommandBuffer> {
            (0..50)
                .map(|_| {
                    let mut encoder = device.create_command_encoder(&Default::default());
                    encoder.insert_debug_marker("r");
                    encoder.finish()
                })
                .collect()
        };
        [unsubmitted(), unsubmitted()]
    };
    let work = |device: &Device, t: usize, mut commands: Vec<CommandBuffer>| {
        let code = "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
                    @compute @workgroup_size(1) fn main() { v[0] = 1u; }";
        let mut i = t;
        while !device.is_lost() || !commands.is_empty() {
            i += 1;
            drop(commands.pop());
            let module = device.create_shader_module(&ShaderModuleDescriptor { label: "r", code });
            let group_layout = device.create_bind_group_layout(&BindGroupLayoutDescriptor {
                label: "r",
                entries: &[BindGroupLayoutEntry::storage(0, false)],
            });
            let layout = device.create_pipeline_layout(&PipelineLayoutDescriptor {
                label: "r",
                bind_group_layouts: std::slice::from_ref(&group_layout),
                immediate_size: 0,
            });
            let queries = device.create_query_set(&QuerySetDescriptor {
                label: "r",
                ty: QueryType::Occlusion,
                count: 4,
            });
            if i.is_multiple_of(2) {
                queries.destroy().unwrap();
            }
            let pipeline = device.create_compute_pipeline(&ComputePipelineDescriptor {
                label: "r",
                layout: Some(&layout),
                module: &module,
                entry_point: None,
                constants: &[],
            });
            // Vary which release is the last one of the objects the others refer to.
            if i.is_multiple_of(3) {
                drop((module, group_layout, layout, queries, pipeline));
            } else {
                drop((pipeline, queries, layout, group_layout, module));
            }
        }
    };
    let rounds = destroy_under_two_threads(prepare, work, 3000);
    println!("{rounds} devices destroyed while two threads created and released objects");
}

/// Objects keep their device alive. Dawn destroys a device when its last reference goes, and a `Queue`,
/// pipeline, layout or bind group held none: dropping the last `Device` (and buffer) destroyed the device
/// under a thread still submitting through the queue (a race with that thread's calls, unsynchronized in
/// Dawn). Fix (dawn/src/handle.rs `DeviceChild`): every object holds its device.
#[test]
fn objects_keep_their_device_alive() {
    let instance = Instance::new().expect("instance");
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(T)
        .expect("adapter");
    let lost = Arc::new(std::sync::Mutex::new(None));
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "regression",
            on_device_lost: Some(Arc::new({
                let lost = lost.clone();
                move |info: &DeviceLostInfo| *lost.lock().unwrap() = Some(info.reason)
            })),
            ..Default::default()
        })
        .wait_timeout(T)
        .expect("device");
    let pipeline = storage_pipeline(&device, "v[0] += 1u;");
    let target = device
        .create_buffer(&BufferDescriptor {
            label: "r",
            size: 4,
            usage: BufferUsage::Storage,
            mapped_at_creation: false,
        })
        .expect("buffer");
    let group = device.create_bind_group(&BindGroupDescriptor {
        label: "r",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &target)],
    });
    let commands: Vec<CommandBuffer> = (0..20)
        .map(|_| one_dispatch(&device, &pipeline, &group))
        .collect();
    let queue = device.queue();
    let (dropped_tx, dropped_rx) = std::sync::mpsc::channel();
    let submitter = std::thread::spawn({
        let lost = lost.clone();
        move || {
            dropped_rx.recv().unwrap();
            for command in commands {
                queue.submit(&[command]);
                assert_eq!(
                    *lost.lock().unwrap(),
                    None,
                    "the device died under the queue"
                );
            }
            queue.on_submitted_work_done().wait_timeout(T)
        }
    });
    drop((device, target));
    dropped_tx.send(()).unwrap();
    let done = submitter.join().expect("the submitting thread");
    assert_eq!(
        *lost.lock().unwrap(),
        None,
        "the device died under its objects"
    );
    done.expect("the work completes");
    // The last object gone, Dawn destroys the device: nothing leaked a reference.
    drop((group, pipeline));
    let start = Instant::now();
    while lost.lock().unwrap().is_none() && start.elapsed() < T {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(*lost.lock().unwrap(), Some(DeviceLostReason::Destroyed));
}

/// Found by the threaded fuzzer: `Buffer::unmap`/`destroy`/`map_async` held the buffer's map-state lock
/// while calling Dawn (which takes Dawn's device lock), and the map callback, which Dawn runs holding that
/// device lock inside another thread's wait, takes the map-state lock: a lock-order deadlock. Fix
/// (dawn/src/buffer.rs, now dawn/src/buffer/mapping.rs): no lock is held across a Dawn call; one buffer's
/// calls are serialized by the phase of its atomic mapping word, which the callback only updates.
#[test]
fn map_unmap_from_several_threads_does_not_deadlock() {
    let instance = Instance::new().expect("instance");
    let device = request_device(&instance);
    let buffers: Vec<Buffer> = (0..3)
        .map(|_| {
            device
                .create_buffer(&BufferDescriptor {
                    label: "r",
                    size: 64,
                    usage: BufferUsage::MapRead | BufferUsage::CopyDst,
                    mapped_at_creation: false,
                })
                .expect("buffer")
        })
        .collect();
    let start = Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..3usize {
            let (buffers, done) = (&buffers, &done);
            s.spawn(move || {
                let mut i = t;
                while start.elapsed() < Duration::from_secs(3) {
                    let b = &buffers[i % buffers.len()];
                    let mut pending = b.map_async(MapMode::Read, ..);
                    // Some waits complete other threads' maps (their callbacks run here).
                    // Ok, refused (another thread's map is pending or done: Validation), aborted (another
                    // thread unmapped first), or forgotten (16 later maps of the buffer started before this
                    // wait: InvalidUse); a timeout is a hang, an internal error a broken mapping state.
                    let r = pending.wait_timeout(T);
                    assert!(
                        matches!(&r, Ok(()))
                            || matches!(&r, Err(e) if matches!(e.kind(), ErrorKind::Validation | ErrorKind::InvalidUse | ErrorKind::MapFailed)),
                        "{r:?}"
                    );
                    if let Ok(view) = b.get_mapped_range(..) {
                        assert_eq!(view.len(), 64);
                    }
                    let _ = b.unmap();
                    if i % 7 == 0 {
                        let _ = buffers[(i + 1) % buffers.len()].unmap();
                    }
                    i += 1;
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    println!(
        "{} map round trips on 3 buffers shared by 3 threads",
        done.into_inner()
    );
}

/// Found in review of the lock-free mapping state: a map callback stored the map's success before it moved
/// the buffer's phase to mapped, so a wait on another thread could return `Ok` while the phase was still
/// pending, and the view that followed was refused ("the buffer is not mapped"). It takes a callback that
/// runs on another thread than the waiter: here a thread processes the instance's events in a loop.
/// Fix (dawn/src/buffer/map_state.rs): the callback's outcome, tagged with the map's token, is itself what
/// makes the buffer mapped, so a successful wait implies a mapped buffer.
#[test]
fn a_successful_wait_always_finds_the_buffer_mapped() {
    let instance = Instance::new().expect("instance");
    let device = request_device(&instance);
    let buffer = device
        .create_buffer(&BufferDescriptor {
            label: "r",
            size: 64,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })
        .expect("buffer");
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                instance.process_events();
            }
        });
        let start = Instant::now();
        let mut rounds = 0;
        while start.elapsed() < Duration::from_secs(2) {
            buffer
                .map_async(MapMode::Read, ..)
                .wait_timeout(T)
                .expect("map");
            let view = buffer.get_mapped_range(..);
            if let Err(e) = &view {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                panic!("round {rounds}: the map succeeded, then its view was refused: {e}");
            }
            drop(view);
            buffer.unmap().expect("unmap");
            rounds += 1;
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        println!("{rounds} map round trips with events processed on another thread");
    });
}

/// Dawn does not synchronize command recording with a destroy on another thread (the threaded fuzzer with
/// `FUZZ_LOSS=destroy` crashed inside Dawn): the device refuses to be destroyed or lost while an encoder is
/// open, on any thread, and accepts once it is finished.
#[test]
fn destroy_is_refused_while_an_encoder_records_on_another_thread() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let instance = Instance::new().expect("instance");
    let device = request_device(&instance);
    let (opened_tx, opened_rx) = std::sync::mpsc::channel();
    let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
    let recorder = {
        let device = device.clone();
        std::thread::spawn(move || {
            let mut encoder = device.create_command_encoder(&Default::default());
            opened_tx.send(()).unwrap();
            finish_rx.recv().unwrap();
            encoder.insert_debug_marker("still recording after the refused destroy");
            encoder.finish()
        })
    };
    opened_rx.recv().unwrap();
    let refused = device.destroy().unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidUse, "{refused}");
    assert!(refused.message().contains("command encoder"), "{refused}");
    dawn_suite::assert_err(device.force_loss("no"), ErrorKind::InvalidUse);
    assert!(!device.is_lost());
    finish_tx.send(()).unwrap();
    let commands = recorder.join().expect("the recording thread");
    device.queue().submit(&[commands]);
    device
        .destroy()
        .expect("no encoder left: destroy goes ahead");
    assert!(device.is_lost());
    let lost = device.lost().wait_timeout(T).expect("lost resolves");
    assert_eq!(lost.reason, DeviceLostReason::Destroyed);
}

/// Dawn keeps one error-scope stack per thread. Scopes of two threads, interleaved in time, each catch their
/// own thread's error, and popping one thread's innermost scope is allowed while another thread has a
/// scope pushed (an innermost-first check kept device-wide refused it, and four threads compiling shaders
/// through `create_shader_module_checked` at once failed).
#[test]
fn error_scopes_of_two_threads_interleave() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let instance = Instance::new().expect("instance");
    let device = request_device(&instance);
    let bad = |d: &Device, label: &str| {
        d.create_buffer(&BufferDescriptor {
            label,
            size: 4,
            usage: BufferUsage::MapRead | BufferUsage::Storage,
            mapped_at_creation: false,
        })
        .expect("an error buffer, reported through the scope")
    };
    let outer = device.push_error_scope(ErrorFilter::Validation);
    let (pushed_tx, pushed_rx) = std::sync::mpsc::channel();
    let (pop_tx, pop_rx) = std::sync::mpsc::channel::<()>();
    let other = {
        let device = device.clone();
        std::thread::spawn(move || {
            let scope = device.push_error_scope(ErrorFilter::Validation);
            bad(&device, "thread-b-bad");
            pushed_tx.send(()).unwrap();
            pop_rx.recv().unwrap();
            scope.pop().wait_timeout(T)
        })
    };
    pushed_rx.recv().unwrap();
    // This thread's scope is its innermost even though thread B pushed later.
    assert_eq!(
        outer.pop().wait_timeout(T),
        Ok(()),
        "thread B's error must not land in this thread's scope"
    );
    pop_tx.send(()).unwrap();
    let theirs = other.join().unwrap().expect_err("thread B's error");
    assert!(theirs.message().contains("thread-b-bad"), "{theirs}");
}

/// Found while stressing teardown: adapter requests made at once from several threads on a new instance
/// found no adapter ("No supported adapters"), all but the one that ran Dawn's adapter discovery.
#[test]
fn concurrent_adapter_requests_on_a_new_instance_all_find_one() {
    for _ in 0..3 {
        let instance = Instance::new().expect("an instance");
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let instance = instance.clone();
                std::thread::spawn(move || {
                    instance
                        .request_adapter(&RequestAdapterOptions::default())
                        .wait_timeout(dawn_suite::WAIT)
                        .map(drop)
                })
            })
            .collect();
        for thread in threads {
            thread
                .join()
                .unwrap()
                .expect("every request finds the adapter");
        }
    }
}
