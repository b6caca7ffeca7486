// Rigid-body scenes (MJCF or builder), one thread per world: the whole env step is this
// fused kernel (controls, contacts, substepped XPBD, observation, reward, autoreset).
// This file holds the kernel's parameters and bindings; the stages are the files of
// shaders/scene/, imported below in step order, each with a CPU twin of the same name in
// src/sim/cpu/ (function for function). Word layout: src/layout/physics.rs.

#import shared/env_io
#import shared/rng
#import shared/randomize

// Rust twin: manyworlds::layout::physics::SceneParams.
struct SceneParams {
    num_bodies: u32,
    num_joints: u32,
    num_geoms: u32,
    num_actuators: u32,
    num_pairs: u32,
    nq: u32,
    nv: u32,
    contact_capacity: u32,
    substeps: u32,
    task: u32,
    task_q: u32,
    state_dim: u32,
    dt: f32,
    h: f32,
    task_limit: f32,
    max_episode_steps: u32,
    gravity_x: f32,
    gravity_y: f32,
    gravity_z: f32,
    margin: f32,
    off_body: u32,
    wstride_body: u32,
    off_joint: u32,
    wstride_joint: u32,
    off_geom: u32,
    wstride_geom: u32,
    off_act: u32,
    wstride_act: u32,
    off_pair: u32,
    off_init: u32,
    wstride_init: u32,
    scratch_stride: u32,
    scratch_contacts: u32,
    scratch_ctrl: u32,
    obs_dim: u32,
    reset_noise: f32,
    task_q2: u32,
    off_opt: u32,
    wstride_opt: u32,
    scratch_ring: u32,
    ring_len: u32,
    task_radius: f32,
    escape_radius: f32,
    scratch_joints: u32,
    frame_skip: u32,
    scratch_task: u32,
    obs_skip: u32,
    vel_clip: f32,
    w_forward: f32,
    w_ctrl: f32,
    healthy_reward: f32,
    terminate_unhealthy: u32,
    health_inclusive: u32,
    z_q: u32,
    z_lo: f32,
    z_hi: f32,
    angle_q: u32,
    angle_lo: f32,
    angle_hi: f32,
    state_from: u32,
    state_lo: f32,
    state_hi: f32,
    pa_x: f32,
    pa_y: f32,
    pa_z: f32,
    pb_x: f32,
    pb_y: f32,
    pb_z: f32,
    reset_kind: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

// The parameters are read-only storage, not uniforms: lavapipe inlines uniform values that
// steer branches and loops into a kernel variant of their own, so a reset, a step and each
// step_many(k) were separate multi-minute compiles of this kernel.
@group(0) @binding(0) var<storage, read> params: StepParams;
@group(0) @binding(1) var<storage, read> scene: SceneParams;
@group(0) @binding(2) var<storage, read> action_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> state_io: array<f32>;
@group(0) @binding(4) var<storage, read_write> clock_io: array<WorldClock>;
@group(0) @binding(5) var<storage, read_write> obs_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> reward_out: array<f32>;
@group(0) @binding(7) var<storage, read_write> final_obs_out: array<f32>;
@group(0) @binding(8) var<storage, read_write> flags_out: array<u32>;
// Read-write for the `randomize` entry, which writes each world's randomized records.
@group(0) @binding(9) var<storage, read_write> model: array<f32>;
@group(0) @binding(10) var<storage, read_write> scratch: array<f32>;
// The randomizer's buffers (`randomize` and `adr_update` entries only); word layout in
// src/layout/randomize.rs.
@group(0) @binding(11) var<storage, read> rparams: RandParams;
@group(0) @binding(12) var<storage, read> rand_table: array<f32>;
@group(0) @binding(13) var<storage, read_write> draws: array<f32>;
@group(0) @binding(14) var<storage, read_write> adr_ranges: array<f32>;
@group(0) @binding(15) var<storage, read_write> adr_counts: array<atomic<i32>>;
@group(0) @binding(16) var<storage, read> adr_signal: array<f32>;
// The worlds the `randomize` entry visits this step, appended by `randomize_scan`
// (in any order: each world's work is its own, so the order never shows in results).
@group(0) @binding(17) var<storage, read_write> rand_list: array<u32>;
@group(0) @binding(18) var<storage, read_write> rand_count: array<atomic<u32>>;

// Rust twin: manyworlds::layout::randomize::RandParams.
struct RandParams {
    num_slots: u32,
    draw_stride: u32,
    num_adr: u32,
    num_every: u32,
    adr_buffer: u32,
    adr_signal_user: u32,
    boundary_prob: f32,
    threshold_low: f32,
    threshold_high: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

// The stages, in step order (`physics_step` in scene/step.wgsl lists them as calls).
#import scene/access
#import scene/constraints
#import scene/joints
#import scene/contacts
#import scene/collision
#import scene/fluid
#import scene/step
#import scene/task
#import scene/gym
#import scene/randomize
