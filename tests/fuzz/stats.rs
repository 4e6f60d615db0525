//! What a run measured.

use dawn::{ErrorKind, Result};
use std::collections::BTreeMap;

/// What the run measured.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Sequences run to the end.
    pub sequences: u64,
    /// Operations run.
    pub ops: u64,
    /// Operations that returned `Ok`.
    pub ok: u64,
    /// Typed errors returned, by kind.
    pub errors: BTreeMap<String, u64>,
    /// Errors that reached the uncaptured-error handler, by kind.
    pub uncaptured: BTreeMap<String, u64>,
    /// Sequences where the device was lost or destroyed on purpose.
    pub losses: u64,
    /// Outcomes the shadow model predicted exactly (an `Ok`, or the error kind), all confirmed.
    pub predicted: u64,
    /// Reads of GPU or mapped memory compared with the shadow model, and the known bytes compared (of
    /// them, those that were not zero).
    pub data_checks: u64,
    pub bytes_checked: u64,
    pub nonzero_bytes_checked: u64,
    /// Threads that created an instance and a device, used them, dropped everything and ended.
    pub thread_lifecycles: u64,
}

impl Stats {
    pub fn record<T>(&mut self, result: &Result<T>) {
        self.ops += 1;
        match result {
            Ok(_) => self.ok += 1,
            Err(e) => *self.errors.entry(format!("{:?}", e.kind())).or_default() += 1,
        }
    }

    pub fn record_uncaptured(&mut self, kind: ErrorKind) {
        *self.uncaptured.entry(format!("{kind:?}")).or_default() += 1;
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.sequences += other.sequences;
        self.ops += other.ops;
        self.ok += other.ok;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.uncaptured {
            *self.uncaptured.entry(k.clone()).or_default() += v;
        }
        self.losses += other.losses;
        self.predicted += other.predicted;
        self.data_checks += other.data_checks;
        self.bytes_checked += other.bytes_checked;
        self.nonzero_bytes_checked += other.nonzero_bytes_checked;
        self.thread_lifecycles += other.thread_lifecycles;
    }

    /// Total typed errors.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Total uncaptured errors.
    pub fn uncaptured_count(&self) -> u64 {
        self.uncaptured.values().sum()
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sequences, {} ops: {} ok, {} typed errors {:?}, {} uncaptured {:?}, {} deliberate losses, \
             {} outcomes predicted, {} data checks ({} bytes, {} non-zero), {} thread lifecycles",
            self.sequences,
            self.ops,
            self.ok,
            self.error_count(),
            self.errors,
            self.uncaptured_count(),
            self.uncaptured,
            self.losses,
            self.predicted,
            self.data_checks,
            self.bytes_checked,
            self.nonzero_bytes_checked,
            self.thread_lifecycles,
        )
    }
}
