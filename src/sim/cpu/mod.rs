//! The CPU reference of the physics step: the same algorithm as the scene kernel
//! (`shaders/scene.wgsl` and its stages in `shaders/scene/`), stage file for stage file and
//! function for function, on the same word layout ([`crate::layout::physics`]). Tests
//! compare the GPU against it with a stated tolerance; it is also handy for debugging a
//! single world.
//!
//! The stages, in step order (each a file here and a `.wgsl` file of the same name):
//! `access` (Model and State accessors), `constraints` (masses and XPBD
//! primitives), `joints`, `contacts`, `collision`, `fluid` (MuJoCo's inertia-box fluid
//! drag), `step` (the ordered list of stages: [`World::step`]), `task` (observation,
//! reward, termination) and `gym` (Gymnasium's tasks).
//!
//! # The solver: substepped XPBD
//! Macklin et al., "Small Steps in Physics Simulation" (2019) and Müller et al., "Detailed
//! Rigid Body Simulation with Extended Position Based Dynamics" (2020), with zero compliance
//! (hard contacts and joints). Per step:
//! 1. actions become controls (clamped to the control range, as MuJoCo);
//! 2. contacts are found once (speculatively, with a margin that covers what the pair can
//!    close during the step) and stored as body-local anchor points and a world normal;
//! 3. each of `substeps` substeps: actuator forces and gravity, fluid drag, integrate
//!    (symplectic Euler, with the gyroscopic term), one Gauss-Seidel pass over joint
//!    constraints, joint limits and contacts (normal, then static friction as a position constraint), velocities from
//!    positions, then a velocity pass (dynamic Coulomb friction, restitution, joint damping).
//!
//! Friction is an isotropic (circular) cone: the tangential correction is along the slip
//! direction and bounded by μ times the normal multiplier. The pair's μ is the larger of the
//! two geoms' sliding friction, as MuJoCo combines it, and 0 when the larger of their
//! condims is 1. The pair's contact margin (the sum of the geoms' MJCF margins) is added to
//! the contact's rounding radii, half on each side, so the normal solve holds the surfaces
//! that far apart.

mod access;
mod collision;
mod constraints;
mod contacts;
mod fluid;
mod gym;
mod joints;
mod step;
mod task;

pub use collision::{narrow_phase, Hit, Placed};

use crate::layout::physics::*;
use glam::{Mat3, Quat, Vec3};

/// One world's view of the buffers: the shared Model words, its State row and its scratch.
pub struct World<'a> {
    /// Sizes and offsets.
    pub p: &'a SceneParams,
    /// The Model buffer (all worlds).
    pub model: &'a [f32],
    /// This world's State row.
    pub state: &'a mut [f32],
    /// This world's scratch row.
    pub scratch: &'a mut [f32],
    /// World index (selects per-world Model copies).
    pub world: u32,
}

fn u(x: f32) -> u32 {
    x.to_bits()
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    a.cross(b)
}

/// The matrix of `r ×`.
fn skew(r: Vec3) -> Mat3 {
    Mat3::from_cols(
        Vec3::new(0.0, r.z, -r.y),
        Vec3::new(-r.z, 0.0, r.x),
        Vec3::new(r.y, -r.x, 0.0),
    )
}

/// Rotates by a small rotation vector, first order, then renormalizes (XPBD's update).
fn rotate_by(q: Quat, dphi: Vec3) -> Quat {
    let dq = Quat::from_xyzw(dphi.x, dphi.y, dphi.z, 0.0) * q;
    Quat::from_xyzw(
        q.x + 0.5 * dq.x,
        q.y + 0.5 * dq.y,
        q.z + 0.5 * dq.z,
        q.w + 0.5 * dq.w,
    )
    .normalize()
}

/// Wraps an angle into (-π, π].
pub fn wrap_pi(x: f32) -> f32 {
    let tau = std::f32::consts::TAU;
    x - tau * (x / tau).round()
}

/// A batch of worlds stepped on the CPU with the reference step.
pub struct CpuBatch {
    /// Sizes and offsets (as filled by [`super::compile::Compiled::model_words`]).
    pub params: SceneParams,
    /// The Model words.
    pub model: Vec<f32>,
    /// `[worlds, state_dim]`.
    pub state: Vec<f32>,
    /// `[worlds, scratch_stride]`.
    pub scratch: Vec<f32>,
    /// Flags of the last step, per world.
    pub flags: Vec<u32>,
}

impl CpuBatch {
    /// `worlds` worlds of `compiled`, all at the initial state.
    pub fn new(compiled: &super::compile::Compiled, worlds: usize) -> CpuBatch {
        let mut c = compiled.clone();
        let model = c.model_words(worlds, Default::default());
        let p = c.params;
        let mut state = Vec::with_capacity(worlds * p.state_dim as usize);
        for _ in 0..worlds {
            state.extend_from_slice(&c.init_state);
        }
        CpuBatch {
            params: p,
            model,
            state,
            scratch: vec![0.0; worlds * p.scratch_stride as usize],
            flags: vec![0; worlds],
        }
    }

    /// One world's view.
    pub fn world(&mut self, w: usize) -> World<'_> {
        let sd = self.params.state_dim as usize;
        let ss = self.params.scratch_stride as usize;
        World {
            p: &self.params,
            model: &self.model,
            state: &mut self.state[w * sd..(w + 1) * sd],
            scratch: &mut self.scratch[w * ss..(w + 1) * ss],
            world: w as u32,
        }
    }

    /// Steps every world with its controls (`[worlds, num_actuators]`): one env step,
    /// `frame_skip` physics steps ([`World::step`]) with the controls held, as the
    /// kernel's `step` entry.
    pub fn step(&mut self, ctrl: &[f32]) {
        let nu = self.params.num_actuators as usize;
        for w in 0..self.flags.len() {
            let mut f = 0;
            for _ in 0..self.params.frame_skip.max(1) {
                f |= self.world(w).step(&ctrl[w * nu..(w + 1) * nu]);
            }
            self.flags[w] = f;
        }
    }

    /// qpos then qvel of world `w`.
    pub fn observe(&mut self, w: usize) -> Vec<f32> {
        let mut obs = vec![0.0; self.params.obs_dim as usize];
        self.world(w).observe(&mut obs);
        obs
    }
}
