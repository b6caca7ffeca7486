//! Gymnasium 1.4.0's MuJoCo files step: stably on every file the loader compiles (CPU
//! reference, random controls), the same on the GPU as on the CPU reference where they
//! use the joint features that only they exercise (springs, soft limits started outside
//! their range, armature folded into a body and as a rotor), and, at rest, where MuJoCo
//! comes to rest. The files are not committed: `MANYWORLDS_GYMNASIUM_ASSETS` points at them
//! (`.ci/run` downloads them); without it these tests skip with a note, outside CI.

mod common;

use common::gymnasium_assets;

use common::gpu;
use manyworlds::env::scene::{make_scene, SceneConfig};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv};
use manyworlds::layout::physics::*;
use manyworlds::mjcf::{load_file, LoadOptions};
use manyworlds::sim::compile::{compile, Compiled, PhysicsOptions};
use manyworlds::sim::cpu::CpuBatch;
use manyworlds::sim::model::Model;

/// Files the loader compiles and steps stably under random controls.
const STEPPED: &[&str] = &[
    "reacher",
    "half_cheetah",
    "hopper",
    "swimmer",
    "inverted_pendulum",
    "inverted_double_pendulum",
    "humanoid",
    "humanoidstandup",
    "pusher",
    "pusher_v5",
    "point",
];
/// Files that step, but where a few worlds in 64 go non-finite within 1000 steps of
/// uniform random controls (an open defect, issue 16): ant.xml (3 of 64: the torso is spun
/// up while the legs push on the ground, see `reaction_share`), walker2d.xml (3 of 64) and
/// walker2d_v5.xml (2 of 64: legs driven far past their limits while the walker lies on
/// the ground). Before joint damping acted on the velocity that moves the bodies, these
/// were 5, 8 and 3. Their rate is bounded here so that it cannot grow unnoticed.
const FAULTY: &[(&str, usize)] = &[("ant", 4), ("walker2d", 4), ("walker2d_v5", 3)];
fn model(dir: &std::path::Path, name: &str) -> Model {
    let opts = LoadOptions { lenient: true };
    load_file(&dir.join(format!("{name}.xml")), &opts)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .model
}

/// Uniform controls in each actuator's control range ([-1, 1] where it has none), from a
/// fixed 64-bit LCG so that the test is reproducible.
fn controls(c: &Compiled, worlds: usize, state: &mut u64) -> Vec<f32> {
    let mut out = Vec::with_capacity(worlds * c.ctrl_range.len());
    for _ in 0..worlds {
        for r in &c.ctrl_range {
            *state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = (*state >> 40) as f32 / (1u64 << 24) as f32;
            let [lo, hi] = if r[0] < r[1] { *r } else { [-1.0, 1.0] };
            out.push(lo + (hi - lo) * t);
        }
    }
    out
}

/// Every stepped file, 16 worlds × 1000 steps of uniform random controls on the CPU
/// reference: no fault flag, every State word finite, every body within 100 m.
#[test]
fn every_gymnasium_file_steps_stably_under_random_controls() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    const WORLDS: usize = 16;
    for name in STEPPED {
        let c = compile(&model(&dir, name), &PhysicsOptions::default()).unwrap();
        let mut cpu = CpuBatch::new(&c, WORLDS);
        let mut rng = 7;
        for t in 0..1000 {
            let u = controls(&c, WORLDS, &mut rng);
            cpu.step(&u);
            for (w, f) in cpu.flags.iter().enumerate() {
                assert_eq!(*f, 0, "{name}: world {w} raised flags {f:#x} at step {t}");
            }
        }
        assert!(
            cpu.state.iter().all(|x| x.is_finite()),
            "{name}: non-finite"
        );
        for w in 0..WORLDS {
            for (p, _) in c.body_poses(&cpu.state[w * c.params.state_dim as usize..]) {
                assert!(p.length() < 100.0, "{name}: world {w} body at {p}");
            }
        }
    }
}

/// The files of [`FAULTY`]: 64 worlds × 1000 steps of uniform random controls on the CPU
/// reference fault in at most the measured number of worlds, and every other world stays
/// finite and within 100 m.
#[test]
fn faulty_gymnasium_files_fault_no_more_than_measured() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    const WORLDS: usize = 64;
    for (name, bound) in FAULTY {
        let c = compile(&model(&dir, name), &PhysicsOptions::default()).unwrap();
        let mut cpu = CpuBatch::new(&c, WORLDS);
        let mut rng = 7;
        let mut faulted = [false; WORLDS];
        for _ in 0..1000 {
            let u = controls(&c, WORLDS, &mut rng);
            cpu.step(&u);
            for (w, f) in cpu.flags.iter().enumerate() {
                faulted[w] |= *f != 0;
            }
        }
        let n = faulted.iter().filter(|f| **f).count();
        assert!(
            n <= *bound,
            "{name}: {n} of {WORLDS} worlds faulted (measured {bound})"
        );
        let sd = c.params.state_dim as usize;
        for w in (0..WORLDS).filter(|w| !faulted[*w]) {
            let row = &cpu.state[w * sd..(w + 1) * sd];
            assert!(row.iter().all(|x| x.is_finite()), "{name}: world {w}");
            for (p, _) in c.body_poses(row) {
                assert!(p.length() < 100.0, "{name}: world {w} body at {p}");
            }
        }
        eprintln!("{name}: {n} of {WORLDS} worlds faulted");
    }
}

/// Every model file of Gymnasium's assets folder is stepped by one of the tests above, so
/// that a file added to Gymnasium (or one the loader stops taking) cannot go unchecked.
#[test]
fn every_gymnasium_file_is_covered() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "xml") {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            assert!(
                STEPPED.contains(&name.as_str()) || FAULTY.iter().any(|(f, _)| *f == name),
                "{name}.xml is neither in STEPPED nor in FAULTY"
            );
        }
    }
}

/// The GPU kernel against the CPU reference on ant.xml (folded armature with its reaction
/// share; ankles that start 30° outside their range; geom margins) and half_cheetah.xml
/// (springs on every joint, soft limits), 8 worlds × 12 steps of random controls; and on
/// humanoid.xml (bodies on two and three hinges, their springs, dampers and motors), 3
/// steps within 2e-2 (measured worst 8.0e-3). Humanoid's light, heavily damped links
/// amplify any difference fast: on the CPU alone, 10⁻⁶ rad/s added to one thigh's angular
/// velocity grows to 1.5·10⁻³ rad/s within 2 steps, with or without hinge groups (its
/// waist and hips cut down to one hinge each), so the two cannot be compared for long;
/// a wrong axis or sign in a group would turn motor torques of up to 120 N·m on links of
/// 0.02 kg·m² the wrong way within the first step.
/// Tolerance 5e-3 + 2e-3 relative on qpos and qvel: the two agree to a few ulp per
/// operation, and contacts amplify that chaotically (measured worst over 25 steps: ant
/// 3.3e-3, hopper 5.0e-4; half_cheetah 1.2e-2 at step 15). The kernels are built without
/// private copies (bitwise the same results, see `SceneConfig::private_words`), which
/// compile in less than half the time on lavapipe.
#[test]
fn gpu_matches_the_cpu_reference_on_ant_half_cheetah_and_humanoid() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    const WORLDS: usize = 8;
    for (name, tol, steps) in [
        ("ant", 5e-3, 12),
        ("half_cheetah", 5e-3, 12),
        ("humanoid", 2e-2, 3),
    ] {
        let m = model(&dir, name);
        let c = compile(&m, &PhysicsOptions::default()).unwrap();
        let cfg = SceneConfig {
            max_episode_steps: 100_000,
            private_words: Some(0),
            ..SceneConfig::new(name)
        };
        let ecfg = EnvConfig::new(WORLDS).autoreset(AutoresetMode::Disabled);
        let mut e = make_scene(gpu(), &m, &cfg, &ecfg).unwrap();
        e.reset(0).unwrap();
        let mut cpu = CpuBatch::new(&c, WORLDS);
        if name == "humanoid" {
            // Aloft (torso at 3 m, 1.6 m higher than its file puts it, so nothing touches
            // for these steps), so that the hinge groups alone are compared.
            let mut qpos = m.qpos0();
            qpos[2] = 3.0;
            let qvel = vec![0.0; c.params.nv as usize];
            let all: Vec<usize> = (0..WORLDS).collect();
            e.set_qpos_qvel(&all, &qpos.repeat(WORLDS), &qvel.repeat(WORLDS))
                .unwrap();
            let row = c.state_from_qpos(&qpos, &qvel).unwrap();
            for w in 0..WORLDS {
                cpu.state[w * row.len()..(w + 1) * row.len()].copy_from_slice(&row);
            }
        }
        let od = c.params.obs_dim as usize;
        let mut rng = 11;
        let mut worst = 0.0_f32;
        for t in 0..steps {
            let u = controls(&c, WORLDS, &mut rng);
            e.poison_outputs();
            let step = e.step(&u).unwrap();
            assert!(
                step.flags
                    .iter()
                    .all(|f| f & (FLAG_NONFINITE | FLAG_ESCAPED) == 0),
                "{name}: GPU fault at step {t}"
            );
            let obs = step.obs.to_vec();
            cpu.step(&u);
            for w in 0..WORLDS {
                let o = cpu.observe(w);
                for k in 0..od {
                    let d = (o[k] - obs[w * od + k]).abs();
                    worst = worst.max(d);
                    assert!(
                        d <= tol + 2e-3 * o[k].abs(),
                        "{name} world {w} step {t} obs[{k}]: cpu {} gpu {}",
                        o[k],
                        obs[w * od + k]
                    );
                }
            }
        }
        eprintln!("{name}: worst |gpu - cpu| over {steps} steps: {worst:e}");
    }
}

/// `name` dropped from qpos0 at zero control for `steps` steps on the CPU reference, one
/// world: `each(t, obs)` sees the observation (qpos, qvel) after step t (from 1); returns
/// the compiled model and the last observation.
fn drop_at_zero_control(
    dir: &std::path::Path,
    name: &str,
    steps: usize,
    mut each: impl FnMut(usize, &[f32]),
) -> (Compiled, Vec<f32>) {
    let c = compile(&model(dir, name), &PhysicsOptions::default()).unwrap();
    let mut cpu = CpuBatch::new(&c, 1);
    let zero = vec![0.0; c.params.num_actuators as usize];
    for t in 1..=steps {
        cpu.step(&zero);
        each(t, &cpu.observe(0));
    }
    let o = cpu.observe(0);
    (c, o)
}

/// ant.xml at zero control from qpos0 comes to rest where MuJoCo 4.0 does: torso z
/// 0.38248 m with every ankle on its 30° limit (MuJoCo takes 20 s to get there, its heavy
/// armature slowly giving way; here 5 s). Within 1 cm and 0.01 rad, at rest after 30 s.
#[test]
fn ant_comes_to_rest_where_mujoco_does() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let (c, o) = drop_at_zero_control(&dir, "ant", 3000, |_, _| {});
    assert!(
        (o[2] - 0.38248).abs() < 0.01,
        "torso z {} vs MuJoCo 0.38248",
        o[2]
    );
    // qpos[8], [10], [12], [14]: the ankles, at ±30° (0.5236 rad).
    for k in [8, 10, 12, 14] {
        assert!(
            (o[k].abs() - std::f32::consts::FRAC_PI_6).abs() < 0.01,
            "ankle qpos[{k}] = {}",
            o[k]
        );
    }
    let nq = c.params.nq as usize;
    assert!(o[nq..].iter().all(|v| v.abs() < 0.01), "{:?}", &o[nq..]);
}

/// humanoid.xml dropped from its initial state at zero control (bodies on two and three
/// hinges, springs, limits) collapses and comes to rest where MuJoCo 4.0 does: torso z
/// 0.0851 m after 3000 steps (9 s) in MuJoCo, within 1 cm here. At 100 steps (0.3 s,
/// still falling), MuJoCo's torso is at 1.2791 m, within 1 cm here too. The heap's joint
/// angles depend on how it fell and are not compared. At rest its pose holds (every qpos
/// moves less than 0.05 over the last 0.6 s), but the velocities of the legs on the floor
/// alternate from substep to substep by up to ~0.4 rad/s where MuJoCo's are below 0.015:
/// the springs' impulse each substep is taken back by one Gauss-Seidel pass of joints,
/// limits and contacts that does not quite converge (an open defect, issue 16).
#[test]
fn humanoid_comes_to_rest_where_mujoco_does() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let mut before = Vec::new();
    let (c, o) = drop_at_zero_control(&dir, "humanoid", 3000, |t, o| {
        if t == 100 {
            assert!((o[2] - 1.2791).abs() < 0.01, "torso z {} at 0.3 s", o[2]);
        }
        if t == 2800 {
            before = o.to_vec();
        }
    });
    let nq = c.params.nq as usize;
    assert!(
        (o[2] - 0.0851).abs() < 0.01,
        "torso z {} vs MuJoCo 0.0851",
        o[2]
    );
    let moved = (0..nq)
        .map(|k| (o[k] - before[k]).abs())
        .fold(0.0, f32::max);
    assert!(moved < 0.05, "qpos moved {moved} in the last 0.6 s");
    assert!(o[nq..].iter().all(|v| v.abs() < 1.0), "{:?}", &o[nq..]);
    eprintln!("humanoid: torso z {}, qpos moved {moved}", o[2]);
}

/// half_cheetah.xml dropped from its initial state at zero control comes to rest where
/// MuJoCo 4.0 does (Gymnasium's file, 10 s): root z −0.1324 m and pitch 0.0521 rad in
/// MuJoCo; within 1 cm and 0.01 rad here. Its springs hold it up: without them it
/// folded 1.09 rad away at the shin.
#[test]
fn half_cheetah_comes_to_rest_where_mujoco_does() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let (c, o) = drop_at_zero_control(&dir, "half_cheetah", 1000, |_, _| {});
    // MuJoCo 4.0.0, mj_step × 1000 from qpos0 (scripts/compare_mujoco_trajectory.py).
    let mujoco = [
        -0.1324_f32,
        0.0521,
        0.0342,
        0.0679,
        -0.0139,
        -0.0589,
        -0.1400,
        -0.1310,
    ];
    assert!(
        (o[1] - mujoco[0]).abs() < 0.01,
        "root z {} vs {}",
        o[1],
        mujoco[0]
    );
    for (k, m) in mujoco.iter().enumerate().skip(1) {
        assert!(
            (o[1 + k] - m).abs() < 0.01,
            "qpos[{}] {} vs MuJoCo {m}",
            1 + k,
            o[1 + k]
        );
    }
    // Nearly at rest: every velocity below 5 cm/s or 0.05 rad/s (a residual jitter of
    // about 0.02 rad/s remains in the feet's contacts).
    let nq = c.params.nq as usize;
    assert!(o[nq..].iter().all(|v| v.abs() < 0.05), "{:?}", &o[nq..]);
}

// ---- The joint features on hand-made scenes, against closed forms (CPU reference) ----

use glam::{Quat, Vec3};
use manyworlds::sim::builder::{SceneBuilder, Shape};

/// A 1 kg, 0.6 m bar on a z hinge at one end, no gravity: its moment about the hinge is
/// m (L² + w²) / 12 + m (L/2)² = 0.1208 kg·m² (w = 0.1 m).
fn bar(stiffness: f32, armature: f32) -> (Model, f32) {
    let mut s = SceneBuilder::new("bar");
    s.gravity(Vec3::ZERO);
    let b = s.body(0, Vec3::ZERO, Quat::IDENTITY);
    let j = s.hinge(b, Vec3::ZERO, Vec3::Z);
    s.geom(
        b,
        Shape::Box {
            half: Vec3::new(0.3, 0.05, 0.05),
        },
    )
    .mass(1.0)
    .pose(Vec3::new(0.3, 0.0, 0.0), Quat::IDENTITY);
    s.motor(j, 1.0, [-100.0, 100.0]);
    let mut m = s.build().unwrap();
    m.joints[j].stiffness = stiffness;
    m.joints[j].armature = armature;
    (m, (0.36 + 0.01) / 12.0 + 0.09)
}

/// Steps world 0 with control `u` and returns (q, qd) after each step.
fn run(c: &Compiled, u: f32, steps: usize) -> Vec<(f32, f32)> {
    let mut cpu = CpuBatch::new(c, 1);
    let nq = c.params.nq as usize;
    (0..steps)
        .map(|_| {
            cpu.step(&[u]);
            let o = cpu.observe(0);
            (o[0], o[nq])
        })
        .collect()
}

/// A spring's period is 2π √((I + armature) / k) within 1%, without armature and with
/// 0.1 kg·m² of it.
#[test]
fn springs_and_armature_give_the_closed_form_period() {
    for arm in [0.0_f32, 0.1] {
        let k = 10.0_f32;
        let (m, i) = bar(k, arm);
        let c = compile(&m, &PhysicsOptions::default()).unwrap();
        let period = std::f32::consts::TAU * ((i + arm) / k).sqrt();
        let dt = m.option.timestep;
        // A 1 N·m kick for one step, then free: the time between downward zero crossings.
        let mut cpu = CpuBatch::new(&c, 1);
        cpu.step(&[1.0]);
        let steps = (3.0 * period / dt) as usize;
        let mut crossings = Vec::new();
        let mut last = cpu.observe(0)[0];
        for t in 1..steps {
            cpu.step(&[0.0]);
            let q = cpu.observe(0)[0];
            if last > 0.0 && q <= 0.0 {
                crossings.push(t as f32 * dt);
            }
            last = q;
        }
        assert!(crossings.len() >= 2, "armature {arm}: {crossings:?}");
        let measured = crossings[1] - crossings[0];
        assert!(
            (measured / period - 1.0).abs() < 0.01,
            "armature {arm}: period {measured} s, closed form {period} s"
        );
    }
}

/// Dry friction (frictionloss 0.5 N·m): a 0.4 N·m torque does not turn the bar; 1.5 N·m
/// turns it at (1.5 − 0.5) / I rad/s², within 1%.
#[test]
fn frictionloss_holds_below_and_slips_above_its_torque() {
    let (mut m, i) = bar(0.0, 0.0);
    m.joints[0].frictionloss = 0.5;
    let c = compile(&m, &PhysicsOptions::default()).unwrap();
    let dt = m.option.timestep;
    let held = run(&c, 0.4, 50);
    assert!(
        held.iter().all(|(q, _)| q.abs() < 1e-6),
        "{:?}",
        held.last()
    );
    let slip = run(&c, 1.5, 50);
    let a = slip[49].1 / (50.0 * dt);
    assert!(
        (a / (1.0 / i) - 1.0).abs() < 0.01,
        "a = {a}, expected {}",
        1.0 / i
    );
}

/// A hinge that starts 0.3 rad below its range [0.3, 1.0] is thrown back as MuJoCo's
/// default soft limit throws it (solreflimit 0.02 s): MuJoCo 4.0 (dt 0.01 s, Euler) reaches
/// 7.5 rad/s in its first step, crosses the range, bounces off the upper limit and comes
/// back at 1.25 rad/s. Here: a peak within 5–9 rad/s, not reached in one substep (not a
/// hard projection), then the same bounce (measured: 6.09 and 0.95 rad/s).
#[test]
fn a_violated_limit_is_thrown_back_as_mujoco_throws_it() {
    let (mut m, _) = bar(0.0, 0.0);
    m.joints[0].range = Some([0.3, 1.0]);
    let c = compile(&m, &PhysicsOptions::default()).unwrap();
    let tr = run(&c, 0.0, 30);
    let peak = tr.iter().map(|x| x.1).fold(f32::MIN, f32::max);
    assert!((5.0..9.0).contains(&peak), "peak {peak} rad/s");
    assert!(
        tr[0].1 < peak,
        "the first step already at the peak: {:?}",
        tr[0]
    );
    let (q, qd) = tr[29];
    assert!(
        (0.3..1.05).contains(&q) && (-1.6..-0.5).contains(&qd),
        "{q} {qd}"
    );
}

// ---- Trajectories against MuJoCo ----

/// Per file: the raw steps compared and the tolerance on every qpos coordinate (m or rad;
/// a free joint's orientation as the angle between the two rotations). MuJoCo integrates
/// Gymnasium's files with RK4 in float64, with soft contacts and joint-space armature;
/// this engine is substepped XPBD in float32 with hard contacts and armature folded into
/// the driven link. The horizons are how long the two agree within 0.05 today (measured:
/// the test prints each file's worst error and the first steps beyond 0.01 and 0.05).
/// Geared chains of parallel hinges (half_cheetah, ant, reacher) part within 30–60 ms
/// under actuation: a folded rotor turns with its link's absolute rotation, so each
/// parent's degree of freedom also carries its children's armature, where MuJoCo's
/// armature sits on the joint's own, relative, degree of freedom. That is the open
/// defect these horizons measure. Humanoid (bodies on two and three hinges) tracks for
/// 18 steps (54 ms). Measured by hand with its armature removed from both (MuJoCo's file
/// edited the same way): at zero control it tracks within 0.004 rad for 100 steps (0.3
/// s), so its hinge groups, springs, damping and limits follow MuJoCo's; under the sine
/// controls it parts after 17 steps at the default 4 substeps and converges to MuJoCo's
/// trajectory as the substeps shrink (a single hip motor: within 0.007 rad over 60 steps
/// at 64 substeps), the solver's first-order error in the substep.
const HORIZONS: &[(&str, usize, f32)] = &[
    ("hopper", 60, 0.05),
    ("walker2d", 25, 0.05),
    ("half_cheetah", 3, 0.05),
    ("ant", 6, 0.05),
    ("reacher", 6, 0.05),
    ("inverted_pendulum", 50, 0.03),
    ("inverted_double_pendulum", 50, 0.015),
    ("humanoid", 18, 0.05),
    ("pusher_v5", 11, 0.05),
];

/// From MuJoCo's start state (set through `Compiled::state_from_qpos`) under MuJoCo's
/// controls, qpos tracks MuJoCo's trajectory (`scripts/make_gymnasium_trajectories.py`)
/// within each file's tolerance over its horizon.
#[test]
fn trajectories_track_mujoco_from_the_same_state_under_the_same_controls() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let text = std::fs::read_to_string("tests/data/gymnasium_trajectories_mujoco.json").unwrap();
    let refs: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    for (name, horizon, tol) in HORIZONS {
        let r = &refs["files"][name];
        let m = model(&dir, name);
        let c = compile(&m, &PhysicsOptions::default()).unwrap();
        let mut cpu = CpuBatch::new(&c, 1);
        let state = c
            .state_from_qpos(&floats(&r["qpos0"]), &floats(&r["qvel0"]))
            .unwrap();
        cpu.state.copy_from_slice(&state);
        let free: Vec<usize> = c
            .joints
            .iter()
            .filter(|j| j.kind == manyworlds::sim::model::JointKind::Free)
            .map(|j| j.qadr)
            .collect();
        let mut worst = (0.0_f32, 0usize, 0usize);
        let mut first = [usize::MAX; 2];
        for t in 0..*horizon {
            cpu.step(&floats(&r["ctrl"][t]));
            let ours = cpu.observe(0);
            let theirs = floats(&r["qpos"][t]);
            let mut k = 0;
            while k < theirs.len() {
                let d = if let Some(&a) = free.iter().find(|&&a| a + 3 == k) {
                    let q =
                        |v: &[f32]| glam::Quat::from_xyzw(v[a + 4], v[a + 5], v[a + 6], v[a + 3]);
                    let dot = q(&ours).dot(q(&theirs)).abs().min(1.0);
                    k += 4;
                    2.0 * dot.acos()
                } else {
                    k += 1;
                    (ours[k - 1] - theirs[k - 1]).abs()
                };
                if d > worst.0 {
                    worst = (d, t + 1, k - 1);
                }
                for (f, lim) in first.iter_mut().zip([0.01_f32, 0.05]) {
                    if d > lim && *f == usize::MAX {
                        *f = t + 1;
                    }
                }
            }
        }
        eprintln!(
            "{name}: worst |Δqpos| {:.4} at step {} (coordinate {}) over {horizon} steps of {} s; first beyond 0.01 / 0.05 at steps {:?}",
            worst.0, worst.1, worst.2, r["timestep"], first
        );
        assert!(worst.0 <= *tol, "{name}: {worst:?} exceeds {tol}");
    }
}
