//! `manyworlds record`: an animation of a mosaic of worlds, as a GIF or a PNG sequence.
//!
//! Every recorded frame tiles one camera's view of every world (the layout of
//! `manyworlds render`'s mosaics); `--show rgb,depth,seg` puts the panels side by side, with
//! depth coloured over one fixed range (taken from the first frame) and segmentation ids
//! hashed to colours. Worlds step with random valid actions drawn from the seed (or with an
//! env's scripted expert, `--expert`), and reset
//! when their episodes end (next-step autoreset), so a recording longer than an episode
//! shows the resets — and, in randomized envs, new draws.

use crate::common::*;
use indicatif::{ProgressBar, ProgressStyle};
use manyworlds::env::{EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::render::files::{self, Panel};
use manyworlds::render::{Outputs, RenderConfig};
use manyworlds::Error;
use std::path::Path;

/// What `--show` can put in a frame.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Show {
    /// Colour.
    Rgb,
    /// Depth, colour-mapped (near yellow, far purple, nothing black).
    Depth,
    /// Segmentation ids, one colour per geom.
    Seg,
}

/// Arguments of `record`.
#[derive(clap::Args)]
pub struct Args {
    /// An MJCF scene file.
    #[arg(long, conflicts_with = "env")]
    pub scene: Option<String>,
    /// A registered env with a scene (see `manyworlds envs`).
    #[arg(long)]
    pub env: Option<String>,
    /// Worlds to simulate and show.
    #[arg(long, default_value_t = 16)]
    pub worlds: usize,
    /// Env steps to simulate.
    #[arg(long, default_value_t = 200)]
    pub steps: u32,
    /// Record a frame every this many steps (2 at the usual 10 ms step gives 50 frames/s
    /// of simulated time, GIF's finest frame delay).
    #[arg(long, default_value_t = 2)]
    pub every: u32,
    /// Size of each world's view, WxH pixels.
    #[arg(long, default_value = "96x96", value_parser = parse_size)]
    pub size: (u32, u32),
    /// The MJCF camera to show (default: the scene's first camera).
    #[arg(long)]
    pub camera: Option<String>,
    /// Panels per frame, side by side, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "rgb")]
    pub show: Vec<Show>,
    /// Seed of the reset, the randomization and the actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Domain randomization spec (JSON); without it a registered env uses the default
    /// spec of its scene-table row, if it has one (`push-cube` does), and a scene file
    /// randomizes nothing.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    pub lenient: bool,
    /// Start every episode from this MJCF `<key>` (by name) instead of the scene's
    /// reference configuration at rest (scene envs only).
    #[arg(long, value_name = "NAME")]
    pub keyframe: Option<String>,
    /// Output: a `.gif` file (looping animation), or a directory (created) that receives
    /// `frame_0000.png`, `frame_0001.png`, ...
    #[arg(long)]
    pub out: String,
    /// Act with this env's scripted expert (`push` for push-cube; see `manyworlds demos`)
    /// instead of random actions.
    #[arg(long, value_name = "NAME")]
    pub expert: Option<String>,
}

/// Runs `record`.
pub fn run(a: &Args) -> Result<(), Error> {
    let bad = |field: &str, value: String, allowed: &str| Error::InvalidArgument {
        field: field.into(),
        value,
        allowed: allowed.into(),
    };
    if a.worlds == 0 {
        return Err(bad("--worlds", "0".into(), "at least 1"));
    }
    if a.steps == 0 {
        return Err(bad("--steps", "0".into(), "at least 1"));
    }
    if a.every == 0 {
        return Err(bad("--every", "0".into(), "at least 1"));
    }
    if a.show.is_empty() {
        return Err(bad("--show", "(empty)".into(), "rgb, depth, seg"));
    }
    let gif = Path::new(&a.out)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gif"));
    // Scene files have no expert; the check comes before any set-up.
    let expert_env = a.env.as_deref().unwrap_or("(a scene file)");
    if let Some(x) = &a.expert {
        manyworlds::demos::resolve_expert(expert_env, Some(x))?;
    }
    let spec = load_randomize(a.randomize.as_deref())?;
    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let outputs = Outputs {
        rgb: a.show.contains(&Show::Rgb),
        depth: a.show.contains(&Show::Depth),
        seg: a.show.contains(&Show::Seg),
    };
    let rc = RenderConfig {
        cameras: a.camera.iter().cloned().collect(),
        outputs,
        ..RenderConfig::new(a.size.0, a.size.1)
    };
    let mut cfg = EnvConfig::new(a.worlds).render(rc);
    cfg.randomize = spec;
    let mut env = open_scene(
        &gpu,
        a.env.as_deref(),
        a.scene.as_deref(),
        a.lenient,
        a.keyframe.as_deref(),
        &cfg,
    )?;
    let dt = env.spec().dt;
    env.reset(a.seed)?;
    let pool = random_actions(&env, a.seed, 8);
    let expert = match &a.expert {
        Some(x) => Some(manyworlds::demos::make_expert(
            expert_env,
            Some(x),
            env.spec(),
        )?),
        None => None,
    };
    let mut acts = pool[0].clone();
    let frames_total = a.steps / a.every + 1;
    let pb = ProgressBar::new(a.steps as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} steps ({per_sec}, eta {eta})")
            .expect("the template is valid"),
    );
    let mut depth_range: Option<(f32, f32)> = None;
    let mut frames: Vec<image::RgbaImage> = Vec::with_capacity(frames_total as usize);
    for t in 0..=a.steps {
        if t > 0 {
            match &expert {
                Some(x) => x.act(env.observations(), &mut acts),
                None => acts.clone_from(&pool[t as usize % pool.len()]),
            }
            env.step(&acts)?;
            pb.inc(1);
        }
        if t % a.every != 0 {
            continue;
        }
        let images = env
            .images()
            .expect("an env built with a render config returns images");
        // Only the first camera: one mosaic per frame.
        let keep: Vec<usize> = (0..images.views().len())
            .filter(|&i| images.views()[i].camera == 0)
            .collect();
        if depth_range.is_none() && outputs.depth {
            depth_range = Some(files::depth_range(&images).unwrap_or((0.1, 10.0)));
        }
        let (near, far) = depth_range.unwrap_or((0.1, 10.0));
        let panels: Vec<image::RgbaImage> = a
            .show
            .iter()
            .map(|s| {
                let p = match s {
                    Show::Rgb => Panel::Rgb,
                    Show::Depth => Panel::Depth { near, far },
                    Show::Seg => Panel::Seg,
                };
                // Every shown output was requested, and every world has camera 0.
                files::mosaic_panel_of(&images, &keep, p)
                    .expect("the renderer rendered each shown output")
            })
            .collect();
        frames.push(side_by_side(&panels));
    }
    pb.finish_and_clear();
    // GIF frame delays are whole hundredths of a second, at least 2 (browsers slow
    // shorter ones down): real time when the step allows it.
    let delay_cs = ((100.0 * dt * a.every as f32).round() as u32).max(2);
    if gif {
        write_gif(&a.out, &frames, delay_cs)?;
    } else {
        write_pngs(&a.out, &frames)?;
    }
    let (w, h) = frames.first().map_or((0, 0), |f| f.dimensions());
    println!(
        "{} frames of {w}x{h} ({} worlds, every {} of {} steps, {} ms per frame) written to {}",
        frames.len(),
        a.worlds,
        a.every,
        a.steps,
        delay_cs * 10,
        a.out
    );
    Ok(())
}

/// Panels left to right with a 4-pixel black gap.
fn side_by_side(panels: &[image::RgbaImage]) -> image::RgbaImage {
    const GAP: u32 = 4;
    let w = panels.iter().map(|p| p.width()).sum::<u32>() + GAP * (panels.len() as u32 - 1);
    let h = panels.iter().map(|p| p.height()).max().unwrap_or(0);
    let mut out = image::RgbaImage::from_pixel(w, h, image::Rgba([0, 0, 0, 255]));
    let mut x = 0;
    for p in panels {
        image::imageops::replace(&mut out, p, x as i64, 0);
        x += p.width() + GAP;
    }
    out
}

fn io(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.into(),
        message: e.to_string(),
    }
}

/// A looping GIF, written to a temporary file and renamed into place.
fn write_gif(path: &str, frames: &[image::RgbaImage], delay_cs: u32) -> Result<(), Error> {
    use image::codecs::gif::{GifEncoder, Repeat};
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| io(path, e))?;
    }
    let mut bytes = Vec::new();
    {
        // Speed 10 of 1..=30: NeuQuant palettes good enough for flat-shaded scenes at
        // about a third of the slowest setting's time.
        let mut enc = GifEncoder::new_with_speed(&mut bytes, 10);
        enc.set_repeat(Repeat::Infinite).map_err(|e| io(path, e))?;
        for f in frames {
            let frame = image::Frame::from_parts(
                f.clone(),
                0,
                0,
                image::Delay::from_numer_denom_ms(delay_cs * 10, 1),
            );
            enc.encode_frame(frame).map_err(|e| io(path, e))?;
        }
    }
    write_atomic(path, &bytes)
}

/// `frame_0000.png`, ... in directory `dir`, each written atomically.
fn write_pngs(dir: &str, frames: &[image::RgbaImage]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (i, f) in frames.iter().enumerate() {
        let p = Path::new(dir).join(format!("frame_{i:04}.png"));
        let mut bytes = Vec::new();
        f.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| io(&p.display().to_string(), e))?;
        write_atomic(&p.display().to_string(), &bytes)?;
    }
    Ok(())
}
