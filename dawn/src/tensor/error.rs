//! The tensor layer's errors, worded as torch words them (so a torch user recognises them), each naming
//! the shapes, dims and dtypes involved. Mistakes in using the tensor API are [`ErrorKind::InvalidUse`];
//! memory exhaustion is [`ErrorKind::OutOfMemory`].

use super::dtype::DType;
use crate::{Error, ErrorKind};

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidUse, message)
}

/// `[2, 3]`, as torch prints sizes in messages.
pub(crate) fn shape_str(shape: &[usize]) -> String {
    let items: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn signed_str(shape: &[isize]) -> String {
    let items: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", items.join(", "))
}

#[cold]
pub(crate) fn too_many_dims(rank: usize, max: usize) -> Error {
    invalid(format!(
        "dawn::tensor supports tensors of at most {max} dimensions, but got {rank}"
    ))
}

#[cold]
pub(crate) fn dim_out_of_range(dim: isize, rank: usize) -> Error {
    let r = rank.max(1) as isize;
    invalid(format!(
        "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
        -r,
        r - 1
    ))
}

#[cold]
pub(crate) fn no_dims(dim: isize) -> Error {
    invalid(format!(
        "Dimension specified as {dim} but tensor has no dimensions"
    ))
}

#[cold]
pub(crate) fn broadcast_mismatch(a: usize, b: usize, dim: usize) -> Error {
    invalid(format!(
        "The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {dim}"
    ))
}

#[cold]
pub(crate) fn expand_mismatch(
    target: isize,
    existing: usize,
    dim: usize,
    sizes: &[isize],
    shape: &[usize],
) -> Error {
    invalid(format!(
        "The expanded size of the tensor ({target}) must match the existing size ({existing}) at non-singleton \
         dimension {dim}.  Target sizes: {}.  Tensor sizes: {}",
        signed_str(sizes),
        shape_str(shape)
    ))
}

#[cold]
pub(crate) fn expand_too_few(sizes: &[isize], shape: &[usize]) -> Error {
    invalid(format!(
        "expand(size={}): the number of sizes provided ({}) must be greater or equal to the number of \
         dimensions in the tensor ({}); the tensor has size {}",
        signed_str(sizes),
        sizes.len(),
        shape.len(),
        shape_str(shape)
    ))
}

#[cold]
pub(crate) fn expand_leading_minus_one(dim: usize) -> Error {
    invalid(format!(
        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {dim}"
    ))
}

#[cold]
pub(crate) fn invalid_shape(sizes: &[isize], numel: usize) -> Error {
    invalid(format!(
        "shape '{}' is invalid for input of size {numel}",
        signed_str(sizes)
    ))
}

#[cold]
pub(crate) fn invalid_shape_dim(size: isize) -> Error {
    invalid(format!("invalid shape dimension {size}"))
}

#[cold]
pub(crate) fn infer_more_than_one() -> Error {
    invalid("only one dimension can be inferred".into())
}

#[cold]
pub(crate) fn view_incompatible() -> Error {
    invalid(
        "view size is not compatible with input tensor's size and stride (at least one dimension spans across \
         two contiguous subspaces). Use .reshape(...) instead."
            .into(),
    )
}

#[cold]
pub(crate) fn permute_len(rank: usize, len: usize) -> Error {
    invalid(format!(
        "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the \
         desired ordering of dimensions i.e. input.dim() = {rank} is not equal to len(dims) = {len}"
    ))
}

#[cold]
pub(crate) fn permute_duplicate() -> Error {
    invalid("permute(): duplicate dims are not allowed.".into())
}

#[cold]
pub(crate) fn t_needs_2d(rank: usize) -> Error {
    invalid(format!(
        "t() expects a tensor with <= 2 dimensions, but self is {rank}D"
    ))
}

#[cold]
pub(crate) fn narrow_start(start: isize, size: usize) -> Error {
    invalid(format!(
        "start out of range (expected to be in range of [-{size}, {size}], but got {start})"
    ))
}

#[cold]
pub(crate) fn narrow_length(start: usize, length: usize, size: usize) -> Error {
    invalid(format!(
        "start ({start}) + length ({length}) exceeds dimension size ({size})."
    ))
}

#[cold]
pub(crate) fn slice_step() -> Error {
    invalid("slice step must be positive".into())
}

#[cold]
pub(crate) fn select_index(index: isize, shape: &[usize], dim: usize) -> Error {
    invalid(format!(
        "select(): index {index} out of range for tensor of size {} at dimension {dim}",
        shape_str(shape)
    ))
}

#[cold]
pub(crate) fn select_zero_dim() -> Error {
    invalid("select() cannot be applied to a 0-dim tensor.".into())
}

#[cold]
pub(crate) fn flatten_order() -> Error {
    invalid("flatten() has invalid args: start_dim cannot come after end_dim".into())
}

#[cold]
pub(crate) fn unflatten_sizes(sizes: &[isize], dim: usize, size: usize) -> Error {
    invalid(format!(
        "unflatten: Provided sizes {} don't multiply up to the size of dim {dim} ({size}) in the input tensor",
        signed_str(sizes)
    ))
}

#[cold]
pub(crate) fn unflatten_empty() -> Error {
    invalid("unflatten: sizes must be non-empty".into())
}

#[cold]
pub(crate) fn data_length(shape: &[usize], len: usize) -> Error {
    let signed: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    invalid_shape(&signed, len)
}

#[cold]
pub(crate) fn bytes_length(dtype: DType, len: usize) -> Error {
    invalid(format!(
        "{len} bytes are not a whole number of {dtype} elements of {} bytes",
        dtype.size()
    ))
}

#[cold]
pub(crate) fn different_devices(a: &str, b: &str) -> Error {
    invalid(format!(
        "Expected all tensors to be on the same device, but found at least two devices, {a} and {b}!"
    ))
}

#[cold]
pub(crate) fn promotion_needs_int64(a: DType, b: DType) -> Error {
    invalid(format!(
        "promoting {a} with {b} needs torch.int64, which dawn::tensor does not have; convert one operand \
         with to_dtype first"
    ))
}

#[cold]
pub(crate) fn no_tensor_operand() -> Error {
    invalid("an operation needs at least one tensor operand".into())
}

#[cold]
pub(crate) fn element_type(wanted: &str, expected: DType, actual: DType) -> Error {
    invalid(format!(
        "{wanted} needs a tensor of dtype {expected}, but the tensor has dtype {actual}"
    ))
}

#[cold]
pub(crate) fn item_numel(numel: usize) -> Error {
    invalid(format!(
        "a Tensor with {numel} elements cannot be converted to Scalar"
    ))
}

#[cold]
pub(crate) fn bool_neg() -> Error {
    invalid(
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, \
         use the `~` or `logical_not()` operator instead."
            .into(),
    )
}

#[cold]
pub(crate) fn bool_sub() -> Error {
    invalid(
        "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or \
         `logical_xor()` operator instead."
            .into(),
    )
}

#[cold]
pub(crate) fn bool_sub_scalar() -> Error {
    invalid(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a \
         mask, use the `~` or `logical_not()` operator instead."
            .into(),
    )
}

#[cold]
pub(crate) fn negative_int_power() -> Error {
    invalid("Integers to negative integer powers are not allowed.".into())
}

#[cold]
pub(crate) fn where_condition(dtype: DType) -> Error {
    invalid(format!(
        "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
        dtype.scalar_name()
    ))
}

#[cold]
pub(crate) fn masked_fill_mask(dtype: DType) -> Error {
    invalid(format!(
        "masked_fill_ only supports boolean masks, but got mask with dtype {}",
        dtype.scalar_name().to_lowercase()
    ))
}

#[cold]
pub(crate) fn masked_fill_value(dims: usize) -> Error {
    invalid(format!(
        "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {dims} dimension(s)."
    ))
}

#[cold]
pub(crate) fn unsupported_dtype(op: &str, dtype: DType) -> Error {
    invalid(format!(
        "\"{op}\" not implemented for '{}'",
        dtype.scalar_name()
    ))
}

#[cold]
pub(crate) fn mean_dtype(op: &str, dtype: DType) -> Error {
    invalid(format!(
        "{op}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. \
         Got: {}",
        dtype.scalar_name()
    ))
}

#[cold]
pub(crate) fn var_dtype() -> Error {
    invalid("std and var only support floating point and complex dtypes".into())
}

#[cold]
pub(crate) fn reduce_empty(op: &str) -> Error {
    invalid(format!(
        "cannot perform reduction function {op} on a tensor with no elements because the operation does not \
         have an identity"
    ))
}

#[cold]
pub(crate) fn reduce_empty_dim(op: &str, dim: usize) -> Error {
    invalid(format!(
        "{op}(): Expected reduction dim {dim} to have non-zero size."
    ))
}

#[cold]
pub(crate) fn dim_repeated(dim: usize) -> Error {
    invalid(format!(
        "dim {dim} appears multiple times in the list of dims"
    ))
}

#[cold]
pub(crate) fn arange_step_zero() -> Error {
    invalid("step must be nonzero".into())
}

#[cold]
pub(crate) fn arange_bounds() -> Error {
    invalid("upper bound and larger bound inconsistent with step sign".into())
}

#[cold]
pub(crate) fn arange_non_finite() -> Error {
    invalid("unsupported range: the start, end and step of arange must be finite".into())
}

#[cold]
pub(crate) fn too_large(what: &str, bytes: u64, limit_name: &str, limit: u64) -> Error {
    Error::new(
        ErrorKind::OutOfMemory,
        format!(
            "{what} of {bytes} bytes exceeds the device's {limit_name} ({limit} bytes); a device made with \
             dawn::tensor::Device::from_adapter requests the adapter's own limits"
        ),
    )
}

#[cold]
pub(crate) fn too_many_elements(numel: u128) -> Error {
    invalid(format!(
        "a tensor of {numel} elements is too large: dawn::tensor indexes elements with 32-bit words"
    ))
}

#[cold]
pub(crate) fn out_of_memory(requested: u64, allocated: u64, reserved: u64, cause: &str) -> Error {
    Error::new(
        ErrorKind::OutOfMemory,
        format!(
            "out of memory. Tried to allocate {}. Of the device's memory, {} is allocated by tensors and {} is \
             reserved by the pool ({cause})",
            format_bytes(requested),
            format_bytes(allocated),
            format_bytes(reserved)
        ),
    )
}

/// `1.50 GiB`, as torch's out-of-memory message prints sizes.
pub(crate) fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_values() {
        assert_eq!(
            dim_out_of_range(2, 2).message(),
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
        );
        assert_eq!(
            dim_out_of_range(1, 0).message(),
            "Dimension out of range (expected to be in range of [-1, 0], but got 1)"
        );
        assert_eq!(
            broadcast_mismatch(3, 4, 1).message(),
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
        );
        assert_eq!(format_bytes(1536 * 1024 * 1024), "1.50 GiB");
        assert_eq!(format_bytes(100), "100 bytes");
        assert_eq!(broadcast_mismatch(1, 2, 0).kind(), ErrorKind::InvalidUse);
    }
}
