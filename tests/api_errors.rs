//! Misuse, each a typed error (`ErrorKind`) and no crash: views of ranges that are not mapped, mapping twice,
//! writable views of read mappings, overlapping writable views, unmap / buffer destroy / device destroy
//! while a view lives, invalid WGSL through `create_shader_module_checked` (the message names the line),
//! a dispatch without its bind group, a buffer over `maxBufferSize`, use after `Device::destroy`, and
//! panics in user handlers (uncaptured-error and device-lost) that must not abort the process.

use dawn::{
    BindGroupDescriptor, BindGroupEntry, BufferDescriptor, BufferMapState, BufferUsage,
    ComputePipelineDescriptor, DeviceDescriptor, DeviceLostInfo, DeviceLostReason, Error,
    ErrorKind, MapMode, ShaderModuleDescriptor,
};
use dawn_suite::{Gpu, WAIT, assert_err, device_with};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[test]
fn views_of_unmapped_ranges_are_refused() {
    let gpu = Gpu::new();
    let b = gpu.buffer(64, BufferUsage::MapRead | BufferUsage::CopyDst);
    assert_err(b.get_mapped_range(..), ErrorKind::Validation);
    let mut dst = [0u8; 8];
    assert_err(b.read_mapped_range(0, &mut dst), ErrorKind::Validation);
    b.map_async(MapMode::Read, 0..32)
        .wait_timeout(WAIT)
        .unwrap();
    assert_err(b.get_mapped_range(32..64), ErrorKind::Validation);
    assert_err(b.get_mapped_range(24..40), ErrorKind::Validation);
    // Past the end of the buffer, and a reversed range.
    assert_err(b.get_mapped_range(0..72), ErrorKind::Validation);
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = b.get_mapped_range(16..8);
    assert_eq!(reversed.unwrap_err().kind(), ErrorKind::Validation);
    assert_eq!(
        b.read_mapped_range(u64::MAX - 2, &mut dst)
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    assert!(b.get_mapped_range(0..32).is_ok());
    b.unmap().unwrap();
    // After unmap, the old range is gone too.
    assert_err(b.get_mapped_range(0..32), ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn mapping_twice_is_refused() {
    let gpu = Gpu::new();
    // Busy, so that its map stays pending for a while.
    let b = gpu.busy_readable(&[7; 16]);
    let mut first = b.map_async(MapMode::Read, ..);
    // While pending.
    let error = b.map_async(MapMode::Read, ..).wait().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation, "{error}");
    first.wait_timeout(WAIT).unwrap();
    // While mapped.
    assert_err(
        b.map_async(MapMode::Read, 0..8).wait(),
        ErrorKind::Validation,
    );
    assert_eq!(b.map_state(), BufferMapState::Mapped);
    b.unmap().unwrap();
    // Wrong modes for the usage, and modes that are not exactly one of Read / Write.
    assert_err(
        b.map_async(MapMode::Write, ..).wait(),
        ErrorKind::Validation,
    );
    assert_eq!(
        b.map_async(MapMode::Read | MapMode::Write, ..)
            .wait()
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    assert_err(b.map_async(MapMode::None, ..).wait(), ErrorKind::Validation);
    let plain = gpu.buffer(16, BufferUsage::CopyDst);
    assert_eq!(
        plain
            .map_async(MapMode::Read, ..)
            .wait()
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn writable_view_of_a_read_mapping_is_refused() {
    let gpu = Gpu::new();
    let data = [11u32, 22, 33, 44, 55, 66, 77, 88];
    let b = gpu.readable_with(&data);
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    let error = b.get_mapped_range_mut(..).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidUse, "{error}");
    assert_err(b.write_mapped_range(0, &[1; 8]), ErrorKind::InvalidUse);
    // Reading still works, and nothing was written.
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        data
    );
    b.unmap().unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn overlapping_writable_views_are_refused() {
    let gpu = Gpu::new();
    let b = gpu.mapped_for_writing(64);
    let first = b.get_mapped_range_mut(0..32).unwrap();
    assert_err(b.get_mapped_range_mut(24..40), ErrorKind::InvalidUse);
    assert_err(b.get_mapped_range_mut(0..32), ErrorKind::InvalidUse);
    // A read view over a writable one is refused too.
    assert_err(b.get_mapped_range(16..24), ErrorKind::InvalidUse);
    assert_eq!(
        b.write_mapped_range(8, &[0; 8]).unwrap_err().kind(),
        ErrorKind::InvalidUse
    );
    // Adjacent ranges are fine.
    let second = b.get_mapped_range_mut(32..64).unwrap();
    drop(first);
    // Once dropped, its range is free again.
    let again = b.get_mapped_range(0..32).unwrap();
    // ... but a read view blocks a writable one over it.
    assert_err(b.get_mapped_range_mut(0..8), ErrorKind::InvalidUse);
    drop((again, second));
    b.unmap().unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn unmap_and_destroy_are_refused_while_a_view_lives() {
    let gpu = Gpu::new();
    let b = gpu.mapped_for_writing(16);
    let mut view = b.get_mapped_range_mut(..).unwrap();
    view.typed_mut::<u32>()
        .unwrap()
        .copy_from_slice(&[1, 2, 3, 4]);
    let error = b.unmap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidUse, "{error}");
    assert_eq!(
        b.clone().unmap().unwrap_err().kind(),
        ErrorKind::InvalidUse,
        "clones share the views"
    );
    assert_eq!(b.destroy().unwrap_err().kind(), ErrorKind::InvalidUse);
    let error = gpu.device.destroy().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidUse, "{error}");
    assert_err(gpu.device.force_loss("no"), ErrorKind::InvalidUse);
    assert!(!gpu.device.is_lost());
    // The view still reads what was written: nothing was unmapped under it.
    assert_eq!(view.typed::<u32>().unwrap(), [1, 2, 3, 4]);
    drop(view);
    b.unmap().unwrap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    let dst = gpu.buffer(16, BufferUsage::MapRead | BufferUsage::CopyDst);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&b, 0, &dst, 0, 16);
    gpu.queue.submit(&[encoder.finish()]);
    assert_eq!(dst.read_back::<u32>().unwrap(), [1, 2, 3, 4]);
    b.destroy().unwrap();
    assert!(gpu.take_uncaptured().is_empty());
    gpu.device.destroy().unwrap();
    assert!(gpu.device.is_lost());
}

#[test]
fn invalid_wgsl_names_the_line() {
    let gpu = Gpu::new();
    let code = "@compute @workgroup_size(1)\nfn main() {\n    let a: u32 = 1u + nowhere;\n}\n";
    let error = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "broken-module",
            code,
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    let message = error.message();
    // "nowhere" is on line 3 at column 23 (1-based).
    assert_eq!(code.lines().nth(2).unwrap().find("nowhere"), Some(22));
    assert!(message.contains("3:23: Error: "), "{message}");
    assert!(message.contains("nowhere"), "{message}");
    assert!(message.contains("broken-module"), "{message}");
    assert!(
        gpu.take_uncaptured().is_empty(),
        "the checked call keeps the error out of the handler"
    );
    // A syntax error, likewise.
    let error = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "syntax",
            code: "\n\nfn main( {",
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.message().contains("\n3:"), "{error}");
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn dispatch_without_its_bind_group_is_a_validation_error() {
    let gpu = Gpu::new();
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "needs group 0",
            code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
                   @compute @workgroup_size(1) fn main() { v[0] = 7u; }",
        })
        .unwrap();
    let pipeline = gpu
        .device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "needs group 0",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        });
    let v = gpu.buffer(
        16,
        BufferUsage::Storage | BufferUsage::CopySrc | BufferUsage::CopyDst,
    );
    gpu.queue.write_buffer(&v, 0, &[1u32, 2, 3, 4]).unwrap();
    let result = gpu.device.scoped(|d| {
        let mut e = d.create_command_encoder(&Default::default());
        {
            let mut pass = e.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.dispatch_workgroups(1, 1, 1);
        }
        gpu.queue.submit(&[e.finish()]);
    });
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation, "{error}");
    // Nothing ran; with the group bound it does.
    assert_eq!(v.read_back::<u32>().unwrap(), [1, 2, 3, 4]);
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "g",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &v)],
    });
    let mut e = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = e.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }
    gpu.queue.submit(&[e.finish()]);
    assert_eq!(v.read_back::<u32>().unwrap(), [7, 2, 3, 4]);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn buffer_over_max_buffer_size() {
    let gpu = Gpu::new();
    let max = gpu.device.limits().max_buffer_size;
    let error = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "huge",
            size: max + 1,
            usage: BufferUsage::Storage,
            mapped_at_creation: false,
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.message().contains(&max.to_string()), "{error}");
    let error = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "odd",
            size: 6,
            usage: BufferUsage::CopySrc,
            mapped_at_creation: true,
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn use_after_device_destroy() {
    let gpu = Gpu::new();
    let other = gpu.buffer(16, BufferUsage::MapRead | BufferUsage::CopyDst);
    // Busy, so that its map is still in flight at the destroy (made again if a loaded machine let the
    // work end before the map was even looked at).
    let (readable, mut pending_at_destroy) = (0..dawn_suite::busy::BUSY_ATTEMPTS)
        .map(|_| {
            let readable = gpu.busy_readable(&[1, 2, 3, 4]);
            let map = readable.map_async(MapMode::Read, ..);
            (readable, map)
        })
        .find(|(_, map)| !map.is_ready())
        .expect("the map was never pending");
    gpu.device.destroy().unwrap();
    assert!(gpu.device.is_lost());
    let info = gpu.device.lost().wait_timeout(WAIT).unwrap();
    assert_eq!(info.reason, DeviceLostReason::Destroyed);
    let error = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "late",
            size: 16,
            usage: BufferUsage::CopyDst,
            mapped_at_creation: false,
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DeviceLost);
    assert_eq!(
        other
            .map_async(MapMode::Read, ..)
            .wait_timeout(WAIT)
            .unwrap_err()
            .kind(),
        ErrorKind::DeviceLost
    );
    // The map in flight at destroy fails (it is aborted by the loss).
    let error = pending_at_destroy.wait_timeout(WAIT).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DeviceLost, "{error}");
    assert_eq!(readable.map_state(), BufferMapState::Unmapped);
    assert_err(readable.read_back::<u32>(), ErrorKind::DeviceLost);
    // Thin calls on a lost device are no-ops, not crashes; errors after the loss are not reported.
    let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "late",
        code: "fn main( {",
    });
    let mut e = gpu.device.create_command_encoder(&Default::default());
    e.clear_buffer(&other, 0, None);
    gpu.queue.submit(&[e.finish()]);
    let _ = module.get_compilation_info().wait_timeout(WAIT);
    // One rule: every call that produces something fails with DeviceLost...
    assert_err(
        gpu.queue.write_buffer(&other, 0, &[1u32]),
        ErrorKind::DeviceLost,
    );
    assert_err(
        gpu.queue.on_submitted_work_done().wait_timeout(WAIT),
        ErrorKind::DeviceLost,
    );
    assert_err(gpu.device.scoped(|_| 1), ErrorKind::DeviceLost);
    let scope = gpu.device.push_error_scope(dawn::ErrorFilter::Validation);
    assert_err(scope.pop().wait_timeout(WAIT), ErrorKind::DeviceLost);
    let checked = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "late",
            code: "fn main( {",
        });
    assert_err(checked, ErrorKind::DeviceLost);
    assert_err(
        gpu.device
            .create_compute_pipeline_async(&ComputePipelineDescriptor {
                label: "late",
                layout: None,
                module: &module,
                entry_point: None,
                constants: &[],
            })
            .wait_timeout(WAIT),
        ErrorKind::DeviceLost,
    );
    // ... and every call that ends something succeeds.
    other.unmap().unwrap();
    other.destroy().unwrap();
    gpu.device.destroy().unwrap();
    assert!(
        gpu.take_uncaptured().is_empty(),
        "{:?}",
        gpu.take_uncaptured()
    );
}

#[test]
fn force_loss_resolves_lost_with_unknown_reason() {
    let gpu = Gpu::new();
    gpu.device.force_loss("simulated reset").unwrap();
    let info = gpu.device.lost().wait_timeout(WAIT).unwrap();
    assert_eq!(info.reason, DeviceLostReason::Unknown);
    assert!(info.message.contains("simulated reset"), "{info:?}");
    assert_eq!(
        gpu.device
            .create_buffer(&BufferDescriptor {
                size: 4,
                usage: BufferUsage::CopyDst,
                ..Default::default()
            })
            .unwrap_err()
            .kind(),
        ErrorKind::DeviceLost
    );
}

fn invalid_buffer(device: &dawn::Device) {
    let _ = device.create_buffer(&BufferDescriptor {
        label: "invalid usage",
        size: 16,
        usage: BufferUsage::MapRead | BufferUsage::MapWrite,
        mapped_at_creation: false,
    });
}

#[test]
fn panicking_uncaptured_error_handler_does_not_abort() {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let (_instance, device) = device_with(&DeviceDescriptor {
        on_uncaptured_error: Some(Arc::new(move |e: &Error| {
            count.fetch_add(1, Ordering::SeqCst);
            panic!("handler panics on purpose: {e}");
        })),
        ..Default::default()
    });
    invalid_buffer(&device);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the handler saw the error");
    // The device still works, and the handler still runs.
    invalid_buffer(&device);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let b = device
        .create_buffer_init(&dawn::BufferInitDescriptor {
            label: "after panic",
            contents: bytemuck::cast_slice(&[4u32, 5]),
            usage: BufferUsage::CopySrc,
        })
        .unwrap();
    assert_eq!(b.read_back::<u32>().unwrap(), [4, 5]);
}

#[test]
fn panicking_device_lost_handler_does_not_abort() {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let (instance, device) = device_with(&DeviceDescriptor {
        on_device_lost: Some(Arc::new(move |_: &DeviceLostInfo| {
            count.fetch_add(1, Ordering::SeqCst);
            panic!("lost handler panics on purpose");
        })),
        ..Default::default()
    });
    device.destroy().unwrap();
    instance.process_events();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(device.is_lost());
    assert_eq!(
        device
            .create_buffer(&BufferDescriptor {
                size: 4,
                usage: BufferUsage::CopyDst,
                ..Default::default()
            })
            .unwrap_err()
            .kind(),
        ErrorKind::DeviceLost
    );
}

#[test]
fn lost_future_resolves_even_if_the_lost_handler_panics() {
    let (_instance, device) = device_with(&DeviceDescriptor {
        on_device_lost: Some(Arc::new(|_: &DeviceLostInfo| {
            panic!("lost handler panics on purpose")
        })),
        ..Default::default()
    });
    device.destroy().unwrap();
    assert!(device.is_lost());
    // Today the wait below never returns, even with its timeout (it spins: Dawn reports the future complete
    // but the slot is never filled), so it runs on a thread this test can give up on.
    let mut lost = device.lost();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(lost.wait_timeout(Duration::from_secs(5)));
    });
    let result = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("wait_timeout(5 s) returned within 30 s");
    let info = result.expect("lost() resolves after destroy");
    assert_eq!(info.reason, DeviceLostReason::Destroyed);
}

#[test]
fn read_back_of_an_odd_sized_buffer_is_a_typed_error() {
    let gpu = Gpu::new();
    let b = gpu.buffer(6, BufferUsage::CopySrc | BufferUsage::CopyDst);
    gpu.queue.write_buffer(&b, 0, &[1u8, 2, 3, 4]).unwrap();
    // WebGPU copies and maps whole 4-byte words (a WebGPU rule, checked before any copy).
    let error = assert_err(b.read_back::<u8>(), ErrorKind::Validation);
    assert!(error.message().contains("6 bytes"), "{error}");
    let leaked = gpu.take_uncaptured();
    assert!(leaked.is_empty(), "read_back made Dawn report: {leaked:?}");
}

#[test]
fn uncaptured_error_handler_may_use_the_device() {
    // A handler that reacts to an error by using the device (here: creating a buffer) must not deadlock.
    static DEVICE: std::sync::OnceLock<dawn::Device> = std::sync::OnceLock::new();
    let made = Arc::new(AtomicUsize::new(0));
    let count = made.clone();
    let (_instance, device) = device_with(&DeviceDescriptor {
        on_uncaptured_error: Some(Arc::new(move |_: &Error| {
            if let Some(device) = DEVICE.get() {
                let b = device.create_buffer(&BufferDescriptor {
                    label: "made in handler",
                    size: 16,
                    usage: BufferUsage::CopyDst,
                    mapped_at_creation: false,
                });
                if b.is_ok() {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            }
        })),
        ..Default::default()
    });
    DEVICE.set(device.clone()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        invalid_buffer(&device);
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the handler deadlocked");
    assert_eq!(made.load(Ordering::SeqCst), 1);
}
