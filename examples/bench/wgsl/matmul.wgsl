// The plain f32 matmul c = a * b (row-major; m and n multiples of 64, k a multiple of 16): each workgroup
// of 16x16 invocations computes a 64x64 tile of c, each invocation a 4x4 block, stepping through k in
// tiles of 16 staged in workgroup memory.
struct Dims {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

var<workgroup> tile_a: array<f32, 1024>; // 64 rows x 16 of k
var<workgroup> tile_b: array<f32, 1024>; // 16 of k x 64 columns

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
    let row0 = wg.y * 64u;
    let col0 = wg.x * 64u;
    let t = lid.y * 16u + lid.x;
    var acc: array<f32, 16>;
    for (var k0 = 0u; k0 < dims.k; k0 = k0 + 16u) {
        for (var i = 0u; i < 4u; i = i + 1u) {
            let e = t * 4u + i;
            tile_a[e] = a[(row0 + e / 16u) * dims.k + k0 + e % 16u];
            tile_b[e] = b[(k0 + e / 64u) * dims.n + col0 + e % 64u];
        }
        workgroupBarrier();
        for (var kk = 0u; kk < 16u; kk = kk + 1u) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i = i + 1u) {
                av[i] = tile_a[(lid.y * 4u + i) * 16u + kk];
                bv[i] = tile_b[kk * 64u + lid.x * 4u + i];
            }
            for (var i = 0u; i < 4u; i = i + 1u) {
                for (var j = 0u; j < 4u; j = j + 1u) {
                    acc[i * 4u + j] = acc[i * 4u + j] + av[i] * bv[j];
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
            c[(row0 + lid.y * 4u + i) * dims.n + col0 + lid.x * 4u + j] = acc[i * 4u + j];
        }
    }
}
