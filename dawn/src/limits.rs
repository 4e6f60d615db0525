//! Device and adapter limits (`WGPULimits`).

use dawn_sys as sys;

/// Declares [`Limits`] from the list of `WGPULimits` fields, with the conversions both ways.
macro_rules! limits {
    ($($field:ident: $ty:ident = $c:ident),* $(,)?) => {
        /// The limits of an adapter or device (`WGPULimits`), field for field.
        ///
        /// In a request, a field left at its [`Default`] (`u32::MAX` / `u64::MAX`, the header's
        /// `WGPU_LIMIT_*_UNDEFINED`) asks for WebGPU's default; to ask for everything the adapter offers,
        /// pass the adapter's own [`Adapter::limits`](crate::Adapter::limits).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Limits {
            $(#[doc = concat!("`", stringify!($c), "`")] pub $field: $ty,)*
        }

        impl Default for Limits {
            fn default() -> Self {
                Limits { $($field: $ty::MAX,)* }
            }
        }

        impl Limits {
            /// Every field with its C name and value (as `u64`), in header order.
            pub fn fields(&self) -> [(&'static str, u64); [$(stringify!($c)),*].len()] {
                [$((stringify!($c), self.$field as u64)),*]
            }

            pub(crate) fn to_sys(self) -> sys::WGPULimits {
                sys::WGPULimits { nextInChain: std::ptr::null_mut(), $($c: self.$field,)* }
            }

            pub(crate) fn from_sys(l: &sys::WGPULimits) -> Self {
                Limits { $($field: l.$c,)* }
            }

            /// An all-undefined `WGPULimits`, ready for Dawn to fill.
            pub(crate) fn sys_undefined() -> sys::WGPULimits {
                Limits::default().to_sys()
            }
        }
    };
}

limits! {
    max_texture_dimension_1d: u32 = maxTextureDimension1D,
    max_texture_dimension_2d: u32 = maxTextureDimension2D,
    max_texture_dimension_3d: u32 = maxTextureDimension3D,
    max_texture_array_layers: u32 = maxTextureArrayLayers,
    max_bind_groups: u32 = maxBindGroups,
    max_bind_groups_plus_vertex_buffers: u32 = maxBindGroupsPlusVertexBuffers,
    max_bindings_per_bind_group: u32 = maxBindingsPerBindGroup,
    max_dynamic_uniform_buffers_per_pipeline_layout: u32 = maxDynamicUniformBuffersPerPipelineLayout,
    max_dynamic_storage_buffers_per_pipeline_layout: u32 = maxDynamicStorageBuffersPerPipelineLayout,
    max_sampled_textures_per_shader_stage: u32 = maxSampledTexturesPerShaderStage,
    max_samplers_per_shader_stage: u32 = maxSamplersPerShaderStage,
    max_storage_buffers_per_shader_stage: u32 = maxStorageBuffersPerShaderStage,
    max_storage_textures_per_shader_stage: u32 = maxStorageTexturesPerShaderStage,
    max_uniform_buffers_per_shader_stage: u32 = maxUniformBuffersPerShaderStage,
    max_uniform_buffer_binding_size: u64 = maxUniformBufferBindingSize,
    max_storage_buffer_binding_size: u64 = maxStorageBufferBindingSize,
    min_uniform_buffer_offset_alignment: u32 = minUniformBufferOffsetAlignment,
    min_storage_buffer_offset_alignment: u32 = minStorageBufferOffsetAlignment,
    max_vertex_buffers: u32 = maxVertexBuffers,
    max_buffer_size: u64 = maxBufferSize,
    max_vertex_attributes: u32 = maxVertexAttributes,
    max_vertex_buffer_array_stride: u32 = maxVertexBufferArrayStride,
    max_inter_stage_shader_variables: u32 = maxInterStageShaderVariables,
    max_color_attachments: u32 = maxColorAttachments,
    max_color_attachment_bytes_per_sample: u32 = maxColorAttachmentBytesPerSample,
    max_compute_workgroup_storage_size: u32 = maxComputeWorkgroupStorageSize,
    max_compute_invocations_per_workgroup: u32 = maxComputeInvocationsPerWorkgroup,
    max_compute_workgroup_size_x: u32 = maxComputeWorkgroupSizeX,
    max_compute_workgroup_size_y: u32 = maxComputeWorkgroupSizeY,
    max_compute_workgroup_size_z: u32 = maxComputeWorkgroupSizeZ,
    max_compute_workgroups_per_dimension: u32 = maxComputeWorkgroupsPerDimension,
    max_immediate_size: u32 = maxImmediateSize,
}
