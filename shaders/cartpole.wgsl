// CartPole-v1, exactly as Gymnasium defines it, one thread per world.
// The whole env step is this one fused kernel: action check, dynamics, reward,
// termination, truncation, autoreset and observation. `params.steps` steps run per
// dispatch with the action held (step_many). CPU reference: src/env/cartpole.rs.

#import shared/env_io
#import shared/rng
#import shared/math

// Rust twin: manyworlds::layout::CartpoleModel.
struct CartpoleModel {
    gravity: f32,
    masscart: f32,
    masspole: f32,
    total_mass: f32,
    length: f32,
    polemass_length: f32,
    force_mag: f32,
    tau: f32,
    x_threshold: f32,
    theta_threshold: f32,
    reset_low: f32,
    reset_high: f32,
    four_thirds: f32,
    max_episode_steps: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<uniform> model: CartpoleModel;
@group(0) @binding(2) var<storage, read> action_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> state_io: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> clock_io: array<WorldClock>;
// Binding 5 (obs_out) is the state buffer itself for cartpole (EnvSpec::obs_is_state),
// so the kernel never writes it separately.
@group(0) @binding(6) var<storage, read_write> reward_out: array<f32>;
@group(0) @binding(7) var<storage, read_write> final_obs_out: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> flags_out: array<u32>;

// Each state entry uniform in [reset_low, reset_high), from draws 0..3 of (world, episode).
fn reset_state(world: u32, episode: u32) -> vec4<f32> {
    let bits = rng_block(params.key, world, episode, 0u);
    let span = model.reset_high - model.reset_low;
    return vec4<f32>(
        model.reset_low + span * rng_unit(bits.x),
        model.reset_low + span * rng_unit(bits.y),
        model.reset_low + span * rng_unit(bits.z),
        model.reset_low + span * rng_unit(bits.w),
    );
}

// Gymnasium's explicit Euler step, in its order of operations. Divisions go through
// div_rn (shared/math): WGSL lets `/` be off by 2.5 ulp, and lavapipe's is, which
// showed up as 6x the float32 drift of a correctly rounded evaluation over 60 steps.
// s = (x, x_dot, theta, theta_dot); action is 0 (push left) or 1 (push right).
fn dynamics(s: vec4<f32>, action: f32) -> vec4<f32> {
    let force = select(-model.force_mag, model.force_mag, action == 1.0);
    let sc = sin_cos(s.z);
    let sintheta = sc.x;
    let costheta = sc.y;
    let temp = div_rn(force + model.polemass_length * (s.w * s.w) * sintheta, model.total_mass);
    let thetaacc = div_rn(model.gravity * sintheta - costheta * temp,
        model.length * (model.four_thirds - div_rn(model.masspole * (costheta * costheta), model.total_mass)));
    let xacc = temp - div_rn(model.polemass_length * thetaacc * costheta, model.total_mass);
    return vec4<f32>(
        s.x + model.tau * s.y,
        s.y + model.tau * xacc,
        s.z + model.tau * s.w,
        s.w + model.tau * thetaacc,
    );
}

fn is_terminal(s: vec4<f32>) -> bool {
    return s.x < -model.x_threshold || s.x > model.x_threshold
        || s.z < -model.theta_threshold || s.z > model.theta_threshold;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let world = gid.x;
    if world >= params.num_worlds {
        return;
    }
    var s = state_io[world];
    var clock = clock_io[world];
    var flags = 0u;
    var reward = 0.0;
    // The state the step reached before any same-step reset.
    var final_s = s;
    if params.mode == MODE_OBSERVE {
        // Observations are the state itself (obs_out aliases state_io): nothing to do.
        return;
    }
    if params.mode == MODE_RESET || params.mode == MODE_RESET_MASKED {
        // Every world starts episode 0 (MODE_RESET), or the worlds whose flags word holds
        // the host's request start episode 0 or their next; the others stay as they are.
        var request = RESET_REQUEST_FIRST;
        if params.mode == MODE_RESET_MASKED {
            request = flags_out[world];
        }
        if request == RESET_REQUEST_FIRST || request == RESET_REQUEST_NEXT {
            clock = WorldClock(0u, select(clock.episode + 1u, 0u, request == RESET_REQUEST_FIRST));
            s = reset_state(world, clock.episode);
            flags = FLAG_RESET;
        }
        final_s = s;
    } else {
        let action = action_in[world];
        for (var k = 0u; k < params.steps; k++) {
            reward = 0.0;
            let done = (clock.elapsed & CLOCK_DONE) != 0u;
            if done && params.autoreset == AUTORESET_NEXT_STEP {
                // Next-step autoreset: this step only resets; the action is ignored.
                clock = WorldClock(0u, clock.episode + 1u);
                s = reset_state(world, clock.episode);
                final_s = s;
                flags = FLAG_RESET;
                continue;
            }
            if !(action == 0.0 || action == 1.0) {
                final_s = s;
                flags = FLAG_INVALID_ACTION;
                continue;
            }
            s = dynamics(s, action);
            final_s = s;
            clock.elapsed += 1u;
            let terminated = is_terminal(s);
            let truncated = (clock.elapsed & ~CLOCK_DONE) >= model.max_episode_steps;
            // With autoreset off, steps after termination earn 0, as Gymnasium's raw env.
            reward = select(1.0, 0.0, done);
            flags = select(0u, FLAG_TERMINATED, terminated) | select(0u, FLAG_TRUNCATED, truncated);
            if params.autoreset == AUTORESET_DISABLED {
                if terminated {
                    clock.elapsed |= CLOCK_DONE;
                }
            } else if terminated || truncated {
                if params.autoreset == AUTORESET_SAME_STEP {
                    clock = WorldClock(0u, clock.episode + 1u);
                    s = reset_state(world, clock.episode);
                    flags |= FLAG_RESET;
                } else {
                    clock.elapsed |= CLOCK_DONE;
                }
            }
        }
    }
    state_io[world] = s;
    clock_io[world] = clock;
    reward_out[world] = reward;
    if params.autoreset == AUTORESET_SAME_STEP {
        final_obs_out[world] = final_s;
    }
    flags_out[world] = flags;
}
