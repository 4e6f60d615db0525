//! A device's lifecycle: the destroy gate every Dawn call on the device passes, the handshake that keeps
//! mapped memory and in-flight buffer calls apart from a destroy, and the count of open encoders.
//!
//! Dawn's `wgpuDeviceDestroy` is not synchronized with most other calls on the device's objects from other
//! threads (creations, submits, releases, an unmap: RELIABILITY.md lists the crashes and hangs). So:
//! - every such call holds the gate shared for its one Dawn call ([`Lifecycle::gate`]): the raw device is
//!   reachable only through [`Device::gate`](crate::Device), and object releases take it in
//!   [`DeviceChild`](crate::handle::DeviceChild)'s `Drop`;
//! - `destroy` and `force_loss` hold it exclusively ([`Lifecycle::close`]);
//! - buffer maps, unmaps and views, the hot path, skip the gate: each changes its buffer's own state, then
//!   checks [`Lifecycle::is_closing`]; a destroy counts itself closing, then asks every mappable buffer
//!   ([`Mappable`]) for its views and waits for its calls. One of the two always sees the other (both
//!   sides use `SeqCst`).

use crate::instance::driver_teardown;
use crate::{Error, Result};
use parking_lot::{Mutex, RwLock, RwLockReadGuard};
use std::cell::Cell;
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};

/// What a destroy must know of a buffer that can be mapped.
pub(crate) trait Mappable: Send + Sync {
    /// Mapped views alive (a destroy is refused while any is: it would unmap the memory they read).
    fn live_views(&self) -> u64;
    /// Whether none of the buffer's map or unmap calls is inside Dawn (none starts once closing is seen).
    fn idle(&self) -> bool;
    /// The token of the buffer's map if one is pending.
    fn pending_map(&self) -> Option<u64>;
    /// Marks map `token` as failed by the destroy or loss about to happen (its success, if Dawn reports
    /// one, is read as the loss).
    fn abort(&self, token: u64);
}

thread_local! {
    /// The lifecycle whose destroy runs on this thread: a callback Dawn runs inside that destroy (a map
    /// aborted, the device lost) may release objects, and must not wait for the gate its own thread holds.
    static CLOSING_HERE: Cell<*const Lifecycle> = const { Cell::new(std::ptr::null()) };
}

/// A shared hold of the destroy gate for one Dawn call (nothing held once the device is lost).
#[must_use]
pub(crate) struct Gate<'a>(#[allow(dead_code)] Option<RwLockReadGuard<'a, ()>>);

#[derive(Default)]
pub(crate) struct Lifecycle {
    gate: RwLock<()>,
    lost: AtomicBool,
    /// Destroy or force-loss calls in progress.
    closing: AtomicUsize,
    /// Command encoders not yet finished or dropped; `close` is refused while any is (Dawn does not
    /// synchronize recording with a destroy).
    encoders: AtomicUsize,
    /// The device's buffers that can be mapped (dead entries are pruned as the list grows).
    mappables: Mutex<Vec<Weak<dyn Mappable>>>,
}

impl Lifecycle {
    /// Holds the gate shared for one Dawn call.
    #[inline]
    pub(crate) fn gate(&self) -> Gate<'_> {
        driver_teardown::enter();
        if self.is_lost() {
            return Gate(None);
        }
        // Recursive: an uncaptured-error handler may call back in while this thread holds the gate, and a
        // plain read would then wait behind a queued destroy.
        if let Some(guard) = self.gate.try_read_recursive() {
            return Gate(Some(guard));
        }
        if self.closing_here() {
            return Gate(None);
        }
        Gate(Some(self.gate.read_recursive()))
    }

    #[inline]
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Acquire)
    }

    /// Marks the device lost (its lost callback ran, or a destroy finished).
    pub(crate) fn set_lost(&self) {
        self.lost.store(true, Release);
    }

    #[inline]
    pub(crate) fn check_alive(&self) -> Result<()> {
        driver_teardown::enter();
        if self.is_lost() {
            return Err(Error::device_lost());
        }
        Ok(())
    }

    /// Whether a destroy or force-loss is in progress (see the module docs).
    #[inline]
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(SeqCst) > 0
    }

    /// Waits until no destroy or force-loss is in progress (a buffer call that met one backs off and
    /// retries); refused on the thread running it (a callback Dawn calls inside the destroy).
    #[cold]
    pub(crate) fn settle(&self) -> Result<()> {
        if self.closing_here() {
            return Err(Error::new(
                crate::ErrorKind::DeviceLost,
                "the device is being destroyed on this thread",
            ));
        }
        while self.is_closing() {
            std::thread::yield_now();
        }
        Ok(())
    }

    /// Whether this thread is running the device's destroy (inside a callback Dawn calls from it).
    pub(crate) fn closing_here(&self) -> bool {
        std::ptr::eq(CLOSING_HERE.get(), self)
    }

    /// Lists a buffer that can be mapped, for `close` to ask.
    pub(crate) fn register(&self, buffer: Weak<dyn Mappable>) {
        let mut list = self.mappables.lock();
        if list.len() == list.capacity() {
            list.retain(|b| b.strong_count() > 0);
        }
        list.push(buffer);
    }

    /// Runs `end` (Dawn's destroy or force-loss) with the gate held exclusively, unless a mapped view is
    /// alive or an encoder is recording; returns why not. A device already lost is left as it is.
    pub(crate) fn close(&self, what: &str, end: impl FnOnce()) -> Result<()> {
        if self.is_lost() {
            return Ok(());
        }
        self.closing.fetch_add(1, SeqCst);
        let result = self.close_counted(end);
        self.closing.fetch_sub(1, SeqCst);
        result.map_err(|why| Error::invalid_use(format!("cannot {what} the device while {why}")))
    }

    fn close_counted(&self, end: impl FnOnce()) -> std::result::Result<(), String> {
        // No view opens and no buffer call enters Dawn from now on (they check `closing`).
        let buffers: Vec<_> = self
            .mappables
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        // The maps pending as the destroy is called: they fail, however the destroy's wait for the GPU
        // lets Dawn end them (see `Device::destroy`).
        let pending: Vec<_> = buffers.iter().map(|b| b.pending_map()).collect();
        let views: u64 = buffers.iter().map(|b| b.live_views()).sum();
        if views > 0 {
            return Err(format!(
                "{views} mapped buffer view(s) are alive; drop them first"
            ));
        }
        // Before taking the gate: an error handler that Dawn runs inside a buffer call may create objects.
        for buffer in &buffers {
            while !buffer.idle() {
                std::thread::yield_now();
            }
        }
        let gate = self.gate.write();
        // Encoders count themselves under a shared gate, so with the gate held the count can only fall.
        let outcome = match self.encoders.load(SeqCst) {
            0 => {
                for (buffer, token) in buffers.iter().zip(&pending) {
                    if let Some(token) = *token {
                        buffer.abort(token);
                    }
                }
                let outer = CLOSING_HERE.replace(self);
                driver_teardown::exclusive(end);
                CLOSING_HERE.set(outer);
                self.set_lost();
                Ok(())
            }
            encoders => Err(format!(
                "{encoders} encoder(s) are recording (command encoders or render bundle encoders); finish or drop them first"
            )),
        };
        drop(gate);
        // Released only now: the last reference to a buffer, released under the gate, would wait for it.
        drop(buffers);
        outcome
    }

    /// Counts a new command encoder (call with the gate held, so that a destroy sees it).
    pub(crate) fn open_encoder(&self) {
        self.encoders.fetch_add(1, SeqCst);
    }

    pub(crate) fn close_encoder(&self) {
        self.encoders.fetch_sub(1, SeqCst);
    }
}
