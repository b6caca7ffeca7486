//! The batched environment API, with Gymnasium vector-env semantics.
//!
//! A [`VecEnv`] steps all of its worlds at once on the GPU. Every call works on the
//! whole batch: `reset(seed)` returns the first observations, `step(actions)` returns
//! observations, rewards, `terminated` and `truncated` for every world.
//!
//! # Autoreset
//! Chosen per env with [`EnvConfig::autoreset`]:
//! - [`AutoresetMode::NextStep`] (the default, as Gymnasium's vector envs): the step on which
//!   an episode ends returns its last observation, its reward and `terminated`/`truncated`.
//!   The *next* `step` resets that world instead of stepping it: its action is ignored, it
//!   returns the new episode's first observation, reward 0, and both flags false.
//! - [`AutoresetMode::SameStep`]: the step on which an episode ends also resets the world.
//!   It returns the new episode's first observation with the finished step's reward and
//!   flags; the last observation of the finished episode is in [`Step::final_obs`] (for every
//!   world, `final_obs` holds the state the step reached before any reset, so it equals
//!   `obs` where nothing finished).
//! - [`AutoresetMode::Disabled`]: worlds never reset on their own ([`VecEnv::reset_worlds`]
//!   resets the chosen ones, as Gymnasium's `reset_mask`). Dynamics go on after termination,
//!   and, as Gymnasium's unwrapped envs, steps after termination earn reward 0.
//!   `rollout` uses this mode.
//!
//! # Seeds
//! `reset(seed)` starts episode 0 of every world. Randomness is a pure function of
//! (seed, world, episode, draw index), so world *i* is the same whatever the batch size and
//! whatever other worlds do; each autoreset starts the world's next episode, and so does
//! [`VecEnv::reset_worlds`] for the worlds it resets (without a new seed).
//!
//! # Actions
//! Host actions are checked before upload: a wrong length, a non-finite value, a
//! non-integer or out-of-range discrete action or a value outside a box is an
//! [`Error`] naming the world and index. Nothing is clamped. Actions that embedders write
//! straight into [`EnvBuffers::actions`] are checked on the GPU: a bad one sets
//! [`FLAG_INVALID_ACTION`](crate::layout::FLAG_INVALID_ACTION) in that world's flags, and that
//! world does not move on that step and gets reward 0.

mod batch;
pub mod cartpole;
pub mod open;
pub mod scene;
pub mod table;
pub mod task;

#[cfg(all(feature = "external-memory", unix))]
pub use batch::export::ExportedOutputs;
pub use batch::{BatchEnv, OutputSections};

use crate::gpu::{AdapterSummary, Gpu};
use crate::layout::WorldClock;
use crate::Error;

/// When finished worlds are reset. See the [module docs](self) for the exact semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoresetMode {
    /// Reset on the step after the episode ends (Gymnasium's default).
    #[default]
    NextStep,
    /// Reset on the step the episode ends; the final observation is kept in `final_obs`.
    SameStep,
    /// Never reset.
    Disabled,
}

impl AutoresetMode {
    pub(crate) fn wgsl(self) -> u32 {
        match self {
            AutoresetMode::NextStep => crate::layout::AUTORESET_NEXT_STEP,
            AutoresetMode::SameStep => crate::layout::AUTORESET_SAME_STEP,
            AutoresetMode::Disabled => crate::layout::AUTORESET_DISABLED,
        }
    }
}

/// What one world's action vector may hold.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionSpace {
    /// One value per world, an integer in `0..n`, passed as `f32`.
    Discrete {
        /// Number of actions.
        n: u32,
    },
    /// `low.len()` values per world, each within `[low[i], high[i]]`.
    Box {
        /// Inclusive lower bounds.
        low: Vec<f32>,
        /// Inclusive upper bounds.
        high: Vec<f32>,
    },
}

impl ActionSpace {
    /// Values per world.
    pub fn dim(&self) -> usize {
        match self {
            ActionSpace::Discrete { .. } => 1,
            ActionSpace::Box { low, .. } => low.len(),
        }
    }

    /// Uniformly random valid actions for `worlds` worlds, a pure function of
    /// `(seed, step)` through the crate's counter-based RNG: discrete actions uniform over
    /// `0..n`, box actions uniform in `[low, high)`. For random policies, benchmarks and tests.
    pub fn sample(&self, worlds: usize, seed: u64, step: u32) -> Vec<f32> {
        use crate::shared::rng::{rng_block, rng_key, rng_unit};
        let key = rng_key(seed);
        let dim = self.dim();
        (0..worlds * dim)
            .map(|i| {
                let u = rng_unit(rng_block(key, i as u32, step, 0)[0]);
                match self {
                    ActionSpace::Discrete { n } => (u * *n as f32).floor().min((*n - 1) as f32),
                    ActionSpace::Box { low, high } => {
                        let d = i % dim;
                        low[d] + (high[d] - low[d]) * u
                    }
                }
            })
            .collect()
    }

    /// Checks a whole batch of actions; the error names the first bad world and index.
    pub fn check(&self, worlds: usize, actions: &[f32]) -> Result<(), Error> {
        let dim = self.dim();
        if actions.len() != worlds * dim {
            return Err(Error::ActionLength {
                expected: worlds * dim,
                got: actions.len(),
            });
        }
        let bad = |i: usize, allowed: String| Error::InvalidAction {
            world: i / dim,
            index: i % dim,
            value: actions[i],
            allowed,
        };
        match self {
            ActionSpace::Discrete { n } => {
                let nf = *n as f32;
                // `a as u32` saturates and maps NaN to 0, so the round trip holds exactly
                // for the integers 0..n. A branch-free pass; details only on failure.
                let ok = |a: f32| a >= 0.0 && a < nf && (a as u32) as f32 == a;
                if actions.iter().fold(true, |acc, &a| acc & ok(a)) {
                    return Ok(());
                }
                let i = actions
                    .iter()
                    .position(|&a| !ok(a))
                    .expect("some action failed the check");
                Err(bad(i, format!("an integer in 0..{n}")))
            }
            ActionSpace::Box { low, high } => {
                for (i, &a) in actions.iter().enumerate() {
                    let (lo, hi) = (low[i % dim], high[i % dim]);
                    if !(a >= lo && a <= hi) {
                        return Err(bad(i, format!("a finite value in [{lo}, {hi}]")));
                    }
                }
                Ok(())
            }
        }
    }
}

/// Checks, before anything is allocated, that `worlds` worlds fit the adapter: every
/// per-world buffer (`(name, bytes per world, bytes shared)`) within one storage binding,
/// and the worlds within one dispatch. The error gives the most worlds this env can have
/// on this adapter and the buffer that sets it.
pub(crate) fn check_world_capacity(
    gpu: &crate::gpu::Gpu,
    what: &str,
    worlds: usize,
    buffers: &[(&str, u64, u64)],
) -> Result<(), Error> {
    let limits = gpu.limits();
    let binding = limits.max_storage_buffer_binding_size;
    let dispatch =
        limits.max_compute_workgroups_per_dimension as u64 * crate::layout::WORKGROUP_SIZE as u64;
    let mut max = (dispatch, "one dispatch".to_string());
    for &(name, per_world, shared) in buffers {
        if per_world == 0 {
            continue;
        }
        let fit = binding.saturating_sub(shared) / per_world;
        if fit < max.0 {
            max = (
                fit,
                format!("{name}: {per_world} bytes per world in a {binding}-byte storage binding"),
            );
        }
    }
    if worlds as u64 > max.0 {
        return Err(Error::Capacity {
            limit: format!(
                "worlds of {what} on this adapter ({}, limited by {})",
                gpu.adapter().name,
                max.1
            ),
            max: max.0,
            attempted: worlds as u64,
        });
    }
    Ok(())
}

/// The static description of an env.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// Registry name (or the scene's name).
    pub name: String,
    /// Floats per observation.
    pub obs_dim: usize,
    /// Floats per world in [`WorldStates::state`].
    pub state_dim: usize,
    /// The observation is the state itself: one buffer serves both, and the kernel
    /// writes it once (saves a store per value per step on every adapter).
    pub obs_is_state: bool,
    /// The action space.
    pub action_space: ActionSpace,
    /// Steps after which an episode is truncated.
    pub max_episode_steps: u32,
    /// Simulated time per env step (control period), s: the nominal value, before any
    /// randomization of the timestep.
    pub dt: f32,
    /// Integrator substeps per env step (1 for closed-form envs).
    pub substeps: u32,
    /// The images each step renders, when the env renders ([`EnvConfig::render`]).
    pub images: Option<ImageSpec>,
}

/// What a rendering env's steps return besides the vectors: one view per (rendered world,
/// camera), world-major. See [`crate::render`] for the layouts.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSpec {
    /// Cameras, in camera-index order: name, width and height in pixels.
    pub cameras: Vec<(String, u32, u32)>,
    /// The outputs rendered.
    pub outputs: crate::render::Outputs,
    /// The worlds rendered, in output order.
    pub worlds: Vec<usize>,
}

/// How to build an env.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvConfig {
    /// Number of worlds stepped together.
    pub worlds: usize,
    /// Autoreset mode; defaults to next-step, as Gymnasium.
    pub autoreset: AutoresetMode,
    /// Staging buffers in the readback ring (at least 2). One always holds the last results,
    /// which callers read in place; the others receive steps in flight, so 2 (the default)
    /// allows one `step_async` ahead and 3 allows two.
    pub readback_slots: usize,
    /// Render the worlds after every reset and step (images in [`Step::images`]; a
    /// `step_many(k)` renders once, after its k steps). `None`
    /// (the default) renders nothing, except for envs whose observation is an image,
    /// which use their own default. Envs without a scene refuse it.
    pub render: Option<crate::render::RenderConfig>,
    /// Domain randomization applied at each reset (and every `every` steps) on the GPU.
    /// `None` (the default): every world runs the scene as written. Envs without a
    /// scene refuse it.
    pub randomize: Option<crate::randomize::Spec>,
}

impl EnvConfig {
    /// `worlds` worlds, next-step autoreset, double-buffered readback.
    pub fn new(worlds: usize) -> EnvConfig {
        EnvConfig {
            worlds,
            autoreset: AutoresetMode::NextStep,
            readback_slots: 2,
            render: None,
            randomize: None,
        }
    }

    /// Sets the randomization spec.
    pub fn randomize(mut self, spec: crate::randomize::Spec) -> EnvConfig {
        self.randomize = Some(spec);
        self
    }

    /// Sets what to render.
    pub fn render(mut self, render: crate::render::RenderConfig) -> EnvConfig {
        self.render = Some(render);
        self
    }

    /// Sets the autoreset mode.
    pub fn autoreset(mut self, mode: AutoresetMode) -> EnvConfig {
        self.autoreset = mode;
        self
    }
}

/// One step's results for every world, borrowed from the env's host copies.
///
/// Shapes: `obs` is `[worlds, obs_dim]`, the others `[worlds]` (row-major).
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// Observations after the step (after the reset, for worlds that reset).
    pub obs: &'a [f32],
    /// Rewards earned by the step.
    pub rewards: &'a [f32],
    /// The episode reached a terminal state on this step.
    pub terminated: &'a [bool],
    /// The episode hit the time limit on this step.
    pub truncated: &'a [bool],
    /// The raw flags words (`FLAG_*` bits of [`crate::layout`]).
    pub flags: &'a [u32],
    /// Same-step autoreset only: the state each world reached before any reset.
    pub final_obs: Option<&'a [f32]>,
    /// The images rendered after the step (of the state `obs` shows), when the env
    /// renders.
    pub images: Option<crate::render::Images<'a>>,
}

impl Step<'_> {
    /// Worlds whose flags show a fault: an invalid action found on the GPU, a contact
    /// capacity overflow, or a state that became non-finite.
    pub fn faults(&self) -> Vec<usize> {
        self.fault_report().iter().map(|f| f.world).collect()
    }

    /// Every flagged world with its causes, in world order (empty when all is well).
    pub fn fault_report(&self) -> Vec<Fault> {
        self.flags
            .iter()
            .enumerate()
            .filter(|(_, f)| **f & Fault::MASK != 0)
            .map(|(world, &flags)| Fault { world, flags })
            .collect()
    }
}

/// A world whose step raised a fault flag; see the env's docs for what happens to it
/// ([`scene`] envs terminate non-finite and escaped worlds, and autoreset resets them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// World index.
    pub world: usize,
    /// The world's flags word (`FLAG_*`).
    pub flags: u32,
}

impl Fault {
    /// The flags that are faults, and what each means.
    pub const CAUSES: [(u32, &'static str); 4] = [
        (
            crate::layout::FLAG_INVALID_ACTION,
            "non-finite or invalid action",
        ),
        (
            crate::layout::physics::FLAG_CONTACT_OVERFLOW,
            "contact capacity exceeded (extra contacts dropped)",
        ),
        (crate::layout::physics::FLAG_NONFINITE, "non-finite state"),
        (
            crate::layout::physics::FLAG_ESCAPED,
            "a body escaped the escape radius",
        ),
    ];
    /// Every fault bit.
    pub const MASK: u32 = crate::layout::FLAG_INVALID_ACTION
        | crate::layout::physics::FLAG_CONTACT_OVERFLOW
        | crate::layout::physics::FLAG_NONFINITE
        | crate::layout::physics::FLAG_ESCAPED;

    /// What happened, one phrase per fault bit set.
    pub fn causes(&self) -> Vec<&'static str> {
        Self::CAUSES
            .iter()
            .filter(|(bit, _)| self.flags & bit != 0)
            .map(|(_, why)| *why)
            .collect()
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "world {}: {}", self.world, self.causes().join(", "))
    }
}

/// The reward of each world's last step, split into its terms.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardTerms {
    /// The terms' names, as Gymnasium's `info` keys (`reward_forward`, `reward_ctrl`, ...).
    pub names: Vec<&'static str>,
    /// `[worlds, names.len()]`: each world's terms, in `names` order; they sum to its reward.
    pub values: Vec<f32>,
}

/// Which worlds a state call touches.
#[derive(Debug, Clone, Copy)]
pub enum Worlds<'a> {
    /// Every world, in order.
    All,
    /// These world indices, in this order.
    Some(&'a [usize]),
}

/// Saved states of some worlds: enough to replay them bit for bit.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldStates {
    /// Floats per world in `state`.
    pub state_dim: usize,
    /// The world each row belongs to.
    pub worlds: Vec<usize>,
    /// `[worlds.len(), state_dim]` dynamic state (for cartpole: x, ẋ, θ, θ̇).
    pub state: Vec<f32>,
    /// Episode bookkeeping, one per world.
    pub clocks: Vec<WorldClock>,
}

/// The env's GPU buffers, for embedders who keep data on the GPU. All are tightly packed,
/// row-major, one row per world, little-endian as the GPU writes them.
#[derive(Debug, Clone, Copy)]
pub struct EnvBuffers<'a> {
    /// `f32 [worlds, action_dim]`, read by the next step.
    pub actions: &'a wgpu::Buffer,
    /// `f32 [worlds, obs_dim]`.
    pub obs: &'a wgpu::Buffer,
    /// `f32 [worlds]`.
    pub rewards: &'a wgpu::Buffer,
    /// `u32 [worlds]`: `FLAG_*` bits of [`crate::layout`]. [`VecEnv::reset_worlds`] also
    /// uploads its request here, which its dispatch reads and then overwrites
    /// ([`MODE_RESET_MASKED`](crate::layout::MODE_RESET_MASKED)).
    pub flags: &'a wgpu::Buffer,
    /// `f32 [worlds, obs_dim]`: written only in same-step autoreset mode.
    pub final_obs: &'a wgpu::Buffer,
    /// `f32 [worlds, state_dim]` (the same buffer as `obs` when `EnvSpec::obs_is_state`).
    pub state: &'a wgpu::Buffer,
    /// `WorldClock [worlds]`.
    pub clocks: &'a wgpu::Buffer,
    /// The rendered images, when the env renders.
    pub images: Option<crate::render::ImageBuffers<'a>>,
}

/// A batch of worlds of one environment, stepped together on the GPU.
pub trait VecEnv {
    /// What the env is.
    fn spec(&self) -> &EnvSpec;
    /// Number of worlds.
    fn num_worlds(&self) -> usize;
    /// The autoreset mode.
    fn autoreset(&self) -> AutoresetMode;
    /// The adapter the env runs on.
    fn adapter(&self) -> &AdapterSummary;
    /// Starts episode 0 of every world from `seed`; returns the observations.
    fn reset(&mut self, seed: u64) -> Result<&[f32], Error>;
    /// Starts a new episode in the worlds where `mask` is true (Gymnasium's
    /// `reset(options={"reset_mask": mask})`); the others keep their state, clock and
    /// episode. `seed: None`: each masked world starts its next episode under the env's
    /// current seed, as an autoreset would. `Some(s)`: the env's seed becomes `s` and the
    /// masked worlds start episode 0 under it, so an all-true mask with `Some(s)` equals
    /// `reset(s)` bit for bit (randomized values included). Works in every autoreset mode;
    /// steps in flight are collected first.
    ///
    /// Returns every world's observation: the unmasked worlds' are recomputed from their
    /// unchanged state, so they are the same bits as before unless the observation is
    /// noisy and `Some(s)` changed the seed it is drawn from. The rewards of the
    /// [`VecEnv::step_wait`] view become 0 and its flags `FLAG_RESET` for masked worlds
    /// and 0 for the others; the env renders after it, as after a reset. A mask whose
    /// length is not the number of worlds is an [`Error::InvalidArgument`] and changes
    /// nothing.
    fn reset_worlds(&mut self, mask: &[bool], seed: Option<u64>) -> Result<&[f32], Error>;
    /// Uploads `actions` (`[worlds, action_dim]`), queues one step and starts its readback.
    /// Up to `readback_slots` steps may be in flight; [`VecEnv::step_wait`] collects them in order.
    fn step_async(&mut self, actions: &[f32]) -> Result<(), Error>;
    /// Waits for the oldest step in flight and returns its results.
    fn step_wait(&mut self) -> Result<Step<'_>, Error>;
    /// One step: `step_async` then `step_wait`.
    fn step(&mut self, actions: &[f32]) -> Result<Step<'_>, Error> {
        self.step_async(actions)?;
        self.step_wait()
    }
    /// `k` steps with the actions held, in one submission and one dispatch. Returns what the
    /// `k`-th of `k` calls to `step` would return; the world states after it are the same
    /// bit for bit.
    fn step_many(&mut self, actions: &[f32], k: u32) -> Result<Step<'_>, Error>;
    /// `k` steps on the actions already in [`EnvBuffers::actions`], with no upload and no
    /// readback: results stay in the GPU buffers. For embedders and fused benchmarks.
    fn step_resident(&mut self, k: u32) -> Result<(), Error>;
    /// The observations of the last reset or step.
    fn observations(&self) -> &[f32];
    /// The results of the last reset, step or render, as [`VecEnv::step_wait`] returned
    /// them (empty before the first reset). They borrow the env's read-back memory, which
    /// stays at one address per read-back slot for the env's life.
    fn last_step(&self) -> Step<'_>;
    /// Exports a device copy of the outputs for CUDA to read in place (feature
    /// `external-memory`; see [`ExportedOutputs`]).
    #[cfg(all(feature = "external-memory", unix))]
    fn export_outputs(&mut self) -> Result<ExportedOutputs, Error>;
    /// The images of the last reset or step, when the env renders.
    fn images(&self) -> Option<crate::render::Images<'_>> {
        None
    }
    /// Renders the current state again, without stepping (after changing looks or
    /// cameras, or to time the renderer alone). The observations are recomputed too, and
    /// the rewards and flags that [`VecEnv::step_wait`]'s view shows become 0. `None` when
    /// the env does not render.
    fn render(&mut self) -> Result<Option<crate::render::Images<'_>>, Error> {
        Ok(None)
    }
    /// Reads back the state of some or all worlds, after every step submitted so far.
    fn get_state(&mut self, worlds: Worlds<'_>) -> Result<WorldStates, Error>;
    /// Overwrites the state of the worlds named in `states`; observations follow.
    fn set_state(&mut self, states: &WorldStates) -> Result<(), Error>;
    /// The GPU buffers.
    fn buffers(&self) -> EnvBuffers<'_>;
    /// Every world's randomized values ([`EnvConfig::randomize`]), read back from the GPU;
    /// `None` when the env randomizes nothing.
    fn randomized_params(&mut self) -> Result<Option<crate::randomize::SampledParams>, Error> {
        Ok(None)
    }
    /// The reward terms of every world's last step (Gymnasium's `info` reward entries),
    /// read back from the GPU; `None` when the env's task reports none. See
    /// [`scene::SceneEnv::reward_terms`].
    fn reward_terms(&mut self) -> Result<Option<RewardTerms>, Error> {
        Ok(None)
    }
    /// Fills every output buffer with `0xFFFF_FFFF` (a NaN) so that tests can see what a
    /// kernel failed to write. When the observation is the state (`EnvSpec::obs_is_state`)
    /// that buffer is left alone, since it is also the kernel's input.
    fn poison_outputs(&mut self);
}

/// Builds one env that has no scene (a closed-form env such as `cartpole`).
pub type MakeEnv = fn(&Gpu, &EnvConfig) -> Result<Box<dyn VecEnv>, Error>;

/// How a registered env is built.
#[derive(Clone, Copy)]
pub enum EnvKind {
    /// A closed-form env, by its constructor.
    ClosedForm(MakeEnv),
    /// A scene env, from its row of [`table::SCENES`].
    Scene(&'static table::RegisteredScene),
}

/// One registered environment.
#[derive(Clone, Copy)]
pub struct EnvEntry {
    /// The name `make` and the CLI take.
    pub name: &'static str,
    /// One line for `--help` and listings.
    pub about: &'static str,
    /// How it is built.
    pub kind: EnvKind,
}

impl EnvEntry {
    /// Whether it loads a Gymnasium model file at make time
    /// ([`table::RegisteredScene::gymnasium`], found through
    /// [`table::GYMNASIUM_ASSETS_VAR`]).
    pub fn needs_gymnasium_assets(&self) -> bool {
        matches!(self.kind, EnvKind::Scene(row) if row.gymnasium.is_some())
    }

    /// Builds it.
    pub fn make(&self, gpu: &Gpu, config: &EnvConfig) -> Result<Box<dyn VecEnv>, Error> {
        match self.kind {
            EnvKind::ClosedForm(make) => make(gpu, config),
            EnvKind::Scene(row) => Ok(Box::new(row.make(gpu, config)?)),
        }
    }
}

/// The envs without a scene; [`REGISTRY`] lists them first.
const CARTPOLE: EnvEntry = EnvEntry {
    name: "cartpole",
    about: "Gymnasium CartPole-v1 (same constants, update order and termination), float32",
    kind: EnvKind::ClosedForm(cartpole::make_boxed),
};

/// [`CARTPOLE`], then one entry per row of [`table::SCENES`], in order.
const fn registry<const N: usize>() -> [EnvEntry; N] {
    let mut out = [CARTPOLE; N];
    let mut i = 0;
    while i < table::SCENES.len() {
        let row = &table::SCENES[i];
        out[i + 1] = EnvEntry {
            name: row.name,
            about: row.about,
            kind: EnvKind::Scene(row),
        };
        i += 1;
    }
    out
}

/// Every environment, one line each: `cartpole`, then the scene envs of
/// [`table::SCENES`]. Tests iterate this list.
pub const REGISTRY: &[EnvEntry] = &registry::<{ 1 + table::SCENES.len() }>();

/// The registered names.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|e| e.name).collect()
}

/// Builds the registered env `name`.
pub fn make(gpu: &Gpu, name: &str, config: &EnvConfig) -> Result<Box<dyn VecEnv>, Error> {
    let entry = REGISTRY
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| Error::UnknownEnv {
            name: name.to_string(),
            known: names(),
        })?;
    entry.make(gpu, config)
}

#[cfg(test)]
mod tests {
    use super::ActionSpace;

    #[test]
    fn samples_pass_the_check_and_cover_the_space() {
        let d = ActionSpace::Discrete { n: 3 };
        let a = d.sample(3000, 1, 0);
        d.check(3000, &a).unwrap();
        for v in 0..3 {
            let count = a.iter().filter(|x| **x == v as f32).count();
            assert!((800..1200).contains(&count), "action {v}: {count} of 3000");
        }
        assert_eq!(a, d.sample(3000, 1, 0), "a pure function of (seed, step)");
        assert_ne!(a, d.sample(3000, 1, 1));
        let b = ActionSpace::Box {
            low: vec![-1.0, 0.0],
            high: vec![1.0, 0.5],
        };
        let s = b.sample(500, 2, 7);
        assert_eq!(s.len(), 1000);
        b.check(500, &s).unwrap();
    }
}
