//! `manyworlds view`: a live window on a grid of worlds of one scene.
//!
//! Every frame steps the whole batch once (every world, one env step), renders every
//! camera of every world with the batch renderer, and shows one camera of every world as
//! a mosaic: world `i` is tile `i` of a grid of ⌈√N⌉ columns, filled row by row from the
//! top left, each tile `--size` pixels; cells past the last world stay black. The mosaic
//! is scaled to the window with nearest-neighbour sampling, keeping its aspect ratio
//! (black bars fill the rest).
//!
//! # Controls
//! - Left-drag: orbit the viewer camera about the scene centre; mouse wheel: zoom. Both
//!   select the viewer camera if another one is shown.
//! - Space: pause / resume. `.` or N: one step while paused.
//! - R: reset every world (each reset draws a new seed: `--seed` + number of resets).
//! - 1 / 2 / 3: RGB / depth / segmentation; Tab cycles them. Depth is colour-mapped
//!   (`render::files::depth_color`, as `record` does: linear in inverse depth, near
//!   yellow, far purple, over the range of the shown tiles in each frame); segmentation
//!   ids (geoms) get `render::files::seg_color`'s distinct colours; the background is
//!   black in both.
//! - C: next camera (the viewer's orbit camera, then every MJCF camera of the scene).
//! - Arrows / WASD with `--policy keyboard`: world 0's action (see [`Args::policy`]).
//! - Esc or Q: quit.
//!
//! The window title shows the env-steps/s (worlds × batch steps per second, counting
//! stepping, rendering, read-back and presentation), refreshed about twice a second,
//! with the mode, the camera and whether the viewer is paused.
//!
//! # Presentation
//! Frames reach the screen on the CPU: the renderer's read-back images are tiled into
//! one mosaic and copied into a `softbuffer` surface, rather than drawn into a wgpu
//! swapchain. That costs a copy per frame but works the same under Xvfb, on Wayland and
//! on every platform and adapter (lavapipe included), and the mosaic that is shown is
//! exactly what `--screenshot` saves.
//!
//! # Headless runs
//! `--frames N` runs exactly N frames (one batch step and render each, as fast as
//! possible whatever `--speed` says) and exits; with `--screenshot F` the last mosaic is
//! written to F as a PNG (through a temporary file and a rename). A window is still
//! opened, so CI runs it under a virtual X server: `xvfb-run -a manyworlds view ...`.
//! Without a display (neither `DISPLAY` nor `WAYLAND_DISPLAY` set, or no connection) the
//! command fails with an error that says so.
//!
//! # Cameras
//! The viewer's camera is an API camera (`RenderConfig::extra_cameras`, after the MJCF
//! ones) with a 45° field of view. It orbits a target at the scene centre: the centre of
//! the box that holds the bodies' initial positions and the ground below them, seen from
//! three times that box's half-diagonal (plus a margin). Orbiting rewrites it with
//! `BatchRenderer::set_camera` (the shared camera table, or every world's copy when the
//! randomization spec gives cameras one copy per world), which takes effect from the
//! next render; while paused the viewer re-renders the current state at once. Every
//! camera is rendered every frame, so switching is instant and shows the same step, at
//! the price of one view per camera per world: a scene with k MJCF cameras renders
//! k + 1 views per world per frame.

use crate::common::*;
use clap::ValueEnum;
use glam::Vec3;
use manyworlds::env::scene::SceneEnv;
use manyworlds::env::{ActionSpace, EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::render::files;
use manyworlds::render::{CameraSpec, Images, Intrinsics, Outputs, RenderConfig};
use manyworlds::Error;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, KeyEvent, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Window, WindowId};

/// Name of the viewer's own orbit camera (`--camera viewer`).
const VIEWER_CAMERA: &str = "viewer";
/// Vertical field of view of the viewer camera, degrees.
const VIEWER_FOVY: f32 = 45.0;
/// Seconds between title refreshes.
const TITLE_PERIOD: f64 = 0.5;
/// In real time, falling further behind the wall clock than this restarts the clock
/// instead of stepping without pause to catch up.
const MAX_LAG: f64 = 0.25;
/// The window's default longest side, pixels: the mosaic is enlarged by a whole factor
/// up to this.
const WINDOW_TARGET: u32 = 1024;

/// What the tiles show.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum Mode {
    /// Colour.
    Rgb,
    /// Depth, colour-mapped (inverse depth: near yellow, far purple; background black).
    Depth,
    /// Segmentation ids (geoms), hashed to distinct colours; background black.
    Seg,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Rgb => "rgb",
            Mode::Depth => "depth",
            Mode::Seg => "seg",
        }
    }

    fn next(self) -> Mode {
        match self {
            Mode::Rgb => Mode::Depth,
            Mode::Depth => Mode::Seg,
            Mode::Seg => Mode::Rgb,
        }
    }
}

/// How fast to step.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum Speed {
    /// Sim time tracks wall time: one batch step per env dt, sleeping in between (slower
    /// when a frame takes longer than dt).
    Realtime,
    /// As fast as stepping, rendering and presenting allow.
    Max,
}

/// Where actions come from.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum Policy {
    /// Uniformly random valid actions (unbounded dimensions within ±1).
    Random,
    /// Zero actions (clamped into the action bounds).
    Zero,
    /// The keyboard drives world 0; the others follow `--others`.
    Keyboard,
}

/// What the worlds other than world 0 do under `--policy keyboard`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum Others {
    /// Zero actions.
    Zero,
    /// Random actions.
    Random,
}

/// Arguments of `view`.
#[derive(clap::Args)]
#[command(after_help = "\
Controls:
  left-drag          orbit the viewer camera about the scene centre
  mouse wheel        zoom
  Space              pause / resume
  . or N             one step while paused
  R                  reset every world
  1 / 2 / 3, Tab     RGB / depth / segmentation, Tab cycles
  C                  next camera (viewer, then each MJCF camera)
  Esc or Q           quit
Keyboard policy (--policy keyboard), world 0's action:
  Left/A, Right/D    action[0] to its lower / upper bound
  Down/S, Up/W       action[1] to its lower / upper bound
  (no movement key: the --others action; keys on other dimensions leave them at 0
   clamped into their bounds; unbounded dimensions use -1 / +1; a discrete action
   takes 0 with Left/A, n-1 with Right/D)
Headless (still opens a window, e.g. under `xvfb-run -a`):
  manyworlds view --env boxes --frames 100 --screenshot out.png")]
pub struct Args {
    /// A registered env with a scene (see `manyworlds envs`).
    #[arg(long, conflicts_with = "scene")]
    pub env: Option<String>,
    /// An MJCF scene file.
    #[arg(long)]
    pub scene: Option<String>,
    /// Worlds to simulate and show (one tile each).
    #[arg(long, default_value_t = 16)]
    pub worlds: usize,
    /// Tile size, WxH pixels (every camera renders at this size).
    #[arg(long, default_value = "128x128", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Seed of the resets and of random actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Domain randomization spec (JSON); without it push-cube uses its default spec.
    #[arg(long, value_name = "SPEC.json")]
    pub randomize: Option<String>,
    /// Stepping speed: real time (sim time tracks wall time) or as fast as possible.
    #[arg(long, value_enum, default_value = "realtime")]
    pub speed: Speed,
    /// Actions: random, zero, or keyboard (arrows / WASD drive world 0's first two
    /// action dimensions; see the controls below).
    #[arg(long, value_enum, default_value = "random")]
    pub policy: Policy,
    /// With `--policy keyboard`: what the other worlds do.
    #[arg(long, value_enum, default_value = "zero")]
    pub others: Others,
    /// What the tiles show first (1 / 2 / 3 or Tab switch later).
    #[arg(long, value_enum, default_value = "rgb")]
    pub mode: Mode,
    /// Camera shown first: `viewer` (the orbit camera) or an MJCF camera's name.
    #[arg(long, default_value = VIEWER_CAMERA)]
    pub camera: String,
    /// Run exactly this many frames (one batch step and render each, not paced), then
    /// exit.
    #[arg(long)]
    pub frames: Option<u64>,
    /// Write the last shown mosaic to this PNG on exit (atomically).
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<String>,
    /// Load the scene even when it holds unsupported dynamics (they become warnings).
    #[arg(long)]
    pub lenient: bool,
}

/// Runs `view`.
pub fn run(a: &Args) -> Result<(), Error> {
    check_args(a)?;
    let spec = load_randomize(a.randomize.as_deref())?;
    // The display before the GPU: without one there is nothing to wait for.
    check_display_env()?;
    let event_loop = EventLoop::new().map_err(|e| {
        let var = |v: &str| std::env::var(v).unwrap_or_default();
        no_display(&format!(
            "cannot connect to DISPLAY={:?} / WAYLAND_DISPLAY={:?} ({e})",
            var("DISPLAY"),
            var("WAYLAND_DISPLAY")
        ))
    })?;

    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let mut viewer = Viewer::open(&gpu, a, spec)?;
    event_loop
        .run_app(&mut viewer)
        .map_err(|e| no_display(&e.to_string()))?;
    if let Some(e) = viewer.error.take() {
        return Err(e);
    }
    let secs = viewer.started.elapsed().as_secs_f64();
    let env_steps = viewer.steps * a.worlds as u64;
    println!(
        "{} frames, {} batch steps of {} worlds in {:.2} s: {} env-steps/s (step, render, \
         read-back and present)",
        viewer.frames_done,
        viewer.steps,
        a.worlds,
        secs,
        format_rate(env_steps as f64 / secs.max(1e-9))
    );
    if let Some(path) = &a.screenshot {
        viewer.mosaic.save_png(path)?;
        println!(
            "wrote {path} ({}x{}, {})",
            viewer.mosaic.width,
            viewer.mosaic.height,
            viewer.mode.name()
        );
    }
    Ok(())
}

/// Checks what needs no GPU and no display.
fn check_args(a: &Args) -> Result<(), Error> {
    if a.worlds == 0 || a.worlds > 4096 {
        return Err(Error::InvalidArgument {
            field: "--worlds".into(),
            value: a.worlds.to_string(),
            allowed: "1 to 4096 (one tile each)".into(),
        });
    }
    if a.frames == Some(0) {
        return Err(Error::InvalidArgument {
            field: "--frames".into(),
            value: "0".into(),
            allowed: "at least 1 (leave it out for an interactive window)".into(),
        });
    }
    if let Some(out) = &a.screenshot {
        let dir = std::path::Path::new(out)
            .parent()
            .filter(|d| !d.as_os_str().is_empty());
        if dir.is_some_and(|d| !d.is_dir()) {
            return Err(Error::InvalidArgument {
                field: "--screenshot".into(),
                value: out.clone(),
                allowed: "a file in an existing directory".into(),
            });
        }
    }
    if let Some(f) = &a.scene {
        std::fs::metadata(f).map_err(|e| Error::Io {
            path: f.clone(),
            message: format!("--scene: {e}"),
        })?;
    }
    match (&a.env, &a.scene) {
        (None, None) => Err(Error::InvalidArgument {
            field: "--env".into(),
            value: "missing".into(),
            allowed: format!(
                "an env with a scene: {} (or --scene FILE.xml)",
                scene_env_names().join(", ")
            ),
        }),
        (Some(n), None) if !scene_env_names().contains(&n.as_str()) => {
            Err(Error::InvalidArgument {
                field: "--env".into(),
                value: n.clone(),
                allowed: format!(
                    "an env with a scene: {} (or --scene FILE.xml)",
                    scene_env_names().join(", ")
                ),
            })
        }
        _ => Ok(()),
    }
}

/// The error for a missing or unreachable display.
fn no_display(why: &str) -> Error {
    Error::InvalidArgument {
        field: "display".into(),
        value: why.into(),
        allowed: "an X11 or Wayland display (DISPLAY or WAYLAND_DISPLAY); on a machine \
                  without one run the viewer under a virtual X server: \
                  `xvfb-run -a manyworlds view ...`"
            .into(),
    }
}

/// Fails early when neither `DISPLAY` nor `WAYLAND_DISPLAY` is set.
fn check_display_env() -> Result<(), Error> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok(())
    } else {
        Err(no_display("none: DISPLAY and WAYLAND_DISPLAY are unset"))
    }
}

/// Opens the scene rendering every output of every MJCF camera, then `viewer`, at
/// `--size`.
fn open_scene_with(
    gpu: &Gpu,
    a: &Args,
    randomize: Option<manyworlds::randomize::Spec>,
    viewer: CameraSpec,
) -> Result<SceneEnv, Error> {
    let (w, h) = a.size;
    let rc = RenderConfig {
        outputs: Outputs::ALL,
        extra_cameras: vec![viewer],
        ..RenderConfig::new(w, h)
    };
    let mut cfg = EnvConfig::new(a.worlds).render(rc);
    cfg.randomize = randomize;
    open_scene(gpu, a.env.as_deref(), a.scene.as_deref(), a.lenient, &cfg)
}

fn renderer_of(env: &SceneEnv) -> Result<&manyworlds::render::BatchRenderer, Error> {
    env.renderer().ok_or_else(|| Error::InvalidArgument {
        field: "--env".into(),
        value: env.spec().name.clone(),
        allowed: "an env that renders".into(),
    })
}

/// The action space with unbounded dimensions limited to ±1, for random and keyboard
/// actions.
fn finite_space(space: &ActionSpace) -> ActionSpace {
    match space {
        ActionSpace::Discrete { n } => ActionSpace::Discrete { n: *n },
        ActionSpace::Box { low, high } => ActionSpace::Box {
            low: low
                .iter()
                .map(|&l| if l.is_finite() { l } else { -1.0 })
                .collect(),
            high: high
                .iter()
                .map(|&h| if h.is_finite() { h } else { 1.0 })
                .collect(),
        },
    }
}

/// The orbit camera: yaw and pitch (radians) and distance (m) about a target.
#[derive(Clone, Copy, Debug)]
struct Orbit {
    target: Vec3,
    yaw: f32,
    pitch: f32,
    distance: f32,
}

impl Default for Orbit {
    fn default() -> Self {
        Orbit {
            target: Vec3::ZERO,
            yaw: -std::f32::consts::FRAC_PI_4,
            pitch: 30f32.to_radians(),
            distance: 2.0,
        }
    }
}

impl Orbit {
    /// Looks at the centre of the box that holds the initial positions of the scene's
    /// bodies (the world body left out) and the ground below them (z = 0: MJCF is z-up,
    /// and dropped objects end there), from far enough to see all of it.
    fn framing(env: &SceneEnv) -> Orbit {
        let c = env.compiled();
        let poses = c.body_poses(&c.init_state);
        let points: Vec<Vec3> = poses.iter().skip(1).map(|p| p.0).collect();
        if points.is_empty() {
            return Orbit::default();
        }
        let (mut lo, mut hi) = (points[0], points[0]);
        for p in &points {
            let ground = Vec3::new(p.x, p.y, p.z.min(0.0));
            lo = lo.min(*p).min(ground);
            hi = hi.max(*p).max(ground);
        }
        // 0.1 m of margin for the geoms around the bodies' origins.
        let radius = 0.5 * (hi - lo).length() + 0.1;
        Orbit {
            target: 0.5 * (lo + hi),
            distance: (3.0 * radius).max(0.3),
            ..Orbit::default()
        }
    }

    fn eye(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        self.target + self.distance * Vec3::new(cp * cy, cp * sy, sp)
    }

    fn camera(&self, w: u32, h: u32) -> CameraSpec {
        let mut c = CameraSpec::look_at(
            VIEWER_CAMERA,
            self.eye(),
            self.target,
            Vec3::Z,
            Intrinsics::Fovy(VIEWER_FOVY),
            w,
            h,
        );
        c.far = c.far.max(4.0 * self.distance);
        c
    }

    fn rotate(&mut self, dx: f32, dy: f32) {
        let limit = 89f32.to_radians();
        self.yaw -= 0.01 * dx;
        self.pitch = (self.pitch + 0.01 * dy).clamp(-limit, limit);
    }

    fn zoom(&mut self, lines: f32) {
        self.distance = (self.distance * 0.9f32.powf(lines)).clamp(0.05, 200.0);
    }
}

/// The shown frame: every world's tile, 0RGB pixels.
struct Mosaic {
    worlds: usize,
    cols: usize,
    tile: (usize, usize),
    width: usize,
    height: usize,
    pixels: Vec<u32>,
}

impl Mosaic {
    fn new(worlds: usize, w: u32, h: u32) -> Mosaic {
        let cols = (1..=worlds).find(|c| c * c >= worlds).unwrap_or(1);
        let rows = worlds.div_ceil(cols);
        let (w, h) = (w as usize, h as usize);
        Mosaic {
            worlds,
            cols,
            tile: (w, h),
            width: cols * w,
            height: rows * h,
            pixels: vec![0; cols * w * rows * h],
        }
    }

    /// Tiles camera `cam` of every world in `mode`.
    fn fill(&mut self, images: &Images<'_>, cam: usize, mode: Mode) -> Result<(), Error> {
        let missing = |what: &str| Error::InvalidArgument {
            field: "renderer output".into(),
            value: what.into(),
            allowed: "rgb, depth and seg, which the viewer requests".into(),
        };
        let views: Vec<usize> = (0..self.worlds)
            .map(|w| {
                images
                    .find(w, cam)
                    .ok_or_else(|| missing(&format!("view of world {w}, camera {cam}")))
            })
            .collect::<Result<_, _>>()?;
        // Depth range over every shown tile, so tiles compare.
        let mut range = (f32::INFINITY, 0.0f32);
        if mode == Mode::Depth {
            for &v in &views {
                for &d in images.depth(v).ok_or_else(|| missing("depth"))? {
                    if d > 0.0 {
                        range = (range.0.min(d), range.1.max(d));
                    }
                }
            }
        }
        let (tw, th) = self.tile;
        for (w, &v) in views.iter().enumerate() {
            let (x0, y0) = ((w % self.cols) * tw, (w / self.cols) * th);
            for y in 0..th {
                let row = &mut self.pixels[(y0 + y) * self.width + x0..][..tw];
                let at = y * tw;
                match mode {
                    Mode::Rgb => {
                        let rgb = images.rgb(v).ok_or_else(|| missing("rgb"))?;
                        for (x, p) in row.iter_mut().enumerate() {
                            let q = &rgb[4 * (at + x)..4 * (at + x) + 3];
                            *p = pack(q[0], q[1], q[2]);
                        }
                    }
                    Mode::Depth => {
                        let depth = images.depth(v).ok_or_else(|| missing("depth"))?;
                        for (x, p) in row.iter_mut().enumerate() {
                            *p = depth_color(depth[at + x], range);
                        }
                    }
                    Mode::Seg => {
                        let seg = images.seg(v).ok_or_else(|| missing("seg"))?;
                        for (x, p) in row.iter_mut().enumerate() {
                            *p = seg_color(seg[at + x]);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn save_png(&self, path: &str) -> Result<(), Error> {
        let rgb: Vec<u8> = self
            .pixels
            .iter()
            .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
            .collect();
        let mut bytes = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut bytes),
            &rgb,
            self.width as u32,
            self.height as u32,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Io {
            path: path.into(),
            message: e.to_string(),
        })?;
        write_atomic(path, &bytes)
    }

    /// Draws the mosaic into a `ww` × `wh` window buffer: scaled by nearest neighbour
    /// with its aspect ratio kept, centred, black around it.
    fn blit(&self, out: &mut [u32], ww: usize, wh: usize) {
        let scale = (ww as f64 / self.width as f64).min(wh as f64 / self.height as f64);
        let (sw, sh) = (
            ((self.width as f64 * scale) as usize).clamp(1, ww),
            ((self.height as f64 * scale) as usize).clamp(1, wh),
        );
        let (ox, oy) = ((ww - sw) / 2, (wh - sh) / 2);
        let cols: Vec<usize> = (0..sw)
            .map(|x| (x * self.width / sw).min(self.width - 1))
            .collect();
        out.fill(0);
        for y in 0..sh {
            let src = (y * self.height / sh).min(self.height - 1) * self.width;
            let dst = &mut out[(oy + y) * ww + ox..][..sw];
            for (d, &c) in dst.iter_mut().zip(&cols) {
                *d = self.pixels[src + c];
            }
        }
    }
}

fn pack(r: u8, g: u8, b: u8) -> u32 {
    ((r as u32) << 16) | ((g as u32) << 8) | b as u32
}

/// Depth `d` (0: background, black) through the library's depth map over `range`.
fn depth_color(d: f32, range: (f32, f32)) -> u32 {
    let [r, g, b, _] = files::depth_color(d, range.0, range.1);
    pack(r, g, b)
}

/// Segmentation id `id` (0: background, black) through the library's id colours.
fn seg_color(id: u32) -> u32 {
    let [r, g, b, _] = files::seg_color(id);
    pack(r, g, b)
}

/// The movement keys held down (for `--policy keyboard`).
#[derive(Default, Debug)]
struct Keys {
    left: bool,
    right: bool,
    up: bool,
    down: bool,
}

/// A movement key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Left,
    Right,
    Up,
    Down,
}

impl Keys {
    fn set(&mut self, dir: Dir, down: bool) {
        match dir {
            Dir::Left => self.left = down,
            Dir::Right => self.right = down,
            Dir::Up => self.up = down,
            Dir::Down => self.down = down,
        }
    }
}

/// What a key press asks for (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Command {
    Quit,
    TogglePause,
    StepOnce,
    Reset,
    Mode(Mode),
    NextMode,
    NextCamera,
}

/// The lower-case character of a character key.
fn key_char(key: &Key) -> String {
    match key {
        Key::Character(s) => s.to_lowercase(),
        _ => String::new(),
    }
}

/// The movement key `key` is (arrows and WASD), if any.
fn held_key(key: &Key) -> Option<Dir> {
    match (key, key_char(key).as_str()) {
        (Key::Named(NamedKey::ArrowLeft), _) | (_, "a") => Some(Dir::Left),
        (Key::Named(NamedKey::ArrowRight), _) | (_, "d") => Some(Dir::Right),
        (Key::Named(NamedKey::ArrowUp), _) | (_, "w") => Some(Dir::Up),
        (Key::Named(NamedKey::ArrowDown), _) | (_, "s") => Some(Dir::Down),
        _ => None,
    }
}

/// The command a pressed key gives, if any.
fn command_for(key: &Key) -> Option<Command> {
    Some(match (key, key_char(key).as_str()) {
        (Key::Named(NamedKey::Escape), _) | (_, "q") => Command::Quit,
        (Key::Named(NamedKey::Space), _) | (_, " ") => Command::TogglePause,
        (_, "." | "n") => Command::StepOnce,
        (_, "r") => Command::Reset,
        (_, "1") => Command::Mode(Mode::Rgb),
        (_, "2") => Command::Mode(Mode::Depth),
        (_, "3") => Command::Mode(Mode::Seg),
        (Key::Named(NamedKey::Tab), _) => Command::NextMode,
        (_, "c") => Command::NextCamera,
        _ => return None,
    })
}

/// One world's zero action: 0 clamped into the bounds.
fn zero_action(space: &ActionSpace) -> Vec<f32> {
    match space {
        ActionSpace::Discrete { .. } => vec![0.0],
        ActionSpace::Box { low, high } => low
            .iter()
            .zip(high)
            .map(|(&l, &h)| 0f32.clamp(l, h))
            .collect(),
    }
}

/// World 0's action from the held keys (`space` with finite bounds); `base` when no
/// movement key is held.
fn keyboard_action(space: &ActionSpace, k: &Keys, base: &[f32]) -> Vec<f32> {
    if !(k.left || k.right || k.up || k.down) {
        return base.to_vec();
    }
    match space {
        ActionSpace::Discrete { n } => {
            if k.right && !k.left {
                vec![n.saturating_sub(1) as f32]
            } else {
                vec![0.0]
            }
        }
        ActionSpace::Box { low, high } => {
            let mut a = zero_action(space);
            let mut set = |i: usize, neg: bool, pos: bool| {
                if i < a.len() && neg != pos {
                    a[i] = if pos { high[i] } else { low[i] };
                }
            };
            set(0, k.left, k.right);
            set(1, k.down, k.up);
            a
        }
    }
}

/// Real-time pacing: sim time against wall time.
struct Clock {
    start: Instant,
    sim: f64,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            start: Instant::now(),
            sim: 0.0,
        }
    }

    /// When the next step is due.
    fn due(&self) -> Instant {
        self.start + Duration::from_secs_f64(self.sim)
    }
}

/// Steps counted for the title's rate.
struct Rate {
    since: Instant,
    steps: u64,
    shown: f64,
}

impl Rate {
    fn new() -> Rate {
        Rate {
            since: Instant::now(),
            steps: 0,
            shown: 0.0,
        }
    }
}

/// The settings the event loop needs.
struct ViewerArgs {
    env_name: String,
    speed: Speed,
    policy: Policy,
    others: Others,
    frames: Option<u64>,
    seed: u64,
    dt: f64,
}

type Surface = softbuffer::Surface<Rc<Window>, Rc<Window>>;

/// The window's first size for a `w` × `h` mosaic: enlarged by the largest whole factor
/// that keeps its longest side within [`WINDOW_TARGET`], or shrunk to that side when the
/// mosaic is larger.
fn window_size(w: usize, h: usize) -> PhysicalSize<u32> {
    let (w, h) = (w.max(1), h.max(1));
    let side = w.max(h);
    let target = WINDOW_TARGET as usize;
    let (w, h) = if side <= target {
        let k = target / side;
        (w * k, h * k)
    } else {
        ((w * target / side).max(1), (h * target / side).max(1))
    };
    PhysicalSize::new(w as u32, h as u32)
}

/// The viewer's state, driven by winit's event loop.
struct Viewer {
    env: SceneEnv,
    args: ViewerArgs,
    space: ActionSpace,
    names: Vec<String>,
    viewer_cam: usize,
    cam: usize,
    orbit: Orbit,
    tile: (u32, u32),
    mode: Mode,
    mosaic: Mosaic,
    window: Option<Rc<Window>>,
    surface: Option<Surface>,
    paused: bool,
    step_once: bool,
    /// The viewer camera moved (or the shown output changed) while paused.
    rerender: bool,
    keys: Keys,
    dragging: bool,
    cursor: Option<(f64, f64)>,
    steps: u64,
    frames_done: u64,
    resets: u64,
    clock: Clock,
    rate: Rate,
    started: Instant,
    error: Option<Error>,
}

impl Viewer {
    /// Opens the scene with every output of every MJCF camera and the viewer camera
    /// (aimed at the scene), resets it and tiles the first images; no window yet.
    fn open(
        gpu: &Gpu,
        a: &Args,
        spec: Option<manyworlds::randomize::Spec>,
    ) -> Result<Viewer, Error> {
        let (w, h) = a.size;
        // The viewer camera starts at a default pose and is aimed at the scene once the
        // scene's bodies are known (before the first render).
        let env = open_scene_with(gpu, a, spec, Orbit::default().camera(w, h))?;
        let orbit = Orbit::framing(&env);
        let names: Vec<String> = renderer_of(&env)?
            .cameras()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        // The viewer camera is the last one (API cameras follow the MJCF ones).
        let viewer_cam = names.len() - 1;
        let cam = if a.camera == VIEWER_CAMERA {
            viewer_cam
        } else {
            names[..viewer_cam]
                .iter()
                .position(|n| *n == a.camera)
                .ok_or_else(|| Error::InvalidArgument {
                    field: "--camera".into(),
                    value: a.camera.clone(),
                    allowed: format!("{VIEWER_CAMERA}, or a camera of the scene: {}", {
                        let mjcf = &names[..viewer_cam];
                        if mjcf.is_empty() {
                            "none (it has no cameras)".to_string()
                        } else {
                            mjcf.join(", ")
                        }
                    }),
                })?
        };
        let space = finite_space(&env.spec().action_space);
        let dt = env.scene_params().dt as f64;
        let mut viewer = Viewer {
            env,
            args: ViewerArgs {
                env_name: a
                    .env
                    .clone()
                    .or_else(|| a.scene.clone())
                    .unwrap_or_default(),
                speed: a.speed,
                policy: a.policy,
                others: a.others,
                frames: a.frames,
                seed: a.seed,
                dt,
            },
            space,
            names,
            viewer_cam,
            cam,
            orbit,
            tile: (w, h),
            mode: a.mode,
            mosaic: Mosaic::new(a.worlds, w, h),
            window: None,
            surface: None,
            paused: false,
            step_once: false,
            rerender: false,
            keys: Keys::default(),
            dragging: false,
            cursor: None,
            steps: 0,
            frames_done: 0,
            resets: 0,
            clock: Clock::new(),
            rate: Rate::new(),
            started: Instant::now(),
            error: None,
        };
        viewer.update_camera()?;
        viewer.env.reset(a.seed)?;
        viewer.compose()?;
        Ok(viewer)
    }

    /// The batch's actions for the next step.
    fn actions(&self) -> Vec<f32> {
        let n = self.env.num_worlds();
        let random = || {
            self.space
                .sample(n, self.args.seed ^ 0x7677_0000, self.steps as u32)
        };
        let zeros = || zero_action(&self.space).repeat(n);
        match self.args.policy {
            Policy::Random => random(),
            Policy::Zero => zeros(),
            Policy::Keyboard => {
                let mut all = match self.args.others {
                    Others::Zero => zeros(),
                    Others::Random => random(),
                };
                let dim = self.space.dim();
                let mine = keyboard_action(&self.space, &self.keys, &all[..dim]);
                all[..dim].copy_from_slice(&mine);
                all
            }
        }
    }

    /// Tiles the current images.
    fn compose(&mut self) -> Result<(), Error> {
        let images = self.env.images().ok_or_else(|| Error::InvalidArgument {
            field: "--env".into(),
            value: self.env.spec().name.clone(),
            allowed: "an env that renders".into(),
        })?;
        self.mosaic.fill(&images, self.cam, self.mode)
    }

    /// One frame: a batch step (rendered), tiled and shown.
    fn step_frame(&mut self) -> Result<(), Error> {
        let actions = self.actions();
        self.env.step(&actions)?;
        self.steps += 1;
        self.rate.steps += 1;
        self.compose()?;
        self.present()
    }

    /// Renders the current state again (after a camera move while paused) and shows it.
    fn rerender(&mut self) -> Result<(), Error> {
        self.env.render()?;
        self.compose()?;
        self.present()
    }

    /// Copies the mosaic into the window.
    fn present(&mut self) -> Result<(), Error> {
        let (Some(window), Some(surface)) = (&self.window, &mut self.surface) else {
            return Ok(());
        };
        let size = window.inner_size();
        let (Some(w), Some(h)) = (NonZeroU32::new(size.width), NonZeroU32::new(size.height)) else {
            return Ok(());
        };
        let sb = |e: softbuffer::SoftBufferError| Error::InvalidArgument {
            field: "window surface".into(),
            value: e.to_string(),
            allowed: "a window softbuffer can draw into".into(),
        };
        surface.resize(w, h).map_err(sb)?;
        let mut buffer = surface.buffer_mut().map_err(sb)?;
        self.mosaic
            .blit(&mut buffer, size.width as usize, size.height as usize);
        buffer.present().map_err(sb)
    }

    /// Writes the viewer camera into the renderer (the shared table, or every world's
    /// copy when cameras are randomized per world).
    fn update_camera(&mut self) -> Result<(), Error> {
        let spec = self.orbit.camera(self.tile.0, self.tile.1);
        let n = self.env.num_worlds();
        let cam = self.viewer_cam;
        let r = self
            .env
            .renderer_mut()
            .ok_or_else(|| Error::InvalidArgument {
                field: "--env".into(),
                value: "no renderer".into(),
                allowed: "an env that renders".into(),
            })?;
        if r.set_camera(None, cam, &spec).is_err() {
            for w in 0..n {
                r.set_camera(Some(w), cam, &spec)?;
            }
        }
        Ok(())
    }

    fn reset(&mut self) -> Result<(), Error> {
        self.resets += 1;
        self.env.reset(self.args.seed.wrapping_add(self.resets))?;
        self.clock = Clock::new();
        self.compose()?;
        self.present()
    }

    fn title(&self) -> String {
        format!(
            "manyworlds view: {} · {} worlds · {} env-steps/s · {} · camera {} ({}/{}){}",
            self.args.env_name,
            self.env.num_worlds(),
            format_rate(self.rate.shown),
            self.mode.name(),
            self.names[self.cam],
            self.cam_position() + 1,
            self.names.len(),
            if self.paused { " · paused" } else { "" }
        )
    }

    /// The shown camera's place in the cycle (the viewer first, then the MJCF ones).
    fn cam_position(&self) -> usize {
        if self.cam == self.viewer_cam {
            0
        } else {
            self.cam + 1
        }
    }

    fn refresh_title(&mut self, force: bool) {
        let secs = self.rate.since.elapsed().as_secs_f64();
        if secs >= TITLE_PERIOD {
            self.rate.shown = self.rate.steps as f64 * self.env.num_worlds() as f64 / secs;
            self.rate.steps = 0;
            self.rate.since = Instant::now();
        } else if !force {
            return;
        }
        if let Some(w) = &self.window {
            w.set_title(&self.title());
        }
    }

    /// Shows the current images again after a change of mode or camera.
    fn reshow(&mut self) -> Result<(), Error> {
        self.compose()?;
        self.present()?;
        self.refresh_title(true);
        Ok(())
    }

    fn key(&mut self, el: &ActiveEventLoop, event: &KeyEvent) -> Result<(), Error> {
        let down = event.state == ElementState::Pressed;
        if let Some(dir) = held_key(&event.logical_key) {
            self.keys.set(dir, down);
        }
        if !down {
            return Ok(());
        }
        let quit = match command_for(&event.logical_key) {
            // Pause and reset once per press, not per auto-repeat.
            Some(Command::TogglePause | Command::Reset) if event.repeat => false,
            Some(c) => self.apply(c)?,
            None => false,
        };
        if quit {
            el.exit();
        }
        Ok(())
    }

    /// Carries out a key's command; true when the viewer should quit.
    fn apply(&mut self, c: Command) -> Result<bool, Error> {
        match c {
            Command::Quit => return Ok(true),
            Command::TogglePause => {
                self.paused = !self.paused;
                self.clock = Clock::new();
                self.refresh_title(true);
            }
            Command::StepOnce => {
                if self.paused {
                    self.step_once = true;
                }
            }
            Command::Reset => self.reset()?,
            Command::Mode(m) => self.set_mode(m)?,
            Command::NextMode => self.set_mode(self.mode.next())?,
            Command::NextCamera => {
                // The cycle: viewer, then the MJCF cameras in order.
                let next = (self.cam_position() + 1) % self.names.len();
                self.cam = if next == 0 { self.viewer_cam } else { next - 1 };
                self.reshow()?;
            }
        }
        Ok(false)
    }

    fn set_mode(&mut self, mode: Mode) -> Result<(), Error> {
        self.mode = mode;
        self.reshow()
    }

    /// After an orbit or zoom: the viewer camera is shown and updated.
    fn camera_moved(&mut self) -> Result<(), Error> {
        self.update_camera()?;
        if self.cam != self.viewer_cam {
            self.cam = self.viewer_cam;
            self.refresh_title(true);
        }
        if self.paused {
            self.rerender = true;
        }
        Ok(())
    }

    fn handle(&mut self, el: &ActiveEventLoop, event: WindowEvent) -> Result<(), Error> {
        match event {
            WindowEvent::CloseRequested => el.exit(),
            WindowEvent::Resized(_) | WindowEvent::RedrawRequested => self.present()?,
            WindowEvent::KeyboardInput { event, .. } => self.key(el, &event)?,
            WindowEvent::MouseInput {
                state,
                button: MouseButton::Left,
                ..
            } => self.dragging = state == ElementState::Pressed,
            WindowEvent::CursorMoved { position, .. } => {
                let p = (position.x, position.y);
                if let (true, Some(last)) = (self.dragging, self.cursor) {
                    self.orbit
                        .rotate((p.0 - last.0) as f32, (p.1 - last.1) as f32);
                    self.camera_moved()?;
                }
                self.cursor = Some(p);
            }
            WindowEvent::CursorLeft { .. } => self.cursor = None,
            WindowEvent::MouseWheel { delta, .. } => {
                let lines = match delta {
                    MouseScrollDelta::LineDelta(_, y) => y,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 / 40.0,
                };
                self.orbit.zoom(lines);
                self.camera_moved()?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Steps when a step is due; returns the control flow until the next one.
    /// Returns the control flow until the next step, and whether `--frames` are done.
    fn tick(&mut self) -> Result<(ControlFlow, bool), Error> {
        if let Some(n) = self.args.frames {
            if self.frames_done < n {
                self.step_frame()?;
                self.frames_done += 1;
            }
            self.refresh_title(false);
            return Ok((ControlFlow::Poll, self.frames_done >= n));
        }
        if self.paused {
            if self.step_once {
                self.step_once = false;
                self.rerender = false;
                self.step_frame()?;
                self.frames_done += 1;
            } else if self.rerender {
                self.rerender = false;
                self.rerender()?;
            }
            return Ok((ControlFlow::Wait, false));
        }
        self.rerender = false;
        let flow = match self.args.speed {
            Speed::Max => {
                self.step_frame()?;
                self.frames_done += 1;
                ControlFlow::Poll
            }
            Speed::Realtime => {
                let now = Instant::now();
                if self.clock.due() <= now {
                    self.step_frame()?;
                    self.frames_done += 1;
                    self.clock.sim += self.args.dt;
                    let lag = now.duration_since(self.clock.due()).as_secs_f64();
                    if lag > MAX_LAG {
                        self.clock = Clock::new();
                    }
                }
                ControlFlow::WaitUntil(self.clock.due())
            }
        };
        self.refresh_title(false);
        Ok((flow, false))
    }

    fn fail(&mut self, el: &ActiveEventLoop, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        el.exit();
    }

    fn open_window(&mut self, el: &ActiveEventLoop) -> Result<(), Error> {
        let attrs = Window::default_attributes()
            .with_title(self.title())
            .with_inner_size(window_size(self.mosaic.width, self.mosaic.height));
        let window = Rc::new(
            el.create_window(attrs)
                .map_err(|e| no_display(&format!("cannot open a window: {e}")))?,
        );
        let sb = |e: softbuffer::SoftBufferError| {
            no_display(&format!("cannot draw into the window: {e}"))
        };
        let context = softbuffer::Context::new(window.clone()).map_err(sb)?;
        let surface = softbuffer::Surface::new(&context, window.clone()).map_err(sb)?;
        self.window = Some(window);
        self.surface = Some(surface);
        self.started = Instant::now();
        self.rate = Rate::new();
        self.clock = Clock::new();
        self.present()
    }
}

impl ApplicationHandler for Viewer {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.window.is_none() {
            if let Err(e) = self.open_window(el) {
                self.fail(el, e);
            }
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        if let Err(e) = self.handle(el, event) {
            self.fail(el, e);
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if self.window.is_none() || self.error.is_some() {
            return;
        }
        match self.tick() {
            Ok((flow, done)) => {
                el.set_control_flow(flow);
                if done {
                    el.exit();
                }
            }
            Err(e) => self.fail(el, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(extra: &[&str]) -> Args {
        Cli::parse_from(["view"].iter().chain(extra)).args
    }

    #[test]
    fn keys_map_to_commands_and_moves() {
        let ch = |c: &str| Key::Character(c.into());
        assert_eq!(command_for(&ch(" ")), Some(Command::TogglePause));
        assert_eq!(
            command_for(&Key::Named(NamedKey::Space)),
            Some(Command::TogglePause)
        );
        assert_eq!(command_for(&ch("N")), Some(Command::StepOnce));
        assert_eq!(command_for(&ch(".")), Some(Command::StepOnce));
        assert_eq!(command_for(&ch("2")), Some(Command::Mode(Mode::Depth)));
        assert_eq!(
            command_for(&Key::Named(NamedKey::Tab)),
            Some(Command::NextMode)
        );
        assert_eq!(
            command_for(&Key::Named(NamedKey::Escape)),
            Some(Command::Quit)
        );
        assert_eq!(command_for(&ch("w")), None);
        assert_eq!(held_key(&ch("W")), Some(Dir::Up));
        assert_eq!(held_key(&Key::Named(NamedKey::ArrowLeft)), Some(Dir::Left));

        let space = finite_space(&ActionSpace::Box {
            low: vec![-0.3, f32::NEG_INFINITY, 1.0],
            high: vec![0.3, f32::INFINITY, 2.0],
        });
        let mut k = Keys::default();
        assert_eq!(
            keyboard_action(&space, &k, &[0.1, 0.2, 1.5]),
            [0.1, 0.2, 1.5]
        );
        k.set(Dir::Right, true);
        k.set(Dir::Down, true);
        // Unbounded dimensions use ±1; dimensions without a key take zero, clamped.
        assert_eq!(
            keyboard_action(&space, &k, &[0.1, 0.2, 1.5]),
            [0.3, -1.0, 1.0]
        );
        k.set(Dir::Left, true);
        assert_eq!(
            keyboard_action(&space, &k, &[0.1, 0.2, 1.5]),
            [0.0, -1.0, 1.0]
        );
        let discrete = ActionSpace::Discrete { n: 3 };
        k = Keys::default();
        k.set(Dir::Right, true);
        assert_eq!(keyboard_action(&discrete, &k, &[1.0]), [2.0]);
    }

    /// Pause, single step, modes, camera cycling, orbit while paused, reset, quit and
    /// `--frames`, on a viewer without a window.
    #[test]
    fn commands_drive_the_viewer() {
        let gpu = Gpu::new().unwrap_or_else(|e| panic!("{e}"));
        let a = args(&["--env", "boxes", "--worlds", "4", "--size", "16x16"]);
        let mut v = Viewer::open(&gpu, &a, None).unwrap();
        let shown = |v: &Viewer| v.mosaic.pixels.clone();
        assert!(shown(&v).iter().any(|&p| p != 0));
        assert_eq!(v.names, ["cam", VIEWER_CAMERA]);
        assert_eq!(v.cam, v.viewer_cam);

        assert!(!v.apply(Command::TogglePause).unwrap());
        assert!(v.paused);
        let m0 = shown(&v);
        assert_eq!(v.tick().unwrap(), (ControlFlow::Wait, false));
        assert_eq!(v.steps, 0);
        v.apply(Command::StepOnce).unwrap();
        v.tick().unwrap();
        assert_eq!(v.steps, 1);
        let m1 = shown(&v);
        assert_ne!(m0, m1, "a step of falling boxes changes the picture");

        v.apply(Command::Mode(Mode::Depth)).unwrap();
        assert_ne!(shown(&v), m1);
        v.apply(Command::NextMode).unwrap();
        assert_eq!(v.mode, Mode::Seg);
        v.apply(Command::NextMode).unwrap();
        assert_eq!(v.mode, Mode::Rgb);
        assert_eq!(shown(&v), m1);

        v.apply(Command::NextCamera).unwrap();
        assert_eq!(v.names[v.cam], "cam");
        assert_ne!(shown(&v), m1);
        v.apply(Command::NextCamera).unwrap();
        assert_eq!(v.cam, v.viewer_cam);
        assert_eq!(shown(&v), m1);

        // Orbiting while paused re-renders the same step from the moved camera.
        v.orbit.rotate(100.0, 0.0);
        v.camera_moved().unwrap();
        v.tick().unwrap();
        assert_eq!(v.steps, 1);
        assert_ne!(shown(&v), m1);

        v.apply(Command::Reset).unwrap();
        assert_eq!(v.resets, 1);
        assert!(v.apply(Command::Quit).unwrap());

        v.args.frames = Some(2);
        v.frames_done = 0;
        assert_eq!(v.tick().unwrap(), (ControlFlow::Poll, false));
        assert_eq!(v.tick().unwrap(), (ControlFlow::Poll, true));
        assert_eq!(v.steps, 3);
    }

    #[test]
    fn mosaic_is_square_enough_and_exact() {
        let m = Mosaic::new(4, 64, 64);
        assert_eq!((m.cols, m.width, m.height), (2, 128, 128));
        let m = Mosaic::new(5, 10, 20);
        assert_eq!((m.cols, m.width, m.height), (3, 30, 40));
        let m = Mosaic::new(1, 7, 9);
        assert_eq!((m.width, m.height), (7, 9));
    }

    #[test]
    fn window_fits_the_target_side() {
        assert_eq!(window_size(128, 128), PhysicalSize::new(1024, 1024));
        assert_eq!(window_size(300, 100), PhysicalSize::new(900, 300));
        assert_eq!(window_size(8192, 4096), PhysicalSize::new(1024, 512));
    }

    #[test]
    fn colour_maps_keep_the_background_black() {
        assert_eq!(seg_color(0), 0);
        assert_eq!(depth_color(0.0, (1.0, 2.0)), 0);
        assert_ne!(seg_color(1), seg_color(2));
        assert_ne!(depth_color(1.0, (1.0, 2.0)), depth_color(2.0, (1.0, 2.0)));
        assert_ne!(seg_color(7), 0);
    }

    #[test]
    fn blit_scales_by_nearest_neighbour() {
        let mut m = Mosaic::new(1, 2, 1);
        m.pixels = vec![1, 2];
        let mut out = vec![9; 4 * 4];
        m.blit(&mut out, 4, 4);
        // 2x1 scaled by 2 into 4x2, centred vertically (one black row above and below).
        assert_eq!(out[..4], [0, 0, 0, 0]);
        assert_eq!(out[4..12], [1, 1, 2, 2, 1, 1, 2, 2]);
        assert_eq!(out[12..], [0, 0, 0, 0]);
    }
}
