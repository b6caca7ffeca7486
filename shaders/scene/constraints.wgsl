// Scene stage `constraints`: inverse masses and the zero-compliance XPBD constraint
// primitives (point, anchor, angle) that joints and contacts are built from.
// CPU twin: src/sim/cpu/constraints.rs.

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
