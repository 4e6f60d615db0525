//! bindgen over `webgpu.h`, twice: the types and constants (`webgpu.rs`), and the functions
//! (`webgpu_functions.rs`: bindgen's `extern "C"` block handed to lib.rs's `webgpu_functions!`, which makes
//! the loaded or linked functions and the `DawnLibrary` table out of it).

use std::path::Path;

fn builder(header: &Path, wrapper: &Path) -> bindgen::Builder {
    bindgen::Builder::default()
        .header(wrapper.to_str().expect("a UTF-8 path to wrapper.h"))
        .clang_arg(format!("-DDAWN_SYS_WEBGPU_H=\"{}\"", header.display()))
        .allowlist_item("(WGPU|wgpu).*")
        // The sentinel macros (`WGPU_WHOLE_SIZE`...) come out with wrong types (`WGPU_STRLEN: i32 = -1`) or not at
        // all; lib.rs declares them by hand.
        .blocklist_item("WGPU_[A-Z0-9_]+")
        .derive_default(true)
        .prepend_enum_name(false)
        .layout_tests(true)
        .generate_comments(false)
}

pub fn generate(header: &Path, wrapper: &Path, out: &Path) {
    builder(header, wrapper)
        .blocklist_function(".*")
        .generate()
        .expect("bindgen failed on webgpu.h (types)")
        .write_to_file(out.join("webgpu.rs"))
        .expect("writing webgpu.rs");

    // Only the functions: their types come from webgpu.rs.
    let functions = builder(header, wrapper)
        .allowlist_function("wgpu.*")
        .blocklist_type(".*")
        .blocklist_var(".*")
        .merge_extern_blocks(true)
        .generate()
        .expect("bindgen failed on webgpu.h (functions)")
        .to_string();
    std::fs::write(
        out.join("webgpu_functions.rs"),
        format!("webgpu_functions! {{\n{functions}\n}}\n"),
    )
    .expect("writing webgpu_functions.rs");
}
