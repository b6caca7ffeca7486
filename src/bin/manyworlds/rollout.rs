//! `manyworlds rollout`: replays initial states and actions from a JSON file and writes
//! every step.

use crate::common::*;
use manyworlds::env::{self, AutoresetMode, EnvConfig, EnvSpec, VecEnv, WorldStates, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::layout::WorldClock;
use manyworlds::sim::compile::Compiled;
use manyworlds::Error;
use serde::{Deserialize, Serialize};

#[derive(clap::Args)]
pub struct RolloutArgs {
    /// Input JSON: {"env", "seed", "steps", "autoreset"?, "worlds": [{"initial_state"?,
    /// "initial_qpos"?, "initial_qvel"?, "actions"}]}; "autoreset" is "disabled" (the
    /// default), "next_step" or "same_step". Scenes may start a world from MuJoCo's joint
    /// coordinates ("initial_qpos", and "initial_qvel", zeros when left out) instead of an
    /// internal "initial_state".
    #[arg(long)]
    pub input: String,
    /// Output JSON: {"adapter", "worlds": [{"obs", "reward", "terminated", "truncated"}]};
    /// scenes add "qpos", "qvel", "joints" and "bodies" per world, tasks with reward terms
    /// "reward_terms" (name → one value per step), and randomized envs
    /// "params": one object per episode of the world with the values drawn at its reset.
    #[arg(long)]
    pub output: String,
    /// An MJCF scene to roll out (the input's "env" may then be left out).
    #[arg(long)]
    pub scene: Option<String>,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    pub lenient: bool,
    /// Start every episode from this MJCF `<key>` (by name) instead of the scene's
    /// reference configuration at rest (scene envs only).
    #[arg(long, value_name = "NAME")]
    pub keyframe: Option<String>,
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
    /// Scenes: the initial joint positions (nq, MuJoCo's conventions).
    #[serde(default)]
    initial_qpos: Option<Vec<f64>>,
    /// Scenes: the initial joint velocities (nv); zeros when only `initial_qpos` is given.
    #[serde(default)]
    initial_qvel: Option<Vec<f64>>,
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
    /// Tasks with reward terms (the Gymnasium tasks): term name (Gymnasium's `info` key,
    /// e.g. `reward_forward`) → one value per step, summing to `reward`.
    #[serde(skip_serializing_if = "Option::is_none")]
    reward_terms: Option<std::collections::BTreeMap<String, Vec<f32>>>,
    /// Scenes: qpos (MuJoCo's conventions, from the State) per step, `steps + 1` rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    qpos: Option<Vec<Vec<f32>>>,
    /// Scenes: qvel per step, `steps + 1` rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    qvel: Option<Vec<Vec<f32>>>,
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
    states: &WorldStates,
) {
    let sd = states.state_dim;
    let (nq, nv) = (c.params.nq as usize, c.params.nv as usize);
    let qq = c.qpos_qvel(&states.state);
    for (w, o) in out.iter_mut().enumerate() {
        let row = &qq[w * (nq + nv)..(w + 1) * (nq + nv)];
        o.qpos.get_or_insert_with(Vec::new).push(row[..nq].to_vec());
        o.qvel.get_or_insert_with(Vec::new).push(row[nq..].to_vec());
        let q = &row[..nq];
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

/// Runs `rollout`: read and check the input, open the env, check every action and initial
/// state, set the initial states, replay every step while recording, write the output.
pub fn run(a: &RolloutArgs) -> Result<(), Error> {
    let file = a.input.as_str();
    let input = read_input(file)?;
    check_env_and_worlds(&input, a, file)?;
    let spec = load_randomize(a.randomize.as_deref())?;
    let gpu = Gpu::new()?;
    let mut cfg = EnvConfig::new(input.worlds.len()).autoreset(input.autoreset.mode());
    cfg.randomize = spec;
    let (mut env, compiled) = open_env(
        &gpu,
        input.env.as_deref(),
        a.scene.as_deref(),
        a.lenient,
        a.keyframe.as_deref(),
        &cfg,
    )?;
    // Check everything before any work, so a bad file leaves no partial output.
    let actions = checked_actions(&input, env.spec(), file)?;
    let initial = initial_states(&input, compiled.as_ref(), env.spec(), file)?;
    env.reset(input.seed)?;
    set_initial_states(env.as_mut(), &initial)?;
    let out = replay(env.as_mut(), compiled.as_ref(), &input, &actions)?;
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

/// Reads and parses the input file; a parse error names its line and JSON path.
fn read_input(file: &str) -> Result<RolloutInput, Error> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::Io {
        path: file.into(),
        message: e.to_string(),
    })?;
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text)).map_err(|e| {
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
    })
}

/// The input names a registered env (or --scene is given) and at least one world.
fn check_env_and_worlds(input: &RolloutInput, a: &RolloutArgs, file: &str) -> Result<(), Error> {
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
    Ok(())
}

/// Checks every world's step count, initial state and actions against the env; returns
/// the actions as float32, step-major (step t, world w at `(t·n + w)·adim`).
fn checked_actions(input: &RolloutInput, spec: &EnvSpec, file: &str) -> Result<Vec<f32>, Error> {
    let adim = spec.action_space.dim();
    let n = input.worlds.len();
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
    Ok(actions)
}

/// World `w`'s initial state has the env's length and only finite float32 values.
fn check_initial_state(s: &[f64], w: usize, spec: &EnvSpec, file: &str) -> Result<(), Error> {
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
    Ok(())
}

/// Each world's initial State, if it gives one: its "initial_state" as it is, or the
/// State of its "initial_qpos" and "initial_qvel" (scenes only). Errors name the world and
/// the field.
fn initial_states(
    input: &RolloutInput,
    compiled: Option<&Compiled>,
    spec: &EnvSpec,
    file: &str,
) -> Result<Vec<Option<Vec<f32>>>, Error> {
    let mut out = Vec::with_capacity(input.worlds.len());
    for (w, world) in input.worlds.iter().enumerate() {
        let joints = world.initial_qpos.is_some() || world.initial_qvel.is_some();
        out.push(match (&world.initial_state, joints) {
            (Some(_), true) => {
                return Err(input_err(
                    file,
                    format!("worlds[{w}]"),
                    "gives both initial_state and initial_qpos/initial_qvel; give one kind".into(),
                ))
            }
            (Some(s), false) => {
                check_initial_state(s, w, spec, file)?;
                Some(s.iter().map(|&v| v as f32).collect())
            }
            (None, true) => Some(state_of_joints(world, w, compiled, spec, file)?),
            (None, false) => None,
        });
    }
    Ok(out)
}

/// The State of world `w`'s "initial_qpos" and "initial_qvel".
fn state_of_joints(
    world: &RolloutWorldIn,
    w: usize,
    compiled: Option<&Compiled>,
    spec: &EnvSpec,
    file: &str,
) -> Result<Vec<f32>, Error> {
    let Some(c) = compiled else {
        return Err(input_err(
            file,
            format!("worlds[{w}].initial_qpos"),
            format!(
                "is for scene envs; {} has no joints: give initial_state",
                spec.name
            ),
        ));
    };
    let Some(qpos) = &world.initial_qpos else {
        return Err(input_err(
            file,
            format!("worlds[{w}].initial_qvel"),
            "needs initial_qpos beside it".into(),
        ));
    };
    let (nq, nv) = (c.params.nq as usize, c.params.nv as usize);
    let zeros = vec![0.0; nv];
    let qvel = world.initial_qvel.as_ref().unwrap_or(&zeros);
    for (field, values, n) in [("initial_qpos", qpos, nq), ("initial_qvel", qvel, nv)] {
        if values.len() != n {
            return Err(input_err(
                file,
                format!("worlds[{w}].{field}"),
                format!("has {} values; {} takes {n}", values.len(), spec.name),
            ));
        }
        if let Some(k) = values.iter().position(|v| !(*v as f32).is_finite()) {
            return Err(input_err(
                file,
                format!("worlds[{w}].{field}[{k}]"),
                format!("is {}; allowed: a finite float32", values[k]),
            ));
        }
    }
    let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    c.state_from_qpos(&f32s(qpos), &f32s(qvel)).map_err(|e| {
        input_err(
            file,
            format!("worlds[{w}].initial_qpos"),
            format!("is not a joint state: {e}"),
        )
    })
}

/// Overwrites the reset state of the worlds that give an initial state (clocks at 0).
fn set_initial_states(env: &mut dyn VecEnv, initial: &[Option<Vec<f32>>]) -> Result<(), Error> {
    let given: Vec<usize> = (0..initial.len())
        .filter(|&w| initial[w].is_some())
        .collect();
    if !given.is_empty() {
        let mut states = env.get_state(Worlds::Some(&given))?;
        states.state = given
            .iter()
            .flat_map(|&w| initial[w].as_deref().expect("filtered").iter().copied())
            .collect();
        states.clocks = vec![WorldClock::default(); given.len()];
        env.set_state(&WorldStates { ..states })?;
    }
    Ok(())
}

/// Appends one observation per world.
fn record_obs(out: &mut [RolloutWorldOut], obs: &[f32], od: usize) {
    for (w, o) in out.iter_mut().enumerate() {
        o.obs.push(obs[w * od..(w + 1) * od].to_vec());
    }
}

/// Records the reset state, then steps through the actions recording every step.
fn replay(
    env: &mut dyn VecEnv,
    compiled: Option<&Compiled>,
    input: &RolloutInput,
    actions: &[f32],
) -> Result<Vec<RolloutWorldOut>, Error> {
    let n = input.worlds.len();
    let od = env.spec().obs_dim;
    let mut out: Vec<RolloutWorldOut> = (0..n).map(|_| RolloutWorldOut::default()).collect();
    record_obs(&mut out, env.observations(), od);
    if let Some(c) = compiled {
        let st = env.get_state(Worlds::All)?;
        record_scene(&mut out, c, &st);
    }
    // Episode 0 of every world was drawn by the reset.
    let all: Vec<usize> = (0..n).collect();
    record_params(&mut out, env, &all)?;
    // Step t's actions: every world's, world-major.
    let step_len = n * env.spec().action_space.dim();
    for t in 0..input.steps {
        let step_actions = &actions[t * step_len..(t + 1) * step_len];
        step_and_record(env, compiled, &mut out, t, step_actions)?;
    }
    Ok(out)
}

/// Step `t`: fails on a fault, else records rewards, flags, observations, the scene and
/// the parameters of the episodes its resets drew.
fn step_and_record(
    env: &mut dyn VecEnv,
    compiled: Option<&Compiled>,
    out: &mut [RolloutWorldOut],
    t: usize,
    actions: &[f32],
) -> Result<(), Error> {
    let n = out.len();
    let od = env.spec().obs_dim;
    let step = env.step(actions)?;
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
    record_obs(out, &obs, od);
    if let Some(c) = compiled {
        let st = env.get_state(Worlds::All)?;
        record_scene(out, c, &st);
    }
    if let Some(terms) = env.reward_terms()? {
        let k = terms.names.len();
        for (w, o) in out.iter_mut().enumerate() {
            let map = o.reward_terms.get_or_insert_with(Default::default);
            for (i, name) in terms.names.iter().enumerate() {
                let v = terms.values[w * k + i];
                map.entry(name.to_string()).or_default().push(v);
            }
        }
    }
    if !reset.is_empty() {
        record_params(out, env, &reset)?;
    }
    Ok(())
}
