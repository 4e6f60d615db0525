//! `dawn::memory::Heap`: seeded random allocation and free sequences against a model (live slices never
//! overlap, alignment holds, the stats add up, the data written to each slice survives the others), reuse
//! of freed space, dedicated pages for big requests, `trim`, and threads.

use dawn::ErrorKind;
use dawn::memory::{Block, Heap, HeapDescriptor, SliceKind, Stats};
use dawn_suite::{Gpu, Rng, WAIT, assert_err, pattern};

const PAGE: u64 = 64 << 10;

fn heap(gpu: &Gpu) -> Heap {
    Heap::new(
        &gpu.device,
        &HeapDescriptor {
            label: "test heap",
            page_size: PAGE,
            ..Default::default()
        },
    )
    .expect("a heap")
}

/// Checks the invariants the model gives: alignment, no overlap within a page, stats.
fn check(heap: &Heap, live: &[(Block, Vec<u8>)]) {
    let align = heap.alignment();
    for (i, (a, _)) in live.iter().enumerate() {
        assert!(a.is_alive());
        assert_eq!(a.offset() % align, 0, "{a:?} misaligned");
        assert!(a.reserved() >= a.size() && a.reserved() % align == 0);
        assert!(a.offset() + a.reserved() <= a.buffer().size());
        for (b, _) in &live[i + 1..] {
            if a.buffer() == b.buffer() {
                let apart = a.offset() + a.reserved() <= b.offset()
                    || b.offset() + b.reserved() <= a.offset();
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }
    let stats = heap.stats();
    assert_eq!(stats.live_slices, live.len());
    assert_eq!(
        stats.in_use_bytes,
        live.iter().map(|(b, _)| b.size()).sum::<u64>()
    );
    assert_eq!(
        stats.padding_bytes,
        live.iter()
            .map(|(b, _)| b.reserved() - b.size())
            .sum::<u64>()
    );
    assert!(stats.in_use_bytes + stats.padding_bytes <= stats.reserved_bytes);
    assert!(stats.peak_in_use_bytes >= stats.in_use_bytes);
}

/// Reads every live block back and compares it with what was written into it.
fn check_contents(live: &[(Block, Vec<u8>)]) {
    for (block, data) in live {
        let read = block
            .typed::<u8>()
            .unwrap()
            .read()
            .wait_timeout(WAIT)
            .unwrap();
        assert!(read == *data, "{block:?} lost its data");
    }
}

#[test]
fn random_sequences_against_a_model() {
    let gpu = Gpu::new();
    for seed in [1u64, 0xDEAD_BEEF, 77] {
        let heap = heap(&gpu);
        let mut rng = Rng::new(seed);
        let mut live: Vec<(Block, Vec<u8>)> = Vec::new();
        let mut allocations = 0u64;
        for step in 0..300 {
            if live.is_empty() || rng.below(5) < 3 {
                // Mostly small sizes, odd ones included; now and then one over half a page.
                let size = match rng.below(10) {
                    0 => PAGE / 2 + 1 + rng.below(PAGE),
                    1 => rng.below(4),
                    _ => 1 + rng.below(6000),
                };
                let align = 1 << rng.below(11);
                let pages = heap.stats().pages;
                let block = heap.allocate(size, align).unwrap();
                allocations += 1;
                assert_eq!(block.kind(), SliceKind::Heap);
                assert_eq!(block.size(), size);
                assert_eq!(block.offset() % align.max(heap.alignment()), 0);
                if size > PAGE / 2 && heap.stats().pages > pages {
                    assert_eq!(block.buffer().size(), block.reserved(), "a dedicated page");
                }
                let data = pattern(size as usize, seed as u32 ^ step);
                block.typed::<u8>().unwrap().write(&data, 0, false).unwrap();
                live.push((block, data));
            } else {
                let (block, _) = live.swap_remove(rng.below(live.len() as u64) as usize);
                block.free().unwrap();
                assert!(!block.is_alive());
            }
            check(&heap, &live);
            if step % 100 == 99 {
                check_contents(&live);
            }
        }
        check_contents(&live);
        let stats = heap.stats();
        assert_eq!(stats.allocations, allocations);
        assert_eq!(stats.frees, allocations - live.len() as u64);
        for (block, _) in live.drain(..) {
            block.free().unwrap();
        }
        // Every page is empty now: trim gives them all back.
        let pages = heap.stats().pages;
        assert!(pages > 1);
        assert_eq!(heap.trim(), pages);
        let stats = heap.stats();
        assert_eq!(
            (stats.pages, stats.reserved_bytes, stats.in_use_bytes),
            (0, 0, 0)
        );
        assert_eq!(stats.padding_bytes, 0);
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn freed_space_is_reused_before_a_page_is_added() {
    let gpu = Gpu::new();
    let heap = heap(&gpu);
    let a = heap.allocate(1000, 1).unwrap();
    let b = heap.allocate(3000, 1).unwrap();
    let c = heap.allocate(500, 1).unwrap();
    assert!(a.buffer() == b.buffer() && b.buffer() == c.buffer());
    let reserved = heap.stats().reserved_bytes;
    b.free().unwrap();
    // The hole b left is the best fit for a request of its size.
    let d = heap.allocate(2900, 1).unwrap();
    assert_eq!((d.buffer(), d.offset()), (b.buffer(), b.offset()));
    // Freeing neighbours merges them: a request as big as a, the hole and c fits at a's offset.
    d.free().unwrap();
    a.free().unwrap();
    c.free().unwrap();
    let e = heap
        .allocate(a.reserved() + b.reserved() + c.reserved(), 1)
        .unwrap();
    assert_eq!((e.buffer(), e.offset()), (a.buffer(), a.offset()));
    assert_eq!(heap.stats().reserved_bytes, reserved, "no page was added");
    assert_eq!(heap.trim(), 0, "the page holds e");
    e.free().unwrap();
    assert_eq!(heap.trim(), 1);
}

#[test]
fn stats_count_padding_and_peak() {
    let gpu = Gpu::new();
    let heap = heap(&gpu);
    let granule = heap.alignment();
    let a = heap.alloc::<u8>(3).unwrap();
    let b = heap.alloc::<f32>(100).unwrap();
    let stats = heap.stats();
    let expected = Stats {
        reserved_bytes: PAGE,
        in_use_bytes: 403,
        peak_in_use_bytes: 403,
        padding_bytes: (granule - 3) + (400u64.next_multiple_of(granule) - 400),
        pages: 1,
        live_slices: 2,
        allocations: 2,
        frees: 0,
    };
    assert_eq!(stats, expected);
    b.free().unwrap();
    let stats = heap.stats();
    assert_eq!((stats.in_use_bytes, stats.peak_in_use_bytes), (3, 403));
    heap.reset_peak();
    assert_eq!(heap.stats().peak_in_use_bytes, 3);
    a.free().unwrap();
    assert_eq!(heap.stats().frees, 2);
}

#[test]
fn refusals_change_nothing() {
    let gpu = Gpu::new();
    let heap = heap(&gpu);
    let kept = heap.alloc::<u32>(8).unwrap();
    let before = heap.stats();
    let max = gpu.device.limits().max_buffer_size;
    let error = assert_err(heap.allocate(max + 1, 1), ErrorKind::Validation);
    assert!(error.message().contains("maxBufferSize"), "{error}");
    assert_err(heap.allocate(16, 3), ErrorKind::InvalidUse);
    assert_err(heap.alloc::<u64>(usize::MAX), ErrorKind::InvalidUse);
    assert_err(heap.alloc::<()>(4), ErrorKind::InvalidUse);
    assert_eq!(heap.stats(), before);
    assert!(kept.is_alive());
    kept.free().unwrap();
    let error = assert_err(kept.free(), ErrorKind::InvalidUse);
    assert!(error.message().contains("was freed"), "{error}");
}

#[test]
fn threads_share_a_heap() {
    let gpu = Gpu::new();
    let heap = heap(&gpu);
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let heap = heap.clone();
            std::thread::spawn(move || {
                let mut rng = Rng::new(t + 1);
                let mut mine = Vec::new();
                for _ in 0..200 {
                    if mine.is_empty() || rng.below(3) != 0 {
                        mine.push(heap.allocate(1 + rng.below(5000), 1).unwrap());
                    } else {
                        let block: Block = mine.swap_remove(rng.below(mine.len() as u64) as usize);
                        block.free().unwrap();
                    }
                }
                mine
            })
        })
        .collect();
    let live: Vec<(Block, Vec<u8>)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .map(|b| (b, Vec::new()))
        .collect();
    check(&heap, &live);
}
