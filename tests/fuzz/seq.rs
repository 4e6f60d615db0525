//! One sequence: its objects, the random choice of each operation, and the oracles the operations share
//! (the error kinds a call may return, the outcome the shadow model predicts, reads checked against it).

use super::progress::Progress;
use super::shadow::{ModelRef, Recording};
use super::stats::Stats;
use super::{Config, HANG};
use dawn::*;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// A failure of the sequence (a broken oracle or a hang), described.
pub type Failure = std::result::Result<(), String>;

/// A buffer of the sequence and its shadow model (clones share both).
#[derive(Clone)]
pub struct Tracked {
    pub buffer: Buffer,
    pub model: ModelRef,
}

/// What a pending map's wait must give.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Refused before Dawn, with this kind.
    Refused(ErrorKind),
    /// Map `generation` of its buffer (the model knows whether it can succeed).
    Accepted { generation: u64 },
    /// Not predicted (the buffer is shared with other threads, or the device was lost).
    Unknown,
}

/// A `map_async` whose future the sequence keeps.
pub struct MapEntry {
    pub tracked: Tracked,
    pub pending: Pending<()>,
    pub expect: Expect,
}

/// An `on_submitted_work_done` future the sequence keeps; `after_loss`: created once the device was lost
/// (it then resolves to `DeviceLost` at once; one created before resolves as Dawn finishes the work).
pub struct Work {
    pub pending: Pending<()>,
    pub after_loss: bool,
}

/// A finished command buffer kept to submit later, with what the model knows of it.
#[derive(Clone)]
pub struct Stashed {
    pub command: CommandBuffer,
    pub recording: Rc<Recording>,
}

/// One sequence's objects and state.
pub struct Seq<'p> {
    pub rng: super::rng::Rng,
    pub stats: Stats,
    pub verbose: bool,
    pub progress: Option<&'p Progress>,
    /// Other threads use the same device and buffers: outcomes are not predicted, only their kinds checked.
    pub shared: bool,
    pub config: Config,
    pub limits: Limits,
    pub device: Option<Device>,
    pub queue: Option<Queue>,
    /// The device was lost or destroyed (by this sequence or, when shared, maybe by another thread).
    pub lost: bool,
    pub buffers: Vec<Tracked>,
    pub maps: Vec<MapEntry>,
    pub work: Vec<Work>,
    pub modules: Vec<ShaderModule>,
    pub infos: Vec<Pending<CompilationInfo>>,
    pub pipelines: Vec<ComputePipeline>,
    /// With whether each was asked for after the loss (then it resolves to `DeviceLost` at once).
    pub pipeline_futures: Vec<(Pending<ComputePipeline>, bool)>,
    /// Bind groups kept for later dispatches, with the buffers they reach.
    pub groups: Vec<(BindGroup, Vec<ModelRef>)>,
    pub commands: Vec<Stashed>,
    pub lost_future: Option<Pending<DeviceLostInfo>>,
    /// The checked kernel's pipeline, made on first use.
    pub checked: Option<ComputePipeline>,
    /// A buffer of 16 MiB or more was created: Dawn may report running out of memory.
    pub may_oom: bool,
    pub op_index: usize,
}

/// A device that records the kinds of its uncaptured errors.
pub type Uncaptured = Arc<Mutex<Vec<ErrorKind>>>;

impl<'p> Seq<'p> {
    pub fn new(
        mut rng: super::rng::Rng,
        device: Device,
        buffers: Vec<Tracked>,
        shared: bool,
        config: Config,
        verbose: bool,
        progress: Option<&'p Progress>,
    ) -> Self {
        let lost_future = rng.chance(1, 2).then(|| device.lost());
        Seq {
            rng,
            stats: Stats::default(),
            verbose,
            progress,
            shared,
            config,
            limits: device.limits(),
            queue: Some(device.queue()),
            device: Some(device),
            lost: false,
            buffers,
            maps: Vec::new(),
            work: Vec::new(),
            modules: Vec::new(),
            infos: Vec::new(),
            pipelines: Vec::new(),
            pipeline_futures: Vec::new(),
            groups: Vec::new(),
            commands: Vec::new(),
            lost_future,
            checked: None,
            may_oom: false,
            op_index: 0,
        }
    }

    /// Runs `ops` operations, then the end of the sequence (sometimes waiting for everything).
    pub fn run(&mut self, ops: usize) -> Failure {
        for i in 0..ops {
            self.op_index = i;
            if let Some(p) = self.progress {
                p.tick(i);
            }
            self.step(0)?;
        }
        self.finish()
    }

    /// One random operation; `depth` > 0 inside an error scope (no nested scopes or losses there).
    pub fn step(&mut self, depth: u32) -> Failure {
        let choice = self.rng.below(if depth > 0 { 24 } else { 27 });
        match choice {
            0..=2 => self.create_buffer(),
            3 => self.write_buffer(),
            4..=5 => self.map(),
            6..=7 => self.wait_some(),
            9 if self.rng.chance(1, 2) => self.guard(),
            8..=9 => self.views(),
            10 => self.unmap(),
            11 => self.destroy_buffer(),
            12 => self.drop_something(),
            13 => self.copy(),
            14 => self.dispatch(),
            15..=16 => self.checked_dispatch(),
            17 => self.shader(),
            18 => self.pipeline(),
            19 => self.submit_stashed(),
            20 => self.work_done(),
            21 => self.mapped_copy(),
            22 => self.read_back(),
            23 => self.thread_lifecycle_or_queries(),
            24..=25 => self.scope(depth),
            _ => self.lose_or_drop_device(),
        }
    }

    /// Whether the shadow model predicts outcomes: the sequence is alone on its device and the device is
    /// not lost.
    pub fn predicting(&self) -> bool {
        !self.shared && !self.lost
    }

    pub fn log(&self, what: &str) {
        if self.verbose {
            eprintln!("  op {}: {what}", self.op_index);
        }
    }

    /// A device handle: ours, or (after we dropped ours) the one a buffer keeps alive.
    pub fn dev(&self) -> Option<Device> {
        self.device
            .clone()
            .or_else(|| self.buffers.first().map(|b| b.buffer.device().clone()))
    }

    pub fn any_buffer(&mut self) -> Option<Tracked> {
        (!self.buffers.is_empty()).then(|| self.buffers[self.rng.index(self.buffers.len())].clone())
    }

    /// Whether this sequence lost its device: every call that produces something (an object with a
    /// `Result`, data, a mapping, a scope's result) fails with `DeviceLost`.
    pub fn known_lost(&self) -> bool {
        // Shared or not: `lost` is set once this sequence's own destroy or loss returned.
        self.lost
    }

    /// Records `r` and fails unless it is `Ok` or an error of one of the `allowed` kinds (the kinds this
    /// call can cause here); `DeviceLost` is also allowed once the device was lost, and `Validation`,
    /// `InvalidUse`, `MapFailed` and `DeviceLost` when other threads share the objects (their maps, views,
    /// unmaps and losses).
    pub fn expect_kinds<T>(&mut self, what: &str, r: &Result<T>, allowed: &[ErrorKind]) -> Failure {
        self.stats.record(r);
        let Err(e) = r else {
            return Ok(());
        };
        if self.lost && e.kind() == ErrorKind::DeviceLost {
            return Ok(());
        }
        let by_others = [
            ErrorKind::Validation,
            ErrorKind::InvalidUse,
            ErrorKind::MapFailed,
            ErrorKind::DeviceLost,
        ];
        let by_others = by_others.contains(&e.kind());
        if allowed.contains(&e.kind()) || (self.shared && by_others) {
            return Ok(());
        }
        Err(format!(
            "{what} returned {e}: not a kind it can cause here ({allowed:?})"
        ))
    }

    /// When predicting, fails unless `r` is what the model said: `Ok` (`None`) or an error of `kind`.
    pub fn expect_outcome<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        r: &Result<T>,
        predicted: Option<ErrorKind>,
    ) -> Failure {
        self.expect_one_of(what, r, &[predicted])
    }

    /// When predicting, fails unless `r` is one of the `outcomes` the model allows.
    pub fn expect_one_of<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        r: &Result<T>,
        outcomes: &[Option<ErrorKind>],
    ) -> Failure {
        match self.predicting() {
            true => self.check_outcome(what, r, outcomes),
            false => Ok(()),
        }
    }

    /// Once the device is known lost, fails unless `r` is `DeviceLost` (for a call that checks the device
    /// before anything else).
    pub fn expect_lost<T: std::fmt::Debug>(&mut self, what: &str, r: &Result<T>) -> Failure {
        match self.known_lost() {
            true => self.check_outcome(what, r, &[Some(ErrorKind::DeviceLost)]),
            false => Ok(()),
        }
    }

    /// Fails unless `r` is one of `outcomes` (`None`: `Ok`).
    pub fn check_outcome<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        r: &Result<T>,
        outcomes: &[Option<ErrorKind>],
    ) -> Failure {
        let got = r.as_ref().err().map(Error::kind);
        if !outcomes.contains(&got) {
            let want: Vec<String> = outcomes
                .iter()
                .map(|o| o.map_or("Ok".to_string(), |k| format!("{k:?}")))
                .collect();
            return Err(format!(
                "{what} returned {r:?}; the model predicted {}",
                want.join(" or ")
            ));
        }
        self.stats.predicted += 1;
        Ok(())
    }

    /// Learns what the crate says of `t`'s pending map before a prediction that depends on it: mapped once
    /// its kept future is ready (the callback recorded its success); succeeded once Dawn's map state reads
    /// mapped.
    pub fn settle(&mut self, t: &Tracked) {
        let Some(generation) = t.model.borrow().pending_generation() else {
            return;
        };
        let ready = self.maps.iter().any(|m| {
            Rc::ptr_eq(&m.tracked.model, &t.model)
                && matches!(m.expect, Expect::Accepted { generation: g } if g == generation)
                && m.pending.is_ready()
        });
        let mut model = t.model.borrow_mut();
        if ready {
            model.learn_mapped();
        } else if t.buffer.map_state() == BufferMapState::Mapped {
            model.learn_dawn_mapped();
        }
    }

    /// When predicting, compares `actual` (read at `offset` of the buffer `model` stands for) with what the
    /// model knows of those bytes.
    pub fn check_data(
        &mut self,
        what: &str,
        model: &ModelRef,
        offset: u64,
        actual: &[u8],
    ) -> Failure {
        if !self.predicting() {
            return Ok(());
        }
        let (compared, nonzero) = model
            .borrow()
            .check(offset, actual)
            .map_err(|e| format!("{what}: {e}"))?;
        self.stats.data_checks += 1;
        self.stats.bytes_checked += compared;
        self.stats.nonzero_bytes_checked += nonzero;
        Ok(())
    }

    /// Pushes a validation scope around a call whose validity the model predicts, half of the time (the
    /// other half, a mistake goes to the uncaptured-error handler). Pop it with `verify_validity`.
    pub fn probe<'d>(&mut self, device: &'d Device) -> Option<ErrorScope<'d>> {
        (self.predicting() && self.rng.chance(1, 2))
            .then(|| device.push_error_scope(ErrorFilter::Validation))
    }

    /// Pops `probe` and fails unless what it caught matches `valid` (the model's prediction; `None`:
    /// unknown).
    pub fn verify_validity(
        &mut self,
        what: &str,
        probe: Option<ErrorScope<'_>>,
        valid: Option<bool>,
    ) -> Failure {
        let Some(scope) = probe else {
            return Ok(());
        };
        let popped = scope.pop().wait_timeout(HANG);
        // `Err` is what the scope caught, or a failure to pop it.
        let caught = match popped {
            Ok(()) => None,
            Err(e) if is_caught(&e) => Some(e),
            Err(e) => return Err(format!("popping the validation scope around {what}: {e}")),
        };
        match (valid, &caught) {
            (None, _) => Ok(()),
            (Some(true), None) => {
                self.stats.predicted += 1;
                Ok(())
            }
            (Some(false), Some(e)) if e.kind() == ErrorKind::Validation => {
                self.stats.predicted += 1;
                Ok(())
            }
            (Some(valid), caught) => Err(format!(
                "{what}: the model predicted {}, Dawn reported {caught:?}",
                if valid {
                    "no validation error"
                } else {
                    "a validation error"
                }
            )),
        }
    }

    /// Fails on an uncaptured error of a kind the sequence cannot have caused: only validation errors (and
    /// running out of memory, once a big buffer was asked for).
    pub fn check_uncaptured(&mut self, uncaptured: &Uncaptured) -> Failure {
        let kinds = std::mem::take(&mut *uncaptured.lock().unwrap());
        for kind in kinds {
            self.stats.record_uncaptured(kind);
            let expected =
                kind == ErrorKind::Validation || (kind == ErrorKind::OutOfMemory && self.may_oom);
            if !expected {
                return Err(format!(
                    "the uncaptured-error handler got a {kind:?} error, which nothing provoked"
                ));
            }
        }
        Ok(())
    }

    /// Records the result of a wait of `HANG`; a timeout there is a hang of `what`.
    pub fn record_wait<T>(&mut self, r: &Result<T>, what: &str) -> Failure {
        if matches!(r, Err(e) if e.kind() == ErrorKind::Timeout) {
            return Err(format!("HANG: {what} did not resolve in {HANG:?}"));
        }
        self.stats.record(r);
        Ok(())
    }

    /// The device was lost: the model stops predicting what depends on Dawn (it predicts `DeviceLost`
    /// where the crate checks the device first), ends pending maps and forgets every buffer's contents.
    pub fn now_lost(&mut self) {
        self.lost = true;
        let models = self
            .buffers
            .iter()
            .chain(self.maps.iter().map(|m| &m.tracked));
        for tracked in models {
            tracked.model.borrow_mut().lose();
        }
    }
}

/// A new device (from a new adapter: Dawn consumes an adapter after one device) that records the kinds of
/// its uncaptured errors.
pub fn recording_device(
    env: &super::Env,
    label: &str,
) -> std::result::Result<(Device, Uncaptured), String> {
    let uncaptured: Uncaptured = Arc::default();
    let sink = uncaptured.clone();
    let adapter = env
        .instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait_timeout(HANG)
        .map_err(|e| format!("requesting an adapter: {e}"))?;
    let device = adapter
        .request_device(&DeviceDescriptor {
            label,
            on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                sink.lock().unwrap().push(e.kind())
            })),
            ..Default::default()
        })
        .wait_timeout(HANG)
        .map_err(|e| format!("requesting a device: {e}"))?;
    Ok((device, uncaptured))
}

/// Whether a popped scope's error is one it caught (not a failure to pop it).
pub fn is_caught(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Validation | ErrorKind::OutOfMemory | ErrorKind::Internal
    )
}
