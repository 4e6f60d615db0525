//! Adds an rpath to Dawn's library folder to this crate's own tests and doctests (dawn-sys's link arguments do
//! not reach dependents' binaries).
fn main() {
    if let Some(dir) = std::env::var_os("DEP_WEBGPU_DAWN_LIB_DIR") {
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
