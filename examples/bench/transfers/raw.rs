//! The transfer rings' algorithm written on raw `webgpu.h` calls: the same chunks, lanes, depth, map mode
//! (`AllowSpontaneous`, as `Buffer::map_async` registers it) and waits as
//! `dawn::memory::{UploadRing, ReadbackRing}`, so that the two differ only by the Rust layer.

use anyhow::{bail, ensure};
use dawn::memory::TransferConfig;
use dawn_sys as sys;
use std::sync::atomic::{AtomicU32, Ordering};

/// Not yet called back.
const NO_STATUS: u32 = u32::MAX;
/// One wait slice, as `Pending::wait` uses.
const SLICE_NS: u64 = 1_000_000_000;

/// Raw handles shared by the lanes' threads.
#[derive(Clone, Copy)]
pub struct Handles {
    pub instance: sys::WGPUInstance,
    pub device: sys::WGPUDevice,
    pub queue: sys::WGPUQueue,
}

// SAFETY: the device was created with ImplicitDeviceSynchronization (by the safe API), so its handles may be
// used from any thread; the instance's waits are thread-safe.
unsafe impl Send for Handles {}
// SAFETY: as above.
unsafe impl Sync for Handles {}

/// A buffer handle the lanes' threads share (read through `get`, so that closures capture the wrapper).
#[derive(Clone, Copy)]
struct SharedBuffer(sys::WGPUBuffer);

// SAFETY: as for `Handles`.
unsafe impl Send for SharedBuffer {}
// SAFETY: as above.
unsafe impl Sync for SharedBuffer {}

impl SharedBuffer {
    fn get(self) -> sys::WGPUBuffer {
        self.0
    }
}

/// A persistent staging buffer and the status word its map callback writes.
struct Staging {
    buffer: sys::WGPUBuffer,
    /// Boxed: the callback holds its address while a map is under way.
    status: Box<AtomicU32>,
    future: Option<sys::WGPUFuture>,
    mapped: bool,
}

// SAFETY: as for `Handles`; the status word is atomic.
unsafe impl Send for Staging {}

unsafe extern "C" fn on_mapped(
    status: sys::WGPUMapAsyncStatus,
    _message: sys::WGPUStringView,
    userdata1: *mut std::ffi::c_void,
    _userdata2: *mut std::ffi::c_void,
) {
    // SAFETY: userdata1 is the status word of a staging buffer alive until its map resolved.
    unsafe { (*userdata1.cast::<AtomicU32>()).store(status, Ordering::Release) };
}

impl Staging {
    fn new(h: Handles, size: u64, usage: sys::WGPUBufferUsage) -> anyhow::Result<Staging> {
        let desc = sys::WGPUBufferDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: sys::WGPUStringView {
                data: std::ptr::null(),
                length: sys::WGPU_STRLEN,
            },
            usage,
            size,
            mappedAtCreation: 0,
        };
        // SAFETY: live device; the descriptor lives across the call.
        let buffer = unsafe { sys::wgpuDeviceCreateBuffer(h.device, &desc) };
        ensure!(!buffer.is_null(), "raw side: no staging buffer");
        Ok(Staging {
            buffer,
            status: Box::new(AtomicU32::new(NO_STATUS)),
            future: None,
            mapped: false,
        })
    }

    fn start_map(&mut self, mode: sys::WGPUMapMode, size: usize) {
        self.status.store(NO_STATUS, Ordering::Relaxed);
        let info = sys::WGPUBufferMapCallbackInfo {
            nextInChain: std::ptr::null_mut(),
            mode: sys::WGPUCallbackMode_AllowSpontaneous,
            callback: Some(on_mapped),
            userdata1: (&*self.status as *const AtomicU32).cast_mut().cast(),
            userdata2: std::ptr::null_mut(),
        };
        // SAFETY: live, unmapped buffer; the status word outlives the map (waited on before drop).
        self.future = Some(unsafe { sys::wgpuBufferMapAsync(self.buffer, mode, 0, size, info) });
    }

    /// Waits until mapped for `mode` (starting the map if none is under way), in timed slices.
    fn wait_mapped(
        &mut self,
        h: Handles,
        mode: sys::WGPUMapMode,
        size: usize,
    ) -> anyhow::Result<()> {
        if self.mapped {
            return Ok(());
        }
        if self.future.is_none() {
            self.start_map(mode, size);
        }
        self.wait(h)?;
        let status = self.status.load(Ordering::Acquire);
        ensure!(
            status == sys::WGPUMapAsyncStatus_Success,
            "raw side: map status {status}"
        );
        self.mapped = true;
        Ok(())
    }

    /// Waits for the map under way, if any, to call back (its callback done with the status word).
    fn wait(&mut self, h: Handles) -> anyhow::Result<()> {
        let Some(future) = self.future.take() else {
            return Ok(());
        };
        let mut info = sys::WGPUFutureWaitInfo {
            future,
            completed: 0,
        };
        for _ in 0..60 {
            // SAFETY: one valid wait info of this instance.
            match unsafe { sys::wgpuInstanceWaitAny(h.instance, 1, &mut info, SLICE_NS) } {
                sys::WGPUWaitStatus_Success if info.completed != 0 => {
                    // A spontaneous callback may still be running on another thread when the wait sees
                    // the map done: its status word is the sign that it is.
                    for _ in 0..1_000_000 {
                        if self.status.load(Ordering::Acquire) != NO_STATUS {
                            return Ok(());
                        }
                        std::thread::yield_now();
                    }
                    bail!("raw side: a completed map never called back")
                }
                sys::WGPUWaitStatus_Success | sys::WGPUWaitStatus_TimedOut => {}
                other => {
                    self.future = Some(future); // still due: the drop waits for it again
                    bail!("raw side: wgpuInstanceWaitAny failed with status {other}")
                }
            }
        }
        self.future = Some(future);
        bail!("raw side: a map took over 60 s")
    }

    fn unmap(&mut self) {
        // SAFETY: live buffer; no pointer into its mapping outlives this call.
        unsafe { sys::wgpuBufferUnmap(self.buffer) };
        self.mapped = false;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // SAFETY: live buffer, released once; no map is under way (`RawRing`'s drop waited for them).
        unsafe { sys::wgpuBufferRelease(self.buffer) };
    }
}

/// One lane per thread, each with up to `depth` staging buffers: the raw twin of the safe rings.
pub struct RawRing {
    handles: Handles,
    config: TransferConfig,
    usage: sys::WGPUBufferUsage,
    lanes: Vec<Vec<Staging>>,
}

impl RawRing {
    pub fn upload(handles: Handles, config: TransferConfig) -> RawRing {
        RawRing::new(
            handles,
            config,
            sys::WGPUBufferUsage_MapWrite | sys::WGPUBufferUsage_CopySrc,
        )
    }

    pub fn readback(handles: Handles, config: TransferConfig) -> RawRing {
        RawRing::new(
            handles,
            config,
            sys::WGPUBufferUsage_MapRead | sys::WGPUBufferUsage_CopyDst,
        )
    }

    fn new(handles: Handles, config: TransferConfig, usage: sys::WGPUBufferUsage) -> RawRing {
        RawRing {
            handles,
            config,
            usage,
            lanes: Vec::new(),
        }
    }

    /// Runs `lane` on each lane's chunks (chunk k to lane k % lanes), lane 0 on this thread.
    fn run<W: Send>(
        &mut self,
        items: Vec<W>,
        lane: impl Fn(&mut Lane<'_>, Vec<W>) -> anyhow::Result<()> + Sync,
    ) -> anyhow::Result<()> {
        let lanes = self.config.threads.min(items.len()).max(1);
        let mut dealt: Vec<Vec<W>> = (0..lanes).map(|_| Vec::new()).collect();
        for (k, item) in items.into_iter().enumerate() {
            dealt[k % lanes].push(item);
        }
        while self.lanes.len() < lanes {
            self.lanes.push(Vec::new());
        }
        let (handles, usage, config) = (self.handles, self.usage, self.config);
        let lane = &lane;
        std::thread::scope(|scope| {
            let mut all = self.lanes.iter_mut().zip(dealt).map(|(buffers, work)| {
                let lane_state = Lane {
                    handles,
                    usage,
                    size: config.chunk_bytes,
                    depth: config.depth,
                    buffers,
                };
                (lane_state, work)
            });
            let (mut first, first_work) = all.next().expect("at least one lane");
            let others: Vec<_> = all
                .map(|(mut l, w)| scope.spawn(move || lane(&mut l, w)))
                .collect();
            let mut result = lane(&mut first, first_work);
            for other in others {
                let outcome = other
                    .join()
                    .unwrap_or_else(|_| bail!("a raw lane panicked"));
                result = result.and(outcome);
            }
            result
        })
    }

    /// Copies `data` into `dst` at 0 (sizes multiples of 4).
    pub fn write(&mut self, dst: sys::WGPUBuffer, data: &[u8]) -> anyhow::Result<()> {
        let chunk = self.config.chunk_bytes as usize;
        let items: Vec<(u64, &[u8])> = data
            .chunks(chunk)
            .enumerate()
            .map(|(k, piece)| ((k * chunk) as u64, piece))
            .collect();
        let dst = SharedBuffer(dst);
        self.run(items, |lane, chunks| {
            let h = lane.handles;
            for (k, (to, piece)) in chunks.into_iter().enumerate() {
                let size = lane.size as usize;
                let slot = lane.slot(k)?;
                slot.wait_mapped(h, sys::WGPUMapMode_Write, size)?;
                // SAFETY: the buffer is mapped for writing over 0..size; the pointer is dropped before unmap.
                unsafe {
                    let ptr = sys::wgpuBufferGetMappedRange(slot.buffer, 0, size).cast::<u8>();
                    ensure!(!ptr.is_null(), "raw side: no mapped range");
                    std::ptr::copy_nonoverlapping(piece.as_ptr(), ptr, piece.len());
                }
                slot.unmap();
                // SAFETY: live handles; every object made here is released once after its last use.
                unsafe {
                    let encoder = sys::wgpuDeviceCreateCommandEncoder(h.device, std::ptr::null());
                    sys::wgpuCommandEncoderCopyBufferToBuffer(
                        encoder,
                        slot.buffer,
                        0,
                        dst.get(),
                        to,
                        piece.len() as u64,
                    );
                    let commands = sys::wgpuCommandEncoderFinish(encoder, std::ptr::null());
                    sys::wgpuCommandEncoderRelease(encoder);
                    sys::wgpuQueueSubmit(h.queue, 1, &commands);
                    sys::wgpuCommandBufferRelease(commands);
                }
                slot.start_map(sys::WGPUMapMode_Write, size);
            }
            Ok(())
        })
    }

    /// Fills `out` from `src` at 0 (sizes multiples of 4).
    pub fn read(&mut self, src: sys::WGPUBuffer, out: &mut [u8]) -> anyhow::Result<()> {
        let chunk = self.config.chunk_bytes as usize;
        let items: Vec<(u64, &mut [u8])> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(k, piece)| ((k * chunk) as u64, piece))
            .collect();
        let src = SharedBuffer(src);
        self.run(items, |lane, mut chunks| {
            let h = lane.handles;
            let (size, depth) = (lane.size as usize, lane.depth);
            let issue = |slot: &mut Staging, from: u64, len: usize| {
                // SAFETY: live handles, the staging buffer unmapped; objects released after their last use.
                unsafe {
                    let encoder = sys::wgpuDeviceCreateCommandEncoder(h.device, std::ptr::null());
                    sys::wgpuCommandEncoderCopyBufferToBuffer(
                        encoder,
                        src.get(),
                        from,
                        slot.buffer,
                        0,
                        len as u64,
                    );
                    let commands = sys::wgpuCommandEncoderFinish(encoder, std::ptr::null());
                    sys::wgpuCommandEncoderRelease(encoder);
                    sys::wgpuQueueSubmit(h.queue, 1, &commands);
                    sys::wgpuCommandBufferRelease(commands);
                }
                slot.start_map(sys::WGPUMapMode_Read, size);
            };
            for (k, (from, piece)) in chunks.iter().enumerate().take(depth) {
                issue(lane.slot(k)?, *from, piece.len());
            }
            for k in 0..chunks.len() {
                let slot = lane.slot(k)?;
                slot.wait_mapped(h, sys::WGPUMapMode_Read, size)?;
                let piece = &mut chunks[k].1;
                // SAFETY: mapped for reading over 0..size; the pointer is dropped before unmap.
                unsafe {
                    let ptr = sys::wgpuBufferGetConstMappedRange(slot.buffer, 0, size).cast::<u8>();
                    ensure!(!ptr.is_null(), "raw side: no mapped range");
                    std::ptr::copy_nonoverlapping(ptr, piece.as_mut_ptr(), piece.len());
                }
                slot.unmap();
                if let Some((from, piece)) = chunks.get(k + depth) {
                    issue(slot, *from, piece.len());
                }
            }
            Ok(())
        })
    }
}

impl Drop for RawRing {
    /// Lets every map under way call back before the status words it writes are freed.
    fn drop(&mut self) {
        for staging in self.lanes.iter_mut().flatten() {
            let _ = staging.wait(self.handles);
        }
    }
}

/// One lane's staging buffers.
struct Lane<'a> {
    handles: Handles,
    usage: sys::WGPUBufferUsage,
    size: u64,
    depth: usize,
    buffers: &'a mut Vec<Staging>,
}

impl Lane<'_> {
    fn slot(&mut self, k: usize) -> anyhow::Result<&mut Staging> {
        let index = k % self.depth;
        while self.buffers.len() <= index {
            let staging = Staging::new(self.handles, self.size, self.usage)?;
            self.buffers.push(staging);
        }
        Ok(&mut self.buffers[index])
    }
}
