//! Shaders: stages and compilation messages.

use dawn_sys as sys;

c_flags! {
    /// Shader stages that see a binding (`WGPUShaderStage`).
    ShaderStage(WGPUShaderStage) {
        /// Vertex shaders.
        Vertex = sys::WGPUShaderStage_Vertex,
        /// Fragment shaders.
        Fragment = sys::WGPUShaderStage_Fragment,
        /// Compute shaders.
        Compute = sys::WGPUShaderStage_Compute,
    }
}

c_enum! {
    /// The severity of a shader compilation message (`WGPUCompilationMessageType`).
    CompilationMessageType(WGPUCompilationMessageType) {
        /// An error: the module is invalid.
        Error = sys::WGPUCompilationMessageType_Error,
        /// A warning.
        Warning = sys::WGPUCompilationMessageType_Warning,
        /// Information.
        Info = sys::WGPUCompilationMessageType_Info,
    }
}
