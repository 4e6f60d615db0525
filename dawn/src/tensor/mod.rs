//! `dawn::tensor`: a compact torch on Dawn.
//!
//! [`Tensor`]s live on a tensor [`Device`] (made from any `dawn::Device`); they are views (shape,
//! element strides, offset) of immutable storage, with a [`DType`]. Ops take `&self`, broadcast like
//! numpy, promote types like torch and return `Result<Tensor>`; mistakes (shapes, dims, dtypes, devices)
//! are errors worded as torch words them, never a GPU validation error or a panic.
//!
//! ```
//! use dawn::tensor::{DType, Device, Tensor};
//! let device = Device::default_gpu()?;
//! let x = Tensor::arange(0.0, 6.0, 1.0, DType::F32, &device)?.reshape(&[2, 3])?;
//! let y = (&x * 2.0)?.exp()?;
//! assert_eq!(y.shape(), &[2, 3]);
//! let err = x.add(&Tensor::zeros(&[4], DType::F32, &device)?).unwrap_err();
//! assert_eq!(
//!     err.message(),
//!     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
//! );
//! # Ok::<(), dawn::Error>(())
//! ```
//!
//! # How it runs
//! Kernels are WGSL generated per (op, dtypes, rank bucket, vector width); shapes, strides and offsets
//! are data, so one pipeline serves every shape. Ops are recorded into a batch and submitted together
//! at a read-back, at [`Device::sync`], or when the batch grows. Memory comes from a pool of size-classed
//! blocks with torch's statistics ([`Device::memory_stats`]).
//!
//! This module uses only `dawn`'s public API.

mod create;
mod device;
mod display;
mod dtype;
mod engine;
mod error;
mod layout;
mod ops;
mod pool;
mod readback;
mod shape;
mod storage;
#[allow(clippy::module_inception)]
mod tensor;
mod views;

pub use device::{Capabilities, Device};
pub use dtype::{ALL_DTYPES, DType, Element, Scalar, promote_types};
pub use ops::elementwise::Operand;
pub use ops::methods::{GeluApproximate, where_cond};
pub use ops::reduce::ReduceDims;
pub use shape::MAX_DIMS;
pub use tensor::Tensor;

/// Compile-time checks of the thread-safety promises.
#[allow(dead_code)]
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Tensor>();
    send_sync::<Device>();
};
