// Scene stage `gym`: Gymnasium 1.4.0's v5 MuJoCo tasks (scene.task >= TASK_GYM_LOCOMOTION):
// their observation, reward terms, termination and reset, computed from MuJoCo's qpos and
// qvel of the world. Every number of a task is a field of `scene` (written by
// env::task::GymTask) or a constant of layout::physics. CPU twin: src/sim/cpu/gym.rs
// (the reset is the GPU's alone, as the scene reset).

// ---- qpos and qvel, kept in the task's scratch words ----
fn gym_store_qpos() {
    let at = scene.scratch_task + TS_QPOS;
    for (var j = 0u; j < scene.num_joints; j++) {
        let kind = ju(j, J_KIND);
        let vals = joint_coords(j);
        for (var k = 0u; k < joint_nq(kind); k++) {
            xs_set(at + ju(j, J_QADR) + k, vals[k]);
        }
        for (var k = 0u; k < joint_nv(kind); k++) {
            xs_set(at + scene.nq + ju(j, J_VADR) + k, vals[7u + k]);
        }
    }
}
// qpos[i] and qvel[i] as last stored; gs(i) is Gymnasium's state_vector()[i].
fn gq(i: u32) -> f32 {
    return xs_get(scene.scratch_task + TS_QPOS + i);
}
fn gv(i: u32) -> f32 {
    return gq(scene.nq + i);
}
// A reward term of this step, into the scratch buffer itself (never the private copy, which
// does not outlive the dispatch), where SceneEnv::reward_terms reads it.
fn set_term(k: u32, v: f32) {
    scratch[XB + scene.scratch_task + TS_TERMS + k] = v;
}
fn clear_terms() {
    if scene.task >= TASK_GYM_LOCOMOTION {
        for (var k = 0u; k < MAX_REWARD_TERMS; k++) {
            set_term(k, 0.0);
        }
    }
}

// ---- Before and after the physics steps of one env step ----
// qpos[0] before the step, for the forward reward.
fn task_begin() {
    if scene.task >= TASK_GYM_LOCOMOTION {
        gym_store_qpos();
        xs_set(scene.scratch_task + TS_X_BEFORE, gq(0u));
    }
}
// qpos and qvel after the step, which reward and termination read.
fn task_end() {
    if scene.task >= TASK_GYM_LOCOMOTION {
        gym_store_qpos();
    }
}

// ---- Points of the task (reacher's centres of mass, the double pendulum's tip) ----
fn point_a() -> vec3<f32> {
    let b = scene.task_q;
    return pos(b) + qrot(quat(b), vec3<f32>(scene.pa_x, scene.pa_y, scene.pa_z));
}
fn point_b() -> vec3<f32> {
    let b = scene.task_q2;
    return pos(b) + qrot(quat(b), vec3<f32>(scene.pb_x, scene.pb_y, scene.pb_z));
}

// ---- Health (locomotion and balance) ----
fn gym_in(v: f32, lo: f32, hi: f32) -> bool {
    if scene.health_inclusive != 0u {
        return v >= lo && v <= hi;
    }
    return v > lo && v < hi;
}
fn gym_healthy() -> bool {
    var ok = true;
    if scene.z_q != NONE {
        ok = ok && gym_in(gq(scene.z_q), scene.z_lo, scene.z_hi);
    }
    if scene.angle_q != NONE {
        ok = ok && gym_in(gq(scene.angle_q), scene.angle_lo, scene.angle_hi);
    }
    for (var i = scene.state_from; i < scene.nq + scene.nv; i++) {
        let v = gq(i);
        ok = ok && is_finite(v) && gym_in(v, scene.state_lo, scene.state_hi);
    }
    return ok;
}
fn ctrl_square_sum() -> f32 {
    var s = 0.0;
    for (var a = 0u; a < scene.num_actuators; a++) {
        let c = action_in[W * scene.num_actuators + a];
        s += c * c;
    }
    return s;
}
// Double pendulum: the tip's height ends the episode at or below IDP_MIN_HEIGHT.
fn idp_alive() -> bool {
    return point_a().z > IDP_MIN_HEIGHT;
}

// ---- Reward (after task_end), its terms into the scratch ----
fn gym_reward() -> f32 {
    var t = vec4<f32>(0.0);
    if scene.task == TASK_GYM_LOCOMOTION {
        let dt = opt(OPT_DT) * f32(max(scene.frame_skip, 1u));
        let vx = (gq(0u) - xs_get(scene.scratch_task + TS_X_BEFORE)) / dt;
        t[TERM_FORWARD] = scene.w_forward * vx;
        t[TERM_CTRL] = -scene.w_ctrl * ctrl_square_sum();
        t[TERM_SURVIVE] = select(0.0, scene.healthy_reward, gym_healthy());
    } else if scene.task == TASK_GYM_DOUBLE_PENDULUM {
        let tip = point_a();
        let dz = tip.z - IDP_TARGET_HEIGHT;
        let v1 = gv(1u);
        let v2 = gv(2u);
        t[0] = select(0.0, scene.healthy_reward, idp_alive());
        t[1] = -(IDP_X_WEIGHT * tip.x * tip.x + dz * dz);
        t[2] = -(IDP_V1_WEIGHT * v1 * v1 + IDP_V2_WEIGHT * v2 * v2);
    } else if scene.task == TASK_GYM_REACHER {
        t[0] = -length(point_a() - point_b());
        t[1] = -scene.w_ctrl * ctrl_square_sum();
    }
    for (var k = 0u; k < MAX_REWARD_TERMS; k++) {
        set_term(k, t[k]);
    }
    return t[0] + t[1] + t[2] + t[3];
}
fn gym_terminated() -> bool {
    if scene.task == TASK_GYM_LOCOMOTION {
        return scene.terminate_unhealthy != 0u && !gym_healthy();
    }
    if scene.task == TASK_GYM_DOUBLE_PENDULUM {
        return !idp_alive();
    }
    return false;
}

// ---- Observation ----
fn clip_vel(v: f32) -> f32 {
    if scene.vel_clip > 0.0 {
        return clamp(v, -scene.vel_clip, scene.vel_clip);
    }
    return v;
}
fn gym_observe(base: u32, dest: u32) {
    gym_store_qpos();
    let nq = scene.nq;
    let nv = scene.nv;
    if scene.task == TASK_GYM_LOCOMOTION {
        // qpos[obs_skip..], then qvel (clipped where Gymnasium clips).
        var o = 0u;
        for (var i = scene.obs_skip; i < nq; i++) {
            write_obs(base, o, gq(i), dest);
            o++;
        }
        for (var i = 0u; i < nv; i++) {
            write_obs(base, o, clip_vel(gv(i)), dest);
            o++;
        }
    } else if scene.task == TASK_GYM_DOUBLE_PENDULUM {
        // qpos[0], sin(qpos[1..]), cos(qpos[1..]), clip(qvel), then MuJoCo's constraint
        // force on the cart, which this solver does not compute: 0 (see GymTask).
        var o = 0u;
        write_obs(base, o, gq(0u), dest);
        o++;
        for (var i = 1u; i < nq; i++) {
            write_obs(base, o, sin(gq(i)), dest);
            o++;
        }
        for (var i = 1u; i < nq; i++) {
            write_obs(base, o, cos(gq(i)), dest);
            o++;
        }
        for (var i = 0u; i < nv; i++) {
            write_obs(base, o, clamp(gv(i), -GYM_VEL_CLIP, GYM_VEL_CLIP), dest);
            o++;
        }
        write_obs(base, o, 0.0, dest);
    } else if scene.task == TASK_GYM_REACHER {
        // cos, sin of the two arm angles, the target's qpos, the arm's qvel, and the
        // fingertip minus the target in x and y.
        write_obs(base, 0u, cos(gq(0u)), dest);
        write_obs(base, 1u, cos(gq(1u)), dest);
        write_obs(base, 2u, sin(gq(0u)), dest);
        write_obs(base, 3u, sin(gq(1u)), dest);
        for (var i = 2u; i < nq; i++) {
            write_obs(base, 2u + i, gq(i), dest);
        }
        write_obs(base, 2u + nq, gv(0u), dest);
        write_obs(base, 3u + nq, gv(1u), dest);
        let d = point_a() - point_b();
        write_obs(base, 4u + nq, d.x, dest);
        write_obs(base, 5u + nq, d.y, dest);
    }
}

// ---- Reset: Gymnasium's noise on qpos and qvel ----
fn gym_uniform(episode: u32, block: u32, half: f32) -> f32 {
    let u = rng_block(params.key, W, episode, GYM_RESET_BLOCK + block);
    return half * (2.0 * rng_unit(u.x) - 1.0);
}
fn gym_normal(episode: u32, block: u32) -> f32 {
    return normals4(rng_block(params.key, W, episode, GYM_RESET_BLOCK + block)).x;
}
// Adds `dv` (rad/s or m/s) to the velocity of hinge or slide j: its subtree gains the
// matching rigid motion.
fn add_joint_velocity(j: u32, dv: f32) {
    let kind = ju(j, J_KIND);
    let b = ju(j, J_BODY);
    if kind == JOINT_SLIDE {
        let dl = slide_axis_world(b, ju(j, J_SLOT)) * dv;
        for (var k = b; k < bu(b, B_SUBTREE_END); k++) {
            set_vel(k, vel(k) + dl);
        }
    } else if kind == JOINT_HINGE {
        let dw = hinge_motion_axis(j) * dv;
        let c = anchor_c_world(b);
        for (var k = b; k < bu(b, B_SUBTREE_END); k++) {
            set_angvel(k, angvel(k) + dw);
            set_vel(k, vel(k) + cross(dw, pos(k) - c));
        }
    }
}
// Free joint j: its frame moved by `dx` and its quaternion (w, x, y, z) by `dq` then
// renormalized, as MuJoCo reads a noisy qpos; its subtree follows.
fn move_free(j: u32, dx: vec3<f32>, dq: vec4<f32>) {
    let b = ju(j, J_BODY);
    let qm = qmul(quat(b), jw4(j, J_RELC_QUAT));
    let xm = pos(b) + qrot(quat(b), jw3(j, J_RELC_POS));
    let qn = normalize(qm + vec4<f32>(dq.y, dq.z, dq.w, dq.x));
    let r = qmul(qn, qconj(qm));
    for (var k = b; k < bu(b, B_SUBTREE_END); k++) {
        set_pos(k, xm + dx + qrot(r, pos(k) - xm));
        set_quat(k, normalize(qmul(r, quat(k))));
    }
}
// Free joint j: qvel's linear part `dl` (world) and angular part `dw` (its frame) added.
fn add_free_velocity(j: u32, dl: vec3<f32>, dwl: vec3<f32>) {
    let b = ju(j, J_BODY);
    let qm = qmul(quat(b), jw4(j, J_RELC_QUAT));
    let xm = pos(b) + qrot(quat(b), jw3(j, J_RELC_POS));
    let dw = qrot(qm, dwl);
    for (var k = b; k < bu(b, B_SUBTREE_END); k++) {
        set_angvel(k, angvel(k) + dw);
        set_vel(k, vel(k) + dl + cross(dw, pos(k) - xm));
    }
}
// qpos noise, then qvel noise, joint by joint in joint order (each joint moves its subtree
// as MuJoCo's forward kinematics would). Ball joints get none.
fn gym_reset(episode: u32) {
    let reacher = scene.reset_kind == RESET_GYM_REACHER;
    let sq = select(scene.reset_noise, REACHER_QPOS_NOISE, reacher);
    let sv = select(scene.reset_noise, REACHER_QVEL_NOISE, reacher);
    let normal = scene.reset_kind == RESET_GYM_NORMAL;
    for (var j = 0u; j < scene.num_joints; j++) {
        let kind = ju(j, J_KIND);
        let qa = ju(j, J_QADR);
        if kind == JOINT_FREE {
            let dx = vec3<f32>(gym_uniform(episode, qa, sq), gym_uniform(episode, qa + 1u, sq), gym_uniform(episode, qa + 2u, sq));
            let dq = vec4<f32>(gym_uniform(episode, qa + 3u, sq), gym_uniform(episode, qa + 4u, sq), gym_uniform(episode, qa + 5u, sq), gym_uniform(episode, qa + 6u, sq));
            move_free(j, dx, dq);
        } else if kind != JOINT_BALL {
            move_joint(j, gym_uniform(episode, qa, sq));
        }
    }
    if reacher {
        reacher_goal(episode);
    }
    for (var j = 0u; j < scene.num_joints; j++) {
        let kind = ju(j, J_KIND);
        let va = ju(j, J_VADR);
        if reacher && va + 2u >= scene.nv {
            continue; // the target's qvel stays 0
        }
        var d = array<f32, 6>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (var k = 0u; k < joint_nv(kind); k++) {
            let block = 0x1000u + va + k;
            d[k] = select(gym_uniform(episode, block, sv), sv * gym_normal(episode, block), normal);
        }
        if kind == JOINT_FREE {
            add_free_velocity(j, vec3<f32>(d[0], d[1], d[2]), vec3<f32>(d[3], d[4], d[5]));
        } else if kind != JOINT_BALL {
            add_joint_velocity(j, d[0]);
        }
    }
}
// Reacher: the target's two slides (the last two qpos) set to a goal uniform in the disc of
// radius REACHER_GOAL_RADIUS, drawn by rejection as Gymnasium does.
fn reacher_goal(episode: u32) {
    var goal = vec2<f32>(0.0);
    for (var t = 0u; t < REACHER_GOAL_TRIES; t++) {
        let u = rng_block(params.key, W, episode, GYM_RESET_BLOCK + 0x2000u + t);
        let g = REACHER_GOAL_RADIUS * (2.0 * vec2<f32>(rng_unit(u.x), rng_unit(u.y)) - 1.0);
        if length(g) < REACHER_GOAL_RADIUS {
            goal = g;
            break;
        }
    }
    for (var j = 0u; j < scene.num_joints; j++) {
        let qa = ju(j, J_QADR);
        if qa + 2u >= scene.nq && ju(j, J_KIND) == JOINT_SLIDE {
            move_joint(j, goal[qa + 2u - scene.nq] - scalar_q(j));
        }
    }
}
