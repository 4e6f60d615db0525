//! [`TextureView`]: how a pass or a binding sees a texture (a mip range, a layer range, an aspect, a
//! format).

use crate::handle::{DeviceChild, handle};
use crate::{
    Device, Texture, TextureAspect, TextureFormat, TextureUsage, TextureViewDimension, string,
};
use dawn_sys as sys;
use std::sync::Arc;

handle! {
    /// The bare `WGPUTextureView` reference.
    pub(crate) struct RawTextureView(WGPUTextureViewImpl, wgpuTextureViewAddRef, wgpuTextureViewRelease);
}

/// Options of [`Texture::create_view`] (`WGPUTextureViewDescriptor`). The defaults see the whole texture
/// as it is: its format, dimension, usage, every mip level, layer and aspect.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextureViewDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The view's format (`Undefined`: the texture's; otherwise it or one of its `view_formats`).
    pub format: TextureFormat,
    /// The view's dimension (`Undefined`: from the texture).
    pub dimension: TextureViewDimension,
    /// The first mip level seen.
    pub base_mip_level: u32,
    /// Mip levels seen (`None`: to the last).
    pub mip_level_count: Option<u32>,
    /// The first array layer seen.
    pub base_array_layer: u32,
    /// Array layers seen (`None`: to the last).
    pub array_layer_count: Option<u32>,
    /// Which aspects are seen.
    pub aspect: TextureAspect,
    /// The usages the view is for (`None`: the texture's; otherwise a subset of them).
    pub usage: TextureUsage,
}

/// A view of a texture (`WGPUTextureView`, WebGPU's `GPUTextureView`), for pass attachments and bindings.
///
/// `Clone` shares the view; it keeps its [`Texture`] alive (also after the texture's own handles drop).
#[derive(Clone)]
pub struct TextureView(Arc<ViewShared>);

struct ViewShared {
    raw: DeviceChild<RawTextureView>,
    texture: Texture,
    format: TextureFormat,
    usage: TextureUsage,
}

// SAFETY: the device is internally synchronized (see `device_child!`); the rest is immutable.
unsafe impl Send for ViewShared {}
// SAFETY: as above.
unsafe impl Sync for ViewShared {}

impl TextureView {
    /// The raw `WGPUTextureView`, still owned by `self` (for calls into `dawn_sys`).
    #[inline]
    pub fn as_raw(&self) -> sys::WGPUTextureView {
        self.0.raw.raw().as_raw()
    }

    /// The device it belongs to.
    pub fn device(&self) -> &Device {
        self.0.raw.device()
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuTextureViewSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live view; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuTextureViewSetLabel(self.as_raw(), string::view(label)) }
    }

    /// The texture it views.
    pub fn texture(&self) -> &Texture {
        &self.0.texture
    }

    /// Its format (the texture's unless the descriptor chose another).
    pub fn format(&self) -> TextureFormat {
        self.0.format
    }

    /// The usages it is for (the texture's unless the descriptor narrowed them).
    pub fn usage(&self) -> TextureUsage {
        self.0.usage
    }
}

impl std::fmt::Debug for TextureView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextureView")
            .field("raw", &self.as_raw())
            .field("texture", &self.0.texture.as_raw())
            .field("format", &self.0.format)
            .finish()
    }
}

impl PartialEq for TextureView {
    fn eq(&self, other: &Self) -> bool {
        self.as_raw() == other.as_raw()
    }
}

impl Eq for TextureView {}

impl std::hash::Hash for TextureView {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_raw().hash(state)
    }
}

impl Texture {
    /// Creates a view (an invalid one, e.g. a format not in the texture's `view_formats`, is an error
    /// object, its error reported as for [`Device::create_texture`]).
    ///
    /// # Panics
    /// If Dawn returns null (see [`Device`]'s `# Panics`).
    #[doc(alias = "wgpuTextureCreateView")]
    pub fn create_view(&self, desc: &TextureViewDescriptor<'_>) -> TextureView {
        let c_desc = sys::WGPUTextureViewDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            format: desc.format.0,
            dimension: desc.dimension.0,
            baseMipLevel: desc.base_mip_level,
            mipLevelCount: desc
                .mip_level_count
                .unwrap_or(sys::WGPU_MIP_LEVEL_COUNT_UNDEFINED),
            baseArrayLayer: desc.base_array_layer,
            arrayLayerCount: desc
                .array_layer_count
                .unwrap_or(sys::WGPU_ARRAY_LAYER_COUNT_UNDEFINED),
            aspect: desc.aspect.0,
            usage: desc.usage.0,
        };
        let raw = {
            let _gate = self.device().lifecycle().gate();
            // SAFETY: live texture; the descriptor lives across the call; a new reference, ours to own.
            unsafe { RawTextureView::from_raw(sys::wgpuTextureCreateView(self.as_raw(), &c_desc)) }
        }
        .unwrap_or_else(|| panic!("wgpuTextureCreateView returned null"));
        let pick = |given: TextureFormat| match given {
            TextureFormat::Undefined => self.format(),
            given => given,
        };
        TextureView(Arc::new(ViewShared {
            raw: DeviceChild::new(raw, self.device().clone()),
            texture: self.clone(),
            format: pick(desc.format),
            usage: if desc.usage.is_empty() {
                self.usage()
            } else {
                desc.usage
            },
        }))
    }

    /// Creates a view, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_view_checked(
        &self,
        desc: &TextureViewDescriptor<'_>,
    ) -> crate::Result<TextureView> {
        self.device().scoped(|_| self.create_view(desc))
    }
}
