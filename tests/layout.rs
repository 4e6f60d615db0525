//! Struct layouts: the C compiler's view of `webgpu.h` (the `layout_probe` program the root build script
//! compiled into OUT_DIR, see build/layout_probe.rs) against dawn-sys's bindgen types (`layout_table.rs`):
//! the same structs and fields, and every size, alignment and field offset equal; the probe covers every
//! struct the header defines; and the sentinel constants dawn-sys declares by hand (`WGPU_STRLEN`, ...)
//! have the values and widths of the header's `#define`s. (dawn-sys itself only finds, binds and links:
//! none of this runs in a dependent's build.)

use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/layout_table.rs"));

/// `item -> (size or offset, align or 0)`; a duplicated item fails the test.
fn table<'a>(
    entries: impl IntoIterator<Item = (&'a str, usize, usize)>,
    side: &str,
) -> BTreeMap<&'a str, (usize, usize)> {
    let mut map = BTreeMap::new();
    for (item, a, b) in entries {
        assert!(
            map.insert(item, (a, b)).is_none(),
            "{side} lists {item} twice"
        );
    }
    map
}

fn probe_output() -> String {
    let probe = concat!(env!("OUT_DIR"), "/layout_probe");
    let output = std::process::Command::new(probe)
        .output()
        .unwrap_or_else(|e| panic!("running {probe}: {e}"));
    assert!(
        output.status.success(),
        "{probe} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the probe prints ASCII")
}

#[test]
fn c_and_rust_layouts_agree_exactly() {
    let text = probe_output();
    let c_entries: Vec<(&str, usize, usize)> = text
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "a probe line is not `item a b`: {line:?}");
            let number = |s: &str| {
                s.parse::<usize>()
                    .unwrap_or_else(|_| panic!("not a number in {line:?}"))
            };
            (parts[0], number(parts[1]), number(parts[2]))
        })
        .collect();
    let c = table(c_entries, "the C probe");
    let rust = table(LAYOUT.iter().copied(), "layout_table.rs");

    let only_c: Vec<_> = c.keys().filter(|k| !rust.contains_key(*k)).collect();
    let only_rust: Vec<_> = rust.keys().filter(|k| !c.contains_key(*k)).collect();
    assert!(
        only_c.is_empty() && only_rust.is_empty(),
        "item sets differ: only in C {only_c:?}, only in Rust {only_rust:?}"
    );

    let differ: Vec<String> = c
        .iter()
        .filter(|(item, v)| rust[*item] != **v)
        .map(|(item, v)| format!("{item}: C {v:?}, Rust {:?}", rust[item]))
        .collect();
    assert!(
        differ.is_empty(),
        "{} layouts differ:\n{}",
        differ.len(),
        differ.join("\n")
    );

    let structs: Vec<&str> = c.keys().copied().filter(|k| !k.contains('.')).collect();
    assert!(
        structs.len() > 80,
        "only {} structs in the probe: {structs:?}",
        structs.len()
    );
    for s in &structs {
        let (size, align) = c[s];
        assert!(
            size > 0 && align.is_power_of_two() && size % align == 0,
            "{s}: size {size}, align {align}"
        );
        assert!(
            c.keys()
                .any(|k| k.strip_prefix(*s).is_some_and(|f| f.starts_with('.'))),
            "{s} has no fields listed"
        );
    }
    for (item, (offset, zero)) in c.iter().filter(|(k, _)| k.contains('.')) {
        let owner = item.split('.').next().unwrap();
        assert_eq!(*zero, 0, "{item}: the second number of a field line is 0");
        assert!(
            c.contains_key(owner),
            "{item}: its struct {owner} has no size line"
        );
        assert!(
            *offset < c[owner].0,
            "{item}: offset {offset} past the size of {owner}"
        );
    }
}

/// A few layouts fixed by `webgpu.h` on x86-64, independent of both generators.
#[test]
fn known_layouts() {
    let rust = table(LAYOUT.iter().copied(), "layout_table.rs");
    for (item, want) in [
        ("WGPUStringView", (16, 8)),
        ("WGPUStringView.length", (8, 0)),
        ("WGPUChainedStruct", (16, 8)),
        ("WGPUChainedStruct.sType", (8, 0)),
        ("WGPUFutureWaitInfo", (16, 8)),
        ("WGPUBufferDescriptor.usage", (24, 0)),
        ("WGPUBufferDescriptor.size", (32, 0)),
        ("WGPUBufferDescriptor", (48, 8)),
    ] {
        assert_eq!(rust.get(item), Some(&want), "{item}");
    }
}

/// The header's own struct definitions (`typedef struct WGPUX {`), read as text from the Dawn this crate was
/// built against, are exactly the structs the probe covers: none escaped the layout comparison.
#[test]
fn the_probe_covers_every_struct_of_the_header() {
    let header = header();
    let text = std::fs::read_to_string(&header).unwrap();
    let in_header: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("typedef struct ")?.strip_suffix(" {"))
        .filter(|name| name.starts_with("WGPU"))
        .collect();
    let probe = probe_output();
    let in_probe: std::collections::BTreeSet<&str> = probe
        .lines()
        .filter_map(|line| line.split(' ').next())
        .filter(|item| !item.contains('.'))
        .collect();
    assert!(
        in_header.len() > 80,
        "only {} structs parsed from {}",
        in_header.len(),
        header.display()
    );
    assert_eq!(
        in_header,
        in_probe,
        "structs of {} vs structs of the probe",
        header.display()
    );
}

/// The header dawn-sys bound (the root build script passes it on).
fn header() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("PARITY_WEBGPU_H"))
}

/// A sentinel constant: an integer (value, width in bytes) or a float NaN (width).
#[derive(Debug, PartialEq)]
enum Sentinel {
    Int(u128, usize),
    Nan(usize),
}

macro_rules! int {
    ($c:path) => {
        Sentinel::Int($c as u128, size_of_val(&$c))
    };
}

#[test]
fn sentinel_constants_match_the_header() {
    let header = header();
    let text = std::fs::read_to_string(&header).unwrap();
    let mut in_header = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("#define WGPU_") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(' ') else {
            continue;
        };
        if name.ends_with("_INIT") || name.contains('(') {
            continue;
        }
        let value = match value.trim() {
            "(UINT32_C(1))" => Sentinel::Int(1, 4),
            "(UINT32_C(0))" => Sentinel::Int(0, 4),
            "(UINT32_MAX)" => Sentinel::Int(u32::MAX.into(), 4),
            "(UINT64_MAX)" => Sentinel::Int(u64::MAX.into(), 8),
            "(SIZE_MAX)" => Sentinel::Int(usize::MAX as u128, size_of::<usize>()),
            "(NAN)" => Sentinel::Nan(4),
            other => panic!("WGPU_{name} = {other}: a value this test does not know"),
        };
        in_header.insert(format!("WGPU_{name}"), value);
    }
    let nan = |x: f32| {
        assert!(x.is_nan());
        Sentinel::Nan(size_of_val(&x))
    };
    let in_rust: BTreeMap<String, Sentinel> = [
        ("WGPU_TRUE", int!(dawn_sys::WGPU_TRUE)),
        ("WGPU_FALSE", int!(dawn_sys::WGPU_FALSE)),
        (
            "WGPU_ARRAY_LAYER_COUNT_UNDEFINED",
            int!(dawn_sys::WGPU_ARRAY_LAYER_COUNT_UNDEFINED),
        ),
        (
            "WGPU_COPY_STRIDE_UNDEFINED",
            int!(dawn_sys::WGPU_COPY_STRIDE_UNDEFINED),
        ),
        (
            "WGPU_DEPTH_CLEAR_VALUE_UNDEFINED",
            nan(dawn_sys::WGPU_DEPTH_CLEAR_VALUE_UNDEFINED),
        ),
        (
            "WGPU_DEPTH_SLICE_UNDEFINED",
            int!(dawn_sys::WGPU_DEPTH_SLICE_UNDEFINED),
        ),
        (
            "WGPU_LIMIT_U32_UNDEFINED",
            int!(dawn_sys::WGPU_LIMIT_U32_UNDEFINED),
        ),
        (
            "WGPU_LIMIT_U64_UNDEFINED",
            int!(dawn_sys::WGPU_LIMIT_U64_UNDEFINED),
        ),
        (
            "WGPU_MIP_LEVEL_COUNT_UNDEFINED",
            int!(dawn_sys::WGPU_MIP_LEVEL_COUNT_UNDEFINED),
        ),
        (
            "WGPU_QUERY_SET_INDEX_UNDEFINED",
            int!(dawn_sys::WGPU_QUERY_SET_INDEX_UNDEFINED),
        ),
        ("WGPU_STRLEN", int!(dawn_sys::WGPU_STRLEN)),
        ("WGPU_WHOLE_MAP_SIZE", int!(dawn_sys::WGPU_WHOLE_MAP_SIZE)),
        ("WGPU_WHOLE_SIZE", int!(dawn_sys::WGPU_WHOLE_SIZE)),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    assert!(
        in_header.len() >= 13,
        "only {} sentinels parsed from {}",
        in_header.len(),
        header.display()
    );
    assert_eq!(
        in_header,
        in_rust,
        "the sentinels of {} vs lib.rs",
        header.display()
    );
}
