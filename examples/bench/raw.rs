//! The raw side: the same work through `webgpu.h` calls only, on handles borrowed from the safe objects
//! (so Dawn does identical work and only the Rust layer differs). Callbacks use the same modes as the
//! crate: `AllowProcessEvents` waited with `wgpuInstanceWaitAny` in 1 s slices, and `AllowSpontaneous`
//! for maps (an idle buffer's map completes inside `wgpuBufferMapAsync`).
//!
//! Every function here is `unsafe`: the handles must be live, which the bench guarantees by keeping the
//! safe objects they were borrowed from alive and never destroying the device.

use anyhow::{Result, bail, ensure};
use dawn::dawn_sys as sys;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};

/// Raw handles of the shared instance, device and queue (no reference of their own).
#[derive(Clone, Copy)]
pub struct Raw {
    pub instance: sys::WGPUInstance,
    pub device: sys::WGPUDevice,
    pub queue: sys::WGPUQueue,
}

/// One wait slice (what `Pending::wait` uses), and the slices after which a wait fails.
const SLICE_NS: u64 = 1_000_000_000;
const MAX_SLICES: usize = 120;

unsafe extern "C" fn on_work_done(
    status: sys::WGPUQueueWorkDoneStatus,
    _message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the caller's status word, alive until its wait returns.
    unsafe { *userdata1.cast::<u32>() = status };
}

unsafe extern "C" fn on_mapped(
    status: sys::WGPUMapAsyncStatus,
    _message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the caller's status, alive until the map has completed; the callback may run
    // on a Dawn thread, hence the atomic.
    unsafe { (*userdata1.cast::<AtomicU32>()).store(status, Ordering::Release) };
}

/// Waits for `future` in slices, as `Pending::wait` does.
///
/// # Safety
/// `instance` is live and `future` one of its futures.
unsafe fn wait(instance: sys::WGPUInstance, future: sys::WGPUFuture) -> Result<()> {
    let mut info = sys::WGPUFutureWaitInfo {
        future,
        completed: 0,
    };
    for _ in 0..MAX_SLICES {
        // SAFETY: one valid wait info.
        match unsafe { sys::wgpuInstanceWaitAny(instance, 1, &mut info, SLICE_NS) } {
            sys::WGPUWaitStatus_Success if info.completed != 0 => return Ok(()),
            sys::WGPUWaitStatus_Success | sys::WGPUWaitStatus_TimedOut => {}
            other => bail!("wgpuInstanceWaitAny failed with status {other}"),
        }
    }
    bail!("raw side: a wait took over {MAX_SLICES} s")
}

/// Waits until the queue's submitted work is done.
///
/// # Safety
/// Live handles.
pub unsafe fn wait_idle(r: Raw) -> Result<()> {
    let mut status = u32::MAX;
    let info = sys::WGPUQueueWorkDoneCallbackInfo {
        nextInChain: std::ptr::null_mut(),
        mode: sys::WGPUCallbackMode_AllowProcessEvents,
        callback: Some(on_work_done),
        userdata1: (&raw mut status).cast(),
        userdata2: std::ptr::null_mut(),
    };
    // SAFETY: live queue; `status` outlives the wait that fires the callback.
    unsafe {
        let future = sys::wgpuQueueOnSubmittedWorkDone(r.queue, info);
        wait(r.instance, future)?;
    }
    ensure!(
        status == sys::WGPUQueueWorkDoneStatus_Success,
        "raw side: work done status {status}"
    );
    Ok(())
}

/// Maps `size` bytes of `buffer` at 0 and waits when the map did not complete inside the call.
///
/// # Safety
/// Live handles; the buffer is unmapped.
pub unsafe fn map(
    r: Raw,
    buffer: sys::WGPUBuffer,
    mode: sys::WGPUMapMode,
    size: usize,
) -> Result<()> {
    let status = AtomicU32::new(u32::MAX);
    let info = sys::WGPUBufferMapCallbackInfo {
        nextInChain: std::ptr::null_mut(),
        mode: sys::WGPUCallbackMode_AllowSpontaneous,
        callback: Some(on_mapped),
        userdata1: (&raw const status).cast_mut().cast(),
        userdata2: std::ptr::null_mut(),
    };
    // SAFETY: live buffer; `status` outlives the callback (it runs before this returns).
    unsafe {
        let future = sys::wgpuBufferMapAsync(buffer, mode, 0, size, info);
        if status.load(Ordering::Acquire) == u32::MAX {
            wait(r.instance, future)?;
        }
    }
    let status = status.load(Ordering::Acquire);
    ensure!(
        status == sys::WGPUMapAsyncStatus_Success,
        "raw side: map status {status}"
    );
    Ok(())
}

/// Records `count` dispatches of `groups` in one pass and submits them.
///
/// # Safety
/// Live handles; `group` fits `pipeline`.
pub unsafe fn dispatch(
    r: Raw,
    pipeline: sys::WGPUComputePipeline,
    group: sys::WGPUBindGroup,
    groups: (u32, u32),
    count: usize,
) {
    // SAFETY: live handles; every object made here is released once, after its last use.
    unsafe {
        let encoder = sys::wgpuDeviceCreateCommandEncoder(r.device, std::ptr::null());
        let pass = sys::wgpuCommandEncoderBeginComputePass(encoder, std::ptr::null());
        sys::wgpuComputePassEncoderSetPipeline(pass, pipeline);
        sys::wgpuComputePassEncoderSetBindGroup(pass, 0, group, 0, std::ptr::null());
        for _ in 0..count {
            sys::wgpuComputePassEncoderDispatchWorkgroups(pass, groups.0, groups.1, 1);
        }
        sys::wgpuComputePassEncoderEnd(pass);
        sys::wgpuComputePassEncoderRelease(pass);
        let commands = sys::wgpuCommandEncoderFinish(encoder, std::ptr::null());
        sys::wgpuCommandEncoderRelease(encoder);
        sys::wgpuQueueSubmit(r.queue, 1, &commands);
        sys::wgpuCommandBufferRelease(commands);
    }
}

/// Copies `size` bytes from `source` to `destination` (both at 0) and submits.
///
/// # Safety
/// Live handles; valid usages and size.
pub unsafe fn copy(r: Raw, source: sys::WGPUBuffer, destination: sys::WGPUBuffer, size: u64) {
    // SAFETY: as above.
    unsafe {
        let encoder = sys::wgpuDeviceCreateCommandEncoder(r.device, std::ptr::null());
        sys::wgpuCommandEncoderCopyBufferToBuffer(encoder, source, 0, destination, 0, size);
        let commands = sys::wgpuCommandEncoderFinish(encoder, std::ptr::null());
        sys::wgpuCommandEncoderRelease(encoder);
        sys::wgpuQueueSubmit(r.queue, 1, &commands);
        sys::wgpuCommandBufferRelease(commands);
    }
}

/// A `WGPUStringView` of `s`.
pub fn view(s: &str) -> sys::WGPUStringView {
    sys::WGPUStringView {
        data: s.as_ptr().cast(),
        length: s.len(),
    }
}
