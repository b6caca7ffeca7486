//! Word layout of the randomizer's buffers, shared by `shaders/scene.wgsl` (its
//! `randomize` and `adr_update` entries), `shaders/randomize_looks.wgsl`,
//! `shaders/randomize_noise.wgsl` and the host (the `randomize` module).
//!
//! - The **slot table** (`f32` words, integers as bit patterns): one [`SLOT_STRIDE`]-word
//!   record per (entry, target) pair, in application order, then the `choice` values.
//! - The **draws** buffer: one row per world, a [`DRAW_HEADER`]-word header then every
//!   slot's current value (what the API and `rollout` report as `params`).
//! - The **ADR ranges**: [`ADR_STRIDE`] words per ADR parameter; the **ADR counts**: four
//!   `i32` per parameter (count and fixed-point sum of the signal, low then high side).

use super::WgslTwin;
use super::WgslValue::{self, F32, U32};

/// Words per slot record.
pub const SLOT_STRIDE: u32 = 32;
/// Slot: field code (`F_*`).
pub const R_FIELD: u32 = 0;
/// Slot: target record (geom, sim body, joint, actuator, light or camera table index).
pub const R_TARGET: u32 = 1;
/// Slot: components of the value (1 to 4).
pub const R_NCOMP: u32 = 2;
/// Slot: `MODE_SET`, `MODE_SCALE` or `MODE_ADD`.
pub const R_MODE: u32 = 3;
/// Slot: distribution (`DIST_*`).
pub const R_DIST: u32 = 4;
/// Slot: redraw period in steps (0: at reset only).
pub const R_EVERY: u32 = 5;
/// Slot: offset of the value in a draws row.
pub const R_VALUE: u32 = 6;
/// Slot: draw index (slots of one entry target get their own).
pub const R_DRAW: u32 = 7;
/// Slot: ADR parameter ([`crate::layout::physics::NONE`]: not under ADR).
pub const R_ADR: u32 = 8;
/// Slot: field-specific integer (the actuator kind, a linked value offset, ...).
pub const R_AUX: u32 = 9;
/// Slot: nominal value, four words.
pub const R_NOMINAL: u32 = 10;
/// Slot: first distribution parameter per component (uniform/loguniform low, normal mean).
pub const R_PA: u32 = 14;
/// Slot: second distribution parameter (uniform/loguniform high, normal std).
pub const R_PB: u32 = 18;
/// Slot: normal clamp in standard deviations (0: none).
pub const R_CLIP: u32 = 22;
/// Slot: offset of the `choice` values in the table.
pub const R_CHOICE: u32 = 23;
/// Slot: number of `choice` values.
pub const R_NCHOICE: u32 = 24;
/// Slot: field-specific base words (nominal Model words the value is applied to), seven.
pub const R_BASE: u32 = 25;

/// Draws row: the episode whose reset drew the values (u32).
pub const D_EPISODE: u32 = 0;
/// Draws row: the ADR boundary this episode pins (`param * 2 + side`, or NONE).
pub const D_ADR: u32 = 1;
/// Draws row: the return of the running episode.
pub const D_RETURN: u32 = 2;
/// Draws row: words before the values.
pub const DRAW_HEADER: u32 = 4;

/// Words per ADR parameter in the ranges buffer.
pub const ADR_STRIDE: u32 = 8;
/// ADR: current low end of the range.
pub const ADR_LO: u32 = 0;
/// ADR: current high end.
pub const ADR_HI: u32 = 1;
/// ADR: the range's start (the boundaries never move inside it).
pub const ADR_START_LO: u32 = 2;
/// ADR: start, high end.
pub const ADR_START_HI: u32 = 3;
/// ADR: the outermost low end (the entry's uniform bound).
pub const ADR_LIMIT_LO: u32 = 4;
/// ADR: outermost high end.
pub const ADR_LIMIT_HI: u32 = 5;
/// ADR: boundary step.
pub const ADR_STEP: u32 = 6;
/// ADR counts per parameter: low count, low sum, high count, high sum.
pub const ADR_COUNTS: u32 = 4;
/// ADR signals are summed as integers (order-independent, so bitwise deterministic) in
/// units of 1 / ADR_FIXED_SCALE, after clamping to ±[`ADR_SIGNAL_CLAMP`].
pub const ADR_FIXED_SCALE: f32 = 256.0;
/// ADR signals are clamped to ± this before summing (2³¹ / 256 / 1000: over 8,000
/// episodes per boundary between updates before the sum could overflow).
pub const ADR_SIGNAL_CLAMP: f32 = 1000.0;

/// `R_DIST`: uniform.
pub const DIST_UNIFORM: u32 = 0;
/// `R_DIST`: log-uniform.
pub const DIST_LOGUNIFORM: u32 = 1;
/// `R_DIST`: normal.
pub const DIST_NORMAL: u32 = 2;
/// `R_DIST`: choice.
pub const DIST_CHOICE: u32 = 3;

/// `R_MODE`: value = draw.
pub const RMODE_SET: u32 = 0;
/// `R_MODE`: value = nominal × draw.
pub const RMODE_SCALE: u32 = 1;
/// `R_MODE`: value = nominal + draw.
pub const RMODE_ADD: u32 = 2;

/// The randomizer's draws use RNG blocks from here on (reset noise uses blocks below the
/// joint count): two blocks per draw index.
pub const RAND_BLOCK: u32 = 0x4000_0000;
/// Observation noise blocks (one per four observation entries).
pub const OBS_NOISE_BLOCK: u32 = 0x6000_0000;
/// Action noise blocks.
pub const ACTION_NOISE_BLOCK: u32 = 0x7000_0000;
/// ADR boundary choice block.
pub const ADR_BLOCK: u32 = 0x7fff_0000;
/// Depth noise blocks (one per four pixels of a view).
pub const DEPTH_NOISE_BLOCK: u32 = 0x1000_0000;

/// Largest action latency, steps (the ring in each world's scratch holds this + 1
/// actions; 16 is 0.16 s at a 10 ms control step, past the delays robot papers model).
pub const MAX_LATENCY: u32 = 16;

/// Parameters of the `randomize` and `adr_update` entries. Twin of `RandParams` in
/// `shaders/scene.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct RandParams {
    /// Slots in the table.
    pub num_slots: u32,
    /// Words per draws row.
    pub draw_stride: u32,
    /// ADR parameters.
    pub num_adr: u32,
    /// Slots with a redraw period.
    pub num_every: u32,
    /// ADR buffer length.
    pub adr_buffer: u32,
    /// 1: the ADR signal is the learner's (`adr_signal` buffer); 0: the episode return.
    pub adr_signal_user: u32,
    /// ADR boundary-sampling probability.
    pub boundary_prob: f32,
    /// ADR lower threshold.
    pub threshold_low: f32,
    /// ADR upper threshold.
    pub threshold_high: f32,
    /// Padding.
    pub pad0: u32,
    /// Padding.
    pub pad1: u32,
    /// Padding.
    pub pad2: u32,
}
wgsl_twin!(
    RandParams,
    "RandParams",
    [
        num_slots,
        draw_stride,
        num_adr,
        num_every,
        adr_buffer,
        adr_signal_user,
        boundary_prob,
        threshold_low,
        threshold_high,
        pad0,
        pad1,
        pad2
    ]
);

/// Parameters of the looks kernel. Twin of `LooksParams` in `randomize_looks.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LooksParams {
    /// Worlds.
    pub num_worlds: u32,
    /// Words per draws row.
    pub draw_stride: u32,
    /// Slots in the table.
    pub num_slots: u32,
    /// Geoms in the renderer's colour table (per world).
    pub num_geoms: u32,
    /// Cameras per world.
    pub num_cameras: u32,
    /// Lights per world.
    pub num_lights: u32,
    /// Padding.
    pub pad0: u32,
    /// Padding.
    pub pad1: u32,
}
wgsl_twin!(
    LooksParams,
    "LooksParams",
    [
        num_worlds,
        draw_stride,
        num_slots,
        num_geoms,
        num_cameras,
        num_lights,
        pad0,
        pad1
    ]
);

/// Parameters of the depth-noise kernel. Twin of `NoiseParams` in `randomize_noise.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct NoiseParams {
    /// Pixels per world (all rendered views of one world, packed).
    pub pixels_per_world: u32,
    /// Rendered worlds.
    pub num_slots: u32,
    /// Words per draws row.
    pub draw_stride: u32,
    /// Offset of the depth noise value in a draws row.
    pub value: u32,
}
wgsl_twin!(
    NoiseParams,
    "NoiseParams",
    [pixels_per_world, num_slots, draw_stride, value]
);

// Field codes (`R_FIELD`): what the kernels switch on. The one source of these numbers:
// the randomizer's `Field` catalogue (`randomize::spec`) takes its codes from here, so this
// bottom layer imports nothing above it.
/// `R_FIELD`: `geom.friction`.
pub const F_GEOM_FRICTION: u32 = 0;
/// `R_FIELD`: `geom.size_scale`.
pub const F_GEOM_SIZE_SCALE: u32 = 1;
/// `R_FIELD`: `geom.restitution`.
pub const F_GEOM_RESTITUTION: u32 = 2;
/// `R_FIELD`: `body.mass_scale`.
pub const F_BODY_MASS_SCALE: u32 = 3;
/// `R_FIELD`: `joint.damping`.
pub const F_JOINT_DAMPING: u32 = 4;
/// `R_FIELD`: `joint.armature`.
pub const F_JOINT_ARMATURE: u32 = 5;
/// `R_FIELD`: `actuator.gain`.
pub const F_ACTUATOR_GAIN: u32 = 6;
/// `R_FIELD`: `option.gravity`.
pub const F_OPTION_GRAVITY: u32 = 7;
/// `R_FIELD`: `option.timestep`.
pub const F_OPTION_TIMESTEP: u32 = 8;
/// `R_FIELD`: `body.pos`.
pub const F_BODY_POS: u32 = 9;
/// `R_FIELD`: `body.quat`.
pub const F_BODY_QUAT: u32 = 10;
/// `R_FIELD`: `joint.qpos`.
pub const F_JOINT_QPOS: u32 = 11;
/// `R_FIELD`: `joint.qvel`.
pub const F_JOINT_QVEL: u32 = 12;
/// `R_FIELD`: `geom.rgba`.
pub const F_GEOM_RGBA: u32 = 13;
/// `R_FIELD`: `light.dir`.
pub const F_LIGHT_DIR: u32 = 14;
/// `R_FIELD`: `light.diffuse`.
pub const F_LIGHT_DIFFUSE: u32 = 15;
/// `R_FIELD`: `camera.pos`.
pub const F_CAMERA_POS: u32 = 16;
/// `R_FIELD`: `camera.fovy`.
pub const F_CAMERA_FOVY: u32 = 17;
/// `R_FIELD`: `obs.noise_std`.
pub const F_OBS_NOISE_STD: u32 = 18;
/// `R_FIELD`: `depth.noise_std`.
pub const F_DEPTH_NOISE_STD: u32 = 19;
/// `R_FIELD`: `action.noise_std`.
pub const F_ACTION_NOISE_STD: u32 = 20;
/// `R_FIELD`: `action.latency`.
pub const F_ACTION_LATENCY: u32 = 21;

/// The randomizer's constants, appended to the WGSL prelude.
pub const CONSTANTS: &[(&str, WgslValue)] = &[
    ("SLOT_STRIDE", U32(SLOT_STRIDE)),
    ("R_FIELD", U32(R_FIELD)),
    ("R_TARGET", U32(R_TARGET)),
    ("R_NCOMP", U32(R_NCOMP)),
    ("R_MODE", U32(R_MODE)),
    ("R_DIST", U32(R_DIST)),
    ("R_EVERY", U32(R_EVERY)),
    ("R_VALUE", U32(R_VALUE)),
    ("R_DRAW", U32(R_DRAW)),
    ("R_ADR", U32(R_ADR)),
    ("R_AUX", U32(R_AUX)),
    ("R_NOMINAL", U32(R_NOMINAL)),
    ("R_PA", U32(R_PA)),
    ("R_PB", U32(R_PB)),
    ("R_CLIP", U32(R_CLIP)),
    ("R_CHOICE", U32(R_CHOICE)),
    ("R_NCHOICE", U32(R_NCHOICE)),
    ("R_BASE", U32(R_BASE)),
    ("D_EPISODE", U32(D_EPISODE)),
    ("D_ADR", U32(D_ADR)),
    ("D_RETURN", U32(D_RETURN)),
    ("DRAW_HEADER", U32(DRAW_HEADER)),
    ("ADR_STRIDE", U32(ADR_STRIDE)),
    ("ADR_LO", U32(ADR_LO)),
    ("ADR_HI", U32(ADR_HI)),
    ("ADR_START_LO", U32(ADR_START_LO)),
    ("ADR_START_HI", U32(ADR_START_HI)),
    ("ADR_LIMIT_LO", U32(ADR_LIMIT_LO)),
    ("ADR_LIMIT_HI", U32(ADR_LIMIT_HI)),
    ("ADR_STEP", U32(ADR_STEP)),
    ("ADR_COUNTS", U32(ADR_COUNTS)),
    ("ADR_FIXED_SCALE", F32(ADR_FIXED_SCALE)),
    ("ADR_SIGNAL_CLAMP", F32(ADR_SIGNAL_CLAMP)),
    ("DIST_UNIFORM", U32(DIST_UNIFORM)),
    ("DIST_LOGUNIFORM", U32(DIST_LOGUNIFORM)),
    ("DIST_NORMAL", U32(DIST_NORMAL)),
    ("DIST_CHOICE", U32(DIST_CHOICE)),
    ("RMODE_SET", U32(RMODE_SET)),
    ("RMODE_SCALE", U32(RMODE_SCALE)),
    ("RMODE_ADD", U32(RMODE_ADD)),
    ("RAND_BLOCK", U32(RAND_BLOCK)),
    ("OBS_NOISE_BLOCK", U32(OBS_NOISE_BLOCK)),
    ("ACTION_NOISE_BLOCK", U32(ACTION_NOISE_BLOCK)),
    ("ADR_BLOCK", U32(ADR_BLOCK)),
    ("DEPTH_NOISE_BLOCK", U32(DEPTH_NOISE_BLOCK)),
    ("MAX_LATENCY", U32(MAX_LATENCY)),
    ("F_GEOM_FRICTION", U32(F_GEOM_FRICTION)),
    ("F_GEOM_SIZE_SCALE", U32(F_GEOM_SIZE_SCALE)),
    ("F_GEOM_RESTITUTION", U32(F_GEOM_RESTITUTION)),
    ("F_BODY_MASS_SCALE", U32(F_BODY_MASS_SCALE)),
    ("F_JOINT_DAMPING", U32(F_JOINT_DAMPING)),
    ("F_JOINT_ARMATURE", U32(F_JOINT_ARMATURE)),
    ("F_ACTUATOR_GAIN", U32(F_ACTUATOR_GAIN)),
    ("F_OPTION_GRAVITY", U32(F_OPTION_GRAVITY)),
    ("F_OPTION_TIMESTEP", U32(F_OPTION_TIMESTEP)),
    ("F_BODY_POS", U32(F_BODY_POS)),
    ("F_BODY_QUAT", U32(F_BODY_QUAT)),
    ("F_JOINT_QPOS", U32(F_JOINT_QPOS)),
    ("F_JOINT_QVEL", U32(F_JOINT_QVEL)),
    ("F_GEOM_RGBA", U32(F_GEOM_RGBA)),
    ("F_LIGHT_DIR", U32(F_LIGHT_DIR)),
    ("F_LIGHT_DIFFUSE", U32(F_LIGHT_DIFFUSE)),
    ("F_CAMERA_POS", U32(F_CAMERA_POS)),
    ("F_CAMERA_FOVY", U32(F_CAMERA_FOVY)),
    ("F_OBS_NOISE_STD", U32(F_OBS_NOISE_STD)),
    ("F_DEPTH_NOISE_STD", U32(F_DEPTH_NOISE_STD)),
    ("F_ACTION_NOISE_STD", U32(F_ACTION_NOISE_STD)),
    ("F_ACTION_LATENCY", U32(F_ACTION_LATENCY)),
];
