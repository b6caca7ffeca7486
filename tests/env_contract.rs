//! The env contract, checked for every registered env by iterating the registry:
//! determinism (same seed, batch-size independence, step×k = step_many(k)), action
//! validation, GPU-side fault isolation, and poisoned outputs being fully overwritten.
//! `reset_worlds` (partial resets) is checked on the cheap envs at the end.

mod common;

use common::{bits, gpu, read_buffer};
use manyworlds::env::cartpole::reference_masked_reset;
use manyworlds::env::{self, scene, ActionSpace, AutoresetMode, EnvConfig, VecEnv, Worlds};
use manyworlds::layout::{
    CartpoleModel, WorldClock, FLAG_INVALID_ACTION, FLAG_RESET, RESET_REQUEST_FIRST,
    RESET_REQUEST_NEXT,
};
use manyworlds::randomize::{Dist, Entry, Field, Mode, Spec};
use manyworlds::Error;

use common::valid_actions as actions;

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
        for mode in MODES {
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
        for mode in MODES {
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

// ---- reset_worlds: Gymnasium's `reset(options={"reset_mask": mask})` ----
// On the cheap envs only: `cartpole`, and the probe scene on the generic kernel (which the
// other test binaries compile too), plain with reset noise, and randomized and rendering.

const PROBE: &str = include_str!("data/probe.xml");
const MODES: [AutoresetMode; 3] = [
    AutoresetMode::NextStep,
    AutoresetMode::SameStep,
    AutoresetMode::Disabled,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cheap {
    Cartpole,
    Probe,
    ProbeRandomizedRendering,
}
const CHEAP: [Cheap; 3] = [
    Cheap::Cartpole,
    Cheap::Probe,
    Cheap::ProbeRandomizedRendering,
];

fn make_cheap(which: Cheap, worlds: usize, mode: AutoresetMode) -> Box<dyn VecEnv> {
    let cfg = EnvConfig::new(worlds).autoreset(mode);
    let probe = |cfg: EnvConfig, reset_noise: f32| -> Box<dyn VecEnv> {
        let sc = scene::SceneConfig {
            reset_noise,
            ..common::generic_config("probe")
        };
        let e = scene::make_mjcf(gpu(), PROBE, "tests/data/probe.xml", false, &sc, &cfg);
        Box::new(e.unwrap_or_else(|e| panic!("probe: {e}")))
    };
    match which {
        Cheap::Cartpole => make("cartpole", worlds, mode),
        Cheap::Probe => probe(cfg, 0.05),
        Cheap::ProbeRandomizedRendering => {
            let uniform = |f, t: &[&str], lo, hi| Entry::new(f, t, Dist::uniform(lo, hi));
            let spec = Spec::new()
                .entry(uniform(Field::JointQpos, &["cart"], -0.5, 0.5))
                .entry(uniform(Field::GeomFriction, &["*"], 0.3, 1.2))
                .entry(uniform(Field::OptionGravity, &[], 0.9, 1.1).mode(Mode::Scale));
            let render = manyworlds::render::RenderConfig::new(24, 24);
            probe(cfg.randomize(spec).render(render), 0.0)
        }
    }
}

/// Everything a reset decides, as bits: observations, state, clocks, randomized values
/// (rows of `params_stride` words) and the rendered images' hash.
#[derive(Debug, PartialEq)]
struct Snap {
    obs: Vec<u32>,
    state: Vec<u32>,
    clocks: Vec<WorldClock>,
    params: Vec<u32>,
    params_stride: usize,
    images: u32,
}

fn snap(env: &mut dyn VecEnv) -> Snap {
    let st = env.get_state(Worlds::All).unwrap();
    let p = env.randomized_params().unwrap();
    Snap {
        obs: bits(env.observations()),
        state: bits(&st.state),
        clocks: st.clocks,
        params: p.as_ref().map_or(Vec::new(), |p| bits(&p.rows)),
        params_stride: p.map_or(0, |p| p.draw_stride),
        images: image_hash(env.images()),
    }
}

/// World w's rows of a snapshot: (obs, state, clock, randomized values).
fn rows(s: &Snap, w: usize, od: usize, sd: usize) -> (&[u32], &[u32], WorldClock, &[u32]) {
    let ps = s.params_stride;
    (
        &s.obs[w * od..(w + 1) * od],
        &s.state[w * sd..(w + 1) * sd],
        s.clocks[w],
        &s.params[w * ps..(w + 1) * ps],
    )
}

/// The first observation, state, clock and randomized values of episode `episodes[w]`
/// of every world under `seed`, through paths other than `reset_worlds`: `reset(seed)`
/// for episode 0, or else a next-step autoreset from a clock marked done at the episode
/// before.
fn episode_starts(which: Cheap, seed: u64, episodes: &[u32]) -> Snap {
    let n = episodes.len();
    let mut r = make_cheap(which, n, AutoresetMode::NextStep);
    r.reset(seed).unwrap();
    if episodes.iter().any(|&e| e > 0) {
        assert!(episodes.iter().all(|&e| e > 0));
        let mut st = r.get_state(Worlds::All).unwrap();
        for (c, &e) in st.clocks.iter_mut().zip(episodes) {
            *c = WorldClock::new(3, e - 1, true);
        }
        r.set_state(&st).unwrap();
        let a = actions(r.as_ref(), 0, 12);
        let s = r.step(&a).unwrap();
        assert!(s.flags.iter().all(|f| f & FLAG_RESET != 0));
    }
    snap(r.as_mut())
}

/// One `reset_worlds(mask, seed)` on `env` (whose seed is `current`), checked world by world
/// against the worlds before it (unmasked) and against `episode_starts` (masked).
fn check_partial_reset(
    which: Cheap,
    mode: AutoresetMode,
    env: &mut dyn VecEnv,
    mask: &[bool],
    seed: Option<u64>,
    current: u64,
) {
    let n = env.num_worlds();
    let (od, sd) = (env.spec().obs_dim, env.spec().state_dim);
    let before = snap(env);
    env.poison_outputs();
    let returned = bits(env.reset_worlds(mask, seed).unwrap());
    let after = snap(env);
    let what = format!("{which:?} {mode:?} seed {seed:?}");
    assert!(returned == after.obs, "{what}: returned observations");
    let flags: Vec<u32> = read_buffer(env.buffers().flags);
    let rewards: Vec<f32> = read_buffer(env.buffers().rewards);
    assert!(rewards.iter().all(|r| r.to_bits() == 0), "{what}: rewards");
    if mode == AutoresetMode::SameStep {
        let final_obs: Vec<f32> = read_buffer(env.buffers().final_obs);
        assert!(bits(&final_obs) == after.obs, "{what}: final_obs");
    }
    let episodes: Vec<u32> = (0..n)
        .map(|w| seed.map_or(before.clocks[w].episode + 1, |_| 0))
        .collect();
    let want = episode_starts(which, seed.unwrap_or(current), &episodes);
    let model = CartpoleModel::gymnasium();
    let request = if seed.is_some() {
        RESET_REQUEST_FIRST
    } else {
        RESET_REQUEST_NEXT
    };
    for w in 0..n {
        let got = rows(&after, w, od, sd);
        if mask[w] {
            assert_eq!(flags[w], FLAG_RESET, "{what}: world {w} flags");
            assert_eq!(
                got,
                rows(&want, w, od, sd),
                "{what}: masked world {w} is not at the start of episode {}",
                episodes[w]
            );
            let old = rows(&before, w, od, sd).3;
            assert!(
                got.3.is_empty() || got.3 != old,
                "{what}: world {w}: randomized values not redrawn"
            );
        } else {
            assert_eq!(flags[w], 0, "{what}: world {w} flags");
            assert_eq!(
                got,
                rows(&before, w, od, sd),
                "{what}: unmasked world {w} changed"
            );
        }
        if which == Cheap::Cartpole {
            let s0 = std::array::from_fn(|k| f32::from_bits(before.state[w * 4 + k]));
            let req = if mask[w] { request } else { 0 };
            let cpu = reference_masked_reset(
                &model,
                seed.unwrap_or(current),
                w as u32,
                req,
                s0,
                before.clocks[w],
            );
            assert_eq!(bits(&cpu.state), got.1, "{what}: world {w}: CPU reference");
            assert_eq!((cpu.clock, cpu.flags), (got.2, flags[w]));
        }
    }
    if let Some(im) = env.images() {
        let rgb = im.rgb_all().unwrap();
        assert!(rgb.chunks(4).all(|p| p[3] == 255), "{what}: images");
        let rendered = image_hash(env.render().unwrap());
        assert_eq!(after.images, rendered, "{what}: images of the reset state");
    }
}

/// A partial reset resets exactly the masked worlds, each to the start of its next episode
/// (or of episode 0 under a new seed), in every autoreset mode: the others keep their
/// state, clock, observation and randomized values bit for bit. Later steps go on from
/// there (autoresets included) as they would from any state.
#[test]
fn reset_worlds_resets_only_the_masked_worlds() {
    for which in CHEAP {
        for mode in MODES {
            let n = 40;
            let mut env = make_cheap(which, n, mode);
            env.reset(5).unwrap();
            let mut t = 0;
            let mut run = |env: &mut Box<dyn VecEnv>, steps: u32| {
                for _ in 0..steps {
                    let a = actions(env.as_ref(), t, 11);
                    env.step(&a).unwrap();
                    t += 1;
                }
            };
            run(&mut env, 30);
            let mask: Vec<bool> = (0..n).map(|w| w % 3 == 0 || w == n - 1).collect();
            check_partial_reset(which, mode, env.as_mut(), &mask, None, 5);
            run(&mut env, 6);
            let mask: Vec<bool> = (0..n).map(|w| w % 4 == 1).collect();
            check_partial_reset(which, mode, env.as_mut(), &mask, Some(99), 5);
            run(&mut env, 6);
            let mask: Vec<bool> = (0..n).map(|w| w % 5 != 2).collect();
            check_partial_reset(which, mode, env.as_mut(), &mask, None, 99);
            check_partial_reset(which, mode, env.as_mut(), &vec![false; n], None, 99);
            run(&mut env, 3);
        }
    }
}

/// An all-true mask with a seed is `reset(seed)` bit for bit, whatever came before:
/// observations, state, clocks, flags, rewards, randomized values, images, and the steps
/// after it.
#[test]
fn reset_worlds_of_every_world_with_a_seed_equals_reset() {
    for which in CHEAP {
        for mode in MODES {
            let n = 40;
            let mut a = make_cheap(which, n, mode);
            let mut b = make_cheap(which, n, mode);
            a.reset(3).unwrap();
            for t in 0..20 {
                let act = actions(a.as_ref(), t, 9);
                a.step(&act).unwrap();
            }
            b.reset(4).unwrap();
            for t in 0..7 {
                let act = actions(b.as_ref(), t, 10);
                b.step(&act).unwrap();
            }
            a.poison_outputs();
            a.reset_worlds(&vec![true; n], Some(77)).unwrap();
            b.poison_outputs();
            b.reset(77).unwrap();
            let what = format!("{which:?} {mode:?}");
            assert_eq!(snap(a.as_mut()), snap(b.as_mut()), "{what}");
            let (ba, bb) = (a.buffers(), b.buffers());
            for (x, y) in [
                (ba.flags, bb.flags),
                (ba.rewards, bb.rewards),
                (ba.final_obs, bb.final_obs),
            ] {
                assert_eq!(read_buffer::<u32>(x), read_buffer::<u32>(y), "{what}");
            }
            for t in 0..15 {
                let act = actions(a.as_ref(), t, 13);
                let sa = bits(a.step(&act).unwrap().obs);
                assert_eq!(sa, bits(b.step(&act).unwrap().obs), "{what}: step {t}");
            }
        }
    }
}

/// A mask of the wrong length is an error naming `reset_mask` and changes nothing: not
/// the worlds, not the seed, not a step in flight.
#[test]
fn reset_worlds_rejects_a_wrong_mask_and_changes_nothing() {
    for which in [Cheap::Cartpole, Cheap::Probe] {
        let n = 8;
        let mut env = make_cheap(which, n, AutoresetMode::NextStep);
        let mut twin = make_cheap(which, n, AutoresetMode::NextStep);
        env.reset(1).unwrap();
        twin.reset(1).unwrap();
        let before = snap(env.as_mut());
        for (len, seed) in [(n - 1, None), (n + 1, Some(5)), (0, Some(6))] {
            match env.reset_worlds(&vec![true; len], seed) {
                Err(Error::InvalidArgument {
                    field,
                    value,
                    allowed,
                }) => {
                    assert_eq!(field, "reset_mask");
                    assert!(value.contains(&len.to_string()), "{value}");
                    assert!(allowed.contains(&n.to_string()), "{allowed}");
                }
                other => panic!("{which:?}: a mask of {len} gave {other:?}"),
            }
            assert_eq!(snap(env.as_mut()), before, "{which:?}: mask of {len}");
        }
        // With a step in flight the error leaves it there; the seed is still 1, which the
        // autoresets of the next steps show.
        let a = actions(env.as_ref(), 0, 14);
        env.step_async(&a).unwrap();
        assert!(env.reset_worlds(&[true], Some(9)).is_err());
        let got = bits(env.step_wait().unwrap().obs);
        assert_eq!(got, bits(twin.step(&a).unwrap().obs), "{which:?}");
        for t in 1..60 {
            let a = actions(env.as_ref(), t, 14);
            let got = bits(env.step(&a).unwrap().obs);
            assert_eq!(got, bits(twin.step(&a).unwrap().obs), "{which:?} step {t}");
        }
    }
}
