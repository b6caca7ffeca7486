//! Environments made from rigid-body scenes (MJCF files or [`crate::sim::builder`]).
//!
//! - Observation: qpos then qvel, MuJoCo's conventions (free joints: position + quaternion
//!   (w, x, y, z), then linear velocity in the world frame and angular velocity in the body
//!   frame; hinges in rad, slides in m).
//! - Action: one control per actuator, within its control range.
//! - State: per sim body its centre-of-mass position, orientation (x, y, z, w), linear and
//!   angular velocity (13 floats), then one word per joint (the last hinge angle, so
//!   angles stay continuous across turns). See [`crate::layout::physics`].
//! - Reset: the scene's initial state (the Model's `init` family: shared, or one per world
//!   when randomized): the reference configuration at rest, or the MJCF keyframe named by
//!   [`SceneConfig::keyframe`]; then [`SceneConfig::reset_noise`] and randomization on top.
//! - Plain scenes earn no reward and never terminate; they truncate after
//!   `max_episode_steps`.
//! - Faults stay in their world. A world whose state turns non-finite ([`FLAG_NONFINITE`])
//!   or whose body leaves the sphere of [`SceneConfig::escape_radius`]
//!   ([`FLAG_ESCAPED`]) terminates; autoreset then resets it like any ended episode
//!   (at the next step, or at once in same-step mode; never with autoreset disabled).
//!   Its non-finite observation values read 0. A non-finite action found on the GPU
//!   ([`crate::layout::FLAG_INVALID_ACTION`]) skips that world's step: its state stays
//!   as it was. A world that runs out of contact capacity keeps going with
//!   [`FLAG_CONTACT_OVERFLOW`] set (the extra contacts are dropped, never silently).
//!   [`Step::fault_report`] lists the flagged worlds and causes; no other world's
//!   results change.

use super::batch::{BatchEnv, Stage, ENV_BINDINGS};
use super::{
    ActionSpace, AutoresetMode, EnvBuffers, EnvConfig, EnvSpec, RewardTerms, Step, VecEnv,
    WorldStates, Worlds,
};
use crate::gpu::{shader, AdapterSummary, Binding, BoundKernel, Gpu, GpuBuffer, Kernel};
use crate::layout::physics::*;
use crate::randomize::{Plan, Randomizer};
use crate::render::BatchRenderer;
use crate::sim::compile::{compile, Compiled, PerWorld, PhysicsOptions};
use crate::sim::model::Model;
use crate::Error;
use glam::{Quat, Vec3};

mod qpos;

pub use super::table::{registered, EmbeddedFile, RegisteredScene, GYMNASIUM_ASSETS_VAR, SCENES};
pub use super::task::Task;
pub use qpos::make_registered_with;

/// The boxes scene (8 free boxes on a plane), embedded: the default benchmark scene.
/// Kept for callers; a scene's text is its row's [`RegisteredScene::xml`].
pub const BOXES_XML: &str = super::table::row("boxes").xml;
/// The push-cube table scene, embedded (its row's [`RegisteredScene::xml`]).
pub const PUSH_CUBE_XML: &str = super::table::row("push-cube").xml;
/// push-cube's default randomization (cube mass, size and friction, table friction, goal
/// position, colours and lighting), embedded (its row's [`RegisteredScene::randomize`]).
pub const PUSH_CUBE_RANDOMIZE_JSON: &str = match super::table::row("push-cube").randomize {
    Some(f) => f.text,
    None => panic!("push-cube has a default spec"),
};

/// How to build a scene env.
#[derive(Debug, Clone)]
pub struct SceneConfig {
    /// Name reported in the spec.
    pub name: String,
    /// Solver settings.
    pub physics: PhysicsOptions,
    /// Reward and termination.
    pub task: Task,
    /// Steps before truncation. Default 1000.
    pub max_episode_steps: u32,
    /// Physics steps (of the MJCF timestep) per env step, the controls held: Gymnasium's
    /// `frame_skip`. Default 1; a registered row uses its task's
    /// ([`Task::frame_skip`]). `EnvSpec::dt` is the timestep times this.
    pub frame_skip: u32,
    /// Which Model families get one copy per world (for randomization).
    pub per_world: PerWorld,
    /// Reset noise amplitude ([`SceneParams::reset_noise`]). Default 0: every episode
    /// starts from the scene as written.
    pub reset_noise: f32,
    /// Escape bound, m ([`SceneParams::escape_radius`]). Default
    /// [`DEFAULT_ESCAPE_RADIUS`](crate::sim::compile::DEFAULT_ESCAPE_RADIUS).
    pub escape_radius: f32,
    /// Budget, in f32 words per world, for the kernel's private copies of the State,
    /// scratch and Model records ([`PrivatePlan`]); 0 reads everything from storage
    /// buffers (results are bitwise the same either way). Default `None`: the value of the
    /// environment variable [`PRIVATE_WORDS_VAR`] when it is set, else [`PRIVATE_WORDS`].
    pub private_words: Option<u32>,
    /// The MJCF `<key>` (by name) whose qpos and qvel every reset starts from, through
    /// [`Compiled::state_from_qpos`] (its `ctrl` is not used). Default `None`: the
    /// reference configuration (qpos0) at rest, as MuJoCo's `mj_resetData`.
    pub keyframe: Option<String>,
}

/// Default [`SceneConfig::private_words`]: 4096 words (16 KiB per invocation). On
/// lavapipe this holds the boxes scene whole (about 2,000 words); on a GPU private arrays
/// that large live in per-thread local memory, which the driver sizes for every resident
/// thread, so the budget stays modest.
///
/// The copies are sized to the scene, so each scene size is its own kernel variant. On
/// lavapipe (LLVM 15) compiling the scene kernel takes 40 s with no copies and about 65 s
/// with the boxes scene's, once per variant (Mesa caches it on disk); fixed sizes shared
/// by all scenes were measured too and took 155 s (compile time grows with the arrays).
pub const PRIVATE_WORDS: u32 = 4096;

/// The environment variable that sets the default [`SceneConfig::private_words`]. With 0
/// every scene runs the same generic kernel, so a process that builds many scenes compiles
/// it once and Mesa's disk cache serves the rest: on lavapipe one scene-kernel compile
/// takes about 4 minutes of one core (Mesa 22.3, LLVM 15). The generic kernel steps about
/// 2.2 times slower on lavapipe (boxes, 256 worlds, 2026-12-03), so the default keeps the
/// copies.
pub const PRIVATE_WORDS_VAR: &str = "MANYWORLDS_PRIVATE_WORDS";

/// The private-copy budget of `scene`: its own, or the default ([`PRIVATE_WORDS_VAR`],
/// else [`PRIVATE_WORDS`]). A set variable that is not a word count is an error naming it.
fn private_budget(scene: &SceneConfig) -> Result<u32, Error> {
    if let Some(words) = scene.private_words {
        return Ok(words);
    }
    let Some(v) = std::env::var_os(PRIVATE_WORDS_VAR) else {
        return Ok(PRIVATE_WORDS);
    };
    let v = v.to_string_lossy();
    v.trim().parse().map_err(|_| Error::InvalidArgument {
        field: PRIVATE_WORDS_VAR.into(),
        value: v.into_owned(),
        allowed: "a whole number of f32 words per world (0: no private copies)".into(),
    })
}

/// Which record families the scene kernel keeps in private memory, and their lengths in
/// words (0: read from the storage buffer). Chosen greedily within a budget in order of
/// how often the solver touches them: State, body records, scratch (substep memory and
/// contacts), geom records, joint records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrivatePlan {
    /// `PRIV_STATE`: the world's State row.
    pub state: u32,
    /// `PRIV_BODY`: the body records.
    pub body: u32,
    /// `PRIV_SCRATCH`: the scratch row.
    pub scratch: u32,
    /// `PRIV_GEOM`: the geom records.
    pub geom: u32,
    /// `PRIV_JOINT`: the joint records.
    pub joint: u32,
}

impl PrivatePlan {
    /// The plan for a scene with sizes `p` within `budget` words.
    pub fn new(p: &SceneParams, budget: u32) -> PrivatePlan {
        let mut left = budget;
        let mut take = |words: u32| {
            if words > 0 && words <= left {
                left -= words;
                words
            } else {
                0
            }
        };
        PrivatePlan {
            state: take(p.state_dim),
            body: take(p.num_bodies * BODY_STRIDE),
            scratch: take(p.scratch_stride),
            geom: take(p.num_geoms * GEOM_STRIDE),
            joint: take(p.num_joints * JOINT_STRIDE),
        }
    }

    /// The values of `layout::physics::SCENE_SPECIALIZATION`.
    pub fn specialization(&self) -> [(&'static str, u32); 5] {
        [
            ("PRIV_STATE", self.state),
            ("PRIV_SCRATCH", self.scratch),
            ("PRIV_BODY", self.body),
            ("PRIV_GEOM", self.geom),
            ("PRIV_JOINT", self.joint),
        ]
    }
}

impl SceneConfig {
    /// Defaults for a scene called `name`.
    pub fn new(name: &str) -> SceneConfig {
        SceneConfig {
            name: name.into(),
            physics: PhysicsOptions::default(),
            task: Task::None,
            max_episode_steps: 1000,
            frame_skip: 1,
            per_world: PerWorld::default(),
            reset_noise: 0.0,
            escape_radius: crate::sim::compile::DEFAULT_ESCAPE_RADIUS,
            private_words: None,
            keyframe: None,
        }
    }
}

/// The binding table of `shaders/scene.wgsl`: the env bindings, then the Model words and
/// the per-world scratch.
const SCENE_BINDINGS: &[Binding] = &[
    Binding::StorageRead, // StepParams (see `shaders/scene.wgsl`: not a uniform)
    Binding::StorageRead, // SceneParams
    ENV_BINDINGS[2],
    ENV_BINDINGS[3],
    ENV_BINDINGS[4],
    ENV_BINDINGS[5],
    ENV_BINDINGS[6],
    ENV_BINDINGS[7],
    ENV_BINDINGS[8],
    Binding::Storage, // model words (written by the `randomize` entry)
    Binding::Storage, // scratch
];

/// The binding table of the scene module's `randomize` and `adr_update` entries: the
/// scene's, then the randomizer's (`randomize::Randomizer::kernel_buffers`).
const RANDOMIZE_BINDINGS: &[Binding] = &[
    Binding::StorageRead, // StepParams
    Binding::StorageRead, // SceneParams
    ENV_BINDINGS[2],
    ENV_BINDINGS[3],
    ENV_BINDINGS[4],
    ENV_BINDINGS[5],
    ENV_BINDINGS[6],
    ENV_BINDINGS[7],
    ENV_BINDINGS[8],
    Binding::Storage,     // model words
    Binding::Storage,     // scratch
    Binding::StorageRead, // RandParams
    Binding::StorageRead, // slot table
    Binding::Storage,     // draws
    Binding::Storage,     // ADR ranges
    Binding::Storage,     // ADR counts
    Binding::StorageRead, // ADR signal
    Binding::Storage,     // worlds with work this step
    Binding::Storage,     // their count
];

/// A batch of worlds of one rigid-body scene on the GPU.
pub struct SceneEnv {
    inner: BatchEnv,
    compiled: Compiled,
    params: SceneParams,
    model: GpuBuffer<f32>,
    model_words: Vec<f32>,
    /// The kernel's per-world scratch (it also holds each world's reward terms).
    scratch: GpuBuffer<f32>,
    task: Task,
    randomizer: Option<Randomizer>,
    gpu: Gpu,
}

/// Builds a scene env from a Model. Errors about the task's names cite `scene.name`.
pub fn make_scene(
    gpu: &Gpu,
    model: &Model,
    scene: &SceneConfig,
    config: &EnvConfig,
) -> Result<SceneEnv, Error> {
    build(gpu, model, scene, &scene.name, config)
}

/// Builds a scene env from a Model loaded from `origin` (the MJCF file, cited by errors
/// about the task's body and joint names).
fn build(
    gpu: &Gpu,
    model: &Model,
    scene: &SceneConfig,
    origin: &str,
    config: &EnvConfig,
) -> Result<SceneEnv, Error> {
    if config.worlds == 0 {
        return Err(Error::InvalidArgument {
            field: "worlds".into(),
            value: "0".into(),
            allowed: "at least 1".into(),
        });
    }
    let mut compiled = compile(model, &scene.physics)?;
    if let Some(name) = &scene.keyframe {
        compiled.init_state = qpos::keyframe_state(model, &compiled, name)?;
    }
    let n = config.worlds;
    let mut render_config = config.render.clone();
    let cameras = render_config
        .as_ref()
        .map(|r| crate::render::select_cameras(model, r))
        .transpose()?;
    let rplan = match &config.randomize {
        Some(spec) if !spec.entries.is_empty() => {
            Some(Plan::new(spec, model, &mut compiled, cameras.as_deref())?)
        }
        _ => None,
    };
    let mut per_world = scene.per_world;
    if let Some(p) = &rplan {
        per_world = per_world.or(p.per_world);
        compiled.params.ring_len = p.ring_len;
        if let Some(r) = &mut render_config {
            r.per_world.colors |= p.visual.colors;
            r.per_world.cameras |= p.visual.cameras;
            r.per_world.lights |= p.visual.lights;
        }
    }
    let views_px: u64 = cameras
        .iter()
        .flatten()
        .map(|c| c.width as u64 * c.height as u64)
        .sum();
    check_capacity(
        gpu,
        &scene.name,
        n,
        &mut compiled,
        per_world,
        rplan.as_ref().map_or(0, |p| p.draw_stride as u64),
        views_px,
        render_config.as_ref().and_then(|r| r.worlds.as_ref()),
    )?;
    let words = compiled.model_words(n, per_world);
    let mut params = compiled.params;
    params.max_episode_steps = scene.max_episode_steps;
    params.reset_noise = scene.reset_noise;
    if scene.escape_radius.is_nan() || scene.escape_radius <= 0.0 {
        return Err(Error::InvalidArgument {
            field: "SceneConfig::escape_radius".into(),
            value: scene.escape_radius.to_string(),
            allowed: "a positive distance in metres (infinity turns the check off)".into(),
        });
    }
    params.escape_radius = scene.escape_radius;
    if scene.frame_skip == 0 {
        return Err(Error::InvalidArgument {
            field: "SceneConfig::frame_skip".into(),
            value: "0".into(),
            allowed: "at least 1 physics step per env step".into(),
        });
    }
    params.frame_skip = scene.frame_skip;
    scene.task.apply(model, &compiled, origin, &mut params)?;
    compiled.params = params;
    let spec = EnvSpec {
        name: scene.name.clone(),
        obs_dim: params.obs_dim as usize,
        state_dim: params.state_dim as usize,
        obs_is_state: false,
        action_space: ActionSpace::Box {
            low: compiled.ctrl_range.iter().map(|r| r[0]).collect(),
            high: compiled.ctrl_range.iter().map(|r| r[1]).collect(),
        },
        max_episode_steps: params.max_episode_steps,
        dt: params.dt * params.frame_skip as f32,
        substeps: params.substeps * params.frame_skip,
        images: None,
    };
    let plan = PrivatePlan::new(&params, private_budget(scene)?);
    let source = shader::kernel_source_with("scene", &plan.specialization())?;
    let kernel = Kernel::new(gpu, "scene.step", &source, "step", SCENE_BINDINGS)?;
    let uniform = GpuBuffer::uniform(gpu, "scene.params", &params);
    let model_buf = GpuBuffer::storage(gpu, "scene.model", words.len())?;
    model_buf.write(gpu, 0, &words);
    let scratch_len = (n as u64) * params.scratch_stride as u64;
    let scratch = GpuBuffer::<f32>::storage(gpu, "scene.scratch", scratch_len.max(1) as usize)?;
    // Actions are an empty row for scenes without actuators; keep the buffer non-empty.
    let mut inner = BatchEnv::new(
        gpu,
        "scene",
        spec,
        config,
        &kernel,
        uniform.raw(),
        &[model_buf.raw(), scratch.raw()],
    )?;
    inner.set_one_step_per_dispatch(true);
    inner.set_zero_step_observe(true);
    let randomizer = rplan
        .map(|rplan| {
            let kernels = RandomizeKernels {
                step_source: &source,
                uniform: &uniform,
                model: &model_buf,
                scratch: &scratch,
            };
            attach_randomizer(gpu, &mut inner, rplan, n, &kernels)
        })
        .transpose()?;
    if let Some(render) = &render_config {
        let renderer = BatchRenderer::new(gpu, model, &compiled, inner.buffers().state, n, render)?;
        if let Some(r) = &randomizer {
            if let Some((k, g)) = r.looks_kernel(&renderer)? {
                inner.add_before_render(k, g);
            }
            let clocks = inner.buffers().clocks.clone();
            if let Some((k, x, y)) =
                r.noise_kernel(&renderer, &inner.step_params_buffer().clone(), &clocks)?
            {
                inner.add_after_render(k, x, y);
            }
        }
        inner.attach_renderer(renderer);
    }
    Ok(SceneEnv {
        inner,
        compiled,
        params,
        model: model_buf,
        model_words: words,
        scratch,
        task: scene.task,
        randomizer,
        gpu: gpu.clone(),
    })
}

/// Checks, before anything is allocated (the Model words included), that every per-world
/// buffer of `worlds` worlds fits one storage binding, and says how many worlds would.
/// Assembling the Model words to measure them fills `compiled`'s offsets.
/// `draw_stride`: the randomizer's draws per world (0 without one); `views_px`: pixels
/// of one world's rendered views; `rendered`: a fixed list of rendered worlds, if any.
#[allow(clippy::too_many_arguments)]
fn check_capacity(
    gpu: &Gpu,
    name: &str,
    worlds: usize,
    compiled: &mut Compiled,
    per_world: PerWorld,
    draw_stride: u64,
    views_px: u64,
    rendered: Option<&Vec<usize>>,
) -> Result<(), Error> {
    let (w1, w2) = (
        compiled.model_words(1, per_world).len() as u64,
        compiled.model_words(2, per_world).len() as u64,
    );
    let p0 = compiled.params;
    super::check_world_capacity(
        gpu,
        &format!("scene `{name}`"),
        worlds,
        &[
            ("scene.model", 4 * (w2 - w1), 4 * (2 * w1 - w2)),
            ("scene.state", 4 * p0.state_dim as u64, 0),
            ("scene.obs", 4 * p0.obs_dim as u64, 0),
            ("scene.scratch", 4 * p0.scratch_stride as u64, 0),
            ("randomize.draws", 4 * draw_stride, 0),
            match rendered {
                // A fixed list of rendered worlds costs the same whatever the batch.
                Some(list) => (
                    "render output (views × pixels × 4)",
                    0,
                    4 * views_px * list.len() as u64,
                ),
                None => ("render output (views × pixels × 4)", 4 * views_px, 0),
            },
        ],
    )
}

/// The scene's buffers and step-kernel source that the randomizer's kernels bind.
struct RandomizeKernels<'a> {
    /// The step kernel's source, with the scene's private copies.
    step_source: &'a str,
    uniform: &'a GpuBuffer<SceneParams>,
    model: &'a GpuBuffer<f32>,
    scratch: &'a GpuBuffer<f32>,
}

/// Makes the randomizer of `rplan` and adds its stages after every step: clear the list
/// of worlds with work, scan for them, randomize them, and update ADR when it is on.
fn attach_randomizer(
    gpu: &Gpu,
    inner: &mut BatchEnv,
    rplan: Plan,
    worlds: usize,
    k: &RandomizeKernels<'_>,
) -> Result<Randomizer, Error> {
    let r = Randomizer::new(gpu, rplan, worlds)?;
    let [rp, table, draws, ranges, counts, signal, list, count] = r.kernel_buffers();
    let extra = [
        k.model.raw(),
        k.scratch.raw(),
        rp,
        table,
        draws,
        ranges,
        counts,
        signal,
        list,
        count,
    ];
    // `randomize` uses the step kernel's private copies: on lavapipe every storage
    // access is a bounds-checked gather, and reading the State and records in
    // place cost +13% of a push-cube step at 4096 worlds against +3% with the
    // copies (benches/randomize.rs, initial-state fields). The scan and the ADR
    // update touch a few words per world: the variant without copies.
    let rsource = shader::kernel_source("scene")?;
    let entry = |name: &str, src: &str| -> Result<BoundKernel, Error> {
        let kernel = Kernel::new(gpu, &format!("scene.{name}"), src, name, RANDOMIZE_BINDINGS)?;
        Ok(inner.bind_env_kernel(&kernel, k.uniform.raw(), &extra))
    };
    let groups = inner.groups();
    let stages = [
        Stage::Clear(count.clone()),
        Stage::Dispatch(entry("randomize_scan", &rsource)?, groups),
        Stage::Dispatch(entry("randomize", k.step_source)?, groups),
    ];
    let adr = if r.plan().adr.is_empty() {
        None
    } else {
        let g = (r.plan().adr.len() as u32).div_ceil(crate::layout::WORKGROUP_SIZE);
        Some(Stage::Dispatch(entry("adr_update", &rsource)?, g))
    };
    for stage in stages.into_iter().chain(adr) {
        inner.add_after_step(stage);
    }
    Ok(r)
}

/// Loads MJCF text (with `lenient` as the loader's option) and builds a scene env.
pub fn make_mjcf(
    gpu: &Gpu,
    xml: &str,
    origin: &str,
    lenient: bool,
    scene: &SceneConfig,
    config: &EnvConfig,
) -> Result<SceneEnv, Error> {
    let loaded = crate::mjcf::load_str(
        origin,
        std::path::Path::new("."),
        xml,
        &crate::mjcf::LoadOptions { lenient },
    )?;
    build(gpu, &loaded.model, scene, origin, config)
}

/// The env settings of a registered scene (defaults for any other name).
pub fn registered_config(name: &str) -> SceneConfig {
    registered(name).map_or_else(|| SceneConfig::new(name), |s| s.config())
}

/// A registered scene's default randomization when [`EnvConfig::randomize`] is `None`
/// (its row's [`RegisteredScene::randomize`]). Looks entries are kept only when the env
/// renders. An empty spec turns the default off.
pub fn registered_randomize(name: &str, renders: bool) -> Option<crate::randomize::Spec> {
    registered(name)?.default_randomize(renders)
}

/// What a registered scene renders when [`EnvConfig::render`] is left `None` (its row's
/// [`RegisteredScene::render`]).
pub fn registered_render(name: &str) -> Option<crate::render::RenderConfig> {
    registered(name)?.default_render()
}

/// Builds the registered scene env `name`, or `None` when no scene has that name.
pub fn make_registered(
    gpu: &Gpu,
    name: &str,
    config: &EnvConfig,
) -> Option<Result<SceneEnv, Error>> {
    Some(registered(name)?.make(gpu, config))
}

impl SceneEnv {
    /// The compiled scene (names, joints, layout).
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// Sizes and offsets the kernel runs with.
    pub fn scene_params(&self) -> &SceneParams {
        &self.params
    }

    /// The Model words as they are on the GPU now (randomized records included), for
    /// host-side checks such as [`crate::sim::cpu::World::max_penetration`].
    pub fn read_model_words(&self) -> Result<Vec<f32>, Error> {
        self.model.read(&self.gpu)
    }

    /// The Model words as uploaded (all worlds' copies of per-world families).
    pub fn model_words(&self) -> &[f32] {
        &self.model_words
    }

    /// Overwrites Model words starting at `offset` (for per-world randomization: the
    /// family offsets and world strides are in [`SceneEnv::scene_params`]).
    pub fn write_model_words(&mut self, offset: usize, words: &[f32]) -> Result<(), Error> {
        if offset + words.len() > self.model_words.len() {
            return Err(Error::InvalidArgument {
                field: "model words".into(),
                value: format!("{}..{}", offset, offset + words.len()),
                allowed: format!("a range within 0..{}", self.model_words.len()),
            });
        }
        self.model_words[offset..offset + words.len()].copy_from_slice(words);
        self.model.write(&self.gpu, offset, words);
        Ok(())
    }

    /// The randomizer, when the env randomizes ([`EnvConfig::randomize`]): its plan,
    /// the sampled values, ADR ranges and signal.
    pub fn randomizer(&self) -> Option<&Randomizer> {
        self.randomizer.as_ref()
    }

    /// The renderer, when the env renders ([`EnvConfig::render`]).
    pub fn renderer(&self) -> Option<&BatchRenderer> {
        self.inner.renderer()
    }

    /// The renderer, mutable: per-world colours, cameras and lights.
    pub fn renderer_mut(&mut self) -> Option<&mut BatchRenderer> {
        self.inner.renderer_mut()
    }

    /// The reward terms of every world's last step (Gymnasium's `info` entries such as
    /// `reward_forward`, `reward_ctrl`, `reward_survive`), or `None` when the task reports
    /// none. The kernel writes them beside the reward: [`MAX_REWARD_TERMS`] words per world
    /// in its scratch row (at `scratch_task + TS_TERMS`), zero on reset steps and on steps
    /// that earn nothing; the reward is their sum. This reads the whole scratch buffer
    /// back (contacts included): for evaluation and tests, not for every step of training.
    pub fn reward_terms(&mut self) -> Result<Option<RewardTerms>, Error> {
        let terms = self.task.reward_terms();
        if terms.is_empty() {
            return Ok(None);
        }
        let words = self.scratch.read(&self.gpu)?;
        let p = &self.params;
        let (stride, at) = (
            p.scratch_stride as usize,
            (p.scratch_task + TS_TERMS) as usize,
        );
        let n = self.inner.num_worlds();
        let mut values = Vec::with_capacity(n * terms.len());
        for w in 0..n {
            for &(_, slot) in terms {
                values.push(words[w * stride + at + slot as usize]);
            }
        }
        Ok(Some(RewardTerms {
            names: terms.iter().map(|t| t.0).collect(),
            values,
        }))
    }

    /// World poses of every MJCF body (position, orientation) from one world's state row.
    pub fn body_poses(&self, state: &[f32]) -> Vec<(Vec3, Quat)> {
        self.compiled.body_poses(state)
    }
}

impl VecEnv for SceneEnv {
    fn spec(&self) -> &EnvSpec {
        self.inner.spec()
    }
    fn num_worlds(&self) -> usize {
        self.inner.num_worlds()
    }
    fn autoreset(&self) -> AutoresetMode {
        self.inner.autoreset()
    }
    fn adapter(&self) -> &AdapterSummary {
        self.inner.adapter()
    }
    fn reset(&mut self, seed: u64) -> Result<&[f32], Error> {
        self.inner.reset(seed)
    }
    fn reset_worlds(&mut self, mask: &[bool], seed: Option<u64>) -> Result<&[f32], Error> {
        self.inner.reset_worlds(mask, seed)
    }
    fn step_async(&mut self, actions: &[f32]) -> Result<(), Error> {
        self.inner.step_async(actions)
    }
    fn step_wait(&mut self) -> Result<Step<'_>, Error> {
        self.inner.step_wait()
    }
    fn step_many(&mut self, actions: &[f32], k: u32) -> Result<Step<'_>, Error> {
        self.inner.step_many(actions, k)
    }
    fn step_resident(&mut self, k: u32) -> Result<(), Error> {
        self.inner.step_resident(k)
    }
    fn observations(&self) -> &[f32] {
        self.inner.observations()
    }
    fn last_step(&self) -> Step<'_> {
        self.inner.last_step()
    }
    #[cfg(all(feature = "external-memory", unix))]
    fn export_outputs(&mut self) -> Result<super::ExportedOutputs, Error> {
        self.inner.export_outputs()
    }
    fn images(&self) -> Option<crate::render::Images<'_>> {
        self.inner.images()
    }
    fn render(&mut self) -> Result<Option<crate::render::Images<'_>>, Error> {
        self.inner.render()
    }
    fn get_state(&mut self, worlds: Worlds<'_>) -> Result<WorldStates, Error> {
        self.inner.get_state(worlds)
    }
    fn set_state(&mut self, states: &WorldStates) -> Result<(), Error> {
        self.inner.set_state(states)
    }
    fn buffers(&self) -> EnvBuffers<'_> {
        self.inner.buffers()
    }
    fn poison_outputs(&mut self) {
        self.inner.poison_outputs()
    }
    fn randomized_params(&mut self) -> Result<Option<crate::randomize::SampledParams>, Error> {
        self.randomizer.as_ref().map(|r| r.params()).transpose()
    }
    fn reward_terms(&mut self) -> Result<Option<RewardTerms>, Error> {
        SceneEnv::reward_terms(self)
    }
}
