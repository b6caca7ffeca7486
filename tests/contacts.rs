//! MuJoCo's contact semantics: geom `margin` and `gap`, `condim`, `<contact><exclude>`
//! and parent filtering, on the CPU reference and (one scene) on the GPU. The MuJoCo
//! numbers come from `scripts/contacts_reference.py` (MuJoCo 4.0.1), which builds the same
//! XML; each test states its tolerance and why.

mod common;

use common::gpu;
use manyworlds::env::scene::{make_scene, SceneConfig};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv};
use manyworlds::mjcf::{load_str, LoadOptions};
use manyworlds::sim::compile::{compile, PhysicsOptions};
use manyworlds::sim::cpu::CpuBatch;
use manyworlds::sim::model::Model;
use manyworlds::Error;
use std::path::Path;

fn load(xml: &str) -> Model {
    load_str("test.xml", Path::new("."), xml, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

/// qpos and qvel of world 0 after `seconds` of the CPU reference.
fn run_cpu(model: &Model, seconds: f32) -> Vec<f32> {
    let c = compile(model, &PhysicsOptions::default()).unwrap();
    let mut cpu = CpuBatch::new(&c, 1);
    let steps = (seconds / model.option.timestep).round() as usize;
    let ctrl = vec![0.0; c.params.num_actuators as usize];
    for _ in 0..steps {
        cpu.step(&ctrl);
        assert_eq!(cpu.flags[0], 0, "fault flags");
    }
    cpu.observe(0)
}

/// A 1 kg sphere of radius 0.1 dropped on a plane, with geom margins and gaps.
fn sphere(ms: f32, gs: f32, mp: f32, gp: f32) -> String {
    format!(
        r#"<mujoco><option timestep="0.002"/><worldbody>
<geom name="floor" type="plane" size="5 5 .1" margin="{mp}" gap="{gp}"/>
<body name="ball" pos="0 0 0.3"><freejoint/>
<geom type="sphere" size="0.1" mass="1" margin="{ms}" gap="{gs}"/></body>
</worldbody></mujoco>"#
    )
}

/// MuJoCo 4.0.1 rests the sphere of [`sphere`] at z = 0.099633 with no margin, 0.109633
/// with a sphere margin of 0.01 (with a gap of 0.004 as well: the gap changes nothing), and
/// 0.129633 with 0.01 on the sphere and 0.02 on the floor: a pair's margin is the SUM of
/// its geoms' (`getMargin` in engine_collision_driver.c), and the margin shifts the rest
/// by exactly itself. Contacts here are hard (MuJoCo's soft ones sink 0.37 mm), so the
/// sphere must rest at 0.1 + margin: within 0.1 mm, the hard contact's resting error.
#[test]
fn margin_holds_a_sphere_its_pair_margin_above_the_plane() {
    let mujoco_shift = |z: f32| z - 0.099633;
    for (args, mujoco_z) in [
        ((0.0, 0.0, 0.0, 0.0), 0.099633),
        ((0.01, 0.0, 0.0, 0.0), 0.109633),
        ((0.01, 0.004, 0.0, 0.0), 0.109633),
        ((0.01, 0.0, 0.02, 0.0), 0.129633),
    ] {
        let (ms, gs, mp, gp) = args;
        let q = run_cpu(&load(&sphere(ms, gs, mp, gp)), 2.0);
        let expected = 0.1 + mujoco_shift(mujoco_z);
        assert!(
            (q[2] - expected).abs() < 1e-4,
            "margins {args:?}: rests at {}, expected {expected} (MuJoCo {mujoco_z})",
            q[2]
        );
    }
}

/// A gap only widens the contact search: the sphere rests where it rests without one,
/// within f32 noise (1 µm).
#[test]
fn gap_does_not_move_the_resting_height() {
    let with = run_cpu(&load(&sphere(0.01, 0.004, 0.0, 0.003)), 2.0);
    let without = run_cpu(&load(&sphere(0.01, 0.0, 0.0, 0.0)), 2.0);
    assert!(
        (with[2] - without[2]).abs() < 1e-6,
        "with a gap {} against {}",
        with[2],
        without[2]
    );
}

/// A 1 kg box on a plane tilted by 20°, friction 1 (tan 20° = 0.36 < 1: it sticks), with
/// the box's and the plane's condim.
fn incline(cb: u32, cp: u32) -> String {
    let t = 20f32.to_radians();
    format!(
        r#"<mujoco><option timestep="0.002"/><worldbody>
<geom name="floor" type="plane" size="5 5 .1" euler="0 20 0" condim="{cp}"/>
<body name="box" pos="{} 0 {}" euler="0 20 0"><freejoint/>
<geom type="box" size="0.1 0.1 0.1" mass="1" condim="{cb}"/></body>
</worldbody></mujoco>"#,
        0.1 * t.sin(),
        0.1 * t.cos()
    )
}

/// The pair's condim is the larger of its geoms' (MuJoCo's `mj_contactParam`). MuJoCo
/// 4.0.1 in 1 s: condim 3/3 and 1/3 creep 1.9 mm (soft contacts), 1/1 slides 1.6809 m
/// (frictionless: g sin 20° / 2 = 1.6776 m). Here: sticking pairs move < 1 mm (hard
/// static friction), the frictionless one slides within 1% of the analytic distance.
#[test]
fn condim_1_is_frictionless_and_the_larger_condim_wins() {
    let slope = |q: &[f32]| {
        let t = 20f32.to_radians();
        (q[0] - 0.1 * t.sin()).abs() / t.cos()
    };
    for (cb, cp) in [(3, 3), (1, 3), (3, 1)] {
        let d = slope(&run_cpu(&load(&incline(cb, cp)), 1.0));
        assert!(
            d < 1e-3,
            "condim {cb}/{cp}: slid {d} m; the pair has friction"
        );
    }
    let d = slope(&run_cpu(&load(&incline(1, 1)), 1.0));
    let free = 0.5 * 9.81 * 20f32.to_radians().sin();
    assert!(
        (d / free - 1.0).abs() < 0.01,
        "condim 1/1: slid {d} m, frictionless {free} m"
    );
}

/// condim 4 and 6 load, warn that torsion and rolling are not modelled, and behave as 3.
#[test]
fn condim_4_and_6_warn_and_behave_as_3() {
    for c in [4, 6] {
        let m = load(&incline(c, 3));
        let compiled = compile(&m, &PhysicsOptions::default()).unwrap();
        assert!(
            compiled
                .warnings
                .iter()
                .any(|w| w.contains("condim 4 and 6") && w.contains("condim 3")),
            "{:?}",
            compiled.warnings
        );
        let t = 20f32.to_radians();
        let q = run_cpu(&m, 1.0);
        assert!(((q[0] - 0.1 * t.sin()).abs() / t.cos()) < 1e-3);
    }
}

/// A ball dropped on a box that rests on the floor; `exclude` names the ball and the box.
fn stack(exclude: bool) -> String {
    let ex = if exclude {
        r#"<contact><exclude name="pass" body1="ball" body2="block"/></contact>"#
    } else {
        ""
    };
    format!(
        r#"<mujoco><option timestep="0.002"/><worldbody>
<geom name="floor" type="plane" size="5 5 .1"/>
<body name="block" pos="0 0 0.1"><freejoint/><geom type="box" size="0.2 0.2 0.1" mass="1"/></body>
<body name="ball" pos="0 0 0.5"><freejoint/><geom type="sphere" size="0.05" mass="0.1"/></body>
</worldbody>{ex}</mujoco>"#
    )
}

/// Without the exclude the ball lands on the box (z = 0.25); with it, it falls through
/// the box to the floor (z = 0.05) while the box stays (1 mm: resting contacts).
#[test]
fn an_excluded_body_pair_passes_through_each_other() {
    let q = run_cpu(&load(&stack(false)), 1.0);
    assert!((q[9] - 0.25).abs() < 1e-3, "ball at {}", q[9]);
    let q = run_cpu(&load(&stack(true)), 1.0);
    assert!((q[9] - 0.05).abs() < 1e-3, "ball at {}", q[9]);
    assert!((q[2] - 0.1).abs() < 1e-3, "box at {}", q[2]);
}

/// An exclude naming the world body drops the body's contacts with the world's geoms.
#[test]
fn excluding_the_world_drops_the_floor() {
    let xml = sphere(0.0, 0.0, 0.0, 0.0).replace(
        "</mujoco>",
        r#"<contact><exclude body1="world" body2="ball"/></contact></mujoco>"#,
    );
    let c = compile(&load(&xml), &PhysicsOptions::default()).unwrap();
    assert_eq!(c.pairs.len(), 0);
}

/// The geom pairs MuJoCo 4.0.1 keeps in a tree (`scripts/contacts_reference.py`, every geom
/// overlapping every other): a free body a; b hinged to a; c welded to b; d hinged to c; a
/// static body e. Parent filtering drops a-b and a-c (c's weld body is b, whose parent is
/// a) and b-d (d's weld parent is b), keeps a-d (grandparent) and never filters against
/// the world (e and the floor are static and never collide with each other).
#[test]
fn parent_filtering_keeps_mujoco_pairs() {
    let xml = r#"<mujoco><worldbody>
<geom name="floor" type="plane" size="5 5 .1"/>
<body name="a" pos="0 0 0.3"><freejoint/><geom name="ga" type="sphere" size="0.5"/>
  <body name="b" pos="0.01 0 0"><joint type="hinge"/><geom name="gb" type="sphere" size="0.5"/>
    <body name="c" pos="0.01 0 0"><geom name="gc" type="sphere" size="0.5"/>
      <body name="d" pos="0.01 0 0"><joint type="hinge"/><geom name="gd" type="sphere" size="0.5"/>
      </body>
    </body>
  </body>
</body>
<body name="e" pos="0 0.02 0.3"><geom name="ge" type="sphere" size="0.5"/></body>
</worldbody></mujoco>"#;
    let m = load(xml);
    let c = compile(&m, &PhysicsOptions::default()).unwrap();
    let name = |g: u32| m.geoms[g as usize].name.clone().unwrap();
    let mut got: Vec<(String, String)> = c
        .pairs
        .iter()
        .map(|&[a, b]| {
            let (a, b) = (name(a), name(b));
            if a < b {
                (a, b)
            } else {
                (b, a)
            }
        })
        .collect();
    got.sort();
    let mujoco = [
        ("floor", "ga"),
        ("floor", "gb"),
        ("floor", "gc"),
        ("floor", "gd"),
        ("ga", "gd"),
        ("ga", "ge"),
        ("gb", "ge"),
        ("gc", "ge"),
        ("gd", "ge"),
    ];
    let want: Vec<(String, String)> = mujoco
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

fn load_err(xml: &str, lenient: bool) -> Result<Vec<String>, Error> {
    load_str("bad.xml", Path::new("."), xml, &LoadOptions { lenient }).map(|l| l.warnings)
}

/// Bad excludes and margins are errors naming the file, line, attribute, value and what
/// is allowed; `<pair>` is unsupported (an error, a warning with lenient).
#[test]
fn contact_input_errors_name_the_place_and_what_is_allowed() {
    let base = sphere(0.0, 0.0, 0.0, 0.0);
    let with = |contact: &str| base.replace("</mujoco>", &format!("{contact}</mujoco>"));
    let e = load_err(
        &with("<contact>\n<exclude body1=\"ball\" body2=\"bal\"/></contact>"),
        false,
    )
    .unwrap_err();
    let text = e.to_string();
    match &e {
        Error::Input {
            file, line, field, ..
        } => {
            assert_eq!(
                (file.as_str(), *line, field.as_str()),
                ("bad.xml", Some(6), "exclude.body2")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        text.contains("\"bal\"") && text.contains("allowed") && text.contains("\"ball\""),
        "{text}"
    );
    let e = load_err(&with("<contact><exclude body1=\"ball\"/></contact>"), false).unwrap_err();
    assert!(e.to_string().contains("exclude.body2: is required"), "{e}");
    let e = load_err(&with("<contact><exclusion/></contact>"), false).unwrap_err();
    assert!(e.to_string().contains("allowed: exclude, pair"), "{e}");
    let pair = with(r#"<contact><pair geom1="floor" geom2="floor"/></contact>"#);
    let e = load_err(&pair, false).unwrap_err();
    assert!(e.to_string().contains("<pair> changes the dynamics"), "{e}");
    let warnings = load_err(&pair, true).unwrap();
    assert!(
        warnings.iter().any(|w| w.contains("<pair>")),
        "{warnings:?}"
    );
    let e = load_err(&sphere(-0.01, 0.0, 0.0, 0.0), false).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("bad.xml:4: geom.margin: is -0.01") && text.contains("allowed"),
        "{text}"
    );
}

/// One GPU scene covering the three features at once, against the CPU reference: a
/// sphere with margin 0.01 resting on the floor, a ball excluded from a static shelf
/// falling through it to the floor, and a frictionless (condim 1) box launched at 1 m/s
/// keeping its speed. 200 steps (2 s) from rest: GPU and CPU agree within 1e-4 (as the
/// registered scenes do), and the GPU shows each effect.
#[test]
fn gpu_matches_cpu_on_margin_exclude_and_condim() {
    let xml = r#"<mujoco><option timestep="0.01"/><worldbody>
<geom name="floor" type="plane" size="5 5 .1" condim="1"/>
<body name="shelf" pos="1 0 0.5"><geom type="box" size="0.2 0.2 0.02"/></body>
<body name="rest" pos="0 0 0.2"><freejoint/><geom type="sphere" size="0.1" mass="1" margin="0.01"/></body>
<body name="drop" pos="1 0 0.8"><freejoint/><geom type="sphere" size="0.05" mass="0.1"/></body>
<body name="slide" pos="-1 1 0.1"><freejoint/><geom type="box" size="0.1 0.1 0.1" mass="1" condim="1"/></body>
</worldbody><contact><exclude body1="shelf" body2="drop"/></contact>
<keyframe><key name="go" qpos="0 0 0.2 1 0 0 0 1 0 0.8 1 0 0 0 -1 1 0.1 1 0 0 0"
 qvel="0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0"/></keyframe></mujoco>"#;
    let model = load(xml);
    let cfg = SceneConfig {
        max_episode_steps: 100_000,
        keyframe: Some("go".into()),
        ..common::generic_config("contacts")
    };
    let mut e = make_scene(
        gpu(),
        &model,
        &cfg,
        &EnvConfig::new(1).autoreset(AutoresetMode::Disabled),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let obs0 = e.reset(0).unwrap().to_vec();
    let c = compile(&model, &PhysicsOptions::default()).unwrap();
    let mut cpu = CpuBatch::new(&c, 1);
    let st = e.get_state(manyworlds::env::Worlds::All).unwrap();
    cpu.state.copy_from_slice(&st.state);
    assert_eq!(cpu.observe(0), obs0);
    let mut obs = obs0;
    for t in 0..200 {
        obs = e.step(&[]).unwrap().obs.to_vec();
        cpu.step(&[]);
        let o = cpu.observe(0);
        for k in 0..o.len() {
            assert!(
                (o[k] - obs[k]).abs() <= 1e-4,
                "step {t} obs[{k}]: cpu {} gpu {}",
                o[k],
                obs[k]
            );
        }
    }
    assert!((obs[2] - 0.11).abs() < 1e-4, "resting sphere at {}", obs[2]);
    assert!((obs[9] - 0.05).abs() < 1e-3, "dropped ball at {}", obs[9]);
    assert!(
        (obs[14] - 1.0).abs() < 1e-3,
        "slider x {} after 2 s at 1 m/s",
        obs[14]
    );
    assert!(
        (obs[21 + 12] - 1.0).abs() < 1e-3,
        "slider speed {}",
        obs[21 + 12]
    );
}
