//! The struct layout check of tests/layout.rs: a C program printing every struct's size and alignment and
//! every field's offset as the C compiler lays them out (`layout_probe`), and the same table as dawn-sys's
//! bindgen types lay them out (`layout_table.rs`). The structs and fields are the ones bindgen reports
//! while parsing the header, with dawn-sys's own settings (so that the Rust names are the ones dawn-sys has).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Collects the names of the structs bindgen emits and of their fields.
#[derive(Debug, Default, Clone)]
struct FieldNames {
    fields: Arc<Mutex<BTreeMap<String, Vec<String>>>>,
}

impl bindgen::callbacks::ParseCallbacks for FieldNames {
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

/// Writes `layout_probe.c`, compiles it to `layout_probe` and writes `layout_table.rs`, all in `out`.
pub fn write(header: &Path, out: &Path) -> Result<(), String> {
    let names = FieldNames::default();
    // dawn-sys's settings for the types (dawn-sys/build/bind.rs), so that the field names match.
    bindgen::Builder::default()
        .header(header.to_str().ok_or("a UTF-8 path to webgpu.h")?)
        .allowlist_item("(WGPU|wgpu).*")
        .blocklist_item("WGPU_[A-Z0-9_]+")
        .blocklist_function(".*")
        .prepend_enum_name(false)
        .parse_callbacks(Box::new(names.clone()))
        .generate()
        .map_err(|e| format!("bindgen failed on {}: {e}", header.display()))?;

    let fields = names.fields.lock().unwrap();
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <stdalign.h>\n#include \"webgpu.h\"\nint main(void) {\n",
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
    std::fs::write(&c_path, c).map_err(|e| e.to_string())?;
    std::fs::write(out.join("layout_table.rs"), rs).map_err(|e| e.to_string())?;

    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    let mut command = compiler.to_command();
    command
        .arg("-std=c11")
        .arg(format!("-I{}", header.parent().unwrap().display()))
        .arg(&c_path)
        .arg("-o")
        .arg(out.join("layout_probe"));
    let output = command
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}
