//! `dawn_sys::load` and the free functions' loader, one child process per case (the loader reads `DAWN_LIB`
//! once per process): this test re-runs its own binary with `DAWN_SYS_LOAD_CASE` set, and checks what the
//! child printed and how it exited.
//!
//! Loaded mode (default): by default the library is the one the build found; `DAWN_LIB` overrides it (a
//! copy of the library at another path is the one mapped into the process); a missing file and a library
//! without the `wgpu*` symbols are one-line errors naming the path, the reason and `DAWN_LIB`, the same
//! error on every call, and a free function called anyway panics with that very line; threads loading at
//! once all get the library; a table installed with `load_with` (one function hooked) is what the free
//! functions call, and a second one is refused; and the binary has no `DT_NEEDED` on Dawn. Linked mode (feature `linked`):
//! `load` succeeds whatever `DAWN_LIB` says, and the binary needs Dawn.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CASE: &str = "DAWN_SYS_LOAD_CASE";
const LOADED: bool = cfg!(all(feature = "loaded", not(feature = "linked")));

fn main() {
    match std::env::var(CASE) {
        Ok(case) => child(&case),
        Err(_) => parent(),
    }
}

/// Creates and releases an instance through the free functions.
fn create_instance() {
    // SAFETY: a null descriptor asks for defaults; the instance is released once.
    unsafe {
        let instance = dawn_sys::wgpuCreateInstance(std::ptr::null());
        assert!(!instance.is_null(), "wgpuCreateInstance returned null");
        dawn_sys::wgpuInstanceRelease(instance);
    }
}

/// The file a shared object named `name` was mapped from, as `/proc/self/maps` shows it.
fn mapped(name: &str) -> Vec<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut paths: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.ends_with(name))
        .map(str::to_string)
        .collect();
    paths.dedup();
    paths
}

fn child(case: &str) {
    match case {
        "works" => {
            dawn_sys::load().unwrap_or_else(|e| panic!("load failed: {e}"));
            create_instance();
            println!("mapped {:?}", mapped("libwebgpu_dawn.so"));
        }
        "fails" => {
            let first = dawn_sys::load().expect_err("load succeeded");
            let second = dawn_sys::load().expect_err("the second load succeeded");
            assert_eq!(first, second, "a second load gave another outcome");
            println!("path {}", first.path().display());
            println!("error {first}");
            create_instance(); // panics with the error above
            println!("the free function returned");
        }
        "threads" => {
            let threads: Vec<_> = (0..8)
                .map(|_| std::thread::spawn(|| (dawn_sys::load(), create_instance())))
                .collect();
            for t in threads {
                t.join()
                    .unwrap()
                    .0
                    .unwrap_or_else(|e| panic!("load failed: {e}"));
            }
            println!("threads ok");
        }
        #[cfg(feature = "loaded")]
        "load_with" => {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static CREATED: AtomicUsize = AtomicUsize::new(0);
            static REAL: std::sync::OnceLock<dawn_sys::dynamic::DawnLibrary> =
                std::sync::OnceLock::new();
            unsafe extern "C" fn counting(
                descriptor: *const dawn_sys::WGPUInstanceDescriptor,
            ) -> dawn_sys::WGPUInstance {
                CREATED.fetch_add(1, Ordering::Relaxed);
                // SAFETY: forwarding the caller's argument to Dawn's own function.
                unsafe { REAL.get().unwrap().wgpuCreateInstance(descriptor) }
            }
            let path = std::env::var("DAWN_LIB").unwrap();
            // SAFETY: a Dawn; the hook has the signature of the function it replaces.
            unsafe {
                REAL.set(dawn_sys::dynamic::DawnLibrary::new(&path).unwrap())
                    .ok()
                    .unwrap();
                let mut functions = dawn_sys::Functions::open(&path).unwrap();
                functions.webgpu.wgpuCreateInstance = counting;
                assert!(
                    dawn_sys::load_with(functions).is_ok(),
                    "the first table was refused"
                );
                let again = dawn_sys::Functions::open(&path).unwrap();
                assert!(
                    dawn_sys::load_with(again).is_err(),
                    "a second table was taken"
                );
            }
            dawn_sys::load().unwrap();
            create_instance();
            create_instance();
            println!(
                "created through the hook: {}",
                CREATED.load(Ordering::Relaxed)
            );
            println!("mapped {:?}", mapped("libwebgpu_dawn.so"));
        }
        other => panic!("unknown case {other}"),
    }
}

fn run(case: &str, dawn_lib: Option<&Path>) -> (Output, String, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.env(CASE, case).env_remove("DAWN_LIB");
    if let Some(path) = dawn_lib {
        command.env("DAWN_LIB", path);
    }
    let output = command.output().expect("running the child");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

fn assert_success(case: &str, (output, stdout, stderr): &(Output, String, String)) {
    assert!(
        output.status.success(),
        "case {case}: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
}

/// The child's `mapped [..]` line: the files libwebgpu_dawn.so was mapped from.
fn mapped_line(stdout: &str) -> &str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("mapped "))
        .unwrap_or_else(|| panic!("no mapped line:\n{stdout}"))
}

/// A `DAWN_LIB` that cannot load: the error names the path, why, and `DAWN_LIB`, is one line, and is what
/// a free function panics with.
fn assert_load_fails(dawn_lib: &Path, why: &str) {
    let (output, stdout, stderr) = run("fails", Some(dawn_lib));
    let context = format!(
        "DAWN_LIB={}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        dawn_lib.display()
    );
    assert_eq!(
        output.status.code(),
        Some(101),
        "the free function did not panic: {context}"
    );
    let path = format!("path {}", dawn_lib.display());
    assert!(stdout.lines().any(|l| l == path), "{context}");
    let error = stdout
        .lines()
        .find_map(|l| l.strip_prefix("error "))
        .unwrap_or_else(|| panic!("no error line: {context}"));
    for part in [
        &format!(
            "cannot load Dawn from {} (named by DAWN_LIB)",
            dawn_lib.display()
        ),
        why,
        "set DAWN_LIB to the path of a libwebgpu_dawn.so",
    ] {
        assert!(error.contains(part), "the error lacks {part:?}: {context}");
    }
    assert!(!stdout.contains("the free function returned"), "{context}");
    assert!(
        stderr.contains("panicked at") && stderr.contains(error),
        "the panic does not carry the load error: {context}"
    );
}

fn parent() {
    let library = PathBuf::from(dawn_sys::DAWN_LIBRARY_PATH);
    assert!(
        library.is_absolute() && library.is_file(),
        "{}",
        library.display()
    );
    let canonical = library.canonicalize().unwrap().display().to_string();

    // The library the build found.
    let works = run("works", None);
    assert_success("works", &works);
    assert_eq!(mapped_line(&works.1), format!("[{canonical:?}]"));
    let threads = run("threads", None);
    assert_success("threads", &threads);
    assert!(threads.1.contains("threads ok"), "{}", threads.1);

    let readelf = Command::new("readelf")
        .arg("-d")
        .arg(std::env::current_exe().unwrap())
        .output()
        .expect("running readelf");
    assert!(readelf.status.success());
    let dynamic = String::from_utf8_lossy(&readelf.stdout);
    assert!(
        dynamic.contains("(NEEDED)"),
        "no NEEDED entries:\n{dynamic}"
    );
    assert_eq!(
        dynamic.contains("libwebgpu_dawn.so"),
        !LOADED,
        "NEEDED entries (loaded mode: {LOADED}):\n{dynamic}"
    );

    let scratch = std::env::temp_dir().join(format!("dawn-sys-load-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let missing = scratch.join("no-such-dir/libwebgpu_dawn.so");
    let copy = scratch.join("libwebgpu_dawn.so");
    std::fs::copy(&library, &copy).unwrap();
    let libc = Path::new("/lib/x86_64-linux-gnu/libc.so.6");
    assert!(libc.is_file(), "{} is not there", libc.display());

    if LOADED {
        // DAWN_LIB wins: the copy is what gets mapped.
        let overridden = run("works", Some(&copy));
        assert_success("works with DAWN_LIB", &overridden);
        assert_eq!(
            mapped_line(&overridden.1),
            format!("[{:?}]", copy.display().to_string())
        );
        assert_load_fails(&missing, "No such file or directory");
        // A table of the caller's (here the copy, with wgpuCreateInstance hooked) replaces the default.
        let with = run("load_with", Some(&copy));
        assert_success("load_with", &with);
        assert!(with.1.contains("created through the hook: 2"), "{}", with.1);
        assert_eq!(
            mapped_line(&with.1),
            format!("[{:?}]", copy.display().to_string())
        );
        assert_load_fails(libc, "undefined symbol: wgpu");
    } else {
        // Linked: the dynamic linker loaded the build's Dawn before main; DAWN_LIB changes nothing.
        let linked = run("works", Some(&missing));
        assert_success("works (linked) with a missing DAWN_LIB", &linked);
        assert_eq!(mapped_line(&linked.1), format!("[{canonical:?}]"));
    }
    std::fs::remove_dir_all(&scratch).unwrap();
    println!("load: every case passed (loaded mode: {LOADED})");
}
