//! The `manyworlds` command line. With no arguments it runs `bench` on the embedded default
//! scene, `boxes` (see [`DEFAULT_BENCH`]).

use clap::{Parser, Subcommand, ValueEnum};
use manyworlds::env::{self, AutoresetMode, EnvConfig, VecEnv, WorldStates, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::layout::WorldClock;
use manyworlds::Error;
use serde::{Deserialize, Serialize};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "manyworlds",
    version,
    about = "Batched GPU simulation for robot learning"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Measure env-steps/s over every combination of envs, world counts and modes.
    Bench(BenchArgs),
    /// Replay given initial states and actions (autoreset off unless the input asks); write
    /// every step.
    Rollout(RolloutArgs),
    /// Render views of a scene or env after some steps: PNG, NPY and a mosaic per view.
    Render(RenderArgs),
    /// List the registered envs.
    Envs,
    /// Print the adapter that would be used, and why.
    Adapter,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    /// A full RL loop every step: actions uploaded, observations, rewards and flags read back.
    Rl,
    /// All steps in one `step_many` submission, results read back once.
    Fused,
    /// No physics: the current state rendered and read back, once per timed step (needs
    /// --render).
    Render,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Env names, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "cartpole")]
    env: Vec<String>,
    /// World counts, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1024,16384")]
    worlds: Vec<usize>,
    /// Timed steps per repeat.
    #[arg(long, default_value_t = 500)]
    steps: u32,
    /// Modes, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "rl,fused")]
    mode: Vec<Mode>,
    /// Untimed steps before each cell (pipeline creation, first-touch, caches).
    #[arg(long, default_value_t = 50)]
    warmup: u32,
    /// Timed repeats per cell; the median is reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Seed of the reset and of the random actions.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object per cell (the last line is the last cell).
    #[arg(long)]
    json: bool,
    /// MJCF scene files to benchmark (in place of --env): no rewards, random controls.
    #[arg(long, value_delimiter = ',')]
    scene: Vec<String>,
    /// Load scenes even when they hold elements that change the dynamics and are not
    /// supported (they become warnings).
    #[arg(long)]
    lenient: bool,
    /// Render every camera of every world after each step at WxH, with readback.
    #[arg(long, value_parser = parse_size)]
    render: Option<(u32, u32)>,
    /// MJCF cameras to render, comma separated (default: all).
    #[arg(long, value_delimiter = ',')]
    camera: Vec<String>,
    /// Rendered outputs, comma separated: rgb, depth, seg.
    #[arg(long, value_delimiter = ',', default_value = "rgb,depth")]
    outputs: Vec<String>,
    /// Domain randomization spec (JSON) for every env and scene benchmarked; without it
    /// push-cube uses its default spec and other envs randomize nothing.
    #[arg(long, value_name = "SPEC.json")]
    randomize: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SegArg {
    /// Segmentation id = geom index + 1.
    Geom,
    /// Segmentation id = MJCF body index + 1.
    Body,
}

#[derive(clap::Args)]
struct RenderArgs {
    /// An MJCF scene file.
    #[arg(long, conflicts_with = "env")]
    scene: Option<String>,
    /// A registered env with a scene (see `manyworlds envs`).
    #[arg(long)]
    env: Option<String>,
    /// Worlds to simulate; every world is rendered.
    #[arg(long, default_value_t = 4)]
    worlds: usize,
    /// MJCF camera names, comma separated (default: every camera).
    #[arg(long, value_delimiter = ',')]
    camera: Vec<String>,
    /// Image size, WxH pixels.
    #[arg(long, default_value = "128x128", value_parser = parse_size)]
    size: (u32, u32),
    /// Steps to simulate before rendering, with random valid actions drawn from the seed
    /// (0: the reset state).
    #[arg(long, default_value_t = 0)]
    steps: u32,
    /// Seed of the reset and the actions.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output directory (created).
    #[arg(long)]
    out: String,
    /// What segmentation ids name.
    #[arg(long, value_enum, default_value = "geom")]
    seg: SegArg,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    lenient: bool,
    /// Domain randomization spec (JSON); without it push-cube uses its default spec.
    #[arg(long, value_name = "SPEC.json")]
    randomize: Option<String>,
}

/// Parses `WxH` (e.g. `64x64`) into pixels.
fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}`: expected WxH with 1 to 8192 pixels each way, e.g. 64x64");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(1..=8192).contains(&w) || !(1..=8192).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

#[derive(clap::Args)]
struct RolloutArgs {
    /// Input JSON: {"env", "seed", "steps", "autoreset"?, "worlds": [{"initial_state"?,
    /// "actions"}]}; "autoreset" is "disabled" (the default), "next_step" or "same_step".
    #[arg(long)]
    input: String,
    /// Output JSON: {"adapter", "worlds": [{"obs", "reward", "terminated", "truncated"}]};
    /// scenes add "joints" and "bodies" per world, and randomized envs "params": one
    /// object per episode of the world with the values drawn at its reset.
    #[arg(long)]
    output: String,
    /// An MJCF scene to roll out (the input's "env" may then be left out).
    #[arg(long)]
    scene: Option<String>,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    lenient: bool,
    /// Domain randomization spec (JSON); without it push-cube uses its default spec.
    #[arg(long, value_name = "SPEC.json")]
    randomize: Option<String>,
}

/// Reads `--randomize FILE` (errors name the file, entry and field).
fn load_randomize(path: Option<&str>) -> Result<Option<manyworlds::randomize::Spec>, Error> {
    path.map(manyworlds::randomize::Spec::from_file).transpose()
}

/// Opens a registered env, or an MJCF scene file; scenes also return their compiled
/// description (joint and body names) for outputs.
fn open_env(
    gpu: &Gpu,
    name: Option<&str>,
    scene_file: Option<&str>,
    lenient: bool,
    cfg: &EnvConfig,
) -> Result<(Box<dyn VecEnv>, Option<manyworlds::sim::compile::Compiled>), Error> {
    use manyworlds::env::scene::{self, SceneConfig};
    let (xml, label) = match (scene_file, name) {
        (Some(f), _) => (
            std::fs::read_to_string(f).map_err(|e| Error::Io {
                path: f.into(),
                message: e.to_string(),
            })?,
            f.to_string(),
        ),
        (None, Some(n)) => {
            if let Some(e) = scene::make_registered(gpu, n, cfg) {
                let e = e?;
                let c = e.compiled().clone();
                return Ok((Box::new(e), Some(c)));
            }
            return Ok((env::make(gpu, n, cfg)?, None));
        }
        (None, None) => {
            return Err(Error::InvalidArgument {
                field: "env".into(),
                value: "missing".into(),
                allowed: "a registered env name, or --scene FILE.xml".into(),
            })
        }
    };
    let dir = std::path::Path::new(&label)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let loaded = manyworlds::mjcf::load_str(
        &label,
        &dir,
        &xml,
        &manyworlds::mjcf::LoadOptions { lenient },
    )?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let sc = SceneConfig::new(&label);
    let e = scene::make_scene(gpu, &loaded.model, &sc, cfg)?;
    for w in &e.compiled().warnings {
        eprintln!("warning: {w}");
    }
    let c = e.compiled().clone();
    Ok((Box::new(e), Some(c)))
}

/// What `manyworlds` with no arguments runs: the embedded `boxes` scene (8 free boxes
/// falling onto a plane and settling), 1024 worlds, whole 150-step episodes after one
/// untimed episode, both modes. One episode because the cost per step changes as the
/// boxes fall, collide and come to rest; 1024 worlds because it is the size the issue's
/// MuJoCo comparison uses, and it keeps the run near a minute on a 2-core CPU.
const DEFAULT_BENCH: &[&str] = &[
    "manyworlds",
    "bench",
    "--env",
    "boxes",
    "--worlds",
    "1024",
    "--steps",
    "150",
    "--warmup",
    "150",
];

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        None => match Cli::parse_from(DEFAULT_BENCH).command {
            Some(Command::Bench(a)) => bench(&a),
            _ => unreachable!("`bench` parses as the bench subcommand"),
        },
        Some(Command::Bench(a)) => bench(&a),
        Some(Command::Rollout(a)) => rollout(&a),
        Some(Command::Render(a)) => render(&a),
        Some(Command::Envs) => {
            for e in env::REGISTRY {
                println!("{:<12} {}", e.name, e.about);
            }
            Ok(())
        }
        Some(Command::Adapter) => Gpu::new().map(|g| println!("{}", g.adapter())),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[derive(Serialize)]
struct BenchCell {
    adapter: String,
    backend: String,
    device_type: String,
    env: String,
    worlds: usize,
    steps: u32,
    warmup: u32,
    repeats: usize,
    mode: Mode,
    autoreset: &'static str,
    env_steps_per_s: f64,
    env_steps_per_s_runs: Vec<f64>,
    us_per_batch_step: f64,
    wall_s: f64,
    /// Rendered views per second (views × frames rendered / s); absent without --render.
    #[serde(skip_serializing_if = "Option::is_none")]
    views_per_s: Option<f64>,
    /// "WxH" of the rendered views; absent without --render.
    #[serde(skip_serializing_if = "Option::is_none")]
    render: Option<String>,
    /// Rendered outputs (rgb, depth, seg); empty without --render.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    outputs: Vec<&'static str>,
    /// Views per frame (rendered worlds × cameras).
    #[serde(skip_serializing_if = "Option::is_none")]
    views: Option<usize>,
    /// The `--randomize` spec file, "default" for an env's own default spec (push-cube),
    /// or null when nothing is randomized.
    randomize: Option<String>,
}

/// Random valid actions: a few pre-drawn batches cycled, so the timing is the env's.
fn random_actions(env: &dyn VecEnv, seed: u64, batches: u32) -> Vec<Vec<f32>> {
    (0..batches)
        .map(|b| {
            env.spec()
                .action_space
                .sample(env.num_worlds(), seed ^ 0xac71_0000, b)
        })
        .collect()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

fn bench(a: &BenchArgs) -> Result<(), Error> {
    for (field, bad) in [("--steps", a.steps == 0), ("--repeats", a.repeats == 0)] {
        if bad {
            return Err(Error::InvalidArgument {
                field: field.into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
    }
    let outputs = parse_outputs(&a.outputs)?;
    let spec = load_randomize(a.randomize.as_deref())?;
    if a.mode.contains(&Mode::Render) && a.render.is_none() {
        return Err(Error::InvalidArgument {
            field: "--mode".into(),
            value: "render".into(),
            allowed: "render only together with --render WxH".into(),
        });
    }
    let gpu = Gpu::new()?;
    let ad = gpu.adapter().clone();
    println!("adapter: {ad}");
    if !a.json {
        println!(
            "{:<10} {:<6} {:>8} {:>6} {:>14} {:>12}",
            "env", "mode", "worlds", "steps", "env-steps/s", "µs/step"
        );
    }
    let t_all = Instant::now();
    let targets: Vec<(Option<&str>, Option<&str>)> = if a.scene.is_empty() {
        a.env.iter().map(|n| (Some(n.as_str()), None)).collect()
    } else {
        a.scene.iter().map(|f| (None, Some(f.as_str()))).collect()
    };
    let mut defaults: Vec<String> = Vec::new();
    for (name_opt, scene_opt) in targets {
        let name = name_opt.or(scene_opt).unwrap_or_default().to_string();
        let name = &name;
        let randomize = match (&a.randomize, name_opt) {
            (Some(f), _) => Some(f.clone()),
            (None, Some(n)) => {
                let renders = a.render.is_some() || env::scene::registered_render(n).is_some();
                env::scene::registered_randomize(n, renders).map(|_| "default".to_string())
            }
            (None, None) => None,
        };
        if a.randomize.is_none() && randomize.is_some() {
            defaults.push(name.clone());
        }
        for &worlds in &a.worlds {
            let mut cfg = EnvConfig::new(worlds);
            cfg.randomize = spec.clone();
            if let Some((w, h)) = a.render {
                cfg.render = Some(manyworlds::render::RenderConfig {
                    cameras: a.camera.clone(),
                    outputs,
                    ..manyworlds::render::RenderConfig::new(w, h)
                });
            }
            let (mut env, _) = open_env(&gpu, name_opt, scene_opt, a.lenient, &cfg)?;
            let views = env
                .spec()
                .images
                .as_ref()
                .map(|s| s.cameras.len() * s.worlds.len());
            let pool = random_actions(env.as_ref(), a.seed, 8);
            for &mode in &a.mode {
                env.reset(a.seed)?;
                let mut runs = Vec::new();
                let mut walls = Vec::new();
                // Warm-up, not timed.
                match mode {
                    Mode::Rl => {
                        for t in 0..a.warmup {
                            env.step(&pool[t as usize % pool.len()])?;
                        }
                    }
                    Mode::Fused => {
                        env.step_many(&pool[0], a.warmup.max(1))?;
                    }
                    Mode::Render => {
                        for _ in 0..a.warmup.max(1) {
                            env.render()?;
                        }
                    }
                }
                for _ in 0..a.repeats {
                    let t0 = Instant::now();
                    match mode {
                        Mode::Rl => {
                            for t in 0..a.steps {
                                env.step(&pool[t as usize % pool.len()])?;
                            }
                        }
                        Mode::Fused => {
                            env.step_many(&pool[0], a.steps)?;
                        }
                        Mode::Render => {
                            for _ in 0..a.steps {
                                env.render()?;
                            }
                        }
                    }
                    let wall = t0.elapsed().as_secs_f64();
                    walls.push(wall);
                    runs.push(worlds as f64 * a.steps as f64 / wall);
                }
                let rate = median(&runs);
                // Frames rendered per timed repeat: one per step, except fused mode's one
                // at the end of its single submission.
                let frames = match mode {
                    Mode::Fused => 1.0,
                    Mode::Rl | Mode::Render => a.steps as f64,
                };
                let views_per_s = views.map(|v| (v as f64 * frames / median(&walls)).round());
                let cell = BenchCell {
                    adapter: ad.name.clone(),
                    backend: ad.backend.clone(),
                    device_type: ad.device_type.clone(),
                    env: name.clone(),
                    worlds,
                    steps: a.steps,
                    warmup: a.warmup,
                    repeats: a.repeats,
                    mode,
                    autoreset: "next_step",
                    env_steps_per_s: rate.round(),
                    env_steps_per_s_runs: runs.iter().map(|r| r.round()).collect(),
                    us_per_batch_step: (1e6 * median(&walls) / a.steps as f64 * 100.0).round()
                        / 100.0,
                    wall_s: (walls.iter().sum::<f64>() * 1000.0).round() / 1000.0,
                    views_per_s,
                    render: a.render.map(|(w, h)| format!("{w}x{h}")),
                    outputs: if a.render.is_some() {
                        outputs.names()
                    } else {
                        Vec::new()
                    },
                    views,
                    randomize: randomize.clone(),
                };
                if a.json {
                    println!("{}", serde_json::to_string(&cell).expect("cell serialises"));
                } else {
                    println!(
                        "{:<10} {:<6} {:>8} {:>6} {:>14} {:>12.1}{}",
                        name,
                        match mode {
                            Mode::Rl => "rl",
                            Mode::Fused => "fused",
                            Mode::Render => "render",
                        },
                        worlds,
                        a.steps,
                        format_rate(rate),
                        cell.us_per_batch_step,
                        match (views_per_s, &cell.render) {
                            (Some(v), Some(r)) => format!(
                                "   {} views/s ({r}, {})",
                                format_rate(v),
                                cell.outputs.join("+")
                            ),
                            _ => String::new(),
                        }
                    );
                }
            }
        }
    }
    if !a.json {
        let randomization = match &a.randomize {
            Some(f) => format!("randomization on ({f})"),
            None if defaults.is_empty() => "randomization off".to_string(),
            None => format!("randomization: default spec for {}", defaults.join(", ")),
        };
        println!(
            "warm-up: {} steps per cell, not timed; median of {} repeats; random actions; next-step autoreset; {randomization}; total {:.1} s",
            a.warmup,
            a.repeats,
            t_all.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn render(a: &RenderArgs) -> Result<(), Error> {
    use manyworlds::render::{files, Outputs, RenderConfig, SegmentIds};
    let spec = load_randomize(a.randomize.as_deref())?;
    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let rc = RenderConfig {
        cameras: a.camera.clone(),
        outputs: Outputs::ALL,
        segmentation: match a.seg {
            SegArg::Geom => SegmentIds::Geom,
            SegArg::Body => SegmentIds::Body,
        },
        ..RenderConfig::new(a.size.0, a.size.1)
    };
    let mut cfg = EnvConfig::new(a.worlds).render(rc.clone());
    cfg.randomize = spec;
    let (mut env, _) = open_env(&gpu, a.env.as_deref(), a.scene.as_deref(), a.lenient, &cfg)?;
    env.reset(a.seed)?;
    let pool = random_actions(env.as_ref(), a.seed, 8);
    for t in 0..a.steps {
        env.step(&pool[t as usize % pool.len()])?;
    }
    let images = env.images().ok_or_else(|| Error::InvalidArgument {
        field: "env".into(),
        value: env.spec().name.clone(),
        allowed: "an env with a scene to render".into(),
    })?;
    let written = files::write_views(std::path::Path::new(&a.out), &images, 4.0)?;
    println!(
        "{} views ({} worlds x {} cameras) at {}x{} after {} steps: {} files in {}",
        images.views().len(),
        a.worlds,
        env.spec().images.as_ref().map_or(0, |s| s.cameras.len()),
        a.size.0,
        a.size.1,
        a.steps,
        written.len(),
        a.out
    );
    Ok(())
}

/// Parses `--outputs` names.
fn parse_outputs(names: &[String]) -> Result<manyworlds::render::Outputs, Error> {
    let mut o = manyworlds::render::Outputs {
        rgb: false,
        depth: false,
        seg: false,
    };
    for n in names {
        match n.trim() {
            "rgb" => o.rgb = true,
            "depth" => o.depth = true,
            "seg" => o.seg = true,
            other => {
                return Err(Error::InvalidArgument {
                    field: "--outputs".into(),
                    value: other.into(),
                    allowed: "rgb, depth, seg (comma separated)".into(),
                })
            }
        }
    }
    Ok(o)
}

fn format_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1}k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
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
        let poses = manyworlds::env::scene::body_poses(c, &states.state[w * sd..(w + 1) * sd]);
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

fn rollout(a: &RolloutArgs) -> Result<(), Error> {
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
        let faults = step.faults();
        if let Some(&w) = faults.first() {
            return Err(Error::InvalidArgument {
                field: format!("world {w} at step {t}"),
                value: format!("flags {:#x}", step.flags[w]),
                allowed: "no contact overflow and a finite state (see layout::physics flags)"
                    .into(),
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

/// Writes via a temporary file and a rename, so a failed run never leaves a torn file.
fn write_atomic(path: &str, bytes: &[u8]) -> Result<(), Error> {
    let tmp = format!("{path}.tmp{}", std::process::id());
    let io = |e: std::io::Error| Error::Io {
        path: path.into(),
        message: e.to_string(),
    };
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
