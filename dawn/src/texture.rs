//! [`Texture`]: images on the GPU, with their descriptor cached, and [`Texture::read_back`], which hides
//! the 256-byte row rule of texture-to-buffer copies.

use crate::handle::{DeviceChild, handle};
use crate::texel_copy::{
    COPY_BYTES_PER_ROW_ALIGNMENT, TexelCopyBufferLayout, TexelCopyTextureInfo,
};
use crate::{
    BufferDescriptor, BufferUsage, Device, Error, MapMode, Result, TexelCopyBufferInfo,
    TextureAspect, TextureDimension, TextureFormat, TextureUsage, TextureViewDimension, string,
};
use dawn_sys as sys;
use std::sync::Arc;

handle! {
    /// The bare `WGPUTexture` reference.
    pub(crate) struct RawTexture(WGPUTextureImpl, wgpuTextureAddRef, wgpuTextureRelease);
}

/// A size in texels (`WGPUExtent3D`): width, height, and depth (3D) or array layers (1D/2D).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extent3D {
    /// Width in texels.
    pub width: u32,
    /// Height in texels (1 for 1D).
    pub height: u32,
    /// Depth (3D textures) or array layers (2D textures).
    pub depth_or_array_layers: u32,
}

impl Extent3D {
    /// `width x height x depth_or_array_layers`.
    pub const fn new(width: u32, height: u32, depth_or_array_layers: u32) -> Self {
        Extent3D {
            width,
            height,
            depth_or_array_layers,
        }
    }

    pub(crate) fn to_sys(self) -> sys::WGPUExtent3D {
        sys::WGPUExtent3D {
            width: self.width,
            height: self.height,
            depthOrArrayLayers: self.depth_or_array_layers,
        }
    }
}

impl Default for Extent3D {
    /// webgpu.h's defaults: width 0 (to be given), height 1, one layer.
    fn default() -> Self {
        Extent3D::new(0, 1, 1)
    }
}

/// Options of [`Device::create_texture`] (`WGPUTextureDescriptor`). The defaults are webgpu.h's: 2D, one mip
/// level, one sample.
#[derive(Clone, Copy, Debug)]
pub struct TextureDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// What the texture may be used for.
    pub usage: TextureUsage,
    /// 1D, 2D (the default) or 3D.
    pub dimension: TextureDimension,
    /// Size of mip level 0.
    pub size: Extent3D,
    /// The texel format.
    pub format: TextureFormat,
    /// Mip levels (at least 1).
    pub mip_level_count: u32,
    /// Samples per texel: 1, or 4 for a multisampled render target.
    pub sample_count: u32,
    /// Other formats views of the texture may have (sRGB and linear variants of its format).
    pub view_formats: &'a [TextureFormat],
}

impl Default for TextureDescriptor<'_> {
    fn default() -> Self {
        TextureDescriptor {
            label: "",
            usage: TextureUsage::None,
            dimension: TextureDimension::e2D,
            size: Extent3D::default(),
            format: TextureFormat::Undefined,
            mip_level_count: 1,
            sample_count: 1,
            view_formats: &[],
        }
    }
}

/// A texture (`WGPUTexture`, WebGPU's `GPUTexture`).
///
/// `Clone` shares the texture; equality and hashing compare the texture. The getters answer from the
/// descriptor it was created with, without calling Dawn. Views ([`Texture::create_view`]) keep it alive.
///
/// ```
/// # let instance = dawn::Instance::new()?;
/// # let adapter = instance.request_adapter(&Default::default()).wait()?;
/// # let device = adapter.request_device(&Default::default()).wait()?;
/// use dawn::{Extent3D, TextureDescriptor, TextureFormat, TextureUsage};
/// // A 3x2 RGBA8 image: rows of 12 bytes, which a plain buffer copy would have to pad to 256.
/// let texels: Vec<u8> = (0..24).collect();
/// let texture = device.create_texture_init(
///     &TextureDescriptor {
///         label: "tiny",
///         usage: TextureUsage::CopySrc,
///         size: Extent3D::new(3, 2, 1),
///         format: TextureFormat::RGBA8Unorm,
///         ..Default::default()
///     },
///     &texels,
/// )?;
/// assert_eq!(texture.read_back()?, texels);
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct Texture(Arc<TextureShared>);

struct TextureShared {
    raw: DeviceChild<RawTexture>,
    usage: TextureUsage,
    dimension: TextureDimension,
    size: Extent3D,
    format: TextureFormat,
    mip_level_count: u32,
    sample_count: u32,
}

// SAFETY: the device is internally synchronized (see `device_child!`), and the cached descriptor is
// immutable.
unsafe impl Send for TextureShared {}
// SAFETY: as above.
unsafe impl Sync for TextureShared {}

impl Texture {
    /// The raw `WGPUTexture`, still owned by `self` (for calls into `dawn_sys`).
    #[inline]
    pub fn as_raw(&self) -> sys::WGPUTexture {
        self.0.raw.raw().as_raw()
    }

    /// The device that created it.
    pub fn device(&self) -> &Device {
        self.0.raw.device()
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuTextureSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live texture; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuTextureSetLabel(self.as_raw(), string::view(label)) }
    }

    /// Width of mip level 0.
    #[doc(alias = "wgpuTextureGetWidth")]
    pub fn width(&self) -> u32 {
        self.0.size.width
    }

    /// Height of mip level 0.
    #[doc(alias = "wgpuTextureGetHeight")]
    pub fn height(&self) -> u32 {
        self.0.size.height
    }

    /// Depth (3D) or array layers (1D/2D).
    #[doc(alias = "wgpuTextureGetDepthOrArrayLayers")]
    pub fn depth_or_array_layers(&self) -> u32 {
        self.0.size.depth_or_array_layers
    }

    /// The size of mip level 0.
    pub fn size(&self) -> Extent3D {
        self.0.size
    }

    /// Mip levels.
    #[doc(alias = "wgpuTextureGetMipLevelCount")]
    pub fn mip_level_count(&self) -> u32 {
        self.0.mip_level_count
    }

    /// Samples per texel.
    #[doc(alias = "wgpuTextureGetSampleCount")]
    pub fn sample_count(&self) -> u32 {
        self.0.sample_count
    }

    /// 1D, 2D or 3D.
    #[doc(alias = "wgpuTextureGetDimension")]
    pub fn dimension(&self) -> TextureDimension {
        self.0.dimension
    }

    /// The texel format.
    #[doc(alias = "wgpuTextureGetFormat")]
    pub fn format(&self) -> TextureFormat {
        self.0.format
    }

    /// The usage it was created with.
    #[doc(alias = "wgpuTextureGetUsage")]
    pub fn usage(&self) -> TextureUsage {
        self.0.usage
    }

    /// The view dimension a texture binding of it must have in compatibility mode (`Undefined` unless
    /// the device is a compatibility-mode one and the texture was created with one).
    #[doc(alias = "wgpuTextureGetTextureBindingViewDimension")]
    pub fn texture_binding_view_dimension(&self) -> TextureViewDimension {
        // SAFETY: live texture.
        TextureViewDimension(unsafe {
            sys::wgpuTextureGetTextureBindingViewDimension(self.as_raw())
        })
    }

    /// The size of mip level `level` (`None` past the last): each dimension halved per level, at least 1;
    /// array layers are not halved.
    pub fn mip_level_size(&self, level: u32) -> Option<Extent3D> {
        if level >= self.0.mip_level_count {
            return None;
        }
        let s = self.0.size;
        let halve = |v: u32| v.checked_shr(level).unwrap_or(0).max(1);
        Some(match self.0.dimension {
            TextureDimension::e1D => Extent3D::new(halve(s.width), 1, 1),
            TextureDimension::e3D => Extent3D::new(
                halve(s.width),
                halve(s.height),
                halve(s.depth_or_array_layers),
            ),
            _ => Extent3D::new(halve(s.width), halve(s.height), s.depth_or_array_layers),
        })
    }

    /// A copy location of the whole of mip level 0 (all aspects, origin 0).
    pub fn as_image_copy(&self) -> TexelCopyTextureInfo<'_> {
        TexelCopyTextureInfo {
            texture: self,
            mip_level: 0,
            origin: Default::default(),
            aspect: TextureAspect::All,
        }
    }

    /// Frees the texture's memory now; later uses are validation errors (views included). Never refused
    /// (`Ok` also on a lost device, like every call that ends something).
    #[doc(alias = "wgpuTextureDestroy")]
    pub fn destroy(&self) -> Result<()> {
        let _gate = self.device().lifecycle().gate();
        // SAFETY: live texture; the gate keeps the call apart from a device destroy.
        unsafe { sys::wgpuTextureDestroy(self.as_raw()) };
        Ok(())
    }

    /// Reads mip level 0 back: every layer (or depth slice), each row tightly packed
    /// (`width * block_copy_size` bytes, no 256-byte padding), layer after layer. Waits for the GPU.
    ///
    /// The texture needs `CopySrc`, one sample, and a format that copies whole
    /// ([`TextureFormat::block_copy_size`]): otherwise [`ErrorKind::Validation`](crate::ErrorKind) before
    /// anything is recorded. Errors Dawn finds in the copy (a destroyed texture...) come back as an `Err`
    /// with its message.
    pub fn read_back(&self) -> Result<Vec<u8>> {
        self.read_back_mip(0)
    }

    /// [`read_back`](Texture::read_back) of mip level `mip_level` (its size is
    /// [`mip_level_size`](Texture::mip_level_size), rounded up to whole blocks for compressed formats).
    pub fn read_back_mip(&self, mip_level: u32) -> Result<Vec<u8>> {
        let device = self.device();
        device.lifecycle().check_alive()?;
        let size = self.mip_level_size(mip_level).ok_or_else(|| {
            Error::validation(format!(
                "read_back of mip level {mip_level}: the texture has {} level(s)",
                self.0.mip_level_count
            ))
        })?;
        if self.0.sample_count != 1 {
            return Err(Error::validation(format!(
                "read_back: a texture with {} samples cannot be copied; resolve it into a single-sampled one first",
                self.0.sample_count
            )));
        }
        let Some(block_size) = self.0.format.block_copy_size() else {
            return Err(Error::validation(format!(
                "read_back: {:?} textures cannot be copied whole (copy one aspect with copy_texture_to_buffer)",
                self.0.format
            )));
        };
        let (block_w, block_h) = self.0.format.block_dimensions();
        let tight_row = size.width.div_ceil(block_w) as u64 * block_size as u64;
        let rows_per_image = size.height.div_ceil(block_h);
        let rows = rows_per_image as u64 * size.depth_or_array_layers as u64;
        let padded_row = tight_row.next_multiple_of(COPY_BYTES_PER_ROW_ALIGNMENT as u64);
        // The last row needs no padding; maps need a size that is a multiple of 4.
        let staging_size = rows
            .checked_sub(1)
            .and_then(|r| r.checked_mul(padded_row))
            .and_then(|b| b.checked_add(tight_row))
            .filter(|_| tight_row > 0 && padded_row <= u32::MAX as u64)
            .ok_or_else(|| {
                Error::validation(format!(
                    "read_back: a mip level of {}x{}x{} {:?} texels has no valid copy",
                    size.width, size.height, size.depth_or_array_layers, self.0.format
                ))
            })?
            .next_multiple_of(4);
        let staging = device.create_buffer(&BufferDescriptor {
            label: "texture read_back staging",
            size: staging_size,
            usage: BufferUsage::MapRead | BufferUsage::CopyDst,
            mapped_at_creation: false,
        })?;
        device.try_scoped(|d| {
            let mut encoder = d.create_command_encoder(&Default::default());
            encoder.copy_texture_to_buffer(
                &TexelCopyTextureInfo {
                    mip_level,
                    ..self.as_image_copy()
                },
                &TexelCopyBufferInfo {
                    layout: TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(padded_row as u32),
                        rows_per_image: Some(rows_per_image),
                    },
                    buffer: &staging,
                },
                Extent3D::new(
                    size.width.next_multiple_of(block_w),
                    size.height.next_multiple_of(block_h),
                    size.depth_or_array_layers,
                ),
            )?;
            d.queue().submit(&[encoder.finish()]);
            Ok(())
        })?;
        staging.map_async(MapMode::Read, ..).wait()?;
        let mapped = staging.get_mapped_range(..)?;
        let (tight_row, padded_row) = (tight_row as usize, padded_row as usize);
        let mut texels = Vec::with_capacity(rows as usize * tight_row);
        for row in mapped.chunks(padded_row).take(rows as usize) {
            texels.extend_from_slice(&row[..tight_row]);
        }
        Ok(texels)
    }
}

impl std::fmt::Debug for Texture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texture")
            .field("raw", &self.as_raw())
            .field("size", &self.0.size)
            .field("format", &self.0.format)
            .field("usage", &self.0.usage)
            .finish()
    }
}

impl PartialEq for Texture {
    fn eq(&self, other: &Self) -> bool {
        self.as_raw() == other.as_raw()
    }
}

impl Eq for Texture {}

impl std::hash::Hash for Texture {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_raw().hash(state)
    }
}

impl Device {
    /// Creates a texture. An invalid one is an error object, its validation error reported to the error
    /// scopes or the uncaptured-error handler; [`create_texture_checked`] returns it instead.
    ///
    /// # Panics
    /// If Dawn returns null (see [`Device`]'s `# Panics`).
    ///
    /// [`create_texture_checked`]: Device::create_texture_checked
    #[doc(alias = "wgpuDeviceCreateTexture")]
    pub fn create_texture(&self, desc: &TextureDescriptor<'_>) -> Texture {
        let view_formats: Vec<sys::WGPUTextureFormat> =
            desc.view_formats.iter().map(|f| f.0).collect();
        let c_desc = sys::WGPUTextureDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            usage: desc.usage.0,
            dimension: desc.dimension.0,
            size: desc.size.to_sys(),
            format: desc.format.0,
            mipLevelCount: desc.mip_level_count,
            sampleCount: desc.sample_count,
            viewFormatCount: view_formats.len(),
            viewFormats: view_formats.as_ptr(),
        };
        let raw = {
            let gate = self.gate();
            // SAFETY: live device; the descriptor and formats live across the call; a new reference.
            unsafe { RawTexture::from_raw(sys::wgpuDeviceCreateTexture(gate.raw(), &c_desc)) }
        }
        .unwrap_or_else(|| panic!("wgpuDeviceCreateTexture returned null"));
        let dimension = match desc.dimension {
            TextureDimension::Undefined => TextureDimension::e2D,
            given => given,
        };
        Texture(Arc::new(TextureShared {
            raw: DeviceChild::new(raw, self.clone()),
            usage: desc.usage,
            dimension,
            size: desc.size,
            format: desc.format,
            mip_level_count: desc.mip_level_count,
            sample_count: desc.sample_count,
        }))
    }

    /// Creates a texture, returning its validation error (Dawn's message) as an `Err`.
    pub fn create_texture_checked(&self, desc: &TextureDescriptor<'_>) -> Result<Texture> {
        self.scoped(|d| d.create_texture(desc))
    }

    /// Creates a texture holding `data` (`CopyDst` is added to the usage): every mip level in turn, each
    /// level's layers (or depth slices) one after the other, rows tightly packed (`width *
    /// block_copy_size` bytes, no padding). Data of the wrong length, a multisampled texture or a format
    /// that does not copy whole are refused with [`ErrorKind::Validation`](crate::ErrorKind).
    pub fn create_texture_init<T: bytemuck::NoUninit>(
        &self,
        desc: &TextureDescriptor<'_>,
        data: &[T],
    ) -> Result<Texture> {
        let data: &[u8] = bytemuck::cast_slice(data);
        let Some(block_size) = desc.format.block_copy_size() else {
            return Err(Error::validation(format!(
                "create_texture_init: {:?} textures cannot be written whole",
                desc.format
            )));
        };
        if desc.sample_count != 1 {
            return Err(Error::validation(format!(
                "create_texture_init: a texture with {} samples cannot be written",
                desc.sample_count
            )));
        }
        let texture = self.create_texture(&TextureDescriptor {
            usage: desc.usage | TextureUsage::CopyDst,
            ..*desc
        });
        // WebGPU allows at most 1 + log2(largest dimension) levels, so never more than 32.
        if desc.mip_level_count > 32 {
            return Err(Error::validation(format!(
                "create_texture_init: {} mip levels; a texture has at most 32",
                desc.mip_level_count
            )));
        }
        let (block_w, block_h) = desc.format.block_dimensions();
        let mut levels = Vec::new();
        let mut expected = 0u64;
        for level in 0..desc.mip_level_count {
            let size = texture.mip_level_size(level).unwrap_or_default();
            let size = Extent3D::new(
                size.width.next_multiple_of(block_w),
                size.height.next_multiple_of(block_h),
                size.depth_or_array_layers,
            );
            let row = (size.width / block_w) as u64 * block_size as u64;
            let bytes = row
                .checked_mul((size.height / block_h) as u64 * size.depth_or_array_layers as u64)
                .and_then(|b| b.checked_add(expected));
            let Some(end) = bytes.filter(|_| row <= u32::MAX as u64) else {
                return Err(Error::validation(format!(
                    "create_texture_init: {}x{}x{} {:?} texels are too many to write",
                    desc.size.width, desc.size.height, desc.size.depth_or_array_layers, desc.format
                )));
            };
            levels.push((level, expected, row, size));
            expected = end;
        }
        if data.len() as u64 != expected {
            return Err(Error::validation(format!(
                "create_texture_init: {} bytes given; {:?} {}x{}x{} with {} mip level(s) takes {expected}",
                data.len(),
                desc.format,
                desc.size.width,
                desc.size.height,
                desc.size.depth_or_array_layers,
                desc.mip_level_count
            )));
        }
        let queue = self.queue();
        for (mip_level, offset, row, size) in levels {
            queue.write_texture(
                &TexelCopyTextureInfo {
                    mip_level,
                    ..texture.as_image_copy()
                },
                data,
                &TexelCopyBufferLayout {
                    offset,
                    bytes_per_row: Some(row as u32),
                    rows_per_image: Some(size.height / block_h),
                },
                size,
            )?;
        }
        Ok(texture)
    }
}
