//! Device loss: `Device::force_loss` (Dawn's `wgpuDeviceForceLoss`) in the middle of work. Submitted
//! dispatches, a pending `map_async`, a pending `on_submitted_work_done`, a pending pipeline creation and a
//! pending error-scope pop all resolve (the map with `DeviceLost`), `device.lost()` resolves with the
//! reason and message, the lost handler runs once, later calls return errors or do nothing, nothing hangs
//! (every wait has a timeout) and a new device from the same instance works.

use dawn::*;
use dawn_suite::busy::repeats_lasting;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

/// A kernel slow enough that work is still running when the device is lost.
const SLOW: &str = "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    var x = v[id.x];
    for (var i = 0u; i < 20000u; i++) { x = x * 1664525u + 1013904223u; }
    v[id.x] = x;
}";

fn request(instance: &Instance, lost: Arc<Mutex<Vec<DeviceLostInfo>>>) -> (Adapter, Device) {
    let adapter = instance
        .request_adapter(&Default::default())
        .wait_timeout(T)
        .expect("adapter");
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "to lose",
            on_device_lost: Some(Arc::new(move |info: &DeviceLostInfo| {
                lost.lock().unwrap().push(info.clone())
            })),
            on_uncaptured_error: Some(Arc::new(|_: &Error| {})),
            ..Default::default()
        })
        .wait_timeout(T)
        .expect("device");
    (adapter, device)
}

fn storage(device: &Device, n: u32) -> Buffer {
    let data: Vec<u32> = (0..n).collect();
    device
        .create_buffer_init(&BufferInitDescriptor {
            label: "data",
            contents: bytemuck::cast_slice(&data),
            usage: BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
        })
        .expect("buffer")
}

/// A short, checked compute round trip on `device`.
fn works(device: &Device) {
    let n = 1 << 12;
    let buffer = storage(device, n);
    let module = device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "works",
            code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
                   @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
                       v[id.x] = v[id.x] + 7u; }",
        })
        .expect("module");
    let pipeline = device
        .create_compute_pipeline_async(&ComputePipelineDescriptor {
            label: "works",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        })
        .wait_timeout(T)
        .expect("pipeline");
    let group = device.create_bind_group(&BindGroupDescriptor {
        label: "works",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &buffer)],
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(n / 64, 1, 1);
    }
    device.queue().submit(&[encoder.finish()]);
    let out: Vec<u32> = buffer.read_back().expect("read back");
    assert!(out.iter().enumerate().all(|(i, &v)| v == i as u32 + 7));
}

#[test]
fn force_loss_in_the_middle_of_work() {
    let instance = Instance::new().expect("instance");
    let lost_log = Arc::new(Mutex::new(Vec::new()));
    let (adapter, device) = request(&instance, lost_log.clone());
    let queue = device.queue();
    let mut lost = device.lost();
    assert!(
        matches!(lost.wait_timeout(Duration::from_millis(10)), Err(e) if e.kind() == ErrorKind::Timeout)
    );

    // Work in flight: slow dispatches, a copy into a buffer that is then being mapped.
    let n = 1 << 16;
    let data = storage(&device, n);
    let readback = device
        .create_buffer(&BufferDescriptor {
            label: "readback",
            size: n as u64 * 4,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })
        .expect("readback");
    let module = device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "slow",
            code: SLOW,
        })
        .expect("slow module");
    let desc = ComputePipelineDescriptor {
        label: "slow",
        layout: None,
        module: &module,
        entry_point: None,
        constants: &[],
    };
    let pipeline = device.create_compute_pipeline(&desc);
    let group = device.create_bind_group(&BindGroupDescriptor {
        label: "slow",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &data)],
    });
    let submit_slow = |dispatches: u32| {
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            for _ in 0..dispatches {
                pass.dispatch_workgroups(n / 64, 1, 1);
            }
        }
        encoder.copy_buffer_to_buffer(&data, 0, &readback, 0, n as u64 * 4);
        queue.submit(&[encoder.finish()]);
    };
    // As many dispatches per submit as keep this device busy for 300 ms (one on lavapipe, hundreds on a
    // fast GPU), so that the work is still running when the device is lost.
    let dispatches = repeats_lasting(Duration::from_millis(300), 1 << 20, |dispatches| {
        let t = Instant::now();
        submit_slow(dispatches);
        queue
            .on_submitted_work_done()
            .wait_timeout(T)
            .expect("calibration");
        t.elapsed()
    });
    for _ in 0..4 {
        submit_slow(dispatches);
    }
    let mut map = readback.map_async(MapMode::Read, ..);
    let mut work = queue.on_submitted_work_done();
    let mut pipeline_future = device.create_compute_pipeline_async(&ComputePipelineDescriptor {
        label: "pending",
        ..desc
    });
    let scope = device.push_error_scope(ErrorFilter::Validation);
    let mut pop = scope.pop();
    assert!(
        !map.is_ready(),
        "the map finished before the loss: make the kernel slower"
    );

    let t0 = Instant::now();
    device
        .force_loss("lost on purpose by the test")
        .expect("force_loss");
    assert!(device.is_lost());

    // Every pending operation resolves, none hangs.
    let map_result = map.wait_timeout(T);
    println!("pending map_async after the loss: {map_result:?}");
    assert_eq!(
        map_result.expect_err("the map cannot succeed").kind(),
        ErrorKind::DeviceLost
    );
    let work_result = work.wait_timeout(T);
    println!("pending on_submitted_work_done after the loss: {work_result:?}");
    // WebGPU: work-done and pipeline futures resolve normally when the device is lost, and scopes pop empty.
    assert_eq!(work_result, Ok(()));
    let pipeline_result = pipeline_future.wait_timeout(T);
    println!(
        "pending create_compute_pipeline_async after the loss: {:?}",
        pipeline_result.as_ref().map(|_| "a pipeline")
    );
    assert!(pipeline_result.is_ok(), "{:?}", pipeline_result.err());
    let pop_result = pop.wait_timeout(T);
    println!("pending error-scope pop after the loss: {pop_result:?}");
    assert_eq!(pop_result, Ok(()));
    let info = lost.wait_timeout(T).expect("device.lost() resolves");
    assert_eq!(info.reason, DeviceLostReason::Unknown);
    assert!(
        info.message.contains("lost on purpose by the test"),
        "{info:?}"
    );
    println!(
        "device.lost(): {info:?}; everything resolved {:?} after the loss",
        t0.elapsed()
    );
    assert_eq!(
        lost_log.lock().unwrap().as_slice(),
        std::slice::from_ref(&info),
        "the handler runs once"
    );

    // Later calls: typed errors, or harmless no-ops.
    let e = device
        .create_buffer(&BufferDescriptor {
            label: "after",
            size: 64,
            usage: BufferUsage::Storage,
            mapped_at_creation: false,
        })
        .expect_err("create_buffer on a lost device");
    assert_eq!(e.kind(), ErrorKind::DeviceLost);
    let e = readback
        .map_async(MapMode::Read, ..)
        .wait_timeout(T)
        .expect_err("map on a lost device");
    assert_eq!(e.kind(), ErrorKind::DeviceLost);
    let e = device.create_buffer_init(&BufferInitDescriptor {
        label: "after",
        contents: &[1, 2, 3, 4],
        usage: BufferUsage::Storage,
    });
    assert_eq!(
        e.expect_err("create_buffer_init").kind(),
        ErrorKind::DeviceLost
    );
    let _ = device.create_shader_module(&ShaderModuleDescriptor {
        label: "after",
        code: SLOW,
    });
    let checked = device.create_shader_module_checked(&ShaderModuleDescriptor {
        label: "after",
        code: "fn (",
    });
    // After the loss every call that produces something says so (the crate's one rule).
    assert_eq!(
        checked.expect_err("a checked module after the loss").kind(),
        ErrorKind::DeviceLost
    );
    let _ = device.create_compute_pipeline(&desc);
    let _ = device.create_compute_pipeline_async(&desc).wait_timeout(T);
    let mut encoder = device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&data, 0, &readback, 0, 16);
    queue.submit(&[encoder.finish()]);
    let _ = queue.write_buffer(&data, 0, &[1u32, 2, 3]);
    dawn_suite::assert_err(
        queue.on_submitted_work_done().wait_timeout(T),
        ErrorKind::DeviceLost,
    );
    let scoped = device.scoped(|d| {
        let mut encoder = d.create_command_encoder(&Default::default());
        encoder.pop_debug_group(); // unbalanced: an error on a live device
        encoder.finish()
    });
    dawn_suite::assert_err(scoped, ErrorKind::DeviceLost);
    readback.unmap().expect("unmap after the loss");
    readback.destroy().expect("destroy after the loss");
    device.destroy().expect("destroying a lost device is fine");
    device.force_loss("again").expect("losing it again is fine");
    assert_eq!(
        lost_log.lock().unwrap().len(),
        1,
        "the handler still ran only once"
    );
    drop((pipeline, group, data, readback, module, queue, device));

    // The adapter gave its one device: asking again is a typed error. A new adapter gives a working device.
    let again = adapter.request_device(&Default::default()).wait_timeout(T);
    let error = again.expect_err("an adapter gives one device");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    assert!(error.message().contains("consumed"), "{error}");
    let (_, fresh) = request(&instance, Arc::new(Mutex::new(Vec::new())));
    works(&fresh);
}

#[test]
fn loss_is_refused_while_a_view_is_alive_then_allowed() {
    let instance = Instance::new().expect("instance");
    let (_adapter, device) = request(&instance, Arc::new(Mutex::new(Vec::new())));
    let buffer = device
        .create_buffer(&BufferDescriptor {
            label: "mapped",
            size: 64,
            usage: BufferUsage::MapWrite,
            mapped_at_creation: true,
        })
        .expect("buffer");
    {
        let mut view = buffer.get_mapped_range_mut(..).expect("view");
        view[0] = 1;
        dawn_suite::assert_err(device.force_loss("no"), ErrorKind::InvalidUse);
        assert_eq!(device.destroy().unwrap_err().kind(), ErrorKind::InvalidUse);
        assert!(!device.is_lost());
        view[1] = 2; // still mapped, still writable
    }
    device.force_loss("now").expect("no view left");
    // Dawn keeps the mapping of a lost device's buffer (as WebGPU does): reading it is fine, unmap works.
    assert_eq!(
        &buffer.get_mapped_range(..).expect("still mapped")[..2],
        &[1, 2]
    );
    buffer.unmap().expect("unmap after the loss");
    assert!(
        device
            .lost()
            .wait_timeout(T)
            .expect("lost")
            .message
            .starts_with("now")
    );
}

#[test]
fn destroy_with_pending_work_resolves_everything() {
    let instance = Instance::new().expect("instance");
    let log = Arc::new(Mutex::new(Vec::new()));
    let (adapter, device) = request(&instance, log.clone());
    let gpu = dawn_suite::Gpu {
        instance: instance.clone(),
        adapter,
        queue: device.queue(),
        device: device.clone(),
        uncaptured: Default::default(),
    };
    // Written behind busy work, so that its map is still pending at the destroy (an idle buffer's map may
    // complete inside map_async).
    let buffer = gpu.busy_readable(&[1, 2, 3, 4]);
    let mut map = buffer.map_async(MapMode::Read, ..);
    let mut work = device.queue().on_submitted_work_done();
    device.destroy().expect("destroy");
    let error = map.wait_timeout(T).expect_err("the destroy aborts the map");
    assert_eq!(error.kind(), ErrorKind::DeviceLost, "{error}");
    assert_eq!(work.wait_timeout(T), Ok(()));
    let info = device.lost().wait_timeout(T).expect("lost");
    assert_eq!(info.reason, DeviceLostReason::Destroyed);
    assert_eq!(log.lock().unwrap().len(), 1);
}
