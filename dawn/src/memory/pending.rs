//! Where this module meets `dawn`'s asynchronous API: a map as a [`Pending`], and an already known result
//! as one. Kept in one place so that a change of `Buffer::map_async`'s return type touches only this file.

use crate::{Buffer, Device, MapMode, Pending, PendingMap, Result};

/// The future of one `Buffer::map_async` of a whole buffer.
pub(crate) type MapFuture = PendingMap;

/// Starts mapping all of `buffer` for `mode`.
pub(crate) fn start_map(buffer: &Buffer, mode: MapMode) -> MapFuture {
    buffer.map_async(mode, ..)
}

/// Maps all of `buffer` for `mode`, as a [`Pending`] that [`Pending::map`] can chain.
///
/// The map is requested first and the queue's work-done future second: WebGPU settles a map requested
/// before an `on_submitted_work_done` first, so once the latter resolves, waiting on the map returns at
/// once (Dawn runs callbacks outside its locks, so that wait may run inside the work-done callback).
pub(crate) fn mapped(buffer: &Buffer, mode: MapMode) -> Pending<()> {
    let map = start_map(buffer, mode);
    buffer
        .device()
        .queue()
        .on_submitted_work_done()
        .map(move |()| map.wait())
}

/// A [`Pending`] that resolves to `result`. The public API has no constructor of a finished `Pending`, so
/// this one rides on the queue's work-done future: it resolves once the work submitted so far is done.
pub(crate) fn resolved<T: Clone + Send + 'static>(
    device: &Device,
    result: Result<T>,
) -> Pending<T> {
    device
        .queue()
        .on_submitted_work_done()
        .map(move |()| result)
}
