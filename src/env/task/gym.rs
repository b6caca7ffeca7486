//! Gymnasium 1.4.0's v5 MuJoCo tasks, with their default arguments: what each writes into
//! [`SceneParams`] (weights, healthy ranges, observation layout, reset noise, frame skip),
//! and the names of their reward terms (Gymnasium's `info` keys).
//!
//! The numbers are those of the v5 classes' `__init__` defaults (`gymnasium/envs/mujoco/
//! *_v5.py`); the reward, termination and observation they feed are computed on the GPU by
//! `shaders/scene/gym.wgsl` (CPU twin `src/sim/cpu/gym.rs`).
//!
//! What differs from Gymnasium, on purpose or for want of MuJoCo internals:
//! - `ant`: **the observation leaves out `cfrc_ext`** (MuJoCo's external contact wrenches,
//!   78 of Gymnasium's default 105 entries): it is Gymnasium's
//!   `include_cfrc_ext_in_observation=False` layout (27 entries), and its `reward_contact`
//!   term (−5·10⁻⁴ Σ clip(cfrc_ext, −1, 1)², which Gymnasium's default includes) is always
//!   0, because this solver does not compute the same contact wrenches.
//! - `inverted-double-pendulum`: the last observation entry, MuJoCo's constraint force on
//!   the cart (`qfrc_constraint[0]`, clipped to ±10), is always 0; in MuJoCo it is non-zero
//!   only while the cart presses on the end of its rail.
//! - Resets draw from this crate's counter-based RNG (same distributions, other numbers);
//!   a free joint's noisy quaternion is renormalized at once (MuJoCo keeps the raw qpos until
//!   the first step), so `ant`'s first observation shows the normalized one.
//! - The dynamics are this crate's solver, not MuJoCo's (`swimmer`'s fluid drag,
//!   `<option viscosity>`, is not modelled at all), so trajectories and the rewards that
//!   depend on motion differ; the reward and observation *functions* are Gymnasium's.

use crate::layout::physics::*;
use crate::sim::compile::Compiled;
use crate::sim::model::Model;
use crate::Error;

/// One of Gymnasium's v5 MuJoCo tasks, with its default arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GymTask {
    /// Hopper-v5 (`hopper.xml`).
    Hopper,
    /// Walker2d-v5 (`walker2d_v5.xml`).
    Walker2d,
    /// HalfCheetah-v5 (`half_cheetah.xml`).
    HalfCheetah,
    /// InvertedPendulum-v5 (`inverted_pendulum.xml`).
    InvertedPendulum,
    /// InvertedDoublePendulum-v5 (`inverted_double_pendulum.xml`).
    InvertedDoublePendulum,
    /// Swimmer-v5 (`swimmer.xml`).
    Swimmer,
    /// Reacher-v5 (`reacher.xml`).
    Reacher,
    /// Ant-v5 (`ant.xml`), without `cfrc_ext` (see the module docs).
    Ant,
}

/// The health check of a locomotion task: ranges on qpos entries and on the state vector.
struct Health {
    /// `healthy_reward`.
    reward: f32,
    /// Ranges include their ends.
    inclusive: bool,
    /// qpos index and range of the height.
    z: Option<(u32, f32, f32)>,
    /// qpos index and range of the angle.
    angle: Option<(u32, f32, f32)>,
    /// First state-vector entry checked, and the range (entries must also be finite).
    state: Option<(u32, f32, f32)>,
}

/// No upper bound (Gymnasium's `float("inf")`; every finite value is below it).
const NO_BOUND: f32 = f32::MAX;

impl GymTask {
    /// Gymnasium's `frame_skip`: physics steps per env step.
    pub const fn frame_skip(self) -> u32 {
        match self {
            GymTask::Hopper | GymTask::Walker2d | GymTask::Swimmer => 4,
            GymTask::HalfCheetah | GymTask::InvertedDoublePendulum | GymTask::Ant => 5,
            GymTask::InvertedPendulum | GymTask::Reacher => 2,
        }
    }

    /// Gymnasium's `reset_noise_scale` (the reacher's noise is fixed in its reset:
    /// [`REACHER_QPOS_NOISE`], [`REACHER_QVEL_NOISE`]).
    pub const fn reset_noise_scale(self) -> f32 {
        match self {
            GymTask::Hopper | GymTask::Walker2d => 5e-3,
            GymTask::InvertedPendulum => 0.01,
            GymTask::Reacher => 0.0,
            _ => 0.1,
        }
    }

    /// The registered `max_episode_steps` (Reacher-v5: 50; the others 1000).
    pub const fn max_episode_steps(self) -> u32 {
        match self {
            GymTask::Reacher => 50,
            _ => 1000,
        }
    }

    /// (nq, nv, nu) of the Gymnasium file, checked when the env is built.
    fn sizes(self) -> (u32, u32, u32) {
        match self {
            GymTask::Hopper => (6, 6, 3),
            GymTask::Walker2d | GymTask::HalfCheetah => (9, 9, 6),
            GymTask::InvertedPendulum => (2, 2, 1),
            GymTask::InvertedDoublePendulum => (3, 3, 1),
            GymTask::Swimmer => (5, 5, 2),
            GymTask::Reacher => (4, 4, 2),
            GymTask::Ant => (15, 14, 8),
        }
    }

    /// The reward terms, as Gymnasium's `info` names them, with their slot in the kernel's
    /// terms row (`TERM_*` for the locomotion tasks). The reward is their sum.
    pub fn reward_terms(self) -> &'static [(&'static str, u32)] {
        const FWD: (&str, u32) = ("reward_forward", TERM_FORWARD);
        const CTRL: (&str, u32) = ("reward_ctrl", TERM_CTRL);
        const SURVIVE: (&str, u32) = ("reward_survive", TERM_SURVIVE);
        match self {
            GymTask::Hopper | GymTask::Walker2d => &[FWD, CTRL, SURVIVE],
            GymTask::HalfCheetah | GymTask::Swimmer => &[FWD, CTRL],
            GymTask::Ant => &[FWD, CTRL, ("reward_contact", TERM_CONTACT), SURVIVE],
            GymTask::InvertedPendulum => &[SURVIVE],
            GymTask::InvertedDoublePendulum => &[
                ("reward_survive", 0),
                ("distance_penalty", 1),
                ("velocity_penalty", 2),
            ],
            GymTask::Reacher => &[("reward_dist", 0), ("reward_ctrl", 1)],
        }
    }

    /// (forward weight, control weight, qpos entries skipped in the observation, qvel
    /// clip, qvel noise normal) of a locomotion task.
    fn locomotion(self) -> (f32, f32, u32, f32, bool) {
        match self {
            GymTask::Hopper | GymTask::Walker2d => (1.0, 1e-3, 1, GYM_VEL_CLIP, false),
            GymTask::HalfCheetah => (1.0, 0.1, 1, 0.0, true),
            GymTask::Swimmer => (1.0, 1e-4, 2, 0.0, false),
            GymTask::Ant => (1.0, 0.5, 2, 0.0, true),
            _ => (0.0, 0.0, 0, 0.0, false), // the inverted pendulum
        }
    }

    fn health(self) -> Option<Health> {
        let h = |inclusive, z, angle, state| Health {
            reward: 1.0,
            inclusive,
            z,
            angle,
            state,
        };
        match self {
            GymTask::Hopper => Some(h(
                false,
                Some((1, 0.7, NO_BOUND)),
                Some((2, -0.2, 0.2)),
                Some((2, -100.0, 100.0)),
            )),
            GymTask::Walker2d => Some(h(false, Some((1, 0.8, 2.0)), Some((2, -1.0, 1.0)), None)),
            GymTask::Ant => Some(h(
                true,
                Some((2, 0.2, 1.0)),
                None,
                Some((0, -NO_BOUND, NO_BOUND)),
            )),
            GymTask::InvertedPendulum => Some(h(
                true,
                None,
                Some((1, -0.2, 0.2)),
                Some((0, -NO_BOUND, NO_BOUND)),
            )),
            _ => None,
        }
    }

    /// Writes the task's fields of `params` (`source` names the file in errors).
    pub(super) fn apply(
        self,
        model: &Model,
        compiled: &Compiled,
        source: &str,
        params: &mut SceneParams,
    ) -> Result<(), Error> {
        let (nq, nv, nu) = self.sizes();
        let got = (params.nq, params.nv, params.num_actuators);
        if got != (nq, nv, nu) {
            return Err(Error::Input {
                file: source.into(),
                line: None,
                field: "task".into(),
                message: format!(
                    "{self:?} needs Gymnasium's model (nq {nq}, nv {nv}, {nu} actuators); this \
                     one has nq {}, nv {}, {} actuators",
                    got.0, got.1, got.2
                ),
            });
        }
        params.frame_skip = params.frame_skip.max(1);
        match self {
            GymTask::InvertedDoublePendulum => {
                params.task = TASK_GYM_DOUBLE_PENDULUM;
                params.healthy_reward = 10.0;
                params.reset_kind = RESET_GYM_NORMAL;
                params.obs_dim = 1 + 2 * (nq - 1) + nv + 1;
                let site = model
                    .sites
                    .iter()
                    .find(|s| s.name.as_deref() == Some("tip"))
                    .ok_or_else(|| missing(source, "task", "no site named `tip`"))?;
                let (b, p) = point_on(compiled, site.body, site.pos)
                    .ok_or_else(|| missing(source, "task", "the site `tip` does not move"))?;
                params.task_q = b;
                [params.pa_x, params.pa_y, params.pa_z] = p;
            }
            GymTask::Reacher => {
                params.task = TASK_GYM_REACHER;
                params.w_ctrl = 1.0;
                params.reset_kind = RESET_GYM_REACHER;
                params.obs_dim = 4 + (nq - 2) + 2 + 2;
                let com = |name: &str| {
                    let i = compiled.body_names.iter().position(|b| b == name);
                    i.and_then(|i| point_on(compiled, i, model.bodies[i].ipos))
                        .ok_or_else(|| {
                            missing(source, "task", &format!("no moving body named `{name}`"))
                        })
                };
                (params.task_q, [params.pa_x, params.pa_y, params.pa_z]) = com("fingertip")?;
                (params.task_q2, [params.pb_x, params.pb_y, params.pb_z]) = com("target")?;
            }
            _ => {
                let (wf, wc, skip, clip, normal) = self.locomotion();
                params.task = TASK_GYM_LOCOMOTION;
                params.w_forward = wf;
                params.w_ctrl = wc;
                params.obs_skip = skip;
                params.vel_clip = clip;
                params.obs_dim = nq - skip + nv;
                params.reset_kind = if normal {
                    RESET_GYM_NORMAL
                } else {
                    RESET_GYM_UNIFORM
                };
                (params.z_q, params.angle_q, params.state_from) = (NONE, NONE, nq + nv);
                if let Some(h) = self.health() {
                    params.healthy_reward = h.reward;
                    params.terminate_unhealthy = 1;
                    params.health_inclusive = u32::from(h.inclusive);
                    if let Some((q, lo, hi)) = h.z {
                        (params.z_q, params.z_lo, params.z_hi) = (q, lo, hi);
                    }
                    if let Some((q, lo, hi)) = h.angle {
                        (params.angle_q, params.angle_lo, params.angle_hi) = (q, lo, hi);
                    }
                    if let Some((i, lo, hi)) = h.state {
                        (params.state_from, params.state_lo, params.state_hi) = (i, lo, hi);
                    }
                }
            }
        }
        Ok(())
    }
}

fn missing(source: &str, field: &str, message: &str) -> Error {
    Error::Input {
        file: source.into(),
        line: None,
        field: field.into(),
        message: message.into(),
    }
}

/// The sim body carrying MJCF body `body` and the point `local` of that body's frame in
/// the sim body's frame; `None` when the body does not move.
fn point_on(compiled: &Compiled, body: usize, local: glam::Vec3) -> Option<(u32, [f32; 3])> {
    let &(s, p, q) = compiled.mjcf_bodies.get(body)?;
    (s != NONE).then(|| (s, (p + q * local).to_array()))
}
