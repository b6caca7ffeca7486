//! Replaying recorded episodes from their initial state and actions, and reporting those
//! whose states part from the recording.
//!
//! World `w`'s episode `e` is restarted as the recorder started it: the world's clock is
//! set to episode `e − 1` and a masked reset (`VecEnv::reset_worlds` with no new seed)
//! begins episode `e`, which draws the same randomized values and initial state from
//! (seed, w, e). Then the recorded actions are stepped. Worlds replay their demos in
//! rounds, every world its next demo in each round, so a file replays at the batch's
//! speed. On the adapter and driver that recorded it, a replay is bitwise.

use super::Episode;
use crate::env::{AutoresetMode, VecEnv, Worlds};
use crate::layout::WorldClock;
use crate::Error;

/// One recorded episode to replay: which world and episode ran it, its executed actions
/// (`[T, A]`) and its states (`[T + 1, S]`: at each observation, then after the last
/// step).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayInput {
    /// A name for reports (`demo_{i}`).
    pub name: String,
    /// The world that ran it.
    pub world: usize,
    /// The world's episode index.
    pub episode: u32,
    /// `[T, A]`.
    pub actions: Vec<f32>,
    /// `[T + 1, S]`.
    pub states: Vec<f32>,
}

impl From<&Episode> for ReplayInput {
    fn from(ep: &Episode) -> ReplayInput {
        ReplayInput {
            name: format!("world {} episode {}", ep.world, ep.episode),
            world: ep.world,
            episode: ep.episode,
            actions: ep.actions.clone(),
            states: ep.states.clone(),
        }
    }
}

/// What a replay found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayReport {
    /// Episodes replayed.
    pub episodes: usize,
    /// Of them, those whose every state matched bit for bit.
    pub bitwise: usize,
    /// The largest |replayed − recorded| over every state value of every episode.
    pub max_abs: f32,
    /// Episodes that parted by more than the tolerance: name, first step (0 = the initial
    /// state) and the difference there.
    pub diverged: Vec<(String, usize, f32)>,
}

/// Replays `demos` on `env`, which must be built as the recording env was (same scene,
/// randomization and world count or more), with autoreset disabled; `seed` is the
/// recording's env seed. A state value that differs by more than `tolerance` (in the
/// state's units: m, m/s, rad) marks the episode as diverged.
pub fn replay(
    env: &mut dyn VecEnv,
    seed: u64,
    demos: &[ReplayInput],
    tolerance: f32,
) -> Result<ReplayReport, Error> {
    if env.autoreset() != AutoresetMode::Disabled {
        return Err(Error::InvalidArgument {
            field: "autoreset".into(),
            value: format!("{:?}", env.autoreset()),
            allowed: "Disabled (a replay must not reset worlds on its own)".into(),
        });
    }
    let n = env.num_worlds();
    let spec = env.spec().clone();
    let (a, sd) = (spec.action_space.dim(), spec.state_dim);
    if let Some(d) = demos.iter().find(|d| d.world >= n) {
        return Err(Error::InvalidArgument {
            field: "world".into(),
            value: format!("{} ({})", d.world, d.name),
            allowed: format!("below the replay env's {n} worlds"),
        });
    }
    if let Some(d) = demos.iter().find(|d| {
        let steps = d.actions.len() / a.max(1);
        d.actions.len() != steps * a || d.states.len() != (steps + 1) * sd
    }) {
        return Err(Error::InvalidArgument {
            field: "demo".into(),
            value: format!(
                "{}: {} action and {} state values",
                d.name,
                d.actions.len(),
                d.states.len()
            ),
            allowed: format!("T × {a} actions and (T + 1) × {sd} states for this env"),
        });
    }
    // Each world's demos in episode order; round r replays each world's r-th.
    let mut queues: Vec<Vec<&ReplayInput>> = vec![Vec::new(); n];
    for d in demos {
        queues[d.world].push(d);
    }
    for q in &mut queues {
        q.sort_by_key(|d| d.episode);
    }
    let rounds = queues.iter().map(Vec::len).max().unwrap_or(0);
    let hold = spec.action_space.sample(n, seed, 0);
    let mut report = ReplayReport::default();
    env.reset(seed)?;
    for r in 0..rounds {
        let active: Vec<(usize, &ReplayInput)> = queues
            .iter()
            .enumerate()
            .filter_map(|(w, q)| q.get(r).map(|d| (w, *d)))
            .collect();
        let worlds: Vec<usize> = active.iter().map(|(w, _)| *w).collect();
        let mut states = env.get_state(Worlds::Some(&worlds))?;
        for (i, (_, d)) in active.iter().enumerate() {
            states.clocks[i] = WorldClock::new(0, d.episode.wrapping_sub(1), false);
        }
        // Only the clocks matter (the reset overwrites the state), but a world that faulted
        // holds non-finite values, which set_state refuses.
        for v in states.state.iter_mut().filter(|v| !v.is_finite()) {
            *v = 0.0;
        }
        env.set_state(&states)?;
        let mut mask = vec![false; n];
        for w in &worlds {
            mask[*w] = true;
        }
        env.reset_worlds(&mask, None)?;
        let mut parted: Vec<Option<(usize, f32)>> = vec![None; active.len()];
        let mut worst = vec![0.0f32; active.len()];
        let mut compare = |t: usize, got: &[f32]| {
            for (i, (w, d)) in active.iter().enumerate() {
                let steps = d.actions.len() / a;
                if t > steps {
                    continue;
                }
                let want = &d.states[t * sd..(t + 1) * sd];
                let have = &got[w * sd..(w + 1) * sd];
                let diff = want
                    .iter()
                    .zip(have)
                    .map(|(x, y)| {
                        if x.to_bits() == y.to_bits() {
                            0.0
                        } else if x.is_finite() && y.is_finite() {
                            (x - y).abs().max(f32::MIN_POSITIVE)
                        } else {
                            f32::INFINITY
                        }
                    })
                    .fold(0.0f32, f32::max);
                worst[i] = worst[i].max(diff);
                if diff > tolerance && parted[i].is_none() {
                    parted[i] = Some((t, diff));
                }
            }
        };
        compare(0, &env.get_state(Worlds::All)?.state);
        let longest = active.iter().map(|(_, d)| d.actions.len() / a).max();
        let mut actions = hold.clone();
        for t in 0..longest.unwrap_or(0) {
            for (w, d) in &active {
                if (t + 1) * a <= d.actions.len() {
                    actions[w * a..(w + 1) * a].copy_from_slice(&d.actions[t * a..(t + 1) * a]);
                }
            }
            env.step(&actions)?;
            compare(t + 1, &env.get_state(Worlds::All)?.state);
        }
        for (i, (_, d)) in active.iter().enumerate() {
            report.episodes += 1;
            report.max_abs = report.max_abs.max(worst[i]);
            if worst[i] == 0.0 {
                report.bitwise += 1;
            }
            if let Some((t, diff)) = parted[i] {
                report.diverged.push((d.name.clone(), t, diff));
            }
        }
    }
    Ok(report)
}
