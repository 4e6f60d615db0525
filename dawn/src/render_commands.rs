//! [`render_commands!`]: the drawing commands that render passes and render bundle encoders share.

/// Declares `set_pipeline`, `set_bind_group`, `set_vertex_buffer`, `set_index_buffer`, `draw`,
/// `draw_indexed`, `draw_indirect`, `draw_indexed_indirect` and `set_immediates` on an encoder type with an
/// `as_raw()`, from its C functions (each written `method: function = "function"`: the function, and its
/// doc alias for the coverage scanner).
macro_rules! render_commands {
    (
        $ty:ty,
        set_pipeline: $set_pipeline:ident = $set_pipeline_name:literal,
        set_bind_group: $set_bind_group:ident = $set_bind_group_name:literal,
        set_vertex_buffer: $set_vertex_buffer:ident = $set_vertex_buffer_name:literal,
        set_index_buffer: $set_index_buffer:ident = $set_index_buffer_name:literal,
        draw: $draw:ident = $draw_name:literal,
        draw_indexed: $draw_indexed:ident = $draw_indexed_name:literal,
        draw_indirect: $draw_indirect:ident = $draw_indirect_name:literal,
        draw_indexed_indirect: $draw_indexed_indirect:ident = $draw_indexed_indirect_name:literal,
        set_immediates: $set_immediates:ident = $set_immediates_name:literal $(,)?
    ) => {
        impl $ty {
            /// Sets the pipeline of the next draws.
            #[doc(alias = $set_pipeline_name)]
            #[inline]
            pub fn set_pipeline(&mut self, pipeline: &$crate::RenderPipeline) {
                // SAFETY: live encoder and pipeline (Dawn keeps its own reference).
                unsafe { dawn_sys::$set_pipeline(self.as_raw(), pipeline.as_raw()) }
            }

            /// Binds `group` at `index`, with one offset per dynamic-offset binding, in binding order.
            #[doc(alias = $set_bind_group_name)]
            #[inline]
            pub fn set_bind_group(
                &mut self,
                index: u32,
                group: &$crate::BindGroup,
                dynamic_offsets: &[u32],
            ) {
                // SAFETY: live encoder and group; the offsets live across the call.
                unsafe {
                    dawn_sys::$set_bind_group(
                        self.as_raw(),
                        index,
                        group.as_raw(),
                        dynamic_offsets.len(),
                        dynamic_offsets.as_ptr(),
                    )
                }
            }

            /// Reads vertex buffer slot `slot` from `size` bytes (`None`: to the end) of `buffer` at
            /// `offset` (`Vertex` usage).
            #[doc(alias = $set_vertex_buffer_name)]
            #[inline]
            pub fn set_vertex_buffer(
                &mut self,
                slot: u32,
                buffer: &$crate::Buffer,
                offset: u64,
                size: Option<u64>,
            ) {
                // SAFETY: live encoder and buffer.
                unsafe {
                    dawn_sys::$set_vertex_buffer(
                        self.as_raw(),
                        slot,
                        buffer.as_raw(),
                        offset,
                        size.unwrap_or(dawn_sys::WGPU_WHOLE_SIZE),
                    )
                }
            }

            /// Reads indices of `format` from `size` bytes (`None`: to the end) of `buffer` at `offset`
            /// (`Index` usage).
            #[doc(alias = $set_index_buffer_name)]
            #[inline]
            pub fn set_index_buffer(
                &mut self,
                buffer: &$crate::Buffer,
                format: $crate::IndexFormat,
                offset: u64,
                size: Option<u64>,
            ) {
                // SAFETY: live encoder and buffer.
                unsafe {
                    dawn_sys::$set_index_buffer(
                        self.as_raw(),
                        buffer.as_raw(),
                        format.0,
                        offset,
                        size.unwrap_or(dawn_sys::WGPU_WHOLE_SIZE),
                    )
                }
            }

            /// Draws `instance_count` instances of `vertex_count` vertices, from vertex `first_vertex` and
            /// instance `first_instance`.
            #[doc(alias = $draw_name)]
            #[inline]
            pub fn draw(
                &mut self,
                vertex_count: u32,
                instance_count: u32,
                first_vertex: u32,
                first_instance: u32,
            ) {
                // SAFETY: live encoder.
                unsafe {
                    dawn_sys::$draw(
                        self.as_raw(),
                        vertex_count,
                        instance_count,
                        first_vertex,
                        first_instance,
                    )
                }
            }

            /// Draws `instance_count` instances of `index_count` indices from index `first_index`, each
            /// index plus `base_vertex` naming a vertex.
            #[doc(alias = $draw_indexed_name)]
            #[inline]
            pub fn draw_indexed(
                &mut self,
                index_count: u32,
                instance_count: u32,
                first_index: u32,
                base_vertex: i32,
                first_instance: u32,
            ) {
                // SAFETY: live encoder.
                unsafe {
                    dawn_sys::$draw_indexed(
                        self.as_raw(),
                        index_count,
                        instance_count,
                        first_index,
                        base_vertex,
                        first_instance,
                    )
                }
            }

            /// Draws with the arguments `(vertex_count, instance_count, first_vertex, first_instance)`,
            /// four `u32` in `indirect_buffer` at `indirect_offset` (`Indirect` usage; offset a multiple
            /// of 4).
            #[doc(alias = $draw_indirect_name)]
            #[inline]
            pub fn draw_indirect(
                &mut self,
                indirect_buffer: &$crate::Buffer,
                indirect_offset: u64,
            ) {
                // SAFETY: live encoder and buffer.
                unsafe {
                    dawn_sys::$draw_indirect(
                        self.as_raw(),
                        indirect_buffer.as_raw(),
                        indirect_offset,
                    )
                }
            }

            /// Draws indexed with the arguments `(index_count, instance_count, first_index, base_vertex,
            /// first_instance)`, five 32-bit words in `indirect_buffer` at `indirect_offset`.
            #[doc(alias = $draw_indexed_indirect_name)]
            #[inline]
            pub fn draw_indexed_indirect(
                &mut self,
                indirect_buffer: &$crate::Buffer,
                indirect_offset: u64,
            ) {
                // SAFETY: live encoder and buffer.
                unsafe {
                    dawn_sys::$draw_indexed_indirect(
                        self.as_raw(),
                        indirect_buffer.as_raw(),
                        indirect_offset,
                    )
                }
            }

            /// Sets immediate data (`var<immediate>` in WGSL) at byte `offset` for the next draws (offset
            /// and size multiples of 4, within the layout's `immediate_size`).
            #[doc(alias = $set_immediates_name)]
            #[inline]
            pub fn set_immediates<T: bytemuck::NoUninit>(&mut self, offset: u32, data: &[T]) {
                let bytes: &[u8] = bytemuck::cast_slice(data);
                // SAFETY: live encoder; `bytes` is readable for its length during the call.
                unsafe {
                    dawn_sys::$set_immediates(
                        self.as_raw(),
                        offset,
                        bytes.as_ptr().cast(),
                        bytes.len(),
                    )
                }
            }
        }
    };
}

pub(crate) use render_commands;
