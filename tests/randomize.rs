//! Domain randomization: distributions, every field's effect, determinism, reset-only
//! changes, ADR. All on the GPU (lavapipe in CI).

mod common;

use common::gpu;
use manyworlds::env::scene::{self, SceneEnv};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv};
use manyworlds::layout::randomize::{DIST_LOGUNIFORM, DIST_NORMAL, DIST_UNIFORM, RAND_BLOCK};
use manyworlds::layout::FLAG_RESET;
use manyworlds::randomize::spec::FieldGroup;
use manyworlds::randomize::{sample, AdrConfig, AdrSignal, Dist, Entry, Field, Mode, Spec};
use manyworlds::render::{Outputs, RenderConfig};
use manyworlds::shared::rng::{rng_block, rng_key};

const PROBE: &str = include_str!("data/probe.xml");

// Observation layout of the probe scene: qpos (cart, wheel, ball x y z qw qx qy qz,
// puck_x, puck_z), then qvel (cart, wheel, ball vx vy vz wx wy wz, puck_x, puck_z).
const CART_Q: usize = 0;
const BALL_Z: usize = 4;
const BALL_QUAT: usize = 5;
const BALL_X: usize = 2;
const PUCK_X: usize = 9;
const CART_V: usize = 11;
const WHEEL_V: usize = 12;
const OBS: usize = 21;

fn probe(spec: Option<Spec>, worlds: usize, render: bool) -> SceneEnv {
    let mut cfg = EnvConfig::new(worlds);
    cfg.randomize = spec;
    if render {
        cfg.render = Some(RenderConfig::new(64, 64).outputs(Outputs {
            rgb: true,
            depth: true,
            seg: false,
        }));
    }
    scene::make_mjcf(
        gpu(),
        PROBE,
        "tests/data/probe.xml",
        false,
        &common::generic_config("probe"),
        &cfg,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Resets with `seed`, then runs `steps` steps with the same action in every world;
/// returns the observations after the reset and after each step.
fn run(env: &mut SceneEnv, steps: usize, action: [f32; 2]) -> Vec<Vec<f32>> {
    let n = env.num_worlds();
    let mut out = vec![env.reset(11).unwrap().to_vec()];
    let actions: Vec<f32> = (0..n).flat_map(|_| action).collect();
    for _ in 0..steps {
        out.push(env.step(&actions).unwrap().obs.to_vec());
    }
    out
}

fn one(field: Field, targets: &[&str], value: &[f32]) -> Spec {
    Spec::new().entry(Entry::new(
        field,
        targets,
        Dist::choice(vec![value.to_vec()]),
    ))
}

fn close(a: f32, b: f32, tol: f32, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tolerance {tol})");
}

// ---- Distributions: 65,536 GPU draws each ----

/// Φ, the standard normal CDF (Abramowitz and Stegun 7.1.26 erf, |error| < 1.5e-7).
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-z * z).exp();
    let erf = if x >= 0.0 { y } else { -y };
    0.5 * (1.0 + erf)
}

/// The Kolmogorov–Smirnov statistic of `xs` against `cdf`.
fn ks(xs: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = xs.len() as f64;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// 65,536 draws of `dist` on the GPU: `option.gravity` (three components, each its own
/// draw, recorded as drawn) at the first reset of 21,846 cart-pole worlds.
fn gpu_draws(dist: Dist) -> Vec<f64> {
    let spec = Spec::new().entry(Entry::new(Field::OptionGravity, &[], dist));
    let mut cfg = EnvConfig::new(21_846);
    cfg.randomize = Some(spec);
    let mut env = manyworlds::env::make(gpu(), "cartpole-rigid", &cfg).unwrap();
    env.reset(5).unwrap();
    let p = env.randomized_params().unwrap().unwrap();
    let mut v: Vec<f64> = (0..p.num_worlds())
        .flat_map(|w| p.value(w, 0).to_vec())
        .map(f64::from)
        .collect();
    v.truncate(65_536);
    v
}

fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0),
    )
}

/// KS critical value at significance 0.001 for n = 65,536: 1.949 / √n.
const KS_CRITICAL: f64 = 1.949 / 256.0;

/// Mean within 5 standard errors (σ/√n = σ/256) and variance within 5 standard errors of
/// the sample variance (σ²·√(2/n) for a normal, less for bounded distributions).
fn check_moments(v: &[f64], mean: f64, var: f64, what: &str) {
    let (m, s2) = moments(v);
    let se_m = var.sqrt() / 256.0;
    assert!((m - mean).abs() < 5.0 * se_m, "{what}: mean {m} vs {mean}");
    let se_v = var * (2.0f64 / 65_536.0).sqrt();
    assert!(
        (s2 - var).abs() < 5.0 * se_v,
        "{what}: variance {s2} vs {var}"
    );
}

#[test]
fn distributions_match_mean_variance_and_ks() {
    // Uniform [0.2, 1.2).
    let mut u = gpu_draws(Dist::uniform(0.2, 1.2));
    assert_eq!(u.len(), 65_536);
    assert!(u.iter().all(|&x| (0.2..1.2).contains(&x)));
    check_moments(&u, 0.7, 1.0 / 12.0, "uniform");
    let d = ks(&mut u, |x| ((x - 0.2) / 1.0).clamp(0.0, 1.0));
    assert!(d < KS_CRITICAL, "uniform KS {d} >= {KS_CRITICAL}");

    // Log-uniform [0.5, 2): ln x uniform on [ln 0.5, ln 2).
    let mut l = gpu_draws(Dist::loguniform(0.5, 2.0));
    let (a, b) = (0.5f64.ln(), 2.0f64.ln());
    let mean = (2.0 - 0.5) / (b - a);
    let var = (4.0 - 0.25) / (2.0 * (b - a)) - mean * mean;
    check_moments(&l, mean, var, "loguniform");
    let d = ks(&mut l, |x| ((x.ln() - a) / (b - a)).clamp(0.0, 1.0));
    assert!(d < KS_CRITICAL, "loguniform KS {d}");

    // Normal (1, 0.5).
    let mut g = gpu_draws(Dist::normal(1.0, 0.5, None));
    check_moments(&g, 1.0, 0.25, "normal");
    let d = ks(&mut g, |x| phi((x - 1.0) / 0.5));
    assert!(d < KS_CRITICAL, "normal KS {d}");

    // Normal (0, 1) clamped at 1.5σ: the clamp holds Φ(-1.5) of the mass at each end.
    let c = gpu_draws(Dist::normal(0.0, 1.0, Some(1.5)));
    assert!(c.iter().all(|x| x.abs() <= 1.5));
    let tail = c.iter().filter(|&&x| x == 1.5).count() as f64 / 65_536.0;
    let p = phi(-1.5);
    let se = (p * (1.0 - p) / 65_536.0).sqrt();
    assert!((tail - p).abs() < 5.0 * se, "clamped tail {tail} vs {p}");
    let mut inside: Vec<f64> = c.iter().copied().filter(|x| x.abs() < 1.5).collect();
    let mass = 1.0 - 2.0 * p;
    let d = ks(&mut inside, |x| (phi(x) - p) / mass);
    assert!(
        d < 1.949 / (inside.len() as f64).sqrt(),
        "clamped normal KS {d}"
    );

    // Choice of three values: each with probability 1/3 (a χ² test, 2 dof, p = 0.001).
    let ch = gpu_draws(Dist::choice(vec![vec![1.0], vec![2.0], vec![5.0]]));
    let counts = [1.0, 2.0, 5.0].map(|v| ch.iter().filter(|&&x| x == v).count() as f64);
    assert_eq!(counts.iter().sum::<f64>(), 65_536.0);
    let e = 65_536.0 / 3.0;
    let chi2: f64 = counts.iter().map(|c| (c - e) * (c - e) / e).sum();
    assert!(chi2 < 13.82, "choice χ² {chi2} (counts {counts:?})");
}

#[test]
fn gpu_draws_follow_the_rust_twin() {
    // World w's first-reset draw of slot 0 (draw index 0) is a pure function of
    // (seed, world, episode 0, draw index): recompute it on the host.
    let cases = [
        (
            Dist::uniform(-2.0, 3.0),
            DIST_UNIFORM,
            -2.0f32,
            3.0f32,
            0.0f32,
            1e-6f32,
        ),
        (
            Dist::loguniform(0.1, 10.0),
            DIST_LOGUNIFORM,
            0.1,
            10.0,
            0.0,
            1e-5,
        ),
        (
            Dist::normal(0.5, 2.0, None),
            DIST_NORMAL,
            0.5,
            2.0,
            0.0,
            1e-5,
        ),
    ];
    for (dist, kind, a, b, clip, tol) in cases {
        let spec = Spec::new().entry(Entry::new(Field::OptionGravity, &[], dist));
        let mut cfg = EnvConfig::new(64);
        cfg.randomize = Some(spec);
        let mut env = manyworlds::env::make(gpu(), "cartpole-rigid", &cfg).unwrap();
        env.reset(99).unwrap();
        let p = env.randomized_params().unwrap().unwrap();
        let key = rng_key(99);
        for w in 0..64 {
            let u0 = rng_block(key, w as u32, 0, RAND_BLOCK);
            let u1 = rng_block(key, w as u32, 0, RAND_BLOCK + 1);
            for c in 0..3 {
                let host = sample::dist_draw(kind, a, b, clip, u0[c], u1[c]);
                let dev = p.value(w, 0)[c];
                assert!(
                    (host - dev).abs() <= tol * host.abs().max(1.0),
                    "kind {kind} world {w} component {c}: GPU {dev} vs Rust {host}"
                );
            }
        }
    }
}

// ---- Every field changes the dynamics or the image ----

/// The fields this file shows an effect for; a new field must be added here (and tested).
const TESTED: &[Field] = &[
    Field::GeomFriction,
    Field::GeomSizeScale,
    Field::GeomRestitution,
    Field::BodyMassScale,
    Field::JointDamping,
    Field::JointArmature,
    Field::ActuatorGain,
    Field::OptionGravity,
    Field::OptionTimestep,
    Field::BodyPos,
    Field::BodyQuat,
    Field::JointQpos,
    Field::JointQvel,
    Field::GeomRgba,
    Field::LightDir,
    Field::LightDiffuse,
    Field::CameraPos,
    Field::CameraFovy,
    Field::ObsNoiseStd,
    Field::DepthNoiseStd,
    Field::ActionNoiseStd,
    Field::ActionLatency,
];

#[test]
fn every_field_is_tested() {
    for f in Field::ALL {
        assert!(TESTED.contains(f), "{} has no effect test", f.name());
    }
}

#[test]
fn motor_dynamics_fields() {
    let base = run(&mut probe(None, 4, false), 20, [1.0, 1.0]);
    let dv = |o: &[Vec<f32>], i: usize| o[20][i] - o[0][i];
    // 1 N on 1 kg for 0.2 s.
    close(dv(&base, CART_V), 0.2, 0.002, "baseline cart Δv");
    // Doubling the mass halves the acceleration under a motor.
    let heavy = run(
        &mut probe(Some(one(Field::BodyMassScale, &["cart"], &[2.0])), 4, false),
        20,
        [1.0, 1.0],
    );
    close(
        dv(&heavy, CART_V) / dv(&base, CART_V),
        0.5,
        0.005,
        "mass ×2",
    );
    // Doubling the gain doubles it.
    let strong = run(
        &mut probe(Some(one(Field::ActuatorGain, &["cart"], &[2.0])), 4, false),
        20,
        [1.0, 1.0],
    );
    close(
        dv(&strong, CART_V) / dv(&base, CART_V),
        2.0,
        0.01,
        "gain ×2",
    );
    // Damping c = 2 N·s/m: v → (1 − e^{−ct/m}) F / c, 0.165 at 0.2 s.
    let damped = run(
        &mut probe(Some(one(Field::JointDamping, &["cart"], &[2.0])), 4, false),
        20,
        [1.0, 1.0],
    );
    let expect = (1.0 - (-0.4f32).exp()) / 2.0;
    close(
        dv(&damped, CART_V),
        expect,
        0.01 * expect + 0.002,
        "damping 2",
    );
    // Armature equal to the wheel's moment (m r² / 2 = 0.04) halves its acceleration.
    let geared = run(
        &mut probe(
            Some(one(Field::JointArmature, &["wheel"], &[0.04])),
            4,
            false,
        ),
        20,
        [1.0, 1.0],
    );
    close(
        dv(&geared, WHEEL_V) / dv(&base, WHEEL_V),
        0.5,
        0.01,
        "armature",
    );
    // Latency of 3 steps: the cart's velocity trace is the baseline's, 3 steps late.
    let late = run(
        &mut probe(Some(one(Field::ActionLatency, &[], &[3.0])), 4, false),
        12,
        [1.0, 1.0],
    );
    for k in 0..=12 {
        let expect = if k < 3 { 0.0 } else { base[k - 3][CART_V] };
        close(late[k][CART_V], expect, 1e-5, &format!("latency step {k}"));
    }
    // Action noise σ = 0.5 on a 1 N force: per-step Δv/dt − 1 has standard deviation 0.5.
    let noisy = run(
        &mut probe(Some(one(Field::ActionNoiseStd, &[], &[0.5])), 64, false),
        10,
        [1.0, 1.0],
    );
    let mut eps = Vec::new();
    for k in 1..=10 {
        for w in 0..64 {
            let a = (noisy[k][w * OBS + CART_V] - noisy[k - 1][w * OBS + CART_V]) / 0.01;
            eps.push(f64::from(a - 1.0));
        }
    }
    let (m, v) = moments(&eps);
    assert!(
        m.abs() < 0.1 && (v.sqrt() - 0.5).abs() < 0.06,
        "action noise: mean {m}, std {}",
        v.sqrt()
    );
}

#[test]
fn falling_ball_fields() {
    let base = run(&mut probe(None, 4, false), 120, [0.0, 0.0]);
    let fall = |o: &[Vec<f32>], k: usize| o[0][BALL_Z] - o[k][BALL_Z];
    // Free fall over 10 steps (0.1 s): g t² / 2 = 0.049 m, within the integrator's 3%.
    close(fall(&base, 10), 0.049, 0.002, "baseline fall");
    let light = run(
        &mut probe(
            Some(one(Field::OptionGravity, &[], &[0.0, 0.0, -4.905])),
            4,
            false,
        ),
        10,
        [0.0, 0.0],
    );
    close(
        fall(&light, 10) / fall(&base, 10),
        0.5,
        0.01,
        "half gravity",
    );
    // Twice the timestep: four times the distance in 10 steps (5% for the integrator).
    let slow = run(
        &mut probe(Some(one(Field::OptionTimestep, &[], &[0.02])), 4, false),
        10,
        [0.0, 0.0],
    );
    close(fall(&slow, 10) / fall(&base, 10), 4.0, 0.2, "timestep ×2");
    // Restitution 0.8 bounces the ball back up; 0 (the default) does not.
    let bouncy = run(
        &mut probe(
            Some(one(Field::GeomRestitution, &["ball", "floor"], &[0.8])),
            4,
            false,
        ),
        120,
        [0.0, 0.0],
    );
    let top_after = |o: &[Vec<f32>]| (60..=120).map(|k| o[k][BALL_Z]).fold(0.0f32, f32::max);
    assert!(
        top_after(&bouncy) > 0.4,
        "bounce top {}",
        top_after(&bouncy)
    );
    assert!(top_after(&base) < 0.15, "baseline top {}", top_after(&base));
    // Size ×2: the ball rests at its new radius, 0.2 m.
    let big = run(
        &mut probe(Some(one(Field::GeomSizeScale, &["ball"], &[2.0])), 4, false),
        120,
        [0.0, 0.0],
    );
    close(big[120][BALL_Z], 0.2, 0.01, "big ball resting height");
    close(base[120][BALL_Z], 0.1, 0.01, "ball resting height");
    // Initial pose.
    let placed = run(
        &mut probe(
            Some(one(Field::BodyPos, &["ball"], &[0.5, -0.5, 2.0])),
            4,
            false,
        ),
        0,
        [0.0, 0.0],
    );
    for c in 0..3 {
        close(placed[0][BALL_X + c], [0.5, -0.5, 2.0][c], 1e-6, "body.pos");
    }
    let h = std::f32::consts::FRAC_1_SQRT_2;
    let turned = run(
        &mut probe(
            Some(one(Field::BodyQuat, &["ball"], &[h, 0.0, 0.0, h])),
            4,
            false,
        ),
        0,
        [0.0, 0.0],
    );
    for (c, want) in [h, 0.0, 0.0, h].iter().enumerate() {
        close(turned[0][BALL_QUAT + c], *want, 1e-5, "body.quat");
    }
    close(turned[0][BALL_Z], 1.0, 1e-6, "body.quat keeps the position");
}

#[test]
fn joint_state_and_friction_fields() {
    // qpos and qvel of the cart.
    let at = run(
        &mut probe(Some(one(Field::JointQpos, &["cart"], &[0.3])), 4, false),
        0,
        [0.0, 0.0],
    );
    close(at[0][CART_Q], 0.3, 1e-6, "joint.qpos");
    let moving = run(
        &mut probe(Some(one(Field::JointQvel, &["cart"], &[1.5])), 4, false),
        10,
        [0.0, 0.0],
    );
    close(moving[0][CART_V], 1.5, 1e-5, "joint.qvel");
    close(moving[10][CART_Q], 0.15, 1e-3, "joint.qvel moves the cart");
    // Friction: the puck starts at 2 m/s and stops after v² / (2 μ g).
    let slide = |mu: f32| {
        let spec = Spec::new()
            .entry(Entry::new(
                Field::JointQvel,
                &["puck_x"],
                Dist::choice(vec![vec![2.0]]),
            ))
            .entry(Entry::new(
                Field::GeomFriction,
                &["puck"],
                Dist::choice(vec![vec![mu]]),
            ));
        let o = run(&mut probe(Some(spec), 4, false), 150, [0.0, 0.0]);
        o[150][PUCK_X] - o[0][PUCK_X]
    };
    for mu in [0.2f32, 0.5] {
        let d = slide(mu);
        let want = 4.0 / (2.0 * mu * 9.81);
        assert!(
            (d - want).abs() < 0.15 * want,
            "μ {mu}: slid {d} m, expected {want}"
        );
    }
}

#[test]
fn observation_noise_has_its_standard_deviation() {
    let base = run(&mut probe(None, 64, false), 5, [0.5, 0.5]);
    let noisy = run(
        &mut probe(Some(one(Field::ObsNoiseStd, &[], &[0.1])), 64, false),
        5,
        [0.5, 0.5],
    );
    // The dynamics are untouched (noise is on what the policy sees), so the difference
    // is the noise itself.
    let diff: Vec<f64> = (0..=5)
        .flat_map(|k| (0..64 * OBS).map(move |i| (k, i)))
        .map(|(k, i)| f64::from(noisy[k][i] - base[k][i]))
        .collect();
    let (m, v) = moments(&diff);
    assert!(
        m.abs() < 0.01 && (v.sqrt() - 0.1).abs() < 0.01,
        "obs noise mean {m} std {}",
        v.sqrt()
    );
}

#[test]
fn looks_fields_change_the_image_and_depth_noise_the_depth() {
    let images = |spec: Option<Spec>| {
        let mut env = probe(spec, 2, true);
        env.reset(3).unwrap();
        let im = env.render().unwrap().unwrap();
        (im.rgb(0).unwrap().to_vec(), im.depth(0).unwrap().to_vec())
    };
    let (rgb0, depth0) = images(None);
    assert!(depth0.iter().any(|&d| d > 0.0));
    let cases = [
        one(Field::GeomRgba, &["ball"], &[1.0, 0.0, 0.0, 1.0]),
        one(Field::LightDir, &["lamp"], &[1.0, 0.0, -0.2]),
        one(Field::LightDiffuse, &["lamp"], &[1.0, 1.0, 1.0]),
        Spec::new().entry(
            Entry::new(
                Field::CameraPos,
                &["eye"],
                Dist::choice(vec![vec![0.3, 0.0, 0.0]]),
            )
            .mode(Mode::Add),
        ),
        one(Field::CameraFovy, &["eye"], &[30.0]),
        one(Field::GeomSizeScale, &["ball"], &[1.5]),
    ];
    for spec in cases {
        let name = spec.entries[0].field.name();
        let (rgb, depth) = images(Some(spec));
        let changed = rgb.iter().zip(&rgb0).filter(|(a, b)| a != b).count();
        assert!(
            changed > 10,
            "{name}: only {changed} bytes of the image changed"
        );
        if matches!(name, "camera.pos" | "camera.fovy" | "geom.size_scale") {
            assert!(
                depth.iter().zip(&depth0).any(|(a, b)| a != b),
                "{name}: depth unchanged"
            );
        }
    }
    // Depth noise: surface pixels move by σ = 0.05 m; the background stays 0.
    let (rgb, depth) = images(Some(one(Field::DepthNoiseStd, &[], &[0.05])));
    assert_eq!(rgb, rgb0, "depth noise leaves the colours alone");
    let mut diff = Vec::new();
    for (a, b) in depth.iter().zip(&depth0) {
        if *b == 0.0 {
            assert_eq!(*a, 0.0, "background stays background");
        } else {
            diff.push(f64::from(a - b));
        }
    }
    let (m, v) = moments(&diff);
    assert!(diff.len() > 200, "{} surface pixels", diff.len());
    assert!(
        m.abs() < 0.01 && (v.sqrt() - 0.05).abs() < 0.01,
        "depth noise mean {m} std {}",
        v.sqrt()
    );
}

#[test]
fn looks_fields_need_a_renderer_and_bad_targets_are_named() {
    let cfg = |spec: Spec| {
        let mut c = EnvConfig::new(2);
        c.randomize = Some(spec);
        c
    };
    let err = |spec: Spec| {
        scene::make_mjcf(
            gpu(),
            PROBE,
            "probe.xml",
            false,
            &common::generic_config("probe"),
            &cfg(spec),
        )
        .err()
        .expect("an error")
        .to_string()
    };
    let e = err(one(Field::GeomRgba, &["ball"], &[1.0, 0.0, 0.0, 1.0]));
    assert!(
        e.contains("entries[0] (geom.rgba)") && e.contains("render"),
        "{e}"
    );
    let e = err(one(Field::GeomFriction, &["bal*x"], &[1.0]));
    assert!(
        e.contains("entries[0] (geom.friction)") && e.contains("bal*x") && e.contains("ball"),
        "{e}"
    );
    let e = err(one(Field::BodyPos, &["cart"], &[0.0, 0.0, 0.0]));
    assert!(e.contains("free joint"), "{e}");
    let e = err(one(Field::JointArmature, &["cart"], &[0.1]));
    assert!(e.contains("hinge"), "{e}");
    let e = err(Spec::new().entry(Entry::new(
        Field::BodyMassScale,
        &["cart"],
        Dist::normal(1.0, 0.2, None),
    )));
    assert!(e.contains("clip_sigma"), "{e}");
}

// ---- Determinism, batch-size independence, reset-only changes ----

/// World i's observations and params over `steps` random-action steps of push-cube with
/// its default randomization, at `worlds` worlds.
fn push_trace(worlds: usize, steps: u32, many: bool) -> (Vec<Vec<f32>>, Vec<f32>) {
    let mut env = manyworlds::env::make(gpu(), "push-cube", &EnvConfig::new(worlds)).unwrap();
    env.reset(2024).unwrap();
    let space = env.spec().action_space.clone();
    let mut obs = Vec::new();
    if many {
        let a = space.sample(worlds, 1, 0);
        obs.push(env.step_many(&a, steps).unwrap().obs.to_vec());
    } else {
        for _ in 0..steps {
            let a = space.sample(worlds, 1, 0);
            obs.push(env.step(&a).unwrap().obs.to_vec());
        }
    }
    let p = env.randomized_params().unwrap().unwrap();
    (obs, p.rows)
}

#[test]
fn randomized_runs_are_bitwise_deterministic_and_batch_size_independent() {
    let (o16, p16) = push_trace(16, 30, false);
    let (o16b, p16b) = push_trace(16, 30, false);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(o16, o16b, "same seed, same observations");
    assert_eq!(bits(&p16), bits(&p16b), "same seed, same params");
    let (o256, p256) = push_trace(256, 30, false);
    let obs_dim = o16[0].len() / 16;
    let stride = p16.len() / 16;
    for t in 0..30 {
        let a = &o16[t][..16 * obs_dim];
        let b = &o256[t][..16 * obs_dim];
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "step {t}: worlds 0..16 differ between 16 and 256 worlds"
        );
    }
    assert!(
        p16.iter()
            .zip(&p256[..16 * stride])
            .all(|(x, y)| x.to_bits() == y.to_bits()),
        "params of worlds 0..16 differ between 16 and 256 worlds"
    );
    // step × 30 vs step_many(30) with the same actions every step.
    let (ok, pk) = push_trace(16, 30, true);
    let mut env = manyworlds::env::make(gpu(), "push-cube", &EnvConfig::new(16)).unwrap();
    env.reset(2024).unwrap();
    let a = env.spec().action_space.sample(16, 1, 0);
    let mut last = Vec::new();
    for _ in 0..30 {
        last = env.step(&a).unwrap().obs.to_vec();
    }
    let p = env.randomized_params().unwrap().unwrap();
    assert_eq!(ok[0], last, "step_many(30) == 30 × step");
    assert_eq!(bits(&pk), bits(&p.rows));
    // Worlds really differ from each other.
    let p = manyworlds::randomize::SampledParams {
        slots: p.slots.clone(),
        draw_stride: p.draw_stride,
        rows: p16,
    };
    let key = "geom.friction:cube";
    assert_ne!(p.get(0, key), p.get(1, key));
}

#[test]
fn params_change_only_at_a_worlds_own_reset() {
    // cartpole-rigid ends episodes at different times (the pole falls under random
    // pushes); its cart mass and damping are randomized at every reset, and the gravity
    // every 7 steps.
    let spec = Spec::new()
        .entry(Entry::new(
            Field::BodyMassScale,
            &["cart"],
            Dist::uniform(0.5, 2.0),
        ))
        .entry(Entry::new(
            Field::JointDamping,
            &["*"],
            Dist::uniform(0.0, 0.1),
        ))
        .entry(
            Entry::new(Field::OptionGravity, &[], Dist::normal(0.0, 0.1, Some(2.0)))
                .mode(Mode::Add)
                .every(7),
        );
    let n = 64;
    let mut cfg = EnvConfig::new(n).autoreset(AutoresetMode::SameStep);
    cfg.randomize = Some(spec);
    let mut env = manyworlds::env::make(gpu(), "cartpole-rigid", &cfg).unwrap();
    env.reset(8).unwrap();
    let space = env.spec().action_space.clone();
    let mut prev = env.randomized_params().unwrap().unwrap();
    let (mut resets, mut elapsed) = (0, vec![0u32; n]);
    for t in 0..120 {
        let a = space.sample(n, 4, t);
        let flags = env.step(&a).unwrap().flags.to_vec();
        let now = env.randomized_params().unwrap().unwrap();
        for w in 0..n {
            let reset = flags[w] & FLAG_RESET != 0;
            elapsed[w] = if reset { 0 } else { elapsed[w] + 1 };
            for (s, info) in now.slots.iter().enumerate() {
                let same = now.value(w, s) == prev.value(w, s);
                let periodic = info.field == Field::OptionGravity;
                if reset {
                    // Fresh draws (a continuous distribution never repeats a value).
                    assert!(
                        !same,
                        "step {t} world {w}: {} not redrawn at reset",
                        info.key()
                    );
                } else if periodic && elapsed[w] % 7 == 0 {
                    assert!(
                        !same,
                        "step {t} world {w}: gravity not redrawn at step {}",
                        elapsed[w]
                    );
                } else {
                    assert!(
                        same,
                        "step {t} world {w}: {} changed without a reset",
                        info.key()
                    );
                }
            }
            if reset {
                resets += 1;
                assert_eq!(now.episode(w), Some(prev.episode(w).unwrap() + 1));
            }
        }
        prev = now;
    }
    assert!(resets > 20, "only {resets} resets in 120 steps");
}

// ---- ADR ----

#[test]
fn adr_widens_above_the_threshold_and_narrows_below() {
    let adr = AdrConfig {
        threshold_low: 0.2,
        threshold_high: 0.8,
        buffer: 8,
        boundary_prob: 1.0,
        signal: AdrSignal::User,
    };
    let spec = Spec::new()
        .entry(
            Entry::new(Field::JointDamping, &["hinge"], Dist::uniform(0.0, 1.0))
                .adr(0.4, 0.5, 0.05),
        )
        .with_adr(adr);
    let n = 256;
    let mut cfg = EnvConfig::new(n).autoreset(AutoresetMode::SameStep);
    cfg.randomize = Some(spec);
    let mut env = scene::make_registered(gpu(), "cartpole-rigid", &cfg)
        .unwrap()
        .unwrap();
    env.reset(1).unwrap();
    let space = env.spec().action_space.clone();
    let r0 = env.randomizer().unwrap().adr_ranges().unwrap();
    assert_eq!((r0[0].lo, r0[0].hi), (0.4, 0.5));
    // Every world pins a boundary (boundary_prob 1): its value is exactly one end.
    let p = env.randomized_params().unwrap().unwrap();
    for w in 0..n {
        let v = p.value(w, 0)[0];
        assert!(v == 0.4 || v == 0.5, "world {w}: {v} is not a boundary");
    }
    // A high signal: both boundaries move outward, step by step, up to the limits.
    env.randomizer()
        .unwrap()
        .set_adr_signal(&vec![1.0; n])
        .unwrap();
    let mut widths = vec![r0[0].hi - r0[0].lo];
    for t in 0..150 {
        env.step(&space.sample(n, 2, t)).unwrap();
        let r = &env.randomizer().unwrap().adr_ranges().unwrap()[0];
        widths.push(r.hi - r.lo);
    }
    let r1 = env.randomizer().unwrap().adr_ranges().unwrap()[0].clone();
    assert!(
        r1.lo < 0.4 - 0.049 && r1.hi > 0.5 + 0.049,
        "widened to [{}, {}]",
        r1.lo,
        r1.hi
    );
    assert!(
        r1.lo >= 0.0 && r1.hi <= 1.0,
        "inside the limits: [{}, {}]",
        r1.lo,
        r1.hi
    );
    assert!(
        widths.windows(2).all(|w| w[1] >= w[0]),
        "never narrowed: {widths:?}"
    );
    // A low signal: they move back in, never past the start range.
    env.randomizer()
        .unwrap()
        .set_adr_signal(&vec![0.0; n])
        .unwrap();
    for t in 0..150 {
        env.step(&space.sample(n, 3, t)).unwrap();
    }
    let r2 = env.randomizer().unwrap().adr_ranges().unwrap()[0].clone();
    assert!(
        r2.hi - r2.lo < r1.hi - r1.lo,
        "narrowed: [{}, {}] from [{}, {}]",
        r2.lo,
        r2.hi,
        r1.lo,
        r1.hi
    );
    assert!(
        r2.lo <= 0.4 && r2.hi >= 0.5,
        "not inside the start: [{}, {}]",
        r2.lo,
        r2.hi
    );
    // Between the thresholds nothing moves.
    env.randomizer()
        .unwrap()
        .set_adr_signal(&vec![0.5; n])
        .unwrap();
    for t in 0..60 {
        env.step(&space.sample(n, 5, t)).unwrap();
    }
    let r3 = env.randomizer().unwrap().adr_ranges().unwrap()[0].clone();
    // (Signals buffered before the switch may still decide once.)
    assert!((r3.hi - r3.lo) <= (r2.hi - r2.lo) + 1e-6);
}

#[test]
fn push_cube_default_spec_parses_and_every_registered_scene_randomizes() {
    let s = Spec::from_json(scene::PUSH_CUBE_RANDOMIZE_JSON, "push_cube_randomize.json").unwrap();
    assert!(s
        .entries
        .iter()
        .any(|e| e.field.group() == FieldGroup::Looks));
    // A physics spec on every registered scene env: the worlds' values are recorded.
    for entry in common::embedded_envs() {
        if entry.name == "cartpole" {
            let mut cfg = EnvConfig::new(4);
            cfg.randomize = Some(one(Field::OptionGravity, &[], &[0.0, 0.0, -5.0]));
            let e = manyworlds::env::make(gpu(), entry.name, &cfg)
                .err()
                .expect("refused");
            assert!(e.to_string().contains("randomize"), "{e}");
            continue;
        }
        let mut cfg = EnvConfig::new(4);
        cfg.randomize = Some(
            Spec::new()
                .entry(Entry::new(
                    Field::GeomFriction,
                    &["*"],
                    Dist::uniform(0.5, 1.0),
                ))
                .entry(Entry::new(
                    Field::OptionGravity,
                    &[],
                    Dist::Normal {
                        mean: vec![0.0, 0.0, -9.81],
                        std: vec![0.1],
                        clip_sigma: Some(3.0),
                    },
                )),
        );
        let mut env = manyworlds::env::make(gpu(), entry.name, &cfg).unwrap();
        env.reset(0).unwrap();
        let p = env.randomized_params().unwrap().unwrap();
        for w in 0..4 {
            let g = p.get(w, "option.gravity").unwrap();
            assert!(
                (-10.2..=-9.4).contains(&g[2]) && g[0].abs() <= 0.3 && g[1].abs() <= 0.3,
                "{}: {g:?}",
                entry.name
            );
        }
    }
}

/// Armature randomization is refused on a hinge of a body with two or three hinges (their
/// rotors are folded into one tensor, which the plan cannot rescale per hinge), naming the
/// joint; on a body's only hinge it is taken.
#[test]
fn armature_randomization_is_refused_on_a_hinge_group() {
    use manyworlds::mjcf::{load_str, LoadOptions};
    use manyworlds::randomize::Plan;
    use manyworlds::sim::compile::{compile, PhysicsOptions};
    let xml = r#"<mujoco><worldbody>
      <body name="a" pos="0 0 1"><joint name="hx" axis="1 0 0" armature="0.01"/>
        <joint name="hy" axis="0 1 0" armature="0.01"/><geom type="box" size="0.1 0.1 0.1"/>
        <body name="b" pos="0 0 -0.3"><joint name="k" axis="0 1 0" armature="0.01"/>
          <geom type="box" size="0.1 0.1 0.1"/></body></body>
    </worldbody></mujoco>"#;
    let loaded = load_str(
        "group.xml",
        std::path::Path::new("."),
        xml,
        &LoadOptions::default(),
    )
    .unwrap();
    let mut c = compile(&loaded.model, &PhysicsOptions::default()).unwrap();
    let spec = one(Field::JointArmature, &["hy"], &[0.02]);
    let e = Plan::new(&spec, &loaded.model, &mut c, None)
        .map(|_| ())
        .expect_err("armature of a hinge group randomized")
        .to_string();
    assert!(
        e.contains("hy") && e.contains("turns its body alone"),
        "{e}"
    );
    let spec = one(Field::JointArmature, &["k"], &[0.02]);
    Plan::new(&spec, &loaded.model, &mut c, None).unwrap();
}
