//! Mapping a buffer: [`Buffer::map_async`], [`Buffer::unmap`], the map callback, and the bookkeeping of
//! views (the word and its transitions are in `map_state.rs`, the view types in `view.rs`).

use super::map_state::{
    GUARDED, Phase, RING, StateWord, TOKEN, VIEWS, next_map, phase, with_phase,
};
use super::{Buffer, BufferShared};
use crate::device::{Lifecycle, Mappable};
use crate::{BufferUsage, Error, ErrorKind, MapMode, Pending, Result, string};
use dawn_sys as sys;
use parking_lot::Mutex;
use std::cell::{Cell, UnsafeCell};
use std::collections::VecDeque;
use std::ffi::c_void;
use std::ops::{Range, RangeBounds};
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::time::{Duration, Instant};

thread_local! {
    /// The mapping state whose Dawn call (map, unmap, destroy) this thread is inside: an error handler that
    /// Dawn runs during the call and that maps or unmaps the same buffer is refused instead of waiting
    /// forever for the call it interrupts.
    static IN_DAWN_CALL: Cell<usize> = const { Cell::new(0) };
}

/// Why a map failed, as its callback reported it.
struct Failure {
    status: sys::WGPUMapAsyncStatus,
    message: String,
}

/// A view of a buffer mapped for writing: views may not overlap a writable one.
struct WriteView {
    id: u64,
    range: Range<u64>,
    writable: bool,
}

#[derive(Default)]
struct WriteViews {
    next_id: u64,
    live: Vec<WriteView>,
}

/// A buffer's mapping state (see `map_state.rs` for the word's rules).
///
/// It lives in its own allocation, pointed at by the map callbacks' `userdata1`: the buffer frees it
/// only once the latest map's callback has run (see `BufferShared`'s `Drop`).
pub(crate) struct MapState {
    pub(super) state: StateWord,
    /// The mode and range of the current map. Written only by the `map_async` that moved the phase from
    /// unmapped to pending (or at creation); read only by views and guards, which hold the phase at
    /// mapped while they read.
    mapping: UnsafeCell<(MapMode, Range<u64>)>,
    /// The token of the last map whose `wgpuBufferMapAsync` call returned: unmaps, destroys and the next
    /// map wait for it, so that this buffer's Dawn calls never overlap (Dawn spins forever on an unmap and
    /// a destroy of one buffer from two threads).
    called: AtomicU64,
    /// The latest map's `WGPUFuture`, to drive its callback when it is still due.
    future: AtomicU64,
    /// The failures of the latest maps (at most `RING`), by token: cold, and never touched by a callback
    /// that succeeded.
    failures: Mutex<VecDeque<(u64, Failure)>>,
    /// Views of a buffer mapped for writing (views of a read mapping cannot be writable: only counted).
    write_views: Mutex<WriteViews>,
    /// The token of a map still pending when the device's destroy or force-loss began ([`NO_MAP`]: none).
    /// WebGPU fails such a map (a destroy rejects pending maps with `AbortError`), but Dawn's destroy first
    /// waits for the GPU, so the map can complete inside it, just before Dawn unmaps every buffer (seen on
    /// an H200 under load): its success is then read as the loss.
    aborted: AtomicU64,
}

/// No map (tokens have 40 bits).
const NO_MAP: u64 = u64::MAX;

// SAFETY: every field is atomic or behind a lock, except `mapping`, whose accesses the word orders.
unsafe impl Send for MapState {}
// SAFETY: as above.
unsafe impl Sync for MapState {}

impl MapState {
    /// The state of a new buffer, mapped for writing over `0..size` if `mapped_at_creation`.
    pub(super) fn new(mapped_at_creation: Option<u64>) -> Self {
        let mapping = match mapped_at_creation {
            Some(size) => (MapMode::Write, 0..size),
            None => (MapMode::Read, 0..0),
        };
        MapState {
            state: StateWord::new(mapped_at_creation.is_some()),
            mapping: UnsafeCell::new(mapping),
            called: AtomicU64::new(0),
            future: AtomicU64::new(0),
            failures: Mutex::new(VecDeque::new()),
            write_views: Mutex::new(WriteViews::default()),
            aborted: AtomicU64::new(NO_MAP),
        }
    }

    /// Whether this buffer's Dawn calls are all done: no unmap or destroy busy, and the latest map's
    /// `wgpuBufferMapAsync` returned.
    #[inline(always)]
    fn calls_done(&self, word: u64) -> bool {
        phase(word) != Phase::Busy && self.called.load(Acquire) == TOKEN.get(word)
    }

    /// Whether the latest map's callback has run (the state may be freed once it has).
    pub(super) fn callback_done(&self) -> bool {
        self.state.callback_done(self.state.load())
    }

    /// Runs one of this buffer's Dawn calls, marked as such on this thread.
    #[inline]
    fn dawn_call<R>(&self, call: impl FnOnce() -> R) -> R {
        let outer = IN_DAWN_CALL.replace(self as *const MapState as usize);
        let result = call();
        IN_DAWN_CALL.set(outer);
        result
    }

    /// Waits a moment for another map, unmap or destroy of this buffer to leave Dawn; refused on the
    /// thread that is inside that call (from an error handler Dawn runs during it).
    #[cold]
    fn wait_for_dawn_call(&self) -> Result<()> {
        if IN_DAWN_CALL.get() == self as *const MapState as usize {
            return Err(Error::invalid_use(
                "this buffer's map, unmap or destroy is already running on this thread (an error handler \
                 that Dawn runs inside it cannot map or unmap the same buffer)",
            ));
        }
        std::thread::yield_now();
        Ok(())
    }

    /// Leaves map `token`'s failure (before its outcome, which readers see first).
    #[cold]
    fn fail(&self, token: u64, failure: Failure) {
        let mut failures = self.failures.lock();
        if failures.len() == RING as usize {
            failures.pop_front();
        }
        failures.push_back((token, failure));
        drop(failures);
        self.state.record(token, false);
    }

    /// Drives the latest map's callback, still due after an unmap (Dawn aborted the map but has not
    /// reported it yet), so that the next map may take the ring. Returns as soon as the word is no longer
    /// `word`: another thread got there first (its map may since have overwritten this one's ring slot, so
    /// the caller must look at the word again rather than wait for this token's outcome).
    #[cold]
    fn finish_due_callback(&self, buffer: &Buffer, word: u64) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.state.load() == word && !self.state.callback_done(word) {
            let id = self.future.load(Acquire);
            buffer
                .device()
                .instance()
                .wait_any(sys::WGPUFuture { id }, Duration::from_millis(100))?;
            if Instant::now() > deadline {
                return Err(Error::new(
                    ErrorKind::Internal,
                    "an earlier map of this buffer never completed",
                ));
            }
        }
        Ok(())
    }

    /// Counts a view of `range` (`writable`: for writing) and checks it against the mapping; returns the
    /// view's id (0: a view of a read mapping, only counted).
    #[inline]
    pub(super) fn open_view(
        &self,
        lifecycle: &Lifecycle,
        range: &Range<u64>,
        writable: bool,
    ) -> Result<u64> {
        loop {
            let mut word = self.state.load();
            loop {
                let phase = self.state.phase_of(word);
                if phase != Phase::Mapped || word & GUARDED != 0 || VIEWS.get(word) == VIEWS.max() {
                    return Err(view_refusal(phase, word));
                }
                let counted = VIEWS.set(with_phase(word, Phase::Mapped), VIEWS.get(word) + 1);
                match self.state.swap(word, counted) {
                    Ok(()) => break,
                    Err(now) => word = now,
                }
            }
            // Counted: the phase stays mapped and `mapping` unchanged until the view closes. Paired with
            // the device's destroy: it counts itself closing, then reads the views; a view counts itself,
            // then reads `closing`. One of the two sees the other.
            if !lifecycle.is_closing() {
                return self
                    .check_view(range, writable)
                    .inspect_err(|_| self.uncount_view());
            }
            self.uncount_view();
            lifecycle.settle()?;
        }
    }

    #[inline]
    fn uncount_view(&self) {
        self.state.word.fetch_sub(VIEWS.one(), SeqCst);
    }

    /// The rest of `open_view`: the range and mode checks, and the record of views of a write mapping.
    #[inline]
    fn check_view(&self, range: &Range<u64>, writable: bool) -> Result<u64> {
        // SAFETY: see `mapping`: the caller's view count keeps it unchanged.
        let (mode, mapped) = unsafe { &*self.mapping.get() };
        if range.start < mapped.start || range.end > mapped.end {
            return Err(outside_mapping(range, mapped));
        }
        if *mode != MapMode::Write {
            if writable {
                return Err(Error::invalid_use(
                    "the buffer is mapped for reading; a writable view needs MapMode::Write",
                ));
            }
            return Ok(0);
        }
        self.record_write_view(range, writable)
    }

    #[cold]
    fn record_write_view(&self, range: &Range<u64>, writable: bool) -> Result<u64> {
        let mut views = self.write_views.lock();
        let overlaps = |r: &Range<u64>| r.start < range.end && range.start < r.end;
        if let Some(other) = views
            .live
            .iter()
            .find(|v| (writable || v.writable) && overlaps(&v.range))
        {
            return Err(Error::invalid_use(format!(
                "range {range:?} overlaps the live view {:?}, and one of them is writable",
                other.range
            )));
        }
        views.next_id += 1;
        let id = views.next_id;
        views.live.push(WriteView {
            id,
            range: range.clone(),
            writable,
        });
        Ok(id)
    }

    /// Closes a view `open_view` returned.
    #[inline]
    pub(super) fn close_view(&self, id: u64) {
        if id != 0 {
            self.write_views.lock().live.retain(|v| v.id != id);
        }
        self.uncount_view();
    }

    /// Takes the whole mapping for a guard; returns its mode and range. Refused unless mapped with no
    /// view (or other guard) alive.
    #[inline]
    pub(super) fn take_guard(&self, lifecycle: &Lifecycle) -> Result<(MapMode, Range<u64>)> {
        loop {
            let mut word = self.state.load();
            loop {
                let phase = self.state.phase_of(word);
                if phase != Phase::Mapped || VIEWS.get(word) != 0 {
                    return Err(guard_refusal(phase, word));
                }
                let held = VIEWS.set(with_phase(word, Phase::Mapped), 1) | GUARDED;
                match self.state.swap(word, held) {
                    Ok(()) => break,
                    Err(now) => word = now,
                }
            }
            // Paired with the device's destroy, as for views.
            if !lifecycle.is_closing() {
                // SAFETY: see `mapping`: the guard, counted as a view, keeps it unchanged.
                return Ok(unsafe { (*self.mapping.get()).clone() });
            }
            self.abandon_guard();
            lifecycle.settle()?;
        }
    }

    /// Gives back a guard's hold without unmapping (Dawn refused the guard its pointer).
    #[cold]
    pub(super) fn abandon_guard(&self) {
        self.state.word.fetch_sub(VIEWS.one() + GUARDED, SeqCst);
    }

    /// Ends the mapping a guard holds with `call` (Dawn's unmap).
    #[inline]
    pub(super) fn release_guard(&self, call: impl FnOnce()) {
        // Only the guard changes the word while it is set: Dawn's unmap runs with the guard in place (other
        // calls are refused meanwhile), then one plain store ends the mapping. No destroy's Dawn call can
        // overlap: a destroy that starts while the guard is counted sees a live view and is refused.
        let word = self.state.word.load(Relaxed);
        self.dawn_call(call);
        let unmapped = with_phase(VIEWS.set(word & !GUARDED, 0), Phase::Unmapped);
        self.state.word.store(unmapped, Release);
    }

    /// Runs `call` (Dawn's unmap or destroy, which end any mapping and abort a pending map) unless a view
    /// is alive. One such call at a time per buffer, and never during a `map_async`'s Dawn call.
    pub(super) fn end_mapping(&self, lifecycle: &Lifecycle, call: impl FnOnce()) -> Result<()> {
        let mut word = self.state.load();
        loop {
            if word & GUARDED != 0 {
                return Err(Error::invalid_use(
                    "a Mapping guard holds the buffer's mapping; drop it first",
                ));
            }
            let views = VIEWS.get(word);
            if views > 0 {
                return Err(Error::invalid_use(format!(
                    "{views} mapped view(s) of the buffer are alive; drop them first"
                )));
            }
            if !self.calls_done(word) {
                self.wait_for_dawn_call()?;
                word = self.state.load();
                continue;
            }
            let busy = with_phase(word, Phase::Busy);
            if let Err(now) = self.state.swap(word, busy) {
                word = now;
                continue;
            }
            // Paired with the device's destroy (see `Mappable::idle`): never call Dawn while it is being
            // destroyed. Inside the destroy's own callbacks, the destroy ends the mapping itself; otherwise
            // give the word back, let the destroy finish (or be refused), and try again.
            let closing = lifecycle.is_closing();
            if closing && !lifecycle.closing_here() {
                self.state.word.store(word, Release);
                lifecycle.settle()?;
                word = self.state.load();
                continue;
            }
            if !closing {
                self.dawn_call(call);
            }
            // Only this call changes the word while it is busy: a plain store ends it.
            self.state
                .word
                .store(with_phase(busy, Phase::Unmapped), Release);
            return Ok(());
        }
    }

    /// Map `token`'s result, `None` while its callback has not run.
    #[inline]
    fn result(&self, buffer: &Buffer, token: u64) -> Option<Result<()>> {
        match self.state.result(token) {
            Some(true) if self.aborted.load(Acquire) == token => Some(Err(Error::new(
                ErrorKind::DeviceLost,
                "the device was destroyed or lost while this map was pending",
            ))),
            Some(true) => Some(Ok(())),
            Some(false) => Some(Err(self.failure_error(buffer, token))),
            None if self.state.overwritten(token) => Some(Err(Error::invalid_use(format!(
                "the result of this map was not read before {RING} later maps of the buffer started"
            )))),
            None => None,
        }
    }

    #[cold]
    fn failure_error(&self, buffer: &Buffer, token: u64) -> Error {
        let failures = self.failures.lock();
        let Some((_, Failure { status, message })) = failures.iter().find(|(t, _)| *t == token)
        else {
            return Error::new(ErrorKind::MapFailed, "the map failed");
        };
        if buffer.device().is_lost() {
            return Error::new(
                ErrorKind::DeviceLost,
                format!("the device was lost: {message}"),
            );
        }
        match *status {
            sys::WGPUMapAsyncStatus_Aborted => Error::new(
                ErrorKind::MapFailed,
                format!("MapAsyncStatus::Aborted: {message}"),
            ),
            sys::WGPUMapAsyncStatus_CallbackCancelled => crate::future::cancelled(message.clone()),
            _ => Error::new(
                ErrorKind::MapFailed,
                format!("MapAsyncStatus::Error: {message}"),
            ),
        }
    }
}

impl Mappable for BufferShared {
    fn live_views(&self) -> u64 {
        VIEWS.get(self.map().state.load())
    }

    fn idle(&self) -> bool {
        self.map().calls_done(self.map().state.load())
    }

    fn pending_map(&self) -> Option<u64> {
        let map = self.map();
        let word = map.state.load();
        (map.state.phase_of(word) == Phase::Pending).then(|| TOKEN.get(word))
    }

    fn abort(&self, token: u64) {
        self.map().aborted.store(token, Release);
    }
}

#[cold]
fn outside_mapping(range: &Range<u64>, mapped: &Range<u64>) -> Error {
    Error::validation(format!(
        "range {range:?} is not inside the mapped range {mapped:?}"
    ))
}

/// Why a view cannot open in `phase` (of `word`).
#[cold]
fn view_refusal(phase: Phase, word: u64) -> Error {
    if phase != Phase::Mapped {
        not_mapped(phase)
    } else if word & GUARDED != 0 {
        Error::invalid_use("a Mapping guard holds the buffer's mapping; drop it first")
    } else {
        Error::invalid_use(format!(
            "{} views are alive, the most a buffer can have",
            VIEWS.max()
        ))
    }
}

/// Why a guard cannot take the mapping in `phase` (of `word`).
#[cold]
fn guard_refusal(phase: Phase, word: u64) -> Error {
    match VIEWS.get(word) {
        _ if phase != Phase::Mapped => not_mapped(phase),
        _ if word & GUARDED != 0 => {
            Error::invalid_use("a Mapping guard holds the buffer's mapping already")
        }
        views => Error::invalid_use(format!(
            "cannot take the mapping while {views} mapped view(s) are alive; drop them first"
        )),
    }
}

#[cold]
fn not_mapped(phase: Phase) -> Error {
    let state = match phase {
        Phase::Pending => "its map is still pending; wait for it first",
        Phase::Busy => "it is being unmapped",
        _ => "map it with map_async and wait first",
    };
    Error::validation(format!("the buffer is not mapped: {state}"))
}

impl Buffer {
    /// Maps `range` of the buffer for reading or writing (`mode` is exactly one of [`MapMode::Read`] or
    /// [`MapMode::Write`], matching the buffer's `MapRead`/`MapWrite` usage).
    ///
    /// The offset must be a multiple of 8 and the size of 4. A map of a buffer that is mapped or has a map
    /// pending, a mode the usage does not allow, or a range out of bounds or misaligned resolve at once
    /// with [`ErrorKind::Validation`]; a map that Dawn fails (unmapped or destroyed before it finished,
    /// device lost...) with [`ErrorKind::MapFailed`] or [`ErrorKind::DeviceLost`]. A map still pending when
    /// [`Device::destroy`](crate::Device::destroy) or [`Device::force_loss`](crate::Device::force_loss)
    /// is called fails with [`ErrorKind::DeviceLost`], also where Dawn's wait for the GPU inside the
    /// destroy let it complete.
    ///
    /// An idle buffer's map usually completes inside this call (the result is then ready at once, and
    /// waiting costs nothing); otherwise a wait or `.await` drives it. The future keeps the buffer alive.
    /// Its result can be read until 16 later maps of the buffer have started; after that it resolves to
    /// [`ErrorKind::InvalidUse`].
    #[doc(alias = "wgpuBufferMapAsync")]
    #[inline]
    pub fn map_async(&self, mode: MapMode, range: impl RangeBounds<u64>) -> Pending<()> {
        match self.start_map(mode, range) {
            Ok(pending) => pending,
            Err(e) => Pending::ready(Err(e)),
        }
    }

    // Always inlined: the call itself would cost about as much as the checks it makes.
    #[inline(always)]
    fn start_map(&self, mode: MapMode, range: impl RangeBounds<u64>) -> Result<Pending<()>> {
        self.device().lifecycle().check_alive()?;
        let range = self.resolve(range)?;
        let needed = if mode == MapMode::Read {
            BufferUsage::MapRead
        } else if mode == MapMode::Write {
            BufferUsage::MapWrite
        } else {
            return Err(Error::validation(format!(
                "map mode must be Read or Write, not {mode:?}"
            )));
        };
        if !self.usage().contains(needed) {
            return Err(self.missing_usage(mode, needed));
        }
        super::check_alignment("map", &range)?;
        let map = self.0.map();
        let lifecycle = self.device().lifecycle();
        let token = loop {
            let word = map.state.load();
            if !map.calls_done(word) {
                // Another thread's map, unmap or destroy is inside Dawn for a moment.
                map.wait_for_dawn_call()?;
                continue;
            }
            match map.state.phase_of(word) {
                Phase::Unmapped if !map.state.callback_done(word) => {
                    map.finish_due_callback(self, word)?;
                    continue;
                }
                Phase::Unmapped => {}
                phase => return Err(already_mapped(phase)),
            }
            let pending = next_map(word);
            if map.state.swap(word, pending).is_err() {
                continue;
            }
            // Paired with the device's destroy (see `Mappable::idle`): never call Dawn while it is being
            // destroyed. The word is this call's until it calls Dawn (nothing else changes a pending word
            // whose map call has not returned): give it back, let the destroy settle, try again.
            if lifecycle.is_closing() {
                map.state.word.store(word, Release);
                lifecycle.settle()?;
                continue;
            }
            break TOKEN.get(pending);
        };
        // The phase is pending with this map's call not returned: `mapping` and the ring slot are ours.
        // SAFETY: see `mapping`; no view can be open (the phase was unmapped).
        unsafe { *map.mapping.get() = (mode, range.clone()) };
        let info = sys::WGPUBufferMapCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode: sys::WGPUCallbackMode_AllowSpontaneous,
            callback: Some(on_mapped),
            userdata1: map as *const MapState as *mut c_void,
            userdata2: token as usize as *mut c_void,
        };
        let size = (range.end - range.start) as usize;
        // SAFETY: live buffer; the state outlives the callback (the buffer frees it only once the latest
        // map's callback has run).
        let future = map.dawn_call(|| unsafe {
            sys::wgpuBufferMapAsync(self.as_raw(), mode.0, range.start as usize, size, info)
        });
        map.future.store(future.id, Release);
        map.called.store(token, Release);
        // The common case: the map completed inside the call, and the result needs no future.
        if let Some(result) = map.result(self, token) {
            return Ok(Pending::ready(result));
        }
        let buffer = self.clone();
        Ok(Pending::probing(
            self.device().instance(),
            future,
            move || buffer.0.map().result(&buffer, token),
        ))
    }

    #[cold]
    fn missing_usage(&self, mode: MapMode, needed: BufferUsage) -> Error {
        Error::validation(format!(
            "mapping with {mode:?} needs usage {needed:?}; the buffer has {:?}",
            self.usage()
        ))
    }

    /// Unmaps the buffer, ending any mapping (and aborting a pending map, whose future then resolves with
    /// [`ErrorKind::MapFailed`]). Refused with [`ErrorKind::InvalidUse`] while a view or guard is alive.
    #[doc(alias = "wgpuBufferUnmap")]
    #[inline]
    pub fn unmap(&self) -> Result<()> {
        // SAFETY: live buffer.
        self.0
            .map()
            .end_mapping(self.device().lifecycle(), || unsafe {
                sys::wgpuBufferUnmap(self.as_raw())
            })
    }

    /// Frees the buffer's memory now; later uses are validation errors. Refused while a view or guard is
    /// alive.
    #[doc(alias = "wgpuBufferDestroy")]
    pub fn destroy(&self) -> Result<()> {
        self.0.map().end_mapping(self.device().lifecycle(), || {
            let _gate = self.device().lifecycle().gate();
            // SAFETY: live buffer; the gate keeps the call apart from a device destroy.
            unsafe { sys::wgpuBufferDestroy(self.as_raw()) }
        })
    }
}

#[cold]
fn already_mapped(phase: Phase) -> Error {
    let state = match phase {
        Phase::Pending => "a map is pending",
        _ => "it is mapped",
    };
    Error::validation(format!(
        "the buffer cannot be mapped again: {state}; unmap it first"
    ))
}

/// The map callback: leaves the outcome in the token's slot, its one and last use of the state.
unsafe extern "C" fn on_mapped(
    status: sys::WGPUMapAsyncStatus,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the state `map_async` passed; it is not freed while this callback is due.
    let map = unsafe { &*userdata1.cast::<MapState>() };
    let token = userdata2 as usize as u64;
    if status == sys::WGPUMapAsyncStatus_Success {
        map.state.record(token, true);
    } else {
        // SAFETY: the message lives during the call.
        let message = unsafe { string::to_string(message) };
        map.fail(token, Failure { status, message });
    }
}
