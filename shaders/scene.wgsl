// Rigid-body scenes (MJCF or builder), one thread per world: the whole env step is this
// fused kernel (controls, contacts, substepped XPBD, observation, reward, autoreset).
// CPU reference, function for function: src/sim/cpu.rs. Word layout: src/layout/physics.rs.

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
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<uniform> scene: SceneParams;
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
@group(0) @binding(11) var<uniform> rparams: RandParams;
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


// This thread's world and the bases of its rows.
var<private> W: u32;
var<private> SB: u32;
var<private> XB: u32;
// The episode and its elapsed steps that observation and action noise are drawn for.
var<private> EPISODE: u32;
var<private> ELAPSED: u32;

// ---- quaternions (x, y, z, w): qmul, qconj, qrot ----
#import shared/quat
fn rotate_by(q: vec4<f32>, dphi: vec3<f32>) -> vec4<f32> {
    let dq = qmul(vec4<f32>(dphi, 0.0), q);
    return normalize(q + 0.5 * dq);
}
fn qmat(q: vec4<f32>) -> mat3x3<f32> {
    return mat3x3<f32>(qrot(q, vec3<f32>(1.0, 0.0, 0.0)), qrot(q, vec3<f32>(0.0, 1.0, 0.0)),
        qrot(q, vec3<f32>(0.0, 0.0, 1.0)));
}
fn skew(r: vec3<f32>) -> mat3x3<f32> {
    return mat3x3<f32>(vec3<f32>(0.0, r.z, -r.y), vec3<f32>(-r.z, 0.0, r.x), vec3<f32>(r.y, -r.x, 0.0));
}
// By the bits: an all-ones exponent is NaN or infinity (no reliance on NaN compares).
fn is_finite(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}
fn wrap_pi(x: f32) -> f32 {
    let tau = 6.2831855;
    return x - tau * round(x / tau);
}

// ---- Private copies ----
// A world's State, scratch and Model records live in private memory for the whole
// dispatch when the scene is small enough (the PRIV_* lengths, chosen per scene by
// `env::scene::PrivatePlan` and 0 for "read the storage buffer"): every storage access
// is a bounds-checked gather on a CPU driver, and on lavapipe these copies made the boxes
// scene 3.4x faster. Loaded once at the start, the State stored back once at the end.
var<private> st: array<f32, max(PRIV_STATE, 1u)>;
var<private> xs: array<f32, max(PRIV_SCRATCH, 1u)>;
var<private> mb: array<f32, max(PRIV_BODY, 1u)>;
var<private> mg: array<f32, max(PRIV_GEOM, 1u)>;
var<private> mj: array<f32, max(PRIV_JOINT, 1u)>;

fn st_get(i: u32) -> f32 {
    if PRIV_STATE > 0u {
        return st[i];
    }
    return state_io[SB + i];
}
fn st_set(i: u32, v: f32) {
    if PRIV_STATE > 0u {
        st[i] = v;
    } else {
        state_io[SB + i] = v;
    }
}
fn xs_get(i: u32) -> f32 {
    if PRIV_SCRATCH > 0u {
        return xs[i];
    }
    return scratch[XB + i];
}
fn xs_set(i: u32, v: f32) {
    if PRIV_SCRATCH > 0u {
        xs[i] = v;
    } else {
        scratch[XB + i] = v;
    }
}
fn load_private() {
    if PRIV_STATE > 0u {
        for (var i = 0u; i < scene.state_dim; i++) {
            st[i] = state_io[SB + i];
        }
    }
    if PRIV_BODY > 0u {
        let base = scene.off_body + W * scene.wstride_body;
        for (var i = 0u; i < scene.num_bodies * BODY_STRIDE; i++) {
            mb[i] = model[base + i];
        }
    }
    if PRIV_GEOM > 0u {
        let base = scene.off_geom + W * scene.wstride_geom;
        for (var i = 0u; i < scene.num_geoms * GEOM_STRIDE; i++) {
            mg[i] = model[base + i];
        }
    }
    if PRIV_JOINT > 0u {
        let base = scene.off_joint + W * scene.wstride_joint;
        for (var i = 0u; i < scene.num_joints * JOINT_STRIDE; i++) {
            mj[i] = model[base + i];
        }
    }
}
fn store_private() {
    if PRIV_STATE > 0u {
        for (var i = 0u; i < scene.state_dim; i++) {
            state_io[SB + i] = st[i];
        }
    }
}

// ---- Model access (one helper per record family) ----
fn bw(b: u32, k: u32) -> f32 {
    if PRIV_BODY > 0u {
        return mb[b * BODY_STRIDE + k];
    }
    return model[scene.off_body + W * scene.wstride_body + b * BODY_STRIDE + k];
}
fn bw3(b: u32, k: u32) -> vec3<f32> {
    return vec3<f32>(bw(b, k), bw(b, k + 1u), bw(b, k + 2u));
}
fn bw4(b: u32, k: u32) -> vec4<f32> {
    return vec4<f32>(bw(b, k), bw(b, k + 1u), bw(b, k + 2u), bw(b, k + 3u));
}
fn bu(b: u32, k: u32) -> u32 {
    return bitcast<u32>(bw(b, k));
}
fn jw(j: u32, k: u32) -> f32 {
    if PRIV_JOINT > 0u {
        return mj[j * JOINT_STRIDE + k];
    }
    return model[scene.off_joint + W * scene.wstride_joint + j * JOINT_STRIDE + k];
}
fn jw3(j: u32, k: u32) -> vec3<f32> {
    return vec3<f32>(jw(j, k), jw(j, k + 1u), jw(j, k + 2u));
}
fn jw4(j: u32, k: u32) -> vec4<f32> {
    return vec4<f32>(jw(j, k), jw(j, k + 1u), jw(j, k + 2u), jw(j, k + 3u));
}
fn ju(j: u32, k: u32) -> u32 {
    return bitcast<u32>(jw(j, k));
}
fn gw(g: u32, k: u32) -> f32 {
    if PRIV_GEOM > 0u {
        return mg[g * GEOM_STRIDE + k];
    }
    return model[scene.off_geom + W * scene.wstride_geom + g * GEOM_STRIDE + k];
}
fn gw3(g: u32, k: u32) -> vec3<f32> {
    return vec3<f32>(gw(g, k), gw(g, k + 1u), gw(g, k + 2u));
}
fn opt(k: u32) -> f32 {
    return model[scene.off_opt + W * scene.wstride_opt + k];
}
fn gravity() -> vec3<f32> {
    return vec3<f32>(opt(OPT_GRAVITY), opt(OPT_GRAVITY + 1u), opt(OPT_GRAVITY + 2u));
}
// Writes of the randomizer: the world's own copy (the family is per world whenever a
// slot writes it) and the private copy this dispatch reads.
fn set_bw(b: u32, k: u32, v: f32) {
    model[scene.off_body + W * scene.wstride_body + b * BODY_STRIDE + k] = v;
    if PRIV_BODY > 0u {
        mb[b * BODY_STRIDE + k] = v;
    }
}
fn set_jw(j: u32, k: u32, v: f32) {
    model[scene.off_joint + W * scene.wstride_joint + j * JOINT_STRIDE + k] = v;
    if PRIV_JOINT > 0u {
        mj[j * JOINT_STRIDE + k] = v;
    }
}
fn set_gw(g: u32, k: u32, v: f32) {
    model[scene.off_geom + W * scene.wstride_geom + g * GEOM_STRIDE + k] = v;
    if PRIV_GEOM > 0u {
        mg[g * GEOM_STRIDE + k] = v;
    }
}
fn set_aw(a: u32, k: u32, v: f32) {
    model[scene.off_act + W * scene.wstride_act + a * ACT_STRIDE + k] = v;
}
fn set_opt(k: u32, v: f32) {
    model[scene.off_opt + W * scene.wstride_opt + k] = v;
}
fn aw(a: u32, k: u32) -> f32 {
    return model[scene.off_act + W * scene.wstride_act + a * ACT_STRIDE + k];
}
fn au(a: u32, k: u32) -> u32 {
    return bitcast<u32>(aw(a, k));
}

// ---- State access ----
fn sv3(at: u32) -> vec3<f32> {
    return vec3<f32>(st_get(at), st_get(at + 1u), st_get(at + 2u));
}
fn set3(at: u32, v: vec3<f32>) {
    st_set(at, v.x);
    st_set(at + 1u, v.y);
    st_set(at + 2u, v.z);
}
fn pos(b: u32) -> vec3<f32> {
    if b == NONE {
        return vec3<f32>(0.0);
    }
    return sv3(b * BODY_STATE + S_POS);
}
fn quat(b: u32) -> vec4<f32> {
    if b == NONE {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    let i = b * BODY_STATE + S_QUAT;
    return vec4<f32>(st_get(i), st_get(i + 1u), st_get(i + 2u), st_get(i + 3u));
}
fn vel(b: u32) -> vec3<f32> {
    if b == NONE {
        return vec3<f32>(0.0);
    }
    return sv3(b * BODY_STATE + S_VEL);
}
fn angvel(b: u32) -> vec3<f32> {
    if b == NONE {
        return vec3<f32>(0.0);
    }
    return sv3(b * BODY_STATE + S_ANGVEL);
}
fn set_pos(b: u32, v: vec3<f32>) {
    set3(b * BODY_STATE + S_POS, v);
}
fn set_quat(b: u32, q: vec4<f32>) {
    let i = b * BODY_STATE + S_QUAT;
    st_set(i, q.x);
    st_set(i + 1u, q.y);
    st_set(i + 2u, q.z);
    st_set(i + 3u, q.w);
}
fn set_vel(b: u32, v: vec3<f32>) {
    set3(b * BODY_STATE + S_VEL, v);
}
fn set_angvel(b: u32, v: vec3<f32>) {
    set3(b * BODY_STATE + S_ANGVEL, v);
}
fn scratch3(at: u32) -> vec3<f32> {
    return vec3<f32>(xs_get(at), xs_get(at + 1u), xs_get(at + 2u));
}
fn set_scratch3(at: u32, v: vec3<f32>) {
    xs_set(at, v.x);
    xs_set(at + 1u, v.y);
    xs_set(at + 2u, v.z);
}
fn add_scratch3(at: u32, v: vec3<f32>) {
    set_scratch3(at, scratch3(at) + v);
}
fn prev_pos(b: u32) -> vec3<f32> {
    if b == NONE {
        return vec3<f32>(0.0);
    }
    return scratch3(SCRATCH_BODY * b);
}
fn prev_quat(b: u32) -> vec4<f32> {
    if b == NONE {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    let i = SCRATCH_BODY * b + 3u;
    return vec4<f32>(xs_get(i), xs_get(i + 1u), xs_get(i + 2u), xs_get(i + 3u));
}

// ---- Mass ----
fn inv_mass(b: u32) -> f32 {
    if b == NONE {
        return 0.0;
    }
    return bw(b, B_INV_MASS);
}
fn inv_inertia_mul(b: u32, v: vec3<f32>) -> vec3<f32> {
    if b == NONE {
        return vec3<f32>(0.0);
    }
    let q = quat(b);
    return qrot(q, bw3(b, B_INV_INERTIA) * qrot(qconj(q), v));
}
fn point_inv_mass(b: u32, r: vec3<f32>, n: vec3<f32>) -> f32 {
    if b == NONE {
        return 0.0;
    }
    let rn = cross(r, n);
    return inv_mass(b) + dot(rn, inv_inertia_mul(b, rn));
}
fn ang_inv_mass(b: u32, n: vec3<f32>) -> f32 {
    if b == NONE {
        return 0.0;
    }
    return dot(n, inv_inertia_mul(b, n));
}
fn apply_pos_impulse(b: u32, imp: vec3<f32>, r: vec3<f32>) {
    if b == NONE {
        return;
    }
    let dx = imp * inv_mass(b);
    set_pos(b, pos(b) + dx);
    add_scratch3(SCRATCH_BODY * b + SB_DX, dx);
    let dphi = inv_inertia_mul(b, cross(r, imp));
    set_quat(b, rotate_by(quat(b), dphi));
    add_scratch3(SCRATCH_BODY * b + SB_DPHI, dphi);
}
fn apply_rot_impulse(b: u32, imp: vec3<f32>) {
    if b == NONE {
        return;
    }
    let dphi = inv_inertia_mul(b, imp);
    set_quat(b, rotate_by(quat(b), dphi));
    add_scratch3(SCRATCH_BODY * b + SB_DPHI, dphi);
}
fn apply_vel_impulse(b: u32, imp: vec3<f32>, r: vec3<f32>) {
    if b == NONE {
        return;
    }
    set_vel(b, vel(b) + imp * inv_mass(b));
    set_angvel(b, angvel(b) + inv_inertia_mul(b, cross(r, imp)));
}

// ---- Constraint primitives (zero compliance) ----
fn solve_point(a: u32, ra: vec3<f32>, b: u32, rb: vec3<f32>, corr: vec3<f32>) -> f32 {
    let c = length(corr);
    if c <= PHYS_EPS {
        return 0.0;
    }
    let n = corr / c;
    let w = point_inv_mass(a, ra, n) + point_inv_mass(b, rb, n);
    if w <= PHYS_EPS {
        return 0.0;
    }
    let lambda = c / w;
    apply_pos_impulse(a, -n * lambda, ra);
    apply_pos_impulse(b, n * lambda, rb);
    return lambda;
}
fn point_k(b: u32, r: vec3<f32>) -> mat3x3<f32> {
    if b == NONE {
        return mat3x3<f32>(vec3<f32>(0.0), vec3<f32>(0.0), vec3<f32>(0.0));
    }
    let rx = skew(r);
    let q = qmat(quat(b));
    let ii = bw3(b, B_INV_INERTIA);
    let inv_i = q * mat3x3<f32>(vec3<f32>(ii.x, 0.0, 0.0), vec3<f32>(0.0, ii.y, 0.0), vec3<f32>(0.0, 0.0, ii.z)) * transpose(q);
    let m = inv_mass(b);
    return mat3x3<f32>(vec3<f32>(m, 0.0, 0.0), vec3<f32>(0.0, m, 0.0), vec3<f32>(0.0, 0.0, m)) - rx * inv_i * rx;
}
fn inverse3(m: mat3x3<f32>) -> mat3x3<f32> {
    let c0 = cross(m[1], m[2]);
    let c1 = cross(m[2], m[0]);
    let c2 = cross(m[0], m[1]);
    let det = dot(m[0], c0);
    return transpose(mat3x3<f32>(c0, c1, c2)) * (1.0 / det);
}
fn solve_anchor(b: u32, rb: vec3<f32>, p: u32, rp: vec3<f32>, d: vec3<f32>) {
    let ns = bu(b, B_NSLIDE);
    if ns >= 3u {
        return;
    }
    var e0 = vec3<f32>(1.0, 0.0, 0.0);
    var e1 = vec3<f32>(0.0, 1.0, 0.0);
    var e2 = vec3<f32>(0.0, 0.0, 1.0);
    var used = 3u;
    if ns == 1u {
        let a = slide_axis_world(b, 0u);
        let t = select(vec3<f32>(0.0, 1.0, 0.0), vec3<f32>(1.0, 0.0, 0.0), abs(a.x) < 0.9);
        let t1 = normalize(t - a * dot(a, t));
        e0 = t1;
        e1 = cross(a, t1);
        e2 = a;
        used = 2u;
    } else if ns == 2u {
        let a1 = slide_axis_world(b, 0u);
        let a2 = slide_axis_world(b, 1u);
        e0 = normalize(cross(a1, a2));
        e1 = a1;
        e2 = a2;
        used = 1u;
    }
    let e = array<vec3<f32>, 3>(e0, e1, e2);
    let k = point_k(b, rb) + point_k(p, rp);
    var m = mat3x3<f32>(vec3<f32>(1.0, 0.0, 0.0), vec3<f32>(0.0, 1.0, 0.0), vec3<f32>(0.0, 0.0, 1.0));
    var rhs = vec3<f32>(0.0);
    for (var i = 0u; i < used; i++) {
        rhs[i] = dot(e[i], d);
        for (var j = 0u; j < used; j++) {
            m[j][i] = dot(e[i], k * e[j]);
        }
    }
    let det = determinant(m);
    if abs(det) <= PHYS_EPS * PHYS_EPS {
        return;
    }
    let lam = inverse3(m) * rhs;
    let imp = e0 * lam.x + e1 * lam.y + e2 * lam.z;
    apply_pos_impulse(b, -imp, rb);
    apply_pos_impulse(p, imp, rp);
}
fn solve_angle(a: u32, b: u32, dphi: vec3<f32>) {
    let th = length(dphi);
    if th <= PHYS_EPS {
        return;
    }
    let n = dphi / th;
    let w = ang_inv_mass(a, n) + ang_inv_mass(b, n);
    if w <= PHYS_EPS {
        return;
    }
    let imp = n * (th / w);
    apply_rot_impulse(a, imp);
    apply_rot_impulse(b, -imp);
}

// ---- Joints ----
fn parent(b: u32) -> u32 {
    return bu(b, B_PARENT);
}
fn anchor_c_world(b: u32) -> vec3<f32> {
    return pos(b) + qrot(quat(b), bw3(b, B_ANCHOR_C));
}
fn anchor_p_world(b: u32) -> vec3<f32> {
    let p = parent(b);
    return pos(p) + qrot(quat(p), bw3(b, B_ANCHOR_P));
}
fn slide_axis_world(b: u32, slot: u32) -> vec3<f32> {
    return qrot(quat(parent(b)), bw3(b, B_SLIDE_AXES + 3u * slot));
}
fn hinge_axis_world(b: u32) -> vec3<f32> {
    return qrot(quat(parent(b)), bw3(b, B_HAXIS_P));
}
fn hinge_raw(b: u32) -> f32 {
    let p = parent(b);
    let r = qmul(qmul(qconj(quat(p)), quat(b)), qconj(bw4(b, B_QJ0)));
    let s = dot(r.xyz, bw3(b, B_HAXIS_P));
    return 2.0 * atan2(s, r.w);
}
fn memory_index(j: u32) -> u32 {
    return scene.num_bodies * BODY_STATE + j;
}
fn hinge_q(j: u32) -> f32 {
    let b = ju(j, J_BODY);
    let raw = jw(j, J_REF) + hinge_raw(b);
    let last = st_get(memory_index(j));
    return last + wrap_pi(raw - last);
}
fn slide_q(j: u32) -> f32 {
    let b = ju(j, J_BODY);
    let d = anchor_c_world(b) - anchor_p_world(b);
    return jw(j, J_REF) + dot(d, slide_axis_world(b, ju(j, J_SLOT)));
}
fn scalar_q(j: u32) -> f32 {
    if ju(j, J_KIND) == JOINT_HINGE {
        return hinge_q(j);
    }
    return slide_q(j);
}
fn scalar_qd(j: u32) -> f32 {
    let b = ju(j, J_BODY);
    let p = parent(b);
    if ju(j, J_KIND) == JOINT_HINGE {
        return dot(angvel(b) - angvel(p), hinge_axis_world(b));
    }
    let x = anchor_c_world(b);
    let vc = vel(b) + cross(angvel(b), x - pos(b));
    let vp = vel(p) + cross(angvel(p), x - pos(p));
    return dot(vc - vp, slide_axis_world(b, ju(j, J_SLOT)));
}
fn solve_joint_group(b: u32) {
    let p = parent(b);
    let rot = bu(b, B_ROT);
    if rot == ROT_LOCKED {
        let goal = qmul(quat(p), bw4(b, B_QJ0));
        var e = qmul(goal, qconj(quat(b)));
        if e.w < 0.0 {
            e = -e;
        }
        solve_angle(b, p, 2.0 * e.xyz);
    } else if rot == ROT_HINGE {
        let ac = qrot(quat(b), bw3(b, B_HAXIS_C));
        let ap = hinge_axis_world(b);
        solve_angle(b, p, cross(ac, ap));
    }
    if bu(b, B_TRANS_FREE) == 0u {
        let xc = anchor_c_world(b);
        let xp = anchor_p_world(b);
        // Lever arms from the start of the substep (SHAKE): gradients taken at the new
        // configuration make the projection implicit and damp at a rate of about ω²h.
        let rb = qrot(prev_quat(b), bw3(b, B_ANCHOR_C));
        let rp = qrot(prev_quat(p), bw3(b, B_ANCHOR_P));
        solve_anchor(b, rb, p, rp, xc - xp);
    }
}
fn solve_limit(j: u32) {
    let lo = jw(j, J_RANGE_LO);
    let hi = jw(j, J_RANGE_HI);
    let b = ju(j, J_BODY);
    let p = parent(b);
    let q = scalar_q(j);
    var err = 0.0;
    if q < lo {
        err = q - lo;
    } else if q > hi {
        err = q - hi;
    } else {
        return;
    }
    if ju(j, J_KIND) == JOINT_HINGE {
        solve_angle(b, p, -hinge_axis_world(b) * err);
    } else {
        let a = slide_axis_world(b, ju(j, J_SLOT));
        let xc = anchor_c_world(b);
        solve_point(b, xc - pos(b), p, xc - pos(p), a * err);
    }
}
fn set_angvel_if(b: u32, w: vec3<f32>) {
    if b != NONE {
        set_angvel(b, w);
    }
}
fn damp_joint(j: u32, h: f32) {
    let d = jw(j, J_DAMPING);
    let b = ju(j, J_BODY);
    let p = parent(b);
    if ju(j, J_KIND) == JOINT_HINGE {
        let a = hinge_axis_world(b);
        let wrel = dot(angvel(b) - angvel(p), a);
        let w = ang_inv_mass(b, a) + ang_inv_mass(p, a);
        let imp = a * (-wrel * d * h / (1.0 + d * h * w));
        set_angvel_if(b, angvel(b) + inv_inertia_mul(b, imp));
        set_angvel_if(p, angvel(p) - inv_inertia_mul(p, imp));
    } else {
        let a = slide_axis_world(b, ju(j, J_SLOT));
        let x = anchor_c_world(b);
        let rb = x - pos(b);
        let rp = x - pos(p);
        let vc = vel(b) + cross(angvel(b), rb);
        let vp = vel(p) + cross(angvel(p), rp);
        let vrel = dot(vc - vp, a);
        let w = point_inv_mass(b, rb, a) + point_inv_mass(p, rp, a);
        let imp = a * (-vrel * d * h / (1.0 + d * h * w));
        apply_vel_impulse(b, imp, rb);
        apply_vel_impulse(p, -imp, rp);
    }
}
fn actuator_force(a: u32) -> f32 {
    let j = au(a, A_JOINT);
    let ctrl = xs_get(scene.scratch_ctrl + a);
    let gear = aw(a, A_GEAR);
    var f = ctrl;
    if au(a, A_KIND) == ACT_POSITION {
        let kp = aw(a, A_KP);
        f = kp * ctrl - kp * gear * scalar_q(j) - aw(a, A_KV) * gear * scalar_qd(j);
    }
    if au(a, A_FORCE_LIMITED) != 0u {
        f = clamp(f, aw(a, A_FORCE_LO), aw(a, A_FORCE_HI));
    }
    return gear * f;
}
fn apply_actuators(h: f32) {
    for (var a = 0u; a < scene.num_actuators; a++) {
        let f = actuator_force(a);
        let j = au(a, A_JOINT);
        let b = ju(j, J_BODY);
        let p = parent(b);
        if ju(j, J_KIND) == JOINT_HINGE {
            let tau = hinge_axis_world(b) * (f * h);
            set_angvel_if(b, angvel(b) + inv_inertia_mul(b, tau));
            set_angvel_if(p, angvel(p) - inv_inertia_mul(p, tau));
        } else {
            let force = slide_axis_world(b, ju(j, J_SLOT)) * (f * h);
            let x = anchor_c_world(b);
            apply_vel_impulse(b, force, x - pos(b));
            apply_vel_impulse(p, -force, x - pos(p));
        }
    }
}

// ---- Contacts ----
fn cidx(c: u32, k: u32) -> u32 {
    return scene.scratch_contacts + c * CONTACT_STRIDE + k;
}
fn contact_word(c: u32, k: u32) -> f32 {
    return xs_get(cidx(c, k));
}
fn contact3(c: u32, k: u32) -> vec3<f32> {
    return vec3<f32>(xs_get(cidx(c, k)), xs_get(cidx(c, k + 1u)), xs_get(cidx(c, k + 2u)));
}
fn set_contact_word(c: u32, k: u32, v: f32) {
    xs_set(cidx(c, k), v);
}
fn count_index() -> u32 {
    return scene.scratch_contacts - 1u;
}
struct CP {
    a: u32,
    b: u32,
    ra: vec3<f32>,
    rb: vec3<f32>,
    n: vec3<f32>,
}
fn contact_points(c: u32) -> CP {
    let a = bitcast<u32>(contact_word(c, C_BODY_A));
    let b = bitcast<u32>(contact_word(c, C_BODY_B));
    let n = contact3(c, C_NORMAL);
    let ra = qrot(quat(a), contact3(c, C_RA)) - n * contact_word(c, C_RAD_A);
    let rb = qrot(quat(b), contact3(c, C_RB)) + n * contact_word(c, C_RAD_B);
    return CP(a, b, ra, rb, n);
}
fn relative_velocity(a: u32, ra: vec3<f32>, b: u32, rb: vec3<f32>) -> vec3<f32> {
    return (vel(a) + cross(angvel(a), ra)) - (vel(b) + cross(angvel(b), rb));
}
fn solve_contact_position(c: u32) {
    let k = contact_points(c);
    let d = dot((pos(k.a) + k.ra) - (pos(k.b) + k.rb), k.n);
    var lambda = 0.0;
    if d < 0.0 {
        lambda = solve_point(k.a, k.ra, k.b, k.rb, k.n * d);
    }
    set_contact_word(c, C_LAMBDA, lambda);
}
fn friction_impulse(c: u32, limit: f32) -> f32 {
    if limit <= 0.0 {
        return 0.0;
    }
    let k = contact_points(c);
    let v = relative_velocity(k.a, k.ra, k.b, k.rb);
    let vt = v - k.n * dot(v, k.n);
    let lt = length(vt);
    if lt <= PHYS_EPS {
        return 0.0;
    }
    let t = vt / lt;
    let w = point_inv_mass(k.a, k.ra, t) + point_inv_mass(k.b, k.rb, t);
    if w <= PHYS_EPS {
        return 0.0;
    }
    let mag = min(limit, lt / w);
    apply_vel_impulse(k.a, -t * mag, k.ra);
    apply_vel_impulse(k.b, t * mag, k.rb);
    return mag;
}
fn solve_contact_velocity(c: u32, h: f32) {
    let lambda = contact_word(c, C_LAMBDA);
    if lambda <= 0.0 {
        return;
    }
    let k = contact_points(c);
    let vn = dot(relative_velocity(k.a, k.ra, k.b, k.rb), k.n);
    let g = length(gravity());
    let vn0 = contact_word(c, C_VN0);
    let e = select(contact_word(c, C_RESTITUTION), 0.0, abs(vn0) <= 2.0 * g * h);
    let dvn = -vn + max(-e * vn0, 0.0);
    let wn = point_inv_mass(k.a, k.ra, k.n) + point_inv_mass(k.b, k.rb, k.n);
    var pn = 0.0;
    if wn > PHYS_EPS {
        pn = dvn / wn;
        apply_vel_impulse(k.a, k.n * pn, k.ra);
        apply_vel_impulse(k.b, -k.n * pn, k.rb);
    }
    let budget = contact_word(c, C_FRICTION) * max(lambda / h + pn, 0.0);
    friction_impulse(c, budget);
}
// Static friction per contact patch, at position level (see `patch_friction` in cpu.rs).
fn same_patch(c: u32, k: u32) -> bool {
    return bitcast<u32>(contact_word(c, C_BODY_A)) == bitcast<u32>(contact_word(k, C_BODY_A))
        && bitcast<u32>(contact_word(c, C_BODY_B)) == bitcast<u32>(contact_word(k, C_BODY_B))
        && all(bitcast<vec3<u32>>(contact3(c, C_NORMAL)) == bitcast<vec3<u32>>(contact3(k, C_NORMAL)));
}
fn rotation_since(q: vec4<f32>, q0: vec4<f32>) -> vec3<f32> {
    var d = qmul(q, qconj(q0));
    if d.w < 0.0 {
        d = -d;
    }
    return 2.0 * d.xyz;
}
fn patch_friction(c0: u32, c1: u32) {
    let a = bitcast<u32>(contact_word(c0, C_BODY_A));
    let b = bitcast<u32>(contact_word(c0, C_BODY_B));
    let n = contact3(c0, C_NORMAL);
    let mu = contact_word(c0, C_FRICTION);
    var la = vec3<f32>(0.0);
    var lam = 0.0;
    var k = 0.0;
    for (var c = c0; c < c1; c++) {
        let l = contact_word(c, C_LAMBDA);
        if l > 0.0 {
            la += contact3(c, C_RA);
            lam += l;
            k += 1.0;
        }
    }
    if lam <= 0.0 {
        return;
    }
    la /= k;
    if k >= 3.0 {
        let dx = (pos(a) - prev_pos(a)) - (pos(b) - prev_pos(b));
        let dxt = dx - n * dot(dx, n);
        let w = inv_mass(a) + inv_mass(b);
        if w > PHYS_EPS && length(dxt) / w <= mu * lam {
            solve_point(a, vec3<f32>(0.0), b, vec3<f32>(0.0), dxt);
        }
        var radius = 0.0;
        for (var c = c0; c < c1; c++) {
            if contact_word(c, C_LAMBDA) > 0.0 {
                radius += length(contact3(c, C_RA) - la);
            }
        }
        radius /= k;
        let twist = dot(rotation_since(quat(a), prev_quat(a)) - rotation_since(quat(b), prev_quat(b)), n);
        let wr = ang_inv_mass(a, n) + ang_inv_mass(b, n);
        if wr > PHYS_EPS && abs(twist) / wr <= mu * lam * radius {
            solve_angle(a, b, -n * twist);
        }
    } else {
        // The patch's contact point now, and where the material point now there was at
        // the start of the substep (see cpu.rs).
        var ra = vec3<f32>(0.0);
        var rb = vec3<f32>(0.0);
        for (var c = c0; c < c1; c++) {
            if contact_word(c, C_LAMBDA) > 0.0 {
                let kp = contact_points(c);
                ra += kp.ra;
                rb += kp.rb;
            }
        }
        ra /= k;
        rb /= k;
        let back_a = qmul(prev_quat(a), qconj(quat(a)));
        let back_b = qmul(prev_quat(b), qconj(quat(b)));
        let dp = (pos(a) + ra - prev_pos(a) - qrot(back_a, ra)) - (pos(b) + rb - prev_pos(b) - qrot(back_b, rb));
        let dt = dp - n * dot(dp, n);
        let lt = length(dt);
        if lt <= PHYS_EPS {
            return;
        }
        let t = dt / lt;
        let w = point_inv_mass(a, ra, t) + point_inv_mass(b, rb, t);
        if w > PHYS_EPS && lt / w <= mu * lam {
            solve_point(a, ra, b, rb, dt);
        }
    }
}

// ---- Collision ----
struct Placed {
    ty: u32,
    c: vec3<f32>,
    q: vec4<f32>,
    size: vec3<f32>,
}
struct Hit {
    pa: vec3<f32>,
    pb: vec3<f32>,
    n: vec3<f32>,
}
var<private> hits: array<Hit, 8>;
var<private> nhits: u32;

fn push_hit(h: Hit) {
    if nhits < 8u {
        hits[nhits] = h;
        nhits += 1u;
    }
}
fn placed(g: u32) -> Placed {
    let b = bitcast<u32>(gw(g, G_BODY));
    let lq = vec4<f32>(gw(g, G_QUAT), gw(g, G_QUAT + 1u), gw(g, G_QUAT + 2u), gw(g, G_QUAT + 3u));
    let q = quat(b);
    return Placed(bitcast<u32>(gw(g, G_TYPE)), pos(b) + qrot(q, gw3(g, G_POS)), qmul(q, lq), gw3(g, G_SIZE));
}
fn reach(b: u32) -> f32 {
    if b == NONE {
        return 0.0;
    }
    return (length(vel(b)) + length(angvel(b)) * bw(b, B_RADIUS)) * opt(OPT_DT);
}
// A geom's rounding radius: from its core (point or segment) to its surface.
fn rounding(g: Placed) -> f32 {
    return select(0.0, g.size.x, g.ty == GEOM_SPHERE || g.ty == GEOM_CAPSULE);
}
fn add_contact(hit: Hit, ba: u32, bb: u32, rad1: f32, rad2: f32, mu: f32, e: f32, flags: ptr<function, u32>) {
    var a = ba;
    var b = bb;
    var pa = hit.pa;
    var pb = hit.pb;
    var n = hit.n;
    var rad_a = rad1;
    var rad_b = rad2;
    if ba == NONE {
        a = bb;
        b = ba;
        pa = hit.pb;
        pb = hit.pa;
        n = -hit.n;
        rad_a = rad2;
        rad_b = rad1;
    }
    pa += n * rad_a;
    pb -= n * rad_b;
    let count = bitcast<u32>(xs_get(count_index()));
    if count >= scene.contact_capacity {
        *flags |= FLAG_CONTACT_OVERFLOW;
        return;
    }
    let ra = qrot(qconj(quat(a)), pa - pos(a));
    let rb = qrot(qconj(quat(b)), pb - pos(b));
    set_contact_word(count, C_BODY_A, bitcast<f32>(a));
    set_contact_word(count, C_BODY_B, bitcast<f32>(b));
    set_contact_word(count, C_RA, ra.x);
    set_contact_word(count, C_RA + 1u, ra.y);
    set_contact_word(count, C_RA + 2u, ra.z);
    set_contact_word(count, C_RB, rb.x);
    set_contact_word(count, C_RB + 1u, rb.y);
    set_contact_word(count, C_RB + 2u, rb.z);
    set_contact_word(count, C_NORMAL, n.x);
    set_contact_word(count, C_NORMAL + 1u, n.y);
    set_contact_word(count, C_NORMAL + 2u, n.z);
    set_contact_word(count, C_FRICTION, mu);
    set_contact_word(count, C_LAMBDA, 0.0);
    set_contact_word(count, C_RESTITUTION, e);
    set_contact_word(count, C_VN0, 0.0);
    set_contact_word(count, C_RAD_A, rad_a);
    set_contact_word(count, C_RAD_B, rad_b);
    set_contact_word(count, C_PATCH_FIRST, select(1.0, 0.0, count > 0u && same_patch(count - 1u, count)));
    xs_set(count_index(), bitcast<f32>(count + 1u));
}
fn sphere_sphere(ca: vec3<f32>, ra: f32, cb: vec3<f32>, rb: f32) -> Hit {
    let d = ca - cb;
    let l = length(d);
    var n = vec3<f32>(0.0, 0.0, 1.0);
    if l > PHYS_EPS {
        n = d / l;
    }
    return Hit(ca - n * ra, cb + n * rb, n);
}
// Closest points between segments p1 + s d1 and p2 + t d2 (s, t in [0, 1]).
fn segment_segment(p1: vec3<f32>, d1: vec3<f32>, p2: vec3<f32>, d2: vec3<f32>) -> array<vec3<f32>, 2> {
    let r = p1 - p2;
    let a = dot(d1, d1);
    let e = dot(d2, d2);
    let f = dot(d2, r);
    var s = 0.0;
    var t = 0.0;
    if a <= PHYS_EPS && e <= PHYS_EPS {
        return array<vec3<f32>, 2>(p1, p2);
    }
    if a <= PHYS_EPS {
        s = 0.0;
        t = clamp(f / e, 0.0, 1.0);
    } else {
        let c = dot(d1, r);
        if e <= PHYS_EPS {
            t = 0.0;
            s = clamp(-c / a, 0.0, 1.0);
        } else {
            let b = dot(d1, d2);
            let denom = a * e - b * b;
            if denom > PHYS_EPS {
                s = clamp((b * f - c * e) / denom, 0.0, 1.0);
            } else {
                s = 0.0;
            }
            t = (b * s + f) / e;
            if t < 0.0 {
                t = 0.0;
                s = clamp(-c / a, 0.0, 1.0);
            } else if t > 1.0 {
                t = 1.0;
                s = clamp((b - c) / a, 0.0, 1.0);
            }
        }
    }
    return array<vec3<f32>, 2>(p1 + d1 * s, p2 + d2 * t);
}
fn box_point(bx: Placed, c: vec3<f32>, r: f32) -> Hit {
    let h = bx.size;
    let l = qrot(qconj(bx.q), c - bx.c);
    let inside = abs(l.x) < h.x && abs(l.y) < h.y && abs(l.z) < h.z;
    if !inside {
        let qb = bx.c + qrot(bx.q, clamp(l, -h, h));
        let d = qb - c;
        let dl = length(d);
        var n = vec3<f32>(0.0, 0.0, 1.0);
        if dl > PHYS_EPS {
            n = d / dl;
        }
        return Hit(qb, c + n * r, n);
    }
    let gap = h - abs(l);
    var k = 0u;
    if gap.y < gap[k] {
        k = 1u;
    }
    if gap.z < gap[k] {
        k = 2u;
    }
    var nl = vec3<f32>(0.0);
    nl[k] = select(-1.0, 1.0, l[k] >= 0.0);
    var face = l;
    face[k] = nl[k] * h[k];
    let n = -qrot(bx.q, nl);
    return Hit(bx.c + qrot(bx.q, face), c + n * r, n);
}
fn axis_of(q: vec4<f32>, k: u32) -> vec3<f32> {
    var e = vec3<f32>(0.0);
    e[k] = 1.0;
    return qrot(q, e);
}
fn projected_radius(q: vec4<f32>, h: vec3<f32>, l: vec3<f32>) -> f32 {
    return h.x * abs(dot(axis_of(q, 0u), l)) + h.y * abs(dot(axis_of(q, 1u), l)) + h.z * abs(dot(axis_of(q, 2u), l));
}
var<private> poly: array<vec3<f32>, 8>;
fn clip(np: u32, plane_n: vec3<f32>, off: f32) -> u32 {
    let src = poly;
    var out = 0u;
    for (var i = 0u; i < np; i++) {
        let p = src[i];
        let q = src[(i + 1u) % np];
        let dp = dot(plane_n, p) - off;
        let dq = dot(plane_n, q) - off;
        if dp <= 0.0 && out < 8u {
            poly[out] = p;
            out += 1u;
        }
        if (dp <= 0.0) != (dq <= 0.0) && out < 8u {
            let t = dp / (dp - dq);
            poly[out] = p + (q - p) * t;
            out += 1u;
        }
    }
    return out;
}
// Face-face manifold reduction to four points (see `keep_four` in cpu.rs).
var<private> cand: array<vec3<f32>, 8>;
var<private> seps: array<f32, 8>;
fn side_of(i0: u32, i1: u32, m: u32, n: vec3<f32>) -> f32 {
    return dot(cross(cand[i1] - cand[i0], cand[m] - cand[i0]), n);
}
fn keep_four(len: u32, n: vec3<f32>) -> u32 {
    if len <= 4u {
        return (1u << len) - 1u;
    }
    var i0 = 0u;
    for (var m = 1u; m < len; m++) {
        if seps[m] < seps[i0] {
            i0 = m;
        }
    }
    var i1 = 0u;
    var far = -1.0;
    for (var m = 0u; m < len; m++) {
        let d = dot(cand[m] - cand[i0], cand[m] - cand[i0]);
        if m != i0 && d > far {
            far = d;
            i1 = m;
        }
    }
    var i2 = 0u;
    var hi = -3.0e38;
    for (var m = 0u; m < len; m++) {
        let s = side_of(i0, i1, m, n);
        if m != i0 && m != i1 && s > hi {
            hi = s;
            i2 = m;
        }
    }
    var i3 = 0u;
    var lo = 3.0e38;
    for (var m = 0u; m < len; m++) {
        let s = side_of(i0, i1, m, n);
        if m != i0 && m != i1 && m != i2 && s < lo {
            lo = s;
            i3 = m;
        }
    }
    return (1u << i0) | (1u << i1) | (1u << i2) | (1u << i3);
}
fn box_box(a: Placed, b: Placed, margin: f32) {
    let d = b.c - a.c;
    var best = -3.0e38;
    var best_axis = 0u;
    for (var k = 0u; k < 6u; k++) {
        var l = axis_of(b.q, k % 3u);
        if k < 3u {
            l = axis_of(a.q, k);
        }
        let sep = abs(dot(d, l)) - projected_radius(a.q, a.size, l) - projected_radius(b.q, b.size, l);
        if sep > margin {
            return;
        }
        if sep > best + 1e-5 {
            best = sep;
            best_axis = k;
        }
    }
    let face_best = best;
    for (var i = 0u; i < 3u; i++) {
        for (var j = 0u; j < 3u; j++) {
            let l0 = cross(axis_of(a.q, i), axis_of(b.q, j));
            let len = length(l0);
            if len >= 1e-5 {
                let l = l0 / len;
                let sep = abs(dot(d, l)) - projected_radius(a.q, a.size, l) - projected_radius(b.q, b.size, l);
                if sep > margin {
                    return;
                }
                if sep > max(best, face_best + 1e-3) {
                    best = sep;
                    best_axis = 6u + 3u * i + j;
                }
            }
        }
    }
    if best_axis < 6u {
        let ref_is_a = best_axis < 3u;
        var rf = b;
        var inc = a;
        if ref_is_a {
            rf = a;
            inc = b;
        }
        let k = best_axis % 3u;
        let rn0 = axis_of(rf.q, k);
        let nref = select(-rn0, rn0, dot(inc.c - rf.c, rn0) >= 0.0);
        var ik = 0u;
        var best_dot = 0.0;
        for (var m = 0u; m < 3u; m++) {
            let dd = dot(axis_of(inc.q, m), nref);
            if abs(dd) > abs(best_dot) {
                best_dot = dd;
                ik = m;
            }
        }
        let inn = -axis_of(inc.q, ik) * sign(best_dot);
        let fc = inc.c + inn * inc.size[ik];
        let u1 = (ik + 1u) % 3u;
        let u2 = (ik + 2u) % 3u;
        let e1 = axis_of(inc.q, u1) * inc.size[u1];
        let e2 = axis_of(inc.q, u2) * inc.size[u2];
        poly[0] = fc + e1 + e2;
        poly[1] = fc - e1 + e2;
        poly[2] = fc - e1 - e2;
        poly[3] = fc + e1 - e2;
        var np = 4u;
        for (var mm = 1u; mm < 3u; mm++) {
            let m = (k + mm) % 3u;
            let t = axis_of(rf.q, m);
            np = clip(np, t, dot(t, rf.c) + rf.size[m]);
            np = clip(np, -t, -dot(t, rf.c) + rf.size[m]);
        }
        var nc = 0u;
        for (var i = 0u; i < np; i++) {
            let sep = dot(poly[i] - rf.c, nref) - rf.size[k];
            if sep < margin && nc < 8u {
                cand[nc] = poly[i];
                seps[nc] = sep;
                nc += 1u;
            }
        }
        let keep = keep_four(nc, nref);
        for (var i = 0u; i < nc; i++) {
            if (keep & (1u << i)) != 0u {
                let p = cand[i];
                let on_ref = p - nref * seps[i];
                if ref_is_a {
                    push_hit(Hit(on_ref, p, -nref));
                } else {
                    push_hit(Hit(p, on_ref, nref));
                }
            }
        }
        return;
    }
    let e = best_axis - 6u;
    let i = e / 3u;
    let j = e % 3u;
    let l = normalize(cross(axis_of(a.q, i), axis_of(b.q, j)));
    let n = select(l, -l, dot(d, l) > 0.0);
    var pa = a.c;
    var pb = b.c;
    for (var m = 0u; m < 3u; m++) {
        if m != i {
            let ax = axis_of(a.q, m);
            pa += ax * (a.size[m] * sign(dot(-n, ax)));
        }
        if m != j {
            let bx = axis_of(b.q, m);
            pb += bx * (b.size[m] * sign(dot(n, bx)));
        }
    }
    let da = axis_of(a.q, i) * a.size[i];
    let db = axis_of(b.q, j) * b.size[j];
    let s = segment_segment(pa - da, 2.0 * da, pb - db, 2.0 * db);
    push_hit(Hit(s[0], s[1], n));
}
fn narrow_phase(a: Placed, b: Placed, margin: f32) {
    nhits = 0u;
    if b.ty == GEOM_PLANE {
        let m = qrot(b.q, vec3<f32>(0.0, 0.0, 1.0));
        if a.ty == GEOM_SPHERE || a.ty == GEOM_CAPSULE {
            var ends = array<vec3<f32>, 2>(a.c, a.c);
            var count = 1u;
            if a.ty == GEOM_CAPSULE {
                let ax = qrot(a.q, vec3<f32>(0.0, 0.0, 1.0)) * a.size.y;
                ends = array<vec3<f32>, 2>(a.c + ax, a.c - ax);
                count = 2u;
            }
            for (var i = 0u; i < count; i++) {
                let c = ends[i];
                let d = dot(c - b.c, m);
                push_hit(Hit(c - m * a.size.x, c - m * d, m));
            }
        } else if a.ty == GEOM_BOX {
            for (var i = 0u; i < 8u; i++) {
                let s = vec3<f32>(select(-1.0, 1.0, (i & 1u) != 0u), select(-1.0, 1.0, (i & 2u) != 0u),
                    select(-1.0, 1.0, (i & 4u) != 0u));
                let v = a.c + qrot(a.q, s * a.size);
                let d = dot(v - b.c, m);
                if d < margin {
                    push_hit(Hit(v, v - m * d, m));
                }
            }
        }
    } else if a.ty == GEOM_SPHERE {
        push_hit(sphere_sphere(a.c, a.size.x, b.c, b.size.x));
    } else if a.ty == GEOM_CAPSULE && b.ty == GEOM_SPHERE {
        let ax = qrot(a.q, vec3<f32>(0.0, 0.0, 1.0));
        let t = clamp(dot(b.c - a.c, ax), -a.size.y, a.size.y);
        push_hit(sphere_sphere(a.c + ax * t, a.size.x, b.c, b.size.x));
    } else if a.ty == GEOM_CAPSULE {
        let ua = qrot(a.q, vec3<f32>(0.0, 0.0, 1.0)) * a.size.y;
        let ub = qrot(b.q, vec3<f32>(0.0, 0.0, 1.0)) * b.size.y;
        let s = segment_segment(a.c - ua, 2.0 * ua, b.c - ub, 2.0 * ub);
        push_hit(sphere_sphere(s[0], a.size.x, s[1], b.size.x));
    } else if b.ty == GEOM_SPHERE {
        push_hit(box_point(a, b.c, b.size.x));
    } else if b.ty == GEOM_CAPSULE {
        let ax = qrot(b.q, vec3<f32>(0.0, 0.0, 1.0));
        let hl = b.size.y;
        push_hit(box_point(a, b.c - ax * hl, b.size.x));
        push_hit(box_point(a, b.c + ax * hl, b.size.x));
        var t = clamp(dot(a.c - b.c, ax), -hl, hl);
        for (var i = 0; i < 4; i++) {
            let p = b.c + ax * t;
            let l = qrot(qconj(a.q), p - a.c);
            let qb = a.c + qrot(a.q, clamp(l, -a.size, a.size));
            t = clamp(dot(qb - b.c, ax), -hl, hl);
        }
        if abs(t) < hl - 1e-4 * max(hl, 1e-3) {
            push_hit(box_point(a, b.c + ax * t, b.size.x));
        }
    } else {
        box_box(a, b, margin);
    }
}
fn collide() -> u32 {
    var flags = 0u;
    xs_set(count_index(), bitcast<f32>(0u));
    for (var i = 0u; i < scene.num_pairs; i++) {
        var g1 = bitcast<u32>(model[scene.off_pair + 2u * i]);
        var g2 = bitcast<u32>(model[scene.off_pair + 2u * i + 1u]);
        if bitcast<u32>(gw(g1, G_TYPE)) < bitcast<u32>(gw(g2, G_TYPE)) {
            let t = g1;
            g1 = g2;
            g2 = t;
        }
        let b1 = bitcast<u32>(gw(g1, G_BODY));
        let b2 = bitcast<u32>(gw(g2, G_BODY));
        let s1 = placed(g1);
        let s2 = placed(g2);
        let margin = scene.margin + reach(b1) + reach(b2);
        let r1 = gw(g1, G_RADIUS);
        let r2 = gw(g2, G_RADIUS);
        var near = length(s1.c - s2.c) <= r1 + r2 + margin;
        if s2.ty == GEOM_PLANE {
            let n = qrot(s2.q, vec3<f32>(0.0, 0.0, 1.0));
            near = dot(s1.c - s2.c, n) - r1 <= margin;
        }
        if near {
            let mu = max(gw(g1, G_FRICTION), gw(g2, G_FRICTION));
            let e = max(gw(g1, G_RESTITUTION), gw(g2, G_RESTITUTION));
            narrow_phase(s1, s2, margin);
            for (var k = 0u; k < nhits; k++) {
                let h = hits[k];
                if dot(h.pa - h.pb, h.n) < margin {
                    add_contact(h, b1, b2, rounding(s1), rounding(s2), mu, e, &flags);
                }
            }
        }
    }
    return flags;
}

// ---- The step ----
fn physics_step() -> u32 {
    let nu = scene.num_actuators;
    let noise = opt(OPT_ACTION_NOISE);
    let latency = u32(opt(OPT_LATENCY));
    var z = vec4<f32>(0.0);
    for (var a = 0u; a < nu; a++) {
        var c = action_in[W * nu + a];
        if scene.ring_len > 0u {
            // The latency ring lives in the scratch buffer (never in the private copy,
            // which does not outlive the dispatch).
            let ring = XB + scene.scratch_ring;
            scratch[ring + (ELAPSED % scene.ring_len) * nu + a] = c;
            if latency > ELAPSED {
                c = 0.0;
            } else {
                c = scratch[ring + ((ELAPSED - latency) % scene.ring_len) * nu + a];
            }
        }
        if noise > 0.0 {
            if (a & 3u) == 0u {
                let key = params.key ^ vec4<u32>(0u, 0u, ELAPSED, 0u);
                z = normals4(rng_block(key, W, EPISODE, ACTION_NOISE_BLOCK + a / 4u));
            }
            c += noise * z[a & 3u];
        }
        if au(a, A_CTRL_LIMITED) != 0u {
            c = clamp(c, aw(a, A_CTRL_LO), aw(a, A_CTRL_HI));
        }
        xs_set(scene.scratch_ctrl + a, c);
    }
    var flags = collide();
    let h = opt(OPT_H);
    let g = gravity();
    let nb = scene.num_bodies;
    let nc = bitcast<u32>(xs_get(count_index()));
    for (var s = 0u; s < scene.substeps; s++) {
        for (var c = 0u; c < nc; c++) {
            let k = contact_points(c);
            set_contact_word(c, C_VN0, dot(relative_velocity(k.a, k.ra, k.b, k.rb), k.n));
        }
        apply_actuators(h);
        for (var b = 0u; b < nb; b++) {
            let x = pos(b);
            let q = quat(b);
            let i = SCRATCH_BODY * b;
            set_scratch3(i, x);
            xs_set(i + 3u, q.x);
            xs_set(i + 4u, q.y);
            xs_set(i + 5u, q.z);
            xs_set(i + 6u, q.w);
            set_scratch3(i + SB_DX, vec3<f32>(0.0));
            set_scratch3(i + SB_DPHI, vec3<f32>(0.0));
            set_vel(b, vel(b) + g * h);
            let inv_i = bw3(b, B_INV_INERTIA);
            var wl = qrot(qconj(q), angvel(b));
            let il = wl / inv_i;
            wl = wl - h * inv_i * cross(wl, il);
            set_angvel(b, qrot(q, wl));
        }
        for (var b = 0u; b < nb; b++) {
            set_pos(b, pos(b) + vel(b) * h);
            set_quat(b, rotate_by(quat(b), angvel(b) * h));
        }
        for (var b = 0u; b < nb; b++) {
            if !(bu(b, B_ROT) == ROT_FREE && bu(b, B_TRANS_FREE) == 1u) {
                solve_joint_group(b);
            }
        }
        for (var j = 0u; j < scene.num_joints; j++) {
            if ju(j, J_LIMITED) != 0u {
                solve_limit(j);
            }
        }
        var start = 0u;
        for (var c = 0u; c < nc; c++) {
            solve_contact_position(c);
            if c + 1u == nc || contact_word(c + 1u, C_PATCH_FIRST) != 0.0 {
                patch_friction(start, c + 1u);
                start = c + 1u;
            }
        }
        for (var b = 0u; b < nb; b++) {
            set_vel(b, vel(b) + scratch3(SCRATCH_BODY * b + SB_DX) / h);
            set_angvel(b, angvel(b) + scratch3(SCRATCH_BODY * b + SB_DPHI) / h);
        }
        for (var c = 0u; c < nc; c++) {
            solve_contact_velocity(c, h);
        }
        for (var j = 0u; j < scene.num_joints; j++) {
            if jw(j, J_DAMPING) > 0.0 {
                damp_joint(j, h);
            }
        }
    }
    for (var j = 0u; j < scene.num_joints; j++) {
        if ju(j, J_KIND) == JOINT_HINGE {
            let q = hinge_q(j);
            st_set(memory_index(j), q);
        }
    }
    for (var i = 0u; i < scene.state_dim; i++) {
        let v = st_get(i);
        if !is_finite(v) {
            flags |= FLAG_NONFINITE;
        }
    }
    for (var b = 0u; b < scene.num_bodies; b++) {
        if dot(pos(b), pos(b)) > scene.escape_radius * scene.escape_radius {
            flags |= FLAG_ESCAPED;
        }
    }
    return flags;
}

// ---- Observation, reward, episode ----
// Adds Gaussian noise to the observation row at `base` (nothing unless obs.noise_std is
// randomized), fresh for each (episode, step): four entries per RNG block.
fn add_obs_noise(base: u32, to_final: bool) {
    let sd = opt(OPT_OBS_NOISE);
    if sd <= 0.0 {
        return;
    }
    let key = params.key ^ vec4<u32>(0u, 0u, ELAPSED, 0u);
    for (var i = 0u; i < scene.obs_dim; i += 4u) {
        let z = sd * normals4(rng_block(key, W, EPISODE, OBS_NOISE_BLOCK + i / 4u));
        for (var k = 0u; k < min(4u, scene.obs_dim - i); k++) {
            if to_final {
                final_obs_out[base + i + k] += z[k];
            } else {
                obs_out[base + i + k] += z[k];
            }
        }
    }
}
fn observe(base: u32, to_final: bool) {
    let nq = scene.nq;
    for (var j = 0u; j < scene.num_joints; j++) {
        let qa = base + ju(j, J_QADR);
        let va = base + nq + ju(j, J_VADR);
        let kind = ju(j, J_KIND);
        let b = ju(j, J_BODY);
        var vals = array<f32, 13>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        var nqj = 1u;
        var nvj = 1u;
        if kind == JOINT_HINGE || kind == JOINT_SLIDE {
            vals[0] = scalar_q(j);
            vals[7] = scalar_qd(j);
        } else {
            let qm = qmul(quat(b), jw4(j, J_RELC_QUAT));
            if kind == JOINT_FREE {
                let xm = pos(b) + qrot(quat(b), jw3(j, J_RELC_POS));
                let vm = vel(b) + cross(angvel(b), xm - pos(b));
                let wl = qrot(qconj(qm), angvel(b));
                vals = array<f32, 13>(xm.x, xm.y, xm.z, qm.w, qm.x, qm.y, qm.z, vm.x, vm.y, vm.z, wl.x, wl.y, wl.z);
                nqj = 7u;
                nvj = 6u;
            } else {
                let p = parent(b);
                let r = qmul(qmul(qconj(jw4(j, J_PQ)), qconj(quat(p))), qm);
                let wl = qrot(qconj(qm), angvel(b) - angvel(p));
                vals = array<f32, 13>(r.w, r.x, r.y, r.z, 0.0, 0.0, 0.0, wl.x, wl.y, wl.z, 0.0, 0.0, 0.0);
                nqj = 4u;
                nvj = 3u;
            }
        }
        // A faulted world's non-finite values read 0, so they never reach a learner's
        // batch; its flags say what happened.
        for (var k = 0u; k < nqj; k++) {
            let v = select(0.0, vals[k], is_finite(vals[k]));
            if to_final {
                final_obs_out[qa + k] = v;
            } else {
                obs_out[qa + k] = v;
            }
        }
        for (var k = 0u; k < nvj; k++) {
            let v = select(0.0, vals[7u + k], is_finite(vals[7u + k]));
            if to_final {
                final_obs_out[va + k] = v;
            } else {
                obs_out[va + k] = v;
            }
        }
    }
    add_obs_noise(base, to_final);
}
fn axis_angle(a: vec3<f32>, angle: f32) -> vec4<f32> {
    return vec4<f32>(a * sin(0.5 * angle), cos(0.5 * angle));
}
// The initial state, then each joint moved by its noise draw in joint order (a hinge turns
// its whole subtree about its anchor, a slide shifts it, a free body shifts in x and y).
fn reset_world(episode: u32) {
    let base = scene.off_init + W * scene.wstride_init;
    for (var i = 0u; i < scene.state_dim; i++) {
        st_set(i, model[base + i]);
    }
    if scene.reset_noise <= 0.0 {
        return;
    }
    for (var j = 0u; j < scene.num_joints; j++) {
        let u = rng_block(params.key, W, episode, j);
        let d0 = scene.reset_noise * (2.0 * rng_unit(u.x) - 1.0);
        let d1 = scene.reset_noise * (2.0 * rng_unit(u.y) - 1.0);
        let kind = ju(j, J_KIND);
        if kind == JOINT_FREE {
            let b = ju(j, J_BODY);
            for (var k = b; k < bu(b, B_SUBTREE_END); k++) {
                set_pos(k, pos(k) + vec3<f32>(d0, d1, 0.0));
            }
        } else {
            move_joint(j, d0);
        }
    }
}
// Moves hinge or slide `j` by `d` (rad or m): its whole subtree turns about the anchor or
// shifts along the axis.
fn move_joint(j: u32, d: f32) {
    let kind = ju(j, J_KIND);
    let b = ju(j, J_BODY);
    let end = bu(b, B_SUBTREE_END);
    if kind == JOINT_SLIDE {
        let off = slide_axis_world(b, ju(j, J_SLOT)) * d;
        for (var k = b; k < end; k++) {
            set_pos(k, pos(k) + off);
        }
    } else if kind == JOINT_HINGE {
        let r = axis_angle(hinge_axis_world(b), d);
        let anchor = anchor_c_world(b);
        for (var k = b; k < end; k++) {
            set_pos(k, anchor + qrot(r, pos(k) - anchor));
            set_quat(k, normalize(qmul(r, quat(k))));
        }
        st_set(memory_index(j), st_get(memory_index(j)) + d);
    }
}
// dm_control's `tolerance` with bounds (0, 0): 1 at 0, falling off with |x| / margin.
// Gaussian: value_at_margin 0.1 at |x| = margin. Quadratic: 1 − (x / margin)², 0 beyond.
fn tolerance_gaussian(x: f32, margin: f32) -> f32 {
    let d = x / margin;
    return exp(-0.5 * d * d * UPRIGHT_GAUSSIAN_SCALE2);
}
fn tolerance_quadratic(x: f32, margin: f32) -> f32 {
    let d = x / margin;
    return max(0.0, 1.0 - d * d);
}

// dm_control / MuJoCo Playground cart-pole balance reward, in [0, 1]:
// upright · centred · small control · small velocity.
fn upright_reward() -> f32 {
    let upright = 0.5 * (cos(scalar_q(scene.task_q)) + 1.0);
    let centred = 0.5 * (1.0 + tolerance_gaussian(scalar_q(scene.task_q2), UPRIGHT_CENTER_MARGIN));
    let ctrl = action_in[W * scene.num_actuators];
    let small_control = (4.0 + tolerance_quadratic(ctrl, UPRIGHT_CONTROL_MARGIN)) / 5.0;
    let small_velocity = 0.5 * (1.0 + tolerance_gaussian(scalar_qd(scene.task_q), UPRIGHT_VELOCITY_MARGIN));
    return upright * centred * small_control * small_velocity;
}

// Push: −(xy distance from the cube to the goal), plus the success bonus within the radius.
fn push_distance() -> f32 {
    let d = pos(scene.task_q) - pos(scene.task_q2);
    return length(d.xy);
}
fn push_reward() -> f32 {
    let d = push_distance();
    return -d + select(0.0, PUSH_SUCCESS_BONUS, d < scene.task_radius);
}

fn is_terminal() -> bool {
    if scene.task == TASK_PUSH {
        return push_distance() < scene.task_radius;
    }
    if scene.task == TASK_BALANCE {
        let j = scene.task_q;
        return abs(scalar_q(j)) > scene.task_limit;
    }
    return false;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    W = gid.x;
    if W >= params.num_worlds {
        return;
    }
    SB = W * scene.state_dim;
    XB = W * scene.scratch_stride;
    load_private();
    var clock = clock_io[W];
    var flags = 0u;
    var reward = 0.0;
    var final_written = false;
    let obs_base = W * scene.obs_dim;
    if params.mode == MODE_RESET {
        clock = WorldClock(0u, 0u);
        reset_world(0u);
        flags = FLAG_RESET;
    } else if params.mode == MODE_STEP {
        var bad = false;
        for (var a = 0u; a < scene.num_actuators; a++) {
            let v = action_in[W * scene.num_actuators + a];
            bad = bad || !is_finite(v);
        }
        for (var k = 0u; k < params.steps; k++) {
            reward = 0.0;
            let done = (clock.elapsed & CLOCK_DONE) != 0u;
            if done && params.autoreset == AUTORESET_NEXT_STEP {
                // Next-step autoreset: this step only resets; the action is ignored.
                clock = WorldClock(0u, clock.episode + 1u);
                reset_world(clock.episode);
                flags = FLAG_RESET;
            } else if bad {
                flags = FLAG_INVALID_ACTION;
            } else {
            EPISODE = clock.episode;
            ELAPSED = clock.elapsed & ~CLOCK_DONE;
            let pflags = physics_step();
            clock.elapsed += 1u;
            // A faulted world (non-finite or escaped) terminates, and autoreset resets it.
            let faulted = (pflags & (FLAG_NONFINITE | FLAG_ESCAPED)) != 0u;
            let terminated = faulted || is_terminal();
            let truncated = (clock.elapsed & ~CLOCK_DONE) >= scene.max_episode_steps;
            if scene.task == TASK_BALANCE {
                reward = select(1.0, 0.0, done);
            } else if scene.task == TASK_UPRIGHT {
                reward = select(upright_reward(), 0.0, done);
            } else if scene.task == TASK_PUSH {
                reward = select(push_reward(), 0.0, done);
            }
            flags = pflags | select(0u, FLAG_TERMINATED, terminated) | select(0u, FLAG_TRUNCATED, truncated);
            if params.autoreset == AUTORESET_DISABLED {
                if terminated {
                    clock.elapsed |= CLOCK_DONE;
                }
            } else if terminated || truncated {
                if params.autoreset == AUTORESET_SAME_STEP {
                    ELAPSED = clock.elapsed & ~CLOCK_DONE;
                    observe(obs_base, true);
                    final_written = true;
                    clock = WorldClock(0u, clock.episode + 1u);
                    reset_world(clock.episode);
                    flags |= FLAG_RESET;
                } else {
                    clock.elapsed |= CLOCK_DONE;
                }
            }
            }
        }
    }
    EPISODE = clock.episode;
    ELAPSED = clock.elapsed & ~CLOCK_DONE;
    observe(obs_base, false);
    if params.autoreset == AUTORESET_SAME_STEP && !final_written {
        observe(obs_base, true);
    }
    store_private();
    clock_io[W] = clock;
    reward_out[W] = reward;
    flags_out[W] = flags;
}

// ---- Domain randomization (entry `randomize`, dispatched after each step) ----
// For every world whose step reset it, draws each slot of the spec for (seed, world,
// episode, draw index), writes the world's Model records and options, moves the initial
// state, records the values in the draws row and recomputes the first observation. Slots
// with a period (`every`) are redrawn when the episode's step count reaches a multiple.
fn rt(s: u32, k: u32) -> f32 {
    return rand_table[s * SLOT_STRIDE + k];
}
fn rtu(s: u32, k: u32) -> u32 {
    return bitcast<u32>(rt(s, k));
}

// Slot s's value for draw period `period`; `pin` is the ADR boundary this episode holds.
fn sample_slot(s: u32, period: u32, pin: u32) -> vec4<f32> {
    let key = params.key ^ vec4<u32>(0u, 0u, period, 0u);
    let d = rtu(s, R_DRAW);
    let u0 = rng_block(key, W, EPISODE, RAND_BLOCK + 2u * d);
    let u1 = rng_block(key, W, EPISODE, RAND_BLOCK + 2u * d + 1u);
    let kind = rtu(s, R_DIST);
    let mode = rtu(s, R_MODE);
    let nc = rtu(s, R_NCOMP);
    var out = vec4<f32>(0.0);
    if kind == DIST_CHOICE {
        let n = rtu(s, R_NCHOICE);
        let pick = min(u32(rng_unit(u0.x) * f32(n)), n - 1u);
        let at = rtu(s, R_CHOICE) + 4u * pick;
        for (var c = 0u; c < nc; c++) {
            out[c] = mode_apply(mode, rt(s, R_NOMINAL + c), rand_table[at + c]);
        }
        return out;
    }
    let adr = rtu(s, R_ADR);
    for (var c = 0u; c < nc; c++) {
        var x: f32;
        if adr != NONE {
            let lo = adr_ranges[adr * ADR_STRIDE + ADR_LO];
            let hi = adr_ranges[adr * ADR_STRIDE + ADR_HI];
            if pin != NONE && (pin >> 1u) == adr {
                x = select(lo, hi, (pin & 1u) == 1u);
            } else {
                x = lo + (hi - lo) * rng_unit(u0[c]);
            }
        } else {
            x = dist_draw(kind, rt(s, R_PA + c), rt(s, R_PB + c), rt(s, R_CLIP), u0[c], u1[c]);
        }
        out[c] = mode_apply(mode, rt(s, R_NOMINAL + c), x);
    }
    return out;
}

// Places free body b's MJCF frame at (xm, qm) (x, y, z, w), carrying its subtree along.
fn place_free(s: u32, b: u32, xm: vec3<f32>, qm: vec4<f32>) {
    let prel = vec3<f32>(rt(s, R_BASE), rt(s, R_BASE + 1u), rt(s, R_BASE + 2u));
    let qrel = vec4<f32>(rt(s, R_BASE + 3u), rt(s, R_BASE + 4u), rt(s, R_BASE + 5u), rt(s, R_BASE + 6u));
    let x0 = pos(b);
    let q0 = quat(b);
    let q1 = normalize(qmul(qm, qconj(qrel)));
    let x1 = xm - qrot(q1, prel);
    let dq = qmul(q1, qconj(q0));
    for (var k = b; k < bu(b, B_SUBTREE_END); k++) {
        set_pos(k, x1 + qrot(dq, pos(k) - x0));
        set_quat(k, normalize(qmul(dq, quat(k))));
        set_vel(k, qrot(dq, vel(k)));
        set_angvel(k, qrot(dq, angvel(k)));
    }
}
// The MJCF frame of free body b (slot s holds its offset in the sim body frame).
fn mjcf_frame_pos(s: u32, b: u32) -> vec3<f32> {
    let prel = vec3<f32>(rt(s, R_BASE), rt(s, R_BASE + 1u), rt(s, R_BASE + 2u));
    return pos(b) + qrot(quat(b), prel);
}
fn mjcf_frame_quat(s: u32, b: u32) -> vec4<f32> {
    let qrel = vec4<f32>(rt(s, R_BASE + 3u), rt(s, R_BASE + 4u), rt(s, R_BASE + 5u), rt(s, R_BASE + 6u));
    return normalize(qmul(quat(b), qrel));
}

// Sets hinge or slide j's velocity to v (rad/s or m/s) relative to its parent.
fn spin_joint(j: u32, v: f32) {
    let dv = v - scalar_qd(j);
    let b = ju(j, J_BODY);
    let end = bu(b, B_SUBTREE_END);
    if ju(j, J_KIND) == JOINT_HINGE {
        let w = hinge_axis_world(b) * dv;
        let anchor = anchor_c_world(b);
        for (var k = b; k < end; k++) {
            set_angvel(k, angvel(k) + w);
            set_vel(k, vel(k) + cross(w, pos(k) - anchor));
        }
    } else {
        let dvel = slide_axis_world(b, ju(j, J_SLOT)) * dv;
        for (var k = b; k < end; k++) {
            set_vel(k, vel(k) + dvel);
        }
    }
}

// Applies slot s's value v to this world; returns the value as applied (latency rounded,
// quaternions normalised), which the draws row records.
fn apply_slot(s: u32, v_in: vec4<f32>) -> vec4<f32> {
    var v = v_in;
    let t = rtu(s, R_TARGET);
    let f = rtu(s, R_FIELD);
    if f == F_GEOM_FRICTION {
        set_gw(t, G_FRICTION, max(v.x, 0.0));
    } else if f == F_GEOM_RESTITUTION {
        set_gw(t, G_RESTITUTION, clamp(v.x, 0.0, 1.0));
    } else if f == F_GEOM_SIZE_SCALE {
        for (var c = 0u; c < 3u; c++) {
            set_gw(t, G_SIZE + c, rt(s, R_BASE + c) * v.x);
        }
        set_gw(t, G_RADIUS, rt(s, R_BASE + 3u) * v.x);
    } else if f == F_BODY_MASS_SCALE {
        set_bw(t, B_INV_MASS, rt(s, R_BASE) / v.x);
        for (var c = 0u; c < 3u; c++) {
            set_bw(t, B_INV_INERTIA + c, 1.0 / (rt(s, R_BASE + 1u + c) * v.x));
        }
    } else if f == F_JOINT_DAMPING {
        set_jw(t, J_DAMPING, max(v.x, 0.0));
    } else if f == F_JOINT_ARMATURE {
        v.x = max(v.x, 0.0);
        let ms_at = rtu(s, R_AUX);
        var ms = 1.0;
        if ms_at != NONE {
            ms = draws[W * rparams.draw_stride + ms_at];
        }
        for (var c = 0u; c < 3u; c++) {
            set_bw(t, B_INV_INERTIA + c, 1.0 / (rt(s, R_BASE + c) * ms + v.x * rt(s, R_BASE + 3u + c)));
        }
    } else if f == F_ACTUATOR_GAIN {
        if rtu(s, R_AUX) == ACT_MOTOR {
            set_aw(t, A_GEAR, rt(s, R_BASE) * v.x);
        } else {
            set_aw(t, A_KP, v.x);
        }
    } else if f == F_OPTION_GRAVITY {
        for (var c = 0u; c < 3u; c++) {
            set_opt(OPT_GRAVITY + c, v[c]);
        }
    } else if f == F_OPTION_TIMESTEP {
        let ratio = v.x / rt(s, R_NOMINAL);
        set_opt(OPT_H, rt(s, R_BASE) * ratio);
        set_opt(OPT_DT, rt(s, R_BASE + 1u) * ratio);
    } else if f == F_OBS_NOISE_STD {
        v.x = max(v.x, 0.0);
        set_opt(OPT_OBS_NOISE, v.x);
    } else if f == F_ACTION_NOISE_STD {
        v.x = max(v.x, 0.0);
        set_opt(OPT_ACTION_NOISE, v.x);
    } else if f == F_ACTION_LATENCY {
        v.x = f32(min(u32(max(round(v.x), 0.0)), scene.ring_len - 1u));
        set_opt(OPT_LATENCY, v.x);
    } else if f == F_BODY_POS {
        place_free(s, t, v.xyz, mjcf_frame_quat(s, t));
    } else if f == F_BODY_QUAT {
        // MJCF order (w, x, y, z) in the record; the State keeps (x, y, z, w).
        var q = v;
        if dot(q, q) < 1e-12 {
            q = vec4<f32>(1.0, 0.0, 0.0, 0.0);
        }
        q = normalize(q);
        v = q;
        place_free(s, t, mjcf_frame_pos(s, t), vec4<f32>(q.y, q.z, q.w, q.x));
    } else if f == F_JOINT_QPOS {
        // The value replaces the reset position (and its reset noise).
        move_joint(t, v.x - scalar_q(t));
    } else if f == F_JOINT_QVEL {
        spin_joint(t, v.x);
    }
    // Looks and depth noise are applied by their own kernels from the draws row.
    return v;
}

// Adds the finished episode's signal to its ADR boundary's sums.
fn adr_record(db: u32) {
    let pin = bitcast<u32>(draws[db + D_ADR]);
    if pin == NONE || rparams.num_adr == 0u {
        return;
    }
    var sig = draws[db + D_RETURN];
    if rparams.adr_signal_user != 0u {
        sig = adr_signal[W];
    }
    sig = clamp(sig, -ADR_SIGNAL_CLAMP, ADR_SIGNAL_CLAMP);
    let at = (pin >> 1u) * ADR_COUNTS + (pin & 1u) * 2u;
    atomicAdd(&adr_counts[at], 1);
    atomicAdd(&adr_counts[at + 1u], i32(round(sig * ADR_FIXED_SCALE)));
}

fn store_draw(db: u32, s: u32, v: vec4<f32>) {
    let at = db + rtu(s, R_VALUE);
    for (var c = 0u; c < rtu(s, R_NCOMP); c++) {
        draws[at + c] = v[c];
    }
}

// Entry `randomize_scan`, one thread per world: adds the step's reward to the running
// return and lists the worlds with work (reset this step, or an `every` slot due), so
// `randomize` runs dense: on a SIMD8 CPU driver a tenth of the worlds resetting would
// otherwise put a reset in most lane groups (measured: +17% of a push-cube step).
@compute @workgroup_size(WORKGROUP_SIZE)
fn randomize_scan(@builtin(global_invocation_id) gid: vec3<u32>) {
    W = gid.x;
    if W >= params.num_worlds {
        return;
    }
    let stepping = params.mode == MODE_STEP && params.steps > 0u;
    let db = W * rparams.draw_stride;
    if stepping {
        draws[db + D_RETURN] += reward_out[W];
    }
    var due = (flags_out[W] & FLAG_RESET) != 0u;
    let elapsed = clock_io[W].elapsed & ~CLOCK_DONE;
    if !due && stepping && rparams.num_every > 0u && elapsed > 0u {
        for (var s = 0u; s < rparams.num_slots; s++) {
            let every = rtu(s, R_EVERY);
            due = due || (every > 0u && elapsed % every == 0u);
        }
    }
    if due {
        rand_list[atomicAdd(&rand_count[0], 1u)] = W;
    }
}

// Entry `randomize`, one thread per listed world.
@compute @workgroup_size(WORKGROUP_SIZE)
fn randomize(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x >= atomicLoad(&rand_count[0]) {
        return;
    }
    W = rand_list[gid.x];
    SB = W * scene.state_dim;
    XB = W * scene.scratch_stride;
    let clock = clock_io[W];
    let flags = flags_out[W];
    EPISODE = clock.episode;
    ELAPSED = clock.elapsed & ~CLOCK_DONE;
    let db = W * rparams.draw_stride;
    let stepping = params.mode == MODE_STEP && params.steps > 0u;
    load_private();
    if (flags & FLAG_RESET) != 0u {
        if stepping {
            adr_record(db);
        }
        draws[db + D_RETURN] = 0.0;
        var pin = NONE;
        if rparams.num_adr > 0u {
            let u = rng_block(params.key, W, EPISODE, ADR_BLOCK);
            if rng_unit(u.x) < rparams.boundary_prob {
                let p = min(u32(rng_unit(u.y) * f32(rparams.num_adr)), rparams.num_adr - 1u);
                pin = p * 2u + (u.z & 1u);
            }
        }
        draws[db + D_ADR] = bitcast<f32>(pin);
        draws[db + D_EPISODE] = bitcast<f32>(EPISODE);
        for (var s = 0u; s < rparams.num_slots; s++) {
            store_draw(db, s, apply_slot(s, sample_slot(s, 0u, pin)));
        }
        let obs_base = W * scene.obs_dim;
        observe(obs_base, false);
        if params.mode == MODE_RESET && params.autoreset == AUTORESET_SAME_STEP {
            observe(obs_base, true);
        }
    } else {
        let pin = bitcast<u32>(draws[db + D_ADR]);
        for (var s = 0u; s < rparams.num_slots; s++) {
            let every = rtu(s, R_EVERY);
            if every > 0u && ELAPSED % every == 0u {
                store_draw(db, s, apply_slot(s, sample_slot(s, ELAPSED / every, pin)));
            }
        }
    }
    store_private();
}

// ---- ADR (entry `adr_update`, one thread per ADR parameter, after each randomize) ----
// A boundary whose buffer holds at least `adr_buffer` signals moves: outward (widening the
// range, up to the entry's limit) when their mean is at or above `threshold_high`, inward
// (never inside the start range) when at or below `threshold_low`; the buffer empties.
@compute @workgroup_size(WORKGROUP_SIZE)
fn adr_update(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = gid.x;
    if p >= rparams.num_adr {
        return;
    }
    let r = p * ADR_STRIDE;
    let step = adr_ranges[r + ADR_STEP];
    for (var side = 0u; side < 2u; side++) {
        let at = p * ADR_COUNTS + side * 2u;
        let n = atomicLoad(&adr_counts[at]);
        if n < i32(rparams.adr_buffer) {
            continue;
        }
        let mean = f32(atomicLoad(&adr_counts[at + 1u])) / ADR_FIXED_SCALE / f32(n);
        atomicStore(&adr_counts[at], 0);
        atomicStore(&adr_counts[at + 1u], 0);
        let widen = mean >= rparams.threshold_high;
        let narrow = mean <= rparams.threshold_low;
        if side == 0u {
            var lo = adr_ranges[r + ADR_LO];
            if widen {
                lo = max(lo - step, adr_ranges[r + ADR_LIMIT_LO]);
            } else if narrow {
                lo = min(lo + step, adr_ranges[r + ADR_START_LO]);
            }
            adr_ranges[r + ADR_LO] = lo;
        } else {
            var hi = adr_ranges[r + ADR_HI];
            if widen {
                hi = min(hi + step, adr_ranges[r + ADR_LIMIT_HI]);
            } else if narrow {
                hi = max(hi - step, adr_ranges[r + ADR_START_HI]);
            }
            adr_ranges[r + ADR_HI] = hi;
        }
    }
}
