//! A user's crate: a new package outside this workspace, with no build script and a path dependency on
//! `dawn` as `cargo package` ships it (dawn and dawn-sys packaged from this tree and unpacked into a scratch
//! folder, so no workspace kit sits next to them), built and run with a clean environment (no
//! `LD_LIBRARY_PATH`, no `DAWN_DIR`, nothing of this session's cargo). dawn-sys takes the pinned kit from the
//! machine's cache, provisioning it there first on a fresh machine (pip). The program (consumer_crate/src)
//! computes y = 2x + 1 on the GPU and checks it against the CPU; its binary needs no Dawn at link time, and
//! with `DAWN_LIB` naming a missing file `Instance::new` returns `Unavailable` instead of panicking.
//!
//! Also the packaged dawn-sys alone: with `DAWN_SYS_OFFLINE=1` and an empty cache, its build fails with one
//! error line that says what to do.
//!
//! Runs share one scratch folder per workspace in the temp dir (its target dirs make later runs quick); the
//! packages are unpacked again only when their content changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The scratch folder of this workspace's runs (stable across runs, distinct per checkout).
fn scratch() -> PathBuf {
    // FNV-1a of the workspace path: a stable name without a hashing dependency.
    let hash = workspace()
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    std::env::temp_dir().join(format!("dawn-rs-consumer-{hash:016x}"))
}

/// A command with a clean environment: only what any user's shell has (paths, toolchain, caches, pip and
/// proxy settings), nothing of Dawn, the dynamic linker or this session's cargo.
fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env_clear();
    for (key, value) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        let kept = [
            "PATH",
            "HOME",
            "USER",
            "LANG",
            "TMPDIR",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "XDG_CACHE_HOME",
            "XDG_RUNTIME_DIR",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
        ]
        .contains(&&*key_text)
            || key_text.starts_with("PIP_")
            || key_text.to_ascii_lowercase().ends_with("_proxy");
        if kept {
            command.env(key, value);
        }
    }
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `version = "..."` of a workspace package's manifest.
fn version(package: &str) -> String {
    let manifest = std::fs::read_to_string(workspace().join(package).join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no version in {package}/Cargo.toml"))
        .to_string()
}

/// The unpacked packages: (dawn-sys, dawn). Packaged once per test process.
fn packages() -> &'static (PathBuf, PathBuf) {
    static PACKAGES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let root = scratch();
        let target = root.join("package-target");
        let output = Command::new(env!("CARGO"))
            .args(["package", "--no-verify", "--allow-dirty", "--offline"])
            .args(["-p", "dawn-sys", "-p", "dawn", "--target-dir"])
            .arg(&target)
            .current_dir(workspace())
            .output()
            .expect("running cargo package");
        assert!(
            output.status.success(),
            "cargo package failed:\n{}",
            text(&output)
        );
        let crates = root.join("crates");
        std::fs::create_dir_all(&crates).unwrap();
        let unpack = |package: &str| {
            let name = format!("{package}-{}", version(package));
            let file = target.join("package").join(format!("{name}.crate"));
            let bytes = std::fs::read(&file).unwrap();
            let stamp = crates.join(format!("{name}.crate"));
            let dir = crates.join(&name);
            if std::fs::read(&stamp).ok().as_ref() != Some(&bytes) || !dir.is_dir() {
                let _ = std::fs::remove_dir_all(&dir);
                // -m: fresh mtimes (the archive's are a fixed date, which cargo would take as unchanged).
                let status = Command::new("tar")
                    .arg("-xzmf")
                    .arg(&file)
                    .arg("-C")
                    .arg(&crates)
                    .status()
                    .expect("running tar");
                assert!(status.success(), "unpacking {}", file.display());
                std::fs::write(&stamp, &bytes).unwrap();
            }
            assert!(
                !dir.join("../third_party/dawn").exists(),
                "a workspace kit sits next to the unpacked {name}"
            );
            dir
        };
        (unpack("dawn-sys"), unpack("dawn"))
    })
}

/// Where dawn-sys keeps kits when nothing overrides it (as its build script decides).
fn machine_cache() -> PathBuf {
    match std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        Some(xdg) if xdg.is_absolute() => xdg.join("dawn-sys"),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/dawn-sys"),
    }
}

#[test]
fn a_new_crate_depending_on_dawn_computes_on_the_gpu_with_a_clean_environment() {
    let (dawn_sys, dawn) = packages();
    let app = scratch().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"dawn-consumer\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\ndawn = {{ path = {:?} }}\n\n\
             # dawn asks for dawn-sys by version, as from a registry: take the unpacked package.\n\
             [patch.crates-io]\ndawn-sys = {{ path = {:?} }}\n\n\
             # Not part of any workspace around the scratch folder.\n[workspace]\n",
            dawn.display(),
            dawn_sys.display()
        ),
    )
    .unwrap();
    std::fs::copy(
        workspace().join("tests/consumer_crate/src/main.rs"),
        app.join("src/main.rs"),
    )
    .unwrap();
    // This workspace's lock pins versions the registry cache holds, so the offline build resolves.
    std::fs::copy(workspace().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    assert!(!app.join("build.rs").exists());

    let target = scratch().join("app-target");
    let build = clean(env!("CARGO"))
        .args(["build", "--offline", "--target-dir"])
        .arg(&target)
        .current_dir(&app)
        .output()
        .expect("running cargo build");
    assert!(
        build.status.success(),
        "the consumer crate did not build:\n{}",
        text(&build)
    );

    let exe = target.join("debug/dawn-consumer");
    let run = clean(&exe).output().expect("running the consumer");
    assert!(run.status.success(), "the consumer failed:\n{}", text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("y = 2x + 1 matches the CPU on 4096 elements"),
        "{}",
        text(&run)
    );
    let library = stdout
        .lines()
        .find_map(|l| l.strip_prefix("library: "))
        .unwrap_or_else(|| panic!("no library line:\n{stdout}"));
    assert!(
        Path::new(library).starts_with(machine_cache()),
        "the consumer's Dawn {library} is not from the machine cache {}",
        machine_cache().display()
    );

    let readelf = Command::new("readelf")
        .arg("-d")
        .arg(&exe)
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&readelf.stdout);
    assert!(
        readelf.status.success() && dynamic.contains("(NEEDED)"),
        "{dynamic}"
    );
    assert!(
        !dynamic.contains("webgpu_dawn"),
        "the binary links Dawn:\n{dynamic}"
    );

    let missing = scratch().join("no-such-dawn/libwebgpu_dawn.so");
    let unavailable = clean(&exe)
        .env("DAWN_LIB", &missing)
        .output()
        .expect("running the consumer");
    let stderr = String::from_utf8_lossy(&unavailable.stderr);
    assert_eq!(unavailable.status.code(), Some(3), "{}", text(&unavailable));
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("unavailable: "))
        .unwrap_or_else(|| panic!("no unavailable line:\n{stderr}"));
    let want = format!(
        "cannot load Dawn from {} (named by DAWN_LIB)",
        missing.display()
    );
    assert!(line.starts_with(&want), "{line}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_packaged_dawn_sys_offline_without_a_cached_kit_fails_with_one_error_line() {
    let (dawn_sys, _) = packages();
    let empty_cache = scratch().join(format!("empty-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty_cache);
    let build = clean(env!("CARGO"))
        .args(["build", "--offline", "--target-dir"])
        .arg(scratch().join("sys-target"))
        .current_dir(dawn_sys)
        .env("DAWN_SYS_OFFLINE", "1")
        .env("DAWN_SYS_CACHE_DIR", &empty_cache)
        .output()
        .expect("running cargo build");
    let output = text(&build);
    assert!(
        !build.status.success(),
        "built offline without a kit:\n{output}"
    );
    let errors: Vec<&str> = output.lines().filter(|l| l.starts_with("error")).collect();
    let ours: Vec<&&str> = errors.iter().filter(|l| l.contains("Dawn kit")).collect();
    assert_eq!(
        ours.len(),
        1,
        "want one error line about the kit:\n{output}"
    );
    for part in [
        &*format!("no Dawn kit in {}/kit-", empty_cache.display()),
        "unset DAWN_SYS_OFFLINE",
        "or set DAWN_DIR to a Dawn build",
    ] {
        assert!(
            ours[0].contains(part),
            "the error lacks {part:?}: {}",
            ours[0]
        );
    }
    for line in &errors {
        assert!(
            line.contains("Dawn kit")
                || line.starts_with("error: build script logged errors")
                || line.starts_with("error: failed to run custom build command"),
            "another error line: {line:?}\n{output}"
        );
    }
    assert!(
        !empty_cache.exists(),
        "an offline build created {}",
        empty_cache.display()
    );
}

/// What docs.rs does (`DOCS_RS` set, no network, no Dawn anywhere): the packaged crates document from the
/// header dawn-sys carries, fetching nothing.
#[test]
fn the_packaged_crates_document_offline_without_dawn_as_on_docs_rs() {
    let (dawn_sys, dawn) = packages();
    let empty_cache = scratch().join(format!("docs-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty_cache);
    let target = scratch().join("sys-target");
    let doc = clean(env!("CARGO"))
        .args([
            "doc",
            "--offline",
            "--no-deps",
            "-p",
            "dawn",
            "-p",
            "dawn-sys",
        ])
        .arg("--target-dir")
        .arg(&target)
        .arg("--config")
        .arg(format!(
            "patch.crates-io.dawn-sys.path = {:?}",
            dawn_sys.display().to_string()
        ))
        .current_dir(dawn)
        .env("DOCS_RS", "1")
        .env("DAWN_SYS_OFFLINE", "1")
        .env("DAWN_SYS_CACHE_DIR", &empty_cache)
        .output()
        .expect("running cargo doc");
    assert!(doc.status.success(), "cargo doc failed:\n{}", text(&doc));
    for page in [
        "dawn/struct.Instance.html",
        "dawn_sys/fn.wgpuCreateInstance.html",
        "dawn_sys/fn.load.html",
        "dawn_sys/dynamic/struct.DawnLibrary.html",
    ] {
        assert!(
            target.join("doc").join(page).is_file(),
            "no {page}:\n{}",
            text(&doc)
        );
    }
    assert!(
        !empty_cache.exists(),
        "the docs build created {}",
        empty_cache.display()
    );
}
