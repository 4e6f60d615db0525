//! Dead slices (an arena's after its `reset()`, a heap's after `free()`) refuse every use with
//! `InvalidUse`, name their epoch and their owner's, and never touch the memory that now belongs to the
//! slice allocated in their place.

use dawn::ErrorKind;
use dawn::memory::{
    FrameArena, Heap, HeapArena, ReadbackRing, Slice, SliceKind, TransferConfig, UploadRing,
    bind_group, storage_layout,
};
use dawn_suite::{Gpu, WAIT, assert_err};

const LEN: usize = 64;

fn values(seed: u32) -> Vec<u32> {
    (0..LEN as u32).map(|i| seed * 1000 + i + 1).collect()
}

/// Every use of `dead` fails with `InvalidUse` whose message contains each of `words`, and `successor`
/// (which lies where `dead` did) still holds `values(2)`.
fn check_dead(gpu: &Gpu, dead: &Slice<u32>, successor: &Slice<u32>, words: &[&str]) {
    assert_eq!(dead.buffer(), successor.buffer());
    assert_eq!(
        dead.offset(),
        successor.offset(),
        "the successor reuses the memory"
    );
    assert!(!dead.is_alive());
    assert!(successor.is_alive());
    let check = |what: &str, error: dawn::Error| {
        assert_eq!(error.kind(), ErrorKind::InvalidUse, "{what}: {error}");
        for word in words {
            assert!(
                error.message().contains(word),
                "{what}: {error} lacks {word:?}"
            );
        }
    };
    check("assert_alive", dead.assert_alive().unwrap_err());
    check("write", dead.write(&values(3), 0, false).unwrap_err());
    check(
        "write with zero fill",
        dead.write(&[], 0, true).unwrap_err(),
    );
    check("read", dead.read().wait_timeout(WAIT).unwrap_err());
    check("entry", dead.entry(0).unwrap_err());
    let layout = storage_layout(&gpu.device, "one", 1);
    check(
        "bind_group",
        bind_group(&gpu.device, "dead", &layout, &[dead]).unwrap_err(),
    );
    // Bound next to a live slice: refused as a whole.
    let layout2 = storage_layout(&gpu.device, "two", 2);
    check(
        "bind_group with a live slice",
        bind_group(&gpu.device, "mixed", &layout2, &[successor, dead]).unwrap_err(),
    );
    let config = TransferConfig {
        chunk_bytes: 256,
        ..Default::default()
    };
    let mut upload = UploadRing::new(&gpu.device, config).unwrap();
    check("upload", upload.write(dead, 0, &values(4)).unwrap_err());
    let mut readback = ReadbackRing::new(&gpu.device, config).unwrap();
    let mut out = vec![0u32; LEN];
    check("read-back", readback.read(dead, 0, &mut out).unwrap_err());
    assert!(out.iter().all(|&v| v == 0), "the read-back wrote nothing");
    // None of that reached the memory.
    assert_eq!(successor.read().wait_timeout(WAIT).unwrap(), values(2));
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn frame_slices_die_at_reset() {
    let gpu = Gpu::new();
    let frame = FrameArena::new(&gpu.device, 0).unwrap();
    let dead = frame.alloc::<u32>(LEN).unwrap();
    dead.write(&values(1), 0, false).unwrap();
    let clone = dead.clone();
    assert_eq!(frame.reset(), 1);
    assert!(!clone.is_alive(), "clones die together");
    let successor = frame.alloc::<u32>(LEN).unwrap();
    successor.write(&values(2), 0, false).unwrap();
    assert_eq!((dead.epoch(), successor.epoch()), (0, 1));
    check_dead(
        &gpu,
        &dead,
        &successor,
        &["frame arena", "epoch 0", "epoch 1"],
    );
    let error = assert_err(dead.free(), ErrorKind::InvalidUse);
    assert!(error.message().contains("not freed one by one"), "{error}");
    // A rebuilt slice is refused too, naming both epochs.
    let error = assert_err(
        frame.slice_from_handle::<u32>(&dead.handle()),
        ErrorKind::InvalidUse,
    );
    assert!(error.message().contains("epoch 0") && error.message().contains("epoch 1"));
    // Many resets later, still dead.
    for _ in 0..5 {
        frame.reset();
    }
    assert!(!successor.is_alive());
    assert!(
        successor
            .assert_alive()
            .unwrap_err()
            .message()
            .contains("epoch 6")
    );
}

#[test]
fn heap_arena_slices_die_at_reset() {
    let gpu = Gpu::new();
    let arena = HeapArena::new(&gpu.device, 4096, 256).unwrap();
    let dead = arena.alloc::<u32>(LEN).unwrap();
    assert_eq!(dead.kind(), SliceKind::Arena);
    dead.write(&values(1), 0, false).unwrap();
    arena.reset();
    let successor = arena.alloc::<u32>(LEN).unwrap();
    successor.write(&values(2), 0, false).unwrap();
    check_dead(
        &gpu,
        &dead,
        &successor,
        &["heap arena", "epoch 0", "epoch 1"],
    );
}

#[test]
fn heap_slices_die_when_freed() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let dead = heap.alloc::<u32>(LEN).unwrap();
    dead.write(&values(1), 0, false).unwrap();
    let rebuilt = heap.slice_from_handle::<u32>(&dead.handle()).unwrap();
    dead.free().unwrap();
    assert!(
        !rebuilt.is_alive(),
        "a slice rebuilt from a handle dies with it"
    );
    let successor = heap.alloc::<u32>(LEN).unwrap();
    successor.write(&values(2), 0, false).unwrap();
    let (old, new) = (dead.epoch(), successor.epoch());
    assert_ne!(old, new);
    let words = [
        "was freed".to_string(),
        format!("allocation {old}"),
        format!("now holds allocation {new}"),
    ];
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    check_dead(&gpu, &dead, &successor, &words);
    check_dead(&gpu, &rebuilt, &successor, &words);
    assert_err(dead.free(), ErrorKind::InvalidUse);
    assert!(successor.is_alive(), "a refused double free frees nothing");
}
