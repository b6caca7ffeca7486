//! CartPole against Gymnasium's own trajectories and against the CPU reference of the
//! kernel, plus autoreset, truncation and state round trips.

#![allow(
    clippy::needless_range_loop,
    reason = "world and component indices address several parallel arrays"
)]

mod common;

use common::{bits, discrete_actions, gpu};
use manyworlds::env::cartpole::{self, reference_reset, reference_world_step};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, WorldStates, Worlds};
use manyworlds::layout::{
    CartpoleModel, StepParams, WorldClock, FLAG_RESET, FLAG_TERMINATED, FLAG_TRUNCATED, MODE_STEP,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    trajectories: Vec<Trajectory>,
}

#[derive(Deserialize)]
struct Trajectory {
    seed: u64,
    initial_state: [f64; 4],
    actions: Vec<u32>,
    states: Vec<[f64; 4]>,
    terminated: Vec<bool>,
}

fn reference() -> Reference {
    let text = include_str!("data/cartpole_gymnasium.json");
    serde_json::from_str(text).expect("reference JSON parses")
}

fn f32s(s: &[f64; 4]) -> [f32; 4] {
    s.map(|v| v as f32)
}

/// Starts `states.len()` worlds from the given states, autoreset off.
fn env_from_states(states: &[[f32; 4]]) -> Box<dyn VecEnv> {
    let n = states.len();
    let mut env = manyworlds::env::make(
        gpu(),
        "cartpole",
        &EnvConfig::new(n).autoreset(AutoresetMode::Disabled),
    )
    .expect("cartpole builds");
    env.reset(0).expect("reset");
    env.set_state(&WorldStates {
        state_dim: 4,
        worlds: (0..n).collect(),
        state: states.iter().flatten().copied().collect(),
        clocks: vec![WorldClock::default(); n],
    })
    .expect("set_state");
    env
}

/// The tolerance of one float32 step against an exact (float64) step: `ulps` units in the
/// last place of the larger of the value before and after the step. The update adds
/// `tau * derivative` to the old value, so rounding is relative to the larger of the two,
/// not to the (possibly cancelled) result.
fn step_tol(prev: f32, next: f32, ulps: f32) -> f32 {
    ulps * f32::EPSILON * prev.abs().max(next.abs()) + 1e-12
}

/// One float32 step from each of Gymnasium's float64 states (rounded to f32) must land on
/// Gymnasium's next state within float32 rounding: 8 ulp of the larger magnitude before and
/// after the step (the f32 rounding of the start state alone accounts for up to 1 ulp).
#[test]
fn one_step_matches_gymnasium_to_float32_rounding() {
    let r = reference();
    let mut starts = Vec::new();
    let mut actions = Vec::new();
    let mut expected = Vec::new();
    for t in &r.trajectories {
        let mut prev = t.initial_state;
        for (i, s) in t.states.iter().enumerate() {
            starts.push(f32s(&prev));
            actions.push(t.actions[i] as f32);
            expected.push((f32s(s), t.terminated[i]));
            prev = *s;
        }
    }
    let mut env = env_from_states(&starts);
    let step = env.step(&actions).expect("step");
    let mut worst = 0.0_f32;
    for (w, (want, term)) in expected.iter().enumerate() {
        for k in 0..4 {
            let got = step.obs[w * 4 + k];
            let tol = step_tol(starts[w][k], want[k], 8.0);
            let err = (got - want[k]).abs();
            worst = worst.max(err / tol * 8.0);
            assert!(
                err <= tol,
                "world {w} component {k}: got {got}, Gymnasium {}",
                want[k]
            );
        }
        assert_eq!(step.terminated[w], *term, "world {w}: terminated differs");
    }
    eprintln!(
        "one step: {} transitions, worst error {worst:.2} ulp",
        expected.len()
    );
}

/// Whole trajectories, replayed from Gymnasium's initial states with its actions, up to and
/// including the first termination. The pole is unstable, so any float32 evaluation drifts
/// from the float64 one, and the drift grows along the trajectory. The envelope is what a
/// plain float32 evaluation of Gymnasium's formula does (the CPU reference, no fused
/// multiply-adds): the GPU must stay within 4 times that envelope's running maximum plus
/// 8 ulp of the largest magnitude the component has had so far (the one-step bound).
/// Termination must happen on exactly the same step.
#[test]
fn trajectories_match_gymnasium_up_to_termination() {
    let model = CartpoleModel::gymnasium();
    let r = reference();
    let starts: Vec<[f32; 4]> = r
        .trajectories
        .iter()
        .map(|t| f32s(&t.initial_state))
        .collect();
    let mut env = env_from_states(&starts);
    let n = starts.len();
    let mut cpu = starts.clone();
    let mut envelope = vec![[0.0_f32; 4]; n];
    let mut magnitude: Vec<[f32; 4]> = starts.iter().map(|s| s.map(f32::abs)).collect();
    let longest = r.trajectories.iter().map(|t| t.states.len()).max().unwrap();
    let (mut worst_gpu, mut worst_cpu) = (0.0_f32, 0.0_f32);
    for i in 0..longest {
        let actions: Vec<f32> = r
            .trajectories
            .iter()
            .map(|t| *t.actions.get(i).unwrap_or(&0) as f32)
            .collect();
        let step = env.step(&actions).expect("step");
        for (w, t) in r.trajectories.iter().enumerate() {
            if i >= t.states.len() {
                continue;
            }
            cpu[w] = cartpole::reference_dynamics(&model, cpu[w], actions[w]);
            let want = f32s(&t.states[i]);
            for k in 0..4 {
                envelope[w][k] = envelope[w][k].max((cpu[w][k] - want[k]).abs());
                magnitude[w][k] = magnitude[w][k].max(want[k].abs());
                worst_cpu = worst_cpu.max((cpu[w][k] - want[k]).abs());
                let got = step.obs[w * 4 + k];
                worst_gpu = worst_gpu.max((got - want[k]).abs());
                let tol = 4.0 * envelope[w][k] + step_tol(magnitude[w][k], want[k], 8.0);
                assert!(
                    (got - want[k]).abs() <= tol,
                    "trajectory {w} (seed {}) step {i} component {k}: got {got}, Gymnasium {}, float32 envelope {}",
                    t.seed,
                    want[k],
                    envelope[w][k]
                );
            }
            assert_eq!(
                step.terminated[w], t.terminated[i],
                "trajectory {w} step {i}: terminated differs"
            );
        }
    }
    eprintln!(
        "trajectories: {n} replayed, up to {longest} steps; worst |GPU - Gymnasium| {worst_gpu:e}, worst |CPU f32 - Gymnasium| {worst_cpu:e}"
    );
}

/// The GPU kernel against its CPU reference, one step at a time from the GPU's own state,
/// in every autoreset mode, with random actions. Tolerance: 8 ulp of the larger magnitude
/// before and after the step (for velocities, at least τ times the size of the
/// acceleration terms), since the GPU compiler may fuse multiply-adds (WGSL allows it) and
/// Rust does not. Flags, clocks and rewards must match exactly, except for worlds whose state sits
/// within that tolerance of a termination threshold (counted, and required to be rare).
#[test]
fn kernel_matches_cpu_reference_in_every_mode() {
    let model = CartpoleModel::gymnasium();
    let n = 512;
    for mode in [
        AutoresetMode::NextStep,
        AutoresetMode::SameStep,
        AutoresetMode::Disabled,
    ] {
        let mut env = cartpole::make(gpu(), &EnvConfig::new(n).autoreset(mode)).expect("build");
        let seed = 99;
        env.reset(seed).expect("reset");
        let mut borderline = 0;
        for t in 0..120 {
            let before = env.get_state(Worlds::All).expect("get_state");
            let actions = discrete_actions(n, 2, t, 5);
            env.poison_outputs();
            let step = env.step(&actions).expect("step");
            let (obs, rewards, flags) = (
                step.obs.to_vec(),
                step.rewards.to_vec(),
                step.flags.to_vec(),
            );
            let final_obs = step.final_obs.map(|f| f.to_vec());
            let after = env.get_state(Worlds::All).expect("get_state");
            let params = StepParams {
                mode: MODE_STEP,
                steps: 1,
                autoreset: autoreset_code(mode),
                num_worlds: n as u32,
                key: [0; 4],
            };
            for w in 0..n {
                let s0: [f32; 4] = before.state[w * 4..w * 4 + 4].try_into().unwrap();
                let want = reference_world_step(
                    &model,
                    &params,
                    seed,
                    w as u32,
                    actions[w],
                    s0,
                    before.clocks[w],
                );
                let got: [f32; 4] = obs[w * 4..w * 4 + 4].try_into().unwrap();
                // Velocities get τ·|acceleration terms| as a second scale: when g·sinθ and
                // cosθ·temp nearly cancel, the rounding of those terms (not of the result)
                // is what remains.
                let accel = (model.gravity
                    + (model.force_mag + model.polemass_length * s0[3] * s0[3]) / model.total_mass)
                    / (model.length * (model.four_thirds - model.masspole / model.total_mass));
                let close = |a: [f32; 4], b: [f32; 4]| {
                    (0..4).all(|k| {
                        let floor = if k % 2 == 1 { model.tau * accel } else { 0.0 };
                        (a[k] - b[k]).abs() <= step_tol(s0[k].abs().max(floor), b[k], 8.0)
                    })
                };
                let near_threshold = (want.final_obs[0].abs() - model.x_threshold).abs() < 1e-6
                    || (want.final_obs[2].abs() - model.theta_threshold).abs() < 1e-6;
                if flags[w] != want.flags && near_threshold {
                    borderline += 1;
                    continue;
                }
                assert_eq!(flags[w], want.flags, "{mode:?} step {t} world {w}: flags");
                assert_eq!(
                    rewards[w].to_bits(),
                    want.reward.to_bits(),
                    "{mode:?} step {t} world {w}: reward"
                );
                assert_eq!(
                    after.clocks[w], want.clock,
                    "{mode:?} step {t} world {w}: clock"
                );
                assert!(
                    close(got, want.state),
                    "{mode:?} step {t} world {w}: obs {got:?} vs {:?}",
                    want.state
                );
                if let Some(f) = &final_obs {
                    let f: [f32; 4] = f[w * 4..w * 4 + 4].try_into().unwrap();
                    assert!(
                        close(f, want.final_obs),
                        "{mode:?} step {t} world {w}: final_obs"
                    );
                }
            }
        }
        assert!(
            borderline <= 2,
            "{mode:?}: {borderline} flag differences at a threshold"
        );
    }
}

fn autoreset_code(mode: AutoresetMode) -> u32 {
    match mode {
        AutoresetMode::NextStep => manyworlds::layout::AUTORESET_NEXT_STEP,
        AutoresetMode::SameStep => manyworlds::layout::AUTORESET_SAME_STEP,
        AutoresetMode::Disabled => manyworlds::layout::AUTORESET_DISABLED,
    }
}

/// Pushes every world right until it terminates; returns the step index of termination
/// per world (always within 100 steps for CartPole).
fn run_until_all_terminated(env: &mut dyn VecEnv) -> Vec<usize> {
    let n = env.num_worlds();
    let mut first = vec![usize::MAX; n];
    for t in 0..100 {
        let step = env.step(&vec![1.0; n]).expect("step");
        for w in 0..n {
            if step.terminated[w] && first[w] == usize::MAX {
                first[w] = t;
            }
        }
        if first.iter().all(|&f| f != usize::MAX) {
            return first;
        }
    }
    panic!("pushing right did not terminate every world within 100 steps");
}

/// Next-step autoreset, exactly as Gymnasium's vector envs: the terminating step returns the
/// terminal observation, reward 1 and terminated; the next step ignores the action, resets,
/// and returns the new episode's first observation with reward 0 and both flags false.
#[test]
fn next_step_autoreset_returns_terminal_obs_then_resets() {
    let model = CartpoleModel::gymnasium();
    let seed = 3;
    let mut env = cartpole::make(gpu(), &EnvConfig::new(8)).expect("build");
    env.reset(seed).expect("reset");
    let first = run_until_all_terminated(&mut env);
    // Step world by world to each world's termination again, on a fresh env.
    let mut env = cartpole::make(gpu(), &EnvConfig::new(8)).expect("build");
    env.reset(seed).expect("reset");
    let last = *first.iter().max().unwrap();
    for t in 0..=last + 1 {
        let step = env.step(&[1.0; 8]).expect("step");
        for w in 0..8 {
            let o = &step.obs[w * 4..w * 4 + 4];
            if t == first[w] {
                assert!(
                    step.terminated[w] && !step.truncated[w],
                    "world {w} step {t}"
                );
                assert_eq!(step.rewards[w], 1.0, "the terminating step earns 1");
                assert!(
                    o[0].abs() > model.x_threshold || o[2].abs() > model.theta_threshold,
                    "terminal obs {o:?}"
                );
            } else if t == first[w] + 1 {
                assert_eq!(
                    step.flags[w], FLAG_RESET,
                    "world {w}: the step after termination resets"
                );
                assert_eq!(step.rewards[w], 0.0);
                assert!(!step.terminated[w] && !step.truncated[w]);
                let want = reference_reset(&model, seed, w as u32, 1);
                for k in 0..4 {
                    assert!(
                        (o[k] - want[k]).abs() <= 1e-8,
                        "world {w}: reset obs {o:?} vs {want:?}"
                    );
                    assert!(o[k].abs() <= 0.05);
                }
            }
        }
    }
}

/// Same-step autoreset: the terminating step returns the next episode's first observation
/// with reward 1 and terminated, and `final_obs` holds the terminal observation, which is
/// bit for bit the one next-step mode returns on that step.
#[test]
fn same_step_autoreset_keeps_the_final_observation() {
    let model = CartpoleModel::gymnasium();
    let seed = 11;
    let n = 8;
    let mut next = cartpole::make(gpu(), &EnvConfig::new(n)).expect("build");
    let mut same = cartpole::make(gpu(), &EnvConfig::new(n).autoreset(AutoresetMode::SameStep))
        .expect("build");
    next.reset(seed).expect("reset");
    same.reset(seed).expect("reset");
    let mut seen = vec![false; n];
    for t in 0..100 {
        let a = next.step(&vec![1.0; n]).expect("step");
        let (a_obs, a_term) = (a.obs.to_vec(), a.terminated.to_vec());
        let b = same.step(&vec![1.0; n]).expect("step");
        let final_obs = b.final_obs.expect("same-step mode has final_obs");
        for w in 0..n {
            if seen[w] {
                continue;
            }
            assert_eq!(b.terminated[w], a_term[w], "world {w} step {t}");
            assert_eq!(
                bits(&final_obs[w * 4..w * 4 + 4]),
                bits(&a_obs[w * 4..w * 4 + 4]),
                "final_obs of world {w}"
            );
            if a_term[w] {
                seen[w] = true;
                assert_eq!(b.rewards[w], 1.0);
                assert_eq!(b.flags[w], FLAG_TERMINATED | FLAG_RESET);
                let want = reference_reset(&model, seed, w as u32, 1);
                for k in 0..4 {
                    assert!(
                        (b.obs[w * 4 + k] - want[k]).abs() <= 1e-8,
                        "world {w}: reset obs"
                    );
                }
            } else {
                assert_eq!(
                    bits(&b.obs[w * 4..w * 4 + 4]),
                    bits(&a_obs[w * 4..w * 4 + 4])
                );
            }
        }
        if seen.iter().all(|&s| s) {
            return;
        }
    }
    panic!("not every world terminated");
}

/// Truncation at 500 steps: a balanced pole at step 499 is truncated (not terminated) on
/// its 500th step, and reset on the next (next-step mode).
#[test]
fn truncates_at_500_steps() {
    let mut env = cartpole::make(gpu(), &EnvConfig::new(2)).expect("build");
    env.reset(0).expect("reset");
    env.set_state(&WorldStates {
        state_dim: 4,
        worlds: vec![0, 1],
        state: vec![0.0; 8],
        clocks: vec![
            WorldClock::new(499, 0, false),
            WorldClock::new(498, 0, false),
        ],
    })
    .expect("set_state");
    let s = env.step(&[0.0, 1.0]).expect("step");
    assert_eq!(s.flags, &[FLAG_TRUNCATED, 0]);
    assert_eq!(s.rewards, &[1.0, 1.0]);
    let s = env.step(&[0.0, 1.0]).expect("step");
    assert_eq!(s.flags, &[FLAG_RESET, FLAG_TRUNCATED]);
    assert_eq!(s.rewards, &[0.0, 1.0]);
    let st = env.get_state(Worlds::Some(&[0])).expect("get_state");
    assert_eq!(st.clocks[0], WorldClock::new(0, 1, false));
}

/// With autoreset off, dynamics continue past termination, `terminated` follows the state,
/// and steps after the first termination earn 0, as Gymnasium's unwrapped env.
#[test]
fn disabled_autoreset_keeps_integrating_with_zero_reward() {
    let mut env = cartpole::make(gpu(), &EnvConfig::new(1).autoreset(AutoresetMode::Disabled))
        .expect("build");
    env.reset(5).expect("reset");
    let mut terminated_at = None;
    for t in 0..60 {
        let s = env.step(&[1.0]).expect("step");
        match terminated_at {
            None if s.terminated[0] => {
                terminated_at = Some(t);
                assert_eq!(s.rewards[0], 1.0);
            }
            None => assert_eq!(s.rewards[0], 1.0),
            Some(_) => {
                assert_eq!(s.rewards[0], 0.0);
                assert_eq!(s.flags[0] & FLAG_RESET, 0, "never resets");
            }
        }
    }
    assert!(terminated_at.is_some());
}

/// get_state / set_state round-trip a subset of worlds bit for bit, leave the others
/// alone, and reject bad requests without touching anything.
#[test]
fn state_round_trip_and_rejections() {
    let n = 16;
    let mut env = cartpole::make(gpu(), &EnvConfig::new(n)).expect("build");
    env.reset(1).expect("reset");
    for t in 0..7 {
        env.step(&discrete_actions(n, 2, t, 1)).expect("step");
    }
    let snap = env.get_state(Worlds::Some(&[3, 9])).expect("get_state");
    let all_before = env.get_state(Worlds::All).expect("get_state");
    let mut later = Vec::new();
    for t in 7..20 {
        later.push(
            env.step(&discrete_actions(n, 2, t, 1))
                .expect("step")
                .obs
                .to_vec(),
        );
    }
    env.set_state(&snap).expect("set_state");
    let now = env.get_state(Worlds::Some(&[3, 9])).expect("get_state");
    assert_eq!(bits(&now.state), bits(&snap.state));
    assert_eq!(now.clocks, snap.clocks);
    assert_eq!(
        bits(&env.observations()[12..16]),
        bits(&snap.state[0..4]),
        "observations follow set_state"
    );
    // Replaying the same actions from the restored state reproduces worlds 3 and 9.
    let mut env2 = cartpole::make(gpu(), &EnvConfig::new(n)).expect("build");
    env2.reset(1).expect("reset");
    env2.set_state(&all_before).expect("set_state");
    for (i, t) in (7..20).enumerate() {
        let obs = env2.step(&discrete_actions(n, 2, t, 1)).expect("step").obs;
        assert_eq!(
            bits(obs),
            bits(&later[i]),
            "replay from a snapshot, step {t}"
        );
    }
    // Rejections.
    let before = env.get_state(Worlds::All).expect("get_state");
    let bad = |w: Vec<usize>, s: Vec<f32>, c: usize| WorldStates {
        state_dim: 4,
        worlds: w,
        state: s,
        clocks: vec![WorldClock::default(); c],
    };
    assert!(
        env.set_state(&bad(vec![16], vec![0.0; 4], 1)).is_err(),
        "world out of range"
    );
    assert!(
        env.set_state(&bad(vec![2, 2], vec![0.0; 8], 2)).is_err(),
        "duplicate world"
    );
    assert!(
        env.set_state(&bad(vec![2], vec![f32::NAN, 0.0, 0.0, 0.0], 1))
            .is_err(),
        "NaN state"
    );
    assert!(
        env.set_state(&bad(vec![2], vec![0.0; 3], 1)).is_err(),
        "short state"
    );
    assert!(env.get_state(Worlds::Some(&[99])).is_err());
    let after = env.get_state(Worlds::All).expect("get_state");
    assert_eq!(bits(&after.state), bits(&before.state));
}
