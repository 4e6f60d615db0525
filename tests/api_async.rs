//! `Pending` as a std `Future`, driven by a tiny std-only `block_on` (a thread-parking waker that polls
//! again only when woken, so a future that never wakes its task fails the test): awaiting
//! `request_adapter`, `request_device`, `map_async`, `on_submitted_work_done`; a task parked on long GPU
//! work is woken (not left to its park timeout); `wait_timeout(Duration::ZERO)` on unfinished work gives
//! `ErrorKind::Timeout` and a later wait succeeds; dropping a `Pending` early is safe and the buffer can be
//! unmapped and mapped again; a map cancelled by `unmap` fails with a typed error.

use dawn::{
    Buffer, BufferDescriptor, BufferInitDescriptor, BufferMapState, BufferUsage, DeviceDescriptor,
    ErrorKind, Instance, MapMode, RequestAdapterOptions,
};
use dawn_suite::{Gpu, WAIT, assert_err};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Wakes by unparking the blocked thread, and counts the wakes.
struct ParkWaker {
    thread: Thread,
    wakes: AtomicUsize,
}

impl Wake for ParkWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// How a `block_on` went.
#[derive(Debug)]
struct Run {
    polls: usize,
    wakes: usize,
}

/// How long a pending future may go unwoken before the test fails.
const WAKE_WITHIN: Duration = Duration::from_secs(20);

/// Polls `future` to completion on this thread, parking between polls. It polls again only once woken (a
/// wake during a poll counts): a future that stays pending without waking its task for `WAKE_WITHIN` fails
/// the test, so these tests fail if the crate never calls the wakers it is given.
fn block_on<F: Future>(future: F) -> (F::Output, Run) {
    let mut future = std::pin::pin!(future);
    let waker = Arc::new(ParkWaker {
        thread: std::thread::current(),
        wakes: AtomicUsize::new(0),
    });
    let task_waker = Waker::from(waker.clone());
    let mut cx = Context::from_waker(&task_waker);
    let mut polls = 0;
    loop {
        polls += 1;
        let wakes_before = waker.wakes.load(Ordering::SeqCst);
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (
                output,
                Run {
                    polls,
                    wakes: waker.wakes.load(Ordering::SeqCst),
                },
            );
        }
        // Park until woken; `park` may also return spuriously, which is not a wake.
        let deadline = Instant::now() + WAKE_WITHIN;
        while waker.wakes.load(Ordering::SeqCst) == wakes_before {
            let now = Instant::now();
            assert!(
                now < deadline,
                "the future stayed pending and was not woken within {WAKE_WITHIN:?} (poll {polls})"
            );
            std::thread::park_timeout(deadline - now);
        }
    }
}

/// Both futures, polled in turn until both are done (a two-task join on one waker).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(|cx| {
        if out_a.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            out_a = Some(v);
        }
        if out_b.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            out_b = Some(v);
        }
        match (out_a.is_some(), out_b.is_some()) {
            (true, true) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    })
    .await;
    (out_a.unwrap(), out_b.unwrap())
}

use dawn_suite::busy::{BUSY_ATTEMPTS, BUSY_LEN, lcg, submit_busy_work};

/// Submits a copy of `data` into a new MapRead staging buffer, and returns that buffer.
fn submit_copy_to_staging(gpu: &Gpu, data: &Buffer) -> Buffer {
    let staging = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "staging",
            size: data.size(),
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })
        .unwrap();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(data, 0, &staging, 0, data.size());
    gpu.queue.submit(&[encoder.finish()]);
    staging
}

/// Checks the mapped result of the busy work in `staging` (through a view), then unmaps it.
fn check_busy_result(staging: &Buffer, rounds: u64) {
    let view = staging.get_mapped_range(..).unwrap();
    let values = view.typed::<u32>().unwrap();
    assert_eq!(values.len(), BUSY_LEN as usize);
    for i in [0u32, 1, 63, 64, 2047, BUSY_LEN - 1] {
        assert_eq!(values[i as usize], lcg(i, rounds), "element {i}");
    }
    drop(view);
    staging.unmap().unwrap();
}

#[test]
fn await_adapter_device_map_and_work_done() {
    let instance = Instance::new().unwrap();
    let (result, run) = block_on(async {
        let adapter = instance
            .request_adapter(&RequestAdapterOptions::default())
            .await?;
        let device = adapter
            .request_device(&DeviceDescriptor {
                label: "async",
                ..Default::default()
            })
            .await?;
        let queue = device.queue();
        let src = device.create_buffer_init(&BufferInitDescriptor {
            label: "src",
            contents: bytemuck::cast_slice(&[10u32, 20, 30, 40]),
            usage: BufferUsage::CopySrc,
        })?;
        let dst = device.create_buffer(&BufferDescriptor {
            label: "dst",
            size: 16,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&src, 4, &dst, 0, 12);
        queue.submit(&[encoder.finish()]);
        queue.on_submitted_work_done().await?;
        dst.map_async(MapMode::Read, ..).await?;
        let values = dst.get_mapped_range(..)?.typed::<u32>()?.to_vec();
        dst.unmap()?;
        Ok::<_, dawn::Error>(values)
    });
    assert_eq!(result.unwrap(), [20, 30, 40, 0]);
    // Every poll after the first followed a wake (`block_on` polls only then).
    println!("{run:?}");
    assert!(run.polls <= run.wakes + 1, "{run:?}");
}

#[test]
fn a_task_awaiting_only_a_map_is_woken() {
    let gpu = Gpu::new();
    // A map of busy work's result is the task's one future: only the map can wake it (resubmitted, longer
    // each time, until the map is still pending at the first poll).
    let (rounds, staging, run) = (0..BUSY_ATTEMPTS)
        .map(|attempt| {
            let (data, rounds) = submit_busy_work(&gpu, attempt);
            let staging = submit_copy_to_staging(&gpu, &data);
            let (mapped, run) = block_on(staging.map_async(MapMode::Read, ..));
            mapped.unwrap();
            (rounds, staging, run)
        })
        .find(|(_, _, run)| run.polls >= 2)
        .expect("the map was never pending at the first poll");
    println!("{run:?}");
    assert!(run.wakes >= 1, "{run:?}");
    check_busy_result(&staging, rounds);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn two_futures_awaited_together_are_both_woken() {
    let gpu = Gpu::new();
    // A map of busy work's result and the work's own completion, awaited at once in one task: each must
    // wake the task when it completes (resubmitted, longer each time, until the work is still running at
    // the first poll; see `a_task_waiting_on_long_work_is_woken`).
    let (rounds, staging, run) = (0..BUSY_ATTEMPTS)
        .map(|attempt| {
            let (data, rounds) = submit_busy_work(&gpu, attempt);
            let staging = submit_copy_to_staging(&gpu, &data);
            let ((mapped, done), run) = block_on(join(
                staging.map_async(MapMode::Read, ..),
                gpu.queue.on_submitted_work_done(),
            ));
            mapped.unwrap();
            done.unwrap();
            (rounds, staging, run)
        })
        .find(|(_, _, run)| run.polls >= 2)
        .expect("the busy work was never pending at the first poll");
    println!("{run:?}");
    assert!(run.wakes >= 1, "{run:?}");
    check_busy_result(&staging, rounds);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn a_task_waiting_on_long_work_is_woken() {
    let gpu = Gpu::new();
    // Lavapipe sometimes runs submitted work inside `submit` itself under load, so the future may already
    // be done at its first poll; submit again, longer each time, until a task really has to wait.
    let (data, rounds, run, elapsed) = (0..BUSY_ATTEMPTS)
        .map(|attempt| {
            let (data, rounds) = submit_busy_work(&gpu, attempt);
            let start = Instant::now();
            let (done, run) = block_on(gpu.queue.on_submitted_work_done());
            done.unwrap();
            (data, rounds, run, start.elapsed())
        })
        .find(|(_, _, run, _)| run.polls >= 2)
        .expect("the busy work was never pending at the first poll");
    println!("busy work took {elapsed:?}: {run:?}");
    // Pending on the first poll (the work takes a while), then woken by the event pump, not by the timeout.
    assert!(run.wakes >= 1, "{run:?}");
    assert!(elapsed < WAIT / 2, "{elapsed:?}");
    // The map of the result, awaited the same way.
    let staging = submit_copy_to_staging(&gpu, &data);
    let (mapped, _) = block_on(staging.map_async(MapMode::Read, ..));
    mapped.unwrap();
    check_busy_result(&staging, rounds);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn wait_timeout_zero_then_a_later_wait_succeeds() {
    let gpu = Gpu::new();
    // Busy work and a copy of its result; resubmitted, longer each time, while lavapipe happens to run
    // the work inside `submit` (see `a_task_waiting_on_long_work_is_woken`), until it is still running.
    let (rounds, staging, mut done) = (0..BUSY_ATTEMPTS)
        .map(|attempt| {
            let (data, rounds) = submit_busy_work(&gpu, attempt);
            let staging = submit_copy_to_staging(&gpu, &data);
            (rounds, staging, gpu.queue.on_submitted_work_done())
        })
        .find(|(_, _, done)| !done.is_ready())
        .expect("the busy work was never still running");
    let mut map = staging.map_async(MapMode::Read, ..);
    assert_err(done.wait_timeout(Duration::ZERO), ErrorKind::Timeout);
    assert_err(map.wait_timeout(Duration::ZERO), ErrorKind::Timeout);
    assert_eq!(staging.map_state(), BufferMapState::Pending);
    // Waiting again, with a real timeout, succeeds; so does a zero wait afterwards.
    done.wait_timeout(WAIT).unwrap();
    map.wait_timeout(WAIT).unwrap();
    assert!(done.is_ready() && map.is_ready());
    // The result was handed out once.
    assert_err(done.wait_timeout(Duration::ZERO), ErrorKind::InvalidUse);
    assert!(format!("{map:?}").contains("ready: true"), "{map:?}");
    check_busy_result(&staging, rounds);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn dropping_a_pending_map_early_is_safe() {
    let gpu = Gpu::new();
    // Busy: its maps stay pending until the busy work is done.
    let b = gpu.busy_readable(&[1u32, 2, 3, 4, 5, 6, 7, 8]);
    // Dropped before completion, then unmapped (aborting it), then mapped again.
    drop(b.map_async(MapMode::Read, ..));
    assert_eq!(b.map_state(), BufferMapState::Pending);
    b.unmap().unwrap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    assert_eq!(
        b.get_mapped_range(..).unwrap().typed::<u32>().unwrap(),
        [1, 2, 3, 4, 5, 6, 7, 8]
    );
    b.unmap().unwrap();
    // Dropped, then left to complete on its own: the buffer ends up mapped and usable.
    gpu.write_after_busy_work(&b, &[1, 2, 3, 4, 5, 6, 7, 8]);
    drop(b.map_async(MapMode::Read, 8..24));
    assert_eq!(b.map_state(), BufferMapState::Pending);
    gpu.queue
        .on_submitted_work_done()
        .wait_timeout(WAIT)
        .unwrap();
    gpu.instance.process_events();
    let deadline = Instant::now() + WAIT;
    while b.map_state() != BufferMapState::Mapped {
        assert!(Instant::now() < deadline, "the dropped map never completed");
        gpu.instance.process_events();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        b.get_mapped_range(8..24).unwrap().typed::<u32>().unwrap(),
        [3, 4, 5, 6]
    );
    b.unmap().unwrap();
    b.map_async(MapMode::Read, ..).wait_timeout(WAIT).unwrap();
    b.unmap().unwrap();
    // A dropped future: polled once, then dropped.
    {
        let mut pending = Box::pin(b.map_async(MapMode::Read, ..));
        let waker = Waker::noop();
        let _ = pending.as_mut().poll(&mut Context::from_waker(waker));
    }
    b.unmap().unwrap();
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn unmap_before_the_map_completes_fails_the_map() {
    let gpu = Gpu::new();
    let b = gpu.busy_readable(&[1, 2, 3, 4]);
    let mut pending = b.map_async(MapMode::Read, ..);
    b.unmap().unwrap();
    let error = pending.wait_timeout(WAIT).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MapFailed, "{error}");
    assert_eq!(b.map_state(), BufferMapState::Unmapped);
    // Awaited, the same.
    gpu.write_after_busy_work(&b, &[1, 2, 3, 4]);
    let pending = b.map_async(MapMode::Read, ..);
    b.unmap().unwrap();
    let (result, _) = block_on(pending);
    assert_eq!(result.unwrap_err().kind(), ErrorKind::MapFailed);
    assert!(gpu.take_uncaptured().is_empty());
}

#[test]
fn ready_errors_and_pendings_on_other_threads() {
    let gpu = Gpu::new();
    let b = gpu
        .device
        .create_buffer(&BufferDescriptor {
            label: "b",
            size: 16,
            usage: BufferUsage::CopyDst,
            ..Default::default()
        })
        .unwrap();
    // An error caught before calling Dawn is ready at once, as a future and as a wait.
    let (result, run) = block_on(b.map_async(MapMode::Read, ..));
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Validation);
    assert_eq!(run.polls, 1);
    let mut ready = b.map_async(MapMode::Read, ..);
    assert!(ready.is_ready());
    assert_err(ready.wait_timeout(Duration::ZERO), ErrorKind::Validation);
    // Awaited on another thread.
    let queue = gpu.queue.clone();
    let handle = std::thread::spawn(move || block_on(queue.on_submitted_work_done()).0);
    handle.join().unwrap().unwrap();
}
