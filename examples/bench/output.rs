//! The suite's two outputs, shared with the `wgpu` peer (which includes this file): the JSON rows that
//! every implementation's process writes, and the markdown table made from any set of rows.

use crate::harness::{Better, Machine, Row, min_median_max};
use std::fmt::Write as _;

/// The implementations in the order the table shows them; the first is this crate.
pub const IMPLEMENTATIONS: [&str; 4] = ["dawn", "raw", "wgpu", "torch"];

/// The JSON document of one process: where it ran, when, and its rows.
///
/// ```text
/// {"machine": {"adapter": .., "driver": .., "host": ..}, "unix_time": 1764633600,
///  "rows": [{"id": "submit_wait", "title": .., "unit": "us", "better": "lower",
///            "implementation": "dawn", "ops": 200, "samples": [..], "min": .., "median": .., "max": ..,
///            "check": ..}, ..]}
/// ```
pub fn json(machine: &Machine, rows: &[Row]) -> String {
    let unix_time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\n  \"machine\": {{\"adapter\": {}, \"driver\": {}, \"host\": {}}},\n  \"unix_time\": {unix_time},\n  \"rows\": [",
        quote(&machine.adapter),
        quote(&machine.driver),
        quote(&machine.host)
    );
    for (i, row) in rows.iter().enumerate() {
        let w = &row.workload;
        let [min, median, max] = min_median_max(&row.samples).unwrap_or([f64::NAN; 3]);
        let better = match w.metric.better() {
            Better::Lower => "lower",
            Better::Higher => "higher",
        };
        let samples: Vec<String> = row.samples.iter().map(|&v| number(v)).collect();
        let _ = write!(
            out,
            "{}\n    {{\"id\": {}, \"title\": {}, \"unit\": {}, \"better\": \"{better}\", \"implementation\": {}, \
             \"ops\": {}, \"samples\": [{}], \"min\": {}, \"median\": {}, \"max\": {}, \"check\": {}}}",
            if i == 0 { "" } else { "," },
            quote(&w.id),
            quote(&w.title),
            quote(w.metric.unit()),
            quote(&row.implementation),
            row.ops,
            samples.join(", "),
            number(min),
            number(median),
            number(max),
            quote(&row.check)
        );
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// A JSON number (`null` for what JSON cannot hold).
fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// A JSON string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value with four significant digits (no exponent).
pub fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = 3 - v.abs().log10().floor() as i32;
    format!("{v:.*}", digits.max(0) as usize)
}

/// How many times faster `a` is than `b` (medians; above 1: `a` is faster).
pub fn speed_ratio(better: Better, a: f64, b: f64) -> f64 {
    match better {
        Better::Lower => b / a,
        Better::Higher => a / b,
    }
}

/// The markdown table of `rows`: one line per workload (in first-seen order), one column per
/// implementation present ("median (min-max)" over repeats), then this crate's speed relative to each
/// other implementation.
pub fn markdown(rows: &[Row]) -> String {
    let present: Vec<&str> = IMPLEMENTATIONS
        .into_iter()
        .filter(|name| rows.iter().any(|r| r.implementation == *name))
        .collect();
    let mut ids: Vec<&str> = Vec::new();
    for row in rows {
        if !ids.contains(&row.workload.id.as_str()) {
            ids.push(&row.workload.id);
        }
    }
    let others: Vec<&str> = present.iter().copied().filter(|&n| n != "dawn").collect();
    let mut out = String::from("| workload | unit |");
    for name in &present {
        let _ = write!(out, " {name} |");
    }
    for name in &others {
        let _ = write!(out, " dawn vs {name} |");
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---:|".repeat(present.len() + others.len()));
    out.push('\n');
    for id in ids {
        let of = |name: &str| {
            rows.iter()
                .find(|r| r.workload.id == id && r.implementation == name)
        };
        let Some(first) = rows.iter().find(|r| r.workload.id == id) else {
            continue;
        };
        let metric = first.workload.metric;
        let _ = write!(out, "| {} | {} |", first.workload.title, metric.unit());
        let median = |name: &str| {
            of(name)
                .and_then(|r| min_median_max(&r.samples))
                .map(|m| m[1])
        };
        for name in &present {
            match of(name).and_then(|r| min_median_max(&r.samples)) {
                Some([min, median, max]) => {
                    let _ = write!(out, " {} ({}-{}) |", short(median), short(min), short(max));
                }
                None => out.push_str(" |"),
            }
        }
        for name in &others {
            match (median("dawn"), median(name)) {
                (Some(ours), Some(theirs)) => {
                    let _ = write!(out, " {:.2}x |", speed_ratio(metric.better(), ours, theirs));
                }
                _ => out.push_str(" |"),
            }
        }
        out.push('\n');
    }
    out
}
