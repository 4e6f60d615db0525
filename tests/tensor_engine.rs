//! The engine and the pool: block reuse after free, peak tracking, `empty_cache`, long-lived uploads,
//! long recorded chains, uploads that must not overtake recorded reads, one pipeline for every shape,
//! grids past 65,535 workgroups, several devices (copies between them and the mixing error), a device
//! from the user's own `dawn::Device` and its limits, and use from several threads.

mod tensor_util;

use dawn::ErrorKind;
use dawn::tensor::{DType, Device, Tensor};
use tensor_util::device;

fn own_device() -> Device {
    Device::default_gpu().expect("a tensor device")
}

#[test]
fn freed_blocks_are_reused_and_counted() {
    let d = own_device();
    let x = Tensor::ones(&[1000], DType::F32, &d).unwrap(); // 4,000 bytes: the 4,096-byte class
    let stats = d.memory_stats();
    assert_eq!(stats["allocated_bytes.all.current"], 4096);
    assert_eq!(stats["requested_bytes.all.current"], 4000);
    assert_eq!(stats["allocation.small_pool.current"], 1);
    assert_eq!(stats["num_device_alloc"], 1);
    drop(x);
    d.sync().unwrap();
    assert_eq!(d.memory_allocated(), 0);
    assert_eq!(d.memory_reserved(), 4096, "the block stays cached");
    let y = Tensor::full(&[1010], 2.0, DType::F32, &d).unwrap(); // same class: the cached block
    assert_eq!(d.memory_stats()["num_device_alloc"], 1);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0; 1010]);
    // Peaks: two more blocks at once, then back.
    let a = Tensor::zeros(&[300_000], DType::F32, &d).unwrap();
    let b = Tensor::zeros(&[300_000], DType::F32, &d).unwrap();
    let peak = d.max_memory_allocated();
    assert!(peak >= 2 * 1_200_000 + 4096, "peak {peak}");
    drop((a, b));
    d.sync().unwrap();
    assert_eq!(d.memory_allocated(), 4096);
    assert_eq!(d.max_memory_allocated(), peak);
    d.reset_peak_memory_stats();
    assert_eq!(d.max_memory_allocated(), 4096);
    // empty_cache gives the cached blocks back to the device.
    let reserved = d.memory_reserved();
    assert!(reserved > 4096);
    d.empty_cache().unwrap();
    assert_eq!(d.memory_reserved(), 4096);
    let stats = d.memory_stats();
    assert_eq!(stats["num_device_free"], stats["num_device_alloc"] - 1);
    assert_eq!(stats["segment.all.current"], 1);
    drop(y);
    let summary = d.memory_summary(false);
    assert!(summary.contains("dawn::tensor memory summary"), "{summary}");
    assert!(
        summary.contains(" Allocated memory      |      0 B   |"),
        "{summary}"
    );
    assert!(
        summary.lines().all(|l| l.chars().count() == 77),
        "{summary}"
    );
}

#[test]
fn uploads_take_exact_blocks_and_give_them_straight_back() {
    let d = own_device();
    let t = Tensor::from_slice(&vec![1.0f32; 1000], &[1000], &d).unwrap();
    assert_eq!(d.memory_allocated(), 4096, "4,000 bytes rounded to 256");
    assert_eq!(d.memory_stats()["requested_bytes.all.current"], 4000);
    drop(t);
    d.flush().unwrap();
    assert_eq!(d.memory_reserved(), 0, "not cached");
    // A long chain of temporaries reuses memory instead of growing the pool.
    let mut x = Tensor::zeros(&[256, 1024], DType::F32, &d).unwrap();
    for _ in 0..300 {
        x = (&x + 1.0).unwrap();
    }
    assert_eq!(
        x.sum((), false).unwrap().item::<f32>().unwrap(),
        300.0 * 256.0 * 1024.0
    );
    let reserved = d.max_memory_reserved();
    assert!(
        reserved < 300 << 20,
        "{reserved} bytes reserved for a 1 MiB chain"
    );
}

#[test]
fn uploads_never_overtake_recorded_reads() {
    let d = device();
    for round in 0..20 {
        let base = round as f32;
        let a = (Tensor::from_slice(&[base; 256], &[256], d).unwrap() + 0.0).unwrap();
        let doubled = (&a * 2.0).unwrap(); // recorded, not submitted
        drop(a);
        // New data arrives (queue.write_buffer runs before unsubmitted commands) and new outputs are
        // allocated; neither may land in the block the recorded multiply still reads.
        let other = Tensor::from_slice(&[-1.0f32; 256], &[256], d).unwrap();
        let filled = Tensor::full(&[256], -5.0, DType::F32, d).unwrap();
        assert_eq!(
            doubled.to_vec::<f32>().unwrap(),
            vec![2.0 * base; 256],
            "round {round}"
        );
        assert_eq!(other.to_vec::<f32>().unwrap()[0], -1.0);
        assert_eq!(filled.to_vec::<f32>().unwrap()[255], -5.0);
    }
}

#[test]
fn one_pipeline_serves_every_shape() {
    let d = own_device();
    let a = Tensor::ones(&[3, 5], DType::F32, &d).unwrap();
    (&a + &a).unwrap().to_vec::<f32>().unwrap();
    let before = d.kernels_compiled();
    // Odd element counts all take the scalar path (a count in fours would take the vector one, a second
    // pipeline of the same op).
    for shape in [[7usize, 11], [1, 1], [63, 3], [1001, 9]] {
        let b = Tensor::ones(&shape, DType::F32, &d).unwrap();
        let s = (&b + &b).unwrap().to_vec::<f32>().unwrap();
        assert!(s.iter().all(|&v| v == 2.0));
    }
    assert_eq!(d.kernels_compiled(), before);
    assert!(d.kernels_compiled() >= 2);
}

#[test]
fn grids_past_65535_workgroups() {
    let d = device();
    let n = 4100;
    let x = Tensor::arange(0.0, (n * n) as f64, 1.0, DType::I32, d)
        .unwrap()
        .reshape(&[n as isize, n as isize])
        .unwrap();
    // A transposed copy reads one element per invocation: 16.8 million, 65,664 workgroups.
    let t = x
        .t()
        .unwrap()
        .contiguous()
        .unwrap()
        .to_vec::<i32>()
        .unwrap();
    for (r, c) in [
        (0usize, 0usize),
        (1, 0),
        (0, 1),
        (4099, 4099),
        (1234, 3210),
        (4099, 17),
    ] {
        assert_eq!(t[r * n + c], (c * n + r) as i32, "({r}, {c})");
    }
}

#[test]
fn devices_coexist_and_copy_between_them() {
    let a = device();
    let b = own_device();
    assert!(!a.same(&b));
    assert_ne!(a.name(), b.name());
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3], a).unwrap();
    let y = x.to(&b).unwrap();
    assert!(y.device().same(&b));
    assert_eq!(
        (&y * 2.0).unwrap().to_vec::<f32>().unwrap(),
        [2.0, 4.0, 6.0]
    );
    assert!(x.to(a).unwrap().shares_storage(&x));
    let err = (&x + &y).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUse);
    assert_eq!(
        err.message(),
        format!(
            "Expected all tensors to be on the same device, but found at least two devices, {} and {}!",
            a.name(),
            b.name()
        )
    );
    let mask = Tensor::ones(&[3], DType::Bool, &b).unwrap();
    assert!(x.where_(&mask, 0).is_err());
}

#[test]
fn a_device_from_the_users_own_dawn_device() {
    let instance = dawn::Instance::new().unwrap();
    let adapter = instance
        .request_adapter(&Default::default())
        .wait()
        .unwrap();
    let gpu = adapter.request_device(&Default::default()).wait().unwrap();
    let d = Device::new(gpu.clone()).unwrap();
    let caps = d.capabilities();
    assert_eq!(
        caps.max_storage_buffer_binding_size,
        gpu.limits().max_storage_buffer_binding_size
    );
    assert_eq!(caps.dtypes.len(), 7);
    let x = Tensor::arange(0.0, 10.0, 1.0, DType::F32, &d).unwrap();
    assert_eq!(x.sum((), false).unwrap().item::<f32>().unwrap(), 45.0);
    // WebGPU's default limits bind at most 128 MiB: a bigger tensor is refused up front.
    let limit = caps.max_tensor_bytes;
    let elements = (limit / 4 + 1024) as usize;
    let err = Tensor::zeros(&[elements], DType::F32, &d).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory);
    assert!(err.message().contains("exceeds the device's max"), "{err}");
    assert!(err.message().contains(&(elements * 4).to_string()), "{err}");
    d.sync().unwrap();
}

#[test]
fn tensors_work_from_several_threads() {
    let d = device();
    let shared = Tensor::arange(0.0, 1000.0, 1.0, DType::F32, d).unwrap();
    std::thread::scope(|s| {
        for k in 0..4 {
            let shared = &shared;
            s.spawn(move || {
                let mut acc = shared.clone();
                for _ in 0..50 {
                    acc = (&acc + k as f32).unwrap();
                }
                let sum = acc.sum((), false).unwrap().item::<f32>().unwrap();
                assert_eq!(sum, 499_500.0 + 50.0 * k as f32 * 1000.0, "thread {k}");
            });
        }
    });
    d.sync().unwrap();
}
