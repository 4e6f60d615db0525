//! The shadow model of a single-threaded sequence: what each buffer holds (byte by byte, where known),
//! its map state, and the effects of recorded command buffers, so that the fuzzer can predict the outcome
//! of each call (`Ok` or the exact error kind) and check every read of GPU or mapped memory.
//!
//! The model follows WebGPU's rules and the crate's (`dawn/src/error.rs`) for what it predicts, and knows
//! what it cannot tell: a byte it cannot know (written by a random dispatch, or by a submit whose validity
//! it cannot predict) is forgotten, never guessed, and only known bytes are compared; an outcome that
//! depends on a race (a pending map's callback, which may run at any moment on another thread) is
//! predicted as the set of what the race allows.

use super::corpus::{checked_invocations, checked_kernel};
use dawn::{BufferUsage, ErrorKind, MapMode};
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;

/// Buffers up to this size have their contents modelled; larger ones only their state.
pub const MODELLED_BYTES: u64 = 1 << 20;

/// The maps per buffer whose outcomes the crate keeps (`dawn/src/buffer/map_state.rs`, `RING`): map `g`'s
/// outcome is overwritten when the callback of map `g + MAP_OUTCOMES` runs, and its future then resolves
/// to `InvalidUse`.
const MAP_OUTCOMES: u64 = 16;

/// The outcomes a call may have (`None`: `Ok`): one, or more where the crate's answer depends on a race
/// the model cannot see (see [`Phase::Pending`]).
pub type Outcomes = Vec<Option<ErrorKind>>;

/// A buffer's map state as the model sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Unmapped,
    /// Map `generation` reached Dawn and, as far as the model knows, has not completed. Its callback runs
    /// once Dawn sees the buffer's work done: inside `map_async` for an idle buffer, or later, inside any
    /// Dawn call that processes the device's events, this thread's or the event pump's (which waits on
    /// dropped futures on its own thread, at any moment). So the crate may see the buffer mapped already,
    /// and what depends on that (views, guards) is predicted both ways until the crate's own answer (the
    /// future ready, a view or a guard that opened) says it is mapped. Pending or mapped, the buffer
    /// refuses a new map and fails queue use alike.
    Pending {
        mode: MapMode,
        range: Range<u64>,
        generation: u64,
    },
    /// Mapped by map `generation`, or at creation (`None`).
    Mapped {
        mode: MapMode,
        range: Range<u64>,
        generation: Option<u64>,
    },
}

/// What the model expects of one `map_async`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapCall {
    /// Refused before Dawn, with this kind.
    Refused(ErrorKind),
    /// Reaches Dawn; `fails`: Dawn fails it (a destroyed or an error buffer).
    Accepted { fails: bool },
}

/// What the model knows of one map's outcome: what waiting on its future gives until it is overwritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Still pending: it succeeds unless the mapping is ended first.
    Due,
    /// It succeeded; `recorded`: the crate is known to have recorded it (its future, a view or a guard said
    /// so), not only Dawn (whose map state reads mapped a moment before the callback records it).
    Succeeded { recorded: bool },
    /// Dawn failed it inside `map_async` (an error or a destroyed buffer: the callback ran in the call).
    Failed,
    /// Unmapped, destroyed or lost while pending: aborted, unless its callback ran just before, on the
    /// event pump's thread (a race the model cannot see).
    SucceededOrAborted,
}

/// One buffer of the sequence.
pub struct Model {
    pub size: u64,
    pub usage: BufferUsage,
    /// Dawn created it without a validation error (else it is an error buffer that every GPU use rejects).
    pub valid: bool,
    pub destroyed: bool,
    pub phase: Phase,
    /// The outcome of each map that reached Dawn, by generation (map `g` at `g - 1`; the crate's tokens).
    outcomes: Vec<Outcome>,
    /// The contents (`None`: unknown byte), for a valid buffer of at most `MODELLED_BYTES`.
    bytes: Option<Vec<Option<u8>>>,
}

pub type ModelRef = Rc<RefCell<Model>>;

impl Model {
    /// A new buffer: zeros (WebGPU initializes every buffer), mapped for writing if `mapped_at_creation`.
    pub fn new(size: u64, usage: BufferUsage, mapped_at_creation: bool, valid: bool) -> ModelRef {
        let phase = match mapped_at_creation {
            true => Phase::Mapped {
                mode: MapMode::Write,
                range: 0..size,
                generation: None,
            },
            false => Phase::Unmapped,
        };
        Rc::new(RefCell::new(Model {
            size,
            usage,
            valid,
            destroyed: false,
            phase,
            outcomes: Vec::new(),
            bytes: (valid && size <= MODELLED_BYTES).then(|| vec![Some(0); size as usize]),
        }))
    }

    /// The generation of the map the model still sees pending.
    pub fn pending_generation(&self) -> Option<u64> {
        match &self.phase {
            Phase::Pending { generation, .. } => Some(*generation),
            _ => None,
        }
    }

    fn outcome_mut(&mut self, generation: u64) -> &mut Outcome {
        &mut self.outcomes[generation as usize - 1]
    }

    /// The crate answered as if the pending map had completed (its future is ready, a view or a guard
    /// opened): the buffer is mapped, and the map succeeded.
    pub fn learn_mapped(&mut self) {
        if let Phase::Pending {
            mode,
            range,
            generation,
        } = &self.phase
        {
            let generation = *generation;
            self.phase = Phase::Mapped {
                mode: *mode,
                range: range.clone(),
                generation: Some(generation),
            };
            *self.outcome_mut(generation) = Outcome::Succeeded { recorded: true };
        }
    }

    /// Dawn's map state reads mapped: the pending map succeeded (Dawn sets it as its callback starts, with
    /// the success it reports), though the crate may not have recorded it yet.
    pub fn learn_dawn_mapped(&mut self) {
        if let Some(generation) = self.pending_generation()
            && *self.outcome_mut(generation) == Outcome::Due
        {
            *self.outcome_mut(generation) = Outcome::Succeeded { recorded: false };
        }
    }

    /// Usable by a submit or a queue write: valid, alive, unmapped.
    pub fn usable_on_queue(&self) -> bool {
        self.valid && !self.destroyed && self.phase == Phase::Unmapped
    }

    /// What `map_async(mode, start..end)` does (the crate's checks, in its order: range, mode, usage,
    /// alignment, then a map pending or mapped).
    pub fn predict_map(&self, mode: MapMode, start: u64, end: u64) -> MapCall {
        let needed = match mode {
            MapMode::Read => BufferUsage::MapRead,
            MapMode::Write => BufferUsage::MapWrite,
            _ => return MapCall::Refused(ErrorKind::Validation),
        };
        let aligned = start.is_multiple_of(8) && (end - start.min(end)).is_multiple_of(4);
        if start > end
            || end > self.size
            || !self.usage.contains(needed)
            || !aligned
            || self.phase != Phase::Unmapped
        {
            return MapCall::Refused(ErrorKind::Validation);
        }
        MapCall::Accepted {
            fails: self.destroyed || !self.valid,
        }
    }

    /// Records a map that reached Dawn; returns its generation. One that Dawn `fails` completed inside
    /// the call (Dawn runs a spontaneous callback of a failed map at once): the buffer stays unmapped.
    pub fn start_map(&mut self, mode: MapMode, range: Range<u64>, fails: bool) -> u64 {
        let generation = self.outcomes.len() as u64 + 1;
        if fails {
            self.outcomes.push(Outcome::Failed);
        } else {
            self.outcomes.push(Outcome::Due);
            self.phase = Phase::Pending {
                mode,
                range,
                generation,
            };
        }
        generation
    }

    /// Whether map `generation`'s callback is known to have recorded its outcome in the crate's ring.
    fn recorded(&self, generation: u64) -> bool {
        // A map starts only once the previous map's callback has run (the crate waits for it).
        generation < self.outcomes.len() as u64
            || matches!(
                self.outcomes[generation as usize - 1],
                Outcome::Failed | Outcome::Succeeded { recorded: true }
            )
    }

    /// What waiting on map `generation` can give now: its outcome, or `InvalidUse` once a map
    /// `MAP_OUTCOMES` later recorded its own outcome in the same slot. A failure read once the device is
    /// `lost` is `DeviceLost` (the crate names it when the future reads it), except one that Dawn failed
    /// inside `map_async`: its future came back resolved, with `MapFailed`.
    pub fn map_outcome(&self, generation: u64, lost: bool) -> Outcomes {
        let later = self.outcomes.len() as u64 - generation;
        let overwritten = Some(ErrorKind::InvalidUse);
        let aborted = Some(match lost {
            true => ErrorKind::DeviceLost,
            false => ErrorKind::MapFailed,
        });
        if later > MAP_OUTCOMES
            || (later == MAP_OUTCOMES && self.recorded(generation + MAP_OUTCOMES))
        {
            return vec![overwritten];
        }
        let mut outcomes = match self.outcomes[generation as usize - 1] {
            Outcome::Due | Outcome::Succeeded { .. } => vec![None],
            Outcome::Failed => vec![Some(ErrorKind::MapFailed)],
            Outcome::SucceededOrAborted => vec![None, aborted],
        };
        // The later map has started, but its callback may not have run yet.
        if later == MAP_OUTCOMES {
            outcomes.push(overwritten);
        }
        outcomes
    }

    /// Waiting on map `generation` gave `got` (`None`: `Ok`), as `map_outcome` allowed: what it tells.
    pub fn map_waited(&mut self, generation: u64, got: Option<ErrorKind>) {
        if got.is_none() && self.pending_generation() == Some(generation) {
            return self.learn_mapped();
        }
        let outcome = self.outcome_mut(generation);
        match (got, *outcome) {
            (None, Outcome::Succeeded { .. } | Outcome::SucceededOrAborted) => {
                *outcome = Outcome::Succeeded { recorded: true }
            }
            (Some(ErrorKind::MapFailed), Outcome::SucceededOrAborted) => *outcome = Outcome::Failed,
            _ => {}
        }
    }

    /// `unmap` or `destroy` succeeded: any mapping ends, a pending map is aborted (unless it completed just
    /// before: see `Outcome::SucceededOrAborted`).
    pub fn end_mapping(&mut self) {
        self.abort_pending();
        self.phase = Phase::Unmapped;
    }

    /// The pending map, if due, may now be aborted.
    fn abort_pending(&mut self) {
        if let Some(generation) = self.pending_generation()
            && *self.outcome_mut(generation) == Outcome::Due
        {
            *self.outcome_mut(generation) = Outcome::SucceededOrAborted;
        }
    }

    /// The device was lost: a pending map is aborted (or completed just before the loss); the contents
    /// are no longer known.
    pub fn lose(&mut self) {
        self.abort_pending();
        self.bytes = None;
    }

    /// What opening a view of `start..end` does (`writable`: for writing) while `live` views (range,
    /// writable) of this buffer are open (the crate's checks, in its order).
    pub fn predict_view(
        &self,
        start: u64,
        end: u64,
        writable: bool,
        live: &[(Range<u64>, bool)],
    ) -> Outcomes {
        // WebGPU's rules (range, alignment, mapped) are validation errors; the crate's own (a writable view of
        // a read mapping, a writable view overlapping another view) are invalid uses.
        let broken = Some(ErrorKind::Validation);
        if start > end
            || end > self.size
            || !start.is_multiple_of(8)
            || !(end - start).is_multiple_of(4)
        {
            return vec![broken];
        }
        let mapped = |mode: MapMode, range: &Range<u64>| {
            if start < range.start || end > range.end {
                return broken;
            }
            let overlaps = |r: &Range<u64>| r.start < end && start < r.end;
            if (writable && mode != MapMode::Write)
                || (mode == MapMode::Write
                    && live.iter().any(|(r, w)| (writable || *w) && overlaps(r)))
            {
                return Some(ErrorKind::InvalidUse);
            }
            None
        };
        match &self.phase {
            Phase::Unmapped => vec![broken],
            Phase::Mapped { mode, range, .. } => vec![mapped(*mode, range)],
            // Not mapped yet, or mapped already.
            Phase::Pending { mode, range, .. } => {
                let mut outcomes = vec![broken, mapped(*mode, range)];
                outcomes.dedup();
                outcomes
            }
        }
    }

    /// What `take_mapping` does with no view alive.
    pub fn predict_guard(&self) -> Outcomes {
        match &self.phase {
            Phase::Unmapped => vec![Some(ErrorKind::Validation)],
            Phase::Mapped { .. } => vec![None],
            Phase::Pending { .. } => vec![Some(ErrorKind::Validation), None],
        }
    }

    /// The mapped range and mode, if mapped.
    pub fn mapping(&self) -> Option<(MapMode, Range<u64>)> {
        match &self.phase {
            Phase::Mapped { mode, range, .. } => Some((*mode, range.clone())),
            _ => None,
        }
    }

    /// Forgets what `range` holds.
    pub fn forget(&mut self, range: Range<u64>) {
        if let Some(bytes) = &mut self.bytes {
            let end = range.end.min(bytes.len() as u64);
            for b in &mut bytes[range.start.min(end) as usize..end as usize] {
                *b = None;
            }
        }
    }

    /// `data` was written at `offset`.
    pub fn write(&mut self, offset: u64, data: &[u8]) {
        if let Some(bytes) = &mut self.bytes {
            for (b, &d) in bytes[offset as usize..].iter_mut().zip(data) {
                *b = Some(d);
            }
        }
    }

    /// The known bytes of `range` (all unknown when the contents are not modelled).
    pub fn read(&self, range: Range<u64>) -> Vec<Option<u8>> {
        match &self.bytes {
            Some(bytes) => bytes[range.start as usize..range.end as usize].to_vec(),
            None => vec![None; (range.end - range.start) as usize],
        }
    }

    /// Compares `actual`, read at `offset`, with the known bytes; returns how many were compared and how
    /// many of them were not zero, or the first difference.
    pub fn check(&self, offset: u64, actual: &[u8]) -> std::result::Result<(u64, u64), String> {
        let Some(bytes) = &self.bytes else {
            return Ok((0, 0));
        };
        let expected = &bytes[offset as usize..offset as usize + actual.len()];
        let (mut compared, mut nonzero) = (0, 0);
        for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
            if let Some(e) = e {
                if e != a {
                    return Err(format!(
                        "byte {} of the buffer reads {a:#04x}, the model says {e:#04x}",
                        offset + i as u64
                    ));
                }
                compared += 1;
                nonzero += (*e != 0) as u64;
            }
        }
        Ok((compared, nonzero))
    }
}

/// What a command buffer does to buffers, in order.
pub enum Effect {
    Copy {
        src: ModelRef,
        src_offset: u64,
        dst: ModelRef,
        dst_offset: u64,
        size: u64,
    },
    Clear {
        dst: ModelRef,
        offset: u64,
        size: u64,
    },
    /// A dispatch of the checked kernel over the whole of `buffer`.
    Kernel {
        buffer: ModelRef,
        workgroups: [u32; 3],
    },
    /// A random dispatch: it may write anything of `buffer`.
    Scribble { buffer: ModelRef },
}

impl Effect {
    fn buffers(&self) -> Vec<&ModelRef> {
        match self {
            Effect::Copy { src, dst, .. } => vec![src, dst],
            Effect::Clear { dst, .. } => vec![dst],
            Effect::Kernel { buffer, .. } | Effect::Scribble { buffer } => vec![buffer],
        }
    }

    fn apply(&self) {
        match self {
            Effect::Copy {
                src,
                src_offset,
                dst,
                dst_offset,
                size,
            } => {
                let data = src.borrow().read(*src_offset..src_offset + size);
                let mut dst = dst.borrow_mut();
                if let Some(bytes) = &mut dst.bytes {
                    bytes[*dst_offset as usize..(dst_offset + size) as usize]
                        .copy_from_slice(&data);
                }
            }
            Effect::Clear { dst, offset, size } => {
                dst.borrow_mut().write(*offset, &vec![0; *size as usize]);
            }
            Effect::Kernel { buffer, workgroups } => {
                let mut model = buffer.borrow_mut();
                let Some(bytes) = &mut model.bytes else {
                    return;
                };
                let words = (bytes.len() as u64 / 4).min(checked_invocations(*workgroups));
                for (i, word) in bytes.chunks_exact_mut(4).take(words as usize).enumerate() {
                    let known: Option<Vec<u8>> = word.iter().copied().collect();
                    let new = known.map(|w| {
                        let x = u32::from_le_bytes(w.try_into().expect("four bytes"));
                        checked_kernel(i as u32, x).to_le_bytes()
                    });
                    for (b, n) in word.iter_mut().enumerate() {
                        *n = new.map(|w| w[b]);
                    }
                }
            }
            Effect::Scribble { buffer } => {
                let size = buffer.borrow().size;
                buffer.borrow_mut().forget(0..size);
            }
        }
    }

    /// Forgets what this effect may have written.
    fn forget(&self) {
        match self {
            Effect::Copy {
                dst,
                dst_offset,
                size,
                ..
            } => dst.borrow_mut().forget(*dst_offset..dst_offset + size),
            Effect::Clear { dst, offset, size } => dst.borrow_mut().forget(*offset..offset + size),
            Effect::Kernel { buffer, .. } | Effect::Scribble { buffer } => {
                let size = buffer.borrow().size;
                buffer.borrow_mut().forget(0..size)
            }
        }
    }
}

/// A finished command buffer as the model sees it.
pub struct Recording {
    /// Whether `finish` gave a valid command buffer; `None` when the model cannot tell.
    pub valid: Option<bool>,
    pub effects: Vec<Effect>,
    /// Submitted once already (valid or not, it cannot run again).
    submitted: Cell<bool>,
}

impl Recording {
    pub fn new(valid: Option<bool>, effects: Vec<Effect>) -> Rc<Recording> {
        Rc::new(Recording {
            valid,
            effects,
            submitted: Cell::new(false),
        })
    }
}

/// Whether a submit of `batch` runs (`Some(true)`), is rejected whole (`Some(false)`), or cannot be told.
pub fn predict_submit(batch: &[Rc<Recording>]) -> Option<bool> {
    let mut known = true;
    for (i, recording) in batch.iter().enumerate() {
        if recording.submitted.get() || batch[..i].iter().any(|r| Rc::ptr_eq(r, recording)) {
            return Some(false);
        }
        match recording.valid {
            Some(false) => return Some(false),
            // Its commands are random: the model does not know which buffers it really uses.
            None => known = false,
            Some(true) => {
                if recording
                    .effects
                    .iter()
                    .flat_map(Effect::buffers)
                    .any(|b| !b.borrow().usable_on_queue())
                {
                    return Some(false);
                }
            }
        }
    }
    known.then_some(true)
}

/// Applies a submit of `batch` whose outcome was `runs` (`None`: unknown, so its writes are forgotten).
pub fn submitted(batch: &[Rc<Recording>], runs: Option<bool>) {
    for recording in batch {
        for effect in &recording.effects {
            match runs {
                Some(true) => effect.apply(),
                Some(false) => {}
                None => effect.forget(),
            }
        }
        recording.submitted.set(true);
    }
}
