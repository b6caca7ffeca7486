//! MuJoCo's joint coordinates in and out: `Compiled::state_from_qpos` against the CPU
//! observation (round trip) and against MuJoCo's forward kinematics, keyframes as reset
//! states, and `rollout`'s "initial_qpos" / "qpos" fields.

mod common;

use common::gymnasium_assets;

use common::gpu;
use glam::{Quat, Vec3};
use manyworlds::env::scene::{make_mjcf, SceneConfig, SceneEnv};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::mjcf::{load_file, LoadOptions};
use manyworlds::sim::compile::{compile, Compiled, PhysicsOptions};
use manyworlds::sim::model::{JointKind, Model};
use manyworlds::Error;
use serde::Deserialize;

/// The Gymnasium files the loader and compiler take (some only leniently: their fluid
/// settings and the like become warnings), as in `scripts/make_qpos_reference.py`: all of
/// them. Humanoid's bodies turn on two or three hinges each; pusher's goal and object are
/// sliders of 4·10⁻¹⁰ and 4·10⁻⁶ kg, moved by their slides' armature.
const FILES: &[&str] = &[
    "ant",
    "half_cheetah",
    "hopper",
    "walker2d",
    "walker2d_v5",
    "swimmer",
    "reacher",
    "inverted_pendulum",
    "inverted_double_pendulum",
    "point",
    "humanoid",
    "humanoidstandup",
    "pusher",
    "pusher_v5",
];

/// Loads and compiles Gymnasium file `path` (leniently when strict loading refuses it).
fn gym(path: &std::path::Path) -> Result<(Model, Compiled), Error> {
    let loaded = load_file(path, &LoadOptions { lenient: false })
        .or_else(|_| load_file(path, &LoadOptions { lenient: true }))?;
    let c = compile(&loaded.model, &PhysicsOptions::default())?;
    Ok((loaded.model, c))
}

/// Every Gymnasium file in `dir` that compiles, by name; the ones of [`FILES`] must.
fn gym_files(dir: &std::path::Path) -> Vec<(String, Model, Compiled)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "xml").then(|| p.file_stem().unwrap().to_string_lossy().into())
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        match gym(&dir.join(format!("{name}.xml"))) {
            Ok((m, c)) => out.push((name, m, c)),
            Err(e) => {
                assert!(!FILES.contains(&name.as_str()), "{name}: {e}");
                eprintln!("{name}: not compiled, skipped ({e})");
            }
        }
    }
    for f in FILES {
        assert!(out.iter().any(|(n, ..)| n == f), "{f}.xml is missing");
    }
    out
}

/// splitmix64: a small, fixed pseudo-random sequence for the tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next()
    }
    fn quat(&mut self) -> Quat {
        let v = glam::Vec4::new(
            self.uniform(-1.0, 1.0),
            self.uniform(-1.0, 1.0),
            self.uniform(-1.0, 1.0),
            self.uniform(-1.0, 1.0),
        );
        Quat::from_vec4(v.normalize())
    }
}

/// Random qpos within the joint ranges (unlimited hinges over ±2 turns, unlimited slides
/// ±2 m, free bodies within 2 m of the origin, unit quaternions) and qvel in ±3 per dof.
fn random_q(m: &Model, rng: &mut Rng) -> (Vec<f32>, Vec<f32>) {
    let mut qpos = Vec::new();
    for j in &m.joints {
        let quat = |rng: &mut Rng| {
            let q = rng.quat();
            [q.w, q.x, q.y, q.z]
        };
        match j.kind {
            JointKind::Free => {
                qpos.extend((0..3).map(|_| rng.uniform(-2.0, 2.0)));
                qpos.extend(quat(rng));
            }
            JointKind::Ball => qpos.extend(quat(rng)),
            JointKind::Slide | JointKind::Hinge => {
                let [lo, hi] = j.range.unwrap_or(if j.kind == JointKind::Hinge {
                    [-12.0, 12.0]
                } else {
                    [-2.0, 2.0]
                });
                qpos.push(rng.uniform(lo, hi));
            }
        }
    }
    let qvel = (0..m.nv()).map(|_| rng.uniform(-3.0, 3.0)).collect();
    (qpos, qvel)
}

/// Compares observed qpos/qvel with what was set: quaternions as rotations (q and -q are
/// equal), every value to `tol` absolute (relative above 1).
fn assert_same_q(c: &Compiled, want: (&[f32], &[f32]), got: &[f32], tol: f32, what: &str) {
    let nq = want.0.len();
    let close = |a: f32, b: f32| (a - b).abs() <= tol * a.abs().max(1.0);
    for j in &c.joints {
        let n = j.kind.nq();
        let (w, g) = (&want.0[j.qadr..j.qadr + n], &got[j.qadr..j.qadr + n]);
        let q0 = if j.kind == JointKind::Free { 3 } else { 0 };
        let flip = matches!(j.kind, JointKind::Free | JointKind::Ball)
            && (0..4).map(|k| w[q0 + k] * g[q0 + k]).sum::<f32>() < 0.0;
        for k in 0..n {
            let gk = if flip && k >= q0 { -g[k] } else { g[k] };
            assert!(close(w[k], gk), "{what}: qpos of {} {w:?} != {g:?}", j.name);
        }
        let m = j.kind.nv();
        let (w, g) = (
            &want.1[j.vadr..j.vadr + m],
            &got[nq + j.vadr..nq + j.vadr + m],
        );
        for k in 0..m {
            assert!(
                close(w[k], g[k]),
                "{what}: qvel of {} {w:?} != {g:?}",
                j.name
            );
        }
    }
}

/// On every Gymnasium file: random (qpos, qvel) → State → CPU observation gives them back
/// to 1e-5 (relative above 1; float32 forward kinematics through centres of mass, then
/// back); and qpos0 at rest gives the compiled initial State to 1e-5.
#[test]
fn state_from_qpos_round_trips_through_observe_on_every_gymnasium_file() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let mut rng = Rng(7);
    for (name, m, c) in gym_files(&dir) {
        let init = c
            .state_from_qpos(&m.qpos0(), &vec![0.0; m.nv()])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (k, (a, b)) in init.iter().zip(&c.init_state).enumerate() {
            assert!((a - b).abs() <= 1e-5, "{name}: qpos0 state[{k}] {a} != {b}");
        }
        for trial in 0..20 {
            let (qpos, qvel) = random_q(&m, &mut rng);
            let state = c.state_from_qpos(&qpos, &qvel).unwrap();
            let got = c.qpos_qvel(&state);
            assert_eq!(got.len(), m.nq() + m.nv());
            assert_same_q(&c, (&qpos, &qvel), &got, 1e-5, &format!("{name} #{trial}"));
        }
    }
}

/// `tests/data/qpos_probe.xml`: every joint kind, `ref`s and rotated frames.
const PROBE_XML: &str = include_str!("data/qpos_probe.xml");

fn probe() -> (Model, Compiled) {
    let loaded = manyworlds::mjcf::load_str(
        "qpos_probe.xml",
        std::path::Path::new("."),
        PROBE_XML,
        &LoadOptions::default(),
    )
    .unwrap();
    let c = compile(&loaded.model, &PhysicsOptions::default()).unwrap();
    (loaded.model, c)
}

/// The probe scene (ball joint, `ref`s, slides then a hinge, a welded body): random
/// (qpos, qvel) round trip to 1e-5, and qpos0 at rest gives the compiled initial State.
#[test]
fn state_from_qpos_round_trips_every_joint_kind() {
    let (m, c) = probe();
    let init = c.state_from_qpos(&m.qpos0(), &vec![0.0; m.nv()]).unwrap();
    for (k, (a, b)) in init.iter().zip(&c.init_state).enumerate() {
        assert!((a - b).abs() <= 1e-6, "qpos0 state[{k}] {a} != {b}");
    }
    let mut rng = Rng(11);
    for trial in 0..200 {
        let (qpos, qvel) = random_q(&m, &mut rng);
        let state = c.state_from_qpos(&qpos, &qvel).unwrap();
        let got = c.qpos_qvel(&state);
        assert_same_q(&c, (&qpos, &qvel), &got, 1e-5, &format!("probe #{trial}"));
    }
}

#[derive(Deserialize)]
struct QposReference {
    files: std::collections::BTreeMap<String, QposFile>,
}

#[derive(Deserialize)]
struct QposFile {
    nbody: usize,
    states: Vec<QposState>,
}

#[derive(Deserialize)]
struct QposState {
    qpos: Vec<f32>,
    qvel: Vec<f32>,
    xpos: Vec<f32>,
    xquat: Vec<f32>,
    angvel: Vec<f32>,
    linvel: Vec<f32>,
}

/// Against MuJoCo 4.0.1's mj_forward (`scripts/make_qpos_reference.py`): for three random
/// joint states of each compiled Gymnasium file and of the probe, every body frame's world
/// position to 1e-5 m and orientation to 1e-5 rad (float32 against float64), and its frame
/// origin's world linear and angular velocity to 1e-5 (relative above 1: speeds reach
/// ~30 m/s at the tips of a chain of ±3 rad/s joints).
#[test]
fn state_from_qpos_matches_mujoco_forward_kinematics() {
    let reference: QposReference =
        serde_json::from_str(include_str!("data/gymnasium_qpos_mujoco.json")).unwrap();
    let dir = gymnasium_assets();
    let mut compared = 0;
    for (name, r) in &reference.files {
        let (_, c) = if name == "qpos_probe" {
            probe()
        } else {
            let Some(dir) = &dir else { continue };
            gym(&dir.join(format!("{name}.xml"))).unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        assert_eq!(c.body_names.len(), r.nbody, "{name}: bodies");
        for (i, s) in r.states.iter().enumerate() {
            let state = c
                .state_from_qpos(&s.qpos, &s.qvel)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let poses = c.body_poses(&state);
            let vels = c.body_velocities(&state);
            for b in 0..r.nbody {
                let what = format!("{name} #{i} body {}", c.body_names[b]);
                let (p, q) = poses[b];
                let rp = Vec3::from_slice(&s.xpos[3 * b..]);
                let x = &s.xquat[4 * b..];
                let rq = Quat::from_xyzw(x[1], x[2], x[3], x[0]);
                assert!((p - rp).length() <= 1e-5, "{what}: pos {p} != {rp}");
                let d = q.conjugate() * rq;
                let angle = 2.0 * Vec3::new(d.x, d.y, d.z).length().atan2(d.w.abs());
                assert!(angle <= 1e-5, "{what}: orientation off by {angle} rad");
                let (v, w) = vels[b];
                let rv = Vec3::from_slice(&s.linvel[3 * b..]);
                let rw = Vec3::from_slice(&s.angvel[3 * b..]);
                let tol = |r: Vec3| 1e-5 * r.length().max(1.0);
                assert!((v - rv).length() <= tol(rv), "{what}: linvel {v} != {rv}");
                assert!((w - rw).length() <= tol(rw), "{what}: angvel {w} != {rw}");
            }
            compared += 1;
        }
    }
    assert!(compared >= 3, "the probe's states at least");
}

/// Wrong lengths, non-finite values and zero quaternions are errors naming the field.
#[test]
fn state_from_qpos_rejects_bad_input() {
    let (m, c) = probe();
    let (qpos, qvel) = (m.qpos0(), vec![0.0; m.nv()]);
    let msg = |r: Result<Vec<f32>, Error>| r.unwrap_err().to_string();
    let e = msg(c.state_from_qpos(&qpos[1..], &qvel));
    assert!(
        e.contains("qpos") && e.contains("15 values") && e.contains("exactly 16"),
        "{e}"
    );
    let e = msg(c.state_from_qpos(&qpos, &[0.0; 3]));
    assert!(
        e.contains("qvel") && e.contains("3 values") && e.contains("exactly 14"),
        "{e}"
    );
    let mut bad = qpos.clone();
    bad[12] = f32::NAN;
    let e = msg(c.state_from_qpos(&bad, &qvel));
    assert!(
        e.contains("qpos[12]") && e.contains("NaN") && e.contains("finite"),
        "{e}"
    );
    let mut bad = qvel.clone();
    bad[2] = f32::INFINITY;
    let e = msg(c.state_from_qpos(&qpos, &bad));
    assert!(e.contains("qvel[2]") && e.contains("inf"), "{e}");
    let mut bad = qpos.clone();
    bad[7..11].copy_from_slice(&[0.0; 4]);
    let e = msg(c.state_from_qpos(&bad, &qvel));
    assert!(
        e.contains("qpos[7..11]") && e.contains("nonzero norm"),
        "{e}"
    );
}

/// The probe scene's keyframe `bent`, as written in qpos_probe.xml.
const BENT_QPOS: [f32; 16] = [
    0.1, -0.2, 1.2, 0.8, 0.2, -0.4, 0.4, 0.9, 0.1, 0.3, -0.3, 1.5, 0.3, -0.1, 2.0, -0.7,
];
const BENT_QVEL: [f32; 14] = [
    0.5, -0.3, 0.2, 1.0, -2.0, 0.5, 0.3, -0.4, 0.8, 1.2, -0.5, 0.25, -1.5, 2.0,
];

/// The probe scene on the GPU, resets from `keyframe`, with `reset_noise`.
fn probe_env(keyframe: Option<&str>, reset_noise: f32, worlds: usize) -> Result<SceneEnv, Error> {
    let sc = SceneConfig {
        keyframe: keyframe.map(Into::into),
        reset_noise,
        ..common::generic_config("qpos_probe")
    };
    let cfg = EnvConfig::new(worlds).autoreset(AutoresetMode::Disabled);
    make_mjcf(gpu(), PROBE_XML, "qpos_probe.xml", false, &sc, &cfg)
}

/// `SceneConfig::keyframe`: every world's reset observation (the GPU's qpos, qvel) is the
/// key's to 1e-5; with reset noise each hinge, slide and free x, y moves by at most the
/// noise and the rest of qpos stays; `set_qpos_qvel` then `get_qpos_qvel` and the GPU observation
/// give back what was set, to 1e-5; an unknown key name is an error listing the keys.
#[test]
fn keyframe_resets_and_qpos_api_on_the_gpu() {
    let (m, c) = probe();
    assert_eq!(m.keyframes[0].qpos, BENT_QPOS);
    let mut e = probe_env(Some("bent"), 0.0, 3).unwrap_or_else(|e| panic!("{e}"));
    let obs = e.reset(5).unwrap().to_vec();
    let od = m.nq() + m.nv();
    for w in 0..3 {
        let row = &obs[w * od..(w + 1) * od];
        assert_same_q(
            &c,
            (&BENT_QPOS, &BENT_QVEL),
            row,
            1e-5,
            &format!("world {w}"),
        );
    }
    // The env-level API, on world 1; world 2 keeps the key.
    let mut rng = Rng(3);
    let (qpos, qvel) = random_q(&m, &mut rng);
    e.set_qpos_qvel(&[1], &qpos, &qvel).unwrap();
    let obs = e.observations().to_vec();
    assert_same_q(
        &c,
        (&qpos, &qvel),
        &obs[od..2 * od],
        1e-5,
        "set world 1, GPU",
    );
    let got = e.get_qpos_qvel(Worlds::Some(&[1, 2])).unwrap();
    assert_same_q(&c, (&qpos, &qvel), &got[..od], 1e-5, "set world 1, host");
    assert_same_q(&c, (&BENT_QPOS, &BENT_QVEL), &got[od..], 1e-5, "world 2");
    let err = e
        .set_qpos_qvel(&[0], &qpos[1..], &qvel)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("qpos") && err.contains("1 worlds × 16"),
        "{err}"
    );
    let mut nan = qvel.clone();
    nan[4] = f32::NAN;
    let err = e.set_qpos_qvel(&[2], &qpos, &nan).unwrap_err().to_string();
    assert!(
        err.contains("world 2 qvel[4]") && err.contains("NaN"),
        "{err}"
    );

    // Reset noise on top of the key.
    let noise = 0.05;
    let mut e = probe_env(Some("bent"), noise, 4).unwrap();
    let obs = e.reset(9).unwrap().to_vec();
    let mut moved = 0.0_f32;
    for w in 0..4 {
        let row = &obs[w * od..(w + 1) * od];
        // qpos 0, 1: free x, y; 11..16: hinges and slides. The rest stays put. (Velocities
        // are left as they are, so the joint rates read at the moved anchors change by
        // ω × the displacement: not compared.)
        for (k, (&got, &want)) in row[..m.nq()].iter().zip(&BENT_QPOS).enumerate() {
            let bound = if matches!(k, 0 | 1 | 11..=15) {
                noise
            } else {
                0.0
            };
            assert!(
                (got - want).abs() <= bound + 1e-5,
                "world {w} qpos[{k}] {got} vs {want}"
            );
            moved = moved.max((got - want).abs());
        }
    }
    assert!(moved > 0.01, "reset noise moved nothing ({moved})");

    for (key, needle) in [
        ("nope", "a <key> of the scene: bent"),
        ("Bent", "a <key> of the scene: bent"),
    ] {
        let err = probe_env(Some(key), 0.0, 1)
            .err()
            .expect("unknown key accepted")
            .to_string();
        assert!(
            err.contains("keyframe") && err.contains(key) && err.contains(needle),
            "{err}"
        );
    }
}

/// Runs `manyworlds rollout --scene qpos_probe.xml` on `doc`; (success, stderr, output).
fn rollout_probe(doc: &serde_json::Value, tag: &str) -> (bool, String, serde_json::Value) {
    let d = std::env::temp_dir().join(format!("manyworlds-qpos-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let (scene, input, output) = (
        d.join("qpos_probe.xml"),
        d.join("in.json"),
        d.join("out.json"),
    );
    std::fs::write(&scene, PROBE_XML).unwrap();
    std::fs::write(&input, doc.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_manyworlds"))
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .args(["rollout", "--scene"])
        .arg(&scene)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let json = std::fs::read_to_string(&output)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (out.status.success(), err, json)
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// `rollout`: "initial_qpos"/"initial_qvel" start a world there (echoed as qpos[0] and
/// qvel[0] to 1e-5; qvel zeros when left out), every world has T + 1 rows of qpos (nq)
/// and qvel (nv), and bad input is refused naming the world and field.
#[test]
fn rollout_takes_initial_qpos_and_writes_qpos_qvel() {
    let (m, c) = probe();
    let steps = 3;
    let zeros = vec![vec![0.0; 0]; steps];
    let doc = serde_json::json!({
        "seed": 1, "steps": steps,
        "worlds": [
            {"initial_qpos": BENT_QPOS, "initial_qvel": BENT_QVEL, "actions": zeros},
            {"initial_qpos": BENT_QPOS, "actions": zeros},
            {"actions": zeros},
        ]
    });
    let (ok, err, out) = rollout_probe(&doc, "ok");
    assert!(ok, "{err}");
    let worlds = out["worlds"].as_array().unwrap();
    let nv0 = vec![0.0; m.nv()];
    for (w, world) in worlds.iter().enumerate() {
        let (qpos, qvel) = (
            world["qpos"].as_array().unwrap(),
            world["qvel"].as_array().unwrap(),
        );
        assert_eq!(
            (qpos.len(), qvel.len()),
            (steps + 1, steps + 1),
            "world {w}"
        );
        for t in 0..=steps {
            assert_eq!(floats(&qpos[t]).len(), m.nq());
            assert_eq!(floats(&qvel[t]).len(), m.nv());
        }
        let mut first = floats(&qpos[0]);
        first.extend(floats(&qvel[0]));
        let want: (&[f32], &[f32]) = match w {
            0 => (&BENT_QPOS, &BENT_QVEL),
            1 => (&BENT_QPOS, &nv0),
            _ => (&m.qpos0(), &nv0),
        };
        assert_same_q(&c, want, &first, 1e-5, &format!("world {w} qpos[0]"));
        // The plain scene observes qpos then qvel: the GPU's agrees with the host's.
        assert_same_q(
            &c,
            want,
            &floats(&world["obs"][0]),
            1e-5,
            &format!("world {w} obs[0]"),
        );
    }
    let world = |extra: serde_json::Value| {
        let mut w = serde_json::json!({"actions": zeros});
        w.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::json!({"seed": 1, "steps": steps, "worlds": [{"actions": zeros}, w]})
    };
    let mut nan_qvel = serde_json::json!(BENT_QVEL);
    nan_qvel[3] = serde_json::json!(1e39);
    let cases = [
        (
            serde_json::json!({"initial_qpos": &BENT_QPOS[1..]}),
            "worlds[1].initial_qpos",
            "has 15 values",
        ),
        (
            serde_json::json!({"initial_qpos": BENT_QPOS, "initial_qvel": [0.0]}),
            "worlds[1].initial_qvel",
            "has 1 values",
        ),
        (
            serde_json::json!({"initial_qpos": BENT_QPOS, "initial_qvel": nan_qvel}),
            "worlds[1].initial_qvel[3]",
            "finite",
        ),
        (
            serde_json::json!({"initial_qvel": BENT_QVEL}),
            "worlds[1].initial_qvel",
            "needs initial_qpos",
        ),
        (
            serde_json::json!({"initial_qpos": BENT_QPOS, "initial_state": [0.0]}),
            "worlds[1]",
            "give one kind",
        ),
        (
            serde_json::json!({"initial_qpos": [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]}),
            "worlds[1].initial_qpos",
            "nonzero norm",
        ),
    ];
    for (i, (extra, field, needle)) in cases.into_iter().enumerate() {
        let (ok, err, _) = rollout_probe(&world(extra), &format!("bad{i}"));
        assert!(!ok, "case {i} accepted");
        assert!(
            err.contains(field) && err.contains(needle),
            "case {i}: {err}"
        );
        assert!(!err.contains("panicked"), "case {i}: {err}");
    }
}
