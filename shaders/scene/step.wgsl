// Scene stage `step`: the physics step as an ordered list of named stages, and the `step`
// entry (one thread per world) that wraps it in the episode logic: reset, autoreset,
// reward, termination, observation. CPU twin: src/sim/cpu/step.rs.
//
// The solver is substepped XPBD with zero compliance (hard contacts and joints): Macklin
// et al., "Small Steps in Physics Simulation" (2019); Müller et al., "Detailed Rigid Body
// Simulation with Extended Position Based Dynamics" (2020). src/sim/cpu/mod.rs says more.

// One physics step of this thread's world. Returns the fault flags it raised.
fn physics_step() -> u32 {
    set_controls();                      // actions -> controls: latency, noise, ctrlrange
    var flags = collide();               // contacts, found once per step with a margin
    let h = opt(OPT_H);                  // the substep, s
    let nc = contact_count();
    for (var s = 0u; s < scene.substeps; s++) {
        record_normal_velocities(nc);    // each contact's approach speed, for restitution
        record_joint_states();           // limited joints' position and velocity
        apply_actuators(h);              // actuator and joint spring forces into velocities
        integrate_velocities(h);         // gravity, gyroscopic term; the substep's start pose
        apply_fluid_forces(h);           // MuJoCo's inertia-box fluid drag (none without a medium)
        damp_joints(h);                  // joint damping, implicit in the velocity that moves
        apply_joint_friction(h);         // dry friction, before anything moves
        integrate_positions(h);          // symplectic Euler
        solve_joints();                  // one Gauss-Seidel pass over the joint groups
        solve_limits(h);                 // soft joint limits (MuJoCo's solreflimit, solimplimit)
        solve_contacts(nc);              // normal, then static friction per patch
        velocities_from_positions(h);    // v += dx / h, w += dphi / h
        solve_contact_velocities(nc, h); // dynamic friction, restitution
    }
    store_hinge_angles();                // so the next step unwraps hinges against them
    return flags | fault_flags();        // non-finite state, escaped bodies
}

// Actions become controls, in the scratch row: delayed through the latency ring, with
// action noise, clamped to the control range where the actuator is ctrllimited.
fn set_controls() {
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
}

// Gravity and the gyroscopic term (I dw/dt = -w x I w, in the principal frame) into every
// body's velocities; the substep's start pose is saved and its corrections zeroed.
fn integrate_velocities(h: f32) {
    let g = gravity();
    for (var b = 0u; b < scene.num_bodies; b++) {
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
        // Gyroscopic term with the body's own inertia: the folded armature has none.
        let inv_i = bw3(b, B_INV_INERTIA);
        var wl = qrot(qconj(q), angvel(b));
        let s = bw3(b, B_ARM_AXIS);
        let il = wl / inv_i - s * dot(s, wl);
        wl = wl - h * inv_i * cross(wl, il);
        set_angvel(b, qrot(q, wl));
    }
}

// Positions and orientations from the velocities over one substep.
fn integrate_positions(h: f32) {
    for (var b = 0u; b < scene.num_bodies; b++) {
        set_pos(b, pos(b) + vel(b) * h);
        set_quat(b, rotate_by(quat(b), angvel(b) * h));
    }
}

// Velocities from the substep's position corrections (XPBD's velocity update).
fn velocities_from_positions(h: f32) {
    for (var b = 0u; b < scene.num_bodies; b++) {
        set_vel(b, vel(b) + scratch3(SCRATCH_BODY * b + SB_DX) / h);
        set_angvel(b, angvel(b) + scratch3(SCRATCH_BODY * b + SB_DPHI) / h);
    }
}

// Fault flags of the world after a step: a non-finite State word, or a body farther than
// the escape radius from the origin.
fn fault_flags() -> u32 {
    var flags = 0u;
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

// Mesa and most drivers inline every call, so each call site is a copy of the callee in the
// compiled kernel, and the compile time grows with it. `reset_world` and `observe`, the
// largest callees after the physics, therefore have one call site each: iteration k <
// `iters` runs one env step (or the reset) and marks what it needs, the same loop body
// then writes the final observation and resets; the extra last iteration writes the
// observation that every dispatch returns.
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
    var bad = false;
    for (var a = 0u; a < scene.num_actuators; a++) {
        let v = action_in[W * scene.num_actuators + a];
        bad = bad || !is_finite(v);
    }
    var iters = 0u;
    // A reset mode's request for this world: all of them in MODE_RESET; in
    // MODE_RESET_MASKED the host's, in the flags word (which this dispatch overwrites).
    var request = RESET_REQUEST_FIRST;
    if params.mode == MODE_RESET_MASKED {
        request = flags_out[W];
    }
    if params.mode == MODE_RESET || params.mode == MODE_RESET_MASKED {
        iters = 1u;
    } else if params.mode == MODE_STEP {
        iters = params.steps;
    }
    for (var k = 0u; k <= iters; k++) {
        var reset_to = NONE;      // the episode to reset to after this iteration
        var final_obs = false;    // same-step autoreset: the episode's last observation
        if k == iters {
            // The observation every dispatch returns (below).
        } else if params.mode == MODE_RESET || params.mode == MODE_RESET_MASKED {
            // A reset mode: the requested worlds start episode 0 or their next episode;
            // the others keep their state and clock and only observe (reward 0).
            clear_terms();
            if request == RESET_REQUEST_FIRST {
                reset_to = 0u;
            } else if request == RESET_REQUEST_NEXT {
                reset_to = clock.episode + 1u;
            }
            flags = select(0u, FLAG_RESET, reset_to != NONE);
        } else {
            reward = 0.0;
            clear_terms();
            let done = (clock.elapsed & CLOCK_DONE) != 0u;
            if done && params.autoreset == AUTORESET_NEXT_STEP {
                // Next-step autoreset: this step only resets; the action is ignored.
                reset_to = clock.episode + 1u;
                flags = FLAG_RESET;
            } else if bad {
                flags = FLAG_INVALID_ACTION;
            } else {
                EPISODE = clock.episode;
                ELAPSED = clock.elapsed & ~CLOCK_DONE;
                task_begin();                    // what the reward compares against
                var pflags = 0u;
                for (var f = 0u; f < max(scene.frame_skip, 1u); f++) {
                    pflags |= physics_step();    // frame_skip physics steps, controls held
                }
                task_end();
                clock.elapsed += 1u;
                // A faulted world (non-finite or escaped) terminates, and autoreset resets it.
                let faulted = (pflags & (FLAG_NONFINITE | FLAG_ESCAPED)) != 0u;
                let terminated = faulted || task_terminated();
                let truncated = (clock.elapsed & ~CLOCK_DONE) >= scene.max_episode_steps;
                // As Gymnasium's unwrapped envs, steps after termination earn 0.
                if !done {
                    reward = task_reward();
                }
                flags = pflags | select(0u, FLAG_TERMINATED, terminated) | select(0u, FLAG_TRUNCATED, truncated);
                if params.autoreset == AUTORESET_DISABLED {
                    if terminated {
                        clock.elapsed |= CLOCK_DONE;
                    }
                } else if terminated || truncated {
                    if params.autoreset == AUTORESET_SAME_STEP {
                        final_obs = true;
                        final_written = true;
                        reset_to = clock.episode + 1u;
                        flags |= FLAG_RESET;
                    } else {
                        clock.elapsed |= CLOCK_DONE;
                    }
                }
            }
        }
        let returned = k == iters;
        if returned || final_obs {
            EPISODE = clock.episode;
            ELAPSED = clock.elapsed & ~CLOCK_DONE;
            // Same-step autoreset returns the observation as the final one too when no
            // episode ended in this dispatch.
            let to_final = final_obs || (params.autoreset == AUTORESET_SAME_STEP && !final_written);
            observe(obs_base, select(0u, OBS_RETURNED, returned) | select(0u, OBS_FINAL, to_final));
        }
        if reset_to != NONE {
            clock = WorldClock(0u, reset_to);
            reset_world(reset_to);
        }
    }
    store_private();
    clock_io[W] = clock;
    reward_out[W] = reward;
    flags_out[W] = flags;
}
