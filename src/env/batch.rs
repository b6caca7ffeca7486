//! [`BatchEnv`]: the GPU plumbing every env shares. An env supplies its spec, its fused
//! step kernel (built with [`ENV_BINDINGS`]) and its model uniform; this file does the
//! rest: buffers, uploads, the submission, pipelined readback and the host copies.

use super::{AutoresetMode, EnvBuffers, EnvConfig, EnvSpec, Step, VecEnv, WorldStates, Worlds};
use crate::gpu::{AdapterSummary, Binding, BoundKernel, Gpu, GpuBuffer, Kernel, Readback, ReadbackTicket};
use crate::layout::{
    StepParams, WorldClock, FLAG_TERMINATED, FLAG_TRUNCATED, MODE_OBSERVE, MODE_RESET, MODE_STEP,
    WORKGROUP_SIZE,
};
use crate::shared::rng::split_seed;
use crate::Error;
use std::collections::VecDeque;

/// The binding table of every env step kernel, in WGSL `@binding` order:
/// params → model → `action_in` → `state_io`, `clock_io` → `obs_out`, `reward_out`,
/// `final_obs_out` → `flags_out`.
pub const ENV_BINDINGS: &[Binding] = &[
    Binding::Uniform,     // params: StepParams
    Binding::Uniform,     // model: the env's constants
    Binding::StorageRead, // action_in
    Binding::Storage,     // state_io
    Binding::Storage,     // clock_io
    Binding::Storage,     // obs_out
    Binding::Storage,     // reward_out
    Binding::Storage,     // final_obs_out
    Binding::Storage,     // flags_out
];

/// Host copies of the last step's outputs.
#[derive(Default)]
struct Host {
    obs: Vec<f32>,
    rewards: Vec<f32>,
    flags: Vec<u32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    final_obs: Vec<f32>,
}

/// A batch of worlds of one env on the GPU. Built by the env modules; used through [`VecEnv`].
pub struct BatchEnv {
    gpu: Gpu,
    spec: EnvSpec,
    worlds: usize,
    autoreset: AutoresetMode,
    kernel: BoundKernel,
    groups: u32,
    params: GpuBuffer<StepParams>,
    last_params: StepParams,
    seed: u64,
    actions: GpuBuffer<f32>,
    state: GpuBuffer<f32>,
    clocks: GpuBuffer<WorldClock>,
    obs: GpuBuffer<f32>,
    rewards: GpuBuffer<f32>,
    final_obs: GpuBuffer<f32>,
    flags: GpuBuffer<u32>,
    readback: Readback,
    in_flight: VecDeque<ReadbackTicket>,
    host: Host,
}

impl BatchEnv {
    /// Allocates the buffers for `config.worlds` worlds and binds `kernel` to them.
    /// `label` prefixes every GPU object (`"{label}.obs"` and so on).
    pub fn new(
        gpu: &Gpu,
        label: &str,
        spec: EnvSpec,
        config: &EnvConfig,
        kernel: &Kernel,
        model: &wgpu::Buffer,
    ) -> Result<BatchEnv, Error> {
        let n = config.worlds;
        if n == 0 {
            return Err(Error::InvalidArgument {
                field: "worlds".into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
        let max_groups = gpu.limits().max_compute_workgroups_per_dimension as u64;
        let max_worlds = max_groups * WORKGROUP_SIZE as u64;
        if n as u64 > max_worlds {
            return Err(Error::Capacity {
                limit: "worlds per dispatch (workgroups per dimension × WORKGROUP_SIZE)",
                max: max_worlds,
                attempted: n as u64,
            });
        }
        let adim = spec.action_space.dim();
        let params0 = StepParams {
            mode: u32::MAX, // never a real mode: the first submit always writes params
            steps: 0,
            autoreset: config.autoreset.wgsl(),
            num_worlds: n as u32,
            seed_lo: 0,
            seed_hi: 0,
            pad0: 0,
            pad1: 0,
        };
        let params = GpuBuffer::uniform(gpu, &format!("{label}.params"), &params0);
        let actions = GpuBuffer::storage(gpu, &format!("{label}.actions"), n * adim)?;
        let state = GpuBuffer::storage(gpu, &format!("{label}.state"), n * spec.state_dim)?;
        let clocks = GpuBuffer::storage(gpu, &format!("{label}.clocks"), n)?;
        let obs = GpuBuffer::storage(gpu, &format!("{label}.obs"), n * spec.obs_dim)?;
        let rewards = GpuBuffer::storage(gpu, &format!("{label}.rewards"), n)?;
        let final_obs = GpuBuffer::storage(gpu, &format!("{label}.final_obs"), n * spec.obs_dim)?;
        let flags = GpuBuffer::storage(gpu, &format!("{label}.flags"), n)?;
        let bound = kernel.bind(
            gpu,
            &[
                params.raw(),
                model,
                actions.raw(),
                state.raw(),
                clocks.raw(),
                obs.raw(),
                rewards.raw(),
                final_obs.raw(),
                flags.raw(),
            ],
        );
        let same_step = config.autoreset == AutoresetMode::SameStep;
        let bytes = 4 * (n * spec.obs_dim * (1 + same_step as usize) + 2 * n) as u64;
        let readback = Readback::new(gpu, &format!("{label}.readback"), bytes, config.readback_slots);
        gpu.check()?;
        Ok(BatchEnv {
            gpu: gpu.clone(),
            worlds: n,
            autoreset: config.autoreset,
            kernel: bound,
            groups: (n as u32).div_ceil(WORKGROUP_SIZE),
            params,
            last_params: params0,
            seed: 0,
            actions,
            state,
            clocks,
            obs,
            rewards,
            final_obs,
            flags,
            readback,
            in_flight: VecDeque::new(),
            host: Host {
                obs: vec![0.0; n * spec.obs_dim],
                rewards: vec![0.0; n],
                flags: vec![0; n],
                terminated: vec![false; n],
                truncated: vec![false; n],
                final_obs: if same_step { vec![0.0; n * spec.obs_dim] } else { Vec::new() },
            },
            spec,
        })
    }

    fn set_params(&mut self, mode: u32, steps: u32) {
        let (seed_lo, seed_hi) = split_seed(self.seed);
        let p = StepParams { mode, steps, seed_lo, seed_hi, ..self.last_params };
        if p != self.last_params {
            self.params.write(&self.gpu, 0, &[p]);
            self.last_params = p;
        }
    }

    /// Records the kernel and the copy-out into one submission; returns its readback ticket.
    fn submit(&mut self, mode: u32, steps: u32, readback: bool) -> Result<(), Error> {
        if readback && self.in_flight.len() == self.readback.slots() {
            return Err(Error::Capacity {
                limit: "steps in flight (EnvConfig::readback_slots); call step_wait first",
                max: self.readback.slots() as u64,
                attempted: self.readback.slots() as u64 + 1,
            });
        }
        self.set_params(mode, steps);
        let mut enc = self.gpu.encoder("env.step");
        self.kernel.dispatch(&mut enc, self.groups);
        if !readback {
            self.gpu.submit(enc);
            return self.gpu.check();
        }
        let (ticket, staging) = self.readback.claim(&self.gpu)?;
        let mut at = 0;
        let sources = [
            self.obs.raw(),
            self.rewards.raw(),
            self.flags.raw(),
            self.final_obs.raw(),
        ];
        let sizes = [
            (self.worlds * self.spec.obs_dim * 4) as u64,
            (self.worlds * 4) as u64,
            (self.worlds * 4) as u64,
            self.host.final_obs.len() as u64 * 4,
        ];
        for (src, size) in sources.into_iter().zip(sizes) {
            if size > 0 {
                enc.copy_buffer_to_buffer(src, 0, staging, at, size);
                at += size;
            }
        }
        let index = self.gpu.submit(enc);
        self.readback.start_map(ticket, index);
        self.in_flight.push_back(ticket);
        Ok(())
    }

    /// Waits for the oldest submission in flight and copies its outputs to the host.
    fn wait(&mut self) -> Result<(), Error> {
        let Some(ticket) = self.in_flight.pop_front() else {
            return Err(Error::InvalidArgument {
                field: "step_wait".into(),
                value: "no step in flight".into(),
                allowed: "one step_wait per step_async".into(),
            });
        };
        let host = &mut self.host;
        self.readback.read(&self.gpu, ticket, |bytes| {
            let mut at = 0;
            let mut take = |dst: &mut [u8]| {
                dst.copy_from_slice(&bytes[at..at + dst.len()]);
                at += dst.len();
            };
            take(bytemuck::cast_slice_mut(&mut host.obs));
            take(bytemuck::cast_slice_mut(&mut host.rewards));
            take(bytemuck::cast_slice_mut(&mut host.flags));
            take(bytemuck::cast_slice_mut(&mut host.final_obs));
        })?;
        for ((f, te), tr) in host.flags.iter().zip(&mut host.terminated).zip(&mut host.truncated) {
            *te = f & FLAG_TERMINATED != 0;
            *tr = f & FLAG_TRUNCATED != 0;
        }
        self.gpu.check()
    }

    fn drain(&mut self) -> Result<(), Error> {
        while !self.in_flight.is_empty() {
            self.wait()?;
        }
        Ok(())
    }

    fn view(&self) -> Step<'_> {
        Step {
            obs: &self.host.obs,
            rewards: &self.host.rewards,
            terminated: &self.host.terminated,
            truncated: &self.host.truncated,
            flags: &self.host.flags,
            final_obs: (self.autoreset == AutoresetMode::SameStep).then_some(&self.host.final_obs[..]),
        }
    }

    fn check_worlds(&self, worlds: &[usize]) -> Result<(), Error> {
        let mut seen = vec![false; self.worlds];
        for (i, &w) in worlds.iter().enumerate() {
            if w >= self.worlds {
                return Err(Error::InvalidArgument {
                    field: format!("worlds[{i}]"),
                    value: w.to_string(),
                    allowed: format!("a world index below {}", self.worlds),
                });
            }
            if std::mem::replace(&mut seen[w], true) {
                return Err(Error::InvalidArgument {
                    field: format!("worlds[{i}]"),
                    value: w.to_string(),
                    allowed: "each world at most once".into(),
                });
            }
        }
        Ok(())
    }
}

impl VecEnv for BatchEnv {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    fn num_worlds(&self) -> usize {
        self.worlds
    }

    fn autoreset(&self) -> AutoresetMode {
        self.autoreset
    }

    fn adapter(&self) -> &AdapterSummary {
        self.gpu.adapter()
    }

    fn reset(&mut self, seed: u64) -> Result<&[f32], Error> {
        self.drain()?;
        self.seed = seed;
        self.submit(MODE_RESET, 1, true)?;
        self.wait()?;
        Ok(&self.host.obs)
    }

    fn step_async(&mut self, actions: &[f32]) -> Result<(), Error> {
        self.spec.action_space.check(self.worlds, actions)?;
        self.actions.write(&self.gpu, 0, actions);
        self.submit(MODE_STEP, 1, true)
    }

    fn step_wait(&mut self) -> Result<Step<'_>, Error> {
        self.wait()?;
        Ok(self.view())
    }

    fn step_many(&mut self, actions: &[f32], k: u32) -> Result<Step<'_>, Error> {
        if k == 0 {
            return Err(Error::InvalidArgument {
                field: "k".into(),
                value: "0".into(),
                allowed: "at least 1 step".into(),
            });
        }
        self.spec.action_space.check(self.worlds, actions)?;
        self.drain()?;
        self.actions.write(&self.gpu, 0, actions);
        self.submit(MODE_STEP, k, true)?;
        self.wait()?;
        Ok(self.view())
    }

    fn step_resident(&mut self, k: u32) -> Result<(), Error> {
        if k == 0 {
            return Ok(());
        }
        self.submit(MODE_STEP, k, false)
    }

    fn observations(&self) -> &[f32] {
        &self.host.obs
    }

    fn get_state(&mut self, worlds: Worlds<'_>) -> Result<WorldStates, Error> {
        let all: Vec<usize>;
        let worlds = match worlds {
            Worlds::All => {
                all = (0..self.worlds).collect();
                &all[..]
            }
            Worlds::Some(w) => {
                self.check_worlds(w)?;
                w
            }
        };
        let sd = self.spec.state_dim;
        let state_bytes = self.state.bytes();
        let mut rb = Readback::new(&self.gpu, "env.get_state", state_bytes + self.clocks.bytes(), 1);
        let (ticket, staging) = rb.claim(&self.gpu)?;
        let mut enc = self.gpu.encoder("env.get_state");
        enc.copy_buffer_to_buffer(self.state.raw(), 0, staging, 0, state_bytes);
        enc.copy_buffer_to_buffer(self.clocks.raw(), 0, staging, state_bytes, self.clocks.bytes());
        let index = self.gpu.submit(enc);
        rb.start_map(ticket, index);
        let (state, clocks) = rb.read(&self.gpu, ticket, |b| {
            let s: Vec<f32> = bytemuck::pod_collect_to_vec(&b[..state_bytes as usize]);
            let c: Vec<WorldClock> = bytemuck::pod_collect_to_vec(&b[state_bytes as usize..]);
            (s, c)
        })?;
        Ok(WorldStates {
            state_dim: sd,
            worlds: worlds.to_vec(),
            state: worlds.iter().flat_map(|&w| state[w * sd..(w + 1) * sd].iter().copied()).collect(),
            clocks: worlds.iter().map(|&w| clocks[w]).collect(),
        })
    }

    fn set_state(&mut self, states: &WorldStates) -> Result<(), Error> {
        let sd = self.spec.state_dim;
        if states.state_dim != sd {
            return Err(Error::InvalidArgument {
                field: "state_dim".into(),
                value: states.state_dim.to_string(),
                allowed: format!("{sd} for {}", self.spec.name),
            });
        }
        self.check_worlds(&states.worlds)?;
        let n = states.worlds.len();
        if states.state.len() != n * sd || states.clocks.len() != n {
            return Err(Error::InvalidArgument {
                field: "state / clocks".into(),
                value: format!("{} floats and {} clocks", states.state.len(), states.clocks.len()),
                allowed: format!("{} floats and {n} clocks for {n} worlds", n * sd),
            });
        }
        if let Some(i) = states.state.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument {
                field: format!("state of world {} [{}]", states.worlds[i / sd], i % sd),
                value: states.state[i].to_string(),
                allowed: "a finite number".into(),
            });
        }
        self.drain()?;
        for (row, &w) in states.worlds.iter().enumerate() {
            self.state.write(&self.gpu, w * sd, &states.state[row * sd..(row + 1) * sd]);
            self.clocks.write(&self.gpu, w, &states.clocks[row..row + 1]);
        }
        self.submit(MODE_OBSERVE, 1, true)?;
        self.wait()
    }

    fn buffers(&self) -> EnvBuffers<'_> {
        EnvBuffers {
            actions: self.actions.raw(),
            obs: self.obs.raw(),
            rewards: self.rewards.raw(),
            flags: self.flags.raw(),
            final_obs: self.final_obs.raw(),
            state: self.state.raw(),
            clocks: self.clocks.raw(),
        }
    }

    fn poison_outputs(&mut self) {
        self.obs.fill_u32(&self.gpu, u32::MAX);
        self.rewards.fill_u32(&self.gpu, u32::MAX);
        self.final_obs.fill_u32(&self.gpu, u32::MAX);
        self.flags.fill_u32(&self.gpu, u32::MAX);
    }
}
