//! Section `kernels` through `wgpu` (see `examples/bench/kernels.rs`): the same WGSL files, byte for
//! byte, the same dispatches per submit, the same checks.

use crate::gpu::Gpu;
use crate::harness::{Row, Side, Workload, alternate};
use crate::reference::{
    SALT_A, SALT_B, WORKGROUP, check_add, check_fill_copy, check_matmul, grid, matmul_samples,
    sample_indices,
};
use crate::spec::{self, Config};
use anyhow::Result;
use std::time::Instant;

const COPY_WGSL: &str = include_str!("../../../examples/bench/wgsl/copy.wgsl");
const ADD_WGSL: &str = include_str!("../../../examples/bench/wgsl/add.wgsl");
const MATMUL_WGSL: &str = include_str!("../../../examples/bench/wgsl/matmul.wgsl");

/// Checks the outputs sampled at the indices.
type Check<'a> = Box<dyn Fn(&[u64], &[f32]) -> Result<()> + 'a>;

struct Kernel<'a> {
    gpu: &'a Gpu,
    pipeline: wgpu::ComputePipeline,
    group: wgpu::BindGroup,
    output: wgpu::Buffer,
    groups: (u32, u32),
    samples: Vec<u64>,
    check: Check<'a>,
}

impl Kernel<'_> {
    fn measure(
        &self,
        workload: &Workload,
        config: &Config,
        what: &str,
        max_ops: usize,
    ) -> Result<Vec<Row>> {
        let side: Side<'_> = Box::new(|n| {
            self.gpu.clear(&self.output)?;
            let start = Instant::now();
            self.gpu
                .dispatch(&self.pipeline, &self.group, self.groups, n);
            self.gpu.wait()?;
            let elapsed = start.elapsed();
            let got = self.gpu.floats_at(&self.output, &self.samples)?;
            (self.check)(&self.samples, &got)?;
            Ok(elapsed)
        });
        let check = format!(
            "{} sampled outputs after every repeat against {what}",
            self.samples.len()
        );
        alternate(
            workload,
            config.plan,
            1,
            max_ops,
            &check,
            vec![("wgpu", side)],
        )
    }
}

fn bindable(gpu: &Gpu, workload: &Workload, bytes: u64) -> bool {
    let limits = gpu.device.limits();
    let fits = bytes <= limits.max_storage_buffer_binding_size && bytes <= limits.max_buffer_size;
    if !fits {
        eprintln!(
            "skipped {}: a {bytes}-byte binding is over this device's limits (binding {}, buffer {})",
            workload.id, limits.max_storage_buffer_binding_size, limits.max_buffer_size
        );
    }
    fits
}

pub fn run(gpu: &Gpu, config: &Config) -> Result<Vec<Row>> {
    let mut rows = Vec::new();

    let size = config.sizes.copy;
    let workload = spec::copy(size);
    if config.wants(&workload.id) && bindable(gpu, &workload, size) {
        let src = gpu.storage("copy src", size);
        gpu.fill(&src, SALT_A)?;
        let dst = gpu.storage("copy dst", size);
        let pipeline = gpu.pipeline("copy", COPY_WGSL);
        let kernel = Kernel {
            gpu,
            group: gpu.group(&pipeline, &[&src, &dst]),
            pipeline,
            groups: grid((size / 16).div_ceil(WORKGROUP as u64)),
            samples: sample_indices(size / 4, 64),
            output: dst,
            check: Box::new(check_fill_copy),
        };
        rows.extend(kernel.measure(&workload, config, "the source", 10_000)?);
    }

    let log2 = config.sizes.add_log2;
    let workload = spec::add(log2);
    let bytes = 4u64 << log2;
    if config.wants(&workload.id) && bindable(gpu, &workload, bytes) {
        let a = gpu.storage("a", bytes);
        let b = gpu.storage("b", bytes);
        gpu.fill(&a, SALT_A)?;
        gpu.fill(&b, SALT_B)?;
        let c = gpu.storage("c", bytes);
        let pipeline = gpu.pipeline("add", ADD_WGSL);
        let kernel = Kernel {
            gpu,
            group: gpu.group(&pipeline, &[&a, &b, &c]),
            pipeline,
            groups: grid((1u64 << log2).div_ceil(WORKGROUP as u64)),
            samples: sample_indices(1 << log2, 64),
            output: c,
            check: Box::new(check_add),
        };
        rows.extend(kernel.measure(&workload, config, "a + b", 10_000)?);
    }

    let pipeline = gpu.pipeline("matmul", MATMUL_WGSL);
    for &n in &config.sizes.matmul {
        let workload = spec::matmul(n);
        let bytes = 4 * n as u64 * n as u64;
        if !config.wants(&workload.id) || !bindable(gpu, &workload, bytes) {
            continue;
        }
        let a = gpu.storage("a", bytes);
        let b = gpu.storage("b", bytes);
        gpu.fill(&a, SALT_A)?;
        gpu.fill(&b, SALT_B)?;
        let c = gpu.storage("c", bytes);
        let dims = gpu.uniform(&[n, n, n, 0]);
        let kernel = Kernel {
            gpu,
            group: gpu.group(&pipeline, &[&a, &b, &c, &dims]),
            pipeline: pipeline.clone(),
            groups: (n / 64, n / 64),
            samples: matmul_samples(n),
            output: c,
            check: Box::new(move |indices, got| check_matmul(n, indices, got)),
        };
        rows.extend(kernel.measure(&workload, config, "f64 dot products", 1_000)?);
    }
    Ok(rows)
}
