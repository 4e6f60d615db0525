//! A buffer's mapping state ([`MapCell`]) and the future of one map ([`PendingMap`]).
//!
//! A map round trip (`map_async`, wait, a view, unmap) is the hot path of every read-back, so its
//! bookkeeping is one atomic word and a small ring of per-map outcome slots: no lock, no allocation, one
//! atomic read-modify-write for each change the caller makes (map, open a view, close it, unmap), and one
//! plain store each for the map callback and the future's drop. Locks remain only on cold paths (a failed
//! map's message, views of a buffer mapped for writing, states that outlive their buffer).
//!
//! The word holds the phase (unmapped, map pending, mapped at creation, unmap or destroy in progress), the
//! live views and the token of the latest map. Each map takes the ring slot of its token (`token % RING`);
//! its callback leaves the outcome there, tagged with the token, and that outcome is what turns a pending
//! phase into mapped (or unmapped, for a failed map): the callback never changes the word. Nor does
//! anything else while an unmap or destroy is busy in Dawn, or while a [`Mapping`](crate::Mapping) guard
//! holds the mapping (every other call is refused or waits without a change): so the call that set the
//! busy phase, or the guard, ends it with a plain store.
//!
//! The cell lives in its own allocation, so that a [`PendingMap`] may outlive its buffer. A buffer dropped
//! while none of its map futures is alive and no map callback is due frees the cell at once. Otherwise the
//! cell is "orphaned": the instance's event pump drives the callbacks still due and frees the cell once
//! every slot is quiet; a future dropped after its buffer has the pump look at once.

use crate::device::DeviceShared;
use crate::{Error, ErrorKind, Instance, MapMode, Result, string};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ops::Range;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

thread_local! {
    /// The cell whose Dawn call (map, unmap, destroy) this thread is inside: an error handler that Dawn
    /// runs during the call and that maps or unmaps the same buffer is refused instead of waiting forever
    /// for the call it interrupts.
    static IN_DAWN_CALL: Cell<usize> = const { Cell::new(0) };
}

/// Outcome slots per buffer: how many maps may have futures alive (or callbacks due) at once.
const RING: u64 = 4;

/// The phases of the word's low two bits (see `MapCell::phase_of` for what pending stands for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Unmapped = 0,
    /// A map was started; in the word, its slot's outcome tells whether it has mapped since.
    Pending = 1,
    /// Mapped; in the word, only a buffer mapped at creation (maps settle through their slot).
    Mapped = 2,
    /// An unmap or destroy is inside Dawn.
    Busy = 3,
}

const PHASE: u64 = 0b11;
/// A [`Mapping`](crate::Mapping) guard holds the whole mapping. It counts as one view (so that unmap,
/// destroy and the device's destroy wait or refuse as for views), views cannot open, and nothing but the
/// guard changes the word until it lets go.
const GUARDED: u64 = 1 << 5;
const VIEWS: Field = Field { shift: 8, bits: 24 };
const TOKEN: Field = Field {
    shift: 40,
    bits: 24,
};

/// A counter packed into the word.
#[derive(Clone, Copy)]
struct Field {
    shift: u32,
    bits: u32,
}

impl Field {
    const fn one(self) -> u64 {
        1 << self.shift
    }
    const fn max(self) -> u64 {
        (1 << self.bits) - 1
    }
    const fn get(self, word: u64) -> u64 {
        (word >> self.shift) & self.max()
    }
    const fn set(self, word: u64, value: u64) -> u64 {
        (word & !(self.max() << self.shift)) | ((value & self.max()) << self.shift)
    }
}

fn phase(word: u64) -> Phase {
    match word & PHASE {
        0 => Phase::Unmapped,
        1 => Phase::Pending,
        2 => Phase::Mapped,
        _ => Phase::Busy,
    }
}

fn with_phase(word: u64, phase: Phase) -> u64 {
    (word & !PHASE) | phase as u64
}

/// The token `steps` maps before `token` (tokens wrap around within their field).
const fn token_before(token: u64, steps: u64) -> u64 {
    token.wrapping_sub(steps) & TOKEN.max()
}

/// The token of the last map that took slot `index`, when the latest map has token `latest`. A slot no
/// map has taken yet counts as taken by one before the first, whose callback ran (see `OutcomeSlot::new`).
const fn last_token_of_slot(index: u64, latest: u64) -> u64 {
    token_before(latest, latest.wrapping_sub(index) % RING)
}

/// The results an outcome records, in its low two bits (the token above them).
const SUCCEEDED: u64 = 1;
const FAILED: u64 = 2;

/// Where one map's callback leaves its outcome for its future (32 bytes, so that a slot's address is a
/// shift away; a failed map's error waits in `MapCell::errors`).
struct OutcomeSlot {
    /// `token << 2 | SUCCEEDED or FAILED` of the last map of this slot whose callback ran: the callback's
    /// one store, and its last use of the cell.
    outcome: AtomicU64,
    /// The map's future is alive. Its drop clears this as its last use of the cell.
    waiter: AtomicBool,
    /// The map's `WGPUFuture` id, to drive a callback that is still due (0 until known).
    future: AtomicU64,
    /// The token of the last map whose `wgpuBufferMapAsync` call returned: unmap, destroy and the next
    /// map wait for it, so that this buffer's Dawn calls never overlap.
    called: AtomicU64,
}

const _: () = assert!(std::mem::size_of::<OutcomeSlot>() == 32);

impl OutcomeSlot {
    fn new(index: u64) -> Self {
        OutcomeSlot {
            outcome: AtomicU64::new(last_token_of_slot(index, 0) << 2 | SUCCEEDED),
            waiter: AtomicBool::new(false),
            future: AtomicU64::new(0),
            called: AtomicU64::new(0),
        }
    }

    /// Whether map `token` succeeded; `None` while its callback has not run.
    #[inline]
    fn succeeded(&self, token: u64) -> Option<bool> {
        let outcome = self.outcome.load(Acquire);
        (outcome >> 2 == token).then_some(outcome & 0b11 == SUCCEEDED)
    }

    /// Leaves map `token`'s success.
    #[inline]
    fn succeed(&self, token: u64) {
        self.outcome.store(token << 2 | SUCCEEDED, Release);
    }

    /// Leaves map `token`'s failure (its error left in `MapCell::errors` first).
    #[cold]
    fn fail(&self, token: u64) {
        self.outcome.store(token << 2 | FAILED, Release);
    }
}

/// Why a mapping call was refused; the buffer turns it into a message.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Not in a phase that allows the call (with the phase seen).
    Phase(Phase),
    /// `unmap`/`destroy` while views are alive (how many).
    Views(u64),
    /// A [`Mapping`](crate::Mapping) guard holds the mapping.
    Guarded,
    /// All outcome slots are held by futures that are still alive.
    FuturesAlive,
    /// The view is outside the mapped range, or writable on a read mapping, or overlaps (a message).
    View(String),
    /// Another error (the device is being destroyed, a callback never ran...).
    Other(Error),
}

/// The live views of a write mapping.
struct WriteViews {
    next_id: u64,
    /// (id, range, writable)
    views: Vec<(u64, Range<u64>, bool)>,
}

/// A buffer's mapping state; see the module docs. Owned by the buffer through [`MapCellRef`].
pub(crate) struct MapCell {
    word: AtomicU64,
    /// The mode and range of the current map. Written only by the `map_async` that moved the phase from
    /// unmapped to pending; read only by views, which hold the phase at mapped while they read.
    mapping: UnsafeCell<(MapMode, Range<u64>)>,
    slots: [OutcomeSlot; RING as usize],
    /// The error of each slot's last failed map (cold path; read only when the slot's outcome says failed,
    /// so never cleared).
    errors: Mutex<[Option<Error>; RING as usize]>,
    /// Views of a buffer mapped for writing, to refuse overlaps with a writable one. Views of a read
    /// mapping cannot be writable and are only counted.
    write_views: Mutex<WriteViews>,
    /// The buffer is gone: a future dropped now has the event pump look for states to free.
    orphaned: AtomicBool,
    device: Arc<DeviceShared>,
}

// SAFETY: every field is atomic or behind a lock, except `mapping`, whose accesses the word orders (see
// the field).
unsafe impl Send for MapCell {}
unsafe impl Sync for MapCell {}

/// The buffer's ownership of its cell; dropping it frees the cell or orphans it (see the module docs).
pub(crate) struct MapCellRef(NonNull<MapCell>);

// SAFETY: as for `MapCell`.
unsafe impl Send for MapCellRef {}
unsafe impl Sync for MapCellRef {}

impl MapCellRef {
    /// A cell for a new buffer, mapped for writing over `mapped_at_creation` if given.
    pub(crate) fn new(device: Arc<DeviceShared>, mapped_at_creation: Option<u64>) -> Self {
        let (word, mapping) = match mapped_at_creation {
            Some(size) => (Phase::Mapped as u64, (MapMode::Write, 0..size)),
            None => (Phase::Unmapped as u64, (MapMode::Read, 0..0)),
        };
        let cell = Box::new(MapCell {
            word: AtomicU64::new(word),
            mapping: UnsafeCell::new(mapping),
            slots: std::array::from_fn(|i| OutcomeSlot::new(i as u64)),
            errors: Mutex::new(Default::default()),
            write_views: Mutex::new(WriteViews {
                next_id: 1,
                views: Vec::new(),
            }),
            orphaned: AtomicBool::new(false),
            device,
        });
        let cell = NonNull::from(Box::leak(cell));
        // SAFETY: just allocated.
        unsafe { cell.as_ref() }
            .device
            .register_mapping(cell.as_ptr());
        MapCellRef(cell)
    }
}

impl std::ops::Deref for MapCellRef {
    type Target = MapCell;
    fn deref(&self) -> &MapCell {
        // SAFETY: the cell is freed only after its owner let go.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for MapCellRef {
    fn drop(&mut self) {
        let cell: &MapCell = self;
        // Paired with `PendingMap::drop`, which reads this before its last use of the cell.
        cell.orphaned.store(true, SeqCst);
        if cell.quiet() {
            // SAFETY: no future of this cell is alive and no callback is due; the owner goes now.
            unsafe { free(self.0) };
            return;
        }
        // Callbacks still due wait in Dawn's event queue until something processes events, and futures may
        // still read the cell: the event pump drives the one and waits for the other, then frees the cell.
        let due: Vec<sys::WGPUFuture> = cell
            .due_callbacks()
            .map(|slot| slot.future.load(Acquire))
            .filter(|&id| id != 0)
            .map(|id| sys::WGPUFuture { id })
            .collect();
        let instance = cell.instance().clone();
        instance.adopt_orphan(Orphan(self.0), due);
    }
}

/// A cell whose buffer is gone, kept by the event pump until it is quiet (see the module docs).
pub(crate) struct Orphan(NonNull<MapCell>);

// SAFETY: the cell is `Sync`; only the pump and `Instance::reap_orphans` hold an orphan.
unsafe impl Send for Orphan {}

impl Orphan {
    /// Frees the cell if no future of it is alive and no callback is due; else gives it back.
    pub(crate) fn reap(self) -> Option<Orphan> {
        // SAFETY: an orphan's cell lives until it is reaped.
        if unsafe { self.0.as_ref() }.quiet() {
            // SAFETY: quiet, and its owner is gone: nothing else refers to the cell.
            unsafe { free(self.0) };
            None
        } else {
            Some(self)
        }
    }
}

/// The error of a map or unmap that met a device being destroyed.
#[cold]
fn closing_error() -> Error {
    Error::new(ErrorKind::DeviceLost, "the device is being destroyed")
}

/// # Safety
/// Nothing else refers to the cell: its owner, callbacks and futures are all gone.
#[cold]
unsafe fn free(cell: NonNull<MapCell>) {
    // SAFETY: as the caller promises.
    let cell = unsafe { Box::from_raw(cell.as_ptr()) };
    cell.device.unregister_mapping(&*cell);
}

impl MapCell {
    /// Whether none of this buffer's Dawn calls (map, unmap, destroy) is running. The device waits for
    /// it before it is destroyed (Dawn's destroy spins forever on a buffer that an unmap on another
    /// thread left half done). Lock-free handshake with `closing`: a call changes the word, then checks
    /// `closing` (and calls Dawn only if it is zero); a destroy counts itself in `closing`, then waits
    /// here. One of the two sees the other.
    pub(crate) fn idle(&self) -> bool {
        let word = self.word.load(SeqCst);
        self.calls_done(word, self.phase_of(word))
    }

    /// The live views (the device checks them before it is destroyed).
    pub(crate) fn views(&self) -> u64 {
        VIEWS.get(self.word.load(SeqCst))
    }

    /// The phase `word` stands for: a pending map whose callback ran is mapped or, if it failed,
    /// unmapped.
    #[inline]
    fn phase_of(&self, word: u64) -> Phase {
        match phase(word) {
            Phase::Pending => {
                let token = TOKEN.get(word);
                match self.slot(token).succeeded(token) {
                    None => Phase::Pending,
                    Some(true) => Phase::Mapped,
                    Some(false) => Phase::Unmapped,
                }
            }
            phase => phase,
        }
    }

    /// Whether this buffer's Dawn calls are all done: no unmap or destroy busy, and the latest map's
    /// `wgpuBufferMapAsync` returned.
    #[inline]
    fn calls_done(&self, word: u64, phase: Phase) -> bool {
        let token = TOKEN.get(word);
        phase != Phase::Busy && self.slot(token).called.load(Acquire) == token
    }

    #[inline]
    fn slot(&self, token: u64) -> &OutcomeSlot {
        &self.slots[(token % RING) as usize]
    }

    /// Map `token`'s result; `None` while its callback has not run.
    fn result(&self, token: u64) -> Option<Result<()>> {
        match self.slot(token).succeeded(token)? {
            true => Some(Ok(())),
            false => Some(Err(self.errors.lock()[(token % RING) as usize]
                .clone()
                .unwrap_or_else(|| {
                    Error::new(ErrorKind::MapFailed, "the map failed")
                }))),
        }
    }

    /// Leaves map `token`'s failure with `error`.
    #[cold]
    fn fail(&self, token: u64, error: Error) {
        self.errors.lock()[(token % RING) as usize] = Some(error);
        self.slot(token).fail(token);
    }

    /// The slots whose last map's callback has not run yet.
    fn due_callbacks(&self) -> impl Iterator<Item = &OutcomeSlot> {
        let latest = TOKEN.get(self.word.load(SeqCst));
        (0..RING)
            .map(move |i| (&self.slots[i as usize], last_token_of_slot(i, latest)))
            .filter(|(slot, token)| slot.succeeded(*token).is_none())
            .map(|(slot, _)| slot)
    }

    /// Whether no future of this cell is alive and no callback is due (only meaningful once the buffer
    /// is gone, when no new map can start).
    fn quiet(&self) -> bool {
        self.slots.iter().all(|s| !s.waiter.load(Acquire)) && self.due_callbacks().next().is_none()
    }

    #[inline]
    fn instance(&self) -> &Instance {
        &self.device.instance
    }

    /// Starts mapping `range` of `raw` (mode, usage and range already validated).
    #[inline]
    pub(crate) fn map(
        &self,
        raw: sys::WGPUBuffer,
        mode: MapMode,
        range: Range<u64>,
    ) -> std::result::Result<PendingMap, Refusal> {
        let mut word = self.word.load(SeqCst);
        let token = loop {
            let phase = self.phase_of(word);
            if !self.calls_done(word, phase) {
                // Another thread's map, unmap or destroy is inside Dawn for a moment.
                self.wait_for_dawn_call()?;
                word = self.word.load(SeqCst);
                continue;
            }
            if phase != Phase::Unmapped {
                return Err(Refusal::Phase(phase));
            }
            let token = (TOKEN.get(word) + 1) & TOKEN.max();
            self.make_slot_free(token)?;
            let pending = TOKEN.set(with_phase(word, Phase::Pending), token);
            match self
                .word
                .compare_exchange_weak(word, pending, SeqCst, SeqCst)
            {
                Ok(_) => break token,
                Err(now) => word = now,
            }
        };
        // The slot and `mapping` are ours now: see `make_slot_free` and `mapping`. The stores below are
        // published by the `called` store at the end, which unmaps and later maps wait for.
        let slot = self.slot(token);
        slot.future.store(0, Relaxed);
        if self.device.is_closing() {
            // Paired with `DeviceShared::close` (see `idle`): never call Dawn while the device is being
            // destroyed. The map fails at once, as its callback would.
            self.fail(token, closing_error());
            slot.called.store(token, Release);
            return Ok(PendingMap::ready(Err(closing_error())));
        }
        slot.waiter.store(true, Relaxed);
        // SAFETY: see `mapping`; no view can be open (the phase was unmapped).
        unsafe { *self.mapping.get() = (mode, range.clone()) };
        let info = sys::WGPUBufferMapCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode: sys::WGPUCallbackMode_AllowProcessEvents,
            callback: Some(on_mapped),
            userdata1: self as *const MapCell as *mut c_void,
            userdata2: token as usize as *mut c_void,
        };
        let size = usize::try_from(range.end - range.start).expect("checked against the size");
        // SAFETY: live buffer; the cell outlives the callback (it is freed only once no callback is due).
        let future = self.dawn_call(|| unsafe {
            sys::wgpuBufferMapAsync(raw, mode.0, range.start as usize, size, info)
        });
        slot.future.store(future.id, Release);
        slot.called.store(token, Release);
        Ok(PendingMap(Inner::Waiting {
            cell: NonNull::from(self),
            token,
            future,
        }))
    }

    /// Makes sure the slot that map `token` takes is free: the future of its last map gone and that
    /// map's callback run. A callback still due (a map that an unmap aborted, whose future was dropped
    /// unresolved) is driven to the end.
    #[inline]
    fn make_slot_free(&self, token: u64) -> std::result::Result<(), Refusal> {
        let slot = self.slot(token);
        if slot.waiter.load(Acquire) {
            return Err(Refusal::FuturesAlive);
        }
        let last = token_before(token, RING);
        if slot.succeeded(last).is_none() {
            return self.finish_due_callback(slot, last);
        }
        Ok(())
    }

    #[cold]
    fn finish_due_callback(
        &self,
        slot: &OutcomeSlot,
        token: u64,
    ) -> std::result::Result<(), Refusal> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while slot.succeeded(token).is_none() {
            let id = slot.future.load(Acquire);
            if id != 0 {
                self.instance()
                    .wait_any(sys::WGPUFuture { id }, Duration::from_millis(100))
                    .map_err(Refusal::Other)?;
            } else {
                std::thread::yield_now();
            }
            if Instant::now() > deadline {
                return Err(Refusal::Other(Error::new(
                    ErrorKind::Internal,
                    "an earlier map of this buffer never completed",
                )));
            }
        }
        Ok(())
    }

    /// Runs one of this buffer's Dawn calls, marked as such on this thread.
    #[inline]
    fn dawn_call<R>(&self, call: impl FnOnce() -> R) -> R {
        let outer = IN_DAWN_CALL.replace(self as *const MapCell as usize);
        let result = call();
        IN_DAWN_CALL.set(outer);
        result
    }

    /// Waits a moment for another map, unmap or destroy of this buffer to leave Dawn; refused on the
    /// thread that is inside that call (from an error handler Dawn runs during it).
    fn wait_for_dawn_call(&self) -> std::result::Result<(), Refusal> {
        if IN_DAWN_CALL.get() == self as *const MapCell as usize {
            return Err(Refusal::Other(Error::invalid_use(
                "this buffer's map, unmap or destroy is already running on this thread (an error handler \
                 that Dawn runs inside it cannot map or unmap the same buffer)",
            )));
        }
        std::thread::yield_now();
        Ok(())
    }

    /// Opens a view of `range` (`writable`: for writing); returns its id (0: a view of a read mapping,
    /// only counted). Refused unless mapped, inside the mapped range, allowed by the mode, without overlap
    /// with a writable view, and while the device is not being destroyed.
    #[inline]
    pub(crate) fn open_view(
        &self,
        range: &Range<u64>,
        writable: bool,
    ) -> std::result::Result<u64, Refusal> {
        let mut word = self.word.load(SeqCst);
        loop {
            let phase = self.phase_of(word);
            if phase != Phase::Mapped || word & GUARDED != 0 || VIEWS.get(word) == VIEWS.max() {
                return Err(view_refusal(phase, word));
            }
            let counted = VIEWS.set(word, VIEWS.get(word) + 1);
            match self
                .word
                .compare_exchange_weak(word, counted, SeqCst, SeqCst)
            {
                Ok(_) => break,
                Err(now) => word = now,
            }
        }
        // Counted: the phase stays mapped and `mapping` unchanged until the view closes. The common case
        // first: a read view inside the mapped range of a read mapping.
        // SAFETY: see `mapping`.
        let (mode, mapped) = unsafe { &*self.mapping.get() };
        // Paired with the device's `close`: it counts itself closing, then reads the views; a view counts
        // itself, then reads `closing`. One of the two sees the other.
        if !writable
            && *mode == MapMode::Read
            && range.start >= mapped.start
            && range.end <= mapped.end
            && !self.device.is_closing()
        {
            return Ok(0);
        }
        self.check_view(range, writable).inspect_err(|_| {
            self.word.fetch_sub(VIEWS.one(), SeqCst);
        })
    }

    /// The rest of `open_view`: the checks and the record of views of a write mapping.
    #[cold]
    fn check_view(&self, range: &Range<u64>, writable: bool) -> std::result::Result<u64, Refusal> {
        self.device.check_not_closing().map_err(Refusal::Other)?;
        // SAFETY: see `mapping`: the caller's view count keeps it unchanged.
        let (mode, mapped) = unsafe { &*self.mapping.get() };
        if range.start < mapped.start || range.end > mapped.end {
            return Err(Refusal::View(format!(
                "range {range:?} is not inside the mapped range {mapped:?}"
            )));
        }
        if *mode != MapMode::Write {
            if writable {
                return Err(Refusal::View(
                    "the buffer is mapped for reading; a writable view needs MapMode::Write".into(),
                ));
            }
            return Ok(0);
        }
        let mut write_views = self.write_views.lock();
        let overlaps = |r: &Range<u64>| r.start < range.end && range.start < r.end;
        if let Some((_, other, _)) = write_views
            .views
            .iter()
            .find(|(_, r, w)| (writable || *w) && overlaps(r))
        {
            return Err(Refusal::View(format!(
                "range {range:?} overlaps the live view {other:?}, and one of them is writable"
            )));
        }
        let id = write_views.next_id;
        write_views.next_id += 1;
        write_views.views.push((id, range.clone(), writable));
        Ok(id)
    }

    /// Closes a view `open_view` returned.
    #[inline]
    pub(crate) fn close_view(&self, id: u64) {
        if id != 0 {
            self.write_views.lock().views.retain(|(v, _, _)| *v != id);
        }
        self.word.fetch_sub(VIEWS.one(), SeqCst);
    }

    /// Takes the whole mapping for a [`Mapping`](crate::Mapping) guard; returns its mode and range. Refused
    /// unless mapped without views (or another guard), and while the device is being destroyed.
    #[inline]
    pub(crate) fn take_guard(&self) -> std::result::Result<(MapMode, Range<u64>), Refusal> {
        let mut word = self.word.load(SeqCst);
        loop {
            let phase = self.phase_of(word);
            if phase != Phase::Mapped || VIEWS.get(word) != 0 {
                return Err(guard_refusal(phase, word));
            }
            let held = VIEWS.set(word, 1) | GUARDED;
            match self.word.compare_exchange_weak(word, held, SeqCst, SeqCst) {
                Ok(_) => break,
                Err(now) => word = now,
            }
        }
        // Paired with the device's `close`, as for views (see `open_view`).
        if self.device.is_closing() {
            self.abandon_guard();
            return Err(Refusal::Other(closing_error()));
        }
        // SAFETY: see `mapping`: the guard, counted as a view, keeps it unchanged.
        Ok(unsafe { (*self.mapping.get()).clone() })
    }

    /// Gives back a guard's hold without unmapping (Dawn refused the guard its pointer).
    #[cold]
    pub(crate) fn abandon_guard(&self) {
        self.word.fetch_sub(VIEWS.one() + GUARDED, SeqCst);
    }

    /// Ends the mapping a guard holds with `call` (Dawn's unmap).
    #[inline]
    pub(crate) fn release_guard(&self, call: impl FnOnce()) {
        // Only the guard changes the word while it is set (see the module docs): Dawn's unmap runs with
        // the guard still in place (other calls are refused meanwhile), then one plain store ends the
        // mapping, no atomic read-modify-write. Unlike `end_mapping`, Dawn is called even while the device
        // is being destroyed: a destroy that reads the word before the store sees a live view and is
        // refused; one that reads it after finds Dawn's unmap done. Neither overlaps.
        let word = self.word.load(Relaxed);
        self.dawn_call(call);
        let unmapped = with_phase(VIEWS.set(word & !GUARDED, 0), Phase::Unmapped);
        self.word.store(unmapped, Release);
    }

    /// Runs `call` (Dawn's unmap or destroy, which end any mapping and abort a pending map) unless a view
    /// is alive. One such call at a time per buffer, and never during a `map_async`'s Dawn call: Dawn spins
    /// forever on an unmap and a destroy of one buffer from two threads.
    #[inline]
    pub(crate) fn end_mapping(&self, call: impl FnOnce()) -> std::result::Result<(), Refusal> {
        let mut word = self.word.load(SeqCst);
        let busy = loop {
            if word & GUARDED != 0 {
                return Err(Refusal::Guarded);
            }
            let views = VIEWS.get(word);
            if views > 0 {
                return Err(Refusal::Views(views));
            }
            if !self.calls_done(word, self.phase_of(word)) {
                self.wait_for_dawn_call()?;
                word = self.word.load(SeqCst);
                continue;
            }
            let busy = with_phase(word, Phase::Busy);
            match self.word.compare_exchange_weak(word, busy, SeqCst, SeqCst) {
                Ok(_) => break busy,
                Err(now) => word = now,
            }
        };
        // Paired with `DeviceShared::close` (see `idle`): never call Dawn while the device is being
        // destroyed; the destroy ends every mapping itself.
        if !self.device.is_closing() {
            self.dawn_call(call);
        }
        // Only this call changes the word while it is busy (see the module docs): a plain store ends it.
        self.word.store(with_phase(busy, Phase::Unmapped), Release);
        Ok(())
    }
}

/// Why a view cannot open in `phase` (of `word`).
#[cold]
fn view_refusal(phase: Phase, word: u64) -> Refusal {
    if phase != Phase::Mapped {
        Refusal::Phase(phase)
    } else if word & GUARDED != 0 {
        Refusal::Guarded
    } else {
        Refusal::View(format!(
            "{} views are alive, the most a buffer can have",
            VIEWS.max()
        ))
    }
}

/// Why a guard cannot take the mapping in `phase` (of `word`).
#[cold]
fn guard_refusal(phase: Phase, word: u64) -> Refusal {
    match VIEWS.get(word) {
        _ if phase != Phase::Mapped => Refusal::Phase(phase),
        _ if word & GUARDED != 0 => Refusal::Guarded,
        views => Refusal::Views(views),
    }
}

/// The map callback: leaves the outcome in the token's slot, its one and last use of the cell.
unsafe extern "C" fn on_mapped(
    status: sys::WGPUMapAsyncStatus,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the cell `map` passed; it is not freed while this callback is due.
    let cell = unsafe { &*userdata1.cast::<MapCell>() };
    let token = userdata2 as usize as u64;
    if status == sys::WGPUMapAsyncStatus_Success {
        cell.slot(token).succeed(token);
    } else {
        // SAFETY: the message lives during the call.
        unsafe { record_failure(cell, token, status, message) };
    }
}

/// The failure branch of `on_mapped`, out of line so that the callback stays small.
///
/// # Safety
/// As for `on_mapped`.
#[cold]
#[inline(never)]
unsafe fn record_failure(
    cell: &MapCell,
    token: u64,
    status: sys::WGPUMapAsyncStatus,
    message: sys::WGPUStringView,
) {
    // SAFETY: the message lives during the callback.
    let message = unsafe { string::to_string(message) };
    let error = map_error(status, message, cell.device.is_lost());
    cell.fail(token, error);
}

/// The error of a failed map.
fn map_error(status: sys::WGPUMapAsyncStatus, message: String, device_lost: bool) -> Error {
    match status {
        _ if device_lost => Error::new(
            ErrorKind::DeviceLost,
            format!("the device was lost: {message}"),
        ),
        sys::WGPUMapAsyncStatus_Aborted => Error::new(
            ErrorKind::MapFailed,
            format!("MapAsyncStatus::Aborted: {message}"),
        ),
        sys::WGPUMapAsyncStatus_CallbackCancelled => Error::new(ErrorKind::Cancelled, message),
        _ => Error::new(
            ErrorKind::MapFailed,
            format!("MapAsyncStatus::Error: {message}"),
        ),
    }
}

/// The result of [`Buffer::map_async`](crate::Buffer::map_async), to wait for or `.await`; like
/// [`Pending`](crate::Pending), but kept in the buffer's own mapping state, so that a map round trip
/// allocates nothing and takes no lock.
///
/// - [`wait`](PendingMap::wait) blocks until the map completes; [`wait_timeout`](PendingMap::wait_timeout)
///   gives up with [`ErrorKind::Timeout`] (and can be called again).
/// - As a [`std::future::Future`], the instance's event pump wakes the task when the map completes.
/// - Dropping it early is safe. It does not borrow the buffer, and may outlive it.
///
/// A buffer keeps the outcomes of its last four maps: a fifth `map_async` while the futures of the four
/// before it are all still alive is refused with [`ErrorKind::InvalidUse`].
#[must_use = "a PendingMap does nothing unless waited on or awaited; drop it to ignore the result"]
pub struct PendingMap(Inner);

enum Inner {
    /// Resolved before calling Dawn.
    Ready(Result<()>),
    Waiting {
        /// Kept alive by this future (its slot's `waiter` flag).
        cell: NonNull<MapCell>,
        token: u64,
        future: sys::WGPUFuture,
    },
}

// SAFETY: the cell is `Sync`, and this future only reads its own slot.
unsafe impl Send for PendingMap {}
unsafe impl Sync for PendingMap {}

impl PendingMap {
    pub(crate) fn ready(result: Result<()>) -> Self {
        PendingMap(Inner::Ready(result))
    }

    /// The outcome if known; else the cell and the future to wait on.
    fn poll_outcome(&self) -> std::result::Result<Result<()>, (&MapCell, sys::WGPUFuture, u64)> {
        match &self.0 {
            Inner::Ready(result) => Ok(result.clone()),
            Inner::Waiting {
                cell,
                token,
                future,
            } => {
                // SAFETY: this future keeps the cell alive.
                let cell = unsafe { cell.as_ref() };
                cell.result(*token).ok_or((cell, *future, *token))
            }
        }
    }

    /// Blocks until the map completes and returns its result.
    #[doc(alias = "wgpuInstanceWaitAny")]
    #[inline(always)]
    pub fn wait(self) -> Result<()> {
        if let Inner::Waiting {
            cell,
            token,
            future,
        } = &self.0
        {
            // The common case first, lean: one wait in Dawn, then the outcome the callback left.
            // SAFETY: this future keeps the cell alive.
            let cell = unsafe { cell.as_ref() };
            let slot = cell.slot(*token);
            if slot.succeeded(*token).is_none() {
                // An error, or no completion within the chunk, is handled by the general wait below.
                let _ = cell.instance().wait_any(*future, Duration::from_secs(1));
            }
            if slot.succeeded(*token) == Some(true) {
                return Ok(());
            }
        }
        self.wait_until(None)
    }

    /// Blocks at most `timeout`; past it returns [`ErrorKind::Timeout`], and the map goes on (wait again
    /// to get its result).
    #[doc(alias = "wgpuInstanceWaitAny")]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<()> {
        self.wait_until(Some(Instant::now() + timeout))
    }

    /// Whether the map has completed (checks without blocking).
    pub fn is_ready(&self) -> bool {
        match self.poll_outcome() {
            Ok(_) => true,
            Err((cell, future, token)) => {
                let _ = cell.instance().wait_any(future, Duration::ZERO);
                cell.slot(token).succeeded(token).is_some()
            }
        }
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<()> {
        match self.poll_outcome() {
            Ok(result) => result,
            Err((cell, future, token)) => {
                crate::future::wait_for(cell.instance(), future, deadline, || cell.result(token))
            }
        }
    }
}

impl std::future::Future for PendingMap {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let (cell, future, token) = match self.poll_outcome() {
            Ok(result) => return Poll::Ready(result),
            Err(waiting) => waiting,
        };
        // A zero-timeout wait runs the callback if the map is already done.
        if let Err(e) = cell.instance().wait_any(future, Duration::ZERO) {
            return Poll::Ready(Err(e));
        }
        if let Some(result) = cell.result(token) {
            return Poll::Ready(result);
        }
        // The pump wakes the task once Dawn reports the map complete; the callback may have run since the
        // check above, so look again (the pump's wake is then spurious, and harmless).
        cell.instance().pump_waking(future, cx.waker().clone());
        match cell.result(token) {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }
}

impl std::fmt::Debug for PendingMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ready = self.poll_outcome().is_ok();
        f.debug_struct("PendingMap").field("ready", &ready).finish()
    }
}

impl Drop for PendingMap {
    #[inline]
    fn drop(&mut self) {
        if let Inner::Waiting { cell, token, .. } = self.0 {
            // SAFETY: this future keeps the cell alive until it clears its `waiter` flag.
            let cell = unsafe { cell.as_ref() };
            let slot = cell.slot(token);
            if cell.orphaned.load(SeqCst) {
                release_orphaned(cell, slot);
            } else {
                // This future's last use of the cell: a buffer dropped from now on sees it gone. (One
                // dropped in between finds the flag still set and leaves the cell to the event pump.)
                slot.waiter.store(false, Release);
            }
        }
    }
}

/// Drops a future whose buffer is gone: the cell may be freed now, so have the pump look.
#[cold]
fn release_orphaned(cell: &MapCell, slot: &OutcomeSlot) {
    let instance = cell.instance().clone();
    slot.waiter.store(false, Release);
    instance.reap_orphans();
}
