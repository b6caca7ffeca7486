//! The cost of domain randomization: `push-cube` at 4096 worlds with 10-step episodes
//! staggered so that 10% of the worlds reset every step, with no randomization against
//! the spec in `benches/push_cube_all_fields.json` (every field that applies to the
//! scene: it has no hinge, so no `joint.armature`), state-only and with a 64² RGB-D
//! camera. The two envs of a pair live side by side and are timed in alternating rounds
//! (20 steps each, in ABBA order), so drift in the machine's speed hits both; medians of the rounds.
//!
//! Run: `cargo bench --bench randomize`. `MANYWORLDS_BENCH_SPEC=file.json` measures
//! another spec, `MANYWORLDS_BENCH_ROUNDS` sets the rounds (default 15). Prints one JSON
//! line per pair.

use manyworlds::env::scene::{self, SceneEnv};
use manyworlds::env::{EnvConfig, VecEnv, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::randomize::spec::FieldGroup;
use manyworlds::randomize::Spec;
use manyworlds::render::{Outputs, RenderConfig};
use std::time::Instant;

const WORLDS: usize = 4096;
const EPISODE: u32 = 10;
const STEPS_PER_ROUND: usize = 20;

fn env(gpu: &Gpu, spec: Spec, render: bool) -> SceneEnv {
    let mut cfg = EnvConfig::new(WORLDS);
    cfg.randomize = Some(spec);
    if render {
        cfg.render = Some(RenderConfig::new(64, 64).outputs(Outputs {
            rgb: true,
            depth: true,
            seg: false,
        }));
    }
    let mut sc = scene::registered_config("push-cube");
    sc.max_episode_steps = EPISODE;
    let mut e = scene::make_mjcf(
        gpu,
        scene::PUSH_CUBE_XML,
        "scenes/push_cube.xml",
        false,
        &sc,
        &cfg,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    e.reset(0).expect("reset");
    // Stagger the episodes: world w is w mod 10 steps in, so a tenth resets each step.
    let mut s = e.get_state(Worlds::All).expect("state");
    for (w, c) in s.clocks.iter_mut().enumerate() {
        c.elapsed = w as u32 % EPISODE;
    }
    e.set_state(&s).expect("set_state");
    e
}

/// Seconds per step of one round.
fn round(e: &mut SceneEnv, actions: &[f32]) -> f64 {
    let t = Instant::now();
    for _ in 0..STEPS_PER_ROUND {
        e.step(actions).expect("step");
    }
    t.elapsed().as_secs_f64() / STEPS_PER_ROUND as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks "state" or "rgbd64".
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let gpu = Gpu::new().unwrap_or_else(|e| panic!("{e}"));
    let spec_name = std::env::var("MANYWORLDS_BENCH_SPEC").ok();
    let all = match &spec_name {
        Some(path) => Spec::from_file(path).unwrap_or_else(|e| panic!("{e}")),
        None => Spec::from_json(
            include_str!("push_cube_all_fields.json"),
            "push_cube_all_fields.json",
        )
        .expect("spec"),
    };
    let rounds: usize = std::env::var("MANYWORLDS_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let mut state_only = all.clone();
    state_only
        .entries
        .retain(|e| e.field.group() != FieldGroup::Looks && e.field.name() != "depth.noise_std");
    for (render, name, spec) in [(false, "state", state_only), (true, "rgbd64", all)] {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let fields = spec.entries.len();
        let mut off = env(&gpu, Spec::new(), render);
        let mut on = env(&gpu, spec, render);
        let actions = off.spec().action_space.sample(WORLDS, 3, 0);
        // Warm-up: one round each, not timed.
        round(&mut off, &actions);
        round(&mut on, &actions);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for r in 0..rounds {
            // ABBA order, so neither env always runs first.
            if r % 2 == 0 {
                a.push(round(&mut off, &actions));
                b.push(round(&mut on, &actions));
            } else {
                b.push(round(&mut on, &actions));
                a.push(round(&mut off, &actions));
            }
        }
        let (ma, mb) = (median(a), median(b));
        println!(
            "{}",
            serde_json::json!({
                "bench": "randomize",
                "adapter": gpu.adapter().to_string(),
                "env": "push-cube",
                "worlds": WORLDS,
                "episode_steps": EPISODE,
                "resetting_per_step": 0.1,
                "render": if render { "64x64 rgb+depth" } else { "none" },
                "spec": spec_name.clone().unwrap_or("benches/push_cube_all_fields.json".into()),
                "entries": fields,
                "rounds": rounds,
                "steps_per_round": STEPS_PER_ROUND,
                "ms_per_step_off": ma * 1e3,
                "ms_per_step_on": mb * 1e3,
                "overhead": mb / ma - 1.0,
            })
        );
    }
}
