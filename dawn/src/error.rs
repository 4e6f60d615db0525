//! One error type for the whole crate: a kind plus Dawn's own message.
//!
//! The policy every call follows (also in the crate docs):
//! - [`ErrorKind::Validation`] is a WebGPU rule, whoever checks it (Dawn, or this crate before calling
//!   Dawn, to fail early and with the values named); [`ErrorKind::InvalidUse`] is a rule of this crate's
//!   Rust API (views alive at `unmap`, a writable view of a read mapping, scopes popped out of order...).
//! - Once the device is lost or destroyed, calls that produce something (an object with a `Result`, data,
//!   a mapping, a scope's result) fail with [`ErrorKind::DeviceLost`]; calls that end something (`unmap`,
//!   `destroy`, dropping) succeed and do nothing more; thin calls without a `Result` do nothing.

use std::fmt;

/// What went wrong, broadly. Match on this; read [`Error::message`] for the details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A WebGPU validation rule was broken (Dawn's `WGPUErrorType_Validation`, or a check of ours).
    Validation,
    /// Dawn or the driver ran out of memory.
    OutOfMemory,
    /// An internal error of Dawn or the driver.
    Internal,
    /// The device was lost (or destroyed) before or while the operation ran.
    DeviceLost,
    /// `map_async` did not map the buffer (the status name is in the message).
    MapFailed,
    /// A wait ran past its timeout; the operation may still complete later.
    Timeout,
    /// A misuse of this crate's API caught before calling Dawn (a range that is not mapped, mapping twice,
    /// unmapping while a view is alive...).
    InvalidUse,
    /// No adapter or device could be had (the request was refused or nothing matches).
    Unavailable,
    /// The operation was cancelled before it completed (its instance went away).
    Cancelled,
    /// An error Dawn reported with a kind this crate does not know.
    Unknown,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation error",
            ErrorKind::OutOfMemory => "out of memory",
            ErrorKind::Internal => "internal error",
            ErrorKind::DeviceLost => "device lost",
            ErrorKind::MapFailed => "map failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::InvalidUse => "invalid use",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Unknown => "unknown error",
        }
    }
}

/// An error from Dawn or from this crate's own checks: a kind and a message (Dawn's text where Dawn made it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, as Dawn (or this crate) wrote it.
    pub fn message(&self) -> &str {
        &self.message
    }

    #[cold]
    pub(crate) fn invalid_use(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidUse, message)
    }

    #[cold]
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Validation, message)
    }

    /// The error of a call on a device that is lost or destroyed.
    #[cold]
    pub(crate) fn device_lost() -> Self {
        Error::new(ErrorKind::DeviceLost, "the device is lost or destroyed")
    }

    /// Maps a `WGPUErrorType` to a kind.
    pub(crate) fn from_error_type(ty: dawn_sys::WGPUErrorType, message: String) -> Self {
        let kind = match ty {
            dawn_sys::WGPUErrorType_Validation => ErrorKind::Validation,
            dawn_sys::WGPUErrorType_OutOfMemory => ErrorKind::OutOfMemory,
            dawn_sys::WGPUErrorType_Internal => ErrorKind::Internal,
            _ => ErrorKind::Unknown,
        };
        Error::new(kind, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.describe(), self.message)
    }
}

impl std::error::Error for Error {}
