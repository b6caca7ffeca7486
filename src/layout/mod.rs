//! `#[repr(C)]` Pod twins of every WGSL struct, and the constants shared with WGSL.
//!
//! Each twin names its WGSL struct in [`WgslTwin::WGSL_NAME`] and lists its fields with
//! their Rust offsets; `tests/layout.rs` parses every shader with naga and checks size and
//! offsets against naga's layouter, so the two sides cannot drift. Storage structs use
//! 4-byte scalars only (no bare `vec3`), with explicit padding to 16 bytes.

use bytemuck::{Pod, Zeroable};

/// Threads per workgroup of every per-world kernel. 64 fills two NVIDIA warps, one AMD
/// wave64, and eight lavapipe SIMD8 lanes groups; measured no slower than 128 or 256 on
/// lavapipe for cartpole.
pub const WORKGROUP_SIZE: u32 = 64;

/// `StepParams::mode`: advance every world `steps` times.
pub const MODE_STEP: u32 = 0;
/// `StepParams::mode`: reset every world to episode 0 from the seed.
pub const MODE_RESET: u32 = 1;
/// `StepParams::mode`: recompute observations from state (after `set_state`); nothing moves.
pub const MODE_OBSERVE: u32 = 2;
/// `StepParams::mode`: reset the worlds the host asked for and observe every world
/// (`VecEnv::reset_worlds`). The request is each world's flags word, read before the kernel
/// overwrites it: [`RESET_REQUEST_NEXT`] or [`RESET_REQUEST_FIRST`] resets the world (its
/// flags become `FLAG_RESET`), anything else leaves it as it is (flags 0). Rewards are 0.
pub const MODE_RESET_MASKED: u32 = 3;

/// `MODE_RESET_MASKED` request: the world starts its next episode (`clock.episode + 1`).
pub const RESET_REQUEST_NEXT: u32 = 1;
/// `MODE_RESET_MASKED` request: the world starts episode 0 (under a new seed).
pub const RESET_REQUEST_FIRST: u32 = 2;

/// `StepParams::autoreset`: a finished world resets on the *next* step (Gymnasium's default).
pub const AUTORESET_NEXT_STEP: u32 = 0;
/// `StepParams::autoreset`: a finished world resets in the same step; final obs kept aside.
pub const AUTORESET_SAME_STEP: u32 = 1;
/// `StepParams::autoreset`: never reset; dynamics keep running (replay and evaluation).
pub const AUTORESET_DISABLED: u32 = 2;

/// Flags bit: the episode terminated on this step (an absorbing state was reached).
pub const FLAG_TERMINATED: u32 = 1;
/// Flags bit: the episode was cut off by the time limit on this step.
pub const FLAG_TRUNCATED: u32 = 2;
/// Flags bit: this step reset the world; its observation is a first observation.
pub const FLAG_RESET: u32 = 4;
/// Flags bit: the action found in the GPU buffer was not allowed (NaN, out of range). The
/// world did not move on that step and got reward 0.
pub const FLAG_INVALID_ACTION: u32 = 8;

/// A numeric constant written into the generated WGSL prelude.
#[derive(Debug, Clone, Copy)]
pub enum WgslValue {
    /// A `u32` constant.
    U32(u32),
    /// An `f32` constant.
    F32(f32),
}

/// Every constant the shaders see, by its WGSL name. Shaders never repeat these numbers.
pub const WGSL_CONSTANTS: &[(&str, WgslValue)] = &[
    ("WORKGROUP_SIZE", WgslValue::U32(WORKGROUP_SIZE)),
    ("MODE_STEP", WgslValue::U32(MODE_STEP)),
    ("MODE_RESET", WgslValue::U32(MODE_RESET)),
    ("MODE_OBSERVE", WgslValue::U32(MODE_OBSERVE)),
    ("MODE_RESET_MASKED", WgslValue::U32(MODE_RESET_MASKED)),
    ("RESET_REQUEST_NEXT", WgslValue::U32(RESET_REQUEST_NEXT)),
    ("RESET_REQUEST_FIRST", WgslValue::U32(RESET_REQUEST_FIRST)),
    ("AUTORESET_NEXT_STEP", WgslValue::U32(AUTORESET_NEXT_STEP)),
    ("AUTORESET_SAME_STEP", WgslValue::U32(AUTORESET_SAME_STEP)),
    ("AUTORESET_DISABLED", WgslValue::U32(AUTORESET_DISABLED)),
    ("FLAG_TERMINATED", WgslValue::U32(FLAG_TERMINATED)),
    ("FLAG_TRUNCATED", WgslValue::U32(FLAG_TRUNCATED)),
    ("FLAG_RESET", WgslValue::U32(FLAG_RESET)),
    ("FLAG_INVALID_ACTION", WgslValue::U32(FLAG_INVALID_ACTION)),
    ("CLOCK_DONE", WgslValue::U32(CLOCK_DONE)),
    (
        "RNG_UNIT_SCALE",
        WgslValue::F32(crate::shared::rng::UNIT_SCALE),
    ),
];

/// A Rust struct with a WGSL twin of the same layout.
pub trait WgslTwin: Pod {
    /// The WGSL struct's name.
    const WGSL_NAME: &'static str;
    /// `(field name, byte offset)` in declaration order; names match the WGSL members.
    fn fields() -> Vec<(&'static str, usize)>;
}

macro_rules! wgsl_twin {
    ($ty:ident, $wgsl:literal, [$($field:ident),* $(,)?]) => {
        impl WgslTwin for $ty {
            const WGSL_NAME: &'static str = $wgsl;
            fn fields() -> Vec<(&'static str, usize)> {
                vec![$((stringify!($field), core::mem::offset_of!($ty, $field))),*]
            }
        }
    };
}

pub mod physics;
pub mod randomize;
pub mod render;

/// Per-dispatch parameters. Twin of `StepParams` in `shaders/shared/env_io.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct StepParams {
    /// One of `MODE_STEP`, `MODE_RESET`, `MODE_OBSERVE`, `MODE_RESET_MASKED`.
    pub mode: u32,
    /// Env steps per dispatch (`step_many`'s k); 1 for `step`.
    pub steps: u32,
    /// One of the `AUTORESET_*` constants.
    pub autoreset: u32,
    /// Worlds in the batch; threads past it return at once.
    pub num_worlds: u32,
    /// The RNG key of the batch seed, `shared::rng::rng_key(seed)`.
    pub key: [u32; 4],
}
const _: () = assert!(std::mem::size_of::<StepParams>() == 32);
wgsl_twin!(
    StepParams,
    "StepParams",
    [mode, steps, autoreset, num_worlds, key]
);

/// Bit of [`WorldClock::elapsed`] that marks an episode that ended on the last step:
/// next-step autoreset resets on the next step, and with autoreset off later steps earn
/// reward 0 (as Gymnasium's raw env).
pub const CLOCK_DONE: u32 = 1 << 31;

/// Per-world episode bookkeeping, 8 bytes so each step moves as few words as possible.
/// Twin of `WorldClock` in `shaders/shared/env_io.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct WorldClock {
    /// Steps taken in the current episode (truncation compares this to the limit) in the
    /// low 31 bits; [`CLOCK_DONE`] in bit 31.
    pub elapsed: u32,
    /// Episodes begun since the last `reset(seed)`; the reset draw uses it.
    pub episode: u32,
}
const _: () = assert!(std::mem::size_of::<WorldClock>() == 8);
wgsl_twin!(WorldClock, "WorldClock", [elapsed, episode]);

impl WorldClock {
    /// A clock at `steps` steps into episode `episode`.
    pub fn new(steps: u32, episode: u32, done: bool) -> WorldClock {
        WorldClock {
            elapsed: (steps & !CLOCK_DONE) | if done { CLOCK_DONE } else { 0 },
            episode,
        }
    }

    /// Steps taken in the current episode.
    pub fn steps(&self) -> u32 {
        self.elapsed & !CLOCK_DONE
    }

    /// Whether the episode ended on the last step.
    pub fn done(&self) -> bool {
        self.elapsed & CLOCK_DONE != 0
    }
}

/// CartPole's physical constants. Twin of `CartpoleModel` in `shaders/cartpole.wgsl`.
///
/// Derived values (`total_mass`, `polemass_length`, `four_thirds`) are computed on the host
/// in f64 and rounded once, as Gymnasium computes them in f64.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct CartpoleModel {
    /// Gravity, m/s².
    pub gravity: f32,
    /// Cart mass, kg.
    pub masscart: f32,
    /// Pole mass, kg.
    pub masspole: f32,
    /// `masscart + masspole`, kg.
    pub total_mass: f32,
    /// Half the pole's length, m.
    pub length: f32,
    /// `masspole * length`, kg·m.
    pub polemass_length: f32,
    /// Force magnitude of one push, N.
    pub force_mag: f32,
    /// Time step, s.
    pub tau: f32,
    /// |x| above this terminates, m.
    pub x_threshold: f32,
    /// |θ| above this terminates, rad.
    pub theta_threshold: f32,
    /// Lower bound of the uniform reset draw of each state entry.
    pub reset_low: f32,
    /// Upper bound of the uniform reset draw of each state entry.
    pub reset_high: f32,
    /// 4/3, rounded once.
    pub four_thirds: f32,
    /// Steps after which an episode is truncated.
    pub max_episode_steps: u32,
    /// Padding to 16 bytes.
    pub pad0: u32,
    /// Padding to 16 bytes.
    pub pad1: u32,
}
const _: () = assert!(std::mem::size_of::<CartpoleModel>() == 64);
wgsl_twin!(
    CartpoleModel,
    "CartpoleModel",
    [
        gravity,
        masscart,
        masspole,
        total_mass,
        length,
        polemass_length,
        force_mag,
        tau,
        x_threshold,
        theta_threshold,
        reset_low,
        reset_high,
        four_thirds,
        max_episode_steps,
        pad0,
        pad1
    ]
);

/// Checks twin `T` against the struct of the same name in a naga module: size by naga's
/// layouter, and every member's name and offset. Returns a description of the first mismatch.
pub fn check_twin<T: WgslTwin>(module: &naga::Module) -> Result<(), String> {
    let mut layouter = naga::proc::Layouter::default();
    layouter
        .update(module.to_ctx())
        .map_err(|e| format!("naga layouter: {e}"))?;
    let (handle, ty) = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(T::WGSL_NAME))
        .ok_or_else(|| format!("struct {} not found in the module", T::WGSL_NAME))?;
    let naga::TypeInner::Struct { members, .. } = &ty.inner else {
        return Err(format!("{} is not a struct", T::WGSL_NAME));
    };
    let wgsl_size = layouter[handle].size as usize;
    let rust_size = std::mem::size_of::<T>();
    if wgsl_size != rust_size {
        return Err(format!(
            "{}: WGSL size {wgsl_size} bytes, Rust size {rust_size}",
            T::WGSL_NAME
        ));
    }
    let rust = T::fields();
    if rust.len() != members.len() {
        return Err(format!(
            "{}: WGSL has {} members, Rust {}",
            T::WGSL_NAME,
            members.len(),
            rust.len()
        ));
    }
    for (m, (name, offset)) in members.iter().zip(rust) {
        let wname = m.name.as_deref().unwrap_or("?");
        if wname != name || m.offset as usize != offset {
            return Err(format!(
                "{}: WGSL member {wname} at {}, Rust field {name} at {offset}",
                T::WGSL_NAME,
                m.offset
            ));
        }
    }
    Ok(())
}
