//! [`BindGroupLayout`]: the shape of a bind group.

use crate::handle::device_child;
use crate::{
    BufferBindingType, Device, Result, SamplerBindingType, ShaderStage, StorageTextureAccess,
    TextureFormat, TextureSampleType, TextureViewDimension, string,
};
use dawn_sys as sys;

device_child! {
    /// A bind group layout (`WGPUBindGroupLayout`, WebGPU's `GPUBindGroupLayout`).
    pub struct BindGroupLayout(RawBindGroupLayout: WGPUBindGroupLayoutImpl, wgpuBindGroupLayoutAddRef, wgpuBindGroupLayoutRelease, wgpuBindGroupLayoutSetLabel = "wgpuBindGroupLayoutSetLabel");
}

/// What a binding holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingType {
    /// A buffer binding (`WGPUBufferBindingLayout`).
    Buffer {
        /// Uniform, storage or read-only storage.
        ty: BufferBindingType,
        /// Whether `set_bind_group` supplies the offset (a dynamic offset).
        has_dynamic_offset: bool,
        /// The smallest size a bound range may have (0: checked at draw/dispatch time).
        min_binding_size: u64,
    },
    /// A sampler (`WGPUSamplerBindingLayout`).
    Sampler(SamplerBindingType),
    /// A sampled texture (`WGPUTextureBindingLayout`): `texture_2d<f32>` and the like.
    Texture {
        /// What the shader reads from it.
        sample_type: TextureSampleType,
        /// The view's dimension (`Undefined`: 2D).
        view_dimension: TextureViewDimension,
        /// Whether it is multisampled (`texture_multisampled_2d`).
        multisampled: bool,
    },
    /// A storage texture (`WGPUStorageTextureBindingLayout`): `texture_storage_2d<format, access>`.
    StorageTexture {
        /// Read, write or both.
        access: StorageTextureAccess,
        /// The texel format the shader declares.
        format: TextureFormat,
        /// The view's dimension (`Undefined`: 2D).
        view_dimension: TextureViewDimension,
    },
}

/// One entry of a [`BindGroupLayoutDescriptor`] (`WGPUBindGroupLayoutEntry`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BindGroupLayoutEntry {
    /// The `@binding` number.
    pub binding: u32,
    /// The stages that see it.
    pub visibility: ShaderStage,
    /// What it holds.
    pub ty: BindingType,
}

impl BindGroupLayoutEntry {
    /// A compute-stage storage buffer binding (`read_only`: `var<storage, read>`).
    pub fn storage(binding: u32, read_only: bool) -> Self {
        let ty = if read_only {
            BufferBindingType::ReadOnlyStorage
        } else {
            BufferBindingType::Storage
        };
        BindGroupLayoutEntry {
            binding,
            visibility: ShaderStage::Compute,
            ty: BindingType::Buffer {
                ty,
                has_dynamic_offset: false,
                min_binding_size: 0,
            },
        }
    }

    /// A compute-stage uniform buffer binding.
    pub fn uniform(binding: u32) -> Self {
        BindGroupLayoutEntry {
            binding,
            visibility: ShaderStage::Compute,
            ty: BindingType::Buffer {
                ty: BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: 0,
            },
        }
    }

    fn to_sys(self) -> sys::WGPUBindGroupLayoutEntry {
        // SAFETY: all-zero is "binding not used" for every member we do not set.
        let mut entry: sys::WGPUBindGroupLayoutEntry = unsafe { std::mem::zeroed() };
        entry.binding = self.binding;
        entry.visibility = self.visibility.0;
        match self.ty {
            BindingType::Buffer {
                ty,
                has_dynamic_offset,
                min_binding_size,
            } => {
                entry.buffer.type_ = ty.0;
                entry.buffer.hasDynamicOffset = has_dynamic_offset as sys::WGPUBool;
                entry.buffer.minBindingSize = min_binding_size;
            }
            BindingType::Sampler(ty) => entry.sampler.type_ = ty.0,
            BindingType::Texture {
                sample_type,
                view_dimension,
                multisampled,
            } => {
                entry.texture.sampleType = sample_type.0;
                entry.texture.viewDimension = view_dimension.0;
                entry.texture.multisampled = multisampled as sys::WGPUBool;
            }
            BindingType::StorageTexture {
                access,
                format,
                view_dimension,
            } => {
                entry.storageTexture.access = access.0;
                entry.storageTexture.format = format.0;
                entry.storageTexture.viewDimension = view_dimension.0;
            }
        }
        entry
    }
}

/// Options of [`Device::create_bind_group_layout`].
#[derive(Clone, Copy, Debug, Default)]
pub struct BindGroupLayoutDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The entries.
    pub entries: &'a [BindGroupLayoutEntry],
}

impl Device {
    /// Creates a bind group layout (an invalid one is an error object, its error reported as for
    /// [`create_bind_group`](Device::create_bind_group)).
    #[doc(alias = "wgpuDeviceCreateBindGroupLayout")]
    pub fn create_bind_group_layout(
        &self,
        desc: &BindGroupLayoutDescriptor<'_>,
    ) -> BindGroupLayout {
        let entries: Vec<_> = desc.entries.iter().map(|e| e.to_sys()).collect();
        let c_desc = sys::WGPUBindGroupLayoutDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            entryCount: entries.len(),
            entries: entries.as_ptr(),
        };
        // SAFETY: live device; the descriptor and entries live across the call; a new reference.
        unsafe {
            self.create("wgpuDeviceCreateBindGroupLayout", |raw| {
                sys::wgpuDeviceCreateBindGroupLayout(raw, &c_desc)
            })
        }
    }

    /// Creates a bind group layout, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_bind_group_layout_checked(
        &self,
        desc: &BindGroupLayoutDescriptor<'_>,
    ) -> Result<BindGroupLayout> {
        self.scoped(|d| d.create_bind_group_layout(desc))
    }
}
