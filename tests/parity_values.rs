//! Value parity: every enum value and flag that the safe crate exposes equals the C constant.
//!
//! Nothing here is a hand-kept list. The root build.rs finds every `c_enum!` / `c_flags!` type in dawn/src
//! (`parity_values_table.rs`, which reads each type's `ALL` list), and compiles a C program that prints every
//! enumerator and flag of `webgpu.h` as the C compiler sees it (`PARITY_C_VALUES`). Each safe value
//! `Type::Name` must equal `WGPUType_Name`; Dawn-only values, absent from the standard header, must equal the
//! declaration in dawn-sys/src/dawn_ext.rs, and where the type itself is standard they must lie in Dawn's
//! extension range (0x0005_0000 and up), or past the header's last value (a standard value newer than the
//! pinned header, such as `FeatureName::SubgroupSizeControl`).

use std::collections::BTreeMap;
use std::process::Command;

mod table {
    include!(concat!(env!("OUT_DIR"), "/parity_values_table.rs"));
}

/// `NAME -> value` for every enumerator and flag of webgpu.h, from the C compiler.
fn c_values() -> BTreeMap<String, u64> {
    let out = Command::new(env!("PARITY_C_VALUES"))
        .output()
        .expect("running the C values probe");
    assert!(out.status.success(), "the C values probe failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (name, value) = l.split_once(' ').expect("NAME VALUE lines");
            (name.to_string(), value.parse().expect("a decimal value"))
        })
        .collect()
}

/// `NAME -> value` for every `pub const WGPU...: T = value;` of dawn-sys/src/dawn_ext.rs.
fn dawn_ext_values() -> BTreeMap<String, u64> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dawn-sys/src/dawn_ext.rs");
    let text = std::fs::read_to_string(path).expect("reading dawn_ext.rs");
    let mut values = BTreeMap::new();
    // One declaration per `;`-terminated statement, so that rustfmt's line wrapping does not matter.
    for statement in text.split(';') {
        let statement = statement.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some(rest) = statement
            .find("pub const WGPU")
            .map(|at| &statement[at + "pub const WGPU".len()..])
        else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some(value) = rest.split_once('=').map(|(_, v)| v.trim().replace('_', "")) else {
            continue;
        };
        let parsed = match value.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => value.parse(),
        };
        if let Ok(v) = parsed {
            values.insert(format!("WGPU{name}"), v);
        }
    }
    values
}

#[test]
fn every_safe_value_equals_the_c_constant() {
    let c = c_values();
    let ext = dawn_ext_values();
    assert!(
        c.len() > 300,
        "the C probe printed only {} constants",
        c.len()
    );
    let types = table::safe_types();
    assert!(
        types.len() >= 15,
        "found only {} c_enum!/c_flags! types in dawn/src",
        types.len()
    );

    let mut failures = Vec::new();
    let (mut standard, mut dawn_only) = (0, 0);
    let mut report = String::new();
    for (ty, c_type, flags, file, values) in &types {
        let in_header = c
            .keys()
            .any(|k| k.strip_prefix(c_type).is_some_and(|r| r.starts_with('_')));
        let mut seen = Vec::new();
        for (name, value) in values {
            // webgpu_cpp.h (and this crate) put an `e` before names that start with a digit: `e2D`.
            let c_name = name
                .strip_prefix('e')
                .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or(name);
            let constant = format!("{c_type}_{c_name}");
            seen.push(constant.clone());
            match (c.get(&constant), ext.get(&constant)) {
                (Some(&expected), _) => {
                    standard += 1;
                    if expected != *value {
                        failures.push(format!(
                            "{ty}::{name} ({file}) = {value:#x}, but webgpu.h has {constant} = {expected:#x}"
                        ));
                    }
                }
                (None, Some(&expected)) => {
                    dawn_only += 1;
                    if expected != *value {
                        failures.push(format!(
                            "{ty}::{name} ({file}) = {value:#x}, but dawn_ext.rs has {constant} = {expected:#x}"
                        ));
                    }
                    // Below Dawn's extension range, only a standard value newer than the pinned header
                    // (past its last one) may come from dawn_ext.rs.
                    let header_max = c
                        .iter()
                        .filter(|(k, _)| k.strip_prefix(c_type).is_some_and(|r| r.starts_with('_')))
                        .filter(|(k, _)| !k.ends_with("_Force32"))
                        .map(|(_, v)| *v)
                        .max()
                        .unwrap_or(0);
                    if in_header && *value < 0x0005_0000 && *value <= header_max {
                        failures.push(format!(
                            "{ty}::{name} ({file}) = {value:#x} is not in webgpu.h, yet neither in Dawn's extension range 0x50000 nor past the header's last {c_type} ({header_max:#x})"
                        ));
                    }
                }
                (None, None) => failures.push(format!(
                    "{ty}::{name} ({file}) = {value:#x}: neither webgpu.h nor dawn_ext.rs has {constant}"
                )),
            }
        }
        // What the header has that the safe type leaves out (informational).
        let missing: Vec<&str> = c
            .keys()
            .filter(|k| k.strip_prefix(c_type).is_some_and(|r| r.starts_with('_')))
            .filter(|k| !k.ends_with("_Force32") && !seen.contains(k))
            .map(|k| &k[c_type.len() + 1..])
            .collect();
        report.push_str(&format!(
            "{ty:<28} {:<5} {:>3} values{}\n",
            if *flags { "flags" } else { "enum" },
            values.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!("; not exposed: {}", missing.join(", "))
            }
        ));
    }
    println!("{report}{standard} standard values and {dawn_only} Dawn-only values checked");
    assert!(
        table::NOT_EXPORTED.is_empty(),
        "c_enum!/c_flags! types that the dawn crate root does not export: {:?}",
        table::NOT_EXPORTED
    );
    assert!(
        failures.is_empty(),
        "{} value(s) differ:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// The probe itself agrees with bindgen's constants for a few values of each kind (enum, flag, Dawn range).
#[test]
fn the_c_probe_agrees_with_bindgen() {
    let c = c_values();
    assert_eq!(
        c["WGPUBufferUsage_MapRead"],
        dawn::dawn_sys::WGPUBufferUsage_MapRead
    );
    assert_eq!(
        c["WGPUBufferUsage_QueryResolve"],
        dawn::dawn_sys::WGPUBufferUsage_QueryResolve
    );
    assert_eq!(
        c["WGPUFeatureName_Subgroups"],
        dawn::dawn_sys::WGPUFeatureName_Subgroups as u64
    );
    assert_eq!(
        c["WGPUSType_ShaderSourceWGSL"],
        dawn::dawn_sys::WGPUSType_ShaderSourceWGSL as u64
    );
    assert_eq!(
        c["WGPUBufferMapState_Mapped"],
        dawn::dawn_sys::WGPUBufferMapState_Mapped as u64
    );
}
