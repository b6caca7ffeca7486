//! Counter-based randomness. Twin of `shaders/shared/rng.wgsl`.
//!
//! Every random number is a pure function of (seed, world, episode, draw index), so a
//! world's randomness does not depend on how many worlds run beside it or on the order
//! in which threads run.

/// Scale that maps the top 24 bits of a draw to `[0, 1)`: 2⁻²⁴.
pub const UNIT_SCALE: f32 = 1.0 / 16_777_216.0;

/// The pcg4d mixer (Jarzynski and Olano, JCGT 2020).
pub fn pcg4d(v: [u32; 4]) -> [u32; 4] {
    let mut v = v.map(|x| x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223));
    let round = |v: &mut [u32; 4]| {
        v[0] = v[0].wrapping_add(v[1].wrapping_mul(v[3]));
        v[1] = v[1].wrapping_add(v[2].wrapping_mul(v[0]));
        v[2] = v[2].wrapping_add(v[0].wrapping_mul(v[1]));
        v[3] = v[3].wrapping_add(v[1].wrapping_mul(v[2]));
    };
    round(&mut v);
    v = v.map(|x| x ^ (x >> 16));
    round(&mut v);
    v
}

fn xor(a: [u32; 4], b: [u32; 4]) -> [u32; 4] {
    [a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]]
}

/// The key of a 64-bit seed: computed once per `reset(seed)` on the host and handed to
/// the kernels in `StepParams::key`.
pub fn rng_key(seed: u64) -> [u32; 4] {
    pcg4d([seed as u32, (seed >> 32) as u32, 0x9e37_79b9, 0x7f4a_7c15])
}

/// Draws `4 * block .. 4 * block + 3` of `(world, episode)` under `key`.
pub fn rng_block(key: [u32; 4], world: u32, episode: u32, block: u32) -> [u32; 4] {
    let rev = [key[3], key[2], key[1], key[0]];
    pcg4d(xor(pcg4d(xor([world, episode, block, 0], key)), rev))
}

/// The top 24 bits of a draw as a float in `[0, 1)`, exactly representable.
pub fn rng_unit(bits: u32) -> f32 {
    (bits >> 8) as f32 * UNIT_SCALE
}
