//! Device-level operations: error scopes around nested operations (their errors of the scope's kind),
//! device loss and destruction, dropping handles, threads that live a whole Dawn life, and the end of a
//! sequence (waiting for everything, dropping everything in a random order).

use super::seq::{Failure, Seq, is_caught};
use super::threads::dawn_on_a_thread;
use super::{HANG, Losses};
use dawn::*;

impl Seq<'_> {
    /// The kinds a scope may report: validation errors, and out of memory once a big buffer was asked for.
    fn provoked_kinds(&self) -> Vec<ErrorKind> {
        let mut kinds = vec![ErrorKind::Validation];
        if self.may_oom {
            kinds.push(ErrorKind::OutOfMemory);
        }
        kinds
    }

    pub fn scope(&mut self, depth: u32) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let n = 1 + self.rng.below(4);
        self.log(&format!("error scope around {n} ops"));
        if self.rng.chance(1, 2) {
            let mut failure = Ok(());
            let r = device.scoped(|_| {
                for _ in 0..n {
                    failure = failure.clone().and_then(|_| self.step(depth + 1));
                }
            });
            failure?;
            let kinds = self.provoked_kinds();
            self.expect_kinds("scoped", &r, &kinds)?;
            self.expect_lost("scoped", &r)?;
        } else {
            let (filter, kind) = self.rng.pick(&[
                (ErrorFilter::Validation, ErrorKind::Validation),
                (ErrorFilter::OutOfMemory, ErrorKind::OutOfMemory),
                (ErrorFilter::Internal, ErrorKind::Internal),
            ]);
            let scope = device.push_error_scope(filter);
            for _ in 0..n {
                self.step(depth + 1)?;
            }
            if self.rng.chance(1, 4) {
                drop(scope);
            } else {
                let r = scope.pop().wait_timeout(HANG);
                self.record_wait(&r, "popping an error scope")?;
                // A pop on a lost device resolves to `DeviceLost`, and the innermost scope pops (the
                // operations inside pop what they push).
                self.expect_lost("popping an error scope", &r)?;
                match &r {
                    Ok(()) => {}
                    Err(e) if is_caught(e) => {
                        if e.kind() != kind || !self.provoked_kinds().contains(&kind) {
                            return Err(format!("a {filter:?} error scope caught {e}"));
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::DeviceLost && (self.lost || self.shared) => {}
                    Err(e) => return Err(format!("popping a {filter:?} error scope failed: {e}")),
                }
            }
        }
        Ok(())
    }

    pub fn lose_or_drop_device(&mut self) -> Failure {
        match self.rng.below(16) {
            0 if !self.lost && self.config.losses != Losses::Off => {
                let Some(device) = self.dev() else {
                    return Ok(());
                };
                let destroy = match self.config.losses {
                    Losses::Destroy => true,
                    Losses::Force => false,
                    _ => self.rng.chance(1, 2),
                };
                self.log(if destroy {
                    "device destroy"
                } else {
                    "device force_loss"
                });
                let r = match destroy {
                    true => device.destroy(),
                    false => device.force_loss("fuzz"),
                };
                self.expect_ok_alone("losing the device", &r)?;
                if r.is_err() {
                    return Ok(()); // another thread's view is alive: refused, not lost
                }
                self.now_lost();
                self.stats.losses += 1;
                let r = device.create_buffer(&BufferDescriptor {
                    size: 4,
                    usage: BufferUsage::CopyDst,
                    ..Default::default()
                });
                if !matches!(&r, Err(e) if e.kind() == ErrorKind::DeviceLost) {
                    return Err(format!("create_buffer after loss returned {r:?}"));
                }
                if let Some(f) = &mut self.lost_future {
                    let r = f.wait_timeout(HANG);
                    if r.is_err() {
                        return Err(format!("device.lost() after a loss returned {r:?}"));
                    }
                }
            }
            1 => {
                self.log("drop our device and queue handles");
                self.device = None;
                if self.rng.chance(1, 2) {
                    self.queue = None;
                }
            }
            _ => self.device_queries()?,
        }
        Ok(())
    }

    fn device_queries(&mut self) -> Failure {
        if let Some(device) = self.dev() {
            if device.limits() != self.limits {
                return Err("the device's limits changed".into());
            }
            if !device.has_feature(FeatureName::ImplicitDeviceSynchronization) {
                return Err("the device lacks ImplicitDeviceSynchronization".into());
            }
            let r = device.adapter_info();
            self.expect_kinds("adapter_info", &r, &[])?;
            if device.is_lost() && !self.lost && !self.shared {
                return Err("the device is lost, but nothing lost it".into());
            }
        }
        Ok(())
    }

    /// Mostly device queries; now and then a thread that creates its own instance and device, uses them,
    /// drops everything and ends (a thread's exit after using Dawn crashed on the H200, issue 15).
    pub fn thread_lifecycle_or_queries(&mut self) -> Failure {
        if !self.rng.chance(1, 6) {
            return self.device_queries();
        }
        let seed = self.rng.next_u64();
        self.log("a thread's whole Dawn life");
        dawn_on_a_thread(seed)?;
        self.stats.thread_lifecycles += 1;
        Ok(())
    }

    /// At the end, sometimes wait for everything: all pending operations must resolve, maps as predicted.
    pub fn finish(&mut self) -> Failure {
        if self.rng.chance(1, 2) {
            return Ok(());
        }
        for mut entry in std::mem::take(&mut self.maps) {
            let r = entry.pending.wait_timeout(HANG);
            if matches!(&r, Err(e) if e.kind() == ErrorKind::Timeout) {
                return Err(format!("HANG: a map did not resolve in {HANG:?}"));
            }
            self.map_resolved(&entry, &r)?;
        }
        for mut work in std::mem::take(&mut self.work) {
            let r = work.pending.wait_timeout(HANG);
            if matches!(&r, Err(e) if e.kind() == ErrorKind::Timeout) {
                return Err(format!("HANG: work done did not resolve in {HANG:?}"));
            }
            self.work_resolved(&work, &r)?;
        }
        for (mut p, _) in std::mem::take(&mut self.pipeline_futures) {
            self.record_wait(&p.wait_timeout(HANG), "a pipeline")?;
        }
        Ok(())
    }

    pub fn drop_something(&mut self) -> Failure {
        let r = &mut self.rng;
        match r.below(9) {
            0 if !self.buffers.is_empty() => {
                drop(self.buffers.swap_remove(r.index(self.buffers.len())))
            }
            1 if !self.maps.is_empty() => {
                let entry = self.maps.swap_remove(r.index(self.maps.len()));
                self.drop_map(entry);
            }
            2 if !self.work.is_empty() => drop(self.work.swap_remove(r.index(self.work.len()))),
            3 if !self.modules.is_empty() => {
                drop(self.modules.swap_remove(r.index(self.modules.len())))
            }
            4 if !self.pipelines.is_empty() => {
                drop(self.pipelines.swap_remove(r.index(self.pipelines.len())))
            }
            5 if !self.pipeline_futures.is_empty() => drop(
                self.pipeline_futures
                    .swap_remove(r.index(self.pipeline_futures.len())),
            ),
            6 if !self.groups.is_empty() => {
                drop(self.groups.swap_remove(r.index(self.groups.len())))
            }
            7 if !self.commands.is_empty() => {
                drop(self.commands.swap_remove(r.index(self.commands.len())))
            }
            8 if !self.infos.is_empty() => drop(self.infos.swap_remove(r.index(self.infos.len()))),
            _ => {}
        }
        self.log("drop something");
        Ok(())
    }

    /// Drops every object in a random order (the device too, possibly before its buffers).
    pub fn drop_all(mut self) {
        fn boxed<T: 'static>(
            items: impl IntoIterator<Item = T>,
        ) -> impl Iterator<Item = Box<dyn std::any::Any>> {
            items
                .into_iter()
                .map(|x| Box::new(x) as Box<dyn std::any::Any>)
        }
        let mut all: Vec<Box<dyn std::any::Any>> = Vec::new();
        all.extend(boxed(self.buffers.drain(..).map(|t| t.buffer)));
        all.extend(boxed(self.maps.drain(..)));
        all.extend(boxed(self.work.drain(..)));
        all.extend(boxed(self.modules.drain(..)));
        all.extend(boxed(self.infos.drain(..)));
        all.extend(boxed(self.pipelines.drain(..)));
        all.extend(boxed(self.pipeline_futures.drain(..)));
        all.extend(boxed(self.groups.drain(..).map(|(g, _)| g)));
        all.extend(boxed(self.commands.drain(..).map(|s| s.command)));
        all.extend(boxed(self.checked.take()));
        all.extend(boxed(self.device.take()));
        all.extend(boxed(self.queue.take()));
        all.extend(boxed(self.lost_future.take()));
        while !all.is_empty() {
            let i = self.rng.index(all.len());
            drop(all.swap_remove(i));
        }
    }
}
