// Distributions of the domain randomizer: a draw from two 32-bit RNG words.
// Rust twin: src/randomize/sample.rs (the same arithmetic; uniform draws agree to the
// last bit where the adapter does not fuse the multiply-add, log/exp/sqrt-based ones to
// float precision; tests/randomize.rs compares them).
#import shared/rng
#import shared/math

// A standard normal by Box-Muller: u0 gives the radius (1 - u in (0, 1], so log is
// finite), u1 the angle.
fn std_normal(u0: u32, u1: u32) -> f32 {
    let r = sqrt(-2.0 * log(1.0 - rng_unit(u0)));
    return r * sin_cos(6.2831855 * rng_unit(u1)).y;
}

// Four standard normals from one RNG block: two Box-Muller pairs, each giving the
// cosine and the sine branch (for noise, where draws come four at a time).
fn normals4(u: vec4<u32>) -> vec4<f32> {
    let r0 = sqrt(-2.0 * log(1.0 - rng_unit(u.x)));
    let r1 = sqrt(-2.0 * log(1.0 - rng_unit(u.z)));
    let a0 = sin_cos(6.2831855 * rng_unit(u.y));
    let a1 = sin_cos(6.2831855 * rng_unit(u.w));
    return vec4<f32>(r0 * a0.y, r0 * a0.x, r1 * a1.y, r1 * a1.x);
}

// One component: uniform [a, b), log-uniform [a, b), or normal (mean a, std b, clamped
// to ±clip standard deviations when clip > 0). `choice` is picked by the caller.
fn dist_draw(kind: u32, a: f32, b: f32, clip: f32, u0: u32, u1: u32) -> f32 {
    let u = rng_unit(u0);
    if kind == DIST_UNIFORM {
        return a + (b - a) * u;
    }
    if kind == DIST_LOGUNIFORM {
        let la = log(a);
        return exp(la + (log(b) - la) * u);
    }
    var z = std_normal(u0, u1);
    if clip > 0.0 {
        z = clamp(z, -clip, clip);
    }
    return a + b * z;
}

// The field's value from its nominal and the draw.
fn mode_apply(mode: u32, nominal: f32, d: f32) -> f32 {
    if mode == RMODE_SCALE {
        return nominal * d;
    }
    if mode == RMODE_ADD {
        return nominal + d;
    }
    return d;
}
