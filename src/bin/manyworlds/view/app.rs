//! The viewer's state machine, driven by winit's event loop: it opens the scene, steps,
//! renders and tiles every frame, paces real time, carries out the input's commands and
//! presents the frame in the window.

use super::frame::{window_size, Frame};
use super::input::{
    finite_space, key_event, keyboard_action, wheel_lines, zero_action, Command, Keys, Mouse,
};
use super::orbit::Orbit;
use super::{no_display, Args, Mode, Others, Policy, Speed, VIEWER_CAMERA};
use crate::common::*;
use manyworlds::env::scene::SceneEnv;
use manyworlds::env::{ActionSpace, EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use manyworlds::render::{CameraSpec, Outputs, RenderConfig};
use manyworlds::Error;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::event::{ElementState, KeyEvent, MouseButton, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

/// Seconds between title refreshes.
const TITLE_PERIOD: f64 = 0.5;
/// In real time, falling further behind the wall clock than this restarts the clock
/// instead of stepping without pause to catch up.
const MAX_LAG: f64 = 0.25;

/// Runs the viewer in `event_loop` until it quits (or `--frames` are done), then prints
/// the rate and writes `--screenshot`.
pub(super) fn run(
    event_loop: EventLoop<()>,
    gpu: &Gpu,
    a: &Args,
    spec: Option<manyworlds::randomize::Spec>,
) -> Result<(), Error> {
    let mut viewer = Viewer::open(gpu, a, spec)?;
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
        viewer.frame.save_png(path)?;
        println!(
            "wrote {path} ({}x{}, {})",
            viewer.frame.width,
            viewer.frame.height,
            viewer.mode.name()
        );
    }
    Ok(())
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
    open_scene(
        gpu,
        a.env.as_deref(),
        a.scene.as_deref(),
        a.lenient,
        None,
        &cfg,
    )
}

fn renderer_of(env: &SceneEnv) -> Result<&manyworlds::render::BatchRenderer, Error> {
    env.renderer().ok_or_else(|| Error::InvalidArgument {
        field: "--env".into(),
        value: env.spec().name.clone(),
        allowed: "an env that renders".into(),
    })
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
    frame: Frame,
    window: Option<Rc<Window>>,
    surface: Option<Surface>,
    paused: bool,
    step_once: bool,
    /// The viewer camera moved (or the shown output changed) while paused.
    rerender: bool,
    keys: Keys,
    mouse: Mouse,
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
            frame: Frame::default(),
            window: None,
            surface: None,
            paused: false,
            step_once: false,
            rerender: false,
            keys: Keys::default(),
            mouse: Mouse::default(),
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
        let worlds = self.env.num_worlds();
        self.frame.fill(&images, worlds, self.cam, self.mode)
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

    /// Copies the frame into the window.
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
        self.frame
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
        let command = key_event(&mut self.keys, &event.logical_key, down, event.repeat);
        if let Some(c) = command {
            if self.apply(c)? {
                el.exit();
            }
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
            } => self.mouse.left_button(state == ElementState::Pressed),
            WindowEvent::CursorMoved { position, .. } => {
                if let Some((dx, dy)) = self.mouse.moved((position.x, position.y)) {
                    self.orbit.rotate(dx, dy);
                    self.camera_moved()?;
                }
            }
            WindowEvent::CursorLeft { .. } => self.mouse.left_window(),
            WindowEvent::MouseWheel { delta, .. } => {
                self.orbit.zoom(wheel_lines(delta));
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
            .with_inner_size(window_size(self.frame.width, self.frame.height));
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

    /// Pause, single step, modes, camera cycling, orbit while paused, reset, quit and
    /// `--frames`, on a viewer without a window.
    #[test]
    fn commands_drive_the_viewer() {
        let gpu = Gpu::new().unwrap_or_else(|e| panic!("{e}"));
        let a = args(&["--env", "boxes", "--worlds", "4", "--size", "16x16"]);
        let mut v = Viewer::open(&gpu, &a, None).unwrap();
        let shown = |v: &Viewer| v.frame.pixels.clone();
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
}
