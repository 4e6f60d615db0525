// The tiny dispatch of the submit workloads: one workgroup of 64 adds 1 to each of 64 counters.
@group(0) @binding(0) var<storage, read_write> counters: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    counters[id.x] = counters[id.x] + 1u;
}
