//! The `Mapping` guard (`Buffer::take_mapping`): reading a read mapping, writing a write mapping (and one
//! mapped at creation) and using the data on the GPU, unmapping on drop, and misuse: taking an unmapped or
//! pending buffer, taking twice, taking with views alive, views / unmap / destroy / new maps while the
//! guard lives, writing through a read mapping, a device destroy while a guard lives, guards of one buffer
//! raced by several threads.

use dawn::{Buffer, BufferDescriptor, BufferMapState, BufferUsage, ErrorKind, MapMode};
use dawn_suite::{Gpu, WAIT, assert_err};

/// A MapRead buffer holding `data`, mapped over `range` once the copy into it is done.
fn mapped_for_reading(gpu: &Gpu, data: &[u32], range: impl std::ops::RangeBounds<u64>) -> Buffer {
    let dst = gpu.readable_with(data);
    dst.map_async(MapMode::Read, range)
        .wait_timeout(WAIT)
        .unwrap();
    dst
}

fn invalid_use(result: dawn::Result<impl std::fmt::Debug>, needle: &str) {
    refused(result, ErrorKind::InvalidUse, needle);
}

/// A WebGPU rule broken: the buffer is not mapped, or mapped again.
fn invalid(result: dawn::Result<impl std::fmt::Debug>, needle: &str) {
    refused(result, ErrorKind::Validation, needle);
}

fn refused(result: dawn::Result<impl std::fmt::Debug>, kind: ErrorKind, needle: &str) {
    let err = assert_err(result, kind);
    assert!(err.message().contains(needle), "{err}");
}

#[test]
fn a_guard_reads_the_mapped_range_and_unmaps_when_dropped() {
    let gpu = Gpu::new();
    let data: Vec<u32> = (0..64).map(|i| i * 3 + 1).collect();
    let b = mapped_for_reading(&gpu, &data, 64..128);
    let mapping = b.take_mapping().unwrap();
    assert_eq!(mapping.range(), 64..128);
    assert_eq!(mapping.mode(), MapMode::Read);
    assert_eq!(mapping.len(), 64);
    assert_eq!(mapping.typed::<u32>().unwrap(), &data[16..32]);
    drop(mapping);
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    // Mapped again, read through a view this time: the guard left nothing behind.
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        data
    );
    b.unmap().unwrap();
    // `unmap()` on the guard is its drop.
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    b.take_mapping().unwrap().unmap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_guard_writes_a_write_mapping_that_the_gpu_then_sees() {
    let gpu = Gpu::new();
    let upload = gpu.mapped_for_writing(64);
    {
        let mut mapping = upload.take_mapping().unwrap();
        assert_eq!(mapping.mode(), MapMode::Write);
        for (i, v) in mapping.typed_mut::<u32>().unwrap().iter_mut().enumerate() {
            *v = 1000 + i as u32;
        }
        assert_eq!(mapping.typed::<u32>().unwrap()[15], 1015);
    }
    assert_eq!(upload.map_state(), BufferMapState::Unmapped);
    let storage = gpu.buffer(64, BufferUsage::CopySrc | BufferUsage::CopyDst);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&upload, 0, &storage, 0, 64);
    gpu.queue.submit(&[encoder.finish()]);
    let values: Vec<u32> = storage.read_back().unwrap();
    assert_eq!(values, (1000..1016).collect::<Vec<u32>>());

    // A buffer mapped at creation can be filled through a guard too.
    let created = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "created",
            size: 16,
            usage: BufferUsage::CopySrc,
            mapped_at_creation: true,
        })
        .unwrap();
    created
        .take_mapping()
        .unwrap()
        .bytes_mut()
        .unwrap()
        .copy_from_slice(&[7; 16]);
    assert_eq!(created.read_back::<u8>().unwrap(), vec![7; 16]);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn taking_needs_a_mapped_buffer_without_views_or_another_guard() {
    let gpu = Gpu::new();
    // Busy, so that its map stays pending for a while.
    let b = gpu.busy_readable(&[0; 16]);
    invalid(b.take_mapping(), "not mapped");
    let mut pending = b.map_async(MapMode::Read, ..);
    invalid(b.take_mapping(), "not mapped");
    pending.wait_timeout(WAIT).unwrap();
    {
        let view = b.get_mapped_range(0..8).unwrap();
        invalid_use(b.take_mapping(), "1 mapped view(s) are alive");
        drop(view);
    }
    let mapping = b.take_mapping().unwrap();
    invalid_use(b.take_mapping(), "a Mapping guard holds");
    // Through a clone too: clones share the mapping state.
    invalid_use(b.clone().take_mapping(), "a Mapping guard holds");
    drop(mapping);
    invalid(b.take_mapping(), "not mapped");
}

#[test]
fn the_buffer_refuses_views_unmap_destroy_and_maps_while_a_guard_lives() {
    let gpu = Gpu::new();
    let data = [5u32, 6, 7, 8];
    let b = mapped_for_reading(&gpu, &data, 0..16);
    let mapping = b.take_mapping().unwrap();
    invalid_use(b.get_mapped_range(..), "a Mapping guard holds");
    let mut dst = [0u8; 4];
    invalid_use(b.read_mapped_range(0, &mut dst), "a Mapping guard holds");
    invalid_use(b.unmap(), "a Mapping guard holds");
    invalid_use(b.destroy(), "a Mapping guard holds");
    invalid(
        b.map_async(MapMode::Read, ..).wait_timeout(WAIT),
        "cannot be mapped again",
    );
    invalid_use(gpu.device.destroy(), "1 mapped buffer view(s) are alive");
    // Nothing was lost: the guard still reads the data, and the buffer works on after it.
    assert_eq!(mapping.typed::<u32>().unwrap(), data);
    drop(mapping);
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        data
    );
    b.unmap().unwrap();
    b.destroy().unwrap();
    gpu.device.destroy().unwrap();
}

#[test]
fn a_read_mapping_cannot_be_written_through_its_guard() {
    let gpu = Gpu::new();
    let b = mapped_for_reading(&gpu, &[1, 2], ..);
    let mut mapping = b.take_mapping().unwrap();
    invalid_use(mapping.bytes_mut(), "mapped for reading");
    invalid_use(mapping.typed_mut::<u32>(), "mapped for reading");
    // A type the bytes do not divide into is refused as for views.
    invalid_use(mapping.typed::<[u8; 3]>(), "cannot view the bytes as");
    assert_eq!(mapping.typed::<u32>().unwrap(), [1, 2]);
}

#[test]
fn threads_racing_for_one_buffer_s_guard_never_share_it() {
    let gpu = Gpu::new();
    let data: Vec<u32> = (0..16).collect();
    let b = mapped_for_reading(&gpu, &data, ..);
    b.unmap().unwrap();
    let held = std::sync::atomic::AtomicUsize::new(0);
    let reads = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (b, held, reads, data) = (&b, &held, &reads, &data);
            s.spawn(move || {
                for i in 0..300 {
                    if (i + t) % 3 == 0 {
                        // Maps (refused while another thread's map or guard is in the way).
                        let _ = b.map_async(MapMode::Read, ..).wait_timeout(WAIT);
                    }
                    match b.take_mapping() {
                        Ok(mapping) => {
                            use std::sync::atomic::Ordering::SeqCst;
                            assert_eq!(held.fetch_add(1, SeqCst), 0, "two guards at once");
                            assert_eq!(mapping.typed::<u32>().unwrap(), &data[..]);
                            held.fetch_sub(1, SeqCst);
                            reads.fetch_add(1, SeqCst);
                            if i % 2 == 0 {
                                drop(mapping);
                            } else {
                                // Other threads' views and unmaps meet a live guard.
                                std::thread::yield_now();
                            }
                        }
                        // Not mapped (a WebGPU rule), or views or a guard in the way (this crate's).
                        Err(e) => assert!(
                            matches!(e.kind(), ErrorKind::Validation | ErrorKind::InvalidUse),
                            "{e}"
                        ),
                    }
                    if (i + t) % 5 == 0 {
                        if let Ok(view) = b.get_mapped_range(..) {
                            assert_eq!(view.typed::<u32>().unwrap(), &data[..]);
                        }
                        let _ = b.unmap();
                    }
                }
            });
        }
    });
    assert!(reads.into_inner() > 0, "no thread ever got the guard");
    assert!(gpu.take_uncaptured().is_empty());
}
