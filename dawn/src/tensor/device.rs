//! [`Device`]: a tensor device over any `dawn::Device`, with its engine, pool and random generator.

use super::dtype::{ALL_DTYPES, DType};
use super::engine::batch::{Batch, Gpu, MAX_SLOTS};
use super::engine::pipelines::Kernels;
use super::error;
use super::pool::backing::Backing;
use super::pool::summary::memory_summary;
use super::pool::{Lifetime, Pool};
use super::storage::Storage;
use crate::{
    Adapter, DeviceDescriptor, Error, ErrorKind, FeatureName, Instance, RequestAdapterOptions,
    Result,
};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// torch's default seed (`default_rng_seed_val`).
const DEFAULT_SEED: u64 = 67_280_421_310_721;

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// What a tensor device can do, from its `dawn::Device`'s limits and features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// The adapter's description (`"llvmpipe (LLVM 15.0.6, 256 bits)"`, `"NVIDIA H200"`).
    pub adapter: String,
    /// The largest buffer the device creates (`maxBufferSize`).
    pub max_buffer_size: u64,
    /// The largest buffer range a kernel binds (`maxStorageBufferBindingSize`).
    pub max_storage_buffer_binding_size: u64,
    /// The largest tensor storage, in bytes: the smaller of the two above (and of 4 GiB, as kernels
    /// index with 32-bit words).
    pub max_tensor_bytes: u64,
    /// `maxComputeInvocationsPerWorkgroup`.
    pub max_compute_invocations_per_workgroup: u32,
    /// `maxComputeWorkgroupSizeX`.
    pub max_compute_workgroup_size_x: u32,
    /// `maxComputeWorkgroupsPerDimension` (bigger grids are split over two dims).
    pub max_compute_workgroups_per_dimension: u32,
    /// Whether the device has `ShaderF16` (`F16` tensors work either way: they are computed in `f32`).
    pub shader_f16: bool,
    /// Whether the device has `Subgroups`.
    pub subgroups: bool,
    /// The dtypes tensors may have on it (all of them, on any device).
    pub dtypes: Vec<DType>,
}

/// A tensor device: a `dawn::Device` with a kernel cache, a lazy command batch, a memory pool and a
/// random generator. Cheap to clone (clones share everything); several devices (a GPU and lavapipe, two
/// GPUs) coexist, and [`Tensor::to`](super::Tensor::to) copies between them.
///
/// ```
/// let device = dawn::tensor::Device::default_gpu()?;
/// println!("{} on {}", device.name(), device.capabilities().adapter);
/// # Ok::<(), dawn::Error>(())
/// ```
#[derive(Clone)]
pub struct Device {
    pub(crate) inner: Arc<DeviceInner>,
}

pub(crate) struct DeviceInner {
    id: usize,
    pub(crate) gpu: Gpu,
    pub(crate) batch: Mutex<Batch>,
    pub(crate) pool: Mutex<Pool>,
    caps: Capabilities,
    /// `(seed, offset)`: the Philox key and the next unused counter.
    rng: Mutex<(u64, u64)>,
    /// The first uncaptured error of a device this module created (returned at the next sync).
    gpu_error: Option<Arc<Mutex<Option<Error>>>>,
}

impl Device {
    /// A tensor device on `device`, with whatever limits and features it was created with. Fails with
    /// [`ErrorKind::Unavailable`] if its limits are below what the kernels need (WebGPU's defaults are
    /// enough).
    pub fn new(device: crate::Device) -> Result<Device> {
        Device::build(device, None)
    }

    /// A tensor device on a new device of `adapter`, requesting the adapter's own limits (so tensors may
    /// be as large as the adapter allows) and `ShaderF16` and `Subgroups` where offered. Errors that no
    /// error scope catches are returned by the next [`sync`](Device::sync) or read-back.
    pub fn from_adapter(adapter: &Adapter) -> Result<Device> {
        let limits = adapter.limits();
        let features: Vec<FeatureName> = [FeatureName::ShaderF16, FeatureName::Subgroups]
            .into_iter()
            .filter(|&f| adapter.has_feature(f))
            .collect();
        let sink = Arc::new(Mutex::new(None));
        let record = sink.clone();
        let device = adapter
            .request_device(&DeviceDescriptor {
                label: "dawn::tensor",
                required_features: &features,
                required_limits: Some(&limits),
                on_uncaptured_error: Some(Arc::new(move |e: &Error| {
                    record.lock().get_or_insert_with(|| e.clone());
                })),
                ..Default::default()
            })
            .wait()?;
        Device::build(device, Some(sink))
    }

    /// A tensor device on the default adapter (a new instance), as [`from_adapter`](Device::from_adapter).
    pub fn default_gpu() -> Result<Device> {
        let instance = Instance::new()?;
        let adapter = instance
            .request_adapter(&RequestAdapterOptions::default())
            .wait()?;
        Device::from_adapter(&adapter)
    }

    fn build(
        device: crate::Device,
        gpu_error: Option<Arc<Mutex<Option<Error>>>>,
    ) -> Result<Device> {
        let limits = device.limits();
        let needs = [
            (
                "maxComputeInvocationsPerWorkgroup",
                limits.max_compute_invocations_per_workgroup as u64,
                256,
            ),
            (
                "maxComputeWorkgroupSizeX",
                limits.max_compute_workgroup_size_x as u64,
                256,
            ),
            (
                "maxStorageBuffersPerShaderStage",
                limits.max_storage_buffers_per_shader_stage as u64,
                MAX_SLOTS as u64,
            ),
            (
                "maxDynamicUniformBuffersPerPipelineLayout",
                limits.max_dynamic_uniform_buffers_per_pipeline_layout as u64,
                1,
            ),
            (
                "maxComputeWorkgroupStorageSize",
                limits.max_compute_workgroup_storage_size as u64,
                4096,
            ),
        ];
        for (name, have, need) in needs {
            if have < need {
                return Err(Error::new(
                    ErrorKind::Unavailable,
                    format!(
                        "dawn::tensor needs a device with {name} >= {need}; this one has {have}"
                    ),
                ));
            }
        }
        if limits.min_uniform_buffer_offset_alignment > 256 {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "dawn::tensor needs minUniformBufferOffsetAlignment <= 256; this device has {}",
                    limits.min_uniform_buffer_offset_alignment
                ),
            ));
        }
        let max_tensor_bytes = limits
            .max_buffer_size
            .min(limits.max_storage_buffer_binding_size)
            .min(u32::MAX as u64 & !255);
        let caps = Capabilities {
            adapter: device.adapter_info()?.description,
            max_buffer_size: limits.max_buffer_size,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_tensor_bytes,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_compute_workgroup_size_x: limits.max_compute_workgroup_size_x,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            shader_f16: device.has_feature(FeatureName::ShaderF16),
            subgroups: device.has_feature(FeatureName::Subgroups),
            dtypes: ALL_DTYPES.to_vec(),
        };
        let gpu = Gpu {
            queue: device.queue(),
            kernels: Kernels::new(&device),
            max_workgroups: limits.max_compute_workgroups_per_dimension,
            device: device.clone(),
        };
        Ok(Device {
            inner: Arc::new(DeviceInner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                gpu,
                batch: Mutex::new(Batch::default()),
                pool: Mutex::new(Pool::new(Backing::new(device), max_tensor_bytes)),
                caps,
                rng: Mutex::new((DEFAULT_SEED, 0)),
                gpu_error,
            }),
        })
    }

    /// What the device can do.
    pub fn capabilities(&self) -> &Capabilities {
        &self.inner.caps
    }

    /// The `dawn::Device` underneath.
    pub fn gpu(&self) -> &crate::Device {
        &self.inner.gpu.device
    }

    /// The device's name in messages: `dawn:N`, numbered in creation order.
    pub fn name(&self) -> String {
        format!("dawn:{}", self.inner.id)
    }

    /// Whether two handles are the same device.
    pub fn same(&self, other: &Device) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Submits all recorded work and waits until the GPU has finished it.
    pub fn sync(&self) -> Result<()> {
        self.inner
            .batch
            .lock()
            .sync(&self.inner.gpu, &self.inner.pool)?;
        self.check_gpu_error()
    }

    /// Submits all recorded work without waiting for it.
    pub fn flush(&self) -> Result<()> {
        self.inner
            .batch
            .lock()
            .flush(&self.inner.gpu, &self.inner.pool)
    }

    /// Returns (once) an error the device reported outside any error scope.
    pub(crate) fn check_gpu_error(&self) -> Result<()> {
        match self.inner.gpu_error.as_ref().and_then(|e| e.lock().take()) {
            Some(e) => Err(Error::new(
                e.kind(),
                format!("the GPU reported an error: {}", e.message()),
            )),
            None => Ok(()),
        }
    }

    /// Seeds the random generator (`torch.manual_seed`): `rand` and `randn` then give the same values
    /// in the same order.
    pub fn manual_seed(&self, seed: u64) {
        *self.inner.rng.lock() = (seed, 0);
    }

    /// The generator's key and the first counter of `groups` groups of four random words, reserved.
    pub(crate) fn take_random(&self, groups: u64) -> (u64, u64) {
        let mut rng = self.inner.rng.lock();
        let taken = *rng;
        rng.1 = rng.1.wrapping_add(groups);
        taken
    }

    /// A storage of `bytes` bytes. An allocation the device refuses empties the pool's cache and is
    /// tried once more (`num_alloc_retries`), then fails with [`ErrorKind::OutOfMemory`] (`num_ooms`).
    pub(crate) fn allocate(&self, bytes: u64, lifetime: Lifetime) -> Result<Arc<Storage>> {
        let caps = &self.inner.caps;
        if bytes > caps.max_tensor_bytes {
            let (name, limit) = if bytes > caps.max_buffer_size {
                ("maxBufferSize", caps.max_buffer_size)
            } else if bytes > caps.max_storage_buffer_binding_size {
                (
                    "maxStorageBufferBindingSize",
                    caps.max_storage_buffer_binding_size,
                )
            } else {
                ("32-bit indexing limit", caps.max_tensor_bytes)
            };
            return Err(error::too_large("a tensor", bytes, name, limit));
        }
        let first = self.inner.pool.lock().allocate(bytes, lifetime);
        let allocation = match first {
            Ok(a) => a,
            Err(e) if e.kind() != ErrorKind::OutOfMemory => return Err(e),
            Err(_) => {
                // Free what can be freed: finished work's blocks, cached bind groups, the cache.
                self.sync()?;
                self.inner.batch.lock().clear_bind_groups();
                let mut pool = self.inner.pool.lock();
                pool.note_retry();
                pool.empty_cache();
                match pool.allocate(bytes, lifetime) {
                    Ok(a) => a,
                    Err(e) => {
                        pool.note_oom();
                        let stats = pool.stats();
                        return Err(error::out_of_memory(
                            bytes,
                            stats.allocated_bytes.all.current,
                            stats.reserved_bytes.all.current,
                            e.message(),
                        ));
                    }
                }
            }
        };
        Ok(Arc::new(Storage::new(self.clone(), allocation)))
    }

    /// torch's `memory_stats()`: flat counters (`"allocated_bytes.all.current"`, `"num_ooms"`, ...).
    pub fn memory_stats(&self) -> BTreeMap<String, u64> {
        self.inner.pool.lock().stats().to_map()
    }

    /// Bytes held by tensors now (`memory_allocated`).
    pub fn memory_allocated(&self) -> u64 {
        self.inner.pool.lock().stats().allocated_bytes.all.current
    }

    /// The most bytes held by tensors at once since the last peak reset (`max_memory_allocated`).
    pub fn max_memory_allocated(&self) -> u64 {
        self.inner.pool.lock().stats().allocated_bytes.all.peak
    }

    /// Bytes held from the device: tensors' blocks and cached ones (`memory_reserved`).
    pub fn memory_reserved(&self) -> u64 {
        self.inner.pool.lock().stats().reserved_bytes.all.current
    }

    /// The most bytes held from the device since the last peak reset (`max_memory_reserved`).
    pub fn max_memory_reserved(&self) -> u64 {
        self.inner.pool.lock().stats().reserved_bytes.all.peak
    }

    /// torch's `memory_summary()` table; `abbreviated` leaves out the per-pool rows.
    pub fn memory_summary(&self, abbreviated: bool) -> String {
        memory_summary(self.inner.pool.lock().stats(), self.inner.id, abbreviated)
    }

    /// Submits recorded work and gives every cached block back to the device (`empty_cache`).
    pub fn empty_cache(&self) -> Result<()> {
        let mut batch = self.inner.batch.lock();
        batch.flush(&self.inner.gpu, &self.inner.pool)?;
        batch.clear_bind_groups();
        drop(batch);
        self.inner.pool.lock().empty_cache();
        Ok(())
    }

    /// Sets every peak counter to its current value (`reset_peak_memory_stats`).
    pub fn reset_peak_memory_stats(&self) {
        self.inner.pool.lock().reset_peak_stats();
    }

    /// How many kernels (pipelines) the device has compiled.
    pub fn kernels_compiled(&self) -> usize {
        self.inner.gpu.kernels.len()
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Device({}, {:?})", self.name(), self.inner.caps.adapter)
    }
}

/// Checks that two operands share a device (torch's message otherwise).
pub(crate) fn same_device(a: &Device, b: &Device) -> Result<()> {
    if a.same(b) {
        Ok(())
    } else {
        Err(error::different_devices(&a.name(), &b.name()))
    }
}
