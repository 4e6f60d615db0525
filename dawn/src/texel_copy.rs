//! Copies between textures and buffers: the copy locations, `CommandEncoder::copy_buffer_to_texture`,
//! `copy_texture_to_buffer`, `copy_texture_to_texture` and `Queue::write_texture`, with the cheap WebGPU
//! rules checked before Dawn (the 256-byte row rule, bounds, usages, sample counts).

use crate::{
    Buffer, BufferUsage, CommandEncoder, Error, Extent3D, Queue, Result, Texture, TextureAspect,
    TextureUsage,
};
use dawn_sys as sys;

/// WebGPU's `bytes_per_row` alignment for copies between buffers and textures (`Queue::write_texture`
/// has none).
pub const COPY_BYTES_PER_ROW_ALIGNMENT: u32 = 256;

/// A texel position (`WGPUOrigin3D`): x, y, and z (3D depth or array layer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Origin3D {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Depth slice (3D) or array layer (1D/2D).
    pub z: u32,
}

impl Origin3D {
    fn to_sys(self) -> sys::WGPUOrigin3D {
        sys::WGPUOrigin3D {
            x: self.x,
            y: self.y,
            z: self.z,
        }
    }
}

/// Where texel data lies in a buffer or in memory (`WGPUTexelCopyBufferLayout`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TexelCopyBufferLayout {
    /// Where the first texel block starts, in bytes.
    pub offset: u64,
    /// Bytes from one row of blocks to the next (a multiple of 256 in buffer copies); needed when the copy
    /// has more than one row.
    pub bytes_per_row: Option<u32>,
    /// Rows of blocks from one image (layer or depth slice) to the next; needed when the copy has more than
    /// one image.
    pub rows_per_image: Option<u32>,
}

impl TexelCopyBufferLayout {
    fn to_sys(self) -> sys::WGPUTexelCopyBufferLayout {
        sys::WGPUTexelCopyBufferLayout {
            offset: self.offset,
            bytesPerRow: self
                .bytes_per_row
                .unwrap_or(sys::WGPU_COPY_STRIDE_UNDEFINED),
            rowsPerImage: self
                .rows_per_image
                .unwrap_or(sys::WGPU_COPY_STRIDE_UNDEFINED),
        }
    }
}

/// A buffer side of a copy (`WGPUTexelCopyBufferInfo`).
#[derive(Clone, Copy, Debug)]
pub struct TexelCopyBufferInfo<'a> {
    /// How the texels lie in the buffer.
    pub layout: TexelCopyBufferLayout,
    /// The buffer.
    pub buffer: &'a Buffer,
}

impl TexelCopyBufferInfo<'_> {
    fn to_sys(self) -> sys::WGPUTexelCopyBufferInfo {
        sys::WGPUTexelCopyBufferInfo {
            layout: self.layout.to_sys(),
            buffer: self.buffer.as_raw(),
        }
    }
}

/// A texture side of a copy (`WGPUTexelCopyTextureInfo`); [`Texture::as_image_copy`] gives mip level 0
/// from the origin.
#[derive(Clone, Copy, Debug)]
pub struct TexelCopyTextureInfo<'a> {
    /// The texture.
    pub texture: &'a Texture,
    /// The mip level.
    pub mip_level: u32,
    /// The first texel copied.
    pub origin: Origin3D,
    /// Which aspects (a single aspect of a depth-stencil format).
    pub aspect: TextureAspect,
}

impl TexelCopyTextureInfo<'_> {
    fn to_sys(self) -> sys::WGPUTexelCopyTextureInfo {
        sys::WGPUTexelCopyTextureInfo {
            texture: self.texture.as_raw(),
            mipLevel: self.mip_level,
            origin: self.origin.to_sys(),
            aspect: self.aspect.0,
        }
    }
}

/// `Validation` unless `texture` has `usage`.
fn need_texture_usage(what: &str, texture: &Texture, usage: TextureUsage) -> Result<()> {
    if texture.usage().contains(usage) {
        return Ok(());
    }
    Err(Error::validation(format!(
        "{what} needs texture usage {usage:?}; the texture has {:?}",
        texture.usage()
    )))
}

/// `Validation` unless `buffer` has `usage`.
fn need_buffer_usage(what: &str, buffer: &Buffer, usage: BufferUsage) -> Result<()> {
    if buffer.usage().contains(usage) {
        return Ok(());
    }
    Err(Error::validation(format!(
        "{what} needs buffer usage {usage:?}; the buffer has {:?}",
        buffer.usage()
    )))
}

/// WebGPU's "validating linear texture data" where it is cheap: with `layout` over `total` bytes, a copy of
/// `size` texels of `texture`'s format (the aspect `aspect`) must have the strides it needs and stay in
/// bounds. Formats or sizes this cannot measure (an aspect that does not copy, a size not in whole
/// blocks) are left to Dawn.
fn check_linear_data(
    what: &str,
    texture: &TexelCopyTextureInfo<'_>,
    layout: &TexelCopyBufferLayout,
    size: Extent3D,
    total: u64,
) -> Result<()> {
    let format = texture.texture.format();
    let Some(block_size) = format.aspect_block_copy_size(texture.aspect) else {
        return Ok(());
    };
    let (block_w, block_h) = format.block_dimensions();
    if size.width % block_w != 0 || size.height % block_h != 0 {
        return Ok(());
    }
    let (width_blocks, height_blocks) = (
        (size.width / block_w) as u64,
        (size.height / block_h) as u64,
    );
    let images = size.depth_or_array_layers as u64;
    let bytes_in_last_row = width_blocks * block_size as u64;
    let bytes_per_row = match layout.bytes_per_row {
        Some(b) if (b as u64) < bytes_in_last_row => {
            return Err(Error::validation(format!(
                "{what}: bytes_per_row {b} is less than a row of {} texels of {format:?} ({bytes_in_last_row} bytes)",
                size.width
            )));
        }
        Some(b) => b as u64,
        None if height_blocks > 1 || images > 1 => {
            return Err(Error::validation(format!(
                "{what}: a copy of {height_blocks} rows and {images} image(s) needs bytes_per_row"
            )));
        }
        None => bytes_in_last_row,
    };
    let rows_per_image = match layout.rows_per_image {
        Some(r) if (r as u64) < height_blocks => {
            return Err(Error::validation(format!(
                "{what}: rows_per_image {r} is less than the copy's {height_blocks} rows"
            )));
        }
        Some(r) => r as u64,
        None if images > 1 => {
            return Err(Error::validation(format!(
                "{what}: a copy of {images} images needs rows_per_image"
            )));
        }
        None => height_blocks,
    };
    if images == 0 || height_blocks == 0 || width_blocks == 0 {
        return Ok(());
    }
    // u128: the product of three u32-sized factors cannot overflow it.
    let required = (bytes_per_row as u128 * rows_per_image as u128 * (images - 1) as u128)
        + bytes_per_row as u128 * (height_blocks - 1) as u128
        + bytes_in_last_row as u128;
    if layout.offset as u128 + required > total as u128 {
        return Err(Error::validation(format!(
            "{what}: {}x{}x{} texels of {format:?} at offset {} with bytes_per_row {bytes_per_row} need {} bytes, \
             beyond the {total} available",
            size.width,
            size.height,
            size.depth_or_array_layers,
            layout.offset,
            layout.offset as u128 + required
        )));
    }
    Ok(())
}

/// The buffer side's own rule: `bytes_per_row` a multiple of 256.
fn check_buffer_row_alignment(what: &str, layout: &TexelCopyBufferLayout) -> Result<()> {
    match layout.bytes_per_row {
        Some(b) if b % COPY_BYTES_PER_ROW_ALIGNMENT != 0 => Err(Error::validation(format!(
            "{what}: bytes_per_row {b} is not a multiple of {COPY_BYTES_PER_ROW_ALIGNMENT} \
             (the next is {}); Texture::read_back and Queue::write_texture have no such rule",
            b.next_multiple_of(COPY_BYTES_PER_ROW_ALIGNMENT)
        ))),
        _ => Ok(()),
    }
}

impl CommandEncoder {
    /// Copies `copy_size` texels from `source` (a buffer with `CopySrc`) into `destination` (a texture with
    /// `CopyDst`).
    ///
    /// Refused with [`ErrorKind::Validation`](crate::ErrorKind) before recording, when `bytes_per_row` is
    /// not a multiple of 256, a stride the copy needs is missing or short, the copy overruns the buffer, or
    /// a usage is missing; other errors (origin out of the texture, a format that cannot be copied) surface
    /// at [`finish`](CommandEncoder::finish) with Dawn's message.
    #[doc(alias = "wgpuCommandEncoderCopyBufferToTexture")]
    pub fn copy_buffer_to_texture(
        &mut self,
        source: &TexelCopyBufferInfo<'_>,
        destination: &TexelCopyTextureInfo<'_>,
        copy_size: Extent3D,
    ) -> Result<()> {
        let what = "copy_buffer_to_texture";
        need_buffer_usage(what, source.buffer, BufferUsage::CopySrc)?;
        need_texture_usage(what, destination.texture, TextureUsage::CopyDst)?;
        check_buffer_row_alignment(what, &source.layout)?;
        check_linear_data(
            what,
            destination,
            &source.layout,
            copy_size,
            source.buffer.size(),
        )?;
        // SAFETY: live encoder, buffer and texture; the structs live across the call.
        unsafe {
            sys::wgpuCommandEncoderCopyBufferToTexture(
                self.as_raw(),
                &source.to_sys(),
                &destination.to_sys(),
                &copy_size.to_sys(),
            )
        };
        Ok(())
    }

    /// Copies `copy_size` texels from `source` (a texture with `CopySrc`) into `destination` (a buffer with
    /// `CopyDst`), refused before recording for the same cheap rules as
    /// [`copy_buffer_to_texture`](CommandEncoder::copy_buffer_to_texture). To read a whole texture back,
    /// [`Texture::read_back`] pads and unpads the rows for you.
    #[doc(alias = "wgpuCommandEncoderCopyTextureToBuffer")]
    pub fn copy_texture_to_buffer(
        &mut self,
        source: &TexelCopyTextureInfo<'_>,
        destination: &TexelCopyBufferInfo<'_>,
        copy_size: Extent3D,
    ) -> Result<()> {
        let what = "copy_texture_to_buffer";
        need_texture_usage(what, source.texture, TextureUsage::CopySrc)?;
        need_buffer_usage(what, destination.buffer, BufferUsage::CopyDst)?;
        check_buffer_row_alignment(what, &destination.layout)?;
        check_linear_data(
            what,
            source,
            &destination.layout,
            copy_size,
            destination.buffer.size(),
        )?;
        // SAFETY: live encoder, texture and buffer; the structs live across the call.
        unsafe {
            sys::wgpuCommandEncoderCopyTextureToBuffer(
                self.as_raw(),
                &source.to_sys(),
                &destination.to_sys(),
                &copy_size.to_sys(),
            )
        };
        Ok(())
    }

    /// Copies `copy_size` texels between two textures (`CopySrc` and `CopyDst`, the same sample count,
    /// copy-compatible formats). Missing usages and differing sample counts are refused with
    /// [`ErrorKind::Validation`](crate::ErrorKind) before recording; the rest surfaces at `finish`.
    #[doc(alias = "wgpuCommandEncoderCopyTextureToTexture")]
    pub fn copy_texture_to_texture(
        &mut self,
        source: &TexelCopyTextureInfo<'_>,
        destination: &TexelCopyTextureInfo<'_>,
        copy_size: Extent3D,
    ) -> Result<()> {
        let what = "copy_texture_to_texture";
        need_texture_usage(what, source.texture, TextureUsage::CopySrc)?;
        need_texture_usage(what, destination.texture, TextureUsage::CopyDst)?;
        let (from, to) = (
            source.texture.sample_count(),
            destination.texture.sample_count(),
        );
        if from != to {
            return Err(Error::validation(format!(
                "{what}: sample counts differ (source {from}, destination {to})"
            )));
        }
        // SAFETY: live encoder and textures; the structs live across the call.
        unsafe {
            sys::wgpuCommandEncoderCopyTextureToTexture(
                self.as_raw(),
                &source.to_sys(),
                &destination.to_sys(),
                &copy_size.to_sys(),
            )
        };
        Ok(())
    }
}

impl Queue {
    /// Writes `data` into `destination`: `write_size` texels laid out in `data` as `data_layout` says (one
    /// `wgpuQueueWriteTexture`; Dawn copies the data before returning). Rows need no 256-byte padding.
    ///
    /// Refused with [`ErrorKind::Validation`](crate::ErrorKind), nothing written, when the texture lacks
    /// `CopyDst`, a stride the write needs is missing or short, or the layout runs past `data`;
    /// [`ErrorKind::DeviceLost`](crate::ErrorKind) once the device is lost. Other errors go to the error
    /// scopes. Like [`write_buffer`](Queue::write_buffer), the write runs at the next submit, before the
    /// commands submitted then.
    #[doc(alias = "wgpuQueueWriteTexture")]
    pub fn write_texture<T: bytemuck::NoUninit>(
        &self,
        destination: &TexelCopyTextureInfo<'_>,
        data: &[T],
        data_layout: &TexelCopyBufferLayout,
        write_size: Extent3D,
    ) -> Result<()> {
        let what = "write_texture";
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let lifecycle = self.device().lifecycle();
        lifecycle.check_alive()?;
        need_texture_usage(what, destination.texture, TextureUsage::CopyDst)?;
        check_linear_data(
            what,
            destination,
            data_layout,
            write_size,
            bytes.len() as u64,
        )?;
        let _gate = lifecycle.gate();
        // SAFETY: live queue and texture; `bytes` is readable for its length during the call; the gate keeps
        // the call apart from a destroy.
        unsafe {
            sys::wgpuQueueWriteTexture(
                self.as_raw(),
                &destination.to_sys(),
                bytes.as_ptr().cast(),
                bytes.len(),
                &data_layout.to_sys(),
                &write_size.to_sys(),
            )
        };
        Ok(())
    }
}
