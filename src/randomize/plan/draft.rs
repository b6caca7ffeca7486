//! Drafting one slot: an (entry, target) pair checked against the scene, with the
//! nominal value and the base Model words the GPU needs to apply it.

use super::super::spec::{Entry, Field, Mode, TargetKind};
use crate::layout::physics::*;
use crate::render::CameraSpec;
use crate::sim::compile::Compiled;
use crate::sim::model::{ActuatorKind, JointKind, Model};
use glam::{Quat, Vec3};

/// Why a target is refused: the offending value and what is allowed instead (the caller
/// names the entry).
pub(super) type Refusal = (String, String);

/// One slot before it is placed in the table.
pub(super) struct Draft {
    /// The spec entry.
    pub entry: usize,
    /// The field.
    pub field: Field,
    /// The target's MJCF name (empty for world settings).
    pub target_name: String,
    /// The record's target index (a sim body for body fields, else the target's index).
    pub target: u32,
    /// Field-specific word (the actuator kind; the armature's mass-scale value, later).
    pub aux: u32,
    /// The nominal value.
    pub nominal: [f32; 4],
    /// Base Model words the field's update starts from.
    pub base: [f32; 7],
}

/// What drafting one entry's targets needs from the scene.
pub(super) struct Scene<'a> {
    /// The MJCF model.
    pub model: &'a Model,
    /// The rendered cameras (empty when the env does not render).
    pub cams: &'a [CameraSpec],
    /// Every MJCF body's world pose in the initial state.
    pub init_poses: &'a [(Vec3, Quat)],
}

/// One target of one entry, being drafted.
struct Target<'a> {
    e: &'a Entry,
    /// The target's index among the things its kind names.
    i: usize,
    name: &'a str,
    scene: &'a Scene<'a>,
    /// The smallest and largest value the entry's distribution draws.
    bounds: (f32, f32),
}

/// Names of the things a target kind names, by index.
pub(super) fn names(kind: TargetKind, model: &Model, cams: &[CameraSpec]) -> Vec<String> {
    let or = |n: &Option<String>, p: &str, i: usize| n.clone().unwrap_or_else(|| format!("{p}{i}"));
    match kind {
        TargetKind::Geom => model
            .geoms
            .iter()
            .enumerate()
            .map(|(i, g)| or(&g.name, "geom", i))
            .collect(),
        TargetKind::Body => model
            .bodies
            .iter()
            .enumerate()
            .map(|(i, b)| or(&b.name, "body", i))
            .collect(),
        TargetKind::Joint => model
            .joints
            .iter()
            .enumerate()
            .map(|(i, j)| or(&j.name, "joint", i))
            .collect(),
        TargetKind::Actuator => model
            .actuators
            .iter()
            .enumerate()
            .map(|(i, a)| or(&a.name, "actuator", i))
            .collect(),
        TargetKind::Light => model
            .lights
            .iter()
            .enumerate()
            .map(|(i, l)| or(&l.name, "light", i))
            .collect(),
        TargetKind::Camera => cams.iter().map(|c| c.name.clone()).collect(),
        TargetKind::World => vec![String::new()],
    }
}

/// The smallest and largest value an entry can produce from a nominal.
pub(super) fn value_bounds(e: &Entry, nominal: f32, (lo, hi): (f32, f32)) -> (f32, f32) {
    match e.mode {
        Mode::Set => (lo, hi),
        Mode::Add => (nominal + lo, nominal + hi),
        Mode::Scale => {
            let (x, y) = (nominal * lo, nominal * hi);
            (x.min(y), x.max(y))
        }
    }
}

/// Drafts entry `e` (number `entry`) for target `i` named `name`; `bounds` are the
/// distribution's bounds. `Ok(None)`: nothing to randomize on this target. A geom that
/// can grow widens its body's bounding radius in `compiled`.
pub(super) fn draft(
    e: &Entry,
    entry: usize,
    (i, name): (usize, &str),
    scene: &Scene,
    compiled: &mut Compiled,
    bounds: (f32, f32),
) -> Result<Option<Draft>, Refusal> {
    let mut d = Draft {
        entry,
        field: e.field,
        target_name: name.to_string(),
        target: i as u32,
        aux: 0,
        nominal: [0.0; 4],
        base: [0.0; 7],
    };
    let t = Target {
        e,
        i,
        name,
        scene,
        bounds,
    };
    let model = scene.model;
    match e.field {
        Field::GeomFriction | Field::GeomRestitution => {
            if !t.geom_contact(compiled, &mut d) {
                return Ok(None);
            }
        }
        Field::GeomSizeScale => t.geom_size(compiled, &mut d)?,
        Field::BodyMassScale => t.body_mass(compiled, &mut d)?,
        Field::JointDamping => d.nominal[0] = model.joints[i].damping,
        Field::JointArmature => t.joint_armature(compiled, &mut d)?,
        Field::ActuatorGain => t.actuator_gain(&mut d),
        Field::OptionGravity => {
            d.nominal[..3].copy_from_slice(&model.option.gravity.to_array());
        }
        Field::OptionTimestep => {
            d.nominal[0] = model.option.timestep;
            t.positive("timestep", model.option.timestep)?;
            d.base[0] = compiled.params.h;
            d.base[1] = compiled.params.dt;
        }
        Field::BodyPos | Field::BodyQuat => t.body_pose(compiled, &mut d)?,
        Field::JointQpos | Field::JointQvel => t.joint_state(&mut d)?,
        Field::GeomRgba => t.geom_rgba(&mut d),
        Field::LightDir => {
            d.nominal[..3].copy_from_slice(&model.lights[i].dir.to_array());
        }
        Field::LightDiffuse => {
            d.nominal[..3].copy_from_slice(&model.lights[i].diffuse.to_array());
        }
        Field::CameraPos | Field::CameraFovy => t.camera(&mut d)?,
        Field::ObsNoiseStd | Field::DepthNoiseStd | Field::ActionNoiseStd => t.noise_std()?,
        Field::ActionLatency => t.latency()?,
    }
    Ok(Some(d))
}

/// Word `k` of geom `g`'s compiled record.
fn gword(c: &Compiled, g: usize, k: u32) -> f32 {
    c.geom_words[g * GEOM_STRIDE as usize + k as usize]
}

impl Target<'_> {
    /// Checks that every value drawn from `nominal` stays positive and finite; returns
    /// the value bounds.
    fn positive(&self, what: &str, nominal: f32) -> Result<(f32, f32), Refusal> {
        let (a, b) = value_bounds(self.e, nominal, self.bounds);
        if !(a > 0.0 && b.is_finite()) {
            return Err((
                format!("{what} values in [{a}, {b}]"),
                "a bounded distribution whose values stay > 0 (clip_sigma for a normal)".into(),
            ));
        }
        Ok((a, b))
    }

    /// The sim body that moves MJCF body `b`, when that body carries the joints.
    fn jointed(&self, compiled: &Compiled, b: usize) -> Result<u32, Refusal> {
        let s = compiled.mjcf_bodies[b].0;
        let has_joint = self.scene.model.joints.iter().any(|j| j.body == b);
        if s == NONE || !has_joint {
            return Err((
                format!("body `{}`", self.name),
                "a body with a joint (bodies welded to it move with it; target that body)".into(),
            ));
        }
        Ok(s)
    }

    /// Friction or restitution: the nominal is the compiled word. `false`: a geom that is
    /// frictionless by condim, with nothing to randomize.
    fn geom_contact(&self, compiled: &Compiled, d: &mut Draft) -> bool {
        let friction = self.e.field == Field::GeomFriction;
        let k = if friction { G_FRICTION } else { G_RESTITUTION };
        d.nominal[0] = gword(compiled, self.i, k);
        !(friction && self.scene.model.geoms[self.i].condim == 1)
    }

    /// Size scale: base sizes and radius; the geom's body's bounding radius grows to hold
    /// the largest size drawn.
    fn geom_size(&self, compiled: &mut Compiled, d: &mut Draft) -> Result<(), Refusal> {
        let i = self.i;
        d.nominal[0] = 1.0;
        let (_, smax) = self.positive("size scale", 1.0)?;
        for c in 0..3 {
            d.base[c] = gword(compiled, i, G_SIZE + c as u32);
        }
        d.base[3] = gword(compiled, i, G_RADIUS);
        let s = gword(compiled, i, G_BODY).to_bits();
        if s != NONE {
            let gp = Vec3::new(
                gword(compiled, i, G_POS),
                gword(compiled, i, G_POS + 1),
                gword(compiled, i, G_POS + 2),
            );
            let at = s as usize * BODY_STRIDE as usize + B_RADIUS as usize;
            let r = &mut compiled.body_words[at];
            *r = r.max(gp.length() + d.base[3] * smax);
        }
        Ok(())
    }

    /// Mass scale: targets the sim body; base inverse mass and moments of inertia.
    fn body_mass(&self, compiled: &Compiled, d: &mut Draft) -> Result<(), Refusal> {
        d.nominal[0] = 1.0;
        self.positive("mass scale", 1.0)?;
        let s = self.jointed(compiled, self.i)?;
        d.target = s;
        let at = s as usize * BODY_STRIDE as usize;
        d.base[0] = compiled.body_words[at + B_INV_MASS as usize];
        for c in 0..3 {
            d.base[1 + c] = 1.0 / compiled.body_words[at + B_INV_INERTIA as usize + c];
        }
        Ok(())
    }

    /// Armature (hinges only): targets the joint's sim body; base moments without the
    /// armature, and the squared axis components it adds along.
    fn joint_armature(&self, compiled: &Compiled, d: &mut Draft) -> Result<(), Refusal> {
        let j = &self.scene.model.joints[self.i];
        if j.kind != JointKind::Hinge {
            return Err((
                format!("joint `{}` ({:?})", self.name, j.kind),
                "a hinge joint (armature is modelled on hinges only)".into(),
            ));
        }
        let (a, _) = value_bounds(self.e, j.armature, self.bounds);
        if a < 0.0 {
            return Err((format!("armature down to {a}"), ">= 0".into()));
        }
        d.nominal[0] = j.armature;
        let s = compiled.mjcf_bodies[j.body].0;
        d.target = s;
        let at = s as usize * BODY_STRIDE as usize;
        let rot = compiled.body_words[at + B_ROT as usize].to_bits();
        if rot == ROT_HINGE2 || rot == ROT_HINGE3 {
            return Err((
                format!(
                    "joint `{}` (one of its body's two or three hinges)",
                    self.name
                ),
                "a hinge that turns its body alone (a hinge group folds its rotors into one \
                 tensor, which is not randomized)"
                    .into(),
            ));
        }
        for c in 0..3 {
            let axis = compiled.body_words[at + B_HAXIS_C as usize + c];
            let cc = axis * axis;
            let moment = 1.0 / compiled.body_words[at + B_INV_INERTIA as usize + c];
            d.base[c] = moment - j.armature * cc;
            d.base[3 + c] = cc;
        }
        Ok(())
    }

    /// Actuator gain: the kind in `aux`, the gear as base.
    fn actuator_gain(&self, d: &mut Draft) {
        let a = &self.scene.model.actuators[self.i];
        match a.kind {
            ActuatorKind::Motor => {
                d.nominal[0] = 1.0;
                d.aux = ACT_MOTOR;
            }
            ActuatorKind::Position { kp, .. } => {
                d.nominal[0] = kp;
                d.aux = ACT_POSITION;
            }
        }
        d.base[0] = a.gear;
    }

    /// Initial position or orientation of a free body: targets the sim body; base is its
    /// pose relative to the sim body, nominal the initial world pose.
    fn body_pose(&self, compiled: &Compiled, d: &mut Draft) -> Result<(), Refusal> {
        let i = self.i;
        let free = self
            .scene
            .model
            .joints
            .iter()
            .any(|j| j.body == i && j.kind == JointKind::Free);
        if !free {
            return Err((
                format!("body `{}`", self.name),
                "a body with a free joint (move other bodies with joint.qpos)".into(),
            ));
        }
        let (s, p, q) = compiled.mjcf_bodies[i];
        d.target = s;
        d.base[..3].copy_from_slice(&p.to_array());
        d.base[3..7].copy_from_slice(&q.to_array());
        let (wp, wq) = self.scene.init_poses[i];
        if self.e.field == Field::BodyPos {
            d.nominal[..3].copy_from_slice(&wp.to_array());
        } else {
            d.nominal = [wq.w, wq.x, wq.y, wq.z];
        }
        Ok(())
    }

    /// Initial position or velocity of a hinge or slide joint.
    fn joint_state(&self, d: &mut Draft) -> Result<(), Refusal> {
        let j = &self.scene.model.joints[self.i];
        if !matches!(j.kind, JointKind::Hinge | JointKind::Slide) {
            return Err((
                format!("joint `{}` ({:?})", self.name, j.kind),
                "a hinge or slide joint (free bodies: body.pos and body.quat)".into(),
            ));
        }
        d.nominal[0] = if self.e.field == Field::JointQpos {
            j.reference
        } else {
            0.0
        };
        Ok(())
    }

    /// Colour: the geom's own, or its material's when the geom keeps the default.
    fn geom_rgba(&self, d: &mut Draft) {
        let model = self.scene.model;
        let g = &model.geoms[self.i];
        d.nominal = g.rgba.to_array();
        if let Some(m) = g.material {
            if g.rgba == crate::render::DEFAULT_GEOM_RGBA {
                d.nominal = model.materials[m].rgba.to_array();
            }
        }
    }

    /// Camera position (in the world frame at the start, for tracking cameras) or vertical
    /// field of view (degrees, inside (0, 180)).
    fn camera(&self, d: &mut Draft) -> Result<(), Refusal> {
        let c = &self.scene.cams[self.i];
        let px = c.pixels();
        if self.e.field == Field::CameraPos {
            let p = if c.track {
                self.scene.init_poses[c.body].1 * c.pos
            } else {
                c.pos
            };
            d.nominal[..3].copy_from_slice(&p.to_array());
            return Ok(());
        }
        // fovy from the focal length: fy = (h / 2) / tan(fovy / 2).
        let fovy = 2.0 * (0.5 * c.height as f32 / px[1]).atan();
        d.nominal[0] = fovy.to_degrees();
        let (a, b) = value_bounds(self.e, d.nominal[0], self.bounds);
        if !(a > 0.0 && b < 180.0) {
            return Err((
                format!("fovy values in [{a}, {b}] degrees"),
                "values inside (0, 180) degrees".into(),
            ));
        }
        d.base[0] = c.height as f32;
        d.base[1] = px[0] / px[1];
        Ok(())
    }

    /// Noise standard deviations stay >= 0.
    fn noise_std(&self) -> Result<(), Refusal> {
        let (a, _) = value_bounds(self.e, 0.0, self.bounds);
        if a < 0.0 {
            return Err((
                format!("standard deviations down to {a}"),
                "values >= 0".into(),
            ));
        }
        Ok(())
    }

    /// Latencies stay >= 0 steps once rounded.
    fn latency(&self) -> Result<(), Refusal> {
        let (a, _) = value_bounds(self.e, 0.0, self.bounds);
        if a < -0.5 {
            return Err((format!("latencies down to {a}"), "values >= 0 steps".into()));
        }
        Ok(())
    }
}
