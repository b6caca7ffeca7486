//! [`BatchEnv`]: the GPU plumbing every env shares. An env supplies its spec, its fused
//! step kernel (built with [`ENV_BINDINGS`]) and its model uniform; this file does the
//! rest: buffers, uploads, the submission, pipelined readback and the host copies.

use super::{AutoresetMode, EnvBuffers, EnvConfig, EnvSpec, Step, VecEnv, WorldStates, Worlds};
use crate::gpu::{
    AdapterSummary, Binding, BoundKernel, Gpu, GpuBuffer, Kernel, Readback, ReadbackTicket,
};
use crate::layout::{
    StepParams, WorldClock, FLAG_TERMINATED, FLAG_TRUNCATED, MODE_OBSERVE, MODE_RESET,
    MODE_RESET_MASKED, MODE_STEP, RESET_REQUEST_FIRST, RESET_REQUEST_NEXT, WORKGROUP_SIZE,
};
use crate::render::BatchRenderer;
use crate::shared::rng::rng_key;
use crate::Error;
use std::collections::VecDeque;

#[cfg(all(feature = "external-memory", unix))]
pub mod export;
mod state;

/// The binding table of every env step kernel, in WGSL `@binding` order:
/// params → model → `action_in` → `state_io`, `clock_io` → `obs_out`, `reward_out`,
/// `final_obs_out` → `flags_out`. An env may bind more buffers after these (`extra` of
/// [`BatchEnv::new`]).
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

/// Where the last step's outputs live: a mapped readback slot, plus flags decoded to bools.
#[derive(Default)]
struct Host {
    /// The slot holding the outputs of the last completed reset or step.
    current: Option<ReadbackTicket>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
}

/// Byte ranges of the outputs inside one read-back slot (and inside the exported copy of
/// the `external-memory` feature), in copy order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSections {
    /// `f32 [worlds, obs_dim]`.
    pub obs: std::ops::Range<usize>,
    /// `f32 [worlds]`.
    pub rewards: std::ops::Range<usize>,
    /// `u32 [worlds]`: `FLAG_*` bits.
    pub flags: std::ops::Range<usize>,
    /// `f32 [worlds, obs_dim]`; empty unless the autoreset mode is same-step.
    pub final_obs: std::ops::Range<usize>,
    /// The rendered images (RGB, depth, segmentation, as `BatchRenderer::copy_out` lays
    /// them out); empty without a renderer.
    pub images: std::ops::Range<usize>,
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
    sections: OutputSections,
    host: Host,
    one_step_per_dispatch: bool,
    renderer: Option<BatchRenderer>,
    /// Kernels dispatched after every step dispatch (the randomizer), before the
    /// renderer's passes (looks), and after them (image noise, x × y workgroups).
    after_step: Vec<Stage>,
    before_render: Vec<(BoundKernel, u32)>,
    after_render: Vec<(BoundKernel, u32, u32)>,
    /// A device copy of the outputs, updated by every submission, for CUDA to read in
    /// place ([`export::ExportedOutputs`]).
    #[cfg(all(feature = "external-memory", unix))]
    exported: Option<crate::gpu::external::ExportableBuffer>,
    zero_step_observe: bool,
    label: String,
    slots: usize,
}

/// A command recorded after each step dispatch.
pub enum Stage {
    /// A kernel and its workgroup count.
    Dispatch(BoundKernel, u32),
    /// Zero a buffer (a counter the next kernel appends to).
    Clear(wgpu::Buffer),
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
        extra: &[&wgpu::Buffer],
    ) -> Result<BatchEnv, Error> {
        let n = config.worlds;
        if n == 0 {
            return Err(Error::InvalidArgument {
                field: "worlds".into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
        let (adim, sd, od) = (
            spec.action_space.dim() as u64,
            spec.state_dim as u64,
            spec.obs_dim as u64,
        );
        super::check_world_capacity(
            gpu,
            &format!("env `{}`", spec.name),
            n,
            &[
                (&format!("{label}.actions"), 4 * adim, 0),
                (&format!("{label}.state"), 4 * sd, 0),
                (&format!("{label}.obs"), 4 * od, 0),
                (&format!("{label}.clocks"), 8, 0),
            ],
        )?;
        let adim = spec.action_space.dim();
        let params0 = StepParams {
            mode: u32::MAX, // never a real mode: the first submit always writes params
            steps: 0,
            autoreset: config.autoreset.wgsl(),
            num_worlds: n as u32,
            key: rng_key(0),
        };
        let params = GpuBuffer::uniform(gpu, &format!("{label}.params"), &params0);
        let actions = GpuBuffer::storage(gpu, &format!("{label}.actions"), n * adim)?;
        let state = GpuBuffer::storage(gpu, &format!("{label}.state"), n * spec.state_dim)?;
        let clocks = GpuBuffer::storage(gpu, &format!("{label}.clocks"), n)?;
        let obs = if spec.obs_is_state {
            assert_eq!(
                spec.obs_dim, spec.state_dim,
                "obs_is_state needs obs_dim == state_dim"
            );
            state.clone()
        } else {
            GpuBuffer::storage(gpu, &format!("{label}.obs"), n * spec.obs_dim)?
        };
        let rewards = GpuBuffer::storage(gpu, &format!("{label}.rewards"), n)?;
        let final_obs = GpuBuffer::storage(gpu, &format!("{label}.final_obs"), n * spec.obs_dim)?;
        let flags = GpuBuffer::storage(gpu, &format!("{label}.flags"), n)?;
        let mut buffers = vec![
            params.raw(),
            model,
            actions.raw(),
            state.raw(),
            clocks.raw(),
            obs.raw(),
            rewards.raw(),
            final_obs.raw(),
            flags.raw(),
        ];
        buffers.extend_from_slice(extra);
        let bound = kernel.bind(gpu, &buffers);
        let same_step = config.autoreset == AutoresetMode::SameStep;
        let obs_bytes = 4 * n * spec.obs_dim;
        let sections = OutputSections {
            obs: 0..obs_bytes,
            rewards: obs_bytes..obs_bytes + 4 * n,
            flags: obs_bytes + 4 * n..obs_bytes + 8 * n,
            final_obs: obs_bytes + 8 * n..obs_bytes + 8 * n + if same_step { obs_bytes } else { 0 },
            images: 0..0,
        };
        let readback = Readback::new(
            gpu,
            &format!("{label}.readback"),
            sections.final_obs.end as u64,
            config.readback_slots.max(2),
        );
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
            sections,
            host: Host {
                current: None,
                terminated: vec![false; n],
                truncated: vec![false; n],
            },
            one_step_per_dispatch: false,
            renderer: None,
            after_step: Vec::new(),
            before_render: Vec::new(),
            after_render: Vec::new(),
            #[cfg(all(feature = "external-memory", unix))]
            exported: None,
            zero_step_observe: false,
            label: label.to_string(),
            slots: config.readback_slots.max(2),
            spec,
        })
    }

    /// Renders after every submission from now on: the renderer's passes follow the step
    /// dispatches in the same command buffer and its outputs travel in the same readback
    /// slot. Call before the first reset.
    pub fn attach_renderer(&mut self, renderer: BatchRenderer) {
        let start = self.sections.final_obs.end.next_multiple_of(16);
        self.sections.images = start..start + renderer.output_bytes() as usize;
        self.readback = Readback::new(
            &self.gpu,
            &format!("{}.readback", self.label),
            self.sections.images.end as u64,
            self.slots,
        );
        let views = renderer.views();
        let mut cameras: Vec<(String, u32, u32)> = Vec::new();
        for v in views {
            if v.camera == cameras.len() {
                cameras.push((v.camera_name.clone(), v.width, v.height));
            }
        }
        let mut worlds: Vec<usize> = views.iter().map(|v| v.world).collect();
        worlds.dedup();
        self.spec.images = Some(super::ImageSpec {
            cameras,
            outputs: renderer.outputs(),
            worlds,
        });
        self.renderer = Some(renderer);
    }

    /// Binds `kernel` to this env's buffers in the env binding order (`ENV_BINDINGS`:
    /// params, `uniform`, actions, state, clocks, obs, rewards, final obs, flags), then
    /// `extra`: for further entries of an env's shader module.
    pub fn bind_env_kernel(
        &self,
        kernel: &Kernel,
        uniform: &wgpu::Buffer,
        extra: &[&wgpu::Buffer],
    ) -> BoundKernel {
        let mut buffers = vec![
            self.params.raw(),
            uniform,
            self.actions.raw(),
            self.state.raw(),
            self.clocks.raw(),
            self.obs.raw(),
            self.rewards.raw(),
            self.final_obs.raw(),
            self.flags.raw(),
        ];
        buffers.extend_from_slice(extra);
        kernel.bind(&self.gpu, &buffers)
    }

    /// Records `stage` after every step dispatch (stages run in the order added).
    pub fn add_after_step(&mut self, stage: Stage) {
        self.after_step.push(stage);
    }

    /// Dispatches `kernel` before the renderer's passes.
    pub fn add_before_render(&mut self, kernel: BoundKernel, groups: u32) {
        self.before_render.push((kernel, groups));
    }

    /// Dispatches `kernel` (x × y workgroups) after the renderer's passes, before the
    /// copy-out.
    pub fn add_after_render(&mut self, kernel: BoundKernel, x: u32, y: u32) {
        self.after_render.push((kernel, x, y));
    }

    /// The per-dispatch parameters (`StepParams`: mode, steps, RNG key), for passes that
    /// draw fresh noise per step.
    pub fn step_params_buffer(&self) -> &wgpu::Buffer {
        self.params.raw()
    }

    /// Workgroups of a per-world dispatch.
    pub fn groups(&self) -> u32 {
        self.groups
    }

    /// Observes with zero steps of `MODE_STEP` instead of `MODE_OBSERVE` (for kernels where
    /// the two give the same outputs: observations from the state, reward 0, flags 0). The
    /// scene kernel needs it: on lavapipe (Mesa 22.3.6) its `MODE_OBSERVE` dispatch cost
    /// ~95 ms whatever the batch size (time spent inside the driver, not in the shader),
    /// against 0.4 ms for zero steps at 64 worlds.
    pub fn set_zero_step_observe(&mut self, on: bool) {
        self.zero_step_observe = on;
    }

    /// Queues an observation of the current state (and a render) with readback.
    fn submit_observe(&mut self) -> Result<(), Error> {
        if self.zero_step_observe {
            self.submit(MODE_STEP, 0, true)
        } else {
            self.submit(MODE_OBSERVE, 1, true)
        }
    }

    /// The renderer, when the env renders.
    pub fn renderer(&self) -> Option<&BatchRenderer> {
        self.renderer.as_ref()
    }

    /// The renderer, mutable (to change looks per world).
    pub fn renderer_mut(&mut self) -> Option<&mut BatchRenderer> {
        self.renderer.as_mut()
    }

    /// Runs `step_many(k)` and `step_resident(k)` as k one-step dispatches in one
    /// submission instead of one k-step dispatch. The rigid-body kernel needs it: on
    /// lavapipe (Mesa 22.3.6) its multi-step loop diverged from repeated single steps after
    /// ~50 steps of the boxes scene (a miscompile not yet isolated), and for heavy
    /// kernels the extra dispatches cost little (~45 µs each against ms per step).
    pub fn set_one_step_per_dispatch(&mut self, on: bool) {
        self.one_step_per_dispatch = on;
    }

    fn set_params(&mut self, mode: u32, steps: u32) {
        let p = StepParams {
            mode,
            steps,
            key: rng_key(self.seed),
            ..self.last_params
        };
        if p != self.last_params {
            self.params.write(&self.gpu, 0, &[p]);
            self.last_params = p;
        }
    }

    /// Steps that may be in flight at once: one slot always holds the last results.
    fn max_in_flight(&self) -> usize {
        self.readback.slots() - 1
    }

    /// Records the kernel and, with `readback`, the copy-out into one submission.
    fn submit(&mut self, mode: u32, steps: u32, readback: bool) -> Result<(), Error> {
        if readback && self.in_flight.len() >= self.max_in_flight() {
            return Err(Error::Capacity {
                limit: "steps in flight (EnvConfig::readback_slots - 1); call step_wait first"
                    .into(),
                max: self.max_in_flight() as u64,
                attempted: self.in_flight.len() as u64 + 1,
            });
        }
        // Envs with one step per dispatch get `steps` dispatches in one submission.
        // Zero steps (an observation) is one dispatch whose step loop does not run.
        let (per_dispatch, dispatches) = if steps == 0 {
            (0, 1)
        } else if self.one_step_per_dispatch {
            (1, steps.max(1))
        } else {
            (steps, 1)
        };
        self.set_params(mode, per_dispatch);
        let mut enc = self.gpu.encoder("env.step");
        for _ in 0..dispatches {
            self.kernel.dispatch(&mut enc, self.groups);
            for stage in &self.after_step {
                match stage {
                    Stage::Dispatch(k, g) => k.dispatch(&mut enc, *g),
                    Stage::Clear(b) => enc.clear_buffer(b, 0, None),
                }
            }
        }
        if let Some(r) = &self.renderer {
            for (k, g) in &self.before_render {
                k.dispatch(&mut enc, *g);
            }
            r.encode(&mut enc);
            for (k, x, y) in &self.after_render {
                k.dispatch_2d(&mut enc, *x, *y);
            }
        }
        #[cfg(all(feature = "external-memory", unix))]
        if let Some(x) = &self.exported {
            self.copy_out(&mut enc, x.raw());
        }
        if !readback {
            self.gpu.submit(enc);
            return self.gpu.check();
        }
        let (ticket, staging) = self.readback.claim();
        debug_assert_ne!(
            Some(ticket),
            self.host.current,
            "claimed the slot holding the current results"
        );
        // A handle (wgpu buffers are reference-counted), to release the borrow of the ring.
        let staging = staging.clone();
        self.copy_out(&mut enc, &staging);
        let index = self.gpu.submit(enc);
        self.readback.start_map(ticket, index);
        self.in_flight.push_back(ticket);
        Ok(())
    }

    /// Copies every output into `dst`, laid out as [`OutputSections`] says.
    fn copy_out(&self, enc: &mut wgpu::CommandEncoder, dst: &wgpu::Buffer) {
        let sec = &self.sections;
        let copies = [
            (self.obs.raw(), &sec.obs),
            (self.rewards.raw(), &sec.rewards),
            (self.flags.raw(), &sec.flags),
            (self.final_obs.raw(), &sec.final_obs),
        ];
        for (src, range) in copies {
            if !range.is_empty() {
                enc.copy_buffer_to_buffer(src, 0, dst, range.start as u64, range.len() as u64);
            }
        }
        if let Some(r) = &self.renderer {
            r.copy_out(enc, dst, sec.images.start as u64);
        }
    }

    /// Waits for the oldest submission in flight; its slot becomes the current results.
    fn wait(&mut self) -> Result<(), Error> {
        let Some(ticket) = self.in_flight.pop_front() else {
            return Err(Error::InvalidArgument {
                field: "step_wait".into(),
                value: "no step in flight".into(),
                allowed: "one step_wait per step_async".into(),
            });
        };
        self.readback.wait(&self.gpu, ticket)?;
        self.host.current = Some(ticket);
        let flags: &[u32] =
            bytemuck::cast_slice(&self.readback.bytes_of(ticket)[self.sections.flags.clone()]);
        let host = &mut self.host;
        for ((f, te), tr) in flags
            .iter()
            .zip(&mut host.terminated)
            .zip(&mut host.truncated)
        {
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
        let Some(ticket) = self.host.current else {
            return Step {
                obs: &[],
                rewards: &[],
                terminated: &[],
                truncated: &[],
                flags: &[],
                final_obs: None,
                images: None,
            };
        };
        let bytes = self.readback.bytes_of(ticket);
        let sec = &self.sections;
        Step {
            obs: bytemuck::cast_slice(&bytes[sec.obs.clone()]),
            rewards: bytemuck::cast_slice(&bytes[sec.rewards.clone()]),
            terminated: &self.host.terminated,
            truncated: &self.host.truncated,
            flags: bytemuck::cast_slice(&bytes[sec.flags.clone()]),
            final_obs: (self.autoreset == AutoresetMode::SameStep)
                .then(|| bytemuck::cast_slice(&bytes[sec.final_obs.clone()])),
            images: self
                .renderer
                .as_ref()
                .map(|r| r.images(&bytes[sec.images.clone()])),
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
        Ok(self.view().obs)
    }

    fn reset_worlds(&mut self, mask: &[bool], seed: Option<u64>) -> Result<&[f32], Error> {
        if mask.len() != self.worlds {
            return Err(Error::InvalidArgument {
                field: "reset_mask".into(),
                value: format!("{} entries", mask.len()),
                allowed: format!("one bool per world: {} entries", self.worlds),
            });
        }
        self.drain()?;
        // The request goes in the flags words, which the dispatch reads and then
        // overwrites: one upload, no readback of the clocks.
        let request = if seed.is_some() {
            RESET_REQUEST_FIRST
        } else {
            RESET_REQUEST_NEXT
        };
        let words: Vec<u32> = mask.iter().map(|&m| if m { request } else { 0 }).collect();
        self.flags.write(&self.gpu, 0, &words);
        if let Some(s) = seed {
            self.seed = s;
        }
        self.submit(MODE_RESET_MASKED, 1, true)?;
        self.wait()?;
        Ok(self.view().obs)
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

    fn images(&self) -> Option<crate::render::Images<'_>> {
        self.view().images
    }
    fn render(&mut self) -> Result<Option<crate::render::Images<'_>>, Error> {
        if self.renderer.is_none() {
            return Ok(None);
        }
        self.drain()?;
        self.submit_observe()?;
        self.wait()?;
        Ok(self.view().images)
    }
    fn observations(&self) -> &[f32] {
        self.view().obs
    }
    fn last_step(&self) -> Step<'_> {
        self.view()
    }
    #[cfg(all(feature = "external-memory", unix))]
    fn export_outputs(&mut self) -> Result<export::ExportedOutputs, Error> {
        BatchEnv::export_outputs(self)
    }

    fn get_state(&mut self, worlds: Worlds<'_>) -> Result<WorldStates, Error> {
        self.read_states(worlds)
    }

    fn set_state(&mut self, states: &WorldStates) -> Result<(), Error> {
        self.write_states(states)
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
            images: self.renderer.as_ref().map(|r| r.buffers()),
        }
    }

    fn poison_outputs(&mut self) {
        if !self.spec.obs_is_state {
            self.obs.fill_u32(&self.gpu, u32::MAX);
        }
        self.rewards.fill_u32(&self.gpu, u32::MAX);
        self.final_obs.fill_u32(&self.gpu, u32::MAX);
        self.flags.fill_u32(&self.gpu, u32::MAX);
        if let Some(r) = &self.renderer {
            r.poison();
        }
    }
}
