//! Root package build script: adds an rpath to Dawn's library folder to the integration tests and examples.
fn main() {
    if let Some(dir) = std::env::var_os("DEP_WEBGPU_DAWN_LIB_DIR") {
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
