// Fills `data` with value(i) = f32(((i ^ salt) * 2654435761) >> 20) / 4096 - 0.5: multiples of 1/4096
// in [-0.5, 0.5), exact in f32, so the CPU reference (reference.rs `value`) is exact too.
struct Params {
    salt: u32,
    count: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wg.y * groups.x + wg.x) * 256u + lid;
    if (i < params.count) {
        let h = (i ^ params.salt) * 2654435761u;
        data[i] = f32(h >> 20u) / 4096.0 - 0.5;
    }
}
