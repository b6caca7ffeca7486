// Scene stage `contacts`: the contact list in scratch, and solving contacts (normal,
// static friction per patch, then the velocity pass). CPU twin: src/sim/cpu/contacts.rs.

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

// The number of contacts `collide` found this step.
fn contact_count() -> u32 {
    return bitcast<u32>(xs_get(count_index()));
}
// Each contact's normal approach speed at the start of the substep (restitution's target).
fn record_normal_velocities(nc: u32) {
    for (var c = 0u; c < nc; c++) {
        let k = contact_points(c);
        set_contact_word(c, C_VN0, dot(relative_velocity(k.a, k.ra, k.b, k.rb), k.n));
    }
}
// The position pass over the contacts: each contact's normal, then after the last
// contact of a patch, the patch's static friction.
fn solve_contacts(nc: u32) {
    var start = 0u;
    for (var c = 0u; c < nc; c++) {
        solve_contact_position(c);
        if c + 1u == nc || contact_word(c + 1u, C_PATCH_FIRST) != 0.0 {
            patch_friction(start, c + 1u);
            start = c + 1u;
        }
    }
}
// The velocity pass over the contacts: dynamic friction and restitution.
fn solve_contact_velocities(nc: u32, h: f32) {
    for (var c = 0u; c < nc; c++) {
        solve_contact_velocity(c, h);
    }
}
