//! Finds Dawn, generates the FFI with bindgen, links it (feature `linked`) and builds the C layout probe.
//!
//! Dawn is looked for in `DAWN_DIR` first, then in the pinned kit under `third_party/dawn` (fetched by
//! `python3 third_party/fetch.py`). Each failure is one `cargo::error` line that says what to do.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A Dawn installation: its `webgpu.h` and the folder holding `libwebgpu_dawn.so`.
struct Dawn {
    header: PathBuf,
    lib_dir: PathBuf,
}

const LIBRARY: &str = "libwebgpu_dawn.so";

fn locate(root: &Path, origin: &str) -> Result<Dawn, String> {
    if !root.is_dir() {
        return Err(format!("{origin} = {} is not a directory", root.display()));
    }
    let header = ["include/webgpu/webgpu.h", "include/dawn/webgpu.h"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "{origin} = {} has neither include/webgpu/webgpu.h nor include/dawn/webgpu.h",
                root.display()
            )
        })?;
    let lib_dir = root.join("lib");
    if !lib_dir.join(LIBRARY).is_file() {
        return Err(format!(
            "{origin} = {} has no lib/{LIBRARY}",
            root.display()
        ));
    }
    Ok(Dawn { header, lib_dir })
}

fn find_dawn() -> Result<Dawn, String> {
    println!("cargo::rerun-if-env-changed=DAWN_DIR");
    if let Some(dir) = env::var_os("DAWN_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        if dir.is_relative() {
            // Build scripts run in dawn-sys/, so a relative path would not mean what the user meant.
            return Err(format!(
                "DAWN_DIR = {} must be an absolute path",
                dir.display()
            ));
        }
        let dir = dir.canonicalize().unwrap_or(dir);
        return locate(&dir, "DAWN_DIR");
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let kit = manifest.join("../third_party/dawn");
    println!("cargo::rerun-if-changed={}", kit.display());
    if kit.is_dir() {
        return locate(
            &kit.canonicalize().unwrap(),
            "the Dawn kit (third_party/dawn)",
        );
    }
    Err(format!(
        "no Dawn found: set DAWN_DIR to a Dawn build (include/webgpu/webgpu.h and lib/{LIBRARY}), \
         or fetch the pinned kit with `python3 third_party/fetch.py` (scripts/setup.sh does it)"
    ))
}

/// Collects the names of the structs bindgen emits and of their fields, for the layout probe.
#[derive(Debug, Default, Clone)]
struct LayoutNames {
    fields: Arc<Mutex<BTreeMap<String, Vec<String>>>>,
}

impl bindgen::callbacks::ParseCallbacks for LayoutNames {
    fn field_visibility(
        &self,
        info: bindgen::callbacks::FieldInfo<'_>,
    ) -> Option<bindgen::FieldVisibilityKind> {
        if info.type_name.starts_with("WGPU") {
            let mut fields = self.fields.lock().unwrap();
            let list = fields.entry(info.type_name.to_string()).or_default();
            if !list.iter().any(|f| f == info.field_name) {
                list.push(info.field_name.to_string());
            }
        }
        None
    }
}

fn builder(dawn: &Dawn) -> bindgen::Builder {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    bindgen::Builder::default()
        .header(manifest.join("wrapper.h").to_str().unwrap())
        .clang_arg(format!("-DDAWN_SYS_WEBGPU_H=\"{}\"", dawn.header.display()))
        .allowlist_item("(WGPU|wgpu).*")
        // The sentinel macros (`WGPU_WHOLE_SIZE`...) come out with wrong types (`WGPU_STRLEN: i32 = -1`) or not at
        // all; lib.rs declares them by hand.
        .blocklist_item("WGPU_[A-Z0-9_]+")
        .derive_default(true)
        .prepend_enum_name(false)
        .layout_tests(true)
        .generate_comments(false)
}

/// The C name of a field bindgen reported: Rust keywords (`type`) get a trailing underscore in Rust.
fn c_field(rust_name: &str) -> &str {
    match rust_name.strip_suffix('_') {
        Some(
            stem @ ("type" | "box" | "ref" | "move" | "match" | "use" | "impl" | "fn" | "mod"
            | "loop"),
        ) => stem,
        _ => rust_name,
    }
}

/// Writes a C program printing size/align/offsets as the C compiler sees them, and the same table as bindgen
/// sees it (`layout_table.rs`); the layout test compares the two.
fn write_layout_probe(dawn: &Dawn, names: &LayoutNames, out: &Path) {
    let fields = names.fields.lock().unwrap();
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <stdalign.h>\n#include DAWN_SYS_WEBGPU_H\nint main(void) {\n",
    );
    let mut rs = String::from(
        "/// (item, size or offset, align or 0), as bindgen laid them out.\npub const LAYOUT: &[(&str, usize, usize)] = &[\n",
    );
    for (ty, list) in fields.iter() {
        writeln!(
            c,
            "  printf(\"{ty} %zu %zu\\n\", sizeof({ty}), alignof({ty}));"
        )
        .unwrap();
        writeln!(rs, "  (\"{ty}\", core::mem::size_of::<dawn_sys::{ty}>(), core::mem::align_of::<dawn_sys::{ty}>()),").unwrap();
        for f in list {
            writeln!(
                c,
                "  printf(\"{ty}.{f} %zu 0\\n\", offsetof({ty}, {}));",
                c_field(f)
            )
            .unwrap();
            writeln!(
                rs,
                "  (\"{ty}.{f}\", core::mem::offset_of!(dawn_sys::{ty}, {f}), 0),"
            )
            .unwrap();
        }
    }
    c.push_str("  return 0;\n}\n");
    rs.push_str("];\n");
    let c_path = out.join("layout_probe.c");
    std::fs::write(&c_path, c).unwrap();
    std::fs::write(out.join("layout_table.rs"), rs).unwrap();

    let compiler = cc::Build::new().get_compiler();
    let status = compiler
        .to_command()
        .arg(format!("-DDAWN_SYS_WEBGPU_H=\"{}\"", dawn.header.display()))
        .arg("-std=c11")
        .arg(&c_path)
        .arg("-o")
        .arg(out.join("layout_probe"))
        .status()
        .expect("running the C compiler for the layout probe");
    assert!(status.success(), "the C layout probe did not compile");
}

fn main() {
    let dawn = match find_dawn() {
        Ok(d) => d,
        Err(message) => {
            println!("cargo::error={message}");
            return;
        }
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    println!("cargo::rerun-if-changed={}", dawn.header.display());
    println!("cargo::rerun-if-changed=wrapper.h");

    let names = LayoutNames::default();
    let linked = env::var_os("CARGO_FEATURE_LINKED").is_some();
    // Types and constants always; the functions as `extern "C"` items only when linking.
    let mut main_builder = builder(&dawn).parse_callbacks(Box::new(names.clone()));
    if !linked {
        main_builder = main_builder.blocklist_function(".*");
    }
    main_builder
        .generate()
        .expect("bindgen failed on webgpu.h")
        .write_to_file(out.join("webgpu.rs"))
        .unwrap();
    write_layout_probe(&dawn, &names, &out);

    if env::var_os("CARGO_FEATURE_DYNAMIC").is_some() {
        // Only the function table: the types come from webgpu.rs, in the parent module.
        builder(&dawn)
            .allowlist_function("wgpu.*")
            .blocklist_type(".*")
            .blocklist_var(".*")
            .dynamic_library_name("DawnLibrary")
            .dynamic_link_require_all(true)
            .generate()
            .expect("bindgen failed on webgpu.h (dynamic)")
            .write_to_file(out.join("webgpu_dynamic.rs"))
            .unwrap();
    }

    let lib_dir = dawn.lib_dir.display();
    // Where the library is, for the `dynamic` loader's default path and for dependents' build scripts
    // (DEP_WEBGPU_DAWN_LIB_DIR), which add the rpath to their own binaries.
    println!("cargo::rustc-env=DAWN_SYS_LIB_PATH={lib_dir}/{LIBRARY}");
    println!("cargo::metadata=lib_dir={lib_dir}");
    println!("cargo::metadata=header={}", dawn.header.display());
    if linked {
        println!("cargo::rerun-if-changed={lib_dir}/{LIBRARY}");
        println!("cargo::rustc-link-search=native={lib_dir}");
        println!("cargo::rustc-link-lib=dylib=webgpu_dawn");
        println!("cargo::rustc-link-arg=-Wl,-rpath,{lib_dir}");
    }
}
