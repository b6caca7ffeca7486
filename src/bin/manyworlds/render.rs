//! `manyworlds render`: views of a scene or env after some steps, as PNG, NPY and mosaics.

use crate::common::*;
use clap::ValueEnum;
use manyworlds::env::EnvConfig;
use manyworlds::gpu::Gpu;
use manyworlds::Error;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SegArg {
    /// Segmentation id = geom index + 1.
    Geom,
    /// Segmentation id = MJCF body index + 1.
    Body,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// An MJCF scene file.
    #[arg(long, conflicts_with = "env")]
    pub scene: Option<String>,
    /// A registered env with a scene (see `manyworlds envs`).
    #[arg(long)]
    pub env: Option<String>,
    /// Worlds to simulate; every world is rendered.
    #[arg(long, default_value_t = 4)]
    pub worlds: usize,
    /// MJCF camera names, comma separated (default: every camera).
    #[arg(long, value_delimiter = ',')]
    pub camera: Vec<String>,
    /// Image size, WxH pixels.
    #[arg(long, default_value = "128x128", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Steps to simulate before rendering, with random valid actions drawn from the seed
    /// (0: the reset state).
    #[arg(long, default_value_t = 0)]
    pub steps: u32,
    /// Seed of the reset and the actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory (created).
    #[arg(long)]
    pub out: String,
    /// What segmentation ids name.
    #[arg(long, value_enum, default_value = "geom")]
    pub seg: SegArg,
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

pub fn run(a: &RenderArgs) -> Result<(), Error> {
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
    let (mut env, _) = open_env(
        &gpu,
        a.env.as_deref(),
        a.scene.as_deref(),
        a.lenient,
        a.keyframe.as_deref(),
        &cfg,
    )?;
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
