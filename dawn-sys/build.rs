//! Finds Dawn (`build/locate.rs`), generates the FFI with bindgen (`build/bind.rs`), and with feature
//! `linked` links it. Each failure to find Dawn is one `cargo::error` line that says what to do.

#[path = "build/bind.rs"]
mod bind;
#[path = "build/locate.rs"]
mod locate;

use std::env;
use std::path::PathBuf;

fn main() {
    let dawn = match locate::find() {
        Ok(d) => d,
        Err(message) => {
            println!("cargo::error={message}");
            return;
        }
    };
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    println!("cargo::rerun-if-changed={}", dawn.header.display());
    println!("cargo::rerun-if-changed=wrapper.h");
    bind::generate(&dawn.header, &manifest.join("wrapper.h"), &out);

    // The library the loader opens by default (DAWN_LIBRARY_PATH), and for dependents' build scripts
    // (DEP_WEBGPU_DAWN_LIB_DIR, DEP_WEBGPU_DAWN_HEADER). docs.rs has no library: the bare name stands in.
    let library = dawn
        .library
        .unwrap_or_else(|| PathBuf::from(locate::LIBRARY));
    println!("cargo::rustc-env=DAWN_SYS_LIB_PATH={}", library.display());
    println!("cargo::metadata=header={}", dawn.header.display());
    let Some(lib_dir) = library.parent().filter(|d| d.is_absolute()) else {
        return;
    };
    println!("cargo::metadata=lib_dir={}", lib_dir.display());
    if env::var_os("CARGO_FEATURE_LINKED").is_some() {
        println!("cargo::rerun-if-changed={}", library.display());
        println!("cargo::rustc-link-search=native={}", lib_dir.display());
        println!("cargo::rustc-link-lib=dylib=webgpu_dawn");
        // Reaches this crate's own tests only; dependents' binaries need their own (see lib.rs).
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    }
}
