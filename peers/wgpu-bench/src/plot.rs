//! The suite's plot (one PNG): per workload, each implementation's speed relative to the fastest
//! (bars, 1 = fastest), and the matmul's TFLOP/s against its size per implementation (log scale).

use crate::harness::{Row, min_median_max};
use crate::output::{IMPLEMENTATIONS, short, speed_ratio};
use anyhow::{Result, anyhow};
use plotters::prelude::*;
use std::path::Path;

/// DejaVu Sans (Debian's fonts-dejavu-core), built in so that the plot draws on machines without fonts.
const FONT: &[u8] = include_bytes!("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

fn color(implementation: &str) -> RGBColor {
    let i = IMPLEMENTATIONS
        .iter()
        .position(|&n| n == implementation)
        .unwrap_or(0);
    COLORS[i]
}

fn median(row: &Row) -> Option<f64> {
    min_median_max(&row.samples).map(|m| m[1])
}

pub fn draw(rows: &[Row], path: &Path) -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow!("the built-in font does not load"))?;
    let mut ids: Vec<&str> = Vec::new();
    for row in rows {
        if !ids.contains(&row.workload.id.as_str()) {
            ids.push(&row.workload.id);
        }
    }
    let present: Vec<&str> = IMPLEMENTATIONS
        .into_iter()
        .filter(|n| rows.iter().any(|r| r.implementation == *n))
        .collect();
    let bars_height = 60 + 34 * ids.len() as u32;
    let root = BitMapBackend::new(path, (1200, bars_height + 420)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let (top, bottom) = root.split_vertically(bars_height);
    relative_bars(&top, rows, &ids, &present)?;
    matmul_lines(&bottom, rows, &present)?;
    root.present().map_err(plot_error)?;
    Ok(())
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("plot: {e:?}")
}

/// Horizontal bars: one band per workload, one bar per implementation, length = speed / fastest.
fn relative_bars(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    rows: &[Row],
    ids: &[&str],
    present: &[&str],
) -> Result<()> {
    let bands = ids.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "speed relative to the fastest implementation (1 = fastest)",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(190)
        .build_cartesian_2d(0f64..1.25, 0f64..bands)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(ids.len() * 2 + 1)
        .y_label_formatter(&|y| {
            let band = y.floor();
            // Label each band at its middle only.
            if (y - band - 0.5).abs() < 0.01 && band >= 0.0 && (band as usize) < ids.len() {
                ids[ids.len() - 1 - band as usize].to_string()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(plot_error)?;
    let slot = 0.8 / present.len().max(1) as f64;
    for (k, &name) in present.iter().enumerate() {
        let mut bars = Vec::new();
        for (band, id) in ids.iter().enumerate() {
            let of = |n: &str| {
                rows.iter()
                    .find(|r| r.workload.id == *id && r.implementation == n)
            };
            let Some(row) = of(name) else { continue };
            let Some(value) = median(row) else { continue };
            let better = row.workload.metric.better();
            let best =
                present
                    .iter()
                    .filter_map(|&n| of(n).and_then(median))
                    .fold(value, |best, v| {
                        if speed_ratio(better, v, best) > 1.0 {
                            v
                        } else {
                            best
                        }
                    });
            let relative = speed_ratio(better, value, best);
            // The first implementation on top of its band.
            let y0 = (ids.len() - 1 - band) as f64 + 0.1 + (present.len() - 1 - k) as f64 * slot;
            bars.push(Rectangle::new(
                [(0.0, y0), (relative, y0 + slot * 0.9)],
                color(name).filled(),
            ));
        }
        chart
            .draw_series(bars)
            .map_err(plot_error)?
            .label(name)
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 12, y + 5)], color(name).filled())
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

/// TFLOP/s of the matmul rows against n, one line per implementation.
fn matmul_lines(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    rows: &[Row],
    present: &[&str],
) -> Result<()> {
    let points = |name: &str| -> Vec<(f64, f64)> {
        let mut points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.implementation == name)
            .filter_map(|r| {
                let n: f64 = r.workload.id.strip_prefix("matmul_f32_")?.parse().ok()?;
                Some((n.log2(), median(r)?))
            })
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points
    };
    let all: Vec<(f64, f64)> = present.iter().flat_map(|n| points(n)).collect();
    if all.is_empty() {
        return Ok(());
    }
    let (x_min, x_max) = all
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (y_min, y_max) = all
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(
            "f32 matmul (64x64 tile, 4x4 per invocation), TFLOP/s against n",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x_min - 0.5)..(x_max + 0.5),
            ((y_min * 0.5).max(1e-9)..(y_max * 2.0)).log_scale(),
        )
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("n (n x n times n x n), log scale")
        .y_desc("TFLOP/s")
        .x_labels((x_max - x_min) as usize * 2 + 3)
        .x_label_formatter(&|x| {
            // Only whole powers of two (x is log2 n).
            if (x - x.round()).abs() < 1e-6 {
                format!("{}", 2f64.powf(x.round()))
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| short(*y))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(plot_error)?;
    for &name in present {
        let line = points(name);
        if line.is_empty() {
            continue;
        }
        let c = color(name);
        chart
            .draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))
            .map_err(plot_error)?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], c.stroke_width(2)));
        chart
            .draw_series(line.into_iter().map(|p| Circle::new(p, 4, c.filled())))
            .map_err(plot_error)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(plot_error)?;
    Ok(())
}
