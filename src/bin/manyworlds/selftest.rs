//! `manyworlds selftest`: checks that this adapter computes what the engine promises, in
//! about a minute: the first thing to run on a new machine or GPU vendor, before trusting
//! its benchmark figures (`scripts/device-bench.sh` starts with it).
//!
//! Each check prints one line (`ok` or `FAIL`, what it compared, and its time); the exit
//! status is non-zero when any check fails. The checks are the test suite's core
//! comparisons, sized for a quick pass:
//! - `cartpole`: the GPU step against the CPU twin of its kernel, within 8 ulp (the test
//!   suite's one-step bound: sine, cosine and division may differ by a few ulp per
//!   adapter);
//! - `scene:NAME` for every registered scene: 20 GPU steps against the CPU reference
//!   within 1e-4 (f32 on two compilers; contacts are chaotic later);
//! - `determinism`: `boxes` twice from the same seed, and `step_many(k)` against k ×
//!   `step`, bitwise; no world flagged;
//! - `render`: `boxes` RGB, depth and segmentation into poisoned buffers: every byte
//!   overwritten, depth positive exactly where segmentation has an id, and every view
//!   showing something.

use manyworlds::env::cartpole;
use manyworlds::env::scene;
use manyworlds::env::{self as mwenv, AutoresetMode, EnvConfig, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::layout::CartpoleModel;
use manyworlds::Error;
use std::time::Instant;

/// Arguments of `selftest`.
#[derive(clap::Args)]
pub struct Args {
    /// Worlds for the batch checks (cartpole, determinism).
    #[arg(long, default_value_t = 4096)]
    pub worlds: usize,
}

/// A check's verdict: Ok(detail) or Err(what differed).
type Verdict = Result<String, String>;

/// A named check.
type Check = (String, Box<dyn Fn(&Gpu) -> Verdict>);

fn e2s(e: Error) -> String {
    e.to_string()
}

/// Runs `selftest`.
pub fn run(a: &Args) -> Result<(), Error> {
    if a.worlds == 0 {
        return Err(Error::InvalidArgument {
            field: "--worlds".into(),
            value: "0".into(),
            allowed: "at least 1".into(),
        });
    }
    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let mut checks: Vec<Check> = Vec::new();
    let n = a.worlds;
    checks.push(("cartpole".into(), Box::new(move |g| check_cartpole(g, n))));
    // The scenes whose model is embedded (the Gymnasium tasks' need their files, and each
    // kernel would add a minute on lavapipe; tests/gym_tasks.rs checks them).
    for s in scene::SCENES.iter().filter(|s| s.gymnasium.is_none()) {
        checks.push((
            format!("scene:{}", s.name),
            Box::new(move |g| check_scene(g, s.name)),
        ));
    }
    checks.push((
        "determinism".into(),
        Box::new(move |g| check_determinism(g, n.min(1024))),
    ));
    checks.push(("render".into(), Box::new(check_render)));
    let mut failed = 0;
    for (name, f) in &checks {
        let t0 = Instant::now();
        let v = f(&gpu);
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        match v {
            Ok(d) => println!("ok    {name:<22} {d} ({ms:.0} ms)"),
            Err(d) => {
                failed += 1;
                println!("FAIL  {name:<22} {d} ({ms:.0} ms)");
            }
        }
    }
    if failed > 0 {
        return Err(Error::Gpu(format!(
            "selftest: {failed} of {} checks failed on this adapter (the FAIL lines above)",
            checks.len()
        )));
    }
    println!("selftest: all {} checks passed", checks.len());
    Ok(())
}

/// 100 steps of random actions, autoreset off: every world's new state is the CPU twin
/// applied to its previous one, within 8 ulp of the larger magnitude before and after.
fn check_cartpole(gpu: &Gpu, worlds: usize) -> Verdict {
    let m = CartpoleModel::gymnasium();
    let cfg = EnvConfig::new(worlds).autoreset(AutoresetMode::Disabled);
    let mut env = cartpole::make(gpu, &cfg).map_err(e2s)?;
    use mwenv::VecEnv;
    let mut prev = env.reset(1).map_err(e2s)?.to_vec();
    let mut compared = 0usize;
    let mut worst = 0.0f32;
    for t in 0..100 {
        let act = env.spec().action_space.sample(worlds, 5, t);
        env.poison_outputs();
        let obs = env.step(&act).map_err(e2s)?.obs.to_vec();
        for w in 0..worlds {
            let s: [f32; 4] = prev[w * 4..w * 4 + 4].try_into().expect("4 floats");
            if cartpole::reference_terminal(&m, s) {
                continue;
            }
            let want = cartpole::reference_dynamics(&m, s, act[w]);
            let got = &obs[w * 4..w * 4 + 4];
            for k in 0..4 {
                let scale = s[k].abs().max(want[k].abs());
                let ulps = (got[k] - want[k]).abs() / (f32::EPSILON * scale).max(f32::MIN_POSITIVE);
                if ulps.is_nan() || ulps > 8.0 {
                    return Err(format!(
                        "world {w} step {t}: gpu {got:?}, cpu twin {want:?} ({ulps:.1} ulp)"
                    ));
                }
                worst = worst.max(ulps);
            }
            compared += 1;
        }
        prev = obs;
    }
    Ok(format!(
        "{compared} world-steps, worst {worst:.2} ulp from the CPU twin"
    ))
}

/// 20 steps of 8 worlds against `sim::cpu`, unrandomized, within 1e-4.
fn check_scene(gpu: &Gpu, name: &str) -> Verdict {
    const TOL: f32 = 1e-4;
    let s = scene::registered(name).expect("a registered scene");
    let loaded = manyworlds::mjcf::load_str(
        s.file,
        std::path::Path::new("."),
        s.xml,
        &Default::default(),
    )
    .map_err(e2s)?;
    let mut cfg = EnvConfig::new(8).autoreset(AutoresetMode::Disabled);
    cfg.randomize = Some(manyworlds::randomize::Spec::new());
    let mut env = mwenv::make(gpu, name, &cfg).map_err(e2s)?;
    env.reset(3).map_err(e2s)?;
    let st = env.get_state(Worlds::All).map_err(e2s)?;
    let c = manyworlds::sim::compile::compile(&loaded.model, &Default::default()).map_err(e2s)?;
    let mut cpu = manyworlds::sim::cpu::CpuBatch::new(&c, 8);
    cpu.state.copy_from_slice(&st.state);
    let nu = c.params.num_actuators as usize;
    let mut worst = 0.0f32;
    for t in 0..20u32 {
        let act = env.spec().action_space.sample(8, 11, t);
        env.poison_outputs();
        let obs = env.step(&act).map_err(e2s)?.obs.to_vec();
        cpu.step(&act[..8 * nu]);
        let od = obs.len() / 8;
        for w in 0..8 {
            let o = cpu.observe(w);
            for k in 0..od {
                let d = (o[k] - obs[w * od + k]).abs();
                if d.is_nan() || d > TOL {
                    return Err(format!(
                        "world {w} step {t} obs[{k}]: cpu {} gpu {} (tolerance {TOL})",
                        o[k],
                        obs[w * od + k]
                    ));
                }
                worst = worst.max(d);
            }
        }
    }
    Ok(format!("20 steps x 8 worlds, max |gpu - cpu| {worst:.1e}"))
}

/// `boxes`: two runs from one seed, and 30 × step against step_many(30), bitwise.
fn check_determinism(gpu: &Gpu, worlds: usize) -> Verdict {
    let run = |fused: bool| -> Result<(Vec<u32>, usize), String> {
        let mut env = mwenv::make(gpu, "boxes", &EnvConfig::new(worlds)).map_err(e2s)?;
        env.reset(9).map_err(e2s)?;
        let act = env.spec().action_space.sample(worlds, 2, 0);
        let mut faults = 0;
        if fused {
            let s = env.step_many(&act, 30).map_err(e2s)?;
            faults += s.faults().len();
        } else {
            for _ in 0..30 {
                faults += env.step(&act).map_err(e2s)?.faults().len();
            }
        }
        let st = env.get_state(Worlds::All).map_err(e2s)?;
        Ok((st.state.iter().map(|v| v.to_bits()).collect(), faults))
    };
    let (a, fa) = run(false)?;
    let (b, _) = run(false)?;
    let (c, fc) = run(true)?;
    if fa + fc > 0 {
        return Err(format!("{} world-steps flagged a fault", fa + fc));
    }
    let diff = |x: &[u32], y: &[u32]| x.iter().zip(y).filter(|(p, q)| p != q).count();
    match (diff(&a, &b), diff(&a, &c)) {
        (0, 0) => Ok(format!(
            "{worlds} worlds x 30 steps: repeat and step_many(30) bitwise equal"
        )),
        (r, f) => Err(format!(
            "{r} state words differ between two runs, {f} between step and step_many"
        )),
    }
}

/// `boxes`, 16 worlds at 64 × 64, every output, into poisoned buffers.
fn check_render(gpu: &Gpu) -> Verdict {
    use manyworlds::render::{Outputs, RenderConfig};
    let cfg = EnvConfig::new(16).render(RenderConfig::new(64, 64).outputs(Outputs::ALL));
    let mut env = mwenv::make(gpu, "boxes", &cfg).map_err(e2s)?;
    env.reset(4).map_err(e2s)?;
    let act = env.spec().action_space.sample(16, 3, 0);
    env.poison_outputs();
    env.step(&act).map_err(e2s)?;
    let images = env.images().ok_or("the env returned no images")?;
    let (rgb, depth, seg) = (
        images.rgb_all().ok_or("no rgb")?,
        images.depth_all().ok_or("no depth")?,
        images.seg_all().ok_or("no seg")?,
    );
    if seg.contains(&u32::MAX) || depth.iter().any(|d| !d.is_finite()) {
        return Err("poison left in the outputs: not every pixel was written".into());
    }
    if let Some(i) = (0..seg.len()).find(|&i| (depth[i] > 0.0) != (seg[i] != 0)) {
        return Err(format!(
            "pixel {i}: depth {} but segmentation id {}",
            depth[i], seg[i]
        ));
    }
    for (v, info) in images.views().iter().enumerate() {
        let px = &rgb[info.offset * 4..(info.offset + info.pixels()) * 4];
        let distinct: std::collections::BTreeSet<&[u8]> = px.chunks(4).collect();
        if distinct.len() < 3 {
            return Err(format!("view {v} (world {}) is blank", info.world));
        }
    }
    Ok(format!(
        "{} views: every pixel written, depth > 0 exactly where seg > 0",
        images.views().len()
    ))
}
