//! The `external-memory` feature (`cargo test --release --features external-memory --test
//! external_memory`): an env's outputs exported as Vulkan memory, imported again through a
//! second Vulkan device as CUDA would import them, equal the host read-back bit for bit
//! after every reset and step, in each autoreset mode and with images.

#![cfg(all(feature = "external-memory", unix))]

mod common;

use common::gpu;
use manyworlds::env::{self, scene, AutoresetMode, EnvConfig, VecEnv};
use manyworlds::gpu::external::read_through_import;

const PROBE: &str = include_str!("data/probe.xml");

/// Asserts equal bytes, naming how many differ rather than printing them all.
fn same(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let diff = got.iter().zip(want).filter(|(a, b)| a != b).count();
    assert_eq!(diff, 0, "{what}: {diff} of {} bytes differ", want.len());
}

/// Checks the exported bytes against the host's view of the last results.
fn check_equal(env: &mut dyn VecEnv, what: &str) {
    let exported = env.export_outputs().unwrap();
    let bytes = read_through_import(gpu(), exported.memory).unwrap();
    let x = exported.sections;
    let last = env.last_step();
    let at = |r: &std::ops::Range<usize>| -> &[u8] { &bytes[r.clone()] };
    let b = |v: &[f32]| -> Vec<u8> { bytemuck::cast_slice(v).to_vec() };
    same(at(&x.obs), &b(last.obs), &format!("{what}: obs"));
    same(
        at(&x.rewards),
        &b(last.rewards),
        &format!("{what}: rewards"),
    );
    let flags: &[u8] = bytemuck::cast_slice(last.flags);
    same(at(&x.flags), flags, &format!("{what}: flags"));
    match last.final_obs {
        Some(f) => same(at(&x.final_obs), &b(f), &format!("{what}: final_obs")),
        None => assert!(
            x.final_obs.is_empty(),
            "{what}: final_obs outside same-step"
        ),
    }
    match env.images() {
        Some(im) => {
            let mut host: Vec<u8> = Vec::new();
            host.extend_from_slice(im.rgb_all().unwrap_or(&[]));
            host.extend_from_slice(&b(im.depth_all().unwrap_or(&[])));
            let seg: &[u8] = bytemuck::cast_slice(im.seg_all().unwrap_or(&[]));
            host.extend_from_slice(seg);
            assert!(!host.is_empty());
            same(&bytes[x.images.clone()], &host, &format!("{what}: images"));
        }
        None => assert!(x.images.is_empty(), "{what}: images without a renderer"),
    }
}

fn run(env: &mut dyn VecEnv, steps: u32) {
    env.reset(4).unwrap();
    // Exported before any step: the current outputs are copied at once.
    check_equal(env, "after reset");
    let n = env.num_worlds();
    for t in 0..steps {
        env.step(&common::valid_actions(env, t, 11)).unwrap();
        check_equal(env, &format!("step {t}"));
    }
    // A partial reset goes there too.
    let mask: Vec<bool> = (0..n).map(|w| w % 3 == 0).collect();
    env.reset_worlds(&mask, None).unwrap();
    check_equal(env, "after reset_worlds");
}

#[test]
fn exported_outputs_equal_the_readback_in_every_mode() {
    for mode in [
        AutoresetMode::NextStep,
        AutoresetMode::SameStep,
        AutoresetMode::Disabled,
    ] {
        let cfg = EnvConfig::new(70).autoreset(mode);
        let mut env = env::make(gpu(), "cartpole", &cfg).unwrap();
        // Long enough for episodes to end (and reset) under random actions.
        run(env.as_mut(), 40);
    }
}

#[test]
fn exported_images_equal_the_readback() {
    let cfg = EnvConfig::new(5)
        .autoreset(AutoresetMode::SameStep)
        .render(manyworlds::render::RenderConfig::new(16, 12));
    let sc = common::generic_config("probe");
    let mut env = scene::make_mjcf(gpu(), PROBE, "tests/data/probe.xml", false, &sc, &cfg)
        .unwrap_or_else(|e| panic!("probe: {e}"));
    run(&mut env, 6);
}
