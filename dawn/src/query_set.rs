//! [`QuerySet`]: timestamp and occlusion queries.

use crate::handle::device_child;
use crate::{Device, QueryType, Result, string};
use dawn_sys as sys;

device_child! {
    /// A set of queries (`WGPUQuerySet`, WebGPU's `GPUQuerySet`). Timestamps need the device feature
    /// [`FeatureName::TimestampQuery`](crate::FeatureName::TimestampQuery); resolve them into a buffer with
    /// [`CommandEncoder::resolve_query_set`](crate::CommandEncoder::resolve_query_set) (8 bytes each,
    /// nanoseconds).
    pub struct QuerySet(RawQuerySet: WGPUQuerySetImpl, wgpuQuerySetAddRef, wgpuQuerySetRelease, wgpuQuerySetSetLabel = "wgpuQuerySetSetLabel");
}

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

    /// Frees the queries now; later uses are validation errors. Never refused (`Ok` also on a lost
    /// device, like every call that ends something).
    #[doc(alias = "wgpuQuerySetDestroy")]
    pub fn destroy(&self) -> Result<()> {
        let _gate = self.device().lifecycle().gate();
        // SAFETY: live query set; the gate keeps the call apart from a device destroy.
        unsafe { sys::wgpuQuerySetDestroy(self.as_raw()) };
        Ok(())
    }
}

impl Device {
    /// Creates a query set (an invalid one is an error object, its error reported as for
    /// [`create_bind_group`](Device::create_bind_group)).
    #[doc(alias = "wgpuDeviceCreateQuerySet")]
    pub fn create_query_set(&self, desc: &QuerySetDescriptor<'_>) -> QuerySet {
        let c_desc = sys::WGPUQuerySetDescriptor {
            nextInChain: std::ptr::null_mut(),
            label: string::label(desc.label),
            type_: desc.ty.0,
            count: desc.count,
        };
        // SAFETY: live device; the descriptor lives across the call; a new reference.
        unsafe {
            self.create("wgpuDeviceCreateQuerySet", |raw| {
                sys::wgpuDeviceCreateQuerySet(raw, &c_desc)
            })
        }
    }
}
