//! Domain randomization on the GPU: declarative, reproducible, recorded, and automatic.
//!
//! - [`spec`]: what to randomize ([`Spec`], from Rust or JSON).
//! - [`plan`]: a spec resolved against one scene ([`Plan`]: the GPU slot table).
//! - [`sample`]: the Rust twin of the distributions in `shaders/shared/randomize.wgsl`.
//! - [`Randomizer`]: the GPU side. The scene kernel's `randomize` entry runs after every
//!   step dispatch in the same submission: for each world that reset in that step it draws
//!   every slot from (seed, world, episode, draw index), writes the world's own Model
//!   records, moves its initial state and recomputes its first observation; `every` slots
//!   are redrawn in-episode. ADR's `adr_update` entry follows it. The looks pass
//!   (`randomize_looks.wgsl`) copies colours, sizes, cameras and lights into the
//!   renderer's per-world tables before the render passes, and `randomize_noise.wgsl`
//!   adds depth noise after them. No step involves the host.
//!
//! Each world's values are read back on demand ([`Randomizer::params`]) for privileged
//! critics and labels; `rollout` writes them per episode.

pub mod plan;
pub mod sample;
pub mod spec;

pub use plan::{AdrParam, Plan, SlotInfo};
pub use spec::{AdrConfig, AdrEntry, AdrSignal, Dist, Entry, Field, Mode, Spec};

use crate::gpu::{shader, Binding, BoundKernel, Gpu, GpuBuffer, Kernel};
use crate::layout::randomize::*;
use crate::layout::WORKGROUP_SIZE;
use crate::render::BatchRenderer;
use crate::Error;
use serde_json::{json, Map, Value};

/// The binding table of the looks pass.
const LOOKS_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::Storage,
    Binding::Storage,
    Binding::Storage,
    Binding::Storage,
];

/// The binding table of the depth-noise pass.
const NOISE_BINDINGS: &[Binding] = &[
    Binding::Uniform,
    Binding::Uniform,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::StorageRead,
    Binding::Storage,
];

/// The randomizer's GPU buffers for one batch of worlds.
pub struct Randomizer {
    gpu: Gpu,
    plan: Plan,
    num_worlds: usize,
    rparams: GpuBuffer<RandParams>,
    table: GpuBuffer<f32>,
    draws: GpuBuffer<f32>,
    adr_ranges: GpuBuffer<f32>,
    adr_counts: GpuBuffer<i32>,
    adr_signal: GpuBuffer<f32>,
    list: GpuBuffer<u32>,
    count: GpuBuffer<u32>,
}

impl Randomizer {
    /// Uploads `plan` for `num_worlds` worlds.
    pub fn new(gpu: &Gpu, plan: Plan, num_worlds: usize) -> Result<Randomizer, Error> {
        let p = RandParams {
            num_slots: plan.num_slots(),
            draw_stride: plan.draw_stride,
            num_adr: plan.adr.len() as u32,
            num_every: (0..plan.slots.len())
                .filter(|&s| plan.table[s * SLOT_STRIDE as usize + R_EVERY as usize].to_bits() > 0)
                .count() as u32,
            adr_buffer: plan.adr_config.buffer,
            adr_signal_user: (plan.adr_config.signal == AdrSignal::User) as u32,
            boundary_prob: plan.adr_config.boundary_prob,
            threshold_low: plan.adr_config.threshold_low,
            threshold_high: plan.adr_config.threshold_high,
            pad0: 0,
            pad1: 0,
            pad2: 0,
        };
        let rparams = GpuBuffer::uniform(gpu, "randomize.params", &p);
        let table = GpuBuffer::storage(gpu, "randomize.table", plan.table.len())?;
        table.write(gpu, 0, &plan.table);
        let draws = GpuBuffer::storage(
            gpu,
            "randomize.draws",
            num_worlds * plan.draw_stride as usize,
        )?;
        // Until a world's first reset its row says "no values drawn, no ADR boundary".
        let mut row = vec![0.0_f32; plan.draw_stride as usize];
        row[D_EPISODE as usize] = f32::from_bits(u32::MAX);
        row[D_ADR as usize] = f32::from_bits(u32::MAX);
        let rows: Vec<f32> = row
            .iter()
            .copied()
            .cycle()
            .take(row.len() * num_worlds)
            .collect();
        draws.write(gpu, 0, &rows);
        let adr_words = plan.adr_words();
        let adr_ranges = GpuBuffer::storage(gpu, "randomize.adr_ranges", adr_words.len())?;
        adr_ranges.write(gpu, 0, &adr_words);
        let adr_counts = GpuBuffer::<i32>::storage(
            gpu,
            "randomize.adr_counts",
            (plan.adr.len() * ADR_COUNTS as usize).max(1),
        )?;
        adr_counts.write(gpu, 0, &vec![0; adr_counts.len()]);
        let adr_signal = GpuBuffer::storage(gpu, "randomize.adr_signal", num_worlds)?;
        adr_signal.write(gpu, 0, &vec![0.0_f32; num_worlds]);
        let list = GpuBuffer::storage(gpu, "randomize.list", num_worlds)?;
        let count = GpuBuffer::storage(gpu, "randomize.count", 1)?;
        Ok(Randomizer {
            gpu: gpu.clone(),
            plan,
            num_worlds,
            rparams,
            table,
            draws,
            adr_ranges,
            adr_counts,
            adr_signal,
            list,
            count,
        })
    }

    /// The resolved spec.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The buffers the scene kernel's `randomize_scan`, `randomize` and `adr_update`
    /// entries bind after the scene's own (bindings 11 to 18): parameters, slot table,
    /// draws, ADR ranges, counts and signal, the list of worlds with work and its count
    /// (cleared before each scan).
    pub fn kernel_buffers(&self) -> [&wgpu::Buffer; 8] {
        [
            self.rparams.raw(),
            self.table.raw(),
            self.draws.raw(),
            self.adr_ranges.raw(),
            self.adr_counts.raw(),
            self.adr_signal.raw(),
            self.list.raw(),
            self.count.raw(),
        ]
    }

    /// The draws buffer: `f32 [worlds, draw_stride]` (header, then each slot's value), for
    /// learners that read the values on the GPU.
    pub fn draws_buffer(&self) -> &wgpu::Buffer {
        self.draws.raw()
    }

    /// The looks pass for `renderer`, when any slot changes looks.
    pub fn looks_kernel(
        &self,
        renderer: &BatchRenderer,
    ) -> Result<Option<(BoundKernel, u32)>, Error> {
        if !self.plan.has_looks {
            return Ok(None);
        }
        let t = renderer.look_tables();
        let lp = LooksParams {
            num_worlds: self.num_worlds as u32,
            draw_stride: self.plan.draw_stride,
            num_slots: self.plan.num_slots(),
            num_geoms: t.num_geoms,
            num_cameras: t.num_cameras,
            num_lights: t.num_lights,
            pad0: 0,
            pad1: 0,
        };
        let uniform = GpuBuffer::uniform(&self.gpu, "randomize.looks_params", &lp);
        let k = Kernel::new(
            &self.gpu,
            "randomize.looks",
            &shader::kernel_source("randomize_looks")?,
            "looks",
            LOOKS_BINDINGS,
        )?
        .bind(
            &self.gpu,
            &[
                uniform.raw(),
                self.table.raw(),
                self.draws.raw(),
                t.colors,
                t.scales,
                t.cameras,
                t.lights,
            ],
        );
        Ok(Some((k, (self.num_worlds as u32).div_ceil(WORKGROUP_SIZE))))
    }

    /// The depth-noise pass for `renderer`, when depth noise is randomized.
    pub fn noise_kernel(
        &self,
        renderer: &BatchRenderer,
        step_params: &wgpu::Buffer,
        clocks: &wgpu::Buffer,
    ) -> Result<Option<(BoundKernel, u32, u32)>, Error> {
        let Some(value) = self.plan.depth_noise else {
            return Ok(None);
        };
        let Some(depth) = renderer.buffers().depth else {
            return Err(Error::InvalidArgument {
                field: "randomize depth.noise_std".into(),
                value: "a render without depth".into(),
                allowed: "a render config whose outputs include depth".into(),
            });
        };
        let t = renderer.look_tables();
        let np = NoiseParams {
            pixels_per_world: t.pixels_per_world,
            num_slots: t.num_slots,
            draw_stride: self.plan.draw_stride,
            value,
        };
        let uniform = GpuBuffer::uniform(&self.gpu, "randomize.noise_params", &np);
        let k = Kernel::new(
            &self.gpu,
            "randomize.depth_noise",
            &shader::kernel_source("randomize_noise")?,
            "depth_noise",
            NOISE_BINDINGS,
        )?
        .bind(
            &self.gpu,
            &[
                uniform.raw(),
                step_params,
                self.draws.raw(),
                clocks,
                t.slots,
                depth,
            ],
        );
        Ok(Some((
            k,
            t.pixels_per_world.div_ceil(WORKGROUP_SIZE),
            t.num_slots,
        )))
    }

    /// Every world's current values (waits for the GPU).
    pub fn params(&self) -> Result<SampledParams, Error> {
        Ok(SampledParams {
            slots: self.plan.slots.clone(),
            draw_stride: self.plan.draw_stride as usize,
            rows: self.draws.read(&self.gpu)?,
        })
    }

    /// The current ADR ranges (waits for the GPU).
    pub fn adr_ranges(&self) -> Result<Vec<AdrRange>, Error> {
        let w = self.adr_ranges.read(&self.gpu)?;
        Ok(self
            .plan
            .adr
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let r = i * ADR_STRIDE as usize;
                AdrRange {
                    entry: a.entry,
                    field: a.field,
                    lo: w[r + ADR_LO as usize],
                    hi: w[r + ADR_HI as usize],
                    limit: a.limit,
                }
            })
            .collect())
    }

    /// Sets the per-world ADR signal (with `"signal": "user"`): each world's value is read
    /// when its episode ends.
    pub fn set_adr_signal(&self, values: &[f32]) -> Result<(), Error> {
        if values.len() != self.num_worlds {
            return Err(Error::InvalidArgument {
                field: "adr signal".into(),
                value: format!("{} values", values.len()),
                allowed: format!("one per world ({})", self.num_worlds),
            });
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument {
                field: format!("adr signal[{i}]"),
                value: values[i].to_string(),
                allowed: "finite values".into(),
            });
        }
        self.adr_signal.write(&self.gpu, 0, values);
        Ok(())
    }

    /// The ADR signal buffer (`f32 [worlds]`), for learners that write it on the GPU.
    pub fn adr_signal_buffer(&self) -> &wgpu::Buffer {
        self.adr_signal.raw()
    }
}

/// One ADR parameter's current range.
#[derive(Debug, Clone, PartialEq)]
pub struct AdrRange {
    /// The spec entry.
    pub entry: usize,
    /// Its field.
    pub field: Field,
    /// Current low end.
    pub lo: f32,
    /// Current high end.
    pub hi: f32,
    /// The outermost range.
    pub limit: [f32; 2],
}

/// Every world's randomized values, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledParams {
    /// The slots (field, target, offset).
    pub slots: Vec<SlotInfo>,
    /// Words per world row.
    pub draw_stride: usize,
    /// The rows, `[worlds, draw_stride]`.
    pub rows: Vec<f32>,
}

impl SampledParams {
    /// Worlds.
    pub fn num_worlds(&self) -> usize {
        self.rows.len() / self.draw_stride.max(1)
    }

    /// The episode whose reset drew world `w`'s values (`None` before its first reset).
    pub fn episode(&self, w: usize) -> Option<u32> {
        let e = self.rows[w * self.draw_stride + D_EPISODE as usize].to_bits();
        (e != u32::MAX).then_some(e)
    }

    /// World `w`'s value of slot `s`.
    pub fn value(&self, w: usize, s: usize) -> &[f32] {
        let info = &self.slots[s];
        let at = w * self.draw_stride + info.value;
        &self.rows[at..at + info.components]
    }

    /// World `w`'s value under a record key (`"geom.friction:box3"`); the last slot wins
    /// when entries repeat a key.
    pub fn get(&self, w: usize, key: &str) -> Option<&[f32]> {
        let s = self.slots.iter().rposition(|s| s.key() == key)?;
        Some(self.value(w, s))
    }

    /// World `w`'s values as a JSON object: one key per slot, a number or an array.
    pub fn to_json(&self, w: usize) -> Map<String, Value> {
        let mut m = Map::new();
        for (s, info) in self.slots.iter().enumerate() {
            let v = self.value(w, s);
            m.insert(
                info.key(),
                if v.len() == 1 { json!(v[0]) } else { json!(v) },
            );
        }
        m
    }
}
