//! Sine and cosine with the same accuracy on every adapter. Twin of `shaders/shared/math.wgsl`.
//!
//! Cody-Waite reduction by π/4 in three parts, then minimax polynomials on [-π/4, π/4].
//! Accurate to a few ulp for |x| ≤ 8192 rad; beyond that the reduction loses bits (the
//! result stays finite, bounded and deterministic).

const FOUR_OVER_PI: f32 = 1.273_239_5;
const DP1: f32 = 0.785_156_25;
const DP2: f32 = 2.418_756_5e-4;
const DP3: f32 = 3.774_895e-8;
const S1: f32 = -1.666_665_5e-1;
const S2: f32 = 8.332_161e-3;
const S3: f32 = -1.951_529_6e-4;
const C1: f32 = 4.166_664_6e-2;
const C2: f32 = -1.388_731_6e-3;
const C3: f32 = 2.443_315_7e-5;

/// Returns `(sin(x), cos(x))`.
pub fn sin_cos(x: f32) -> (f32, f32) {
    let ax = x.abs();
    let mut j = (ax * FOUR_OVER_PI) as u32;
    j = j.wrapping_add(1) & 0xffff_fffe;
    let y = j as f32;
    let r = ((ax - y * DP1) - y * DP2) - y * DP3;
    let z = r * r;
    let ps = ((S3 * z + S2) * z + S1) * z * r + r;
    let pc = ((C3 * z + C2) * z + C1) * z * z - 0.5 * z + 1.0;
    let (s, c) = match (j >> 1) & 3 {
        0 => (ps, pc),
        1 => (pc, -ps),
        2 => (-ps, -pc),
        _ => (-pc, ps),
    };
    (if x.is_sign_negative() { -s } else { s }, c)
}

/// `a / b`, correctly rounded. Twin of `div_rn` in `shaders/shared/math.wgsl`, which
/// corrects the adapter's division (allowed 2.5 ulp of error in WGSL) with one Newton
/// step; Rust's division is already IEEE-exact, so the twin is plain division.
#[inline]
pub fn div_rn(a: f32, b: f32) -> f32 {
    a / b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Error against f64 sine and cosine, in units of f32 epsilon relative to max(|f|, 2⁻⁶).
    /// The floor keeps the bound meaningful near zeros of sin and cos, where the Cody-Waite
    /// reduction's absolute error dominates.
    #[test]
    fn sin_cos_is_accurate_to_a_few_ulp() {
        let mut worst = 0.0_f64;
        let mut x = -8192.0_f32;
        while x <= 8192.0 {
            for xi in [x, x * 1e-3, x * 1e-6] {
                let (s, c) = sin_cos(xi);
                let (ts, tc) = (xi as f64).sin_cos();
                for (got, want) in [(s, ts), (c, tc)] {
                    let scale = want.abs().max(1.0 / 64.0) * f32::EPSILON as f64;
                    worst = worst.max((got as f64 - want).abs() / scale);
                }
            }
            x += 0.0137;
        }
        assert!(worst < 4.0, "worst error {worst} eps");
    }

    #[test]
    fn sin_cos_keeps_symmetry_and_nan() {
        for x in [0.0_f32, 0.1, 0.2094395, 1.0, 3.0, 100.0] {
            let (s, c) = sin_cos(x);
            let (sn, cn) = sin_cos(-x);
            assert_eq!(s.to_bits(), (-sn).to_bits());
            assert_eq!(c.to_bits(), cn.to_bits());
        }
        assert!(sin_cos(f32::NAN).0.is_nan());
    }
}
