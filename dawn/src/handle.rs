//! The macros behind every handle type: a non-null pointer to a Dawn object, where `Clone` is `AddRef` and
//! `Drop` is `Release`; the objects a device makes also hold the device ([`DeviceChild`]).

/// Declares a reference-counted handle type over a `webgpu.h` object.
///
/// The type is `#[repr(transparent)]` over `NonNull`, so `&[T]` and `Option<&T>` pass straight to C.
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

        #[allow(dead_code)]
        impl $name {
            /// Adopts a raw handle, taking over the one reference the caller owned; `None` when it is null.
            ///
            /// # Safety
            /// `raw` must be null or a live handle of this object type whose reference the caller owns.
            pub unsafe fn from_raw(raw: *mut dawn_sys::$target) -> Option<Self> {
                core::ptr::NonNull::new(raw).map(Self)
            }

            /// The raw handle, still owned by `self`.
            #[inline]
            pub fn as_raw(&self) -> *mut dawn_sys::$target {
                self.0.as_ptr()
            }

            /// Gives up ownership of the reference, returning the raw handle (the caller must release it).
            pub fn into_raw(self) -> *mut dawn_sys::$target {
                let raw = self.0.as_ptr();
                core::mem::forget(self);
                raw
            }
        }

        impl Drop for $name {
            #[inline]
            fn drop(&mut self) {
                // SAFETY: `self` owns one reference.
                unsafe { dawn_sys::$release(self.0.as_ptr()) };
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}({:p})", stringify!($name), self.0)
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
/// - It keeps the device alive. Dawn destroys a device when its last reference goes, and that destroy is
///   not synchronized with calls on the device's objects from other threads: holding the device, no
///   object can be in use while it happens.
/// - It releases its reference under the device's destroy gate: the last release of most objects frees
///   Vulkan objects through Dawn's deleter, which a concurrent `wgpuDeviceDestroy` tears down (the crash of
///   RELIABILITY.md's fix 6, seen for buffers).
pub(crate) struct DeviceChild<R> {
    raw: core::mem::ManuallyDrop<R>,
    device: crate::Device,
}

impl<R> DeviceChild<R> {
    pub(crate) fn new(raw: R, device: crate::Device) -> Self {
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
    pub(crate) fn device(&self) -> &crate::Device {
        &self.device
    }
}

impl<R> Drop for DeviceChild<R> {
    #[inline]
    fn drop(&mut self) {
        let _gate = self.device.shared.gate();
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

/// Declares a public handle type over a device's object: a [`DeviceChild`] of a bare handle type, which
/// it declares too. `Clone` adds a reference; equality and hashing compare the object.
macro_rules! device_child {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($raw:ident: $target:ident, $add_ref:ident, $release:ident);) => {
        $crate::handle::handle! {
            #[doc = concat!("The bare reference of a [`", stringify!($name), "`].")]
            pub(crate) struct $raw($target, $add_ref, $release);
        }

        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        $vis struct $name($crate::handle::DeviceChild<$raw>);

        impl $name {
            /// Adopts a raw handle of `device`'s, taking over the reference the caller owned; `None` when it
            /// is null.
            ///
            /// # Safety
            /// `raw` must be null or a live handle of this type, made by `device`, whose reference the
            /// caller owns.
            #[allow(dead_code)]
            pub(crate) unsafe fn from_raw(
                raw: *mut dawn_sys::$target,
                device: $crate::Device,
            ) -> Option<Self> {
                // SAFETY: as the caller promised.
                unsafe { $raw::from_raw(raw) }
                    .map(|raw| Self($crate::handle::DeviceChild::new(raw, device)))
            }

            /// The raw handle, still owned by `self`.
            #[inline]
            pub fn as_raw(&self) -> *mut dawn_sys::$target {
                self.0.raw().as_raw()
            }

            /// The device it belongs to.
            #[allow(dead_code)]
            #[inline]
            pub(crate) fn device(&self) -> &$crate::Device {
                self.0.device()
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
