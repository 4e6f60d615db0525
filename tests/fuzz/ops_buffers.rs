//! Buffer operations: creation, queue writes, unmaps, destroys and read-backs, each checked against the
//! shadow model (maps, views and guards are in `ops_mapping.rs`).

use super::corpus::{USAGES, valid_usage};
use super::seq::{Failure, Seq, Tracked};
use super::shadow::{MapCall, Model, ModelRef};
use dawn::*;

/// Caps the memory a sequence holds (lavapipe allocates host memory).
const MAX_LIVE_BYTES: u64 = 768 << 20;

/// From this size on, Dawn may report running out of memory.
const BIG: u64 = 16 << 20;

impl Seq<'_> {
    fn live_bytes(&self) -> u64 {
        self.buffers.iter().map(|t| t.buffer.size()).sum::<u64>()
            + self
                .maps
                .iter()
                .map(|m| m.tracked.buffer.size())
                .sum::<u64>()
    }

    pub fn create_buffer(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let max = self.limits.max_buffer_size;
        let mut size = match self.rng.below(12) {
            0 => 0,
            1 => self.rng.below(16),
            2 => self.rng.below(4096) * 4,
            3 => self.rng.below(1 << 20),
            4 if self.rng.chance(1, 8) => max,
            5 => max + 1 + self.rng.below(100),
            6 => u64::MAX - self.rng.below(8),
            7 => 1 << (30 + self.rng.below(30)),
            8 => self.rng.below(64 << 20) & !3,
            _ => 4 * (1 + self.rng.below(256)),
        };
        if size <= max && size > (1 << 20) && self.live_bytes() + size > MAX_LIVE_BYTES {
            // Keep the process bounded: free the biggest buffer first.
            self.free_biggest()?;
            size = 1 << 20;
        }
        let usage = if self.rng.chance(1, 6) {
            BufferUsage(self.rng.next_u64() & 0x3ff | (self.rng.below(2) << 40))
        } else {
            self.rng.pick(USAGES)
        };
        let mapped_at_creation = self.rng.chance(1, 4);
        self.log(&format!(
            "create_buffer size {size} usage {usage:?} mapped {mapped_at_creation}"
        ));
        let big = (BIG..=max).contains(&size);
        self.may_oom |= big;
        let probe = self.probe(&device);
        let result = device.create_buffer(&BufferDescriptor {
            label: "fuzz",
            size,
            usage,
            mapped_at_creation,
        });
        self.expect_lost("create_buffer", &result)?;
        let mut allowed = vec![ErrorKind::Validation, ErrorKind::DeviceLost];
        if big {
            allowed.push(ErrorKind::OutOfMemory);
        }
        self.expect_kinds("create_buffer", &result, &allowed)?;
        // The crate refuses sizes over the limit, and odd sizes mapped at creation, before Dawn.
        let refused = size > max || (mapped_at_creation && size % 4 != 0);
        let out_of_memory = matches!(&result, Err(e) if e.kind() == ErrorKind::OutOfMemory);
        if !out_of_memory {
            let predicted = refused.then_some(ErrorKind::Validation);
            self.expect_outcome("create_buffer", &result, predicted)?;
        }
        let valid = valid_usage(usage);
        // A refusal of the crate's never reaches Dawn. A null buffer (`OutOfMemory`) comes with a validation
        // error when the descriptor is invalid, like a buffer, and with none when it is valid (seen on
        // lavapipe: 256 MiB mapped at creation, `--seed 304`; the model used to expect one always).
        let dawn_valid = match &result {
            Err(_) if !out_of_memory => Some(true),
            _ => Some(valid),
        };
        self.verify_validity("create_buffer", probe, dawn_valid)?;
        if let Ok(buffer) = result {
            let model = Model::new(size, usage, mapped_at_creation, valid);
            self.buffers.push(Tracked { buffer, model });
        }
        Ok(())
    }

    fn free_biggest(&mut self) -> Failure {
        if let Some((i, _)) = self
            .buffers
            .iter()
            .enumerate()
            .max_by_key(|(_, t)| t.buffer.size())
        {
            let t = self.buffers.swap_remove(i);
            self.end_mapping(&t, true)?;
        }
        // Pending maps keep buffers too.
        let (big, small) = std::mem::take(&mut self.maps)
            .into_iter()
            .partition(|m| m.tracked.buffer.size() > 1 << 20);
        self.maps = small;
        for entry in big {
            self.drop_map(entry);
        }
        Ok(())
    }

    pub fn offset_in(&mut self, size: u64) -> u64 {
        match self.rng.below(6) {
            0 => 0,
            1 => size,
            2 => size.saturating_sub(4),
            3 => self.rng.below(size + 1) & !7,
            4 => self.rng.below(size + 9),
            _ => self.rng.pick(&[u64::MAX, u64::MAX - 3, 1 << 40, 3]),
        }
    }

    pub fn write_buffer(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        let size = t.buffer.size();
        let offset = self.offset_in(size);
        let len = match self.rng.below(4) {
            0 => 0,
            1 => size.saturating_sub(offset).min(1 << 20) as usize,
            2 => self.rng.index(64),
            _ => 4 * self.rng.index(1024),
        };
        let data = self.rng.bytes(len);
        self.queue_write(&t, offset, &data)
    }

    /// `queue.write_buffer` of `data` at `offset`, checked: the crate refuses what it can see is wrong;
    /// Dawn then rejects writes into error, destroyed or mapped buffers (a validation error, nothing
    /// written).
    pub fn queue_write(&mut self, t: &Tracked, offset: u64, data: &[u8]) -> Failure {
        let (Some(queue), Some(device)) = (self.queue.clone(), self.dev()) else {
            return Ok(());
        };
        self.log(&format!(
            "write_buffer {:?} at {offset} len {}",
            t.buffer,
            data.len()
        ));
        let len = data.len() as u64;
        let size = t.buffer.size();
        let refused = !t.buffer.usage().contains(BufferUsage::CopyDst)
            || !offset.is_multiple_of(4)
            || !len.is_multiple_of(4)
            || offset.checked_add(len).is_none_or(|end| end > size);
        // Pending or mapped, Dawn refuses it alike: the model need not know whether a pending map completed.
        let dawn_valid = t.model.borrow().usable_on_queue();
        let probe = self.probe(&device);
        let r = queue.write_buffer(&t.buffer, offset, data);
        self.expect_kinds("write_buffer", &r, &[ErrorKind::Validation])?;
        self.expect_lost("write_buffer", &r)?;
        self.expect_outcome("write_buffer", &r, refused.then_some(ErrorKind::Validation))?;
        let written = r.is_ok() && dawn_valid;
        self.verify_validity("write_buffer", probe, Some(r.is_err() || dawn_valid))?;
        if written && self.predicting() {
            t.model.borrow_mut().write(offset, data);
        }
        Ok(())
    }

    pub fn random_range(&mut self, size: u64) -> (u64, u64) {
        match self.rng.below(5) {
            0 => (0, size),
            1 => {
                let start = self.rng.below(size / 8 + 1) * 8;
                let end = start + (self.rng.below((size - start.min(size)) / 4 + 1) * 4);
                (start, end.min(size))
            }
            2 => (self.rng.below(size + 16), self.rng.below(size + 16)),
            3 => (size, size),
            _ => (0, size.saturating_add(self.rng.below(16))),
        }
    }

    /// `r` of an unmap or destroy with no view of ours alive: `Ok`, unless other threads share the buffer
    /// (then another thread's view or guard may refuse it).
    pub fn expect_ok_alone(&mut self, what: &str, r: &Result<()>) -> Failure {
        match r {
            Ok(()) => Ok(()),
            Err(e) if self.shared && e.kind() == ErrorKind::InvalidUse => Ok(()),
            Err(e) => Err(format!("{what} with no live view of ours returned {e}")),
        }
    }

    /// Unmaps `t` (or destroys it: `destroy`) with no view of ours alive; the mapping ends, and a pending
    /// map is aborted unless it had completed.
    pub fn end_mapping(&mut self, t: &Tracked, destroy: bool) -> Failure {
        let what = if destroy { "destroy" } else { "unmap" };
        self.log(&format!("{what} {:?}", t.buffer));
        // Before the call, what is known of a pending map (after it, Dawn's map state reads unmapped).
        self.settle(t);
        let r = match destroy {
            true => t.buffer.destroy(),
            false => t.buffer.unmap(),
        };
        self.expect_ok_alone(what, &r)?;
        self.stats.record(&r);
        if r.is_ok() {
            let mut model = t.model.borrow_mut();
            model.destroyed |= destroy;
            model.end_mapping();
        }
        Ok(())
    }

    pub fn unmap(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        self.end_mapping(&t, false)
    }

    pub fn destroy_buffer(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        self.end_mapping(&t, true)
    }

    /// `read_back`, predicted: maps a `MapRead` buffer itself (as `map_async` would), else copies a
    /// `CopySrc` one through a staging buffer; the values must be what the model knows.
    pub fn read_back(&mut self) -> Failure {
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        if t.buffer.size() > 1 << 20 {
            return Ok(());
        }
        self.log(&format!("read_back {:?}", t.buffer));
        let size = t.buffer.size();
        let model: ModelRef = t.model.clone();
        // (the predicted error, whether the data was copied, whether read_back's own map reached Dawn)
        let (predicted, copied, mapped_itself) = {
            let m = model.borrow();
            match () {
                _ if size % 4 != 0 => (Some(ErrorKind::Validation), false, false),
                // Refused, pending or mapped alike.
                _ if m.usage.contains(BufferUsage::MapRead) => {
                    match m.predict_map(MapMode::Read, 0, size) {
                        MapCall::Refused(kind) => (Some(kind), false, false),
                        MapCall::Accepted { fails: true } => {
                            (Some(ErrorKind::MapFailed), false, true)
                        }
                        MapCall::Accepted { fails: false } => (None, true, true),
                    }
                }
                _ if !m.usage.contains(BufferUsage::CopySrc) => {
                    (Some(ErrorKind::Validation), false, false)
                }
                // A copy the queue rejects (error, destroyed or mapped buffer) leaves the staging zeros.
                _ => (None, m.usable_on_queue(), false),
            }
        };
        let r = t.buffer.read_back::<u32>();
        let allowed = [
            ErrorKind::Validation,
            ErrorKind::InvalidUse,
            ErrorKind::MapFailed,
            ErrorKind::DeviceLost,
        ];
        self.expect_kinds("read_back", &r, &allowed)?;
        self.expect_lost("read_back", &r)?;
        self.expect_outcome("read_back", &r, predicted)?;
        if self.predicting() && mapped_itself {
            // Its own map, waited on (one more generation of the buffer's maps), then its guard dropped.
            let mut m = model.borrow_mut();
            let fails = predicted.is_some();
            let generation = m.start_map(MapMode::Read, 0..size, fails);
            if !fails {
                m.map_waited(generation, None);
                m.end_mapping();
            }
        }
        if let Ok(values) = &r {
            if values.len() as u64 * 4 != size {
                return Err(format!(
                    "read_back returned {} values for {size} bytes",
                    values.len()
                ));
            }
            if copied {
                self.check_data("read_back", &model, 0, bytemuck::cast_slice(values))?;
            }
        }
        Ok(())
    }
}
