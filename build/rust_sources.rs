//! The `.rs` files of a source tree, for the scanners that read `dawn/src` as text (the root build script's
//! value-parity table, tests/parity_coverage.rs): every folder level, and an error rather than an empty
//! list, so that moving files into folders cannot make anything silently drop out.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `root`, at any depth, sorted, as (path relative to `root` with `/`, full path).
/// An unreadable folder, or a tree without a single `.rs` file, is an error naming `root`.
pub fn rust_files(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries =
            std::fs::read_dir(&folder).map_err(|e| format!("reading {}: {e}", folder.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("reading {}: {e}", folder.display()))?
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                let name = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((name, path));
            }
        }
    }
    if files.is_empty() {
        return Err(format!("no .rs file under {}", root.display()));
    }
    files.sort();
    Ok(files)
}
