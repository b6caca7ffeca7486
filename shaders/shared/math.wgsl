// Sine and cosine with the same accuracy on every adapter.
// Rust twin: src/shared/math.rs. WGSL's builtin sin/cos may be a hardware approximation
// with only ~2^-21 absolute error (relative error 1e-4 near 0), which would break
// equivalence with Gymnasium's float64 CartPole; this version is a few ulp for |x| <= 8192.
// Method: Cody-Waite reduction by pi/4 in three parts, then minimax polynomials on
// [-pi/4, pi/4] (the classic single-precision coefficients).

const SC_FOUR_OVER_PI: f32 = 1.2732395447351628;
const SC_DP1: f32 = 0.78515625;
const SC_DP2: f32 = 2.4187564849853515625e-4;
const SC_DP3: f32 = 3.77489497744594108e-8;
const SC_S1: f32 = -1.6666654611e-1;
const SC_S2: f32 = 8.3321608736e-3;
const SC_S3: f32 = -1.9515295891e-4;
const SC_C1: f32 = 4.166664568298827e-2;
const SC_C2: f32 = -1.388731625493765e-3;
const SC_C3: f32 = 2.443315711809948e-5;

// Returns (sin(x), cos(x)).
fn sin_cos(x: f32) -> vec2<f32> {
    let ax = abs(x);
    var j = u32(ax * SC_FOUR_OVER_PI);
    j = (j + 1u) & 0xfffffffeu;
    let y = f32(j);
    let r = ((ax - y * SC_DP1) - y * SC_DP2) - y * SC_DP3;
    let z = r * r;
    let ps = ((SC_S3 * z + SC_S2) * z + SC_S1) * z * r + r;
    let pc = ((SC_C3 * z + SC_C2) * z + SC_C1) * z * z - 0.5 * z + 1.0;
    let quadrant = (j >> 1u) & 3u;
    var s: f32;
    var c: f32;
    switch quadrant {
        case 0u: { s = ps; c = pc; }
        case 1u: { s = pc; c = -ps; }
        case 2u: { s = -ps; c = -pc; }
        default: { s = -pc; c = ps; }
    }
    // The sign bit, not x < 0, so that sin(-0) = -0 as in IEEE libraries.
    return vec2<f32>(select(s, -s, (bitcast<u32>(x) & 0x80000000u) != 0u), c);
}

// a / b correctly rounded (to within the last bit), whatever the adapter's division.
// WGSL allows `/` an error of 2.5 ulp; one Newton correction with the exact residual
// fma(-q, b, a) brings the quotient to the nearest float. Rust twin: plain `a / b`.
fn div_rn(a: f32, b: f32) -> f32 {
    let q = a / b;
    let r = fma(-q, b, a);
    return q + r / b;
}
