//! Resolving a [`Spec`] against one scene: every (entry, target) pair becomes a slot
//! record of the GPU table, with the nominal values and base Model words it needs.
//!
//! [`Plan::new`] runs in steps: each entry's targets are matched and drafted (`draft.rs`:
//! the per-field checks, nominal values and base words), the drafts are sorted into
//! application order, and the table layout turns them into records, `choice` values and
//! the per-world copies they ask for.

mod draft;

use super::spec::{glob, AdrConfig, Dist, Entry, Field, FieldGroup, Mode, Spec, TargetKind};
use crate::layout::physics::NONE;
use crate::layout::randomize::*;
use crate::render::{CameraSpec, VisualPerWorld};
use crate::sim::compile::{Compiled, PerWorld};
use crate::sim::model::Model;
use crate::Error;
use draft::{draft, names, value_bounds, Draft, Refusal, Scene};

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

fn bits(u: u32) -> f32 {
    f32::from_bits(u)
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
        let init_poses = compiled.body_poses(&compiled.init_state);
        let scene = Scene {
            model,
            cams: cameras.unwrap_or(&[]),
            init_poses: &init_poses,
        };
        let mut drafts = Vec::new();
        for (ei, e) in spec.entries.iter().enumerate() {
            drafts.extend(entry_drafts(e, ei, &scene, compiled, cameras.is_some())?);
        }
        // Application order: by field (mass before armature, which reads it), then spec order.
        drafts.sort_by_key(|d| d.field.code());
        let adr = adr_params(spec);
        let layout = Layout::build(spec, &drafts, &adr);
        let has_looks = layout
            .slots
            .iter()
            .any(|s| s.field.group() == FieldGroup::Looks || s.field == Field::GeomSizeScale);
        Ok(Plan {
            table: layout.table,
            slots: layout.slots,
            draw_stride: layout.value as u32,
            per_world: layout.per_world,
            visual: layout.visual,
            has_looks,
            depth_noise: layout.depth_noise,
            ring_len: ring_len(spec),
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

/// Entry `e` (number `ei`) resolved against the scene: one draft per matched target that
/// has something to randomize. `renders`: whether the env renders (looks fields need it).
fn entry_drafts(
    e: &Entry,
    ei: usize,
    scene: &Scene,
    compiled: &mut Compiled,
    renders: bool,
) -> Result<Vec<Draft>, Error> {
    let err = |(value, allowed): Refusal| Error::InvalidArgument {
        field: format!("randomize entries[{ei}] ({})", e.field.name()),
        value,
        allowed,
    };
    if !renders {
        refuse_without_render(e).map_err(err)?;
    }
    let bounds = dist_bounds(e);
    let all = names(e.field.target_kind(), scene.model, scene.cams);
    let matched = match_targets(e, &all).map_err(err)?;
    let mut drafts = Vec::new();
    for i in matched {
        if let Some(d) = draft(e, ei, (i, &all[i]), scene, compiled, bounds).map_err(err)? {
            drafts.push(d);
        }
    }
    Ok(drafts)
}

/// Fields that only make sense in an env that renders.
fn refuse_without_render(e: &Entry) -> Result<(), Refusal> {
    if e.field.group() == FieldGroup::Looks {
        return Err((
            "a looks field".into(),
            "an env that renders (EnvConfig::render): looks fields change images".into(),
        ));
    }
    if e.field == Field::DepthNoiseStd {
        return Err((
            "depth noise".into(),
            "an env that renders depth (EnvConfig::render with outputs.depth)".into(),
        ));
    }
    Ok(())
}

/// Bounds of an entry's drawn value over all its components, for checks and capacities.
fn dist_bounds(e: &Entry) -> (f32, f32) {
    (0..e.field.components())
        .map(|c| e.dist.bounds(c))
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), (x, y)| {
            (a.min(x), b.max(y))
        })
}

/// Indices (into `all`, the names of the entry's target kind) of the things the entry's
/// targets match, in first-match order without repeats; every target must match one.
/// The world body (body 0) is never a target.
fn match_targets(e: &Entry, all: &[String]) -> Result<Vec<usize>, Refusal> {
    let kind = e.field.target_kind();
    if kind == TargetKind::World {
        return Ok(vec![0]);
    }
    let mut matched = Vec::new();
    for t in &e.targets {
        let hits: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(i, n)| glob(t, n) && !(kind == TargetKind::Body && *i == 0))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            return Err((
                format!("target `{t}`"),
                format!(
                    "a name or glob matching one of: {}",
                    all.iter()
                        .skip((kind == TargetKind::Body) as usize)
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
    Ok(matched)
}

/// The ADR parameters: one per entry with `adr`, in spec order.
fn adr_params(spec: &Spec) -> Vec<AdrParam> {
    let mut adr = Vec::new();
    for (ei, e) in spec.entries.iter().enumerate() {
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
    }
    adr
}

/// Actions each world's latency ring holds: one more than the largest latency drawn
/// (capped at `MAX_LATENCY`), or 0 when no latency is randomized.
fn ring_len(spec: &Spec) -> u32 {
    let mut ring_len = 0u32;
    for e in &spec.entries {
        if e.field == Field::ActionLatency {
            let hi = value_bounds(e, 0.0, dist_bounds(e)).1;
            let max = if hi.is_finite() {
                hi.round().max(0.0) as u32
            } else {
                MAX_LATENCY
            };
            ring_len = ring_len.max(max.min(MAX_LATENCY) + 1);
        }
    }
    ring_len
}

/// The slot table as it is laid out, with what its slots ask of the Model and renderer.
struct Layout {
    /// Slot records, then (once built) the `choice` values.
    table: Vec<f32>,
    /// `choice` values, offsets relative to their start until the table is built.
    choices: Vec<f32>,
    slots: Vec<SlotInfo>,
    /// The next free offset in a draws row (once built: the row's length).
    value: usize,
    per_world: PerWorld,
    visual: VisualPerWorld,
    depth_noise: Option<u32>,
}

impl Layout {
    /// Lays out `drafts` (in application order) as table records.
    fn build(spec: &Spec, drafts: &[Draft], adr: &[AdrParam]) -> Layout {
        let mut t = Layout {
            table: Vec::new(),
            choices: Vec::new(),
            slots: Vec::new(),
            value: DRAW_HEADER as usize,
            per_world: PerWorld::default(),
            visual: VisualPerWorld::default(),
            depth_noise: None,
        };
        let mut adr_of_entry = vec![NONE; spec.entries.len()];
        for (k, a) in adr.iter().enumerate() {
            adr_of_entry[a.entry] = k as u32;
        }
        for (si, d) in drafts.iter().enumerate() {
            t.push(&spec.entries[d.entry], d, si, adr_of_entry[d.entry]);
        }
        t.rebase_choices();
        t.link_armature(drafts);
        let choices = std::mem::take(&mut t.choices);
        t.table.extend_from_slice(&choices);
        if t.table.is_empty() {
            t.table.push(0.0); // wgpu rejects empty bindings
        }
        t
    }

    /// Appends draft `d` of entry `e` as slot `si` (`adr`: its ADR parameter, or `NONE`).
    fn push(&mut self, e: &Entry, d: &Draft, si: usize, adr: u32) {
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
        rec[R_VALUE as usize] = bits(self.value as u32);
        rec[R_DRAW as usize] = bits(si as u32);
        rec[R_ADR as usize] = bits(adr);
        rec[R_AUX as usize] = bits(d.aux);
        rec[R_NOMINAL as usize..R_NOMINAL as usize + 4].copy_from_slice(&d.nominal);
        rec[R_BASE as usize..R_BASE as usize + 7].copy_from_slice(&d.base);
        self.write_dist(&mut rec, &e.dist, nc);
        self.table.extend_from_slice(&rec);
        self.mark_copies(d.field);
        self.slots.push(SlotInfo {
            entry: d.entry,
            field: d.field,
            target: d.target_name.clone(),
            components: nc,
            value: self.value,
        });
        self.value += nc;
    }

    /// Writes the distribution's kind and parameters for `nc` components into `rec`; a
    /// choice's values go to the choices, four words each.
    fn write_dist(&mut self, rec: &mut [f32], dist: &Dist, nc: usize) {
        let per = |v: &[f32], c: usize| v[if v.len() == 1 { 0 } else { c }];
        match dist {
            Dist::Uniform { lo, hi } | Dist::LogUniform { lo, hi } => {
                rec[R_DIST as usize] = bits(if matches!(dist, Dist::Uniform { .. }) {
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
                rec[R_CHOICE as usize] = bits(self.choices.len() as u32);
                rec[R_NCHOICE as usize] = bits(vals.len() as u32);
                for v in vals {
                    for c in 0..4 {
                        self.choices.push(if c < nc { per(v, c) } else { 0.0 });
                    }
                }
            }
        }
    }

    /// Notes the per-world Model and look tables a slot of `field` writes (and where the
    /// depth noise value lies in a draws row).
    fn mark_copies(&mut self, field: Field) {
        let (per_world, visual) = (&mut self.per_world, &mut self.visual);
        match field {
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
            Field::DepthNoiseStd => self.depth_noise = Some(self.value as u32),
            Field::BodyPos | Field::BodyQuat | Field::JointQpos | Field::JointQvel => {}
        }
        if field == Field::GeomSizeScale {
            // The renderer draws the new size too: per-world geom scales.
            visual.colors = true;
        }
    }

    /// Choice offsets are relative to the end of the records.
    fn rebase_choices(&mut self) {
        let n = self.slots.len();
        let records = (n * SLOT_STRIDE as usize) as u32;
        for si in 0..n {
            let at = si * SLOT_STRIDE as usize;
            if self.table[at + R_DIST as usize].to_bits() == DIST_CHOICE {
                let off = self.table[at + R_CHOICE as usize].to_bits() + records;
                self.table[at + R_CHOICE as usize] = bits(off);
            }
        }
    }

    /// Armature slots read their body's mass scale value, when one is drawn (the last
    /// such slot's).
    fn link_armature(&mut self, drafts: &[Draft]) {
        let n = drafts.len();
        for si in 0..n {
            if drafts[si].field == Field::JointArmature {
                let body = drafts[si].target;
                let ms = (0..n)
                    .rev()
                    .find(|&k| drafts[k].field == Field::BodyMassScale && drafts[k].target == body)
                    .map_or(NONE, |k| self.slots[k].value as u32);
                self.table[si * SLOT_STRIDE as usize + R_AUX as usize] = bits(ms);
            }
        }
    }
}
