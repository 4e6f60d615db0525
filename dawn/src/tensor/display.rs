//! `Display` as torch prints tensors (`torch/_tensor_str.py` with the default print options: precision
//! 4, more than 1000 elements summarised with 3 edge items, line width 80), from one read-back of just
//! the elements shown.

use super::dtype::DType;
use super::layout::Layout;
use super::shape::MAX_DIMS;
use super::tensor::Tensor;
use crate::Result;
use std::fmt;

const PRECISION: usize = 4;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 80;
const PREFIX: &str = "tensor(";

impl Tensor {
    /// The text torch prints for this tensor (what `Display` writes): one read-back fetches the
    /// elements shown (for a summarised tensor, only the edges).
    ///
    /// ```
    /// # let device = dawn::tensor::Device::default_gpu()?;
    /// use dawn::tensor::{DType, Tensor};
    /// let t = Tensor::from_slice(&[1.0f32, 2.5, -3.0, 4.0], &[2, 2], &device)?;
    /// assert_eq!(t.torch_string()?, "tensor([[ 1.0000,  2.5000],\n        [-3.0000,  4.0000]])");
    /// let i = Tensor::arange(0.0, 3.0, 1.0, DType::I32, &device)?;
    /// assert_eq!(i.to_string(), "tensor([0, 1, 2], dtype=torch.int32)");
    /// # Ok::<(), dawn::Error>(())
    /// ```
    pub fn torch_string(&self) -> Result<String> {
        let mut suffixes = Vec::new();
        let has_default_dtype = matches!(self.dtype, DType::F32 | DType::Bool);
        let body = if self.numel() == 0 {
            if self.rank() != 1 {
                suffixes.push(format!("size={}", python_tuple(self.shape())));
            }
            if self.dtype != DType::F32 {
                suffixes.push(format!("dtype={}", self.dtype.torch_name()));
            }
            "[]".to_string()
        } else {
            if !has_default_dtype {
                suffixes.push(format!("dtype={}", self.dtype.torch_name()));
            }
            let summarize = self.numel() > THRESHOLD;
            let (values, shape, summarized) = self.shown_values(summarize)?;
            let formatter = Formatter::new(&values, self.dtype);
            render(&values, &shape, &summarized, PREFIX.len(), &formatter)
        };
        Ok(add_suffixes(&format!("{PREFIX}{body}"), &suffixes))
    }

    /// The elements shown, row-major over the shown shape (a summarised dim shows its first and last
    /// three), with that shape and which dims are summarised.
    fn shown_values(&self, summarize: bool) -> Result<(Vec<f64>, Vec<usize>, Vec<bool>)> {
        let summarized: Vec<bool> = self
            .shape()
            .iter()
            .map(|&d| summarize && d > 2 * EDGE_ITEMS)
            .collect();
        let shape: Vec<usize> = self
            .shape()
            .iter()
            .zip(&summarized)
            .map(|(&d, &s)| if s { 2 * EDGE_ITEMS } else { d })
            .collect();
        // Each summarised dim becomes two: [first or last block, position in the block].
        let (mut edge_shape, mut edge_strides) = (Vec::new(), Vec::new());
        for ((&size, &stride), &s) in self.shape().iter().zip(self.stride()).zip(&summarized) {
            if s {
                edge_shape.extend([2, EDGE_ITEMS]);
                edge_strides.extend([(size - EDGE_ITEMS) * stride, stride]);
            } else {
                edge_shape.push(size);
                edge_strides.push(stride);
            }
        }
        let values = if edge_shape.len() <= MAX_DIMS {
            let layout = Layout::strided(&edge_shape, &edge_strides, self.layout.offset())?;
            self.with_layout(layout).to_f64_vec()?
        } else {
            // Too many dims for one view: read everything (still one read-back) and pick on the host.
            let all = self.to_f64_vec()?;
            let full = self.shape();
            let n: usize = shape.iter().product();
            (0..n)
                .map(|i| {
                    let (mut rest, mut at, mut scale) = (i, 0, 1);
                    for d in (0..shape.len()).rev() {
                        let mut k = rest % shape[d];
                        rest /= shape[d];
                        if summarized[d] && k >= EDGE_ITEMS {
                            k += full[d] - 2 * EDGE_ITEMS;
                        }
                        at += k * scale;
                        scale *= full[d];
                    }
                    all[at]
                })
                .collect()
        };
        Ok((values, shape, summarized))
    }
}

impl fmt::Display for Tensor {
    /// torch's text (see [`Tensor::torch_string`]); if the read-back fails, the error in angle brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.torch_string() {
            Ok(text) => f.write_str(&text),
            Err(e) => write!(f, "<tensor that could not be read: {e}>"),
        }
    }
}

/// `(2, 3)` / `(0,)`, as Python prints a tuple of sizes.
fn python_tuple(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => {
            let items: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", items.join(", "))
        }
    }
}

/// torch's `_add_suffixes`: `, suffix` on the last line, or on a new line when it would pass the width.
fn add_suffixes(text: &str, suffixes: &[String]) -> String {
    let mut out = text.to_string();
    // torch's own arithmetic: two more than the last line's length.
    let mut last_line = match text.rfind('\n') {
        Some(p) => text.len() - p + 1,
        None => text.len() + 2,
    };
    for suffix in suffixes {
        if last_line + suffix.len() + 2 > LINE_WIDTH {
            out.push_str(&format!(",\n{}{suffix}", " ".repeat(PREFIX.len())));
            last_line = PREFIX.len() + suffix.len();
        } else {
            out.push_str(&format!(", {suffix}"));
            last_line += suffix.len() + 2;
        }
    }
    out.push(')');
    out
}

/// torch's `_Formatter`: one width and one style (integer-valued, fixed or scientific) for all values.
struct Formatter {
    dtype: DType,
    int_mode: bool,
    sci_mode: bool,
    max_width: usize,
}

impl Formatter {
    fn new(values: &[f64], dtype: DType) -> Formatter {
        let mut f = Formatter {
            dtype,
            int_mode: true,
            sci_mode: false,
            max_width: 1,
        };
        if !dtype.is_floating_point() {
            f.max_width = values
                .iter()
                .map(|&v| f.format_plain(v).len())
                .max()
                .unwrap_or(1);
            return f;
        }
        let finite: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v != 0.0)
            .collect();
        if finite.is_empty() {
            return f;
        }
        let min = finite.iter().map(|v| v.abs()).fold(f64::INFINITY, f64::min);
        let max = finite.iter().map(|v| v.abs()).fold(0.0, f64::max);
        f.int_mode = finite.iter().all(|v| *v == v.ceil());
        let widths: Vec<usize> = if f.int_mode {
            if max / min > 1000.0 || max > 1.0e8 {
                f.sci_mode = true;
                finite.iter().map(|&v| scientific(v).len()).collect()
            } else {
                finite
                    .iter()
                    .map(|&v| format!("{v:.0}").len() + 1)
                    .collect()
            }
        } else if max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4 {
            f.sci_mode = true;
            finite.iter().map(|&v| scientific(v).len()).collect()
        } else {
            finite
                .iter()
                .map(|&v| format!("{v:.PRECISION$}").len())
                .collect()
        };
        f.max_width = widths.into_iter().max().unwrap_or(1);
        f
    }

    /// A value without padding.
    fn format_plain(&self, v: f64) -> String {
        match self.dtype {
            DType::Bool => if v != 0.0 { "True" } else { "False" }.to_string(),
            d if !d.is_floating_point() => format!("{}", v as i64),
            _ if !v.is_finite() => python_special(v),
            _ if self.sci_mode => scientific(v),
            _ if self.int_mode => format!("{v:.0}."),
            _ => format!("{v:.PRECISION$}"),
        }
    }

    /// A value right-aligned to the common width.
    fn format(&self, v: f64) -> String {
        let s = self.format_plain(v);
        format!("{s:>width$}", width = self.max_width)
    }
}

/// Python's `'{:.4e}'`: a signed exponent of at least two digits (`1.0000e+08`).
fn scientific(v: f64) -> String {
    if !v.is_finite() {
        return python_special(v);
    }
    let s = format!("{v:.PRECISION$e}");
    let (mantissa, exponent) = s.split_once('e').expect("`e` formatting has an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// `nan`, `inf`, `-inf`, as Python prints them.
fn python_special(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

/// torch's `_tensor_str_with_formatter`, over row-major `values` of `shape`.
fn render(
    values: &[f64],
    shape: &[usize],
    summarized: &[bool],
    indent: usize,
    f: &Formatter,
) -> String {
    match shape.len() {
        0 => f.format(values[0]),
        1 => vector(values, summarized[0], indent, f),
        rank => {
            let inner: usize = shape[1..].iter().product();
            let rows: Vec<String> = (0..shape[0])
                .map(|i| {
                    let part = &values[i * inner..(i + 1) * inner];
                    render(part, &shape[1..], &summarized[1..], indent + 1, f)
                })
                .collect();
            let parts = with_ellipsis(rows, summarized[0], "...");
            let separator = format!(",{}{}", "\n".repeat(rank - 1), " ".repeat(indent + 1));
            format!("[{}]", parts.join(&separator))
        }
    }
}

/// torch's `_vector_str`: elements wrapped to the line width.
fn vector(values: &[f64], summarized: bool, indent: usize, f: &Formatter) -> String {
    let element_length = f.max_width + 2;
    let per_line =
        ((LINE_WIDTH as isize - indent as isize) / element_length as isize).max(1) as usize;
    let items: Vec<String> = values.iter().map(|&v| f.format(v)).collect();
    let items = with_ellipsis(items, summarized, " ...");
    let lines: Vec<String> = items.chunks(per_line).map(|line| line.join(", ")).collect();
    format!(
        "[{}]",
        lines.join(&format!(",\n{}", " ".repeat(indent + 1)))
    )
}

/// The first and last edge items with `ellipsis` between them (for a summarised dim), or all items.
fn with_ellipsis(mut items: Vec<String>, summarized: bool, ellipsis: &str) -> Vec<String> {
    if summarized {
        items.insert(EDGE_ITEMS, ellipsis.to_string());
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_like_python() {
        assert_eq!(scientific(1e8), "1.0000e+08");
        assert_eq!(scientific(-1.5e-5), "-1.5000e-05");
        assert_eq!(scientific(0.0), "0.0000e+00");
        assert_eq!(scientific(f64::NAN), "nan");
    }

    #[test]
    fn formatter_modes() {
        let f = Formatter::new(&[1.0, 2.0, f64::NAN], DType::F32);
        assert!(f.int_mode && !f.sci_mode);
        assert_eq!(f.max_width, 2);
        assert_eq!(f.format(f64::NAN), "nan");
        let f = Formatter::new(&[1.0, 20000.0], DType::F32);
        assert!(f.sci_mode);
        let f = Formatter::new(&[0.5, -12.25], DType::F32);
        assert_eq!(f.format(0.5), "  0.5000");
        let f = Formatter::new(&[1.0, 0.0], DType::Bool);
        assert_eq!(f.format(0.0), "False");
        assert_eq!(f.format(1.0), " True");
    }

    #[test]
    fn suffixes_wrap_at_the_width() {
        assert_eq!(
            add_suffixes("tensor([1, 2]", &["dtype=torch.int32".into()]),
            "tensor([1, 2], dtype=torch.int32)"
        );
        let long = format!("tensor([{}]", "1".repeat(60));
        assert_eq!(
            add_suffixes(&long, &["dtype=torch.int32".into()]),
            format!("{long},\n       dtype=torch.int32)")
        );
        assert_eq!(python_tuple(&[0]), "(0,)");
        assert_eq!(python_tuple(&[2, 0]), "(2, 0)");
    }
}
