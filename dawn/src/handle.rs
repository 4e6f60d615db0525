//! The macros behind every handle type, and the two ways an object of a device is held.
//!
//! - [`handle!`] declares a bare reference: a non-null pointer to a Dawn object where `Clone` is `AddRef`
//!   and `Drop` is `Release` (`@unique`: no `Clone`, for encoders, which Dawn does not lock).
//! - [`DeviceChild`] holds such a reference together with its [`Device`]: the device lives as long as its
//!   objects, and the last release happens under the device's destroy gate.
//! - [`device_child!`] declares a public object type over a `DeviceChild`, with `as_raw`, `set_label`,
//!   `Debug`, equality and hashing by object, and `Send + Sync`.

use crate::Device;

/// Declares a reference-counted bare handle type over a `webgpu.h` object.
macro_rules! handle {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($target:ident, $add_ref:ident, $release:ident);) => {
        $crate::handle::handle!(@unique $(#[$meta])* $vis struct $name($target, $release););

        impl Clone for $name {
            #[inline]
            fn clone(&self) -> Self {
                // SAFETY: the handle is live while `self` is.
                unsafe { dawn_sys::$add_ref(self.0.as_ptr()) };
                Self(self.0)
            }
        }
    };
    // A handle that is never shared (encoders): no `Clone`, so `&mut` really is exclusive.
    (@unique $(#[$meta:meta])* $vis:vis struct $name:ident($target:ident, $release:ident);) => {
        $(#[$meta])*
        #[repr(transparent)]
        $vis struct $name(core::ptr::NonNull<dawn_sys::$target>);

        impl $name {
            /// Adopts a raw handle, taking over the one reference the caller owned; `None` when it is null.
            ///
            /// # Safety
            /// `raw` must be null or a live handle of this object type whose reference the caller owns.
            #[inline]
            pub(crate) unsafe fn from_raw(raw: *mut dawn_sys::$target) -> Option<Self> {
                core::ptr::NonNull::new(raw).map(Self)
            }

            /// The raw handle, still owned by `self`.
            #[inline]
            pub(crate) fn as_raw(&self) -> *mut dawn_sys::$target {
                self.0.as_ptr()
            }
        }

        impl Drop for $name {
            #[inline]
            fn drop(&mut self) {
                // SAFETY: `self` owns one reference.
                unsafe { dawn_sys::$release(self.0.as_ptr()) };
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl Eq for $name {}

        impl core::hash::Hash for $name {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state)
            }
        }
    };
}

pub(crate) use handle;

/// A reference to an object of a device, together with the device.
///
/// - It keeps the device alive: Dawn destroys a device when its last reference goes, and that destroy is
///   not synchronized with calls on the device's objects from other threads.
/// - It releases its reference under the device's destroy gate: the last release of an object frees
///   Vulkan objects through Dawn's deleter, which a concurrent `wgpuDeviceDestroy` tears down.
pub(crate) struct DeviceChild<R> {
    raw: core::mem::ManuallyDrop<R>,
    device: Device,
}

impl<R> DeviceChild<R> {
    pub(crate) fn new(raw: R, device: Device) -> Self {
        Self {
            raw: core::mem::ManuallyDrop::new(raw),
            device,
        }
    }

    #[inline]
    pub(crate) fn raw(&self) -> &R {
        &self.raw
    }

    #[inline]
    pub(crate) fn device(&self) -> &Device {
        &self.device
    }
}

impl<R> Drop for DeviceChild<R> {
    #[inline]
    fn drop(&mut self) {
        let _gate = self.device.lifecycle().gate();
        // SAFETY: dropped once, here; the device field outlives the release.
        unsafe { core::mem::ManuallyDrop::drop(&mut self.raw) };
    }
}

impl<R: Clone> Clone for DeviceChild<R> {
    #[inline]
    fn clone(&self) -> Self {
        Self::new(R::clone(&self.raw), self.device.clone())
    }
}

impl<R: PartialEq> PartialEq for DeviceChild<R> {
    fn eq(&self, other: &Self) -> bool {
        *self.raw == *other.raw
    }
}

impl<R: Eq> Eq for DeviceChild<R> {}

impl<R: core::hash::Hash> core::hash::Hash for DeviceChild<R> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state)
    }
}

/// An object type of a device (made by [`device_child!`]), for [`Device::create`](crate::Device).
pub(crate) trait Child: Sized {
    /// The C object.
    type Target;

    /// Adopts a raw handle of `device`'s; `None` when it is null.
    ///
    /// # Safety
    /// `raw` must be null or a live handle of this type, made by `device`, whose reference the caller owns.
    unsafe fn adopt(raw: *mut Self::Target, device: Device) -> Option<Self>;
}

/// Declares a public object type of a device: a [`DeviceChild`] of a bare handle type, which it declares
/// too. `Clone` adds a reference; equality and hashing compare the object; the type is `Send + Sync`
/// (every device is created with Dawn's ImplicitDeviceSynchronization, and these objects are immutable
/// once created or, for the queue, locked by Dawn).
macro_rules! device_child {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($raw:ident: $target:ident, $add_ref:ident, $release:ident, $set_label:ident = $set_label_name:literal);) => {
        $crate::handle::handle! {
            #[doc = concat!("The bare reference of a [`", stringify!($name), "`].")]
            pub(crate) struct $raw($target, $add_ref, $release);
        }

        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        $vis struct $name($crate::handle::DeviceChild<$raw>);

        // SAFETY: see the macro's docs: Dawn synchronizes every call on the device and its objects.
        unsafe impl Send for $name {}
        // SAFETY: as above.
        unsafe impl Sync for $name {}

        impl $name {
            /// The raw handle, still owned by `self` (for calls into `dawn_sys`).
            #[inline]
            pub fn as_raw(&self) -> *mut dawn_sys::$target {
                self.0.raw().as_raw()
            }

            /// The device it belongs to.
            #[inline]
            pub fn device(&self) -> &$crate::Device {
                self.0.device()
            }

            /// Sets the label Dawn uses for it in messages.
            #[doc(alias = $set_label_name)]
            pub fn set_label(&self, label: &str) {
                // SAFETY: live object; the label lives across the call (Dawn copies it).
                unsafe { dawn_sys::$set_label(self.as_raw(), $crate::string::view(label)) }
            }
        }

        impl $crate::handle::Child for $name {
            type Target = dawn_sys::$target;

            #[inline]
            unsafe fn adopt(raw: *mut dawn_sys::$target, device: $crate::Device) -> Option<Self> {
                // SAFETY: as the caller promised.
                unsafe { $raw::from_raw(raw) }
                    .map(|raw| Self($crate::handle::DeviceChild::new(raw, device)))
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}({:p})", stringify!($name), self.as_raw())
            }
        }
    };
}

pub(crate) use device_child;

/// Calls `f` with the raw handles of `items` as one C array: on the stack for up to 8 (a submit's usual
/// few command buffers cost no allocation), on the heap beyond.
#[inline]
pub(crate) fn with_raw_array<T, H, R>(
    items: &[T],
    raw: impl Fn(&T) -> *mut H,
    f: impl FnOnce(&[*mut H]) -> R,
) -> R {
    const ON_STACK: usize = 8;
    if items.len() <= ON_STACK {
        let mut array = [core::ptr::null_mut(); ON_STACK];
        for (slot, item) in array.iter_mut().zip(items) {
            *slot = raw(item);
        }
        f(&array[..items.len()])
    } else {
        f(&items.iter().map(raw).collect::<Vec<_>>())
    }
}
