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

mod encode;

use crate::common::*;
use clap::ValueEnum;
use encode::{join_all, Batch, Ctx, Encoders};
use manyworlds::dataset::{self, batch_seed, frame_files, params_json, Manifest, Settings};
use manyworlds::env::scene::SceneEnv;
use manyworlds::env::{AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::gpu::Gpu;
use manyworlds::render::{Outputs, RenderConfig, SegmentIds};
use manyworlds::Error;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
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

/// Runs `gen-data`: check the arguments and the directory, open the env, write the
/// manifest, then render the batches with missing frames and encode them in parallel.
pub fn run(a: &Args) -> Result<(), Error> {
    let t_start = Instant::now();
    check_args(a)?;
    let out = OutDir::prepare(a)?;
    let spec = load_randomize(a.randomize.as_deref())?;
    let randomize = RandomizeLabel::of(a)?;
    // Settings that need no GPU are checked before any GPU work.
    if out.resumes(a) {
        let settings = settings(a, &randomize, Vec::new());
        check_settings(&out.path, &settings, &["cameras"])?;
    }
    let gpu = Gpu::new()?;
    let mut env = open_rendering_env(a, &gpu, spec)?;
    let layout = Layout::of(&env, a)?;
    let settings = settings(a, &randomize, layout.camera_names.clone());
    write_manifest(a, &out, &gpu, settings, &layout)?;
    let plan = Plan::new(a, &out.existing, layout.views.len() as u64);
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let enc = Encoders::new(encoder_ctx(a, &out.path, &layout), jobs, plan.total);
    let t_loop = Instant::now();
    let setup = t_start.elapsed().as_secs_f64();
    let result = render_batches(a, &mut env, &layout.views, &plan, &enc);
    enc.bar.finish_and_clear();
    let times = result?;
    times.print_summary(a, &plan, &enc, t_start, t_loop, setup);
    Ok(())
}

/// Numbers that must be positive.
fn check_args(a: &Args) -> Result<(), Error> {
    if a.count == 0 {
        return Err(arg_err("--count", "0", "at least 1 frame"));
    }
    if a.worlds == 0 {
        return Err(arg_err("--worlds", "0", "at least 1 world per batch"));
    }
    if a.jobs == Some(0) {
        return Err(arg_err("--jobs", "0", "at least 1 encoder thread"));
    }
    Ok(())
}

/// The output directory and the files it held when the run started.
struct OutDir {
    path: PathBuf,
    /// File names (not paths) found in it before this run wrote anything.
    existing: HashSet<String>,
}

impl OutDir {
    /// Checks `--out` against `--resume`, creates it, proves it writable and removes the
    /// temporary files of an interrupted run.
    fn prepare(a: &Args) -> Result<OutDir, Error> {
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
        Ok(OutDir {
            path: dir,
            existing,
        })
    }

    /// Whether this run resumes a dataset that has a manifest (whose settings must match).
    fn resumes(&self, a: &Args) -> bool {
        a.resume && self.existing.contains("manifest.json")
    }
}

/// The randomization spec as the manifest records it, and where it came from.
struct RandomizeLabel {
    source: String,
    spec: Value,
}

impl RandomizeLabel {
    fn of(a: &Args) -> Result<RandomizeLabel, Error> {
        // Without --randomize, a registered env's row may carry a default spec.
        let row_default = a
            .env
            .as_deref()
            .filter(|_| a.scene.is_none())
            .and_then(|n| Some((n, manyworlds::env::scene::registered(n)?.randomize?)));
        let (source, spec) = match (&a.randomize, row_default) {
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
        Ok(RandomizeLabel { source, spec })
    }
}

/// The manifest's settings for these arguments and cameras.
fn settings(a: &Args, randomize: &RandomizeLabel, cameras: Vec<String>) -> Settings {
    Settings {
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
        randomize_source: randomize.source.clone(),
        randomize_spec: randomize.spec.clone(),
    }
}

/// The env or scene with a renderer for every output, no autoreset and the spec; a bad
/// camera name is reported against `--camera`.
fn open_rendering_env(
    a: &Args,
    gpu: &Gpu,
    spec: Option<manyworlds::randomize::Spec>,
) -> Result<SceneEnv, Error> {
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
    open_scene(
        gpu,
        a.env.as_deref(),
        a.scene.as_deref(),
        a.lenient,
        None,
        &cfg,
    )
    .map_err(|e| match e {
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
    })
}

/// What the renderer's layout gives the labels.
struct Layout {
    /// Segmentation id i+1 is body `seg_names[i]`.
    seg_names: Vec<String>,
    camera_names: Vec<String>,
    /// Per view: world, camera index, pixel offset in the batch's images.
    views: Vec<(usize, usize, usize)>,
}

impl Layout {
    fn of(env: &SceneEnv, a: &Args) -> Result<Layout, Error> {
        let r = env.renderer().ok_or_else(|| {
            arg_err(
                "--env",
                a.env.clone().unwrap_or_default(),
                "an env that renders",
            )
        })?;
        Ok(Layout {
            seg_names: r.seg_names().to_vec(),
            camera_names: r.cameras().iter().map(|c| c.name.clone()).collect(),
            views: r
                .views()
                .iter()
                .map(|v| (v.world, v.camera, v.offset))
                .collect(),
        })
    }
}

/// Checks a resumed run's full settings and writes manifest.json (unless --no-write).
fn write_manifest(
    a: &Args,
    out: &OutDir,
    gpu: &Gpu,
    settings: Settings,
    layout: &Layout,
) -> Result<(), Error> {
    let dir = &out.path;
    let mut count = a.count;
    if out.resumes(a) {
        check_settings(dir, &settings, &[])?;
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
        &layout.seg_names,
        layout.views.len() as u64,
        std::env::args().collect(),
    );
    if !a.no_write {
        write_atomic(
            &dir.join("manifest.json").display().to_string(),
            &manifest.to_json_bytes(),
        )?;
    }
    Ok(())
}

/// Which frames this run writes, batch by batch.
struct Plan<'a> {
    /// `--count`.
    count: u64,
    frames_per_batch: u64,
    resume: bool,
    depth: dataset::DepthFormat,
    existing: &'a HashSet<String>,
    /// Frames to write.
    total: u64,
    batches: u64,
    /// Frames already complete (resume).
    skipped: u64,
}

impl<'a> Plan<'a> {
    fn new(a: &Args, existing: &'a HashSet<String>, frames_per_batch: u64) -> Plan<'a> {
        let mut plan = Plan {
            count: a.count,
            frames_per_batch,
            resume: a.resume,
            depth: a.depth_format.into(),
            existing,
            total: 0,
            batches: a.count.div_ceil(frames_per_batch),
            skipped: 0,
        };
        plan.total = if a.resume {
            (0..a.count).filter(|&k| !plan.done(k)).count() as u64
        } else {
            a.count
        };
        plan.skipped = a.count - plan.total;
        plan
    }

    /// Whether every file of frame `k` was there when the run started.
    fn done(&self, k: u64) -> bool {
        frame_files(k, self.depth)
            .iter()
            .all(|n| self.existing.contains(n))
    }

    /// Frames still to write in batch `b`: only complete frames are skipped, and on a
    /// fresh run none.
    fn missing(&self, b: u64) -> Vec<u64> {
        let end = self
            .count
            .min((b + 1).saturating_mul(self.frames_per_batch));
        (b * self.frames_per_batch..end)
            .filter(|&k| !(self.resume && self.done(k)))
            .collect()
    }
}

fn encoder_ctx<'a>(a: &Args, dir: &'a Path, layout: &'a Layout) -> Ctx<'a> {
    Ctx {
        dir,
        width: a.size.0,
        height: a.size.1,
        depth: a.depth_format.into(),
        seg_names: &layout.seg_names,
        camera_names: &layout.camera_names,
        seed: a.seed,
        settle: a.settle,
        no_write: a.no_write,
    }
}

/// Where the main thread's time went.
#[derive(Default)]
struct LoopTimes {
    /// Simulating, rendering and copying batches out.
    sim: Duration,
    /// Waiting for the previous batch's encoders.
    wait: Duration,
}

/// The batch loop: each batch with missing frames is simulated and rendered while the
/// previous one's encoders run, then handed to its own encoders.
fn render_batches(
    a: &Args,
    env: &mut SceneEnv,
    views: &[(usize, usize, usize)],
    plan: &Plan,
    enc: &Encoders,
) -> Result<LoopTimes, Error> {
    let zeros = vec![0.0f32; a.worlds * env.spec().action_space.dim()];
    let mut times = LoopTimes::default();
    std::thread::scope(|s| {
        let mut pending = Vec::new();
        for b in 0..plan.batches {
            if enc.failed() {
                break;
            }
            let ks = plan.missing(b);
            if ks.is_empty() {
                continue;
            }
            let t0 = Instant::now();
            let batch = simulate_batch(a, env, views, plan.frames_per_batch, b, &ks, &zeros)?;
            times.sim += t0.elapsed();
            // Wait for the previous batch's encoders (they ran while this one rendered).
            let t1 = Instant::now();
            join_all(&mut pending)?;
            times.wait += t1.elapsed();
            pending = enc.spawn(s, batch);
        }
        let t1 = Instant::now();
        let r = join_all(&mut pending);
        times.wait += t1.elapsed();
        r
    })?;
    Ok(times)
}

/// Resets batch `b` with its seed, settles it, renders and copies out what its frames
/// `ks` need.
fn simulate_batch(
    a: &Args,
    env: &mut SceneEnv,
    views: &[(usize, usize, usize)],
    frames_per_batch: u64,
    b: u64,
    ks: &[u64],
    zeros: &[f32],
) -> Result<Batch, Error> {
    let reset_seed = batch_seed(a.seed, b);
    env.reset(reset_seed)?;
    if a.settle > 0 {
        env.step_many(zeros, a.settle)?;
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
        .map(|w| env.compiled().body_poses(&st.state[w * sd..(w + 1) * sd]))
        .collect();
    let sampled = env.randomized_params()?;
    let params: Vec<Value> = (0..a.worlds)
        .map(|w| params_json(sampled.as_ref(), w))
        .collect();
    let episodes = (0..a.worlds)
        .map(|w| sampled.as_ref().and_then(|p| p.episode(w)))
        .collect();
    Ok(Batch {
        index: b,
        reset_seed,
        frames: ks
            .iter()
            .map(|&k| (k, (k - b * frames_per_batch) as usize))
            .collect(),
        views: views.to_vec(),
        rgb,
        depth,
        seg,
        cams,
        poses,
        params,
        episodes,
    })
}

impl LoopTimes {
    /// The one-line report: frames, rates, where the time went, bytes.
    fn print_summary(
        &self,
        a: &Args,
        plan: &Plan,
        enc: &Encoders,
        t_start: Instant,
        t_loop: Instant,
        setup: f64,
    ) {
        let (total, skipped, jobs) = (plan.total, plan.skipped, enc.jobs);
        let secs = t_start.elapsed().as_secs_f64();
        let loop_secs = t_loop.elapsed().as_secs_f64();
        let enc_secs = enc.encode_ns.load(Ordering::Relaxed) as f64 * 1e-9;
        let mib = enc.bytes_out.load(Ordering::Relaxed) as f64 / (1 << 20) as f64;
        println!(
            "{} frames {} ({skipped} already there) in {secs:.2} s: {} frames/s ({} frames/s \
             after {setup:.2} s of setup: adapter, kernels, manifest); simulate+render {:.2} s (main thread), encode+write {enc_secs:.2} s over {jobs} threads \
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
            self.sim.as_secs_f64(),
            if total > 0 {
                enc_secs * 1e6 / total as f64
            } else {
                0.0
            },
            self.wait.as_secs_f64(),
            a.out
        );
    }
}
