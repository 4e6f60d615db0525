//! [`QuerySet`]: timestamp and occlusion queries.

use crate::handle::device_child;
use crate::{Device, QueryType, string};
use dawn_sys as sys;

device_child! {
    /// A set of queries (`WGPUQuerySet`, WebGPU's `GPUQuerySet`). Timestamps need the device feature
    /// [`FeatureName::TimestampQuery`](crate::FeatureName::TimestampQuery); resolve them into a buffer with
    /// [`CommandEncoder::resolve_query_set`](crate::CommandEncoder::resolve_query_set) (8 bytes each,
    /// nanoseconds).
    pub struct QuerySet(RawQuerySet: WGPUQuerySetImpl, wgpuQuerySetAddRef, wgpuQuerySetRelease);
}

// SAFETY: the device is internally synchronized.
unsafe impl Send for QuerySet {}
unsafe impl Sync for QuerySet {}

/// Options of [`Device::create_query_set`].
#[derive(Clone, Copy, Debug, Default)]
pub struct QuerySetDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// Timestamp or occlusion.
    pub ty: QueryType,
    /// How many queries (at most 4096).
    pub count: u32,
}

impl QuerySet {
    /// Sets the label Dawn uses for it in messages.
    #[doc(alias = "wgpuQuerySetSetLabel")]
    pub fn set_label(&self, label: &str) {
        // SAFETY: live query set; the label lives across the call (Dawn copies it).
        unsafe { sys::wgpuQuerySetSetLabel(self.as_raw(), string::view(label)) }
    }

    /// How many queries it holds.
    #[doc(alias = "wgpuQuerySetGetCount")]
    pub fn count(&self) -> u32 {
        // SAFETY: live query set.
        unsafe { sys::wgpuQuerySetGetCount(self.as_raw()) }
    }

    /// Their type.
    #[doc(alias = "wgpuQuerySetGetType")]
    pub fn ty(&self) -> QueryType {
        // SAFETY: live query set.
        QueryType(unsafe { sys::wgpuQuerySetGetType(self.as_raw()) })
    }

    /// Frees the queries now.
    #[doc(alias = "wgpuQuerySetDestroy")]
    pub fn destroy(&self) {
        let _gate = self.device().shared.gate(); // see DeviceShared::destroy_gate
        // SAFETY: live query set.
        unsafe { sys::wgpuQuerySetDestroy(self.as_raw()) }
    }
}

impl Device {
    /// Creates a query set.
    #[doc(alias = "wgpuDeviceCreateQuerySet")]
    pub fn create_query_set(&self, desc: &QuerySetDescriptor<'_>) -> QuerySet {
        let c_desc = sys::WGPUQuerySetDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            type_: desc.ty.0,
            count: desc.count,
        };
        let _gate = self.shared.gate(); // see DeviceShared::destroy_gate
        // SAFETY: live device; the descriptor lives across the call.
        unsafe {
            let raw = sys::wgpuDeviceCreateQuerySet(self.as_raw(), &c_desc);
            QuerySet::from_raw(raw, self.clone())
        }
        .expect("wgpuDeviceCreateQuerySet returned null")
    }
}
