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
//!
//! # Code
//! This file holds the arguments and the checks made before any window opens;
//! `orbit.rs` the orbit camera and its framing of the scene; `input.rs` keys and mouse
//! to commands and the keyboard policy; `frame.rs` the shown frame (the library's panel
//! mosaic, `render::files::mosaic_panel_of`, as `record` uses it) and its way to the
//! window and to a screenshot; `app.rs` the winit application that steps, renders and
//! presents.

mod app;
mod frame;
mod input;
mod orbit;

use crate::common::*;
use clap::ValueEnum;
use manyworlds::gpu::Gpu;
use manyworlds::Error;
use winit::event_loop::EventLoop;

/// Name of the viewer's own orbit camera (`--camera viewer`).
const VIEWER_CAMERA: &str = "viewer";

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
    /// Domain randomization spec (JSON); without it a registered env uses the default spec
    /// of its scene-table row, if it has one (`push-cube` does), and a scene file
    /// randomizes nothing.
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
    app::run(event_loop, &gpu, a, spec)
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
