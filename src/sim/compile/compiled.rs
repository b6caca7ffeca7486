//! The compiled scene ([`Compiled`]) and the Model buffer assembled from it.

use super::bits;
use crate::layout::physics::*;
use crate::sim::model::JointKind;
use glam::{Quat, Vec3};

/// A joint as outputs name it.
#[derive(Debug, Clone, PartialEq)]
pub struct JointInfo {
    /// MJCF name, or `joint{index}`.
    pub name: String,
    /// Type.
    pub kind: JointKind,
    /// First qpos index.
    pub qadr: usize,
    /// First qvel index.
    pub vadr: usize,
}

/// A compiled scene: everything the kernel needs, as words.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Sizes, offsets (filled when the model buffer is assembled) and solver settings.
    pub params: SceneParams,
    /// Body records, `BODY_STRIDE` words each.
    pub body_words: Vec<f32>,
    /// Joint records.
    pub joint_words: Vec<f32>,
    /// Geom records.
    pub geom_words: Vec<f32>,
    /// Actuator records.
    pub act_words: Vec<f32>,
    /// Candidate geom pairs, two indices each.
    pub pairs: Vec<[u32; 2]>,
    /// The initial State of one world, `state_dim` words.
    pub init_state: Vec<f32>,
    /// For each MJCF body: its sim body ([`NONE`] when static) and the pose of its MJCF
    /// frame in that sim body's frame (in the world frame when static).
    pub mjcf_bodies: Vec<(u32, Vec3, Quat)>,
    /// MJCF body names (`body{index}` when unnamed); index 0 is the world.
    pub body_names: Vec<String>,
    /// Joints, in qpos order.
    pub joints: Vec<JointInfo>,
    /// Action bounds (the actuators' control ranges; ±∞ when unlimited).
    pub ctrl_range: Vec<[f32; 2]>,
    /// Things the model asks for that the solver does not model, one line each.
    pub warnings: Vec<String>,
    /// The surrounding medium (MJCF `<option density viscosity wind>`): density kg/m³,
    /// viscosity Pa·s, wind m/s; written to the options family ([`OPT_DENSITY`],
    /// [`OPT_VISCOSITY`], [`OPT_WIND`]).
    pub fluid: Fluid,
}

/// The medium the bodies move through, for MuJoCo's inertia-box fluid model. All zero (the
/// default, as MuJoCo's) is none: the fluid stage then does no work.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Fluid {
    /// Density, kg/m³.
    pub density: f32,
    /// Viscosity, Pa·s.
    pub viscosity: f32,
    /// Velocity of the medium, m/s.
    pub wind: Vec3,
}

/// Per-world copies of the Model's record families: `true` gives the family a leading
/// world dimension of N (one copy per world, for randomization), `false` shares one copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerWorld {
    /// Body records (mass, inertia, joint frames).
    pub bodies: bool,
    /// Joint records (limits, damping).
    pub joints: bool,
    /// Geom records (friction, sizes, restitution).
    pub geoms: bool,
    /// Actuator records (gear, gains, ranges).
    pub actuators: bool,
    /// Initial states.
    pub init: bool,
    /// Options (gravity, substep, noise, latency, fluid medium).
    pub options: bool,
}

impl PerWorld {
    /// Families per world in either.
    pub fn or(self, o: PerWorld) -> PerWorld {
        PerWorld {
            bodies: self.bodies || o.bodies,
            joints: self.joints || o.joints,
            geoms: self.geoms || o.geoms,
            actuators: self.actuators || o.actuators,
            init: self.init || o.init,
            options: self.options || o.options,
        }
    }
}

impl Compiled {
    /// Assembles the Model buffer for `worlds` worlds and fills in the offsets of
    /// `self.params`. Families marked in `per_world` are repeated once per world, so their
    /// copies can then be edited one world at a time.
    pub fn model_words(&mut self, worlds: usize, per_world: PerWorld) -> Vec<f32> {
        let mut out = Vec::new();
        let mut family = |words: &[f32], per: bool| -> (u32, u32) {
            let off = out.len() as u32;
            let copies = if per { worlds } else { 1 };
            for _ in 0..copies {
                out.extend_from_slice(words);
            }
            (off, if per { words.len() as u32 } else { 0 })
        };
        let p = &mut self.params;
        (p.off_body, p.wstride_body) = family(&self.body_words, per_world.bodies);
        (p.off_joint, p.wstride_joint) = family(&self.joint_words, per_world.joints);
        (p.off_geom, p.wstride_geom) = family(&self.geom_words, per_world.geoms);
        (p.off_act, p.wstride_act) = family(&self.act_words, per_world.actuators);
        let pair_words: Vec<f32> = self
            .pairs
            .iter()
            .flat_map(|[a, b]| [bits(*a), bits(*b)])
            .collect();
        (p.off_pair, _) = family(&pair_words, false);
        (p.off_init, p.wstride_init) = family(&self.init_state, per_world.init);
        let mut opt = [0.0_f32; OPT_STRIDE as usize];
        opt[OPT_GRAVITY as usize..OPT_GRAVITY as usize + 3].copy_from_slice(&[
            p.gravity_x,
            p.gravity_y,
            p.gravity_z,
        ]);
        opt[OPT_H as usize] = p.h;
        opt[OPT_DT as usize] = p.dt;
        opt[OPT_DENSITY as usize] = self.fluid.density;
        opt[OPT_VISCOSITY as usize] = self.fluid.viscosity;
        opt[OPT_WIND as usize..OPT_WIND as usize + 3].copy_from_slice(&self.fluid.wind.to_array());
        (p.off_opt, p.wstride_opt) = family(&opt, per_world.options);
        // Scratch: per-body substep words, controls, joint start states, contact count,
        // contacts, the latency ring, the task's words (reward terms, qpos before the
        // step, qpos and qvel).
        let nb = p.num_bodies;
        p.scratch_ctrl = SCRATCH_BODY * nb;
        p.scratch_joints = p.scratch_ctrl + p.num_actuators;
        p.scratch_contacts = p.scratch_joints + 2 * p.num_joints + 1;
        p.scratch_ring = p.scratch_contacts + p.contact_capacity * CONTACT_STRIDE;
        p.scratch_task = p.scratch_ring + p.ring_len * p.num_actuators;
        p.scratch_stride = p.scratch_task + TS_QPOS + p.nq + p.nv;
        if out.is_empty() {
            out.push(0.0); // wgpu rejects empty bindings
        }
        out
    }

    /// World poses of every MJCF body (position, orientation) from one world's State row.
    pub fn body_poses(&self, state: &[f32]) -> Vec<(Vec3, Quat)> {
        self.mjcf_bodies
            .iter()
            .map(|&(s, p, q)| {
                if s == NONE {
                    return (p, q);
                }
                let at = (s * BODY_STATE) as usize;
                let x = Vec3::from_slice(&state[at + S_POS as usize..]);
                let r = Quat::from_slice(&state[at + S_QUAT as usize..]);
                (x + r * p, (r * q).normalize())
            })
            .collect()
    }
}
