//! [`Sampler`]: how shaders filter and address texture reads.

use crate::handle::device_child;
use crate::{AddressMode, CompareFunction, Device, FilterMode, MipmapFilterMode, Result, string};
use dawn_sys as sys;

device_child! {
    /// A sampler (`WGPUSampler`, WebGPU's `GPUSampler`). `Clone` adds a reference.
    pub struct Sampler(RawSampler: WGPUSamplerImpl, wgpuSamplerAddRef, wgpuSamplerRelease, wgpuSamplerSetLabel = "wgpuSamplerSetLabel");
}

/// Options of [`Device::create_sampler`] (`WGPUSamplerDescriptor`). The defaults are webgpu.h's: clamp to
/// edge, nearest filtering, mip levels 0 to 32, no comparison, anisotropy 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplerDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// Addressing of the horizontal coordinate.
    pub address_mode_u: AddressMode,
    /// Addressing of the vertical coordinate.
    pub address_mode_v: AddressMode,
    /// Addressing of the depth coordinate.
    pub address_mode_w: AddressMode,
    /// Filtering when a texel covers more than a pixel.
    pub mag_filter: FilterMode,
    /// Filtering when a texel covers less than a pixel.
    pub min_filter: FilterMode,
    /// Filtering between mip levels.
    pub mipmap_filter: MipmapFilterMode,
    /// The lowest mip level used.
    pub lod_min_clamp: f32,
    /// The highest mip level used.
    pub lod_max_clamp: f32,
    /// A comparison sampler's function (`Undefined`: a plain sampler).
    pub compare: CompareFunction,
    /// The anisotropy clamp (1: off; more needs linear filtering everywhere).
    pub max_anisotropy: u16,
}

impl Default for SamplerDescriptor<'_> {
    fn default() -> Self {
        SamplerDescriptor {
            label: "",
            address_mode_u: AddressMode::ClampToEdge,
            address_mode_v: AddressMode::ClampToEdge,
            address_mode_w: AddressMode::ClampToEdge,
            mag_filter: FilterMode::Nearest,
            min_filter: FilterMode::Nearest,
            mipmap_filter: MipmapFilterMode::Nearest,
            lod_min_clamp: 0.0,
            lod_max_clamp: 32.0,
            compare: CompareFunction::Undefined,
            max_anisotropy: 1,
        }
    }
}

impl Device {
    /// Creates a sampler (an invalid one is an error object, its error reported as for
    /// [`create_bind_group`](Device::create_bind_group)).
    #[doc(alias = "wgpuDeviceCreateSampler")]
    pub fn create_sampler(&self, desc: &SamplerDescriptor<'_>) -> Sampler {
        let c_desc = sys::WGPUSamplerDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            addressModeU: desc.address_mode_u.0,
            addressModeV: desc.address_mode_v.0,
            addressModeW: desc.address_mode_w.0,
            magFilter: desc.mag_filter.0,
            minFilter: desc.min_filter.0,
            mipmapFilter: desc.mipmap_filter.0,
            lodMinClamp: desc.lod_min_clamp,
            lodMaxClamp: desc.lod_max_clamp,
            compare: desc.compare.0,
            maxAnisotropy: desc.max_anisotropy,
        };
        // SAFETY: live device; the descriptor lives across the call; a new reference.
        unsafe {
            self.create("wgpuDeviceCreateSampler", |raw| {
                sys::wgpuDeviceCreateSampler(raw, &c_desc)
            })
        }
    }

    /// Creates a sampler, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_sampler_checked(&self, desc: &SamplerDescriptor<'_>) -> Result<Sampler> {
        self.scoped(|d| d.create_sampler(desc))
    }
}
