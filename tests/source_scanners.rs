//! The root build script's scan of dawn/src for `c_enum!` / `c_flags!` types (build/safe_types.rs, the
//! source of the value-parity table): moving every file into nested folders (in a scratch copy) finds the
//! same types, and a folder without `.rs` files or without a single such type is an error, never an empty
//! table.

#[path = "../build/rust_sources.rs"]
mod rust_sources;
#[path = "../build/safe_types.rs"]
mod safe_types;

use std::path::{Path, PathBuf};

fn dawn_src() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/dawn/src"))
}

/// (name, C type, is flags) of every type, sorted.
fn types(src: &Path) -> Vec<(String, String, bool)> {
    let mut list: Vec<_> = safe_types::scan(src)
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.c_type, t.flags))
        .collect();
    list.sort();
    list
}

#[test]
fn types_in_nested_folders_are_all_found() {
    let real = types(&dawn_src());
    assert!(
        real.len() >= 15,
        "only {} types in dawn/src: {real:?}",
        real.len()
    );
    assert!(
        real.iter()
            .any(|(name, c, flags)| name == "BufferUsage" && c == "WGPUBufferUsage" && *flags)
    );
    assert!(
        real.iter()
            .any(|(name, c, flags)| name == "FeatureName" && c == "WGPUFeatureName" && !*flags)
    );

    let scratch = std::env::temp_dir().join(format!("dawn-rs-safe-types-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    for (index, (file, path)) in rust_sources::rust_files(&dawn_src())
        .unwrap()
        .iter()
        .enumerate()
    {
        let target = if file == "lib.rs" {
            scratch.join(file)
        } else {
            scratch.join(format!("level{}/types", index % 4)).join(file)
        };
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(path, &target).unwrap();
    }
    let moved = safe_types::scan(&scratch).unwrap();
    assert!(
        moved
            .iter()
            .all(|t| t.file.starts_with("level") || t.file == "lib.rs"),
        "{moved:?}"
    );
    assert_eq!(types(&scratch), real);
    // The table still exports every type (lib.rs is at the copy's root).
    let table = safe_types::table(&scratch).unwrap();
    assert!(
        table.contains("pub const NOT_EXPORTED: &[&str] = &[];"),
        "{table}"
    );

    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let error = safe_types::scan(&empty).unwrap_err();
    assert!(error.contains("no .rs file under"), "{error}");
    std::fs::write(empty.join("lib.rs"), "pub struct Nothing;\n").unwrap();
    let error = safe_types::scan(&empty).unwrap_err();
    assert!(error.contains("no c_enum! / c_flags! type"), "{error}");
    std::fs::remove_dir_all(&scratch).unwrap();
}
