//! `DAWN_DIR` (a copy of the kit) wins over the workspace kit in a nested `cargo build -p dawn-sys`: the
//! library path baked in, the header passed on and (feature `linked`) the link search all name the copy;
//! and a bad `DAWN_DIR` (missing, or without `lib/`) fails with one error line naming it and the path,
//! before any linking.

mod scratch;

use scratch::{TempDir, copy_dir, kit, nested_target, workspace};
use std::path::Path;
use std::process::{Command, Output};

/// `cargo build -p dawn-sys` with `DAWN_DIR`, in its own target dir (the outer `cargo test` holds the lock
/// of the shared one).
fn nested_build(dawn_dir: &Path, extra: &[&str]) -> (Output, String) {
    let output = Command::new(env!("CARGO"))
        .args(["build", "-p", "dawn-sys", "--offline"])
        .args(extra)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", nested_target("dawn-dir-test"))
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
        "no kit at {}: run python3 third_party/fetch.py (./dev.sh setup)",
        kit.display()
    );

    // (a) A copy of the kit under DAWN_DIR builds, and everything points at the copy, not at the kit.
    let copy = TempDir::new("dawn-dir");
    copy_dir(&kit.join("include"), &copy.0.join("include"));
    copy_dir(&kit.join("lib"), &copy.0.join("lib"));
    let (output, text) = nested_build(&copy.0, &["-vv", "--features", "linked"]);
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
    let header = format!(
        "cargo::metadata=header={}/include/webgpu/webgpu.h",
        copy.0.display()
    );
    assert!(
        text.lines().any(|l| l.ends_with(&header)),
        "the build script did not print {header}:\n{text}"
    );
    let kit_path = kit.canonicalize().unwrap().display().to_string();
    let mentions_kit: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("cargo::") && l.contains(&kit_path))
        .collect();
    assert!(
        mentions_kit.is_empty(),
        "the build also pointed at the kit {kit_path}: {mentions_kit:?}"
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
