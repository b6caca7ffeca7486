//! Rust twin of `shaders/shared/randomize.wgsl`: how a draw becomes a number. Used by
//! tests to check the GPU's draws and by hosts that want to predict a world's values.

use crate::layout::randomize::*;
use crate::shared::math::sin_cos;
use crate::shared::rng::rng_unit;

/// A standard normal from two RNG words (Box–Muller).
pub fn std_normal(u0: u32, u1: u32) -> f32 {
    let r = (-2.0 * (1.0 - rng_unit(u0)).ln()).sqrt();
    r * sin_cos(6.283_185_5 * rng_unit(u1)).1
}

/// Four standard normals from one RNG block (two Box–Muller pairs, cosine and sine).
pub fn normals4(u: [u32; 4]) -> [f32; 4] {
    let r0 = (-2.0 * (1.0 - rng_unit(u[0])).ln()).sqrt();
    let r1 = (-2.0 * (1.0 - rng_unit(u[2])).ln()).sqrt();
    let (s0, c0) = sin_cos(6.283_185_5 * rng_unit(u[1]));
    let (s1, c1) = sin_cos(6.283_185_5 * rng_unit(u[3]));
    [r0 * c0, r0 * s0, r1 * c1, r1 * s1]
}

/// One component of a draw: `kind` is a `DIST_*` code (not `DIST_CHOICE`), `a` and `b`
/// its parameters, `clip` the normal's clamp (0: none).
pub fn dist_draw(kind: u32, a: f32, b: f32, clip: f32, u0: u32, u1: u32) -> f32 {
    let u = rng_unit(u0);
    match kind {
        DIST_UNIFORM => a + (b - a) * u,
        DIST_LOGUNIFORM => {
            let la = a.ln();
            (la + (b.ln() - la) * u).exp()
        }
        _ => {
            let mut z = std_normal(u0, u1);
            if clip > 0.0 {
                z = z.clamp(-clip, clip);
            }
            a + b * z
        }
    }
}

/// The value from the nominal and a draw under `mode` (`RMODE_*`).
pub fn mode_apply(mode: u32, nominal: f32, d: f32) -> f32 {
    match mode {
        RMODE_SCALE => nominal * d,
        RMODE_ADD => nominal + d,
        _ => d,
    }
}
