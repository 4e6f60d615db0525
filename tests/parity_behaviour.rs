//! Behaviour parity: each scenario of `tests/c/parity.c` (the raw C API, linked to the same Dawn) run again
//! through the safe `dawn` crate, printing the same `key=value` lines; the two outputs are compared field by
//! field, and every mismatching key is reported.
//!
//! `wgpu_native_report` runs the same C scenarios against wgpu-native (the kit carries it) and compares them
//! with Dawn's; wgpu-native's gaps are reported, not failed, but an empty or broken comparison fails.
//! `UPDATE_PARITY=1` writes the table to `docs/PARITY.md`.

use dawn::*;
use dawn_suite::{Gpu, WAIT};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::process::Command;

/// The `key=value` lines of one run, in order.
#[derive(Default)]
struct Kv(Vec<(String, String)>);

impl Kv {
    fn put(&mut self, key: impl Into<String>, value: impl Display) {
        self.0.push((key.into(), value.to_string()));
    }

    fn parse(text: &str) -> Kv {
        Kv(text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    fn map(&self) -> BTreeMap<&str, &str> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// Like the C program's `NAME_OR_NUMBER`: the value's name, or its number in hex.
fn name_or_number(name: Option<&str>, raw: u32) -> String {
    name.map_or_else(|| format!("0x{raw:x}"), str::to_string)
}

/// One line, as the C program prints string views.
fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

/// `count:0x........,0x........` with the values sorted, as the C program's `print_set`.
fn set(values: impl IntoIterator<Item = u32>) -> String {
    let mut v: Vec<u32> = values.into_iter().collect();
    v.sort_unstable();
    let list: Vec<String> = v.iter().map(|x| format!("0x{x:08x}")).collect();
    format!("{}:{}", v.len(), list.join(","))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// The C `WGPUMapAsyncStatus` name that a `map_async` result stands for.
fn map_status(result: Result<()>) -> &'static str {
    match result {
        Ok(()) => "Success",
        Err(e)
            if e.kind() == ErrorKind::MapFailed
                && e.message().starts_with("MapAsyncStatus::Aborted") =>
        {
            "Aborted"
        }
        Err(e) if e.kind() == ErrorKind::Cancelled => "CallbackCancelled",
        Err(_) => "Error",
    }
}

/// The C `WGPUErrorType` name of an error kind.
fn error_type(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Validation => "Validation",
        ErrorKind::OutOfMemory => "OutOfMemory",
        ErrorKind::Internal => "Internal",
        _ => "Unknown",
    }
}

/// Puts `prefix.type` and `prefix.message` for a popped error scope.
fn put_pop(kv: &mut Kv, prefix: &str, popped: Option<Error>) {
    match popped {
        None => {
            kv.put(format!("{prefix}.type"), "NoError");
            kv.put(format!("{prefix}.message"), "");
        }
        Some(e) => {
            kv.put(format!("{prefix}.type"), error_type(e.kind()));
            kv.put(format!("{prefix}.message"), one_line(e.message()));
        }
    }
}

fn state(b: &Buffer) -> String {
    let s = b.map_state();
    name_or_number(s.name(), s.0)
}

fn buffer(gpu: &Gpu, label: &str, size: u64, usage: BufferUsage, mapped: bool) -> Buffer {
    gpu.device
        .create_buffer(&BufferDescriptor {
            label,
            size,
            usage,
            mapped_at_creation: mapped,
        })
        .expect("create_buffer")
}

fn submit(gpu: &Gpu, encoder: CommandEncoder) {
    gpu.queue.submit(&[encoder.finish()]);
}

// ---------------------------------------------------------------------------------------------------------
// The scenarios, key for key as in tests/c/parity.c.

fn buffer_roundtrip(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    const WORDS: usize = 1024;
    let size = (WORDS * 4) as u64;
    let src = buffer(
        gpu,
        "roundtrip src",
        size,
        BufferUsage::CopySrc | BufferUsage::CopyDst,
        true,
    );
    {
        let mut view = src.get_mapped_range_mut(..).unwrap();
        for (i, w) in view.typed_mut::<u32>().unwrap().iter_mut().enumerate() {
            *w = (i as u32).wrapping_mul(2654435761);
        }
    }
    src.unmap().unwrap();
    let patch: Vec<u32> = (0..16).map(|i| 0xDEADBEEF ^ i).collect();
    gpu.queue.write_buffer(&src, 256, &patch).unwrap();

    let dst = buffer(
        gpu,
        "roundtrip dst",
        size,
        BufferUsage::MapRead | BufferUsage::CopyDst,
        false,
    );
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(&src, 0, &dst, 0, size);
    submit(gpu, encoder);
    kv.put(
        "roundtrip.map_status",
        map_status(dst.map_async(MapMode::Read, ..).wait_timeout(WAIT)),
    );
    kv.put("roundtrip.size", dst.size());
    kv.put("roundtrip.usage", format!("0x{:x}", dst.usage().bits()));
    {
        let view = dst.get_mapped_range(..).unwrap();
        let words = view.typed::<u32>().unwrap();
        kv.put("roundtrip.fnv1a", format!("0x{:016x}", fnv1a(&view)));
        kv.put("roundtrip.word0", format!("0x{:08x}", words[0]));
        kv.put("roundtrip.word64", format!("0x{:08x}", words[64]));
        kv.put("roundtrip.word1023", format!("0x{:08x}", words[WORDS - 1]));
    }
    let mut pair = [0u8; 8];
    let status = match dst.read_mapped_range(256, &mut pair) {
        Ok(()) => "Success",
        Err(_) => "Error",
    };
    let w: &[u32] = bytemuck::cast_slice(&pair);
    kv.put(
        "roundtrip.read_mapped_range",
        format!("{status}:0x{:08x},0x{:08x}", w[0], w[1]),
    );
    dst.unmap().unwrap();
    kv.put("roundtrip.state_after_unmap", state(&dst));
    kv
}

const COMPUTE_WGSL: &str = "override K: u32 = 1u;
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
    let i = id.x;
    if (i < arrayLength(&dst)) { dst[i] = src[i] * K + i * i; }
}
";

fn compute(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let n = 4096u32;
    let input: Vec<u32> = (0..n).map(|i| i ^ 0x5a5a).collect();
    let src = gpu
        .device
        .create_buffer_init(&BufferInitDescriptor {
            label: "compute src",
            contents: bytemuck::cast_slice(&input),
            usage: BufferUsage::Storage,
        })
        .unwrap();
    let dst = buffer(
        gpu,
        "compute dst",
        n as u64 * 4,
        BufferUsage::Storage | BufferUsage::CopySrc,
        false,
    );
    let module = gpu.device.create_shader_module(&ShaderModuleDescriptor {
        label: "compute",
        code: COMPUTE_WGSL,
    });
    let pipeline = gpu
        .device
        .create_compute_pipeline(&ComputePipelineDescriptor {
            label: "compute",
            layout: None,
            module: &module,
            entry_point: None,
            constants: &[("K", 3.0)],
        });
    let group = gpu.device.create_bind_group(&BindGroupDescriptor {
        label: "compute",
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            BindGroupEntry::buffer(0, &src),
            BindGroupEntry::buffer(1, &dst),
        ],
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(n / 64, 1, 1);
        pass.end();
    }
    submit(gpu, encoder);
    let out: Vec<u32> = dst.read_back().unwrap();
    kv.put("compute.sum", out.iter().map(|&x| x as u64).sum::<u64>());
    kv.put(
        "compute.fnv1a",
        format!("0x{:016x}", fnv1a(bytemuck::cast_slice(&out))),
    );
    kv.put("compute.out0", out[0]);
    kv.put("compute.out1", out[1]);
    kv.put("compute.out4095", out[n as usize - 1]);
    kv.put("compute.uncaptured", gpu.take_uncaptured().len());
    kv
}

fn map_states(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let b = buffer(
        gpu,
        "map states",
        16,
        BufferUsage::MapRead | BufferUsage::CopyDst,
        false,
    );
    kv.put("map.created", state(&b));
    let mut pending = b.map_async(MapMode::Read, ..);
    kv.put("map.after_map_async", state(&b));
    kv.put("map.status", map_status(pending.wait_timeout(WAIT)));
    kv.put("map.after_wait", state(&b));
    b.unmap().unwrap();
    kv.put("map.after_unmap", state(&b));

    let mut pending = b.map_async(MapMode::Read, ..);
    kv.put("map.again", state(&b));
    b.unmap().unwrap();
    kv.put("map.unmapped_while_pending", state(&b));
    kv.put("map.aborted_status", map_status(pending.wait_timeout(WAIT)));
    kv.put("map.after_abort", state(&b));

    let w = buffer(
        gpu,
        "mapped at creation",
        16,
        BufferUsage::MapWrite | BufferUsage::CopySrc,
        true,
    );
    kv.put("map.mapped_at_creation", state(&w));
    w.unmap().unwrap();
    kv.put("map.mapped_at_creation_unmapped", state(&w));
    kv.put(
        "map.write_status",
        map_status(w.map_async(MapMode::Write, ..).wait_timeout(WAIT)),
    );
    kv.put("map.write_mapped", state(&w));
    w.destroy().unwrap();
    kv.put("map.after_destroy", state(&w));
    kv.put("map.uncaptured", gpu.take_uncaptured().len());
    kv
}

fn error_scope(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let d = &gpu.device;
    let bad = BufferUsage::MapRead | BufferUsage::Storage;
    let pop = |scope: ErrorScope<'_>| scope.pop().wait_timeout(WAIT).err();

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let b = buffer(gpu, "bad buffer", 16, bad, false);
    put_pop(&mut kv, "scope.invalid", pop(scope));
    drop(b);

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let b = buffer(gpu, "good buffer", 16, BufferUsage::Storage, false);
    put_pop(&mut kv, "scope.valid", pop(scope));
    drop(b);

    let outer = d.push_error_scope(ErrorFilter::Validation);
    let inner = d.push_error_scope(ErrorFilter::OutOfMemory);
    let b = buffer(gpu, "bad buffer", 16, bad, false);
    put_pop(&mut kv, "scope.nested_inner_oom", pop(inner));
    put_pop(&mut kv, "scope.nested_outer_validation", pop(outer));
    drop(b);

    gpu.take_uncaptured();
    let b = buffer(gpu, "uncaptured buffer", 16, bad, false);
    let uncaptured = gpu.take_uncaptured();
    kv.put("scope.uncaptured_count", uncaptured.len());
    if let Some(e) = uncaptured.last() {
        kv.put("scope.uncaptured_type", error_type(e.kind()));
    }
    drop(b);

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let module = d.create_shader_module(&ShaderModuleDescriptor {
        label: "broken",
        code: "@compute @workgroup_size(1) fn main() {\n  let x: u32 = ;\n}\n",
    });
    put_pop(&mut kv, "scope.shader", pop(scope));
    let info = module.get_compilation_info().wait_timeout(WAIT).unwrap();
    kv.put("scope.shader_messages", info.messages.len());
    if let Some(m) = info.messages.first() {
        kv.put(
            "scope.shader_message_type",
            name_or_number(m.kind.name(), m.kind.0),
        );
        kv.put(
            "scope.shader_message_at",
            format!("{}:{}", m.line_num, m.line_pos),
        );
    }
    kv
}

fn put_limits(kv: &mut Kv, prefix: &str, limits: &Limits) {
    for (name, value) in limits.fields() {
        kv.put(format!("{prefix}.{name}"), value);
    }
}

fn limits_features(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let info = gpu.adapter.info().unwrap();
    kv.put("adapter.vendor", one_line(&info.vendor));
    kv.put("adapter.architecture", one_line(&info.architecture));
    kv.put("adapter.device", one_line(&info.device));
    kv.put("adapter.description", one_line(&info.description));
    kv.put(
        "adapter.backend_type",
        format!("0x{:x}", info.backend_type.0),
    );
    kv.put(
        "adapter.adapter_type",
        format!("0x{:x}", info.adapter_type.0),
    );
    kv.put("adapter.vendor_id", format!("0x{:x}", info.vendor_id));
    kv.put("adapter.device_id", format!("0x{:x}", info.device_id));
    kv.put(
        "adapter.subgroup_sizes",
        format!("{}..{}", info.subgroup_min_size, info.subgroup_max_size),
    );
    kv.put("adapter.get_limits", "Success");
    put_limits(&mut kv, "adapter.limit", &gpu.adapter.limits());
    kv.put(
        "adapter.features",
        set(gpu.adapter.features().iter().map(|f| f.0)),
    );
    kv.put(
        "adapter.has_timestamp_query",
        gpu.adapter.has_feature(FeatureName::TimestampQuery) as u8,
    );

    put_limits(&mut kv, "device.limit", &gpu.device.limits());
    kv.put(
        "device.features",
        set(gpu.device.features().iter().map(|f| f.0)),
    );
    kv.put(
        "device.has_shader_f16",
        gpu.device.has_feature(FeatureName::ShaderF16) as u8,
    );
    if let Ok(info) = gpu.device.adapter_info() {
        kv.put("device.adapter_description", one_line(&info.description));
    }

    kv.put(
        "instance.features",
        set(Instance::supported_features().unwrap().iter().map(|f| f.0)),
    );
    kv.put(
        "instance.has_timed_wait_any",
        Instance::has_supported_feature(InstanceFeatureName::TimedWaitAny).unwrap() as u8,
    );
    match Instance::supported_limits() {
        Ok(l) => kv.put(
            "instance.limits",
            format!("Success:{}", l.timed_wait_any_max_count),
        ),
        Err(_) => kv.put("instance.limits", "Error:0"),
    }
    kv.put(
        "instance.wgsl_features",
        set(gpu.instance.wgsl_language_features().iter().map(|f| f.0)),
    );
    kv.put(
        "instance.has_wgsl_pointer_composite_access",
        gpu.instance
            .has_wgsl_language_feature(WGSLLanguageFeatureName::PointerCompositeAccess)
            as u8,
    );
    kv
}

fn timestamp(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let d = &gpu.device;
    let available = gpu.require_feature(FeatureName::TimestampQuery);
    kv.put("ts.available", available as u8);
    if !available {
        return kv;
    }
    let qs = d.create_query_set(&QuerySetDescriptor {
        label: "timestamps",
        ty: QueryType::Timestamp,
        count: 4,
    });
    kv.put("ts.count", qs.count());
    kv.put("ts.type", name_or_number(qs.ty().name(), qs.ty().0));

    let resolve = buffer(
        gpu,
        "resolve",
        32,
        BufferUsage::QueryResolve | BufferUsage::CopySrc,
        false,
    );
    let mut encoder = d.create_command_encoder(&Default::default());
    encoder
        .begin_compute_pass(&ComputePassDescriptor {
            label: "timed pass",
            timestamp_writes: Some(PassTimestampWrites {
                query_set: &qs,
                beginning_of_pass_write_index: Some(0),
                end_of_pass_write_index: Some(1),
            }),
        })
        .end();
    encoder.resolve_query_set(&qs, 0, 2, &resolve, 0);
    let scope = d.push_error_scope(ErrorFilter::Validation);
    submit(gpu, encoder);
    let popped = scope.pop().wait_timeout(WAIT).err();
    kv.put(
        "ts.submit_error",
        popped.map_or("NoError", |e| error_type(e.kind())),
    );
    let t: Vec<u64> = resolve.read_back().unwrap();
    kv.put("ts.begin_nonzero", (t[0] != 0) as u8);
    kv.put("ts.end_ge_begin", (t[1] >= t[0]) as u8);
    kv.put("ts.unwritten_zero", (t[2] == 0 && t[3] == 0) as u8);

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let mut encoder = d.create_command_encoder(&Default::default());
    encoder.write_timestamp(&qs, 2);
    let commands = encoder.finish();
    let popped = scope.pop().wait_timeout(WAIT).err();
    kv.put(
        "ts.write_timestamp_error",
        popped.map_or("NoError", |e| error_type(e.kind())),
    );
    drop(commands);

    qs.destroy().unwrap();
    kv.put("ts.count_after_destroy", qs.count());
    kv
}

fn labels(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let d = &gpu.device;
    let pop = |scope: ErrorScope<'_>| scope.pop().wait_timeout(WAIT).err();
    d.set_label("relabelled device");
    gpu.queue.set_label("relabelled queue");
    let b = buffer(
        gpu,
        "first label",
        16,
        BufferUsage::Storage | BufferUsage::CopyDst,
        false,
    );
    b.set_label("relabelled buffer");

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let mut encoder = d.create_command_encoder(&Default::default());
    encoder.set_label("relabelled encoder");
    encoder.clear_buffer(&b, 0, Some(3));
    let commands = encoder.finish();
    put_pop(&mut kv, "labels.encoder", pop(scope));
    drop(commands);

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let mut encoder = d.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_label("relabelled pass");
        pass.dispatch_workgroups(1, 1, 1);
        pass.end();
    }
    let commands = encoder.finish();
    put_pop(&mut kv, "labels.pass", pop(scope));
    drop(commands);

    let commands = [d.create_command_encoder(&Default::default()).finish()];
    commands[0].set_label("relabelled commands");
    gpu.queue.submit(&commands);
    let scope = d.push_error_scope(ErrorFilter::Validation);
    gpu.queue.submit(&commands);
    put_pop(&mut kv, "labels.submit_twice", pop(scope));

    let module = d.create_shader_module(&ShaderModuleDescriptor {
        label: "first label",
        code: COMPUTE_WGSL,
    });
    module.set_label("relabelled module");
    let layout = d.create_bind_group_layout(&BindGroupLayoutDescriptor {
        label: "first label",
        entries: &[BindGroupLayoutEntry::storage(0, true)],
    });
    layout.set_label("relabelled bind group layout");
    let playout = d.create_pipeline_layout(&PipelineLayoutDescriptor {
        label: "first label",
        bind_group_layouts: std::slice::from_ref(&layout),
        immediate_size: 0,
    });
    playout.set_label("relabelled pipeline layout");
    let scope = d.push_error_scope(ErrorFilter::Validation);
    let pipeline = d.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "pipeline",
        layout: Some(&playout),
        module: &module,
        entry_point: None,
        constants: &[],
    });
    put_pop(&mut kv, "labels.pipeline", pop(scope));
    pipeline.set_label("relabelled pipeline");

    let group = d.create_bind_group(&BindGroupDescriptor {
        label: "first label",
        layout: &layout,
        entries: &[BindGroupEntry::buffer(0, &b)],
    });
    group.set_label("relabelled bind group");
    let scope = d.push_error_scope(ErrorFilter::Validation);
    let mut encoder = d.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_bind_group(7, &group, &[]);
        pass.end();
    }
    let commands = encoder.finish();
    put_pop(&mut kv, "labels.bind_group", pop(scope));
    drop(commands);

    if d.has_feature(FeatureName::TimestampQuery) {
        let qs = d.create_query_set(&QuerySetDescriptor {
            label: "first label",
            ty: QueryType::Timestamp,
            count: 2,
        });
        qs.set_label("relabelled query set");
        let resolve = buffer(gpu, "resolve", 256, BufferUsage::QueryResolve, false);
        let scope = d.push_error_scope(ErrorFilter::Validation);
        let mut encoder = d.create_command_encoder(&Default::default());
        encoder.resolve_query_set(&qs, 1, 2, &resolve, 0);
        let commands = encoder.finish();
        put_pop(&mut kv, "labels.query_set", pop(scope));
        drop(commands);
    }
    kv
}

const IMMEDIATE_WGSL: &str = "var<immediate> k: vec2u;
@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3u) {
    dst[id.x] = k.x * id.x + k.y;
}
";

fn immediates(gpu: &Gpu) -> Kv {
    let mut kv = Kv::default();
    let d = &gpu.device;
    let pop = |scope: ErrorScope<'_>| scope.pop().wait_timeout(WAIT).err();
    let scope = d.push_error_scope(ErrorFilter::Validation);
    let dst = buffer(
        gpu,
        "immediates dst",
        16,
        BufferUsage::Storage | BufferUsage::CopySrc,
        false,
    );
    let module = d.create_shader_module(&ShaderModuleDescriptor {
        label: "immediates",
        code: IMMEDIATE_WGSL,
    });
    let layout = d.create_bind_group_layout(&BindGroupLayoutDescriptor {
        label: "immediates",
        entries: &[BindGroupLayoutEntry::storage(0, false)],
    });
    let playout = d.create_pipeline_layout(&PipelineLayoutDescriptor {
        label: "immediates",
        bind_group_layouts: std::slice::from_ref(&layout),
        immediate_size: 8,
    });
    let pipeline = d.create_compute_pipeline(&ComputePipelineDescriptor {
        label: "immediates",
        layout: Some(&playout),
        module: &module,
        entry_point: None,
        constants: &[],
    });
    let group = d.create_bind_group(&BindGroupDescriptor {
        label: "immediates",
        layout: &layout,
        entries: &[BindGroupEntry::buffer(0, &dst)],
    });
    let k = [10u32, 7];
    let mut encoder = d.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.set_immediates(0, &k);
        pass.dispatch_workgroups(1, 1, 1);
        pass.end();
    }
    submit(gpu, encoder);
    put_pop(&mut kv, "immediates.setup", pop(scope));
    let out: Vec<u32> = dst.read_back().unwrap();
    kv.put(
        "immediates.out",
        format!("{},{},{},{}", out[0], out[1], out[2], out[3]),
    );

    let scope = d.push_error_scope(ErrorFilter::Validation);
    let mut encoder = d.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_immediates(60, &k);
        pass.end();
    }
    let commands = encoder.finish();
    put_pop(&mut kv, "immediates.overflow", pop(scope));
    drop(commands);
    kv
}

// ---------------------------------------------------------------------------------------------------------
// Running and comparing

/// Runs the C program `exe` on `scenario`: its exit status, stdout lines and stderr.
fn run_c(exe: &str, scenario: &str) -> (Option<i32>, Kv, String) {
    let out = Command::new(exe)
        .arg(scenario)
        .env(
            "XDG_RUNTIME_DIR",
            std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()),
        )
        .output()
        .unwrap_or_else(|e| panic!("running {exe}: {e}"));
    (
        out.status.code(),
        Kv::parse(&String::from_utf8_lossy(&out.stdout)),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every key whose values differ (or that only one side printed), as `key: C=.. Rust=..` lines.
fn mismatches(c: &Kv, rust: &Kv) -> Vec<String> {
    let (c, rust) = (c.map(), rust.map());
    let mut keys: Vec<&str> = c.keys().chain(rust.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter(|k| c.get(k) != rust.get(k))
        .map(|k| {
            format!(
                "{k}: C={} Rust={}",
                c.get(k).unwrap_or(&"(missing)"),
                rust.get(k).unwrap_or(&"(missing)")
            )
        })
        .collect()
}

fn check(scenario: &str, rust: fn(&Gpu) -> Kv) {
    let (code, c, stderr) = run_c(env!("PARITY_C_DAWN"), scenario);
    assert_eq!(
        code,
        Some(0),
        "the C program failed on {scenario}:\n{stderr}"
    );
    assert!(
        !c.0.is_empty(),
        "the C program printed nothing for {scenario}"
    );
    let gpu = Gpu::new();
    let rust = rust(&gpu);
    let diff = mismatches(&c, &rust);
    assert!(
        diff.is_empty(),
        "{scenario}: {} of {} keys differ between the C API and the safe API:\n  {}",
        diff.len(),
        c.0.len(),
        diff.join("\n  ")
    );
}

#[test]
fn buffer_roundtrip_matches_c() {
    check("buffer_roundtrip", buffer_roundtrip);
}

#[test]
fn compute_matches_c() {
    check("compute", compute);
}

#[test]
fn map_states_match_c() {
    check("map_states", map_states);
}

#[test]
fn error_scopes_match_c() {
    check("error_scope", error_scope);
}

#[test]
fn limits_and_features_match_c() {
    check("limits_features", limits_features);
}

#[test]
fn timestamp_queries_match_c() {
    check("timestamp", timestamp);
}

#[test]
fn labels_match_c() {
    check("labels", labels);
}

#[test]
fn immediates_match_c() {
    check("immediates", immediates);
}

const SCENARIOS: &[&str] = &[
    "buffer_roundtrip",
    "compute",
    "map_states",
    "error_scope",
    "limits_features",
    "timestamp",
    "labels",
    "immediates",
];

/// A value cut to 48 characters, with no backtick (it goes inside a Markdown code span).
fn short(v: &str) -> String {
    if v.is_empty() {
        return "(empty)".to_string();
    }
    let v = v.replace('`', "'");
    match v.char_indices().nth(48) {
        Some((at, _)) => format!("{}...", &v[..at]),
        None => v,
    }
}

/// Why a wgpu-native run stopped early: the panic message and the C function it panicked in.
fn crash_reason(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let message = lines
        .iter()
        .position(|l| l.contains("panicked at"))
        .and_then(|i| lines.get(i + 1))
        .map(|l| l.trim().to_string())
        .unwrap_or_default();
    let function = lines
        .iter()
        .filter_map(|l| l.trim().split_once(": ").map(|(_, f)| f))
        .find(|f| f.starts_with("wgpu") && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or("?");
    format!("panics in `{function}` ({message})")
}

/// The comparison with wgpu-native: a table of which scenarios agree with Dawn. wgpu-native's gaps never
/// fail it, but the report must be real: Dawn's side of every scenario runs, and at least one scenario agrees
/// key for key (`compute` does), so that a broken comparison or a wgpu-native that runs nothing shows.
#[test]
fn wgpu_native_report() {
    let native = env!("PARITY_C_WGPU_NATIVE");
    if !dawn_suite::require(!native.is_empty(), "wgpu-native") {
        return;
    }
    let mut table =
        String::from("| scenario | keys that agree with Dawn | result |\n|---|---|---|\n");
    let mut agreeing_scenarios = 0;
    for scenario in SCENARIOS {
        let (code, dawn, stderr) = run_c(env!("PARITY_C_DAWN"), scenario);
        assert_eq!(
            code,
            Some(0),
            "Dawn's C program failed on {scenario}:\n{stderr}"
        );
        assert!(
            !dawn.0.is_empty(),
            "Dawn's C program printed nothing for {scenario}"
        );
        let (code, other, stderr) = run_c(native, scenario);
        let (dm, om) = (dawn.map(), other.map());
        let agree = dm.iter().filter(|(k, v)| om.get(*k) == Some(*v)).count();
        let differing: Vec<String> = dm
            .iter()
            .filter_map(|(k, v)| match om.get(k) {
                Some(o) if o != v => Some(format!(
                    "`{k}` (Dawn `{}`, wgpu-native `{}`)",
                    short(v),
                    short(o)
                )),
                _ => None,
            })
            .collect();
        if code == Some(0) && agree == dm.len() {
            agreeing_scenarios += 1;
        }
        let mut result = match code {
            Some(0) if agree == dm.len() => "agrees".to_string(),
            Some(0) => String::new(),
            _ => crash_reason(&stderr),
        };
        if !differing.is_empty() {
            if !result.is_empty() {
                result.push_str("; ");
            }
            const SHOWN: usize = 6;
            result.push_str(&format!(
                "differs: {}",
                differing[..differing.len().min(SHOWN)].join(", ")
            ));
            if differing.len() > SHOWN {
                result.push_str(&format!(" and {} more", differing.len() - SHOWN));
            }
        }
        table.push_str(&format!(
            "| {scenario} | {agree} / {} | {} |\n",
            dawn.0.len(),
            result.replace('|', "\\|")
        ));
    }
    println!("{table}");
    assert!(
        agreeing_scenarios > 0,
        "wgpu-native agrees with Dawn on no scenario at all:\n{table}"
    );
    if std::env::var_os("UPDATE_PARITY").is_some() {
        let doc = format!(
            "# C-API parity: wgpu-native against Dawn\n\n\
             Generated by `UPDATE_PARITY=1 cargo test --test parity_behaviour wgpu_native_report`: the scenarios \
             of `tests/c/parity.c`, built once against Dawn and once against the pinned wgpu-native \
             (`third_party/dawn/wgpu-native/libwgpu_native.so`, from the `wgpu` wheel), each printing \
             `key=value` lines; a key agrees when both print the same value. Dawn-only extensions are left out \
             of the wgpu-native build (no toggles, no ImplicitDeviceSynchronization), and waits poll \
             `wgpuInstanceProcessEvents` there (wgpu-native panics in a timed `wgpuInstanceWaitAny`). This \
             report is informational: wgpu-native's gaps never fail CI. The safe crate's parity with the C API \
             on Dawn is checked by the other tests of `tests/parity_behaviour.rs`, which do fail.\n\n{table}"
        );
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PARITY.md");
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/docs")).unwrap();
        std::fs::write(path, doc).unwrap();
    }
}
