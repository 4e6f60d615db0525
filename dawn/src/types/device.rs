//! Devices: error filters, loss reasons, query types.

use dawn_sys as sys;

c_enum! {
    /// Which errors an error scope catches (`WGPUErrorFilter`).
    ErrorFilter(WGPUErrorFilter) {
        /// Validation errors.
        Validation = sys::WGPUErrorFilter_Validation,
        /// Out-of-memory errors.
        OutOfMemory = sys::WGPUErrorFilter_OutOfMemory,
        /// Internal errors.
        Internal = sys::WGPUErrorFilter_Internal,
    }
}

c_enum! {
    /// Why a device was lost (`WGPUDeviceLostReason`).
    DeviceLostReason(WGPUDeviceLostReason) {
        /// Lost for a reason Dawn did not say (a driver reset, [`Device::force_loss`](crate::Device::force_loss)...).
        Unknown = sys::WGPUDeviceLostReason_Unknown,
        /// [`Device::destroy`](crate::Device::destroy) was called, or the last reference dropped.
        Destroyed = sys::WGPUDeviceLostReason_Destroyed,
        /// The instance went away before the device was lost.
        CallbackCancelled = sys::WGPUDeviceLostReason_CallbackCancelled,
        /// The device request failed.
        FailedCreation = sys::WGPUDeviceLostReason_FailedCreation,
    }
}

c_enum! {
    /// The kind of queries a query set holds (`WGPUQueryType`).
    QueryType(WGPUQueryType) {
        /// Occlusion queries (render passes).
        Occlusion = sys::WGPUQueryType_Occlusion,
        /// GPU timestamps in nanoseconds (needs [`FeatureName::TimestampQuery`](crate::FeatureName::TimestampQuery)).
        Timestamp = sys::WGPUQueryType_Timestamp,
    }
}
