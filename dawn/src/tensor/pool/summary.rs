//! `memory_summary()`: torch's `torch.cuda.memory_summary` table (75 columns), for a tensor device.

use super::stats::{Stat, StatArray, Stats};

/// A size as torch's summary prints it: six digits and a unit, the unit chosen by `reference` (the
/// row's "all" value) so that the pool rows use the same unit as their total.
fn format_size(size: u64, reference: u64) -> String {
    const UNITS: [&str; 6] = ["B  ", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let (mut size, mut reference) = (size, reference as f64);
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if reference < 768.0 * 1024.0 {
            break;
        }
        unit = next;
        size /= 1024;
        reference /= 1024.0;
    }
    format!("{size:6} {unit}")
}

/// A count as torch's summary prints it (thousands as `K`, millions as `M`).
fn format_count(count: u64, reference: u64) -> String {
    const UNITS: [&str; 3] = [" ", "K", "M"];
    let (mut count, mut reference) = (count, reference as f64);
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if reference < 750.0 * 1000.0 {
            break;
        }
        unit = next;
        count /= 1000;
        reference /= 1000.0;
    }
    format!("{count:7} {unit} ")
}

/// The summary of `stats` for device number `device` (`abbreviated`: without the per-pool rows).
pub(crate) fn memory_summary(stats: &Stats, device: usize, abbreviated: bool) -> String {
    type Format = fn(u64, u64) -> String;
    let metrics: [(&StatArray, &str, Format); 9] = [
        (&stats.allocated_bytes, "Allocated memory", format_size),
        (&stats.active_bytes, "Active memory", format_size),
        (&stats.requested_bytes, "Requested memory", format_size),
        (&stats.reserved_bytes, "GPU reserved memory", format_size),
        (
            &stats.inactive_split_bytes,
            "Non-releasable memory",
            format_size,
        ),
        (&stats.allocation, "Allocations", format_count),
        (&stats.active, "Active allocs", format_count),
        (&stats.segment, "GPU reserved segments", format_count),
        (&stats.inactive_split, "Non-releasable allocs", format_count),
    ];
    let rule = |c: char| c.to_string().repeat(75);
    let mut lines = vec![
        rule('='),
        format!(
            " {:16} dawn::tensor memory summary, device ID {device:<17} ",
            ""
        ),
        rule('-'),
        format!(
            "  {:9} Dawn OOMs: {:<12} | {:6} allocation retries: {:<8}  ",
            "", stats.num_ooms, "", stats.num_alloc_retries
        ),
        rule('='),
        "        Metric         | Cur Usage  | Peak Usage | Tot Alloc  | Tot Freed  ".to_string(),
    ];
    for (array, name, format) in metrics {
        lines.push(rule('-'));
        let mut rows: Vec<(&str, &Stat)> = vec![(name, &array.all)];
        if !abbreviated {
            rows.push(("      from large pool", &array.large_pool));
            rows.push(("      from small pool", &array.small_pool));
        }
        let all = array.all;
        for (label, stat) in rows {
            lines.push(format!(
                " {label:<21} | {} | {} | {} | {} ",
                format(stat.current, all.current),
                format(stat.peak, all.peak),
                format(stat.allocated, all.allocated),
                format(stat.freed, all.freed)
            ));
        }
    }
    lines.push(rule('='));
    format!("|{}|\n", lines.join("|\n|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_reference_value() {
        assert_eq!(format_size(100, 100), "   100 B  ");
        // torch moves to the next unit only from 768 of it.
        assert_eq!(format_size(3 << 20, 3 << 20), "  3072 KiB");
        assert_eq!(format_size(512, 3 << 20), "     0 KiB");
        assert_eq!(format_size(1 << 30, 1 << 30), "  1024 MiB");
        assert_eq!(format_size(700 * 1024, 700 * 1024), "716800 B  ");
        assert_eq!(format_count(5, 5), "      5   ");
        assert_eq!(format_count(2_000_000, 2_000_000), "   2000 K ");
        assert_eq!(format_count(800_000_000, 800_000_000), "    800 M ");
    }

    #[test]
    fn every_line_is_75_columns() {
        let mut stats = Stats::default();
        stats.allocated_bytes.increase(4 << 20, 4 << 20);
        stats.allocation.increase(4 << 20, 1);
        for abbreviated in [false, true] {
            let text = memory_summary(&stats, 0, abbreviated);
            assert!(text.ends_with("|\n"));
            for line in text.lines() {
                assert_eq!(line.chars().count(), 77, "{line:?}");
            }
            assert!(text.contains("dawn::tensor memory summary, device ID 0"));
            assert!(text.contains(
                " Allocated memory      |   4096 KiB |   4096 KiB |   4096 KiB |      0 B   "
            ));
        }
        let full = memory_summary(&stats, 0, false);
        assert!(full.contains("      from large pool |   4096 KiB |"));
    }
}
