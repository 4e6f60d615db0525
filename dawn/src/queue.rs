//! [`Queue`]: submits command buffers and uploads data.

use crate::device::DeviceState;
use crate::future::{self, Pending, Slot, callback_info};
use crate::handle::{device_child, with_raw_array};
use crate::{Buffer, BufferUsage, CommandBuffer, Error, ErrorKind, Result, string};
use dawn_sys as sys;
use std::ffi::c_void;
use std::sync::Arc;

device_child! {
    /// A device's queue (`WGPUQueue`, WebGPU's `GPUQueue`). Get it with [`Device::queue`](crate::Device::queue).
    pub struct Queue(RawQueue: WGPUQueueImpl, wgpuQueueAddRef, wgpuQueueRelease, wgpuQueueSetLabel = "wgpuQueueSetLabel");
}

impl Queue {
    /// Submits command buffers for execution, in order (one `wgpuQueueSubmit`). Submitting a command
    /// buffer twice is a validation error; on a lost device this does nothing.
    #[doc(alias = "wgpuQueueSubmit")]
    #[inline]
    pub fn submit(&self, command_buffers: &[CommandBuffer]) {
        with_raw_array(command_buffers, CommandBuffer::as_raw, |raw| {
            let _gate = self.device().lifecycle().gate();
            // SAFETY: live queue and command buffers; the array lives across the call; the gate keeps the
            // call apart from a destroy.
            unsafe { sys::wgpuQueueSubmit(self.as_raw(), raw.len(), raw.as_ptr()) }
        })
    }

    /// Writes `data` into `buffer` at `offset` (one `wgpuQueueWriteBuffer`; Dawn copies the data before
    /// returning). The buffer needs `CopyDst`, the offset and size must be multiples of 4 and in bounds:
    /// otherwise [`ErrorKind::Validation`] and nothing is written; [`ErrorKind::DeviceLost`] once the device
    /// is lost.
    ///
    /// The write runs at the next submit, before any command recorded but not yet submitted: an upload
    /// can overtake reads recorded earlier into an open encoder.
    #[doc(alias = "wgpuQueueWriteBuffer")]
    #[inline]
    pub fn write_buffer<T: bytemuck::NoUninit>(
        &self,
        buffer: &Buffer,
        offset: u64,
        data: &[T],
    ) -> Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let len = bytes.len() as u64;
        let lifecycle = self.device().lifecycle();
        lifecycle.check_alive()?;
        if !buffer.usage().contains(BufferUsage::CopyDst) {
            return Err(Error::validation(format!(
                "write_buffer needs usage CopyDst; the buffer has {:?}",
                buffer.usage()
            )));
        }
        if offset % 4 != 0
            || len % 4 != 0
            || offset
                .checked_add(len)
                .is_none_or(|end| end > buffer.size())
        {
            return Err(Error::validation(format!(
                "write_buffer of {len} bytes at {offset}: offset and size must be multiples of 4 within the {} bytes",
                buffer.size()
            )));
        }
        let _gate = lifecycle.gate();
        // SAFETY: live queue and buffer; `bytes` is readable for its length during the call; the gate keeps
        // the call apart from a destroy.
        unsafe {
            sys::wgpuQueueWriteBuffer(
                self.as_raw(),
                buffer.as_raw(),
                offset,
                bytes.as_ptr().cast(),
                bytes.len(),
            )
        };
        Ok(())
    }

    /// Resolves when all work submitted so far has completed ([`ErrorKind::DeviceLost`] once the device is
    /// lost).
    #[doc(alias = "wgpuQueueOnSubmittedWorkDone")]
    pub fn on_submitted_work_done(&self) -> Pending<()> {
        if let Err(e) = self.device().lifecycle().check_alive() {
            return Pending::ready(Err(e));
        }
        let slot = Slot::<()>::new();
        let info = callback_info!(
            WGPUQueueWorkDoneCallbackInfo,
            on_work_done,
            slot,
            Arc::into_raw(self.device().state_arc()) as *mut c_void
        );
        // SAFETY: live queue; the callback takes its userdata back.
        let future = unsafe { sys::wgpuQueueOnSubmittedWorkDone(self.as_raw(), info) };
        Pending::new(self.device().instance(), future, slot)
    }
}

unsafe extern "C" fn on_work_done(
    status: sys::WGPUQueueWorkDoneStatus,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata2 is the device state reference leaked for this call.
    let device = unsafe { Arc::from_raw(userdata2 as *const DeviceState) };
    // SAFETY: userdata1 is the registered slot; the message lives during the call.
    unsafe {
        future::complete::<()>(userdata1, || {
            let message = string::to_string(message);
            match status {
                sys::WGPUQueueWorkDoneStatus_Success => Ok(()),
                sys::WGPUQueueWorkDoneStatus_CallbackCancelled => Err(future::cancelled(message)),
                _ if device.lifecycle.is_lost() => Err(Error::new(
                    ErrorKind::DeviceLost,
                    format!("the device was lost: {message}"),
                )),
                _ => Err(Error::new(
                    ErrorKind::Internal,
                    format!("QueueWorkDoneStatus::Error: {message}"),
                )),
            }
        })
    }
}
