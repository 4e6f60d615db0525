//! [`BindGroup`]: resources bound together for a pass.

use crate::handle::device_child;
use crate::{BindGroupLayout, Buffer, Device, Result, Sampler, TextureView, string};
use dawn_sys as sys;

device_child! {
    /// A bind group (`WGPUBindGroup`, WebGPU's `GPUBindGroup`). `Clone` adds a reference.
    pub struct BindGroup(RawBindGroup: WGPUBindGroupImpl, wgpuBindGroupAddRef, wgpuBindGroupRelease, wgpuBindGroupSetLabel = "wgpuBindGroupSetLabel");
}

/// A range of a buffer to bind.
#[derive(Clone, Copy, Debug)]
pub struct BufferBinding<'a> {
    /// The buffer.
    pub buffer: &'a Buffer,
    /// Where the range starts (a multiple of the device's min storage/uniform offset alignment).
    pub offset: u64,
    /// The range's size; `None`: to the end of the buffer.
    pub size: Option<u64>,
}

/// What an entry binds.
#[derive(Clone, Copy, Debug)]
pub enum BindingResource<'a> {
    /// A buffer range.
    Buffer(BufferBinding<'a>),
    /// A sampler.
    Sampler(&'a Sampler),
    /// A texture view (sampled or storage texture).
    TextureView(&'a TextureView),
}

/// One entry of a [`BindGroupDescriptor`] (`WGPUBindGroupEntry`).
#[derive(Clone, Copy, Debug)]
pub struct BindGroupEntry<'a> {
    /// The `@binding` number.
    pub binding: u32,
    /// What it binds.
    pub resource: BindingResource<'a>,
}

impl<'a> BindGroupEntry<'a> {
    /// Binds the whole of `buffer` at `binding`.
    pub fn buffer(binding: u32, buffer: &'a Buffer) -> Self {
        BindGroupEntry {
            binding,
            resource: BindingResource::Buffer(BufferBinding {
                buffer,
                offset: 0,
                size: None,
            }),
        }
    }

    /// Binds `view` (a sampled or storage texture) at `binding`.
    pub fn texture_view(binding: u32, view: &'a TextureView) -> Self {
        BindGroupEntry {
            binding,
            resource: BindingResource::TextureView(view),
        }
    }

    /// Binds `sampler` at `binding`.
    pub fn sampler(binding: u32, sampler: &'a Sampler) -> Self {
        BindGroupEntry {
            binding,
            resource: BindingResource::Sampler(sampler),
        }
    }

    fn to_sys(self) -> sys::WGPUBindGroupEntry {
        // SAFETY: all-zero is "nothing bound" for the members we do not set.
        let mut entry: sys::WGPUBindGroupEntry = unsafe { std::mem::zeroed() };
        entry.binding = self.binding;
        match self.resource {
            BindingResource::Buffer(b) => {
                entry.buffer = b.buffer.as_raw();
                entry.offset = b.offset;
                entry.size = b.size.unwrap_or(sys::WGPU_WHOLE_SIZE);
            }
            BindingResource::Sampler(sampler) => entry.sampler = sampler.as_raw(),
            BindingResource::TextureView(view) => entry.textureView = view.as_raw(),
        }
        entry
    }
}

/// Options of [`Device::create_bind_group`].
#[derive(Clone, Copy, Debug)]
pub struct BindGroupDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The layout the group follows.
    pub layout: &'a BindGroupLayout,
    /// The entries.
    pub entries: &'a [BindGroupEntry<'a>],
}

impl Device {
    /// Creates a bind group. An invalid one is an error object, its validation error reported to the
    /// error scopes or the uncaptured-error handler; [`create_bind_group_checked`] returns it instead.
    ///
    /// [`create_bind_group_checked`]: Device::create_bind_group_checked
    #[doc(alias = "wgpuDeviceCreateBindGroup")]
    pub fn create_bind_group(&self, desc: &BindGroupDescriptor<'_>) -> BindGroup {
        let entries: Vec<_> = desc.entries.iter().map(|e| e.to_sys()).collect();
        let c_desc = sys::WGPUBindGroupDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            layout: desc.layout.as_raw(),
            entryCount: entries.len(),
            entries: entries.as_ptr(),
        };
        // SAFETY: live device; the descriptor and entries live across the call; a new reference.
        unsafe {
            self.create("wgpuDeviceCreateBindGroup", |raw| {
                sys::wgpuDeviceCreateBindGroup(raw, &c_desc)
            })
        }
    }

    /// Creates a bind group, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_bind_group_checked(&self, desc: &BindGroupDescriptor<'_>) -> Result<BindGroup> {
        self.scoped(|d| d.create_bind_group(desc))
    }
}
