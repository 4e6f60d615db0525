//! Dawn's experimental subgroup matrices: which shapes and component types an adapter offers.

use crate::types::c_enum;
use dawn_sys::dawn_ext as sys;

c_enum! {
    /// The component type of a subgroup matrix (Dawn's `WGPUSubgroupMatrixComponentType`).
    SubgroupMatrixComponentType(WGPUSubgroupMatrixComponentType) {
        /// `f32`.
        F32 = sys::WGPUSubgroupMatrixComponentType_F32,
        /// `f16`.
        F16 = sys::WGPUSubgroupMatrixComponentType_F16,
        /// `u32`.
        U32 = sys::WGPUSubgroupMatrixComponentType_U32,
        /// `i32`.
        I32 = sys::WGPUSubgroupMatrixComponentType_I32,
        /// `u8`, packed four to a 32-bit word.
        U8 = sys::WGPUSubgroupMatrixComponentType_U8,
        /// `i8`, packed four to a 32-bit word.
        I8 = sys::WGPUSubgroupMatrixComponentType_I8,
    }
}

/// One subgroup-matrix multiply shape an adapter supports: `M x K` times `K x N` into `M x N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubgroupMatrixConfig {
    /// The type of the left and right operands' components.
    pub component_type: SubgroupMatrixComponentType,
    /// The type of the result's components.
    pub result_component_type: SubgroupMatrixComponentType,
    /// Rows of the left operand and of the result.
    pub m: u32,
    /// Columns of the right operand and of the result.
    pub n: u32,
    /// Columns of the left operand, rows of the right.
    pub k: u32,
}

impl From<&sys::WGPUSubgroupMatrixConfig> for SubgroupMatrixConfig {
    fn from(c: &sys::WGPUSubgroupMatrixConfig) -> Self {
        SubgroupMatrixConfig {
            component_type: SubgroupMatrixComponentType(c.componentType),
            result_component_type: SubgroupMatrixComponentType(c.resultComponentType),
            m: c.M,
            n: c.N,
            k: c.K,
        }
    }
}
