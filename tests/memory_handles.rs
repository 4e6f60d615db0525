//! Slice handles: round trips for every kind of allocator and element type, and the handles that must be
//! refused (another owner, another element type, another kind, an offset or length no slice has).

use dawn::ErrorKind;
use dawn::memory::{DType, FrameArena, Heap, HeapArena, Slice, SliceHandle, SliceKind};
use dawn_suite::{Gpu, WAIT, assert_err};

/// A `Pod` element that is none of the four named types.
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Pair {
    a: u16,
    b: u16,
}

/// The rebuilt slice is the same memory: same fields, and a write through it shows through the original.
fn round_trip<T: bytemuck::Pod + Send + PartialEq + std::fmt::Debug>(
    slice: &Slice<T>,
    rebuild: impl Fn(&SliceHandle) -> dawn::Result<Slice<T>>,
    data: &[T],
) {
    let handle = slice.handle();
    assert_eq!(handle.kind, slice.kind());
    assert_eq!(handle.dtype, DType::of::<T>());
    assert_eq!((handle.offset, handle.len), (slice.offset(), slice.len()));
    let rebuilt = rebuild(&handle).unwrap();
    assert_eq!(rebuilt.handle(), handle);
    assert_eq!(rebuilt.buffer(), slice.buffer());
    rebuilt.write(data, 0, false).unwrap();
    assert_eq!(slice.read().wait_timeout(WAIT).unwrap(), data);
}

#[test]
fn handles_round_trip_for_every_kind_and_type() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let frame = FrameArena::new(&gpu.device, 0).unwrap();
    let arena = HeapArena::new(&gpu.device, 1 << 16, 256).unwrap();

    let floats: Vec<f32> = (0..10).map(|i| i as f32 * 0.5 - 2.0).collect();
    let ints: Vec<i32> = (0..7).map(|i| -3 * i - 1).collect();
    let words: Vec<u32> = (0..5).map(|i| 0xF000_0000 | i).collect();
    let bytes: Vec<u8> = (1..=13).collect();
    let pairs: Vec<Pair> = (0..6)
        .map(|i| Pair {
            a: i + 1,
            b: 100 - i,
        })
        .collect();

    round_trip(
        &heap.alloc::<f32>(10).unwrap(),
        |h| heap.slice_from_handle(h),
        &floats,
    );
    round_trip(
        &frame.alloc::<i32>(7).unwrap(),
        |h| frame.slice_from_handle(h),
        &ints,
    );
    round_trip(
        &arena.alloc::<u32>(5).unwrap(),
        |h| arena.slice_from_handle(h),
        &words,
    );
    round_trip(
        &heap.alloc::<u8>(13).unwrap(),
        |h| heap.slice_from_handle(h),
        &bytes,
    );
    round_trip(
        &frame.alloc::<Pair>(6).unwrap(),
        |h| frame.slice_from_handle(h),
        &pairs,
    );

    assert_eq!(DType::of::<f32>(), DType::F32);
    assert_eq!(DType::of::<i32>().name(), "i32");
    let pair = DType::of::<Pair>();
    assert!(matches!(pair, DType::Pod { size: 4, .. }), "{pair:?}");
    assert!(pair.name().ends_with("Pair"));
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn foreign_and_forged_handles_are_refused() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let other_heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let frame = FrameArena::new(&gpu.device, 0).unwrap();
    let other_frame = FrameArena::new(&gpu.device, 0).unwrap();

    let slice = heap.alloc::<f32>(16).unwrap();
    let handle = slice.handle();
    let message = |result: dawn::Result<Slice<f32>>| {
        assert_err(result, ErrorKind::InvalidUse)
            .message()
            .to_string()
    };
    assert!(message(other_heap.slice_from_handle(&handle)).contains("belongs to heap"));
    let wrong_type = assert_err(
        heap.slice_from_handle::<u32>(&handle),
        ErrorKind::InvalidUse,
    );
    assert!(
        wrong_type.message().contains("f32 elements, not u32"),
        "{wrong_type}"
    );
    assert!(message(frame.slice_from_handle(&handle)).contains("cannot rebuild"));
    let forged_len = SliceHandle { len: 17, ..handle };
    assert!(message(heap.slice_from_handle(&forged_len)).contains("holds 64 bytes"));
    let forged_offset = SliceHandle {
        offset: handle.offset + 256,
        ..handle
    };
    assert!(message(heap.slice_from_handle(&forged_offset)).contains("was freed"));

    let scratch = frame.alloc::<f32>(16).unwrap();
    let handle = scratch.handle();
    assert_eq!(handle.kind, SliceKind::Frame);
    assert!(message(other_frame.slice_from_handle(&handle)).contains("belongs to frame arena"));
    let forged_offset = SliceHandle {
        offset: handle.offset + 4,
        ..handle
    };
    assert!(message(frame.slice_from_handle(&forged_offset)).contains("no slice of epoch 0"));
    let forged_len = SliceHandle { len: 4, ..handle };
    assert!(message(frame.slice_from_handle(&forged_len)).contains("says 4 elements"));
    // The genuine handle still works after all those refusals.
    assert!(frame.slice_from_handle::<f32>(&handle).unwrap().is_alive());
}
