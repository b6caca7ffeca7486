// Scene stage `randomize`: the `randomize_scan`, `randomize` and `adr_update` entries,
// dispatched after each step. Word layout: src/layout/randomize.rs; CPU reference of the
// draws: src/randomize/sample.rs.

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
        let w = hinge_motion_axis(j) * dv;
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
        // The folded armature the gyroscopic term and the reaction share leave out.
        let arm_axis = bw3(t, B_HAXIS_C) * sqrt(v.x);
        for (var c = 0u; c < 3u; c++) {
            set_bw(t, B_ARM_AXIS + c, arm_axis[c]);
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
    // One call site each for `apply_slot` and `observe` (each call site is a copy of the
    // callee in the compiled kernel; see the `step` entry).
    let reset = (flags & FLAG_RESET) != 0u;
    var pin = bitcast<u32>(draws[db + D_ADR]);
    if reset {
        if stepping {
            adr_record(db);
        }
        draws[db + D_RETURN] = 0.0;
        pin = NONE;
        if rparams.num_adr > 0u {
            let u = rng_block(params.key, W, EPISODE, ADR_BLOCK);
            if rng_unit(u.x) < rparams.boundary_prob {
                let p = min(u32(rng_unit(u.y) * f32(rparams.num_adr)), rparams.num_adr - 1u);
                pin = p * 2u + (u.z & 1u);
            }
        }
        draws[db + D_ADR] = bitcast<f32>(pin);
        draws[db + D_EPISODE] = bitcast<f32>(EPISODE);
    }
    for (var s = 0u; s < rparams.num_slots; s++) {
        // At a reset every slot draws (index 0); otherwise the slots due by their `every`.
        let every = rtu(s, R_EVERY);
        if reset || (every > 0u && ELAPSED % every == 0u) {
            let index = select(ELAPSED / max(every, 1u), 0u, reset);
            store_draw(db, s, apply_slot(s, sample_slot(s, index, pin)));
        }
    }
    if reset {
        // A reset dispatch (full or masked) returns its observation as the final one too.
        let reset_mode = params.mode == MODE_RESET || params.mode == MODE_RESET_MASKED;
        let same_step_reset = reset_mode && params.autoreset == AUTORESET_SAME_STEP;
        observe(W * scene.obs_dim, OBS_RETURNED | select(0u, OBS_FINAL, same_step_reset));
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
