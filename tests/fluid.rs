//! MuJoCo's inertia-box fluid model (`shaders/scene/fluid.wgsl`, `src/sim/cpu/fluid.rs`):
//! against closed forms and MuJoCo on a free box, Gymnasium's swimmer swims as MuJoCo's
//! does, and the GPU matches the CPU reference on it. MuJoCo's numbers:
//! `tests/data/fluid_mujoco.json`, from `scripts/make_fluid_reference.py`.

mod common;

use common::gymnasium_assets;

use glam::{Quat, Vec3};
use manyworlds::layout::physics::*;
use manyworlds::mjcf::{load_file, load_str, LoadOptions};
use manyworlds::sim::builder::{SceneBuilder, Shape};
use manyworlds::sim::compile::{compile, Compiled, PhysicsOptions};
use manyworlds::sim::cpu::CpuBatch;
use manyworlds::sim::model::Model;
use serde_json::Value;
use std::path::Path;

fn reference() -> Value {
    serde_json::from_str(include_str!("data/fluid_mujoco.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// A free 1 × 0.5 × 0.25 m box of 1000 kg/m³ (125 kg; its inertia box is itself) in a
/// medium of `density` and `viscosity`, no gravity, 10 ms steps (5 substeps of 2 ms).
fn free_box(density: f32, viscosity: f32) -> Compiled {
    let mut s = SceneBuilder::new("fluid_box");
    s.gravity(Vec3::ZERO).fluid(density, viscosity);
    let b = s.body(0, Vec3::new(0.0, 0.0, 1.0), Quat::IDENTITY);
    s.free_joint(b);
    s.geom(
        b,
        Shape::Box {
            half: Vec3::new(0.5, 0.25, 0.125),
        },
    )
    .density(1000.0);
    compile(&s.build().unwrap(), &PhysicsOptions::default()).unwrap()
}

/// Sets world `w`'s body 0 velocity (world frame) and angular velocity.
fn kick(cpu: &mut CpuBatch, w: usize, v: Vec3, omega: Vec3) {
    let at = w * cpu.params.state_dim as usize;
    cpu.state[at + S_VEL as usize..at + S_VEL as usize + 3].copy_from_slice(&v.to_array());
    cpu.state[at + S_ANGVEL as usize..at + S_ANGVEL as usize + 3]
        .copy_from_slice(&omega.to_array());
}

fn body_vel(cpu: &CpuBatch, w: usize) -> (Vec3, Vec3, Vec3) {
    let s = &cpu.state[w * cpu.params.state_dim as usize..];
    let v3 = |k: u32| Vec3::from_slice(&s[k as usize..]);
    (v3(S_POS), v3(S_VEL), v3(S_ANGVEL))
}

/// Density only (1000 kg/m³): moving along each axis at 2 m/s, the box meets
/// F = −½ ρ A v² with A the face across the motion (0.125, 0.25, 0.5 m²), so
/// v(t) = v₀ / (1 + c v₀ t) with c = ½ ρ A / m = 0.5, 1, 2 /m, and it travels
/// ln(1 + c v₀ t) / c. After 1 s: v = 1, 2/3, 0.4 m/s and x = 1.3863, 1.0986, 0.8047 m.
/// The substep integrates the quadratic term exactly, so v is held to 0.2% and x to
/// 2 mm (symplectic Euler moves with the substep's end velocity: about h Δv / 2).
#[test]
fn quadratic_drag_slows_a_free_box_as_the_closed_form_says() {
    let c = free_box(1000.0, 0.0);
    let mut cpu = CpuBatch::new(&c, 3);
    let v0 = 2.0_f32;
    for (w, axis) in [Vec3::X, Vec3::Y, Vec3::Z].into_iter().enumerate() {
        kick(&mut cpu, w, axis * v0, Vec3::ZERO);
    }
    for _ in 0..100 {
        cpu.step(&[]);
    }
    for (w, (axis, cm)) in [(Vec3::X, 0.5_f32), (Vec3::Y, 1.0), (Vec3::Z, 2.0)]
        .into_iter()
        .enumerate()
    {
        let (x, v, omega) = body_vel(&cpu, w);
        let v_exact = v0 / (1.0 + cm * v0);
        let x_exact = (1.0 + cm * v0).ln() / cm;
        let (vm, xm) = (v.dot(axis), (x - Vec3::new(0.0, 0.0, 1.0)).dot(axis));
        eprintln!("axis {axis}: v {vm} (closed form {v_exact}), x {xm} ({x_exact})");
        assert!(
            (vm / v_exact - 1.0).abs() < 2e-3,
            "axis {axis}: v {vm} vs {v_exact}"
        );
        assert!(
            (xm - x_exact).abs() < 2e-3,
            "axis {axis}: x {xm} vs {x_exact}"
        );
        assert!(
            (v - axis * vm).length() < 1e-5 && omega.length() < 1e-5,
            "{v} {omega}"
        );
    }
}

/// Viscosity only (10 Pa·s): the box is a sphere of the mean side d = 0.58333 m, so its
/// velocity decays as exp(−3π d μ t / m) (rate 0.43982 /s: 0.64419 of it left after 1 s)
/// and its spin about z as exp(−π d³ μ t / I_z) with I_z = m (1² + 0.5²) / 12 = 13.021
/// kg·m² (rate 0.47891 /s: 0.61948 left). Within 0.1% (the substep's linearly implicit
/// update is off by (h k / m)² / 2 per substep: 2e-4 here).
#[test]
fn viscosity_decays_velocity_and_spin_at_the_stokes_rate() {
    let c = free_box(0.0, 10.0);
    let mut cpu = CpuBatch::new(&c, 1);
    kick(
        &mut cpu,
        0,
        Vec3::new(1.0, 2.0, -1.5),
        Vec3::new(0.0, 0.0, 3.0),
    );
    for _ in 0..100 {
        cpu.step(&[]);
    }
    let (_, v, omega) = body_vel(&cpu, 0);
    let d = (1.0 + 0.5 + 0.25) / 3.0_f32;
    let pi = std::f32::consts::PI;
    let lin = (-3.0 * pi * d * 10.0 / 125.0_f32).exp();
    let ang = (-pi * d * d * d * 10.0 / (125.0 * 1.25 / 12.0_f32)).exp();
    eprintln!("viscous: v {v} (closed form ×{lin}), ω {omega} (×{ang})");
    assert!((lin - 0.64419).abs() < 1e-4 && (ang - 0.61948).abs() < 1e-4);
    let v_exact = Vec3::new(1.0, 2.0, -1.5) * lin;
    assert!(
        (v - v_exact).length() < 1e-3 * v_exact.length(),
        "{v} vs {v_exact}"
    );
    assert!(
        (omega.z / (3.0 * ang) - 1.0).abs() < 1e-3 && omega.truncate().length() < 1e-5,
        "{omega} vs {}",
        3.0 * ang
    );
}

/// A free box tumbling through a medium with density, viscosity and wind (the scene of
/// `scripts/make_fluid_reference.py`, no gravity) follows MuJoCo 4's trajectory (RK4 at
/// 0.5 ms, close to its model's exact solution) for 0.5 s: position within 2 mm,
/// orientation within 0.01 rad, velocities within 1% of their scale plus 0.01. Here 10 ms
/// steps of 5 substeps: the first-order substep is what separates the two.
#[test]
fn a_tumbling_box_follows_mujocos_trajectory() {
    let r = &reference()["free_body"];
    let xml = r["xml"].as_str().unwrap();
    let m = load_str(
        "fluid_box.xml",
        Path::new("."),
        xml,
        &LoadOptions::default(),
    )
    .unwrap()
    .model;
    let c = compile(&m, &PhysicsOptions::default()).unwrap();
    let qpos = r["qpos"].as_array().unwrap();
    let qvel = r["qvel"].as_array().unwrap();
    let times = floats(&r["times"]);
    let mut cpu = CpuBatch::new(&c, 1);
    let s0 = c
        .state_from_qpos(&floats(&qpos[0]), &floats(&r["qvel0"]))
        .unwrap();
    cpu.state.copy_from_slice(&s0);
    assert_eq!(c.params.dt, 0.01, "one step per reference sample");
    let (mut worst_x, mut worst_q, mut worst_v) = (0.0_f32, 0.0_f32, 0.0_f32);
    for (k, t) in times.iter().enumerate().skip(1) {
        cpu.step(&[]);
        let o = cpu.observe(0);
        let (mq, mv) = (floats(&qpos[k]), floats(&qvel[k]));
        let dx = (Vec3::from_slice(&o) - Vec3::from_slice(&mq)).length();
        let qa = Quat::from_xyzw(o[4], o[5], o[6], o[3]);
        let qb = Quat::from_xyzw(mq[4], mq[5], mq[6], mq[3]);
        let dq = qa.angle_between(qb);
        worst_x = worst_x.max(dx);
        worst_q = worst_q.max(dq);
        for i in 0..6 {
            let d = (o[7 + i] - mv[i]).abs();
            worst_v = worst_v.max(d);
            assert!(
                d < 0.01 + 0.01 * mv[i].abs(),
                "t {t}: qvel[{i}] {} vs MuJoCo {}",
                o[7 + i],
                mv[i]
            );
        }
        assert!(dx < 2e-3 && dq < 0.01, "t {t}: |dx| {dx} m, angle {dq} rad");
    }
    eprintln!("tumbling box over 0.5 s: worst |dx| {worst_x:e} m, angle {worst_q:e} rad, |dqvel| {worst_v:e}");
}

fn swimmer(dir: &Path) -> Model {
    load_file(&dir.join("swimmer.xml"), &LoadOptions { lenient: true })
        .unwrap()
        .model
}

/// The reference gait's controls at step `i`: sin(2π f t + k φ) for hinge k.
fn gait(i: usize, dt: f32, f: f32, phase: f32, nu: usize) -> Vec<f32> {
    let t = i as f32 * dt;
    (0..nu)
        .map(|k| (std::f32::consts::TAU * f * t + k as f32 * phase).sin())
        .collect()
}

/// Runs swimmer.xml for 5 s of the reference gait with `substeps` per 10 ms step; returns
/// qpos every 0.1 s (51 rows).
fn swim(m: &Model, substeps: u32, f: f32, phase: f32) -> Vec<Vec<f32>> {
    let opts = PhysicsOptions {
        substeps: Some(substeps),
        ..PhysicsOptions::default()
    };
    let c = compile(m, &opts).unwrap();
    let (nu, nq, dt) = (c.ctrl_range.len(), c.params.nq as usize, c.params.dt);
    let mut cpu = CpuBatch::new(&c, 1);
    let mut rows = vec![cpu.observe(0)[..nq].to_vec()];
    for i in 0..500 {
        cpu.step(&gait(i, dt, f, phase, nu));
        assert_eq!(cpu.flags[0], 0, "step {i}");
        if i % 10 == 9 {
            rows.push(cpu.observe(0)[..nq].to_vec());
        }
    }
    rows
}

/// Gymnasium's swimmer.xml (density 4000 kg/m³, viscosity 0.1 Pa·s) driven by the gait
/// ctrl_k = sin(2π · 0.5 Hz · t − k π/3) swims forward as MuJoCo 4's does (RK4, 10 ms):
/// 0.933 m in x after 5 s, and 0.80 m in y, turning −1.14 rad. With the default 5
/// substeps, x after 5 s has MuJoCo's sign and is within 40% of it (measured: 1.238 m,
/// +33%), and the torso's x and y stay within 0.4 m of MuJoCo's all along (measured
/// 0.31 m); with 20 substeps the two agree to 5% (measured 0.909 m, −2.5%), so what
/// separates them is the substep, not the fluid model.
#[test]
fn swimmer_swims_forward_as_mujocos_does() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let r = &reference()["swimmer"];
    let f = r["f"].as_f64().unwrap() as f32;
    let phase = r["phase"].as_f64().unwrap() as f32;
    let mujoco: Vec<Vec<f32>> = r["qpos"].as_array().unwrap().iter().map(floats).collect();
    assert_eq!(mujoco.len(), 51);
    let m = swimmer(&dir);
    let c = compile(&m, &PhysicsOptions::default()).unwrap();
    assert!(
        c.warnings.iter().all(|w| !w.contains("fluid")),
        "{:?}",
        c.warnings
    );
    let x_mj = mujoco[50][0];
    assert!(x_mj > 0.5, "MuJoCo's swimmer moved {x_mj} m");
    let ours = swim(&m, 5, f, phase);
    let mut worst = 0.0_f32;
    for (k, (o, mj)) in ours.iter().zip(&mujoco).enumerate() {
        let d = (o[0] - mj[0]).abs().max((o[1] - mj[1]).abs());
        worst = worst.max(d);
        assert!(
            d < 0.4,
            "t {:.1}: ours {o:?}, MuJoCo {mj:?}",
            k as f32 * 0.1
        );
    }
    let x = ours[50][0];
    eprintln!("5 substeps: x {x} m vs MuJoCo {x_mj} m; worst |Δx|, |Δy| {worst} m");
    assert!(x > 0.0 && (x / x_mj - 1.0).abs() < 0.4, "x {x} vs {x_mj}");
    let x20 = swim(&m, 20, f, phase)[50][0];
    eprintln!("20 substeps: x {x20} m");
    assert!((x20 / x_mj - 1.0).abs() < 0.05, "x {x20} vs {x_mj}");
}

/// The GPU kernel against the CPU reference on the tumbling box of MuJoCo's reference
/// scene (density, viscosity and wind; no gravity), 4 worlds started at 0.5, 1, 1.5 and 2
/// times the reference's velocities, 50 steps. Tolerance 5e-4 + 2e-4 relative on qpos and
/// qvel: nothing chaotic here, the two differ by float rounding only (measured worst
/// 9.8e-5). (swimmer.xml was
/// the first choice, but its GPU and CPU steps already differ by 1.4% in the torso's
/// rate within 3 steps with the medium switched off, an open defect outside this stage.)
#[test]
fn gpu_matches_the_cpu_reference_on_a_tumbling_box() {
    use manyworlds::env::scene::{make_scene, SceneConfig};
    use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, Worlds};
    const WORLDS: usize = 4;
    let r = &reference()["free_body"];
    let xml = r["xml"].as_str().unwrap();
    let m = load_str(
        "fluid_box.xml",
        Path::new("."),
        xml,
        &LoadOptions::default(),
    )
    .unwrap()
    .model;
    let c = compile(&m, &PhysicsOptions::default()).unwrap();
    let cfg = SceneConfig {
        max_episode_steps: 100_000,
        ..common::generic_config("fluid_box")
    };
    let ecfg = EnvConfig::new(WORLDS).autoreset(AutoresetMode::Disabled);
    let mut e = make_scene(common::gpu(), &m, &cfg, &ecfg).unwrap();
    e.reset(0).unwrap();
    let mut cpu = CpuBatch::new(&c, WORLDS);
    let qpos0 = floats(&r["qpos"][0]);
    let qvel0 = floats(&r["qvel0"]);
    let mut states = e.get_state(Worlds::All).unwrap();
    let sd = states.state_dim;
    for w in 0..WORLDS {
        let qvel: Vec<f32> = qvel0.iter().map(|v| v * 0.5 * (w + 1) as f32).collect();
        let s = c.state_from_qpos(&qpos0, &qvel).unwrap();
        states.state[w * sd..(w + 1) * sd].copy_from_slice(&s);
        cpu.state[w * sd..(w + 1) * sd].copy_from_slice(&s);
    }
    e.set_state(&states).unwrap();
    let od = c.params.obs_dim as usize;
    let mut worst = 0.0_f32;
    for t in 0..50 {
        e.poison_outputs();
        let obs = e.step(&[]).unwrap().obs.to_vec();
        cpu.step(&[]);
        for w in 0..WORLDS {
            let o = cpu.observe(w);
            for k in 0..od {
                let d = (o[k] - obs[w * od + k]).abs();
                worst = worst.max(d);
                assert!(
                    d <= 5e-4 + 2e-4 * o[k].abs(),
                    "world {w} step {t} obs[{k}]: cpu {} gpu {}",
                    o[k],
                    obs[w * od + k]
                );
            }
        }
    }
    eprintln!("tumbling box: worst |gpu - cpu| over 50 steps: {worst:e}");
}

/// `<option density viscosity wind>` reach the model's options; a negative density or
/// viscosity is refused, naming the field (non-finite numbers are refused by the parser).
#[test]
fn option_fluid_attributes_are_parsed_and_checked() {
    let load = |xml: &str| load_str("t.xml", Path::new("."), xml, &LoadOptions::default());
    let m = load(r#"<mujoco><option density="4000" viscosity="0.1" wind="1 2 3"/></mujoco>"#)
        .unwrap()
        .model;
    assert_eq!(
        (m.option.density, m.option.viscosity, m.option.wind),
        (4000.0, 0.1, Vec3::new(1.0, 2.0, 3.0))
    );
    for (attr, field, why) in [
        (r#"density="-1""#, "option.density", ">= 0"),
        (r#"viscosity="-0.1""#, "option.viscosity", ">= 0"),
        (r#"viscosity="nan""#, "option.viscosity", "finite"),
    ] {
        let e = load(&format!("<mujoco><option {attr}/></mujoco>"))
            .err()
            .unwrap_or_else(|| panic!("{attr} was accepted"))
            .to_string();
        assert!(e.contains(field) && e.contains(why), "{attr}: {e}");
    }
}
