//! `manyworlds bench`: env-steps/s over every combination of envs or scenes, world
//! counts, render sizes and modes.

use crate::common::*;
use clap::ValueEnum;
use manyworlds::env::{self, EnvConfig};
use manyworlds::gpu::Gpu;
use manyworlds::Error;
use serde::Serialize;
use std::time::Instant;

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
    /// Untimed steps before each cell (pipeline creation, first-touch, caches).
    #[arg(long, default_value_t = 50)]
    pub warmup: u32,
    /// Timed repeats per cell; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Seed of the reset and of the random actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object per cell (the last line is the last cell).
    #[arg(long)]
    pub json: bool,
    /// MJCF scene files to benchmark (in place of --env): no rewards, random controls.
    #[arg(long, value_delimiter = ',')]
    pub scene: Vec<String>,
    /// Load scenes even when they hold elements that change the dynamics and are not
    /// supported (they become warnings).
    #[arg(long)]
    pub lenient: bool,
    /// Render every camera of every world after each step at WxH, with readback.
    #[arg(long, value_parser = parse_size)]
    pub render: Option<(u32, u32)>,
    /// MJCF cameras to render, comma separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub camera: Vec<String>,
    /// Rendered outputs, comma separated: rgb, depth, seg.
    #[arg(long, value_delimiter = ',', default_value = "rgb,depth")]
    pub outputs: Vec<String>,
    /// Domain randomization spec (JSON) for every env and scene benchmarked; without it
    /// push-cube uses its default spec and other envs randomize nothing.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
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

pub fn run(a: &BenchArgs) -> Result<(), Error> {
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
