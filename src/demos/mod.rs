//! Demonstrations: scripted experts ([`expert`]) acting on every world of a batch, their
//! episodes recorded step by step ([`Recorder`]) and written as robomimic's HDF5 layout
//! ([`file`], feature `hdf5`), as `manyworlds demos` does.
//!
//! Every world runs its own episodes back to back under next-step autoreset (Gymnasium's
//! default), so no world waits for another. An episode of world `w` is a pure function of
//! the env's seed, `w` and the world's episode index `e`: the reset draws its randomized
//! values and initial state from (seed, w, e), the expert is a pure function of the
//! observation, and the optional action noise is drawn from (seed, w, e, step). That is
//! what makes episodes replayable ([`replay`]) and resumed runs identical to fresh ones.

pub mod expert;
#[cfg(feature = "hdf5")]
pub mod file;
pub mod replay;

use crate::dataset::splitmix64;
use crate::env::{ActionSpace, Fault, VecEnv, Worlds};
use crate::Error;

pub use expert::{experts_for, make_expert, resolve_expert, Expert, EXPERTS};

/// One camera's images of an episode, one frame per observation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CameraFrames {
    /// `[frames, H, W, 3]` RGB bytes (empty when RGB is not recorded).
    pub rgb: Vec<u8>,
    /// `[frames, H, W]` depth along the camera axis, m; 0 = background (empty when depth
    /// is not recorded).
    pub depth: Vec<f32>,
}

/// One finished episode of one world: T steps, T + 1 observations and states.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    /// The world that ran it.
    pub world: usize,
    /// The world's episode index (its reset draw uses it).
    pub episode: u32,
    /// The env seed it ran under.
    pub seed: u64,
    /// The per-episode action noise scale (standard deviation as a fraction of each
    /// action's half-range); 0 without noise.
    pub noise_scale: f32,
    /// `[T + 1, obs_dim]`: the reset observation, then one per step.
    pub obs: Vec<f32>,
    /// `[T + 1, state_dim]`: the simulator state (`VecEnv::get_state`) at each observation.
    pub states: Vec<f32>,
    /// `[T, action_dim]`: the actions executed (the expert's plus noise, clamped).
    pub actions: Vec<f32>,
    /// `[T, action_dim]`: the expert's actions before noise (the labels DART trains on).
    pub expert_actions: Vec<f32>,
    /// `[T]`: rewards.
    pub rewards: Vec<f32>,
    /// `[T, terms]`: the reward terms (`Recorder::term_names`), empty when the task
    /// reports none.
    pub reward_terms: Vec<f32>,
    /// `[T]`: the step ended the episode in a terminal state.
    pub terminated: Vec<bool>,
    /// `[T]`: the step hit the time limit.
    pub truncated: Vec<bool>,
    /// Per recorded camera.
    pub cameras: Vec<CameraFrames>,
    /// The world's randomized values for this episode (JSON object; empty when the env
    /// randomizes nothing).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The episode ended terminated without a fault (for push-cube: the cube reached the
    /// goal).
    pub success: bool,
    /// The env step (counted from the first reset) on which the episode ended.
    pub end_step: u64,
}

impl Episode {
    /// Steps (actions) in the episode.
    pub fn len(&self) -> usize {
        self.rewards.len()
    }

    /// Whether the episode has no step.
    pub fn is_empty(&self) -> bool {
        self.rewards.is_empty()
    }

    /// The return: the sum of rewards.
    pub fn ret(&self) -> f64 {
        self.rewards.iter().map(|&r| r as f64).sum()
    }
}

/// How a [`Recorder`] runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordConfig {
    /// The env seed (`VecEnv::reset`).
    pub seed: u64,
    /// Upper end of the per-episode action noise scale: each episode draws its scale
    /// uniformly in `[0, noise]` (DART-style recovery data), as a fraction of each
    /// action's half-range. 0: the expert's actions as they are.
    pub noise: f32,
}

/// The per-episode noise scale of world `w`'s episode `e` under `seed`.
pub fn noise_scale(cfg: &RecordConfig, w: usize, e: u32) -> f32 {
    if cfg.noise <= 0.0 {
        return 0.0;
    }
    let h = splitmix64(cfg.seed ^ splitmix64(((w as u64) << 32) | e as u64 | (1 << 63)));
    cfg.noise * ((h >> 40) as f32 / (1u64 << 24) as f32)
}

/// A standard normal draw for (seed, world, episode, step, action index), by Box–Muller.
fn normal(seed: u64, w: usize, e: u32, t: u32, k: usize) -> f32 {
    // Chained, not xored, so that no two (w, e, t, k) share a draw.
    let we = splitmix64(seed ^ splitmix64(((w as u64) << 32) | e as u64));
    let h = splitmix64(we ^ splitmix64(((t as u64) << 16) | k as u64));
    let u1 = ((h >> 40) as f32 + 0.5) / (1u64 << 24) as f32;
    let u2 = ((h & 0xff_ffff) as f32) / (1u64 << 24) as f32;
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Runs an expert on every world of an env and hands back each episode when it ends.
pub struct Recorder<'a> {
    env: &'a mut dyn VecEnv,
    expert: &'a dyn Expert,
    cfg: RecordConfig,
    live: Vec<Episode>,
    step: u64,
    obs_dim: usize,
    state_dim: usize,
    low: Vec<f32>,
    high: Vec<f32>,
    term_names: Vec<&'static str>,
    expert_actions: Vec<f32>,
    actions: Vec<f32>,
}

impl<'a> Recorder<'a> {
    /// Resets `env` with `cfg.seed` and starts episode 0 of every world. The env must use
    /// next-step autoreset; when it renders, it must render every world.
    pub fn start(
        env: &'a mut dyn VecEnv,
        expert: &'a dyn Expert,
        cfg: RecordConfig,
    ) -> Result<Recorder<'a>, Error> {
        let spec = env.spec().clone();
        if env.autoreset() != crate::env::AutoresetMode::NextStep {
            return Err(Error::InvalidArgument {
                field: "autoreset".into(),
                value: format!("{:?}", env.autoreset()),
                allowed: "NextStep (the recorder starts each world's next episode itself)".into(),
            });
        }
        if let Some(im) = &spec.images {
            if im.worlds.len() != env.num_worlds() {
                return Err(Error::InvalidArgument {
                    field: "render.worlds".into(),
                    value: im.worlds.len().to_string(),
                    allowed: format!("every world ({}) when recording images", env.num_worlds()),
                });
            }
        }
        let (low, high) = match &spec.action_space {
            ActionSpace::Box { low, high } => (low.clone(), high.clone()),
            ActionSpace::Discrete { .. } => (vec![f32::MIN], vec![f32::MAX]),
        };
        let n = env.num_worlds();
        let a = spec.action_space.dim();
        env.reset(cfg.seed)?;
        let term_names = env.reward_terms()?.map(|t| t.names).unwrap_or_default();
        let mut r = Recorder {
            env,
            expert,
            cfg,
            live: Vec::with_capacity(n),
            step: 0,
            obs_dim: spec.obs_dim,
            state_dim: spec.state_dim,
            low,
            high,
            term_names,
            expert_actions: vec![0.0; n * a],
            actions: vec![0.0; n * a],
        };
        let all: Vec<usize> = (0..n).collect();
        let states = r.env.get_state(Worlds::All)?;
        r.begin(&all, &vec![0; n], &states.state)?;
        Ok(r)
    }

    /// The reward terms' names, in the order of [`Episode::reward_terms`].
    pub fn term_names(&self) -> &[&'static str] {
        &self.term_names
    }

    /// The env.
    pub fn env(&mut self) -> &mut dyn VecEnv {
        self.env
    }

    /// Env steps taken so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Starts recording episode `episodes[i]` of world `worlds[i]` from the env's current
    /// observations and images, and `states` (every world's, as just read back).
    fn begin(&mut self, worlds: &[usize], episodes: &[u32], states: &[f32]) -> Result<(), Error> {
        let params = self.env.randomized_params()?;
        let (od, sd) = (self.obs_dim, self.state_dim);
        for (&w, &e) in worlds.iter().zip(episodes) {
            let mut ep = Episode {
                seed: self.cfg.seed,
                noise_scale: noise_scale(&self.cfg, w, e),
                obs: self.env.observations()[w * od..(w + 1) * od].to_vec(),
                states: states[w * sd..(w + 1) * sd].to_vec(),
                params: params.as_ref().map(|p| p.to_json(w)).unwrap_or_default(),
                ..placeholder(w, e)
            };
            self.push_images(&mut ep, w);
            if w < self.live.len() {
                self.live[w] = ep;
            } else {
                self.live.push(ep);
            }
        }
        Ok(())
    }

    /// Appends world `w`'s current images to `ep`, one frame per camera.
    fn push_images(&self, ep: &mut Episode, w: usize) {
        let Some(im) = self.env.images() else {
            return;
        };
        let cams = self
            .env
            .spec()
            .images
            .as_ref()
            .map_or(0, |s| s.cameras.len());
        ep.cameras.resize(cams, CameraFrames::default());
        for (c, frames) in ep.cameras.iter_mut().enumerate() {
            let Some(v) = im.find(w, c) else { continue };
            if let Some(rgba) = im.rgb(v) {
                frames
                    .rgb
                    .extend(rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]));
            }
            if let Some(d) = im.depth(v) {
                frames.depth.extend_from_slice(d);
            }
        }
    }

    /// One env step for every world: the expert acts (plus each episode's noise), the env
    /// steps, and the episodes that ended on it are returned in world order. Worlds that
    /// autoreset on this step start their next episode.
    pub fn step(&mut self) -> Result<Vec<Episode>, Error> {
        let a = self.low.len();
        self.expert
            .act(self.env.observations(), &mut self.expert_actions);
        for (w, ep) in self.live.iter().enumerate() {
            let t = ep.len() as u32;
            for k in 0..a {
                let i = w * a + k;
                let mut v = self.expert_actions[i];
                if ep.noise_scale > 0.0 {
                    let half = 0.5 * (self.high[k] - self.low[k]);
                    v += ep.noise_scale * half * normal(self.cfg.seed, w, ep.episode, t, k);
                }
                self.actions[i] = v.clamp(self.low[k], self.high[k]);
            }
        }
        let step = self.env.step(&self.actions)?;
        self.step += 1;
        let flags = step.flags.to_vec();
        let (terminated, truncated) = (step.terminated.to_vec(), step.truncated.to_vec());
        let rewards = step.rewards.to_vec();
        let terms = if self.term_names.is_empty() {
            None
        } else {
            self.env.reward_terms()?
        };
        let states = self.env.get_state(Worlds::All)?;
        let (od, sd) = (self.obs_dim, self.state_dim);
        let mut done = Vec::new();
        let mut reset = (Vec::new(), Vec::new());
        for w in 0..self.live.len() {
            if flags[w] & crate::layout::FLAG_RESET != 0 {
                reset.0.push(w);
                reset.1.push(self.live[w].episode + 1);
                continue;
            }
            let obs = &self.env.observations()[w * od..(w + 1) * od];
            let e = self.live[w].episode;
            let mut ep = std::mem::replace(&mut self.live[w], placeholder(w, e));
            ep.actions
                .extend_from_slice(&self.actions[w * a..(w + 1) * a]);
            ep.expert_actions
                .extend_from_slice(&self.expert_actions[w * a..(w + 1) * a]);
            ep.rewards.push(rewards[w]);
            if let Some(t) = &terms {
                let n = t.names.len();
                ep.reward_terms
                    .extend_from_slice(&t.values[w * n..(w + 1) * n]);
            }
            ep.terminated.push(terminated[w]);
            ep.truncated.push(truncated[w]);
            ep.obs.extend_from_slice(obs);
            ep.states
                .extend_from_slice(&states.state[w * sd..(w + 1) * sd]);
            self.push_images(&mut ep, w);
            if terminated[w] || truncated[w] {
                ep.success = terminated[w] && flags[w] & Fault::MASK == 0;
                ep.end_step = self.step;
                done.push(ep);
            } else {
                self.live[w] = ep;
            }
        }
        if !reset.0.is_empty() {
            // The step reset them: its read-back state is their initial state.
            self.begin(&reset.0, &reset.1, &states.state)?;
        }
        Ok(done)
    }
}

/// An empty episode of world `w`'s episode `e` (also standing in for one being moved out).
fn placeholder(w: usize, e: u32) -> Episode {
    Episode {
        world: w,
        episode: e,
        seed: 0,
        noise_scale: 0.0,
        obs: Vec::new(),
        states: Vec::new(),
        actions: Vec::new(),
        expert_actions: Vec::new(),
        rewards: Vec::new(),
        reward_terms: Vec::new(),
        terminated: Vec::new(),
        truncated: Vec::new(),
        cameras: Vec::new(),
        params: Default::default(),
        success: false,
        end_step: 0,
    }
}
