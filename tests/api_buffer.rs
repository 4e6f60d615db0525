//! Buffer and Queue data paths: `Queue::write_buffer` (and its misuse: no `CopyDst`, unaligned offset or
//! size, out of bounds), `submit`, `read_back` through `MapRead` and through a `CopySrc` staging copy,
//! `CommandEncoder::copy_buffer_to_buffer`, `clear_buffer`, debug markers and groups, `finish`,
//! `Buffer::destroy`, size and usage, checked against a CPU model of the buffer.

use dawn::{BufferMapState, BufferUsage, ErrorKind, MapMode};
use dawn_suite::{Gpu, WAIT, assert_err};

#[test]
fn write_buffer_then_read_back_through_staging() {
    let gpu = Gpu::new();
    let b = gpu.buffer(
        256,
        BufferUsage::Storage | BufferUsage::CopyDst | BufferUsage::CopySrc,
    );
    let mut model = vec![0u32; 64];
    let data: Vec<u32> = (0..64).map(|i| i * i + 7).collect();
    gpu.queue.write_buffer(&b, 0, &data).unwrap();
    model.copy_from_slice(&data);
    // A partial write at an offset.
    gpu.queue
        .write_buffer(&b, 40, &[0xdead_beefu32, 0x1234_5678])
        .unwrap();
    model[10] = 0xdead_beef;
    model[11] = 0x1234_5678;
    let back: Vec<u32> = b.read_back().unwrap();
    assert_eq!(back, model);
    // Bytes and other Pod types work too.
    gpu.queue.write_buffer(&b, 252, &[1u8, 2, 3, 4]).unwrap();
    let bytes: Vec<u8> = b.read_back().unwrap();
    assert_eq!(&bytes[252..], &[1, 2, 3, 4]);
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn read_back_through_map_read() {
    let gpu = Gpu::new();
    let src = gpu.buffer(64, BufferUsage::CopySrc | BufferUsage::CopyDst);
    let readable = gpu.buffer(64, BufferUsage::MapRead | BufferUsage::CopyDst);
    let data: Vec<f32> = (0..16).map(|i| i as f32 * 0.25).collect();
    gpu.queue.write_buffer(&src, 0, &data).unwrap();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&src, 0, &readable, 0, 64);
    gpu.queue.submit(&[encoder.finish()]);
    let back: Vec<f32> = readable.read_back().unwrap();
    assert_eq!(back, data);
    // read_back leaves it unmapped, so it can be read again.
    assert_eq!(readable.map_state(), BufferMapState::Unmapped);
    assert_eq!(readable.read_back::<f32>().unwrap(), data);
    // Neither MapRead nor CopySrc: a typed error.
    let opaque = gpu.buffer(16, BufferUsage::Storage);
    assert_err(opaque.read_back::<u32>(), ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn write_buffer_misuse_is_refused_and_writes_nothing() {
    let gpu = Gpu::new();
    let b = gpu.buffer(64, BufferUsage::CopyDst | BufferUsage::CopySrc);
    let before: Vec<u32> = (100..116).collect();
    gpu.queue.write_buffer(&b, 0, &before).unwrap();
    let ones = [1u32; 4];
    // Unaligned offset.
    assert_err(gpu.queue.write_buffer(&b, 2, &ones), ErrorKind::Validation);
    // Size not a multiple of 4.
    assert_eq!(
        gpu.queue
            .write_buffer(&b, 0, &[1u8, 2, 3, 4, 5, 6])
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    // Out of bounds (ends 4 bytes past the end), and offset overflow.
    assert_err(gpu.queue.write_buffer(&b, 52, &ones), ErrorKind::Validation);
    assert_eq!(
        gpu.queue
            .write_buffer(&b, u64::MAX - 3, &ones)
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    // Exactly up to the end is fine.
    gpu.queue.write_buffer(&b, 48, &[9u32; 4]).unwrap();
    let mut model = before.clone();
    model[12..16].copy_from_slice(&[9; 4]);
    assert_eq!(b.read_back::<u32>().unwrap(), model);
    // No CopyDst.
    let no_dst = gpu
        .device
        .create_buffer_init(&dawn::BufferInitDescriptor {
            label: "no CopyDst",
            contents: bytemuck::cast_slice(&[5u32, 6, 7, 8]),
            usage: BufferUsage::CopySrc,
        })
        .unwrap();
    let error = gpu.queue.write_buffer(&no_dst, 0, &ones).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.message().contains("CopyDst"), "{error}");
    assert_eq!(no_dst.read_back::<u32>().unwrap(), [5, 6, 7, 8]);
    assert!(
        gpu.take_uncaptured().is_empty(),
        "refused before Dawn saw them"
    );
}

#[test]
fn copy_and_clear_match_a_cpu_model() {
    let gpu = Gpu::new();
    let usage = BufferUsage::CopySrc | BufferUsage::CopyDst;
    let a = gpu.buffer(128, usage);
    let b = gpu.buffer(128, usage);
    let a_data: Vec<u32> = (1..=32).collect();
    let b_data: Vec<u32> = (1001..=1032).collect();
    gpu.queue.write_buffer(&a, 0, &a_data).unwrap();
    gpu.queue.write_buffer(&b, 0, &b_data).unwrap();
    let (mut a_model, mut b_model) = (a_data.clone(), b_data.clone());

    let mut encoder = gpu
        .device
        .create_command_encoder(&dawn::CommandEncoderDescriptor { label: "copies" });
    encoder.push_debug_group("copies");
    encoder.insert_debug_marker("copy a[4..12] to b[20..28]");
    encoder.copy_buffer_to_buffer(&a, 16, &b, 80, 32);
    b_model[20..28].copy_from_slice(&a_model[4..12]);
    encoder.pop_debug_group();
    encoder.push_debug_group("clears");
    encoder.clear_buffer(&a, 8, Some(16));
    a_model[2..6].fill(0);
    encoder.clear_buffer(&b, 112, None);
    b_model[28..32].fill(0);
    encoder.pop_debug_group();
    // Copies see the clears recorded before them.
    encoder.copy_buffer_to_buffer(&a, 0, &b, 0, 16);
    b_model[0..4].copy_from_slice(&a_model[0..4]);
    gpu.queue.submit(&[encoder.finish()]);

    assert_eq!(a.read_back::<u32>().unwrap(), a_model);
    assert_eq!(b.read_back::<u32>().unwrap(), b_model);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn several_command_buffers_in_one_submit_run_in_order() {
    let gpu = Gpu::new();
    let usage = BufferUsage::CopySrc | BufferUsage::CopyDst;
    let a = gpu.buffer(16, usage);
    let b = gpu.buffer(16, usage);
    gpu.queue.write_buffer(&a, 0, &[5u32, 6, 7, 8]).unwrap();
    let mut first = gpu.device.create_command_encoder(&Default::default());
    first.copy_buffer_to_buffer(&a, 0, &b, 0, 16);
    let mut second = gpu.device.create_command_encoder(&Default::default());
    second.clear_buffer(&a, 0, None);
    gpu.queue.submit(&[first.finish(), second.finish()]);
    assert_eq!(b.read_back::<u32>().unwrap(), [5, 6, 7, 8]);
    assert_eq!(a.read_back::<u32>().unwrap(), [0; 4]);
    // An empty submit is fine.
    gpu.queue.submit(&[]);
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn invalid_commands_surface_at_finish_and_submit() {
    let gpu = Gpu::new();
    let a = gpu.buffer(16, BufferUsage::CopySrc | BufferUsage::CopyDst);
    let b = gpu.buffer(16, BufferUsage::CopyDst | BufferUsage::CopySrc);
    gpu.queue.write_buffer(&a, 0, &[1u32, 2, 3, 4]).unwrap();
    gpu.queue.write_buffer(&b, 0, &[3u32; 4]).unwrap();
    // An unbalanced debug group.
    let error = gpu
        .device
        .scoped(|d| {
            let mut e = d.create_command_encoder(&Default::default());
            e.pop_debug_group();
            e.finish()
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    // A copy past the end: finish reports it, the submit of the invalid buffer reports again and does nothing.
    let mut e = gpu.device.create_command_encoder(&Default::default());
    e.copy_buffer_to_buffer(&a, 0, &b, 8, 16);
    e.copy_buffer_to_buffer(&a, 0, &b, 0, 8);
    let invalid = e.finish();
    let submitted = gpu
        .device
        .scoped(|_| gpu.queue.submit(std::slice::from_ref(&invalid)));
    assert_eq!(submitted.unwrap_err().kind(), ErrorKind::Validation);
    assert_eq!(gpu.take_uncaptured().len(), 1, "finish reported the copy");
    assert_eq!(
        b.read_back::<u32>().unwrap(),
        [3; 4],
        "the valid copy did not run either"
    );
    // Submitting the same (valid) command buffer twice is a validation error the second time.
    let mut e = gpu.device.create_command_encoder(&Default::default());
    e.copy_buffer_to_buffer(&a, 0, &b, 0, 16);
    let cb = e.finish();
    gpu.queue.submit(std::slice::from_ref(&cb));
    assert_eq!(
        b.read_back::<u32>().unwrap(),
        [1, 2, 3, 4],
        "the first submit copied"
    );
    gpu.queue.write_buffer(&b, 0, &[9u32; 4]).unwrap();
    let second = gpu
        .device
        .scoped(|_| gpu.queue.submit(std::slice::from_ref(&cb)));
    assert_eq!(second.unwrap_err().kind(), ErrorKind::Validation);
    assert_eq!(
        b.read_back::<u32>().unwrap(),
        [9; 4],
        "the second submit copied nothing"
    );
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn destroyed_buffer_cannot_be_used() {
    let gpu = Gpu::new();
    let b = gpu.buffer(16, BufferUsage::MapRead | BufferUsage::CopyDst);
    let clone = b.clone();
    assert_eq!(clone, b);
    b.destroy().unwrap();
    // Mapping a destroyed buffer fails through the future (and a validation error).
    let mut map = None;
    let result = gpu
        .device
        .scoped(|_| map = Some(clone.map_async(MapMode::Read, ..).wait_timeout(WAIT)));
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Validation);
    let map = map.unwrap().unwrap_err();
    assert_eq!(map.kind(), ErrorKind::MapFailed, "{map}");
    // Copying into it is a validation error at submit.
    let src = gpu.buffer(16, BufferUsage::CopySrc);
    let error = gpu
        .device
        .scoped(|d| {
            let mut e = d.create_command_encoder(&Default::default());
            e.copy_buffer_to_buffer(&src, 0, &clone, 0, 16);
            gpu.queue.submit(&[e.finish()]);
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn debug_format_and_equality() {
    let gpu = Gpu::new();
    let a = gpu.buffer(32, BufferUsage::CopyDst);
    let b = gpu.buffer(32, BufferUsage::CopyDst);
    assert_ne!(a, b);
    assert_eq!(a, a.clone());
    let shown = format!("{a:?}");
    assert!(
        shown.contains("size: 32") && shown.contains("CopyDst"),
        "{shown}"
    );
    assert_eq!(
        format!("{:?}", BufferUsage::MapRead | BufferUsage::CopyDst),
        "MapRead | CopyDst"
    );
    assert_eq!(format!("{:?}", BufferUsage::None), "None");
}

#[test]
fn an_empty_buffer_reads_back_empty() {
    let gpu = Gpu::new();
    for usage in [
        BufferUsage::MapRead | BufferUsage::CopyDst,
        BufferUsage::CopySrc | BufferUsage::CopyDst,
    ] {
        let b = gpu.buffer(0, usage);
        assert_eq!(
            b.read_back::<u32>().unwrap(),
            Vec::<u32>::new(),
            "{usage:?}"
        );
    }
    let b = gpu.buffer(0, BufferUsage::MapRead | BufferUsage::CopyDst);
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    let view = b.get_mapped_range(..).unwrap();
    assert_eq!(view.typed::<u32>().unwrap(), &[] as &[u32]);
}
