//! Threads that use Dawn and end, after every instance is gone (issue 15: on NVIDIA's driver such threads
//! crashed at exit, in a thread-exit destructor of a driver the Vulkan loader had unloaded when the last
//! instance went). The crate keeps the libraries Dawn loads mapped for the process's lifetime: checked
//! directly here (on lavapipe too, where the loader unloads itself with the last instance), and by the
//! threads' exits themselves on a GPU. And a device's teardown waits for the thread-exit destructors of
//! threads that used Dawn, also those of keys created after Dawn loaded the driver (a driver's destructor
//! and `vkDestroyDevice` on another thread hung each other on an H200; a driver may create keys late).

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

/// Stand-ins for a driver's thread-exit destructor (glibc's thread-specific keys).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod late_key {
    use std::ffi::{c_int, c_uint, c_void};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    unsafe extern "C" {
        fn pthread_key_create(
            key: *mut c_uint,
            destructor: Option<unsafe extern "C" fn(*mut c_void)>,
        ) -> c_int;
        fn pthread_setspecific(key: c_uint, value: *const c_void) -> c_int;
    }

    /// The destructor has started.
    pub static STARTED: AtomicBool = AtomicBool::new(false);
    /// The test has begun the teardown the destructor must not overlap.
    pub static TEARDOWN_BEGUN: AtomicBool = AtomicBool::new(false);
    /// The destructor has ended.
    pub static ENDED: AtomicBool = AtomicBool::new(false);

    /// Waits (up to 10 s) for `flag`.
    pub fn wait_for(flag: &AtomicBool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !flag.load(Ordering::SeqCst) {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// Runs at the end of the thread that set the key: takes its time once the teardown has begun.
    unsafe extern "C" fn destructor(_: *mut c_void) {
        STARTED.store(true, Ordering::SeqCst);
        wait_for(&TEARDOWN_BEGUN);
        std::thread::sleep(Duration::from_millis(300));
        ENDED.store(true, Ordering::SeqCst);
    }

    /// A new key with `destructor`, set on this thread.
    pub fn create_and_set() {
        let mut key = 0;
        // SAFETY: a valid out pointer; the destructor never unwinds; the value is only a marker.
        unsafe {
            assert_eq!(pthread_key_create(&mut key, Some(destructor)), 0);
            assert_eq!(pthread_setspecific(key, std::ptr::dangling()), 0);
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn a_device_teardown_waits_for_thread_exit_destructors_of_keys_created_later() {
    use std::sync::atomic::Ordering;
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let gpu = dawn_suite::Gpu::new();
    // A thread uses Dawn (the driver is loaded by now), then a library creates a key (so it comes after
    // the crate's) and sets it on the thread, which ends.
    let thread = std::thread::spawn(|| {
        let instance = Instance::new().expect("an instance");
        let adapter = instance
            .request_adapter(&RequestAdapterOptions::default())
            .wait_timeout(WAIT)
            .expect("an adapter");
        drop((adapter, instance));
        late_key::create_and_set();
    });
    assert!(
        late_key::wait_for(&late_key::STARTED),
        "the thread's key destructor never ran"
    );
    late_key::TEARDOWN_BEGUN.store(true, Ordering::SeqCst);
    // The device's destruction waits for the destructor to end.
    drop(gpu);
    assert!(
        late_key::ENDED.load(Ordering::SeqCst),
        "the device was destroyed while a thread-exit destructor of a later key ran"
    );
    thread.join().expect("the thread ended cleanly");
}
