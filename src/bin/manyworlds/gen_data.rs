//! `manyworlds gen-data`: a labelled synthetic dataset (RGB, depth, segmentation, camera,
//! object poses and boxes, randomized parameters) written frame by frame to a directory.
//!
//! Frames map to worlds like this (the manifest repeats it): with `B = --worlds` worlds per
//! batch and `C` cameras, batch `b` holds frames `b·B·C .. (b+1)·B·C − 1`; frame
//! `k = b·B·C + w·C + c` is world `w` of batch `b` seen through camera `c`. Every batch
//! resets all its worlds (episode 0, freshly randomized) with the seed
//! `splitmix64(seed ⊕ splitmix64(b))`, steps them `--settle` times with zero actions, then
//! renders. So frame `k` depends only on `k`, the seed and the settings the manifest
//! records (not on `--count`): a resumed run writes exactly what a fresh run would.

use crate::common::*;
use clap::ValueEnum;
use glam::{Quat, Vec3};
use manyworlds::dataset::{
    self, batch_seed, frame_files, params_json, visible_objects, CameraLabel, FrameLabel, Manifest,
    Settings,
};
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::render::{Outputs, RenderConfig, SegmentIds, ViewCamera};
use manyworlds::Error;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How depth is stored (`--depth-format`; the dataset's [`dataset::DepthFormat`]).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DepthFormat {
    /// `frame_K_depth.npy`: float32 metres, H × W, 0 = background (exact).
    Npy,
    /// `frame_K_depth.png`: 16-bit millimetres, 0 = background, clamped at 65535 (65.5 m).
    Png16,
}

impl From<DepthFormat> for dataset::DepthFormat {
    fn from(d: DepthFormat) -> dataset::DepthFormat {
        match d {
            DepthFormat::Npy => dataset::DepthFormat::Npy,
            DepthFormat::Png16 => dataset::DepthFormat::Png16,
        }
    }
}

/// Arguments of `gen-data`.
#[derive(clap::Args)]
#[command(after_long_help = FRAME_MAPPING_HELP)]
pub struct Args {
    /// A registered env with a scene (see `manyworlds envs`).
    #[arg(long)]
    pub env: Option<String>,
    /// An MJCF scene file.
    #[arg(long, conflicts_with = "env")]
    pub scene: Option<String>,
    /// Domain randomization spec (JSON). Without it an env's default spec is used
    /// (push-cube has one); scene files are then not randomized.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
    /// Frames to have in --out when done (frame ids 0..N).
    #[arg(long)]
    pub count: u64,
    /// Image size, WxH pixels.
    #[arg(long, default_value = "64x64", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Output directory (created; must hold no frames unless --resume).
    #[arg(long)]
    pub out: String,
    /// Seed: every frame is a function of it, the frame index and the settings.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// MJCF camera names, comma separated; each world gives one frame per camera.
    /// Default: every camera of the scene.
    #[arg(long, value_delimiter = ',')]
    pub camera: Vec<String>,
    /// Worlds simulated and rendered per batch. 1024 because on lavapipe (2 cores) a
    /// 64² RGB-D-seg batch renders at ~2.5k frames/s with 1024 worlds against ~1.7k with
    /// 256 (fixed costs per submission), while a batch's images stay ~48 MiB (two batches
    /// are held: one encoding while the next renders). Part of the frame mapping: a
    /// resumed run must use the same value.
    #[arg(long, default_value_t = 1024)]
    pub worlds: usize,
    /// Physics steps with zero actions between each batch's reset and its render
    /// (0: the randomized reset state itself; boxes need ~100 to land).
    #[arg(long, default_value_t = 0)]
    pub settle: u32,
    /// How depth is stored.
    #[arg(long, value_enum, default_value = "npy")]
    pub depth_format: DepthFormat,
    /// Finish a dataset in --out: frames whose files all exist are kept, only batches
    /// with missing frames are rendered; the settings must match its manifest.
    #[arg(long)]
    pub resume: bool,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    pub lenient: bool,
    /// Encoder threads (default: the available cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Render and encode everything but write no frame files (to time encoding alone).
    #[arg(long, hide = true)]
    pub no_write: bool,
}

const FRAME_MAPPING_HELP: &str = "\
Frame mapping: with B = --worlds and C cameras, frame k = b*B*C + w*C + c is world w of
batch b through camera c. Each batch resets all its worlds (freshly randomized, episode 0)
with seed splitmix64(seed XOR splitmix64(b)), steps them --settle times with zero actions
and renders. Frame k therefore depends only on k, --seed and the settings in the manifest,
not on --count: --resume (or a larger --count later) writes what a fresh run would.

Files per frame k (6-digit zero-padded): frame_K_rgb.png (8-bit RGB), frame_K_depth.npy
(float32 metres along the camera axis, 0 = background) or frame_K_depth.png (16-bit mm),
frame_K_seg.png (16-bit ids, 0 = background, id i = MJCF body i-1), frame_K.json (labels,
written last). Labels: the camera (K, world_from_camera in OpenCV axes: x right, y down,
z forward, pixel centres at +0.5), the bodies visible in the frame (name, seg_id,
bbox_xyxy from the segmentation with x1/y1 exclusive, pixel count, world pos in m, quat
[w, x, y, z]) and the world's randomized params. manifest.json describes it all.";

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn arg_err(field: &str, value: impl Into<String>, allowed: impl Into<String>) -> Error {
    Error::InvalidArgument {
        field: field.into(),
        value: value.into(),
        allowed: allowed.into(),
    }
}

/// One batch, copied out of the env so encoder threads can own it while the next batch
/// simulates and renders.
struct Batch {
    index: u64,
    reset_seed: u64,
    /// (frame id, view index) of the frames to write.
    frames: Vec<(u64, usize)>,
    /// Per view: world, camera index.
    views: Vec<(usize, usize, usize)>,
    rgb: Vec<u8>,
    depth: Vec<f32>,
    seg: Vec<u32>,
    cams: Vec<ViewCamera>,
    /// Per world: every MJCF body's pose.
    poses: Vec<Vec<(Vec3, Quat)>>,
    /// Per world: the randomized values (null when nothing is randomized).
    params: Vec<Value>,
    episodes: Vec<Option<u32>>,
}

/// What every encoder shares.
struct Ctx<'a> {
    dir: &'a Path,
    width: u32,
    height: u32,
    depth: dataset::DepthFormat,
    seg_names: &'a [String],
    camera_names: &'a [String],
    seed: u64,
    settle: u32,
    no_write: bool,
}

fn png(buf: &[u8], w: u32, h: u32, color: image::ExtendedColorType) -> Result<Vec<u8>, String> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut out = Vec::with_capacity(buf.len() / 2 + 128);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(buf, w, h, color)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Encodes and writes one frame; returns the bytes written.
fn write_frame(ctx: &Ctx, b: &Batch, k: u64, v: usize) -> Result<u64, Error> {
    let (w, h) = (ctx.width, ctx.height);
    let px = (w * h) as usize;
    let (world, cam_index, offset) = b.views[v];
    let names = frame_files(k, ctx.depth);
    let path = |i: usize| ctx.dir.join(&names[i]);
    let enc_err = |i: usize, m: String| io_err(&path(i), format!("encoding failed: {m}"));
    // RGB: alpha is always 255, so 3 channels.
    let rgba = &b.rgb[4 * offset..4 * (offset + px)];
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let rgb_png = png(&rgb, w, h, image::ExtendedColorType::Rgb8).map_err(|m| enc_err(0, m))?;
    let depth = &b.depth[offset..offset + px];
    let depth_bytes = match ctx.depth {
        dataset::DepthFormat::Npy => manyworlds::render::files::npy_f32_bytes(h, w, depth),
        dataset::DepthFormat::Png16 => {
            let mm: Vec<u8> = depth
                .iter()
                .flat_map(|&d| {
                    let v = if d > 0.0 {
                        (d * 1000.0).round().clamp(1.0, 65535.0) as u16
                    } else {
                        0
                    };
                    v.to_ne_bytes()
                })
                .collect();
            png(&mm, w, h, image::ExtendedColorType::L16).map_err(|m| enc_err(1, m))?
        }
    };
    let seg = &b.seg[offset..offset + px];
    // Boxes and pixel counts from the segmentation itself; this also checks that every id
    // fits the 16-bit PNG.
    let objects = visible_objects(seg, w, ctx.seg_names, &b.poses[world])?;
    let seg16: Vec<u8> = seg
        .iter()
        .flat_map(|&id| (id as u16).to_ne_bytes())
        .collect();
    let seg_png = png(&seg16, w, h, image::ExtendedColorType::L16).map_err(|m| enc_err(2, m))?;
    let label = FrameLabel {
        frame: k,
        batch: b.index,
        world,
        view: v,
        seed: ctx.seed,
        reset_seed: b.reset_seed,
        episode: b.episodes[world],
        settle_steps: ctx.settle,
        files: names.clone(),
        camera: CameraLabel::new(&ctx.camera_names[cam_index], &b.cams[v]),
        objects,
        params: b.params[world].clone(),
    };
    let json = label.to_json_bytes();
    let files = [rgb_png, depth_bytes, seg_png, json];
    let bytes = files.iter().map(|f| f.len() as u64).sum();
    if !ctx.no_write {
        // The label goes last: its presence marks a finished frame.
        for (i, f) in files.iter().enumerate() {
            write_atomic(&path(i).display().to_string(), f)?;
        }
    }
    Ok(bytes)
}

/// Files in `dir` (names only); empty when it does not exist.
fn list_dir(dir: &Path) -> Result<HashSet<String>, Error> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| {
                e.map(|e| e.file_name().to_string_lossy().into_owned())
                    .map_err(|e| io_err(dir, e))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashSet::new()),
        Err(e) => Err(io_err(dir, e)),
    }
}

/// Compares a resumed run's settings with the manifest's, naming the first field that
/// differs.
fn check_settings(dir: &Path, mine: &Settings, skip: &[&str]) -> Result<(), Error> {
    let p = dir.join("manifest.json");
    let text = std::fs::read_to_string(&p).map_err(|e| io_err(&p, e))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| io_err(&p, e))?;
    let theirs = doc.get("settings").cloned().unwrap_or(Value::Null);
    let mine_v = serde_json::to_value(mine).expect("settings serialise");
    let (Value::Object(m), Value::Object(t)) = (&mine_v, &theirs) else {
        return Err(io_err(&p, "no `settings` object: not a gen-data manifest"));
    };
    for (key, v) in m {
        // The spec is compared by content; where it came from may differ.
        if skip.contains(&key.as_str()) || key == "randomize_source" {
            continue;
        }
        let tv = t.get(key).unwrap_or(&Value::Null);
        if tv != v {
            let flag = match key.as_str() {
                "size" => "--size",
                "seed" => "--seed",
                "env" => "--env",
                "scene" => "--scene",
                "cameras" => "--camera",
                "worlds_per_batch" => "--worlds",
                "settle_steps" => "--settle",
                "depth_format" => "--depth-format",
                "randomize_source" | "randomize_spec" => "--randomize",
                _ => key.as_str(),
            };
            return Err(arg_err(
                &format!("{flag} (manifest settings.{key})"),
                v.to_string(),
                format!(
                    "{tv} as in {}: a resumed run must use the dataset's settings",
                    p.display()
                ),
            ));
        }
    }
    Ok(())
}

pub fn run(a: &Args) -> Result<(), Error> {
    let t_start = Instant::now();
    if a.count == 0 {
        return Err(arg_err("--count", "0", "at least 1 frame"));
    }
    if a.worlds == 0 {
        return Err(arg_err("--worlds", "0", "at least 1 world per batch"));
    }
    if a.jobs == Some(0) {
        return Err(arg_err("--jobs", "0", "at least 1 encoder thread"));
    }
    let dir = PathBuf::from(&a.out);
    // The directory: refuse to mix with an existing dataset unless resuming.
    let existing = list_dir(&dir)?;
    let dataset_files = existing
        .iter()
        .filter(|n| n.starts_with("frame_") || n.as_str() == "manifest.json")
        .count();
    if dataset_files > 0 && !a.resume {
        return Err(arg_err(
            "--out",
            a.out.clone(),
            format!(
                "a directory without a dataset: this one holds {dataset_files} dataset files \
                 (frames or manifest.json); pass --resume to finish or extend it, or choose \
                 another directory"
            ),
        ));
    }
    if a.resume && dataset_files > 0 && !existing.contains("manifest.json") {
        return Err(arg_err(
            "--out",
            a.out.clone(),
            "with --resume, a directory that gen-data wrote (it has frames but no manifest.json)",
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    // Fail on an unwritable directory before any GPU work.
    let probe = dir.join(format!(".gen-data-probe{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| io_err(&dir, e))?;
    let _ = std::fs::remove_file(&probe);
    // Leftover temporary files of an interrupted run.
    for n in &existing {
        if n.starts_with("frame_") && n.contains(".tmp") {
            let _ = std::fs::remove_file(dir.join(n));
        }
    }

    // The randomization spec, and where it came from.
    let spec = load_randomize(a.randomize.as_deref())?;
    // Without --randomize, a registered env's row may carry a default spec.
    let row_default = a
        .env
        .as_deref()
        .filter(|_| a.scene.is_none())
        .and_then(|n| Some((n, manyworlds::env::scene::registered(n)?.randomize?)));
    let (randomize_source, randomize_spec) = match (&a.randomize, row_default) {
        (Some(f), _) => {
            let text = std::fs::read_to_string(f).map_err(|e| io_err(Path::new(f), e))?;
            let v: Value = serde_json::from_str(&text).map_err(|e| io_err(Path::new(f), e))?;
            (format!("--randomize {f}"), v)
        }
        (None, Some((n, file))) => (
            format!("{n}'s default ({})", file.path),
            serde_json::from_str(file.text).expect("the embedded spec is JSON"),
        ),
        _ => ("none".to_string(), Value::Null),
    };

    let make_settings = |cameras: Vec<String>| Settings {
        env: if a.scene.is_some() {
            None
        } else {
            a.env.clone()
        },
        scene: a.scene.clone(),
        seed: a.seed,
        size: [a.size.0, a.size.1],
        cameras,
        worlds_per_batch: a.worlds,
        settle_steps: a.settle,
        depth_format: a.depth_format.into(),
        segmentation: "body".into(),
        randomize_source: randomize_source.clone(),
        randomize_spec: randomize_spec.clone(),
    };
    // Settings that need no GPU are checked before any GPU work.
    if a.resume && existing.contains("manifest.json") {
        check_settings(&dir, &make_settings(Vec::new()), &["cameras"])?;
    }
    let gpu = Gpu::new()?;
    let rc = RenderConfig {
        cameras: a.camera.clone(),
        outputs: Outputs::ALL,
        segmentation: SegmentIds::Body,
        ..RenderConfig::new(a.size.0, a.size.1)
    };
    let mut cfg = EnvConfig::new(a.worlds)
        .render(rc)
        .autoreset(AutoresetMode::Disabled);
    cfg.randomize = spec;
    let mut env = open_scene(&gpu, a.env.as_deref(), a.scene.as_deref(), a.lenient, &cfg).map_err(
        |e| match e {
            Error::InvalidArgument {
                field,
                value,
                allowed,
            } if field == "camera" => Error::InvalidArgument {
                field: "--camera".into(),
                value,
                allowed,
            },
            e => e,
        },
    )?;
    let compiled = env.compiled().clone();
    let (seg_names, camera_names, views) = {
        let r = env.renderer().ok_or_else(|| {
            arg_err(
                "--env",
                a.env.clone().unwrap_or_default(),
                "an env that renders",
            )
        })?;
        let views: Vec<(usize, usize, usize)> = r
            .views()
            .iter()
            .map(|v| (v.world, v.camera, v.offset))
            .collect();
        (
            r.seg_names().to_vec(),
            r.cameras()
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>(),
            views,
        )
    };
    let frames_per_batch = views.len() as u64;
    let settings = make_settings(camera_names.clone());
    let mut count = a.count;
    if a.resume && existing.contains("manifest.json") {
        check_settings(&dir, &settings, &[])?;
        // Keep the larger count in the manifest: a smaller --count writes no fewer.
        if let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) {
            if let Ok(doc) = serde_json::from_str::<Value>(&text) {
                count = count.max(doc["count"].as_u64().unwrap_or(0));
            }
        }
    }
    let manifest = Manifest::new(
        settings,
        count,
        &gpu.adapter().to_string(),
        &seg_names,
        frames_per_batch,
        std::env::args().collect(),
    );
    if !a.no_write {
        write_atomic(
            &dir.join("manifest.json").display().to_string(),
            &manifest.to_json_bytes(),
        )?;
    }

    // Frames still to write, by batch.
    let done = |k: u64| {
        frame_files(k, a.depth_format.into())
            .iter()
            .all(|n| existing.contains(n))
    };
    // Frames still to write: only complete frames are skipped, and on a fresh run none.
    let missing = |b: u64| -> Vec<u64> {
        let end = a.count.min((b + 1).saturating_mul(frames_per_batch));
        (b * frames_per_batch..end)
            .filter(|&k| !(a.resume && done(k)))
            .collect()
    };
    let total: u64 = if a.resume {
        (0..a.count).filter(|&k| !done(k)).count() as u64
    } else {
        a.count
    };
    let batches = a.count.div_ceil(frames_per_batch);
    let skipped = a.count - total;

    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let ctx = Ctx {
        dir: &dir,
        width: a.size.0,
        height: a.size.1,
        depth: a.depth_format.into(),
        seg_names: &seg_names,
        camera_names: &camera_names,
        seed: a.seed,
        settle: a.settle,
        no_write: a.no_write,
    };
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} frames  {per_sec}  eta {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let zeros = vec![0.0f32; a.worlds * env.spec().action_space.dim()];
    let mut t_sim = Duration::ZERO;
    let mut t_wait = Duration::ZERO;
    let encode_ns = AtomicUsize::new(0);
    let bytes_out = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);

    let t_loop = Instant::now();
    let setup = t_start.elapsed().as_secs_f64();
    let result: Result<(), Error> = std::thread::scope(|s| {
        let mut pending: Vec<std::thread::ScopedJoinHandle<Result<(), Error>>> = Vec::new();
        let join = |pending: &mut Vec<std::thread::ScopedJoinHandle<Result<(), Error>>>| {
            let mut first = Ok(());
            for h in pending.drain(..) {
                let r = h.join().expect("encoder threads do not panic");
                if first.is_ok() {
                    first = r;
                }
            }
            first
        };
        for b in 0..batches {
            if failed.load(Ordering::Relaxed) {
                break;
            }
            let ks = missing(b);
            if ks.is_empty() {
                continue;
            }
            let t0 = Instant::now();
            let reset_seed = batch_seed(a.seed, b);
            env.reset(reset_seed)?;
            if a.settle > 0 {
                env.step_many(&zeros, a.settle)?;
            }
            let (rgb, depth, seg) = {
                let im = env.images().ok_or_else(|| arg_err("env", "", "renders"))?;
                let get = |o: Option<&[u8]>| o.map(<[u8]>::to_vec).unwrap_or_default();
                (
                    get(im.rgb_all()),
                    im.depth_all().map(<[f32]>::to_vec).unwrap_or_default(),
                    im.seg_all().map(<[u32]>::to_vec).unwrap_or_default(),
                )
            };
            let cams = env
                .renderer()
                .expect("the env renders (checked)")
                .view_cameras()?;
            let st = env.get_state(Worlds::All)?;
            let sd = st.state_dim;
            let poses: Vec<_> = (0..a.worlds)
                .map(|w| compiled.body_poses(&st.state[w * sd..(w + 1) * sd]))
                .collect();
            let sampled = env.randomized_params()?;
            let params: Vec<Value> = (0..a.worlds)
                .map(|w| params_json(sampled.as_ref(), w))
                .collect();
            let episodes = (0..a.worlds)
                .map(|w| sampled.as_ref().and_then(|p| p.episode(w)))
                .collect();
            let batch = Batch {
                index: b,
                reset_seed,
                frames: ks
                    .iter()
                    .map(|&k| (k, (k - b * frames_per_batch) as usize))
                    .collect(),
                views: views.clone(),
                rgb,
                depth,
                seg,
                cams,
                poses,
                params,
                episodes,
            };
            t_sim += t0.elapsed();
            // Wait for the previous batch's encoders (they ran while this one rendered).
            let t1 = Instant::now();
            join(&mut pending)?;
            t_wait += t1.elapsed();
            let batch = std::sync::Arc::new(batch);
            let next = std::sync::Arc::new(AtomicUsize::new(0));
            for _ in 0..jobs.min(batch.frames.len()) {
                let (batch, next, ctx, bar) = (batch.clone(), next.clone(), &ctx, bar.clone());
                let (encode_ns, bytes_out, failed) = (&encode_ns, &bytes_out, &failed);
                pending.push(s.spawn(move || {
                    let t = Instant::now();
                    let r = (|| loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(k, v)) = batch.frames.get(i) else {
                            return Ok(());
                        };
                        if failed.load(Ordering::Relaxed) {
                            return Ok(());
                        }
                        let n = write_frame(ctx, &batch, k, v)?;
                        bytes_out.fetch_add(n as usize, Ordering::Relaxed);
                        bar.inc(1);
                    })();
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    encode_ns.fetch_add(t.elapsed().as_nanos() as usize, Ordering::Relaxed);
                    r
                }));
            }
        }
        let t1 = Instant::now();
        let r = join(&mut pending);
        t_wait += t1.elapsed();
        r
    });
    bar.finish_and_clear();
    result?;
    let secs = t_start.elapsed().as_secs_f64();
    let loop_secs = t_loop.elapsed().as_secs_f64();
    let enc = encode_ns.load(Ordering::Relaxed) as f64 * 1e-9;
    let mib = bytes_out.load(Ordering::Relaxed) as f64 / (1 << 20) as f64;
    println!(
        "{} frames {} ({skipped} already there) in {secs:.2} s: {} frames/s ({} frames/s \
         after {setup:.2} s of setup: adapter, kernels, manifest); simulate+render {:.2} s (main thread), encode+write {enc:.2} s over {jobs} threads \
         ({:.1} µs/frame/thread), main thread waiting for encoders {:.2} s; {mib:.1} MiB \
         in {}",
        total,
        if a.no_write {
            "encoded, not written"
        } else {
            "written"
        },
        format_rate(total as f64 / secs),
        format_rate(total as f64 / loop_secs),
        t_sim.as_secs_f64(),
        if total > 0 {
            enc * 1e6 / total as f64
        } else {
            0.0
        },
        t_wait.as_secs_f64(),
        a.out
    );
    Ok(())
}
