//! `manyworlds rollout`: replays initial states and actions from a JSON file and writes
//! every step.

use crate::common::*;
use manyworlds::env::{self, AutoresetMode, EnvConfig, VecEnv, WorldStates, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::layout::WorldClock;
use manyworlds::Error;
use serde::{Deserialize, Serialize};

#[derive(clap::Args)]
pub struct RolloutArgs {
    /// Input JSON: {"env", "seed", "steps", "autoreset"?, "worlds": [{"initial_state"?,
    /// "actions"}]}; "autoreset" is "disabled" (the default), "next_step" or "same_step".
    #[arg(long)]
    pub input: String,
    /// Output JSON: {"adapter", "worlds": [{"obs", "reward", "terminated", "truncated"}]};
    /// scenes add "joints" and "bodies" per world, and randomized envs "params": one
    /// object per episode of the world with the values drawn at its reset.
    #[arg(long)]
    pub output: String,
    /// An MJCF scene to roll out (the input's "env" may then be left out).
    #[arg(long)]
    pub scene: Option<String>,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    pub lenient: bool,
    /// Domain randomization spec (JSON); without it a registered env uses the default
    /// spec of its scene-table row, if it has one (`push-cube` does), and a scene file
    /// randomizes nothing.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolloutInput {
    #[serde(default)]
    env: Option<String>,
    #[serde(default)]
    seed: u64,
    steps: usize,
    /// Autoreset mode; rollouts replay without resets unless this says otherwise.
    #[serde(default)]
    autoreset: RolloutAutoreset,
    worlds: Vec<RolloutWorldIn>,
}

/// The rollout input's `"autoreset"`.
#[derive(Deserialize, Serialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RolloutAutoreset {
    /// Worlds never reset: dynamics go on after termination.
    #[default]
    Disabled,
    /// Gymnasium's next-step autoreset.
    NextStep,
    /// Same-step autoreset.
    SameStep,
}

impl RolloutAutoreset {
    fn mode(self) -> AutoresetMode {
        match self {
            RolloutAutoreset::Disabled => AutoresetMode::Disabled,
            RolloutAutoreset::NextStep => AutoresetMode::NextStep,
            RolloutAutoreset::SameStep => AutoresetMode::SameStep,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolloutWorldIn {
    #[serde(default)]
    initial_state: Option<Vec<f64>>,
    actions: Vec<Vec<f64>>,
}

#[derive(Serialize)]
struct RolloutOutput {
    adapter: String,
    env: String,
    seed: u64,
    steps: usize,
    autoreset: RolloutAutoreset,
    worlds: Vec<RolloutWorldOut>,
}

#[derive(Serialize, Default)]
struct RolloutWorldOut {
    obs: Vec<Vec<f32>>,
    reward: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    /// Scenes: joint name → one value (hinge, slide) or 7 / 4 numbers (free, ball) per step.
    #[serde(skip_serializing_if = "Option::is_none")]
    joints: Option<std::collections::BTreeMap<String, Vec<serde_json::Value>>>,
    /// Scenes: body name → {"pos": [[x, y, z]], "quat": [[w, x, y, z]]} per step.
    #[serde(skip_serializing_if = "Option::is_none")]
    bodies: Option<std::collections::BTreeMap<String, BodyTrack>>,
    /// Randomized envs: one object per episode, in order, with the values its reset drew
    /// (`"geom.friction:cube": 0.73`); absent when the env randomizes nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
    /// The episode of the last entry of `params`.
    #[serde(skip)]
    params_episode: Option<u32>,
}

#[derive(Serialize, Default)]
struct BodyTrack {
    pos: Vec<[f32; 3]>,
    quat: Vec<[f32; 4]>,
}

/// Appends one step of joints and bodies for every world of a scene.
fn record_scene(
    out: &mut [RolloutWorldOut],
    c: &manyworlds::sim::compile::Compiled,
    obs: &[f32],
    states: &WorldStates,
) {
    let od = c.params.obs_dim as usize;
    let sd = states.state_dim;
    for (w, o) in out.iter_mut().enumerate() {
        let q = &obs[w * od..];
        let joints = o.joints.get_or_insert_with(Default::default);
        for j in &c.joints {
            let n = j.kind.nq();
            let v = if n == 1 {
                serde_json::json!(q[j.qadr])
            } else {
                serde_json::json!(q[j.qadr..j.qadr + n])
            };
            joints.entry(j.name.clone()).or_default().push(v);
        }
        let bodies = o.bodies.get_or_insert_with(Default::default);
        let poses = c.body_poses(&states.state[w * sd..(w + 1) * sd]);
        for (b, (p, r)) in poses.iter().enumerate().skip(1) {
            let t = bodies.entry(c.body_names[b].clone()).or_default();
            t.pos.push(p.to_array());
            t.quat.push([r.w, r.x, r.y, r.z]);
        }
    }
}

/// Appends the randomized values of each world in `worlds` whose current episode is not
/// recorded yet (nothing when the env randomizes nothing).
fn record_params(
    out: &mut [RolloutWorldOut],
    env: &mut dyn VecEnv,
    worlds: &[usize],
) -> Result<(), Error> {
    let Some(p) = env.randomized_params()? else {
        return Ok(());
    };
    for &w in worlds {
        let o = &mut out[w];
        let Some(e) = p.episode(w) else { continue };
        if o.params_episode == Some(e) {
            continue;
        }
        o.params_episode = Some(e);
        o.params.get_or_insert_with(Vec::new).push(p.to_json(w));
    }
    Ok(())
}

fn input_err(file: &str, field: String, message: String) -> Error {
    Error::Input {
        file: file.to_string(),
        line: None,
        field,
        message,
    }
}

pub fn run(a: &RolloutArgs) -> Result<(), Error> {
    let file = a.input.as_str();
    let text = std::fs::read_to_string(file).map_err(|e| Error::Io {
        path: file.into(),
        message: e.to_string(),
    })?;
    let input: RolloutInput = serde_path_to_error::deserialize(
        &mut serde_json::Deserializer::from_str(&text),
    )
    .map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        Error::Input {
            file: file.into(),
            line: Some(inner.line()),
            field: if field == "." {
                format!("column {}", inner.column())
            } else {
                field
            },
            message: inner.to_string(),
        }
    })?;
    match (&input.env, &a.scene) {
        (Some(name), None) if !env::names().contains(&name.as_str()) => {
            return Err(input_err(
                file,
                "env".into(),
                format!(
                    "{name:?} is not registered; known: {} (or give --scene FILE.xml)",
                    env::names().join(", ")
                ),
            ))
        }
        (None, None) => {
            return Err(input_err(
                file,
                "env".into(),
                "is missing; name a registered env or give --scene FILE.xml".into(),
            ))
        }
        _ => {}
    }
    if input.worlds.is_empty() {
        return Err(input_err(
            file,
            "worlds".into(),
            "is empty; give at least one world".into(),
        ));
    }
    let spec = load_randomize(a.randomize.as_deref())?;
    let gpu = Gpu::new()?;
    let mut cfg = EnvConfig::new(input.worlds.len()).autoreset(input.autoreset.mode());
    cfg.randomize = spec;
    let (mut env, compiled) = open_env(
        &gpu,
        input.env.as_deref(),
        a.scene.as_deref(),
        a.lenient,
        &cfg,
    )?;
    let spec = env.spec().clone();
    let adim = spec.action_space.dim();
    let n = input.worlds.len();
    // Check everything before any work, so a bad file leaves no partial output.
    let mut actions = vec![0.0_f32; input.steps * n * adim];
    for (w, world) in input.worlds.iter().enumerate() {
        if world.actions.len() != input.steps {
            return Err(input_err(
                file,
                format!("worlds[{w}].actions"),
                format!(
                    "has {} steps; expected steps = {}",
                    world.actions.len(),
                    input.steps
                ),
            ));
        }
        if let Some(s) = &world.initial_state {
            if s.len() != spec.state_dim {
                return Err(input_err(
                    file,
                    format!("worlds[{w}].initial_state"),
                    format!(
                        "has {} values; {} takes {}",
                        s.len(),
                        spec.name,
                        spec.state_dim
                    ),
                ));
            }
            if let Some(k) = s.iter().position(|v| !(*v as f32).is_finite()) {
                return Err(input_err(
                    file,
                    format!("worlds[{w}].initial_state[{k}]"),
                    format!("is {}; allowed: a finite float32", s[k]),
                ));
            }
        }
        for (t, a) in world.actions.iter().enumerate() {
            if a.len() != adim {
                return Err(input_err(
                    file,
                    format!("worlds[{w}].actions[{t}]"),
                    format!("has {} values; {} takes {adim}", a.len(), spec.name),
                ));
            }
            let row: Vec<f32> = a.iter().map(|&v| v as f32).collect();
            if let Err(Error::InvalidAction {
                index,
                value,
                allowed,
                ..
            }) = spec.action_space.check(1, &row)
            {
                return Err(input_err(
                    file,
                    format!("worlds[{w}].actions[{t}][{index}]"),
                    format!("is {value}; allowed: {allowed}"),
                ));
            }
            actions[(t * n + w) * adim..(t * n + w + 1) * adim].copy_from_slice(&row);
        }
    }
    let od = spec.obs_dim;
    env.reset(input.seed)?;
    let given: Vec<usize> = (0..n)
        .filter(|&w| input.worlds[w].initial_state.is_some())
        .collect();
    if !given.is_empty() {
        let mut states = env.get_state(Worlds::Some(&given))?;
        states.state = given
            .iter()
            .flat_map(|&w| {
                input.worlds[w]
                    .initial_state
                    .as_ref()
                    .expect("filtered")
                    .iter()
                    .map(|&v| v as f32)
            })
            .collect();
        states.clocks = vec![WorldClock::default(); given.len()];
        env.set_state(&WorldStates { ..states })?;
    }
    let mut out: Vec<RolloutWorldOut> = (0..n).map(|_| RolloutWorldOut::default()).collect();
    let record_obs = |out: &mut Vec<RolloutWorldOut>, obs: &[f32]| {
        for (w, o) in out.iter_mut().enumerate() {
            o.obs.push(obs[w * od..(w + 1) * od].to_vec());
        }
    };
    record_obs(&mut out, env.observations());
    if let Some(c) = &compiled {
        let obs = env.observations().to_vec();
        let st = env.get_state(Worlds::All)?;
        record_scene(&mut out, c, &obs, &st);
    }
    // Episode 0 of every world was drawn by the reset.
    let all: Vec<usize> = (0..n).collect();
    record_params(&mut out, env.as_mut(), &all)?;
    for t in 0..input.steps {
        let step = env.step(&actions[t * n * adim..(t + 1) * n * adim])?;
        if let Some(f) = step.fault_report().first() {
            return Err(Error::InvalidArgument {
                field: format!("world {} at step {t}", f.world),
                value: format!("{} (flags {:#x})", f.causes().join(", "), f.flags),
                allowed: "a step without faults: a rollout replays exact trajectories".into(),
            });
        }
        for (w, o) in out.iter_mut().enumerate() {
            o.reward.push(step.rewards[w]);
            o.terminated.push(step.terminated[w]);
            o.truncated.push(step.truncated[w]);
        }
        // FLAG_RESET marks the step whose reset drew a world's new episode (the step
        // after the end in next-step mode, the end itself in same-step mode).
        let reset: Vec<usize> = (0..n)
            .filter(|&w| step.flags[w] & manyworlds::layout::FLAG_RESET != 0)
            .collect();
        let obs = step.obs.to_vec();
        record_obs(&mut out, &obs);
        if let Some(c) = &compiled {
            let st = env.get_state(Worlds::All)?;
            record_scene(&mut out, c, &obs, &st);
        }
        if !reset.is_empty() {
            record_params(&mut out, env.as_mut(), &reset)?;
        }
    }
    let doc = RolloutOutput {
        adapter: gpu.adapter().to_string(),
        env: input.env.or(a.scene.clone()).unwrap_or_default(),
        seed: input.seed,
        steps: input.steps,
        autoreset: input.autoreset,
        worlds: out,
    };
    let json = serde_json::to_string(&doc).expect("rollout output serialises");
    write_atomic(&a.output, json.as_bytes())
}
