// Scene stage `joints`: joint coordinates, the joint groups and limits as position
// constraints, joint damping and actuator forces. CPU twin: src/sim/cpu/joints.rs.

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
// Whether body b turns on a group of two or three hinges.
fn hinge_group(b: u32) -> bool {
    let rot = bu(b, B_ROT);
    return rot == ROT_HINGE2 || rot == ROT_HINGE3;
}
// The angles of body b's hinge group relative to the reference, each in (-pi, pi]: Euler
// angles about the basis (a1, a2, a1 x a2) (the CPU twin says why).
fn group_angles(b: u32) -> vec3<f32> {
    let p = parent(b);
    let r = qmul(qmul(qconj(bw4(b, B_QJ0)), qconj(quat(p))), quat(b));
    let e1 = bw3(b, B_HINGE_AXES);
    let e2 = bw3(b, B_HINGE_AXES + 3u);
    let e3 = cross(e1, e2);
    let m1 = qrot(r, e1);
    let m2 = qrot(r, e2);
    let m3 = qrot(r, e3);
    let r02 = dot(e1, m3);
    let r12 = dot(e2, m3);
    let r22 = dot(e3, m3);
    var sign = 1.0;
    if dot(bw3(b, B_HINGE_AXES + 6u), e3) < 0.0 {
        sign = -1.0;
    }
    return vec3<f32>(
        atan2(-r12, r22),
        atan2(r02, sqrt(r12 * r12 + r22 * r22)),
        sign * atan2(-dot(e1, m2), dot(e1, m1)),
    );
}
// World axis k of body b's hinge group: the first fixed in the parent, the last in the
// body; with three, the middle one at right angles to both; with two, the third is the
// held direction. No angle is needed (the CPU twin says why).
fn group_axis(b: u32, k: u32) -> vec3<f32> {
    let a1 = bw3(b, B_HINGE_AXES);
    let a2 = bw3(b, B_HINGE_AXES + 3u);
    let g1 = qrot(qmul(quat(parent(b)), bw4(b, B_QJ0)), a1);
    if k == 0u {
        return g1;
    }
    if bu(b, B_ROT) == ROT_HINGE2 {
        let g2 = qrot(quat(b), a2);
        return select(cross(g1, g2), g2, k == 1u);
    }
    let a3 = bw3(b, B_HINGE_AXES + 6u);
    let g3 = qrot(quat(b), a3);
    if k == 2u {
        return g3;
    }
    let c = cross(g3, g1);
    return c * (dot(cross(a3, a1), a2) / max(length(c), 1e-6));
}
// Joint j's hinge axis in the world, along which it moves.
fn hinge_motion_axis(j: u32) -> vec3<f32> {
    let b = ju(j, J_BODY);
    if !hinge_group(b) {
        return hinge_axis_world(b);
    }
    return group_axis(b, ju(j, J_SLOT));
}
// The world direction of a unit torque on joint j's coordinate: the hinge axis, or for a
// hinge of a group the dual of its axis against the other two.
fn hinge_force_axis(j: u32) -> vec3<f32> {
    let b = ju(j, J_BODY);
    if !hinge_group(b) {
        return hinge_axis_world(b);
    }
    let k = ju(j, J_SLOT);
    let g0 = group_axis(b, 0u);
    let g1 = group_axis(b, 1u);
    let g2 = group_axis(b, 2u);
    var det = dot(g0, cross(g1, g2));
    if abs(det) < 1e-3 {
        det = select(-1e-3, 1e-3, det >= 0.0);
    }
    if k == 0u {
        return cross(g1, g2) / det;
    } else if k == 1u {
        return cross(g2, g0) / det;
    }
    return cross(g0, g1) / det;
}
// Joint j's hinge angle relative to its reference, in (-pi, pi].
fn hinge_raw_of(j: u32) -> f32 {
    let b = ju(j, J_BODY);
    if !hinge_group(b) {
        return hinge_raw(b);
    }
    let t = group_angles(b);
    let k = ju(j, J_SLOT);
    if k == 0u {
        return t.x;
    } else if k == 1u {
        return t.y;
    }
    return t.z;
}
fn memory_index(j: u32) -> u32 {
    return scene.num_bodies * BODY_STATE + j;
}
fn hinge_q(j: u32) -> f32 {
    let raw = jw(j, J_REF) + hinge_raw_of(j);
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
        return dot(angvel(b) - angvel(p), hinge_force_axis(j));
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
    } else if rot == ROT_HINGE2 {
        // A universal joint: the first axis (in the parent) at right angles to the second.
        let g1 = qrot(quat(p), qrot(bw4(b, B_QJ0), bw3(b, B_HINGE_AXES)));
        let g2 = qrot(quat(b), bw3(b, B_HINGE_AXES + 3u));
        solve_angle(b, p, cross(g1, g2) * dot(g1, g2));
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
// Soft limit of joint `j` over substep `h` (the CPU twin says how it follows MuJoCo's):
// once the substep started outside the range, the joint moves to where its acceleration is
// d·aref, implicit in the end-of-substep violation and velocity. A limit only pushes.
fn solve_limit(j: u32, h: f32) {
    let lo = jw(j, J_RANGE_LO);
    let hi = jw(j, J_RANGE_HI);
    let i = joint_start_index(j);
    let q0 = xs_get(i);
    let qd0 = xs_get(i + 1u);
    var s = 0.0;
    var bound = 0.0;
    if q0 < lo {
        s = 1.0;
        bound = lo;
    } else if q0 > hi {
        s = -1.0;
        bound = hi;
    } else {
        return;
    }
    let r0 = s * (q0 - bound);
    let v0 = s * qd0;
    let r = s * (scalar_q(j) - bound);
    let d = limit_impedance(j, -r0);
    let k = jw(j, J_LIMIT_K);
    let bd = jw(j, J_LIMIT_B);
    let x = (r0 + h * v0 + d * h * bd * r0) / (1.0 + d * h * bd + d * d * h * h * k);
    let dr = x - r;
    if dr <= 0.0 {
        return;
    }
    let b = ju(j, J_BODY);
    let p = parent(b);
    if ju(j, J_KIND) == JOINT_HINGE {
        // As solve_angle, with the parent's reaction_share of the impulse.
        let a = hinge_force_axis(j);
        let share = reaction_share(b, a);
        let w = ang_inv_mass(b, a) + share * ang_inv_mass(p, a);
        if w > PHYS_EPS {
            let lambda = s * dr / w;
            apply_rot_impulse(b, a * lambda);
            apply_rot_impulse(p, -a * (lambda * share));
        }
    } else {
        let a = slide_axis_world(b, ju(j, J_SLOT));
        let xc = anchor_c_world(b);
        solve_point(b, xc - pos(b), p, xc - pos(p), -a * (s * dr));
    }
}
// x^p for x >= 0, exact for the default power 2 (and 1), as the CPU twin.
fn pow_sigmoid(x: f32, p: f32) -> f32 {
    if p == 2.0 {
        return x * x;
    } else if p == 1.0 {
        return x;
    }
    return pow(x, p);
}
// MuJoCo's constraint impedance at violation x >= 0 from the joint's solimplimit.
fn limit_impedance(j: u32, x: f32) -> f32 {
    let d0 = jw(j, J_SOLIMP);
    let dw = jw(j, J_SOLIMP + 1u);
    let width = jw(j, J_SOLIMP + 2u);
    let mid = jw(j, J_SOLIMP + 3u);
    let power = jw(j, J_SOLIMP + 4u);
    if x >= width {
        return dw;
    }
    let t = x / width;
    var y = 0.0;
    if t <= mid {
        y = pow_sigmoid(t, power) / pow_sigmoid(mid, power - 1.0);
    } else {
        y = 1.0 - pow_sigmoid(1.0 - t, power) / pow_sigmoid(1.0 - mid, power - 1.0);
    }
    return d0 + y * (dw - d0);
}
// Scratch index of joint j's start-of-substep position (its velocity follows).
fn joint_start_index(j: u32) -> u32 {
    return scene.scratch_joints + 2u * j;
}
// Whether joint j needs its start-of-substep state: a limited hinge or slide.
fn tracks_start(j: u32) -> bool {
    return ju(j, J_LIMITED) != 0u;
}
// Inverse effective mass of joint j's degree of freedom through its two bodies.
fn joint_inv_mass(j: u32) -> f32 {
    let b = ju(j, J_BODY);
    let p = parent(b);
    if ju(j, J_KIND) == JOINT_HINGE {
        let a = hinge_force_axis(j);
        return ang_inv_mass(b, a) + ang_inv_mass(p, a);
    }
    let a = slide_axis_world(b, ju(j, J_SLOT));
    let x = anchor_c_world(b);
    return point_inv_mass(b, x - pos(b), a) + point_inv_mass(p, x - pos(p), a);
}
// The share of a joint-space impulse on the hinge of body b (world axis a) that reacts on
// its parent: all of it, less what the folded armature takes (the CPU twin says why).
fn reaction_share(b: u32, a: vec3<f32>) -> f32 {
    let s = bw3(b, B_ARM_AXIS);
    let arm = dot(s, s);
    if arm <= 0.0 {
        return 1.0;
    }
    return max(1.0 - arm * ang_inv_mass(b, a), 0.0);
}
// A velocity-level impulse along joint j: on the child, and its reaction on the parent.
fn joint_impulse(j: u32, imp: f32) {
    joint_impulse_shared(j, imp, false);
}
// joint_impulse, with the parent taking only its reaction_share of a hinge's impulse when
// `driven` (actuators).
fn joint_impulse_shared(j: u32, imp: f32, driven: bool) {
    let b = ju(j, J_BODY);
    let p = parent(b);
    if ju(j, J_KIND) == JOINT_HINGE {
        let a = hinge_force_axis(j);
        let tau = a * imp;
        set_angvel_if(b, angvel(b) + inv_inertia_mul(b, tau));
        var share = 1.0;
        if driven {
            share = reaction_share(b, a);
        }
        set_angvel_if(p, angvel(p) - inv_inertia_mul(p, tau * share));
    } else {
        let force = slide_axis_world(b, ju(j, J_SLOT)) * imp;
        let x = anchor_c_world(b);
        let rb = x - pos(b);
        let rp = x - pos(p);
        apply_vel_impulse(b, force, rb);
        apply_vel_impulse(p, -force, rp);
    }
}
fn set_angvel_if(b: u32, w: vec3<f32>) {
    if b != NONE {
        set_angvel(b, w);
    }
}
// Viscous damping of joint j over substep h (implicit, backward Euler).
fn damp_joint(j: u32, h: f32) {
    let d = jw(j, J_DAMPING);
    let w = joint_inv_mass(j);
    let imp = -scalar_qd(j) * d * h / (1.0 + d * h * w);
    joint_impulse(j, imp);
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
// Actuator forces, then joint springs (-stiffness (q - springref)), into the velocities.
fn apply_actuators(h: f32) {
    for (var a = 0u; a < scene.num_actuators; a++) {
        let f = actuator_force(a);
        joint_impulse_shared(au(a, A_JOINT), f * h, true);
    }
    for (var j = 0u; j < scene.num_joints; j++) {
        let k = jw(j, J_STIFFNESS);
        if k > 0.0 {
            let f = -k * (scalar_q(j) - jw(j, J_SPRINGREF));
            joint_impulse(j, f * h);
        }
    }
}
// Dry friction of every rubbing joint against the velocities the substep's forces gave
// it, before they move anything (the CPU twin says why).
fn apply_joint_friction(h: f32) {
    for (var j = 0u; j < scene.num_joints; j++) {
        let fl = jw(j, J_FRICTIONLOSS);
        if fl <= 0.0 {
            continue;
        }
        let w = joint_inv_mass(j);
        if w <= PHYS_EPS {
            continue;
        }
        let stop = -scalar_qd(j) / w;
        joint_impulse(j, clamp(stop, -fl * h, fl * h));
    }
}

// Every joint group of the world, in body order: one Gauss-Seidel pass. Free bodies have
// no joint to solve.
fn solve_joints() {
    for (var b = 0u; b < scene.num_bodies; b++) {
        if !(bu(b, B_ROT) == ROT_FREE && bu(b, B_TRANS_FREE) == 1u) {
            solve_joint_group(b);
        }
    }
}
// Every limited joint's limit, in joint order.
fn solve_limits(h: f32) {
    for (var j = 0u; j < scene.num_joints; j++) {
        if ju(j, J_LIMITED) != 0u {
            solve_limit(j, h);
        }
    }
}
// The position and velocity of every limited joint at the start of the substep.
fn record_joint_states() {
    for (var j = 0u; j < scene.num_joints; j++) {
        if tracks_start(j) {
            let i = joint_start_index(j);
            let q = scalar_q(j);
            xs_set(i, q);
            xs_set(i + 1u, scalar_qd(j));
            if ju(j, J_KIND) == JOINT_HINGE {
                // Unwrap against the substep: a limit must know which side a fast joint
                // left its range by.
                st_set(memory_index(j), q);
            }
        }
    }
}
// Damping of every damped joint over substep `h`.
fn damp_joints(h: f32) {
    for (var j = 0u; j < scene.num_joints; j++) {
        if jw(j, J_DAMPING) > 0.0 {
            damp_joint(j, h);
        }
    }
}
// Each hinge's angle, remembered in the State so the next step unwraps against it.
fn store_hinge_angles() {
    for (var j = 0u; j < scene.num_joints; j++) {
        if ju(j, J_KIND) == JOINT_HINGE {
            let q = hinge_q(j);
            st_set(memory_index(j), q);
        }
    }
}
