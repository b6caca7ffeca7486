//! `manyworlds bench`: env-steps/s over every combination of envs or scenes, world
//! counts, render sizes and modes.

use crate::common::*;
use crate::peers;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use manyworlds::env::{self, EnvConfig, EnvSpec, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::randomize::Spec;
use manyworlds::render::Outputs;
use manyworlds::Error;
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A full RL loop every step: actions uploaded, observations, rewards and flags read back.
    Rl,
    /// All steps in one `step_many` submission, results read back once.
    Fused,
    /// No physics: the current state rendered and read back, once per timed step (needs
    /// --render).
    Render,
}

/// One `--render` entry: `WxH`, or `none` for cells without rendering.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RenderSize(pub Option<(u32, u32)>);

fn parse_render(s: &str) -> Result<RenderSize, String> {
    if s.trim() == "none" {
        return Ok(RenderSize(None));
    }
    parse_size(s)
        .map(|wh| RenderSize(Some(wh)))
        .map_err(|e| format!("{e}, or `none`"))
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Env names, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "cartpole")]
    pub env: Vec<String>,
    /// World counts, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1024,16384")]
    pub worlds: Vec<usize>,
    /// Timed steps per repeat.
    #[arg(long, default_value_t = 500)]
    pub steps: u32,
    /// Modes, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "rl,fused")]
    pub mode: Vec<Mode>,
    /// Untimed steps before each cell (pipeline creation, first-touch, caches); never
    /// counted in a rate.
    #[arg(long, default_value_t = 50)]
    pub warmup: u32,
    /// Timed repeats per cell; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Seed of the reset and of the random actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object per cell, each naming its whole workload (with
    /// --compare-peers, one per peer measurement after the cells).
    #[arg(long)]
    pub json: bool,
    /// MJCF scene files to benchmark (in place of --env): no rewards, random controls.
    #[arg(long, value_delimiter = ',')]
    pub scene: Vec<String>,
    /// Load scenes even when they hold elements that change the dynamics and are not
    /// supported (they become warnings).
    #[arg(long)]
    pub lenient: bool,
    /// Render sizes, comma separated (WxH, or `none` for a cell without rendering): every
    /// camera of every world is rendered after each step, with readback.
    #[arg(long, value_delimiter = ',', value_parser = parse_render)]
    pub render: Vec<RenderSize>,
    /// MJCF cameras to render, comma separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub camera: Vec<String>,
    /// Rendered outputs, comma separated: rgb, depth, seg.
    #[arg(long, value_delimiter = ',', default_value = "rgb,depth")]
    pub outputs: Vec<String>,
    /// Domain randomization spec (JSON) for every env and scene benchmarked; without it
    /// each registered env uses the default spec of its scene-table row, if it has one
    /// (`push-cube` does), and other envs and scene files randomize nothing.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
    /// Also measure the matching peer workloads (Gymnasium and EnvPool for `cartpole`,
    /// MuJoCo's rollout on the same MJCF for scenes) with the project's peer script, in
    /// this run, and print manyworlds/peer ratios. Needs a Python with those packages.
    #[arg(long)]
    pub compare_peers: bool,
    /// The Python that runs the peers (a venv's `bin/python`).
    #[arg(
        long,
        env = "MANYWORLDS_PEERS_PYTHON",
        default_value = "python3",
        value_name = "PYTHON"
    )]
    pub peers_python: String,
}

/// One measured cell: the whole workload, then the figures.
#[derive(Serialize)]
struct BenchCell {
    adapter: String,
    backend: String,
    device_type: String,
    env: String,
    /// The MJCF file of a `--scene` cell; null for registered envs.
    scene: Option<String>,
    worlds: usize,
    steps: u32,
    /// Integrator substeps per env step.
    substeps: u32,
    /// Simulated seconds per env step (nominal).
    dt: f32,
    warmup: u32,
    warmup_timed: bool,
    repeats: usize,
    mode: Mode,
    autoreset: &'static str,
    actions: &'static str,
    env_steps_per_s: f64,
    env_steps_per_s_runs: Vec<f64>,
    us_per_batch_step: f64,
    wall_s: f64,
    /// "WxH" of the rendered views; null when the cell renders nothing.
    render: Option<String>,
    /// Rendered outputs (rgb, depth, seg); empty when the cell renders nothing.
    outputs: Vec<&'static str>,
    /// Views per frame (rendered worlds × cameras); null without rendering.
    views: Option<usize>,
    /// Rendered views per second (views × frames rendered / s); null without rendering.
    views_per_s: Option<f64>,
    /// Whether anything is randomized.
    randomized: bool,
    /// The `--randomize` spec file, "default" for the default spec of the env's
    /// scene-table row, or null when nothing is randomized.
    randomize: Option<String>,
}

/// A peer measurement with the ratios against the matching manyworlds cells.
#[derive(Serialize)]
struct PeerCell {
    peer: String,
    version: String,
    env: String,
    worlds: usize,
    steps: u64,
    threads: u64,
    env_steps_per_s: f64,
    /// manyworlds env-steps/s over the peer's, per mode measured.
    ratio: std::collections::BTreeMap<String, f64>,
}

/// What one cell runs.
struct Target<'a> {
    name: &'a str,
    registered: Option<&'a str>,
    scene: Option<&'a str>,
}

impl Target<'_> {
    /// The `randomize` field of its cells: the `--randomize` file, "default" for a
    /// registered env whose scene-table row has a spec, or none.
    fn randomize_label(&self, a: &BenchArgs) -> Option<String> {
        match (&a.randomize, self.registered) {
            (Some(f), _) => Some(f.clone()),
            (None, Some(n)) => env::scene::registered(n)
                .and_then(|s| s.randomize)
                .map(|_| "default".to_string()),
            (None, None) => None,
        }
    }
}

/// The progress bar: hidden for the first second, then drawn on stderr (indicatif draws
/// nothing when stderr is not a terminal).
fn progress(total: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps ({per_sec}, eta {eta}) {msg}",
        )
        .expect("the template is valid"),
    );
    let shown = pb.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(200));
        }
    });
    pb
}

/// Runs `bench`: check the arguments, list the targets, then for every target, render
/// size and world count measure its cells (and its peers), and print the tables.
pub fn run(a: &BenchArgs) -> Result<(), Error> {
    check_counts(a)?;
    let outputs = parse_outputs(&a.outputs)?;
    let spec = load_randomize(a.randomize.as_deref())?;
    let renders = render_sizes(a)?;
    let targets = targets(a)?;
    let peers = if a.compare_peers {
        Some(peers::Peers::probe(&a.peers_python))
    } else {
        None
    };
    let gpu = Gpu::new()?;
    print_header(a, &gpu, peers.as_ref());
    let bench = Bench {
        a,
        gpu: &gpu,
        outputs,
        spec,
        pb: progress(total_steps(a, targets.len(), &renders)),
    };
    let t_all = Instant::now();
    let mut defaults: Vec<String> = Vec::new();
    let mut peer_cells: Vec<PeerCell> = Vec::new();
    for t in &targets {
        let randomize = t.randomize_label(a);
        if a.randomize.is_none() && randomize.is_some() {
            defaults.push(t.name.to_string());
        }
        for &render in &renders {
            for &worlds in &a.worlds {
                let m = bench.measure_cells(t, &randomize, render, worlds)?;
                // The peer runs right after the cells it is compared with, state cells only.
                if let (Some(p), None) = (&peers, m.views) {
                    peer_cells.extend(bench.measure_peers(p, t, worlds, &m.rates));
                }
            }
        }
    }
    bench.pb.finish_and_clear();
    if let Some(p) = &peers {
        print_peers(a.json, p, &peer_cells);
    }
    if !a.json {
        print_footer(a, &defaults, t_all);
    }
    Ok(())
}

/// `--steps`, `--repeats` and every `--worlds` must be positive.
fn check_counts(a: &BenchArgs) -> Result<(), Error> {
    for (field, bad) in [
        ("--steps", a.steps == 0),
        ("--repeats", a.repeats == 0),
        ("--worlds", a.worlds.contains(&0)),
    ] {
        if bad {
            return Err(Error::InvalidArgument {
                field: field.into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
    }
    Ok(())
}

/// The render sizes of the cells (`None`: no rendering); mode render needs one.
fn render_sizes(a: &BenchArgs) -> Result<Vec<Option<(u32, u32)>>, Error> {
    let renders: Vec<Option<(u32, u32)>> = if a.render.is_empty() {
        vec![None]
    } else {
        a.render.iter().map(|r| r.0).collect()
    };
    if a.mode.contains(&Mode::Render) && renders.iter().all(Option::is_none) {
        return Err(Error::InvalidArgument {
            field: "--mode".into(),
            value: "render".into(),
            allowed: "render only together with --render WxH".into(),
        });
    }
    Ok(renders)
}

/// The scene files, or else the registered envs (each checked against the registry).
fn targets(a: &BenchArgs) -> Result<Vec<Target<'_>>, Error> {
    let targets: Vec<Target> = if a.scene.is_empty() {
        a.env
            .iter()
            .map(|n| Target {
                name: n,
                registered: Some(n),
                scene: None,
            })
            .collect()
    } else {
        a.scene
            .iter()
            .map(|f| Target {
                name: f,
                registered: None,
                scene: Some(f),
            })
            .collect()
    };
    for t in &targets {
        if let Some(n) = t.registered {
            if !env::names().contains(&n) {
                return Err(Error::InvalidArgument {
                    field: "--env".into(),
                    value: n.into(),
                    allowed: env::names().join(", "),
                });
            }
        }
    }
    Ok(targets)
}

/// The adapter, the peers found, and (for the table) the column heads.
fn print_header(a: &BenchArgs, gpu: &Gpu, peers: Option<&peers::Peers>) {
    println!("adapter: {}", gpu.adapter());
    if let Some(p) = peers {
        println!("peers: {}", p.describe());
    }
    if !a.json {
        println!(
            "{:<16} {:<7} {:>8} {:>6} {:>10} {:>14} {:>12} {:>14}",
            "env", "render", "worlds", "mode", "steps", "env-steps/s", "µs/step", "views/s"
        );
    }
}

/// Steps over all cells (mode render needs a render size), for the progress bar.
fn total_steps(a: &BenchArgs, targets: usize, renders: &[Option<(u32, u32)>]) -> u64 {
    let per_cell = |m: Mode| match m {
        Mode::Fused => a.warmup.max(1) as u64 + a.repeats as u64 * a.steps as u64,
        _ => a.warmup as u64 + a.repeats as u64 * a.steps as u64,
    };
    targets as u64
        * a.worlds.len() as u64
        * renders
            .iter()
            .map(|r| {
                a.mode
                    .iter()
                    .filter(|&&m| m != Mode::Render || r.is_some())
                    .map(|&m| per_cell(m))
                    .sum::<u64>()
            })
            .sum::<u64>()
}

/// The settings line under the table.
fn print_footer(a: &BenchArgs, defaults: &[String], t_all: Instant) {
    let randomization = match &a.randomize {
        Some(f) => format!("randomization on ({f})"),
        None if defaults.is_empty() => "randomization off".to_string(),
        None => format!("randomization: default spec for {}", defaults.join(", ")),
    };
    println!(
        "warm-up: {} steps per cell, excluded from the timing; median of {} repeats; random actions; next-step autoreset; {randomization}; total {:.1} s",
        a.warmup,
        a.repeats,
        t_all.elapsed().as_secs_f64()
    );
}

/// What every cell shares.
struct Bench<'a> {
    a: &'a BenchArgs,
    gpu: &'a Gpu,
    outputs: Outputs,
    spec: Option<Spec>,
    pb: ProgressBar,
}

/// One env built for a target, render size and world count, shared by its mode cells.
struct CellEnv {
    env: Box<dyn VecEnv>,
    spec: EnvSpec,
    worlds: usize,
    /// Views per frame; `None` without rendering.
    views: Option<usize>,
    /// "WxH" of the views.
    size: Option<String>,
    outputs: Vec<&'static str>,
    randomized: bool,
    /// Pre-drawn random action batches, cycled.
    pool: Vec<Vec<f32>>,
}

/// The cells of one env: each mode's median env-steps/s, and the views per frame
/// (`None` without rendering).
struct Measured {
    rates: Vec<(Mode, f64)>,
    views: Option<usize>,
}

/// One cell's timed repeats.
struct Timed {
    /// env-steps/s per repeat.
    runs: Vec<f64>,
    /// Seconds per repeat.
    walls: Vec<f64>,
}

impl Bench<'_> {
    /// Builds the env and measures and prints every mode's cell; returns each mode's
    /// median rate and the views per frame (`None` without rendering).
    fn measure_cells(
        &self,
        t: &Target,
        randomize: &Option<String>,
        render: Option<(u32, u32)>,
        worlds: usize,
    ) -> Result<Measured, Error> {
        let mut ce = self.open(t, render, worlds)?;
        let mut rates: Vec<(Mode, f64)> = Vec::new();
        for &mode in &self.a.mode {
            if mode == Mode::Render && ce.views.is_none() {
                continue;
            }
            self.pb
                .set_message(format!("{} ×{worlds} {}", t.name, mode_name(mode)));
            let timed = self.measure(&mut ce, mode)?;
            let rate = median(&timed.runs);
            rates.push((mode, rate));
            let cell = self.cell(t, randomize, &ce, mode, &timed);
            self.print_cell(&cell, rate);
        }
        Ok(Measured {
            rates,
            views: ce.views,
        })
    }

    /// Builds the env of one target, render size and world count.
    fn open(
        &self,
        t: &Target,
        render: Option<(u32, u32)>,
        worlds: usize,
    ) -> Result<CellEnv, Error> {
        let a = self.a;
        let mut cfg = EnvConfig::new(worlds);
        cfg.randomize = self.spec.clone();
        if let Some((w, h)) = render {
            cfg.render = Some(manyworlds::render::RenderConfig {
                cameras: a.camera.clone(),
                outputs: self.outputs,
                ..manyworlds::render::RenderConfig::new(w, h)
            });
        }
        self.pb.set_message(format!(
            "building {} ×{worlds} (kernels compile on first use)",
            t.name
        ));
        let (mut env, _) = open_env(self.gpu, t.registered, t.scene, a.lenient, None, &cfg)?;
        let es = env.spec().clone();
        let images = es.images.as_ref();
        Ok(CellEnv {
            views: images.map(|s| s.cameras.len() * s.worlds.len()),
            size: images
                .and_then(|s| s.cameras.first())
                .map(|c| format!("{}x{}", c.1, c.2)),
            outputs: images.map(|s| s.outputs.names()).unwrap_or_default(),
            randomized: env.randomized_params()?.is_some(),
            pool: random_actions(env.as_ref(), a.seed, 8),
            spec: es,
            worlds,
            env,
        })
    }

    /// Resets, warms up untimed, then times `--repeats` runs of `--steps` steps.
    fn measure(&self, ce: &mut CellEnv, mode: Mode) -> Result<Timed, Error> {
        let a = self.a;
        ce.env.reset(a.seed)?;
        // Warm-up, not timed (fused mode needs at least one step to build its pipeline).
        let warmup = match mode {
            Mode::Fused => a.warmup.max(1),
            Mode::Rl | Mode::Render => a.warmup,
        };
        self.advance(ce, mode, warmup)?;
        let mut timed = Timed {
            runs: Vec::new(),
            walls: Vec::new(),
        };
        for _ in 0..a.repeats {
            let t0 = Instant::now();
            self.advance(ce, mode, a.steps)?;
            let wall = t0.elapsed().as_secs_f64();
            timed.walls.push(wall);
            timed.runs.push(ce.worlds as f64 * a.steps as f64 / wall);
        }
        Ok(timed)
    }

    /// `n` steps of `mode`: RL steps, one fused submission, or renders of the state.
    fn advance(&self, ce: &mut CellEnv, mode: Mode, n: u32) -> Result<(), Error> {
        match mode {
            Mode::Rl => {
                for t in 0..n {
                    ce.env.step(&ce.pool[t as usize % ce.pool.len()])?;
                    self.pb.inc(1);
                }
            }
            Mode::Fused => {
                ce.env.step_many(&ce.pool[0], n)?;
                self.pb.inc(n as u64);
            }
            Mode::Render => {
                for _ in 0..n {
                    ce.env.render()?;
                    self.pb.inc(1);
                }
            }
        }
        Ok(())
    }

    /// The cell's record: the whole workload, then the figures.
    fn cell(
        &self,
        t: &Target,
        randomize: &Option<String>,
        ce: &CellEnv,
        mode: Mode,
        timed: &Timed,
    ) -> BenchCell {
        let (a, ad) = (self.a, self.gpu.adapter());
        let (runs, walls) = (&timed.runs, &timed.walls);
        // Frames rendered per timed repeat: one per step, except fused mode's
        // one at the end of its single submission.
        let frames = match mode {
            Mode::Fused => 1.0,
            Mode::Rl | Mode::Render => a.steps as f64,
        };
        BenchCell {
            adapter: ad.name.clone(),
            backend: ad.backend.clone(),
            device_type: ad.device_type.clone(),
            env: t.name.to_string(),
            scene: t.scene.map(str::to_string),
            worlds: ce.worlds,
            steps: a.steps,
            substeps: ce.spec.substeps,
            dt: ce.spec.dt,
            warmup: a.warmup,
            warmup_timed: false,
            repeats: a.repeats,
            mode,
            autoreset: "next_step",
            actions: "random",
            env_steps_per_s: median(runs).round(),
            env_steps_per_s_runs: runs.iter().map(|r| r.round()).collect(),
            us_per_batch_step: (1e6 * median(walls) / a.steps as f64 * 100.0).round() / 100.0,
            wall_s: (walls.iter().sum::<f64>() * 1000.0).round() / 1000.0,
            render: ce.size.clone(),
            outputs: ce.outputs.clone(),
            views: ce.views,
            views_per_s: ce
                .views
                .map(|v| (v as f64 * frames / median(walls)).round()),
            randomized: ce.randomized,
            randomize: randomize.clone(),
        }
    }

    /// The cell as a table row or a JSON line (`rate`: the unrounded median).
    fn print_cell(&self, cell: &BenchCell, rate: f64) {
        let line = if self.a.json {
            serde_json::to_string(cell).expect("cell serialises")
        } else {
            format!(
                "{:<16} {:<7} {:>8} {:>6} {:>10} {:>14} {:>12.1} {:>14}",
                cell.env,
                cell.render.as_deref().unwrap_or("-"),
                cell.worlds,
                mode_name(cell.mode),
                cell.steps,
                format_rate(rate),
                cell.us_per_batch_step,
                cell.views_per_s.map_or("-".to_string(), format_rate),
            )
        };
        self.pb.suspend(|| println!("{line}"));
    }

    /// The peers' measurements of the same workload, with manyworlds/peer ratios.
    fn measure_peers(
        &self,
        p: &peers::Peers,
        t: &Target,
        worlds: usize,
        rates: &[(Mode, f64)],
    ) -> Vec<PeerCell> {
        let a = self.a;
        self.pb.set_message(format!("peers: {} ×{worlds}", t.name));
        let workload = peers::Workload::of(t.registered, t.scene);
        p.measure(&workload, worlds, a.steps, a.warmup, a.seed)
            .into_iter()
            .map(|m| PeerCell {
                ratio: rates
                    .iter()
                    .map(|(mode, r)| (mode_name(*mode).to_string(), round3(r / m.rate)))
                    .collect(),
                peer: m.peer,
                version: m.version,
                env: t.name.to_string(),
                worlds,
                steps: m.steps,
                threads: m.threads,
                env_steps_per_s: m.rate.round(),
            })
            .collect()
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Rl => "rl",
        Mode::Fused => "fused",
        Mode::Render => "render",
    }
}

/// The peers' table (or JSON lines), or a plain statement of why there is none.
fn print_peers(json: bool, p: &peers::Peers, cells: &[PeerCell]) {
    if !p.any() {
        println!("peers: none measured ({})", p.describe());
        return;
    }
    if cells.is_empty() {
        println!("peers: no cell had a matching peer workload (rendered cells have none here; see scripts/render-vs-peers.sh)");
        return;
    }
    if json {
        for c in cells {
            println!(
                "{}",
                serde_json::to_string(c).expect("peer cell serialises")
            );
        }
        return;
    }
    println!();
    println!(
        "{:<16} {:>8} {:<30} {:>7} {:>6} {:>14}  manyworlds / peer",
        "env", "worlds", "peer", "threads", "steps", "env-steps/s"
    );
    for c in cells {
        let ratios: Vec<String> = c
            .ratio
            .iter()
            .map(|(m, r)| format!("{m} {r:.2}×"))
            .collect();
        println!(
            "{:<16} {:>8} {:<30} {:>7} {:>6} {:>14}  {}",
            c.env,
            c.worlds,
            format!("{} {}", c.peer, c.version),
            c.threads,
            c.steps,
            format_rate(c.env_steps_per_s),
            ratios.join(", ")
        );
    }
}
