//! API coverage: every function of `webgpu.h` against the `dawn` crate, written to `docs/API-COVERAGE.md`.
//!
//! The header's functions come from `webgpu.h` itself (the file dawn-sys ran bindgen on, `PARITY_WEBGPU_H`);
//! the wrapped ones from the `#[doc(alias = "wgpuXxx")]` attributes in dawn/src (with the method each one
//! sits on); `AddRef` / `Release` from the `handle!` declarations (`Clone` / `Drop`); `FreeMembers` from the
//! calls inside the crate. Everything else needs an entry in [`NOT_WRAPPED`] with its reason, and only
//! surface, external-texture and loader functions (and the encoders' `AddRef`) may have one: every compute,
//! render and texture function is wrapped.
//!
//! The test fails when the committed document differs from what it generates; regenerate it with
//! `UPDATE_COVERAGE=1 cargo test --test parity_coverage`. dawn/src is read at every folder depth, and
//! finding nothing is a failure: a second test moves files into folders in a scratch copy and gets the same
//! scan.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "../build/rust_sources.rs"]
mod rust_sources;

/// Why a function is deliberately not wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    /// Presentation surfaces.
    Surface,
    /// External (video) textures.
    External,
    /// The proc-address table.
    Proc,
    /// `AddRef` of an encoder: encoders are not `Clone`.
    Unique,
}

impl Reason {
    fn text(self) -> &'static str {
        match self {
            Reason::Surface => "presentation surfaces: out of scope (rendering is offscreen)",
            Reason::External => "external (video) textures: out of scope",
            Reason::Proc => {
                "dawn-sys links (or loads by name) every function: no proc table needed"
            }
            Reason::Unique => {
                "encoders are not `Clone` (Dawn does not lock them; `&mut` stays exclusive)"
            }
        }
    }

    /// Whether `function` may carry this reason at all (so that no compute function can be excused).
    fn fits(self, function: &str) -> bool {
        match self {
            Reason::Surface => function.contains("Surface"),
            Reason::External => function.contains("ExternalTexture"),
            Reason::Proc => function == "wgpuGetProcAddress",
            Reason::Unique => function.ends_with("EncoderAddRef"),
        }
    }
}

use Reason::*;

/// The functions of webgpu.h deliberately not wrapped, with why.
const NOT_WRAPPED: &[(&str, Reason)] = &[
    ("wgpuCommandEncoderAddRef", Unique),
    ("wgpuComputePassEncoderAddRef", Unique),
    ("wgpuExternalTextureAddRef", External),
    ("wgpuExternalTextureRelease", External),
    ("wgpuExternalTextureSetLabel", External),
    ("wgpuGetProcAddress", Proc),
    ("wgpuInstanceCreateSurface", Surface),
    ("wgpuRenderBundleEncoderAddRef", Unique),
    ("wgpuRenderPassEncoderAddRef", Unique),
    ("wgpuSurfaceAddRef", Surface),
    ("wgpuSurfaceCapabilitiesFreeMembers", Surface),
    ("wgpuSurfaceConfigure", Surface),
    ("wgpuSurfaceGetCapabilities", Surface),
    ("wgpuSurfaceGetCurrentTexture", Surface),
    ("wgpuSurfacePresent", Surface),
    ("wgpuSurfaceRelease", Surface),
    ("wgpuSurfaceSetLabel", Surface),
    ("wgpuSurfaceUnconfigure", Surface),
];

/// The `wgpu*` functions webgpu.h declares, sorted.
fn header_functions() -> Vec<String> {
    let text = std::fs::read_to_string(env!("PARITY_WEBGPU_H")).expect("reading webgpu.h");
    let mut names = Vec::new();
    for (at, _) in text.match_indices("WGPU_EXPORT ") {
        let decl = &text[at..];
        let decl = &decl[..decl.find(';').unwrap_or(decl.len())];
        let Some(paren) = decl.find('(') else {
            continue;
        };
        let head = decl[..paren].trim_end();
        let start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        if head[start..].starts_with("wgpu") {
            names.push(head[start..].to_string());
        }
    }
    names.sort();
    names.dedup();
    names
}

/// What dawn/src says about the C functions.
#[derive(Default)]
struct Scan {
    /// Function -> the methods carrying its `doc(alias)`, as `Type::method`.
    aliases: BTreeMap<String, Vec<String>>,
    /// `AddRef` / `Release` function -> "`Clone` of `Handle`" / "`Drop` of `Handle`".
    handles: BTreeMap<String, String>,
    /// Function -> the files that call it.
    calls: BTreeMap<String, Vec<String>>,
}

/// The type an `impl` line is about: `impl<'e> ComputePassEncoder<'e> {` -> `ComputePassEncoder`.
fn impl_type(line: &str) -> String {
    let mut rest = line.trim_start_matches("impl").trim_start();
    if rest.starts_with('<') {
        rest = &rest[rest.find('>').map_or(0, |i| i + 1)..];
    }
    if let Some((_, after)) = rest.split_once(" for ") {
        rest = after;
    }
    rest.trim()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Every `wgpuXxx(` call in a line of code (and every `wgpuXxxFreeMembers` named in it).
fn calls_in(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or_default();
    let mut out = Vec::new();
    for (at, _) in code.match_indices("wgpu") {
        let ident: String = code[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `FreeMembers` functions are also passed by name to the list-reading macro.
        if code[at + ident.len()..].starts_with('(') || ident.ends_with("FreeMembers") {
            out.push(ident);
        }
    }
    out
}

/// The `wgpuXxx` literal of a macro argument `wgpuXxx = "wgpuXxx"`, which a macro turns into a method with
/// that `doc(alias)`.
fn macro_alias(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("= \"wgpu")?;
    Some(format!("wgpu{}", rest.split('"').next()?))
}

fn dawn_src() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/dawn/src"))
}

/// Reads every `.rs` file under `dir` (any depth); files are named by their path relative to `dir`.
fn scan_dawn_src(dir: &Path) -> Result<Scan, String> {
    let mut scan = Scan::default();
    for (file, path) in rust_sources::rust_files(dir)? {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut current = String::new();
        let mut pending: Vec<String> = Vec::new();
        // Inside a `debug_markers!(Type, ...)` or `render_commands!(Type, ...)` invocation: its type and
        // the methods it declares (in order, for `debug_markers!`).
        let mut markers: Option<(String, Vec<&str>)> = None;
        for line in text.lines() {
            let t = line.trim();
            if line.starts_with("impl") {
                current = impl_type(line);
            }
            // `debug_markers!` takes its three functions in a fixed order; `render_commands!` names the
            // method of each (`method: wgpuX = "wgpuX"`).
            if t == "debug_markers!(" || t == "render_commands!(" {
                let fixed = match t {
                    "debug_markers!(" => {
                        vec!["pop_debug_group", "push_debug_group", "insert_debug_marker"]
                    }
                    _ => Vec::new(),
                };
                markers = Some((String::new(), fixed));
                continue;
            }
            if let Some((ty, methods)) = &mut markers {
                if ty.is_empty() {
                    *ty = t
                        .trim_end_matches(',')
                        .split('<')
                        .next()
                        .unwrap()
                        .to_string();
                } else if let Some(alias) = macro_alias(t) {
                    let named = t.split_once(": ").map(|(m, _)| m);
                    if let Some(method) = named.or_else(|| methods.pop()) {
                        scan.aliases
                            .entry(alias)
                            .or_default()
                            .push(format!("{ty}::{method}"));
                    }
                }
                if t.starts_with(')') {
                    markers = None;
                }
                continue;
            }
            if let Some(rest) = t.strip_prefix("#[doc(alias = \"") {
                pending.push(rest.split('"').next().unwrap().to_string());
                continue;
            }
            if let Some(at) = t
                .find("fn ")
                .filter(|_| !pending.is_empty() && !t.starts_with("//"))
            {
                let name: String = t[at + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                for alias in pending.drain(..) {
                    scan.aliases
                        .entry(alias)
                        .or_default()
                        .push(format!("{current}::{name}"));
                }
            }
            // A `handle!` declaration: `struct Name(WGPUTargetImpl, wgpuXAddRef, wgpuXRelease);` (or without AddRef).
            if let Some(decl) = t
                .split_once("struct ")
                .map(|(_, d)| d)
                .filter(|d| d.contains("Impl, wgpu"))
            {
                let (name, args) = decl.split_once('(').unwrap();
                for f in args.trim_end_matches(");").split(", ").skip(1) {
                    // `device_child!`'s fourth argument: `set_label`.
                    if let Some(alias) = macro_alias(f) {
                        scan.aliases
                            .entry(alias)
                            .or_default()
                            .push(format!("{name}::set_label"));
                        continue;
                    }
                    let what = if f.ends_with("AddRef") {
                        "Clone"
                    } else {
                        "Drop"
                    };
                    scan.handles
                        .insert(f.to_string(), format!("`{what}` of `{name}`"));
                }
            }
            for f in calls_in(line) {
                let files = scan.calls.entry(f).or_default();
                if !files.contains(&file) {
                    files.push(file.clone());
                }
            }
        }
    }
    if scan.aliases.is_empty() || scan.handles.is_empty() {
        return Err(format!(
            "found no #[doc(alias = \"wgpu..\")] or no handle! declaration under {}",
            dir.display()
        ));
    }
    Ok(scan)
}

/// One row of the document: (status, Rust side).
fn status(
    f: &str,
    scan: &Scan,
    reasons: &BTreeMap<&str, Reason>,
) -> Option<(&'static str, String)> {
    if let Some(methods) = scan.aliases.get(f) {
        let list: Vec<String> = methods.iter().map(|m| format!("`{m}`")).collect();
        return Some(("wrapped", list.join(", ")));
    }
    if let Some(h) = scan.handles.get(f) {
        return Some(("handle", h.clone()));
    }
    if let Some(files) = scan.calls.get(f).filter(|_| f.ends_with("FreeMembers")) {
        return Some((
            "internal",
            format!("called after copying the data out ({})", files.join(", ")),
        ));
    }
    reasons
        .get(f)
        .map(|r| ("not wrapped", r.text().to_string()))
}

#[test]
fn api_coverage_is_complete_and_documented() {
    let header = header_functions();
    assert!(
        header.len() > 150,
        "found only {} functions in webgpu.h",
        header.len()
    );
    let scan = scan_dawn_src(&dawn_src()).unwrap_or_else(|e| panic!("{e}"));
    let mut problems = Vec::new();

    let mut reasons = BTreeMap::new();
    for &(f, reason) in NOT_WRAPPED {
        if reasons.insert(f, reason).is_some() {
            problems.push(format!("{f} is listed twice in NOT_WRAPPED"));
        }
        if !header.iter().any(|h| h == f) {
            problems.push(format!(
                "NOT_WRAPPED names {f}, which webgpu.h does not declare: remove it"
            ));
        }
        if !reason.fits(f) {
            problems.push(format!(
                "{f} cannot carry the reason {reason:?} (its name does not fit it): only surface, external-texture and loader functions, and the encoders' AddRef, may go unwrapped"
            ));
        }
        if scan.aliases.contains_key(f) || scan.handles.contains_key(f) {
            problems.push(format!("{f} is wrapped now: remove it from NOT_WRAPPED"));
        }
    }

    let dawn_ext = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/dawn-sys/src/dawn_ext.rs"
    ))
    .unwrap();
    let mut dawn_only = Vec::new();
    for (f, methods) in &scan.aliases {
        if !header.contains(f) {
            if dawn_ext.contains(&format!("fn {f}(")) {
                dawn_only.push((f.clone(), methods.clone()));
            } else {
                problems.push(format!("doc(alias = \"{f}\") on {methods:?} names a function neither webgpu.h nor dawn_ext.rs declares"));
            }
        }
    }

    let mut rows = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<Reason, usize> = BTreeMap::new();
    for f in &header {
        match status(f, &scan, &reasons) {
            Some((s, rust)) => {
                *counts.entry(s).or_default() += 1;
                if s == "not wrapped" {
                    *by_reason.entry(reasons[f.as_str()]).or_default() += 1;
                }
                rows.push(format!("| `{f}` | {s} | {rust} |"));
            }
            None => problems.push(format!(
                "{f} (webgpu.h) is neither wrapped (no #[doc(alias = \"{f}\")] in dawn/src) nor given a reason in NOT_WRAPPED"
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "{} coverage problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );

    let n = |s: &str| counts.get(s).copied().unwrap_or(0);
    let mut doc = String::new();
    writeln!(doc, "# webgpu.h coverage of the `dawn` crate\n").unwrap();
    writeln!(
        doc,
        "Generated by `tests/parity_coverage.rs` from `webgpu.h` (the header dawn-sys binds) and the \
         `#[doc(alias = \"wgpuXxx\")]` attributes of `dawn/src`. Do not edit: regenerate with \
         `UPDATE_COVERAGE=1 cargo test --test parity_coverage`.\n"
    )
    .unwrap();
    writeln!(doc, "## Summary\n").unwrap();
    writeln!(doc, "| | functions |\n|---|---|").unwrap();
    writeln!(doc, "| declared by webgpu.h | {} |", header.len()).unwrap();
    writeln!(doc, "| wrapped by a method | {} |", n("wrapped")).unwrap();
    writeln!(
        doc,
        "| wrapped by `Clone` / `Drop` of a handle | {} |",
        n("handle")
    )
    .unwrap();
    writeln!(
        doc,
        "| called internally (`FreeMembers`) | {} |",
        n("internal")
    )
    .unwrap();
    writeln!(doc, "| not wrapped, with a reason | {} |", n("not wrapped")).unwrap();
    for (reason, count) in &by_reason {
        writeln!(doc, "| - {} | {count} |", reason.text()).unwrap();
    }
    writeln!(doc, "\nEvery compute, render and texture function is wrapped: only surface, external-texture and \
                   loader functions (and `AddRef` of the encoders) may go without a wrapper.\n").unwrap();
    writeln!(
        doc,
        "## Functions\n\n| function | status | Rust |\n|---|---|---|"
    )
    .unwrap();
    for row in &rows {
        writeln!(doc, "{row}").unwrap();
    }
    writeln!(doc, "\n## Dawn-only functions (declared in `dawn_sys::dawn_ext`)\n\n| function | Rust |\n|---|---|").unwrap();
    for (f, methods) in &dawn_only {
        let list: Vec<String> = methods.iter().map(|m| format!("`{m}`")).collect();
        writeln!(doc, "| `{f}` | {} |", list.join(", ")).unwrap();
    }

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/API-COVERAGE.md");
    if std::env::var_os("UPDATE_COVERAGE").is_some() {
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/docs")).unwrap();
        std::fs::write(path, &doc).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != doc {
        let first = committed
            .lines()
            .zip(doc.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "length".to_string(), |i| format!("line {}", i + 1));
        panic!(
            "docs/API-COVERAGE.md is out of date (first difference: {first}); regenerate it with \
             `UPDATE_COVERAGE=1 cargo test --test parity_coverage` and commit the result"
        );
    }
}

/// A copy of `from`'s `.rs` files in a fresh scratch folder, each but `lib.rs` moved a few folders down
/// (as the crate's files move into `buffer/`, `types/`, ...); removed on drop.
struct MovedCopy(PathBuf);

impl MovedCopy {
    fn new(from: &Path) -> Self {
        let root = std::env::temp_dir().join(format!(
            "dawn-rs-coverage-scan-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        for (index, (file, path)) in rust_sources::rust_files(from).unwrap().iter().enumerate() {
            let target = if file == "lib.rs" {
                root.join(file)
            } else {
                root.join(format!("moved{}/deeper", index % 3)).join(file)
            };
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(path, &target).unwrap();
        }
        MovedCopy(root)
    }
}

impl Drop for MovedCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Moving every file of dawn/src into nested folders (a scratch copy) changes nothing the scan finds but
/// the file names; a folder without `.rs` files, or without a single wrapper, is an error.
#[test]
fn the_scan_reaches_files_in_folders_and_fails_on_nothing() {
    let real = scan_dawn_src(&dawn_src()).unwrap();
    let copy = MovedCopy::new(&dawn_src());
    let moved = scan_dawn_src(&copy.0).unwrap();
    // The methods of one alias come in file order, which the move changes.
    let aliases = |scan: &Scan| -> BTreeMap<String, Vec<String>> {
        let mut aliases = scan.aliases.clone();
        aliases.values_mut().for_each(|methods| methods.sort());
        aliases
    };
    assert_eq!(aliases(&real), aliases(&moved));
    assert_eq!(real.handles, moved.handles);
    let calls = |scan: &Scan| -> BTreeMap<String, usize> {
        scan.calls
            .iter()
            .map(|(f, files)| (f.clone(), files.len()))
            .collect()
    };
    assert_eq!(calls(&real), calls(&moved));
    assert!(
        moved
            .calls
            .values()
            .flatten()
            .any(|file| file.starts_with("moved")),
        "the moved copy's calls name no moved file: {:?}",
        moved.calls
    );

    let empty = copy.0.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let error = scan_dawn_src(&empty)
        .err()
        .expect("an empty folder scanned fine");
    assert!(error.contains("no .rs file"), "{error}");
    std::fs::write(empty.join("lib.rs"), "pub fn nothing() {}\n").unwrap();
    let error = scan_dawn_src(&empty)
        .err()
        .expect("a folder without wrappers scanned fine");
    assert!(error.contains("found no #[doc(alias"), "{error}");
}
