//! [`RenderPassEncoder`]: records draws into a render pass, and the pass's attachments.

use crate::encoder::debug_markers;
use crate::handle::{handle, with_raw_array};
use crate::render_commands::render_commands;
use crate::{
    CommandEncoder, Error, PassTimestampWrites, QuerySet, RenderBundle, Result, TextureUsage,
    TextureView, string,
};
use dawn_sys as sys;
use std::marker::PhantomData;

handle! {
    @unique
    /// The bare `WGPURenderPassEncoder` reference (never cloned).
    pub(crate) struct RawRenderPass(WGPURenderPassEncoderImpl, wgpuRenderPassEncoderRelease);
}

/// An RGBA color of `f64` channels (`WGPUColor`): clear values and the blend constant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Color {
    /// Red.
    pub r: f64,
    /// Green.
    pub g: f64,
    /// Blue.
    pub b: f64,
    /// Alpha.
    pub a: f64,
}

impl Color {
    /// (0, 0, 0, 0).
    pub const TRANSPARENT: Color = Color::new(0.0, 0.0, 0.0, 0.0);
    /// (0, 0, 0, 1).
    pub const BLACK: Color = Color::new(0.0, 0.0, 0.0, 1.0);
    /// (1, 1, 1, 1).
    pub const WHITE: Color = Color::new(1.0, 1.0, 1.0, 1.0);

    /// `(r, g, b, a)`.
    pub const fn new(r: f64, g: f64, b: f64, a: f64) -> Self {
        Color { r, g, b, a }
    }

    fn to_sys(self) -> sys::WGPUColor {
        sys::WGPUColor {
            r: self.r,
            g: self.g,
            b: self.b,
            a: self.a,
        }
    }
}

/// What an attachment holds when the pass begins (`WGPULoadOp` with its clear value): a clear always
/// carries its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoadOp<V> {
    /// Every texel set to the value.
    Clear(V),
    /// The attachment's contents as they are.
    Load,
}

/// What happens to an attachment's contents when the pass ends (`WGPUStoreOp`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StoreOp {
    /// They are written to the texture.
    #[default]
    Store,
    /// They are thrown away (the texture reads as zeros afterwards).
    Discard,
}

impl StoreOp {
    fn to_sys(self) -> sys::WGPUStoreOp {
        match self {
            StoreOp::Store => sys::WGPUStoreOp_Store,
            StoreOp::Discard => sys::WGPUStoreOp_Discard,
        }
    }
}

/// The load and store operations of one attachment (or one aspect of a depth-stencil attachment).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Operations<V> {
    /// At the start of the pass.
    pub load: LoadOp<V>,
    /// At the end of the pass.
    pub store: StoreOp,
}

impl<V> Operations<V> {
    /// Clear to `value`, store at the end.
    pub const fn clear(value: V) -> Self {
        Operations {
            load: LoadOp::Clear(value),
            store: StoreOp::Store,
        }
    }

    /// Load, store at the end.
    pub const fn load() -> Self {
        Operations {
            load: LoadOp::Load,
            store: StoreOp::Store,
        }
    }

    /// The C load op, store op and clear value (`undefined` when not clearing).
    fn into_sys(self, undefined: V) -> (sys::WGPULoadOp, sys::WGPUStoreOp, V) {
        match self.load {
            LoadOp::Clear(v) => (sys::WGPULoadOp_Clear, self.store.to_sys(), v),
            LoadOp::Load => (sys::WGPULoadOp_Load, self.store.to_sys(), undefined),
        }
    }
}

/// A color attachment of a render pass (`WGPURenderPassColorAttachment`).
#[derive(Clone, Copy, Debug)]
pub struct RenderPassColorAttachment<'a> {
    /// The view drawn into (`RenderAttachment` usage).
    pub view: &'a TextureView,
    /// The slice of a 3D texture drawn into (`None` for other textures).
    pub depth_slice: Option<u32>,
    /// A single-sampled view the multisampled `view` is resolved into at the end of the pass.
    pub resolve_target: Option<&'a TextureView>,
    /// Its load and store operations.
    pub ops: Operations<Color>,
}

/// The depth-stencil attachment of a render pass (`WGPURenderPassDepthStencilAttachment`).
#[derive(Clone, Copy, Debug)]
pub struct RenderPassDepthStencilAttachment<'a> {
    /// The view (`RenderAttachment` usage).
    pub view: &'a TextureView,
    /// The depth aspect's operations; `None`: depth is read-only in the pass (or the format has none).
    pub depth_ops: Option<Operations<f32>>,
    /// The stencil aspect's operations; `None`: stencil is read-only in the pass (or the format has
    /// none).
    pub stencil_ops: Option<Operations<u32>>,
}

/// Options of [`CommandEncoder::begin_render_pass`] (`WGPURenderPassDescriptor`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderPassDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The color attachments `@location(0)`, `@location(1)`, ... (`None`: a hole).
    pub color_attachments: &'a [Option<RenderPassColorAttachment<'a>>],
    /// The depth-stencil attachment.
    pub depth_stencil_attachment: Option<RenderPassDepthStencilAttachment<'a>>,
    /// The occlusion query set that [`RenderPassEncoder::begin_occlusion_query`] writes.
    pub occlusion_query_set: Option<&'a QuerySet>,
    /// Timestamps to write at the pass's start and end.
    pub timestamp_writes: Option<PassTimestampWrites<'a>>,
}

/// The cheap rules of a pass's attachments: `RenderAttachment` usage, one sample count, resolve targets
/// single-sampled and resolving a multisampled view.
fn check_attachments(desc: &RenderPassDescriptor<'_>) -> Result<()> {
    let color = desc
        .color_attachments
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.map(|a| (format!("color attachment {i}"), a.view)));
    let depth = desc
        .depth_stencil_attachment
        .map(|d| ("the depth-stencil attachment".to_string(), d.view));
    let mut first: Option<(String, u32)> = None;
    for (name, view) in color.chain(depth) {
        if !view.usage().contains(TextureUsage::RenderAttachment) {
            return Err(Error::validation(format!(
                "begin_render_pass: {name} has usage {:?}, without RenderAttachment",
                view.usage()
            )));
        }
        let samples = view.texture().sample_count();
        match &first {
            Some((first_name, n)) if *n != samples => {
                return Err(Error::validation(format!(
                    "begin_render_pass: attachment sample counts differ: {first_name} has {n}, {name} has {samples}"
                )));
            }
            Some(_) => {}
            None => first = Some((name, samples)),
        }
    }
    for (i, attachment) in desc.color_attachments.iter().enumerate() {
        let Some((view, target)) = attachment.and_then(|a| a.resolve_target.map(|t| (a.view, t)))
        else {
            continue;
        };
        let (from, to) = (
            view.texture().sample_count(),
            target.texture().sample_count(),
        );
        if from == 1 || to != 1 {
            return Err(Error::validation(format!(
                "begin_render_pass: color attachment {i} resolves {from} sample(s) into {to}; a resolve needs a \
                 multisampled attachment and a single-sampled target"
            )));
        }
        if !target.usage().contains(TextureUsage::RenderAttachment) {
            return Err(Error::validation(format!(
                "begin_render_pass: color attachment {i}'s resolve target has usage {:?}, without RenderAttachment",
                target.usage()
            )));
        }
    }
    Ok(())
}

/// An open render pass (`WGPURenderPassEncoder`, WebGPU's `GPURenderPassEncoder`).
///
/// It mutably borrows its [`CommandEncoder`], so it cannot outlive it or overlap another pass.
/// [`end`](RenderPassEncoder::end) ends it; dropping it ends it too. Objects handed to it (pipelines,
/// buffers, bind groups, bundles, views) may be dropped right after: the recorded commands keep them.
pub struct RenderPassEncoder<'e> {
    raw: RawRenderPass,
    ended: bool,
    _encoder: PhantomData<&'e mut CommandEncoder>,
}

impl std::fmt::Debug for RenderPassEncoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RenderPassEncoder({:p})", self.as_raw())
    }
}

// SAFETY: like its encoder, a pass may move between threads but is never shared.
unsafe impl Send for RenderPassEncoder<'_> {}

impl CommandEncoder {
    /// Begins a render pass; the encoder is borrowed until the pass ends.
    ///
    /// Refused with [`ErrorKind::Validation`](crate::ErrorKind) before anything is recorded when an
    /// attachment (or resolve target) lacks `RenderAttachment`, the attachments' sample counts differ, or
    /// a resolve target is not a single-sampled target of a multisampled attachment. Everything else Dawn
    /// checks, reporting at [`finish`](CommandEncoder::finish).
    ///
    /// # Panics
    /// If Dawn returns a null pass, which it does not do (invalid descriptors give an error object).
    #[doc(alias = "wgpuCommandEncoderBeginRenderPass")]
    pub fn begin_render_pass(
        &mut self,
        desc: &RenderPassDescriptor<'_>,
    ) -> Result<RenderPassEncoder<'_>> {
        check_attachments(desc)?;
        let colors: Vec<sys::WGPURenderPassColorAttachment> = desc
            .color_attachments
            .iter()
            .map(|a| {
                // A hole is an attachment without a view.
                let (view, depth_slice, resolve, ops) = match a {
                    Some(a) => (
                        a.view.as_raw(),
                        a.depth_slice.unwrap_or(sys::WGPU_DEPTH_SLICE_UNDEFINED),
                        a.resolve_target
                            .map_or(std::ptr::null_mut(), |t| t.as_raw()),
                        a.ops.into_sys(Color::TRANSPARENT),
                    ),
                    None => (
                        std::ptr::null_mut(),
                        sys::WGPU_DEPTH_SLICE_UNDEFINED,
                        std::ptr::null_mut(),
                        (
                            sys::WGPULoadOp_Undefined,
                            sys::WGPUStoreOp_Undefined,
                            Color::TRANSPARENT,
                        ),
                    ),
                };
                sys::WGPURenderPassColorAttachment {
                    nextInChain: std::ptr::null_mut(),
                    view,
                    depthSlice: depth_slice,
                    resolveTarget: resolve,
                    loadOp: ops.0,
                    storeOp: ops.1,
                    clearValue: ops.2.to_sys(),
                }
            })
            .collect();
        let depth_stencil = desc.depth_stencil_attachment.map(|d| {
            let format = d.view.format();
            let undefined = (sys::WGPULoadOp_Undefined, sys::WGPUStoreOp_Undefined);
            let (depth_load, depth_store, depth_clear) = d.depth_ops.map_or(
                (
                    undefined.0,
                    undefined.1,
                    sys::WGPU_DEPTH_CLEAR_VALUE_UNDEFINED,
                ),
                |ops| ops.into_sys(sys::WGPU_DEPTH_CLEAR_VALUE_UNDEFINED),
            );
            let (stencil_load, stencil_store, stencil_clear) = d
                .stencil_ops
                .map_or((undefined.0, undefined.1, 0), |ops| ops.into_sys(0));
            sys::WGPURenderPassDepthStencilAttachment {
                nextInChain: std::ptr::null_mut(),
                view: d.view.as_raw(),
                depthLoadOp: depth_load,
                depthStoreOp: depth_store,
                depthClearValue: depth_clear,
                // Without operations an aspect the format has is read-only; one it lacks is neither.
                depthReadOnly: (d.depth_ops.is_none() && format.has_depth_aspect())
                    as sys::WGPUBool,
                stencilLoadOp: stencil_load,
                stencilStoreOp: stencil_store,
                stencilClearValue: stencil_clear,
                stencilReadOnly: (d.stencil_ops.is_none() && format.has_stencil_aspect())
                    as sys::WGPUBool,
            }
        });
        let timestamps = desc.timestamp_writes.map(PassTimestampWrites::to_sys);
        let c_desc = sys::WGPURenderPassDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            colorAttachmentCount: colors.len(),
            colorAttachments: colors.as_ptr(),
            depthStencilAttachment: depth_stencil
                .as_ref()
                .map_or(std::ptr::null(), |d| d as *const _),
            occlusionQuerySet: desc
                .occlusion_query_set
                .map_or(std::ptr::null_mut(), |q| q.as_raw()),
            timestampWrites: timestamps
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const _),
        };
        // SAFETY: live encoder; the descriptor and its arrays live across the call.
        let raw = unsafe {
            RawRenderPass::from_raw(sys::wgpuCommandEncoderBeginRenderPass(
                self.as_raw(),
                &c_desc,
            ))
        }
        .expect("wgpuCommandEncoderBeginRenderPass returned null");
        Ok(RenderPassEncoder {
            raw,
            ended: false,
            _encoder: PhantomData,
        })
    }
}

impl RenderPassEncoder<'_> {
    /// The raw `WGPURenderPassEncoder`, still owned by `self` (for calls into `dawn_sys`).
    pub fn as_raw(&self) -> sys::WGPURenderPassEncoder {
        self.raw.as_raw()
    }

    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuRenderPassEncoderSetLabel")]
    pub fn set_label(&mut self, label: &str) {
        // SAFETY: live pass; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuRenderPassEncoderSetLabel(self.as_raw(), string::view(label)) }
    }

    /// Maps normalized device coordinates to the rectangle `x, y, width, height` (in pixels, y down) and
    /// depths to `min_depth..max_depth` for the next draws.
    #[doc(alias = "wgpuRenderPassEncoderSetViewport")]
    pub fn set_viewport(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        min_depth: f32,
        max_depth: f32,
    ) {
        // SAFETY: live pass.
        unsafe {
            sys::wgpuRenderPassEncoderSetViewport(
                self.as_raw(),
                x,
                y,
                width,
                height,
                min_depth,
                max_depth,
            )
        }
    }

    /// Discards fragments outside the rectangle `x, y, width, height` (in pixels) for the next draws.
    #[doc(alias = "wgpuRenderPassEncoderSetScissorRect")]
    pub fn set_scissor_rect(&mut self, x: u32, y: u32, width: u32, height: u32) {
        // SAFETY: live pass.
        unsafe { sys::wgpuRenderPassEncoderSetScissorRect(self.as_raw(), x, y, width, height) }
    }

    /// Sets the color that `BlendFactor::Constant` stands for.
    #[doc(alias = "wgpuRenderPassEncoderSetBlendConstant")]
    pub fn set_blend_constant(&mut self, color: &Color) {
        // SAFETY: live pass; the color lives across the call.
        unsafe { sys::wgpuRenderPassEncoderSetBlendConstant(self.as_raw(), &color.to_sys()) }
    }

    /// Sets the value stencil tests compare against and `StencilOperation::Replace` writes.
    #[doc(alias = "wgpuRenderPassEncoderSetStencilReference")]
    pub fn set_stencil_reference(&mut self, reference: u32) {
        // SAFETY: live pass.
        unsafe { sys::wgpuRenderPassEncoderSetStencilReference(self.as_raw(), reference) }
    }

    /// Starts counting the samples that pass the depth and stencil tests into query `query_index` of the
    /// pass's occlusion query set.
    #[doc(alias = "wgpuRenderPassEncoderBeginOcclusionQuery")]
    pub fn begin_occlusion_query(&mut self, query_index: u32) {
        // SAFETY: live pass.
        unsafe { sys::wgpuRenderPassEncoderBeginOcclusionQuery(self.as_raw(), query_index) }
    }

    /// Stops the occlusion query begun last.
    #[doc(alias = "wgpuRenderPassEncoderEndOcclusionQuery")]
    pub fn end_occlusion_query(&mut self) {
        // SAFETY: live pass.
        unsafe { sys::wgpuRenderPassEncoderEndOcclusionQuery(self.as_raw()) }
    }

    /// Runs the commands of `bundles`, in order. Afterwards the pipeline, bind groups and vertex and
    /// index buffers are unset (set them again before drawing).
    #[doc(alias = "wgpuRenderPassEncoderExecuteBundles")]
    pub fn execute_bundles(&mut self, bundles: &[&RenderBundle]) {
        with_raw_array(
            bundles,
            |b| b.as_raw(),
            |raw| {
                // SAFETY: live pass and bundles; the array lives across the call.
                unsafe {
                    sys::wgpuRenderPassEncoderExecuteBundles(self.as_raw(), raw.len(), raw.as_ptr())
                }
            },
        )
    }

    /// Ends the pass, giving the encoder back.
    #[doc(alias = "wgpuRenderPassEncoderEnd")]
    pub fn end(mut self) {
        self.end_once();
    }

    fn end_once(&mut self) {
        if !self.ended {
            self.ended = true;
            // SAFETY: live pass, ended once.
            unsafe { sys::wgpuRenderPassEncoderEnd(self.as_raw()) }
        }
    }
}

render_commands!(
    RenderPassEncoder<'_>,
    set_pipeline: wgpuRenderPassEncoderSetPipeline = "wgpuRenderPassEncoderSetPipeline",
    set_bind_group: wgpuRenderPassEncoderSetBindGroup = "wgpuRenderPassEncoderSetBindGroup",
    set_vertex_buffer: wgpuRenderPassEncoderSetVertexBuffer = "wgpuRenderPassEncoderSetVertexBuffer",
    set_index_buffer: wgpuRenderPassEncoderSetIndexBuffer = "wgpuRenderPassEncoderSetIndexBuffer",
    draw: wgpuRenderPassEncoderDraw = "wgpuRenderPassEncoderDraw",
    draw_indexed: wgpuRenderPassEncoderDrawIndexed = "wgpuRenderPassEncoderDrawIndexed",
    draw_indirect: wgpuRenderPassEncoderDrawIndirect = "wgpuRenderPassEncoderDrawIndirect",
    draw_indexed_indirect: wgpuRenderPassEncoderDrawIndexedIndirect = "wgpuRenderPassEncoderDrawIndexedIndirect",
    set_immediates: wgpuRenderPassEncoderSetImmediates = "wgpuRenderPassEncoderSetImmediates",
);

debug_markers!(
    RenderPassEncoder<'_>,
    wgpuRenderPassEncoderInsertDebugMarker = "wgpuRenderPassEncoderInsertDebugMarker",
    wgpuRenderPassEncoderPushDebugGroup = "wgpuRenderPassEncoderPushDebugGroup",
    wgpuRenderPassEncoderPopDebugGroup = "wgpuRenderPassEncoderPopDebugGroup"
);

impl Drop for RenderPassEncoder<'_> {
    fn drop(&mut self) {
        self.end_once();
    }
}
