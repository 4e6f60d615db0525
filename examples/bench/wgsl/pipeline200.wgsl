// The kernel of the cold pipeline-creation workload: about 200 lines of integer mixing functions, loops,
// a struct, vectors, a switch and a sorting network, so that every compiler on the way has real work.
// The bench replaces the SEED line with a value of its own for every pipeline, so that no cache (Dawn's,
// the driver's) can serve it. reference.rs `pipeline200` computes the same values on the CPU.

const SEED: u32 = 0u;

@group(0) @binding(0) var<storage, read_write> out: array<u32>;

struct Quad {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

// k in 1..31.
fn rotl(x: u32, k: u32) -> u32 {
    return (x << k) | (x >> (32u - k));
}

fn pcg(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn xorshift(v: u32) -> u32 {
    var x = v;
    x = x ^ (x << 13u);
    x = x ^ (x >> 17u);
    x = x ^ (x << 5u);
    return x;
}

fn fmix(v: u32) -> u32 {
    var h = v;
    h = h ^ (h >> 16u);
    h = h * 0x85ebca6bu;
    h = h ^ (h >> 13u);
    h = h * 0xc2b2ae35u;
    h = h ^ (h >> 16u);
    return h;
}

fn wang(v: u32) -> u32 {
    var x = (v ^ 61u) ^ (v >> 16u);
    x = x * 9u;
    x = x ^ (x >> 4u);
    x = x * 0x27d4eb2du;
    x = x ^ (x >> 15u);
    return x;
}

fn quarter(q: Quad) -> Quad {
    var s = q;
    s.a = s.a + s.b;
    s.d = rotl(s.d ^ s.a, 16u);
    s.c = s.c + s.d;
    s.b = rotl(s.b ^ s.c, 12u);
    s.a = s.a + s.b;
    s.d = rotl(s.d ^ s.a, 8u);
    s.c = s.c + s.d;
    s.b = rotl(s.b ^ s.c, 7u);
    return s;
}

fn rounds(q: Quad, n: u32) -> Quad {
    var s = q;
    for (var i = 0u; i < n; i = i + 1u) {
        s = quarter(s);
        s.a = s.a ^ i;
    }
    return s;
}

fn bits(v: u32) -> u32 {
    let spread = (countOneBits(v) + reverseBits(v)) ^ (countLeadingZeros(v | 1u) << 8u);
    return spread ^ (countTrailingZeros(v | 0x80000000u) << 16u);
}

fn morton(v: u32) -> u32 {
    var x = v & 0xffffu;
    x = (x | (x << 8u)) & 0x00ff00ffu;
    x = (x | (x << 4u)) & 0x0f0f0f0fu;
    x = (x | (x << 2u)) & 0x33333333u;
    x = (x | (x << 1u)) & 0x55555555u;
    return x;
}

fn gcd(x: u32, y: u32) -> u32 {
    var a = x | 1u;
    var b = y | 1u;
    for (var i = 0u; i < 64u && b != 0u; i = i + 1u) {
        let t = a % b;
        a = b;
        b = t;
    }
    return a;
}

fn collatz(v: u32) -> u32 {
    var x = (v & 0xffffu) | 1u;
    var steps = 0u;
    loop {
        if (x == 1u || steps >= 200u) {
            break;
        }
        if ((x & 1u) == 1u) {
            x = 3u * x + 1u;
        } else {
            x = x >> 1u;
        }
        steps = steps + 1u;
    }
    return steps;
}

fn isqrt(v: u32) -> u32 {
    var result = 0u;
    for (var bit = 15u; bit < 16u; bit = bit - 1u) {
        let candidate = result | (1u << bit);
        if (candidate * candidate <= v) {
            result = candidate;
        }
    }
    return result;
}

fn crc(v: u32) -> u32 {
    var c = 0xffffffffu;
    for (var byte = 0u; byte < 4u; byte = byte + 1u) {
        c = c ^ ((v >> (byte * 8u)) & 0xffu);
        for (var k = 0u; k < 8u; k = k + 1u) {
            let mask = 0u - (c & 1u);
            c = (c >> 1u) ^ (0xedb88320u & mask);
        }
    }
    return ~c;
}

fn vec_mix(v: vec4u) -> vec4u {
    var x = v * vec4u(3u, 5u, 7u, 11u);
    x = x ^ (x.yzwx >> vec4u(3u, 5u, 7u, 9u));
    x = x + vec4u(pcg(x.w), xorshift(x.z), fmix(x.y), wang(x.x));
    return x;
}

fn mat3_mix(v: u32) -> u32 {
    var m = array<u32, 9>(v, v ^ 1u, v ^ 2u, 3u, v >> 3u, 5u, v << 2u, 7u, v * 9u);
    var x = vec3u(v, ~v, v ^ 0x55555555u);
    for (var step = 0u; step < 3u; step = step + 1u) {
        let y = vec3u(
            m[0] * x.x + m[1] * x.y + m[2] * x.z,
            m[3] * x.x + m[4] * x.y + m[5] * x.z,
            m[6] * x.x + m[7] * x.y + m[8] * x.z
        );
        x = y ^ vec3u(step, step << 8u, step << 16u);
        m[step * 4u] = m[step * 4u] ^ y.x;
    }
    return x.x ^ x.y ^ x.z;
}

fn select_mix(k: u32, v: u32) -> u32 {
    switch (k & 7u) {
        case 0u: {
            return pcg(v);
        }
        case 1u: {
            return xorshift(v);
        }
        case 2u: {
            return fmix(v);
        }
        case 3u: {
            return wang(v);
        }
        case 4u, 5u: {
            return rotl(v, (k % 31u) + 1u);
        }
        case 6u: {
            return morton(v) ^ morton(v >> 16u);
        }
        default: {
            return ~v;
        }
    }
}

fn sort8(v: array<u32, 8>) -> array<u32, 8> {
    var a = v;
    for (var round = 0u; round < 8u; round = round + 1u) {
        for (var j = round % 2u; j + 1u < 8u; j = j + 2u) {
            let lo = min(a[j], a[j + 1u]);
            let hi = max(a[j], a[j + 1u]);
            a[j] = lo;
            a[j + 1u] = hi;
        }
    }
    return a;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
    let i = id.x;
    if (i >= arrayLength(&out)) {
        return;
    }
    let base = pcg(i ^ SEED);
    var q = Quad(base, xorshift(base), fmix(base ^ 0x9e3779b9u), wang(base));
    q = rounds(q, 4u + (i & 3u));
    var v: array<u32, 8>;
    for (var j = 0u; j < 8u; j = j + 1u) {
        v[j] = select_mix(j + i, q.a ^ (j * 0x01000193u));
        q = quarter(q);
    }
    let sorted = sort8(v);
    var acc = 0u;
    for (var j = 0u; j < 8u; j = j + 1u) {
        acc = rotl(acc, 5u) ^ sorted[j];
    }
    let w = vec_mix(vec4u(q.a, q.b, q.c, q.d));
    acc = acc ^ (gcd(w.x, w.y) + (collatz(w.z) << 16u));
    acc = acc ^ bits(q.a) ^ isqrt(w.w) ^ crc(acc) ^ mat3_mix(q.b);
    out[i] = fmix(acc);
}
