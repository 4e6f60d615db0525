//! The pinned kit: `kit.py` (the lock and fetch logic inside the dawn-sys package) and the workspace's
//! `third_party/fetch.py` over it.
//!
//! - `fetch` refuses a corrupted cached wheel with one error line naming the file and both digests (the
//!   actual one computed here by `sha256sum`) and writes nothing; on the complete kit it is a quick
//!   offline no-op.
//! - `provision` (what dawn-sys's build script runs when there is no `DAWN_DIR` nor workspace kit) fetches
//!   the kit with pip into an empty cache folder, every member with its pinned digest; three runs at once
//!   agree on one complete kit and leave nothing else behind; then it is offline, and `--offline` without
//!   the kit is one error line.

mod scratch;

use scratch::{TempDir, kit, sha256sum, workspace};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn lock_path() -> PathBuf {
    workspace().join("dawn-sys/dawn.lock.toml")
}

/// Every pinned member: (destination in the kit, sha256).
fn pinned_members() -> Vec<(String, String)> {
    let lock = std::fs::read_to_string(lock_path()).unwrap();
    let value = |line: &str, key: &str| -> Option<String> {
        let rest = line
            .strip_prefix(key)?
            .trim_start()
            .strip_prefix('=')?
            .trim();
        Some(rest.strip_prefix('"')?.strip_suffix('"')?.to_string())
    };
    let mut members = Vec::new();
    let mut digest = None;
    for line in lock.lines().map(str::trim) {
        if let Some(v) = value(line, "member_sha256 ") {
            digest = Some(v);
        } else if let Some(dest) = value(line, "dest ") {
            members.push((
                dest,
                digest
                    .take()
                    .expect("member_sha256 before dest in the lock"),
            ));
        }
    }
    members
}

/// The pinned wheels of `dawn-sys/dawn.lock.toml`, in lock order, each once: (file name, sha256).
fn pinned_wheels() -> Vec<(String, String)> {
    let lock = std::fs::read_to_string(lock_path()).unwrap();
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
    assert!(line.starts_with("kit: error: sha256 mismatch"), "{line}");
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

/// `python3 dawn-sys/kit.py provision --cache-root ROOT [extra]`. pip gets the workspace's cached wheels
/// (`third_party/.cache`, filled by `./dev.sh setup`) as its only index when they are there, so the test
/// runs offline; otherwise pip downloads them.
fn provision(root: &Path, extra: &[&str]) -> Output {
    let mut command = Command::new("python3");
    command
        .arg(workspace().join("dawn-sys/kit.py"))
        .args(["provision", "--cache-root"])
        .arg(root)
        .args(extra);
    let wheels = workspace().join("third_party/.cache");
    let has_wheels = pinned_wheels()
        .iter()
        .all(|(name, _)| wheels.join(name).is_file());
    if has_wheels {
        command
            .env("PIP_NO_INDEX", "1")
            .env("PIP_FIND_LINKS", &wheels);
    }
    command.output().expect("running kit.py provision")
}

#[test]
fn provision_fetches_one_complete_kit_even_when_run_three_times_at_once() {
    let tmp = TempDir::new("provision");
    let root = tmp.0.join("cache");
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || provision(&root, &[]))
        })
        .collect();
    let outputs: Vec<Output> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    let mut kits = Vec::new();
    for output in &outputs {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "provision failed:\n{stderr}");
        kits.push(
            String::from_utf8(output.stdout.clone())
                .unwrap()
                .trim()
                .to_string(),
        );
    }
    assert!(
        kits.windows(2).all(|w| w[0] == w[1]),
        "the runs disagree: {kits:?}"
    );
    let kit_dir = PathBuf::from(&kits[0]);
    let name = kit_dir.file_name().unwrap().to_string_lossy().into_owned();
    let lock_digest = sha256sum(&lock_path());
    assert_eq!(
        name,
        format!("kit-{}", &lock_digest[..16]),
        "the kit folder is named by the lock's digest"
    );
    assert_eq!(kit_dir.parent(), Some(root.as_path()));
    for (dest, digest) in pinned_members() {
        let file = kit_dir.join(&dest);
        assert_eq!(sha256sum(&file), digest, "{}", file.display());
        if dest.ends_with(".so") {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{} is not executable", file.display());
        }
    }
    let left: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, [name], "the cache holds more than the kit");

    // Once there, it is an offline no-op that prints only the folder.
    let start = Instant::now();
    let again = provision(&root, &["--offline"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        again.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(String::from_utf8(again.stdout).unwrap().trim(), kits[0]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn provision_offline_without_the_kit_is_one_error_line() {
    let tmp = TempDir::new("provision-offline");
    let root = tmp.0.join("cache");
    let output = provision(&root, &["--offline"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "want one stderr line:\n{stderr}");
    let want = format!("kit: error: no Dawn kit in {}/kit-", root.display());
    assert!(lines[0].starts_with(&want), "{}", lines[0]);
    assert!(
        lines[0].ends_with("and fetching it is forbidden (offline)"),
        "{}",
        lines[0]
    );
    assert!(output.stdout.is_empty());
    assert!(!root.exists(), "an offline run created {}", root.display());
}
