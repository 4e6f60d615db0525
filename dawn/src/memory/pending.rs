//! Where this module meets `dawn`'s asynchronous API: the future of a map, and a [`Pending`] of an error
//! known before calling Dawn. Kept in one place, so that a change there touches only this file.

use crate::{Buffer, Device, Error, MapMode, Pending};

/// The future of one `Buffer::map_async` of a whole buffer.
pub(crate) type MapFuture = Pending<()>;

/// Starts mapping all of `buffer` for `mode`.
pub(crate) fn start_map(buffer: &Buffer, mode: MapMode) -> MapFuture {
    buffer.map_async(mode, ..)
}

/// A [`Pending`] that resolves to `error`. The public API has no constructor of a finished `Pending`, so
/// this one rides on the queue's work-done future: it resolves once the work submitted so far is done.
pub(crate) fn failed<T>(device: &Device, error: Error) -> Pending<T> {
    device
        .queue()
        .on_submitted_work_done()
        .map(move |()| Err(error))
}
