//! The compute scenario of `common` through `dawn_sys::dynamic::DawnLibrary` loaded from
//! `DAWN_LIBRARY_PATH` (feature `loaded`), and the table's errors: a missing file names the path, a
//! library without the `wgpu*` symbols names a missing one; wgpu-native loads through it too.
#![cfg(feature = "loaded")]

mod common;

use common::Gpu;
use dawn_sys::dynamic::DawnLibrary;

fn load_dawn() -> DawnLibrary {
    assert!(
        std::path::Path::new(dawn_sys::DAWN_LIBRARY_PATH).is_absolute(),
        "DAWN_LIBRARY_PATH must be absolute: {}",
        dawn_sys::DAWN_LIBRARY_PATH
    );
    match unsafe { DawnLibrary::new(dawn_sys::DAWN_LIBRARY_PATH) } {
        Ok(lib) => lib,
        Err(e) => panic!("loading {}: {e}", dawn_sys::DAWN_LIBRARY_PATH),
    }
}

#[test]
fn compute_scenario_through_the_loader_matches_the_cpu() {
    let lib = load_dawn();
    let gpu = Gpu::open(&lib);
    common::check_adapter(&gpu);
    common::check_error_callback(&gpu);
    common::run_compute(&gpu);
    gpu.close();
    drop(lib);
}

#[test]
fn a_missing_file_is_an_error_naming_the_path() {
    let path = std::env::temp_dir().join(format!(
        "dawn-sys-no-such-dir-{}/libwebgpu_dawn.so",
        std::process::id()
    ));
    assert!(!path.exists());
    let error = match unsafe { DawnLibrary::new(&path) } {
        Ok(_) => panic!("loading {} succeeded", path.display()),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains(&*path.to_string_lossy()),
        "the error does not name the path {}: {error}",
        path.display()
    );
}

#[test]
fn a_library_without_the_symbols_is_an_error_naming_a_missing_one() {
    let libc = "/lib/x86_64-linux-gnu/libc.so.6";
    assert!(std::path::Path::new(libc).is_file(), "{libc} is not there");
    let error = match unsafe { DawnLibrary::new(libc) } {
        Ok(_) => panic!("loading {libc} as Dawn succeeded"),
        Err(e) => e.to_string(),
    };
    let symbol = error
        .split("undefined symbol: ")
        .nth(1)
        .unwrap_or_else(|| panic!("the error names no undefined symbol: {error}"));
    let symbol: String = symbol
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert!(
        symbol.starts_with("wgpu"),
        "the missing symbol is not a wgpu function: {error}"
    );
    assert!(
        error.contains(libc),
        "the error does not name the library: {error}"
    );
}

/// The table holds only the standard header's functions (no Dawn-only exports), so wgpu-native, a second
/// implementation of the same header that is part of the kit, loads through it too.
#[test]
fn wgpu_native_resolves_every_function_of_the_standard_header() {
    let dawn = std::path::Path::new(dawn_sys::DAWN_LIBRARY_PATH);
    let native = dawn
        .parent()
        .and_then(|lib| lib.parent())
        .unwrap()
        .join("wgpu-native/libwgpu_native.so");
    if !native.is_file() {
        // DAWN_DIR builds carry no wgpu-native; the pinned kit always does.
        assert!(
            !dawn.starts_with(concat!(env!("CARGO_MANIFEST_DIR"), "/../third_party")),
            "the pinned kit lacks {}",
            native.display()
        );
        return;
    }
    if let Err(e) = unsafe { DawnLibrary::new(&native) } {
        panic!("loading {}: {e}", native.display());
    }
}
