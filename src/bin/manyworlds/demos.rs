//! `manyworlds demos`: a scripted expert on every world of a randomized env, its episodes
//! streamed into robomimic's HDF5 layout as they finish (see `manyworlds::demos::file`),
//! resumable; and `--replay FILE --check`, which replays a file's episodes from their
//! initial states and actions.

use crate::common::{arg_err, load_randomize, parse_outputs, parse_size};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use manyworlds::demos::file::{self, DemoWriter, Layout};
use manyworlds::demos::{make_expert, resolve_expert, Episode, RecordConfig, Recorder};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::randomize::Spec;
use manyworlds::render::RenderConfig;
use manyworlds::Error;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Which finished episodes are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Keep {
    /// Only episodes that succeeded.
    Success,
    /// Every episode.
    All,
}

#[derive(Parser, Debug)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// A registered env with an expert (push-cube).
    #[arg(long)]
    pub env: Option<String>,
    /// The expert (default: the env's first).
    #[arg(long)]
    pub expert: Option<String>,
    /// Demos to have in --out when done.
    #[arg(long)]
    pub episodes: Option<u64>,
    /// Output file (robomimic HDF5). Must not exist unless --resume.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worlds stepped together. 256 because a world holds its episode's images in memory
    /// until it ends (64² RGB: up to 250 × 12 KiB per world), and on lavapipe 256 worlds
    /// already amortize the per-step submission cost.
    #[arg(long, default_value_t = 256)]
    pub worlds: usize,
    /// Domain randomization spec (JSON). Without it the env's default spec is used.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
    /// Render every world at WxH each step and record the images.
    #[arg(long, value_parser = parse_size)]
    pub render: Option<(u32, u32)>,
    /// MJCF cameras to record, comma separated (default: every camera).
    #[arg(long, value_delimiter = ',')]
    pub camera: Vec<String>,
    /// Images to record with --render: rgb, depth (comma separated).
    #[arg(long, value_delimiter = ',', default_value = "rgb")]
    pub outputs: Vec<String>,
    /// Which episodes to write.
    #[arg(long, value_enum, default_value_t = Keep::Success)]
    pub keep: Keep,
    /// Env seed: every episode is a function of it, its world and its episode index.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// DART-style action noise: each episode draws a scale in [0, NOISE] and adds
    /// Gaussian noise of that many half-ranges to every action (0: none).
    #[arg(long, default_value_t = 0.0)]
    pub noise: f32,
    /// gzip level of images and depth, 0-9 (0: uncompressed). 1: most of the size saving
    /// at a fraction of the higher levels' time.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=9))]
    pub gzip: u8,
    /// Finish or extend --out: its demos are kept and the run continues with the
    /// episodes a fresh run would have written after them (the settings must match).
    #[arg(long)]
    pub resume: bool,
    /// Run the expert and the env (and render) without writing: the rate to compare
    /// the writing run against.
    #[arg(long, conflicts_with_all = ["out", "resume"])]
    pub dry_run: bool,
    /// Replay the episodes of this file (with --check).
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// With --replay: report the episodes whose states part from the file's.
    #[arg(long)]
    pub check: bool,
    /// With --replay --check: the largest state difference (m, m/s, rad) that still
    /// counts as float rounding.
    #[arg(long, default_value_t = 1e-4)]
    pub tolerance: f32,
}

const AFTER_HELP: &str = "\
Every world runs its own episodes with next-step autoreset. Episode e of world w is a
function of --seed, w and e only (its randomized values, initial state and noise), so
--resume writes exactly the demos a fresh run would have, and --replay can restart any
episode. Demos are numbered in the order they finish (ties in world order).

Layout (robomimic): data/demo_{i}/{actions, expert_actions, rewards, dones, terminated,
truncated, states, final_state, obs/state, obs/{camera}_image (u8 [T,H,W,3]),
obs/{camera}_depth (f32 [T,H,W], m), next_obs/...}; attrs num_samples, world, episode,
seed, success, noise_scale, return, params (JSON). data attrs: total, env_args (JSON),
num_demos. mask/train and mask/valid: demo i is valid when i % 10 == 9.";

pub fn run(a: &Args) -> Result<(), Error> {
    if let Some(f) = &a.replay {
        return replay(a, f);
    }
    let env_name = a
        .env
        .as_deref()
        .ok_or_else(|| arg_err("--env", "missing", "an env with an expert (push-cube)"))?;
    let expert_name = resolve_expert(env_name, a.expert.as_deref())?;
    let episodes = a
        .episodes
        .ok_or_else(|| arg_err("--episodes", "missing", "a number of demos (at least 1)"))?;
    if episodes == 0 {
        return Err(arg_err("--episodes", "0", "at least 1"));
    }
    if a.worlds == 0 {
        return Err(arg_err("--worlds", "0", "at least 1"));
    }
    if !(a.noise.is_finite() && (0.0..=2.0).contains(&a.noise)) {
        return Err(arg_err(
            "--noise",
            a.noise.to_string(),
            "0 to 2 (half-ranges of each action)",
        ));
    }
    let out = match (&a.out, a.dry_run) {
        (Some(o), _) => Some(o.clone()),
        (None, true) => None,
        (None, false) => return Err(arg_err("--out", "missing", "an output file (or --dry-run)")),
    };
    let resuming = match &out {
        Some(o) if o.exists() && !a.resume => {
            return Err(arg_err(
                "--out",
                o.display().to_string(),
                "a file that does not exist yet; pass --resume to finish or extend it, or choose another path",
            ))
        }
        Some(o) => a.resume && o.exists(),
        None => false,
    };
    if let (Some(o), false) = (&out, resuming) {
        probe_writable(o)?;
    }
    let (spec, randomize) = randomize_label(a, env_name)?;
    let settings = settings(a, env_name, expert_name, &randomize);
    let existing = if resuming {
        let o = out.as_ref().expect("resuming has --out");
        check_resume(o, &settings)?
    } else {
        Vec::new()
    };
    if existing.len() as u64 > episodes {
        return Err(arg_err(
            "--episodes",
            episodes.to_string(),
            format!(
                "at least the {} demos the file already holds (--resume only adds demos)",
                existing.len()
            ),
        ));
    }

    let mut cfg = EnvConfig::new(a.worlds).autoreset(AutoresetMode::NextStep);
    cfg.randomize = spec;
    cfg.render = render_config(a)?;
    let gpu = Gpu::new()?;
    eprintln!(
        "demos: building {env_name} with {} worlds (the first run compiles its kernels)…",
        a.worlds
    );
    let mut env = crate::common::open_env(&gpu, Some(env_name), None, false, None, &cfg)?.0;
    let expert = make_expert(env_name, Some(expert_name), env.spec())?;
    let layout = layout_of(env.as_mut(), a)?;
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    // Set before the file exists, so a signal never cuts a write. A second handler cannot
    // be set in one process (tests run several); that only loses the graceful stop, never
    // data already committed.
    let _ = ctrlc::set_handler(move || s.store(true, Ordering::SeqCst));
    let writer = match (&out, resuming) {
        (Some(o), true) => Some(DemoWriter::append(o, layout)?),
        (Some(o), false) => Some(DemoWriter::create(o, &settings.to_string(), layout)?),
        (None, _) => None,
    };
    record(
        a,
        env.as_mut(),
        expert.as_ref(),
        writer,
        &existing,
        episodes,
        &stop,
    )
}

/// What `--render`, `--camera` and `--outputs` ask for (checked before any set-up).
fn render_config(a: &Args) -> Result<Option<RenderConfig>, Error> {
    let outputs = parse_outputs(&a.outputs)?;
    if outputs.seg {
        return Err(arg_err("--outputs", "seg", "rgb, depth (comma separated)"));
    }
    match a.render {
        Some((w, h)) => Ok(Some(RenderConfig {
            cameras: a.camera.clone(),
            outputs,
            ..RenderConfig::new(w, h)
        })),
        None if !a.camera.is_empty() => Err(arg_err(
            "--camera",
            a.camera.join(","),
            "only with --render WxH",
        )),
        None => Ok(None),
    }
}

/// Fails early, before any set-up, when `out` cannot be created.
fn probe_writable(out: &Path) -> Result<(), Error> {
    let probe = out.with_extension(format!("probe{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| Error::Io {
        path: out.display().to_string(),
        message: format!("cannot be written: {e}"),
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The randomization this run uses (`--randomize`, or the env's default, whose looks
/// entries count only when it renders) and its record for the settings: where it came
/// from and the spec as JSON.
fn randomize_label(a: &Args, env: &str) -> Result<(Option<Spec>, Value), Error> {
    let (spec, source) = match &a.randomize {
        Some(f) => (load_randomize(Some(f))?, format!("--randomize {f}")),
        None => {
            let row = manyworlds::env::scene::registered(env).and_then(|r| r.randomize);
            (
                manyworlds::env::scene::registered_randomize(env, a.render.is_some()),
                row.map_or("none".into(), |f| format!("{env}'s default ({})", f.path)),
            )
        }
    };
    if let Some(s) = &spec {
        if let Some(i) = s.entries.iter().position(|e| e.adr.is_some()) {
            return Err(arg_err(
                "--randomize",
                format!("{source}: entries[{i}] has adr"),
                "fixed ranges: ADR widens ranges with the batch's history, so an episode \
                 would no longer be a function of (seed, world, episode) and could not be \
                 replayed or resumed",
            ));
        }
    }
    let label = match &spec {
        Some(s) => json!({"source": source, "spec": s.to_json()}),
        None => Value::Null,
    };
    Ok((spec, label))
}

/// robomimic's `env_args`: the env's name (as the Python package registers it with
/// Gymnasium) and, under `manyworlds`, every setting a resumed run must share.
fn settings(a: &Args, env: &str, expert: &str, randomize: &Value) -> Value {
    json!({
        "env_name": format!("manyworlds/{env}"),
        "type": 2,
        "env_kwargs": {},
        "manyworlds": {
            "env": env,
            "expert": expert,
            "seed": a.seed,
            "worlds": a.worlds,
            "randomize": randomize,
            "render": a.render.map(|(w, h)| json!({
                "size": [w, h], "cameras": a.camera, "outputs": a.outputs,
            })),
            "keep": format!("{:?}", a.keep).to_lowercase(),
            "noise": a.noise,
            "gzip": a.gzip,
            "autoreset": "next-step",
            "version": env!("CARGO_PKG_VERSION"),
        }
    })
}

/// Checks a resumed file's settings against this run's (naming the first that differs)
/// and returns its demos' (world, episode).
fn check_resume(out: &Path, mine: &Value) -> Result<Vec<(usize, u32)>, Error> {
    let (args, _) = file::read_header(out).map_err(|e| Error::Io {
        path: out.display().to_string(),
        message: format!("{e}; it cannot be resumed (was it written by `manyworlds demos`?)"),
    })?;
    let theirs: Value = serde_json::from_str(&args).map_err(|e| Error::Io {
        path: out.display().to_string(),
        message: format!("data.attrs[env_args] is not JSON: {e}"),
    })?;
    let (m, t) = (&mine["manyworlds"], &theirs["manyworlds"]);
    if let Some(obj) = m.as_object() {
        for (k, v) in obj {
            // The spec decides the episodes, not the path it was read from.
            let same = match k.as_str() {
                "version" => true,
                "randomize" => t.get(k).map(|r| &r["spec"]) == Some(&v["spec"]),
                _ => t.get(k) == Some(v),
            };
            if !same {
                let flag = match k.as_str() {
                    "render" => "--render/--camera/--outputs".to_string(),
                    "randomize" => "--randomize".to_string(),
                    k => format!("--{k}"),
                };
                return Err(arg_err(
                    &flag,
                    v.to_string(),
                    format!(
                        "{} as in {}: a resumed run must use the file's settings",
                        t.get(k).cloned().unwrap_or(Value::Null),
                        out.display()
                    ),
                ));
            }
        }
    }
    file::read_ids(out)
}

/// What each demo holds, from the env's spec.
fn layout_of(env: &mut dyn VecEnv, a: &Args) -> Result<Layout, Error> {
    let spec = env.spec().clone();
    // The names come from the task; the values (unused here) need no reset.
    let term_names = env
        .reward_terms()?
        .map(|t| t.names.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let (cameras, rgb, depth) = match &spec.images {
        Some(im) => (im.cameras.clone(), im.outputs.rgb, im.outputs.depth),
        None => (Vec::new(), false, false),
    };
    Ok(Layout {
        obs_dim: spec.obs_dim,
        state_dim: spec.state_dim,
        action_dim: spec.action_space.dim(),
        term_names,
        cameras,
        rgb,
        depth,
        gzip: a.gzip,
    })
}

/// The writer thread's side: demos to write, and commits (the episodes counter, and
/// whether it is the run's last).
enum ToWriter {
    Demo(Box<Episode>),
    Commit(u64, bool),
}

/// What the recording loop counted.
#[derive(Default)]
struct Tally {
    finished: u64,
    succeeded: u64,
    kept: u64,
    /// Demos sent to the writer (a resume's re-simulated demos are not sent).
    sent: u64,
    steps: u64,
    /// Each world's first episode: the success rate that does not favour short episodes
    /// (a run that stops after N episodes has seen the quick successes, not all failures).
    first: Vec<Option<bool>>,
}

/// Steps the expert until `episodes` demos exist, streaming them to a writer thread. Every
/// exit, an error's included, commits what was sent and joins the writer, so the file
/// holds every demo that finished; a resume that sent nothing leaves the file as it was.
fn record(
    a: &Args,
    env: &mut dyn VecEnv,
    expert: &dyn manyworlds::demos::Expert,
    writer: Option<DemoWriter>,
    existing: &[(usize, u32)],
    episodes: u64,
    stop: &AtomicBool,
) -> Result<(), Error> {
    let (tx, rx) = mpsc::sync_channel::<ToWriter>(64);
    let handle = writer.map(|mut w| {
        std::thread::spawn(move || -> Result<DemoWriter, Error> {
            for m in rx {
                match m {
                    ToWriter::Demo(ep) => w.write(&ep)?,
                    ToWriter::Commit(n, last) => w.commit(n, last)?,
                }
            }
            Ok(w)
        })
    });
    let start = Instant::now();
    let mut tally = Tally {
        first: vec![None; a.worlds],
        ..Default::default()
    };
    let sender = handle.as_ref().map(|_| &tx);
    let looped = stream(a, env, expert, sender, existing, episodes, stop, &mut tally);
    if handle.is_some() && tally.sent > 0 {
        // A failed send means the writer stopped on an error, which the join returns.
        let _ = tx.send(ToWriter::Commit(tally.finished, true));
    }
    drop(tx);
    let written = handle.map(|h| h.join().expect("the writer thread does not panic"));
    looped?;
    let written = written.transpose()?;
    summary(
        a,
        expert.name(),
        &tally,
        start.elapsed().as_secs_f64(),
        written.as_ref(),
    );
    if stop.load(Ordering::SeqCst) && tally.kept < episodes {
        eprintln!(
            "demos: interrupted; the file holds every demo finished so far; --resume continues"
        );
        std::process::exit(130);
    }
    Ok(())
}

/// The stepping loop of [`record`].
#[allow(clippy::too_many_arguments)]
fn stream(
    a: &Args,
    env: &mut dyn VecEnv,
    expert: &dyn manyworlds::demos::Expert,
    tx: Option<&mpsc::SyncSender<ToWriter>>,
    existing: &[(usize, u32)],
    episodes: u64,
    stop: &AtomicBool,
    t: &mut Tally,
) -> Result<(), Error> {
    let cfg = RecordConfig {
        seed: a.seed,
        noise: a.noise,
    };
    let mut rec = Recorder::start(env, expert, cfg)?;
    let bar = ProgressBar::new(episodes);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} demos {per_sec} {msg} [{elapsed} < {eta}]",
        )
        .expect("template"),
    );
    let mut last_commit = Instant::now();
    'run: while t.kept < episodes && !stop.load(Ordering::SeqCst) {
        for ep in rec.step()? {
            t.finished += 1;
            t.succeeded += ep.success as u64;
            if ep.episode == 0 {
                t.first[ep.world] = Some(ep.success);
            }
            if a.keep == Keep::Success && !ep.success {
                continue;
            }
            if let Some(&(w, e)) = existing.get(t.kept as usize) {
                if (w, e) != (ep.world, ep.episode) {
                    return Err(Error::Io {
                        path: a.out.as_ref().map(|o| o.display().to_string()).unwrap_or_default(),
                        message: format!(
                            "demo_{} is world {w} episode {e}, but this run made world {} episode {} there: the file was written with other settings or another build",
                            t.kept, ep.world, ep.episode
                        ),
                    });
                }
            } else if let Some(tx) = tx {
                if tx.send(ToWriter::Demo(Box::new(ep))).is_err() {
                    break 'run; // the writer stopped on an error
                }
                t.sent += 1;
            }
            t.kept += 1;
            bar.set_position(t.kept);
            if t.kept == episodes {
                break;
            }
        }
        t.steps = rec.steps();
        bar.set_message(format!(
            "success {:.1}%",
            100.0 * t.succeeded as f64 / t.finished.max(1) as f64
        ));
        if let Some(tx) = tx.filter(|_| t.sent > 0) {
            if last_commit.elapsed() > Duration::from_secs(2) {
                if tx.send(ToWriter::Commit(t.finished, false)).is_err() {
                    break;
                }
                last_commit = Instant::now();
            }
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// Prints what a run did.
fn summary(a: &Args, expert: &str, t: &Tally, secs: f64, written: Option<&DemoWriter>) {
    let rate = 100.0 * t.succeeded as f64 / t.finished.max(1) as f64;
    println!(
        "demos: {env} expert {expert}, {w} worlds, seed {s}{render}: {kept} demos kept of {finished} episodes finished ({rate:.1}% success), {steps} steps in {secs:.1} s",
        env = a.env.as_deref().unwrap_or(""),
        w = a.worlds,
        s = a.seed,
        render = a.render.map(|(w, h)| format!(", rendering {w}x{h} {}", a.outputs.join("+"))).unwrap_or_default(),
        kept = t.kept,
        finished = t.finished,
        steps = t.steps,
    );
    println!(
        "demos: {:.1} demos/s, {:.1} successful episodes/s, {:.0} world-steps/s{}",
        t.kept as f64 / secs,
        t.succeeded as f64 / secs,
        t.steps as f64 * a.worlds as f64 / secs,
        if a.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    let done: Vec<bool> = t.first.iter().flatten().copied().collect();
    println!(
        "demos: first episode of each world: {} of {} worlds finished it, {:.1}% of those succeeded{}",
        done.len(),
        a.worlds,
        100.0 * done.iter().filter(|&&s| s).count() as f64 / done.len().max(1) as f64,
        if done.len() < a.worlds {
            " (the others were still running: the rate above favours quick successes)"
        } else {
            " (the expert's success rate, unbiased by episode length)"
        }
    );
    if let (Some(w), Some(o)) = (written, &a.out) {
        let size = std::fs::metadata(o).map(|m| m.len()).unwrap_or(0);
        println!(
            "demos: {} holds {} demos ({:.1} MB)",
            o.display(),
            w.count(),
            size as f64 / 1e6
        );
    }
}

/// `--replay FILE --check`.
fn replay(a: &Args, path: &Path) -> Result<(), Error> {
    if !a.check {
        return Err(arg_err(
            "--replay",
            path.display().to_string(),
            "with --check (the only replay mode)",
        ));
    }
    if !(a.tolerance.is_finite() && a.tolerance >= 0.0) {
        return Err(arg_err(
            "--tolerance",
            a.tolerance.to_string(),
            "a finite difference of 0 or more (m, m/s, rad)",
        ));
    }
    let (args, n) = file::read_header(path)?;
    let s: Value = serde_json::from_str(&args).map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: format!("data.attrs[env_args] is not JSON: {e}"),
    })?;
    let m = &s["manyworlds"];
    let env_name = m["env"].as_str().unwrap_or_default();
    let worlds = m["worlds"].as_u64().unwrap_or(0) as usize;
    let seed = m["seed"].as_u64().unwrap_or(0);
    let mut cfg = EnvConfig::new(worlds.max(1)).autoreset(AutoresetMode::Disabled);
    if !m["randomize"]["spec"].is_null() {
        let spec = Spec::from_json(&m["randomize"]["spec"].to_string(), "env_args.randomize")?;
        cfg.randomize = Some(spec);
    }
    if let Some(r) = m["render"].as_object() {
        // Images do not change the physics, but a spec with looks fields needs a renderer
        // (and its draws keep their slots): render the recorded cameras at 1×1 pixel.
        let cameras = r["cameras"].as_array().into_iter().flatten();
        cfg.render = Some(RenderConfig {
            cameras: cameras
                .filter_map(|c| c.as_str().map(String::from))
                .collect(),
            ..RenderConfig::new(1, 1)
        });
    }
    let gpu = Gpu::new()?;
    let mut env = crate::common::open_env(&gpu, Some(env_name), None, false, None, &cfg)?.0;
    let demos = file::read_demos(path)?;
    let start = Instant::now();
    let report = manyworlds::demos::replay::replay(env.as_mut(), seed, &demos, a.tolerance)?;
    println!(
        "replay: {} of {n} demos of {} replayed on {} in {:.1} s: {} bitwise, largest state difference {:e}",
        report.episodes,
        path.display(),
        env.adapter(),
        start.elapsed().as_secs_f64(),
        report.bitwise,
        report.max_abs,
    );
    for (name, t, d) in &report.diverged {
        println!(
            "replay: {name} parts at step {t} by {d:e} (tolerance {:e})",
            a.tolerance
        );
    }
    if report.diverged.is_empty() {
        Ok(())
    } else {
        Err(arg_err(
            "--replay",
            path.display().to_string(),
            format!(
                "{} demos diverged beyond {:e}",
                report.diverged.len(),
                a.tolerance
            ),
        ))
    }
}
