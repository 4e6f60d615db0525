//! Arenas: a full heap arena refuses with `OutOfMemory` and corrupts nothing; a frame arena grows by
//! chunks, reuses them after `reset()`, gives back the unused ones on `trim()`; their stats and alignment.

use dawn::ErrorKind;
use dawn::memory::{FrameArena, HeapArena, Slice, Stats};
use dawn_suite::{Gpu, WAIT, assert_err, pattern};

#[test]
fn a_full_heap_arena_refuses_and_corrupts_nothing() {
    let gpu = Gpu::new();
    let arena = HeapArena::new(&gpu.device, 4096, 256).unwrap();
    assert_eq!((arena.capacity(), arena.alignment()), (4096, 256));
    let a = arena.alloc::<u8>(1000).unwrap();
    let b = arena.alloc::<u32>(500).unwrap(); // at 1024, 2000 bytes
    let data_a = pattern(1000, 1);
    let data_b: Vec<u32> = (0..500).map(|i| 0x5EED_0000 + i).collect();
    a.write(&data_a, 0, false).unwrap();
    b.write(&data_b, 0, false).unwrap();
    assert_eq!(b.offset(), 1024);
    assert_eq!(arena.remaining(), 4096 - 3024);
    let before = arena.stats();

    // 1072 bytes are left, but aligned to 256 only 1024 of them can be had.
    let error = assert_err(arena.allocate(1025, 1), ErrorKind::OutOfMemory);
    for word in [
        "full",
        "1025 bytes",
        "1072 of its 4096",
        "epoch 0",
        "reset()",
    ] {
        assert!(error.message().contains(word), "{error} lacks {word:?}");
    }
    assert_err(arena.alloc::<f32>(10_000), ErrorKind::OutOfMemory);
    assert_err(arena.allocate(8, 4096), ErrorKind::OutOfMemory);
    assert_eq!(arena.stats(), before, "a refusal changes nothing");
    assert_eq!(arena.remaining(), 1072);
    assert!(a.is_alive() && b.is_alive());
    assert!(a.read().wait_timeout(WAIT).unwrap() == data_a);
    assert_eq!(b.read().wait_timeout(WAIT).unwrap(), data_b);

    // What fits still fits, up to the last byte.
    let c = arena.allocate(1024, 1).unwrap();
    assert_eq!(c.offset() + c.size(), 4096);
    assert_err(arena.allocate(1, 1), ErrorKind::OutOfMemory);

    // A reset frees it all.
    assert_eq!(arena.reset(), 1);
    assert!(!a.is_alive() && !b.is_alive() && !c.is_alive());
    let whole = arena.allocate(4096, 1).unwrap();
    assert_eq!(whole.offset(), 0);
    let stats = arena.stats();
    assert_eq!(
        (stats.allocations, stats.frees, stats.live_slices),
        (4, 3, 1)
    );
    assert_eq!(stats.peak_in_use_bytes, 4096);

    assert_err(HeapArena::new(&gpu.device, 4096, 48), ErrorKind::InvalidUse);
    let max = gpu.device.limits().max_buffer_size;
    assert_err(
        HeapArena::new(&gpu.device, max + 1, 256),
        ErrorKind::Validation,
    );
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_frame_arena_grows_by_chunks_and_reuses_them() {
    let gpu = Gpu::new();
    const CHUNK: u64 = 64 << 10;
    let frame = FrameArena::new(&gpu.device, CHUNK).unwrap();
    assert_eq!(
        frame.stats(),
        Stats::default(),
        "no chunk before the first slice"
    );

    let first: Vec<Slice<u8>> = (0..3)
        .map(|_| frame.alloc::<u8>(40 << 10).unwrap())
        .collect();
    // 40 KiB each: one per chunk.
    assert_eq!(frame.stats().pages, 3);
    assert!(first[0].buffer() != first[1].buffer());
    // Bigger than a chunk: a chunk of its own size.
    let big = frame.alloc::<u8>(100 << 10).unwrap();
    assert_eq!(big.buffer().size(), 100 << 10);
    for (i, slice) in first.iter().enumerate() {
        slice.write(&pattern(40 << 10, i as u32), 0, false).unwrap();
    }
    let peak = frame.stats().in_use_bytes;

    // After a reset the same chunks serve the next step, from the start.
    frame.reset();
    let again = frame.alloc::<u8>(40 << 10).unwrap();
    assert_eq!((again.buffer(), again.offset()), (first[0].buffer(), 0));
    assert_eq!(frame.stats().pages, 4, "nothing new");
    assert_eq!(
        frame.stats().peak_in_use_bytes,
        peak,
        "the peak spans epochs"
    );
    // The step uses one chunk: trim gives back the other three.
    assert_eq!(frame.trim(), 3);
    assert_eq!(frame.stats().pages, 1);
    assert!(again.is_alive(), "trim keeps what the epoch uses");
    again.write(&pattern(40 << 10, 9), 0, false).unwrap();
    assert!(again.read().wait_timeout(WAIT).unwrap() == pattern(40 << 10, 9));
    frame.reset();
    assert_eq!(frame.trim(), 1);
    assert_eq!(frame.stats().reserved_bytes, 0);
    // And it grows again.
    assert!(frame.alloc::<u32>(16).unwrap().is_alive());
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn arena_stats_and_alignment() {
    let gpu = Gpu::new();
    let frame = FrameArena::new(&gpu.device, 1 << 16).unwrap();
    let align = u64::from(gpu.device.limits().min_storage_buffer_offset_alignment).max(u64::from(
        gpu.device.limits().min_uniform_buffer_offset_alignment,
    ));
    let a = frame.alloc::<u8>(3).unwrap(); // 3 bytes, 1 of padding to the word
    let b = frame.allocate(8, 1024).unwrap(); // at 1024: a gap of 1020
    let c = frame.alloc::<f32>(2).unwrap(); // aligned to the arena's alignment
    assert_eq!(a.offset(), 0);
    assert_eq!(b.offset(), 1024);
    assert_eq!(c.offset(), (1024 + 8u64).next_multiple_of(align));
    let stats = frame.stats();
    assert_eq!(stats.in_use_bytes, 3 + 8 + 8);
    assert_eq!(
        stats.padding_bytes,
        1 + (1024 - 4) + (c.offset() - 1032),
        "{stats:?}"
    );
    assert_eq!(
        (stats.live_slices, stats.allocations, stats.pages),
        (3, 3, 1)
    );
    assert_err(frame.allocate(8, 100), ErrorKind::InvalidUse);
    frame.reset();
    let stats = frame.stats();
    assert_eq!(
        (stats.in_use_bytes, stats.padding_bytes, stats.frees),
        (0, 0, 3)
    );
    assert_eq!(frame.epoch(), 1);
}
