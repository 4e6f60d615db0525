//! Optional WebGPU and Dawn features (`WGPUFeatureName`) and sets of them.

use crate::types::c_enum;
/// `dawn_sys` plus the Dawn-only feature values, which Dawn's own header (through `DAWN_DIR`) may also define.
mod sys {
    pub use dawn_sys::dawn_ext::{
        WGPUFeatureName_ChromiumExperimentalSubgroupMatrix,
        WGPUFeatureName_ImplicitDeviceSynchronization,
    };
    pub use dawn_sys::*;
}
use std::collections::BTreeSet;
use std::fmt;

c_enum! {
    /// An optional feature of an adapter or device (`WGPUFeatureName`), standard or Dawn-only.
    FeatureName(WGPUFeatureName) {
        /// Core features and limits (not compatibility mode).
        CoreFeaturesAndLimits = WGPUFeatureName_CoreFeaturesAndLimits,
        /// `unclippedDepth` in primitive state.
        DepthClipControl = WGPUFeatureName_DepthClipControl,
        /// The `depth32float-stencil8` format.
        Depth32FloatStencil8 = WGPUFeatureName_Depth32FloatStencil8,
        /// BC compressed textures.
        TextureCompressionBC = WGPUFeatureName_TextureCompressionBC,
        /// BC compressed 3D textures.
        TextureCompressionBCSliced3D = WGPUFeatureName_TextureCompressionBCSliced3D,
        /// ETC2 compressed textures.
        TextureCompressionETC2 = WGPUFeatureName_TextureCompressionETC2,
        /// ASTC compressed textures.
        TextureCompressionASTC = WGPUFeatureName_TextureCompressionASTC,
        /// ASTC compressed 3D textures.
        TextureCompressionASTCSliced3D = WGPUFeatureName_TextureCompressionASTCSliced3D,
        /// Timestamp queries in passes.
        TimestampQuery = WGPUFeatureName_TimestampQuery,
        /// `firstInstance` in indirect draws.
        IndirectFirstInstance = WGPUFeatureName_IndirectFirstInstance,
        /// `f16` in WGSL.
        ShaderF16 = WGPUFeatureName_ShaderF16,
        /// Renderable `rg11b10ufloat`.
        RG11B10UfloatRenderable = WGPUFeatureName_RG11B10UfloatRenderable,
        /// `bgra8unorm` storage textures.
        BGRA8UnormStorage = WGPUFeatureName_BGRA8UnormStorage,
        /// Filterable 32-bit float textures.
        Float32Filterable = WGPUFeatureName_Float32Filterable,
        /// Blendable 32-bit float textures.
        Float32Blendable = WGPUFeatureName_Float32Blendable,
        /// `clip_distances` in WGSL.
        ClipDistances = WGPUFeatureName_ClipDistances,
        /// Dual-source blending.
        DualSourceBlending = WGPUFeatureName_DualSourceBlending,
        /// Subgroup operations in WGSL (`enable subgroups;`).
        Subgroups = WGPUFeatureName_Subgroups,
        /// Texture formats tier 1.
        TextureFormatsTier1 = WGPUFeatureName_TextureFormatsTier1,
        /// Texture formats tier 2.
        TextureFormatsTier2 = WGPUFeatureName_TextureFormatsTier2,
        /// `primitive_index` in WGSL.
        PrimitiveIndex = WGPUFeatureName_PrimitiveIndex,
        /// Texture component swizzles.
        TextureComponentSwizzle = WGPUFeatureName_TextureComponentSwizzle,
        /// Dawn-only: the device locks itself around every call, so it may be shared between threads.
        /// [`Adapter::request_device`](crate::Adapter::request_device) always asks for it.
        ImplicitDeviceSynchronization = WGPUFeatureName_ImplicitDeviceSynchronization,
        /// Dawn-only: cooperative subgroup matrices in WGSL (needs the `allow_unsafe_apis` toggle).
        ChromiumExperimentalSubgroupMatrix = WGPUFeatureName_ChromiumExperimentalSubgroupMatrix,
    }
}

/// A set of features, as an adapter or device reports them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Features(BTreeSet<FeatureName>);

impl Features {
    /// Whether `feature` is in the set.
    pub fn contains(&self, feature: FeatureName) -> bool {
        self.0.contains(&feature)
    }

    /// The features, in value order.
    pub fn iter(&self) -> impl Iterator<Item = FeatureName> + '_ {
        self.0.iter().copied()
    }

    /// How many features the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads and frees a `WGPUSupportedFeatures` that Dawn filled.
    pub(crate) fn from_supported(supported: sys::WGPUSupportedFeatures) -> Self {
        let list = if supported.features.is_null() {
            &[][..]
        } else {
            // SAFETY: Dawn filled `featureCount` entries.
            unsafe { std::slice::from_raw_parts(supported.features, supported.featureCount) }
        };
        let set = list.iter().map(|&f| FeatureName(f)).collect();
        // SAFETY: `supported` was filled by Dawn and is freed once.
        unsafe { sys::wgpuSupportedFeaturesFreeMembers(supported) };
        Features(set)
    }
}

impl FromIterator<FeatureName> for Features {
    fn from_iter<I: IntoIterator<Item = FeatureName>>(iter: I) -> Self {
        Features(iter.into_iter().collect())
    }
}

/// Lists the features by name (unknown ones by number), comma-separated.
impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, feature) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{feature}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}
