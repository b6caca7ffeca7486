//! Isolation of broken worlds: bad actions from the host are refused before any work; a
//! fault that only the GPU sees (a non-finite action in a resident buffer, a state gone
//! non-finite, a body past the escape radius) is flagged in its own world, reported with
//! its cause, handled by the documented policy, and leaves every other world bitwise as
//! it would have been without it.

mod common;

use common::{bits, gpu, read_buffer};
use manyworlds::env::scene::{self, SceneConfig, SceneEnv};
use manyworlds::env::{self, AutoresetMode, EnvConfig, Fault, VecEnv, Worlds};
use manyworlds::layout::physics::{BODY_STATE, FLAG_ESCAPED, FLAG_NONFINITE, S_POS};
use manyworlds::layout::{FLAG_INVALID_ACTION, FLAG_RESET, FLAG_TERMINATED};
use manyworlds::Error;

const WORLDS: usize = 32;

/// push-cube (actuated, randomized by its default spec) with next-step autoreset.
fn push_cube() -> Box<dyn VecEnv> {
    let mut e = env::make(gpu(), "push-cube", &EnvConfig::new(WORLDS)).unwrap();
    e.reset(5).unwrap();
    e
}

fn state_bits(e: &mut dyn VecEnv) -> Vec<u32> {
    bits(&e.get_state(Worlds::All).unwrap().state)
}

/// Rows of `v` (`rows` of `len`) other than `skip`.
fn others(v: &[u32], len: usize, skip: usize) -> Vec<u32> {
    v.chunks(len)
        .enumerate()
        .filter(|(w, _)| *w != skip)
        .flat_map(|(_, r)| r.to_vec())
        .collect()
}

#[test]
fn host_actions_are_checked_naming_world_and_index_and_nothing_changes() {
    let mut e = push_cube();
    let mut clean = push_cube();
    let dim = e.spec().action_space.dim();
    let good = e.spec().action_space.sample(WORLDS, 3, 0);
    for (bad_value, what) in [
        (f32::NAN, "NaN"),
        (f32::INFINITY, "inf"),
        (5.0, "out of range"),
    ] {
        let mut a = good.clone();
        a[5 * dim + 1] = bad_value;
        match e.step(&a) {
            Err(Error::InvalidAction { world, index, .. }) => {
                assert_eq!((world, index), (5, 1), "{what}")
            }
            other => panic!(
                "{what}: expected InvalidAction, got {:?}",
                other.map(|_| ())
            ),
        }
    }
    match e.step(&good[..good.len() - 1]) {
        Err(Error::ActionLength { expected, got }) => {
            assert_eq!((expected, got), (WORLDS * dim, WORLDS * dim - 1))
        }
        other => panic!("expected ActionLength, got {:?}", other.map(|_| ())),
    }
    let msg = e
        .step(&{
            let mut a = good.clone();
            a[dim] = f32::NAN; // world 1, index 0
            a
        })
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("world 1") && msg.contains("action 0"), "{msg}");
    // The refused steps did nothing: the next good step equals a fresh env's first.
    let got = bits(e.step(&good).unwrap().obs);
    let want = bits(clean.step(&good).unwrap().obs);
    assert_eq!(got, want);
    assert_eq!(state_bits(e.as_mut()), state_bits(clean.as_mut()));

    // Discrete spaces: a non-integer action names its world too.
    let mut c = env::make(gpu(), "cartpole", &EnvConfig::new(4)).unwrap();
    c.reset(0).unwrap();
    match c.step(&[0.0, 1.0, 0.5, 1.0]) {
        Err(Error::InvalidAction { world, index, .. }) => assert_eq!((world, index), (2, 0)),
        other => panic!("expected InvalidAction, got {:?}", other.map(|_| ())),
    }
}

/// A NaN written straight into the GPU action buffer (where the host never looks) flags
/// that world, skips its step (its state stays), and every other world steps exactly as
/// in a run with a valid action there.
#[test]
fn a_nonfinite_gpu_action_is_flagged_and_contained() {
    let (mut a, mut b) = (push_cube(), push_cube());
    let dim = a.spec().action_space.dim();
    let sd = a.spec().state_dim;
    let act = a.spec().action_space.sample(WORLDS, 8, 0);
    a.step(&act).unwrap();
    b.step(&act).unwrap();
    let before = state_bits(b.as_mut());
    let mut poisoned = act.clone();
    poisoned[7 * dim] = f32::NAN;
    let q = gpu().queue();
    q.write_buffer(a.buffers().actions, 0, bytemuck::cast_slice(&act));
    q.write_buffer(b.buffers().actions, 0, bytemuck::cast_slice(&poisoned));
    a.step_resident(1).unwrap();
    b.step_resident(1).unwrap();
    let (fa, fb): (Vec<u32>, Vec<u32>) = (
        read_buffer(a.buffers().flags),
        read_buffer(b.buffers().flags),
    );
    assert_ne!(fb[7] & FLAG_INVALID_ACTION, 0, "flags {:#x}", fb[7]);
    assert_eq!(others(&fa, 1, 7), others(&fb, 1, 7));
    let (sa, sb) = (state_bits(a.as_mut()), state_bits(b.as_mut()));
    assert_eq!(
        sb[7 * sd..8 * sd],
        before[7 * sd..8 * sd],
        "the faulted world's state stays"
    );
    assert_eq!(
        others(&sa, sd, 7),
        others(&sb, sd, 7),
        "other worlds unchanged"
    );
    let report = Fault {
        world: 7,
        flags: fb[7],
    };
    assert!(
        report
            .to_string()
            .contains("world 7: non-finite or invalid action"),
        "{report}"
    );
}

/// A State word turned NaN on the GPU: the world is flagged non-finite and terminated,
/// its observation reads 0 where not finite, the next step resets it (next-step
/// autoreset), and no other world's results change at either step.
#[test]
fn a_nonfinite_state_is_flagged_terminated_reset_and_contained() {
    let (mut a, mut b) = (push_cube(), push_cube());
    let sd = a.spec().state_dim;
    let od = a.spec().obs_dim;
    let act = a.spec().action_space.sample(WORLDS, 9, 0);
    a.step(&act).unwrap();
    b.step(&act).unwrap();
    // World 9's cube (sim body 1) position x becomes NaN.
    let word = 9 * sd + (BODY_STATE + S_POS) as usize;
    gpu().queue().write_buffer(
        b.buffers().state,
        (word * 4) as u64,
        bytemuck::bytes_of(&f32::NAN),
    );
    for t in 0..2 {
        let (oa, ra, fa) = {
            let s = a.step(&act).unwrap();
            (bits(s.obs), bits(s.rewards), s.flags.to_vec())
        };
        let s = b.step(&act).unwrap();
        let (ob, rb, fb) = (bits(s.obs), bits(s.rewards), s.flags.to_vec());
        let report = s.fault_report();
        if t == 0 {
            assert_ne!(fb[9] & FLAG_NONFINITE, 0, "flags {:#x}", fb[9]);
            assert_ne!(fb[9] & FLAG_TERMINATED, 0);
            assert!(s.terminated[9]);
            assert_eq!(report.len(), 1);
            assert_eq!(report[0].world, 9);
            assert!(report[0].causes().contains(&"non-finite state"));
            assert!(
                s.obs[9 * od..10 * od].iter().all(|v| v.is_finite()),
                "obs read 0, not NaN"
            );
        } else {
            assert_ne!(
                fb[9] & FLAG_RESET,
                0,
                "the next step resets it: {:#x}",
                fb[9]
            );
            assert!(report.is_empty(), "{report:?}");
        }
        assert_eq!(others(&oa, od, 9), others(&ob, od, 9), "step {t}: obs");
        assert_eq!(others(&ra, 1, 9), others(&rb, 1, 9), "step {t}: rewards");
        assert_eq!(others(&fa, 1, 9), others(&fb, 1, 9), "step {t}: flags");
    }
    let (sa, sb) = (state_bits(a.as_mut()), state_bits(b.as_mut()));
    assert_eq!(others(&sa, sd, 9), others(&sb, sd, 9));
    let st = b.get_state(Worlds::Some(&[9])).unwrap();
    assert!(
        st.state.iter().all(|v| v.is_finite()),
        "world 9 was reset to a finite state"
    );
}

/// `boxes` with a 5 m escape radius: a box moved to 6 m flags its world as escaped and
/// terminates it; the radius is configurable, and a bad one is refused.
#[test]
fn escaped_bodies_are_flagged_at_the_configured_radius() {
    let make = |radius: f32| -> Result<SceneEnv, Error> {
        let cfg = SceneConfig {
            escape_radius: radius,
            ..scene::registered_config("boxes")
        };
        let env_cfg = EnvConfig::new(8).autoreset(AutoresetMode::Disabled);
        scene::make_mjcf(
            gpu(),
            scene::BOXES_XML,
            "scenes/boxes.xml",
            false,
            &cfg,
            &env_cfg,
        )
    };
    let (mut a, mut b) = (make(5.0).unwrap(), make(5.0).unwrap());
    a.reset(2).unwrap();
    b.reset(2).unwrap();
    let mut st = b.get_state(Worlds::Some(&[3])).unwrap();
    st.state[(2 * BODY_STATE + S_POS) as usize] = 6.0; // sim body 2's x, m
    let mut sa = a.get_state(Worlds::Some(&[3])).unwrap();
    sa.state[(2 * BODY_STATE + S_POS) as usize] = 4.0; // inside the radius
    b.set_state(&st).unwrap();
    a.set_state(&sa).unwrap();
    let fa = a.step(&[]).unwrap().flags.to_vec();
    let s = b.step(&[]).unwrap();
    assert_ne!(s.flags[3] & FLAG_ESCAPED, 0, "flags {:#x}", s.flags[3]);
    assert!(s.terminated[3]);
    assert_eq!(s.faults(), vec![3]);
    assert!(s.fault_report()[0].to_string().contains("escaped"));
    let fb = s.flags.to_vec();
    assert_eq!(fa[3] & FLAG_ESCAPED, 0, "4 m is inside a 5 m radius");
    assert_eq!(others(&fa, 1, 3), others(&fb, 1, 3));
    let sd = a.spec().state_dim;
    let (xa, xb) = (
        bits(&a.get_state(Worlds::All).unwrap().state),
        bits(&b.get_state(Worlds::All).unwrap().state),
    );
    assert_eq!(others(&xa, sd, 3), others(&xb, sd, 3));
    for bad in [0.0, -1.0, f32::NAN] {
        let msg = make(bad).err().expect("refused").to_string();
        assert!(msg.contains("escape_radius"), "{msg}");
    }
}
