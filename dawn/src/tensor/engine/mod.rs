//! The engine: generated kernels ([`codegen`]), their pipeline cache ([`pipelines`]), iteration planning
//! ([`plan`]) and the lazy batch that records dispatches and submits them together ([`batch`]).

pub(crate) mod batch;
pub(crate) mod codegen;
pub(crate) mod pipelines;
pub(crate) mod plan;

use codegen::SlotType;
use codegen::fill::FillSpec;
use codegen::map::MapSpec;
use codegen::reduce::ReduceSpec;

/// One kernel, as the pipeline cache keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Spec {
    Map(MapSpec),
    Reduce(ReduceSpec),
    Fill(FillSpec),
}

impl Spec {
    pub(crate) fn wgsl(&self) -> String {
        match self {
            Spec::Map(s) => s.wgsl(),
            Spec::Reduce(s) => s.wgsl(),
            Spec::Fill(s) => s.wgsl(),
        }
    }

    pub(crate) fn slot_types(&self) -> Vec<SlotType> {
        match self {
            Spec::Map(s) => s.slot_types(),
            Spec::Reduce(s) => s.slot_types(),
            Spec::Fill(s) => s.slot_types(),
        }
    }

    pub(crate) fn label(&self) -> &'static str {
        match self {
            Spec::Map(_) => "dawn::tensor elementwise",
            Spec::Reduce(_) => "dawn::tensor reduction",
            Spec::Fill(_) => "dawn::tensor fill",
        }
    }
}
