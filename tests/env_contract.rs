//! The env contract, checked for every registered env by iterating the registry:
//! determinism (same seed, batch-size independence, step×k = step_many(k)), action
//! validation, GPU-side fault isolation, and poisoned outputs being fully overwritten.

mod common;

use common::{bits, gpu, read_buffer};
use manyworlds::env::{self, ActionSpace, AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::layout::FLAG_INVALID_ACTION;
use manyworlds::Error;

/// Valid pseudo-random actions for any action space.
fn actions(env: &dyn VecEnv, t: u32, salt: u64) -> Vec<f32> {
    env.spec().action_space.sample(env.num_worlds(), salt, t)
}

fn make(name: &str, worlds: usize, mode: AutoresetMode) -> Box<dyn VecEnv> {
    env::make(gpu(), name, &EnvConfig::new(worlds).autoreset(mode))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// FNV-1a of a rendering env's images (RGB, depth and segmentation bytes): 0 without.
fn image_hash(images: Option<manyworlds::render::Images<'_>>) -> u32 {
    let Some(im) = images else { return 0 };
    let mut h = 0x811c_9dc5u32;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ *b as u32).wrapping_mul(0x0100_0193);
        }
    };
    if let Some(rgb) = im.rgb_all() {
        eat(rgb);
    }
    if let Some(d) = im.depth_all() {
        eat(bytemuck::cast_slice(d));
    }
    if let Some(s) = im.seg_all() {
        eat(bytemuck::cast_slice(s));
    }
    h
}

/// Runs `steps` steps and returns every step's obs, rewards and flags, concatenated (a
/// hash of each step's images, for envs that render, goes with the flags).
fn trace(env: &mut dyn VecEnv, seed: u64, steps: u32, salt: u64) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let (mut o, mut r, mut f) = (
        bits(env.reset(seed).expect("reset")),
        Vec::new(),
        Vec::new(),
    );
    for t in 0..steps {
        let a = actions(env, t, salt);
        let s = env.step(&a).expect("step");
        o.extend(bits(s.obs));
        r.extend(bits(s.rewards));
        f.extend(s.flags);
        f.push(image_hash(s.images));
    }
    (o, r, f)
}

#[test]
fn same_seed_gives_bitwise_equal_runs_and_other_seeds_differ() {
    for e in common::embedded_envs() {
        for mode in [AutoresetMode::NextStep, AutoresetMode::SameStep] {
            let a = trace(make(e.name, 256, mode).as_mut(), 42, 300, 1);
            let b = trace(make(e.name, 256, mode).as_mut(), 42, 300, 1);
            assert!(a == b, "{}: two runs with seed 42 differ", e.name);
            let c = trace(make(e.name, 256, mode).as_mut(), 43, 300, 1);
            assert!(
                a.0 != c.0,
                "{}: seeds 42 and 43 give the same observations",
                e.name
            );
        }
    }
}

/// World i's trajectory does not depend on the batch size: the first 16 worlds of a
/// 1024-world batch match a 16-world batch bit for bit, through several autoresets.
#[test]
fn world_i_is_the_same_at_16_and_1024_worlds() {
    for e in common::embedded_envs() {
        let mut small = make(e.name, 16, AutoresetMode::NextStep);
        let mut big = make(e.name, 1024, AutoresetMode::NextStep);
        let od = small.spec().obs_dim;
        let adim = small.spec().action_space.dim();
        assert_eq!(
            bits(small.reset(9).unwrap()),
            bits(&big.reset(9).unwrap()[..16 * od])
        );
        let mut resets = 0;
        for t in 0..400 {
            let a_big = actions(big.as_ref(), t, 2);
            let sb = big.step(&a_big).expect("step");
            let (ob, fb) = (bits(&sb.obs[..16 * od]), sb.flags[..16].to_vec());
            // Views of the first 16 worlds, world-major (bit for bit: a view's atlas tile
            // depends only on its index).
            let ib: Option<Vec<u8>> = sb.images.map(|im| {
                let n = im.views().iter().take_while(|v| v.world < 16).count();
                let end = im.views().get(n).map_or(usize::MAX, |v| v.offset);
                im.rgb_all().unwrap()[..4 * end.min(im.rgb_all().unwrap().len() / 4)].to_vec()
            });
            let ss = small.step(&a_big[..16 * adim]).expect("step");
            if let (Some(b), Some(s)) = (&ib, ss.images) {
                assert!(
                    b[..] == s.rgb_all().unwrap()[..],
                    "{}: step {t}: images",
                    e.name
                );
            }
            assert_eq!(bits(ss.obs), ob, "{}: step {t}", e.name);
            assert_eq!(ss.flags, &fb[..], "{}: step {t}", e.name);
            resets += fb
                .iter()
                .filter(|f| **f & manyworlds::layout::FLAG_RESET != 0)
                .count();
        }
        // Envs that never terminate (cartpole-vision: 1000-step episodes) cannot reset
        // within 400 steps; every other env must cross autoresets here.
        let never_ends_here = resets == 0 && small.spec().max_episode_steps > 400;
        assert!(
            resets >= 16 || never_ends_here,
            "{}: the test should cross autoresets ({resets} seen)",
            e.name
        );
    }
}

/// `step_many(k)` is k calls to `step` with the same actions: the same final state and
/// clocks, and the same last outputs, bit for bit.
#[test]
fn step_many_equals_repeated_step() {
    for e in common::embedded_envs() {
        for mode in [
            AutoresetMode::NextStep,
            AutoresetMode::SameStep,
            AutoresetMode::Disabled,
        ] {
            let mut a = make(e.name, 300, mode);
            let mut b = make(e.name, 300, mode);
            a.reset(5).unwrap();
            b.reset(5).unwrap();
            for round in 0..4 {
                let act = actions(a.as_ref(), round, 3);
                let k = [1, 7, 40, 130][round as usize];
                let mut last = None;
                for _ in 0..k {
                    let s = a.step(&act).unwrap();
                    last = Some((
                        bits(s.obs),
                        bits(s.rewards),
                        s.flags.to_vec(),
                        s.final_obs.map(bits),
                    ));
                }
                let s = b.step_many(&act, k).unwrap();
                let many = (
                    bits(s.obs),
                    bits(s.rewards),
                    s.flags.to_vec(),
                    s.final_obs.map(bits),
                );
                assert!(
                    last.unwrap() == many,
                    "{} {mode:?}: outputs after {k} steps differ",
                    e.name
                );
                let (sa, sb) = (
                    a.get_state(Worlds::All).unwrap(),
                    b.get_state(Worlds::All).unwrap(),
                );
                assert_eq!(
                    bits(&sa.state),
                    bits(&sb.state),
                    "{} {mode:?}: state after {k} steps",
                    e.name
                );
                assert_eq!(sa.clocks, sb.clocks);
            }
        }
    }
}

/// Bad actions from the host are rejected with the world and index, and the rejected call
/// changes nothing: the next valid step gives what it would have given.
#[test]
fn bad_host_actions_are_rejected_and_change_nothing() {
    for e in common::embedded_envs() {
        let mut env = make(e.name, 8, AutoresetMode::NextStep);
        let mut twin = make(e.name, 8, AutoresetMode::NextStep);
        env.reset(1).unwrap();
        twin.reset(1).unwrap();
        let good = actions(env.as_ref(), 0, 4);
        let dim = env.spec().action_space.dim();
        if dim == 0 {
            continue; // no actions (a passive scene): nothing to reject
        }
        match env.step(&good[..good.len() - 1]) {
            Err(Error::ActionLength { expected, got }) => {
                assert_eq!((expected, got), (8 * dim, 8 * dim - 1))
            }
            other => panic!("{}: short actions gave {other:?}", e.name),
        }
        let mut bad_values = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        match &env.spec().action_space {
            ActionSpace::Discrete { n } => bad_values.extend([-1.0, 1e9, 0.5, *n as f32]),
            ActionSpace::Box { low, high } => bad_values.extend([low[0] - 1.0, high[0] + 1.0]),
        }
        for v in bad_values {
            let mut a = good.clone();
            a[5 * dim] = v;
            match env.step(&a) {
                Err(Error::InvalidAction { world, index, .. }) => {
                    assert_eq!((world, index), (5, 0), "{}: {v}", e.name)
                }
                other => panic!("{}: action {v} gave {other:?}", e.name),
            }
            assert!(env.step_many(&a, 3).is_err());
        }
        let s1 = bits(env.step(&good).unwrap().obs);
        let s2 = bits(twin.step(&good).unwrap().obs);
        assert_eq!(s1, s2, "{}: a rejected step changed the env", e.name);
    }
}

/// An invalid action that reaches the GPU without a host check (written straight into the
/// actions buffer) flags that world, which does not move; every other world is bitwise
/// identical to a run without the fault.
#[test]
fn invalid_gpu_action_is_flagged_and_isolated() {
    for e in common::embedded_envs() {
        let mut faulty = make(e.name, 64, AutoresetMode::NextStep);
        let mut clean = make(e.name, 64, AutoresetMode::NextStep);
        faulty.reset(8).unwrap();
        clean.reset(8).unwrap();
        let dim = faulty.spec().action_space.dim();
        if dim == 0 {
            continue; // no actions (a passive scene): nothing to poison
        }
        let sd = faulty.spec().state_dim;
        for t in 0..30 {
            let a = actions(faulty.as_ref(), t, 6);
            clean.step(&a).unwrap();
            faulty.step(&a).unwrap();
        }
        let before = faulty.get_state(Worlds::Some(&[17])).unwrap();
        let mut a = actions(faulty.as_ref(), 30, 6);
        let good = a.clone();
        a[17 * dim] = f32::NAN;
        gpu()
            .queue()
            .write_buffer(faulty.buffers().actions, 0, bytemuck::cast_slice(&a));
        faulty.step_resident(1).unwrap();
        clean.step(&good).unwrap();
        let fs = faulty.get_state(Worlds::All).unwrap();
        let cs = clean.get_state(Worlds::All).unwrap();
        for w in 0..64 {
            let (f, c) = (
                &fs.state[w * sd..(w + 1) * sd],
                &cs.state[w * sd..(w + 1) * sd],
            );
            if w == 17 {
                assert_eq!(
                    bits(f),
                    bits(&before.state),
                    "{}: the faulty world moved",
                    e.name
                );
            } else {
                assert_eq!(
                    bits(f),
                    bits(c),
                    "{}: world {w} was disturbed by a fault in world 17",
                    e.name
                );
            }
        }
        let flags: Vec<u32> = read_buffer(faulty.buffers().flags);
        for (w, f) in flags.iter().enumerate() {
            assert_eq!(
                f & FLAG_INVALID_ACTION != 0,
                w == 17,
                "{}: world {w} flags {f:#x}",
                e.name
            );
        }
    }
}

/// Outputs are poisoned (all bits set) before each step; afterwards no poison is left in
/// rewards, flags, observations or (same-step mode) final observations.
#[test]
fn every_output_is_written_every_step() {
    for e in common::embedded_envs() {
        for mode in [
            AutoresetMode::NextStep,
            AutoresetMode::SameStep,
            AutoresetMode::Disabled,
        ] {
            let mut env = make(e.name, 100, mode);
            env.reset(3).unwrap();
            for t in 0..60 {
                env.poison_outputs();
                let a = actions(env.as_ref(), t, 7);
                let s = env.step(&a).unwrap();
                let poisoned = |v: &[f32]| v.iter().any(|x| x.to_bits() == u32::MAX);
                assert!(
                    !poisoned(s.obs) && !poisoned(s.rewards),
                    "{} {mode:?} step {t}",
                    e.name
                );
                assert!(
                    !s.flags.contains(&u32::MAX),
                    "{} {mode:?} step {t}: flags",
                    e.name
                );
                if let Some(f) = s.final_obs {
                    assert!(!poisoned(f), "{} {mode:?} step {t}: final_obs", e.name);
                }
                // Images: RGB is poisoned with alpha 0, which the renderer never writes.
                if let Some(im) = s.images {
                    let rgb = im.rgb_all().expect("rendering envs render RGB by default");
                    assert!(
                        rgb.chunks(4).all(|p| p[3] == 255),
                        "{} {mode:?} step {t}: images",
                        e.name
                    );
                }
            }
        }
    }
}

#[test]
fn bad_construction_is_an_error() {
    assert!(matches!(
        env::make(gpu(), "nope", &EnvConfig::new(4)),
        Err(Error::UnknownEnv { .. })
    ));
    for e in common::embedded_envs() {
        assert!(matches!(
            env::make(gpu(), e.name, &EnvConfig::new(0)),
            Err(Error::InvalidArgument { .. })
        ));
        let too_many = gpu().limits().max_compute_workgroups_per_dimension as usize
            * manyworlds::layout::WORKGROUP_SIZE as usize
            + 1;
        match env::make(gpu(), e.name, &EnvConfig::new(too_many)) {
            Err(Error::Capacity { .. }) => {}
            Err(other) => panic!("{}: {other}", e.name),
            Ok(_) => panic!("{}: {too_many} worlds accepted", e.name),
        }
        let mut env = make(e.name, 4, AutoresetMode::NextStep);
        env.reset(0).unwrap();
        assert!(env.step_wait().is_err(), "step_wait with nothing in flight");
        assert!(
            env.step_many(&actions(env.as_ref(), 0, 0), 0).is_err(),
            "k = 0"
        );
    }
}

/// step_async / step_wait keep up to `readback_slots - 1` steps in flight and return them in
/// order, identical to synchronous steps.
#[test]
fn pipelined_steps_match_synchronous_steps() {
    for e in common::embedded_envs() {
        let mut sync = make(e.name, 128, AutoresetMode::NextStep);
        let cfg = EnvConfig {
            readback_slots: 3,
            ..EnvConfig::new(128)
        };
        let mut pipe = env::make(gpu(), e.name, &cfg).unwrap();
        sync.reset(2).unwrap();
        pipe.reset(2).unwrap();
        let acts: Vec<Vec<f32>> = (0..40).map(|t| actions(sync.as_ref(), t, 8)).collect();
        pipe.step_async(&acts[0]).unwrap();
        for t in 0..40 {
            if t + 1 < 40 {
                pipe.step_async(&acts[t + 1]).unwrap();
            }
            let want = bits(sync.step(&acts[t]).unwrap().obs);
            assert_eq!(
                bits(pipe.step_wait().unwrap().obs),
                want,
                "{}: step {t}",
                e.name
            );
        }
        // A third step in flight with three slots is one too many.
        pipe.step_async(&acts[0]).unwrap();
        pipe.step_async(&acts[1]).unwrap();
        assert!(matches!(
            pipe.step_async(&acts[2]),
            Err(Error::Capacity { .. })
        ));
    }
}
