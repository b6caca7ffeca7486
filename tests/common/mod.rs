//! Shared test helpers: one GPU per test binary, and small utilities.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of helpers"
)]

use manyworlds::gpu::Gpu;
use manyworlds::wgpu;
use std::sync::OnceLock;

/// The adapter every GPU test uses (lavapipe in CI). Tests do not skip without one: a
/// missing adapter is a failure, with the install hint in the message.
pub fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| Gpu::new().unwrap_or_else(|e| panic!("{e}")))
}

/// Deterministic pseudo-random discrete actions in `0..n` for `worlds` worlds at step `t`.
pub fn discrete_actions(worlds: usize, n: u32, t: u32, salt: u64) -> Vec<f32> {
    manyworlds::env::ActionSpace::Discrete { n }.sample(worlds, salt, t)
}

/// Copies a whole GPU buffer back to the host (after all work submitted so far).
pub fn read_buffer<T: bytemuck::Pod>(buffer: &wgpu::Buffer) -> Vec<T> {
    let g = gpu();
    let mut rb = manyworlds::gpu::Readback::new(g, "test.read_buffer", buffer.size(), 1);
    let (ticket, staging) = rb.claim();
    let mut enc = g.encoder("test.read_buffer");
    enc.copy_buffer_to_buffer(buffer, 0, staging, 0, buffer.size());
    let index = g.submit(enc);
    rb.start_map(ticket, index);
    rb.wait(g, ticket).expect("readback");
    bytemuck::pod_collect_to_vec(rb.bytes_of(ticket))
}

/// Bit patterns, for bitwise comparisons that treat NaN payloads exactly.
pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The registered envs whose model is embedded, for the tests that iterate the registry.
/// The rows that load Gymnasium's model files (`EnvEntry::needs_gymnasium_assets`) are
/// left to `tests/gym_tasks.rs`, which builds each of them once and checks everything
/// there (each scene kernel costs minutes to compile on lavapipe).
pub fn embedded_envs() -> impl Iterator<Item = &'static manyworlds::env::EnvEntry> {
    static NOTE: std::sync::Once = std::sync::Once::new();
    NOTE.call_once(|| {
        eprintln!("note: the Gymnasium task envs are covered by tests/gym_tasks.rs, not here")
    });
    manyworlds::env::REGISTRY
        .iter()
        .filter(|e| !e.needs_gymnasium_assets())
}

/// The scene rows whose model is embedded (see [`embedded_envs`]).
pub fn embedded_scenes() -> impl Iterator<Item = &'static manyworlds::env::scene::RegisteredScene> {
    manyworlds::env::scene::SCENES
        .iter()
        .filter(|s| s.gymnasium.is_none())
}

/// The Gymnasium assets folder (`MANYWORLDS_GYMNASIUM_ASSETS`; `.ci/run` downloads
/// Gymnasium 1.4.0 and sets it). `None`, with a note, when it is not set; under CI that is
/// a failure.
pub fn gymnasium_assets() -> Option<std::path::PathBuf> {
    match std::env::var_os("MANYWORLDS_GYMNASIUM_ASSETS") {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must set MANYWORLDS_GYMNASIUM_ASSETS (see .ci/run)"
            );
            eprintln!("MANYWORLDS_GYMNASIUM_ASSETS is not set: skipping the Gymnasium files");
            None
        }
    }
}

/// Scene settings for the tests' own scenes: defaults, on the generic kernel (no private
/// copies, `private_words: Some(0)`). A kernel specialized to a scene's sizes takes minutes
/// to compile on lavapipe, and the tests build dozens of small scenes: on the generic
/// kernel they share one compile (Mesa caches it on disk across the test binaries). The
/// registered envs keep their specialized kernels, and `tests/physics.rs` checks that the
/// two step bitwise the same.
#[allow(dead_code)]
pub fn generic_config(name: &str) -> manyworlds::env::scene::SceneConfig {
    manyworlds::env::scene::SceneConfig {
        private_words: Some(0),
        ..manyworlds::env::scene::SceneConfig::new(name)
    }
}

/// Valid pseudo-random actions for any action space (within ±1 where a box is unbounded).
#[allow(dead_code)]
pub fn valid_actions(env: &dyn manyworlds::env::VecEnv, t: u32, salt: u64) -> Vec<f32> {
    let finite = |v: &[f32], or: f32| -> Vec<f32> {
        v.iter()
            .map(|x| if x.is_finite() { *x } else { or })
            .collect()
    };
    let space = match &env.spec().action_space {
        manyworlds::env::ActionSpace::Box { low, high } => manyworlds::env::ActionSpace::Box {
            low: finite(low, -1.0),
            high: finite(high, 1.0),
        },
        discrete => discrete.clone(),
    };
    space.sample(env.num_worlds(), salt, t)
}

/// The output of a CLI run that must succeed: its stdout (stdout and stderr in the panic).
pub fn ok(o: &std::process::Output) -> String {
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "stdout:\n{out}\nstderr:\n{err}");
    out.into_owned()
}

/// The stderr of a CLI run that must fail without a panic.
pub fn fails(o: &std::process::Output) -> String {
    assert!(
        !o.status.success(),
        "expected a failure: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "panicked: {err}");
    err
}
