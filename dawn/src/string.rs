//! `WGPUStringView` in and out, without copies on the way in.

use dawn_sys::{WGPU_STRLEN, WGPUStringView};
use std::ffi::{CStr, c_char};

/// Borrows `s` as a string view (valid while `s` is).
#[inline]
pub(crate) fn view(s: &str) -> WGPUStringView {
    WGPUStringView {
        data: s.as_ptr().cast::<c_char>(),
        length: s.len(),
    }
}

/// A descriptor label: `""` passes the absent view, so Dawn does not build and free an empty label string for
/// every object (measurable on hot paths such as one encoder per submit).
#[inline]
pub(crate) fn label(s: &str) -> WGPUStringView {
    if s.is_empty() { NULL_VIEW } else { view(s) }
}

/// The "absent" string view (`WGPU_STRING_VIEW_INIT`).
pub(crate) const NULL_VIEW: WGPUStringView = WGPUStringView {
    data: std::ptr::null(),
    length: WGPU_STRLEN,
};

/// Copies a string view Dawn handed us (valid only during the call) into a `String`.
///
/// # Safety
/// `v` must be a valid string view: null, NUL-terminated with `WGPU_STRLEN`, or `length` readable bytes.
pub(crate) unsafe fn to_string(v: WGPUStringView) -> String {
    if v.data.is_null() {
        return String::new();
    }
    let bytes = if v.length == WGPU_STRLEN {
        // SAFETY: as the caller promised, NUL-terminated.
        unsafe { CStr::from_ptr(v.data) }.to_bytes()
    } else {
        // SAFETY: as the caller promised, `length` readable bytes.
        unsafe { std::slice::from_raw_parts(v.data.cast::<u8>(), v.length) }
    };
    String::from_utf8_lossy(bytes).into_owned()
}
