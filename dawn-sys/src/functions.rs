//! [`c_functions!`]: one list of C function declarations (bindgen's `extern "C"` block for `webgpu.h`, or the
//! Dawn-only ones of `dawn_ext`) becomes everything this crate offers for them:
//!
//! - free `unsafe fn`s with the C names and signatures, at the place of the invocation: with feature
//!   `linked` the `extern "C"` items themselves, otherwise `#[inline]` wrappers that call through the table
//!   [`crate::load`] filled once (loading the library on first use, panicking with [`crate::LoadError`]'s
//!   message when it cannot be loaded);
//! - with feature `loaded`, the table as a type of its own (`dynamic::DawnLibrary`): every function resolved
//!   from a library at a path of the caller's choosing, each one a field and a method of the same name.

/// See the module docs. `table: Module::Table` names the module and type of the table, `loaded:` the place
/// the free wrappers find the process-wide table, and the rest is an `unsafe extern "C" { .. }` block.
macro_rules! c_functions {
    (
        $(#[$table_doc:meta])*
        table: $module:ident :: $Table:ident,
        loaded: $loaded:expr,
        $(
            unsafe extern "C" {
                $( $(#[$doc:meta])* pub fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)? ; )*
            }
        )*
    ) => {
        #[cfg(feature = "linked")]
        unsafe extern "C" {
            $($(
                $(#[$doc])*
                pub fn $name($($arg: $ty),*) $(-> $ret)?;
            )*)*
        }

        $($(
            $(#[$doc])*
            #[doc = concat!(
                "\n\n`", stringify!($name), "`, called through the library [`load`](crate::load) opened \
                 (loading it on first use).\n\n# Panics\n\nWhen the library cannot be loaded, with \
                 [`LoadError`](crate::LoadError)'s message (call [`load`](crate::load) first to get it as \
                 an error instead).\n\n# Safety\n\nAs the C function."
            )]
            #[cfg(all(feature = "loaded", not(feature = "linked")))]
            #[inline]
            pub unsafe fn $name($($arg: $ty),*) $(-> $ret)? {
                // SAFETY: the caller upholds the C function's contract; the pointer was resolved from the
                // library under this very name, with the signature its header declares.
                unsafe { (($loaded).$name)($($arg),*) }
            }
        )*)*

        #[cfg(feature = "loaded")]
        pub mod $module {
            //! The functions loaded at run time from a library of the caller's choosing.
            #[allow(unused_imports)]
            use super::*;

            $(#[$table_doc])*
            pub struct $Table {
                // Kept open for as long as the table lives: the pointers below point into it.
                _library: ::libloading::Library,
                $($(
                    #[doc = concat!("`", stringify!($name), "`.")]
                    pub $name: unsafe extern "C" fn($($ty),*) $(-> $ret)?,
                )*)*
            }

            impl $Table {
                /// Opens the library at `path` and resolves every function; the error names the file, or
                /// the first function the library lacks.
                ///
                /// # Safety
                ///
                /// Loading runs the library's initializers, and every function is then called with the
                /// signature of its declaration: the library must be one that implements them.
                pub unsafe fn new(
                    path: impl AsRef<::std::ffi::OsStr>,
                ) -> Result<Self, ::libloading::Error> {
                    // SAFETY: as this function's contract.
                    unsafe { Self::from_library(::libloading::Library::new(path)?) }
                }

                /// Resolves every function from an open `library`, which the table keeps open.
                ///
                /// # Safety
                ///
                /// As [`Self::new`].
                pub unsafe fn from_library(
                    library: ::libloading::Library,
                ) -> Result<Self, ::libloading::Error> {
                    $($(
                        // SAFETY: the symbol of this name has this signature (the caller's contract).
                        let $name = unsafe {
                            *library.get(concat!(stringify!($name), "\0").as_bytes())?
                        };
                    )*)*
                    Ok(Self { _library: library, $($($name,)*)* })
                }

                $($(
                    #[doc = concat!("Calls `", stringify!($name), "`.\n\n# Safety\n\nAs the C function.")]
                    #[inline]
                    pub unsafe fn $name(&self, $($arg: $ty),*) $(-> $ret)? {
                        // SAFETY: as the C function's contract, which the caller upholds.
                        unsafe { (self.$name)($($arg),*) }
                    }
                )*)*
            }
        }
    };
}

pub(crate) use c_functions;
