//! Root package build script: the rpath to Dawn's library folder, and the C-API parity programs.
//!
//! - Every test and example gets an rpath to Dawn's library folder (dawn-sys's link arguments do not reach
//!   this package's binaries).
//! - `tests/c/parity.c` is compiled with `cc`'s compiler against the header dawn-sys found and linked to the
//!   same `libwebgpu_dawn.so`: `PARITY_C_DAWN` is its path. When the kit carries wgpu-native
//!   (`third_party/dawn/wgpu-native/libwgpu_native.so`, or `WGPU_NATIVE_DIR`), it is built a second time
//!   against it: `PARITY_C_WGPU_NATIVE` (empty when that build is unavailable; it never fails the build).
//! - A C program printing every enumerator and flag of the header as the C compiler sees it
//!   (`PARITY_C_VALUES`), and the list of the safe crate's `c_enum!` / `c_flags!` types
//!   (`parity_values_table.rs` in `OUT_DIR`), for tests/parity_values.rs.
//! - `PARITY_WEBGPU_H`: the header, for tests/parity_coverage.rs.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let lib_dir = env::var_os("DEP_WEBGPU_DAWN_LIB_DIR").map(PathBuf::from);
    let header = env::var_os("DEP_WEBGPU_DAWN_HEADER").map(PathBuf::from);
    if let Some(dir) = &lib_dir {
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
    let (Some(lib_dir), Some(header)) = (lib_dir, header) else {
        // dawn-sys already reported why it found no Dawn.
        return;
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo::rerun-if-changed=tests/c");
    println!("cargo::rerun-if-changed=dawn/src");
    println!("cargo::rerun-if-changed={}", header.display());
    println!("cargo::rerun-if-env-changed=WGPU_NATIVE_DIR");
    println!("cargo::rustc-env=PARITY_WEBGPU_H={}", header.display());

    let parity = root.join("tests/c/parity.c");
    let dawn_exe = out.join("parity_dawn");
    if let Err(e) = compile_c(&[&parity], &header, &dawn_exe, &lib_dir, "webgpu_dawn", &[]) {
        panic!("tests/c/parity.c did not build against Dawn: {e}");
    }
    println!("cargo::rustc-env=PARITY_C_DAWN={}", dawn_exe.display());

    let native_dir = env::var_os("WGPU_NATIVE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("third_party/dawn/wgpu-native"));
    let native_exe = out.join("parity_wgpu_native");
    let native = if native_dir.join("libwgpu_native.so").is_file() {
        match compile_c(
            &[&parity],
            &header,
            &native_exe,
            &native_dir,
            "wgpu_native",
            &["-DPARITY_WGPU_NATIVE"],
        ) {
            Ok(()) => native_exe.display().to_string(),
            Err(e) => {
                println!(
                    "cargo::warning=the wgpu-native parity program did not build (optional): {e}"
                );
                String::new()
            }
        }
    } else {
        String::new()
    };
    println!("cargo::rustc-env=PARITY_C_WGPU_NATIVE={native}");

    let header_text = std::fs::read_to_string(&header).expect("reading webgpu.h");
    let values_c = out.join("c_values.c");
    std::fs::write(&values_c, values_program(&header_text)).unwrap();
    let values_exe = out.join("c_values");
    if let Err(e) = compile_c(
        &[&values_c],
        &header,
        &values_exe,
        &lib_dir,
        "webgpu_dawn",
        &[],
    ) {
        panic!("the C values probe did not build: {e}");
    }
    println!("cargo::rustc-env=PARITY_C_VALUES={}", values_exe.display());
    std::fs::write(out.join("parity_values_table.rs"), safe_types_table(&root)).unwrap();
}

/// Compiles and links one C program with the compiler `cc` picks, against `header`'s folder, linking
/// `lib<lib>.so` from `lib_dir` with an rpath to it.
fn compile_c(
    sources: &[&Path],
    header: &Path,
    exe: &Path,
    lib_dir: &Path,
    lib: &str,
    defines: &[&str],
) -> Result<(), String> {
    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    let mut cmd: Command = compiler.to_command();
    cmd.arg("-std=gnu11")
        .arg("-O1")
        .arg("-Wall")
        .arg("-Wextra")
        .arg("-Werror")
        .arg(format!("-I{}", header.parent().unwrap().display()))
        .args(defines)
        .args(sources)
        .arg("-o")
        .arg(exe)
        .arg(format!("-L{}", lib_dir.display()))
        .arg(format!("-l{lib}"))
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()));
    let output = cmd.output().map_err(|e| format!("running {cmd:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// The names of every enumerator (`WGPUType_Name = ...,` inside `typedef enum`) and flag
/// (`static const WGPUType WGPUType_Name = ...;`) of the header.
fn header_constants(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_enum = false;
    for line in header.lines() {
        let t = line.trim();
        if t.starts_with("typedef enum WGPU") {
            in_enum = true;
        } else if in_enum && t.starts_with('}') {
            in_enum = false;
        } else if in_enum && t.starts_with("WGPU") && t.contains('=') {
            names.push(t.split(['=', ' ']).next().unwrap().to_string());
        } else if let Some(name) = t
            .strip_prefix("static const WGPU")
            .and_then(|rest| rest.split_whitespace().nth(1))
        {
            names.push(name.to_string());
        }
    }
    names
}

/// A C program printing `NAME VALUE` (decimal, as unsigned 64-bit) for every constant of the header.
fn values_program(header: &str) -> String {
    let mut c = String::from(
        "/* Generated by build.rs: every enumerator and flag of webgpu.h, as the C compiler sees it. */\n\
         #include <inttypes.h>\n#include <stdio.h>\n#include \"webgpu.h\"\nint main(void) {\n",
    );
    for name in header_constants(header) {
        writeln!(
            c,
            "    printf(\"{name} %\" PRIu64 \"\\n\", (uint64_t){name});"
        )
        .unwrap();
    }
    c.push_str("    return 0;\n}\n");
    c
}

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("reading a source folder") {
        let path = entry.expect("reading a source folder").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Every `c_enum!` / `c_flags!` / `header_enum!` type declared in dawn/src, as Rust code for tests/parity_values.rs:
/// `SAFE_TYPES: &[(type name, C type name, is flags, values as (name, value))]`.
fn safe_types_table(root: &Path) -> String {
    let src = root.join("dawn/src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let files = rust_files(&src);
    let mut types = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
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
                continue;
            };
            let c_type = rest.split(')').next().unwrap_or_default();
            let file_name = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            types.push((name.to_string(), c_type.to_string(), flags, file_name));
        }
    }
    let mut rs = String::from(
        "/// (Rust type, C type, is flags, source file, every named value (name, value)).\n\
         pub type SafeType = (&'static str, &'static str, bool, &'static str, Vec<(&'static str, u64)>);\n\n\
         fn to_u64(v: impl Into<u64>) -> u64 {\n    v.into()\n}\n\n\
         /// Every `c_enum!` / `c_flags!` type of dawn/src that the crate root exports.\n\
         pub fn safe_types() -> Vec<SafeType> {\n    vec![\n",
    );
    let mut hidden = Vec::new();
    for (name, c_type, flags, file) in &types {
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
    rs
}
