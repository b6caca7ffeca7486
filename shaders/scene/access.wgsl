// Scene stage `access`: this thread's world, the private copies of its rows, and one
// accessor per Model record family and per State field. Every other stage reads and
// writes a world only through these. CPU twin: src/sim/cpu/access.rs.

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
