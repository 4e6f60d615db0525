//! Buffer mapping: `map_state` transitions (Unmapped -> Pending -> Mapped -> Unmapped), `map_async` on
//! sub-ranges, typed `get_mapped_range` / `get_mapped_range_mut` views, shared read views, `unmap`,
//! `read_mapped_range` / `write_mapped_range`, mapping for writing then using the data on the GPU.

use dawn::{BufferDescriptor, BufferMapState, BufferUsage, ErrorKind, MapMode};
use dawn_suite::{Gpu, WAIT, assert_err};

#[test]
fn map_state_transitions() {
    let gpu = Gpu::new();
    // Written behind busy work: its map is pending until that work is done (an idle buffer's map
    // completes inside `map_async`).
    let b = gpu.busy_readable(&[1, 2, 3, 4]);
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    let mut pending = b.map_async(MapMode::Read, ..);
    assert_eq!(b.map_state(), BufferMapState::Pending);
    pending.wait_timeout(WAIT).unwrap();
    assert_eq!(b.map_state(), BufferMapState::Mapped);
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        [1, 2, 3, 4]
    );
    b.unmap().unwrap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    // Unmapping an unmapped buffer does nothing.
    b.unmap().unwrap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    // Clones share the state.
    let clone = b.clone();
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    assert_eq!(clone.map_state(), BufferMapState::Mapped);
    assert_eq!(
        clone
            .get_mapped_range(8..16)
            .unwrap()
            .typed::<u32>()
            .unwrap(),
        [3, 4]
    );
    clone.unmap().unwrap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn map_a_sub_range_and_view_inside_it() {
    let gpu = Gpu::new();
    let data: Vec<u32> = (0..256).map(|i| i * 10).collect();
    let b = gpu.readable_with(&data);
    b.map_async(MapMode::Read, 256..512)
        .wait_timeout(WAIT)
        .unwrap();
    {
        let view = b.get_mapped_range(256..512).unwrap();
        assert_eq!(view.len(), 256);
        assert_eq!(view.typed::<u32>().unwrap(), &data[64..128]);
        // A smaller view inside, and an overlapping second read view, at the same time.
        let inner = b.get_mapped_range(264..272).unwrap();
        assert_eq!(inner.typed::<u32>().unwrap(), &data[66..68]);
        // Inclusive range bounds resolve the same as exclusive ones.
        let inclusive = b.get_mapped_range(264..=271).unwrap();
        assert_eq!(&*inclusive, &*inner);
        // Typed views of the wrong length are refused.
        let odd = b.get_mapped_range(256..268).unwrap();
        assert_err(odd.typed::<u64>(), ErrorKind::InvalidUse);
        assert_eq!(odd.typed::<u32>().unwrap(), &data[64..67]);
    }
    // Outside the mapped range (even though inside the buffer): refused.
    assert_err(b.get_mapped_range(0..256), ErrorKind::Validation);
    assert_err(b.get_mapped_range(..), ErrorKind::Validation);
    assert_err(b.get_mapped_range(508..516), ErrorKind::Validation);
    // Misaligned view offsets and sizes.
    assert_err(b.get_mapped_range(260..268), ErrorKind::Validation);
    assert_err(b.get_mapped_range(256..258), ErrorKind::Validation);
    b.unmap().unwrap();
    // Map range checks: offset multiple of 8, size of 4, inside the buffer.
    assert_err(
        b.map_async(MapMode::Read, 4..12).wait(),
        ErrorKind::Validation,
    );
    assert_err(
        b.map_async(MapMode::Read, 8..14).wait(),
        ErrorKind::Validation,
    );
    assert_eq!(
        b.map_async(MapMode::Read, 1000..1032)
            .wait()
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    // An end-open range maps to the end of the buffer.
    b.map_async(MapMode::Read, 1016..)
        .wait_timeout(WAIT)
        .unwrap();
    assert_eq!(
        b.get_mapped_range(1016..).unwrap().typed::<u32>().unwrap(),
        &data[254..]
    );
    b.unmap().unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn map_for_writing_then_use_on_the_gpu() {
    let gpu = Gpu::new();
    let upload = gpu.mapped_for_writing(64);
    {
        let mut low = upload.get_mapped_range_mut(0..32).unwrap();
        let mut high = upload.get_mapped_range_mut(32..64).unwrap();
        low.typed_mut::<f32>()
            .unwrap()
            .iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = i as f32 + 0.5);
        high.typed_mut::<i32>()
            .unwrap()
            .iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = -(i as i32));
        assert_eq!(low.typed::<f32>().unwrap()[3], 3.5);
    }
    upload.unmap().unwrap();
    let storage = gpu.buffer(64, BufferUsage::CopySrc | BufferUsage::CopyDst);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&upload, 0, &storage, 0, 64);
    gpu.queue.submit(&[encoder.finish()]);
    let bytes: Vec<u8> = storage.read_back().unwrap();
    let floats: &[f32] = bytemuck::cast_slice(&bytes[..32]);
    let ints: &[i32] = bytemuck::cast_slice(&bytes[32..]);
    assert_eq!(floats, (0..8).map(|i| i as f32 + 0.5).collect::<Vec<_>>());
    assert_eq!(ints, (0..8).map(|i| -i).collect::<Vec<_>>());
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn read_and_write_mapped_range_without_views() {
    let gpu = Gpu::new();
    let upload = gpu.buffer(32, BufferUsage::MapWrite | BufferUsage::CopySrc);
    upload
        .map_async(MapMode::Write, ..)
        .wait_timeout(WAIT)
        .unwrap();
    upload
        .write_mapped_range(8, &[9, 8, 7, 6, 5, 4, 3, 2])
        .unwrap();
    // Writing is refused outside the mapping.
    assert_eq!(
        upload.write_mapped_range(28, &[1; 8]).unwrap_err().kind(),
        ErrorKind::Validation
    );
    upload.unmap().unwrap();
    let readable = gpu.buffer(32, BufferUsage::MapRead | BufferUsage::CopyDst);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&upload, 0, &readable, 0, 32);
    gpu.queue.submit(&[encoder.finish()]);
    readable
        .map_async(MapMode::Read, ..)
        .wait_timeout(WAIT)
        .unwrap();
    let mut dst = [0u8; 16];
    readable.read_mapped_range(0, &mut dst).unwrap();
    assert_eq!(dst, [0, 0, 0, 0, 0, 0, 0, 0, 9, 8, 7, 6, 5, 4, 3, 2]);
    // Writing into a buffer mapped for reading is refused.
    assert_eq!(
        readable
            .write_mapped_range(0, &[1, 2, 3, 4])
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidUse
    );
    // A read leaves no view behind: unmap works at once.
    readable.unmap().unwrap();
    assert_err(
        readable.read_mapped_range(0, &mut dst),
        ErrorKind::Validation,
    );
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn mapped_at_creation_with_write_mapped_range() {
    let gpu = Gpu::new();
    let b = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "mapped",
            size: 16,
            usage: BufferUsage::CopySrc,
            mapped_at_creation: true,
        })
        .unwrap();
    b.write_mapped_range(0, bytemuck::cast_slice(&[11u32, 22, 33, 44]))
        .unwrap();
    let mut check = [0u8; 16];
    b.read_mapped_range(0, &mut check).unwrap();
    assert_eq!(bytemuck::cast_slice::<u8, u32>(&check), [11, 22, 33, 44]);
    b.unmap().unwrap();
    assert_eq!(b.read_back::<u32>().unwrap(), [11, 22, 33, 44]);
    // Once unmapped, a mapped-at-creation buffer without MapWrite cannot be mapped again.
    assert_err(
        b.map_async(MapMode::Write, ..).wait(),
        ErrorKind::Validation,
    );
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn map_after_gpu_writes_sees_them_in_order() {
    // Write, copy, map, unmap, write again, copy, map: each mapping sees the latest data.
    let gpu = Gpu::new();
    let src = gpu.buffer(16, BufferUsage::CopySrc | BufferUsage::CopyDst);
    let dst = gpu.buffer(16, BufferUsage::MapRead | BufferUsage::CopyDst);
    for round in 0..5u32 {
        let data = [round, round * 2, round * 3, round * 4];
        gpu.queue.write_buffer(&src, 0, &data).unwrap();
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&src, 0, &dst, 0, 16);
        gpu.queue.submit(&[encoder.finish()]);
        dst.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
        assert_eq!(
            dst.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
            data
        );
        dst.unmap().unwrap();
    }
    assert!(gpu.take_uncaptured().is_empty());
}

/// Each map future keeps its own outcome, also after later maps of the same buffer: a map aborted by
/// `unmap` fails with `MapFailed` (Aborted), a completed one stays `Ok`, whatever came after.
#[test]
fn map_futures_keep_their_own_outcome() {
    let gpu = Gpu::new();
    let b = gpu.readable_with(&[7, 8]);
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    // Idle: the map completes inside `map_async`; its result is read only at the end.
    let mut done = b.map_async(MapMode::Read, ..);
    assert!(done.is_ready());
    b.unmap().unwrap();
    // Busy, so that the next map is still pending when `unmap` aborts it.
    gpu.write_after_busy_work(&b, &[7, 8]);
    let mut aborted = b.map_async(MapMode::Read, ..);
    b.unmap().unwrap();
    let mut later = b.map_async(MapMode::Read, ..);
    later.wait_timeout(WAIT).unwrap();
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        [7, 8]
    );
    let err = aborted.wait_timeout(WAIT).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MapFailed, "{err}");
    assert!(err.message().contains("Aborted"), "{err}");
    // Read after the later maps, the first still answers with its own outcome.
    done.wait_timeout(WAIT).unwrap();
    assert!(later.is_ready());
}

/// A buffer keeps the outcomes of its last 16 maps, so a future read after 16 later maps of its buffer
/// is refused with a message saying so (no limit on how many maps or futures are alive).
#[test]
fn a_map_future_read_after_16_later_maps_says_so() {
    let gpu = Gpu::new();
    let b = gpu.readable_with(&[1]);
    // Pending (behind busy work), then aborted: its outcome is a failure.
    gpu.write_after_busy_work(&b, &[1]);
    let mut first = b.map_async(MapMode::Read, ..);
    b.unmap().unwrap();
    let mut futures: Vec<_> = (0..15)
        .map(|_| {
            let pending = b.map_async(MapMode::Read, ..);
            b.unmap().unwrap();
            pending
        })
        .collect();
    // 15 later maps: the first's outcome is still there.
    assert_err(first.wait_timeout(WAIT), ErrorKind::MapFailed);
    let mut overwritten = b.map_async(MapMode::Read, ..);
    b.unmap().unwrap();
    for _ in 0..16 {
        b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
        b.unmap().unwrap();
    }
    let err = assert_err(overwritten.wait_timeout(WAIT), ErrorKind::InvalidUse);
    assert!(err.message().contains("16 later maps"), "{err}");
    for f in &mut futures {
        assert_err(f.wait_timeout(WAIT), ErrorKind::InvalidUse);
    }
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    assert_eq!(b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(), [1]);
}

/// A map future keeps its buffer alive: dropping every other handle of the buffer while its map is
/// pending neither aborts the map nor frees the buffer under the future.
#[test]
fn a_map_future_keeps_its_buffer_alive() {
    let gpu = Gpu::new();
    let b = gpu.busy_readable(&[5, 6]);
    let mut pending = b.map_async(MapMode::Read, ..);
    drop(b);
    pending.wait_timeout(WAIT).unwrap();
    // A map dropped unresolved, then its buffer: the buffer's release aborts the map, whose callback runs
    // then, and a new buffer maps normally.
    let b = gpu.busy_readable(&[9]);
    drop(b.map_async(MapMode::Read, ..));
    drop(b);
    let b = gpu.readable_with(&[10]);
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        [10]
    );
}

#[test]
fn maps_unmaps_and_dropped_maps_of_one_buffer_from_three_threads() {
    let gpu = Gpu::new();
    for round in 0..100u64 {
        let b = gpu.readable_with(&[1, 2, 3, 4]);
        std::thread::scope(|s| {
            for t in 0..3u64 {
                let b = &b;
                s.spawn(move || {
                    let mut x = t * 7919 + round;
                    for i in 0..60 {
                        x = x
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        match (x >> 33) % 4 {
                            0 | 1 => {
                                // Ok, refused (another thread's map is pending or done: a validation
                                // error), aborted (it unmapped first), or forgotten (the other threads
                                // ran 16 maps before this wait read the outcome: InvalidUse); never a
                                // timeout or an internal error (a stale map slot did that once).
                                let r = b.map_async(MapMode::Read, ..).wait_timeout(WAIT);
                                assert!(
                                    r.is_ok()
                                        || matches!(&r, Err(e) if matches!(e.kind(), ErrorKind::Validation | ErrorKind::MapFailed | ErrorKind::InvalidUse)),
                                    "round {round}, thread {t}, step {i}: {r:?}"
                                );
                            }
                            2 => {
                                let _ = b.unmap();
                            }
                            _ => drop(b.map_async(MapMode::Read, ..)),
                        }
                    }
                });
            }
        });
    }
}
