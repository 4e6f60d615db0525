//! Command operations: copies and clears (validity predicted, effects modelled), checked dispatches of a
//! kernel the model computes over 3D grids, random dispatches (their writes forgotten), submits now, later
//! or twice, shader modules and pipelines.

use super::corpus::{CHECKED, VALID, wgsl};
use super::seq::{Failure, Seq, Stashed, Work};
use super::shadow::{self, Effect, ModelRef, Recording};
use dawn::*;
use std::rc::Rc;

impl Seq<'_> {
    /// An encoder of 1-4 copies and clears with random offsets and sizes; the model predicts whether
    /// `finish` accepts it (WebGPU's rules for both) and what it writes.
    pub fn copy(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let mut encoder =
            device.create_command_encoder(&CommandEncoderDescriptor { label: "fuzz copy" });
        let mut valid = true;
        let mut effects = Vec::new();
        for _ in 0..1 + self.rng.below(4) {
            let (Some(src), Some(dst)) = (self.any_buffer(), self.any_buffer()) else {
                break;
            };
            if self.rng.chance(1, 4) {
                let offset = self.offset_in(dst.buffer.size());
                let size = self
                    .rng
                    .chance(1, 2)
                    .then(|| self.rng.below(dst.buffer.size() + 8));
                self.log(&format!("clear_buffer {:?} {offset} {size:?}", dst.buffer));
                encoder.clear_buffer(&dst.buffer, offset, size);
                match clear_effect(&dst.model, offset, size) {
                    Some(effect) => effects.push(effect),
                    None => valid = false,
                }
            } else {
                let src_offset = self.offset_in(src.buffer.size());
                let dst_offset = self.offset_in(dst.buffer.size());
                let size = match self.rng.below(3) {
                    0 => src.buffer.size().min(dst.buffer.size()),
                    1 => self.rng.below(64) * 4,
                    _ => self.rng.below(src.buffer.size() + 16),
                };
                self.log(&format!(
                    "copy {:?}+{src_offset} -> {:?}+{dst_offset} size {size}",
                    src.buffer, dst.buffer
                ));
                encoder.copy_buffer_to_buffer(
                    &src.buffer,
                    src_offset,
                    &dst.buffer,
                    dst_offset,
                    size,
                );
                match copy_effect(&src.model, src_offset, &dst.model, dst_offset, size) {
                    Some(effect) => effects.push(effect),
                    None => valid = false,
                }
            }
        }
        if self.rng.chance(1, 10) {
            return Ok(()); // dropped unfinished
        }
        self.finish_and_submit(&device, encoder, Some(valid), effects)
    }

    /// Finishes `encoder` (checking the predicted validity), then submits it now or keeps it for later.
    fn finish_and_submit(
        &mut self,
        device: &Device,
        encoder: CommandEncoder,
        valid: Option<bool>,
        effects: Vec<Effect>,
    ) -> Failure {
        let probe = self.probe(device);
        let command = encoder.finish();
        self.verify_validity("finish", probe, valid)?;
        let stashed = Stashed {
            command,
            recording: Recording::new(valid, effects),
        };
        if self.rng.chance(1, 4) {
            self.commands.push(stashed);
            Ok(())
        } else {
            self.submit(vec![stashed])
        }
    }

    /// Submits `batch` in one call: the model predicts whether the queue runs it or rejects it whole.
    fn submit(&mut self, batch: Vec<Stashed>) -> Failure {
        let (Some(queue), Some(device)) = (self.queue.clone(), self.dev()) else {
            return Ok(());
        };
        self.log(&format!("submit {} command buffer(s)", batch.len()));
        let recordings: Vec<Rc<Recording>> = batch.iter().map(|s| s.recording.clone()).collect();
        let runs = match self.predicting() {
            true => shadow::predict_submit(&recordings),
            false => None,
        };
        let commands: Vec<CommandBuffer> = batch.into_iter().map(|s| s.command).collect();
        let probe = self.probe(&device);
        queue.submit(&commands);
        self.verify_validity("submit", probe, runs)?;
        shadow::submitted(&recordings, runs);
        Ok(())
    }

    pub fn submit_stashed(&mut self) -> Failure {
        if self.commands.is_empty() {
            return Ok(());
        }
        let n = 1 + self.rng.index(self.commands.len());
        let mut batch = Vec::new();
        for _ in 0..n {
            let i = self.rng.index(self.commands.len());
            // Sometimes submitted twice: a validation error.
            batch.push(match self.rng.chance(1, 3) {
                true => self.commands[i].clone(),
                false => self.commands.swap_remove(i),
            });
            if self.commands.is_empty() {
                break;
            }
        }
        self.submit(batch)
    }

    pub fn shader(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let code = wgsl(&mut self.rng);
        self.log(&format!(
            "shader {:?}",
            code.chars().take(40).collect::<String>()
        ));
        let desc = ShaderModuleDescriptor {
            label: "fuzz",
            code: &code,
        };
        if self.rng.chance(1, 2) {
            let r = device.create_shader_module_checked(&desc);
            self.expect_kinds("create_shader_module_checked", &r, &[ErrorKind::Validation])?;
            self.expect_lost("create_shader_module_checked", &r)?;
            if let Ok(m) = r {
                self.modules.push(m);
            }
        } else {
            let m = device.create_shader_module(&desc);
            if self.rng.chance(1, 3) {
                self.infos.push(m.get_compilation_info());
            }
            self.modules.push(m);
        }
        Ok(())
    }

    pub fn pipeline(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        if self.modules.is_empty() || self.rng.chance(1, 4) {
            let code = self.rng.pick(VALID);
            self.modules
                .push(device.create_shader_module(&ShaderModuleDescriptor {
                    label: "fuzz",
                    code,
                }));
        }
        let module = self.modules[self.rng.index(self.modules.len())].clone();
        let entry_point = self
            .rng
            .pick(&[None, None, Some("main"), Some("other"), Some("")]);
        let constants: &[(&str, f64)] = self.rng.pick(&[
            &[][..],
            &[("k", 7.0)][..],
            &[("nope", 1.0)][..],
            &[("k", f64::NAN)][..],
            &[("k", -1.0)][..],
        ]);
        let layout = self.rng.chance(1, 4).then(|| {
            let bgl = device.create_bind_group_layout(&BindGroupLayoutDescriptor {
                label: "fuzz",
                entries: &[BindGroupLayoutEntry::storage(0, false)],
            });
            device.create_pipeline_layout(&PipelineLayoutDescriptor {
                label: "fuzz",
                bind_group_layouts: &[bgl],
                immediate_size: 0,
            })
        });
        let desc = ComputePipelineDescriptor {
            label: "fuzz",
            layout: layout.as_ref(),
            module: &module,
            entry_point,
            constants,
        };
        self.log(&format!(
            "pipeline entry {entry_point:?} constants {constants:?}"
        ));
        if self.rng.chance(1, 2) {
            self.pipeline_futures
                .push((device.create_compute_pipeline_async(&desc), self.lost));
        } else {
            self.pipelines.push(device.create_compute_pipeline(&desc));
        }
        Ok(())
    }

    /// A dispatch with random pipeline, bind group, offsets and counts: its validity is not predicted,
    /// and whatever its bind group reaches is forgotten once it is submitted.
    pub fn dispatch(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        if self.pipelines.is_empty() {
            return self.pipeline();
        }
        let pipeline = self.pipelines[self.rng.index(self.pipelines.len())].clone();
        let group = if self.rng.chance(1, 3) && !self.groups.is_empty() {
            Some(self.groups[self.rng.index(self.groups.len())].clone())
        } else if let Some(t) = self.any_buffer() {
            let layout = pipeline.get_bind_group_layout(self.rng.below(3) as u32 / 2);
            let binding = self.rng.below(3) as u32 / 2;
            let entry = if self.rng.chance(1, 2) {
                BindGroupEntry::buffer(binding, &t.buffer)
            } else {
                let size = t.buffer.size();
                let offset = self.rng.pick(&[0, 4, 256, size, size + 256]);
                let range = self
                    .rng
                    .pick(&[None, Some(0), Some(4), Some(size), Some(u64::MAX)]);
                BindGroupEntry {
                    binding,
                    resource: BindingResource::Buffer(BufferBinding {
                        buffer: &t.buffer,
                        offset,
                        size: range,
                    }),
                }
            };
            let extra = self.any_buffer().expect("not empty");
            let entries = [entry, BindGroupEntry::buffer(1, &extra.buffer)];
            let count = 1 + self.rng.index(2);
            let group = device.create_bind_group(&BindGroupDescriptor {
                label: "fuzz",
                layout: &layout,
                entries: &entries[..count],
            });
            let reaches: Vec<ModelRef> = [t.model, extra.model].into_iter().take(count).collect();
            if self.rng.chance(1, 3) {
                self.groups.push((group.clone(), reaches.clone()));
            }
            Some((group, reaches))
        } else {
            None
        };
        let mut encoder = device.create_command_encoder(&Default::default());
        let indirect = if self.rng.chance(1, 6) {
            // Small counts only: a random indirect buffer could ask for hours of work.
            let counts = [self.rng.below(4) as u32, 1, 1, 0];
            device
                .create_buffer_init(&BufferInitDescriptor {
                    label: "fuzz indirect",
                    contents: bytemuck::cast_slice(&counts),
                    usage: self
                        .rng
                        .pick(&[BufferUsage::Indirect, BufferUsage::Storage]),
                })
                .ok()
        } else {
            None
        };
        let mut effects = Vec::new();
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            if self.rng.chance(9, 10) {
                pass.set_pipeline(&pipeline);
            }
            if let Some((group, reaches)) = &group {
                let offsets: &[u32] = self.rng.pick(&[&[][..], &[0][..], &[256, 3][..]]);
                pass.set_bind_group(self.rng.below(5) as u32 / 4, group, offsets);
                effects.extend(
                    reaches
                        .iter()
                        .map(|b| Effect::Scribble { buffer: b.clone() }),
                );
            }
            let (x, y, z) = if self.rng.chance(1, 8) {
                (
                    self.rng.pick(&[65536, u32::MAX, 1 << 20]),
                    1 + self.rng.below(2) as u32,
                    1,
                )
            } else {
                (
                    self.rng.below(17) as u32,
                    1 + self.rng.below(2) as u32,
                    1 + self.rng.below(2) as u32,
                )
            };
            self.log(&format!(
                "dispatch {x}x{y}x{z} indirect {}",
                indirect.is_some()
            ));
            match &indirect {
                Some(b) => {
                    pass.dispatch_workgroups_indirect(b, self.rng.pick(&[0, 4, 3, 16, 1 << 33]))
                }
                None => pass.dispatch_workgroups(x, y, z),
            }
            if self.rng.chance(1, 2) {
                pass.end();
            } // else: ended on drop
        }
        self.finish_and_submit(&device, encoder, None, effects)
    }

    /// A dispatch of the checked kernel over a whole storage buffer, on a random 3D grid (directly or
    /// indirectly): valid, and its effect on every word is modelled.
    pub fn checked_dispatch(&mut self) -> Failure {
        let Some(device) = self.dev() else {
            return Ok(());
        };
        let Some(t) = self.any_buffer() else {
            return Ok(());
        };
        let bindable = {
            let m = t.model.borrow();
            m.valid
                && m.usage.contains(BufferUsage::Storage)
                && m.size > 0
                && m.size % 4 == 0
                && m.size <= self.limits.max_storage_buffer_binding_size
        };
        if !bindable {
            return Ok(());
        }
        let pipeline = self.checked_pipeline(&device);
        let group = device.create_bind_group(&BindGroupDescriptor {
            label: "fuzz checked",
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[BindGroupEntry::buffer(0, &t.buffer)],
        });
        let workgroups = [
            1 + self.rng.below(4) as u32,
            1 + self.rng.below(3) as u32,
            1 + self.rng.below(3) as u32,
        ];
        let indirect = match self.rng.chance(1, 3) {
            true => {
                let r = device.create_buffer_init(&BufferInitDescriptor {
                    label: "fuzz checked indirect",
                    contents: bytemuck::cast_slice(&workgroups),
                    usage: BufferUsage::Indirect,
                });
                self.expect_kinds("create_buffer_init", &r, &[])?;
                self.expect_lost("create_buffer_init", &r)?;
                match r {
                    Ok(args) => Some(args),
                    Err(_) => return Ok(()),
                }
            }
            false => None,
        };
        self.log(&format!(
            "checked dispatch {workgroups:?} over {:?} indirect {}",
            t.buffer,
            indirect.is_some()
        ));
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            match &indirect {
                Some(args) => pass.dispatch_workgroups_indirect(args, 0),
                None => pass.dispatch_workgroups(workgroups[0], workgroups[1], workgroups[2]),
            }
        }
        let effects = vec![Effect::Kernel {
            buffer: t.model.clone(),
            workgroups,
        }];
        self.finish_and_submit(&device, encoder, Some(true), effects)
    }

    /// The checked kernel's pipeline, made on first use.
    fn checked_pipeline(&mut self, device: &Device) -> ComputePipeline {
        self.checked
            .get_or_insert_with(|| {
                let module = device.create_shader_module(&ShaderModuleDescriptor {
                    label: "fuzz checked",
                    code: CHECKED,
                });
                device.create_compute_pipeline(&ComputePipelineDescriptor {
                    label: "fuzz checked",
                    layout: None,
                    module: &module,
                    entry_point: None,
                    constants: &[],
                })
            })
            .clone()
    }

    pub fn work_done(&mut self) -> Failure {
        let Some(queue) = self.queue.clone() else {
            return Ok(());
        };
        self.log("on_submitted_work_done");
        self.work.push(Work {
            pending: queue.on_submitted_work_done(),
            after_loss: self.lost,
        });
        Ok(())
    }

    /// Checks what a kept work-done future gave: `Ok` (the work finishes, or the loss ends it: Dawn then
    /// reports it done), or `DeviceLost`, at once, for one asked for after the loss.
    pub fn work_resolved(&mut self, work: &Work, r: &Result<()>) -> Failure {
        self.expect_kinds("on_submitted_work_done", r, &[])?;
        let predicted = work.after_loss.then_some(ErrorKind::DeviceLost);
        // Another thread may have lost the device since: then either.
        if work.after_loss || !self.shared {
            self.check_outcome("on_submitted_work_done", r, &[predicted])?;
        }
        Ok(())
    }
}

/// A clear's effect if WebGPU accepts it: a valid buffer with `CopyDst`, offset and size multiples of 4,
/// inside the buffer (`None`: to its end).
fn clear_effect(dst: &ModelRef, offset: u64, size: Option<u64>) -> Option<Effect> {
    let d = dst.borrow();
    let size = size.unwrap_or(d.size.checked_sub(offset)?);
    let ok = d.valid
        && d.usage.contains(BufferUsage::CopyDst)
        && offset.is_multiple_of(4)
        && size.is_multiple_of(4)
        && offset.checked_add(size).is_some_and(|end| end <= d.size);
    ok.then(|| Effect::Clear {
        dst: dst.clone(),
        offset,
        size,
    })
}

/// A copy's effect if WebGPU accepts it: two different valid buffers with `CopySrc` and `CopyDst`,
/// offsets and size multiples of 4, both ranges inside their buffers.
fn copy_effect(
    src: &ModelRef,
    src_offset: u64,
    dst: &ModelRef,
    dst_offset: u64,
    size: u64,
) -> Option<Effect> {
    let (s, d) = (src.borrow(), dst.borrow());
    let inside = |offset: u64, len: u64| offset.checked_add(size).is_some_and(|end| end <= len);
    let ok = !Rc::ptr_eq(src, dst)
        && s.valid
        && d.valid
        && s.usage.contains(BufferUsage::CopySrc)
        && d.usage.contains(BufferUsage::CopyDst)
        && src_offset.is_multiple_of(4)
        && dst_offset.is_multiple_of(4)
        && size.is_multiple_of(4)
        && inside(src_offset, s.size)
        && inside(dst_offset, d.size);
    ok.then(|| Effect::Copy {
        src: src.clone(),
        src_offset,
        dst: dst.clone(),
        dst_offset,
        size,
    })
}
