//! Threads that use Dawn and end, after every instance is gone (issue 15: on NVIDIA's driver such threads
//! crashed at exit, in a thread-exit destructor of a driver the Vulkan loader had unloaded when the last
//! instance went). The crate keeps the libraries Dawn loads mapped for the process's lifetime: checked
//! directly here (on lavapipe too, where the loader unloads itself with the last instance), and by the
//! threads' exits themselves on a GPU.

use dawn::{BufferUsage, Instance, MapMode, RequestAdapterOptions};
use dawn_suite::WAIT;

/// Held by each test: the first checks what is mapped once no instance of the process is left.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// How many mappings of files whose name contains `name` this process has.
fn mapped(name: &str) -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("reading /proc/self/maps")
        .lines()
        .filter(|line| line.contains(name))
        .count()
}

/// Creates an instance, adapter and device on this thread, maps a buffer, and drops everything.
fn use_dawn_and_drop_everything() {
    let instance = Instance::new().expect("an instance");
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait_timeout(WAIT)
        .expect("an adapter");
    let device = adapter
        .request_device(&Default::default())
        .wait_timeout(WAIT)
        .expect("a device");
    let buffer = device
        .create_buffer_init(&dawn::BufferInitDescriptor {
            label: "thread exit",
            contents: dawn::bytemuck::cast_slice(&[0xC0FFEEu32, 7]),
            usage: BufferUsage::MapRead,
        })
        .expect("a buffer");
    buffer
        .map_async(MapMode::Read, ..)
        .wait_timeout(WAIT)
        .expect("mapping");
    assert_eq!(
        buffer.take_mapping().unwrap().typed::<u32>().unwrap(),
        [0xC0FFEE, 7]
    );
    drop((buffer, device, adapter, instance));
}

#[test]
fn the_vulkan_loader_stays_loaded_after_the_last_instance() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    // Everything is made and dropped on worker threads, which then end.
    for _ in 0..3 {
        std::thread::spawn(use_dawn_and_drop_everything)
            .join()
            .expect("a thread that used Dawn ended cleanly");
    }
    assert!(
        mapped("libvulkan.so") > 0,
        "the Vulkan loader was unloaded once no instance was left"
    );
}

#[test]
fn threads_that_use_dawn_then_end_never_crash() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    // Several at once and in turn, each creating and dropping its own instance; the process must survive
    // every thread's exit (a crash here kills the test binary).
    for _ in 0..5 {
        let threads: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(use_dawn_and_drop_everything))
            .collect();
        for thread in threads {
            thread
                .join()
                .expect("a thread that used Dawn ended cleanly");
        }
    }
}
