// Counter-based randomness: a pure function of (seed, world, episode, block).
// Rust twin: src/shared/rng.rs (bit-identical; tests/shared_twins.rs compares them).
// The mixer is the pcg4d hash of Jarzynski and Olano, "Hash Functions for GPU Rendering"
// (JCGT 2020), applied twice with the key folded in between. The key is pcg4d of the
// seed, computed once on the host (rng::rng_key) and passed in StepParams.

fn pcg4d(v_in: vec4<u32>) -> vec4<u32> {
    var v = v_in * 1664525u + 1013904223u;
    v.x += v.y * v.w;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v.w += v.y * v.z;
    v = v ^ (v >> vec4<u32>(16u));
    v.x += v.y * v.w;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v.w += v.y * v.z;
    return v;
}

// Four independent 32-bit draws: draws 4*block .. 4*block+3 of (world, episode).
fn rng_block(key: vec4<u32>, world: u32, episode: u32, block: u32) -> vec4<u32> {
    return pcg4d(pcg4d(vec4<u32>(world, episode, block, 0u) ^ key) ^ key.wzyx);
}

// Top 24 bits as a float in [0, 1), exactly representable.
fn rng_unit(bits: u32) -> f32 {
    return f32(bits >> 8u) * RNG_UNIT_SCALE;
}
