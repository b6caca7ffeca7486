// Scene stage `task`: observation, reset, and each task's reward and termination.
// CPU twin: src/sim/cpu/task.rs.

// ---- Reward and termination, per task (`scene.task`, one of TASK_*; the task's bodies
// and joints are `scene.task_q`, `scene.task_q2`, resolved by name when the env is built) ----

// The reward of one step that reached the current state.
fn task_reward() -> f32 {
    if scene.task == TASK_BALANCE {
        return 1.0;
    }
    if scene.task == TASK_UPRIGHT {
        return upright_reward();
    }
    if scene.task == TASK_PUSH {
        return push_reward();
    }
    if scene.task >= TASK_GYM_LOCOMOTION {
        return gym_reward();
    }
    return 0.0;
}

// Whether the current state ends the episode (Gymnasium's `terminated`).
fn task_terminated() -> bool {
    if scene.task == TASK_PUSH {
        return push_distance() < scene.task_radius;
    }
    if scene.task == TASK_BALANCE {
        return balance_failed();
    }
    if scene.task >= TASK_GYM_LOCOMOTION {
        return gym_terminated();
    }
    return false;
}

// Balance (`cartpole-rigid`): reward 1 per step; terminated when the pole joint leaves
// ±task_limit rad.
fn balance_failed() -> bool {
    let j = scene.task_q;
    return abs(scalar_q(j)) > scene.task_limit;
}

// dm_control / MuJoCo Playground cart-pole balance reward (`cartpole-vision`), in [0, 1]:
// upright · centred · small control · small velocity.
fn upright_reward() -> f32 {
    let upright = 0.5 * (cos(scalar_q(scene.task_q)) + 1.0);
    let centred = 0.5 * (1.0 + tolerance_gaussian(scalar_q(scene.task_q2), UPRIGHT_CENTER_MARGIN));
    let ctrl = action_in[W * scene.num_actuators];
    let small_control = (4.0 + tolerance_quadratic(ctrl, UPRIGHT_CONTROL_MARGIN)) / 5.0;
    let small_velocity = 0.5 * (1.0 + tolerance_gaussian(scalar_qd(scene.task_q), UPRIGHT_VELOCITY_MARGIN));
    return upright * centred * small_control * small_velocity;
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

// Push (`push-cube`): −(xy distance from the object to the goal, m), plus the success bonus
// within task_radius, where the episode terminates.
fn push_distance() -> f32 {
    let d = pos(scene.task_q) - pos(scene.task_q2);
    return length(d.xy);
}
fn push_reward() -> f32 {
    let d = push_distance();
    return -d + select(0.0, PUSH_SUCCESS_BONUS, d < scene.task_radius);
}

// ---- Observation and reset ----
// Adds Gaussian noise to the observation row at `base` (nothing unless obs.noise_std is
// randomized), fresh for each (episode, step): four entries per RNG block.
fn add_obs_noise(base: u32, dest: u32) {
    let sd = opt(OPT_OBS_NOISE);
    if sd <= 0.0 {
        return;
    }
    let key = params.key ^ vec4<u32>(0u, 0u, ELAPSED, 0u);
    for (var i = 0u; i < scene.obs_dim; i += 4u) {
        let z = sd * normals4(rng_block(key, W, EPISODE, OBS_NOISE_BLOCK + i / 4u));
        for (var k = 0u; k < min(4u, scene.obs_dim - i); k++) {
            if (dest & OBS_FINAL) != 0u {
                final_obs_out[base + i + k] += z[k];
            }
            if (dest & OBS_RETURNED) != 0u {
                obs_out[base + i + k] += z[k];
            }
        }
    }
}
// Joint j's MuJoCo coordinates: up to 7 qpos words, then from index 7 up to 6 qvel words
// (joint_nq and joint_nv of its kind say how many).
fn joint_coords(j: u32) -> array<f32, 13> {
    let kind = ju(j, J_KIND);
    let b = ju(j, J_BODY);
    var vals = array<f32, 13>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    if kind == JOINT_HINGE || kind == JOINT_SLIDE {
        vals[0] = scalar_q(j);
        vals[7] = scalar_qd(j);
        return vals;
    }
    let qm = qmul(quat(b), jw4(j, J_RELC_QUAT));
    if kind == JOINT_FREE {
        let xm = pos(b) + qrot(quat(b), jw3(j, J_RELC_POS));
        let vm = vel(b) + cross(angvel(b), xm - pos(b));
        let wl = qrot(qconj(qm), angvel(b));
        return array<f32, 13>(xm.x, xm.y, xm.z, qm.w, qm.x, qm.y, qm.z, vm.x, vm.y, vm.z, wl.x, wl.y, wl.z);
    }
    let p = parent(b);
    let r = qmul(qmul(qconj(jw4(j, J_PQ)), qconj(quat(p))), qm);
    let wl = qrot(qconj(qm), angvel(b) - angvel(p));
    return array<f32, 13>(r.w, r.x, r.y, r.z, 0.0, 0.0, 0.0, wl.x, wl.y, wl.z, 0.0, 0.0, 0.0);
}
fn joint_nq(kind: u32) -> u32 {
    return select(select(1u, 4u, kind == JOINT_BALL), 7u, kind == JOINT_FREE);
}
fn joint_nv(kind: u32) -> u32 {
    return select(select(1u, 3u, kind == JOINT_BALL), 6u, kind == JOINT_FREE);
}
// Writes observation word `i` of the row at `base` (a faulted world's non-finite values
// read 0, so they never reach a learner's batch; its flags say what happened).
// Where an observation goes (`dest`, a mask): the returned observation, the final one.
const OBS_RETURNED: u32 = 1u;
const OBS_FINAL: u32 = 2u;
fn write_obs(base: u32, i: u32, v: f32, dest: u32) {
    let x = select(0.0, v, is_finite(v));
    if (dest & OBS_FINAL) != 0u {
        final_obs_out[base + i] = x;
    }
    if (dest & OBS_RETURNED) != 0u {
        obs_out[base + i] = x;
    }
}
// The observation: qpos then qvel (MuJoCo's conventions), or the Gymnasium task's own.
fn observe(base: u32, dest: u32) {
    if scene.task >= TASK_GYM_LOCOMOTION {
        gym_observe(base, dest);
        add_obs_noise(base, dest);
        return;
    }
    let nq = scene.nq;
    for (var j = 0u; j < scene.num_joints; j++) {
        let qa = ju(j, J_QADR);
        let va = nq + ju(j, J_VADR);
        let kind = ju(j, J_KIND);
        let vals = joint_coords(j);
        for (var k = 0u; k < joint_nq(kind); k++) {
            write_obs(base, qa + k, vals[k], dest);
        }
        for (var k = 0u; k < joint_nv(kind); k++) {
            write_obs(base, va + k, vals[7u + k], dest);
        }
    }
    add_obs_noise(base, dest);
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
    if scene.reset_kind != RESET_JOINTS {
        gym_reset(episode);
        return;
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
        let r = axis_angle(hinge_motion_axis(j), d);
        let anchor = anchor_c_world(b);
        for (var k = b; k < end; k++) {
            set_pos(k, anchor + qrot(r, pos(k) - anchor));
            set_quat(k, normalize(qmul(r, quat(k))));
        }
        st_set(memory_index(j), st_get(memory_index(j)) + d);
    }
}
