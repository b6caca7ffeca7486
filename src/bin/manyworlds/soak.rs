//! `manyworlds soak`: a long run of random actions under full randomization, counting
//! what should never happen.
//!
//! Each env runs `--world-steps` world-steps (worlds × steps) with random valid actions,
//! next-step autoreset and a randomization spec that touches every field that applies: the
//! env's every-field spec from its row of the scene table
//! ([`RegisteredScene::soak_randomize`](manyworlds::env::table::RegisteredScene), e.g.
//! `scenes/boxes_randomize_all.json` for `boxes`), without its looks and depth noise since
//! the soak does not render, or `--randomize`. It counts, per world-step, the
//! fault flags (non-finite state, escaped bodies, contact overflow, invalid actions) and
//! the resets; every `--check-every` steps it measures the deepest overlap between
//! colliding geoms in every world on the host (the CPU narrow phase on the GPU's current
//! poses and randomized sizes), apart from worlds in the first [`SETTLE_STEPS`] of an
//! episode, whose randomized spawn may overlap (reported separately); it samples the process's resident memory after the
//! first tenth of the run and at the end. The verdict fails when any world went
//! non-finite or escaped, and the exit status says so.

use crate::common::*;
use indicatif::{ProgressBar, ProgressStyle};
use manyworlds::env::{scene, EnvConfig, VecEnv, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::layout::physics::{FLAG_CONTACT_OVERFLOW, FLAG_ESCAPED, FLAG_NONFINITE};
use manyworlds::layout::{FLAG_INVALID_ACTION, FLAG_RESET};
use manyworlds::randomize::spec::FieldGroup;
use manyworlds::randomize::{Field, Spec};
use manyworlds::Error;
use serde::Serialize;
use std::time::Instant;

/// Steps after a reset before a world's penetration counts: a randomized spawn (sizes,
/// poses) may start bodies overlapping, and the solver separates them within a few steps.
const SETTLE_STEPS: u32 = 10;

/// Arguments of `soak`.
#[derive(clap::Args)]
pub struct Args {
    /// Envs with a scene, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "boxes,push-cube")]
    pub env: Vec<String>,
    /// World-steps per env (worlds × steps), e.g. 1e8; rounded up to whole batch steps.
    #[arg(long, default_value = "1e6", value_parser = parse_count)]
    pub world_steps: u64,
    /// Worlds per batch.
    #[arg(long, default_value_t = 4096)]
    pub worlds: usize,
    /// Steps between penetration checks (each reads the State and Model back).
    #[arg(long, default_value_t = 200)]
    pub check_every: u64,
    /// Seed of the reset, the randomization and the actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A randomization spec for every env, in place of the built-in every-field specs.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
    /// Print one JSON object per env.
    #[arg(long)]
    pub json: bool,
}

fn parse_count(s: &str) -> Result<u64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}`: expected a count such as 1000000 or 1e8"))?;
    if !(1.0..=1e15).contains(&v) {
        return Err(format!("`{s}`: expected a count from 1 to 1e15"));
    }
    Ok(v.round() as u64)
}

/// One env's soak figures.
#[derive(Serialize)]
struct Report {
    env: String,
    adapter: String,
    worlds: usize,
    steps: u64,
    world_steps: u64,
    randomize: String,
    seconds: f64,
    world_steps_per_s: f64,
    /// World-steps that ended with a non-finite state.
    nonfinite: u64,
    /// World-steps that ended with a body past the escape radius.
    escaped: u64,
    contact_overflow: u64,
    invalid_action: u64,
    resets: u64,
    /// Deepest overlap between colliding geoms seen at any check, m, in worlds at least
    /// [`SETTLE_STEPS`] into their episode.
    max_penetration_m: f32,
    /// The same including worlds that have just reset (where randomized sizes and poses
    /// can spawn bodies overlapping, for the solver to push apart).
    max_penetration_any_m: f32,
    penetration_checks: u64,
    /// Resident memory after the first tenth of the run and at the end, MiB.
    rss_early_mib: f64,
    rss_end_mib: f64,
    rss_growth_mib: f64,
    pass: bool,
}

/// The process's resident set, MiB (Linux `/proc`; 0 elsewhere).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs `soak`.
pub fn run(a: &Args) -> Result<(), Error> {
    if a.worlds == 0 || a.check_every == 0 {
        return Err(Error::InvalidArgument {
            field: if a.worlds == 0 {
                "--worlds"
            } else {
                "--check-every"
            }
            .into(),
            value: "0".into(),
            allowed: "at least 1".into(),
        });
    }
    let user = load_randomize(a.randomize.as_deref())?;
    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let mut failed = Vec::new();
    for name in &a.env {
        let (spec, label) = match &user {
            Some(s) => (s.clone(), a.randomize.clone().unwrap_or_default()),
            None => every_field_spec(name)?,
        };
        let r = soak_one(&gpu, a, name, spec, label)?;
        if a.json {
            println!("{}", serde_json::to_string(&r).expect("report serialises"));
        } else {
            println!(
                "{:<10} {} world-steps ({} worlds × {} steps) in {:.0} s ({}/s): non-finite {}, escaped {}, contact overflow {}, invalid actions {}, resets {}; max penetration {:.2} mm ({:.2} mm counting fresh resets) over {} checks; RSS {:.0} → {:.0} MiB ({:+.1}); {}",
                r.env,
                r.world_steps,
                r.worlds,
                r.steps,
                r.seconds,
                format_rate(r.world_steps_per_s),
                r.nonfinite,
                r.escaped,
                r.contact_overflow,
                r.invalid_action,
                r.resets,
                1e3 * r.max_penetration_m,
                1e3 * r.max_penetration_any_m,
                r.penetration_checks,
                r.rss_early_mib,
                r.rss_end_mib,
                r.rss_growth_mib,
                if r.pass { "pass" } else { "FAIL" }
            );
        }
        if !r.pass {
            failed.push(r.env.clone());
        }
    }
    if !failed.is_empty() {
        return Err(Error::Gpu(format!(
            "soak: worlds went non-finite or escaped in {}",
            failed.join(", ")
        )));
    }
    Ok(())
}

/// The every-field spec of `name`'s table row, without the looks and depth noise (the soak
/// does not render), and its label for the report.
fn every_field_spec(name: &str) -> Result<(Spec, String), Error> {
    let file = scene::registered(name)
        .and_then(|s| s.soak_randomize)
        .ok_or_else(|| {
            let with: Vec<&str> = scene::SCENES
                .iter()
                .filter(|s| s.soak_randomize.is_some())
                .map(|s| s.name)
                .collect();
            Error::InvalidArgument {
                field: "--env".into(),
                value: name.into(),
                allowed: format!(
                    "{} (built-in every-field specs), or any scene env with --randomize SPEC.json",
                    with.join(" or ")
                ),
            }
        })?;
    let mut spec = file.spec()?;
    let all = spec.entries.len();
    spec.entries
        .retain(|e| e.field.group() != FieldGroup::Looks && e.field != Field::DepthNoiseStd);
    let label = if spec.entries.len() < all {
        format!("{} (without looks and depth noise)", file.path)
    } else {
        file.path.to_string()
    };
    Ok((spec, label))
}

fn soak_one(gpu: &Gpu, a: &Args, name: &str, spec: Spec, label: String) -> Result<Report, Error> {
    let mut cfg = EnvConfig::new(a.worlds);
    cfg.randomize = Some(spec);
    let mut env = open_scene(gpu, Some(name), None, false, None, &cfg)?;
    let n = a.worlds;
    let steps = a.world_steps.div_ceil(n as u64);
    env.reset(a.seed)?;
    let pool = random_actions(&env, a.seed, 16);
    let compiled = env.compiled().clone();
    let mut cpu = manyworlds::sim::cpu::CpuBatch::new(&compiled, n);
    cpu.params = *env.scene_params();
    let pb = ProgressBar::new(steps);
    pb.set_style(
        ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} steps ({per_sec}, eta {eta})")
            .expect("the template is valid"),
    );
    pb.set_message(name.to_string());
    let (mut nonfinite, mut escaped, mut overflow, mut invalid, mut resets) = (0, 0, 0, 0, 0);
    let (mut deepest, mut deepest_any, mut checks) = (0.0f32, 0.0f32, 0u64);
    let mut rss_early = rss_mib();
    let t0 = Instant::now();
    for t in 0..steps {
        let step = env.step(&pool[t as usize % pool.len()])?;
        for &f in step.flags {
            nonfinite += (f & FLAG_NONFINITE != 0) as u64;
            escaped += (f & FLAG_ESCAPED != 0) as u64;
            overflow += (f & FLAG_CONTACT_OVERFLOW != 0) as u64;
            invalid += (f & FLAG_INVALID_ACTION != 0) as u64;
            resets += (f & FLAG_RESET != 0) as u64;
        }
        if (t + 1) % a.check_every == 0 || t + 1 == steps {
            cpu.model = env.read_model_words()?;
            let st = env.get_state(Worlds::All)?;
            cpu.state = st.state;
            for w in 0..n {
                let p = cpu.world(w).max_penetration();
                deepest_any = deepest_any.max(p);
                if st.clocks[w].steps() >= SETTLE_STEPS {
                    deepest = deepest.max(p);
                }
            }
            checks += 1;
        }
        if t == steps / 10 {
            rss_early = rss_mib();
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    let seconds = t0.elapsed().as_secs_f64();
    let rss_end = rss_mib();
    Ok(Report {
        env: name.into(),
        adapter: gpu.adapter().name.clone(),
        worlds: n,
        steps,
        world_steps: steps * n as u64,
        randomize: label,
        seconds: (seconds * 10.0).round() / 10.0,
        world_steps_per_s: (steps * n as u64) as f64 / seconds,
        nonfinite,
        escaped,
        contact_overflow: overflow,
        invalid_action: invalid,
        resets,
        max_penetration_m: deepest,
        max_penetration_any_m: deepest_any,
        penetration_checks: checks,
        rss_early_mib: (rss_early * 10.0).round() / 10.0,
        rss_end_mib: (rss_end * 10.0).round() / 10.0,
        rss_growth_mib: ((rss_end - rss_early) * 10.0).round() / 10.0,
        pass: nonfinite == 0 && escaped == 0,
    })
}
