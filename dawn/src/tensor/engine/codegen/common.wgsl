// Helpers every generated kernel may call (Tint drops the ones a kernel does not use).

fn w(i: u32) -> u32 {
    return info[i >> 2u][i & 3u];
}

// WGSL refuses NaN and infinite constants: these come from private variables, read at run time.
var<private> nan_bits: u32 = 0x7fc00000u;
var<private> inf_bits: u32 = 0x7f800000u;

fn nan_f32() -> f32 {
    return bitcast<f32>(nan_bits);
}

fn inf_f32() -> f32 {
    return bitcast<f32>(inf_bits);
}

// Bit tests, so that no compiler can assume NaN away.
fn is_nan(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn max_nan(a: f32, b: f32) -> f32 {
    return select(max(a, b), a + b, is_nan(a) || is_nan(b));
}

fn min_nan(a: f32, b: f32) -> f32 {
    return select(min(a, b), a + b, is_nan(a) || is_nan(b));
}

// IEEE half bits (low 16 bits of `h`) to f32, subnormals, infinities and NaN included.
fn f16_to_f32(h: u32) -> f32 {
    let sign = (h & 0x8000u) << 16u;
    let exponent = (h >> 10u) & 0x1fu;
    let mantissa = h & 0x3ffu;
    if (exponent == 0x1fu) {
        return bitcast<f32>(sign | 0x7f800000u | (mantissa << 13u));
    }
    if (exponent == 0u) {
        // Zero or subnormal: mantissa * 2^-24.
        let magnitude = f32(mantissa) * 5.9604644775390625e-8;
        return bitcast<f32>(sign | bitcast<u32>(magnitude));
    }
    return bitcast<f32>(sign | ((exponent + 112u) << 23u) | (mantissa << 13u));
}

// f32 to IEEE half bits, rounding to nearest even; overflow gives infinity, NaN stays NaN.
fn f32_to_f16(x: f32) -> u32 {
    let bits = bitcast<u32>(x);
    let sign = (bits >> 16u) & 0x8000u;
    let exponent = (bits >> 23u) & 0xffu;
    let mantissa = bits & 0x7fffffu;
    if (exponent == 0xffu) {
        return sign | 0x7c00u | select(0u, 0x200u | (mantissa >> 13u), mantissa != 0u);
    }
    let e = i32(exponent) - 112;
    if (e >= 31) {
        return sign | 0x7c00u;
    }
    if (e <= 0) {
        if (e < -10) {
            return sign;
        }
        // Subnormal half: shift the mantissa (with its implicit one) right, rounding to nearest even.
        let full = mantissa | 0x800000u;
        let shift = u32(14 - e);
        let half = full >> shift;
        let rest = full & ((1u << shift) - 1u);
        let midpoint = 1u << (shift - 1u);
        let up = rest > midpoint || (rest == midpoint && (half & 1u) == 1u);
        return sign | (half + select(0u, 1u, up));
    }
    let half = (u32(e) << 10u) | (mantissa >> 13u);
    let rest = mantissa & 0x1fffu;
    let up = rest > 0x1000u || (rest == 0x1000u && (half & 1u) == 1u);
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    return sign | (half + select(0u, 1u, up));
}

fn log_(x: f32) -> f32 {
    if (x == 0.0) {
        return -inf_f32();
    }
    return select(log(x), nan_f32(), x < 0.0);
}

fn sqrt_(x: f32) -> f32 {
    return select(sqrt(x), nan_f32(), x < 0.0);
}

fn rsqrt_(x: f32) -> f32 {
    if (x == 0.0) {
        return select(inf_f32(), -inf_f32(), bitcast<u32>(x) != 0u);
    }
    if (x == inf_f32()) {
        return 0.0;
    }
    return select(inverseSqrt(x), nan_f32(), x < 0.0);
}

fn tanh_(x: f32) -> f32 {
    // tanh(15) rounds to 1 in f32; clamping keeps exp-based implementations from overflowing to NaN.
    return select(tanh(clamp(x, -15.0, 15.0)), x, is_nan(x));
}

fn sigmoid_(x: f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
}

// Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf_(x: f32) -> f32 {
    let a = abs(x);
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let y = 1.0 - poly * exp(-a * a);
    return select(select(y, -y, x < 0.0), x, is_nan(x));
}

fn is_odd_integer(e: f32) -> bool {
    return abs(e) < 16777216.0 && floor(e) == e && (i32(e) & 1) == 1;
}

// pow with C's special cases (pow(x, 0) = 1, pow(1, y) = 1, negative bases with integer exponents),
// exact repeated multiplication for small integer exponents.
fn pow_f32(b: f32, e: f32) -> f32 {
    if (e == 0.0 || b == 1.0) {
        return 1.0;
    }
    if (is_nan(b) || is_nan(e)) {
        return nan_f32();
    }
    let integral = floor(e) == e;
    if (integral && abs(e) <= 64.0) {
        var n = u32(abs(e));
        var base = b;
        var result = 1.0;
        loop {
            if (n == 0u) {
                break;
            }
            if ((n & 1u) == 1u) {
                result = result * base;
            }
            base = base * base;
            n = n >> 1u;
        }
        return select(result, 1.0 / result, e < 0.0);
    }
    if (b == 0.0) {
        let odd = is_odd_integer(e);
        if (e > 0.0) {
            return select(0.0, b, odd);
        }
        return select(inf_f32(), select(inf_f32(), -inf_f32(), bitcast<u32>(b) != 0u), odd);
    }
    if (b < 0.0) {
        if (abs(e) == inf_f32()) {
            if (b == -1.0) {
                return 1.0;
            }
            return select(0.0, inf_f32(), (abs(b) > 1.0) == (e > 0.0));
        }
        if (!integral) {
            return nan_f32();
        }
        let r = exp2(e * log2(-b));
        return select(r, -r, is_odd_integer(e));
    }
    return exp2(e * log2(b));
}

fn pow_i32(b: i32, e: i32) -> i32 {
    if (e < 0) {
        if (b == 1) {
            return 1;
        }
        if (b == -1) {
            return select(1, -1, (e & 1) == 1);
        }
        return 0;
    }
    var n = u32(e);
    var base = b;
    var result = 1;
    loop {
        if (n == 0u) {
            break;
        }
        if ((n & 1u) == 1u) {
            result = result * base;
        }
        base = base * base;
        n = n >> 1u;
    }
    return result;
}

fn pow_u32(b: u32, e: u32) -> u32 {
    var n = e;
    var base = b;
    var result = 1u;
    loop {
        if (n == 0u) {
            break;
        }
        if ((n & 1u) == 1u) {
            result = result * base;
        }
        base = base * base;
        n = n >> 1u;
    }
    return result;
}

// The high 32 bits of a 32 x 32-bit product.
fn mul_hi(a: u32, b: u32) -> u32 {
    let a_lo = a & 0xffffu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xffffu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 16u) + (cross >> 16u);
}

// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round++) {
        let hi0 = mul_hi(0xD2511F53u, c.x);
        let lo0 = 0xD2511F53u * c.x;
        let hi1 = mul_hi(0xCD9E8D57u, c.z);
        let lo1 = 0xCD9E8D57u * c.z;
        c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}
