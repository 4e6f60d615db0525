//! Keeps the driver's per-thread teardown apart from the destruction of devices and instances.
//!
//! On NVIDIA's driver a thread that used it runs a thread-exit destructor of the driver's, which takes a
//! driver lock; `vkDestroyDevice` on another thread holds that lock while it waits for the driver's own
//! work to wind down, and the two wait for each other for good (seen on an H200 as test binaries that hung
//! at random: one thread in `vkDestroyDevice`, another in the driver's thread-exit destructor, every other
//! Dawn call queued behind them; RELIABILITY.md). So each such teardown holds a process-wide lock:
//! - destroying a device or instance (Dawn's destroy, or the release of its last reference) holds it
//!   exclusively ([`exclusive`]);
//! - a thread that used Dawn holds it shared across the driver's thread-exit destructors: it registers two
//!   thread-specific keys, one created before the driver was loaded and one after ([`driver_loading`],
//!   [`driver_loaded`]). glibc runs key destructors in rounds, each round in key order, and runs another
//!   round while a destructor set a value again: the first key's destructor takes the lock, the driver's
//!   run, and the second key's sets itself again once, so that it releases the lock in the second round,
//!   after every destructor of the first, including those of keys created after the second key (by the
//!   driver when it opens a device, say: a release in the first round left those unguarded). A thread
//!   registers at its first Dawn call that can reach the driver ([`enter`]).
//!
//! Where the keys cannot be had (not glibc, or no free key) this does nothing.

use parking_lot::lock_api::RawRwLock as _;
use std::cell::Cell;
use std::ffi::{c_int, c_uint, c_void};
use std::sync::OnceLock;

/// Held exclusively by device and instance teardown, shared by threads running the driver's thread-exit
/// destructors.
static TEARDOWN: parking_lot::RawRwLock = parking_lot::RawRwLock::INIT;

/// The key whose destructor runs before the driver's (created before the driver is loaded).
static FIRST: OnceLock<Option<c_uint>> = OnceLock::new();
/// The key whose destructor runs after the driver's (created once it is loaded).
static LAST: OnceLock<Option<c_uint>> = OnceLock::new();

thread_local! {
    /// Whether this thread is registered (with both keys: never with one alone).
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// Whether this thread's last key destructor has run once (set itself again) while the thread ends.
    static DEFERRED: Cell<bool> = const { Cell::new(false) };
    /// How many exclusive holds this thread has (a destroy whose callbacks drop another device).
    static EXCLUSIVE: Cell<u32> = const { Cell::new(0) };
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    fn pthread_key_create(
        key: *mut c_uint,
        destructor: Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> c_int;
    fn pthread_setspecific(key: c_uint, value: *const c_void) -> c_int;
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn new_key(destructor: unsafe extern "C" fn(*mut c_void)) -> Option<c_uint> {
    let mut key = 0;
    // SAFETY: a valid out pointer and a destructor that never unwinds.
    (unsafe { pthread_key_create(&mut key, Some(destructor)) } == 0).then_some(key)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn new_key(_destructor: unsafe extern "C" fn(*mut c_void)) -> Option<c_uint> {
    None
}

/// Sets this thread's value of `key` (`armed`: its destructor runs when the thread ends) or clears it;
/// false if that failed.
fn set(key: c_uint, armed: bool) -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: a key this module created; the value is only a marker.
    unsafe {
        let value = if armed {
            std::ptr::dangling::<c_void>()
        } else {
            std::ptr::null()
        };
        pthread_setspecific(key, value) == 0
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = (key, armed);
        false
    }
}

/// The first key's destructor: the driver's thread-exit destructors run from now until `release`.
unsafe extern "C" fn acquire(_: *mut c_void) {
    TEARDOWN.lock_shared();
}

/// The last key's destructor: in the first round it sets its key again (the next round runs after every
/// destructor of this one); in the second it releases the lock.
unsafe extern "C" fn release(_: *mut c_void) {
    // Released now if the key cannot be set again: a lock never released would block every teardown.
    let first_round = !DEFERRED.replace(true);
    if first_round
        && let Some(Some(last)) = LAST.get()
        && set(*last, true)
    {
        return;
    }
    // SAFETY: `acquire` ran for this thread in the first round (its key comes first).
    unsafe { TEARDOWN.unlock_shared() };
}

/// Before the first instance is created (the driver is not loaded yet): creates the first key.
pub(crate) fn driver_loading() {
    FIRST.get_or_init(|| new_key(acquire));
}

/// Once an adapter was found (the driver is loaded): creates the last key.
pub(crate) fn driver_loaded() {
    if FIRST.get().copied().flatten().is_some() {
        LAST.get_or_init(|| new_key(release));
    }
}

/// Registers this thread (once): call before a Dawn call that can reach the driver.
#[inline]
pub(crate) fn enter() {
    if !REGISTERED.get() {
        register();
    }
}

#[cold]
fn register() {
    // Both keys or neither: a thread holding the lock with nothing to release it would block every
    // teardown for good.
    let (Some(Some(first)), Some(Some(last))) = (FIRST.get(), LAST.get()) else {
        return;
    };
    if !set(*first, true) {
        return;
    }
    if set(*last, true) {
        REGISTERED.set(true);
    } else {
        set(*first, false);
    }
}

/// Runs `teardown` (a device's or instance's destruction) with the lock held exclusively.
pub(crate) fn exclusive<R>(teardown: impl FnOnce() -> R) -> R {
    /// Releases the hold, also if `teardown` unwinds.
    struct Hold(u32);
    impl Drop for Hold {
        fn drop(&mut self) {
            EXCLUSIVE.set(self.0);
            if self.0 == 0 {
                // SAFETY: locked by this thread when the hold was taken.
                unsafe { TEARDOWN.unlock_exclusive() };
            }
        }
    }
    let depth = EXCLUSIVE.get();
    if depth == 0 {
        TEARDOWN.lock_exclusive();
    }
    EXCLUSIVE.set(depth + 1);
    let _hold = Hold(depth);
    teardown()
}
