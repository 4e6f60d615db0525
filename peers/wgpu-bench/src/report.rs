//! `wgpu-bench report`: reads the JSON rows of every process, pools the samples of each workload and
//! implementation, and writes the markdown table (with where each implementation ran) and the plot.

use crate::harness::{Machine, Metric, Row, Workload};
use crate::output::{self, IMPLEMENTATIONS};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Document {
    machine: MachineJson,
    unix_time: u64,
    rows: Vec<RowJson>,
}

#[derive(Deserialize)]
struct MachineJson {
    adapter: String,
    driver: String,
    host: String,
}

#[derive(Deserialize)]
struct RowJson {
    id: String,
    title: String,
    unit: String,
    better: String,
    implementation: String,
    ops: usize,
    samples: Vec<f64>,
    check: String,
}

/// The metric a JSON row names (its unit and direction are all the report needs).
fn metric(unit: &str, better: &str) -> Result<Metric> {
    Ok(match (unit, better) {
        ("us", "lower") => Metric::Micros,
        ("ms", "lower") => Metric::Millis,
        (unit, "higher") => Metric::Rate {
            unit: Box::leak(unit.to_string().into_boxed_str()),
            amount: f64::NAN,
        },
        (unit, better) => bail!("unknown unit {unit:?} ({better} is better)"),
    })
}

/// Rows of all `documents`, samples of one workload and implementation pooled, in first-seen order.
fn merge(documents: &[Document]) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = Vec::new();
    for row in documents.iter().flat_map(|d| &d.rows) {
        if let Some(seen) = rows
            .iter_mut()
            .find(|r| r.workload.id == row.id && r.implementation == row.implementation)
        {
            seen.samples.extend(&row.samples);
            continue;
        }
        rows.push(Row {
            workload: Workload::new(&row.id, &row.title, metric(&row.unit, &row.better)?),
            implementation: row.implementation.clone(),
            samples: row.samples.clone(),
            ops: row.ops,
            check: row.check.clone(),
        });
    }
    Ok(rows)
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
fn date(unix_time: u64) -> String {
    // Howard Hinnant's days-to-civil.
    let days = (unix_time / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + (month <= 2) as i64;
    format!("{year:04}-{month:02}-{day:02}")
}

pub fn run(args: Vec<String>) -> Result<()> {
    let (mut md, mut png, mut inputs) = (None, None, Vec::new());
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--md" => md = Some(PathBuf::from(args.next().context("--md needs a file")?)),
            "--png" => png = Some(PathBuf::from(args.next().context("--png needs a file")?)),
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    if inputs.is_empty() {
        bail!("report: no JSON files given");
    }
    let documents: Vec<Document> = inputs
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
        })
        .collect::<Result<_>>()?;
    let rows = merge(&documents)?;
    let mut text = String::new();
    for name in IMPLEMENTATIONS {
        let runs: Vec<&Document> = documents
            .iter()
            .filter(|d| d.rows.iter().any(|r| r.implementation == name))
            .collect();
        if let Some(first) = runs.first() {
            let machine = Machine {
                adapter: first.machine.adapter.clone(),
                driver: first.machine.driver.clone(),
                host: first.machine.host.clone(),
            };
            let _ = writeln!(
                text,
                "- {name}: {} | {} | host {} | {} ({} process{})",
                machine.adapter,
                machine.driver,
                machine.host,
                date(first.unix_time),
                runs.len(),
                if runs.len() == 1 { "" } else { "es" }
            );
        }
    }
    text.push('\n');
    text.push_str(&output::markdown(&rows));
    text.push_str(
        "\nmedian (min-max) over all repeats of all processes; `dawn vs X`: how many times faster this \
         crate is than X (medians).\n",
    );
    print!("{text}");
    if let Some(path) = md {
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = png {
        crate::plot::draw(&rows, &path)?;
        println!("plot written to {}", path.display());
    }
    Ok(())
}
