//! Mapping operations: `map_async` and the waits on it, views of random ranges, `Mapping` guards and mapped
//! copies, each outcome predicted by the shadow model and each read compared with it.

use super::HANG;
use super::seq::{Expect, Failure, MapEntry, Seq, Tracked};
use super::shadow::MapCall;
use dawn::*;
use std::ops::Range;
use std::rc::Rc;
use std::time::Duration;

/// The kinds of a refusal before Dawn: a WebGPU rule broken (`Validation`) or one of the crate's
/// (`InvalidUse`: views that conflict, a guard holding the mapping).
pub const REFUSED: &[ErrorKind] = &[ErrorKind::Validation, ErrorKind::InvalidUse];

fn timed_out<T>(r: &Result<T>) -> bool {
    matches!(r, Err(e) if e.kind() == ErrorKind::Timeout)
}

enum View<'b> {
    Read(BufferView<'b>),
    Write(BufferViewMut<'b>),
}

impl Seq<'_> {
    /// `map_async(mode, start..end)` on `t`, and what its wait must give (the model updated).
    fn start_map(&mut self, t: &Tracked, mode: MapMode, start: u64, end: u64) -> MapEntry {
        self.log(&format!("map_async {:?} {mode:?} {start}..{end}", t.buffer));
        let call = t.model.borrow().predict_map(mode, start, end);
        let pending = t.buffer.map_async(mode, start..end);
        let expect = match call {
            // The crate checks the device first.
            _ if self.known_lost() => Expect::Refused(ErrorKind::DeviceLost),
            _ if !self.predicting() => Expect::Unknown,
            MapCall::Refused(kind) => Expect::Refused(kind),
            MapCall::Accepted { fails } => Expect::Accepted {
                generation: t.model.borrow_mut().start_map(mode, start..end, fails),
            },
        };
        MapEntry {
            tracked: t.clone(),
            pending,
            expect,
        }
    }

    /// Checks a map's result `r` against `entry`'s expectation and updates the model.
    pub fn map_resolved(&mut self, entry: &MapEntry, r: &Result<()>) -> Failure {
        let allowed = [
            ErrorKind::Validation,
            ErrorKind::InvalidUse,
            ErrorKind::MapFailed,
            ErrorKind::DeviceLost,
        ];
        self.expect_kinds("map_async", r, &allowed)?;
        match entry.expect {
            Expect::Refused(kind) => self.check_outcome("map_async", r, &[Some(kind)]),
            // Predicted when it started, so still predicted after a loss (the model knows what the loss
            // did to it).
            Expect::Accepted { generation } => {
                let outcomes = entry
                    .tracked
                    .model
                    .borrow()
                    .map_outcome(generation, self.lost);
                self.check_outcome("a map's wait", r, &outcomes)?;
                let got = r.as_ref().err().map(Error::kind);
                entry.tracked.model.borrow_mut().map_waited(generation, got);
                Ok(())
            }
            Expect::Unknown => Ok(()),
        }
    }

    /// Drops a kept map future unread (the map goes on, or fails, by itself); first learns whether the crate
    /// has its outcome, which the model cannot ask for later.
    pub fn drop_map(&mut self, entry: MapEntry) {
        let model = &entry.tracked.model;
        if let Expect::Accepted { generation } = entry.expect
            && model.borrow().pending_generation() == Some(generation)
            && entry.pending.is_ready()
        {
            model.borrow_mut().learn_mapped();
        }
        drop(entry);
    }

    /// Maps `t` with `mode` over `start..end` and waits (until it must have resolved).
    fn map_and_wait(&mut self, t: &Tracked, mode: MapMode, start: u64, end: u64) -> Failure {
        let mut entry = self.start_map(t, mode, start, end);
        let r = entry.pending.wait_timeout(HANG);
        if matches!(&r, Err(e) if e.kind() == ErrorKind::Timeout) {
            return Err(format!("HANG: map_async did not resolve in {HANG:?}"));
        }
        self.map_resolved(&entry, &r)
    }

    pub fn map(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        let mode = self.rng.pick(&[
            MapMode::Read,
            MapMode::Write,
            MapMode::Read,
            MapMode::Write,
            MapMode::None,
            MapMode(3),
        ]);
        let size = t.buffer.size();
        let (start, end) = match self.rng.chance(1, 6) {
            true => (0, size),
            false => self.random_range(size),
        };
        let mut entry = self.start_map(&t, mode, start, end);
        // A wait takes the result: a future waited on here is not kept.
        if let Expect::Refused(_) = entry.expect {
            // Refused before Dawn: resolved at once.
            let r = entry.pending.wait_timeout(Duration::ZERO);
            return self.map_resolved(&entry, &r);
        }
        if !self.rng.chance(1, 10) {
            self.maps.push(entry);
        } else {
            self.drop_map(entry);
        }
        Ok(())
    }

    /// Waits on one pending operation: briefly (it may stay pending), or until it must have completed.
    pub fn wait_some(&mut self) -> Failure {
        let total =
            self.maps.len() + self.work.len() + self.pipeline_futures.len() + self.infos.len();
        if total == 0 {
            return Ok(());
        }
        let brief = self.rng.chance(1, 2);
        let timeout = match brief {
            true => Duration::from_millis(self.rng.below(20)),
            false => HANG,
        };
        let mut i = self.rng.index(total);
        self.log(&format!("wait #{i} of {total} for {timeout:?}"));
        let hang = |what: &str| {
            Err(format!(
                "HANG: a pending {what} did not resolve in {HANG:?}"
            ))
        };
        if i < self.maps.len() {
            let r = self.maps[i].pending.wait_timeout(timeout);
            if timed_out(&r) {
                return if brief { Ok(()) } else { hang("map_async") };
            }
            let entry = self.maps.swap_remove(i);
            return self.map_resolved(&entry, &r);
        }
        i -= self.maps.len();
        if i < self.work.len() {
            let r = self.work[i].pending.wait_timeout(timeout);
            if timed_out(&r) {
                return if brief {
                    Ok(())
                } else {
                    hang("on_submitted_work_done")
                };
            }
            let work = self.work.swap_remove(i);
            return self.work_resolved(&work, &r);
        }
        i -= self.work.len();
        if i < self.pipeline_futures.len() {
            let r = self.pipeline_futures[i].0.wait_timeout(timeout);
            if timed_out(&r) {
                return if brief {
                    Ok(())
                } else {
                    hang("pipeline creation")
                };
            }
            let (_, after_loss) = self.pipeline_futures.swap_remove(i);
            self.expect_kinds(
                "create_compute_pipeline_async",
                &r,
                &[ErrorKind::Validation],
            )?;
            if after_loss {
                let r = r.as_ref().map(drop).map_err(Clone::clone);
                self.check_outcome(
                    "create_compute_pipeline_async after the loss",
                    &r,
                    &[Some(ErrorKind::DeviceLost)],
                )?;
            }
            if let Ok(p) = r {
                self.pipelines.push(p);
            }
            return Ok(());
        }
        i -= self.pipeline_futures.len();
        let r = self.infos[i].wait_timeout(timeout);
        if timed_out(&r) {
            return if brief {
                Ok(())
            } else {
                hang("get_compilation_info")
            };
        }
        drop(self.infos.swap_remove(i));
        self.expect_kinds("get_compilation_info", &r, &[])
    }

    /// Maps `t` first (mostly), in the mode its usage allows, over a random range.
    fn maybe_map_first(&mut self, t: &Tracked, chance: u64) -> Failure {
        if !self.rng.chance(chance, 4) || t.buffer.map_state() != BufferMapState::Unmapped {
            return Ok(());
        }
        let mode = match t.buffer.usage().contains(BufferUsage::MapWrite) {
            true => MapMode::Write,
            false => MapMode::Read,
        };
        let size = t.buffer.size();
        let (start, end) = match self.rng.chance(1, 2) {
            true => (0, size),
            false => self.random_range(size),
        };
        self.map_and_wait(t, mode, start, end)
    }

    /// Takes a buffer's whole mapping as a `Mapping` guard (mapping the buffer first, mostly), checks what it
    /// reads, writes through it, checks that nothing else can view, unmap or free the memory, drops it.
    pub fn guard(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        self.maybe_map_first(&t, 3)?;
        self.log(&format!("take_mapping {:?}", t.buffer));
        self.settle(&t);
        let predicted = t.model.borrow().predict_guard();
        let r = t.buffer.take_mapping();
        self.expect_kinds("take_mapping", &r, REFUSED)?;
        self.expect_one_of("take_mapping", &r, &predicted)?;
        let Ok(mut mapping) = r else {
            return Ok(());
        };
        if self.predicting() {
            t.model.borrow_mut().learn_mapped();
        }
        let mapped = t.model.borrow().mapping();
        if self.predicting() && mapped != Some((mapping.mode(), mapping.range())) {
            return Err(format!(
                "the guard holds {:?} {:?}; the model says the buffer is mapped {mapped:?}",
                mapping.mode(),
                mapping.range()
            ));
        }
        let start = mapping.range().start;
        self.check_data("a Mapping guard", &t.model, start, &mapping[..])?;
        let data = self.rng.bytes(mapping.len());
        let written = mapping
            .bytes_mut()
            .map(|bytes| bytes.copy_from_slice(&data));
        let read_only = mapping.mode() == MapMode::Read;
        self.expect_kinds("Mapping::bytes_mut", &written, REFUSED)?;
        self.expect_outcome(
            "Mapping::bytes_mut",
            &written,
            read_only.then_some(ErrorKind::InvalidUse),
        )?;
        if written.is_ok() && self.predicting() {
            t.model.borrow_mut().write(start, &data);
            self.check_data(
                "a Mapping guard after writing",
                &t.model,
                start,
                &mapping[..],
            )?;
        }
        // Oracles: while the guard lives, nothing else may reach or end the mapping (a view of the
        // guard's own range, aligned as its map was: another range may break a WebGPU rule first).
        let refused = |r: Result<()>, what: &str| match r {
            Err(e) if e.kind() == ErrorKind::InvalidUse => Ok(()),
            r => Err(format!("{what} with a live Mapping guard returned {r:?}")),
        };
        refused(
            t.buffer.get_mapped_range(mapping.range()).map(drop),
            "a view",
        )?;
        refused(t.buffer.take_mapping().map(drop), "a second guard")?;
        refused(t.buffer.unmap(), "unmap")?;
        refused(t.buffer.destroy(), "destroy")?;
        let r = t.buffer.device().destroy();
        self.device_end_refused(&r, "device destroy with a live Mapping guard")?;
        if self.rng.chance(1, 2) {
            mapping.unmap();
        } else {
            drop(mapping);
        }
        t.model.borrow_mut().end_mapping();
        Ok(())
    }

    /// Opens views of random ranges of one or two buffers (each view predicted, read views checked, write
    /// views written), checks that nothing can unmap them, drops them in random order.
    pub fn views(&mut self) -> Failure {
        let (Some(a), Some(b)) = (self.any_buffer(), self.any_buffer()) else {
            return Ok(());
        };
        let bufs = [a, b];
        self.maybe_map_first(&bufs[0], 3)?;
        let mut views: Vec<(usize, Range<u64>, View<'_>)> = Vec::new();
        for _ in 0..1 + self.rng.below(5) {
            let which = self.rng.index(2);
            let t = &bufs[which];
            let size = t.buffer.size();
            let (start, end) = match self.rng.chance(1, 5) {
                true => (0, size),
                false => self.random_range(size),
            };
            let write = self.rng.chance(1, 2);
            self.log(&format!("view {:?} {start}..{end} write {write}", t.buffer));
            let live: Vec<(Range<u64>, bool)> = views
                .iter()
                .filter(|(w, _, _)| Rc::ptr_eq(&bufs[*w].model, &t.model))
                .map(|(_, r, v)| (r.clone(), matches!(v, View::Write(_))))
                .collect();
            self.settle(t);
            let predicted = t.model.borrow().predict_view(start, end, write, &live);
            if write {
                let r = t.buffer.get_mapped_range_mut(start..end);
                self.expect_kinds("get_mapped_range_mut", &r, REFUSED)?;
                self.expect_one_of("get_mapped_range_mut", &r, &predicted)?;
                self.learn_from_view(t, &r);
                if let Ok(mut v) = r {
                    self.check_data("a writable view", &t.model, start, &v[..])?;
                    let data = self.rng.bytes(v.len());
                    v.copy_from_slice(&data);
                    t.model.borrow_mut().write(start, &data);
                    views.push((which, start..end, View::Write(v)));
                }
            } else {
                let r = t.buffer.get_mapped_range(start..end);
                self.expect_kinds("get_mapped_range", &r, REFUSED)?;
                self.expect_one_of("get_mapped_range", &r, &predicted)?;
                self.learn_from_view(t, &r);
                if let Ok(v) = r {
                    self.check_data("a view", &t.model, start, &v[..])?;
                    views.push((which, start..end, View::Read(v)));
                }
            }
        }
        if let Some((which, _, _)) = views.first() {
            let t = &bufs[*which];
            self.views_refuse_the_end_of_their_mapping(t)?;
            // Mapped copies beside the views, predicted like views.
            let live: Vec<(Range<u64>, bool)> = views
                .iter()
                .filter(|(w, _, _)| Rc::ptr_eq(&bufs[*w].model, &t.model))
                .map(|(_, r, v)| (r.clone(), matches!(v, View::Write(_))))
                .collect();
            self.mapped_copies(t, &live)?;
            // A queue write into a mapped buffer is a validation error, not a crash.
            let words = self.rng.bytes(4);
            self.queue_write(t, 0, &words)?;
        }
        while !views.is_empty() {
            let i = self.rng.index(views.len());
            let (which, range, v) = views.swap_remove(i);
            if let View::Write(mut v) = v
                && let Some(first) = v.first_mut()
            {
                *first = 0xAB;
                bufs[which].model.borrow_mut().write(range.start, &[0xAB]);
            }
        }
        if self.rng.chance(1, 2) {
            self.end_mapping(&bufs[0], false)?;
        }
        Ok(())
    }

    /// A view of `t` opened or was refused (`r`, checked against the model): a refusal other than
    /// `Validation` is one of a mapped buffer, so either way the crate sees `t` mapped.
    fn learn_from_view<T>(&mut self, t: &Tracked, r: &Result<T>) {
        let mapped = match r {
            Ok(_) => true,
            Err(e) => e.kind() != ErrorKind::Validation,
        };
        if mapped && self.predicting() {
            t.model.borrow_mut().learn_mapped();
        }
    }

    /// `r` of a device destroy or loss while a view or guard of ours is alive: refused (`InvalidUse`), or
    /// `Ok` once the device is lost (a lost device is left as it is), which another thread sharing it may
    /// have done.
    pub fn device_end_refused(&mut self, r: &Result<()>, what: &str) -> Failure {
        let lost = self.lost || (self.shared && r.is_ok());
        match (r, lost) {
            (Ok(()), true) => Ok(()),
            (Err(e), false) if e.kind() == ErrorKind::InvalidUse => Ok(()),
            (r, _) => Err(format!(
                "{what} returned {r:?}, with the device {}",
                if self.lost { "lost" } else { "not lost" }
            )),
        }
    }

    /// Oracles while a view of `t` is alive: nothing may unmap or free its memory, nor map it again.
    fn views_refuse_the_end_of_their_mapping(&mut self, t: &Tracked) -> Failure {
        let refused = |r: &Result<()>| matches!(r, Err(e) if e.kind() == ErrorKind::InvalidUse);
        let r = t.buffer.unmap();
        if !refused(&r) {
            return Err(format!("unmap with a live view returned {r:?}"));
        }
        let r = t.buffer.destroy();
        if !refused(&r) {
            return Err(format!("destroy with a live view returned {r:?}"));
        }
        let device = t.buffer.device().clone();
        let r = match self.rng.chance(1, 2) {
            true => device.destroy(),
            false => device.force_loss("fuzz: loss with a live view"),
        };
        self.device_end_refused(&r, "destroying the device with a live view")?;
        // Refused before Dawn: the device lost (checked first), or a WebGPU rule (mapped; or the usage, or
        // the size, for a map of the whole buffer).
        let r = t
            .buffer
            .map_async(MapMode::Read, ..)
            .wait_timeout(Duration::ZERO);
        let allowed = match (self.lost, self.shared) {
            (true, _) => vec![Some(ErrorKind::DeviceLost)],
            (false, false) => vec![Some(ErrorKind::Validation)],
            (false, true) => vec![Some(ErrorKind::Validation), Some(ErrorKind::DeviceLost)],
        };
        self.check_outcome("map_async of a buffer with a live view", &r, &allowed)
    }

    /// `read_mapped_range` and `write_mapped_range` at a random offset of `t`, with `live` views open.
    fn mapped_copies(&mut self, t: &Tracked, live: &[(Range<u64>, bool)]) -> Failure {
        let size = t.buffer.size();
        let offset = match self.rng.chance(1, 2) {
            true => self.rng.below(size + 1) & !7,
            false => self.offset_in(size),
        };
        let len = match self.rng.chance(1, 2) {
            true => 8 * self.rng.index(4),
            false => self.rng.index(64),
        };
        self.log(&format!(
            "read/write_mapped_range {:?} {offset} {len}",
            t.buffer
        ));
        // Past the end of the address space: refused as out of bounds, as a range past the buffer.
        let end = offset.saturating_add(len as u64);
        self.settle(t);
        let predicted = t.model.borrow().predict_view(offset, end, false, live);
        let mut bytes = vec![0u8; len];
        let r = t.buffer.read_mapped_range(offset, &mut bytes);
        self.expect_kinds("read_mapped_range", &r, REFUSED)?;
        self.expect_one_of("read_mapped_range", &r, &predicted)?;
        self.learn_from_view(t, &r);
        if r.is_ok() {
            self.check_data("read_mapped_range", &t.model, offset, &bytes)?;
        }
        self.settle(t);
        let predicted = t.model.borrow().predict_view(offset, end, true, live);
        let data = self.rng.bytes(len);
        let r = t.buffer.write_mapped_range(offset, &data);
        self.expect_kinds("write_mapped_range", &r, REFUSED)?;
        self.expect_one_of("write_mapped_range", &r, &predicted)?;
        self.learn_from_view(t, &r);
        if r.is_ok() {
            t.model.borrow_mut().write(offset, &data);
            // The whole mapping again: the bytes landed where they were meant to, and nowhere else.
            let mapped = t.model.borrow().mapping();
            if let Some((_, range)) = mapped {
                let predicted = t
                    .model
                    .borrow()
                    .predict_view(range.start, range.end, false, live);
                let mut all = vec![0u8; (range.end - range.start) as usize];
                let r = t.buffer.read_mapped_range(range.start, &mut all);
                self.expect_kinds("read_mapped_range", &r, REFUSED)?;
                self.expect_one_of("read_mapped_range of the whole mapping", &r, &predicted)?;
                if r.is_ok() {
                    self.check_data(
                        "read_mapped_range after write_mapped_range",
                        &t.model,
                        range.start,
                        &all,
                    )?;
                }
            }
        }
        Ok(())
    }

    pub fn mapped_copy(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        self.maybe_map_first(&t, 1)?;
        self.mapped_copies(&t, &[])
    }
}
