//! The pipeline cache: one compute pipeline per kernel spec, built on first use from generated WGSL,
//! over explicit layouts shared by every kernel with the same number of slots (so a bind group of
//! buffers serves any kernel that binds them).

use super::Spec;
use super::codegen::{INFO_WORDS, SlotType};
use crate::{
    BindGroupLayout, BindGroupLayoutDescriptor, BindGroupLayoutEntry, BindingType,
    BufferBindingType, ComputePipeline, ComputePipelineDescriptor, Device, Error, ErrorKind,
    PipelineLayout, PipelineLayoutDescriptor, Result, ShaderModuleDescriptor, ShaderStage,
};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// Bytes of one dispatch's info block.
pub(crate) const INFO_BYTES: u64 = (INFO_WORDS * 4) as u64;

/// A compiled kernel.
pub(crate) struct Kernel {
    pub pipeline: ComputePipeline,
    /// Storage bindings in group 0.
    pub slots: usize,
}

/// Layouts and pipelines of one device.
pub(crate) struct Kernels {
    device: Device,
    /// Group 1: the info block, a uniform bound at a dynamic offset.
    pub info_layout: BindGroupLayout,
    /// Group 0 layouts by slot count, with their pipeline layouts.
    layouts: Mutex<HashMap<usize, (BindGroupLayout, PipelineLayout)>>,
    pipelines: Mutex<HashMap<Spec, Arc<Kernel>>>,
}

impl Kernels {
    pub(crate) fn new(device: &Device) -> Kernels {
        let info_layout = device.create_bind_group_layout(&BindGroupLayoutDescriptor {
            label: "dawn::tensor info",
            entries: &[BindGroupLayoutEntry {
                binding: 0,
                visibility: ShaderStage::Compute,
                ty: BindingType::Buffer {
                    ty: BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: INFO_BYTES,
                },
            }],
        });
        Kernels {
            device: device.clone(),
            info_layout,
            layouts: Mutex::new(HashMap::new()),
            pipelines: Mutex::new(HashMap::new()),
        }
    }

    /// The group-0 layout for `slots` storage bindings.
    pub(crate) fn group_layout(&self, slots: usize) -> BindGroupLayout {
        self.layouts_for(slots).0
    }

    fn layouts_for(&self, slots: usize) -> (BindGroupLayout, PipelineLayout) {
        let mut layouts = self.layouts.lock();
        layouts
            .entry(slots)
            .or_insert_with(|| {
                let entries: Vec<BindGroupLayoutEntry> = (0..slots as u32)
                    .map(|k| BindGroupLayoutEntry::storage(k, false))
                    .collect();
                let group = self
                    .device
                    .create_bind_group_layout(&BindGroupLayoutDescriptor {
                        label: "dawn::tensor slots",
                        entries: &entries,
                    });
                let pipeline = self
                    .device
                    .create_pipeline_layout(&PipelineLayoutDescriptor {
                        label: "dawn::tensor kernel",
                        bind_group_layouts: &[group.clone(), self.info_layout.clone()],
                        immediate_size: 0,
                    });
                (group, pipeline)
            })
            .clone()
    }

    /// The kernel for `spec`, compiled now if it is new.
    pub(crate) fn get(&self, spec: &Spec) -> Result<Arc<Kernel>> {
        if let Some(kernel) = self.pipelines.lock().get(spec) {
            return Ok(kernel.clone());
        }
        let slot_types: Vec<SlotType> = spec.slot_types();
        let (_, layout) = self.layouts_for(slot_types.len());
        let code = spec.wgsl();
        let label = spec.label();
        let internal = |e: Error| {
            Error::new(
                ErrorKind::Internal,
                format!("dawn::tensor generated a kernel Dawn refused ({label}): {e}"),
            )
        };
        let module = self
            .device
            .create_shader_module_checked(&ShaderModuleDescriptor { label, code: &code })
            .map_err(internal)?;
        let pipeline = self
            .device
            .scoped(|d| {
                d.create_compute_pipeline(&ComputePipelineDescriptor {
                    label,
                    layout: Some(&layout),
                    module: &module,
                    entry_point: None,
                    constants: &[],
                })
            })
            .map_err(internal)?;
        let kernel = Arc::new(Kernel {
            pipeline,
            slots: slot_types.len(),
        });
        self.pipelines.lock().insert(*spec, kernel.clone());
        Ok(kernel)
    }

    /// How many pipelines have been built.
    pub(crate) fn len(&self) -> usize {
        self.pipelines.lock().len()
    }
}
