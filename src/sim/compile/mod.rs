//! Compiles a host [`Model`] into the flat word layout of [`crate::layout::physics`]: the
//! records the step kernel and the CPU reference read, the initial State, and the maps
//! back from simulation bodies to MJCF bodies and joints for output.
//!
//! # Maximal coordinates
//! Every MJCF body that has joints becomes one *sim body*: a rigid body with its own pose
//! and velocity, whose frame is its centre of mass and principal axes. Bodies without
//! joints are welded (MJCF's fixed attachment): they are merged into their parent's sim
//! body (mass and inertia combined, geoms carried along), or are static when their parent
//! is the world. Joints become constraints between a sim body and its parent.
//!
//! One body's joint group may be: one free joint; one ball joint; or up to three mutually
//! orthogonal slides followed by at most one hinge (this covers every Gymnasium file:
//! planar roots are slide x, slide z, hinge y). Anything else is an error naming the body.
//!
//! [`compile`] runs in stages: the sim bodies (`bodies`), the geom, body, joint and
//! actuator records (`records`, `bodies`), the candidate pairs, the initial State and the
//! [`SceneParams`]. The result is a [`Compiled`] (`compiled`); `qpos` converts MuJoCo's
//! joint coordinates to and from its State.

mod bodies;
mod compiled;
mod qpos;
mod records;

pub use compiled::{Compiled, Fluid, JointInfo, PerWorld};

use crate::layout::physics::*;
use crate::sim::model::{GeomKind, Model};
use crate::Error;
use bodies::{body_name, body_words, SimBodies};
use glam::{Quat, Vec3};
use records::{actuator_words, geom_words, joint_words};

/// Default [`SceneParams::escape_radius`], m: far beyond any scene's workspace, yet where
/// f32 still resolves 0.06 mm, so contact and integration are still meaningful up to it.
pub const DEFAULT_ESCAPE_RADIUS: f32 = 1000.0;

/// Solver settings that are not part of MJCF.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicsOptions {
    /// Substeps per step; `None` picks `ceil(dt / max_substep)`, at least
    /// [`PhysicsOptions::MIN_SUBSTEPS`].
    pub substeps: Option<u32>,
    /// Longest substep when `substeps` is `None`, s. Default 2 ms: the validation suite
    /// (stack, pendulum period, resting penetration) passes with margin at this size, and
    /// cost grows linearly with the substep count.
    pub max_substep: f32,
    /// Contacts each world can hold per step; `None` picks 8 per sim body plus 8, which
    /// covers a box resting on a box on the floor for every body. Overflow sets
    /// [`FLAG_CONTACT_OVERFLOW`] and drops the extra contacts.
    pub contact_capacity: Option<u32>,
    /// Speculative contact margin, m. Default 5 mm: pairs closer than this (plus what they
    /// can close in one step at their current speed) are contacts for the whole step.
    pub margin: f32,
    /// Coefficient of restitution of every geom (MJCF has none; 0 matches MuJoCo's default
    /// soft contacts, which do not bounce).
    pub restitution: f32,
}

impl PhysicsOptions {
    /// Fewest substeps picked automatically.
    pub const MIN_SUBSTEPS: u32 = 4;
}

impl Default for PhysicsOptions {
    fn default() -> Self {
        PhysicsOptions {
            substeps: None,
            max_substep: 0.002,
            contact_capacity: None,
            margin: 0.005,
            restitution: 0.0,
        }
    }
}

/// A `u32` stored in an `f32` word as its bit pattern.
fn bits(u: u32) -> f32 {
    f32::from_bits(u)
}

/// Writes `v` at word `at`.
fn put3(w: &mut [f32], at: u32, v: Vec3) {
    w[at as usize..at as usize + 3].copy_from_slice(&v.to_array());
}

/// Writes `q` (x, y, z, w) at word `at`.
fn put4(w: &mut [f32], at: u32, q: Quat) {
    w[at as usize..at as usize + 4].copy_from_slice(&q.to_array());
}

/// The error for something the solver does not model.
fn unsupported(what: String, allowed: &str) -> Error {
    Error::InvalidArgument {
        field: what,
        value: "not supported".into(),
        allowed: allowed.into(),
    }
}

/// Compiles `model` with `opts`.
pub fn compile(model: &Model, opts: &PhysicsOptions) -> Result<Compiled, Error> {
    let mut warnings = Vec::new();
    let bodies = SimBodies::new(model, &mut warnings)?;
    let (geom_words, body_radius) = geom_words(model, opts, &bodies, &mut warnings);
    let (body_words, slot_of_joint) = body_words(model, &bodies, &body_radius, &mut warnings)?;
    let (joint_words, joints) = joint_words(model, &bodies, &slot_of_joint);
    let (act_words, ctrl_range) = actuator_words(model)?;
    let pairs = candidate_pairs(model, &bodies);
    let init_state = initial_state(model, &bodies);
    let params = scene_params(model, opts, &bodies, &pairs, &mut warnings);
    let body_names = (0..model.bodies.len())
        .map(|b| body_name(model, b))
        .collect();
    warnings.sort();
    warnings.dedup();
    Ok(Compiled {
        params,
        body_words,
        joint_words,
        geom_words,
        act_words,
        pairs,
        init_state,
        mjcf_bodies: bodies.mjcf_bodies,
        body_names,
        joints,
        ctrl_range,
        warnings,
        fluid: Fluid {
            density: model.option.density,
            viscosity: model.option.viscosity,
            wind: model.option.wind,
        },
    })
}

/// Candidate pairs, by MuJoCo's rules (`mj_broadphase`, `filterBodyPair`): the
/// contype/conaffinity test; no pair within one sim body (MuJoCo's weld body, so never two
/// static geoms); none between a sim body and the sim body its MJCF root hangs from
/// (MuJoCo's default `filterparent`: a body whose weld-parent is the other's weld body;
/// never against the world); none between two MJCF bodies named by an `<exclude>`.
fn candidate_pairs(model: &Model, bodies: &SimBodies) -> Vec<[u32; 2]> {
    let sim = &bodies.sim;
    let parent_sim = |s: u32| bodies.parent_sim(model, s as usize);
    let ng = model.geoms.len();
    let mut pairs = Vec::new();
    for g1 in 0..ng {
        for g2 in g1 + 1..ng {
            let (a, b) = (&model.geoms[g1], &model.geoms[g2]);
            if a.contype & b.conaffinity == 0 && b.contype & a.conaffinity == 0 {
                continue;
            }
            let s1 = if a.body == 0 { NONE } else { sim[a.body] };
            let s2 = if b.body == 0 { NONE } else { sim[b.body] };
            if s1 == s2 {
                continue;
            }
            let related =
                (s1 != NONE && s2 != NONE) && (parent_sim(s1) == s2 || parent_sim(s2) == s1);
            if related || (a.kind == GeomKind::Plane && b.kind == GeomKind::Plane) {
                continue;
            }
            let excluded = model
                .excludes
                .iter()
                .any(|&[e1, e2]| (e1, e2) == (a.body, b.body) || (e2, e1) == (a.body, b.body));
            if excluded {
                continue;
            }
            pairs.push([g1 as u32, g2 as u32]);
        }
    }
    pairs
}

/// The initial State: every body at its reference pose, at rest; hinge angle memory at ref.
fn initial_state(model: &Model, bodies: &SimBodies) -> Vec<f32> {
    let nb = bodies.roots.len();
    let nj = model.joints.len();
    let state_dim = nb * BODY_STATE as usize + nj;
    let mut init_state = vec![0.0_f32; state_dim];
    for (s, x) in bodies.xs.iter().enumerate() {
        let at = s as u32 * BODY_STATE;
        put3(&mut init_state, at + S_POS, x.p);
        put4(&mut init_state, at + S_QUAT, x.q);
    }
    for (j, joint) in model.joints.iter().enumerate() {
        init_state[nb * BODY_STATE as usize + j] = joint.reference;
    }
    init_state
}

/// Sizes and solver settings; the Model buffer's offsets are filled in later
/// ([`Compiled::model_words`]).
fn scene_params(
    model: &Model,
    opts: &PhysicsOptions,
    bodies: &SimBodies,
    pairs: &[[u32; 2]],
    warnings: &mut Vec<String>,
) -> SceneParams {
    let nb = bodies.roots.len();
    let nj = model.joints.len();
    let ng = model.geoms.len();
    let state_dim = nb * BODY_STATE as usize + nj;
    let dt = model.option.timestep;
    let substeps = opts.substeps.unwrap_or_else(|| {
        ((dt / opts.max_substep).ceil() as u32).max(PhysicsOptions::MIN_SUBSTEPS)
    });
    let capacity = opts.contact_capacity.unwrap_or(8 * nb as u32 + 8);
    let nq = model.nq() as u32;
    let nv = model.nv() as u32;
    let g = model.option.gravity;
    if model.option.density > 0.0 || model.option.viscosity > 0.0 {
        // MuJoCo gives each MJCF body its own inertia box; here a sim body is one box.
        let mut massive = vec![0_u32; nb];
        for (b, body) in model.bodies.iter().enumerate().skip(1) {
            if bodies.sim[b] != NONE && body.mass > 0.0 {
                massive[bodies.sim[b] as usize] += 1;
            }
        }
        if massive.iter().any(|&n| n > 1) {
            warnings.push(
                "fluid forces act on each welded group of bodies as one inertia box, where \
                 MuJoCo gives each body its own"
                    .into(),
            );
        }
    }
    SceneParams {
        num_bodies: nb as u32,
        num_joints: nj as u32,
        num_geoms: ng as u32,
        num_actuators: model.actuators.len() as u32,
        num_pairs: pairs.len() as u32,
        nq,
        nv,
        contact_capacity: capacity,
        substeps,
        task: TASK_NONE,
        task_q: 0,
        state_dim: state_dim as u32,
        dt,
        h: dt / substeps as f32,
        task_limit: 0.0,
        max_episode_steps: 1000,
        gravity_x: g.x,
        gravity_y: g.y,
        gravity_z: g.z,
        margin: opts.margin,
        off_body: 0,
        wstride_body: 0,
        off_joint: 0,
        wstride_joint: 0,
        off_geom: 0,
        wstride_geom: 0,
        off_act: 0,
        wstride_act: 0,
        off_pair: 0,
        off_init: 0,
        wstride_init: 0,
        scratch_stride: 0,
        scratch_contacts: 0,
        scratch_ctrl: 0,
        obs_dim: nq + nv,
        reset_noise: 0.0,
        task_q2: 0,
        off_opt: 0,
        wstride_opt: 0,
        scratch_ring: 0,
        ring_len: 0,
        task_radius: 0.0,
        escape_radius: DEFAULT_ESCAPE_RADIUS,
        scratch_joints: 0,
        frame_skip: 1,
        z_q: NONE,
        angle_q: NONE,
        state_from: nq + nv,
        ..bytemuck::Zeroable::zeroed()
    }
}
