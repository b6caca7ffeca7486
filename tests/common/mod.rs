//! Shared test helpers: one GPU per test binary, and small utilities.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of helpers"
)]

use manyworlds::gpu::Gpu;
use std::sync::OnceLock;

/// The adapter every GPU test uses (lavapipe in CI). Tests do not skip without one: a
/// missing adapter is a failure, with the install hint in the message.
pub fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| Gpu::new().unwrap_or_else(|e| panic!("{e}")))
}

/// Deterministic pseudo-random discrete actions in `0..n` for `worlds` worlds at step `t`.
pub fn discrete_actions(worlds: usize, n: u32, t: u32, salt: u64) -> Vec<f32> {
    let key = manyworlds::shared::rng::rng_key(salt);
    (0..worlds)
        .map(|w| (manyworlds::shared::rng::rng_block(key, w as u32, t, 0)[0] % n) as f32)
        .collect()
}

/// Bit patterns, for bitwise comparisons that treat NaN payloads exactly.
pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}
