//! The safe crate's `c_enum!` / `c_flags!` types, read from `dawn/src` as text, as Rust code for
//! tests/parity_values.rs (`parity_values_table.rs`).

use super::rust_sources::rust_files;
use std::fmt::Write as _;
use std::path::Path;

/// One `c_enum!` / `c_flags!` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeType {
    pub name: String,
    pub c_type: String,
    pub flags: bool,
    /// The file it is declared in, relative to the scanned folder.
    pub file: String,
}

/// Every `c_enum!` / `c_flags!` type declared under `src` (any depth), in file order; an error when the
/// folder holds no `.rs` file or no such declaration at all.
pub fn scan(src: &Path) -> Result<Vec<SafeType>, String> {
    let mut types = Vec::new();
    for (file, path) in rust_files(src)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let flags = match line.trim() {
                // `header_enum!` declares a `c_enum!` with the header's values (dawn/build.rs).
                "c_enum! {" | "header_enum! {" => false,
                "c_flags! {" => true,
                _ => continue,
            };
            let decl = lines
                .by_ref()
                .map(str::trim)
                .find(|l| !l.starts_with("///") && !l.starts_with("#["))
                .unwrap_or_default();
            let Some((name, rest)) = decl.split_once('(') else {
                return Err(format!("{file}: a {line:?} without `Name(CType)`"));
            };
            let c_type = rest.split(')').next().unwrap_or_default();
            types.push(SafeType {
                name: name.to_string(),
                c_type: c_type.to_string(),
                flags,
                file: file.clone(),
            });
        }
    }
    if types.is_empty() {
        return Err(format!(
            "no c_enum! / c_flags! type under {}",
            src.display()
        ));
    }
    Ok(types)
}

/// `parity_values_table.rs`: `safe_types()` lists every type the crate root (`lib.rs` in `src`) exports,
/// with its values; `NOT_EXPORTED` names the others.
pub fn table(src: &Path) -> Result<String, String> {
    let types = scan(src)?;
    let lib = std::fs::read_to_string(src.join("lib.rs"))
        .map_err(|e| format!("reading {}/lib.rs: {e}", src.display()))?;
    let mut rs = String::from(
        "/// (Rust type, C type, is flags, source file, every named value (name, value)).\n\
         pub type SafeType = (&'static str, &'static str, bool, &'static str, Vec<(&'static str, u64)>);\n\n\
         fn to_u64(v: impl Into<u64>) -> u64 {\n    v.into()\n}\n\n\
         /// Every `c_enum!` / `c_flags!` type of dawn/src that the crate root exports.\n\
         pub fn safe_types() -> Vec<SafeType> {\n    vec![\n",
    );
    let mut hidden = Vec::new();
    for SafeType {
        name,
        c_type,
        flags,
        file,
    } in &types
    {
        let exported = lib
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == name);
        if !exported {
            hidden.push(name.clone());
            continue;
        }
        let all =
            format!("dawn::{name}::ALL.iter().map(|(x, n)| (*n, to_u64(x.0))).collect::<Vec<_>>()");
        let values = if *flags {
            format!("{{ let mut v = {all}; v.push((\"None\", to_u64(dawn::{name}::None.0))); v }}")
        } else {
            all
        };
        writeln!(
            rs,
            "        (\"{name}\", \"{c_type}\", {flags}, \"{file}\", {values}),"
        )
        .unwrap();
    }
    rs.push_str("    ]\n}\n\n/// `c_enum!` / `c_flags!` types the crate root does not export (checked by name only).\n");
    writeln!(rs, "pub const NOT_EXPORTED: &[&str] = &{hidden:?};").unwrap();
    Ok(rs)
}
