//! [`Adapter`]: one GPU (or CPU implementation) as Dawn sees it.

use crate::device::{Device, DeviceDescriptor};
use crate::future::Pending;
use crate::handle::handle;
use crate::subgroup_matrix::SubgroupMatrixConfig;
use crate::toggles::Toggles;
use crate::{
    AdapterType, BackendType, Error, ErrorKind, FeatureLevel, FeatureName, Features, Instance,
    Limits, PowerPreference, Result, string,
};
use dawn_sys as sys;

handle! {
    /// The bare `WGPUAdapter` reference.
    pub(crate) struct RawAdapter(WGPUAdapterImpl, wgpuAdapterAddRef, wgpuAdapterRelease);
}

/// An adapter (`WGPUAdapter`, WebGPU's `GPUAdapter`): reports what a GPU can do and creates devices on it.
#[derive(Clone)]
pub struct Adapter {
    raw: RawAdapter,
    instance: Instance,
}

// SAFETY: Dawn's adapter queries are read-only or internally synchronized.
unsafe impl Send for Adapter {}
// SAFETY: as above.
unsafe impl Sync for Adapter {}

/// Options of [`Instance::request_adapter`] (`WGPURequestAdapterOptions`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestAdapterOptions<'a> {
    /// Which adapter to prefer when several exist.
    pub power_preference: PowerPreference,
    /// Only adapters of this backend ([`BackendType::Undefined`]: any).
    pub backend_type: BackendType,
    /// Ask for a fallback (software) adapter. On lavapipe this finds none: ask for a plain adapter there.
    pub force_fallback_adapter: bool,
    /// The feature level ([`FeatureLevel::Undefined`]: core).
    pub feature_level: FeatureLevel,
    /// Dawn toggles for the adapter (`allow_unsafe_apis` to see experimental features).
    pub toggles: Toggles<'a>,
}

/// What an adapter is (`WGPUAdapterInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterInfo {
    /// The vendor's name.
    pub vendor: String,
    /// The architecture's name.
    pub architecture: String,
    /// The device's name.
    pub device: String,
    /// The driver's description of the adapter (for lavapipe: "llvmpipe (LLVM ...)").
    pub description: String,
    /// The backend it runs on.
    pub backend_type: BackendType,
    /// Discrete GPU, integrated GPU, CPU...
    pub adapter_type: AdapterType,
    /// The PCI vendor id (0 where there is none).
    pub vendor_id: u32,
    /// The PCI device id (0 where there is none).
    pub device_id: u32,
    /// The smallest subgroup size.
    pub subgroup_min_size: u32,
    /// The largest subgroup size.
    pub subgroup_max_size: u32,
}

impl AdapterInfo {
    /// The info Dawn writes through `fill` (an adapter's or device's `GetInfo`), copied, then freed.
    ///
    /// # Safety
    /// `fill` must be a `GetInfo` call that fills the struct it is given and returns its status.
    pub(crate) unsafe fn read(
        fill: impl FnOnce(*mut sys::WGPUAdapterInfo) -> sys::WGPUStatus,
    ) -> Result<Self> {
        // SAFETY: plain data for Dawn to fill; zero is its empty value.
        let mut info: sys::WGPUAdapterInfo = unsafe { std::mem::zeroed() };
        if fill(&mut info) != sys::WGPUStatus_Success {
            return Err(Error::new(
                ErrorKind::Internal,
                "Dawn could not report the adapter's info",
            ));
        }
        // SAFETY: Dawn filled `info`.
        Ok(unsafe { Self::copy_and_free(info) })
    }

    /// # Safety
    /// `info` was filled by Dawn and is freed here, once.
    unsafe fn copy_and_free(info: sys::WGPUAdapterInfo) -> Self {
        // SAFETY: the string views are copied before the members are freed.
        unsafe {
            let out = AdapterInfo {
                vendor: string::to_string(info.vendor),
                architecture: string::to_string(info.architecture),
                device: string::to_string(info.device),
                description: string::to_string(info.description),
                backend_type: BackendType(info.backendType),
                adapter_type: AdapterType(info.adapterType),
                vendor_id: info.vendorID,
                device_id: info.deviceID,
                subgroup_min_size: info.subgroupMinSize,
                subgroup_max_size: info.subgroupMaxSize,
            };
            sys::wgpuAdapterInfoFreeMembers(info);
            out
        }
    }
}

impl Adapter {
    /// # Safety
    /// `raw` is null or a live adapter of `instance` whose reference the caller owns.
    pub(crate) unsafe fn from_raw(raw: sys::WGPUAdapter, instance: Instance) -> Option<Self> {
        // SAFETY: as the caller promised.
        unsafe { RawAdapter::from_raw(raw) }.map(|raw| Adapter { raw, instance })
    }

    /// The raw `WGPUAdapter`, still owned by `self`.
    pub fn as_raw(&self) -> sys::WGPUAdapter {
        self.raw.as_raw()
    }

    /// The instance this adapter came from.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// What the adapter is: names, backend, type, ids, subgroup sizes.
    #[doc(alias = "wgpuAdapterGetInfo")]
    pub fn info(&self) -> Result<AdapterInfo> {
        // SAFETY: live adapter; Dawn fills the info it is given.
        unsafe { AdapterInfo::read(|out| sys::wgpuAdapterGetInfo(self.as_raw(), out)) }
    }

    /// The adapter's limits: the best a device on it can ask for.
    ///
    /// # Panics
    /// If Dawn reports an error for the query, which it does only for extension structs this crate never
    /// passes.
    #[doc(alias = "wgpuAdapterGetLimits")]
    pub fn limits(&self) -> Limits {
        let mut limits = Limits::sys_undefined();
        // SAFETY: live adapter, valid out pointer.
        let status = unsafe { sys::wgpuAdapterGetLimits(self.as_raw(), &mut limits) };
        assert_eq!(
            status,
            sys::WGPUStatus_Success,
            "wgpuAdapterGetLimits failed"
        );
        Limits::from_sys(&limits)
    }

    /// The optional features the adapter offers.
    #[doc(alias = "wgpuAdapterGetFeatures")]
    pub fn features(&self) -> Features {
        // SAFETY: live adapter; Dawn fills the list, which `read` frees.
        unsafe { Features::read(|out| sys::wgpuAdapterGetFeatures(self.as_raw(), out)) }
    }

    /// Whether the adapter offers `feature`.
    #[doc(alias = "wgpuAdapterHasFeature")]
    pub fn has_feature(&self, feature: FeatureName) -> bool {
        // SAFETY: live adapter.
        unsafe { sys::wgpuAdapterHasFeature(self.as_raw(), feature.0) != 0 }
    }

    /// The subgroup-matrix shapes the adapter supports; empty unless it offers
    /// [`FeatureName::ChromiumExperimentalSubgroupMatrix`] (which needs the `allow_unsafe_apis` toggle).
    pub fn subgroup_matrix_configs(&self) -> Result<Vec<SubgroupMatrixConfig>> {
        if !self.has_feature(FeatureName::ChromiumExperimentalSubgroupMatrix) {
            return Ok(Vec::new());
        }
        use sys::dawn_ext as ext;
        let mut configs = ext::WGPUAdapterPropertiesSubgroupMatrixConfigs {
            chain: sys::WGPUChainedStruct {
                next: std::ptr::null_mut(),
                sType: ext::WGPUSType_AdapterPropertiesSubgroupMatrixConfigs,
            },
            configCount: 0,
            configs: std::ptr::null(),
        };
        // SAFETY: plain data for Dawn to fill.
        let mut info: sys::WGPUAdapterInfo = unsafe { std::mem::zeroed() };
        info.nextInChain = &mut configs.chain;
        // SAFETY: live adapter; the chained struct lives across the call.
        let status = unsafe { sys::wgpuAdapterGetInfo(self.as_raw(), &mut info) };
        info.nextInChain = std::ptr::null_mut();
        if status != sys::WGPUStatus_Success {
            return Err(Error::new(ErrorKind::Internal, "wgpuAdapterGetInfo failed"));
        }
        let list = if configs.configs.is_null() {
            Vec::new()
        } else {
            // SAFETY: Dawn filled `configCount` configs.
            unsafe { std::slice::from_raw_parts(configs.configs, configs.configCount) }
                .iter()
                .map(SubgroupMatrixConfig::from)
                .collect()
        };
        // SAFETY: both were filled by the call above and are freed once.
        unsafe { ext::wgpuAdapterPropertiesSubgroupMatrixConfigsFreeMembers(configs) };
        // SAFETY: filled by the call above.
        drop(unsafe { AdapterInfo::copy_and_free(info) });
        Ok(list)
    }

    /// Asks for a device. The device always has [`FeatureName::ImplicitDeviceSynchronization`] (so it may be
    /// shared between threads) and Dawn's `timestamp_quantization` toggle off (so short passes time right).
    ///
    /// Dawn consumes an adapter after one device: a second request on the same adapter fails with
    /// [`ErrorKind::Unavailable`]. Request a new adapter for each device.
    #[doc(alias = "wgpuAdapterRequestDevice")]
    pub fn request_device(&self, desc: &DeviceDescriptor<'_>) -> Pending<Device> {
        Device::request(self, desc)
    }
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Adapter({:p})", self.as_raw())
    }
}
