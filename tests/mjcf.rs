//! The MJCF loader: MuJoCo's own compilation of Gymnasium's model files as the reference,
//! plus small scenes for each feature and each kind of bad input.

mod common;

use common::gymnasium_assets;

use glam::{Quat, Vec3};
use manyworlds::mjcf::{load_file, load_str, LoadOptions};
use manyworlds::sim::model::{ActuatorKind, GeomKind, JointKind, Model};
use manyworlds::Error;
use serde::Deserialize;
use std::path::Path;

fn load(xml: &str) -> Result<manyworlds::mjcf::Loaded, Error> {
    load_str("test.xml", Path::new("."), xml, &LoadOptions::default())
}

fn model(xml: &str) -> Model {
    load(xml).unwrap_or_else(|e| panic!("{e}")).model
}

/// Expects an error whose message contains every needle.
fn fails(xml: &str, needles: &[&str]) {
    match load(xml) {
        Ok(_) => panic!("accepted: {xml}"),
        Err(e) => {
            let msg = e.to_string();
            for n in needles {
                assert!(msg.contains(n), "{msg:?} lacks {n:?}");
            }
        }
    }
}

fn close(a: f32, b: f64, rel: f64, what: &str) {
    let tol = rel * b.abs().max(1e-6);
    assert!((a as f64 - b).abs() <= tol, "{what}: {a} vs MuJoCo {b}");
}

/// Rotations equal within `tol` of 1 - |q·p| (q and -q are the same rotation).
fn rot_eq(a: Quat, b: Quat, tol: f32) -> bool {
    1.0 - a.dot(b).abs() <= tol
}

fn same_rotation(a: Quat, wxyz: &[f64], what: &str) {
    let b = Quat::from_xyzw(
        wxyz[1] as f32,
        wxyz[2] as f32,
        wxyz[3] as f32,
        wxyz[0] as f32,
    );
    assert!(rot_eq(a, b, 1e-5), "{what}: {a:?} vs MuJoCo {b:?}");
}

#[derive(Deserialize)]
struct Reference {
    files: std::collections::BTreeMap<String, RefModel>,
}

#[derive(Deserialize)]
struct RefModel {
    nq: usize,
    nv: usize,
    nu: usize,
    ngeom: usize,
    timestep: f64,
    gravity: Vec<f64>,
    bodies: Vec<RefBody>,
    joints: Vec<RefJoint>,
    geoms: Vec<RefGeom>,
    actuators: Vec<RefActuator>,
    qpos0: Vec<f64>,
}

#[derive(Deserialize)]
struct RefBody {
    name: String,
    parent: usize,
    mass: f64,
    inertia: Vec<f64>,
    ipos: Vec<f64>,
    pos: Vec<f64>,
    quat: Vec<f64>,
}

#[derive(Deserialize)]
struct RefJoint {
    name: String,
    #[serde(rename = "type")]
    kind: u32,
    body: usize,
    limited: bool,
    range: Vec<f64>,
    axis: Vec<f64>,
    damping: f64,
    armature: f64,
}

#[derive(Deserialize)]
struct RefGeom {
    #[serde(rename = "type")]
    kind: u32,
    size: Vec<f64>,
    pos: Vec<f64>,
    quat: Vec<f64>,
    friction: Vec<f64>,
    contype: u32,
    conaffinity: u32,
    condim: u32,
}

#[derive(Deserialize)]
struct RefActuator {
    joint: usize,
    gear: f64,
    ctrllimited: bool,
    ctrlrange: Vec<f64>,
}

/// All eight Gymnasium files load as they are, and agree with MuJoCo 4.0's compilation:
/// sizes and counts exactly; masses, inertias (principal, largest first), centres of mass,
/// poses, joint ranges (radians), gears and ctrlranges to 1e-5 relative (float32 vs float64);
/// orientations as rotations (q and -q are equal).
#[test]
fn gymnasium_files_match_mujoco() {
    let Some(dir) = gymnasium_assets() else {
        return;
    };
    let reference: Reference =
        serde_json::from_str(include_str!("data/gymnasium_mjcf_mujoco.json")).unwrap();
    assert_eq!(reference.files.len(), 8);
    for (file, r) in &reference.files {
        let path = dir.join(format!("{file}.xml"));
        let loaded =
            load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let m = &loaded.model;
        assert_eq!(
            (m.nq(), m.nv(), m.actuators.len(), m.geoms.len()),
            (r.nq, r.nv, r.nu, r.ngeom),
            "{file}: sizes"
        );
        close(
            m.option.timestep,
            r.timestep,
            1e-6,
            &format!("{file} timestep"),
        );
        for k in 0..3 {
            close(
                m.option.gravity[k],
                r.gravity[k],
                1e-6,
                &format!("{file} gravity"),
            );
        }
        assert_eq!(m.bodies.len(), r.bodies.len(), "{file}: bodies");
        for (b, rb) in m.bodies.iter().zip(&r.bodies) {
            let what = format!("{file} body {}", rb.name);
            if !rb.name.is_empty() {
                assert_eq!(b.name.as_deref(), Some(rb.name.as_str()), "{what}");
            }
            assert_eq!(b.parent, rb.parent, "{what}: parent");
            close(b.mass, rb.mass, 1e-5, &format!("{what} mass"));
            for k in 0..3 {
                close(
                    b.inertia[k],
                    rb.inertia[k],
                    1e-4,
                    &format!("{what} inertia[{k}]"),
                );
                close(b.ipos[k], rb.ipos[k], 1e-5, &format!("{what} ipos[{k}]"));
                close(b.pos[k], rb.pos[k], 1e-6, &format!("{what} pos[{k}]"));
            }
            same_rotation(b.quat, &rb.quat, &format!("{what} quat"));
        }
        assert_eq!(m.joints.len(), r.joints.len(), "{file}: joints");
        for (j, rj) in m.joints.iter().zip(&r.joints) {
            let what = format!("{file} joint {}", rj.name);
            let kind = [
                JointKind::Free,
                JointKind::Ball,
                JointKind::Slide,
                JointKind::Hinge,
            ][rj.kind as usize];
            assert_eq!((j.kind, j.body), (kind, rj.body), "{what}");
            assert_eq!(j.range.is_some(), rj.limited, "{what}: limited");
            if let Some(range) = j.range {
                close(range[0], rj.range[0], 1e-5, &format!("{what} range"));
                close(range[1], rj.range[1], 1e-5, &format!("{what} range"));
            }
            if matches!(j.kind, JointKind::Hinge | JointKind::Slide) {
                for k in 0..3 {
                    close(j.axis[k], rj.axis[k], 1e-5, &format!("{what} axis"));
                }
            }
            close(j.damping, rj.damping, 1e-6, &format!("{what} damping"));
            close(j.armature, rj.armature, 1e-6, &format!("{what} armature"));
        }
        for (g, rg) in m.geoms.iter().zip(&r.geoms) {
            let kind = match rg.kind {
                0 => GeomKind::Plane,
                2 => GeomKind::Sphere,
                3 => GeomKind::Capsule,
                4 => GeomKind::Ellipsoid,
                5 => GeomKind::Cylinder,
                6 => GeomKind::Box,
                other => panic!("{file}: geom type {other}"),
            };
            let what = format!("{file} geom {:?}", g.name);
            assert_eq!(g.kind, kind, "{what}");
            for k in 0..3 {
                close(g.size[k], rg.size[k], 1e-5, &format!("{what} size"));
                close(g.pos[k], rg.pos[k], 1e-5, &format!("{what} pos"));
                close(
                    g.friction[k],
                    rg.friction[k],
                    1e-6,
                    &format!("{what} friction"),
                );
            }
            same_rotation(g.quat, &rg.quat, &format!("{what} quat"));
            assert_eq!(
                (g.contype, g.conaffinity, g.condim),
                (rg.contype, rg.conaffinity, rg.condim),
                "{what}"
            );
        }
        for (a, ra) in m.actuators.iter().zip(&r.actuators) {
            assert_eq!(a.joint, ra.joint, "{file}: actuator joint");
            close(a.gear, ra.gear, 1e-6, &format!("{file} gear"));
            assert_eq!(a.ctrlrange.is_some(), ra.ctrllimited, "{file}: ctrllimited");
            if let Some(c) = a.ctrlrange {
                close(c[0], ra.ctrlrange[0], 1e-6, &format!("{file} ctrlrange"));
                close(c[1], ra.ctrlrange[1], 1e-6, &format!("{file} ctrlrange"));
            }
        }
        for (q, rq) in m.qpos0().iter().zip(&r.qpos0) {
            close(*q, *rq, 1e-5, &format!("{file} qpos0"));
        }
        eprintln!("{file}: ok, {} warnings", loaded.warnings.len());
    }
}

const PENDULUM: &str = r#"
<mujoco model="p">
  <compiler angle="degree"/>
  <option timestep="0.005" gravity="0 0 -9.8"/>
  <default>
    <joint damping="0.1"/>
    <geom rgba="1 0 0 1" density="500"/>
    <default class="light">
      <geom density="100"/>
      <default class="lighter"><geom density="10" rgba="0 1 0 1"/></default>
    </default>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <body name="a" pos="0 0 1" euler="0 90 0" childclass="light">
      <joint name="j0" type="hinge" axis="0 1 0" range="-45 45"/>
      <geom name="g0" type="sphere" size="0.1"/>
      <geom name="g1" class="lighter" type="box" size="0.1 0.2 0.3" pos="0 0 0.5"/>
      <body name="b" axisangle="0 0 1 90">
        <joint name="j1" type="slide" axis="1 0 0" ref="0.25"/>
        <geom name="g2" type="capsule" fromto="0 0 0 0 0 0.4" size="0.05"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="m0" joint="j0" gear="2" ctrlrange="-1 1"/>
    <position name="p1" joint="j1" kp="30"/>
  </actuator>
  <keyframe><key name="k" qpos="0.1 0.2"/></keyframe>
</mujoco>"#;

#[test]
fn defaults_childclass_and_units() {
    let m = model(PENDULUM);
    assert_eq!(m.option.timestep, 0.005);
    let (g0, g1, g2) = (
        &m.geoms[m.geom("g0").unwrap()],
        &m.geoms[m.geom("g1").unwrap()],
        &m.geoms[m.geom("g2").unwrap()],
    );
    let sphere = 4.0 / 3.0 * std::f32::consts::PI * 0.001;
    assert!(
        (g0.mass - 100.0 * sphere).abs() < 1e-4,
        "childclass density: {}",
        g0.mass
    );
    assert!(
        (g1.mass - 10.0 * 8.0 * 0.006).abs() < 1e-5,
        "nested class density: {}",
        g1.mass
    );
    assert_eq!(g1.rgba, glam::Vec4::new(0.0, 1.0, 0.0, 1.0));
    assert_eq!(
        g0.rgba,
        glam::Vec4::new(1.0, 0.0, 0.0, 1.0),
        "inherited from main"
    );
    assert_eq!(g2.kind, GeomKind::Capsule);
    assert!(
        (g2.size.y - 0.2).abs() < 1e-6 && (g2.pos - Vec3::new(0.0, 0.0, 0.2)).length() < 1e-6,
        "fromto"
    );
    assert!(
        rot_eq(g2.quat, Quat::from_rotation_x(std::f32::consts::PI), 1e-6),
        "z from `to` to `from`, as MuJoCo"
    );
    let j0 = &m.joints[m.joint("j0").unwrap()];
    let r = j0.range.unwrap();
    assert!(
        (r[1] - std::f32::consts::FRAC_PI_4).abs() < 1e-6,
        "degrees to radians"
    );
    assert_eq!(j0.damping, 0.1);
    let j1 = &m.joints[1];
    assert_eq!(
        (j1.kind, j1.reference),
        (JointKind::Slide, 0.25),
        "slide ref is not an angle"
    );
    assert_eq!(m.qpos0(), vec![0.0, 0.25]);
    let a = &m.bodies[m.body("a").unwrap()];
    assert!(rot_eq(
        a.quat,
        Quat::from_rotation_y(std::f32::consts::FRAC_PI_2),
        1e-6
    ));
    let b = &m.bodies[m.body("b").unwrap()];
    assert!(rot_eq(
        b.quat,
        Quat::from_rotation_z(std::f32::consts::FRAC_PI_2),
        1e-6
    ));
    assert_eq!(b.parent, m.body("a").unwrap());
    assert_eq!(m.actuators[0].gear, 2.0);
    assert_eq!(m.actuators[0].ctrlrange, Some([-1.0, 1.0]));
    assert_eq!(
        m.actuators[1].kind,
        ActuatorKind::Position { kp: 30.0, kv: 0.0 }
    );
    assert_eq!(m.actuators[1].joint, 1);
    assert_eq!(m.keyframes[0].qpos, vec![0.1, 0.2]);
    assert_eq!(m.keyframes[0].qvel, vec![0.0, 0.0]);
    // Body a: a sphere at its origin and a box 0.5 up; the centre of mass lies between.
    let want = (g1.mass * 0.5) / (g0.mass + g1.mass);
    assert!((a.mass - (g0.mass + g1.mass)).abs() < 1e-6 && (a.ipos.z - want).abs() < 1e-5);
}

#[test]
fn orientation_forms_agree() {
    let rot = |attr: &str| {
        let xml = format!(
            r#"<mujoco><worldbody><body name="b" {attr}><geom size="0.1"/></body></worldbody></mujoco>"#
        );
        model(&xml).bodies[1].quat
    };
    let want = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2);
    for attr in [
        r#"quat="0.7071068 0.7071068 0 0""#,
        r#"axisangle="1 0 0 90""#,
        r#"euler="90 0 0""#,
        r#"xyaxes="1 0 0 0 0 1""#,
        r#"zaxis="0 -1 0""#,
    ] {
        assert!(rot_eq(rot(attr), want, 1e-6), "{attr}: {:?}", rot(attr));
    }
    // Intrinsic x-y-z Euler angles: rotate about x, then about the new y.
    let q = rot(r#"euler="90 90 0""#);
    let w = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)
        * Quat::from_rotation_y(std::f32::consts::FRAC_PI_2);
    assert!(rot_eq(q, w, 1e-6));
    let radians = model(
        r#"<mujoco><compiler angle="radian"/><worldbody><body axisangle="0 0 1 1.5707963"><geom size="0.1"/></body></worldbody></mujoco>"#,
    );
    assert!(rot_eq(
        radians.bodies[1].quat,
        Quat::from_rotation_z(std::f32::consts::FRAC_PI_2),
        1e-6
    ));
}

#[test]
fn explicit_inertial_and_settotalmass() {
    let m = model(
        r#"<mujoco><compiler settotalmass="6"/><worldbody>
        <body name="a"><inertial pos="0 0 0.1" mass="2" diaginertia="0.1 0.2 0.3"/><joint/><geom size="0.1" mass="50"/></body>
        <body name="b"><freejoint/><geom type="box" size="0.1 0.1 0.1" mass="1"/></body>
        </worldbody></mujoco>"#,
    );
    // inertiafromgeom="auto": body a uses its <inertial>, body b its geom; then scaled 6 / 3.
    assert!((m.bodies[1].mass - 4.0).abs() < 1e-6 && (m.bodies[2].mass - 2.0).abs() < 1e-6);
    assert_eq!(
        m.bodies[1].inertia,
        Vec3::new(0.2, 0.4, 0.6),
        "as given, scaled by 2"
    );
    assert_eq!(m.bodies[1].ipos, Vec3::new(0.0, 0.0, 0.1));
    assert_eq!(m.nq(), 8);
    assert_eq!(&m.qpos0()[1..], &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
}

#[test]
fn includes_are_read_relative_to_the_including_file() {
    let dir = std::env::temp_dir().join(format!("manyworlds-mjcf-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("parts")).unwrap();
    std::fs::write(dir.join("main.xml"), r#"<mujoco><include file="parts/defaults.xml"/><worldbody><include file="parts/arm.xml"/></worldbody></mujoco>"#).unwrap();
    std::fs::write(
        dir.join("parts/defaults.xml"),
        r#"<mujoco><default><geom density="2"/></default></mujoco>"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("parts/arm.xml"),
        r#"<mujoco><body name="arm"><joint/><geom type="box" size="1 1 1"/></body></mujoco>"#,
    )
    .unwrap();
    let m = load_file(&dir.join("main.xml"), &LoadOptions::default())
        .unwrap()
        .model;
    assert_eq!(m.bodies[1].name.as_deref(), Some("arm"));
    assert!(
        (m.bodies[1].mass - 16.0).abs() < 1e-5,
        "density from the included default"
    );
    std::fs::write(
        dir.join("loop.xml"),
        r#"<mujoco><include file="loop.xml"/></mujoco>"#,
    )
    .unwrap();
    let e = load_file(&dir.join("loop.xml"), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("cycle") && e.contains("loop.xml:1"), "{e}");
    std::fs::write(
        dir.join("missing.xml"),
        "<mujoco>\n<include file=\"nope.xml\"/></mujoco>",
    )
    .unwrap();
    let e = load_file(&dir.join("missing.xml"), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.xml:2") && e.contains("nope.xml"), "{e}");
}

#[test]
fn unmodelled_attributes_warn_once_and_dynamics_elements_fail_unless_lenient() {
    let xml = r#"<mujoco>
      <worldbody>
        <body><joint name="j" margin="0.1"/><geom size="0.1" solmix="0.5" solref="0.02 1"/><geom size="0.1" solmix="0.5"/></body>
      </worldbody>
      <tendon><fixed name="t" stiffness="2"><joint joint="j" coef="1"/></fixed></tendon>
    </mujoco>"#;
    let e = load(xml).unwrap_err().to_string();
    assert!(
        e.contains("test.xml:5") && e.contains("tendon") && e.contains("--lenient"),
        "{e}"
    );
    let loaded = load_str(
        "test.xml",
        Path::new("."),
        xml,
        &LoadOptions { lenient: true },
    )
    .unwrap();
    let w = loaded.warnings.join("\n");
    assert!(
        w.contains("`solmix` of <geom>") && w.contains("(2 times)"),
        "{w}"
    );
    assert!(
        w.contains("`solref` of <geom>")
            && w.contains("`margin` of <joint>")
            && w.contains("<fixed> has stiffness 2"),
        "{w}"
    );
    assert_eq!(loaded.warnings.len(), 4, "{w}");
}

/// A fixed tendon that applies no force (no limit, spring, damping, friction or armature:
/// Gymnasium's humanoid has two) loads with a warning; one that acts is refused, naming
/// what acts; a tendon of an unknown joint is an error naming the field and the value.
#[test]
fn inert_fixed_tendons_load_and_acting_ones_are_refused() {
    let xml = |attrs: &str, joint: &str| {
        format!(
            r#"<mujoco><worldbody><body><joint name="j"/><geom size="0.1"/></body></worldbody>
      <tendon><fixed name="t" {attrs}><joint joint="{joint}" coef="-1"/></fixed></tendon></mujoco>"#
        )
    };
    let loaded = load(&xml(r#"range="-1 1" limited="false""#, "j")).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("applies no force")),
        "{:?}",
        loaded.warnings
    );
    for (attrs, what) in [
        (r#"range="-1 1""#, "a limit"),
        (r#"damping="0.5""#, "damping 0.5"),
        (r#"frictionloss="1""#, "frictionloss 1"),
    ] {
        let e = load(&xml(attrs, "j")).unwrap_err().to_string();
        assert!(e.contains("test.xml:2") && e.contains(what), "{e}");
    }
    let e = load(&xml("", "nope")).unwrap_err().to_string();
    assert!(e.contains("joint.joint") && e.contains("\"nope\""), "{e}");
}

#[test]
fn bad_input_names_file_line_and_attribute() {
    fails("<mujoco><worldbody>", &["test.xml:1"]);
    fails("<robot/>", &["<mujoco>"]);
    fails(
        "<mujoco>\n<worldbody>\n<geom size=\"0.1 x\"/></worldbody></mujoco>",
        &["test.xml:3", "geom.size", "\"x\""],
    );
    fails(
        "<mujoco><worldbody><geom size=\"0.1 0.2 0.3 0.4\"/></worldbody></mujoco>",
        &["geom.size", "4 numbers"],
    );
    fails(
        "<mujoco><worldbody><geom size=\"-1\"/></worldbody></mujoco>",
        &["geom.size", "positive"],
    );
    fails(
        "<mujoco><worldbody><geom size=\"nan\"/></worldbody></mujoco>",
        &["geom.size", "finite"],
    );
    fails("<mujoco><worldbody><body><joint/><geom size=\"0.1\" mass=\"-2\"/></body></worldbody></mujoco>", &["geom.mass"]);
    fails(
        "<mujoco><worldbody><body quat=\"0 0 0 0\"><geom size=\"1\"/></body></worldbody></mujoco>",
        &["body.quat", "zero"],
    );
    fails(
        "<mujoco><worldbody><body><joint/></body></worldbody></mujoco>",
        &["no mass"],
    );
    fails(
        "<mujoco><worldbody><geom type=\"blob\"/></worldbody></mujoco>",
        &["geom.type", "allowed"],
    );
    fails("<mujoco><worldbody><body name=\"a\"><geom size=\"1\"/></body><body name=\"a\"><geom size=\"1\"/></body></worldbody></mujoco>", &["body.name", "\"a\""]);
    fails(
        "<mujoco><worldbody><body class=\"nope\"><geom size=\"1\"/></body></worldbody></mujoco>",
        &["class", "\"nope\""],
    );
    fails(
        "<mujoco><default><default class=\"a\"/><default class=\"a\"/></default></mujoco>",
        &["defined twice"],
    );
    fails(
        "<mujoco><actuator><motor joint=\"ghost\"/></actuator></mujoco>",
        &["actuator.joint", "ghost"],
    );
    fails("<mujoco><worldbody><body><joint limited=\"true\"/><geom size=\"1\"/></body></worldbody></mujoco>", &["joint.range"]);
    fails("<mujoco><worldbody><body><joint range=\"1 -1\"/><geom size=\"1\"/></body></worldbody></mujoco>", &["joint.range", "lower"]);
    fails(
        "<mujoco><option timestep=\"0\"/></mujoco>",
        &["option.timestep"],
    );
    fails("<mujoco><worldbody><geom type=\"capsule\" size=\"0.1\" fromto=\"0 0 0 0 0 0\"/></worldbody></mujoco>", &["geom.fromto", "zero"]);
    fails("<mujoco><worldbody><body><geom size=\"1\"/><geom type=\"plane\" size=\"1 1 1\"/></body></worldbody></mujoco>", &["plane"]);
    fails(
        "<mujoco><compiler angle=\"gradian\"/></mujoco>",
        &["compiler.angle", "degree, radian"],
    );
    fails(
        "<mujoco><worldbody><joint/></worldbody></mujoco>",
        &["world body"],
    );
    fails("<mujoco><blob/></mujoco>", &["unknown element <blob>"]);
    fails(
        "<mujoco><option><flag gravity=\"disable\"/></option></mujoco>",
        &["<flag>", "--lenient"],
    );
    fails(
        "<mujoco><worldbody><body mocap=\"true\"><geom size=\"1\"/></body></worldbody></mujoco>",
        &["body.mocap"],
    );
    fails(
        "<mujoco><keyframe><key qpos=\"1 2\"/></keyframe></mujoco>",
        &["key.qpos", "expected 0"],
    );
    fails("<mujoco><default><geom density=\"-1\"/></default><worldbody><body><joint/><geom size=\"1\"/></body></worldbody></mujoco>", &["test.xml:1", "geom.density"]);
}

/// `load_str` never panics on a few thousand mutations of a valid scene (a quick,
/// deterministic fuzz; the property-based one belongs to the reliability work).
#[test]
fn mutated_scenes_never_panic() {
    let base = PENDULUM.as_bytes();
    let key = manyworlds::shared::rng::rng_key(4);
    let junk = [
        b'<', b'>', b'"', b'/', b'-', b' ', b'0', b'9', b'e', b'.', b'x', b'=', b'&',
    ];
    for i in 0..3000_u32 {
        let bits = manyworlds::shared::rng::rng_block(key, i, 0, 0);
        let mut s = base.to_vec();
        let at = bits[0] as usize % s.len();
        match bits[1] % 3 {
            0 => s[at] = junk[bits[2] as usize % junk.len()],
            1 => {
                s.remove(at);
            }
            _ => s.insert(at, junk[bits[2] as usize % junk.len()]),
        }
        if let Ok(text) = std::str::from_utf8(&s) {
            let _ = load(text);
        }
    }
}

/// The benchmark scene (`scenes/boxes.xml`, a copy of the team's shared scene) loads as it is.
#[test]
fn boxes_scene_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/boxes.xml");
    let loaded = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let m = &loaded.model;
    assert_eq!(
        (m.bodies.len(), m.joints.len(), m.nq(), m.nv()),
        (9, 8, 56, 48)
    );
    assert!(m.joints.iter().all(|j| j.kind == JointKind::Free));
    assert!((m.total_mass() - 8.0).abs() < 1e-5);
    assert_eq!(m.option.timestep, 0.01);
    assert_eq!(m.cameras[0].fovy, 60.0);
    assert!(m.lights[0].directional);
    let box0 = &m.bodies[m.body("box0").unwrap()];
    assert!(
        (box0.inertia - Vec3::splat(1.0 / 150.0)).length() < 1e-6,
        "a 0.2 m cube of 1 kg"
    );
}

/// Our cart-pole scene: two joints, one force actuator, Gymnasium's masses and pole length.
#[test]
fn cartpole_rigid_scene_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/cartpole_rigid.xml");
    let m = load_file(&path, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .model;
    assert_eq!((m.nq(), m.nv(), m.actuators.len()), (2, 2, 1));
    let (cart, pole) = (m.body("cart").unwrap(), m.body("pole").unwrap());
    assert_eq!((m.bodies[cart].mass, m.bodies[pole].mass), (1.0, 0.1));
    assert!(
        (m.bodies[pole].ipos.z - 0.5).abs() < 1e-6,
        "pole centre of mass at half its length"
    );
    assert_eq!(
        m.joints[m.joint("slider").unwrap()].range,
        Some([-2.4, 2.4])
    );
    assert_eq!(m.actuators[0].gear, 10.0);
    assert_eq!(m.actuators[0].ctrlrange, Some([-1.0, 1.0]));
    assert!(m.geoms.iter().all(|g| g.contype == 0 && g.conaffinity == 0));
}
