//! Determinism matrix: every registered env, with randomization on wherever the env takes
//! it, is bitwise reproducible across runs, across `step` × k against `step_many(k)`, and
//! for world *i* whatever the batch size (16, 1024, 4096).
//!
//! What is compared, bit for bit: observations, rewards, flags and the full State of the
//! worlds, and for randomized envs the values drawn at each reset; for rendering envs the
//! RGB and depth images too.

mod common;

use common::{bits, gpu};
use manyworlds::env::{self, scene, EnvConfig, VecEnv, Worlds};
use manyworlds::randomize::{Dist, Entry, Field, Mode, Spec};

/// The randomization each env runs under: push-cube's own default spec; the other scene
/// envs a spec that changes every world's dynamics (gravity, friction of every geom, mass
/// of every body) and, when they render, its looks; `cartpole` (closed-form) takes none.
fn spec_for(name: &str, renders: bool) -> Option<Spec> {
    if name == "cartpole" {
        return None;
    }
    if let Some(s) = scene::registered_randomize(name, renders) {
        return Some(s);
    }
    let mut s = Spec::new()
        .entry(Entry::new(Field::OptionGravity, &[], Dist::uniform(0.9, 1.1)).mode(Mode::Scale))
        .entry(Entry::new(
            Field::GeomFriction,
            &["*"],
            Dist::uniform(0.3, 1.2),
        ));
    if renders {
        s = s.entry(Entry::new(Field::GeomRgba, &["*"], Dist::uniform(0.1, 0.9)));
    }
    Some(s)
}

/// Everything one run produced, as bits, for worlds `0..keep`.
#[derive(PartialEq, Debug)]
struct Trace {
    obs: Vec<Vec<u32>>,
    rewards: Vec<Vec<u32>>,
    flags: Vec<Vec<u32>>,
    state: Vec<u32>,
    params: Option<String>,
    images: Vec<Vec<u32>>,
}

fn config(name: &str, worlds: usize) -> EnvConfig {
    let renders = scene::registered_render(name).is_some();
    let mut cfg = EnvConfig::new(worlds);
    cfg.randomize = spec_for(name, renders);
    cfg
}

/// `steps` random steps (actions for world w independent of the batch size), recording
/// worlds `0..keep`; `fused` runs them as one `step_many` with a constant action.
fn run(name: &str, worlds: usize, steps: u32, keep: usize, fused: bool) -> Trace {
    let mut e = env::make(gpu(), name, &config(name, worlds)).unwrap();
    let od = e.spec().obs_dim;
    e.reset(21).unwrap();
    let mut t = Trace {
        obs: Vec::new(),
        rewards: Vec::new(),
        flags: Vec::new(),
        state: Vec::new(),
        params: None,
        images: Vec::new(),
    };
    let a0 = e.spec().action_space.sample(worlds, 17, 0);
    let record = |e: &mut Box<dyn VecEnv>, t: &mut Trace, r: &[f32], f: &[u32]| {
        t.obs.push(bits(&e.observations()[..keep * od]));
        t.rewards.push(bits(&r[..keep]));
        t.flags.push(f[..keep].to_vec());
        if let Some(img) = e.images() {
            let n: usize = img
                .views()
                .iter()
                .filter(|v| v.world < keep)
                .map(|v| v.pixels())
                .sum();
            if let Some(rgb) = img.rgb_all() {
                t.images
                    .push(rgb[..n * 4].iter().map(|&b| b as u32).collect());
            }
            if let Some(d) = img.depth_all() {
                t.images.push(bits(&d[..n]));
            }
        }
    };
    if fused {
        let s = e.step_many(&a0, steps).unwrap();
        let (r, f) = (s.rewards.to_vec(), s.flags.to_vec());
        record(&mut e, &mut t, &r, &f);
    } else {
        for k in 0..steps {
            let a = e.spec().action_space.sample(worlds, 17, k);
            let s = e.step(&a).unwrap();
            let (r, f) = (s.rewards.to_vec(), s.flags.to_vec());
            record(&mut e, &mut t, &r, &f);
        }
    }
    let keep_ids: Vec<usize> = (0..keep).collect();
    t.state = bits(&e.get_state(Worlds::Some(&keep_ids)).unwrap().state);
    if let Some(p) = e.randomized_params().unwrap() {
        t.params = Some(
            (0..keep)
                .map(|w| serde_json::Value::Object(p.to_json(w)).to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    t
}

/// Two runs from the same seed are bitwise equal; world i's trajectory is the same at 16,
/// 1024 and 4096 worlds.
#[test]
fn every_env_is_bitwise_reproducible_across_runs_and_batch_sizes() {
    for entry in common::embedded_envs() {
        let name = entry.name;
        // Rendering at 4096 worlds is the slowest cell on lavapipe; a few steps cover a
        // reset (randomized draws) and contacts all the same.
        let steps = if scene::registered_render(name).is_some() {
            4
        } else {
            12
        };
        let a = run(name, 16, steps, 16, false);
        let b = run(name, 16, steps, 16, false);
        assert_eq!(a, b, "{name}: two runs from one seed differ");
        assert!(
            a.params.is_some() || name == "cartpole",
            "{name}: the matrix runs with randomization on"
        );
        for worlds in [1024, 4096] {
            let c = run(name, worlds, steps, 16, false);
            assert_eq!(
                a, c,
                "{name}: worlds 0..16 differ between 16 and {worlds} worlds"
            );
        }
    }
}

/// k single steps with one action equal one `step_many(k)`, bitwise, for every env.
#[test]
fn step_many_equals_repeated_steps_for_every_env() {
    for entry in common::embedded_envs() {
        let name = entry.name;
        let worlds = 64;
        let k = 9;
        let fused = run(name, worlds, k, worlds, true);
        // The same constant action, one step at a time.
        let mut e = env::make(gpu(), name, &config(name, worlds)).unwrap();
        e.reset(21).unwrap();
        let a0 = e.spec().action_space.sample(worlds, 17, 0);
        for _ in 0..k {
            e.step(&a0).unwrap();
        }
        let od = e.spec().obs_dim;
        assert_eq!(
            fused.obs[0],
            bits(&e.observations()[..worlds * od]),
            "{name}: step_many({k}) observations differ from {k} steps"
        );
        let all: Vec<usize> = (0..worlds).collect();
        assert_eq!(
            fused.state,
            bits(&e.get_state(Worlds::Some(&all)).unwrap().state),
            "{name}: step_many({k}) state differs from {k} steps"
        );
    }
}
