//! The one macro behind every handle type: a non-null pointer to a Dawn object, where `Clone` is `AddRef` and
//! `Drop` is `Release`.

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
