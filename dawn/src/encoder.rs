//! What every encoder shares: [`Recording`], an encoder's handle counted on its device while it records,
//! and [`debug_markers!`], the three debug-marker commands of encoders and passes.

use crate::Device;
use std::mem::ManuallyDrop;

/// An encoder that records: its bare handle, and its device, which counts it as recording (a destroy is
/// refused meanwhile: Dawn does not synchronize recording with a destroy on another thread).
///
/// Dropping it releases the handle, then stops counting it; [`finish`](Recording::finish) does the same
/// and hands the device on (to the command buffer or bundle the encoder made).
pub(crate) struct Recording<R> {
    raw: ManuallyDrop<R>,
    device: ManuallyDrop<Device>,
}

impl<R> Recording<R> {
    /// Creates the encoder with `create` under the gate, and counts it.
    ///
    /// # Panics
    /// If `create` returns `None` (Dawn returned null).
    pub(crate) fn new(
        device: &Device,
        what: &str,
        create: impl FnOnce(dawn_sys::WGPUDevice) -> Option<R>,
    ) -> Self {
        let gate = device.gate();
        let raw = create(gate.raw()).unwrap_or_else(|| panic!("{what} returned null"));
        device.lifecycle().open_encoder();
        drop(gate);
        Recording {
            raw: ManuallyDrop::new(raw),
            device: ManuallyDrop::new(device.clone()),
        }
    }

    #[inline]
    pub(crate) fn raw(&self) -> &R {
        &self.raw
    }

    /// Ends recording: releases the handle after `last` (its last call, e.g. `Finish`), and returns the
    /// device with what `last` made.
    pub(crate) fn finish<T>(self, last: impl FnOnce(&R) -> T) -> (T, Device) {
        let mut this = ManuallyDrop::new(self);
        let made = last(&this.raw);
        // SAFETY: `this` is never dropped: its handle is released once here and its device moved out.
        unsafe {
            this.release();
            (made, ManuallyDrop::take(&mut this.device))
        }
    }

    /// Releases the handle, then stops counting the encoder.
    ///
    /// # Safety
    /// Once: the handle is dead afterwards.
    unsafe fn release(&mut self) {
        // SAFETY: as the caller promised.
        unsafe { ManuallyDrop::drop(&mut self.raw) };
        self.device.lifecycle().close_encoder();
    }
}

impl<R> Drop for Recording<R> {
    fn drop(&mut self) {
        // SAFETY: dropped once, here (`finish` forgets the recording after taking its device).
        unsafe {
            self.release();
            ManuallyDrop::drop(&mut self.device);
        }
    }
}

/// Declares `insert_debug_marker`, `push_debug_group` and `pop_debug_group` on an encoder type with an
/// `as_raw()`, from the three C functions (each named twice: as the function, and as its doc alias).
macro_rules! debug_markers {
    ($ty:ty, $insert:ident = $insert_name:literal, $push:ident = $push_name:literal, $pop:ident = $pop_name:literal) => {
        impl $ty {
            /// Marks a point in the commands for debuggers.
            #[doc(alias = $insert_name)]
            pub fn insert_debug_marker(&mut self, label: &str) {
                // SAFETY: live encoder; the label lives across the call.
                unsafe { dawn_sys::$insert(self.as_raw(), $crate::string::view(label)) }
            }

            /// Opens a named group of commands for debuggers.
            #[doc(alias = $push_name)]
            pub fn push_debug_group(&mut self, label: &str) {
                // SAFETY: live encoder; the label lives across the call.
                unsafe { dawn_sys::$push(self.as_raw(), $crate::string::view(label)) }
            }

            /// Closes the group [`push_debug_group`](Self::push_debug_group) opened.
            #[doc(alias = $pop_name)]
            pub fn pop_debug_group(&mut self) {
                // SAFETY: live encoder.
                unsafe { dawn_sys::$pop(self.as_raw()) }
            }
        }
    };
}

pub(crate) use debug_markers;
