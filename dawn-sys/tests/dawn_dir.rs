//! Where Dawn comes from: `DAWN_DIR` (a copy of the kit) wins over the pinned kit in a nested
//! `cargo build -p dawn-sys`, and a bad `DAWN_DIR` (missing, or without `lib/`) fails with one error line
//! naming it and the path, before any linking; `third_party/fetch.py` refuses a corrupted cached wheel with
//! one error line naming the file and both digests (the actual one computed here by `sha256sum`) and
//! writes nothing, and on the complete kit it is a quick offline no-op.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "dawn-sys-test-{tag}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        // The build script canonicalizes DAWN_DIR; so do we, to compare paths.
        TempDir(path.canonicalize().unwrap())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

fn kit() -> PathBuf {
    workspace().join("third_party/dawn")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `cargo build -p dawn-sys` with `DAWN_DIR`, in its own target dir (the outer `cargo test` holds the lock
/// of the shared one).
fn nested_build(dawn_dir: &Path, extra: &[&str]) -> (Output, String) {
    let output = Command::new(env!("CARGO"))
        .args(["build", "-p", "dawn-sys", "--offline"])
        .args(extra)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", workspace().join("target/dawn-dir-test"))
        .env("DAWN_DIR", dawn_dir)
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("running the nested cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

/// A bad `DAWN_DIR` fails with exactly one `error: ` line that names `DAWN_DIR` and the path; the other
/// `error: ` lines may only be cargo's own summary, and nothing may come from rustc or the linker.
fn assert_one_dawn_dir_error(dawn_dir: &Path, output: &Output, text: &str, why: &str) {
    assert!(
        !output.status.success(),
        "DAWN_DIR {} ({why}) built:\n{text}",
        dawn_dir.display()
    );
    let path = dawn_dir.display().to_string();
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    let naming: Vec<&&str> = errors.iter().filter(|l| l.contains("DAWN_DIR")).collect();
    assert_eq!(
        naming.len(),
        1,
        "({why}) want exactly one error line naming DAWN_DIR:\n{text}"
    );
    assert!(
        naming[0].contains(&path),
        "({why}) the error line does not name {path}:\n{text}"
    );
    assert!(
        naming[0].contains(why),
        "({why}) the error line does not say why:\n{text}"
    );
    for line in &errors {
        assert!(
            line.contains("DAWN_DIR") || *line == "error: build script logged errors",
            "({why}) an error line that is neither the DAWN_DIR one nor cargo's summary: {line:?}\n{text}"
        );
    }
    for bad in [
        "undefined reference",
        "collect2",
        "error[E",
        "linking with",
        "environment variable",
    ] {
        assert!(
            !text.contains(bad),
            "({why}) the output contains {bad:?}:\n{text}"
        );
    }
}

#[test]
fn dawn_dir_wins_over_the_kit_and_a_bad_one_fails_early() {
    let kit = kit();
    assert!(
        kit.join("lib/libwebgpu_dawn.so").is_file(),
        "no kit at {}: run python3 third_party/fetch.py",
        kit.display()
    );

    // (a) A copy of the kit under DAWN_DIR builds, and the build links from the copy, not from the kit.
    let copy = TempDir::new("dawn-dir");
    copy_dir(&kit.join("include"), &copy.0.join("include"));
    copy_dir(&kit.join("lib"), &copy.0.join("lib"));
    let (output, text) = nested_build(&copy.0, &["-vv"]);
    assert!(
        output.status.success(),
        "the nested build with DAWN_DIR={} failed:\n{text}",
        copy.0.display()
    );
    let link_search = format!("cargo::rustc-link-search=native={}/lib", copy.0.display());
    assert!(
        text.lines().any(|l| l.ends_with(&link_search)),
        "the build script did not print {link_search}:\n{text}"
    );
    let lib_path = format!(
        "cargo::rustc-env=DAWN_SYS_LIB_PATH={}/lib/libwebgpu_dawn.so",
        copy.0.display()
    );
    assert!(
        text.lines().any(|l| l.ends_with(&lib_path)),
        "the build script did not print {lib_path}:\n{text}"
    );
    let kit_search = format!("rustc-link-search=native={}", kit.display());
    assert!(
        !text.contains(&kit_search),
        "the build also searched the kit:\n{text}"
    );

    // (b) A DAWN_DIR that does not exist.
    let missing = copy.0.join("no-such-dawn");
    let (output, text) = nested_build(&missing, &[]);
    assert_one_dawn_dir_error(&missing, &output, &text, "is not a directory");

    // (b) A DAWN_DIR with the header but without lib/.
    let headers_only = TempDir::new("dawn-dir-no-lib");
    copy_dir(&kit.join("include"), &headers_only.0.join("include"));
    let (output, text) = nested_build(&headers_only.0, &[]);
    assert_one_dawn_dir_error(
        &headers_only.0,
        &output,
        &text,
        "has no lib/libwebgpu_dawn.so",
    );
}

/// The pinned wheels of `third_party/dawn.lock.toml`, in lock order, each once: (file name, sha256).
fn pinned_wheels() -> Vec<(String, String)> {
    let lock = std::fs::read_to_string(workspace().join("third_party/dawn.lock.toml")).unwrap();
    let value = |line: &str, key: &str| -> Option<String> {
        let rest = line
            .strip_prefix(key)?
            .trim_start()
            .strip_prefix('=')?
            .trim();
        Some(rest.strip_prefix('"')?.strip_suffix('"')?.to_string())
    };
    let mut wheels: Vec<(String, String)> = Vec::new();
    let mut name = None;
    for line in lock.lines().map(str::trim) {
        if let Some(v) = value(line, "wheel ") {
            name = Some(v);
        } else if let Some(v) = value(line, "wheel_sha256 ") {
            let name = name.take().expect("wheel_sha256 before wheel in the lock");
            if !wheels.iter().any(|(n, _)| *n == name) {
                wheels.push((name, v));
            }
        }
    }
    wheels
}

fn sha256sum(path: &Path) -> String {
    let output = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("running sha256sum");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let digest = text.split_whitespace().next().unwrap().to_string();
    assert_eq!(digest.len(), 64, "{text}");
    digest
}

fn fetch(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let output = Command::new("python3")
        .arg(workspace().join("third_party/fetch.py"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("running python3 third_party/fetch.py");
    (output, start.elapsed())
}

#[test]
fn fetch_refuses_a_corrupted_cached_wheel_and_writes_nothing() {
    let wheels = pinned_wheels();
    assert!(wheels.len() >= 2, "the lock pins {wheels:?}");
    let (first, first_sha) = &wheels[0];
    assert!(
        first.starts_with("rillfacet-"),
        "the first pinned wheel is {first}"
    );

    let tmp = TempDir::new("fetch-corrupt");
    let cache = tmp.0.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    for (i, (name, _)) in wheels.iter().enumerate() {
        std::fs::write(cache.join(name), format!("not a wheel #{i}\n").repeat(1000)).unwrap();
    }
    let actual = sha256sum(&cache.join(first));
    assert_ne!(&actual, first_sha);
    let dest = tmp.0.join("kit");

    let (output, _) = fetch(&[
        "--offline",
        "--cache",
        cache.to_str().unwrap(),
        "--dest",
        dest.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "fetch.py exit status; stderr:\n{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "want one stderr line:\n{stderr}");
    let line = lines[0];
    assert!(line.starts_with("fetch: error: sha256 mismatch"), "{line}");
    assert!(
        line.contains(first.as_str()),
        "the error does not name {first}: {line}"
    );
    assert!(
        line.contains(first_sha.as_str()),
        "the error does not give the expected {first_sha}: {line}"
    );
    assert!(
        line.contains(&actual),
        "the error does not give the actual {actual}: {line}"
    );
    assert!(!dest.exists(), "fetch.py left {} behind", dest.display());
    let leftovers: Vec<_> = std::fs::read_dir(&tmp.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["cache"],
        "fetch.py wrote next to the destination"
    );
    // As the message says, the bad file was removed so that the next run downloads it again.
    assert!(
        !cache.join(first).exists(),
        "the corrupted {first} is still in the cache"
    );
}

#[test]
fn fetch_on_the_complete_kit_is_a_quick_offline_no_op() {
    let kit = kit();
    let library = kit.join("lib/libwebgpu_dawn.so");
    let before = std::fs::metadata(&library).unwrap().modified().unwrap();
    let tmp = TempDir::new("fetch-no-op");
    // A cache folder that must never be created: a no-op needs no cache.
    let cache = tmp.0.join("cache");
    for run in 1..=2 {
        let (output, took) = fetch(&["--offline", "--cache", cache.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(0),
            "run {run}: fetch.py failed:\n{stderr}"
        );
        assert!(
            stderr.is_empty() && output.stdout.is_empty(),
            "run {run}: a no-op prints nothing:\n{stderr}"
        );
        assert!(took < Duration::from_secs(10), "run {run} took {took:?}");
        assert!(
            !cache.exists(),
            "run {run} created the cache {}",
            cache.display()
        );
    }
    let after = std::fs::metadata(&library).unwrap().modified().unwrap();
    assert_eq!(before, after, "the no-op rewrote {}", library.display());
}
