//! Error scopes: [`ErrorScope`] guards, [`Device::scoped`] and [`Device::try_scoped`].

use crate::future::{self, Pending, Slot, callback_info};
use crate::{Device, Error, ErrorFilter, Result, string};
use dawn_sys as sys;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::thread::ThreadId;

/// A scope pushed through a guard (Dawn keeps one scope stack per thread and pops that thread's innermost
/// scope whatever guard asks, so only the innermost guard of its thread may pop).
pub(crate) struct PushedScope {
    thread: ThreadId,
    id: u64,
    /// Its guard was dropped while it was not the innermost: pop it once the scopes inside it are.
    abandoned: bool,
}

/// An error scope pushed by [`Device::push_error_scope`]. Pop it with [`pop`](ErrorScope::pop) to learn
/// whether an error of its filter happened; dropping it pops it and ignores the result.
///
/// Not `Send`: Dawn keeps one scope stack per thread, so a scope is popped on the thread that pushed it.
#[must_use = "dropping an ErrorScope pops it at once"]
pub struct ErrorScope<'d> {
    device: &'d Device,
    id: u64,
    popped: bool,
    _not_send: PhantomData<*const ()>,
}

impl ErrorScope<'_> {
    /// Pops the scope: resolves to `Ok(())` if no error of its filter happened, else to the first one it
    /// caught. Scopes pop innermost first: popping a scope that has an inner scope still pushed resolves
    /// to [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) (the scope is then popped when the guard
    /// drops and it becomes the innermost).
    #[doc(alias = "wgpuDevicePopErrorScope")]
    pub fn pop(mut self) -> Pending<()> {
        match self.device.pop_scope_of(self.id) {
            Some(pending) => {
                self.popped = true;
                pending
            }
            None => Pending::ready(Err(Error::invalid_use(
                "error scopes must be popped innermost first; an inner scope is still pushed",
            ))),
        }
    }
}

impl Drop for ErrorScope<'_> {
    /// Pops the scope (ignoring what it caught) if it is the innermost; otherwise marks it, and it is popped
    /// as soon as the scopes inside it are.
    fn drop(&mut self) {
        if self.popped {
            return;
        }
        match self.device.pop_scope_of(self.id) {
            Some(pending) => drop(pending),
            None => {
                let mut scopes = self.device.state().scopes.lock();
                if let Some(scope) = scopes.iter_mut().find(|s| s.id == self.id) {
                    scope.abandoned = true;
                }
            }
        }
    }
}

impl Device {
    /// Pushes an error scope; the returned guard pops it ([`ErrorScope::pop`], or on drop).
    #[doc(alias = "wgpuDevicePushErrorScope")]
    pub fn push_error_scope(&self, filter: ErrorFilter) -> ErrorScope<'_> {
        let state = self.state();
        let id = state
            .next_scope
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut scopes = state.scopes.lock();
        let gate = self.gate();
        // SAFETY: live device.
        unsafe { sys::wgpuDevicePushErrorScope(gate.raw(), filter.0) };
        scopes.push(PushedScope {
            thread: std::thread::current().id(),
            id,
            abandoned: false,
        });
        ErrorScope {
            device: self,
            id,
            popped: false,
            _not_send: PhantomData,
        }
    }

    /// Pops guard `id`'s scope if it is the innermost (then also the abandoned scopes it uncovers); `None`
    /// when it is not the innermost.
    fn pop_scope_of(&self, id: u64) -> Option<Pending<()>> {
        let thread = std::thread::current().id();
        let mut scopes = self.state().scopes.lock();
        let innermost = |scopes: &Vec<PushedScope>| scopes.iter().rposition(|s| s.thread == thread);
        let top = innermost(&scopes).filter(|&i| scopes[i].id == id)?;
        scopes.remove(top);
        let pending = self.pop_error_scope();
        while let Some(i) = innermost(&scopes).filter(|&i| scopes[i].abandoned) {
            scopes.remove(i);
            drop(self.pop_error_scope());
        }
        Some(pending)
    }

    fn pop_error_scope(&self) -> Pending<()> {
        if let Err(e) = self.state().lifecycle.check_alive() {
            return Pending::ready(Err(e));
        }
        let slot = Slot::<()>::new();
        let info = callback_info!(
            WGPUPopErrorScopeCallbackInfo,
            on_pop_error_scope,
            slot,
            std::ptr::null_mut()
        );
        let gate = self.gate();
        // SAFETY: live device; the callback takes its userdata back.
        let future = unsafe { sys::wgpuDevicePopErrorScope(gate.raw(), info) };
        Pending::new(self.instance(), future, slot)
    }

    /// Runs `f` inside validation, out-of-memory and internal error scopes and returns its value, or the
    /// first error Dawn reported while it ran (the innermost scope's first: validation, then out of
    /// memory, then internal).
    ///
    /// Dawn keeps one error-scope stack per thread, so `scoped` calls on different threads do not see each
    /// other's errors (an error lands in the scopes of the thread whose call made it). Each call pushes
    /// and pops three scopes and waits for the pops: scope a batch of calls rather than each one.
    ///
    /// ```
    /// # let instance = dawn::Instance::new()?;
    /// # let adapter = instance.request_adapter(&Default::default()).wait()?;
    /// # let device = adapter.request_device(&Default::default()).wait()?;
    /// let result = device.scoped(|d| d.create_shader_module(&dawn::ShaderModuleDescriptor {
    ///     label: "broken",
    ///     code: "fn main( {",
    /// }));
    /// assert_eq!(result.unwrap_err().kind(), dawn::ErrorKind::Validation);
    /// # Ok::<(), dawn::Error>(())
    /// ```
    pub fn scoped<T>(&self, f: impl FnOnce(&Device) -> T) -> Result<T> {
        self.try_scoped(|d| Ok(f(d)))
    }

    /// [`scoped`](Device::scoped) for a closure that returns a `Result` itself: its error and the scopes'
    /// come out on one channel (the closure's first, then the scopes').
    pub fn try_scoped<T>(&self, f: impl FnOnce(&Device) -> Result<T>) -> Result<T> {
        self.state().lifecycle.check_alive()?;
        let internal = self.push_error_scope(ErrorFilter::Internal);
        let out_of_memory = self.push_error_scope(ErrorFilter::OutOfMemory);
        let validation = self.push_error_scope(ErrorFilter::Validation);
        let value = f(self);
        // Pop all three (innermost first) before waiting on any.
        let pops = [validation.pop(), out_of_memory.pop(), internal.pop()];
        let mut caught = None;
        for pop in pops {
            if let Err(error) = pop.wait() {
                caught.get_or_insert(error);
            }
        }
        match (value, caught) {
            (Err(error), _) | (Ok(_), Some(error)) => Err(error),
            (Ok(value), None) => Ok(value),
        }
    }
}

unsafe extern "C" fn on_pop_error_scope(
    status: sys::WGPUPopErrorScopeStatus,
    ty: sys::WGPUErrorType,
    message: sys::WGPUStringView,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the slot `pop_error_scope` registered; the message lives during the call.
    unsafe {
        future::complete::<()>(userdata1, || {
            let message = string::to_string(message);
            match status {
                sys::WGPUPopErrorScopeStatus_Success if ty == sys::WGPUErrorType_NoError => Ok(()),
                sys::WGPUPopErrorScopeStatus_Success => Err(Error::from_error_type(ty, message)),
                sys::WGPUPopErrorScopeStatus_CallbackCancelled => Err(future::cancelled(message)),
                _ => Err(Error::invalid_use(format!(
                    "popping the error scope failed: {message}"
                ))),
            }
        })
    }
}
