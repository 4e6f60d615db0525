//! A buffer's mapping state ([`MapCell`]) and the future of one map ([`PendingMap`]).
//!
//! A map round trip (`map_async`, wait, a view, unmap) is the hot path of every read-back, so its
//! bookkeeping is one atomic word and a small ring of per-map outcome slots: no lock, no allocation, and a
//! handful of atomic read-modify-writes per round trip. Locks remain only on cold paths (a failed map's
//! message, an async waker, views of a buffer mapped for writing).
//!
//! The word holds the phase (unmapped, map pending, mapped, unmap or destroy in progress), the live views,
//! the token of the latest map, and the counts that decide when the cell may be freed: the map callbacks
//! still due and the [`PendingMap`]s still alive. The cell lives in its own allocation, so that it can
//! outlive its buffer: when the buffer goes while a callback is due, the cell is "orphaned" and whichever
//! of the callbacks and futures finishes last frees it. Neither side needs a reference count of its own.
//!
//! Each map takes the ring slot of its token (`token % RING`), where its callback leaves the outcome and
//! its future reads it. A slot is reused only once its callback ran and its future is gone.

use crate::device::DeviceShared;
use crate::{Error, ErrorKind, Instance, MapMode, Result, string};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering::*};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

thread_local! {
    /// The cell whose Dawn call (map, unmap, destroy) this thread is inside: an error handler that Dawn
    /// runs during the call and that maps or unmaps the same buffer is refused instead of waiting forever
    /// for the call it interrupts.
    static IN_DAWN_CALL: Cell<usize> = const { Cell::new(0) };
}

/// Outcome slots per buffer: how many maps may have futures alive (or callbacks due) at once.
const RING: u64 = 4;

/// The phases of the word's low two bits (see `MapCell::phase_of` for what busy stands for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Unmapped = 0,
    Pending = 1,
    Mapped = 2,
    /// An unmap or destroy is inside Dawn.
    Busy = 3,
}

const PHASE: u64 = 0b11;
/// A future registered a waker in its slot: callbacks check their slot's waker.
const WAKE: u64 = 1 << 3;
/// The buffer is gone; the last callback or future frees the cell.
const ORPHANED: u64 = 1 << 4;
/// Counts unmap/destroy calls, so that the end of the latest one can be told by a plain store to
/// `MapCell::unmapped` instead of a second atomic step on the word.
const UNMAPS: Field = Field { shift: 5, bits: 3 };
const DUE: Field = Field { shift: 8, bits: 4 };
const WAITERS: Field = Field { shift: 12, bits: 4 };
const VIEWS: Field = Field {
    shift: 16,
    bits: 24,
};
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

/// The slot statuses.
const RUNNING: u8 = 0;
const SUCCEEDED: u8 = 1;
const FAILED: u8 = 2;

/// Where one map's callback leaves its outcome for its future.
struct OutcomeSlot {
    status: AtomicU8,
    /// The map's future is alive.
    waiter: AtomicBool,
    /// The map's `WGPUFuture` id, to drive a callback that is still due (0 until known).
    future: AtomicU64,
    /// The token of the last map whose `wgpuBufferMapAsync` call returned: unmap, destroy and the next
    /// map wait for it, so that this buffer's Dawn calls never overlap.
    called: AtomicU64,
    /// The error of a failed map (cold path; read only when the status says failed, so never cleared).
    error: Mutex<Option<Error>>,
    /// The task to wake when the callback runs (async waits only), with its map's token: a late callback
    /// of the slot's previous map must not take the waker of the next.
    waker: Mutex<Option<(u64, Waker)>>,
}

impl OutcomeSlot {
    fn new() -> Self {
        OutcomeSlot {
            status: AtomicU8::new(SUCCEEDED),
            waiter: AtomicBool::new(false),
            future: AtomicU64::new(0),
            called: AtomicU64::new(0),
            error: Mutex::new(None),
            waker: Mutex::new(None),
        }
    }

    fn outcome(&self) -> Option<Result<()>> {
        match self.status.load(Acquire) {
            RUNNING => None,
            SUCCEEDED => Some(Ok(())),
            _ => Some(Err(self.error.lock().clone().unwrap_or_else(|| {
                Error::new(ErrorKind::MapFailed, "the map failed")
            }))),
        }
    }
}

/// Why a mapping call was refused; the buffer turns it into a message.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Not in a phase that allows the call (with the phase seen).
    Phase(Phase),
    /// `unmap`/`destroy` while views are alive (how many).
    Views(u64),
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
    /// The UNMAPS count of the last unmap or destroy that returned from Dawn: while it equals the word's,
    /// a word in the busy phase stands for unmapped.
    unmapped: AtomicU64,
    /// The mode and range of the current map. Written only by the `map_async` that moved the phase from
    /// unmapped to pending; read only by views, which hold the phase at mapped while they read.
    mapping: UnsafeCell<(MapMode, Range<u64>)>,
    slots: [OutcomeSlot; RING as usize],
    /// Views of a buffer mapped for writing, to refuse overlaps with a writable one. Views of a read
    /// mapping cannot be writable and are only counted.
    write_views: Mutex<WriteViews>,
    device: Arc<DeviceShared>,
}

// SAFETY: every field is atomic or behind a lock, except `mapping`, whose accesses the word orders (see
// the field).
unsafe impl Send for MapCell {}
unsafe impl Sync for MapCell {}

/// The buffer's ownership of its cell; dropping it orphans the cell (see the module docs).
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
            unmapped: AtomicU64::new(0),
            mapping: UnsafeCell::new(mapping),
            slots: std::array::from_fn(|_| OutcomeSlot::new()),
            write_views: Mutex::new(WriteViews {
                next_id: 1,
                views: Vec::new(),
            }),
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
        // SAFETY: the cell is freed only after the owner let go (ORPHANED).
        unsafe { self.0.as_ref() }
    }
}

impl Drop for MapCellRef {
    fn drop(&mut self) {
        let cell: &MapCell = self;
        // Callbacks still due wait in Dawn's event queue until something processes events; have the event
        // pump drive them, so that the cell (and the device and instance it keeps) is freed. Collected
        // before orphaning: from then on a callback may free the cell at any moment.
        let due: Vec<u64> = cell
            .slots
            .iter()
            .filter(|s| s.status.load(Acquire) == RUNNING)
            .map(|s| s.future.load(Acquire))
            .filter(|&id| id != 0)
            .collect();
        let instance = (!due.is_empty()).then(|| cell.device.instance.clone());
        let before = cell.word.fetch_or(ORPHANED, SeqCst);
        // SAFETY: the owner's last use of the cell.
        unsafe { free_if_unused(self.0, before | ORPHANED) };
        if let Some(instance) = instance {
            for id in due {
                instance.pump(sys::WGPUFuture { id });
            }
        }
    }
}

/// The error of a map or unmap that met a device being destroyed.
#[cold]
fn closing_error() -> Error {
    Error::new(ErrorKind::DeviceLost, "the device is being destroyed")
}

/// Frees the cell if `word` (its value after the caller's last change) says nothing uses it any more.
///
/// # Safety
/// The caller makes no further use of the cell.
#[inline]
unsafe fn free_if_unused(cell: NonNull<MapCell>, word: u64) {
    if word & ORPHANED != 0 && DUE.get(word) == 0 && WAITERS.get(word) == 0 {
        // SAFETY: as the caller promises.
        unsafe { free(cell) };
    }
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

    /// The phase `word` stands for: a busy phase whose unmap or destroy has returned is unmapped.
    #[inline]
    fn phase_of(&self, word: u64) -> Phase {
        match phase(word) {
            Phase::Busy if self.unmapped.load(Acquire) == UNMAPS.get(word) => Phase::Unmapped,
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
            self.make_slot_free(self.slot(token))?;
            let mut new = with_phase(word, Phase::Pending);
            new = TOKEN.set(new, token);
            new = DUE.set(new, DUE.get(word) + 1);
            new = WAITERS.set(new, WAITERS.get(word) + 1);
            if WAITERS.get(word) == 0 {
                new &= !WAKE; // no future left that could have registered a waker
            }
            match self.word.compare_exchange_weak(word, new, SeqCst, SeqCst) {
                Ok(_) => break token,
                Err(now) => word = now,
            }
        };
        // The slot and `mapping` are ours now: see `make_slot_free` and `mapping`.
        let slot = self.slot(token);
        slot.status.store(RUNNING, Relaxed);
        slot.future.store(0, Relaxed);
        slot.waiter.store(true, Relaxed);
        let pending = |future| {
            PendingMap(Inner::Waiting {
                cell: NonNull::from(self),
                token,
                future,
            })
        };
        if self.device.is_closing() {
            // Paired with `DeviceShared::close` (see `idle`): never call Dawn while the device is being
            // destroyed. The map fails at once, as its callback would.
            slot.called.store(token, Release);
            // SAFETY: instead of the callback, which never comes.
            unsafe { settle(NonNull::from(self), token, Some(closing_error())) };
            // Resolved already: its future is never waited on.
            return Ok(pending(sys::WGPUFuture { id: 0 }));
        }
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
        // SAFETY: live buffer; the cell outlives the callback (it counts as due until it runs).
        let future = self.dawn_call(|| unsafe {
            sys::wgpuBufferMapAsync(raw, mode.0, range.start as usize, size, info)
        });
        slot.future.store(future.id, Release);
        slot.called.store(token, Release);
        Ok(pending(future))
    }

    /// Makes sure the slot the next map takes is free: its future gone and its callback run. A callback
    /// still due (a map that an unmap aborted, whose future was dropped unresolved) is driven to the end.
    #[inline]
    fn make_slot_free(&self, slot: &OutcomeSlot) -> std::result::Result<(), Refusal> {
        if slot.waiter.load(Acquire) {
            return Err(Refusal::FuturesAlive);
        }
        if slot.status.load(Acquire) == RUNNING {
            return self.finish_due_callback(slot);
        }
        Ok(())
    }

    #[cold]
    fn finish_due_callback(&self, slot: &OutcomeSlot) -> std::result::Result<(), Refusal> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while slot.status.load(Acquire) == RUNNING {
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
            if phase(word) != Phase::Mapped || VIEWS.get(word) == VIEWS.max() {
                return Err(view_refusal(word));
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

    /// Runs `call` (Dawn's unmap or destroy, which end any mapping and abort a pending map) unless a view
    /// is alive. One such call at a time per buffer, and never during a `map_async`'s Dawn call: Dawn spins
    /// forever on an unmap and a destroy of one buffer from two threads.
    #[inline]
    pub(crate) fn end_mapping(&self, call: impl FnOnce()) -> std::result::Result<(), Refusal> {
        let mut word = self.word.load(SeqCst);
        let unmaps = loop {
            let views = VIEWS.get(word);
            if views > 0 {
                return Err(Refusal::Views(views));
            }
            if !self.calls_done(word, self.phase_of(word)) {
                self.wait_for_dawn_call()?;
                word = self.word.load(SeqCst);
                continue;
            }
            let unmaps = (UNMAPS.get(word) + 1) & UNMAPS.max();
            let busy = UNMAPS.set(with_phase(word, Phase::Busy), unmaps);
            match self.word.compare_exchange_weak(word, busy, SeqCst, SeqCst) {
                Ok(_) => break unmaps,
                Err(now) => word = now,
            }
        };
        // Paired with `DeviceShared::close` (see `idle`): never call Dawn while the device is being
        // destroyed; the destroy ends every mapping itself.
        if !self.device.is_closing() {
            self.dawn_call(call);
        }
        // Busy now stands for unmapped (see `unmapped`).
        self.unmapped.store(unmaps, Release);
        Ok(())
    }
}

/// Why a view cannot open in the phase of `word`.
#[cold]
fn view_refusal(word: u64) -> Refusal {
    if phase(word) == Phase::Mapped {
        Refusal::View(format!(
            "{} views are alive, the most a buffer can have",
            VIEWS.max()
        ))
    } else {
        Refusal::Phase(phase(word))
    }
}

/// The map callback: leaves the outcome in the token's slot, settles the phase if this is still the
/// current map, wakes a waiting task, and frees an orphaned cell if it was the last user.
unsafe extern "C" fn on_mapped(
    status: sys::WGPUMapAsyncStatus,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the cell `map` passed; it lives while this callback is due (counted in DUE).
    let cell_ptr = unsafe { NonNull::new_unchecked(userdata1.cast::<MapCell>()) };
    let token = userdata2 as usize as u64;
    let failure = (status != sys::WGPUMapAsyncStatus_Success).then(|| {
        // SAFETY: as above; the message lives during the call.
        let cell = unsafe { cell_ptr.as_ref() };
        map_error(
            status,
            unsafe { string::to_string(message) },
            cell.device.is_lost(),
        )
    });
    // SAFETY: the callback of `token`, once.
    unsafe { settle(cell_ptr, token, failure) };
}

/// Leaves map `token`'s outcome in its slot, settles the phase if it is still the current map, wakes a
/// waiting task, and stops counting the map's callback as due (freeing an orphaned cell if it was the
/// last user).
///
/// # Safety
/// Called once per map, as (or instead of) its callback; no use of the cell afterwards.
#[inline]
unsafe fn settle(cell_ptr: NonNull<MapCell>, token: u64, failure: Option<Error>) {
    // SAFETY: the cell lives while the map's callback is due.
    let cell = unsafe { cell_ptr.as_ref() };
    let slot = cell.slot(token);
    let ok = failure.is_none();
    match failure {
        None => slot.status.store(SUCCEEDED, Release),
        Some(error) => record_failure(slot, error),
    }
    let mut word = cell.word.load(SeqCst);
    let (before, after) = loop {
        let mut new = word;
        if phase(word) == Phase::Pending && TOKEN.get(word) == token {
            new = with_phase(new, if ok { Phase::Mapped } else { Phase::Unmapped });
        }
        if word & WAKE == 0 {
            // Nothing to wake: stop counting as due in the same step.
            new = DUE.set(new, DUE.get(word) - 1);
        }
        match cell.word.compare_exchange_weak(word, new, SeqCst, SeqCst) {
            Ok(_) => break (word, new),
            Err(now) => word = now,
        }
    };
    let after = if before & WAKE == 0 {
        after
    } else {
        let waker = slot.waker.lock().take_if(|(t, _)| *t == token);
        if let Some((_, waker)) = waker {
            // Waking runs the executor's code: keep its panics out of C.
            let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
        }
        cell.word.fetch_sub(DUE.one(), SeqCst) - DUE.one()
    };
    // SAFETY: this callback's last use of the cell.
    unsafe { free_if_unused(cell_ptr, after) };
}

/// Leaves a failed map's error and status in its slot.
#[cold]
fn record_failure(slot: &OutcomeSlot, error: Error) {
    *slot.error.lock() = Some(error);
    slot.status.store(FAILED, Release);
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
    /// Refused before calling Dawn.
    Ready(Result<()>),
    Waiting {
        /// Kept alive by this future (counted in WAITERS).
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
                cell.slot(*token).outcome().ok_or((cell, *future, *token))
            }
        }
    }

    /// Blocks until the map completes and returns its result.
    #[doc(alias = "wgpuInstanceWaitAny")]
    #[inline]
    pub fn wait(self) -> Result<()> {
        if let Inner::Waiting {
            cell,
            token,
            future,
        } = &self.0
        {
            // The common case first, lean: one wait in Dawn, then the status the callback left.
            // SAFETY: this future keeps the cell alive.
            let cell = unsafe { cell.as_ref() };
            let slot = cell.slot(*token);
            if slot.status.load(Acquire) == RUNNING {
                // An error, or no completion within the chunk, is handled by the general wait below.
                let _ = cell.instance().wait_any(*future, Duration::from_secs(1));
            }
            if slot.status.load(Acquire) == SUCCEEDED {
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
                cell.slot(token).outcome().is_some()
            }
        }
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<()> {
        match self.poll_outcome() {
            Ok(result) => result,
            Err((cell, future, token)) => {
                let slot = cell.slot(token);
                crate::future::wait_for(cell.instance(), future, deadline, || slot.outcome())
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
        let slot = cell.slot(token);
        if let Some(result) = slot.outcome() {
            return Poll::Ready(result);
        }
        *slot.waker.lock() = Some((token, cx.waker().clone()));
        // Paired with the callback's step on the word: it stores the outcome, then reads WAKE in one
        // atomic step; this sets WAKE, then reads the outcome. One of the two sees the other.
        cell.word.fetch_or(WAKE, SeqCst);
        if let Some(result) = slot.outcome() {
            return Poll::Ready(result);
        }
        cell.instance().pump(future);
        Poll::Pending
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
            // SAFETY: this future keeps the cell alive until the fetch_sub below.
            let cell_ref = unsafe { cell.as_ref() };
            let slot = cell_ref.slot(token);
            if cell_ref.word.load(Relaxed) & WAKE != 0 {
                drop(slot.waker.lock().take_if(|(t, _)| *t == token));
            }
            slot.waiter.store(false, Release);
            let after = cell_ref.word.fetch_sub(WAITERS.one(), SeqCst) - WAITERS.one();
            // SAFETY: this future's last use of the cell.
            unsafe { free_if_unused(cell, after) };
        }
    }
}
