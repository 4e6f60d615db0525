//! Busy GPU work, so that tests can have operations still pending when they look: an idle buffer's map
//! completes inside `map_async` (maps use spontaneous callbacks), a buffer in use by queued work does not.

use crate::{Gpu, WAIT};
use dawn::{
    BindGroupDescriptor, BindGroupEntry, Buffer, BufferInitDescriptor, BufferUsage,
    ComputePipelineDescriptor, ShaderModuleDescriptor,
};
use std::time::{Duration, Instant};

/// A kernel that keeps the device busy: `iters` rounds of an LCG per element. `submit_busy_work` repeats it
/// in one pass as often as this device needs to stay busy for at least `BUSY_AT_LEAST`.
const BUSY: &str = "
override iters: u32;
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    var x = data[id.x];
    for (var i = 0u; i < iters; i++) {
        x = x * 1664525u + 1013904223u;
    }
    data[id.x] = x;
}
";
/// Elements of a busy buffer.
pub const BUSY_LEN: u32 = 4096;
const BUSY_ITERS: u32 = 200_000;

const BUSY_AT_LEAST: Duration = Duration::from_millis(300);

/// Element `x` of a busy buffer after `iters` rounds.
pub fn lcg(x: u32, iters: u64) -> u32 {
    crate::lcg_rounds(x, iters)
}

/// How many busy dispatches keep this device busy for `BUSY_AT_LEAST` ([`repeats_lasting`]; measured once
/// per test process). A fast GPU needs hundreds, lavapipe one or two.
pub fn busy_repeats(gpu: &Gpu) -> u32 {
    static REPEATS: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *REPEATS.get_or_init(|| {
        // Warm-up, untimed: lavapipe compiles the pipeline inside its first dispatch.
        let (data, _) = submit_busy(gpu, 1);
        gpu.queue
            .on_submitted_work_done()
            .wait_timeout(WAIT)
            .unwrap();
        drop(data);
        repeats_lasting(BUSY_AT_LEAST, 1 << 16, |repeats| {
            let (data, submitted) = submit_busy(gpu, repeats);
            gpu.queue
                .on_submitted_work_done()
                .wait_timeout(WAIT)
                .unwrap();
            drop(data);
            // Only the dispatches count, not the setup before them.
            submitted.elapsed()
        })
    })
}

/// The smallest power of two `n` (up to `max`) for which `run(n)`, the wall time of `n` units of GPU work,
/// reaches `at_least` three times in a row. A time measured while this thread waited for a CPU (a loaded
/// machine: the soak runs many test binaries at once) is longer than the work, and one such reading
/// would leave the work too short for every test of the process; the shortest of three is seldom off.
pub fn repeats_lasting(at_least: Duration, max: u32, mut run: impl FnMut(u32) -> Duration) -> u32 {
    let mut n = 1;
    while n < max && !(0..3).all(|_| run(n) >= at_least) {
        n *= 2;
    }
    n
}

/// Attempts a caller makes at busy work that is still running when it looks (`submit_busy_work`).
pub const BUSY_ATTEMPTS: u32 = 6;

/// Submits busy work lasting at least `BUSY_AT_LEAST` (times `2^attempt`) over a fresh buffer (element i
/// starts as i); returns the buffer and the total LCG rounds each element goes through. A caller that needs
/// the work still running when it looks retries with the next attempt (up to `BUSY_ATTEMPTS`): lavapipe
/// sometimes runs submitted work inside `submit` itself, and a calibration made while other processes
/// shared the GPU can come out short.
pub fn submit_busy_work(gpu: &Gpu, attempt: u32) -> (Buffer, u64) {
    let repeats = busy_repeats(gpu) << attempt;
    (
        submit_busy(gpu, repeats).0,
        BUSY_ITERS as u64 * repeats as u64,
    )
}

/// Submits `repeats` dispatches of the busy kernel over a fresh buffer; returns it and the time of the submit.
pub fn submit_busy(gpu: &Gpu, repeats: u32) -> (Buffer, Instant) {
    let initial: Vec<u32> = (0..BUSY_LEN).collect();
    let data = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "busy",
            contents: dawn::bytemuck::cast_slice(&initial),
            usage: BufferUsage::Storage | BufferUsage::CopySrc,
        })
        .unwrap();
    let module = gpu
        .device
        .create_shader_module_checked(&ShaderModuleDescriptor {
            label: "busy",
            code: BUSY,
        })
        .unwrap();
    let pipeline = gpu
        .device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "busy",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[("iters", BUSY_ITERS as f64)],
        });
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "busy",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[BindGroupEntry::buffer(0, &data)],
    });
    // Make sure setup work is done, so that only the busy kernel is in flight.
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        for _ in 0..repeats {
            pass.dispatch_workgroups(BUSY_LEN / 64, 1, 1);
        }
    }
    let submitted = Instant::now();
    gpu.queue.submit(&[encoder.finish()]);
    (data, submitted)
}

impl Gpu {
    /// A `MapRead | CopyDst` buffer holding `data`, written by a copy queued behind busy work (see
    /// [`write_after_busy_work`](Gpu::write_after_busy_work)): a map of it stays pending meanwhile.
    pub fn busy_readable(&self, data: &[u32]) -> Buffer {
        let dst = self.buffer(
            (data.len() * 4) as u64,
            BufferUsage::MapRead | BufferUsage::CopyDst,
        );
        self.write_after_busy_work(&dst, data);
        dst
    }

    /// Writes `data` at the start of `dst` (which needs `CopyDst`) by a copy queued behind busy work lasting
    /// at least `BUSY_AT_LEAST`: a map of `dst` stays pending until that work is done. It resubmits, longer
    /// each time (see [`submit_busy_work`]), until the work is still running when it returns.
    pub fn write_after_busy_work(&self, dst: &Buffer, data: &[u32]) {
        let src = self.buffer(
            (data.len() * 4) as u64,
            BufferUsage::CopySrc | BufferUsage::CopyDst,
        );
        self.queue
            .write_buffer(&src, 0, data)
            .expect("write_buffer");
        for attempt in 0..BUSY_ATTEMPTS {
            let (busy, _) = submit_busy_work(self, attempt);
            let mut encoder = self.device.create_command_encoder(&Default::default());
            // Reads the busy buffer first, so that the copy waits for the busy work.
            encoder.copy_buffer_to_buffer(&busy, 0, dst, 0, 4);
            encoder.copy_buffer_to_buffer(&src, 0, dst, 0, src.size());
            self.queue.submit(&[encoder.finish()]);
            if !self.queue.on_submitted_work_done().is_ready() {
                return;
            }
        }
        panic!("in {BUSY_ATTEMPTS} submissions the busy work was never still running");
    }
}
