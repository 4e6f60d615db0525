//! Binding slices: a layout and a bind group that follow the binding rule (every slice `read_write`
//! storage), so that slices of one page can be inputs and outputs of one dispatch.

use super::block::Block;
use super::slice::Slice;
use crate::{
    BindGroup, BindGroupDescriptor, BindGroupLayout, BindGroupLayoutDescriptor,
    BindGroupLayoutEntry, Device, Result,
};

impl<T: bytemuck::Pod> AsRef<Block> for Slice<T> {
    fn as_ref(&self) -> &Block {
        self.block()
    }
}

impl AsRef<Block> for Block {
    fn as_ref(&self) -> &Block {
        self
    }
}

/// The layout of `count` slices at bindings `0..count`, each `read_write` storage seen by compute shaders:
/// the layout under which slices of one page may be bound together (see the module's binding rule). The
/// shader declares each of them `var<storage, read_write>`.
pub fn storage_layout(device: &Device, label: &str, count: u32) -> BindGroupLayout {
    let entries: Vec<_> = (0..count)
        .map(|binding| BindGroupLayoutEntry::storage(binding, false))
        .collect();
    device.create_bind_group_layout(&BindGroupLayoutDescriptor {
        label,
        entries: &entries,
    })
}

/// A bind group of `slices` at bindings `0..`, in order, under `layout` (from [`storage_layout`], or the
/// automatic layout of a pipeline whose shader declares every one of them `read_write`).
///
/// Every slice is checked as [`Block::entry`] checks it, and held alive while the group is made; Dawn's
/// validation errors come back as a `Result` too. The group itself binds memory, not slices: using it after
/// a slice died (freed, or its arena reset) reads whatever the memory holds then, so make groups of arena
/// slices per epoch.
pub fn bind_group(
    device: &Device,
    label: &str,
    layout: &BindGroupLayout,
    slices: &[&dyn AsRef<Block>],
) -> Result<BindGroup> {
    let blocks: Vec<&Block> = slices.iter().map(|s| s.as_ref()).collect();
    let _guards = blocks
        .iter()
        .map(|b| b.guard())
        .collect::<Result<Vec<_>>>()?;
    let entries = blocks
        .iter()
        .zip(0..)
        .map(|(block, binding)| block.entry(binding))
        .collect::<Result<Vec<_>>>()?;
    device.scoped(|device| {
        device.create_bind_group(&BindGroupDescriptor {
            label,
            layout,
            entries: &entries,
        })
    })
}
