//! Resolving a [`Spec`] against one scene: every (entry, target) pair becomes a slot
//! record of the GPU table, with the nominal values and base Model words it needs.

use super::spec::{glob, AdrConfig, Dist, Entry, Field, FieldGroup, Mode, Spec, TargetKind};
use crate::layout::physics::*;
use crate::layout::randomize::*;
use crate::render::{CameraSpec, VisualPerWorld};
use crate::sim::compile::{Compiled, PerWorld};
use crate::sim::model::{ActuatorKind, JointKind, Model};
use crate::Error;
use glam::{Quat, Vec3};

/// One slot: a field of one target, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotInfo {
    /// The spec entry it comes from.
    pub entry: usize,
    /// The field.
    pub field: Field,
    /// The target's MJCF name (empty for world settings).
    pub target: String,
    /// Components of the value.
    pub components: usize,
    /// Offset of the value in a draws row.
    pub value: usize,
}

impl SlotInfo {
    /// The record key: `"geom.friction:box3"`, or the field alone for world settings.
    pub fn key(&self) -> String {
        if self.target.is_empty() {
            self.field.name().to_string()
        } else {
            format!("{}:{}", self.field.name(), self.target)
        }
    }
}

/// One ADR parameter: an entry's range.
#[derive(Debug, Clone, PartialEq)]
pub struct AdrParam {
    /// The entry.
    pub entry: usize,
    /// Its field.
    pub field: Field,
    /// `[lo, hi]` at the start.
    pub start: [f32; 2],
    /// The outermost range (the entry's uniform bounds).
    pub limit: [f32; 2],
    /// Boundary step.
    pub step: f32,
}

/// A spec resolved against a scene.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The GPU slot table: records, then `choice` values.
    pub table: Vec<f32>,
    /// The slots, in table order.
    pub slots: Vec<SlotInfo>,
    /// Words per draws row.
    pub draw_stride: u32,
    /// Model families that need one copy per world.
    pub per_world: PerWorld,
    /// Look tables that need one copy per world.
    pub visual: VisualPerWorld,
    /// Whether any slot changes looks (the looks kernel runs before each render).
    pub has_looks: bool,
    /// Offset in a draws row of the depth noise value.
    pub depth_noise: Option<u32>,
    /// Actions held by each world's latency ring (0: no latency randomized).
    pub ring_len: u32,
    /// ADR parameters.
    pub adr: Vec<AdrParam>,
    /// ADR settings.
    pub adr_config: AdrConfig,
}

struct Draft {
    entry: usize,
    field: Field,
    target_name: String,
    target: u32,
    aux: u32,
    nominal: [f32; 4],
    base: [f32; 7],
}

fn bits(u: u32) -> f32 {
    f32::from_bits(u)
}

/// Names of the things a target kind names, by index.
fn names(kind: TargetKind, model: &Model, cams: &[CameraSpec]) -> Vec<String> {
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

impl Plan {
    /// Resolves `spec` for `model` as compiled into `compiled` (whose body records may be
    /// widened: a geom that can grow enlarges its body's bounding radius). `cameras` are
    /// the rendered cameras (`None`: the env does not render, and looks fields are refused).
    pub fn new(
        spec: &Spec,
        model: &Model,
        compiled: &mut Compiled,
        cameras: Option<&[CameraSpec]>,
    ) -> Result<Plan, Error> {
        spec.validate()?;
        let no_cams: Vec<CameraSpec> = Vec::new();
        let cams = cameras.unwrap_or(&no_cams);
        let init_poses = compiled.body_poses(&compiled.init_state);
        let mut drafts: Vec<Draft> = Vec::new();
        let mut adr = Vec::new();
        let mut ring_len = 0u32;
        for (ei, e) in spec.entries.iter().enumerate() {
            let err = |value: String, allowed: String| Error::InvalidArgument {
                field: format!("randomize entries[{ei}] ({})", e.field.name()),
                value,
                allowed,
            };
            if e.field.group() == FieldGroup::Looks && cameras.is_none() {
                return Err(err(
                    "a looks field".into(),
                    "an env that renders (EnvConfig::render): looks fields change images".into(),
                ));
            }
            if e.field == Field::DepthNoiseStd && cameras.is_none() {
                return Err(err(
                    "depth noise".into(),
                    "an env that renders depth (EnvConfig::render with outputs.depth)".into(),
                ));
            }
            if let Some(a) = e.adr {
                let Dist::Uniform { lo, hi } = &e.dist else {
                    unreachable!("validated")
                };
                adr.push(AdrParam {
                    entry: ei,
                    field: e.field,
                    start: a.start,
                    limit: [lo[0], hi[0]],
                    step: a.step,
                });
            }
            // Bounds of the value, for checks and capacities.
            let (dlo, dhi) = (0..e.field.components())
                .map(|c| e.dist.bounds(c))
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), (x, y)| {
                    (a.min(x), b.max(y))
                });
            let all = names(e.field.target_kind(), model, cams);
            let mut matched = Vec::new();
            if e.field.target_kind() == TargetKind::World {
                matched.push(0);
            } else {
                for t in &e.targets {
                    let hits: Vec<usize> = all
                        .iter()
                        .enumerate()
                        .filter(|(i, n)| {
                            glob(t, n) && !(e.field.target_kind() == TargetKind::Body && *i == 0)
                        })
                        .map(|(i, _)| i)
                        .collect();
                    if hits.is_empty() {
                        return Err(err(
                            format!("target `{t}`"),
                            format!(
                                "a name or glob matching one of: {}",
                                all.iter()
                                    .skip((e.field.target_kind() == TargetKind::Body) as usize)
                                    .take(20)
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                    for h in hits {
                        if !matched.contains(&h) {
                            matched.push(h);
                        }
                    }
                }
            }
            for &i in &matched {
                let d = draft(
                    e,
                    ei,
                    i,
                    &all[i],
                    model,
                    compiled,
                    cams,
                    &init_poses,
                    (dlo, dhi),
                )
                .map_err(|(v, a)| err(v, a))?;
                if let Some(d) = d {
                    drafts.push(d);
                }
            }
            if e.field == Field::ActionLatency {
                let hi = value_bounds(e, 0.0, (dlo, dhi)).1;
                let max = if hi.is_finite() {
                    hi.round().max(0.0) as u32
                } else {
                    MAX_LATENCY
                };
                ring_len = ring_len.max(max.min(MAX_LATENCY) + 1);
            }
        }
        // Application order: by field (mass before armature, which reads it), then spec order.
        drafts.sort_by_key(|d| d.field.code());
        let mut table = Vec::new();
        let mut choices = Vec::new();
        let mut slots = Vec::new();
        let mut value = DRAW_HEADER as usize;
        let mut per_world = PerWorld::default();
        let mut visual = VisualPerWorld::default();
        let mut depth_noise = None;
        let n = drafts.len();
        let mut adr_of_entry = vec![NONE; spec.entries.len()];
        for (k, a) in adr.iter().enumerate() {
            adr_of_entry[a.entry] = k as u32;
        }
        for (si, d) in drafts.iter().enumerate() {
            let e = &spec.entries[d.entry];
            let nc = d.field.components();
            let mut rec = [0.0_f32; SLOT_STRIDE as usize];
            rec[R_FIELD as usize] = bits(d.field.code());
            rec[R_TARGET as usize] = bits(d.target);
            rec[R_NCOMP as usize] = bits(nc as u32);
            rec[R_MODE as usize] = bits(match e.mode {
                Mode::Set => RMODE_SET,
                Mode::Scale => RMODE_SCALE,
                Mode::Add => RMODE_ADD,
            });
            rec[R_EVERY as usize] = bits(e.every.unwrap_or(0));
            rec[R_VALUE as usize] = bits(value as u32);
            rec[R_DRAW as usize] = bits(si as u32);
            rec[R_ADR as usize] = bits(adr_of_entry[d.entry]);
            rec[R_AUX as usize] = bits(d.aux);
            rec[R_NOMINAL as usize..R_NOMINAL as usize + 4].copy_from_slice(&d.nominal);
            rec[R_BASE as usize..R_BASE as usize + 7].copy_from_slice(&d.base);
            let per = |v: &[f32], c: usize| v[if v.len() == 1 { 0 } else { c }];
            match &e.dist {
                Dist::Uniform { lo, hi } | Dist::LogUniform { lo, hi } => {
                    rec[R_DIST as usize] = bits(if matches!(e.dist, Dist::Uniform { .. }) {
                        DIST_UNIFORM
                    } else {
                        DIST_LOGUNIFORM
                    });
                    for c in 0..nc {
                        rec[R_PA as usize + c] = per(lo, c);
                        rec[R_PB as usize + c] = per(hi, c);
                    }
                }
                Dist::Normal {
                    mean,
                    std,
                    clip_sigma,
                } => {
                    rec[R_DIST as usize] = bits(DIST_NORMAL);
                    for c in 0..nc {
                        rec[R_PA as usize + c] = per(mean, c);
                        rec[R_PB as usize + c] = per(std, c);
                    }
                    rec[R_CLIP as usize] = clip_sigma.unwrap_or(0.0);
                }
                Dist::Choice(vals) => {
                    rec[R_DIST as usize] = bits(DIST_CHOICE);
                    rec[R_CHOICE as usize] = bits(choices.len() as u32);
                    rec[R_NCHOICE as usize] = bits(vals.len() as u32);
                    for v in vals {
                        for c in 0..4 {
                            choices.push(if c < nc { per(v, c) } else { 0.0 });
                        }
                    }
                }
            }
            table.extend_from_slice(&rec);
            match d.field {
                Field::GeomFriction | Field::GeomSizeScale | Field::GeomRestitution => {
                    per_world.geoms = true
                }
                Field::BodyMassScale | Field::JointArmature => per_world.bodies = true,
                Field::JointDamping => per_world.joints = true,
                Field::ActuatorGain => per_world.actuators = true,
                Field::OptionGravity
                | Field::OptionTimestep
                | Field::ObsNoiseStd
                | Field::ActionNoiseStd
                | Field::ActionLatency => per_world.options = true,
                Field::GeomRgba => visual.colors = true,
                Field::LightDir | Field::LightDiffuse => visual.lights = true,
                Field::CameraPos | Field::CameraFovy => visual.cameras = true,
                Field::DepthNoiseStd => depth_noise = Some(value as u32),
                Field::BodyPos | Field::BodyQuat | Field::JointQpos | Field::JointQvel => {}
            }
            if d.field == Field::GeomSizeScale {
                // The renderer draws the new size too: per-world geom scales.
                visual.colors = true;
            }
            slots.push(SlotInfo {
                entry: d.entry,
                field: d.field,
                target: d.target_name.clone(),
                components: nc,
                value,
            });
            value += nc;
        }
        // Choice offsets are relative to the end of the records.
        let records = (n * SLOT_STRIDE as usize) as u32;
        for si in 0..n {
            let at = si * SLOT_STRIDE as usize;
            if table[at + R_DIST as usize].to_bits() == DIST_CHOICE {
                let off = table[at + R_CHOICE as usize].to_bits() + records;
                table[at + R_CHOICE as usize] = bits(off);
            }
        }
        // Armature slots read their body's mass scale value, when one is drawn.
        for si in 0..n {
            if drafts[si].field == Field::JointArmature {
                let body = drafts[si].target;
                let ms = (0..n)
                    .rev()
                    .find(|&k| drafts[k].field == Field::BodyMassScale && drafts[k].target == body)
                    .map_or(NONE, |k| slots[k].value as u32);
                table[si * SLOT_STRIDE as usize + R_AUX as usize] = bits(ms);
            }
        }
        table.extend_from_slice(&choices);
        if table.is_empty() {
            table.push(0.0); // wgpu rejects empty bindings
        }
        let has_looks = slots
            .iter()
            .any(|s| s.field.group() == FieldGroup::Looks || s.field == Field::GeomSizeScale);
        Ok(Plan {
            table,
            slots,
            draw_stride: value as u32,
            per_world,
            visual,
            has_looks,
            depth_noise,
            ring_len,
            adr,
            adr_config: spec.adr,
        })
    }

    /// Number of slots.
    pub fn num_slots(&self) -> u32 {
        self.slots.len() as u32
    }

    /// The initial ADR ranges buffer.
    pub fn adr_words(&self) -> Vec<f32> {
        let mut w = Vec::new();
        for a in &self.adr {
            let mut r = [0.0_f32; ADR_STRIDE as usize];
            r[ADR_LO as usize] = a.start[0];
            r[ADR_HI as usize] = a.start[1];
            r[ADR_START_LO as usize] = a.start[0];
            r[ADR_START_HI as usize] = a.start[1];
            r[ADR_LIMIT_LO as usize] = a.limit[0];
            r[ADR_LIMIT_HI as usize] = a.limit[1];
            r[ADR_STEP as usize] = a.step;
            w.extend_from_slice(&r);
        }
        if w.is_empty() {
            w.push(0.0);
        }
        w
    }
}

/// The smallest and largest value an entry can produce from a nominal.
fn value_bounds(e: &Entry, nominal: f32, (lo, hi): (f32, f32)) -> (f32, f32) {
    match e.mode {
        Mode::Set => (lo, hi),
        Mode::Add => (nominal + lo, nominal + hi),
        Mode::Scale => {
            let (x, y) = (nominal * lo, nominal * hi);
            (x.min(y), x.max(y))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn draft(
    e: &Entry,
    entry: usize,
    i: usize,
    name: &str,
    model: &Model,
    compiled: &mut Compiled,
    cams: &[CameraSpec],
    init_poses: &[(Vec3, Quat)],
    bounds: (f32, f32),
) -> Result<Option<Draft>, (String, String)> {
    let mut d = Draft {
        entry,
        field: e.field,
        target_name: name.to_string(),
        target: i as u32,
        aux: 0,
        nominal: [0.0; 4],
        base: [0.0; 7],
    };
    let gword =
        |c: &Compiled, g: usize, k: u32| c.geom_words[g * GEOM_STRIDE as usize + k as usize];
    let positive = |what: &str, nominal: f32| -> Result<(f32, f32), (String, String)> {
        let (a, b) = value_bounds(e, nominal, bounds);
        if !(a > 0.0 && b.is_finite()) {
            return Err((
                format!("{what} values in [{a}, {b}]"),
                "a bounded distribution whose values stay > 0 (clip_sigma for a normal)".into(),
            ));
        }
        Ok((a, b))
    };
    // The sim body that moves an MJCF body, when that body carries the joints.
    let jointed = |b: usize| -> Result<u32, (String, String)> {
        let s = compiled.mjcf_bodies[b].0;
        let has_joint = model.joints.iter().any(|j| j.body == b);
        if s == NONE || !has_joint {
            return Err((
                format!("body `{name}`"),
                "a body with a joint (bodies welded to it move with it; target that body)".into(),
            ));
        }
        Ok(s)
    };
    match e.field {
        Field::GeomFriction | Field::GeomRestitution => {
            let k = if e.field == Field::GeomFriction {
                G_FRICTION
            } else {
                G_RESTITUTION
            };
            d.nominal[0] = gword(compiled, i, k);
            if e.field == Field::GeomFriction && model.geoms[i].condim == 1 {
                return Ok(None); // frictionless by condim: nothing to randomize
            }
        }
        Field::GeomSizeScale => {
            d.nominal[0] = 1.0;
            let (_, smax) = positive("size scale", 1.0)?;
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
        }
        Field::BodyMassScale => {
            d.nominal[0] = 1.0;
            positive("mass scale", 1.0)?;
            let s = jointed(i)?;
            d.target = s;
            let at = s as usize * BODY_STRIDE as usize;
            d.base[0] = compiled.body_words[at + B_INV_MASS as usize];
            for c in 0..3 {
                d.base[1 + c] = 1.0 / compiled.body_words[at + B_INV_INERTIA as usize + c];
            }
        }
        Field::JointDamping => {
            d.nominal[0] = model.joints[i].damping;
        }
        Field::JointArmature => {
            let j = &model.joints[i];
            if j.kind != JointKind::Hinge {
                return Err((
                    format!("joint `{name}` ({:?})", j.kind),
                    "a hinge joint (armature is modelled on hinges only)".into(),
                ));
            }
            let (a, _) = value_bounds(e, j.armature, bounds);
            if a < 0.0 {
                return Err((format!("armature down to {a}"), ">= 0".into()));
            }
            d.nominal[0] = j.armature;
            let s = compiled.mjcf_bodies[j.body].0;
            d.target = s;
            let at = s as usize * BODY_STRIDE as usize;
            for c in 0..3 {
                let axis = compiled.body_words[at + B_HAXIS_C as usize + c];
                let cc = axis * axis;
                let moment = 1.0 / compiled.body_words[at + B_INV_INERTIA as usize + c];
                d.base[c] = moment - j.armature * cc;
                d.base[3 + c] = cc;
            }
        }
        Field::ActuatorGain => {
            let a = &model.actuators[i];
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
        Field::OptionGravity => {
            d.nominal[..3].copy_from_slice(&model.option.gravity.to_array());
        }
        Field::OptionTimestep => {
            d.nominal[0] = model.option.timestep;
            positive("timestep", model.option.timestep)?;
            d.base[0] = compiled.params.h;
            d.base[1] = compiled.params.dt;
        }
        Field::BodyPos | Field::BodyQuat => {
            let free = model
                .joints
                .iter()
                .any(|j| j.body == i && j.kind == JointKind::Free);
            if !free {
                return Err((
                    format!("body `{name}`"),
                    "a body with a free joint (move other bodies with joint.qpos)".into(),
                ));
            }
            let (s, p, q) = compiled.mjcf_bodies[i];
            d.target = s;
            d.base[..3].copy_from_slice(&p.to_array());
            d.base[3..7].copy_from_slice(&q.to_array());
            let (wp, wq) = init_poses[i];
            if e.field == Field::BodyPos {
                d.nominal[..3].copy_from_slice(&wp.to_array());
            } else {
                d.nominal = [wq.w, wq.x, wq.y, wq.z];
            }
        }
        Field::JointQpos | Field::JointQvel => {
            let j = &model.joints[i];
            if !matches!(j.kind, JointKind::Hinge | JointKind::Slide) {
                return Err((
                    format!("joint `{name}` ({:?})", j.kind),
                    "a hinge or slide joint (free bodies: body.pos and body.quat)".into(),
                ));
            }
            d.nominal[0] = if e.field == Field::JointQpos {
                j.reference
            } else {
                0.0
            };
        }
        Field::GeomRgba => {
            d.nominal = model.geoms[i].rgba.to_array();
            if let Some(m) = model.geoms[i].material {
                if model.geoms[i].rgba == crate::render::DEFAULT_GEOM_RGBA {
                    d.nominal = model.materials[m].rgba.to_array();
                }
            }
        }
        Field::LightDir => {
            d.nominal[..3].copy_from_slice(&model.lights[i].dir.to_array());
        }
        Field::LightDiffuse => {
            d.nominal[..3].copy_from_slice(&model.lights[i].diffuse.to_array());
        }
        Field::CameraPos | Field::CameraFovy => {
            let c = &cams[i];
            let px = c.pixels();
            if e.field == Field::CameraPos {
                let p = if c.track {
                    init_poses[c.body].1 * c.pos
                } else {
                    c.pos
                };
                d.nominal[..3].copy_from_slice(&p.to_array());
            } else {
                // fovy from the focal length: fy = (h / 2) / tan(fovy / 2).
                let fovy = 2.0 * (0.5 * c.height as f32 / px[1]).atan();
                d.nominal[0] = fovy.to_degrees();
                let (a, b) = value_bounds(e, d.nominal[0], bounds);
                if !(a > 0.0 && b < 180.0) {
                    return Err((
                        format!("fovy values in [{a}, {b}] degrees"),
                        "values inside (0, 180) degrees".into(),
                    ));
                }
                d.base[0] = c.height as f32;
                d.base[1] = px[0] / px[1];
            }
        }
        Field::ObsNoiseStd | Field::DepthNoiseStd | Field::ActionNoiseStd => {
            let (a, _) = value_bounds(e, 0.0, bounds);
            if a < 0.0 {
                return Err((
                    format!("standard deviations down to {a}"),
                    "values >= 0".into(),
                ));
            }
        }
        Field::ActionLatency => {
            let (a, _) = value_bounds(e, 0.0, bounds);
            if a < -0.5 {
                return Err((format!("latencies down to {a}"), "values >= 0 steps".into()));
            }
        }
    }
    Ok(Some(d))
}
