//! Memory: allocating past what the device (or the process) allows returns typed errors, and the process
//! and the device go on working.
//!
//! Over `maxBufferSize` (with the adapter's limits, 4 GiB on lavapipe) is a `Validation` error, mapped at
//! creation or not; a loop of max-size buffers holding up to 8 GiB gets `Ok` or `OutOfMemory` for each;
//! a 1 GiB buffer mapped at creation is written at both ends; afterwards the device still computes.

use dawn::*;
use dawn_suite::{Gpu, WAIT};

fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    statm
        .split_whitespace()
        .nth(1)
        .expect("rss")
        .parse::<u64>()
        .expect("a number")
        * 4096
}

fn vm_size() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    statm
        .split_whitespace()
        .next()
        .expect("size")
        .parse::<u64>()
        .expect("a number")
        * 4096
}

/// A small compute round trip that must still work.
fn device_still_works(gpu: &Gpu) {
    let input: Vec<u32> = (0..4096).collect();
    let buffer = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "after oom",
            contents: bytemuck::cast_slice(&input),
            usage: BufferUsage::Storage | BufferUsage::CopySrc,
        })
        .expect("a small buffer after the failures");
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "after oom",
            code: "@group(0) @binding(0) var<storage, read_write> v: array<u32>;
                   @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
                       v[id.x] = v[id.x] * 3u; }",
        })
        .expect("module");
    let pipeline = gpu
        .device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "after oom",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[],
        });
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "after oom",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &buffer)],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(64, 1, 1);
    }
    gpu.queue.submit(&[encoder.finish()]);
    let out: Vec<u32> = buffer.read_back().expect("read back");
    assert!(
        out.iter().enumerate().all(|(i, &v)| v == 3 * i as u32),
        "wrong results after OOM"
    );
}

#[test]
fn allocating_past_the_limits_returns_typed_errors() {
    let t0 = std::time::Instant::now();
    let probe = Gpu::new();
    let adapter_limits = probe.adapter.limits();
    drop(probe);
    let gpu = Gpu::with(&[], Some(&adapter_limits));
    let max = gpu.device.limits().max_buffer_size;
    println!("device maxBufferSize = {max} bytes ({} MiB)", max >> 20);

    // Over the device's limit: refused before Dawn allocates anything.
    for size in [max + 1, max + 4, u64::MAX] {
        for mapped_at_creation in [false, true] {
            let r = gpu.device.create_buffer(&BufferDescriptor {
                label: "too big",
                size,
                usage: BufferUsage::Storage,
                mapped_at_creation,
            });
            let e = r.expect_err("a buffer over maxBufferSize");
            assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        }
    }

    // A loop of max-size buffers, holding at most 8 GiB (older ones destroyed as it goes), 16 in all: each
    // is `Ok` or a typed out-of-memory error. lavapipe backs device memory with a sparse memfd mapped on
    // bind, so untouched allocations cost address space, not RAM, and within maxBufferSize it does not
    // fail (see RELIABILITY.md: capping RLIMIT_AS to force a failure makes lavapipe's unchecked mmap
    // crash, a driver bug outside this crate).
    let chunk = max & !3;
    let held_max = ((8u64 << 30) / chunk).max(1) as usize;
    let mut held = std::collections::VecDeque::new();
    let (mut created, mut out_of_memory, mut peak_vm) = (0, 0, 0);
    let vm0 = vm_size();
    for _ in 0..16 {
        if held.len() == held_max {
            let old: Buffer = held.pop_front().expect("held");
            old.destroy().expect("destroy");
        }
        let r = gpu.device.scoped(|d| {
            d.create_buffer(&BufferDescriptor {
                label: "max-size",
                size: chunk,
                usage: BufferUsage::Storage | BufferUsage::CopyDst,
                mapped_at_creation: false,
            })
        });
        match r {
            Ok(Ok(buffer)) => {
                created += 1;
                held.push_back(buffer);
            }
            Ok(Err(e)) | Err(e) => {
                assert_eq!(e.kind(), ErrorKind::OutOfMemory, "{e}");
                out_of_memory += 1;
            }
        }
        peak_vm = peak_vm.max(vm_size());
    }
    println!(
        "16 buffers of {} MiB (at most {held_max} held): {created} created, {out_of_memory} OutOfMemory; \
         address space {} -> peak {} MiB",
        chunk >> 20,
        vm0 >> 20,
        peak_vm >> 20
    );
    for b in held.drain(..) {
        b.destroy().expect("destroy");
    }

    println!(
        "[{:.1} s] rss {} MiB",
        t0.elapsed().as_secs_f64(),
        rss() >> 20
    );
    // A huge buffer mapped at creation: written at both ends through a view, unmapped, destroyed.
    let huge = 1u64 << 30;
    let r = gpu.device.scoped(|d| {
        d.create_buffer(&BufferDescriptor {
            label: "huge mapped",
            size: huge,
            usage: BufferUsage::MapWrite | BufferUsage::CopySrc,
            mapped_at_creation: true,
        })
    });
    match r {
        Ok(Ok(buffer)) => {
            {
                let mut view = buffer
                    .get_mapped_range_mut(..)
                    .expect("view of the huge buffer");
                view[0] = 1;
                let last = view.len() - 1;
                view[last] = 2;
            }
            buffer.unmap().expect("unmap");
            buffer.destroy().expect("destroy");
            println!("mapped_at_creation of {} MiB: ok", huge >> 20);
        }
        Ok(Err(e)) | Err(e) => {
            println!("mapped_at_creation of {} MiB: {e}", huge >> 20);
            assert!(
                matches!(e.kind(), ErrorKind::OutOfMemory | ErrorKind::Validation),
                "{e}"
            );
        }
    }
    println!(
        "[{:.1} s] rss {} MiB",
        t0.elapsed().as_secs_f64(),
        rss() >> 20
    );
    // An invalid usage with a big mapped_at_creation: Dawn's error buffer still gets a (zero-filled, CPU)
    // mapping, or null, which the crate turns into OutOfMemory. (4 GiB takes Dawn 10-30 s to fill here.)
    let r = gpu.device.scoped(|d| {
        d.create_buffer(&BufferDescriptor {
            label: "invalid huge mapped",
            size: 512 << 20,
            usage: BufferUsage::MapRead | BufferUsage::MapWrite,
            mapped_at_creation: true,
        })
    });
    match r {
        Ok(Ok(_)) => panic!("an invalid usage was accepted"),
        Ok(Err(e)) | Err(e) => {
            println!(
                "invalid usage, 512 MiB mapped at creation: {}",
                e.message().lines().next().unwrap_or("")
            );
            assert!(
                matches!(e.kind(), ErrorKind::OutOfMemory | ErrorKind::Validation),
                "{e}"
            );
        }
    }

    println!(
        "[{:.1} s] rss {} MiB",
        t0.elapsed().as_secs_f64(),
        rss() >> 20
    );
    assert!(
        !gpu.device.is_lost(),
        "the device was lost by out-of-memory errors"
    );
    device_still_works(&gpu);

    println!(
        "[{:.1} s] rss {} MiB",
        t0.elapsed().as_secs_f64(),
        rss() >> 20
    );
    // With memory back, the same size allocates again.
    let again = gpu.device.scoped(|d| {
        d.create_buffer(&BufferDescriptor {
            label: "again",
            size: 256 << 20,
            usage: BufferUsage::Storage,
            mapped_at_creation: false,
        })
    });
    assert!(matches!(again, Ok(Ok(_))), "{again:?}");
    let _ = gpu.queue.on_submitted_work_done().wait_timeout(WAIT);
}
