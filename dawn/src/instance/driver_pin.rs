//! Keeps every library loaded at run time (the Vulkan loader Dawn opens, the GPU driver it opens in turn)
//! loaded until the process ends.
//!
//! The Vulkan loader unloads the driver when the last Vulkan instance goes, that is when the last Dawn
//! instance is dropped. A driver that registered a thread-exit destructor (a `pthread_key` destructor is
//! not tied to its library) then leaves it pointing at unmapped code, and every thread that used the
//! driver crashes when it ends: seen on NVIDIA's driver as a SIGSEGV at thread exit, at an address no
//! library maps any more. After each adapter request, every library the process has loaded is marked
//! `RTLD_NODELETE`, so that none is ever unmapped; libraries loaded at start-up are never unloaded anyway.

use std::collections::HashSet;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::Mutex;

/// The libraries already pinned, by path.
static PINNED: Mutex<Option<HashSet<CString>>> = Mutex::new(None);

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod sys {
    use super::*;

    /// The leading fields of glibc's `struct dl_phdr_info` (only `name` is read).
    #[repr(C)]
    pub(super) struct DlPhdrInfo {
        pub(super) addr: usize,
        pub(super) name: *const c_char,
    }

    pub(super) const RTLD_LAZY: c_int = 0x1;
    pub(super) const RTLD_NOLOAD: c_int = 0x4;
    pub(super) const RTLD_NODELETE: c_int = 0x1000;

    unsafe extern "C" {
        pub(super) fn dl_iterate_phdr(
            callback: unsafe extern "C" fn(*mut DlPhdrInfo, usize, *mut c_void) -> c_int,
            data: *mut c_void,
        ) -> c_int;
        pub(super) fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    }
}

/// Marks every loaded library not pinned yet as never to be unloaded.
pub(crate) fn pin_loaded_libraries() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut names = Vec::<CString>::new();
        // SAFETY: the callback only copies each name into `names`, which outlives the call.
        unsafe { sys::dl_iterate_phdr(collect_name, (&raw mut names).cast()) };
        let mut pinned = PINNED.lock().unwrap_or_else(|e| e.into_inner());
        let pinned = pinned.get_or_insert_with(HashSet::new);
        for name in names {
            if pinned.contains(&name) {
                continue;
            }
            // SAFETY: a path of a library that is loaded; NOLOAD never loads anything new, and the handle
            // is kept (never closed) on purpose.
            unsafe {
                sys::dlopen(
                    name.as_ptr(),
                    sys::RTLD_LAZY | sys::RTLD_NOLOAD | sys::RTLD_NODELETE,
                )
            };
            pinned.insert(name);
        }
    }
}

/// `dl_iterate_phdr`'s callback: copies each library's path (the main program's is empty).
///
/// # Safety
/// `data` points at a `Vec<CString>`; `info` is glibc's, valid during the call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" fn collect_name(
    info: *mut sys::DlPhdrInfo,
    _size: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY: as the caller (glibc) promises.
    let (info, names) = unsafe { (&*info, &mut *data.cast::<Vec<CString>>()) };
    if !info.name.is_null() {
        // SAFETY: a NUL-terminated path owned by the loader.
        let name = unsafe { CStr::from_ptr(info.name) };
        if !name.is_empty() {
            names.push(name.to_owned());
        }
    }
    0
}
