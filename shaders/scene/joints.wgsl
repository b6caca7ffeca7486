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
fn solve_limits() {
    for (var j = 0u; j < scene.num_joints; j++) {
        if ju(j, J_LIMITED) != 0u {
            solve_limit(j);
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
