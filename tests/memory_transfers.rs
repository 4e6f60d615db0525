//! Uploads and read-backs of odd sizes (1, 3, 4097 bytes, several MiB) through `Slice::write`/`read` and
//! through the transfer rings, checked byte for byte; partial writes and zero fill; padding that never
//! reaches a neighbour; and the refusals that write nothing.

use dawn::memory::{Heap, HeapArena, ReadbackRing, Slice, TransferConfig, UploadRing};
use dawn::{BufferUsage, ErrorKind};
use dawn_suite::{Gpu, WAIT, assert_err, pattern};

const SIZES: [usize; 6] = [1, 3, 4, 4097, 65_536 + 5, (5 << 20) + 3];

/// Small chunks, several lanes and a depth of 2: every path of the rings runs, with many chunks.
fn small_rings(gpu: &Gpu) -> (UploadRing, ReadbackRing) {
    let config = TransferConfig {
        chunk_bytes: 64 << 10,
        depth: 2,
        threads: 3,
    };
    (
        UploadRing::new(&gpu.device, config).unwrap(),
        ReadbackRing::new(&gpu.device, config).unwrap(),
    )
}

#[test]
fn odd_sizes_round_trip_through_write_and_read() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    for (i, &size) in SIZES.iter().enumerate() {
        let slice = heap.alloc::<u8>(size).unwrap();
        let data = pattern(size, i as u32 + 1);
        slice.write(&data, 0, false).unwrap();
        let read = slice.read().wait_timeout(WAIT).unwrap();
        assert_eq!(read.len(), size);
        assert!(read == data, "size {size}");
    }
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn odd_sizes_round_trip_through_the_rings() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let (mut upload, mut readback) = small_rings(&gpu);
    for round in 0..2u32 {
        // The second round reuses the staging buffers with new data: nothing of the first may show.
        for (i, &size) in SIZES.iter().enumerate() {
            let slice = heap.alloc::<u8>(size).unwrap();
            let data = pattern(size, 100 * round + i as u32);
            upload.write(&slice, 0, &data).unwrap();
            // Read back by the simple path and by the ring.
            assert!(
                slice.read().wait_timeout(WAIT).unwrap() == data,
                "size {size}"
            );
            let mut out = vec![0u8; size];
            readback.read(&slice, 0, &mut out).unwrap();
            assert!(out == data, "size {size}");
            slice.free().unwrap();
        }
    }
    // Typed slices, and a part of one.
    let floats: Vec<f32> = (0..300_000).map(|i| i as f32 * 0.25 + 1.0).collect();
    let slice = heap.alloc::<f32>(floats.len()).unwrap();
    upload.write(&slice, 0, &floats).unwrap();
    let mut part = vec![0f32; 100_001];
    readback.read(&slice, 7, &mut part).unwrap();
    assert_eq!(part, floats[7..100_008]);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn the_rings_move_plain_buffers() {
    let gpu = Gpu::new();
    let (mut upload, mut readback) = small_rings(&gpu);
    let size = (3 << 20) + 8;
    let buffer = gpu.buffer(
        size as u64 + 16,
        BufferUsage::CopySrc | BufferUsage::CopyDst,
    );
    let data = pattern(size, 9);
    upload.write_buffer(&buffer, 16, &data).unwrap();
    let mut out = vec![0u8; size - 1]; // an odd length reads whole words, inside the buffer
    readback.read_buffer(&buffer, 16, &mut out).unwrap();
    assert!(out == data[..size - 1]);

    // WebGPU's copy rules, checked first: nothing is written, nothing is read.
    assert_err(
        upload.write_buffer(&buffer, 2, &data[..8]),
        ErrorKind::Validation,
    );
    assert_err(
        upload.write_buffer(&buffer, 0, &data[..7]),
        ErrorKind::Validation,
    );
    assert_err(
        upload.write_buffer(&buffer, size as u64 + 12, &data[..8]),
        ErrorKind::Validation,
    );
    let read_only = gpu.buffer(64, BufferUsage::CopySrc);
    let error = assert_err(
        upload.write_buffer(&read_only, 0, &data[..8]),
        ErrorKind::Validation,
    );
    assert!(error.message().contains("CopyDst"), "{error}");
    let write_only = gpu.buffer(64, BufferUsage::CopyDst);
    let mut small = [0u8; 8];
    assert_err(
        readback.read_buffer(&write_only, 0, &mut small),
        ErrorKind::Validation,
    );
    assert_err(
        readback.read_buffer(&buffer, 6, &mut small),
        ErrorKind::Validation,
    );
    assert_eq!(small, [0; 8]);
    readback.read_buffer(&buffer, 16, &mut out).unwrap();
    assert!(out == data[..size - 1], "the refused uploads wrote nothing");

    let bad = TransferConfig {
        depth: 0,
        ..Default::default()
    };
    assert_err(UploadRing::new(&gpu.device, bad), ErrorKind::InvalidUse);
    let huge = TransferConfig {
        chunk_bytes: gpu.device.limits().max_buffer_size + 1,
        ..Default::default()
    };
    assert_err(ReadbackRing::new(&gpu.device, huge), ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

/// Three `u8` slices packed 4 bytes apart in an arena: padding a 3-byte write lands in the slice's own
/// fourth byte, never in the next slice.
#[test]
fn padding_never_reaches_a_neighbour() {
    let gpu = Gpu::new();
    let arena = HeapArena::new(&gpu.device, 4096, 4).unwrap();
    let slices: Vec<Slice<u8>> = (0..3).map(|_| arena.alloc::<u8>(3).unwrap()).collect();
    assert_eq!(
        slices.iter().map(Slice::offset).collect::<Vec<_>>(),
        [0, 4, 8]
    );
    let (mut upload, mut readback) = small_rings(&gpu);
    slices[0].write(&[1, 2, 3], 0, false).unwrap();
    slices[2].write(&[7, 8, 9], 0, false).unwrap();
    upload.write(&slices[1], 0, &[4, 5, 6]).unwrap();
    for (slice, expected) in slices.iter().zip([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) {
        assert_eq!(slice.read().wait_timeout(WAIT).unwrap(), expected);
        let mut out = [0u8; 3];
        readback.read(slice, 0, &mut out).unwrap();
        assert_eq!(out, expected);
    }
}

#[test]
fn partial_writes_and_zero_fill() {
    let gpu = Gpu::new();
    let heap = Heap::new(&gpu.device, &Default::default()).unwrap();
    let slice = heap.alloc::<u8>(4097).unwrap();
    let full = pattern(4097, 3);
    slice.write(&full, 0, false).unwrap();

    // A part in the middle: whole words only; the rest stays.
    let part = pattern(100, 4);
    slice.write(&part, 1000, false).unwrap();
    let mut expected = full.clone();
    expected[1000..1100].copy_from_slice(&part);
    assert!(slice.read().wait_timeout(WAIT).unwrap() == expected);

    // Zero fill: everything after the written bytes becomes 0, also with an odd end; before stays.
    slice.write(&part[..5], 2000, true).unwrap();
    expected[2000..2005].copy_from_slice(&part[..5]);
    expected[2005..].fill(0);
    assert!(slice.read().wait_timeout(WAIT).unwrap() == expected);
    slice.write(&[], 0, true).unwrap();
    assert!(
        slice
            .read()
            .wait_timeout(WAIT)
            .unwrap()
            .iter()
            .all(|&b| b == 0)
    );

    // Refusals write nothing.
    slice.write(&full, 0, false).unwrap();
    let error = assert_err(slice.write(&part, 1, false), ErrorKind::Validation);
    assert!(error.message().contains("multiple of 4"), "{error}");
    let error = assert_err(slice.write(&part[..5], 0, false), ErrorKind::InvalidUse);
    assert!(error.message().contains("slice's end"), "{error}");
    assert_err(slice.write(&part, 4000, false), ErrorKind::InvalidUse);
    assert_err(slice.write(&part, usize::MAX, true), ErrorKind::InvalidUse);
    let (mut upload, mut readback) = small_rings(&gpu);
    assert_err(upload.write(&slice, 2, &part), ErrorKind::Validation);
    assert_err(upload.write(&slice, 0, &part[..5]), ErrorKind::InvalidUse);
    let mut out = vec![0u8; 8];
    assert_err(readback.read(&slice, 3, &mut out), ErrorKind::Validation);
    assert_err(readback.read(&slice, 4092, &mut out), ErrorKind::InvalidUse);
    assert!(slice.read().wait_timeout(WAIT).unwrap() == full);
    assert!(gpu.take_uncaptured().is_empty());
}
