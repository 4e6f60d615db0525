//! [`RenderBundleEncoder`]: records draws into a [`RenderBundle`].

use crate::encoder::{Recording, debug_markers};
use crate::handle::{Child, handle};
use crate::render_commands::render_commands;
use crate::{Device, RenderBundle, TextureFormat, string};
use dawn_sys as sys;

handle! {
    @unique
    /// The bare `WGPURenderBundleEncoder` reference (never cloned: encoding is not thread-safe).
    pub(crate) struct RawRenderBundleEncoder(WGPURenderBundleEncoderImpl, wgpuRenderBundleEncoderRelease);
}

/// Options of [`Device::create_render_bundle_encoder`] (`WGPURenderBundleEncoderDescriptor`): the
/// attachments of the passes the bundle may run in.
#[derive(Clone, Copy, Debug)]
pub struct RenderBundleEncoderDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The formats of the passes' color attachments (`Undefined`: a hole).
    pub color_formats: &'a [TextureFormat],
    /// The format of their depth-stencil attachment (`Undefined`: none).
    pub depth_stencil_format: TextureFormat,
    /// Their sample count.
    pub sample_count: u32,
    /// Whether the bundle only reads depth (it may then run in passes where depth is read-only).
    pub depth_read_only: bool,
    /// Whether the bundle only reads stencil.
    pub stencil_read_only: bool,
}

impl Default for RenderBundleEncoderDescriptor<'_> {
    fn default() -> Self {
        RenderBundleEncoderDescriptor {
            label: "",
            color_formats: &[],
            depth_stencil_format: TextureFormat::Undefined,
            sample_count: 1,
            depth_read_only: false,
            stencil_read_only: false,
        }
    }
}

/// Options of [`RenderBundleEncoder::finish`] (`WGPURenderBundleDescriptor`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderBundleDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
}

/// Records draws into a render bundle (`WGPURenderBundleEncoder`, WebGPU's `GPURenderBundleEncoder`).
///
/// Like a [`CommandEncoder`](crate::CommandEncoder): `&mut self` methods, `Send` but not `Sync`, not
/// `Clone`, and while it records [`Device::destroy`] and [`Device::force_loss`] are refused.
/// [`finish`](RenderBundleEncoder::finish) consumes it; errors in the recorded commands surface there.
pub struct RenderBundleEncoder(Recording<RawRenderBundleEncoder>);

impl std::fmt::Debug for RenderBundleEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RenderBundleEncoder({:p})", self.as_raw())
    }
}

// SAFETY: an encoder may move between threads; it is never shared (no Clone, no Sync).
unsafe impl Send for RenderBundleEncoder {}

impl RenderBundleEncoder {
    /// The raw `WGPURenderBundleEncoder`, still owned by `self` (for calls into `dawn_sys`).
    pub fn as_raw(&self) -> sys::WGPURenderBundleEncoder {
        self.0.raw().as_raw()
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuRenderBundleEncoderSetLabel")]
    pub fn set_label(&mut self, label: &str) {
        // SAFETY: live encoder; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuRenderBundleEncoderSetLabel(self.as_raw(), string::view(label)) }
    }

    /// Finishes recording. Invalid commands give an invalid bundle and a validation error.
    ///
    /// # Panics
    /// If Dawn returns a null bundle, which it does not do (invalid commands give an error object).
    #[doc(alias = "wgpuRenderBundleEncoderFinish")]
    pub fn finish(self, desc: &RenderBundleDescriptor<'_>) -> RenderBundle {
        let c_desc = sys::WGPURenderBundleDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
        };
        let (raw, device) = self.0.finish(|encoder| {
            // SAFETY: live encoder; the descriptor lives across the call.
            unsafe { sys::wgpuRenderBundleEncoderFinish(encoder.as_raw(), &c_desc) }
        });
        // SAFETY: a new reference to a bundle of this device.
        unsafe { RenderBundle::adopt(raw, device) }
            .expect("wgpuRenderBundleEncoderFinish returned null")
    }
}

render_commands!(
    RenderBundleEncoder,
    set_pipeline: wgpuRenderBundleEncoderSetPipeline = "wgpuRenderBundleEncoderSetPipeline",
    set_bind_group: wgpuRenderBundleEncoderSetBindGroup = "wgpuRenderBundleEncoderSetBindGroup",
    set_vertex_buffer: wgpuRenderBundleEncoderSetVertexBuffer = "wgpuRenderBundleEncoderSetVertexBuffer",
    set_index_buffer: wgpuRenderBundleEncoderSetIndexBuffer = "wgpuRenderBundleEncoderSetIndexBuffer",
    draw: wgpuRenderBundleEncoderDraw = "wgpuRenderBundleEncoderDraw",
    draw_indexed: wgpuRenderBundleEncoderDrawIndexed = "wgpuRenderBundleEncoderDrawIndexed",
    draw_indirect: wgpuRenderBundleEncoderDrawIndirect = "wgpuRenderBundleEncoderDrawIndirect",
    draw_indexed_indirect: wgpuRenderBundleEncoderDrawIndexedIndirect = "wgpuRenderBundleEncoderDrawIndexedIndirect",
    set_immediates: wgpuRenderBundleEncoderSetImmediates = "wgpuRenderBundleEncoderSetImmediates",
);

debug_markers!(
    RenderBundleEncoder,
    wgpuRenderBundleEncoderInsertDebugMarker = "wgpuRenderBundleEncoderInsertDebugMarker",
    wgpuRenderBundleEncoderPushDebugGroup = "wgpuRenderBundleEncoderPushDebugGroup",
    wgpuRenderBundleEncoderPopDebugGroup = "wgpuRenderBundleEncoderPopDebugGroup"
);

impl Device {
    /// Creates a render bundle encoder.
    ///
    /// # Panics
    /// If Dawn returns null (see [`Device`]'s `# Panics`).
    #[doc(alias = "wgpuDeviceCreateRenderBundleEncoder")]
    pub fn create_render_bundle_encoder(
        &self,
        desc: &RenderBundleEncoderDescriptor<'_>,
    ) -> RenderBundleEncoder {
        let formats: Vec<sys::WGPUTextureFormat> = desc.color_formats.iter().map(|f| f.0).collect();
        let c_desc = sys::WGPURenderBundleEncoderDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            colorFormatCount: formats.len(),
            colorFormats: formats.as_ptr(),
            depthStencilFormat: desc.depth_stencil_format.0,
            sampleCount: desc.sample_count,
            depthReadOnly: desc.depth_read_only as sys::WGPUBool,
            stencilReadOnly: desc.stencil_read_only as sys::WGPUBool,
        };
        RenderBundleEncoder(Recording::new(
            self,
            "wgpuDeviceCreateRenderBundleEncoder",
            |raw| {
                // SAFETY: live device; the descriptor and formats live across the call; a new reference.
                unsafe {
                    RawRenderBundleEncoder::from_raw(sys::wgpuDeviceCreateRenderBundleEncoder(
                        raw, &c_desc,
                    ))
                }
            },
        ))
    }
}
