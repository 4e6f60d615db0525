//! Buffers: usages, map modes and states, binding types.

use dawn_sys as sys;

c_enum! {
    /// Whether a buffer is mapped (`WGPUBufferMapState`).
    BufferMapState(WGPUBufferMapState) {
        /// Not mapped and no map pending.
        Unmapped = sys::WGPUBufferMapState_Unmapped,
        /// A `map_async` is in flight.
        Pending = sys::WGPUBufferMapState_Pending,
        /// Mapped: ranges may be read or written.
        Mapped = sys::WGPUBufferMapState_Mapped,
    }
}

c_enum! {
    /// How a buffer binding is used by shaders (`WGPUBufferBindingType`).
    BufferBindingType(WGPUBufferBindingType) {
        /// The entry binds no buffer.
        BindingNotUsed = sys::WGPUBufferBindingType_BindingNotUsed,
        /// Use the default (uniform).
        Undefined = sys::WGPUBufferBindingType_Undefined,
        /// `var<uniform>`.
        Uniform = sys::WGPUBufferBindingType_Uniform,
        /// `var<storage, read_write>`.
        Storage = sys::WGPUBufferBindingType_Storage,
        /// `var<storage, read>`.
        ReadOnlyStorage = sys::WGPUBufferBindingType_ReadOnlyStorage,
    }
}

c_flags! {
    /// How a buffer may be used (`WGPUBufferUsage`).
    BufferUsage(WGPUBufferUsage) {
        /// Mappable for reading; may be combined only with `CopyDst`.
        MapRead = sys::WGPUBufferUsage_MapRead,
        /// Mappable for writing; may be combined only with `CopySrc`.
        MapWrite = sys::WGPUBufferUsage_MapWrite,
        /// Source of copies.
        CopySrc = sys::WGPUBufferUsage_CopySrc,
        /// Destination of copies and `Queue::write_buffer`.
        CopyDst = sys::WGPUBufferUsage_CopyDst,
        /// Index buffer.
        Index = sys::WGPUBufferUsage_Index,
        /// Vertex buffer.
        Vertex = sys::WGPUBufferUsage_Vertex,
        /// Uniform buffer binding.
        Uniform = sys::WGPUBufferUsage_Uniform,
        /// Storage buffer binding.
        Storage = sys::WGPUBufferUsage_Storage,
        /// Indirect dispatch or draw arguments.
        Indirect = sys::WGPUBufferUsage_Indirect,
        /// Destination of `resolve_query_set`.
        QueryResolve = sys::WGPUBufferUsage_QueryResolve,
    }
}

c_flags! {
    /// The access a `map_async` asks for (`WGPUMapMode`).
    MapMode(WGPUMapMode) {
        /// Map for reading (the buffer needs `BufferUsage::MapRead`).
        Read = sys::WGPUMapMode_Read,
        /// Map for writing (the buffer needs `BufferUsage::MapWrite`).
        Write = sys::WGPUMapMode_Write,
    }
}
