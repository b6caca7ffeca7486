//! `cartpole`: Gymnasium's CartPole-v1 with the same constants, the same explicit Euler
//! update in the same order of operations, the same termination and truncation, and the
//! same reward, computed in float32 on the GPU (Gymnasium computes in float64).
//!
//! - State and observation: `(x, ẋ, θ, θ̇)` in m, m/s, rad, rad/s.
//! - Action: discrete, 0 pushes left and 1 pushes right with 10 N.
//! - Reward: 1 for every step, the terminating one included.
//! - Terminated when |x| > 2.4 m or |θ| > 12° (strict); truncated after 500 steps.
//! - Reset: each state entry uniform in [-0.05, 0.05), drawn from (seed, world, episode).
//!
//! This file also holds the CPU reference of the kernel, [`reference_world_step`], on the
//! same layout types and the same sine and cosine.

use super::batch::{BatchEnv, ENV_BINDINGS};
use super::{ActionSpace, EnvConfig, EnvSpec, VecEnv};
use crate::gpu::{shader, Gpu, GpuBuffer, Kernel};
use crate::layout::{
    CartpoleModel, StepParams, WorldClock, AUTORESET_DISABLED, AUTORESET_NEXT_STEP,
    AUTORESET_SAME_STEP, CLOCK_DONE, FLAG_INVALID_ACTION, FLAG_RESET, FLAG_TERMINATED,
    FLAG_TRUNCATED, MODE_RESET, RESET_REQUEST_FIRST, RESET_REQUEST_NEXT,
};
use crate::shared::math::{div_rn, sin_cos};
use crate::shared::rng;
use crate::Error;

impl CartpoleModel {
    /// Gymnasium CartPole-v1's constants. Derived values are computed in f64, as Gymnasium
    /// does, and rounded to f32 once.
    pub fn gymnasium() -> CartpoleModel {
        let (masscart, masspole, length) = (1.0_f64, 0.1_f64, 0.5_f64);
        CartpoleModel {
            gravity: 9.8,
            masscart: masscart as f32,
            masspole: masspole as f32,
            total_mass: (masspole + masscart) as f32,
            length: length as f32,
            polemass_length: (masspole * length) as f32,
            force_mag: 10.0,
            tau: 0.02,
            x_threshold: 2.4,
            theta_threshold: (12.0 * 2.0 * std::f64::consts::PI / 360.0) as f32,
            reset_low: -0.05,
            reset_high: 0.05,
            four_thirds: (4.0_f64 / 3.0) as f32,
            max_episode_steps: 500,
            pad0: 0,
            pad1: 0,
        }
    }
}

/// The env's static description.
pub fn spec(model: &CartpoleModel) -> EnvSpec {
    EnvSpec {
        name: "cartpole".into(),
        obs_dim: 4,
        state_dim: 4,
        obs_is_state: true,
        action_space: ActionSpace::Discrete { n: 2 },
        max_episode_steps: model.max_episode_steps,
        dt: model.tau,
        substeps: 1,
        images: None,
    }
}

/// Builds a cartpole batch with Gymnasium's constants.
pub fn make(gpu: &Gpu, config: &EnvConfig) -> Result<BatchEnv, Error> {
    make_with(gpu, config, &CartpoleModel::gymnasium())
}

/// Builds a cartpole batch with the given constants.
pub fn make_with(gpu: &Gpu, config: &EnvConfig, model: &CartpoleModel) -> Result<BatchEnv, Error> {
    if config.render.is_some() {
        return Err(Error::InvalidArgument {
            field: "render".into(),
            value: "cartpole".into(),
            allowed: "an env with a scene to render: cartpole-vision or cartpole-rigid \
                      (cartpole's dynamics are closed-form, with no geometry)"
                .into(),
        });
    }
    if config.randomize.is_some() {
        return Err(Error::InvalidArgument {
            field: "randomize".into(),
            value: "cartpole".into(),
            allowed: format!(
                "an env with a Model to randomize: {} (cartpole's dynamics are closed-form \
                 constants)",
                super::table::SCENES
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let source = shader::kernel_source("cartpole")?;
    let kernel = Kernel::new(gpu, "cartpole.step", &source, "step", ENV_BINDINGS)?;
    let model_buf = GpuBuffer::uniform(gpu, "cartpole.model", model);
    BatchEnv::new(
        gpu,
        "cartpole",
        spec(model),
        config,
        &kernel,
        model_buf.raw(),
        &[],
    )
}

pub(crate) fn make_boxed(gpu: &Gpu, config: &EnvConfig) -> Result<Box<dyn VecEnv>, Error> {
    Ok(Box::new(make(gpu, config)?))
}

/// The reset state of `(seed, world, episode)`. CPU twin of the kernel's `reset_state`.
pub fn reference_reset(model: &CartpoleModel, seed: u64, world: u32, episode: u32) -> [f32; 4] {
    let bits = rng::rng_block(rng::rng_key(seed), world, episode, 0);
    let span = model.reset_high - model.reset_low;
    bits.map(|b| model.reset_low + span * rng::rng_unit(b))
}

/// One explicit Euler step in Gymnasium's order of operations. CPU twin of `dynamics`.
pub fn reference_dynamics(m: &CartpoleModel, s: [f32; 4], action: f32) -> [f32; 4] {
    let [x, x_dot, theta, theta_dot] = s;
    let force = if action == 1.0 {
        m.force_mag
    } else {
        -m.force_mag
    };
    let (sintheta, costheta) = sin_cos(theta);
    let temp = div_rn(
        force + m.polemass_length * (theta_dot * theta_dot) * sintheta,
        m.total_mass,
    );
    let thetaacc = div_rn(
        m.gravity * sintheta - costheta * temp,
        m.length * (m.four_thirds - div_rn(m.masspole * (costheta * costheta), m.total_mass)),
    );
    let xacc = temp - div_rn(m.polemass_length * thetaacc * costheta, m.total_mass);
    [
        x + m.tau * x_dot,
        x_dot + m.tau * xacc,
        theta + m.tau * theta_dot,
        theta_dot + m.tau * thetaacc,
    ]
}

/// Gymnasium's termination test (strict inequalities).
pub fn reference_terminal(m: &CartpoleModel, s: [f32; 4]) -> bool {
    s[0] < -m.x_threshold
        || s[0] > m.x_threshold
        || s[2] < -m.theta_threshold
        || s[2] > m.theta_threshold
}

/// What the kernel writes for one world.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldStepOut {
    /// New state (also the observation).
    pub state: [f32; 4],
    /// New clock.
    pub clock: WorldClock,
    /// Reward of the (last) step.
    pub reward: f32,
    /// State before any same-step reset.
    pub final_obs: [f32; 4],
    /// `FLAG_*` bits.
    pub flags: u32,
}

/// CPU reference of the `cartpole.step` kernel for one world in `MODE_RESET_MASKED`:
/// `request` is the world's flags word before the dispatch (`RESET_REQUEST_*`; anything
/// else leaves the world as it is), and `seed` the env's seed for the dispatch.
pub fn reference_masked_reset(
    m: &CartpoleModel,
    seed: u64,
    world: u32,
    request: u32,
    state: [f32; 4],
    clock: WorldClock,
) -> WorldStepOut {
    let (mut s, mut c, mut flags) = (state, clock, 0);
    if request == RESET_REQUEST_FIRST || request == RESET_REQUEST_NEXT {
        let episode = if request == RESET_REQUEST_FIRST {
            0
        } else {
            c.episode.wrapping_add(1)
        };
        c = WorldClock::new(0, episode, false);
        s = reference_reset(m, seed, world, episode);
        flags = FLAG_RESET;
    }
    WorldStepOut {
        state: s,
        clock: c,
        reward: 0.0,
        final_obs: s,
        flags,
    }
}

/// CPU reference of the whole `cartpole.step` kernel for one world, in `MODE_STEP` or
/// `MODE_RESET` (`MODE_RESET_MASKED`: [`reference_masked_reset`]). `params.key` is
/// ignored in favour of `seed`.
pub fn reference_world_step(
    m: &CartpoleModel,
    params: &StepParams,
    seed: u64,
    world: u32,
    action: f32,
    state: [f32; 4],
    clock: WorldClock,
) -> WorldStepOut {
    let (mut s, mut c) = (state, clock);
    let (mut flags, mut reward, mut final_s) = (0, 0.0, s);
    if params.mode == MODE_RESET {
        c = WorldClock::default();
        s = reference_reset(m, seed, world, 0);
        final_s = s;
        flags = FLAG_RESET;
    } else {
        for _ in 0..params.steps {
            reward = 0.0;
            let done = c.done();
            if done && params.autoreset == AUTORESET_NEXT_STEP {
                c = WorldClock::new(0, c.episode + 1, false);
                s = reference_reset(m, seed, world, c.episode);
                final_s = s;
                flags = FLAG_RESET;
                continue;
            }
            if !(action == 0.0 || action == 1.0) {
                final_s = s;
                flags = FLAG_INVALID_ACTION;
                continue;
            }
            s = reference_dynamics(m, s, action);
            final_s = s;
            c.elapsed += 1;
            let terminated = reference_terminal(m, s);
            let truncated = c.steps() >= m.max_episode_steps;
            reward = if done { 0.0 } else { 1.0 };
            flags = (if terminated { FLAG_TERMINATED } else { 0 })
                | (if truncated { FLAG_TRUNCATED } else { 0 });
            if params.autoreset == AUTORESET_DISABLED {
                if terminated {
                    c.elapsed |= CLOCK_DONE;
                }
            } else if terminated || truncated {
                if params.autoreset == AUTORESET_SAME_STEP {
                    c = WorldClock::new(0, c.episode + 1, false);
                    s = reference_reset(m, seed, world, c.episode);
                    flags |= FLAG_RESET;
                } else {
                    c.elapsed |= CLOCK_DONE;
                }
            }
        }
    }
    WorldStepOut {
        state: s,
        clock: c,
        reward,
        final_obs: final_s,
        flags,
    }
}
