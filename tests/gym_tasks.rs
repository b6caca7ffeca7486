//! Gymnasium 1.4.0's v5 MuJoCo tasks as scene envs (`hopper`, `walker2d`, `half-cheetah`,
//! `inverted-pendulum`, `inverted-double-pendulum`, `swimmer`, `reacher`, `ant`), against
//! Gymnasium itself (`tests/data/gym_tasks_gymnasium.json`, made by
//! `scripts/make_gym_task_reference.py`) and against their CPU twins. Each task's env is
//! built once, on the generic kernel that all eight share (a scene kernel takes minutes to
//! compile on lavapipe), and everything is checked on it: the spec, the reset noise, the
//! observation of a set state, one step's reward terms and termination, and the GPU against
//! the CPU twin.
//!
//! The models are Gymnasium's files, not committed: `MANYWORLDS_GYMNASIUM_ASSETS` points at
//! them (`.ci/run` downloads them); without it the test skips with a note, outside CI.

mod common;

use common::gpu;
use manyworlds::env::scene::{self, SceneConfig, SceneEnv};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::layout::physics::*;
use manyworlds::sim::cpu::CpuBatch;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Reference {
    tasks: Vec<TaskRef>,
}

#[derive(Deserialize)]
struct TaskRef {
    name: String,
    xml: String,
    frame_skip: u32,
    dt: f64,
    max_episode_steps: u32,
    obs_dim: usize,
    cases: BTreeMap<String, Case>,
}

#[derive(Deserialize)]
struct Case {
    qpos: Vec<f32>,
    qvel: Vec<f32>,
    action: Vec<f32>,
    obs0: Vec<f32>,
    reward: f64,
    terms: BTreeMap<String, f64>,
    terminated: bool,
}

/// Observation of a set state against Gymnasium's: forward kinematics in f32 from the
/// same qpos, so a few ulp of the largest coordinate (positions up to ~1 m, velocities
/// up to ~10).
const OBS_TOL: f32 = 1e-4;
/// Terms that depend only on the action (`reward_ctrl`) or on the set state's health
/// (`reward_survive` in healthy or clearly unhealthy states): f32 against f64.
const EXACT_TOL: f64 = 1e-5;
/// Terms that depend on the step's motion (`reward_forward`, `reward_dist`, the double
/// pendulum's penalties). Our solver is not MuJoCo's (XPBD, no RK4, no armature
/// coupling, no fluid drag), so after one step they differ by what the dynamics do in
/// 8–50 ms: they must agree within this, absolute plus relative to Gymnasium's value.
const DYNAMIC_ABS: f64 = 0.35;
const DYNAMIC_REL: f64 = 0.35;
/// GPU against its CPU twin on the same state: a few ulp.
const TWIN_TOL: f32 = 2e-5;
/// Tasks whose model this solver cannot step yet: reacher's and ant's armature (1 kg·m² on
/// links of 10⁻³ to 10⁻⁵ kg·m²) sends the maximal-coordinate solver non-finite within a
/// few steps (issue 16, see tests/gymnasium.rs). For them a faulted step skips the
/// after-step comparisons, with a note; for every other task it is a failure. The set
/// state's observation, the reset and the spec are checked all the same.
const UNSTABLE_MODELS: &[&str] = &["reacher", "ant"];
/// Worlds per env: the reference cases first, the rest for the reset statistics.
const WORLDS: usize = 64;

fn assets_set() -> bool {
    if std::env::var_os(scene::GYMNASIUM_ASSETS_VAR).is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must set MANYWORLDS_GYMNASIUM_ASSETS (see .ci/run)"
    );
    eprintln!("MANYWORLDS_GYMNASIUM_ASSETS is not set: skipping the Gymnasium tasks");
    false
}

fn reference() -> Reference {
    serde_json::from_str(include_str!("data/gym_tasks_gymnasium.json")).unwrap()
}

/// Every task of the reference is registered with Gymnasium's file, frame skip, episode
/// length and observation size, and every Gymnasium-backed row is in the reference.
#[test]
fn rows_match_gymnasiums_definitions() {
    let r = reference();
    for t in &r.tasks {
        let row = scene::registered(&t.name).unwrap_or_else(|| panic!("{} unregistered", t.name));
        assert_eq!(row.gymnasium, Some(t.xml.as_str()), "{}", t.name);
        assert_eq!(row.task.frame_skip(), t.frame_skip, "{}", t.name);
        assert_eq!(row.max_episode_steps, t.max_episode_steps, "{}", t.name);
        let names: Vec<&str> = row.task.reward_terms().iter().map(|x| x.0).collect();
        for c in t.cases.values() {
            let mut gym_names: Vec<&str> = c.terms.keys().map(|k| k.as_str()).collect();
            let mut ours = names.clone();
            gym_names.sort();
            ours.sort();
            assert_eq!(ours, gym_names, "{}: reward terms", t.name);
        }
    }
    let covered = scene::SCENES.iter().filter(|s| s.gymnasium.is_some());
    for s in covered {
        assert!(
            r.tasks.iter().any(|t| t.name == s.name),
            "{} not covered",
            s.name
        );
    }
}

/// Without the assets variable, building a Gymnasium row is an error that names the
/// variable and says how to get the files.
#[test]
fn missing_assets_are_an_error_that_says_how_to_get_them() {
    if std::env::var_os(scene::GYMNASIUM_ASSETS_VAR).is_some() {
        return; // the message is only shown when the variable is unset
    }
    let row = scene::registered("hopper").unwrap();
    let e = row.mjcf().unwrap_err().to_string();
    for part in [
        "MANYWORLDS_GYMNASIUM_ASSETS",
        "hopper.xml",
        "pip download gymnasium==1.4.0",
    ] {
        assert!(e.contains(part), "{e}");
    }
}

#[test]
fn gym_tasks_match_gymnasium_and_their_cpu_twins() {
    if !assets_set() {
        return;
    }
    // MANYWORLDS_GYM_TASKS=hopper,ant narrows the run while working on one task.
    let only = std::env::var("MANYWORLDS_GYM_TASKS").ok();
    for t in &reference().tasks {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|n| n == t.name))
        {
            continue;
        }
        let t0 = std::time::Instant::now();
        check_task(t);
        eprintln!("{}: checked in {:.1} s", t.name, t0.elapsed().as_secs_f64());
    }
}

fn check_task(t: &TaskRef) {
    let row = scene::registered(&t.name).unwrap();
    let cfg = EnvConfig::new(WORLDS).autoreset(AutoresetMode::Disabled);
    // On the generic kernel (no private copies, bitwise the same results): the eight tasks
    // then share one kernel compile instead of one each (minutes apiece on lavapipe).
    let sc = SceneConfig {
        private_words: Some(0),
        ..row.config()
    };
    let mut e: SceneEnv = row
        .make_with(gpu(), &sc, &cfg)
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = e.spec().clone();
    assert_eq!(spec.obs_dim, t.obs_dim, "{}: obs_dim", t.name);
    assert!(
        (spec.dt as f64 - t.dt).abs() < 1e-7,
        "{}: dt {} against {}",
        t.name,
        spec.dt,
        t.dt
    );
    e.reset(5).unwrap();
    check_reset(&mut e, t);
    let cases: Vec<(&String, &Case)> = t.cases.iter().collect();
    let worlds: Vec<usize> = (0..cases.len()).collect();
    let qpos: Vec<f32> = cases.iter().flat_map(|c| c.1.qpos.clone()).collect();
    let qvel: Vec<f32> = cases.iter().flat_map(|c| c.1.qvel.clone()).collect();
    e.set_qpos_qvel(&worlds, &qpos, &qvel).unwrap();
    let od = spec.obs_dim;
    let obs0 = e.observations().to_vec();
    let mut cpu = CpuBatch::new(e.compiled(), WORLDS);
    cpu.state
        .copy_from_slice(&e.get_state(Worlds::All).unwrap().state);
    for (w, (name, c)) in cases.iter().enumerate() {
        let ours = &obs0[w * od..(w + 1) * od];
        assert_eq!(
            c.obs0.len(),
            od,
            "{} {name}: Gymnasium's obs length",
            t.name
        );
        for (k, (o, g)) in ours.iter().zip(&c.obs0).enumerate() {
            assert!(
                (o - g).abs() <= OBS_TOL,
                "{} {name}: obs[{k}] of the set state: ours {o} Gymnasium {g}",
                t.name,
            );
        }
        assert_close(
            &cpu.observe(w),
            ours,
            TWIN_TOL,
            &format!("{} {name}: CPU obs", t.name),
        );
        cpu.world(w).task_begin();
    }
    // The reference cases' actions; the other worlds hold still (zero action).
    let nu = spec.action_space.dim();
    let mut actions = vec![0.0; WORLDS * nu];
    for (w, (_, c)) in cases.iter().enumerate() {
        actions[w * nu..(w + 1) * nu].copy_from_slice(&c.action);
    }
    let step = e.step(&actions).unwrap();
    let (rewards, terminated) = (step.rewards.to_vec(), step.terminated.to_vec());
    let flags = step.flags.to_vec();
    let obs1 = step.obs.to_vec();
    let terms = e
        .reward_terms()
        .unwrap()
        .expect("Gymnasium tasks report their terms");
    let nt = terms.names.len();
    cpu.state
        .copy_from_slice(&e.get_state(Worlds::All).unwrap().state);
    for (w, (name, c)) in cases.iter().enumerate() {
        let what = format!("{} {name}", t.name);
        if flags[w] & FLAG_NONFINITE != 0 {
            assert!(
                UNSTABLE_MODELS.contains(&t.name.as_str()),
                "{what}: the step went non-finite"
            );
            eprintln!(
                "note: {what}: the step went non-finite (issue 16); after-step checks skipped"
            );
            continue;
        }
        let ours = &terms.values[w * nt..(w + 1) * nt];
        let sum: f32 = ours.iter().sum();
        assert!(
            (sum - rewards[w]).abs() <= 1e-5,
            "{what}: terms {ours:?} sum to the reward {}",
            rewards[w]
        );
        assert_eq!(terminated[w], c.terminated, "{what}: terminated");
        for (k, &n) in terms.names.iter().enumerate() {
            let (got, want) = (ours[k] as f64, c.terms[n]);
            let tol = if dynamic(n) {
                DYNAMIC_ABS + DYNAMIC_REL * want.abs()
            } else {
                EXACT_TOL * (1.0 + want.abs())
            };
            eprintln!("{what}: {n} ours {got:.6} Gymnasium {want:.6}");
            assert!(
                (got - want).abs() <= tol,
                "{what}: {n} ours {got} Gymnasium {want} (tolerance {tol})"
            );
        }
        let tol = DYNAMIC_ABS * nt as f64 + DYNAMIC_REL * c.reward.abs();
        let got = rewards[w] as f64;
        assert!(
            (got - c.reward).abs() <= tol,
            "{what}: reward ours {got} Gymnasium {}",
            c.reward
        );
        // The CPU twin on the state the GPU reached.
        let world = cpu.world(w);
        let cpu_terms = world.gym_reward_terms(&c.action);
        let slots: Vec<f32> = world_slots(row.task.reward_terms(), &cpu_terms);
        assert_close(&slots, ours, TWIN_TOL, &format!("{what}: CPU terms"));
        assert_eq!(
            world.task_terminated(),
            terminated[w],
            "{what}: CPU terminated"
        );
        assert_close(
            &cpu.observe(w),
            &obs1[w * od..(w + 1) * od],
            TWIN_TOL,
            &format!("{what}: CPU obs after the step"),
        );
    }
}

/// The terms of `slots` in the order of the task's names.
fn world_slots(names: &[(&str, u32)], slots: &[f32]) -> Vec<f32> {
    names.iter().map(|&(_, s)| slots[s as usize]).collect()
}

/// Whether reward term `n` depends on the motion of the step (the others depend on the
/// action, or on health that the reference states leave in no doubt; `reward_contact` is
/// 0 here and was 0 in Gymnasium's reference steps too).
fn dynamic(n: &str) -> bool {
    !matches!(n, "reward_ctrl" | "reward_contact" | "reward_survive")
}

fn assert_close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + y.abs()),
            "{what}[{k}]: {x} against {y}"
        );
    }
}

/// The first observations after a reset: each world's qpos and qvel are the model's
/// initial ones moved by Gymnasium's noise (uniform within ± the scale, or normal with it
/// as standard deviation; the reacher's target in its disc), and different worlds differ.
fn check_reset(e: &mut SceneEnv, t: &TaskRef) {
    let p = *e.scene_params();
    let (nq, nv) = (p.nq as usize, p.nv as usize);
    let qq = e.get_qpos_qvel(Worlds::All).unwrap();
    let init = e.compiled().qpos_qvel(&e.compiled().init_state);
    let s = p.reset_noise;
    // A free joint's quaternion is renormalized after its noise: not bounded entry-wise.
    let quat: Vec<usize> = e
        .compiled()
        .joints
        .iter()
        .filter(|j| j.kind == manyworlds::sim::model::JointKind::Free)
        .flat_map(|j| j.qadr + 3..j.qadr + 7)
        .collect();
    let mut max_q = 0.0_f32;
    let mut sum_v2 = 0.0_f64;
    for w in 0..WORLDS {
        let row = &qq[w * (nq + nv)..(w + 1) * (nq + nv)];
        for i in 0..nq + nv {
            let d = row[i] - init[i];
            if i < nq && !quat.contains(&i) {
                let half = if p.reset_kind == RESET_GYM_REACHER {
                    REACHER_QPOS_NOISE
                } else {
                    s
                };
                let goal = p.reset_kind == RESET_GYM_REACHER && i >= nq - 2;
                if goal {
                    assert!(
                        row[nq - 2].hypot(row[nq - 1]) < REACHER_GOAL_RADIUS + 1e-5,
                        "{}: goal",
                        t.name
                    );
                } else {
                    assert!(
                        d.abs() <= half * 1.001 + 1e-5,
                        "{} world {w} qpos[{i}] moved {d}",
                        t.name
                    );
                    max_q = max_q.max(d.abs() / half);
                }
            } else if i >= nq {
                let v = i - nq;
                match p.reset_kind {
                    RESET_GYM_UNIFORM => {
                        assert!(d.abs() <= s * 1.001 + 1e-5, "{} qvel[{v}] {d}", t.name)
                    }
                    RESET_GYM_REACHER if v >= nv - 2 => {
                        assert_eq!(d, 0.0, "{}: target qvel", t.name)
                    }
                    RESET_GYM_REACHER => assert!(
                        d.abs() <= REACHER_QVEL_NOISE * 1.001 + 1e-6,
                        "{} qvel[{v}] {d}",
                        t.name
                    ),
                    _ => sum_v2 += (d as f64 / s as f64).powi(2),
                }
            }
        }
    }
    assert!(
        max_q > 0.5,
        "{}: the qpos noise spreads over its range ({max_q})",
        t.name
    );
    if p.reset_kind == RESET_GYM_NORMAL {
        // E[(d / s)²] = 1 over WORLDS × nv draws (≥ 192): within ±0.35 with high
        // probability (the standard error of a χ² mean over 192 is 0.1).
        let mean = sum_v2 / (WORLDS * nv) as f64;
        assert!(
            (mean - 1.0).abs() < 0.35,
            "{}: qvel noise variance {mean}",
            t.name
        );
    }
}
