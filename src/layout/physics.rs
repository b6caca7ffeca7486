//! The word layout of the physics buffers, shared by the WGSL kernels and the CPU reference.
//!
//! The Model is one `f32` storage buffer of fixed-stride records (integers are stored as
//! their bit patterns). Each record family (bodies, joints, geoms, actuators, initial
//! states) has a world stride of 0 (one copy, shared) or its size (one copy per world), so
//! any field can be randomized per world by widening its family. The State is one `f32`
//! buffer, one row of [`SceneParams::state_dim`] words per world. Every offset below is
//! exported to WGSL through the prelude, so shaders never repeat a number.

use super::WgslTwin;
use bytemuck::{Pod, Zeroable};

/// "No body": a geom or joint attached to the world (static).
pub const NONE: u32 = u32::MAX;

/// Words per body record.
pub const BODY_STRIDE: u32 = 40;
/// Body: 1 / mass, 1/kg (0: immovable).
pub const B_INV_MASS: u32 = 0;
/// Body: 1 / principal inertia, three words, 1/(kg·m²).
pub const B_INV_INERTIA: u32 = 1;
/// Body: index of the parent sim body, or [`NONE`] for the world.
pub const B_PARENT: u32 = 4;
/// Body: number of slide axes in its joint group (0 to 3, orthonormal).
pub const B_NSLIDE: u32 = 5;
/// Body: rotational freedom, one of `ROT_*`.
pub const B_ROT: u32 = 6;
/// Body: 1 when translation is free (free joint), 0 when the anchor is held.
pub const B_TRANS_FREE: u32 = 7;
/// Body: joint anchor in the body's frame, m.
pub const B_ANCHOR_C: u32 = 8;
/// Body: joint anchor at the reference configuration, in the parent's frame (world frame
/// for children of the world), m.
pub const B_ANCHOR_P: u32 = 11;
/// Body: orientation relative to the parent at the reference configuration (x, y, z, w).
pub const B_QJ0: u32 = 14;
/// Body: hinge axis in the parent's frame.
pub const B_HAXIS_P: u32 = 18;
/// Body: hinge axis in the body's frame.
pub const B_HAXIS_C: u32 = 21;
/// Body: slide axes in the parent's frame, three vectors.
pub const B_SLIDE_AXES: u32 = 24;
/// Body on two or three hinges ([`ROT_HINGE2`], [`ROT_HINGE3`]): the hinge axes in the
/// body's frame at the reference configuration, in MJCF order, three vectors (the third
/// is `a1 × a2` for two hinges). The same words as [`B_SLIDE_AXES`]: such a group has no
/// slides.
pub const B_HINGE_AXES: u32 = B_SLIDE_AXES;
/// Body: radius of a sphere about the centre of mass that holds all its geoms, m.
pub const B_RADIUS: u32 = 33;
/// Body: one past the last sim body of its subtree (sim bodies are in depth-first order).
pub const B_SUBTREE_END: u32 = 34;
/// Body: the armature folded into its inertia, as `√armature ·` the hinge axis in the
/// principal frame (kg^½·m): its tensor is this vector's outer product. The gyroscopic
/// term leaves it out, as MuJoCo's joint-space armature has none.
pub const B_ARM_AXIS: u32 = 35;

/// Rotation locked to the parent (no hinge, no ball).
pub const ROT_LOCKED: u32 = 0;
/// Rotation about one hinge axis.
pub const ROT_HINGE: u32 = 1;
/// Free rotation (ball or free joint).
pub const ROT_FREE: u32 = 2;
/// Rotation about two orthogonal hinges through one anchor, as MuJoCo composes them
/// (the first fixed in the parent, the second in the body): the third direction is held.
pub const ROT_HINGE2: u32 = 3;
/// Rotation about three orthogonal hinges through one anchor (generalized Euler angles):
/// no rotation is held; the angles are read from the relative orientation.
pub const ROT_HINGE3: u32 = 4;

/// Words per joint record.
pub const JOINT_STRIDE: u32 = 32;
/// Joint: one of `JOINT_*`.
pub const J_KIND: u32 = 0;
/// Joint: the sim body it moves.
pub const J_BODY: u32 = 1;
/// Joint: first index in qpos.
pub const J_QADR: u32 = 2;
/// Joint: first index in qvel.
pub const J_VADR: u32 = 3;
/// Joint: reference position (qpos at the model's configuration), rad or m.
pub const J_REF: u32 = 4;
/// Joint: 1 when limited.
pub const J_LIMITED: u32 = 5;
/// Joint: lower limit, rad or m.
pub const J_RANGE_LO: u32 = 6;
/// Joint: upper limit, rad or m.
pub const J_RANGE_HI: u32 = 7;
/// Joint: viscous damping, N·s/m or N·m·s/rad.
pub const J_DAMPING: u32 = 8;
/// Joint: slide axis slot in its body's group (slides), or the hinge's place in a group of
/// two or three hinges ([`B_HINGE_AXES`]); 0 otherwise.
pub const J_SLOT: u32 = 9;
/// Joint: position of the body's MJCF frame in the sim body frame (free, ball), m.
pub const J_RELC_POS: u32 = 10;
/// Joint: orientation of the body's MJCF frame in the sim body frame (x, y, z, w).
pub const J_RELC_QUAT: u32 = 13;
/// Joint (ball): orientation of the body's MJCF frame at rest relative to the parent sim
/// body frame (x, y, z, w).
pub const J_PQ: u32 = 17;
/// Joint (hinge, slide): spring stiffness, N·m/rad or N/m (MJCF `stiffness`).
pub const J_STIFFNESS: u32 = 21;
/// Joint (hinge, slide): the position at which the spring exerts no force, rad or m
/// (MJCF `springref`).
pub const J_SPRINGREF: u32 = 22;
/// Joint (hinge, slide): dry friction, N·m or N (MJCF `frictionloss`).
pub const J_FRICTIONLOSS: u32 = 23;
/// Joint limit: MuJoCo's reference stiffness `1 / (dmax² · timeconst² · dampratio²)`,
/// 1/s² (from `solreflimit`; the limit pulls back with `impedance · this · violation`).
pub const J_LIMIT_K: u32 = 24;
/// Joint limit: MuJoCo's reference damping `2 / (dmax · timeconst)`, 1/s.
pub const J_LIMIT_B: u32 = 25;
/// Joint limit: `solimplimit`, five words: d0, dwidth, width (rad or m), midpoint, power.
pub const J_SOLIMP: u32 = 26;

/// Free joint: qpos is position + quaternion (w, x, y, z), qvel linear (world) + angular (local).
pub const JOINT_FREE: u32 = 0;
/// Ball joint: qpos a quaternion (w, x, y, z), qvel angular velocity in the body frame.
pub const JOINT_BALL: u32 = 1;
/// Slide joint: metres.
pub const JOINT_SLIDE: u32 = 2;
/// Hinge joint: radians.
pub const JOINT_HINGE: u32 = 3;

/// Words per geom record.
pub const GEOM_STRIDE: u32 = 20;
/// Geom: one of `GEOM_*`.
pub const G_TYPE: u32 = 0;
/// Geom: sim body, or [`NONE`] for static geoms.
pub const G_BODY: u32 = 1;
/// Geom: MJCF contype bits.
pub const G_CONTYPE: u32 = 2;
/// Geom: MJCF conaffinity bits.
pub const G_CONAFFINITY: u32 = 3;
/// Geom: MJCF condim; a pair's is the larger of its geoms' (1: frictionless).
pub const G_CONDIM: u32 = 4;
/// Geom: sliding friction coefficient (a pair whose larger condim is 1 has none).
pub const G_FRICTION: u32 = 5;
/// Geom: size, three words (see `GEOM_*`), m.
pub const G_SIZE: u32 = 6;
/// Geom: position in the sim body frame (world frame when static), m.
pub const G_POS: u32 = 9;
/// Geom: orientation in the sim body frame (x, y, z, w).
pub const G_QUAT: u32 = 12;
/// Geom: bounding-sphere radius about its centre, m (0 for planes).
pub const G_RADIUS: u32 = 16;
/// Geom: coefficient of restitution (0: perfectly inelastic, MuJoCo-like).
pub const G_RESTITUTION: u32 = 17;
/// Geom: MJCF contact margin, m. A pair's is the sum of its geoms' (MuJoCo 4); its
/// contacts hold the surfaces that far apart.
pub const G_MARGIN: u32 = 18;
/// Geom: MJCF contact gap, m. A pair's is the sum of its geoms'; it only widens the
/// contact search (MuJoCo 4 leaves contacts beyond the margin inactive).
pub const G_GAP: u32 = 19;

/// Plane through the geom origin, normal +z of the geom frame.
pub const GEOM_PLANE: u32 = 0;
/// Sphere: size.x radius.
pub const GEOM_SPHERE: u32 = 1;
/// Capsule along z: size.x radius, size.y half-length.
pub const GEOM_CAPSULE: u32 = 2;
/// Box: size = half-extents.
pub const GEOM_BOX: u32 = 3;

/// Words per actuator record.
pub const ACT_STRIDE: u32 = 12;
/// Actuator: one of `ACT_*`.
pub const A_KIND: u32 = 0;
/// Actuator: the joint it drives.
pub const A_JOINT: u32 = 1;
/// Actuator: gear.
pub const A_GEAR: u32 = 2;
/// Actuator: position gain kp.
pub const A_KP: u32 = 3;
/// Actuator: velocity gain kv.
pub const A_KV: u32 = 4;
/// Actuator: 1 when the control is clamped to its range.
pub const A_CTRL_LIMITED: u32 = 5;
/// Actuator: control range low.
pub const A_CTRL_LO: u32 = 6;
/// Actuator: control range high.
pub const A_CTRL_HI: u32 = 7;
/// Actuator: 1 when the force is clamped to its range.
pub const A_FORCE_LIMITED: u32 = 8;
/// Actuator: force range low, N or N·m.
pub const A_FORCE_LO: u32 = 9;
/// Actuator: force range high, N or N·m.
pub const A_FORCE_HI: u32 = 10;

/// Motor: force = gear × ctrl.
pub const ACT_MOTOR: u32 = 0;
/// Position servo: force = gear × (kp (ctrl − gear q) − kv gear q̇).
pub const ACT_POSITION: u32 = 1;

/// Words per body in the State: position (3), orientation (x, y, z, w), linear velocity
/// (3), angular velocity (3, world frame). The pose is that of the body's centre of mass
/// and principal axes.
pub const BODY_STATE: u32 = 13;
/// State: centre-of-mass position, m.
pub const S_POS: u32 = 0;
/// State: orientation of the principal axes (x, y, z, w).
pub const S_QUAT: u32 = 3;
/// State: linear velocity of the centre of mass, m/s.
pub const S_VEL: u32 = 7;
/// State: angular velocity, world frame, rad/s.
pub const S_ANGVEL: u32 = 10;

/// Scratch words per body: pose at the start of the substep (position 3, orientation 4),
/// then the position (3) and rotation (3) corrections summed over the substep.
pub const SCRATCH_BODY: u32 = 13;
/// Scratch: summed position correction of the substep, m.
pub const SB_DX: u32 = 7;
/// Scratch: summed rotation correction of the substep, rad.
pub const SB_DPHI: u32 = 10;

/// Words per contact in the scratch buffer.
pub const CONTACT_STRIDE: u32 = 18;
/// Contact: the dynamic body.
pub const C_BODY_A: u32 = 0;
/// Contact: the other body, or [`NONE`] for static geometry.
pub const C_BODY_B: u32 = 1;
/// Contact: A's core point in A's frame, m: the contact point is this, moved with the
/// body, then [`C_RAD_A`] along -normal (so a rolling sphere's contact point stays at the
/// bottom instead of turning with the ball).
pub const C_RA: u32 = 2;
/// Contact: B's core point in B's frame (world frame when static), m; the contact point
/// is [`C_RAD_B`] along +normal from it.
pub const C_RB: u32 = 5;
/// Contact: unit normal, world frame, from B to A.
pub const C_NORMAL: u32 = 8;
/// Contact: friction coefficient (max of the two geoms, as MuJoCo).
pub const C_FRICTION: u32 = 11;
/// Contact: normal position multiplier of the current substep, N·s².
pub const C_LAMBDA: u32 = 12;
/// Contact: restitution (max of the two geoms).
pub const C_RESTITUTION: u32 = 13;
/// Contact: normal relative velocity at the start of the substep, m/s.
pub const C_VN0: u32 = 14;
/// Contact: A's rounding radius (sphere or capsule radius, else 0) plus half the pair's
/// contact margin, m: the normal solve then holds the surfaces the margin apart.
pub const C_RAD_A: u32 = 15;
/// Contact: B's rounding radius plus half the pair's contact margin, m.
pub const C_RAD_B: u32 = 16;
/// Contact: 1 when this contact starts a patch (its bodies or normal differ from the
/// previous contact's), else 0. Found once per step, when the contact is recorded, so the
/// substeps only read it.
pub const C_PATCH_FIRST: u32 = 17;

/// Flags bit: more contacts than the world's capacity; the extra ones were dropped.
pub const FLAG_CONTACT_OVERFLOW: u32 = 16;
/// Flags bit: the world's state became non-finite (NaN or infinity).
pub const FLAG_NONFINITE: u32 = 32;
/// Flags bit: a body's centre of mass left the sphere of radius
/// [`SceneParams::escape_radius`] about the world origin.
pub const FLAG_ESCAPED: u32 = 64;

/// No task: reward 0, never terminates (plain scenes).
pub const TASK_NONE: u32 = 0;
/// Balance: reward 1 per step; terminates when |qpos\[task_q\]| > task_limit.
pub const TASK_BALANCE: u32 = 1;
/// Upright (dm_control / MuJoCo Playground cart-pole balance): reward
/// upright · centred · small control · small velocity in [0, 1] every step, never
/// terminates. `task_q` is the pole hinge joint, `task_q2` the cart slide joint, and the
/// first action the cart's control.
pub const TASK_UPRIGHT: u32 = 2;
/// Push (`push-cube`): reward −‖cube − goal‖ in the xy plane (m) plus
/// [`PUSH_SUCCESS_BONUS`] on the step the cube comes within `task_radius` of the goal,
/// which terminates the episode. `task_q` is the cube's sim body, `task_q2` the goal's.
pub const TASK_PUSH: u32 = 3;
/// Gymnasium's locomotion and balance tasks (`hopper`, `walker2d`, `half-cheetah`,
/// `swimmer`, `ant`, `inverted-pendulum`): reward = `w_forward` · Δqpos\[0\] / (frame_skip ·
/// dt) − `w_ctrl` · Σ action² + `healthy_reward` · healthy, where healthy checks
/// qpos\[`z_q`\], qpos\[`angle_q`\] and (qpos, qvel)\[`state_from`..\] against their ranges;
/// terminates when unhealthy if `terminate_unhealthy`. Observation: qpos\[`obs_skip`..\],
/// then qvel clipped to ±`vel_clip` (0: unclipped). Reward terms: [`TERM_FORWARD`],
/// [`TERM_CTRL`], [`TERM_SURVIVE`], [`TERM_CONTACT`] (always 0: see `env::task::GymTask::Ant`).
pub const TASK_GYM_LOCOMOTION: u32 = 4;
/// Gymnasium's InvertedDoublePendulum-v5: the tip site (point A on body `task_q`) must stay
/// above [`IDP_MIN_HEIGHT`]; reward `healthy_reward` · alive − distance and velocity
/// penalties. Reward terms: survive, −distance penalty, −velocity penalty.
pub const TASK_GYM_DOUBLE_PENDULUM: u32 = 5;
/// Gymnasium's Reacher-v5: reward −‖fingertip − target‖ − `w_ctrl` · Σ action² (points A
/// on body `task_q` and B on body `task_q2`, the two bodies' centres of mass); never
/// terminates. Reward terms: −distance, −control cost.
pub const TASK_GYM_REACHER: u32 = 6;
/// Reward terms words per world (the largest count of any task), in the scratch row at
/// [`SceneParams::scratch_task`] + [`TS_TERMS`].
pub const MAX_REWARD_TERMS: u32 = 4;
/// `TASK_GYM_LOCOMOTION` term slot: `w_forward` × forward velocity (Gymnasium's
/// `reward_forward`).
pub const TERM_FORWARD: u32 = 0;
/// `TASK_GYM_LOCOMOTION` term slot: −`w_ctrl` · Σ action² (`reward_ctrl`).
pub const TERM_CTRL: u32 = 1;
/// `TASK_GYM_LOCOMOTION` term slot: `healthy_reward` · healthy (`reward_survive`).
pub const TERM_SURVIVE: u32 = 2;
/// `TASK_GYM_LOCOMOTION` term slot: the contact cost (`reward_contact`), 0 here.
pub const TERM_CONTACT: u32 = 3;
/// Task scratch: the reward terms of the world's last step ([`MAX_REWARD_TERMS`] words,
/// written to the scratch buffer itself so the host can read them).
pub const TS_TERMS: u32 = 0;
/// Task scratch: qpos\[0\] before the step, m (for the forward reward).
pub const TS_X_BEFORE: u32 = 4;
/// Task scratch: MuJoCo qpos then qvel of the current state (nq + nv words).
pub const TS_QPOS: u32 = 5;
/// `TASK_GYM_DOUBLE_PENDULUM`: terminated when the tip is at or below this height, m.
pub const IDP_MIN_HEIGHT: f32 = 1.0;
/// `TASK_GYM_DOUBLE_PENDULUM`: the distance penalty is `IDP_X_WEIGHT` x² + (z − this)², m.
pub const IDP_TARGET_HEIGHT: f32 = 2.0;
/// `TASK_GYM_DOUBLE_PENDULUM`: weight of the tip's x² in the distance penalty, 1/m².
pub const IDP_X_WEIGHT: f32 = 0.01;
/// `TASK_GYM_DOUBLE_PENDULUM`: weight of qvel\[1\]² in the velocity penalty.
pub const IDP_V1_WEIGHT: f32 = 1e-3;
/// `TASK_GYM_DOUBLE_PENDULUM`: weight of qvel\[2\]² in the velocity penalty.
pub const IDP_V2_WEIGHT: f32 = 5e-3;
/// Observation velocity clip of `TASK_GYM_DOUBLE_PENDULUM` (and of the clipped
/// locomotion tasks), as Gymnasium's `np.clip(qvel, -10, 10)`.
pub const GYM_VEL_CLIP: f32 = 10.0;
/// Reset: [`SceneParams::reset_noise`] moves each hinge and slide uniformly within ± it and
/// each free body in x and y (the scene envs' own reset).
pub const RESET_JOINTS: u32 = 0;
/// Reset as Gymnasium's v5 envs: qpos += U(−s, s) and qvel += U(−s, s) on every entry
/// (s = [`SceneParams::reset_noise`]; a free joint's quaternion is renormalized).
pub const RESET_GYM_UNIFORM: u32 = 1;
/// As [`RESET_GYM_UNIFORM`], but qvel += s · N(0, 1).
pub const RESET_GYM_NORMAL: u32 = 2;
/// Reacher-v5's reset: qpos += U(−0.1, 0.1), then the last two qpos (the target) set to a
/// goal uniform in the disc of radius [`REACHER_GOAL_RADIUS`] (by rejection), qvel +=
/// U(−0.005, 0.005) except the target's.
pub const RESET_GYM_REACHER: u32 = 3;
/// Reacher-v5's reset: qpos noise half-width, rad or m.
pub const REACHER_QPOS_NOISE: f32 = 0.1;
/// Reacher-v5's reset: qvel noise half-width, rad/s.
pub const REACHER_QVEL_NOISE: f32 = 0.005;
/// Reacher-v5's reset: the goal is uniform in the disc of this radius, m.
pub const REACHER_GOAL_RADIUS: f32 = 0.2;
/// RNG blocks of the Gymnasium resets: qpos entry i draws from block `GYM_RESET_BLOCK + i`,
/// qvel entry i from `GYM_RESET_BLOCK + 0x1000 + i`, the reacher's goal tries from
/// `GYM_RESET_BLOCK + 0x2000 + try`.
pub const GYM_RESET_BLOCK: u32 = 0x2000_0000;
/// Reacher-v5's goal: rejection tries before giving up (the goal stays at the centre);
/// each fails with probability 1 − π/4, so all do with probability under 1e-40.
pub const REACHER_GOAL_TRIES: u32 = 64;

/// `TASK_PUSH`: reward added on success (ManiSkill's PushCube ends an episode there too).
pub const PUSH_SUCCESS_BONUS: f32 = 1.0;

/// Words per options record: per-world settings the randomizer may change (words 13 to
/// 15 are spare).
pub const OPT_STRIDE: u32 = 16;
/// Options: gravity, three words, m/s².
pub const OPT_GRAVITY: u32 = 0;
/// Options: substep length h, s.
pub const OPT_H: u32 = 3;
/// Options: control step dt (substeps × h), s.
pub const OPT_DT: u32 = 4;
/// Options: standard deviation of the Gaussian noise added to each observation entry.
pub const OPT_OBS_NOISE: u32 = 5;
/// Options: standard deviation of the Gaussian noise added to each control.
pub const OPT_ACTION_NOISE: u32 = 6;
/// Options: action latency in steps (an integer stored as f32): the control applied at
/// step t is the action given at step t − latency (zeros before the episode began).
pub const OPT_LATENCY: u32 = 7;
/// Options: density of the surrounding medium, kg/m³ (MJCF `<option density>`; 0: none).
/// With [`OPT_VISCOSITY`] it drives MuJoCo's inertia-box fluid model
/// (`shaders/scene/fluid.wgsl`); both 0 skips that stage.
pub const OPT_DENSITY: u32 = 8;
/// Options: viscosity of the surrounding medium, Pa·s (MJCF `<option viscosity>`; 0: none).
pub const OPT_VISCOSITY: u32 = 9;
/// Options: velocity of the medium, three words, m/s (MJCF `<option wind>`; 0: still).
pub const OPT_WIND: u32 = 10;

/// `TASK_UPRIGHT`: cart position margin, m (dm_control's `centered` margin 2).
pub const UPRIGHT_CENTER_MARGIN: f32 = 2.0;
/// `TASK_UPRIGHT`: control margin (dm_control's `small_control` margin 1, quadratic).
pub const UPRIGHT_CONTROL_MARGIN: f32 = 1.0;
/// `TASK_UPRIGHT`: pole angular velocity margin, rad/s (dm_control's `small_velocity` 5).
pub const UPRIGHT_VELOCITY_MARGIN: f32 = 5.0;
/// `TASK_UPRIGHT`: −2 ln(0.1), so a Gaussian tolerance is 0.1 at its margin (dm_control's
/// `value_at_margin`).
pub const UPRIGHT_GAUSSIAN_SCALE2: f32 = 4.605_170_2;

/// Sizes and offsets of one compiled scene, for the step kernel. Twin of `SceneParams`
/// in `shaders/scene.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct SceneParams {
    /// Sim bodies per world.
    pub num_bodies: u32,
    /// Joints per world.
    pub num_joints: u32,
    /// Geoms per world.
    pub num_geoms: u32,
    /// Actuators per world (= action dimension).
    pub num_actuators: u32,
    /// Candidate geom pairs (after contype/conaffinity and parent filtering).
    pub num_pairs: u32,
    /// Entries of qpos.
    pub nq: u32,
    /// Entries of qvel.
    pub nv: u32,
    /// Contacts a world can hold in one step.
    pub contact_capacity: u32,
    /// Substeps per step.
    pub substeps: u32,
    /// One of `TASK_*`.
    pub task: u32,
    /// qpos index the task looks at.
    pub task_q: u32,
    /// Words per world in the State.
    pub state_dim: u32,
    /// Step, s.
    pub dt: f32,
    /// Substep, s.
    pub h: f32,
    /// Task threshold (rad or m).
    pub task_limit: f32,
    /// Episode length before truncation, steps.
    pub max_episode_steps: u32,
    /// Gravity, m/s².
    pub gravity_x: f32,
    /// Gravity, m/s².
    pub gravity_y: f32,
    /// Gravity, m/s².
    pub gravity_z: f32,
    /// Speculative contact margin, m: pairs closer than this plus the distance they can
    /// close in one step become contacts.
    pub margin: f32,
    /// Model word offset of the body records.
    pub off_body: u32,
    /// World stride of the body records, words (0: shared).
    pub wstride_body: u32,
    /// Model word offset of the joint records.
    pub off_joint: u32,
    /// World stride of the joint records.
    pub wstride_joint: u32,
    /// Model word offset of the geom records.
    pub off_geom: u32,
    /// World stride of the geom records.
    pub wstride_geom: u32,
    /// Model word offset of the actuator records.
    pub off_act: u32,
    /// World stride of the actuator records.
    pub wstride_act: u32,
    /// Model word offset of the pair list (two geom indices each).
    pub off_pair: u32,
    /// Model word offset of the initial states.
    pub off_init: u32,
    /// World stride of the initial states.
    pub wstride_init: u32,
    /// Scratch words per world.
    pub scratch_stride: u32,
    /// Scratch offset of the contacts.
    pub scratch_contacts: u32,
    /// Scratch offset of the controls.
    pub scratch_ctrl: u32,
    /// Observation words per world (nq + nv).
    pub obs_dim: u32,
    /// Reset noise: each hinge and slide starts uniformly within ± this of its initial
    /// value (rad or m), and each free body's x and y within ± this (m). Drawn from
    /// (seed, world, episode, joint).
    pub reset_noise: f32,
    /// Second joint the task looks at (`TASK_UPRIGHT`: the cart slide).
    pub task_q2: u32,
    /// Model offset of the options family ([`OPT_STRIDE`] words: gravity, substep,
    /// noise, latency and the fluid medium), shared or one copy per world.
    pub off_opt: u32,
    /// World stride of the options family (0: shared).
    pub wstride_opt: u32,
    /// Scratch offset of the action-latency ring (`ring_len` actions of `num_actuators`
    /// words; the task's words follow).
    pub scratch_ring: u32,
    /// Actions the latency ring holds: the largest latency drawn + 1, or 0 when no latency
    /// is randomized (the ring is not touched at all).
    pub ring_len: u32,
    /// Success radius of `TASK_PUSH`, m.
    pub task_radius: f32,
    /// A body whose centre of mass is farther than this from the world origin, m, has
    /// escaped: the world is flagged [`FLAG_ESCAPED`] and terminates.
    pub escape_radius: f32,
    /// Scratch offset of the joint records of the substep's start: two words per joint,
    /// its position and velocity (for the soft limits).
    pub scratch_joints: u32,
    /// Physics steps per env step (Gymnasium's `frame_skip`), the controls held. At least 1.
    pub frame_skip: u32,
    /// Scratch offset of the task's words (`TS_*`): reward terms, qpos\[0\] before the step,
    /// qpos and qvel.
    pub scratch_task: u32,
    /// Observation (Gymnasium tasks): leading qpos entries left out (Gymnasium's
    /// `exclude_current_positions_from_observation`).
    pub obs_skip: u32,
    /// Observation (Gymnasium tasks): qvel is clipped to ± this (0: unclipped).
    pub vel_clip: f32,
    /// Gymnasium tasks: weight of the forward velocity, s/m (`forward_reward_weight`).
    pub w_forward: f32,
    /// Gymnasium tasks: weight of Σ action² (`ctrl_cost_weight`).
    pub w_ctrl: f32,
    /// Gymnasium tasks: reward per healthy step (`healthy_reward`).
    pub healthy_reward: f32,
    /// Gymnasium tasks: 1 when an unhealthy state terminates the episode.
    pub terminate_unhealthy: u32,
    /// Gymnasium tasks: 1 when the healthy ranges include their ends (ant, the inverted
    /// pendulum), 0 when they are open (hopper, walker2d).
    pub health_inclusive: u32,
    /// Gymnasium tasks: qpos index of the height checked, or [`NONE`].
    pub z_q: u32,
    /// Gymnasium tasks: healthy height range, m.
    pub z_lo: f32,
    /// Gymnasium tasks: healthy height range, m (`f32::MAX`: no bound).
    pub z_hi: f32,
    /// Gymnasium tasks: qpos index of the angle checked, or [`NONE`].
    pub angle_q: u32,
    /// Gymnasium tasks: healthy angle range, rad.
    pub angle_lo: f32,
    /// Gymnasium tasks: healthy angle range, rad.
    pub angle_hi: f32,
    /// Gymnasium tasks: first entry of (qpos, qvel) that must be finite and within the
    /// state range (nq + nv: none).
    pub state_from: u32,
    /// Gymnasium tasks: healthy state range.
    pub state_lo: f32,
    /// Gymnasium tasks: healthy state range.
    pub state_hi: f32,
    /// Point A of the task in the frame of sim body `task_q`, m (reacher: the fingertip's
    /// centre of mass; double pendulum: the tip site).
    pub pa_x: f32,
    /// Point A, y.
    pub pa_y: f32,
    /// Point A, z.
    pub pa_z: f32,
    /// Point B of the task in the frame of sim body `task_q2`, m (reacher: the target's
    /// centre of mass).
    pub pb_x: f32,
    /// Point B, y.
    pub pb_y: f32,
    /// Point B, z.
    pub pb_z: f32,
    /// How worlds reset: one of `RESET_*`.
    pub reset_kind: u32,
    /// Padding to a multiple of 16 bytes.
    pub pad0: u32,
    /// Padding.
    pub pad1: u32,
    /// Padding.
    pub pad2: u32,
}
const _: () = assert!(std::mem::size_of::<SceneParams>() == 288);
wgsl_twin!(
    SceneParams,
    "SceneParams",
    [
        num_bodies,
        num_joints,
        num_geoms,
        num_actuators,
        num_pairs,
        nq,
        nv,
        contact_capacity,
        substeps,
        task,
        task_q,
        state_dim,
        dt,
        h,
        task_limit,
        max_episode_steps,
        gravity_x,
        gravity_y,
        gravity_z,
        margin,
        off_body,
        wstride_body,
        off_joint,
        wstride_joint,
        off_geom,
        wstride_geom,
        off_act,
        wstride_act,
        off_pair,
        off_init,
        wstride_init,
        scratch_stride,
        scratch_contacts,
        scratch_ctrl,
        obs_dim,
        reset_noise,
        task_q2,
        off_opt,
        wstride_opt,
        scratch_ring,
        ring_len,
        task_radius,
        escape_radius,
        scratch_joints,
        frame_skip,
        scratch_task,
        obs_skip,
        vel_clip,
        w_forward,
        w_ctrl,
        healthy_reward,
        terminate_unhealthy,
        health_inclusive,
        z_q,
        z_lo,
        z_hi,
        angle_q,
        angle_lo,
        angle_hi,
        state_from,
        state_lo,
        state_hi,
        pa_x,
        pa_y,
        pa_z,
        pb_x,
        pb_y,
        pb_z,
        reset_kind,
        pad0,
        pad1,
        pad2
    ]
);

use super::WgslValue::{F32, U32};
/// Specialization constants of `shaders/scene.wgsl` (see `gpu::shader::SPECIALIZATION`):
/// lengths, in f32 words, of the private copies of a world's State (`PRIV_STATE`),
/// scratch (`PRIV_SCRATCH`) and Model body, geom and joint records (`PRIV_BODY`,
/// `PRIV_GEOM`, `PRIV_JOINT`). 0 means that family is read from its storage buffer; the
/// defaults are all 0. `env::scene::PrivatePlan` chooses them per scene.
pub const SCENE_SPECIALIZATION: &[(&str, u32)] = &[
    ("PRIV_STATE", 0),
    ("PRIV_SCRATCH", 0),
    ("PRIV_BODY", 0),
    ("PRIV_GEOM", 0),
    ("PRIV_JOINT", 0),
];

/// The physics constants, appended to [`super::WGSL_CONSTANTS`].
pub const CONSTANTS: &[(&str, super::WgslValue)] = &[
    ("NONE", U32(NONE)),
    ("BODY_STRIDE", U32(BODY_STRIDE)),
    ("B_INV_MASS", U32(B_INV_MASS)),
    ("B_INV_INERTIA", U32(B_INV_INERTIA)),
    ("B_PARENT", U32(B_PARENT)),
    ("B_NSLIDE", U32(B_NSLIDE)),
    ("B_ROT", U32(B_ROT)),
    ("B_TRANS_FREE", U32(B_TRANS_FREE)),
    ("B_ANCHOR_C", U32(B_ANCHOR_C)),
    ("B_ANCHOR_P", U32(B_ANCHOR_P)),
    ("B_QJ0", U32(B_QJ0)),
    ("B_HAXIS_P", U32(B_HAXIS_P)),
    ("B_HAXIS_C", U32(B_HAXIS_C)),
    ("B_SLIDE_AXES", U32(B_SLIDE_AXES)),
    ("B_HINGE_AXES", U32(B_HINGE_AXES)),
    ("B_RADIUS", U32(B_RADIUS)),
    ("B_SUBTREE_END", U32(B_SUBTREE_END)),
    ("B_ARM_AXIS", U32(B_ARM_AXIS)),
    ("ROT_LOCKED", U32(ROT_LOCKED)),
    ("ROT_HINGE", U32(ROT_HINGE)),
    ("ROT_FREE", U32(ROT_FREE)),
    ("ROT_HINGE2", U32(ROT_HINGE2)),
    ("ROT_HINGE3", U32(ROT_HINGE3)),
    ("JOINT_STRIDE", U32(JOINT_STRIDE)),
    ("J_KIND", U32(J_KIND)),
    ("J_BODY", U32(J_BODY)),
    ("J_QADR", U32(J_QADR)),
    ("J_VADR", U32(J_VADR)),
    ("J_REF", U32(J_REF)),
    ("J_LIMITED", U32(J_LIMITED)),
    ("J_RANGE_LO", U32(J_RANGE_LO)),
    ("J_RANGE_HI", U32(J_RANGE_HI)),
    ("J_DAMPING", U32(J_DAMPING)),
    ("J_SLOT", U32(J_SLOT)),
    ("J_RELC_POS", U32(J_RELC_POS)),
    ("J_RELC_QUAT", U32(J_RELC_QUAT)),
    ("J_PQ", U32(J_PQ)),
    ("J_STIFFNESS", U32(J_STIFFNESS)),
    ("J_SPRINGREF", U32(J_SPRINGREF)),
    ("J_FRICTIONLOSS", U32(J_FRICTIONLOSS)),
    ("J_LIMIT_K", U32(J_LIMIT_K)),
    ("J_LIMIT_B", U32(J_LIMIT_B)),
    ("J_SOLIMP", U32(J_SOLIMP)),
    ("JOINT_FREE", U32(JOINT_FREE)),
    ("JOINT_BALL", U32(JOINT_BALL)),
    ("JOINT_SLIDE", U32(JOINT_SLIDE)),
    ("JOINT_HINGE", U32(JOINT_HINGE)),
    ("GEOM_STRIDE", U32(GEOM_STRIDE)),
    ("G_TYPE", U32(G_TYPE)),
    ("G_BODY", U32(G_BODY)),
    ("G_CONTYPE", U32(G_CONTYPE)),
    ("G_CONAFFINITY", U32(G_CONAFFINITY)),
    ("G_CONDIM", U32(G_CONDIM)),
    ("G_FRICTION", U32(G_FRICTION)),
    ("G_SIZE", U32(G_SIZE)),
    ("G_POS", U32(G_POS)),
    ("G_QUAT", U32(G_QUAT)),
    ("G_RADIUS", U32(G_RADIUS)),
    ("G_RESTITUTION", U32(G_RESTITUTION)),
    ("G_MARGIN", U32(G_MARGIN)),
    ("G_GAP", U32(G_GAP)),
    ("GEOM_PLANE", U32(GEOM_PLANE)),
    ("GEOM_SPHERE", U32(GEOM_SPHERE)),
    ("GEOM_CAPSULE", U32(GEOM_CAPSULE)),
    ("GEOM_BOX", U32(GEOM_BOX)),
    ("ACT_STRIDE", U32(ACT_STRIDE)),
    ("A_KIND", U32(A_KIND)),
    ("A_JOINT", U32(A_JOINT)),
    ("A_GEAR", U32(A_GEAR)),
    ("A_KP", U32(A_KP)),
    ("A_KV", U32(A_KV)),
    ("A_CTRL_LIMITED", U32(A_CTRL_LIMITED)),
    ("A_CTRL_LO", U32(A_CTRL_LO)),
    ("A_CTRL_HI", U32(A_CTRL_HI)),
    ("A_FORCE_LIMITED", U32(A_FORCE_LIMITED)),
    ("A_FORCE_LO", U32(A_FORCE_LO)),
    ("A_FORCE_HI", U32(A_FORCE_HI)),
    ("ACT_MOTOR", U32(ACT_MOTOR)),
    ("ACT_POSITION", U32(ACT_POSITION)),
    ("BODY_STATE", U32(BODY_STATE)),
    ("S_POS", U32(S_POS)),
    ("S_QUAT", U32(S_QUAT)),
    ("S_VEL", U32(S_VEL)),
    ("S_ANGVEL", U32(S_ANGVEL)),
    ("SCRATCH_BODY", U32(SCRATCH_BODY)),
    ("SB_DX", U32(SB_DX)),
    ("SB_DPHI", U32(SB_DPHI)),
    ("CONTACT_STRIDE", U32(CONTACT_STRIDE)),
    ("C_BODY_A", U32(C_BODY_A)),
    ("C_BODY_B", U32(C_BODY_B)),
    ("C_RA", U32(C_RA)),
    ("C_RB", U32(C_RB)),
    ("C_NORMAL", U32(C_NORMAL)),
    ("C_FRICTION", U32(C_FRICTION)),
    ("C_LAMBDA", U32(C_LAMBDA)),
    ("C_RESTITUTION", U32(C_RESTITUTION)),
    ("C_VN0", U32(C_VN0)),
    ("C_RAD_A", U32(C_RAD_A)),
    ("C_RAD_B", U32(C_RAD_B)),
    ("C_PATCH_FIRST", U32(C_PATCH_FIRST)),
    ("FLAG_CONTACT_OVERFLOW", U32(FLAG_CONTACT_OVERFLOW)),
    ("FLAG_NONFINITE", U32(FLAG_NONFINITE)),
    ("FLAG_ESCAPED", U32(FLAG_ESCAPED)),
    ("TASK_NONE", U32(TASK_NONE)),
    ("TASK_BALANCE", U32(TASK_BALANCE)),
    ("TASK_UPRIGHT", U32(TASK_UPRIGHT)),
    ("TASK_PUSH", U32(TASK_PUSH)),
    ("PUSH_SUCCESS_BONUS", F32(PUSH_SUCCESS_BONUS)),
    ("TASK_GYM_LOCOMOTION", U32(TASK_GYM_LOCOMOTION)),
    ("TASK_GYM_DOUBLE_PENDULUM", U32(TASK_GYM_DOUBLE_PENDULUM)),
    ("TASK_GYM_REACHER", U32(TASK_GYM_REACHER)),
    ("MAX_REWARD_TERMS", U32(MAX_REWARD_TERMS)),
    ("TERM_FORWARD", U32(TERM_FORWARD)),
    ("TERM_CTRL", U32(TERM_CTRL)),
    ("TERM_SURVIVE", U32(TERM_SURVIVE)),
    ("TERM_CONTACT", U32(TERM_CONTACT)),
    ("TS_TERMS", U32(TS_TERMS)),
    ("TS_X_BEFORE", U32(TS_X_BEFORE)),
    ("TS_QPOS", U32(TS_QPOS)),
    ("RESET_JOINTS", U32(RESET_JOINTS)),
    ("RESET_GYM_UNIFORM", U32(RESET_GYM_UNIFORM)),
    ("RESET_GYM_NORMAL", U32(RESET_GYM_NORMAL)),
    ("RESET_GYM_REACHER", U32(RESET_GYM_REACHER)),
    ("GYM_RESET_BLOCK", U32(GYM_RESET_BLOCK)),
    ("REACHER_GOAL_TRIES", U32(REACHER_GOAL_TRIES)),
    ("IDP_MIN_HEIGHT", F32(IDP_MIN_HEIGHT)),
    ("IDP_TARGET_HEIGHT", F32(IDP_TARGET_HEIGHT)),
    ("IDP_X_WEIGHT", F32(IDP_X_WEIGHT)),
    ("IDP_V1_WEIGHT", F32(IDP_V1_WEIGHT)),
    ("IDP_V2_WEIGHT", F32(IDP_V2_WEIGHT)),
    ("GYM_VEL_CLIP", F32(GYM_VEL_CLIP)),
    ("REACHER_QPOS_NOISE", F32(REACHER_QPOS_NOISE)),
    ("REACHER_QVEL_NOISE", F32(REACHER_QVEL_NOISE)),
    ("REACHER_GOAL_RADIUS", F32(REACHER_GOAL_RADIUS)),
    ("OPT_STRIDE", U32(OPT_STRIDE)),
    ("OPT_GRAVITY", U32(OPT_GRAVITY)),
    ("OPT_H", U32(OPT_H)),
    ("OPT_DT", U32(OPT_DT)),
    ("OPT_OBS_NOISE", U32(OPT_OBS_NOISE)),
    ("OPT_ACTION_NOISE", U32(OPT_ACTION_NOISE)),
    ("OPT_LATENCY", U32(OPT_LATENCY)),
    ("OPT_DENSITY", U32(OPT_DENSITY)),
    ("OPT_VISCOSITY", U32(OPT_VISCOSITY)),
    ("OPT_WIND", U32(OPT_WIND)),
    ("UPRIGHT_CENTER_MARGIN", F32(UPRIGHT_CENTER_MARGIN)),
    ("UPRIGHT_CONTROL_MARGIN", F32(UPRIGHT_CONTROL_MARGIN)),
    ("UPRIGHT_VELOCITY_MARGIN", F32(UPRIGHT_VELOCITY_MARGIN)),
    ("UPRIGHT_GAUSSIAN_SCALE2", F32(UPRIGHT_GAUSSIAN_SCALE2)),
    ("PHYS_EPS", F32(PHYS_EPS)),
    ("PI", F32(std::f32::consts::PI)),
];

/// Below this, a length or generalized inverse mass counts as zero (m, or 1/kg).
pub const PHYS_EPS: f32 = 1e-9;
