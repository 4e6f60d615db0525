//! The bench's `--tensor` mode: `dawn::tensor` on the rows PyTorch's figures
//! exist for (`scripts/torch_reference.py` prints them on the same GPU; `--torch FILE` puts them beside
//! ours with the ratio torch time / our time, so 1.0 is parity and higher is faster than torch).
//!
//! Each large op runs `reps` times back to back (outputs dropped, so the pool hands the same block back:
//! torch's `out=`), then the device syncs; the time per op is the median over rounds of that wall time
//! divided by `reps`. The batched small op records 1,000 adds of 1,024 elements and syncs once; its
//! figure is the CPU (wall) time per op, recording and the sync included. Results are checked.

use anyhow::{Context, ensure};
use dawn::tensor::{DType, Device, Tensor};
use std::collections::HashMap;
use std::time::Instant;

/// One measured row.
struct Row {
    key: &'static str,
    what: String,
    micros: f64,
    /// Bytes the op reads and writes (for GB/s), 0 when not meaningful.
    bytes: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median over `rounds` of the time per op of `reps` ops followed by one sync.
fn time_op(
    device: &Device,
    rounds: usize,
    reps: usize,
    op: &dyn Fn() -> dawn::Result<Tensor>,
) -> anyhow::Result<f64> {
    // Warm-up: compiles the pipelines and fills the pool.
    for _ in 0..2 {
        drop(op()?);
    }
    device.sync()?;
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..reps {
            drop(op()?);
        }
        device.sync()?;
        samples.push(start.elapsed().as_secs_f64() * 1e6 / reps as f64);
    }
    Ok(median(samples))
}

/// `key value` lines (microseconds) printed by `scripts/torch_reference.py`.
fn read_torch(path: &str) -> anyhow::Result<HashMap<String, f64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (key, value) = (parts.next()?, parts.next()?.parse().ok()?);
            Some((key.to_string(), value))
        })
        .collect())
}

/// The `--tensor` entry point (the arguments after `--tensor`).
pub fn main(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let (mut quick, mut rounds, mut torch) = (false, 20usize, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .context("--rounds needs a positive number")?
            }
            "--torch" => torch = Some(args.next().context("--torch needs a file")?),
            other => anyhow::bail!(
                "unknown argument {other:?} (with --tensor: --quick, --rounds N, --torch FILE)"
            ),
        }
    }
    run(quick, rounds, torch.as_deref())
}

/// Runs the section (`quick`: sizes 16 times smaller, for lavapipe).
fn run(quick: bool, rounds: usize, torch: Option<&str>) -> anyhow::Result<()> {
    let device = Device::default_gpu().context("a tensor device on the default adapter")?;
    println!(
        "tensor bench on {} ({}): max tensor {} MiB",
        device.capabilities().adapter,
        device.name(),
        device.capabilities().max_tensor_bytes >> 20
    );
    let (n, side, reps) = if quick {
        (1usize << 24, 2048usize, 3)
    } else {
        (1 << 28, 8192, 10)
    };
    let rounds = if quick { rounds.min(5) } else { rounds };
    device.manual_seed(0);
    let a = Tensor::rand(&[n], DType::F32, &device)?;
    let b = Tensor::rand(&[n], DType::F32, &device)?;
    let m = Tensor::rand(&[side, side], DType::F32, &device)?;
    let col = Tensor::rand(&[side, 1], DType::F32, &device)?;
    let mut rows = Vec::new();

    // Checks first: one result of each op against values read back.
    let (av, bv) = (
        a.narrow(0, 0, 4096)?.to_vec::<f32>()?,
        b.narrow(0, 0, 4096)?.to_vec::<f32>()?,
    );
    let sum = (&a + &b)?.narrow(0, 0, 4096)?.to_vec::<f32>()?;
    ensure!(
        sum.iter()
            .zip(av.iter().zip(&bv))
            .all(|(s, (x, y))| *s == x + y),
        "add is wrong"
    );
    let row0: f64 = m
        .select(0, 0)?
        .to_vec::<f32>()?
        .iter()
        .map(|&v| v as f64)
        .sum();
    let got = m.sum(1, false)?.narrow(0, 0, 1)?.item::<f32>()? as f64;
    ensure!(
        (got - row0).abs() <= 1e-4 * row0.abs(),
        "row sum {got} vs {row0}"
    );
    let total = a.sum((), false)?.item::<f32>()? as f64;
    ensure!(
        (total / n as f64 - 0.5).abs() < 0.01,
        "mean of uniforms {}",
        total / n as f64
    );
    let bc = (&m + &col)?
        .select(0, 1)?
        .narrow(0, 0, 8)?
        .to_vec::<f32>()?;
    let (mr, cv) = (
        m.select(0, 1)?.narrow(0, 0, 8)?.to_vec::<f32>()?,
        col.select(0, 1)?.item::<f32>()?,
    );
    ensure!(
        bc.iter().zip(&mr).all(|(s, x)| *s == x + cv),
        "broadcast add is wrong"
    );

    let f = 4.0;
    rows.push(Row {
        key: "add",
        what: format!("add of {n} f32 (2^{})", n.trailing_zeros()),
        micros: time_op(&device, rounds, reps, &|| &a + &b)?,
        bytes: 3.0 * f * n as f64,
    });
    rows.push(Row {
        key: "sum_rows",
        what: format!("sum over rows of {side}x{side} (dim 1)"),
        micros: time_op(&device, rounds, reps, &|| m.sum(1, false))?,
        bytes: f * (side * side) as f64,
    });
    rows.push(Row {
        key: "sum_all",
        what: format!("sum of all {n}"),
        micros: time_op(&device, rounds, reps, &|| a.sum((), false))?,
        bytes: f * n as f64,
    });
    rows.push(Row {
        key: "broadcast_add",
        what: format!("broadcast add {side}x{side} + {side}x1"),
        micros: time_op(&device, rounds, reps, &|| &m + &col)?,
        bytes: 2.0 * f * (side * side) as f64,
    });

    // The batched small op: 1,000 adds recorded, one sync.
    let x = Tensor::rand(&[1024], DType::F32, &device)?;
    let y = Tensor::rand(&[1024], DType::F32, &device)?;
    // (recording only, recording and the sync) per op.
    let batch = |count: usize| -> anyhow::Result<(f64, f64)> {
        let start = Instant::now();
        let mut last = None;
        for _ in 0..count {
            last = Some((&x + &y)?);
        }
        let recorded = start.elapsed();
        device.sync()?;
        let total = start.elapsed();
        drop(last);
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / count as f64;
        Ok((per(recorded), per(total)))
    };
    batch(1000)?;
    let small: Vec<(f64, f64)> = (0..rounds)
        .map(|_| batch(1000))
        .collect::<anyhow::Result<_>>()?;
    rows.push(Row {
        key: "small_add",
        what: "1,000 adds of 1,024 f32, one sync (time per op; floor 5 us)".into(),
        micros: median(small.iter().map(|s| s.1).collect()),
        bytes: 0.0,
    });
    rows.push(Row {
        key: "small_add_record",
        what: "the same, recording only (the CPU's share)".into(),
        micros: median(small.iter().map(|s| s.0).collect()),
        bytes: 0.0,
    });

    let torch = torch.map(read_torch).transpose()?;
    println!();
    println!("| op | us per op | GB/s | torch us | torch/ours |");
    println!("|---|---:|---:|---:|---:|");
    for row in &rows {
        let rate = if row.bytes > 0.0 {
            format!("{:.0}", row.bytes / row.micros / 1e3)
        } else {
            "-".into()
        };
        let (t, ratio) = match torch.as_ref().and_then(|t| t.get(row.key)) {
            Some(&t) => (format!("{t:.1}"), format!("{:.2}", t / row.micros)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {:.1} | {rate} | {t} | {ratio} |",
            row.what, row.micros
        );
    }
    println!();
    println!(
        "median of {rounds} rounds ({reps} ops per round for the large rows); results checked; {} kernels \
         compiled; floors on the H200: add and broadcast add >= 0.8x torch, reductions >= 0.5x, small add <= 5 us",
        device.kernels_compiled()
    );
    Ok(())
}
