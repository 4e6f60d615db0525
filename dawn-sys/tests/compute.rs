//! The compute scenario of `common` through the crate's free functions (loaded at run time by default,
//! the linked `extern "C"` items with feature `linked`): a Vulkan adapter (CPU type on lavapipe) whose
//! info, limits (against the WebGPU spec's minimums) and features (against `wgpuAdapterHasFeature`) are
//! consistent, a device whose uncaptured-error callback reports, and 1,048,576 f32 through a WGSL kernel
//! compared element by element with the CPU. Each test runs on one thread that lives as long as the
//! process (`common::on_the_dawn_thread`: the raw API has no guard against the driver's thread-exit hang).

mod common;

use common::{FreeFunctions, Gpu};

#[test]
fn adapter_is_vulkan_with_consistent_info_limits_and_features() {
    common::on_the_dawn_thread(|| {
        let gpu = Gpu::open(&FreeFunctions);
        common::check_adapter(&gpu);
        gpu.close();
    });
}

#[test]
fn uncaptured_error_callback_reports_a_validation_error() {
    common::on_the_dawn_thread(|| {
        let gpu = Gpu::open(&FreeFunctions);
        common::check_error_callback(&gpu);
        gpu.close();
    });
}

#[test]
fn compute_scenario_matches_the_cpu() {
    common::on_the_dawn_thread(|| {
        let gpu = Gpu::open(&FreeFunctions);
        common::run_compute(&gpu);
        gpu.close();
    });
}
