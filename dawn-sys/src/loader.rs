//! The process-wide Dawn of the free functions: [`load`] opens it once and keeps it open.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that names the library to load instead of [`crate::DAWN_LIBRARY_PATH`].
const LIBRARY_VARIABLE: &str = "DAWN_LIB";

/// Why Dawn could not be loaded: the path tried, where that path came from, and the dynamic loader's
/// message. Its `Display` is one line that also says which variable to set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    path: PathBuf,
    from_variable: bool,
    reason: String,
}

impl LoadError {
    /// The library path that was tried.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The dynamic loader's message (`dlerror`): a missing file, or the first missing symbol.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = if self.from_variable {
            format!("named by {LIBRARY_VARIABLE}")
        } else {
            "found when dawn-sys was built".to_string()
        };
        write!(
            f,
            "cannot load Dawn from {} ({origin}): {}; set {LIBRARY_VARIABLE} to the path of a \
             libwebgpu_dawn.so",
            self.path.display(),
            self.reason
        )
    }
}

impl std::error::Error for LoadError {}

#[cfg(feature = "loaded")]
mod table {
    use super::LoadError;
    use crate::dawn_ext::dynamic::DawnOnlyLibrary;
    use crate::dynamic::DawnLibrary;
    use std::ffi::OsStr;
    use std::ptr;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicPtr, Ordering};

    /// Every function the free functions call through: the standard ones and the Dawn-only ones. Its
    /// fields are public so that a table can be changed (say, to hooks that count calls and forward to the
    /// originals) before [`load_with`] installs it.
    pub struct Functions {
        /// The functions of `webgpu.h`.
        pub webgpu: DawnLibrary,
        /// The Dawn-only functions of [`dawn_ext`](crate::dawn_ext).
        pub dawn_only: DawnOnlyLibrary,
    }

    impl Functions {
        /// Opens the library at `path` and resolves every function; the error names the file, or the first
        /// function the library lacks.
        ///
        /// # Safety
        ///
        /// As [`DawnLibrary::new`]: the library must be a Dawn.
        pub unsafe fn open(path: impl AsRef<OsStr>) -> Result<Self, libloading::Error> {
            // SAFETY: as this function's contract; both tables open the same file, so dlopen hands out
            // the same handle twice.
            unsafe {
                Ok(Functions {
                    webgpu: DawnLibrary::new(path.as_ref())?,
                    dawn_only: DawnOnlyLibrary::new(path.as_ref())?,
                })
            }
        }
    }

    static LOADED: OnceLock<Result<Functions, LoadError>> = OnceLock::new();
    /// `LOADED`'s table once it loaded: what each call reads (one load and a null check).
    static READY: AtomicPtr<Functions> = AtomicPtr::new(ptr::null_mut());

    fn open_default() -> Result<Functions, LoadError> {
        let (path, from_variable) = super::chosen_library();
        // SAFETY: the library is the Dawn the build found, or the one the user named in DAWN_LIB (see
        // `load`).
        unsafe { Functions::open(&path) }.map_err(|e| LoadError {
            path,
            from_variable,
            reason: e.to_string(),
        })
    }

    /// The outcome of `LOADED`, publishing a table to `READY`.
    fn publish(
        loaded: &'static Result<Functions, LoadError>,
    ) -> Result<&'static Functions, &'static LoadError> {
        let functions = loaded.as_ref()?;
        READY.store(ptr::from_ref(functions).cast_mut(), Ordering::Release);
        Ok(functions)
    }

    #[cfg(not(feature = "linked"))]
    pub(crate) fn load() -> Result<&'static Functions, &'static LoadError> {
        publish(LOADED.get_or_init(open_default))
    }

    /// Makes the free functions call through `functions` instead of loading Dawn themselves: a table you
    /// opened from a path of your own, or one whose fields you replaced. It must come first: once the
    /// free functions have a table (a call or [`load`](crate::load) made one), this returns `functions`
    /// back. With feature `linked` the free functions are linked and do not use it.
    ///
    /// # Safety
    ///
    /// Every function pointer of `functions` must behave as the C function of its name.
    pub unsafe fn load_with(functions: Functions) -> Result<(), Functions> {
        match LOADED.set(Ok(functions)) {
            Ok(()) => {
                let _ = publish(LOADED.get_or_init(open_default));
                Ok(())
            }
            Err(Ok(functions)) => Err(functions),
            // Only `Ok` is offered above.
            Err(Err(_)) => unreachable!(),
        }
    }

    /// The table, loading it first if needed; panics with the [`LoadError`] when the library cannot be
    /// loaded.
    #[cfg(not(feature = "linked"))]
    #[inline(always)]
    pub(crate) fn loaded() -> &'static Functions {
        let ready = READY.load(Ordering::Acquire);
        if ready.is_null() {
            return load_or_panic();
        }
        // SAFETY: READY only ever holds a pointer into LOADED, which lives for the whole process.
        unsafe { &*ready }
    }

    #[cfg(not(feature = "linked"))]
    #[cold]
    #[inline(never)]
    fn load_or_panic() -> &'static Functions {
        match load() {
            Ok(functions) => functions,
            Err(e) => panic!("{e}"),
        }
    }
}

#[cfg(all(feature = "loaded", not(feature = "linked")))]
pub(crate) use table::loaded;
#[cfg(feature = "loaded")]
pub use table::{Functions, load_with};

/// The library to load and whether `DAWN_LIB` named it.
fn chosen_library() -> (PathBuf, bool) {
    match std::env::var_os(LIBRARY_VARIABLE) {
        Some(path) if !path.is_empty() => (PathBuf::from(path), true),
        _ => (PathBuf::from(crate::DAWN_LIBRARY_PATH), false),
    }
}

/// The Dawn library [`load`] opens: the path in `DAWN_LIB` when it is set and not empty, else
/// [`DAWN_LIBRARY_PATH`](crate::DAWN_LIBRARY_PATH).
pub fn library_path() -> PathBuf {
    chosen_library().0
}

/// Loads Dawn for the free functions, once per process (later calls return the first outcome).
///
/// The library is [`DAWN_LIBRARY_PATH`](crate::DAWN_LIBRARY_PATH) (the one the build found), or the path
/// in the environment variable `DAWN_LIB` when it is set and not empty (a bare file name is looked up as
/// `dlopen` does, through `LD_LIBRARY_PATH` and the system's folders). Every function is resolved now: a
/// library that lacks one is an error naming it. The library stays loaded for the rest of the process.
///
/// Calling it is optional (the first call of any function loads the library too, and panics where this
/// returns the error), so entry points call it to turn a missing library into an error. With feature
/// `linked` the dynamic linker loaded Dawn before `main`, and this always succeeds.
///
/// Loading runs the library's initializers; like the dynamic linker's search path, `DAWN_LIB` is trusted
/// to name a Dawn (the functions' own `unsafe` contracts cover calling into it).
///
/// ```
/// match dawn_sys::load() {
///     Ok(()) => println!("Dawn is loaded"),
///     Err(e) => eprintln!("{e}"), // one line: the path, dlerror, and "set DAWN_LIB to ..."
/// }
/// ```
pub fn load() -> Result<(), LoadError> {
    #[cfg(all(feature = "loaded", not(feature = "linked")))]
    return table::load().map(|_| ()).map_err(LoadError::clone);
    #[cfg(not(all(feature = "loaded", not(feature = "linked"))))]
    return Ok(());
}
