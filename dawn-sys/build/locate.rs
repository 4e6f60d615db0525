//! Where Dawn comes from, in order: `DAWN_DIR`; the workspace kit (`../third_party/dawn`, next to this
//! package); on docs.rs the header this package carries (no library: docs.rs has no network and runs
//! nothing); else the pinned kit in the machine's cache, provisioned by `kit.py` (pip, sha256-checked) on
//! first use. Every failure is one message that says what to do.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const LIBRARY: &str = "libwebgpu_dawn.so";

/// A Dawn to bind: its `webgpu.h`, and its `libwebgpu_dawn.so` (none on docs.rs).
pub struct Dawn {
    pub header: PathBuf,
    pub library: Option<PathBuf>,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
}

/// A Dawn build or kit at `root`: `include/webgpu/webgpu.h` (or `include/dawn/webgpu.h`) and
/// `lib/libwebgpu_dawn.so`.
fn dawn_at(root: &Path, origin: &str) -> Result<Dawn, String> {
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
    let library = root.join("lib").join(LIBRARY);
    if !library.is_file() {
        return Err(format!(
            "{origin} = {} has no lib/{LIBRARY}",
            root.display()
        ));
    }
    Ok(Dawn {
        header,
        library: Some(library),
    })
}

/// A variable's value, unless unset or empty.
fn var(name: &str) -> Option<PathBuf> {
    println!("cargo::rerun-if-env-changed={name}");
    env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

pub fn find() -> Result<Dawn, String> {
    if let Some(dir) = var("DAWN_DIR") {
        if dir.is_relative() {
            // Build scripts run in dawn-sys/, so a relative path would not mean what the user meant.
            return Err(format!(
                "DAWN_DIR = {} must be an absolute path",
                dir.display()
            ));
        }
        let dir = dir.canonicalize().unwrap_or(dir);
        return dawn_at(&dir, "DAWN_DIR");
    }
    let workspace_kit = manifest_dir().join("../third_party/dawn");
    println!("cargo::rerun-if-changed={}", workspace_kit.display());
    if workspace_kit.is_dir() {
        let kit = workspace_kit.canonicalize().unwrap_or(workspace_kit);
        return dawn_at(&kit, "the workspace kit (third_party/dawn)");
    }
    if var("DOCS_RS").is_some() {
        return packaged_header();
    }
    let kit = provision()?;
    dawn_at(&kit, "the Dawn kit in the machine's cache")
}

/// docs.rs: the `webgpu.h` the package carries (`cargo package` copies the workspace kit's header in).
fn packaged_header() -> Result<Dawn, String> {
    let header = manifest_dir().join("webgpu.h");
    if !header.is_file() {
        return Err(format!(
            "DOCS_RS is set, no Dawn is installed and this package carries no {}: package dawn-sys \
             from a workspace with the kit (./dev.sh setup)",
            header.display()
        ));
    }
    Ok(Dawn {
        header,
        library: None,
    })
}

/// The machine's cache of kits: `DAWN_SYS_CACHE_DIR`, else `$XDG_CACHE_HOME/dawn-sys`, else
/// `$HOME/.cache/dawn-sys`.
fn cache_root() -> Result<PathBuf, String> {
    if let Some(dir) = var("DAWN_SYS_CACHE_DIR") {
        return if dir.is_absolute() {
            Ok(dir)
        } else {
            Err(format!(
                "DAWN_SYS_CACHE_DIR = {} must be an absolute path",
                dir.display()
            ))
        };
    }
    if let Some(xdg) = var("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Ok(xdg.join("dawn-sys"));
    }
    match var("HOME").filter(|d| d.is_absolute()) {
        Some(home) => Ok(home.join(".cache/dawn-sys")),
        None => Err(
            "no folder for the Dawn kit: set DAWN_SYS_CACHE_DIR (or HOME), or DAWN_DIR to a Dawn build"
                .to_string(),
        ),
    }
}

/// Runs `kit.py provision`: the machine's kit folder, fetched with pip unless already there.
fn provision() -> Result<PathBuf, String> {
    let root = cache_root()?;
    let offline = var("DAWN_SYS_OFFLINE").is_some_and(|v| v != Path::new("0"));
    let kit_py = manifest_dir().join("kit.py");
    println!("cargo::rerun-if-changed={}", kit_py.display());
    println!(
        "cargo::rerun-if-changed={}",
        manifest_dir().join("dawn.lock.toml").display()
    );
    let mut command = Command::new("python3");
    command
        .arg(&kit_py)
        .arg("provision")
        .arg("--cache-root")
        .arg(&root);
    if offline {
        command.arg("--offline");
    }
    let or_dawn_dir =
        "or set DAWN_DIR to a Dawn build (include/webgpu/webgpu.h and lib/libwebgpu_dawn.so)";
    let output = command.output().map_err(|e| {
        format!(
            "running python3 to provision the pinned Dawn kit failed ({e}): install python3 with pip, \
             {or_dawn_dir}"
        )
    })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let mut lines = stderr
            .lines()
            .rev()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        let last = lines.clone().next().unwrap_or("no message");
        let reason = lines
            .find_map(|l| l.strip_prefix("kit: error: "))
            .unwrap_or(last);
        let fix = if offline {
            "unset DAWN_SYS_OFFLINE to let pip fetch it once for this machine"
        } else {
            "fix that (pip needs the network once per machine)"
        };
        return Err(format!(
            "could not provision the pinned Dawn kit: {reason}; {fix}, {or_dawn_dir}"
        ));
    }
    let kit = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if stderr.contains("kit ready") {
        println!(
            "cargo::warning=dawn-sys fetched the pinned Dawn kit into {} (once for this machine)",
            kit.display()
        );
    }
    println!("cargo::rerun-if-changed={}", kit.display());
    Ok(kit)
}
