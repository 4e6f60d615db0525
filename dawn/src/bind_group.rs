//! [`BindGroup`]: resources bound together for a pass.

use crate::handle::device_child;
use crate::{BindGroupLayout, Buffer, Device, string};
use dawn_sys as sys;

device_child! {
    /// A bind group (`WGPUBindGroup`, WebGPU's `GPUBindGroup`). `Clone` adds a reference.
    pub struct BindGroup(RawBindGroup: WGPUBindGroupImpl, wgpuBindGroupAddRef, wgpuBindGroupRelease);
}

// SAFETY: immutable once created; the device is internally synchronized.
unsafe impl Send for BindGroup {}
unsafe impl Sync for BindGroup {}

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

impl BindGroup {
    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuBindGroupSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live group; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuBindGroupSetLabel(self.as_raw(), string::view(label)) }
    }
}

impl Device {
    /// Creates a bind group.
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
        let _gate = self.shared.gate(); // see DeviceShared::destroy_gate
        // SAFETY: live device; the descriptor and entries live across the call.
        unsafe {
            let raw = sys::wgpuDeviceCreateBindGroup(self.as_raw(), &c_desc);
            BindGroup::from_raw(raw, self.clone())
        }
        .expect("wgpuDeviceCreateBindGroup returned null")
    }
}
