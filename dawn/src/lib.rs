//! A thin, safe wrapper over Dawn's `webgpu.h`.
